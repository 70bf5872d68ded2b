"""The bundled chronology itself: complete, sourced, as precise as its sources, names resolved."""

from __future__ import annotations

import itertools
import sqlite3

import pytest
from litestar.testing import TestClient

from chrono.api import create_app
from chrono.dates import name_key
from chrono.verify import verify
from tests.conftest import BUNDLED_DATA, SEEDS


@pytest.fixture(scope="module")
def conn(bundled_db):
    return sqlite3.connect(bundled_db)


@pytest.fixture(scope="module")
def client(bundled_db):
    with TestClient(create_app(bundled_db, mount_datasette=False)) as c:
        yield c


def test_every_article_is_a_source_and_the_compilation_is_split(conn):
    rows = conn.execute("SELECT archive, count(*) FROM sources GROUP BY archive ORDER BY archive").fetchall()
    assert len(rows) == 5
    assert dict(rows)["002_f62552b4376e47fb.txt"] == 10
    assert conn.execute("SELECT count(*) FROM sources").fetchone()[0] >= 14


def test_event_count_in_the_expected_range_and_every_event_cited(conn):
    assert 60 <= conn.execute("SELECT count(*) FROM events").fetchone()[0] <= 120
    assert conn.execute("SELECT count(*) FROM events WHERE id NOT IN (SELECT event_id FROM citations)").fetchone()[0] == 0


@pytest.mark.parametrize("event_id, date, start, end, status", [
    ("2021-08-haniyeh-calls-baradar", "2021-08", "2021-08-01", "2021-08-31", "reported"),
    ("2021-10-haniyeh-calls-muttaqi", "2021-10", "2021-10-01", "2021-10-10", "reported"),
    ("2024-05-baradar-muttaqi-meet-haniyeh-at-raisi-funeral", "2024-05", "2024-05-01", "2024-05-31", "confirmed"),
    ("2024-12-22-saudi-embassy-resumes-in-kabul", "2024-12-22", "2024-12-22", "2024-12-22", "confirmed"),
    ("2023-02-saudi-arabia-suspends-kabul-embassy", "2023-02", "2023-02-01", "2023-02-28", "reported"),
    ("2024-12-24-pakistan-airstrikes-in-barmal", "2024-12-24", "2024-12-24", "2024-12-24", "confirmed"),
    ("2024-12-24-sadiq-muttaqi-talks-in-kabul", "2024-12-24", "2024-12-24", "2024-12-24", "confirmed"),
    ("2024-12-22-ttp-attack-south-waziristan", "2024-12-22", "2024-12-22", "2024-12-22", "reported"),
    ("2023-10-04-massoud-reportedly-seeks-israeli-help", "2023-10-04", "2023-10-04", "2023-10-04", "denied"),
    ("2023-10-07-fake-taliban-pr-account-claims-transit-request", "2023-10-07", "2023-10-07", "2023-10-07", "unverified"),
    ("2024-07-31-haniyeh-assassinated-in-tehran", "2024-07-31", "2024-07-31", "2024-07-31", "confirmed"),
])
def test_key_events_are_exactly_as_precise_as_their_sources(conn, event_id, date, start, end, status):
    assert conn.execute("SELECT date, date_start, date_end, status FROM events WHERE id = ?", (event_id,)).fetchone() == (date, start, end, status)


def test_resolved_dates_keep_their_phrase_and_anchor(conn):
    rows = conn.execute("SELECT id, date_text, date_anchor FROM events WHERE date_basis = 'resolved'").fetchall()
    assert len(rows) >= 10
    assert all(text and anchor for _, text, anchor in rows)


def test_denials_are_cited_with_a_denying_stance(conn):
    denied = conn.execute("SELECT id FROM events WHERE status = 'denied'").fetchall()
    for (event_id,) in denied:
        stances = {s for (s,) in conn.execute("SELECT stance FROM citations WHERE event_id = ?", (event_id,))}
        assert "denies" in stances, event_id


@pytest.mark.parametrize("spellings", [
    ("Haniyeh", "Haniyah"), ("Taliban", "Taleban", "Islamic Emirate", "IEA"), ("Mujahid", "Mujahed"),
    ("Sirajuddin Haqqani", "Serajuddin Haqqani"), ("Muttaqi", "Mutaqqi"), ("TTP", "Tehrik-i-Taliban Pakistan"),
    ("NRF", "National Resistance Front"),
])
def test_spelling_variants_resolve_to_one_actor(conn, spellings):
    owners = {conn.execute("SELECT actor_id FROM actor_aliases WHERE alias_key = ?", (name_key(s),)).fetchone() for s in spellings}
    assert len(owners) == 1 and None not in owners


