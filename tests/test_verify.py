"""`chrono verify`: every quote verbatim in its archived source, whitespace and quotes folded."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from chrono.cli import cli
from chrono.verify import fold_text, verify
from tests.helpers import write_data


def test_fold_text_folds_whitespace_and_typographic_quotes():
    assert fold_text("“Rumours  about\nthis” — it’s") == '"Rumours about this" — it\'s'


def test_all_quotes_found(data_dir, corpus_dir):
    report = verify(data_dir, corpus_dir)
    assert report.problems == [] and report.checked == 4
    assert report.dates_checked == 4  # two stated, two resolved against their date_anchor


def test_altered_quote_is_reported_with_event_and_field(tmp_path, records, corpus_dir):
    sources, actors, events = records
    events[1]["citations"][0]["quote"] = "In early October 2021, Haniyeh phoned Muttaqi."
    data = write_data(tmp_path / "data", sources, actors, events)
    result = CliRunner().invoke(cli, ["verify", "--corpus", str(corpus_dir), "--data", str(data)])
    assert result.exit_code == 1
    assert (
        "events.yml: event 2021-10-haniyeh-calls-muttaqi: citations[0].quote: "
        "not found verbatim in 'review-2024'" in result.output
    )


def test_missing_archive_is_a_problem(tmp_path, records, corpus_dir):
    sources, actors, events = records
    sources[0]["archive"] = "gone.txt"
    data = write_data(tmp_path / "data", sources, actors, events)
    report = verify(data, corpus_dir)
    assert any(p.field == "archive" and "gone.txt" in p.message for p in report.problems)


def test_verify_cli_passes_on_good_data(data_dir, corpus_dir):
    result = CliRunner().invoke(
        cli, ["verify", "--corpus", str(corpus_dir), "--data", str(data_dir)]
    )
    assert result.exit_code == 0
    assert "all 4 quotes found verbatim" in result.output
    assert "4 dates agree with the date their date_text gives" in result.output


def test_bulk_jsonl_quotes_are_checked_too(tmp_path, records, corpus_dir):
    import json

    sources, actors, events = records
    data = write_data(tmp_path / "data", sources, actors, events)
    good = {**events[0], "id": "bulk-good"}
    bad = {
        **events[0],
        "id": "bulk-bad",
        "citations": [{**events[0]["citations"][0], "quote": "Haniyah never called Baradar."}],
    }
    (data / "bulk.jsonl").write_text(
        "\n".join(json.dumps(e) for e in (good, bad)) + "\n", encoding="utf-8"
    )
    report = verify(data, corpus_dir)
    assert report.checked == 6
    assert [(p.file.endswith("bulk.jsonl"), p.record, p.field) for p in report.problems] == [
        (True, "event bulk-bad", "citations[0].quote")
    ]


def test_bulk_lines_that_cannot_be_read_are_named_as_the_build_names_them(
    tmp_path, records, corpus_dir
):
    import json

    sources, actors, events = records
    data = write_data(tmp_path / "data", sources, actors, events)
    good = json.dumps({**events[0], "id": "bulk-good"}).encode()
    lines = [b"\xef\xbb\xbf" + good, b"", b"{not json", "caf\xe9".encode("latin-1")]
    (data / "bulk.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    report = verify(data, corpus_dir)
    assert report.checked == 5  # the first line's quote, its byte order mark aside
    assert [(p.record, p.message.split(" (")[0]) for p in report.problems] == [
        ("line 3", "not valid JSON"),
        ("line 4", "not UTF-8 text"),
    ]


def test_an_archive_that_is_not_utf8_is_named(tmp_path, records, corpus_dir):
    sources, actors, events = records
    (corpus_dir / "latin.txt").write_bytes(
        "Pakistan’s envoy".encode().replace(b"\xe2\x80\x99", b"\x92")
    )
    sources[0]["archive"] = "latin.txt"
    data = write_data(tmp_path / "data", sources, actors, events)
    result = CliRunner().invoke(cli, ["verify", "--corpus", str(corpus_dir), "--data", str(data)])
    assert result.exit_code == 1
    assert (
        "source wire-2024-12-24: archive:" in result.output
        and "not UTF-8 text (byte 0x92)" in result.output
    )
    assert "Traceback" not in result.output


def _date_problems(tmp_path, corpus_dir, records, index, **change):
    sources, actors, events = records
    events[index].update(change)
    report = verify(write_data(tmp_path / "data", sources, actors, events), corpus_dir)
    return report, [(p.record, p.field, p.message) for p in report.problems]


@pytest.mark.parametrize(
    ("index", "change", "message"),
    [
        # invents a day inside "In August 2021"
        (
            0,
            {"date": "2021-08-15"},
            "2021-08-15 is more precise than its date_text 'In August 2021', which gives 2021-08",
        ),
        # drops "early", and then claims a day the words do not give
        (
            1,
            {"date": "2021-10-05", "qualifier": None},
            "2021-10-05 is more precise than its date_text 'In early October 2021', "
            "which gives 2021-10 (early)",
        ),
        # the words say early October, the qualifier late
        (
            1,
            {"qualifier": "late"},
            "2021-10 (late) is not the date its date_text 'In early October 2021' gives: "
            "2021-10 (early)",
        ),
        (
            0,
            {"date": "2021-09"},
            "2021-09 is not the date its date_text 'In August 2021' gives: 2021-08",
        ),
        # "on Tuesday" written on 24 December 2024 is that day, not the Monday before
        (
            3,
            {"date": "2024-12-23"},
            "2024-12-23 is not the date its date_text 'on Tuesday' gives: "
            "2024-12-24 read against 2024-12-24",
        ),
        (
            3,
            {"date": "2024-12-24", "date_anchor": "2024-12-31"},
            "2024-12-24 is not the date its date_text 'on Tuesday' gives: "
            "2024-12-31 read against 2024-12-31",
        ),
    ],
)
def test_a_date_the_words_do_not_give_is_named(
    tmp_path, records, corpus_dir, index, change, message
):
    _, problems = _date_problems(tmp_path, corpus_dir, records, index, **change)
    assert problems == [(f"event {records[2][index]['id']}", "date", message)]
    result = CliRunner().invoke(
        cli, ["verify", "--corpus", str(corpus_dir), "--data", str(tmp_path / "data")]
    )
    assert (
        result.exit_code == 1
        and f"events.yml: event {records[2][index]['id']}: date: {message}" in result.output
    )


@pytest.mark.parametrize(
    ("index", "change", "read"),
    [
        (0, {"date": "2021"}, True),  # less precise than "In August 2021": honest
        (1, {"qualifier": None}, True),  # October 2021 for "In early October 2021": wider, honest
        (0, {"date": "2021-08-15", "date_basis": "inferred"}, False),  # beyond the words: not read
        (0, {"date_text": "Meanwhile"}, False),  # no date in the words
        (0, {"date_text": "between August and October 2021", "date": "2021-08/2021-10"}, True),
        (
            0,
            {"date_text": "on 14 August", "date": "2021-08-14"},
            False,
        ),  # stated, but the year is not in the words
        # two sentences, two dates (the second read in the story's year): not one date to compare
        (0, {"date_text": "Talks began in 2019. On 14 October they spoke."}, False),
    ],
)
def test_a_date_as_wide_as_its_words_or_not_read_is_no_problem(
    tmp_path, records, corpus_dir, index, change, read
):
    report, problems = _date_problems(tmp_path, corpus_dir, records, index, **change)
    assert problems == [] and report.dates_checked == 3 + read


def test_bulk_jsonl_dates_are_checked_too(tmp_path, records, corpus_dir):
    import json

    sources, actors, events = records
    data = write_data(tmp_path / "data", sources, actors, events)
    bad = {**events[0], "id": "bulk-day", "date": "2021-08-09"}
    (data / "bulk.jsonl").write_text(json.dumps(bad) + "\n", encoding="utf-8")
    report = verify(data, corpus_dir)
    assert report.dates_checked == 5
    assert [(p.file.endswith("bulk.jsonl"), p.record, p.field) for p in report.problems] == [
        (True, "event bulk-day", "date")
    ]
