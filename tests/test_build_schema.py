"""The built database: the DESIGN.md tables, derived dates, full text, contacts, foreign keys."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
import sqlite_utils

from chrono import build as build_module
from chrono.build import build, build_id, is_stale, read_build_info
from chrono.schema import STAGE_PAGE_SIZE


def test_tables_and_views_of_the_contract(small_db):
    db = sqlite_utils.Database(small_db)
    assert {
        "sources",
        "actors",
        "actor_aliases",
        "memberships",
        "events",
        "event_actors",
        "citations",
        "events_fts",
    } <= set(db.table_names())
    assert "contacts" in db.view_names()


def test_foreign_keys_declared_and_hold(small_db):
    db = sqlite_utils.Database(small_db)
    assert {(fk.column, fk.other_table) for fk in db["event_actors"].foreign_keys} == {
        ("event_id", "events"),
        ("actor_id", "actors"),
    }
    assert {(fk.column, fk.other_table) for fk in db["citations"].foreign_keys} == {
        ("event_id", "events"),
        ("source_id", "sources"),
    }
    assert {(fk.column, fk.other_table) for fk in db["memberships"].foreign_keys} == {
        ("actor_id", "actors"),
        ("organization_id", "actors"),
    }
    assert list(db.execute("PRAGMA foreign_key_check")) == []


def test_derived_dates_never_invent_a_day(small_db):
    db = sqlite_utils.Database(small_db)
    rows = list(
        db.query(
            "SELECT id, date, qualifier, date_start, date_end, precision FROM events "
            "ORDER BY date_start, date_end, id"
        )
    )
    assert rows == [
        {
            "id": "2021-08-haniyeh-calls-baradar",
            "date": "2021-08",
            "qualifier": None,
            "date_start": "2021-08-01",
            "date_end": "2021-08-31",
            "precision": "month",
        },
        {
            "id": "2021-10-haniyeh-calls-muttaqi",
            "date": "2021-10",
            "qualifier": "early",
            "date_start": "2021-10-01",
            "date_end": "2021-10-10",
            "precision": "month",
        },
        {
            "id": "2024-12-22-ttp-attack",
            "date": "2024-12-22",
            "qualifier": None,
            "date_start": "2024-12-22",
            "date_end": "2024-12-22",
            "precision": "day",
        },
        {
            "id": "2024-12-24-talks-in-kabul",
            "date": "2024-12-24",
            "qualifier": None,
            "date_start": "2024-12-24",
            "date_end": "2024-12-24",
            "precision": "day",
        },
    ]


def test_full_text_covers_titles_summaries_and_quotes_without_accents(small_db):
    db = sqlite_utils.Database(small_db)

    def search(q):
        return [
            r["id"]
            for r in db.query(
                "SELECT e.id FROM events_fts JOIN events e ON e.rowid = events_fts.rowid "
                "WHERE events_fts MATCH ? ORDER BY e.id",
                [q],
            )
        ]

    assert search("Haniyah") == ["2021-08-haniyeh-calls-baradar"]  # only in the quote
    assert search("outpost") == ["2024-12-22-ttp-attack"]  # only in the summary
    assert search("HANÍYEH") == ["2021-08-haniyeh-calls-baradar", "2021-10-haniyeh-calls-muttaqi"]


def test_contacts_view_pairs_actors_of_contact_events_both_ways(small_db):
    db = sqlite_utils.Database(small_db)
    rows = list(
        db.query("SELECT actor_id, other_id, event_id FROM contacts ORDER BY event_id, actor_id")
    )
    assert rows == [
        {"actor_id": "baradar", "other_id": "haniyeh", "event_id": "2021-08-haniyeh-calls-baradar"},
        {"actor_id": "haniyeh", "other_id": "baradar", "event_id": "2021-08-haniyeh-calls-baradar"},
        {"actor_id": "haniyeh", "other_id": "muttaqi", "event_id": "2021-10-haniyeh-calls-muttaqi"},
        {"actor_id": "muttaqi", "other_id": "haniyeh", "event_id": "2021-10-haniyeh-calls-muttaqi"},
        {"actor_id": "muttaqi", "other_id": "pakistan", "event_id": "2024-12-24-talks-in-kabul"},
        {"actor_id": "pakistan", "other_id": "muttaqi", "event_id": "2024-12-24-talks-in-kabul"},
    ]  # the TTP attack is not a contact


def test_aliases_include_names_and_ids_folded(small_db):
    db = sqlite_utils.Database(small_db)
    keys = {r["alias_key"]: r["actor_id"] for r in db["actor_aliases"].rows}
    assert keys["haniyah"] == "haniyeh" and keys["taleban"] == "islamic-emirate"
    assert keys["ismail haniyeh"] == "haniyeh" and keys["islamic-emirate"] == "islamic-emirate"


def test_memberships_carry_day_bounds(small_db):
    db = sqlite_utils.Database(small_db)
    row = next(db.query("SELECT * FROM memberships WHERE actor_id = 'haniyeh'"))
    assert (row["organization_id"], row["start_date"], row["end_date"]) == (
        "hamas",
        "2017-01-01",
        "2024-07-31",
    )


def test_display_date_is_written_for_each_event_and_served_as_stored(small_db):
    db = sqlite_utils.Database(small_db)
    rows = list(
        db.query("""SELECT e.id, e.display_date, json_extract(j.json, '$.display_date') AS served
                    FROM events e JOIN events_json j ON j.event_rowid = e.rowid
                    ORDER BY e.rowid""")
    )
    assert rows == [
        {"id": "2021-08-haniyeh-calls-baradar", "display_date": "Aug 2021", "served": "Aug 2021"},
        {
            "id": "2021-10-haniyeh-calls-muttaqi",
            "display_date": "early Oct 2021",
            "served": "early Oct 2021",
        },
        {"id": "2024-12-22-ttp-attack", "display_date": "22 Dec 2024", "served": "22 Dec 2024"},
        {"id": "2024-12-24-talks-in-kabul", "display_date": "24 Dec 2024", "served": "24 Dec 2024"},
    ]


def test_the_build_reports_the_seconds_of_each_of_its_steps(data_dir, tmp_path):
    report = build(data_dir, tmp_path / "c.db")
    assert list(report.stages) == [name for name, _ in build_module.STEPS] + ["swap"]
    assert all(seconds >= 0 for seconds in report.stages.values())


def test_build_records_its_identity_and_staleness(data_dir, tmp_path):
    out = tmp_path / "c.db"
    first = build(data_dir, out)
    assert not is_stale(data_dir, out)
    second = build(data_dir, tmp_path / "again.db")
    # The same data built twice is the same build: ETags and cached answers survive it.
    assert (first.input_hash, first.build_id) == (second.input_hash, second.build_id)
    assert read_build_info(out)["build_id"] == first.build_id
    (data_dir / "events.yml").write_text((data_dir / "events.yml").read_text() + "\n# edited\n")
    assert is_stale(data_dir, out)
    assert build(data_dir, out).build_id != first.build_id
    assert is_stale(data_dir, tmp_path / "missing.db")


def test_build_id_changes_with_the_schema():
    one, other = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    one.execute("CREATE TABLE events (id TEXT)")
    other.execute("CREATE TABLE events (id TEXT, title TEXT)")
    assert build_id(one, "data") != build_id(other, "data")
    assert build_id(one, "data") != build_id(one, "other data")


def test_database_is_clean(small_db):
    conn = sqlite3.connect(small_db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    # SQLite's 4 KB pages: scattered reads copy less per page than the stages' larger ones.
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 4096 < STAGE_PAGE_SIZE


def test_full_text_index_copied_from_the_side_build_matches_its_content(small_db, tmp_path):
    # FTS5 checks its index against the events and citations it indexes (rank 1: content too).
    copy = tmp_path / "copy.db"
    shutil.copyfile(small_db, copy)
    conn = sqlite3.connect(copy)
    conn.execute("INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)")
    assert (
        conn.execute("SELECT count(*) FROM events_fts_vocab WHERE term = 'haniyeh'").fetchone()[0]
        == 1
    )
    conn.execute("DELETE FROM events_fts_data WHERE id > 10")  # what a lost copy would leave
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)")


def test_a_failing_side_build_fails_the_build_and_keeps_the_previous_database(
    data_dir, tmp_path, monkeypatch
):
    out = tmp_path / "db" / "chrono.db"
    build(data_dir, out)
    before = out.read_bytes()

    def broken(conn, sources, names):
        raise sqlite3.OperationalError("disk full, say")

    monkeypatch.setattr(build_module, "group_contact_pairs", broken)
    with pytest.raises(sqlite3.OperationalError, match="disk full"):
        build(data_dir, out)
    assert out.read_bytes() == before
    assert sorted(p.name for p in out.parent.iterdir()) == [".chrono.db.lock", "chrono.db"]
