"""The REST API through Litestar's test client: filters, resolution, pagination, errors, caching."""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from chrono import queries
from chrono.api import create_app
from chrono.build import build
from tests.helpers import ACTORS, ALL, EVENTS, write_data


@pytest.fixture(scope="module")
def client(api_client):
    return api_client


def ids(client, url: str) -> list[str]:
    r = client.get(url)
    assert r.status_code == 200, r.text
    return [e["id"] for e in r.json()["events"]]


def test_events_in_date_order_with_full_records(client):
    body = client.get("/api/events").json()
    assert [e["id"] for e in body["events"]] == ALL
    assert body["next"] is None
    first = body["events"][0]
    assert first == {
        "id": "2021-08-haniyeh-calls-baradar",
        "date": "2021-08",
        "date_text": "In August 2021",
        "date_start": "2021-08-01",
        "date_end": "2021-08-31",
        "precision": "month",
        "display_date": "Aug 2021",
        "qualifier": None,
        "approximate": False,
        "uncertain": False,
        "date_basis": "stated",
        "title": "Haniyeh phones Baradar",
        "summary": "Hamas leader called the Taliban deputy leader.",
        "type": "phone-call",
        "cameo": "041",
        "status": "reported",
        "location": {"place": None, "country": None},
        "actors": [
            {"id": "haniyeh", "name": "Ismail Haniyeh", "role": "initiator"},
            {"id": "baradar", "name": "Abdul Ghani Baradar", "role": "recipient"},
        ],
        "citations": [
            {
                "source": {
                    "id": "review-2024",
                    "title": "A year of contacts",
                    "outlet": "Review",
                    "published": "2024-11/2024-12",
                    "display_published": "Nov–Dec 2024",
                    "url": None,
                },
                "quote": "In August 2021, Haniyah called Baradar.",
                "stance": "reports",
            }
        ],
        "notes": None,
    }


@pytest.mark.parametrize(
    "query", ["", "&actor=Haniyeh", "&q=called", "&type=phone-call", "&match=within"]
)
def test_a_range_from_the_first_year_of_the_calendar_is_answered(client, query):
    # An overlapping event may start before the range does: the look-back stops at 0001-01-01.
    assert ids(client, f"/api/events?from=0001{query}") == ids(
        client, f"/api/events?from=0001-01-01{query}"
    )
    assert ids(client, f"/api/events?from=0001&to=2021-08{query}") == ids(
        client, f"/api/events?to=2021-08{query}"
    )
    assert client.get(f"/api/events.ics?from=0001{query}").status_code == 200


def test_month_event_overlaps_a_day_inside_it_but_is_not_within_it(client):
    assert ids(client, "/api/events?from=2021-08-15&to=2021-08-15") == [
        "2021-08-haniyeh-calls-baradar",
        "2021-08-15-kabul-falls",
    ]
    assert ids(client, "/api/events?from=2021-08-15&to=2021-08-15&match=within") == [
        "2021-08-15-kabul-falls"
    ]
    assert ids(client, "/api/events?from=2021-08&to=2021-08&match=within") == [
        "2021-08-haniyeh-calls-baradar",
        "2021-08-15-kabul-falls",
    ]


@pytest.mark.parametrize(
    "query, expected",
    [
        (
            "from=2024",
            ["2024-12-22-ttp-attack", "2024-12-24-talks-in-kabul", "2025-01-hamas-statement"],
        ),
        ("to=2021-09", ["2021-08-haniyeh-calls-baradar", "2021-08-15-kabul-falls"]),
        (
            "from=2021-10-05&to=2021-10-05",
            ["2021-10-haniyeh-calls-muttaqi"],
        ),  # early October = 1-10
        ("from=2021-10-11&to=2021-10-31", []),
        ("type=phone-call", ["2021-08-haniyeh-calls-baradar", "2021-10-haniyeh-calls-muttaqi"]),
        ("type=talks&type=attack", ["2024-12-22-ttp-attack", "2024-12-24-talks-in-kabul"]),
        ("status=denied", ["2025-01-hamas-statement"]),
        (
            "status=confirmed&status=denied",
            ["2021-08-15-kabul-falls", "2024-12-24-talks-in-kabul", "2025-01-hamas-statement"],
        ),
        ("q=outpost", ["2024-12-22-ttp-attack"]),
        (
            "q=haniyah",
            ["2021-08-haniyeh-calls-baradar", "2021-08-15-kabul-falls"],
        ),  # only in quotes
        ("q=%22presidential%20palace%22", ["2021-08-15-kabul-falls"]),
        ("q=kabul%20NOT%20envoy", ["2021-08-15-kabul-falls"]),
        ("order=desc", list(reversed(ALL))),
    ],
)
def test_filters(client, query, expected):
    assert ids(client, f"/api/events?{query}") == expected


