"""The README and docs/ tell the truth: commands, options, endpoints, example outputs and figures
come from the code."""

from __future__ import annotations

import json
import re
import shutil
from urllib.parse import urlsplit

import pytest
import sqlite_utils
from click.testing import CliRunner

from chrono.api import create_app
from chrono.cli import cli
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {
    path.name: path.read_text(encoding="utf-8") for path in sorted((ROOT / "docs").glob("*.md"))
}
ALL_DOCS = "\n".join([README, *DOCS.values()])


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_and_option_is_documented(name):
    command = cli.commands[name]
    assert f"chrono {name}" in README, name
    reference = DOCS["cli.md"]
    for param in command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--"):
                assert opt in reference, f"chrono {name} {opt} is not in docs/cli.md"


def test_readme_is_a_newcomers_page_that_links_every_doc():
    assert len(README.splitlines()) <= 300
    for name in DOCS:
        assert f"(docs/{name})" in README, f"docs/{name} is not linked from the README"


def test_every_endpoint_is_documented(bundled_db):
    app = create_app(bundled_db, mount_datasette=False)
    paths = {route.path for route in app.routes if route.path.startswith("/api")}
    assert len(paths) >= 8
    for path in sorted(paths):
        pattern = re.sub(r"\\\{\w+(:\w+)?\\\}", r"\\{\\w+\\}", re.escape(path)) + r"(?![\w/])"
        assert re.search(pattern, DOCS["api.md"]), f"{path} is not in docs/api.md"


def test_every_canned_query_is_documented():
    import yaml

    metadata = yaml.safe_load((ROOT / "datasette_metadata.yml").read_text(encoding="utf-8"))
    for name in metadata["databases"]["chrono"]["queries"]:
        assert f"/datasette/chrono/{name}" in DOCS["datasette.md"], (
            f"canned query {name} is not in docs/datasette.md"
        )


def test_quickstart_commands_are_the_ones_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash .ci/run" in README
    assert "bash scripts/setup && .venv/bin/chrono serve" in README
    assert (
        "bash scripts/setup" in ci
        and "bash scripts/setup" in (ROOT / "scripts" / "test").read_text()
    )
    assert "requirements.lock" in (ROOT / "scripts" / "setup").read_text()
    assert ".venv/bin/python -m pytest -q" in (ROOT / "scripts" / "test").read_text()
    assert ".venv/bin/python -m pytest -q" in ci
    assert "apt-get install" in ci and "chromium" in ci


def test_bundled_counts_match_a_build(bundled_db):
    db = sqlite_utils.Database(bundled_db)
    counts = {t: db[t].count for t in ("sources", "actors", "events", "citations")}
    expected = (
        f"{counts['sources']} sources, {counts['actors']} actors, "
        f"{counts['events']} events, {counts['citations']} citations"
    )
    assert expected in README, expected
    assert expected in DOCS["data.md"] and expected in DOCS["cli.md"], expected


def _examples() -> list[tuple[str, str, list[str]]]:
    """(url, jq filter, output lines) for each `$ curl … | jq …` example."""
    found = []
    for block in re.findall(r"```\n(\$ curl.*?)```", ALL_DOCS, re.S):
        lines = block.strip().splitlines()
        command = " ".join(
            line.rstrip("\\").strip()
            for line in lines
            if not line.startswith("{") and not line.startswith("[")
        )
        url = re.search(r"'(http[^']+)'", command).group(1)
        jq = re.search(r"jq -c '([^']+)'", command)
        output = [line for line in lines if line.startswith("{") or line.startswith("[")]
        found.append((url, jq.group(1) if jq else "", output))
    return found


def _apply(jq: str, body: dict) -> list[str]:
    def dump(v: object) -> str:
        return json.dumps(v, ensure_ascii=False, separators=(",", ":"))

    if not jq:
        return [dump(body)]
    if jq == "[.events[].id]":
        return [dump([e["id"] for e in body["events"]])]
    if m := re.fullmatch(r"\.(\w+)\[\] \| \{([\w, ]+)\}", jq):
        keys = [k.strip() for k in m.group(2).split(",")]
        return [dump({k: item[k] for k in keys}) for item in body[m.group(1)]]
    raise AssertionError(f"the README uses a jq filter this test does not know: {jq}")


def test_readme_api_examples_show_real_output(bundled_client):
    examples = _examples()
    assert len(examples) >= 4
    for url, jq, output in examples:
        parts = urlsplit(url)
        r = bundled_client.get(f"{parts.path}?{parts.query}")
        assert _apply(jq, r.json()) == output, url


def test_readme_validation_example_is_real_output(tmp_path, bundled_data_copy):
    """The example in docs/data.md, from the bundled files with five mistakes typed into them:
    the lines it names are the lines of the curator's own files."""

    def edit(name: str, record: str, old: str, new: str) -> None:
        path = tmp_path / "db" / name
        text = path.read_text(encoding="utf-8")
        start = text.index(f"- id: {record}\n")
        end = text.find("\n- id: ", start + 1) % (len(text) + 1)
        assert old in text[start:end], (record, old)
        path.write_text(
            text[:start] + text[start:end].replace(old, new, 1) + text[end:], encoding="utf-8"
        )

    shutil.copytree(bundled_data_copy, tmp_path / "db")
    edit("events.yml", "2021-08-haniyeh-calls-baradar", 'date: "2021-08"', 'date: "2021-13"')
    edit(
        "events.yml",
        "2024-12-24-sadiq-muttaqi-talks-in-kabul",
        "{id: sadiq, role: visitor}",
        "{id: mutaqi, role: visitor}",
    )
    edit("events.yml", "2021-10-haniyeh-calls-muttaqi", "  qualifier: early", "  qualifer: early")
    edit(
        "events.yml",
        "2021-07-biden-says-taliban-takeover-unlikely",
        'date: "2021-07"',
        'date: "2021-07-15"',
    )
    edit(
        "actors.yml",
        "haniyeh",
        "aliases: [Ismail Haniyeh, Haniyeh, Haniyah]",
        "aliases: [Ismail Haniyeh, Haniyeh, Haniyah, Baradar]",
    )
    result = CliRunner().invoke(
        cli, ["build", "--data", str(tmp_path / "db"), "--out", str(tmp_path / "db" / "chrono.db")]
    )
    block = (
        re.search(r"```\n\$ chrono build\n(db/.*?)```", DOCS["data.md"], re.S)
        .group(1)
        .strip()
        .splitlines()
    )
    shown = [line.replace(str(tmp_path) + "/", "") for line in result.output.strip().splitlines()]
    assert shown == block
