"""Bulk `*.jsonl` events: same validation, streamed, duplicates caught across files."""

from __future__ import annotations

import json
import sqlite3
import tracemalloc

import pytest
import sqlite_utils
from click.testing import CliRunner

from chrono import ingest, schema
from chrono.build import build
from chrono.cli import cli
from chrono.load import load_catalogue
from tests.helpers import EVENTS, bulk_event


def test_jsonl_events_join_the_yaml_ones(data_dir, tmp_path):
    with (data_dir / "bulk.jsonl").open("w") as f:
        for i in range(1000):
            f.write(json.dumps(bulk_event(i)) + "\n")
    out = tmp_path / "c.db"
    report = build(data_dir, out)
    assert report.counts["events"] == len(EVENTS) + 1000
    db = sqlite_utils.Database(out)
    assert db["event_actors"].count == 2 * 1000 + 8
    assert next(db.query("SELECT date_start, date_end FROM events WHERE id = 'bulk-7'")) == {
        "date_start": "2012-08-01",
        "date_end": "2012-08-31",
    }


def test_jsonl_problems_name_file_line_event_and_field(data_dir, tmp_path):
    lines = [
        bulk_event(1),
        {**bulk_event(2), "date": "2021-02-30"},
        {**bulk_event(3), "type": "party"},
        bulk_event(1),
    ]
    (data_dir / "bulk.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n")
    result = CliRunner().invoke(
        cli, ["build", "--data", str(data_dir), "--out", str(tmp_path / "c.db")]
    )
    assert result.exit_code == 1
    out = result.output
    assert "bulk.jsonl: event bulk-2 (line 2): date: '2021-02-30' is not valid EDTF" in out
    assert "bulk.jsonl: event bulk-3 (line 3): type: Invalid enum value 'party'" in out
    assert "bulk.jsonl: event bulk-1 (line 4): id: duplicate id" in out
    assert "bulk.jsonl: line 5: not valid JSON" in out
    assert not (tmp_path / "c.db").exists()


def test_jsonl_duplicate_of_yaml_event_is_refused(data_dir, tmp_path):
    dup = {**bulk_event(0), "id": EVENTS[0]["id"]}
    (data_dir / "bulk.jsonl").write_text(json.dumps(dup) + "\n")
    result = CliRunner().invoke(
        cli, ["build", "--data", str(data_dir), "--out", str(tmp_path / "c.db")]
    )
    assert result.exit_code == 1
    assert f"bulk.jsonl: event {EVENTS[0]['id']} (line 1): id: duplicate id" in result.output


