"""The bundled chronology itself: complete, sourced, as precise as its sources, names resolved."""

from __future__ import annotations

import itertools
import sqlite3

import pytest
from litestar.testing import TestClient

from chrono import queries
from chrono.api import create_app
from chrono.dates import name_key
from chrono.store import Reader
from chrono.verify import verify
from tests.helpers import BUNDLED_DATA, SEEDS


@pytest.fixture(scope="module")
def conn(bundled_db):
    return sqlite3.connect(bundled_db)


@pytest.fixture(scope="module")
def client(bundled_client):
    return bundled_client


def test_every_article_is_a_source_and_the_compilation_is_split(conn):
    rows = conn.execute(
        "SELECT archive, count(*) FROM sources GROUP BY archive ORDER BY archive"
    ).fetchall()
    assert len(rows) == 5
    assert dict(rows)["002_f62552b4376e47fb.txt"] == 10
    assert conn.execute("SELECT count(*) FROM sources").fetchone()[0] >= 14


def test_event_count_in_the_expected_range_and_every_event_cited(conn):
    assert 60 <= conn.execute("SELECT count(*) FROM events").fetchone()[0] <= 120
    assert (
        conn.execute(
            "SELECT count(*) FROM events WHERE id NOT IN (SELECT event_id FROM citations)"
        ).fetchone()[0]
        == 0
    )


@pytest.mark.parametrize(
    "event_id, date, start, end, status",
    [
        ("2021-08-haniyeh-calls-baradar", "2021-08", "2021-08-01", "2021-08-31", "reported"),
        ("2021-10-haniyeh-calls-muttaqi", "2021-10", "2021-10-01", "2021-10-10", "reported"),
        # the photo of the meeting is credited on 23 May 2024: on or before that day
        (
            "2024-05-baradar-muttaqi-meet-haniyeh-at-raisi-funeral",
            "2024-05-01/2024-05-23",
            "2024-05-01",
            "2024-05-23",
            "confirmed",
        ),
        (
            "2024-12-22-saudi-embassy-resumes-in-kabul",
            "2024-12-22",
            "2024-12-22",
            "2024-12-22",
            "confirmed",
        ),
        (
            "2023-02-saudi-arabia-suspends-kabul-embassy",
            "2023-02",
            "2023-02-01",
            "2023-02-28",
            "reported",
        ),
        # "could not immediately be verified", anonymous officials, "alleged strikes"
        (
            "2024-12-24-pakistan-airstrikes-in-barmal",
            "2024-12-24",
            "2024-12-24",
            "2024-12-24",
            "reported",
        ),
        # "reported on 3 July" that a campaign had started: on or before the report
        (
            "2024-07-03-boycott-israeli-products-campaign",
            "2023-10-07/2024-07-03",
            "2023-10-07",
            "2024-07-03",
            "reported",
        ),
        (
            "2024-12-20-rhodes-speedboat-capsizes",
            "2024-12-20",
            "2024-12-20",
            "2024-12-20",
            "reported",
        ),
        (
            "2024-12-rhodes-capsizing-turks-arrested",
            "2024-12-20/2024-12-21",
            "2024-12-20",
            "2024-12-21",
            "reported",
        ),
        ("2013-us-leaves-northern-afghanistan", "2013", "2013-01-01", "2013-12-31", "reported"),
        (
            "2024-12-24-sadiq-muttaqi-talks-in-kabul",
            "2024-12-24",
            "2024-12-24",
            "2024-12-24",
            "confirmed",
        ),
        (
            "2024-12-22-ttp-attack-south-waziristan",
            "2024-12-22",
            "2024-12-22",
            "2024-12-22",
            "reported",
        ),
        (
            "2023-10-04-massoud-reportedly-seeks-israeli-help",
            "2023-10-04",
            "2023-10-04",
            "2023-10-04",
            "denied",
        ),
        (
            "2023-10-07-fake-taliban-pr-account-claims-transit-request",
            "2023-10-07",
            "2023-10-07",
            "2023-10-07",
            "unverified",
        ),
        (
            "2024-07-31-haniyeh-assassinated-in-tehran",
            "2024-07-31",
            "2024-07-31",
            "2024-07-31",
            "confirmed",
        ),
    ],
)
def test_key_events_are_exactly_as_precise_as_their_sources(
    conn, event_id, date, start, end, status
):
    assert conn.execute(
        "SELECT date, date_start, date_end, status FROM events WHERE id = ?", (event_id,)
    ).fetchone() == (date, start, end, status)


