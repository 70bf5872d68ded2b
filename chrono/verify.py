"""Check that every cited quote appears verbatim in the archived text of its source."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from .load import Problem, load_catalogue, not_utf8, read_yaml, without_bom

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "`": "'", "“": '"', "”": '"', "„": '"', "″": '"', "\u00a0": " "})


def fold_text(text: str) -> str:
    """Whitespace runs become one space and typographic quotes become ASCII ones."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


@dataclass(frozen=True, slots=True)
class VerifyReport:
    checked: int
    problems: list[Problem]


def _records(data: Path, problems: list[Problem]) -> Iterator[tuple[str, Any]]:
    """(file, record) for every event: events.yml, then each bulk JSONL file, line by line."""
    records, found = read_yaml(data / "events.yml")
    problems += found
    for raw in records:
        yield str(data / "events.yml"), raw
    for path in sorted(data.glob("*.jsonl")):
        with path.open("rb") as lines:
            for number, line in enumerate(lines, 1):
                if number == 1:
                    line = without_bom(line)
                if not line.strip():
                    continue
                try:
                    yield str(path), msgspec.json.decode(line)
                except UnicodeDecodeError as exc:
                    problems.append(Problem(str(path), f"line {number}", "", not_utf8(exc)))
                except msgspec.DecodeError as exc:
                    problems.append(Problem(str(path), f"line {number}", "", f"not valid JSON ({exc})"))


def verify(data: Path, corpus: Path) -> VerifyReport:
    """Every citation of every event (events.yml and bulk JSONL files) against the archive
    file its source names in `corpus`."""
    catalogue, problems = load_catalogue(data)
    texts: dict[str, str | None] = {}
    checked = 0
    for source_id, (source, _) in catalogue.sources.items():
        if not source.archive:
            texts[source_id] = None
            continue
        path = corpus / source.archive
        try:
            texts[source_id] = fold_text(path.read_text(encoding="utf-8-sig"))
        except OSError as exc:
            problems.append(Problem(str(data / "sources.yml"), f"source {source_id}", "archive", f"cannot read {path}: {exc.strerror}"))
            texts[source_id] = None
        except UnicodeDecodeError as exc:
            problems.append(Problem(str(data / "sources.yml"), f"source {source_id}", "archive", f"{path}: {not_utf8(exc)}"))
            texts[source_id] = None
    for events_file, raw in _records(data, problems):
        if not isinstance(raw, dict):
            continue
        event_id = raw.get("id", "?")
        for j, citation in enumerate(raw.get("citations") or []):
            if not isinstance(citation, dict):
                continue  # the build names the shape that is wrong
            source_id, quote = citation.get("source"), citation.get("quote") or ""
            where = f"citations[{j}].quote"
            if source_id not in texts:
                problems.append(Problem(events_file, f"event {event_id}", f"citations[{j}].source", f"unknown source {source_id!r}"))
                continue
            text = texts[source_id]
            if text is None:
                problems.append(Problem(events_file, f"event {event_id}", where, f"source {source_id!r} has no readable archive to check against"))
                continue
            checked += 1
            if fold_text(quote) not in text:
                problems.append(Problem(events_file, f"event {event_id}", where, f"not found verbatim in {source_id!r}: {quote[:60]!r}…"))
    return VerifyReport(checked, problems)
