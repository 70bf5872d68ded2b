"""Tense near a date: whether the words around it narrate the past or announce the future."""

from __future__ import annotations

import functools
import re

FUTURE_CUES = re.compile(
    r"\b(will|won['’]t|shall|(?:is|are|was|were)\s+(?:due|set|scheduled|expected|going|planned|slated|to)\s*(?:to)?|"
    r"plans?\s+to|intends?\s+to|upcoming|\w+['’]ll|would\s+(?:be\s+(?:held|hosted|convened)|take\s+place))\b",
    re.IGNORECASE,
)
# Past tense: regular verbs by their ending, and the irregular ones news reports use most.
IRREGULAR_PAST = (
    "met|held|took|went|came|spoke|made|gave|sent|left|began|led|flew|fled|fought|struck|shot|"
    "won|lost|sought|brought|bought|caught|taught|thought|heard|saw|wrote|rode|drove|broke|chose|"
    "froze|rose|fell|felt|kept|slept|swept|meant|paid|laid|stood|understood|hit|quit|"
    "told|said|did|had|was|were|became|forgot|got|grew|knew|threw|drew|withdrew|overran|ran|sat|"
    "sank|spent|built|lent|bent|dealt|dug|hung|spun|stuck|stung|swung|woke|wore|tore|bore|swore"
)
PAST_CUES = re.compile(rf"\b(says|has|have|{IRREGULAR_PAST}|[a-z]{{3,}}ed)\b")
NOT_PAST = frozenset(
    {
        "need",
        "indeed",
        "speed",
        "seed",
        "feed",
        "proceed",
        "succeed",
        "exceed",
        "united",
        "expected",
        "scheduled",
        "planned",
        "slated",
        "set",
    }
)


_CLAUSE_BREAK = re.compile(r"[,;:—–“”\"]")


def tense_near(sentence: str, start: int, end: int) -> str | None:
    """'future' or 'past' from the verb cue nearest the date in its clause (else in the sentence).

    "On Monday the talks will resume" is future; "said Tuesday that it will retaliate" is past,
    because "said" is closer to the date than "will".
    """
    # A cue counts within 80 characters of the date: neither look needs more of the sentence.
    lo, hi = max(0, start - 200), min(len(sentence), end + 200)
    left, right = clause_of(sentence, start, end)
    return _nearest_cue(sentence, start, end, max(left, lo), min(right, hi)) or _nearest_cue(
        sentence, start, end, lo, hi
    )


def clause_of(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the clause around a span: from the last comma, colon, dash or quote before it to
    the next."""
    left = max((b.end() for b in _CLAUSE_BREAK.finditer(sentence, 0, start)), default=0)
    right = next((b.start() for b in _CLAUSE_BREAK.finditer(sentence, end)), len(sentence))
    return left, right


def _nearest_cue(sentence: str, start: int, end: int, lo: int, hi: int) -> str | None:
    futures = list(FUTURE_CUES.finditer(sentence, lo, hi))
    best: tuple[int, str] | None = None
    for label, cues in (("future", futures), ("past", PAST_CUES.finditer(sentence, lo, hi))):
        for m in cues:
            inside_future = any(
                f.start() <= m.start() < f.end() for f in futures
            )  # "is scheduled to"
            if label == "past" and (m.group(1).lower() in NOT_PAST or inside_future):
                continue
            distance = (
                start - m.end() if m.end() <= start else m.start() - end if m.start() >= end else 0
            )
            if 0 <= distance <= 80 and (best is None or distance < best[0]):
                best = (distance, label)
    return best[1] if best else None


_PRESENT = re.compile(
    r"\b(?:is|are|am|has|have|does|do|says|tells|remains|seems|appears|can|must|may|might)\b",
    re.IGNORECASE,
)
_PAST = re.compile(r"\b(?:was|were|had|did|said|told)\b|\b[a-z]{3,}ed\b")


@functools.lru_cache(maxsize=64)  # asked once per date in the sentence
def sentence_tense(text: str) -> str | None:
    """'present' or 'past' by a count of verb cues outside quotations; None if there are none."""
    text = re.sub(r"“[^”]*”|\"[^\"]*\"", " ", text)
    present, past = len(_PRESENT.findall(text)), len(_PAST.findall(text))
    if present > past:
        return "present"
    return "past" if past else None
