"""`chrono build` refuses bad data: one line per problem naming file, record and field; nothing
written."""

from __future__ import annotations

import hashlib
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from chrono.cli import cli
from tests.helpers import write_data


def run_build(data: Path, out: Path):
    return CliRunner().invoke(cli, ["build", "--data", str(data), "--out", str(out)])


def break_event(events, field, value, index=0):
    if value is KeyError:
        del events[index][field]
    else:
        events[index][field] = value
    return events


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (
            lambda s, a, e: break_event(e, "date", "2021-13"),
            "events.yml: event 2021-08-haniyeh-calls-baradar: date: '2021-13' is not valid EDTF",
        ),
        (
            lambda s, a, e: break_event(e, "date", "2021-10-01/2021-09-01"),
            "event 2021-08-haniyeh-calls-baradar: date: '2021-10-01/2021-09-01' "
            "is a reversed interval",
        ),
        (
            lambda s, a, e: e[0]["actors"].append({"id": "nobody", "role": "participant"}) or e,
            "event 2021-08-haniyeh-calls-baradar: actors[2].id: unknown actor 'nobody'",
        ),
        (
            lambda s, a, e: (
                e[0]["citations"].__setitem__(0, {**e[0]["citations"][0], "source": "nowhere"}) or e
            ),
            "event 2021-08-haniyeh-calls-baradar: citations[0].source: unknown source 'nowhere'",
        ),
        (lambda s, a, e: e + [dict(e[0])], "event 2021-08-haniyeh-calls-baradar: id: duplicate id"),
        (
            lambda s, a, e: break_event(e, "type", "tea-party"),
            "event 2021-08-haniyeh-calls-baradar: type: Invalid enum value 'tea-party'",
        ),
        (
            lambda s, a, e: break_event(e, "status", "rumoured"),
            "event 2021-08-haniyeh-calls-baradar: status: Invalid enum value 'rumoured'",
        ),
        (
            lambda s, a, e: (
                e[0]["actors"].__setitem__(0, {"id": "haniyeh", "role": "bystander"}) or e
            ),
            "event 2021-08-haniyeh-calls-baradar: actors[0].role: Invalid enum value 'bystander'",
        ),
        (
            lambda s, a, e: e[0]["citations"][0].pop("quote") and e,
            "event 2021-08-haniyeh-calls-baradar: citations[0].quote: required field is missing",
        ),
        (
            lambda s, a, e: e[0]["citations"][0].__setitem__("quote", "") or e,
            "event 2021-08-haniyeh-calls-baradar: citations[0].quote: "
            "Expected `str` of length >= 3",
        ),
        (
            lambda s, a, e: break_event(e, "citations", []),
            "event 2021-08-haniyeh-calls-baradar: citations: Expected `array` of length >= 1",
        ),
        (
            lambda s, a, e: break_event(e, "colour", "red"),
            "event 2021-08-haniyeh-calls-baradar: colour: unknown field 'colour'",
        ),
        (
            lambda s, a, e: break_event(e, "date_anchor", KeyError, index=2),
            "event 2024-12-22-ttp-attack: date_anchor: required when date_basis is resolved",
        ),
        (
            lambda s, a, e: break_event(e, "date", "2024-12-23", index=3),
            "event 2024-12-24-talks-in-kabul: date: '2024-12-23' "
            "is narrower than or outside 'on Tuesday'",
        ),
        (
            lambda s, a, e: break_event(e, "qualifier", "early", index=3),
            "event 2024-12-24-talks-in-kabul: date: qualifier 'early' needs a month or a year",
        ),
        (
            lambda s, a, e: s[0].__setitem__("published", "last year") or e,
            "sources.yml: source wire-2024-12-24: published: 'last year' is not valid EDTF",
        ),
        (
            lambda s, a, e: a[3].__setitem__("aliases", ["Baradar", "Haniyah"]) or e,
            "actors.yml: actor baradar: aliases[1]: 'Haniyah' already names actor 'haniyeh'",
        ),
        # An id is looked up like an alias: `actor=iea` must not reach another actor.
        (
            lambda s, a, e: (
                a.append(
                    {"id": "iea", "name": "Institute of Economic Affairs", "kind": "organization"}
                )
                or e
            ),
            "actors.yml: actor iea: id: 'iea' already names actor 'islamic-emirate'",
        ),
        (
            lambda s, a, e: a[4]["memberships"][0].__setitem__("organization", "nowhere") or e,
            "actors.yml: actor muttaqi: memberships[0].organization: unknown actor 'nowhere'",
        ),
        (
            lambda s, a, e: a[0]["memberships"][0].__setitem__("end", "2010") or e,
            "actors.yml: actor haniyeh: memberships[0].end: ends (2010) before it starts (2017)",
        ),
    ],
)
def test_build_reports_each_problem(tmp_path, records, mutate, expected):
    sources, actors, events = records
    events = mutate(sources, actors, events)
    data = write_data(tmp_path / "data", sources, actors, events)
    out = tmp_path / "chrono.db"
    result = run_build(data, out)
    assert result.exit_code == 1
    assert expected in re.sub(
        r"(\.yml):\d+:", r"\1:", result.output
    )  # lines: test_problems_name_their_line
    assert "Traceback" not in result.output
    assert not out.exists()


