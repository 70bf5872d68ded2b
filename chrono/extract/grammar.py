"""Reading an article's dates: each sentence's mentions resolved as a reader would, against the
publication date and against what the story has dated so far. The one grammar of English date
phrases that `chrono build`, `chrono verify` and `chrono extract` share."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import date  # noqa: F401  (the doctest)

from .. import dates
from ..dates import DateRange
from . import rules  # noqa: F401  (registers the rules)
from .mentions import Mention, find_mentions
from .resolver import Resolver, Timeline, _merge_adjacent
from .sentences import Sentence, split_sentences
from .tense import sentence_tense


class ExtractError(ValueError):
    """The publication date or the input cannot be used for extraction."""


def parse_published(published: str) -> tuple[DateRange, bool]:
    """The publication date as a range (EDTF: a day, a month, an interval, `?` allowed)."""
    try:
        n = dates.normalise(published.strip())
    except dates.DateError as exc:
        raise ExtractError(f"--published {published!r}: {exc}") from None
    return n.range, n.uncertain or n.approximate


def dated_sentences(text: str, published: str) -> Iterator[tuple[Sentence, list[Mention]]]:
    """Each sentence with its dated mentions, resolved as a reader would: against publication
    and against what the story has dated so far. The caller sees a sentence's mentions before
    they join the story's time line."""
    anchor, uncertain = parse_published(published)
    return _read(text, Timeline(anchor, published.strip(), uncertain))


def _read(text: str, timeline: Timeline) -> Iterator[tuple[Sentence, list[Mention]]]:
    for sentence in split_sentences(text):
        mentions = find_mentions(sentence.text)
        Resolver(timeline, sentence).resolve(mentions)
        mentions = _merge_adjacent([m for m in mentions if m.range is not None], sentence.text)
        yield sentence, mentions
        timeline.add(sentence, mentions)
        timeline.frames.append(
            (sentence_tense(sentence.text), any(m.anchor == "publication" for m in mentions))
        )


def read_date_phrase(phrase: str, written: str) -> Mention | None:
    """The one date a short phrase names ("in early October 2021", "on Sunday"), read as
    `extract` reads it in an article written on `written` (EDTF); None when the phrase names
    no date or more than one ("two days before the 9/11 attacks")."""
    found = [m for _, mentions in dated_sentences(phrase, written) for m in mentions]
    return found[0] if len(found) == 1 else None


def check_basis(m: Mention) -> None:
    """Keep `resolved` only when chrono's own resolver agrees with the date (as `chrono build`
    checks); a narrower reading from context becomes `inferred`, with the reason in the notes."""
    if m.basis != "resolved" or m.anchor_edtf is None or m.edtf is None:
        return
    try:
        anchor = dates.normalise(m.anchor_edtf).range
        when = dates.normalise(m.edtf, m.qualifier).range
    except dates.DateError:
        m.basis = "inferred"
        return
    readings = resolve_both_ways(m.text, anchor)
    if readings and not any(when.covers(r) for r in readings):
        m.basis = "inferred"
        shown = " or ".join(dates.to_edtf(r) for r in readings)
        m.notes.append(f"inferred: read literally against {m.anchor_edtf} the phrase gives {shown}")


def _phrase(phrase: str, anchor: DateRange) -> Mention | None:
    timeline = Timeline(anchor, dates.to_edtf(anchor), False)
    found = [m for _, mentions in _read(phrase, timeline) for m in mentions]
    return found[0] if len(found) == 1 else None


def resolve(phrase: str, anchor: DateRange) -> DateRange | None:
    """The range of days a phrase names, read against an anchor that may itself be a range;
    None when it names no date or more than one.

    >>> resolve("on Sunday", DateRange(date(2024, 12, 24), date(2024, 12, 24)))
    DateRange(start=datetime.date(2024, 12, 22), end=datetime.date(2024, 12, 22))
    """
    m = _phrase(phrase, anchor)
    return m.range if m is not None else None


@functools.lru_cache(
    maxsize=65536
)  # a bulk file resolves the same phrase against the same day often
def resolve_both_ways(phrase: str, anchor: DateRange) -> tuple[DateRange, ...]:
    """Every reading of a phrase against an anchor: "two days after", with nothing to be after,
    may count from the anchor either way; `chrono build` accepts a date that covers any of them."""
    m = _phrase(phrase, anchor)
    if m is None or m.range is None:
        return ()
    if m.kind == "relational" and m.readings:
        return tuple(dates.normalise(r).range for r in m.readings)
    return (m.range,)
