"""Date mentions: where a rule's pattern matches in a sentence, before any reading.

Each rule is a pattern bound to its resolver (see `rules`); `find_mentions` runs every pattern and
keeps the longest match where they overlap, then widens it over a preposition ("on", "since").
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import TYPE_CHECKING

from ..dates import DateRange
from .words import LOOK_BACK, MONTH_WORDS, NUMBER, WEEKDAY_WORDS, YEAR_NOUNS

if TYPE_CHECKING:
    from .resolver import Reading, Resolver


def _mon(group: str) -> str:
    """A month name; only abbreviations take a full stop ("Dec. 24"), so a sentence's own stays
    out."""
    full, short = MONTH_WORDS.split("|Sept|")
    return rf"(?P<{group}>(?:{full})\b|(?:Sept|{short})\b\.?)"


def _day(group: str) -> str:
    return rf"(?P<{group}>[0-3]?\d)(?:st|nd|rd|th)?\b"


def _year(group: str) -> str:
    return rf"(?<![\d,.$£€#/])(?P<{group}>(?:1[6-9]|20)\d\d)(?!\d)"


_WD = rf"(?P<wd>{WEEKDAY_WORDS})"
_Q = r"(?:(?P<q>early|mid|late)[\s-]+)"
_QP = (
    r"(?:(?:the\s+)?(?P<qp>beginning|start|end|middle|first\s+half|second\s+half|latter\s+half|"
    r"early\s+part|latter\s+part)\s+of\s+)"
)
_WK = r"(?:(?:the\s+)?(?P<wk>first|second|third|fourth|last|final)\s+week\s+of\s+)"
_NUM = rf"(?<![\w,.])(?P<n>{NUMBER})"
_UNIT = r"(?P<unit>hour|day|week|month|year|decade)s?"
_TO = r"(?:\s*(?:-|–|—)\s*|\s+(?:to|and|until|till|through)\s+)"
_SEASON = r"(?P<season>spring|summer|autumn|fall|winter)"


# A rule's resolver: what it reads in a mention, in its context, or None when it is no date after
# all.
Resolve = Callable[["Resolver", "Mention"], "Reading | None"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One family of date expressions: its pattern, how it is read (`kind` sets the pass:
    named, absolute, deictic and vague first, anaphoric next, relational last) and its resolver."""

    name: str
    kind: str  # named | absolute | recurring | deictic | anaphoric | vague | relational
    pattern: re.Pattern[str]
    resolver: Resolve


# Filled by `rule` as `rules` is imported. Order breaks ties between matches of equal length;
# otherwise the longest match wins.
RULES: list[Rule] = []


def rule(name: str, kind: str, pattern: str) -> Callable[[Resolve], Resolve]:
    """Bind a pattern to the function that reads its matches: `@rule("dmy", "absolute", r"...")`."""

    def register(fn: Resolve) -> Resolve:
        RULES.append(Rule(name, kind, re.compile(pattern, re.IGNORECASE), fn))
        return fn

    return register


COUNT_NOUNS = re.compile(
    r"\s*(%|percent|per\s+cent|km|kilomet|miles?\b|metres|meters|people|soldiers|troops|"
    r"members|men|women|children|fighters|dollars|euros|families|households|words)",
    re.IGNORECASE,
)
PREPOSITIONS = re.compile(
    r"(?P<prep>\b(?:on|in|at|by|since|until|till|during|from|through|throughout|before|after|around|about|"
    r"circa|ca\.|as\s+of|as\s+early\s+as|as\s+late\s+as|dated|starting|beginning|ending)\s+(?:the\s+)?)$",
    re.IGNORECASE,
)
RELATIONS = {
    "since": "since",
    "from": "since",
    "starting": "since",
    "beginning": "since",
    "until": "until",
    "till": "until",
    "by": "by",
    "before": "before",
    "after": "after",
    "as of": "as of",
    "as early as": "by",
    "as late as": "since",
    "ending": "until",
}
APPROXIMATE = frozenset({"around", "about", "circa", "ca."})


@dataclass(slots=True)
class Mention:
    """One date expression in a sentence and, once resolved, its range of possible days."""

    rule: Rule
    start: int
    end: int
    text: str
    parts: dict[str, str | None]
    prep: str | None = None
    range: DateRange | None = None
    edtf: str | None = None
    qualifier: str | None = None
    basis: str = "stated"
    anchor: str | None = None
    anchor_edtf: str | None = None
    confidence: str = "high"
    ambiguous: bool = False
    readings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    relation: str | None = None
    approximate: bool = False
    dates_object: bool = False  # "X came two days after Y": the date is Y's, not X's

    @property
    def kind(self) -> str:
        return self.rule.kind

    def part(self, name: str) -> str | None:
        value = self.parts.get(name)
        return " ".join(value.split()).lower() if value else None


def _capitalised(word: str | None) -> bool:
    return word is None or word[:1].isupper()


