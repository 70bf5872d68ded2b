"""The hot queries use indexes: EXPLAIN QUERY PLAN must show no full scan of a big table."""

from __future__ import annotations

import sqlite3

import pytest

from chrono.store import EventFilter, _Cursor, events_sql
from datetime import date


@pytest.fixture(scope="module")
def big_db(tmp_path_factory):
    """Enough rows that ANALYZE statistics look like a real chronology's."""
    from tests.test_bulk import bulk_event
    from tests.conftest import write_data
    from chrono.build import build
    import json

    folder = tmp_path_factory.mktemp("plans")
    data = write_data(folder / "data")
    with (data / "bulk.jsonl").open("w") as f:
        for i in range(20_000):
            event = bulk_event(i)
            event["type"] = ["meeting", "talks", "statement", "phone-call"][i % 4]
            event["status"] = ["reported", "confirmed", "denied"][i % 3]
            event["actors"] = [{"id": ["haniyeh", "baradar", "muttaqi", "pakistan", "ttp"][i % 5], "role": "participant"}]
            f.write(json.dumps(event) + "\n")
    build(data, folder / "big.db")
    return folder / "big.db"


def plan(conn: sqlite3.Connection, sql: str, params: list) -> str:
    return "\n".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def assert_no_full_scan(text: str) -> None:
    for line in text.splitlines():
        if line.startswith("SCAN") and "USING" not in line and "VIRTUAL TABLE" not in line:
            # a SCAN of a subquery result or a covering index is fine; a bare table scan is not
            assert line.split()[1] not in ("e", "events", "ea", "event_actors", "citations", "c"), text


@pytest.mark.parametrize("f", [
    EventFilter(start=date(2021, 1, 1), end=date(2021, 12, 31)),
    EventFilter(start=date(2021, 1, 1), end=date(2021, 12, 31), within=True),
    EventFilter(actors=("haniyeh",), expands=(False,)),
    EventFilter(actors=("haniyeh",), expands=(False,), start=date(2021, 1, 1), end=date(2021, 12, 31)),
    EventFilter(actors=("islamic-emirate",), members=True, expands=(True,), start=date(2021, 1, 1), end=date(2022, 1, 1)),
    EventFilter(actors=("haniyeh", "muttaqi"), members=False, expands=(False, False)),
    EventFilter(types=("phone-call",)),
    EventFilter(statuses=("denied",)),
    EventFilter(q="haniyeh"),
    EventFilter(),
], ids=["range", "within", "actor", "actor-range", "org-members-range", "two-actors", "type", "status", "fulltext", "all"])
def test_event_queries_avoid_full_scans(big_db, f):
    conn = sqlite3.connect(big_db)
    for after in (None, _Cursor("2021-01-01", "2021-01-31", "x", "asc")):
        sql, params = events_sql(f, "asc", after, 51)
        text = plan(conn, sql, params)
        assert_no_full_scan(text)
        # Pages of a plain range or of one actor come straight off an index in order;
        # full text, several actors or member expansion sort a (bounded) match set.
        if not f.q and len(f.actors) <= 1 and not any(f.expands):
            assert "USE TEMP B-TREE FOR ORDER BY" not in text, text


def test_plan_checker_catches_a_full_scan(big_db):
    conn = sqlite3.connect(big_db)
    with pytest.raises(AssertionError):
        assert_no_full_scan(plan(conn, "SELECT * FROM events e WHERE summary LIKE ?", ["%x%"]))


def test_contacts_and_alias_lookups_use_indexes(big_db):
    conn = sqlite3.connect(big_db)
    assert "USING INDEX" in plan(conn, "SELECT event_id FROM event_actors WHERE actor_id = ? AND date_start <= ?", ["haniyeh", "2022"]) \
        or "USING COVERING INDEX" in plan(conn, "SELECT event_id FROM event_actors WHERE actor_id = ? AND date_start <= ?", ["haniyeh", "2022"])
    assert "PRIMARY KEY" in plan(conn, "SELECT actor_id FROM actor_aliases WHERE alias_key = ?", ["haniyah"]) or \
        "INDEX" in plan(conn, "SELECT actor_id FROM actor_aliases WHERE alias_key = ?", ["haniyah"])