@pytest.mark.parametrize(
    "actor", ["haniyeh", "Haniyeh", "HANIYAH", "Haniyéh", "Ismail Haniyeh", "  haniyah "]
)
def test_actor_by_id_name_or_alias_ignoring_case_and_accents(client, actor):
    assert ids(client, f"/api/events?actor={actor}") == [
        "2021-08-haniyeh-calls-baradar",
        "2021-10-haniyeh-calls-muttaqi",
        "2025-01-hamas-statement",
    ]


def test_several_actors_must_all_take_part(client):
    assert ids(client, "/api/events?actor=Haniyeh&actor=Muttaqi") == [
        "2021-10-haniyeh-calls-muttaqi"
    ]
    assert ids(client, "/api/events?actor=Haniyah&from=2021&to=2022") == [
        "2021-08-haniyeh-calls-baradar",
        "2021-10-haniyeh-calls-muttaqi",
    ]


def test_organization_expands_to_members_whose_membership_covers_the_date(client):
    # Baradar (member from 2021-08) and Muttaqi (from 2021-09) take part as Emirate members;
    # Haniyeh's Hamas membership ended 2024-07-31, so the January 2025 statement counts only by
    # Hamas itself.
    assert ids(client, "/api/events?actor=Taleban") == [
        "2021-08-haniyeh-calls-baradar",
        "2021-08-15-kabul-falls",
        "2021-10-haniyeh-calls-muttaqi",
        "2024-12-24-talks-in-kabul",
    ]
    assert ids(client, "/api/events?actor=IEA&members=false") == ["2021-08-15-kabul-falls"]
    assert ids(client, "/api/events?actor=hamas") == [
        "2021-08-haniyeh-calls-baradar",
        "2021-10-haniyeh-calls-muttaqi",
        "2025-01-hamas-statement",
    ]


def test_event_by_id_and_404(client):
    assert client.get("/api/events/2024-12-22-ttp-attack").json()["title"] == "TTP attack"
    r = client.get("/api/events/no-such-event")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == "no record with id 'no-such-event'"


def test_actors_list_search_and_detail(client):
    found = client.get("/api/actors?q=mutaqqi").json()["actors"]
    assert [(a["id"], a["event_count"]) for a in found] == [("muttaqi", 2)]
    detail = client.get("/api/actors/islamic-emirate").json()
    assert detail["aliases"] == [
        "IEA",
        "Islamic Emirate",
        "Islamic Emirate of Afghanistan",
        "Taleban",
        "Taliban",
    ]
    assert [(m["actor"]["id"], m["role"]) for m in detail["members"]] == [
        ("baradar", "deputy leader"),
        ("muttaqi", "acting Foreign Minister"),
    ]
    assert client.get("/api/actors/haniyeh").json()["memberships"] == [
        {
            "organization": {"id": "hamas", "name": "Hamas"},
            "role": "political leader",
            "start": "2017",
            "end": "2024-07-31",
        }
    ]
    assert client.get("/api/actors/nobody").status_code == 404


@pytest.mark.parametrize(
    "path", ["/api/events", "/api/events.csv", "/api/timeline.json", "/api/contacts"]
)
def test_an_empty_date_bound_or_cursor_is_no_bound(client, path):
    base = (
        "actor=Haniyah" if path == "/api/contacts" else "limit=50" if path == "/api/events" else ""
    )
    whole, empty = (
        client.get(f"{path}?{base}"),
        client.get(f"{path}?{base}&from=&to=" + ("&cursor=" if path == "/api/events" else "")),
    )
    assert empty.status_code == 200 and empty.content == whole.content


@pytest.mark.parametrize("path", ["/api/events/", "/api/actors/"])
def test_an_id_longer_than_any_is_not_found(client, path):
    r = client.get(path + "x" * 201)
    assert r.status_code == 404 and r.json()["detail"] == f"no record with id '{'x' * 40}…'"


