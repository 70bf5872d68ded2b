"""Page-SQL planning without a database: a filter, a cursor and a build's facts in, SQL text
and parameters out (chrono.plan). tests/test_query_plans.py explains the same SQL against a
built chronology."""

from __future__ import annotations

import re
from datetime import date

import msgspec
import pytest

from chrono import rawjson
from chrono.plan import (
    BuildFacts,
    Cursor,
    EventFilter,
    QueryError,
    date_clauses,
    events_sql,
    parse_bound,
)

FACTS = BuildFacts(((0, 1), (3, 8), (9, 512)))  # events of a day, of up to 8 days, of up to 512


def names_in(sql: str) -> set[str]:
    return set(re.findall(r":(\w+)", sql))


SHAPES = {
    "everything": (EventFilter(), None),
    "overlap range": (EventFilter(start=date(2021, 3, 1), end=date(2021, 4, 30)), None),
    "within range": (EventFilter(start=date(2021, 3, 1), end=date(2021, 4, 30), within=True), None),
    "type and status": (EventFilter(types=("meeting",), statuses=("denied", "confirmed")), None),
    "actor and range": (
        EventFilter(actors=("haniyeh",), expands=(False,), start=date(2020, 1, 1)),
        "actor",
    ),
    "organization, two actors": (
        EventFilter(actors=("hamas", "haniyeh"), expands=(True, False)),
        "actor",
    ),
    "word and range": (
        EventFilter(q="talks", start=date(2020, 1, 1), end=date(2020, 12, 31)),
        "fts",
    ),
    "word and actor": (EventFilter(q="talks", actors=("haniyeh",), expands=(False,)), "actor"),
}
AFTER = Cursor("2021-03-05", "2021-03-05", "e-7", "asc")


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("cursor", [False, True])
@pytest.mark.parametrize("name", SHAPES)
def test_every_parameter_the_sql_names_is_given(name, cursor, order):
    f, drive = SHAPES[name]
    after = Cursor(AFTER.date_start, AFTER.date_end, AFTER.id, order) if cursor else None
    sql, params = events_sql(f, order, after, 51, facts=FACTS, drive=drive)
    assert names_in(sql) <= set(params), name
    assert params["limit"] == 51


def test_one_sql_text_serves_every_request_of_a_shape():
    """Values travel as parameters, so SQLite's statement cache keeps one text prepared."""
    one = events_sql(
        EventFilter(actors=("haniyeh",), expands=(False,), start=date(2020, 1, 1)), facts=FACTS
    )
    other = events_sql(
        EventFilter(actors=("muttaqi",), expands=(False,), start=date(1999, 6, 1)), facts=FACTS
    )
    assert one[0] == other[0] and one[1] != other[1]
    assert (
        one[0]
        != events_sql(
            EventFilter(actors=("hamas",), expands=(True,), start=date(2020, 1, 1)), facts=FACTS
        )[0]
    )


def test_the_drive_decides_what_is_read_first():
    actor, _ = events_sql(
        EventFilter(actors=("haniyeh",), expands=(False,)), facts=FACTS, drive="actor"
    )
    organization, _ = events_sql(
        EventFilter(actors=("hamas",), expands=(True,)), facts=FACTS, drive="actor"
    )
    word, _ = events_sql(EventFilter(q="talks"), facts=FACTS, drive="fts")
    assert "FROM actor_events m" in actor and "member_events" not in actor
    assert "FROM member_events m" in organization
    # A word alone reads each document by the doclist's rowid, not the events table.
    assert (
        word.startswith("SELECT CAST(j.json AS BLOB) FROM events_fts f") and "events e" not in word
    )