def test_alias_shared_case_and_accent_insensitively_is_refused(tmp_path, records):
    sources, actors, events = records
    actors[2]["aliases"].append("HANIYÉH")
    result = run_build(write_data(tmp_path / "d", sources, actors, events), tmp_path / "x.db")
    assert result.exit_code == 1
    assert (
        "actor islamic-emirate: aliases[4]: 'HANIYÉH' already names actor 'haniyeh'"
        in result.output
    )


def test_build_lists_every_problem_not_just_the_first(tmp_path, records):
    sources, actors, events = records
    events[0]["date"] = "2021-13"
    events[1]["type"] = "nope"
    events[3]["actors"][0]["id"] = "ghost"
    result = run_build(write_data(tmp_path / "d", sources, actors, events), tmp_path / "x.db")
    problem_lines = [line for line in result.output.splitlines() if ": event " in line]
    assert len(problem_lines) == 3
    assert "build failed: 3 problem(s)" in result.output


def test_failed_build_leaves_previous_database_byte_identical(tmp_path, records):
    data = write_data(tmp_path / "data")
    out = tmp_path / "chrono.db"
    assert run_build(data, out).exit_code == 0
    before = hashlib.sha256(out.read_bytes()).hexdigest()

    sources, actors, events = records
    events[0]["date"] = "not a date"
    write_data(data, sources, actors, events)
    result = run_build(data, out)

    assert result.exit_code == 1
    assert hashlib.sha256(out.read_bytes()).hexdigest() == before
    assert list(tmp_path.glob(".chrono.db-*.tmp")) == []


def test_failed_bulk_build_leaves_previous_database_and_no_temp_file(tmp_path):
    data = write_data(tmp_path / "data")
    out = tmp_path / "chrono.db"
    assert run_build(data, out).exit_code == 0
    before = out.read_bytes()
    (data / "more.jsonl").write_text('{"id": "x", "date": "2021"}\n', encoding="utf-8")
    result = run_build(data, out)
    assert result.exit_code == 1
    assert (
        "more.jsonl: event x (line 1): required field is missing" not in result.output
    )  # field is named
    assert "more.jsonl: event x (line 1): date_text: required field is missing" in result.output
    assert out.read_bytes() == before
    assert not list(tmp_path.glob(".chrono.db-*.tmp"))


def test_cli_prints_no_traceback_for_bad_yaml(tmp_path):
    data = write_data(tmp_path / "data")
    (data / "events.yml").write_text("- id: [unclosed\n", encoding="utf-8")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "chrono",
            "build",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "x.db"),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert (
        "events.yml:2: not valid YAML" in proc.stderr
    )  # where the parser found the bracket unclosed
    assert "Traceback" not in proc.stderr


def test_unquoted_year_is_read_as_edtf(tmp_path, records):
    sources, actors, events = records
    events[0]["date"] = 2021
    result = run_build(write_data(tmp_path / "d", sources, actors, events), tmp_path / "x.db")
    assert result.exit_code == 0, result.output