@pytest.mark.parametrize(
    "name, actor_id",
    [
        ("Haniyah", "haniyeh"),
        ("ismail%20haniyeh", "haniyeh"),
        ("Tal%C3%ADban", "islamic-emirate"),
        ("TTP", "ttp"),
    ],
)
def test_an_actor_asked_for_by_name_or_alias_redirects_to_its_id(client, name, actor_id):
    r = client.get(f"/api/actors/{name}", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == f"./{actor_id}"
    followed = client.get(f"/api/actors/{name}")
    assert followed.status_code == 200 and followed.json()["id"] == actor_id
    assert str(followed.url).endswith(f"/api/actors/{actor_id}")


def test_contacts_are_dyads_with_count_first_last(client):
    body = client.get("/api/contacts?actor=Haniyah").json()
    assert body == {
        "contacts": [
            {
                "actor": {"id": "haniyeh", "name": "Ismail Haniyeh"},
                "other": {"id": "baradar", "name": "Abdul Ghani Baradar"},
                "count": 1,
                "first": "2021-08-01",
                "last": "2021-08-31",
                "event_ids": ["2021-08-haniyeh-calls-baradar"],
            },
            {
                "actor": {"id": "haniyeh", "name": "Ismail Haniyeh"},
                "other": {"id": "muttaqi", "name": "Amir Khan Muttaqi"},
                "count": 1,
                "first": "2021-10-01",
                "last": "2021-10-10",
                "event_ids": ["2021-10-haniyeh-calls-muttaqi"],
            },
        ]
    }
    narrowed = client.get("/api/contacts?actor=haniyeh&with=Mutaqqi").json()["contacts"]
    assert [c["other"]["id"] for c in narrowed] == ["muttaqi"]
    assert client.get("/api/contacts?actor=haniyeh&from=2022").json() == {"contacts": []}
    assert client.get("/api/contacts?actor=Haniyah&limit=1").json() == {
        "contacts": body["contacts"][:1]
    }
    assert client.get("/api/contacts?actor=Haniyah&limit=1&from=2021").json() == {
        "contacts": body["contacts"][:1]
    }
    assert client.get("/api/contacts?actor=Haniyah&limit=0").json()["parameter"] == "limit"


@pytest.mark.parametrize(
    "path, query, parameter, suggested",
    [
        ("/api/events", "actor=Hanieh", "actor", ["haniyeh"]),
        ("/api/events", "actor=Mutaki", "actor", ["muttaqi"]),
        ("/api/events", "actor=Talibann", "actor", ["islamic-emirate"]),
        ("/api/events", "actor=Muttaqi%20Amir", "actor", ["muttaqi"]),
        ("/api/contacts", "actor=Haniyeh&with=Baradr", "with", ["baradar"]),
        ("/api/events", "actor=Zebedee", "actor", []),
    ],
)
def test_an_unknown_actor_comes_with_close_names(client, path, query, parameter, suggested):
    body = client.get(f"{path}?{query}").json()
    assert body["parameter"] == parameter and "no actor is known as" in body["detail"]
    assert [s["id"] for s in body.get("suggestions", [])] == suggested
    names = {a["id"]: a["name"] for a in ACTORS}
    assert body.get("suggestions", []) == [{"id": i, "name": names[i]} for i in suggested]


@pytest.mark.parametrize(
    "path, query, detail",
    [
        ("/api/events", "from=21", "from: use YYYY, YYYY-MM or YYYY-MM-DD (got '21')"),
        ("/api/events", "to=2021-8", "to: use YYYY, YYYY-MM or YYYY-MM-DD (got '2021-8')"),
        ("/api/events", "match=sometimes", "match: use overlap or within (got 'sometimes')"),
        ("/api/events", "order=up", "order: use asc or desc (got 'up')"),
        ("/api/events", "members=perhaps", "members: use true or false (got 'perhaps')"),
        (
            "/api/events",
            "type=meeting&type=tea",
            "type: use an event type listed at /api/types, such as meeting, phone-call or visit "
            "(got 'tea')",
        ),
        (
            "/api/events",
            "status=rumoured",
            "status: use one of confirmed, reported, claimed, disputed, denied, unverified, false "
            "(got 'rumoured')",
        ),
        ("/api/events", "limit=abc", "limit: use a whole number from 1 to 500 (got 'abc')"),
        ("/api/events", "limit=501", "limit: use a whole number from 1 to 500 (got '501')"),
        (
            "/api/events",
            "q=" + "x" * 201,
            "q: at most 200 characters of text (got '" + "x" * 40 + "…')",
        ),
        (
            "/api/events",
            "cursor=" + "x" * 401,
            "cursor: pass `next` from the previous page unchanged (got '" + "x" * 40 + "…')",
        ),
        (
            "/api/events",
            "actor=Nobody",
            "actor: no actor is known as 'Nobody'; search names at /api/actors?q=",
        ),
        (
            "/api/contacts",
            "",
            "actor: required; give an actor id, name or alias (at most 200 characters)",
        ),
        (
            "/api/contacts",
            "actor=hamas&limit=0",
            "limit: use a whole number from 1 to 10,000 (got '0')",
        ),
        ("/api/contacts", "actor=hamas&ids=-1", "ids: use a whole number, 0 or more (got '-1')"),
        (
            "/api/contacts",
            "actor=hamas&with=" + "x" * 201,
            "with: give an actor id, name or alias (at most 200 characters) (got '"
            + "x" * 40
            + "…')",
        ),
        ("/api/actors", "limit=0", "limit: use a whole number from 1 to 500 (got '0')"),
    ],
)
def test_errors_are_worded_for_people(client, path, query, detail):
    body = client.get(f"{path}?{query}").json()
    assert body["detail"] == detail
    assert body["parameter"] == detail.split(":")[0]
    assert "regex" not in body["detail"] and "Expected" not in body["detail"]


@pytest.mark.parametrize(
    "query, parameter, detail",
    [
        ("from=2021-02-30", "from", "not a real calendar date"),
        ("to=21-08", "to", ""),
        ("from=2022&to=2021", "to", "ends (2021) before it starts (2022)"),
        ("limit=0", "limit", ""),
        ("limit=501", "limit", ""),
        ("limit=-5", "limit", ""),
        ("limit=abc", "limit", ""),
        ("type=tea-party", "type", ""),
        ("status=rumoured", "status", ""),
        ("match=sometimes", "match", ""),
        ("order=sideways", "order", ""),
        ("members=perhaps", "members", ""),
        ("cursor=not-a-cursor", "cursor", "not a cursor this API issued"),
        ("q=", "q", "empty full-text query"),
        ("q=%22", "q", "no words to search for"),
        ("q=-%20*", "q", "no words to search for"),
        ("from=2024%0A", "from", "use YYYY, YYYY-MM or YYYY-MM-DD (got '2024\\n')"),
        ("q=" + "x%20" * 20, "q", "at most 12 terms"),
        ("actor=Nobody%20Known", "actor", "no actor is known as 'Nobody Known'"),
    ],
)
def test_bad_input_is_a_problem_naming_the_parameter(client, query, parameter, detail):
    for path in ("/api/events", "/api/events.csv", "/api/events.ics", "/api/timeline.json"):
        if path != "/api/events" and parameter in ("limit", "cursor", "order"):
            continue
        r = client.get(f"{path}?{query}")
        assert r.status_code == 400, (path, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert body["status"] == 400 and body["parameter"] == parameter
        assert detail in body["detail"]


@pytest.mark.parametrize(
    "q", ["Pakistan's envoy", "envoy,", "envoy?", '"Pakistan', "held-talks", "Pakist*"]
)
def test_full_text_reads_punctuated_words_as_typed(client, q):
    """Text FTS5 would refuse as syntax is searched as the words it holds."""
    assert ids(client, "/api/events?q=" + quote(q)) == ["2024-12-24-talks-in-kabul"]


def test_full_text_syntax_still_works_and_a_query_is_judged_before_any_row(client):
    assert ids(client, "/api/events?q=" + quote("title:talks OR title:phones")) == [
        "2021-08-haniyeh-calls-baradar",
        "2021-10-haniyeh-calls-muttaqi",
        "2024-12-24-talks-in-kabul",
    ]
    # A query with no words is refused even where no event could reach the text test.
    r = client.get("/api/events?actor=pakistan&from=2030&q=%22")
    assert r.status_code == 400 and r.json()["parameter"] == "q"


@pytest.mark.parametrize(
    "url, parameter",
    [
        ("/api/events?from=2021&from=2024", "from"),
        ("/api/events?limit=1&order=asc&limit=3", "limit"),
        ("/api/events.csv?q=talks&q=calls", "q"),
        ("/api/contacts?actor=Haniyah&actor=Pakistan", "actor"),
        ("/api/contacts?actor=Haniyah&with=Baradar&with=Muttaqi", "with"),
    ],
)
def test_a_single_valued_parameter_given_twice_is_refused(client, url, parameter):
    r = client.get(url)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["parameter"] == parameter and "more than once" in r.json()["detail"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_contacts_requires_actor(client):
    r = client.get("/api/contacts")
    assert r.status_code == 400 and r.json()["parameter"] == "actor"
    r = client.get("/api/contacts?actor=Haniyah&with=")  # an empty `with` is not "anyone"
    assert r.status_code == 400 and r.json()["parameter"] == "with"


def test_cursor_tampering_is_refused(client):
    cursor = client.get("/api/events?limit=2").json()["next"]
    tampered = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    r = client.get(f"/api/events?limit=2&cursor={tampered}")
    assert r.status_code == 400 and r.json()["parameter"] == "cursor"
    r = client.get(f"/api/events?limit=2&cursor={cursor}&order=desc")
    assert r.status_code == 400 and "asc order" in r.json()["detail"]


@pytest.mark.parametrize(
    "other",
    [
        "actor=Haniyah",
        "from=2021",
        "type=phone-call",
        "q=talks",
        "match=within&from=2021",
        "members=false&actor=hamas",
        "status=denied",
    ],
)
def test_a_cursor_pages_only_through_the_filters_it_came_from(client, other):
    cursor = client.get("/api/events?limit=1").json()["next"]
    r = client.get(f"/api/events?limit=1&{other}&cursor={cursor}")
    assert r.status_code == 400 and r.json()["parameter"] == "cursor", r.text
    assert "other filters" in r.json()["detail"]


def test_a_cursor_accepts_the_same_filters_spelled_otherwise(client):
    cursor = client.get("/api/events?limit=1&actor=haniyeh&type=phone-call&type=statement").json()[
        "next"
    ]
    r = client.get(
        f"/api/events?limit=1&actor=Haniyah&type=statement&type=phone-call&cursor={cursor}"
    )
    assert r.status_code == 200 and [e["id"] for e in r.json()["events"]] == [
        "2021-10-haniyeh-calls-muttaqi"
    ], r.text


def test_etag_tied_to_the_build_and_304(client, api_db):
    r = client.get("/api/events?limit=1")
    etag = r.headers["etag"]
    assert etag.strip('"') == r.headers["x-chrono-build"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = client.get("/api/events?limit=1", headers={"If-None-Match": header})
        assert again.status_code == 304 and again.content == b"", header
    assert (
        client.get("/api/events?limit=1", headers={"If-None-Match": '"other"'}).status_code == 200
    )


def test_cors_allows_any_origin_without_credentials(client):
    r = client.get("/api/events?limit=1", headers={"Origin": "https://news.example"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    pre = client.options(
        "/api/events",
        headers={"Origin": "https://news.example", "Access-Control-Request-Method": "GET"},
    )
    assert pre.status_code in (200, 204) and pre.headers["access-control-allow-origin"] == "*"
    # Only what the routes answer is offered: GET, and HEAD, answered as GET without the body.
    assert {m.strip() for m in pre.headers["access-control-allow-methods"].split(",")} == {
        "GET",
        "HEAD",
        "OPTIONS",
    }


@pytest.mark.parametrize(
    "path",
    [
        "/api/events?limit=2",
        "/api/events?actor=Haniyah",
        "/api/events/2021-08-haniyeh-calls-baradar",
        "/api/actors",
        "/api/contacts?actor=haniyeh",
        "/api/events.csv",
        "/api/events.ics",
        "/api/timeline.json",
        "/api/types",
        "/widget.js",
        "/",
        "/api/events?limit=0",
        "/api/events?from=2024&from=2021",
        "/api/nothing",
    ],
)
def test_head_answers_as_get_without_the_body(client, path):
    got, head = client.get(path), client.head(path)
    assert (head.status_code, head.content) == (got.status_code, b"")
    assert got.content  # GET did send a body: HEAD left it out
    for name in (
        "content-type",
        "content-length",
        "etag",
        "x-chrono-build",
        "cache-control",
        "content-security-policy",
    ):
        assert head.headers.get(name) == got.headers.get(name), name


def test_head_gets_304_when_the_client_has_the_build(client):
    etag = client.head("/api/events?limit=1").headers["etag"]
    again = client.head("/api/events?limit=1", headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")


def test_openapi_describes_every_parameter(client):
    spec = client.get("/schema/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    for path, ops in spec["paths"].items():
        for op in ops.values():
            assert op.get("description") or op.get("summary"), path
            for p in op.get("parameters", []):
                assert p.get("description"), (path, p["name"])
    names = {p["name"] for p in spec["paths"]["/api/events"]["get"]["parameters"]}
    assert names == {
        "from",
        "to",
        "match",
        "actor",
        "members",
        "type",
        "status",
        "q",
        "limit",
        "cursor",
        "order",
    }


def test_server_is_read_only(client, api_db):
    before = api_db.read_bytes()
    for method in ("post", "put", "delete", "patch"):
        assert getattr(client, method)("/api/events").status_code == 405
    assert api_db.read_bytes() == before


# --- pagination: following cursors returns every event exactly once, in order ----------------


@pytest.fixture(scope="module")
def paging_client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("paging")
    data = write_data(folder / "data")
    with (data / "bulk.jsonl").open("w") as f:
        for i in range(240):
            # many ties on date_start/date_end so the id tie-breaker matters
            date = [
                "2021",
                "2021-08",
                "2021-08-15",
                "2021-08-15/2021-08-20",
                "2022-03",
                "2024-12-24",
            ][i % 6]
            f.write(
                json.dumps(
                    {
                        "id": f"p{i:03d}",
                        "date": date,
                        "date_text": date,
                        "date_basis": "stated",
                        "title": f"Event {i}",
                        "summary": "Delegations met." if i % 3 else "Envoys talked.",
                        "type": ["meeting", "talks", "statement"][i % 3],
                        "status": ["reported", "confirmed"][i % 2],
                        "actors": [
                            {"id": "haniyeh" if i % 4 else "muttaqi", "role": "participant"}
                        ],
                        "citations": [
                            {
                                "source": "review-2024",
                                "quote": "completely baseless",
                                "stance": "reports",
                            }
                        ],
                    }
                )
                + "\n"
            )
    build(data, folder / "c.db")
    with TestClient(create_app(folder / "c.db", mount_datasette=False)) as c:
        yield c


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    limit=st.integers(min_value=1, max_value=60),
    order=st.sampled_from(["asc", "desc"]),
    extra=st.sampled_from(
        [
            "",
            "&type=meeting",
            "&actor=Muttaqi",
            "&actor=Haniyeh&from=2021-08&to=2022",
            "&from=2021-08-15&to=2021-08-16",
            "&q=envoys",
            "&status=confirmed&match=within&from=2021",
        ]
    ),
)
def test_following_cursors_returns_every_event_once_in_order(paging_client, limit, order, extra):
    everything = paging_client.get(f"/api/events?limit=500&order={order}{extra}").json()["events"]
    seen, cursor = [], None
    for _ in range(1000):
        url = f"/api/events?limit={limit}&order={order}{extra}" + (
            f"&cursor={cursor}" if cursor else ""
        )
        body = paging_client.get(url).json()
        assert len(body["events"]) <= limit
        seen += body["events"]
        cursor = body["next"]
        if cursor is None:
            break
    keys = [(e["date_start"], e["date_end"], e["id"]) for e in seen]
    assert keys == sorted(keys, reverse=order == "desc")
    assert [e["id"] for e in seen] == [e["id"] for e in everything]
    assert len({e["id"] for e in seen}) == len(seen)


# --- actors' pages against a plain reference ---------------------------------------------------

REFERENCE_DATES = [
    "2016",
    "2019-05",
    "2021-07-30",
    "2021-08",
    "2021-08-15",
    "2021-08-31/2021-09-02",
    "2021-09",
    "2021-10-05",
    "2022",
    "2023-12/2024-01",
    "2024-07-31",
    "2024-08",
    "2021-22",
    "2020/2022",
    "2024-07-20/2024-08-10",
    "2024",
]
REFERENCE_ACTORS = ["haniyeh", "hamas", "islamic-emirate", "baradar", "muttaqi", "pakistan"]


@pytest.fixture(scope="module")
def reference_db(tmp_path_factory) -> Path:
    """Events of every date scale, 1-3 actors each, around the memberships' start and end dates."""
    folder = tmp_path_factory.mktemp("reference")
    data = write_data(folder / "data")
    with (data / "bulk.jsonl").open("w") as f:
        for i in range(300):
            date = REFERENCE_DATES[i * 7 % len(REFERENCE_DATES)]
            actors = list(
                dict.fromkeys(REFERENCE_ACTORS[(i * k) % 6] for k in (1, 3, 5)[: 1 + i % 3])
            )
            f.write(
                json.dumps(
                    {
                        "id": f"r{i:03d}",
                        "date": date,
                        "date_text": date,
                        "date_basis": "stated",
                        "title": f"Event {i}",
                        "summary": "Envoys met.",
                        "type": "meeting",
                        "status": "reported",
                        "actors": [{"id": a, "role": "participant"} for a in actors],
                        "citations": [
                            {
                                "source": "review-2024",
                                "quote": "completely baseless",
                                "stance": "reports",
                            }
                        ],
                    }
                )
                + "\n"
            )
    build(data, folder / "c.db")
    return folder / "c.db"


def reference_ids(
    db: Path,
    actors: list[str],
    members: bool,
    lo: str | None,
    hi: str | None,
    within: bool,
    order: str,
) -> list[str]:
    """The events a query should page, straight from events, event_actors and memberships."""
    import sqlite3

    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT id, date_start, date_end FROM events").fetchall()
    takes_part = {}
    for event_id, actor_id in conn.execute("SELECT event_id, actor_id FROM event_actors"):
        takes_part.setdefault(event_id, set()).add(actor_id)
    spans = conn.execute(
        "SELECT organization_id, actor_id, start_date, end_date FROM memberships"
    ).fetchall()

    def side(actor: str, event_id: str, start: str, end: str) -> bool:
        present = takes_part.get(event_id, set())
        return (
            actor in present
            or members
            and any(
                org == actor
                and member in present
                and (since is None or since <= end)
                and (until is None or until >= start)
                for org, member, since, until in spans
            )
        )

    def in_range(start: str, end: str) -> bool:
        if within:
            return (lo is None or start >= lo) and (hi is None or end <= hi)
        return (lo is None or end >= lo) and (hi is None or start <= hi)

    keys = sorted(
        (start, end, i)
        for i, start, end in rows
        if in_range(start, end) and all(side(a, i, start, end) for a in actors)
    )
    return [i for _, _, i in (keys[::-1] if order == "desc" else keys)]


REFERENCE_QUERIES = [[a] for a in REFERENCE_ACTORS] + [
    ["haniyeh", "hamas"],
    ["islamic-emirate", "muttaqi"],
    ["hamas", "islamic-emirate"],
    ["baradar", "pakistan"],
]
REFERENCE_BOUNDS = [
    (None, None),
    ("2021-08-01", "2021-09-30"),
    ("2021-08-31", None),
    (None, "2021-08-15"),
    ("2021-10-01", "2022-06-30"),
    ("2024-01-01", "2024-12-31"),
    ("2019-01-01", "2022-12-31"),
]


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("members", [True, False])
def test_actor_pages_match_a_plain_reference(reference_db, members, order):
    """Every actor and some pairs, every range, overlap and within, every page of the cursor."""
    checked = 0
    with TestClient(create_app(reference_db, mount_datasette=False, cache_mb=0)) as client:
        for n, (actors, (lo, hi), within) in enumerate(
            itertools.product(REFERENCE_QUERIES, REFERENCE_BOUNDS, [False, True])
        ):
            params = [("actor", a) for a in actors] + [
                ("members", str(members).lower()),
                ("order", order),
            ]
            params += (
                [("limit", str([2, 9, 40][n % 3]))]
                + ([("from", lo)] if lo else [])
                + ([("to", hi)] if hi else [])
            )
            params += [("match", "within")] if within else []
            seen, cursor = [], None
            for _ in range(400):
                answer = client.get(
                    "/api/events", params=params + ([("cursor", cursor)] if cursor else [])
                )
                assert answer.status_code == 200, answer.text
                seen += [e["id"] for e in answer.json()["events"]]
                cursor = answer.json()["next"]
                if cursor is None:
                    break
            expected = reference_ids(reference_db, actors, members, lo, hi, within, order)
            assert seen == expected, params
            checked += bool(expected)
    assert checked > 100  # most combinations match something


# --- long lists read in one piece keep their order --------------------------------------------


@pytest.fixture(scope="module")
def crowd_client(tmp_path_factory):
    """40 envoys with skewed, tied contact counts: long, ordered contact and actor lists."""
    folder = tmp_path_factory.mktemp("crowd")
    envoys = [
        {
            "id": f"envoy-{i:02d}",
            "name": f"Envoy {chr(ord('Z') - i % 26)}{i:02d}",
            "kind": "person",
            "aliases": [],
        }
        for i in range(40)
    ]
    data = write_data(folder / "data", actors=[*ACTORS, *envoys])
    with (data / "bulk.jsonl").open("w") as f:
        for i in range(400):
            others = {envoys[i % 40]["id"], envoys[(i * 7) % (1 + i % 13)]["id"]}
            f.write(
                json.dumps(
                    {
                        "id": f"c{i:03d}",
                        "date": f"{2000 + i % 20}-{i % 12 + 1:02d}",
                        "date_text": "that month",
                        "date_basis": "stated",
                        "title": f"Talks {i}",
                        "summary": "Envoys met.",
                        "type": "meeting",
                        "status": "reported",
                        "actors": [
                            {"id": "muttaqi", "role": "host"},
                            *({"id": o, "role": "visitor"} for o in sorted(others)),
                        ],
                        "citations": [
                            {
                                "source": "review-2024",
                                "quote": "completely baseless",
                                "stance": "reports",
                            }
                        ],
                    }
                )
                + "\n"
            )
    build(data, folder / "c.db")
    with TestClient(create_app(folder / "c.db", mount_datasette=False, cache_mb=0)) as c:
        yield c


def test_a_long_contact_list_is_ranked_the_same_however_it_is_read(crowd_client, monkeypatch):
    stored = crowd_client.get("/api/contacts?actor=muttaqi").json()["contacts"]
    assert len(stored) == 42  # the 40 envoys, and Haniyeh and Pakistan from the curated events
    ranks = [(-c["count"], c["other"]["name"]) for c in stored]
    assert (
        ranks == sorted(ranks) and len({c["count"] for c in stored}) > 5
    )  # by count, ties by name
    per_contact = crowd_client.get("/api/contacts?actor=muttaqi&ids=1000").json()["contacts"]
    aggregated = crowd_client.get("/api/contacts?actor=muttaqi&from=1990").json()["contacts"]
    assert stored == per_contact == aggregated
    monkeypatch.setattr(
        queries, "JOIN_AT_MOST_BYTES", 0
    )  # as the busiest actors' lists are read: row by row
    assert crowd_client.get("/api/contacts?actor=muttaqi").json()["contacts"] == stored
    assert crowd_client.get("/api/contacts?actor=muttaqi&limit=7").json()["contacts"] == stored[:7]
    cut = crowd_client.get("/api/contacts?actor=muttaqi&ids=2").json()["contacts"]
    assert cut == [{**c, "event_ids": c["event_ids"][:2]} for c in stored] != stored
    bare = crowd_client.get("/api/contacts?actor=muttaqi&limit=3&ids=0").json()["contacts"]
    assert bare == [{**c, "event_ids": []} for c in stored[:3]]
    busiest = stored[0]["other"]["id"]
    assert crowd_client.get(f"/api/contacts?actor=muttaqi&with={busiest}&ids=1").json()[
        "contacts"
    ] == [{**stored[0], "event_ids": stored[0]["event_ids"][:1]}]


def test_the_actor_list_is_in_name_order(crowd_client):
    actors = crowd_client.get("/api/actors?limit=500").json()["actors"]
    assert len(actors) == 47 and [a["name"] for a in actors] == sorted(a["name"] for a in actors)
    assert (
        crowd_client.get("/api/actors?q=envoy&limit=5").json()["actors"]
        == [a for a in actors if "Envoy" in a["name"]][:5]
    )
    assert crowd_client.get("/api/actors?q=nobody-at-all").json() == {"actors": []}


# --- nested membership: a ministry's people count for the government ---------------------------

NESTED_ACTORS = ACTORS + [
    {
        "id": "mofa",
        "name": "Ministry of Foreign Affairs",
        "kind": "government-body",
        "aliases": [],
        "memberships": [
            {
                "organization": "islamic-emirate",
                "role": "ministry",
                "start": "2021-08-15",
                "end": None,
            }
        ],
    },
    {
        "id": "balkhi",
        "name": "Abdul Qahar Balkhi",
        "kind": "person",
        "aliases": ["Balkhi"],
        "memberships": [
            {"organization": "mofa", "role": "spokesman", "start": "2021-06", "end": "2024-06"}
        ],
    },
    # A cycle the data should not hold, but must not hang the build.
    {
        "id": "circle-a",
        "name": "Circle A",
        "kind": "organization",
        "aliases": [],
        "memberships": [{"organization": "circle-b", "role": "member", "start": None, "end": None}],
    },
    {
        "id": "circle-b",
        "name": "Circle B",
        "kind": "organization",
        "aliases": [],
        "memberships": [{"organization": "circle-a", "role": "member", "start": None, "end": None}],
    },
]


def balkhi_meets_pakistan(event_id: str, date: str) -> dict:
    return {
        **EVENTS[3],
        "id": event_id,
        "date": date,
        "date_basis": "stated",
        "date_anchor": None,
        "date_text": date,
        "actors": [{"id": "balkhi", "role": "visitor"}, {"id": "pakistan", "role": "host"}],
    }


@pytest.fixture(scope="module")
def nested(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nested")
    events = EVENTS + [
        balkhi_meets_pakistan("2021-07-balkhi-talks", "2021-07"),  # before the ministry joined
        balkhi_meets_pakistan("2022-03-balkhi-talks", "2022-03"),  # both memberships hold
        balkhi_meets_pakistan("2024-09-balkhi-talks", "2024-09"),
    ]  # after his own ended
    build(write_data(folder / "data", actors=NESTED_ACTORS, events=events), folder / "chrono.db")
    with TestClient(create_app(folder / "chrono.db")) as c:
        yield c, folder / "chrono.db"


def test_members_of_members_count_for_the_organization_while_every_membership_holds(nested):
    client, db = nested
    balkhi = {"2021-07-balkhi-talks", "2022-03-balkhi-talks", "2024-09-balkhi-talks"}
    emirate = set(ids(client, "/api/events?actor=IEA&limit=500"))
    assert emirate & balkhi == {"2022-03-balkhi-talks"}
    assert set(ids(client, "/api/events?actor=IEA&from=2022&to=2022")) & balkhi == {
        "2022-03-balkhi-talks"
    }
    assert not set(ids(client, "/api/events?actor=IEA&members=false&limit=500")) & balkhi
    contacts = client.get("/api/contacts?actor=IEA&with=Pakistan").json()["contacts"][0][
        "event_ids"
    ]
    assert "2022-03-balkhi-talks" in contacts and "2021-07-balkhi-talks" not in contacts
    assert (
        client.get("/api/contacts?actor=Pakistan&with=IEA").json()["contacts"][0]["event_ids"]
        == contacts
    )
    stored = {
        c["other"]["id"]: c["event_ids"]
        for c in client.get("/api/contacts?actor=IEA").json()["contacts"]
    }
    assert (
        "2022-03-balkhi-talks" in stored["pakistan"]
        and "2021-07-balkhi-talks" not in stored["pakistan"]
    )
    # Balkhi is on the Emirate's side: no contact between them, from either end.
    assert client.get("/api/contacts?actor=Balkhi&with=IEA").json() == {"contacts": []}
    assert client.get("/api/contacts?actor=IEA&with=Balkhi").json() == {"contacts": []}
    chronology = client.get(
        "/datasette/chrono/actor_chronology.json?_shape=array&actor=IEA&from=&to="
    ).json()
    assert {r["event_id"] for r in chronology} & balkhi == {"2022-03-balkhi-talks"}
    between = client.get(
        "/datasette/chrono/contacts_between.json?_shape=array&actor=IEA&other=Pakistan"
    ).json()
    assert sorted({r["event_id"] for r in between}) == contacts
    conn = sqlite3.connect(db)
    assert conn.execute(
        "SELECT start_date, end_date, via FROM organization_members "
        "WHERE organization_id = 'islamic-emirate' AND actor_id = 'balkhi'"
    ).fetchall() == [("2021-08-15", "2024-06-30", "mofa")]
    # The cycle: each circle counts the other once, and never itself.
    assert sorted(
        conn.execute(
            "SELECT organization_id, actor_id FROM organization_members WHERE via IS NULL "
            "AND organization_id LIKE 'circle-%'"
        ).fetchall()
    ) == [("circle-a", "circle-b"), ("circle-b", "circle-a")]
    assert (
        conn.execute(
            "SELECT count(*) FROM organization_members WHERE organization_id LIKE 'circle-%'"
        ).fetchone()[0]
        == 2
    )
