"""The hot queries use indexes: EXPLAIN QUERY PLAN must show no full scan of a big table."""

from __future__ import annotations

import sqlite3
from datetime import date

import msgspec
import pytest

from chrono.plan import Cursor, EventFilter, events_sql
from chrono.queries import choose_drive
from chrono.store import open_reader

pytestmark = pytest.mark.slow  # a 20,000-event chronology


@pytest.fixture(scope="module")
def big_db(tmp_path_factory):
    """Enough rows that ANALYZE statistics look like a real chronology's."""
    import json

    from chrono.build import build
    from tests.helpers import bulk_event, write_data

    folder = tmp_path_factory.mktemp("plans")
    data = write_data(folder / "data")
    with (data / "bulk.jsonl").open("w") as f:
        for i in range(20_000):
            event = bulk_event(i)
            event["type"] = ["meeting", "talks", "statement", "phone-call"][i % 4]
            event["status"] = ["reported", "confirmed", "denied"][i % 3]
            event["actors"] = [
                {
                    "id": ["haniyeh", "baradar", "muttaqi", "pakistan", "ttp"][i % 5],
                    "role": "participant",
                }
            ]
            f.write(json.dumps(event) + "\n")
    build(data, folder / "big.db")
    return folder / "big.db"


def plan(conn: sqlite3.Connection, sql: str, params: list) -> str:
    return "\n".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", params))


def assert_no_full_scan(text: str) -> None:
    for line in text.splitlines():
        if line.startswith("SCAN") and "USING" not in line and "VIRTUAL TABLE" not in line:
            # a SCAN of a subquery result or a covering index is fine; a bare table scan is not
            assert line.split()[1] not in ("e", "events", "ea", "event_actors", "citations", "c"), (
                text
            )


FILTERS = {
    "range": EventFilter(start=date(2021, 1, 1), end=date(2021, 12, 31)),
    "range-from-only": EventFilter(start=date(2021, 1, 1)),
    "range-to-only": EventFilter(end=date(2021, 12, 31)),
    "within": EventFilter(start=date(2021, 1, 1), end=date(2021, 12, 31), within=True),
    "actor": EventFilter(actors=("haniyeh",), expands=(False,)),
    "actor-range": EventFilter(
        actors=("haniyeh",), expands=(False,), start=date(2021, 1, 1), end=date(2021, 12, 31)
    ),
    "actor-within": EventFilter(
        actors=("haniyeh",),
        expands=(False,),
        start=date(2021, 1, 1),
        end=date(2021, 12, 31),
        within=True,
    ),
    "org-members": EventFilter(actors=("islamic-emirate",), members=True, expands=(True,)),
    "org-members-range": EventFilter(
        actors=("islamic-emirate",),
        members=True,
        expands=(True,),
        start=date(2021, 1, 1),
        end=date(2022, 1, 1),
    ),
    "two-actors": EventFilter(actors=("haniyeh", "muttaqi"), members=False, expands=(False, False)),
    "actor-and-org": EventFilter(actors=("haniyeh", "islamic-emirate"), expands=(False, True)),
    "actor-type": EventFilter(actors=("haniyeh",), expands=(False,), types=("phone-call",)),
    "type": EventFilter(types=("phone-call",)),
    "type-range": EventFilter(
        types=("phone-call",), start=date(2021, 1, 1), end=date(2021, 12, 31)
    ),
    "status": EventFilter(statuses=("denied",)),
    "type-status": EventFilter(types=("phone-call",), statuses=("denied",)),
    "fulltext": EventFilter(q="haniyeh"),
    "fulltext-range": EventFilter(q="haniyeh", start=date(2021, 1, 1), end=date(2021, 12, 31)),
    "fulltext-within": EventFilter(
        q="haniyeh", start=date(2021, 1, 1), end=date(2021, 12, 31), within=True
    ),
    "fulltext-actor": EventFilter(q="meeting", actors=("haniyeh",), expands=(False,)),
    "fulltext-org": EventFilter(q="meeting", actors=("islamic-emirate",), expands=(True,)),
    "all": EventFilter(),
}
DRIVES = {name: (["actor", "fts"] if f.actors and f.q else [None]) for name, f in FILTERS.items()}


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("name", FILTERS)
def test_event_queries_avoid_full_scans(big_db, name, order):
    f = FILTERS[name]
    conn = open_reader(big_db)
    facts = conn.facts
    for drive in DRIVES[name]:
        # The first page, and one deep in (a cursor): both seek, neither scans from the start.
        for after in (None, Cursor("2021-01-01", "2021-01-31", "bulk-7", order)):
            sql, params = events_sql(f, order, after, 51, facts=facts, drive=drive)
            text = plan(conn, sql, params)
            assert_no_full_scan(text)
            # Pages come straight off an index (or the full-text doclist) in date order,
            # merged across date scales; nothing collects and sorts the matches.
            if not f.types or f.actors:
                assert "USE TEMP B-TREE FOR ORDER BY" not in text, text
            if f.start and not f.within:
                # An overlap range bounds each scan from below as well as from above.
                assert "date_start>?" in text.replace(" ", "") or "rowid>?" in text, text


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_one_type_and_one_status_page_straight_off_their_index(big_db, order):
    conn = open_reader(big_db)
    sql, params = events_sql(FILTERS["type-status"], order, None, 51, facts=conn.facts)
    text = plan(conn, sql, params)
    assert (
        "INDEX events_by_type_status (type=? AND status=?)" in text and "TEMP B-TREE" not in text
    ), text


