"""Check that every cited quote appears verbatim in the archived text of its source, and that
no event's date is more precise than, or other than, the date its own words give."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import dates
from .extract import ExtractError, read_date_phrase
from .load import Problem, load_catalogue, not_utf8, read_jsonl, read_yaml

_QUOTES = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": "'",
        "′": "'",
        "`": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "″": '"',
        "\u00a0": " ",
    }
)


def fold_text(text: str) -> str:
    """Whitespace runs become one space and typographic quotes become ASCII ones."""
    return re.sub(r"\s+", " ", text.translate(_QUOTES)).strip()


@dataclass(frozen=True, slots=True)
class VerifyReport:
    checked: int  # quotes
    problems: list[Problem]
    dates_checked: int = 0  # dates whose date_text names one date, read and compared


@functools.lru_cache(maxsize=16_384)
def _reading(date_text: str, anchor: str, stated: bool) -> tuple[dates.DateRange, str] | None:
    """The one date `date_text` gives, read as `chrono extract` reads an article written on
    `anchor`; for a stated date only a date the words give whole (a year given, nothing
    resolved), since the year of "on 14 October" comes from elsewhere."""
    try:
        mention = read_date_phrase(date_text, anchor)
    except ExtractError:
        return None  # an anchor that is not EDTF: the build names it
    if (
        mention is None
        or mention.range is None
        or mention.edtf is None
        or (stated and mention.basis != "stated")
    ):
        return None
    return (
        mention.range,
        f"{mention.edtf} ({mention.qualifier})" if mention.qualifier else mention.edtf,
    )


def date_text_problem(record: dict[str, Any], published: dict[str, str]) -> tuple[bool, str | None]:
    """(was the date read against its date_text, what is wrong if anything).

    A stated date must be what its date_text says, or wider ("2021-10" for "on 5 October
    2021" loses precision, which is honest); never narrower ("2021-10-05" for "early October
    2021") nor elsewhere. A resolved date is read against its date_anchor, or the publication
    of its first source. Inferred dates go beyond the words and are not read."""
    basis, text, date = record.get("date_basis"), record.get("date_text"), record.get("date")
    if (
        basis not in ("stated", "resolved")
        or not isinstance(text, str)
        or not isinstance(date, str)
    ):
        return False, None
    anchor = record.get("date_anchor") if basis == "resolved" else None
    if not isinstance(anchor, str):
        citations = record.get("citations")
        first = (
            citations[0]
            if isinstance(citations, list) and citations and isinstance(citations[0], dict)
            else {}
        )
        anchor = published.get(first.get("source"))  # type: ignore[arg-type]
    if anchor is None or (reading := _reading(text, anchor, basis == "stated")) is None:
        return False, None
    qualifier = record.get("qualifier")
    try:
        given = dates.normalise(date, qualifier if isinstance(qualifier, str) else None).range
    except dates.DateError:
        return False, None  # the build names a date it cannot read
    said, edtf = reading
    if given.covers(said):
        return True, None
    against = f" read against {anchor}" if basis == "resolved" else ""
    shown = f"{date} ({qualifier})" if isinstance(qualifier, str) else date
    if said.covers(given):
        return (
            True,
            f"{shown} is more precise than its date_text {text!r}, which gives {edtf}{against}",
        )
    return True, f"{shown} is not the date its date_text {text!r} gives: {edtf}{against}"


def _records(data: Path, problems: list[Problem]) -> Iterator[tuple[str, Any]]:
    """(file, record) for every event: events.yml, then each bulk JSONL file, line by line."""
    records, found = read_yaml(data / "events.yml")
    problems += found
    for raw in records:
        yield str(data / "events.yml"), raw
    for path in sorted(data.glob("*.jsonl")):
        for _, record in read_jsonl(path):
            if isinstance(record, Problem):
                problems.append(record)
            else:
                yield str(path), record


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
            problems.append(
                Problem(
                    str(data / "sources.yml"),
                    f"source {source_id}",
                    "archive",
                    f"cannot read {path}: {exc.strerror}",
                )
            )
            texts[source_id] = None
        except UnicodeDecodeError as exc:
            problems.append(
                Problem(
                    str(data / "sources.yml"),
                    f"source {source_id}",
                    "archive",
                    f"{path}: {not_utf8(exc)}",
                )
            )
            texts[source_id] = None
    published = {
        source_id: str(source.published) for source_id, (source, _) in catalogue.sources.items()
    }
    dates_checked = 0
    for events_file, raw in _records(data, problems):
        if not isinstance(raw, dict):
            continue
        event_id = raw.get("id", "?")
        read, wrong = date_text_problem(raw, published)
        dates_checked += read
        if wrong:
            problems.append(Problem(events_file, f"event {event_id}", "date", wrong))
        for j, citation in enumerate(raw.get("citations") or []):
            if not isinstance(citation, dict):
                continue  # the build names the shape that is wrong
            source_id, quote = citation.get("source"), citation.get("quote") or ""
            where = f"citations[{j}].quote"
            if source_id not in texts:
                problems.append(
                    Problem(
                        events_file,
                        f"event {event_id}",
                        f"citations[{j}].source",
                        f"unknown source {source_id!r}",
                    )
                )
                continue
            text = texts[source_id]
            if text is None:
                problems.append(
                    Problem(
                        events_file,
                        f"event {event_id}",
                        where,
                        f"source {source_id!r} has no readable archive to check against",
                    )
                )
                continue
            checked += 1
            if fold_text(quote) not in text:
                problems.append(
                    Problem(
                        events_file,
                        f"event {event_id}",
                        where,
                        f"not found verbatim in {source_id!r}: {quote[:60]!r}…",
                    )
                )
    return VerifyReport(checked, problems, dates_checked)