def test_text_that_is_not_utf8_is_a_problem_naming_file_and_line(tmp_path, records):
    import json

    sources, actors, events = records
    data = write_data(tmp_path / "data", sources, actors, events)
    out = tmp_path / "chrono.db"
    assert run_build(data, out).exit_code == 0
    before = out.read_bytes()
    line = (
        json.dumps({**events[0], "id": "bulk-1"}, ensure_ascii=False)
        .encode()
        .replace(b"Haniyeh", b"Hani\xe9yeh", 1)
    )
    (data / "bulk.jsonl").write_bytes(b"\n" + line + b"\n")
    result = run_build(data, out)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "bulk.jsonl: line 2: not UTF-8 text (byte 0xE9)" in result.output
    (data / "bulk.jsonl").unlink()
    actors_file = data / "actors.yml"
    actors_file.write_bytes(actors_file.read_bytes().replace(b"Taleban", b"Tal\xe9ban"))
    result = run_build(data, out)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    line_number = actors_file.read_bytes().split(b"Tal\xe9ban")[0].count(b"\n") + 1
    assert f"actors.yml:{line_number}: not UTF-8 text (byte 0xE9)" in result.output
    assert out.read_bytes() == before


def test_a_jsonl_file_may_start_with_a_byte_order_mark(tmp_path, records):
    import json

    sources, actors, events = records
    data = write_data(tmp_path / "data", sources, actors, events)
    (data / "bulk.jsonl").write_bytes(
        "\ufeff".encode() + json.dumps({**events[0], "id": "bulk-1"}).encode() + b"\n"
    )
    result = run_build(data, tmp_path / "chrono.db")
    assert result.exit_code == 0, result.output


def test_a_key_written_twice_is_refused(tmp_path, records):
    sources, actors, events = records
    data = write_data(tmp_path / "data", sources, actors, events)
    text = (data / "events.yml").read_text(encoding="utf-8")
    (data / "events.yml").write_text(
        text.replace("  date: 2021-08\n", "  date: 2021-08\n  date: '2019'\n", 1), encoding="utf-8"
    )
    result = run_build(data, tmp_path / "chrono.db")
    assert result.exit_code == 1
    line = _line_of(data / "events.yml", "date: '2019'")
    assert f"events.yml:{line}: not valid YAML (key 'date' is written twice)" in result.output


def test_every_problem_in_a_jsonl_file_names_its_line(tmp_path, records):
    import json

    sources, actors, events = records
    data = write_data(tmp_path / "data", sources, actors, events)
    lines = [
        {**events[0], "id": "bulk-1"},
        {**events[0], "id": "bulk-2", "actors": [{"id": "nobody", "role": "participant"}]},
        {**events[0], "id": "bulk-1"},
    ]
    (data / "bulk.jsonl").write_text(
        "\n".join(json.dumps(e) for e in lines) + "\n", encoding="utf-8"
    )
    result = run_build(data, tmp_path / "chrono.db")
    assert result.exit_code == 1
    assert (
        "bulk.jsonl: event bulk-2 (line 2): actors[0].id: unknown actor 'nobody'" in result.output
    )
    lines.pop(1)
    (data / "bulk.jsonl").write_text(
        "\n".join(json.dumps(e) for e in lines) + "\n", encoding="utf-8"
    )
    result = run_build(data, tmp_path / "chrono.db")
    assert result.exit_code == 1
    assert "bulk.jsonl: event bulk-1 (line 2): id: duplicate id" in result.output


def test_an_output_folder_that_cannot_be_made_is_named(tmp_path, data_dir):
    (tmp_path / "afile").write_text("")
    result = run_build(data_dir, tmp_path / "afile" / "chrono.db")
    assert result.exit_code == 1
    assert (
        "cannot write" in result.output
        and "afile" in result.output
        and "Traceback" not in result.output
    )


def test_the_built_file_is_readable_as_the_umask_allows(tmp_path, data_dir):
    import os
    import stat

    old = os.umask(0o022)
    try:
        assert run_build(data_dir, tmp_path / "chrono.db").exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "chrono.db").stat().st_mode) == 0o644