@pytest.mark.parametrize("name", [n for n, d in DRIVES.items() if len(d) > 1])
def test_every_drive_pages_the_same_events(big_db, name):
    conn = open_reader(big_db)
    facts = conn.facts
    for order in ("asc", "desc"):
        pages = []
        for drive in DRIVES[name]:
            sql, params = events_sql(FILTERS[name], order, None, 500, facts=facts, drive=drive)
            pages.append([r[0] for r in conn.execute(sql, params)])
        assert pages[0] and all(p == pages[0] for p in pages), name


def test_the_rarer_side_drives(big_db):
    conn = open_reader(big_db)
    # haniyeh: thousands of events; hamas: none of its own
    f, drive = choose_drive(conn, EventFilter(actors=("haniyeh", "hamas"), expands=(False, False)))
    assert (f.actors, drive) == (("hamas", "haniyeh"), "actor")
    assert (
        choose_drive(conn, EventFilter(q="outpost", actors=("haniyeh",), expands=(False,)))[1]
        == "fts"
    )
    assert (
        choose_drive(conn, EventFilter(q="meeting", actors=("ttp",), expands=(False,)))[1]
        == "actor"
    )


def test_actor_and_contact_reads_use_keys(big_db):
    conn = open_reader(big_db)
    for sql, params in [
        (
            "SELECT s.summary FROM actors a JOIN actor_stats s ON s.actor_id = a.id "
            "ORDER BY a.name LIMIT ?",
            [100],
        ),
        ("SELECT json FROM contact_pairs WHERE actor_id = ? ORDER BY rank", ["haniyeh"]),
        (
            "SELECT json FROM contact_pairs WHERE actor_id = ? AND other_id = ?",
            ["haniyeh", "baradar"],
        ),
        (
            "SELECT event_count, first_event, last_event, direct_contact_count FROM actor_stats "
            "WHERE actor_id = ?",
            ["haniyeh"],
        ),
        (
            "SELECT j.json FROM events e JOIN events_json j ON j.event_rowid = e.rowid "
            "WHERE e.id = ?",
            ["bulk-7"],
        ),
    ]:
        text = plan(conn, sql, params)
        assert "SCAN" not in text.replace("SCAN a USING INDEX actors_by_name", ""), text
        assert "TEMP B-TREE" not in text, text


def test_plan_checker_catches_a_full_scan(big_db):
    conn = sqlite3.connect(big_db)
    with pytest.raises(AssertionError):
        assert_no_full_scan(plan(conn, "SELECT * FROM events e WHERE summary LIKE ?", ["%x%"]))


def test_contacts_and_alias_lookups_use_indexes(big_db):
    conn = sqlite3.connect(big_db)
    assert "USING INDEX" in plan(
        conn,
        "SELECT event_id FROM event_actors WHERE actor_id = ? AND date_start <= ?",
        ["haniyeh", "2022"],
    ) or "USING COVERING INDEX" in plan(
        conn,
        "SELECT event_id FROM event_actors WHERE actor_id = ? AND date_start <= ?",
        ["haniyeh", "2022"],
    )
    assert "PRIMARY KEY" in plan(
        conn, "SELECT actor_id FROM actor_aliases WHERE alias_key = ?", ["haniyah"]
    ) or "INDEX" in plan(
        conn, "SELECT actor_id FROM actor_aliases WHERE alias_key = ?", ["haniyah"]
    )