def test_resolved_dates_keep_their_phrase_and_anchor(conn):
    rows = conn.execute(
        "SELECT id, date_text, date_anchor FROM events WHERE date_basis = 'resolved'"
    ).fetchall()
    assert len(rows) >= 10
    assert all(text and anchor for _, text, anchor in rows)


def test_denials_are_cited_with_a_denying_stance(conn):
    denied = conn.execute("SELECT id FROM events WHERE status = 'denied'").fetchall()
    for (event_id,) in denied:
        stances = {
            s
            for (s,) in conn.execute("SELECT stance FROM citations WHERE event_id = ?", (event_id,))
        }
        assert "denies" in stances, event_id


@pytest.mark.parametrize(
    "spellings",
    [
        ("Haniyeh", "Haniyah"),
        ("Taliban", "Taleban", "Islamic Emirate", "IEA"),
        ("Mujahid", "Mujahed"),
        ("Sirajuddin Haqqani", "Serajuddin Haqqani"),
        ("Muttaqi", "Mutaqqi"),
        ("TTP", "Tehrik-i-Taliban Pakistan"),
        ("NRF", "National Resistance Front"),
    ],
)
def test_spelling_variants_resolve_to_one_actor(conn, spellings):
    owners = {
        conn.execute(
            "SELECT actor_id FROM actor_aliases WHERE alias_key = ?", (name_key(s),)
        ).fetchone()
        for s in spellings
    }
    assert len(owners) == 1 and None not in owners


@pytest.mark.parametrize(
    "typed", ["Amir al-Mu'minin", "amir al-mu’minin", "AMIR  AL‐MU’MININ", "Amir al-Mu`minin"]
)
def test_names_with_typographic_apostrophes_are_found_as_typed(client, typed):
    """The sources write "Amir al-Mu’minin"; a keyboard types an ASCII apostrophe."""
    answer = client.get("/api/events", params={"actor": typed, "limit": 1})
    assert answer.status_code == 200, answer.text
    assert client.get("/api/actors", params={"q": typed}).json()["actors"][0]["id"] == "akhundzada"


def test_roles_change_over_time(client):
    haniyeh = client.get("/api/actors/haniyeh").json()
    assert any(
        m["organization"]["id"] == "hamas" and m["end"] == "2024-07-31"
        for m in haniyeh["memberships"]
    )
    muttaqi = client.get("/api/actors/Muttaqi".lower()).json()
    assert any("Foreign Minister" in m["role"] for m in muttaqi["memberships"])


def test_every_contact_between_the_emirate_and_hamas(client):
    contacts = client.get("/api/contacts?actor=Islamic Emirate&with=Hamas").json()["contacts"]
    assert contacts[0]["event_ids"] == [
        "2021-08-haniyeh-calls-baradar",
        "2021-10-haniyeh-calls-muttaqi",
        "2022-10-mujahid-meets-haniyeh-istanbul",
        "2023-04-iea-envoy-meets-haniyeh-at-doha-iftar",
        "2024-05-baradar-muttaqi-meet-haniyeh-at-raisi-funeral",
        "2024-07-30-kabir-attends-pezeshkian-inauguration",
        "2024-08-04-kabir-attends-haniyeh-funeral-doha",
        "2024-08-04-kabir-meets-hamas-leaders-doha",
    ]
    assert client.get("/api/contacts?actor=IEA&with=Hamas&members=false").json() == {"contacts": []}


