"""GET /api/network through Litestar's test client: nodes, edges, the parties rule, agreement
with /api/contacts, the actor's own network, grouping members, filters and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from litestar.testing import TestClient

from chrono.api import create_app
from chrono.build import build
from chrono.network import grouped_pairs
from tests.helpers import ACTORS, EVENTS, write_data

NETWORK_ACTORS = ACTORS + [
    {
        "id": "iea-foreign-ministry",
        "name": "IEA Ministry of Foreign Affairs",
        "kind": "government-body",
        "memberships": [
            {"organization": "islamic-emirate", "role": "ministry", "start": None, "end": None}
        ],
    },
    {
        "id": "stanikzai",
        "name": "Sher Mohammad Abbas Stanikzai",
        "kind": "person",
        "aliases": ["Stanikzai"],
        "memberships": [
            {
                "organization": "iea-foreign-ministry",
                "role": "deputy minister",
                "start": None,
                "end": None,
            }
        ],
    },
    {"id": "qatar", "name": "Qatar", "kind": "state"},
    {"id": "iran", "name": "Iran", "kind": "state"},
]


def _event(
    id_: str,
    date: str,
    type_: str,
    actors: list[tuple[str, str]],
    status: str = "reported",
    title: str | None = None,
    date_text: str | None = None,
) -> dict:
    return {
        "id": id_,
        "date": date,
        "date_text": date_text or date,
        "date_basis": "stated",
        "title": title or id_,
        "summary": f"About {id_}.",
        "type": type_,
        "status": status,
        "actors": [{"id": a, "role": r} for a, r in actors],
        "citations": [
            {
                "source": "review-2024",
                "quote": "In August 2021, Haniyah called Baradar.",
                "stance": "reports",
            }
        ],
    }


NETWORK_EVENTS = EVENTS + [
    _event(
        "2022-01-10-doha-meeting",
        "2022-01-10",
        "meeting",
        [("muttaqi", "participant"), ("qatar", "host"), ("stanikzai", "participant")],
        title="Meeting in Doha",
    ),
    _event(
        "2022-03-talks",
        "2022-03",
        "talks",
        [
            ("islamic-emirate", "participant"),
            ("muttaqi", "participant"),
            ("pakistan", "participant"),
        ],
        status="confirmed",
    ),
    _event(
        "2022-call",
        "2022",
        "phone-call",
        [("haniyeh", "initiator"), ("muttaqi", "recipient")],
        status="claimed",
    ),
    _event("2022-05-statement", "2022-05", "statement", [("hamas", "author"), ("iran", "target")]),
]


def _client(tmp_path_factory, events: list[dict]):
    folder: Path = tmp_path_factory.mktemp("network")
    write_data(folder / "data", actors=NETWORK_ACTORS, events=events)
    build(folder / "data", folder / "chrono.db")
    return TestClient(create_app(folder / "chrono.db", mount_datasette=False))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with _client(tmp_path_factory, NETWORK_EVENTS) as c:
        yield c


# Events whose possible days run into the next year, one of a season, and a funeral.
CROSSING_EVENTS = NETWORK_EVENTS + [
    # The dead at a funeral is its subject, never a contact of the mourners.
    _event(
        "2022-02-funeral",
        "2022-02",
        "ceremony",
        [("haniyeh", "subject"), ("muttaqi", "participant"), ("iran", "host")],
    ),
    _event(
        "2021-12-winter-talks",
        "2021-12/2022-01",
        "talks",
        [("pakistan", "participant"), ("muttaqi", "participant")],
    ),
    _event(
        "2022-winter-visit",
        "2022-24",
        "visit",
        [("qatar", "visitor"), ("islamic-emirate", "host"), ("stanikzai", "participant")],
        date_text="in the winter of 2022",
    ),
    _event(
        "2023-12-30-call",
        "2023-12-30/2024-01-02",
        "phone-call",
        [("iran", "initiator"), ("muttaqi", "recipient")],
    ),
]


@pytest.fixture(scope="module")
def crossing_client(tmp_path_factory):
    with _client(tmp_path_factory, CROSSING_EVENTS) as c:
        yield c


def get(client, query: str = "") -> dict:
    response = client.get(f"/api/network{'?' if query else ''}{query}")
    assert response.status_code == 200, response.text
    return response.json()


def pairs(answer: dict) -> dict[str, int]:
    return {f"{e['source']}|{e['target']}": e["count"] for e in answer["edges"]}


def test_network_of_a_month_is_its_pairs_of_parties(client):
    meeting = {
        "count": 1,
        "first": "2022-01-10",
        "last": "2022-01-10",
        "types": {"meeting": 1},
        "event_ids": ["2022-01-10-doha-meeting"],
    }
    assert get(client, "from=2022-01&to=2022-01") == {
        "nodes": [
            {"id": "haniyeh", "name": "Ismail Haniyeh", "kind": "person", "events": 1},
            {"id": "muttaqi", "name": "Amir Khan Muttaqi", "kind": "person", "events": 2},
            {"id": "qatar", "name": "Qatar", "kind": "state", "events": 1},
            {
                "id": "stanikzai",
                "name": "Sher Mohammad Abbas Stanikzai",
                "kind": "person",
                "events": 1,
            },
        ],
        "edges": [
            # a call dated only "2022" may fall in January
            {
                "source": "haniyeh",
                "target": "muttaqi",
                "count": 1,
                "first": "2022-01-01",
                "last": "2022-12-31",
                "types": {"phone-call": 1},
                "event_ids": ["2022-call"],
            },
            {"source": "muttaqi", "target": "qatar", **meeting},
            {"source": "muttaqi", "target": "stanikzai", **meeting},
            {"source": "qatar", "target": "stanikzai", **meeting},
        ],
    }


def test_subject_target_and_author_are_never_in_contact(crossing_client):
    everything = pairs(get(crossing_client))
    assert "haniyeh|iran" not in everything and "haniyeh|muttaqi" in everything
    assert everything["haniyeh|muttaqi"] == 2  # the calls of October 2021 and 2022, not the funeral
    assert everything["iran|muttaqi"] == 2  # the funeral, and a call
    assert not [p for p in everything if "hamas" in p.split("|")]


def test_edge_has_counts_by_type_first_last_and_sorted_ids(client):
    edge = next(
        e for e in get(client)["edges"] if (e["source"], e["target"]) == ("muttaqi", "pakistan")
    )
    assert edge == {
        "source": "muttaqi",
        "target": "pakistan",
        "count": 2,
        "first": "2022-03-01",
        "last": "2024-12-24",
        "types": {"talks": 2},
        "event_ids": ["2022-03-talks", "2024-12-24-talks-in-kabul"],
    }


@pytest.mark.parametrize(
    "query",
    [
        "",
        "from=2022&to=2022",
        "from=2022-03&to=2022-03",
        "from=2022-03&to=2022-03&match=within",
        "from=2021-10-05&to=2024-12-24",
    ],
)
def test_edge_counts_equal_contacts_without_members(client, query):
    answer = get(client, query)
    assert answer["edges"]
    bounds = "".join(f"&{p}" for p in query.split("&") if p.startswith(("from=", "to=")))
    for edge in answer["edges"]:
        if "match=within" in query:
            continue  # /api/contacts reads ranges as overlap only
        contacts = client.get(
            f"/api/contacts?actor={edge['source']}&with={edge['target']}&members=false{bounds}"
        ).json()["contacts"]
        assert [(c["count"], c["event_ids"]) for c in contacts] == [
            (edge["count"], edge["event_ids"])
        ], edge


@pytest.mark.parametrize("query", ["", "from=2022&to=2022"])
def test_grouped_edge_counts_equal_contacts_with_members(client, query):
    answer = get(client, f"group=true&{query}")
    assert {n["id"] for n in answer["nodes"]} >= {"islamic-emirate", "pakistan", "qatar"}
    assert not {"muttaqi", "stanikzai", "iea-foreign-ministry"} & {n["id"] for n in answer["nodes"]}
    bounds = f"&{query}" if query else ""
    for edge in answer["edges"]:
        contacts = client.get(
            f"/api/contacts?actor={edge['source']}&with={edge['target']}{bounds}"
        ).json()["contacts"]
        assert [(c["count"], c["event_ids"]) for c in contacts] == [
            (edge["count"], edge["event_ids"])
        ], edge


def test_grouping_draws_nested_members_as_the_outermost_organisation():
    member_of = {
        "muttaqi": [("islamic-emirate", None, None)],
        "stanikzai": [("iea-foreign-ministry", None, None), ("islamic-emirate", None, None)],
        "iea-foreign-ministry": [("islamic-emirate", None, None)],
    }
    has_members = {"islamic-emirate", "iea-foreign-ministry"}
    # Everyone is the Emirate's: no contact at all.
    assert (
        grouped_pairs(["muttaqi", "stanikzai"], "2022-01-10", "2022-01-10", member_of, has_members)
        == []
    )
    assert grouped_pairs(
        ["muttaqi", "qatar", "stanikzai"], "2022-01-10", "2022-01-10", member_of, has_members
    ) == [("islamic-emirate", "qatar")]
    # A membership that ended before the event does not count.
    ended = {"haniyeh": [("hamas", "2017-01-01", "2024-07-31")]}
    assert grouped_pairs(["haniyeh", "iran"], "2024-08-01", "2024-08-01", ended, {"hamas"}) == [
        ("haniyeh", "iran")
    ]
    assert grouped_pairs(["haniyeh", "iran"], "2024-07-01", "2024-07-01", ended, {"hamas"}) == [
        ("hamas", "iran")
    ]


def test_actor_network_is_its_contacts_and_the_contacts_among_them(client):
    answer = get(client, "actor=Mutaqqi&members=false")
    listed = client.get("/api/contacts?actor=muttaqi&members=false").json()["contacts"]
    partners = {c["other"]["id"]: c["count"] for c in listed}
    assert {n["id"] for n in answer["nodes"]} == {"muttaqi", *partners}
    spokes = {
        e["target"] if e["source"] == "muttaqi" else e["source"]: e["count"]
        for e in answer["edges"]
        if "muttaqi" in (e["source"], e["target"])
    }
    assert spokes == partners
    among = {k for k in pairs(answer) if "muttaqi" not in k.split("|")}
    assert among == {"islamic-emirate|pakistan", "qatar|stanikzai"}


def test_organisation_network_with_members_counts_its_members_contacts(client):
    answer = get(client, "actor=islamic-emirate")
    listed = client.get("/api/contacts?actor=islamic-emirate").json()["contacts"]
    spokes = {
        e["target"] if e["source"] == "islamic-emirate" else e["source"]: e["count"]
        for e in answer["edges"]
        if "islamic-emirate" in (e["source"], e["target"])
    }
    assert spokes == {c["other"]["id"]: c["count"] for c in listed}
    assert "qatar" in spokes  # through Muttaqi and Stanikzai, its members at the time


def test_member_network_with_members_on_leaves_out_the_organisation_it_belongs_to(crossing_client):
    """Muttaqi at talks with the Emirate he serves has not met the Emirate: with members on,
    his spokes are /api/contacts?actor=muttaqi, whole years and cut ones alike."""
    for bounds in ("", "&from=2022&to=2022", "&from=2022-03-01&to=2023-12-31"):
        answer = get(crossing_client, f"actor=muttaqi{bounds}")
        listed = crossing_client.get(f"/api/contacts?actor=muttaqi{bounds}").json()["contacts"]
        spokes = {
            e["target"] if e["source"] == "muttaqi" else e["source"]: (e["count"], e["event_ids"])
            for e in answer["edges"]
            if "muttaqi" in (e["source"], e["target"])
        }
        assert spokes == {c["other"]["id"]: (c["count"], c["event_ids"]) for c in listed}, bounds
    assert "islamic-emirate" not in spokes
    unmembered = get(crossing_client, "actor=muttaqi&members=false")
    assert "islamic-emirate" in {n["id"] for n in unmembered["nodes"]}


def test_min_count_drops_edges_and_the_nodes_they_leave(client):
    answer = get(client, "min_count=2")
    assert pairs(answer) == {"haniyeh|muttaqi": 2, "muttaqi|pakistan": 2}
    assert [n["id"] for n in answer["nodes"]] == ["haniyeh", "muttaqi", "pakistan"]
    assert get(client, "min_count=99") == {"nodes": [], "edges": []}


def test_ids_caps_the_event_ids_not_the_count(client):
    edge = next(
        e
        for e in get(client, "ids=1")["edges"]
        if e["source"] == "muttaqi" and e["target"] == "pakistan"
    )
    assert (edge["count"], edge["event_ids"]) == (2, ["2022-03-talks"])


def test_an_edge_lists_its_first_hundred_ids_unless_asked_for_more(tmp_path_factory):
    parties = [("haniyeh", "initiator"), ("muttaqi", "recipient")]
    calls = [
        _event(f"2022-01-{d:02d}-call-{n}", f"2022-01-{d:02d}", "phone-call", parties)
        for d in range(1, 29)
        for n in range(4)
    ]
    with _client(tmp_path_factory, NETWORK_EVENTS + calls) as c:
        edge = next(
            e
            for e in get(c, "from=2022-01&to=2022-01")["edges"]
            if (e["source"], e["target"]) == ("haniyeh", "muttaqi")
        )
        query = "actor=haniyeh&with=muttaqi&members=false&from=2022-01&to=2022-01"
        listed = c.get(f"/api/contacts?{query}").json()["contacts"][0]
        assert edge["count"] == listed["count"] == 113  # with the call of some day in 2022
        assert edge["event_ids"] == listed["event_ids"][:100]
        everything = next(
            e
            for e in get(c, "from=2022-01&to=2022-01&ids=1000")["edges"]
            if e["target"] == "muttaqi"
        )
        assert everything["event_ids"] == listed["event_ids"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=phone-call", {"haniyeh|muttaqi": 2, "baradar|haniyeh": 1}),
        (
            "status=confirmed",
            {"islamic-emirate|muttaqi": 1, "islamic-emirate|pakistan": 1, "muttaqi|pakistan": 2},
        ),
        ("status=claimed&status=confirmed&type=phone-call", {"haniyeh|muttaqi": 1}),
        ("q=Doha", {"muttaqi|qatar": 1, "muttaqi|stanikzai": 1, "qatar|stanikzai": 1}),
        (
            "from=2022&to=2022&match=within",
            {
                "haniyeh|muttaqi": 1,
                "muttaqi|qatar": 1,
                "muttaqi|stanikzai": 1,
                "qatar|stanikzai": 1,
                "islamic-emirate|muttaqi": 1,
                "islamic-emirate|pakistan": 1,
                "muttaqi|pakistan": 1,
            },
        ),
        ("type=statement", {}),
    ],
)
def test_filters_are_those_of_events(client, query, expected):
    assert pairs(get(client, query)) == expected


def test_months_count_contacts_per_month_of_their_first_possible_day(client):
    assert get(client, "months=true&from=2022&to=2022")["months"] == [
        {"month": "2022-01", "count": 4},
        {"month": "2022-03", "count": 3},
    ]
    assert "months" not in get(client)


@pytest.mark.parametrize(
    ("query", "parameter", "words"),
    [
        ("min_count=0", "min_count", "1 or more"),
        ("ids=-1", "ids", "between 0 and"),
        ("from=2022-13", "from", "not a real calendar date"),
        ("from=2023&to=2022", "to", "before it starts"),
        ("actor=nobody-at-all", "actor", "no actor is known"),
        ("actor=muttaqi&actor=iran", "actor", "more than once"),
        ("type=gossip", "type", ""),
        ("match=sometimes", "match", ""),
    ],
)
def test_bad_input_is_a_400_in_words(client, query, parameter, words):
    response = client.get(f"/api/network?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["parameter"] == parameter and words in body["detail"]


def test_datasette_links_an_actor_and_the_contacts_query_to_the_network(tmp_path):
    write_data(tmp_path / "data", actors=NETWORK_ACTORS, events=NETWORK_EVENTS)
    build(tmp_path / "data", tmp_path / "chrono.db")
    with TestClient(create_app(tmp_path / "chrono.db")) as c:
        actor = c.get("/datasette/chrono/actors/muttaqi").text
        assert (
            '<a href="/network?actor=muttaqi" '
            'title="Contact network of Amir Khan Muttaqi">(network)</a>' in actor
        )
        between = c.get("/datasette/chrono/contacts_between?actor=Muttaqi&other=Qatar").text
        assert '<a href="/network?actor=muttaqi">network</a>' in between
        assert c.get("/network?actor=muttaqi").status_code == 200


ALL_CONTACT_TYPES = "&".join(
    f"type={t}" for t in ("phone-call", "meeting", "visit", "talks", "conference", "ceremony")
)


@pytest.mark.parametrize(
    "actor",
    ["", "&actor=muttaqi", "&actor=islamic-emirate", "&actor=islamic-emirate&members=false"],
)
@pytest.mark.parametrize("group", ["", "&group=true"])
@pytest.mark.parametrize("match", ["", "&match=within"])
@pytest.mark.parametrize(
    "span",
    [
        "",
        "from=2022&to=2022",
        "from=2021&to=2024",
        "from=2021-10-05&to=2022-12-31",
        "from=2022-01-10&to=2024",
        "from=2021-08&to=2022-02",
        "to=2022-06",
        "from=2022-02",
    ],
)
def test_whole_years_read_from_yearly_counts_give_what_every_event_gives(
    crossing_client, span, match, group, actor
):
    """A type filter reads every event one by one; all contact types select the same events."""
    query = f"{span}{match}{group}{actor}&months=true"
    assert get(crossing_client, query) == get(crossing_client, f"{query}&{ALL_CONTACT_TYPES}")


def test_limit_keeps_the_actor_and_its_most_frequent_partners(client):
    full = get(client, "actor=muttaqi&members=false")
    answer = get(client, "actor=muttaqi&members=false&limit=2")
    spokes = sorted(
        (
            (e["count"], e["target"] if e["source"] == "muttaqi" else e["source"])
            for e in full["edges"]
            if "muttaqi" in (e["source"], e["target"])
        ),
        key=lambda c: (-c[0], c[1]),
    )
    kept = {"muttaqi", *(p for _, p in spokes[:2])}
    assert {n["id"] for n in answer["nodes"]} == kept
    assert pairs(answer) == {k: v for k, v in pairs(full).items() if set(k.split("|")) <= kept}
    busiest = get(client, "limit=3")
    assert len(busiest["nodes"]) == 3 and "muttaqi" in {n["id"] for n in busiest["nodes"]}
    assert client.get("/api/network?limit=0").json()["parameter"] == "limit"