def test_long_events_are_found_far_from_where_they_start(tmp_path):
    """Date scales bound each scan by the longest event of its scale: a decade-long event
    still overlaps a day in its ninth year, and a page through it misses nothing."""
    from chrono.build import build
    from chrono.queries import list_events, make_filter
    from tests.helpers import EVENTS, write_data

    base = EVENTS[0]
    dates_ = [
        "199X",
        "19XX",
        "2010/2015",
        "2013-05-04",
        "2013-05",
        "2013-21",
        "2012",
        "2013~",
        "2013-05-01/2013-06-30",
    ]
    # dates of every shape with the base event's words: inferred, or the build would read the words
    events = [
        {**base, "id": f"e{i}", "date": d, "date_basis": "inferred"} for i, d in enumerate(dates_)
    ]
    data = write_data(tmp_path / "data", events=events)
    build(data, tmp_path / "c.db")
    conn = open_reader(tmp_path / "c.db")
    ranges = [
        ("1999-06", "1999-06"),
        ("2013-05-04", "2013-05-04"),
        ("2013", None),
        (None, "1950"),
        ("2014-12", "2015-01"),
        ("1901", "1901"),
        ("2013-05", "2013-06"),
    ]
    for lo, hi in ranges:
        for match in ("overlap", "within"):
            f = make_filter(conn, from_=lo, to=hi, match=match)
            expected = [
                r[0]
                for r in conn.execute(
                    (
                        "SELECT id FROM events WHERE (? IS NULL OR {}) AND (? IS NULL OR {}) "
                        "ORDER BY date_start, date_end, id"
                    ).format(
                        "date_end >= ?" if match == "overlap" else "date_start >= ?",
                        "date_start <= ?" if match == "overlap" else "date_end <= ?",
                    ),
                    [f.start and f.start.isoformat()] * 2 + [f.end and f.end.isoformat()] * 2,
                )
            ]
            for q in (None, "Haniyeh"):
                g = make_filter(conn, from_=lo, to=hi, match=match, q=q)
                seen, cursor = [], None
                while True:
                    page = list_events(conn, g, limit=2, cursor=cursor)
                    seen += [msgspec.json.decode(e)["id"] for e in page.events]
                    if not (cursor := page.next):
                        break
                assert seen == expected, (lo, hi, match, q)


WORD_SEARCHES = {
    "word": EventFilter(q="meeting"),
    "word-until": EventFilter(q="meeting", end=date(2022, 12, 31)),
    "word-range": EventFilter(q="meeting", start=date(2021, 1, 1), end=date(2022, 12, 31)),
    "word-within": EventFilter(
        q="meeting", start=date(2021, 1, 1), end=date(2022, 12, 31), within=True
    ),
    "word-actor": EventFilter(q="meeting", actors=("haniyeh",), expands=(False,)),
}


@pytest.mark.parametrize("name", WORD_SEARCHES)
def test_a_word_search_reads_the_events_table_only_for_a_clause_on_it(big_db, name):
    """A word alone (or up to a date: a rowid bound) pages the doclist and reads each
    document by its rowid; a range's lower bound, `within`, or an actor probe need the
    event's row, and only then is it read."""
    conn = open_reader(big_db)
    f = WORD_SEARCHES[name]
    for order in ("asc", "desc"):
        sql, params = events_sql(f, order, None, 51, facts=conn.facts, drive="fts")
        reads_events = "events e" in sql
        assert reads_events == (name not in ("word", "word-until")), sql
        pages = conn.execute(sql, params).fetchall()
        ids = [msgspec.json.decode(doc)["id"] for (doc,) in pages]
        assert len(ids) == 51 and len(set(ids)) == 51
        if not reads_events:
            # the same page as going through the events table
            through = sql.replace(
                "CROSS JOIN events_json j ON j.event_rowid = f.rowid",
                "CROSS JOIN events e ON e.rowid = f.rowid "
                "JOIN events_json j ON j.event_rowid = e.rowid",
            )
            assert through != sql and conn.execute(through, params).fetchall() == pages


def test_a_prefix_is_wide_once_its_terms_hold_enough_index_entries(big_db, monkeypatch):
    from chrono import queries

    reader = open_reader(big_db)
    entries = reader.execute(
        "SELECT sum(doc) FROM events_fts_vocab WHERE term >= 'm' AND term < 'n'"
    ).fetchone()[0]
    assert entries > 0
    monkeypatch.setattr(queries, "WIDE_TEXT", entries)
    assert queries.is_wide_text(reader, EventFilter(q="m*"))
    monkeypatch.setattr(queries, "WIDE_TEXT", entries + 1)
    assert not queries.is_wide_text(reader, EventFilter(q="m*"))
    assert not queries.is_wide_text(reader, EventFilter(q="zzzq*"))


def test_a_plain_search_alone_is_never_wide_and_is_not_counted(big_db, monkeypatch):
    """Words alone read the index in date order and stop at the page's end: never an
    expensive request, and their counts (a common word's whole doclist) are not read to say
    so. Under other filters the same words are counted, and wide past WIDE_TEXT."""
    from chrono import queries

    reader = open_reader(big_db)
    word = reader.execute(
        "SELECT term FROM events_fts_vocab WHERE term GLOB '[a-z]*' ORDER BY doc DESC LIMIT 1"
    ).fetchone()[0]
    monkeypatch.setattr(queries, "WIDE_TEXT", 1)
    statements: list[str] = []
    reader.conn.set_trace_callback(statements.append)
    try:
        assert not queries.is_wide_text(reader, EventFilter(q=word))
        assert statements == []
        assert queries.is_wide_text(reader, EventFilter(q=word, types=("meeting",)))
        assert any("events_fts_vocab" in s for s in statements)
    finally:
        reader.conn.set_trace_callback(None)