@pytest.mark.parametrize(
    "query", ["", "&from=2021"]
)  # as the build stored them; counted for the range
def test_contact_event_ids_can_be_capped_without_losing_the_count(client, query):
    full = client.get(f"/api/contacts?actor=Islamic Emirate{query}").json()["contacts"]
    assert max(c["count"] for c in full) >= 3
    for ids in (0, 2, 10_000):
        capped = client.get(f"/api/contacts?actor=Islamic Emirate&ids={ids}{query}").json()[
            "contacts"
        ]
        assert capped == [{**c, "event_ids": c["event_ids"][:ids]} for c in full]
    pair = client.get(f"/api/contacts?actor=Islamic Emirate&with=Hamas&ids=3{query}").json()[
        "contacts"
    ]
    assert pair[0]["count"] == 8 and pair[0]["event_ids"] == [
        "2021-08-haniyeh-calls-baradar",
        "2021-10-haniyeh-calls-muttaqi",
        "2022-10-mujahid-meets-haniyeh-istanbul",
    ]
    assert client.get(f"/api/contacts?actor=IEA&ids=-1{query}").json()["parameter"] == "ids"


@pytest.mark.skipif(not SEEDS.exists(), reason="the seed articles are not beside the project")
def test_every_quote_is_verbatim_in_the_seed_articles():
    report = verify(BUNDLED_DATA, SEEDS)
    assert report.problems == [] and report.checked >= 100


@pytest.fixture(scope="module")
def full_client(bundled_db):
    with TestClient(create_app(bundled_db)) as c:  # Datasette mounted, as `chrono serve` runs it
        yield c


def test_contacts_read_the_same_from_both_ends_on_every_path(full_client, conn):
    """A with B counts what B with A counts, whether the build stored the pairs or they are
    counted for a date range, and Datasette's contacts_between lists the same events."""
    client = full_client
    actors = [
        r[0]
        for r in conn.execute(
            "SELECT actor_id FROM contacts UNION SELECT organization_id FROM memberships ORDER BY 1"
        )
    ]
    organizations = {r[0] for r in conn.execute("SELECT organization_id FROM memberships")}

    def between(a: str, b: str, extra: str = "") -> list[str]:
        found = client.get(f"/api/contacts?actor={a}&with={b}{extra}").json()["contacts"]
        return found[0]["event_ids"] if found else []

    def partners(a: str, extra: str = "") -> dict[str, list[str]]:
        return {
            c["other"]["id"]: c["event_ids"]
            for c in client.get(f"/api/contacts?actor={a}{extra}").json()["contacts"]
        }

    stored = {a: partners(a) for a in actors}
    assert stored == {a: partners(a, "&from=1900") for a in actors}  # counted live for a range
    pairs = 0
    for a, b in itertools.permutations(actors, 2):
        ids = between(a, b)
        assert ids == between(b, a), (a, b)
        assert ids == between(a, b, "&from=1900"), (a, b)
        if b not in organizations:  # a partner without members is its own side
            assert stored[a].get(b, []) == ids, (a, b)
        if ids or a in organizations:
            listed = client.get(
                f"/datasette/chrono/contacts_between.json?_shape=array&actor={a}&other={b}"
            ).json()
            assert sorted({row["event_id"] for row in listed}) == ids, (a, b)
        pairs += bool(ids)
    assert pairs >= 40
    # A member and its own organization are no contact, from either end.
    assert between("muttaqi", "islamic-emirate") == between("islamic-emirate", "muttaqi") == []
    assert "islamic-emirate" not in stored["muttaqi"] and "muttaqi" not in stored["islamic-emirate"]


# Every spelling "Names as the sources spell them" promises (README), each resolving to one actor.
PROMISED = [
    ("Haniyeh", "haniyeh"),
    ("Haniyah", "haniyeh"),
    ("Taliban", "islamic-emirate"),
    ("Taleban", "islamic-emirate"),
    ("Islamic Emirate", "islamic-emirate"),
    ("IEA", "islamic-emirate"),
    ("Mujahid", "mujahid"),
    ("Mujahed", "mujahid"),
    ("Sirajuddin", "sirajuddin-haqqani"),
    ("Serajuddin", "sirajuddin-haqqani"),
    ("Muttaqi", "muttaqi"),
    ("Mutaqqi", "muttaqi"),
    ("TTP", "ttp"),
    ("Tehrik-i-Taliban Pakistan", "ttp"),
    ("NRF", "nrf"),
    ("National Resistance Front", "nrf"),
]

