"""Check that every cited quote appears verbatim in the archived text of its source."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .load import Problem, load_catalogue, read_yaml

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "`": "'", "“": '"', "”": '"', "„": '"', "″": '"', "\u00a0": " "})


def fold_text(text: str) -> str:
    """Whitespace runs become one space and typographic quotes become ASCII ones."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


@dataclass(frozen=True, slots=True)
class VerifyReport:
    checked: int
    problems: list[Problem]


def verify(data: Path, corpus: Path) -> VerifyReport:
    """Every citation in events.yml against the archive file its source names in `corpus`."""
    catalogue, problems = load_catalogue(data)
    events_file = str(data / "events.yml")
    records, found = read_yaml(data / "events.yml")
    problems += found
    texts: dict[str, str | None] = {}
    checked = 0
    for source_id, (source, _) in catalogue.sources.items():
        if not source.archive:
            texts[source_id] = None
            continue
        path = corpus / source.archive
        try:
            texts[source_id] = fold_text(path.read_text(encoding="utf-8"))
        except OSError as exc:
            problems.append(Problem(str(data / "sources.yml"), f"source {source_id}", "archive", f"cannot read {path}: {exc.strerror}"))
            texts[source_id] = None
    for raw in records:
        if not isinstance(raw, dict):
            continue
        event_id = raw.get("id", "?")
        for j, citation in enumerate(raw.get("citations") or []):
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
