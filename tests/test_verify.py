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