# Spellings the seed articles use for actors of the gazetteer, as written there.
IN_THE_SEEDS = [
    ("Ismail Haniyeh", "haniyeh"),
    ("Islamic Emirate of Afghanistan", "islamic-emirate"),
    ("Taliban regime", "islamic-emirate"),
    ("Taliban authorities", "islamic-emirate"),
    ("caretaker government", "islamic-emirate"),
    ("Zabihullah Mujahed", "mujahid"),
    ("Zabihullah Mujahid", "mujahid"),
    ("Serajuddin Haqqani", "sirajuddin-haqqani"),
    ("Sirajuddin Haqqani", "sirajuddin-haqqani"),
    ("Amir Khan Muttaqi", "muttaqi"),
    ("Mullah Abdul Ghani", "baradar"),
    ("Mullah Baradar", "baradar"),
    ("Abdul Ghani Baradar", "baradar"),
    ("Mawlawi Abdul Kabir", "kabir"),
    ("Muhammad Abdul Kabir", "kabir"),
    ("Sher Muhammad Abbas Stanikzai", "stanikzai"),
    ("Sher Mohammad Abbas Stanikzai", "stanikzai"),
    ("Ahmed Massoud", "massoud"),
    ("Ahmad Massoud", "massoud"),
    ("Ahmad Shah Massoud", "ahmad-shah-massoud"),
    ("Ali Maisam Nazary", "nazary"),
    ("Ali Nazary", "nazary"),
    ("Sibghatullah Ahmadi", "sibghatullah-ahmadi"),
    ("Amir al-Mu’minin", "akhundzada"),
    ("Hibatullah Akhundzada", "akhundzada"),
    ("IEA-MoFA", "iea-foreign-ministry"),
    ("Taliban Ministry of National Defense", "iea-defense-ministry"),
    ("Interior Ministry", "iea-interior-ministry"),
    ("Ministry for the Promotion of Virtue and Prevention of Vice", "iea-vice-virtue-ministry"),
    (
        "Ministry for the Propagation of Virtue and the Prevention of Vice",
        "iea-vice-virtue-ministry",
    ),
    ("General Directorate of Intelligence", "gdi"),
    ("Afghan National Resistance Front", "nrf"),
    ("National Resistance Front of Afghanistan", "nrf"),
    ("Afghan resistance", "nrf"),
    ("Islamic Republic of Iran", "iran"),
    ("Greece’s coast guard", "hellenic-coast-guard"),
    ("Kingdom of Saudi Arabia", "saudi-arabia"),
    ("Afghan Army", "afghan-republic-government"),
    ("Afghan military", "afghan-republic-government"),
    ("Zionist regime", "israel"),
    ("U.S. Embassy", "us-embassy-kabul"),
    ("@SecBlinken", "blinken"),
    ("Secretary Blinken", "blinken"),
    ("@realDonaldTrump", "trump"),
    ("Donald J. Trump", "trump"),
    ("President Biden", "biden"),
    ("President Joe Biden", "biden"),
    ("Lt. Col. Kenneth Payne", "kenneth-payne"),
    ("Colonel Payne", "kenneth-payne"),
    ("the Wall Breaker", "mohammad-omar-wall-breaker"),
    ("Mr. Omar", "mohammad-omar-wall-breaker"),
    ("Afghan National Defense and Security Forces", "afghan-republic-government"),
    ("President Ashraf Ghani", "ghani"),
    ("Haji Fateh", "haji-fateh"),
    ("Haider Jafari", "haider-jafari"),
    ("Muhammad Na’im Wardak", "wardak"),
    ("Mohammad Suhail Shaheen", "shaheen"),
    ("Mawlawi Sebghatullah Wasil", "wasil"),
    ("Hafiz Ruhullah Rohani", "ruhullah-rohani"),
    ("Abdul Qahar Balkhi", "balkhi"),
    ("Khalid Mashal", "mashal"),
    ("Musa Abu Marzooq", "abu-marzooq"),
    ("Abdul Salam Ismail Haniyeh", "abdul-salam-haniyeh"),
    ("Ebrahim Raisi", "raisi"),
    ("Masoud Pezeshkian", "pezeshkian"),
    ("Ahmad Vahidi", "vahidi"),
    ("Mohammad Sadiq", "sadiq"),
    ("Asif Ali", "asif-ali"),
    ("Houthi rebels", "houthis"),
    ("Al Qaeda", "al-qaeda"),
    ("al-Qaeda", "al-qaeda"),
    ("United Nations Security Council", "un-security-council"),
    ("UNSC", "un-security-council"),
    ("AFJC", "afghanistan-journalists-center"),
    ("Afghanistan Chamber of Commerce and Investment", "acci"),
    ("Congressman Tim Burchett", "burchett"),
    ("House Foreign Affairs Committee", "us-house-foreign-affairs-committee"),
    ("Special Representatives and Envoys for Afghanistan", "special-envoys-afghanistan"),
    ("UNDP", "undp"),
    ("Stephen Rodrigues", "stephen-rodrigues"),
    ("Gideon Kouts", "gideon-kouts"),
    ("Maariv", "maariv"),
    ("al-Jazeera", "al-jazeera"),
    ("@TalibanPRD1", "talibanprd1-account"),
    ("@TalibanPRD__", "talibanprd-account"),
    ("Arezo TV", "arezo-tv"),
    ("BBC", "bbc"),
    ("NATO", "nato"),
]