def test_an_overlap_range_looks_back_by_each_scale_longest_event():
    f = EventFilter(start=date(2021, 3, 10), end=date(2021, 3, 31))
    sql, params = events_sql(f, facts=FACTS)
    assert sql.count(" UNION ALL ") == len(FACTS.scales) - 1
    assert (params["lower0"], params["lower3"], params["lower9"]) == (
        "2021-03-10",
        "2021-03-03",
        "2019-10-16",
    )
    assert (params["lo"], params["hi"], params["upper"]) == (
        "2021-03-10",
        "2021-03-31",
        "2021-03-31",
    )


def test_a_cursor_raises_the_lower_bounds_it_has_passed():
    f = EventFilter(start=date(2021, 3, 1))
    _, params = events_sql(f, "asc", AFTER, facts=FACTS)
    assert (params["lower0"], params["lower3"], params["lower9"]) == (
        "2021-03-05",
        "2021-03-05",
        "2021-03-05",
    )
    assert (params["ds"], params["de"], params["id"]) == ("2021-03-05", "2021-03-05", "e-7")


def test_a_range_from_year_one_looks_back_no_further_than_the_calendar():
    _, params = events_sql(EventFilter(start=date(1, 1, 2)), facts=FACTS)
    assert params["lower9"] == "0001-01-01"


def test_without_build_facts_every_scale_is_assumed():
    sql, _ = events_sql(EventFilter(start=date(2021, 1, 1)))
    assert sql.count(" UNION ALL ") == 16


def test_build_facts_read_from_what_the_build_recorded():
    assert BuildFacts.from_json('{"3": 8, "0": 1}').scales == ((0, 1), (3, 8))
    assert BuildFacts.from_json('{"3": 8, "0": 1}').longest == 8
    assert BuildFacts.from_json(None) == BuildFacts()


def test_date_clauses_for_contacts():
    f = EventFilter(start=date(2021, 1, 1), end=date(2021, 12, 31))
    assert date_clauses("ea", f) == (
        ["ea.date_start <= ?", "ea.date_end >= ?"],
        ["2021-12-31", "2021-01-01"],
    )
    within = EventFilter(start=date(2021, 1, 1), within=True)
    assert date_clauses("ea", within) == (["ea.date_start >= ?"], ["2021-01-01"])


def test_bounds_cover_the_days_they_name():
    assert parse_bound("2021", "from") == (date(2021, 1, 1), date(2021, 12, 31))
    assert parse_bound("2024-02", "to") == (date(2024, 2, 1), date(2024, 2, 29))
    with pytest.raises(QueryError, match="not a real calendar date"):
        parse_bound("2021-02-30", "from")


def test_a_filter_fingerprint_does_not_depend_on_the_order_of_repeated_values():
    a = EventFilter(actors=("a", "b"), types=("meeting", "talks"))
    b = EventFilter(actors=("b", "a"), types=("talks", "meeting"))
    assert a.fingerprint == b.fingerprint != EventFilter(actors=("a",)).fingerprint


# --- chrono.rawjson --------------------------------------------------------------------------

CONTACT = b'{"actor":{"id":"a","name":"A"},"count":3,"event_ids":["e-1","e-2","e-3"]}'


@pytest.mark.parametrize(
    "n, ids",
    [
        (0, []),
        (1, ["e-1"]),
        (2, ["e-1", "e-2"]),
        (3, ["e-1", "e-2", "e-3"]),
        (9, ["e-1", "e-2", "e-3"]),
    ],
)
def test_a_stored_contact_keeps_its_first_ids(n, ids):
    assert msgspec.json.decode(rawjson.first_ids(CONTACT, n))["event_ids"] == ids


def test_documents_join_into_one_json_array():
    rows = [(CONTACT,), (CONTACT.replace(b'"a"', b'"b"'),)]
    assert msgspec.json.decode(rawjson.array_of_rows(rows, 1)) == [
        {"actor": {"id": "a", "name": "A"}, "count": 3, "event_ids": ["e-1"]},
        {"actor": {"id": "b", "name": "A"}, "count": 3, "event_ids": ["e-1"]},
    ]
    assert bytes(rawjson.array_of_rows([])) == b"[]"