@pytest.mark.slow  # 50,000 events built under tracemalloc
def test_jsonl_build_memory_does_not_grow_with_event_count(data_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(
        ingest, "PARALLEL_MIN_BYTES", 1 << 40
    )  # one process: tracemalloc sees it all

    def peak_for(n: int) -> int:
        with (data_dir / "bulk.jsonl").open("w") as f:
            for i in range(n):
                f.write(json.dumps(bulk_event(i)) + "\n")
        tracemalloc.start()
        build(data_dir, tmp_path / f"c{n}.db")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    # Both sizes span several batches (ingest.BATCH_EVENTS): what is alive at the peak is a
    # batch or two, whatever the number of events.
    small, large = peak_for(10_000), peak_for(40_000)
    assert large < small * 1.5, (small, large)  # 4x the events, about the same memory


def _write_bulk(
    data_dir, n: int, extra: list[str] = (), name: str = "bulk.jsonl", first: int = 0
) -> None:
    with (data_dir / name).open("w") as f:
        for i in range(first, first + n):
            f.write(json.dumps(bulk_event(i)) + "\n")
        for line in extra:
            f.write(line + "\n")


def _staged(files: list) -> tuple[list, list]:
    """Events (with their documents) and actor rows from stage files, sorted."""
    events, actors = [], []
    for file in files:
        db = sqlite3.connect(file)
        columns = ", ".join(f"e.{c.strip()}" for c in ingest.STAGE_COLUMNS.split(","))
        events += db.execute(
            f"SELECT {columns}, d.json FROM events e JOIN docs d ON d.rowid = e.rowid"
        ).fetchall()
        actors += db.execute("SELECT * FROM actors").fetchall()
        db.close()
    return sorted(events), sorted(actors)


def test_workers_validate_pieces_of_a_file_like_one_process(data_dir, tmp_path):
    bad_date = json.dumps({**bulk_event(9000), "date": "2021-02-30"})
    duplicate = json.dumps(bulk_event(10))
    _write_bulk(data_dir, 3000, [bad_date, duplicate, "{broken"])
    catalogue, _ = load_catalogue(data_dir)
    path = data_dir / "bulk.jsonl"

    whole = ingest.Piece(1, path, 0, path.stat().st_size)
    with sqlite3.connect(tmp_path / "one.db") as one:
        ingest.create_stage(one, ingest.WORKER_TABLES, children=True)
        one_problems = ingest.stage(
            [whole], catalogue, ingest.Writer(one, ingest.WORKER_TABLES), 200
        )

    pieces = ingest.cut(1, path, 3)
    assert len(pieces) == 3 and pieces[0].start == 0 and pieces[-1].end == whole.end
    files = [tmp_path / f"piece-{i}.db" for i in range(3)]
    problems = ingest.stage_in_workers([[p] for p in pieces], catalogue, files, 200)

    assert _staged(files) == _staged([tmp_path / "one.db"])
    first_rowids = [
        sqlite3.connect(f).execute("SELECT min(rowid) FROM events").fetchone()[0] for f in files
    ]
    assert len(set(first_rowids)) == 3 and min(first_rowids) > 1  # stages never share a rowid
    assert {sqlite3.connect(f).execute("PRAGMA page_size").fetchone()[0] for f in files} == {
        schema.STAGE_PAGE_SIZE
    }
    assert problems == one_problems
    events, _ = _staged(files)
    assert len(events) == 3001  # the duplicate is a valid event until the build compares ids
    assert {e[1] for e in events} == set(range(1, 3001)) | {3002}  # lines, numbered from the top
    messages = [str(p) for p in problems]
    assert "event bulk-9000" in messages[0] and "date" in messages[0]
    assert "bulk.jsonl: line 3003: not valid JSON" in messages[-1]


def _three_workers(monkeypatch) -> None:
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(ingest, "workers", lambda: 3)


def _failed_build_with_workers(data_dir, tmp_path, monkeypatch) -> str:
    _three_workers(monkeypatch)
    result = CliRunner().invoke(
        cli, ["build", "--data", str(data_dir), "--out", str(tmp_path / "c.db")]
    )
    assert result.exit_code == 1
    return result.output


def test_build_with_workers_names_a_duplicate_at_its_later_line(data_dir, tmp_path, monkeypatch):
    _write_bulk(data_dir, 3000, [json.dumps(bulk_event(10))])
    output = _failed_build_with_workers(data_dir, tmp_path, monkeypatch)
    assert output.count("duplicate id") == 1
    assert "bulk.jsonl: event bulk-10 (line 3001): id: duplicate id" in output


def test_build_with_workers_names_a_duplicate_across_files(data_dir, tmp_path, monkeypatch):
    _write_bulk(data_dir, 2000)
    _write_bulk(data_dir, 1000, [json.dumps(bulk_event(10))], name="more.jsonl", first=2000)
    output = _failed_build_with_workers(data_dir, tmp_path, monkeypatch)
    assert output.count("duplicate id") == 1
    assert "more.jsonl: event bulk-10 (line 1001): id: duplicate id" in output


def test_build_with_workers_writes_what_one_process_writes(data_dir, tmp_path, monkeypatch):
    _write_bulk(data_dir, 2000)
    _write_bulk(
        data_dir, 1000, name="more.jsonl", first=2000
    )  # each worker stages pieces of both files
    serial = build(data_dir, tmp_path / "serial.db").out
    _three_workers(monkeypatch)
    parallel = build(data_dir, tmp_path / "parallel.db").out
    dump = (
        "SELECT e.id, e.date_start, j.json FROM events e "
        "JOIN events_json j ON j.event_rowid = e.rowid ORDER BY e.rowid"
    )
    rows = [list(sqlite_utils.Database(p).execute(dump).fetchall()) for p in (serial, parallel)]
    assert len(rows[0]) == 3000 + len(EVENTS)
    assert rows[0] == rows[1]
    counts = "SELECT (SELECT count(*) FROM event_actors), (SELECT count(*) FROM citations)"
    assert (
        sqlite_utils.Database(serial).execute(counts).fetchone()
        == sqlite_utils.Database(parallel).execute(counts).fetchone()
    )
    for derived in (
        "SELECT * FROM contact_pairs ORDER BY actor_id, rank",
        "SELECT * FROM events_fts_data ORDER BY id",
        "SELECT * FROM actor_stats ORDER BY actor_id",
    ):
        tables = [sqlite_utils.Database(p).execute(derived).fetchall() for p in (serial, parallel)]
        assert tables[0] and tables[0] == tables[1], derived
    assert list(tmp_path.glob(".*.tmp")) == []  # the workers' stage files are gone


def test_build_with_workers_and_no_events_anywhere(data_dir, tmp_path, monkeypatch):
    # Every stage empty: the curated file holds no events and the bulk file only blank lines.
    (data_dir / "events.yml").write_text("[]\n")
    (data_dir / "bulk.jsonl").write_text("\n" * 3000)
    _three_workers(monkeypatch)
    report = build(
        data_dir, tmp_path / "c.db", allow_empty=True
    )  # refused otherwise: test_build_refusals.py
    assert report.counts["events"] == 0
    assert sqlite_utils.Database(report.out).execute(
        "SELECT count(*) FROM events_json"
    ).fetchone() == (0,)


def test_a_capped_list_of_problems_says_so(data_dir, tmp_path):
    lines = [{**bulk_event(i), "type": "party"} for i in range(250)]
    (data_dir / "bulk.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    result = CliRunner().invoke(
        cli, ["build", "--data", str(data_dir), "--out", str(tmp_path / "c.db")]
    )
    assert result.exit_code == 1
    assert result.output.count("Invalid enum value 'party'") == 200
    assert "build failed: the first 200 problems (the build stops looking there)" in result.output