@pytest.mark.parametrize("spelling, actor_id", PROMISED + IN_THE_SEEDS)
def test_every_spelling_resolves_to_its_actor(client, conn, spelling, actor_id):
    """As `actor=` reads it everywhere (queries.resolve_actor), and the API finds its events."""
    assert queries.resolve_actor(Reader(conn), spelling) == actor_id
    answer = client.get("/api/events", params={"actor": spelling, "members": "false", "limit": 1})
    assert answer.status_code == 200, answer.text
    assert actor_id in {a["id"] for a in answer.json()["events"][0]["actors"]}


@pytest.mark.skipif(not SEEDS.exists(), reason="the seed articles are not beside the project")
def test_the_seed_spellings_are_as_the_seeds_write_them():
    text = " ".join(path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt")))
    assert [s for s, _ in IN_THE_SEEDS if s not in text] == []


@pytest.mark.parametrize(
    "organization, member, after",
    [
        (
            "united-states",
            "trump",
            "2021-01-21",
        ),  # the president-elect of November 2024 is not yet President
        ("afghan-republic-government", "ghani", "2021-09-01"),
        ("iran", "raisi", "2024-06-01"),
        ("hamas", "haniyeh", "2024-08-01"),
        ("hamas", "mashal", "2017-06-01"),  # "former Hamas chief"
    ],
)
def test_a_role_that_ended_no_longer_counts_for_its_organization(conn, organization, member, after):
    late = conn.execute(
        """SELECT e.id FROM member_events m JOIN events e ON e.rowid = m.event_rowid
           WHERE m.organization_id = ? AND m.actor_id = ? AND e.date_start >= ?
             AND e.date_start < '2025-01-20'""",
        (organization, member, after),
    ).fetchall()
    assert late == []
    ended = conn.execute(
        "SELECT count(*) FROM memberships WHERE actor_id = ? AND organization_id = ? "
        "AND end_date IS NOT NULL",
        (member, organization),
    ).fetchone()[0]
    assert ended >= 1


def test_every_source_link_is_http(conn):
    urls = [u for (u,) in conn.execute("SELECT url FROM sources WHERE url IS NOT NULL")]
    assert len(urls) >= 10 and all(u.startswith(("https://", "http://")) for u in urls)
    unlinked = conn.execute(
        "SELECT id FROM sources WHERE url IS NULL AND notes NOT LIKE '%No link%'"
    ).fetchall()
    assert unlinked == []