@pytest.mark.parametrize("typed", ["Amir al-Mu'minin", "amir al-mu’minin", "AMIR  AL‐MU’MININ", "Amir al-Mu`minin"])
def test_names_with_typographic_apostrophes_are_found_as_typed(client, typed):
    """The sources write "Amir al-Mu’minin"; a keyboard types an ASCII apostrophe."""
    answer = client.get("/api/events", params={"actor": typed, "limit": 1})
    assert answer.status_code == 200, answer.text
    assert client.get("/api/actors", params={"q": typed}).json()["actors"][0]["id"] == "akhundzada"


def test_roles_change_over_time(client):
    haniyeh = client.get("/api/actors/haniyeh").json()
    assert any(m["organization"]["id"] == "hamas" and m["end"] == "2024-07-31" for m in haniyeh["memberships"])
    muttaqi = client.get("/api/actors/Muttaqi".lower()).json()
    assert any("Foreign Minister" in m["role"] for m in muttaqi["memberships"])


def test_every_contact_between_the_emirate_and_hamas(client):
    contacts = client.get("/api/contacts?actor=Islamic Emirate&with=Hamas").json()["contacts"]
    assert contacts[0]["event_ids"] == [
        "2021-08-haniyeh-calls-baradar", "2021-10-haniyeh-calls-muttaqi", "2022-10-mujahid-meets-haniyeh-istanbul",
        "2023-04-iea-envoy-meets-haniyeh-at-doha-iftar", "2024-05-baradar-muttaqi-meet-haniyeh-at-raisi-funeral",
        "2024-07-30-kabir-attends-pezeshkian-inauguration", "2024-08-04-kabir-attends-haniyeh-funeral-doha",
        "2024-08-04-kabir-meets-hamas-leaders-doha"]
    assert client.get("/api/contacts?actor=IEA&with=Hamas&members=false").json() == {"contacts": []}


@pytest.mark.parametrize("query", ["", "&from=2021"])  # as the build stored them; counted for the range
def test_contact_event_ids_can_be_capped_without_losing_the_count(client, query):
    full = client.get(f"/api/contacts?actor=Islamic Emirate{query}").json()["contacts"]
    assert max(c["count"] for c in full) >= 3
    for ids in (0, 2, 10_000):
        capped = client.get(f"/api/contacts?actor=Islamic Emirate&ids={ids}{query}").json()["contacts"]
        assert capped == [{**c, "event_ids": c["event_ids"][:ids]} for c in full]
    pair = client.get(f"/api/contacts?actor=Islamic Emirate&with=Hamas&ids=3{query}").json()["contacts"]
    assert pair[0]["count"] == 8 and pair[0]["event_ids"] == [
        "2021-08-haniyeh-calls-baradar", "2021-10-haniyeh-calls-muttaqi", "2022-10-mujahid-meets-haniyeh-istanbul"]
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
    actors = [r[0] for r in conn.execute(
        "SELECT actor_id FROM contacts UNION SELECT organization_id FROM memberships ORDER BY 1")]
    organizations = {r[0] for r in conn.execute("SELECT organization_id FROM memberships")}

    def between(a: str, b: str, extra: str = "") -> list[str]:
        found = client.get(f"/api/contacts?actor={a}&with={b}{extra}").json()["contacts"]
        return found[0]["event_ids"] if found else []

    def partners(a: str, extra: str = "") -> dict[str, list[str]]:
        return {c["other"]["id"]: c["event_ids"] for c in client.get(f"/api/contacts?actor={a}{extra}").json()["contacts"]}

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
            listed = client.get(f"/datasette/chrono/contacts_between.json?_shape=array&actor={a}&other={b}").json()
            assert sorted({row["event_id"] for row in listed}) == ids, (a, b)
        pairs += bool(ids)
    assert pairs >= 40
    # A member and its own organization are no contact, from either end.
    assert between("muttaqi", "islamic-emirate") == between("islamic-emirate", "muttaqi") == []
    assert "islamic-emirate" not in stored["muttaqi"] and "muttaqi" not in stored["islamic-emirate"]
