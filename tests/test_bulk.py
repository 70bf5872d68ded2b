"""Bulk `*.jsonl` events: same validation, streamed, duplicates caught across files."""

from __future__ import annotations

import json
import tracemalloc

import sqlite_utils
from click.testing import CliRunner

from chrono.build import build
from chrono.cli import cli
from tests.conftest import EVENTS


def bulk_event(i: int) -> dict:
    return {
        "id": f"bulk-{i}", "date": f"20{i % 20 + 5:02d}-{i % 12 + 1:02d}", "date_text": "some month",
        "date_basis": "stated", "title": f"Meeting {i}", "summary": "Delegations met.", "type": "meeting",
        "status": "reported", "location": {"place": "Doha", "country": "Qatar"},
        "actors": [{"id": "haniyeh", "role": "participant"}, {"id": "baradar", "role": "participant"}],
        "citations": [{"source": "wire-2024-12-24", "quote": "They met.", "stance": "reports"}],
    }


def test_jsonl_events_join_the_yaml_ones(data_dir, tmp_path):
    with (data_dir / "bulk.jsonl").open("w") as f:
        for i in range(1000):
            f.write(json.dumps(bulk_event(i)) + "\n")
    out = tmp_path / "c.db"
    report = build(data_dir, out)
    assert report.counts["events"] == len(EVENTS) + 1000
    db = sqlite_utils.Database(out)
    assert db["event_actors"].count == 2 * 1000 + 8
    assert next(db.query("SELECT date_start, date_end FROM events WHERE id = 'bulk-7'")) == {"date_start": "2012-08-01", "date_end": "2012-08-31"}


def test_jsonl_problems_name_file_line_event_and_field(data_dir, tmp_path):
    lines = [bulk_event(1), {**bulk_event(2), "date": "2021-02-30"}, {**bulk_event(3), "type": "party"}, bulk_event(1)]
    (data_dir / "bulk.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n{broken\n")
    result = CliRunner().invoke(cli, ["build", "--data", str(data_dir), "--out", str(tmp_path / "c.db")])
    assert result.exit_code == 1
    out = result.output
    assert "bulk.jsonl: event bulk-2: date: '2021-02-30' is not valid EDTF" in out
    assert "bulk.jsonl: event bulk-3 (line 3): type: Invalid enum value 'party'" in out
    assert "bulk.jsonl: event bulk-1: id: duplicate id" in out
    assert "bulk.jsonl: line 5: not valid JSON" in out
    assert not (tmp_path / "c.db").exists()


def test_jsonl_duplicate_of_yaml_event_is_refused(data_dir, tmp_path):
    dup = {**bulk_event(0), "id": EVENTS[0]["id"]}
    (data_dir / "bulk.jsonl").write_text(json.dumps(dup) + "\n")
    result = CliRunner().invoke(cli, ["build", "--data", str(data_dir), "--out", str(tmp_path / "c.db")])
    assert result.exit_code == 1
    assert f"bulk.jsonl: event {EVENTS[0]['id']}: id: duplicate id" in result.output


def test_jsonl_build_memory_does_not_grow_with_event_count(data_dir, tmp_path):
    def peak_for(n: int) -> int:
        with (data_dir / "bulk.jsonl").open("w") as f:
            for i in range(n):
                f.write(json.dumps(bulk_event(i)) + "\n")
        tracemalloc.start()
        build(data_dir, tmp_path / f"c{n}.db")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    small, large = peak_for(5_000), peak_for(40_000)
    assert large < small * 2, (small, large)  # 8x the events, well under 2x the memory