def _accept(rule: Rule, m: re.Match[str], sentence: str) -> bool:
    """Checks a regex cannot express: capitals on month and weekday names, years that are counts."""
    g = m.groupdict()
    if not all(_capitalised(g.get(k)) for k in ("m", "m2", "wd")):
        return False  # "may", "march", "sunday" in lower case are not dates in news copy
    for k in ("d", "d2"):
        if g.get(k) and not 1 <= int(g[k]) <= 31:
            return False
    after = sentence[m.end() :]
    if rule.name == "year":
        cue = g["cue"].lower()
        if COUNT_NOUNS.match(after):
            return False
        if _modifies(cue):
            nxt = re.match(r"[\s-]*([\w’']+)", after)
            word = nxt.group(1) if nxt else ""
            return bool(word) and (word[0].isupper() or _is_year_noun(word))
        if cue in ("and", "or"):
            return bool(re.search(r"\d{4},?\s*$", sentence[: m.start()]))
    if (
        rule.name == "day_word"
        and m.group()[0].isupper()
        and sentence[: m.start()].strip(" “\"‘'([")
    ):
        return False  # "Today" inside a sentence is a name ("India Today"), not the adverb
    if rule.name in ("year_dash", "numeric", "ymd_slash") and COUNT_NOUNS.match(after):
        return False
    framed = re.match(r"(from|between)\b", m.group(), re.IGNORECASE)
    if rule.name == "month_span" and not (g.get("y") or g.get("y2") or framed):
        return False  # "May-June" needs a year or "from … to" to read as a span
    # "day after" without a number is no count ("the day after" has its own rule): "days after" is
    plural = m.group()[m.end("unit") - m.start() :].lower().startswith("s") if "unit" in g else True
    if rule.name in ("relational", "later", "ago") and not g.get("n"):
        counted = _COUNTED.search(sentence[: m.start()])
        return (
            plural and not counted
        )  # "10,000 years ago", "hundreds of years ago": a count we cannot read
    return True


_COUNTED = re.compile(
    r"(?:\d(?:[\d,.]*\d)?|hundreds?|thousands?|millions?|dozens?|\w+\s+of)\s+$", re.IGNORECASE
)


def _modifies(cue: str) -> bool:
    """A year after an article or a possessive modifies a noun ("the 1996 accord", "Russia's 2022
    invasion"): it is a date only when an event noun or a name follows."""
    return cue in ("the", "a", "an", "its", "their", "his", "her", "our") or cue.endswith(
        ("'s", "’s")
    )


def find_mentions(sentence: str) -> list[Mention]:
    """Every date expression in the sentence; overlaps go to the longest match. Fresh mentions
    each time (a reading is written on them), from matches found once per text."""
    return [replace(m, parts=dict(m.parts), notes=[], readings=[]) for m in _found(sentence)]


@functools.lru_cache(maxsize=4096)  # `chrono build` reads the same date_text against many anchors
def _found(sentence: str) -> tuple[Mention, ...]:
    found: list[tuple[int, int, int, Rule, re.Match[str]]] = []
    for order, rule in enumerate(RULES):
        for m in rule.pattern.finditer(sentence):
            if m.end() > m.start() and _accept(rule, m, sentence):
                found.append((m.start(), m.end(), order, rule, m))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[2], f[0]))
    taken: list[Mention] = []
    claimed = bytearray(
        len(sentence)
    )  # a run-on text holds thousands of dates: no pairwise overlap test
    for start, end, _, rule, m in found:
        if claimed.find(1, start, end) != -1:
            continue
        if rule.name == "year" and (
            _modifies(m.group("cue").lower()) or m.group("cue").lower() in ("and", "or", "year")
        ):
            start = m.start("y")  # "the 2020 Doha Agreement": the date is "2020"
        claimed[start:end] = b"\x01" * (end - start)
        taken.append(Mention(rule, start, end, sentence[start:end], m.groupdict()))
    taken.sort(key=lambda t: t.start)
    for i, t in enumerate(taken):
        _attach_preposition(t, sentence, taken[i - 1].end if i else 0)
    return tuple(taken)


def _attach_preposition(mention: Mention, sentence: str, floor: int) -> None:
    """Widen the mention over a preposition just before it ("on 4 August", "by the summer of
    2009")."""
    if mention.kind == "relational":
        return
    cue = mention.part("cue")
    if cue:
        mention.prep = cue
    else:
        p = PREPOSITIONS.search(sentence[floor : mention.start])
        if p:
            mention.prep = " ".join(p.group("prep").split()).lower().removesuffix(" the")
            mention.start = floor + p.start()
            mention.text = sentence[mention.start : mention.end]
    if mention.prep:
        mention.relation = RELATIONS.get(mention.prep)
        mention.approximate = mention.prep in APPROXIMATE


def _is_year_noun(word: str) -> bool:
    return word.lower() in YEAR_NOUNS or word.lower().rstrip("s") in YEAR_NOUNS


def event_noun_end(rest: str) -> int | None:
    """Where the event noun a date is followed by ends in `rest`, if the date names what it
    dates: an event noun after up to three names ("… 2023 Hamas attack", "… 2020 Doha
    Agreement")."""
    for word in islice(re.finditer(r"[\w’'-]+", rest[:80]), 4):
        if _is_year_noun(word.group()):
            return word.end()
        if not word.group()[0].isupper():
            return None
    return None


def _continues(sentence: str, m: Mention) -> bool:
    """ "Also in October", "Later in June": words that tie a yearless month to the story so far."""
    return bool(
        re.search(
            r"\b(also|again|later|then|that\s+same|the\s+same)\s*,?\s*$",
            sentence[max(0, m.start - LOOK_BACK) : m.start],
            re.IGNORECASE,
        )
    )