def test_a_symlinked_output_replaces_the_file_it_points_to_and_stays_a_link(tmp_path, data_dir):
    releases = tmp_path / "releases"
    releases.mkdir()
    target = releases / "chrono.db"
    target.write_bytes(b"an older file")
    link = tmp_path / "current.db"
    link.symlink_to(target)
    assert run_build(data_dir, link).exit_code == 0
    assert link.is_symlink() and link.resolve() == target
    assert sqlite3.connect(target).execute("SELECT count(*) FROM events").fetchone()[0] > 0
    assert not list(tmp_path.glob(".current.db-*.tmp")) and not list(
        releases.glob(".chrono.db-*.tmp")
    )


def _line_of(path: Path, text: str) -> int:
    return next(
        n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line
    )


def test_problems_name_their_file_and_line(tmp_path, records):
    sources, actors, events = records
    events[1]["actors"][0]["id"] = "nobody"
    data = write_data(tmp_path / "data", sources, actors, events)
    result = run_build(data, tmp_path / "chrono.db")
    line = _line_of(data / "events.yml", "id: nobody")
    assert result.exit_code == 1
    assert (
        f"events.yml:{line}: event 2021-10-haniyeh-calls-muttaqi: "
        "actors[0].id: unknown actor 'nobody'" in result.output
    )


def test_a_misspelt_field_is_named_with_a_guess_and_hides_no_other_problem(tmp_path, records):
    """One run lists every problem: the misspelling, the same record's other mistake, another
    record's and another file's."""
    sources, actors, events = records
    events[1]["qualifer"] = events[1].pop("qualifier")
    events[1]["actors"][1]["id"] = "nobody"
    events[3]["citations"][0]["sorce"] = events[3]["citations"][0].pop("source")
    events[0]["status"] = "rumoured"
    actors[0]["memberships"][0]["organisation"] = actors[0]["memberships"][0].pop("organization")
    data = write_data(tmp_path / "data", sources, actors, events)
    result = run_build(data, tmp_path / "chrono.db")
    assert result.exit_code == 1
    out = re.sub(r"(\.yml):\d+:", r"\1:", result.output)
    for expected in [
        "events.yml: event 2021-10-haniyeh-calls-muttaqi: qualifer: unknown field 'qualifer'; "
        "did you mean 'qualifier'?",
        "events.yml: event 2021-10-haniyeh-calls-muttaqi: actors[1].id: unknown actor 'nobody'",
        "events.yml: event 2024-12-24-talks-in-kabul: citations[0].sorce: unknown field 'sorce'; "
        "did you mean 'source'?",
        "events.yml: event 2021-08-haniyeh-calls-baradar: status: Invalid enum value 'rumoured'",
        "actors.yml: actor haniyeh: memberships[0].organisation: unknown field 'organisation'; "
        "did you mean 'organization'?",
    ]:
        assert expected in out, expected
    line = _line_of(data / "events.yml", "qualifer:")
    assert f"events.yml:{line}: event 2021-10-haniyeh-calls-muttaqi: qualifer:" in result.output


@pytest.mark.parametrize(
    "date, qualifier, text, problem",
    [
        (
            "2021-08-15",
            None,
            "In August 2021",
            "2021-08-15 is more precise than its date_text 'In August 2021', which gives 2021-08",
        ),
        ("2021-10", None, "In early October 2021", None),  # wider than the words: honest
        (
            "2021-10-05",
            None,
            "In early October 2021",
            "2021-10-05 is more precise than its date_text 'In early October 2021'",
        ),
        (
            "2021-09",
            None,
            "In August 2021",
            "2021-09 is not the date its date_text 'In August 2021' gives: 2021-08",
        ),
        ("2021", None, "In August 2021", None),
    ],
)
def test_a_stated_date_is_never_narrower_than_its_words(
    tmp_path, records, date, qualifier, text, problem
):
    sources, actors, events = records
    events[0].update(date=date, date_text=text, qualifier=qualifier)
    data = write_data(tmp_path / "data", sources, actors, events)
    result = run_build(data, tmp_path / "chrono.db")
    if problem is None:
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1
        line = _line_of(data / "events.yml", "  date: ")  # the first event's
        assert (
            f"events.yml:{line}: event 2021-08-haniyeh-calls-baradar: date: {problem}"
            in result.output
        )
