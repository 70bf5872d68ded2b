"""`chrono verify`: every quote verbatim in its archived source, whitespace and quotes folded."""

from __future__ import annotations

from click.testing import CliRunner

from chrono.cli import cli
from chrono.verify import fold_text, verify
from tests.conftest import write_data


def test_fold_text_folds_whitespace_and_typographic_quotes():
    assert fold_text("“Rumours  about\nthis” — it’s") == "\"Rumours about this\" — it's"


def test_all_quotes_found(data_dir, corpus_dir):
    report = verify(data_dir, corpus_dir)
    assert report.problems == [] and report.checked == 4


def test_altered_quote_is_reported_with_event_and_field(tmp_path, records, corpus_dir):
    sources, actors, events = records
    events[1]["citations"][0]["quote"] = "In early October 2021, Haniyeh phoned Muttaqi."
    data = write_data(tmp_path / "data", sources, actors, events)
    result = CliRunner().invoke(cli, ["verify", "--corpus", str(corpus_dir), "--data", str(data)])
    assert result.exit_code == 1
    assert "events.yml: event 2021-10-haniyeh-calls-muttaqi: citations[0].quote: not found verbatim in 'review-2024'" in result.output


def test_missing_archive_is_a_problem(tmp_path, records, corpus_dir):
    sources, actors, events = records
    sources[0]["archive"] = "gone.txt"
    data = write_data(tmp_path / "data", sources, actors, events)
    report = verify(data, corpus_dir)
    assert any(p.field == "archive" and "gone.txt" in p.message for p in report.problems)


def test_verify_cli_passes_on_good_data(data_dir, corpus_dir):
    result = CliRunner().invoke(cli, ["verify", "--corpus", str(corpus_dir), "--data", str(data_dir)])
    assert result.exit_code == 0
    assert "all 4 quotes found verbatim" in result.output


def test_bulk_jsonl_quotes_are_checked_too(tmp_path, records, corpus_dir):
    import json

    sources, actors, events = records
    data = write_data(tmp_path / "data", sources, actors, events)
    good = {**events[0], "id": "bulk-good"}
    bad = {**events[0], "id": "bulk-bad",
           "citations": [{**events[0]["citations"][0], "quote": "Haniyah never called Baradar."}]}
    (data / "bulk.jsonl").write_text("\n".join(json.dumps(e) for e in (good, bad)) + "\n", encoding="utf-8")
    report = verify(data, corpus_dir)
    assert report.checked == 6
    assert [(p.file.endswith("bulk.jsonl"), p.record, p.field) for p in report.problems] == [
        (True, "event bulk-bad", "citations[0].quote")]


def test_an_archive_that_is_not_utf8_is_named(tmp_path, records, corpus_dir):
    sources, actors, events = records
    (corpus_dir / "latin.txt").write_bytes("Pakistan’s envoy".encode().replace(b"\xe2\x80\x99", b"\x92"))
    sources[0]["archive"] = "latin.txt"
    data = write_data(tmp_path / "data", sources, actors, events)
    result = CliRunner().invoke(cli, ["verify", "--corpus", str(corpus_dir), "--data", str(data)])
    assert result.exit_code == 1
    assert "source wire-2024-12-24: archive:" in result.output and "not UTF-8 text (byte 0x92)" in result.output
    assert "Traceback" not in result.output
