"""Candidate events from an article's text, to speed up curation: `chrono extract`.

The pipeline is pure and runs one way: paragraphs → sentences → date mentions, each resolved
against the publication date or against the story's own time line → actors from the gazetteer
→ a suggested type, status and roles. Nothing here is tuned to particular articles: the rules
are general rules of English dates and news style, kept as data tables where possible.

Honesty rules, as in `chrono.dates`: a date is a range of possible days and stays exactly as
wide as the text allows. Where the text allows two readings (22/12 vs 12/22, a month that may
belong to the story's year or to the publication's) the candidate says so.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import islice, pairwise
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

from . import dates
from .dates import DateRange
from .models import Actor


class ExtractError(ValueError):
    """The publication date or the input cannot be used for extraction."""


def _words(text: str) -> frozenset[str]:
    """A word list kept as one readable string in the source."""
    return frozenset(text.split())


# --- sentences -------------------------------------------------------------------------------

# Abbreviations after which a full stop never ends a sentence (titles, "No. 5", "e.g.").
NEVER_FINAL = _words(
    "mr mrs ms messrs mme dr prof gen lt col maj capt sgt cpl adm brig cmdr gov sen rep rev hon "
    "st mt ft pres supt insp no nos vs v cf ca approx e.g i.e fig op art sec"
)
# Abbreviations that may end a sentence: split only when a typical sentence opener follows.
MAYBE_FINAL = _words(
    "u.s u.k u.n e.u u.s.a u.a.e inc ltd co corp bros jr sr etc a.m p.m al "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
SENTENCE_OPENERS = _words(
    "the a an he she it they we i you his her its their our this that these those there here in on "
    "at but and or so yet after before when while as if for some many most one two three mr mrs ms "
    "dr according however meanwhile"
)
_BOUNDARY = re.compile(r"([.!?…]+)([”\"’'»)\]]*)(\[\d+\])?(\s+)(?=[“\"‘'«(\[]*[A-Z0-9À-ÖØ-Þ])")
SPEECH_VERBS = "said|says|told|tells|wrote|writes|added|adds|asked|noted|stated|tweeted|insisted|warned|replied|explained"
_ATTRIBUTION = re.compile(rf"(?:[^\s!?“”\"]+\s+){{0,8}}?(?:{SPEECH_VERBS})\b[^.!?“”\"]{{0,60}}[.!?]", re.IGNORECASE)
_QUOTE_PAIRS = re.compile(r"“[^“”]{1,600}”|\"[^\"\n]{1,600}\"")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence as a verbatim slice of the article, with its paragraph number."""

    text: str
    start: int
    paragraph: int
    index: int

    @property
    def clean(self) -> str:
        """Whitespace runs folded to one space: the form quoted in citations."""
        return " ".join(self.text.split())


def paragraphs(text: str) -> Iterator[tuple[int, str]]:
    """(offset, text) of each paragraph: blank lines separate them, and so does a line break,
    unless the next line starts in lower case (hard-wrapped text)."""
    start = end = None
    previous = ""
    for m in re.finditer(r"[^\n]*(?:\n|$)", text):
        line = m.group().rstrip("\n")
        if not m.group():
            break
        stripped = line.strip()
        wrapped = bool(stripped) and stripped[0].islower() and previous and previous[-1] not in ".!?:”\""
        if start is not None and (not stripped or not wrapped):
            yield start, text[start:end]
            start = None
        if stripped:
            if start is None:
                start = m.start() + (len(line) - len(line.lstrip()))
            end = m.start() + len(line.rstrip())
        previous = stripped
    if start is not None:
        yield start, text[start:end]


def _is_boundary(para: str, m: re.Match[str], quoted: list[tuple[int, int]]) -> bool:
    """Whether a full stop (or ?, !) followed by a capital really ends the sentence."""
    if any(a < m.end(4) - 1 < b - 1 for a, b in quoted):
        return False  # inside a closed quotation: the quote stays with its attribution
    if m.group(2) and _ATTRIBUTION.match(para[m.end():]):
        return False  # “…?” Mr. Biden said in July 2021.
    if m.group(1) != ".":
        return True
    before = re.search(r"(\S+)$", para[: m.start()])
    word = before.group(1).lstrip("“\"‘'(«[").lower() if before else ""
    if word in NEVER_FINAL:
        return False
    if len(word) == 1 and word.isalpha() and re.search(r"\b[A-Z][\w’'-]+\s+\S+$", para[: m.start()]):
        return False  # an initial after a name: "Donald J. Trump" (but "posted on X. The")
    following = re.match(r"[“\"‘'«(\[]*([\w’']+)", para[m.end():])
    opener = following.group(1).lower() if following else ""
    if word in MAYBE_FINAL or (("." in word) and word.replace(".", "").isalpha()):
        return opener in SENTENCE_OPENERS
    return True


def split_sentences(text: str) -> list[Sentence]:
    """News-style sentences: abbreviations (Mr., U.S., Jan.) and quotations do not split."""
    out: list[Sentence] = []
    for number, (offset, para) in enumerate(paragraphs(text)):
        quoted = [(q.start(), q.end()) for q in _QUOTE_PAIRS.finditer(para)]
        begin = 0
        for m in _BOUNDARY.finditer(para):
            if _is_boundary(para, m, quoted):
                end = m.start(4)
                out.append(Sentence(para[begin:end], offset + begin, number, len(out)))
                begin = m.end()
        if para[begin:].strip():
            out.append(Sentence(para[begin:].rstrip(), offset + begin, number, len(out)))
    return out


# --- date patterns ---------------------------------------------------------------------------

_MONTH_WORDS = ("January|February|March|April|May|June|July|August|September|October|November|"
                "December|Sept|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec")
_WEEKDAY_WORDS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_NUMBER = (r"\d{1,3}|a\s+couple\s+of|a\s+few|few|several|some|many|an?|one|two|three|four|five|six|"
           r"seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty")


def _mon(group: str) -> str:
    """A month name; only abbreviations take a full stop ("Dec. 24"), so a sentence's own stays out."""
    full, short = _MONTH_WORDS.split("|Sept|")
    return rf"(?P<{group}>(?:{full})\b|(?:Sept|{short})\b\.?)"


def _day(group: str) -> str:
    return rf"(?P<{group}>[0-3]?\d)(?:st|nd|rd|th)?\b"


def _year(group: str) -> str:
    return rf"(?<![\d,.$£€#/])(?P<{group}>(?:1[6-9]|20)\d\d)(?!\d)"


_WD = rf"(?P<wd>{_WEEKDAY_WORDS})"
_Q = r"(?:(?P<q>early|mid|late)[\s-]+)"
_QP = (r"(?:(?:the\s+)?(?P<qp>beginning|start|end|middle|first\s+half|second\s+half|latter\s+half|"
       r"early\s+part|latter\s+part)\s+of\s+)")
_WK = r"(?:(?:the\s+)?(?P<wk>first|second|third|fourth|last|final)\s+week\s+of\s+)"
_NUM = rf"(?<![\w,.])(?P<n>{_NUMBER})"
_UNIT = r"(?P<unit>hour|day|week|month|year|decade)s?"
_TO = r"(?:\s*(?:-|–|—)\s*|\s+(?:to|and|until|till|through)\s+)"
_SEASON = r"(?P<season>spring|summer|autumn|fall|winter)"


@dataclass(frozen=True, slots=True)
class Rule:
    """One family of date expressions: `kind` says how it is resolved."""

    name: str
    kind: str  # named | absolute | recurring | deictic | anaphoric | vague | relational
    pattern: re.Pattern[str]


def _rule(name: str, kind: str, pattern: str) -> Rule:
    return Rule(name, kind, re.compile(pattern, re.IGNORECASE))


# Order breaks ties between matches of equal length; otherwise the longest match wins.
RULES: tuple[Rule, ...] = (
    _rule("named", "named", r"(?<![\w/])9/11(?![\w/])"),
    _rule("iso", "absolute", r"(?<![\d-])(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})(?![\d-])"),
    _rule("numeric", "absolute",
          r"(?<![\d/.-])(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})(?![\d/.-]*\d)"),
    _rule("ymd_slash", "absolute", r"(?<![\d/])(?P<y>\d{4})/(?P<mo>\d{1,2})/(?P<d>\d{1,2})(?![\d/])"),
    _rule("day_span", "absolute",
          rf"(?:(?:from|between)\s+)?{_day('d')}(?:\s+{_mon('m')})?{_TO}{_day('d2')}(?:\s+of)?\s+{_mon('m2')}"
          rf"(?:,?\s+{_year('y')})?"),
    _rule("mdy_span", "absolute",
          rf"(?:(?:from|between)\s+)?{_mon('m')}\s+{_day('d')}{_TO}(?:{_mon('m2')}\s+)?{_day('d2')}"
          rf"(?:,?\s+{_year('y')})?"),
    _rule("dmy", "absolute", rf"(?:{_WD},?\s+)?(?:the\s+)?{_day('d')}(?:\s+of)?\s+{_mon('m')}(?:,?\s+{_year('y')})?"),
    _rule("mdy", "absolute", rf"(?:{_WD},?\s+)?{_mon('m')}\s+(?:the\s+)?{_day('d')}(?:,?\s+{_year('y')})?"),
    _rule("month_span", "absolute",
          rf"(?:(?:from|between)\s+)?{_mon('m')}(?:\s+{_year('y')})?{_TO}{_mon('m2')}(?:,?\s+{_year('y2')})?"),
    _rule("month_year", "absolute", rf"(?:{_Q}|{_QP}|{_WK})?{_mon('m')},?\s+(?:of\s+)?{_year('y')}"),
    _rule("month_relyear", "anaphoric",
          rf"(?:{_Q}|{_QP})?{_mon('m')}\s+(?:of\s+)?(?P<which>the\s+same|the\s+previous|the\s+preceding|"
          rf"the\s+following|the\s+next|that|last|this|next)\s+year"),
    _rule("month_deictic", "deictic", rf"(?:{_Q})?(?P<which>last|this\s+past|this|next|this\s+coming)\s+{_mon('m')}"),
    _rule("month_alone", "absolute",
          rf"(?:{_Q}|{_QP}|{_WK}|(?P<cue>in|since|by|until|till|during|through|throughout|from|before|after|"
          rf"as\s+of)\s+){_mon('m')}(?!\.?\s*\d)"),
    _rule("season_year", "absolute", rf"(?:{_Q})?(?:the\s+)?{_SEASON}\s+(?:of\s+)?{_year('y')}"),
    _rule("season_rel", "deictic",
          rf"(?:{_Q})?(?P<which>last|this\s+past|this|next|that|the\s+following|the\s+previous|the\s+same)\s+{_SEASON}"),
    _rule("season_alone", "absolute",
          rf"(?:in|during|by|since|until|through|throughout)\s+(?:the\s+)?(?:{_Q})?{_SEASON}\b(?!\s+(?:of\b|\d))"),
    _rule("year_span", "absolute",
          rf"(?:from|between)\s+{_year('y')}\s+(?:to|and|until|till|through)\s+{_year('y2')}"),
    _rule("year_dash", "absolute", rf"{_year('y')}\s*[-–/]\s*(?P<y2>\d{{4}}|\d{{2}})(?![\d/-])"),
    _rule("year_qual", "absolute",
          rf"(?:{_Q}|{_QP}|(?:the\s+)?(?P<quarter>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter\s+of\s+|"
          rf"(?P<qn>Q[1-4])\s+){_year('y')}"),
    _rule("decade", "absolute", rf"(?:the\s+)?(?:{_Q})?(?P<dec>(?:1[6-9]|20)\d0)['’]?s\b"),
    _rule("century", "absolute", rf"(?:the\s+)?(?:{_Q})?(?P<c>\d{{1,2}})(?:st|nd|rd|th)[\s-]+century"),
    _rule("year", "absolute",
          rf"(?P<cue>in|since|by|until|till|during|before|after|from|of|through|throughout|around|circa|about|"
          rf"and|or|the|a|an|year|as\s+of)\s+{_year('y')}(?:['’]s)?"),
    _rule("day_word", "deictic",
          rf"(?:(?P<part>early|late|earlier|later)\s+)?(?P<word>today|tonight|yesterday|tomorrow|"
          rf"this\s+(?:morning|afternoon|evening)|last\s+night|overnight)(?:\s*\({_WD}\))?"),
    _rule("unit_rel", "deictic",
          r"(?:(?P<part>early|mid|late|earlier|later)[\s-]+)?(?:(?:the\s+)?(?P<qp>beginning|start|end|middle)\s+of\s+)?"
          r"(?P<which>last|this|next|this\s+past|this\s+coming)\s+(?P<unit>weekend|week|month|year)\b"),
    _rule("weekend", "deictic", r"(?:over|at|during|on)\s+the\s+weekend"),
    _rule("weekday", "deictic",
          rf"(?:(?P<which>last|next|this\s+past|this\s+coming|this|coming)\s+)?{_WD}(?:['’]s)?"
          rf"(?:\s+(?P<tod>morning|afternoon|evening|night))?(?:\s*\((?P<pday>[^()]{{3,30}})\))?"),
    _rule("ago", "deictic", rf"(?:{_NUM}\s+)?{_UNIT}\s+ago"),
    _rule("in_future", "deictic",
          rf"(?P<within>in|within)\s+{_NUM}\s+{_UNIT}(?:['’]s?\s+time)?(?!\s+(?:of|ago|before|after|later|earlier))"),
    _rule("recent", "vague",
          rf"(?:in|over|during|for|throughout|within)\s+(?:the\s+)?(?:(?P<recent>recent)|(?:past|last|previous)"
          rf"(?:\s+{_NUM})?)\s+{_UNIT}"),
    _rule("holiday", "deictic",
          r"(?P<hol>Christmas\s+Eve|Christmas\s+Day|New\s+Year['’]s\s+Eve|New\s+Year['’]s\s+Day|Christmas)"),
    _rule("rel_unit", "anaphoric",
          r"(?:(?P<part>early|mid|late|earlier|later)\s+)?(?:(?P<that>that)|the\s+(?P<which>following|next|"
          r"previous|preceding|same|subsequent|prior))\s+(?P<unit>day|weekend|week|month|year|morning|afternoon|"
          r"evening|night)\b"),
    _rule("later", "anaphoric", rf"(?:{_NUM}\s+)?{_UNIT}\s+(?P<dir>later|earlier|afterwards?)\b(?!\s+than)"),
    _rule("relational", "relational",
          rf"(?:(?P<lead>just|only|barely|nearly|almost|about|some|more\s+than|less\s+than)\s+)?(?:{_NUM}\s+)?"
          rf"{_UNIT}\s+(?P<dir>before|after|prior\s+to|following|ahead\s+of)\b"),
    _rule("day_rel", "relational", r"the\s+(?P<unit>day|week|month|year|night)\s+(?P<dir>before|after)\b"),
)

NAMED_DATES = {"9/11": date(2001, 9, 11)}
HOLIDAYS = {"christmas eve": (12, 24), "christmas day": (12, 25), "christmas": (12, 25),
            "new year's eve": (12, 31), "new year's day": (1, 1)}
SEASON_CODES = {"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24}
QUALIFIER_WORDS = {"early": "early", "mid": "mid", "late": "late", "beginning": "early", "start": "early",
                   "early part": "early", "middle": "mid", "end": "late", "latter part": "late"}
# How many units a vague count may stand for ("days before", "a few weeks later").
VAGUE_COUNTS = {"a few": (2, 5), "few": (2, 5), "several": (3, 9), "some": (2, 12), "many": (3, 24),
                "a couple of": (2, 3)}
BARE_PLURAL = {"hour": (1, 23), "day": (2, 13), "week": (2, 8), "month": (2, 11), "year": (2, 15), "decade": (2, 5)}
# How far back "in recent weeks" etc. may reach, in days.
RECENT_REACH = {"hour": 2, "day": 14, "week": 91, "month": 365, "year": 3653, "decade": 36525}
# A year after "the"/"a" is only a year when an event noun or a name follows ("the 2020 Doha Agreement").
YEAR_NOUNS = _words(
    "election elections war attack attacks agreement deal summit conference report budget census olympics "
    "withdrawal invasion crisis earthquake flood floods season campaign law constitution accord protests "
    "uprising revolution coup talks meeting visit ceasefire truce offensive ban order decree survey "
    "strategy plan policy review resolution cup games vote referendum presidency"
)
COUNT_NOUNS = re.compile(r"\s*(%|percent|per\s+cent|km|kilomet|miles?\b|metres|meters|people|soldiers|troops|"
                         r"members|men|women|children|fighters|dollars|euros|families|households|words)", re.IGNORECASE)
PREPOSITIONS = re.compile(
    r"(?P<prep>\b(?:on|in|at|by|since|until|till|during|from|through|throughout|before|after|around|about|"
    r"circa|ca\.|as\s+of|as\s+early\s+as|as\s+late\s+as|dated|starting|beginning|ending)\s+(?:the\s+)?)$",
    re.IGNORECASE,
)
RELATIONS = {"since": "since", "from": "since", "starting": "since", "beginning": "since", "until": "until",
             "till": "until", "by": "by", "before": "before", "after": "after", "as of": "as of",
             "as early as": "by", "as late as": "since", "ending": "until"}
APPROXIMATE = frozenset({"around", "about", "circa", "ca."})

FUTURE_CUES = re.compile(
    r"\b(will|won['’]t|shall|(?:is|are|was|were)\s+(?:due|set|scheduled|expected|going|planned|slated|to)\s*(?:to)?|"
    r"plans?\s+to|intends?\s+to|upcoming|\w+['’]ll)\b", re.IGNORECASE)
PAST_CUES = re.compile(r"\b(said|says|told|was|were|had|did|has|have|[a-z]{3,}ed)\b")
NOT_PAST = frozenset({"need", "indeed", "speed", "seed", "feed", "proceed", "succeed", "exceed", "united", "expected",
                      "scheduled", "planned", "slated", "set"})


# --- mentions --------------------------------------------------------------------------------

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
    after = sentence[m.end():]
    if rule.name == "year":
        cue = g["cue"].lower()
        if COUNT_NOUNS.match(after):
            return False
        if cue in ("the", "a", "an"):
            nxt = re.match(r"[\s-]*([\w’']+)", after)
            word = nxt.group(1) if nxt else ""
            return bool(word) and (word[0].isupper() or _is_year_noun(word))
        if cue in ("and", "or"):
            return bool(re.search(r"\d{4},?\s*$", sentence[: m.start()]))
    if rule.name == "day_word" and m.group()[0].isupper() and sentence[: m.start()].strip(" “\"‘'(["):
        return False  # "Today" inside a sentence is a name ("India Today"), not the adverb
    if rule.name in ("year_dash", "numeric", "ymd_slash") and COUNT_NOUNS.match(after):
        return False
    framed = re.match(r"(from|between)\b", m.group(), re.IGNORECASE)
    if rule.name == "month_span" and not (g.get("y") or g.get("y2") or framed):
        return False  # "May-June" needs a year or "from … to" to read as a span
    # "day after" without a number is no count ("the day after" has its own rule): "days after" is
    plural = m.group()[m.end("unit") - m.start():].lower().startswith("s") if "unit" in g else True
    if rule.name in ("relational", "later", "ago") and not g.get("n"):
        counted = _COUNTED.search(sentence[: m.start()])
        return plural and not counted  # "10,000 years ago", "hundreds of years ago": a count we cannot read
    return True


_COUNTED = re.compile(r"(?:\d(?:[\d,.]*\d)?|hundreds?|thousands?|millions?|dozens?|\w+\s+of)\s+$", re.IGNORECASE)


def find_mentions(sentence: str) -> list[Mention]:
    """Every date expression in the sentence; overlaps go to the longest match."""
    found: list[tuple[int, int, int, Rule, re.Match[str]]] = []
    for order, rule in enumerate(RULES):
        for m in rule.pattern.finditer(sentence):
            if m.end() > m.start() and _accept(rule, m, sentence):
                found.append((m.start(), m.end(), order, rule, m))
    found.sort(key=lambda f: (-(f[1] - f[0]), f[2], f[0]))
    taken: list[Mention] = []
    for start, end, _, rule, m in found:
        if any(start < t.end and t.start < end for t in taken):
            continue
        if rule.name == "year" and m.group("cue").lower() in ("the", "a", "an", "and", "or", "year"):
            start = m.start("y")  # "the 2020 Doha Agreement": the date is "2020"
        taken.append(Mention(rule, start, end, sentence[start:end], m.groupdict()))
    taken.sort(key=lambda t: t.start)
    for i, t in enumerate(taken):
        _attach_preposition(t, sentence, taken[i - 1].end if i else 0)
    return taken


def _attach_preposition(mention: Mention, sentence: str, floor: int) -> None:
    """Widen the mention over a preposition just before it ("on 4 August", "by the summer of 2009")."""
    if mention.kind == "relational":
        return
    cue = mention.part("cue")
    if cue:
        mention.prep = cue
    else:
        p = PREPOSITIONS.search(sentence[floor: mention.start])
        if p:
            mention.prep = " ".join(p.group("prep").split()).lower().removesuffix(" the")
            mention.start = floor + p.start()
            mention.text = sentence[mention.start: mention.end]
    if mention.prep:
        mention.relation = RELATIONS.get(mention.prep)
        mention.approximate = mention.prep in APPROXIMATE


# --- tense -----------------------------------------------------------------------------------

_CLAUSE_BREAK = re.compile(r"[,;:—–“”\"]")


def tense_near(sentence: str, start: int, end: int) -> str | None:
    """'future' or 'past' from the verb cue nearest the date in its clause (else in the sentence).

    "On Monday the talks will resume" is future; "said Tuesday that it will retaliate" is past,
    because "said" is closer to the date than "will".
    """
    # A cue counts within 80 characters of the date: neither look needs more of the sentence.
    lo, hi = max(0, start - 200), min(len(sentence), end + 200)
    left, right = clause_of(sentence, start, end)
    return _nearest_cue(sentence, start, end, max(left, lo), min(right, hi)) or _nearest_cue(sentence, start, end, lo, hi)


def clause_of(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Bounds of the clause around a span: from the last comma, colon, dash or quote before it to the next."""
    left = max((b.end() for b in _CLAUSE_BREAK.finditer(sentence, 0, start)), default=0)
    right = next((b.start() for b in _CLAUSE_BREAK.finditer(sentence, end)), len(sentence))
    return left, right


def _nearest_cue(sentence: str, start: int, end: int, lo: int, hi: int) -> str | None:
    futures = list(FUTURE_CUES.finditer(sentence, lo, hi))
    best: tuple[int, str] | None = None
    for label, cues in (("future", futures), ("past", PAST_CUES.finditer(sentence, lo, hi))):
        for m in cues:
            inside_future = any(f.start() <= m.start() < f.end() for f in futures)  # "is scheduled to"
            if label == "past" and (m.group(1).lower() in NOT_PAST or inside_future):
                continue
            distance = start - m.end() if m.end() <= start else m.start() - end if m.start() >= end else 0
            if 0 <= distance <= 80 and (best is None or distance < best[0]):
                best = (distance, label)
    return best[1] if best else None


# --- resolution ------------------------------------------------------------------------------

def _month_of(word: str | None) -> int:
    return dates.MONTHS[(word or "").lower().rstrip(".")]


def _count(word: str | None, unit: str) -> tuple[int, int]:
    """(fewest, most) units a count stands for: "two" → (2, 2), "several" → (3, 9), none → by unit."""
    if word is None:
        return BARE_PLURAL[unit]
    word = " ".join(word.lower().split())
    if word.isdigit():
        return int(word), int(word)
    if word in VAGUE_COUNTS:
        return VAGUE_COUNTS[word]
    n = dates.NUMBER_WORDS.get(word)
    if n is None:
        n = {"fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}.get(word, 1)
    return n, n


def _shift(d: date, unit: str, n: int) -> date:
    if unit == "hour":
        return d + timedelta(days=round(n / 24))
    if unit in ("day", "week"):
        return d + timedelta(days=n * (7 if unit == "week" else 1))
    if unit == "decade":
        return d + relativedelta(years=10 * n)
    return d + relativedelta(**{f"{unit}s": n})


def _widen(rng: DateRange, unit: str) -> DateRange:
    """Round a range out to whole months or years when the text counts in months or years."""
    if unit == "month":
        return DateRange(rng.start.replace(day=1), dates.month_range(rng.end.year, rng.end.month).end)
    if unit in ("year", "decade"):
        return DateRange(date(rng.start.year, 1, 1), date(rng.end.year, 12, 31))
    return rng


def _union(a: DateRange, b: DateRange) -> DateRange:
    return DateRange(min(a.start, b.start), max(a.end, b.end))


def _over_anchor(anchor: DateRange, fn: Callable[[date], DateRange | None]) -> DateRange | None:
    """Apply a monotone rule to both ends of a fuzzy anchor and keep everything in between."""
    first, last = fn(anchor.start), fn(anchor.end)
    if first is None or last is None:
        return None
    return _union(first, last)


def _week_of_month(year: int, month: int, which: str) -> DateRange:
    """The n-th week of a month, wide enough for both conventions: days 1-7, 8-14 … and
    Monday-to-Sunday weeks counted from the week holding the 1st."""
    whole = dates.month_range(year, month)
    if which in ("last", "final"):
        return DateRange(whole.end - timedelta(days=6), whole.end)
    n = {"first": 1, "second": 2, "third": 3, "fourth": 4}[which]
    by_days = DateRange(whole.start + timedelta(days=7 * (n - 1)), whole.start + timedelta(days=7 * n - 1))
    monday = whole.start - timedelta(days=whole.start.weekday()) + timedelta(weeks=n - 1)
    by_weeks = DateRange(max(monday, whole.start), min(monday + timedelta(days=6), whole.end))
    return _union(by_days, by_weeks)


def _month_part(year: int, month: int, q: str | None, qp: str | None, wk: str | None) -> tuple[DateRange, str | None]:
    """A month narrowed by early/mid/late, "the end of", "the first half of", "the second week of"."""
    whole = dates.month_range(year, month)
    if wk:
        return _week_of_month(year, month, wk), None
    word = q or qp
    if word in ("first half",):
        return DateRange(whole.start, whole.start.replace(day=15)), None
    if word in ("second half", "latter half"):
        return DateRange(whole.start.replace(day=16), whole.end), None
    if word in QUALIFIER_WORDS:
        qualifier = QUALIFIER_WORDS[word]
        return dates.normalise(f"{year:04d}-{month:02d}", qualifier).range, qualifier
    return whole, None


def _year_part(year: int, q: str | None, qp: str | None, quarter: str | None) -> tuple[DateRange, str | None]:
    if quarter:
        n = int(quarter[-1]) if quarter[-1].isdigit() else {"first": 1, "second": 2, "third": 3, "fourth": 4,
                                                              "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}[quarter]
        return DateRange(date(year, 3 * n - 2, 1), dates.month_range(year, 3 * n).end), None
    word = q or qp
    if word == "first half":
        return DateRange(date(year, 1, 1), date(year, 6, 30)), None
    if word in ("second half", "latter half"):
        return DateRange(date(year, 7, 1), date(year, 12, 31)), None
    if word in QUALIFIER_WORDS:
        qualifier = QUALIFIER_WORDS[word]
        return dates.normalise(str(year), qualifier).range, qualifier
    return dates.year_range(year), None


def _season(year: int, name: str) -> DateRange:
    return dates.normalise(f"{year:04d}-{SEASON_CODES[name]}").range


def _season_edtf(rng: DateRange, name: str) -> str | None:
    """EDTF season code (2009-22) when the range is exactly one season, else None."""
    code = f"{rng.start.year:04d}-{SEASON_CODES[name]}"
    return code if dates.normalise(code).range == rng else None


def _is_year_noun(word: str) -> bool:
    return word.lower() in YEAR_NOUNS or word.lower().rstrip("s") in YEAR_NOUNS


def _event_noun_end(rest: str) -> int | None:
    """Where the event noun a date is followed by ends in `rest`, if the date names what it
    dates: an event noun after up to three names ("… 2023 Hamas attack", "… 2020 Doha
    Agreement")."""
    for word in islice(re.finditer(r"[\w’'-]+", rest[:80]), 4):
        if _is_year_noun(word.group()):
            return word.end()
        if not word.group()[0].isupper():
            return None
    return None


def _following_unit(rng: DateRange) -> DateRange:
    """The year, month or day after a range that is whole years, whole months, or neither."""
    after = rng.end + timedelta(days=1)
    if rng.start.day == 1 and after.day == 1:
        if rng.start.month == 1 and after.month == 1:
            return dates.year_range(after.year)
        return dates.month_range(after.year, after.month)
    return DateRange(after, after)


def edtf_for(rng: DateRange) -> tuple[str, str | None]:
    """The EDTF string (and early/mid/late qualifier) that says exactly this range."""
    s, e = rng.start, rng.end
    if s.year == e.year and s.month == e.month and s.day in (1, 11, 21) and s != e:
        for q in ("early", "mid", "late"):
            if dates.normalise(f"{s:%Y-%m}", q).range == rng:
                return f"{s:%Y-%m}", q
    if s.year == e.year and s.day == 1 and s.month in (1, 5, 9):
        for q in ("early", "mid", "late"):
            if dates.normalise(str(s.year), q).range == rng:
                return str(s.year), q
    return dates.to_edtf(rng), None


@dataclass(slots=True)
class Timeline:
    """What the story has dated so far: anaphoric phrases ("two months later", "that month")
    and yearless dates ("on 14 October") are read against it, as a reader would."""

    published: DateRange
    published_edtf: str
    uncertain: bool
    events: list[tuple[int, int, Mention]] = field(default_factory=list)  # (sentence, paragraph, mention)
    days: dict[tuple[int, int], Mention] = field(default_factory=dict)  # (month, day) → a dated mention of it

    def add(self, sentence: Sentence, mentions: list[Mention]) -> None:
        for m in mentions:
            if not _good_anchor(m):
                continue
            self.events.append((sentence.index, sentence.paragraph, m))
            if m.basis == "stated" and m.range is not None and m.range.start == m.range.end:
                self.days[(m.range.start.month, m.range.start.day)] = m

    # per sentence: its tense, and whether it is framed in the present (dated against publication)
    frames: list[tuple[str | None, bool]] = field(default_factory=list)

    def recent(self, sentence: Sentence, window: int, continuity: bool = False) -> tuple[Mention, str] | None:
        """The first dated mention of the latest dated sentence, if that sentence is in the same
        paragraph or within `window` sentences. With `continuity` the story must be narrating the
        past all along: that sentence is not dated against publication ("on Sunday … since 2022"),
        and every sentence in between narrates in the past tense (one in the present, a caption or
        a byline means the story has turned from narrating to commenting)."""
        if not self.events:
            return None
        index, paragraph, _ = self.events[-1]
        mention = next(m for i, _, m in self.events if i == index)
        distance = sentence.index - index
        if paragraph != sentence.paragraph and distance > window:
            return None
        if continuity and (self.frames[index][1] or any(
                tense != "past" or framed for tense, framed in self.frames[index + 1: sentence.index])):
            return None
        if distance == 1:
            return mention, "previous sentence"
        return mention, "earlier in the paragraph" if paragraph == sentence.paragraph else f"{distance} sentences earlier"


def _good_anchor(m: Mention) -> bool:
    if m.range is None or m.confidence == "low" or m.kind in ("vague", "relational"):
        return False
    return (m.range.end - m.range.start).days <= 400


class Resolver:
    """Resolves the mentions of one sentence, in three passes: absolute and deictic dates first,
    then anaphoric phrases (which need an earlier date), then relational ones ("two days after X")."""

    def __init__(self, timeline: Timeline, sentence: Sentence) -> None:
        self.timeline = timeline
        self.sentence = sentence
        self.text = sentence.text
        self._mentions: list[Mention] = []

    # helpers ----------------------------------------------------------------------------

    def _narrative(self, mention: Mention, mentions: list[Mention], window: int,
                   continuity: bool = False) -> tuple[Mention, str] | None:
        left = [m for m in mentions if m.end <= mention.start and m is not mention and _good_anchor(m)]
        if left:
            return left[-1], "same sentence"
        found = self.timeline.recent(self.sentence, window, continuity)
        if found and _good_anchor(found[0]):
            return found
        return None

    def _future(self, mention: Mention) -> bool:
        return tense_near(self.text, mention.start, mention.end) == "future"

    def _set(self, m: Mention, rng: DateRange, basis: str, confidence: str, anchor: str | None = None,
             anchor_edtf: str | None = None, qualifier: str | None = None, edtf: str | None = None) -> None:
        m.range = rng
        if edtf is None:
            edtf, q = edtf_for(rng)
            qualifier = qualifier or q
        m.edtf, m.qualifier, m.basis, m.confidence = edtf, qualifier, basis, confidence
        m.anchor, m.anchor_edtf = anchor, anchor_edtf

    def _publication(self, m: Mention, rng: DateRange, confidence: str = "medium", qualifier: str | None = None,
                     edtf: str | None = None) -> None:
        self._set(m, rng, "resolved", confidence, "publication", self.timeline.published_edtf, qualifier, edtf)
        if self.timeline.uncertain and m.edtf and "/" not in m.edtf and m.edtf[-1] not in "?~%":
            m.edtf += "?"

    def _recurring(self, m: Mention, make: Callable[[int], DateRange | None], continues: bool = False) -> None:
        """A date without a year ("on 14 October", "in early August").

        Read against the publication: the most recent such date on or before it (the next one when
        the verb is in the future). But when the story is narrating an older year (its latest date is
        over a year before publication, in this sentence or paragraph, or just before in an unbroken
        past-tense narration), the year is the story's: the occurrence nearest to that date. Then the
        publication's reading is listed too, and the candidate is flagged ambiguous.
        """
        pub = self.timeline.published
        future = self._future(m)
        by_pub = _over_anchor(pub, (lambda d: _earliest(make, d)) if future else (lambda d: _latest(make, d)))
        story = None if future or sentence_tense(self.text) == "present" else self._story_reading(m, make, continues)
        if story is None or story[0] == by_pub:
            if by_pub is not None:
                self._publication(m, by_pub)
                if future:
                    m.notes.append("future tense: the next such date on or after publication")
            return
        rng, where, anchor_edtf = story
        self._set(m, rng, "resolved", "medium", where, anchor_edtf)
        if by_pub is not None:
            other = edtf_for(by_pub)[0]
            m.notes.append(f"read in the story's time line ({where}); against the publication date it would be {other}")
            m.ambiguous = True
            m.readings = [m.edtf or "", other]

    def _story_reading(self, m: Mention, make: Callable[[int], DateRange | None],
                       continues: bool) -> tuple[DateRange, str, str | None] | None:
        """The occurrence nearest to the story's latest date, if that date is in an older year."""
        found = self._narrative(m, self._mentions, 3, continuity=not continues)
        if not found:
            return None
        anchor, where = found
        pub = self.timeline.published
        if anchor.range.end >= pub.start - timedelta(days=365):  # type: ignore[union-attr]
            return None
        options = [r for y in range(anchor.range.start.year - 1, anchor.range.end.year + 2)  # type: ignore[union-attr]
                   if (r := make(y)) is not None and r.start <= pub.end]
        if not options:
            return None

        def gap(r: DateRange) -> tuple[int, int]:
            a = anchor.range  # type: ignore[union-attr]
            if r.overlaps(a):
                return 0, 0
            return ((a.start - r.end).days, 1) if r.end < a.start else ((r.start - a.end).days, 0)  # ties: forward

        return min(options, key=gap), f"{anchor.text!r} ({where})", anchor.edtf

    # pass 1 -----------------------------------------------------------------------------

    def resolve(self, mentions: list[Mention]) -> None:
        self._mentions = mentions
        for m in mentions:
            if m.kind in ("named", "absolute", "deictic", "vague"):
                getattr(self, f"_r_{m.rule.name}")(m)
        for m in mentions:
            if m.kind == "anaphoric":
                getattr(self, f"_r_{m.rule.name}")(m)
        for m in mentions:
            if m.kind == "relational":
                self._relational(m, mentions)
        for m in mentions:
            self._after_publication(m)
            self._open_bound(m)
            if m.approximate and m.edtf and "/" not in m.edtf and m.edtf[-1] not in "?~%":
                m.edtf += "~"  # "around 2019": EDTF approximate, same bounds

    def _after_publication(self, m: Mention) -> None:
        """A resolved date after publication in a sentence not about the future: the direction was
        probably wrong. A stated one is a plan or a deadline, and only noted."""
        if m.range is None or m.range.start <= self.timeline.published.end or self._future(m):
            return
        if m.basis == "stated":
            m.notes.append("after the publication date: a plan or a deadline")
        elif not re.search(r"\bwould\b", self.text):
            m.confidence = "low"
            m.notes.append("after the publication date, yet not in the future tense")

    def _open_bound(self, m: Mention) -> None:
        """"after 2019", "before March 2020": the date is a bound of the event, not its date.

        After a past date, the event lies between the next day (at the bound's precision: "after
        2019" starts in 2020) and publication. Before a date, nothing bounds it from below: the
        bound stays as the date, with low confidence and a note saying what it is.
        """
        if m.range is None or m.relation not in ("before", "after") or m.kind == "relational":
            return
        if (noun := _event_noun_end(self.text[m.end:])) is not None:
            # "after the 7 October 2023 attack": the date is the attack's, and it is stated; its
            # words take in the attack, so that they read as the date they give.
            m.text = self.text[m.start: m.end + noun]
            return
        bound, pub = m.edtf, self.timeline.published
        m.confidence = "low"
        if m.relation == "after" and m.range.end < pub.start and not self._future(m):
            following = _following_unit(m.range)
            published = self.timeline.published_edtf
            end = published if not re.search(r"[/?~%]", published) else pub.end.isoformat()
            m.range = DateRange(following.start, pub.end)
            m.edtf, m.qualifier = f"{dates.to_edtf(following)}/{end}", None
            m.notes.append(f"{m.text.strip()!r} gives only a lower bound: from after {bound} to publication")
        else:
            m.notes.append(f"{m.text.strip()!r} gives only {'an upper' if m.relation == 'before' else 'a lower'} "
                           f"bound: {bound} is that bound, not the event's date")

    def _r_named(self, m: Mention) -> None:
        d = next(d for name, d in NAMED_DATES.items() if name in m.text)
        self._set(m, DateRange(d, d), "stated", "high")

    def _r_iso(self, m: Mention) -> None:
        self._day_of(m, int(m.parts["y"]), int(m.parts["mo"]), int(m.parts["d"]))

    _r_ymd_slash = _r_iso

    def _day_of(self, m: Mention, y: int, mo: int, d: int) -> None:
        try:
            day = date(y, mo, d)
        except ValueError:
            return
        self._set(m, DateRange(day, day), "stated", "high")

    def _r_numeric(self, m: Mention) -> None:
        a, b, y = int(m.parts["a"]), int(m.parts["b"]), int(m.parts["y"])
        readings = []
        for d, mo in ((a, b), (b, a)):  # day first, then month first
            try:
                readings.append(date(y, mo, d))
            except ValueError:
                pass
        readings = sorted(set(readings))
        if not readings:
            return
        rng = DateRange(readings[0], readings[-1])
        if len(readings) == 1:
            self._set(m, rng, "stated", "high")
            return
        self._set(m, rng, "stated", "medium", edtf=dates.to_edtf(rng))
        m.ambiguous = True
        m.readings = [r.isoformat() for r in (date(y, b, a), date(y, a, b))]
        m.notes.append(f"numeric date: day-first reads {m.readings[0]}, month-first {m.readings[1]}; "
                       "the range covers both until a curator decides")

    def _r_dmy(self, m: Mention) -> None:
        day, month = int(m.parts["d"]), _month_of(m.parts["m"])
        earlier = self.timeline.days.get((month, day))
        if m.parts.get("y"):
            self._day_of(m, int(m.parts["y"]), month, day)
        elif earlier is not None and earlier.range is not None and not self._future(m):
            # "the 7 October attacks" after "the 7 October 2023 attacks": the article already gave the year
            self._set(m, earlier.range, "resolved", "medium", f"{earlier.text!r} (earlier in the article)", earlier.edtf)
        else:
            self._recurring(m, lambda y: _safe_day(y, month, day))
        self._check_weekday(m)

    _r_mdy = _r_dmy

    def _check_weekday(self, m: Mention) -> None:
        wd = m.parts.get("wd")
        day = m.range.start if m.range is not None and m.range.start == m.range.end else None
        if wd and day and day.strftime("%A").lower() != wd.lower():
            m.notes.append(f"the text says {wd}, but {day} is a {day:%A}")

    def _r_day_span(self, m: Mention) -> None:
        self._day_span(m, _month_of(m.parts.get("m") or m.parts["m2"]), _month_of(m.parts["m2"]))

    def _r_mdy_span(self, m: Mention) -> None:
        self._day_span(m, _month_of(m.parts["m"]), _month_of(m.parts.get("m2") or m.parts["m"]))

    def _day_span(self, m: Mention, m1: int, m2: int) -> None:
        """"22-23 May 2024", "May 22-23": a span of days, its year stated or recurring."""
        d1, d2 = int(m.parts["d"]), int(m.parts["d2"])

        def make(y: int) -> DateRange | None:
            return _days(y if m1 <= m2 else y - 1, m1, d1, y, m2, d2)

        if m.parts.get("y"):
            rng = make(int(m.parts["y"]))
            if rng:
                self._set(m, rng, "stated", "high")
        else:
            self._recurring(m, make)

    def _r_month_span(self, m: Mention) -> None:
        m1, m2 = _month_of(m.parts["m"]), _month_of(m.parts["m2"])
        y1 = int(m.parts["y"]) if m.parts.get("y") else None
        y2 = int(m.parts["y2"]) if m.parts.get("y2") else None

        def make(y: int) -> DateRange | None:
            start_year = y1 if y1 is not None else (y if m1 <= m2 else y - 1)
            rng = DateRange(date(start_year, m1, 1), dates.month_range(y, m2).end) if start_year <= y else None
            return rng if rng and rng.start < rng.end else None

        if y2 is not None:
            rng = make(y2)
            if rng:
                self._set(m, rng, "stated", "high")
        else:
            self._recurring(m, make)

    def _r_month_year(self, m: Mention) -> None:
        rng, _ = _month_part(int(m.parts["y"]), _month_of(m.parts["m"]), m.part("q"), m.part("qp"), m.part("wk"))
        self._set(m, rng, "stated", "high")

    def _r_month_alone(self, m: Mention) -> None:
        month = _month_of(m.parts["m"])
        q, qp, wk = m.part("q"), m.part("qp"), m.part("wk")
        self._recurring(m, lambda y: _month_part(y, month, q, qp, wk)[0], continues=_continues(self.text, m))

    def _r_month_deictic(self, m: Mention) -> None:
        month, which, q = _month_of(m.parts["m"]), m.part("which"), m.part("q")
        pub = self.timeline.published
        if which in ("next", "this coming"):
            fn = lambda d: _month_part(d.year if month > d.month else d.year + 1, month, q, None, None)[0]
        elif which == "this":
            fn = lambda d: _month_part(d.year, month, q, None, None)[0]
        else:
            fn = lambda d: _month_part(d.year if month < d.month else d.year - 1, month, q, None, None)[0]
        self._publication(m, _over_anchor(pub, fn))  # type: ignore[arg-type]

    def _r_season_year(self, m: Mention) -> None:
        y, name = int(m.parts["y"]), m.part("season") or ""
        self._set(m, _season(y, name), "stated", "high", edtf=f"{y:04d}-{SEASON_CODES[name]}")
        if m.part("q"):
            m.notes.append(f"{m.part('q')} {name}: seasons have no agreed parts, the whole season is kept")

    def _r_season_alone(self, m: Mention) -> None:
        name = m.part("season") or ""
        self._recurring(m, lambda y: _season(y, name))
        if m.range is not None:
            m.edtf = _season_edtf(m.range, name) or m.edtf

    def _r_season_rel(self, m: Mention) -> None:
        name, which = m.part("season") or "", m.part("which") or ""
        if which in ("that", "the following", "the previous", "the same"):
            found = self._narrative(m, self._mentions, 3)
            base = found[0].range if found else self.timeline.published
            shift = {"the following": 1, "the previous": -1}.get(which, 0)
            years = {base.start.year + shift, base.end.year + shift}
            rng = _union(_season(min(years), name), _season(max(years), name))
            edtf = _season_edtf(rng, name)
            if found:
                self._set(m, rng, "resolved", "medium", f"{found[0].text!r} ({found[1]})", found[0].edtf, edtf=edtf)
            else:
                self._publication(m, rng, "low", edtf=edtf)
            return

        def fn(d: date) -> DateRange:
            candidates = [_season(y, name) for y in range(d.year - 2, d.year + 2)]
            started = [c for c in candidates if c.start <= d]
            if which in ("next", "this coming"):
                return next(c for c in candidates if c.start > d)
            if which == "this":
                return started[-1]
            return next(c for c in reversed(started) if c.end < d)  # "last summer": the last one over

        rng = _over_anchor(self.timeline.published, fn)
        self._publication(m, rng, edtf=_season_edtf(rng, name))  # type: ignore[arg-type]

    def _r_year_span(self, m: Mention) -> None:
        y1, y2 = int(m.parts["y"]), int(m.parts["y2"])
        if y2 > y1:
            self._set(m, DateRange(date(y1, 1, 1), date(y2, 12, 31)), "stated", "high", edtf=f"{y1}/{y2}")

    def _r_year_dash(self, m: Mention) -> None:
        y1, tail = int(m.parts["y"]), m.parts["y2"] or ""
        y2 = int(tail) if len(tail) == 4 else y1 // 100 * 100 + int(tail)
        if y2 > y1 and y2 - y1 <= 50:
            self._set(m, DateRange(date(y1, 1, 1), date(y2, 12, 31)), "stated", "high", edtf=f"{y1}/{y2}")

    def _r_year_qual(self, m: Mention) -> None:
        quarter = m.part("quarter") or m.part("qn")
        rng, q = _year_part(int(m.parts["y"]), m.part("q"), m.part("qp"), quarter)
        self._set(m, rng, "stated", "high", qualifier=q, edtf=str(m.parts["y"]) if q else None)

    def _r_decade(self, m: Mention) -> None:
        start = int(m.parts["dec"])
        q = m.part("q")
        if start % 100 == 0 and start < 2000 and q is None:  # "the 1800s" is the century, as usually meant
            self._set(m, DateRange(date(start, 1, 1), date(start + 99, 12, 31)), "stated", "high", edtf=f"{start // 100}XX")
            m.notes.append(f"read as the century {start}-{start + 99}; as a decade it would be {start // 10}X")
            return
        first, last = {"early": (0, 3), "mid": (4, 6), "late": (7, 9)}.get(q or "", (0, 9))
        rng = DateRange(date(start + first, 1, 1), date(start + last, 12, 31))
        self._set(m, rng, "stated", "high", edtf=f"{str(start)[:3]}X" if q is None else f"{start + first}/{start + last}")

    def _r_century(self, m: Mention) -> None:
        c = int(m.parts["c"])
        if not 1 <= c <= 21:
            return
        first = (c - 1) * 100
        rng = DateRange(date(max(first, 1), 1, 1), date(first + 99, 12, 31))
        self._set(m, rng, "stated", "high", edtf=f"{first // 100:02d}XX")

    def _r_year(self, m: Mention) -> None:
        y = int(m.parts["y"])
        self._set(m, dates.year_range(y), "stated", "high", edtf=str(y))

    def _r_day_word(self, m: Mention) -> None:
        rng = dates.resolve(m.text, self.timeline.published)
        if rng is None and m.part("word") == "overnight":
            rng = _over_anchor(self.timeline.published, lambda d: DateRange(d - timedelta(days=1), d))
        if rng is None:
            return
        rng = self._narrow_to_weekday(m, rng, m.parts.get("wd"))
        self._publication(m, rng)

    def _narrow_to_weekday(self, m: Mention, rng: DateRange, weekday: str | None) -> DateRange:
        """'today (Monday)': keep only the days of the range that fall on that weekday."""
        if not weekday:
            return rng
        days = [rng.start + timedelta(days=i) for i in range((rng.end - rng.start).days + 1)]
        matching = [d for d in days if d.strftime("%A").lower() == weekday.lower()]
        if not matching:
            m.notes.append(f"the text says {weekday}, but no day in {dates.to_edtf(rng)} is a {weekday}")
            return rng
        return DateRange(matching[0], matching[-1])

    def _r_unit_rel(self, m: Mention) -> None:
        part = m.part("part") or {"beginning": "early", "start": "early", "middle": "mid", "end": "late"}.get(m.part("qp") or "")
        which = {"this past": "last", "this coming": "next"}.get(m.part("which") or "", m.part("which"))
        unit = m.part("unit")
        if unit == "weekend":
            self._weekend(m, which or "last")
            return
        phrase = f"{part + ' ' if part else ''}{which} {unit}"
        rng = dates.resolve(phrase, self.timeline.published)
        if rng is not None:
            self._publication(m, rng)

    def _r_weekend(self, m: Mention) -> None:
        self._weekend(m, "coming" if self._future(m) else "the")

    def _weekend(self, m: Mention, which: str) -> None:
        """Saturday and Sunday: of this week, the last one, the next one; "over the weekend" said on a
        weekend day may be this one or the one before, so it keeps both."""
        def fn(d: date) -> DateRange:
            saturday = d - timedelta(days=d.weekday()) + timedelta(days=5)  # this week's
            on_weekend = d.weekday() >= 5
            if which == "next":  # on a weekday: the coming one or the one after, English allows both
                return DateRange(saturday + timedelta(days=7 if on_weekend else 0), saturday + timedelta(days=8))
            if which == "the" and on_weekend:
                return DateRange(saturday - timedelta(days=7), d)
            if which in ("last", "the"):
                saturday -= timedelta(days=7)
            return DateRange(saturday, saturday + timedelta(days=1))

        self._publication(m, _over_anchor(self.timeline.published, fn))  # type: ignore[arg-type]

    def _r_weekday(self, m: Mention) -> None:
        wd, which = m.parts["wd"] or "", m.part("which")
        pub = self.timeline.published
        if which in ("next", "coming", "this coming") or (which in (None, "this") and self._future(m)):
            weekday = dates.WEEKDAYS[wd.lower()]
            strictly = which in ("next", "coming", "this coming")
            rng = _over_anchor(pub, lambda d: _one(d + relativedelta(days=1 if strictly else 0, weekday=weekday(+1))))
            if which is None or which == "this":
                m.notes.append("future tense: the next such weekday on or after publication")
        else:
            rng = dates.resolve(("last " if which in ("last", "this past") else "") + wd, pub)
            left, right = clause_of(self.text, m.start, m.end)
            if rng is not None and which is None and re.search(r"\bwould\b", self.text[left:right]):
                # "he said he would travel on Monday": the Monday before publication, or the one after
                weekday = dates.WEEKDAYS[wd.lower()]
                later = _over_anchor(pub, lambda d: _one(d + relativedelta(weekday=weekday(+1))))
                if later is not None and later != rng:
                    m.ambiguous, m.readings = True, [dates.to_edtf(rng), dates.to_edtf(later)]
                    m.notes.append("'would': the weekday may be before or after publication")
                    rng = _union(rng, later)
        if rng is None:
            return
        if pday := m.parts.get("pday"):  # "Sunday (December 22)": check the two agree
            inner = [x for x in find_mentions(pday) if x.rule.name in ("dmy", "mdy")]
            if inner and (rng.start.month, rng.start.day) != (_month_of(inner[0].parts["m"]), int(inner[0].parts["d"] or 0)):
                m.notes.append(f"the parenthesis says {pday}, but {wd} resolves to {dates.to_edtf(rng)}")
        self._publication(m, rng)

    def _r_ago(self, m: Mention) -> None:
        unit = m.part("unit") or "day"
        low, high = _count(m.part("n"), unit)
        if m.part("n") and low == high and unit in ("day", "week", "month", "year"):
            rng = dates.resolve(m.text, self.timeline.published)
            if rng is not None:
                self._publication(m, rng)
                return
        pub = self.timeline.published
        rng = _widen(DateRange(_shift(pub.start, unit, -high), _shift(pub.end, unit, -low)), unit)
        self._publication(m, rng, "low")
        m.notes.append(f"{m.part('n') or 'an unstated number of'} {unit}s: taken as {low} to {high}")

    def _r_in_future(self, m: Mention) -> None:
        unit = m.part("unit") or "day"
        low, high = _count(m.part("n"), unit)
        pub = self.timeline.published
        if m.part("within") == "within":
            rng = DateRange(pub.start, _shift(pub.end, unit, high))
        else:
            rng = _widen(DateRange(_shift(pub.start, unit, low), _shift(pub.end, unit, high)), unit)
        self._publication(m, rng, "medium" if low == high else "low")

    def _r_recent(self, m: Mention) -> None:
        """"in recent weeks", "over the past three years", "in the past year": up to publication."""
        unit = m.part("unit") or "day"
        pub = self.timeline.published
        if m.part("n"):
            earliest = _shift(pub.start, unit, -_count(m.part("n"), unit)[1])
        elif m.part("recent") or m.text.rstrip().lower().endswith("s"):
            earliest = pub.start - timedelta(days=RECENT_REACH[unit])
        else:
            earliest = _shift(pub.start, unit, -1)
        self._publication(m, DateRange(earliest, pub.end), "low")
        m.notes.append("a vague span up to publication: check what the article means")

    def _r_holiday(self, m: Mention) -> None:
        name = " ".join((m.part("hol") or "").replace("’", "'").split())
        month, day = HOLIDAYS[name]
        self._recurring(m, lambda y: _safe_day(y, month, day))

    # pass 2: anaphoric ----------------------------------------------------------------------

    def _anchor_for(self, m: Mention) -> tuple[DateRange, str, str | None, bool]:
        """(range, description, EDTF, from the story?) for an anaphoric phrase: the latest date the
        story gave, or else the publication date."""
        found = self._narrative(m, self._mentions, 3)
        if found:
            anchor, where = found
            return anchor.range, f"{anchor.text!r} ({where})", anchor.edtf, True  # type: ignore[return-value]
        return self.timeline.published, "publication", self.timeline.published_edtf, False

    def _anaphoric(self, m: Mention, rng: DateRange | None, rng_anchor: tuple[DateRange, str, str | None, bool]) -> None:
        if rng is None:
            return
        _, where, edtf, in_story = rng_anchor
        if in_story:
            self._set(m, rng, "resolved", "medium", where, edtf)
        else:
            self._publication(m, rng, "low")
            m.notes.append("no earlier date in the story to read it against: resolved against publication")

    def _r_month_relyear(self, m: Mention) -> None:
        which = m.part("which") or ""
        month = _month_of(m.parts["m"])
        q = m.part("q") or m.part("qp")
        if which in ("last", "this", "next"):
            shift = {"last": -1, "this": 0, "next": 1}[which]
            rng = _over_anchor(self.timeline.published,
                               lambda d: _month_part(d.year + shift, month, q, None, None)[0])
            self._publication(m, rng)  # type: ignore[arg-type]
        else:
            shift = {"the previous": -1, "the preceding": -1, "the following": 1, "the next": 1}.get(which, 0)
            anchor = self._anchor_for(m)
            rng = _over_anchor(anchor[0], lambda d: _month_part(d.year + shift, month, q, None, None)[0])
            self._anaphoric(m, rng, anchor)

    def _r_rel_unit(self, m: Mention) -> None:
        unit = m.part("unit") or "day"
        which = "that" if m.part("that") else m.part("which") or "same"
        shift = {"following": 1, "next": 1, "subsequent": 1, "previous": -1, "preceding": -1, "prior": -1}.get(which, 0)
        anchor = self._anchor_for(m)
        part = m.part("part")
        if unit in ("morning", "afternoon", "evening", "night"):
            unit = "day"
        rng = _over_anchor(anchor[0], lambda d: _unit_around(d, unit, shift, part))
        self._anaphoric(m, rng, anchor)

    def _r_later(self, m: Mention) -> None:
        unit = m.part("unit") or "day"
        sign = -1 if m.part("dir") == "earlier" else 1
        low, high = _count(m.part("n"), unit)
        anchor = self._anchor_for(m)
        if low == high and unit in ("day", "week", "month", "year"):
            rng = dates.resolve(f"{low} {unit}s {'earlier' if sign < 0 else 'later'}", anchor[0])
        else:
            a, b = sorted((sign * low, sign * high))
            rng = _widen(DateRange(_shift(anchor[0].start, unit, a), _shift(anchor[0].end, unit, b)), unit)
        self._anaphoric(m, rng, anchor)
        if low != high:
            m.confidence = "low"
            m.notes.append(f"{m.part('n') or 'an unstated number of'} {unit}s: taken as {low} to {high}")

    # pass 3: relational ---------------------------------------------------------------------

    def _relational(self, m: Mention, mentions: list[Mention]) -> None:
        """"two days after the attack": the date of the attack, if given right there, anchors it;
        otherwise another date in the sentence dates the main clause and this phrase dates the other
        event; otherwise the publication date stands in for the main clause."""
        unit = m.part("unit") or "day"
        direction = "before" if m.part("dir") in ("before", "prior to", "ahead of") else "after"
        n = m.part("n") or ("1" if m.rule.name == "day_rel" else None)
        low, high = _count(n, unit)
        obj = self._object_of(m, mentions)
        sign = 1 if direction == "after" else -1
        if obj is not None:
            rng = self._offset(obj.range, unit, sign, low, high)  # type: ignore[arg-type]
            m.text = self.text[m.start: obj.end]
            self._set(m, rng, "resolved", "medium" if low == high else "low", f"{obj.text!r} (same sentence)", obj.edtf)
            return
        if m.rule.name == "day_rel" and not self._object_follows(m):
            anchor = self._anchor_for(m)
            self._anaphoric(m, self._offset(anchor[0], unit, sign, low, high), anchor)
            return
        others = [o for o in mentions if o is not m and o.kind != "relational" and _good_anchor(o)]
        if others:
            main = min(others, key=lambda o: abs(o.start - m.start))
            rng = self._offset(main.range, unit, -sign, low, high)  # type: ignore[arg-type]
            self._set(m, rng, "resolved", "low", f"{main.text!r} (same sentence)", main.edtf)
            m.notes.append(f"dates what comes after {m.part('dir')!r}, taking {main.text!r} as the date of the main clause")
            m.dates_object = True
            return
        pub = self.timeline.published
        readings = [self._offset(pub, unit, s, low, high) for s in (sign, -sign)]
        future = self._future(m)
        kept = [r for r in readings if future or r.start <= pub.end] or readings
        rng = kept[0] if len(kept) == 1 else _union(*kept)
        self._publication(m, rng, "low")
        m.dates_object = len(kept) == 1 and kept[0] is readings[1]
        m.ambiguous = len(kept) > 1
        m.readings = [edtf_for(r)[0] for r in readings]
        kept_note = "" if len(kept) > 1 else f"; kept {edtf_for(rng)[0]}, the other lies after publication"
        m.notes.append("anchor: publication; no date for the other event in the sentence. Readings: "
                       + " or ".join(m.readings) + kept_note)

    def _offset(self, base: DateRange, unit: str, sign: int, low: int, high: int) -> DateRange:
        a, b = sorted((sign * low, sign * high))
        if unit == "hour":
            before, after = timedelta(days=1 if sign < 0 else 0), timedelta(days=1 if sign > 0 else 0)
            return DateRange(base.start - before, base.end + after)  # "hours after": that day or the next
        return _widen(DateRange(_shift(base.start, unit, a), _shift(base.end, unit, b)), unit)

    def _object_follows(self, m: Mention) -> bool:
        return bool(re.match(r"\s+(?:the|a|an|his|her|their|its|[A-Z]\w+['’]s)\b", self.text[m.end:]))

    def _object_of(self, m: Mention, mentions: list[Mention]) -> Mention | None:
        for o in mentions:
            if o is m or o.start < m.end or o.range is None or o.kind == "relational":
                continue
            gap = self.text[m.end: o.start]
            if re.fullmatch(r"\s*(?:(?:the|a|an)\s+)?(?:[\w’'-]+\s+){0,3}", gap) and not re.search(r"[,;:]", gap):
                return o
            return None
        return None


def _continues(sentence: str, m: Mention) -> bool:
    """"Also in October", "Later in June": words that tie a yearless month to the story so far."""
    return bool(re.search(r"\b(also|again|later|then|that\s+same|the\s+same)\s*,?\s*$",
                          sentence[max(0, m.start - LOOK_BACK): m.start], re.IGNORECASE))


def _latest(make: Callable[[int], DateRange | None], day: date) -> DateRange | None:
    """The latest occurrence that has begun by `day`."""
    for y in range(day.year, day.year - 9, -1):
        r = make(y)
        if r is not None and r.start <= day:
            return r
    return None


def _earliest(make: Callable[[int], DateRange | None], day: date) -> DateRange | None:
    """The earliest occurrence that has not ended before `day`."""
    for y in range(day.year, day.year + 9):
        r = make(y)
        if r is not None and r.end >= day:
            return r
    return None


_PRESENT = re.compile(r"\b(?:is|are|am|has|have|does|do|says|tells|remains|seems|appears|can|must|may|might)\b", re.IGNORECASE)
_PAST = re.compile(r"\b(?:was|were|had|did|said|told)\b|\b[a-z]{3,}ed\b")


@functools.lru_cache(maxsize=64)  # asked once per date in the sentence
def sentence_tense(text: str) -> str | None:
    """'present' or 'past' by a count of verb cues outside quotations; None if there are none."""
    text = re.sub(r"“[^”]*”|\"[^\"]*\"", " ", text)
    present, past = len(_PRESENT.findall(text)), len(_PAST.findall(text))
    if present > past:
        return "present"
    return "past" if past else None


def _safe_day(y: int, month: int, day: int) -> DateRange | None:
    try:
        d = date(y, month, day)
    except ValueError:
        return None
    return DateRange(d, d)


def _days(y1: int, m1: int, d1: int, y2: int, m2: int, d2: int) -> DateRange | None:
    """From one day to another, or None if either does not exist or they are reversed."""
    first, last = _safe_day(y1, m1, d1), _safe_day(y2, m2, d2)
    if first is None or last is None or last.start < first.start:
        return None
    return DateRange(first.start, last.start)


def _one(d: date) -> DateRange:
    return DateRange(d, d)


def _unit_around(d: date, unit: str, shift: int, part: str | None) -> DateRange:
    """The day, week, month or year holding `d`, shifted by `shift` units, narrowed by a part."""
    if unit == "day":
        target = d + timedelta(days=shift)
        return DateRange(target, target)
    if unit in ("week", "weekend"):
        monday = d - timedelta(days=d.weekday()) + timedelta(weeks=shift)
        if unit == "weekend":
            return DateRange(monday + timedelta(days=5), monday + timedelta(days=6))
        first, last = {"early": (0, 2), "mid": (1, 3), "late": (3, 5)}.get(part or "", (0, 6))
        return DateRange(monday + timedelta(days=first), monday + timedelta(days=last))
    if unit == "month":
        target = d + relativedelta(months=shift)
        return _month_part(target.year, target.month, part if part in QUALIFIER_WORDS else None, None, None)[0]
    year = d.year + shift
    return _year_part(year, part if part in QUALIFIER_WORDS else None, None, None)[0]


def _merge_adjacent(mentions: list[Mention], sentence: str) -> list[Mention]:
    """"A few weeks later, in early October 2021": one time, said twice. Keep the stated one."""
    drop: set[int] = set()
    for a, b in pairwise(mentions):
        gap = sentence[a.end: b.start]
        if not re.fullmatch(r"[\s,(]*(?:(?:on|in|at|of|during)\s+)?", gap, re.IGNORECASE):
            continue
        vague_kinds = ("anaphoric", "deictic", "vague")
        if a.kind in vague_kinds and b.kind not in vague_kinds + ("relational",) and b.range is not None:
            drop.add(id(a))
            b.notes.append(f"also said as {a.text!r}")
        elif b.kind in vague_kinds and a.kind not in vague_kinds + ("relational",) and a.range is not None:
            drop.add(id(b))
            a.notes.append(f"also said as {b.text!r}")
    return [m for m in mentions if id(m) not in drop]


def _check_basis(m: Mention) -> None:
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
    readings = dates.resolve_both_ways(m.text, anchor)
    if readings and not any(when.covers(r) for r in readings):
        m.basis = "inferred"
        shown = " or ".join(dates.to_edtf(r) for r in readings)
        m.notes.append(f"inferred: read literally against {m.anchor_edtf} the phrase gives {shown}")


# --- actors ----------------------------------------------------------------------------------

TITLE_WORDS = _words(
    "mr mrs ms dr prof president minister secretary congressman congresswoman senator sen rep general gen "
    "colonel col lt lieutenant commander mullah mawlawi maulvi sheikh shaykh hafiz prince king queen emir amir "
    "ambassador envoy spokesman spokeswoman spokesperson chief deputy acting prime foreign interior defence "
    "defense leader chairman director judge governor gov pope sir lord lady brig maj capt sgt adm marshal "
    "vice former late president-elect first lady mayor imam cleric commander-in-chief"
)
NAME_PARTICLES = _words("al el bin ibn abu abd abdul van von de da del der la le ul ur")
CONNECTORS = _words("of the for de da del al el bin ibn van von")
# "of", "for" join capitalised words only after one of these: "Ministry of Foreign Affairs", not
# "Maria Gonzalez of the Eastern Shield Brigade".
ORG_HEADS = _words(
    "ministry department council front bank university chamber center centre office committee board institute "
    "league army party union agency organization organisation republic kingdom state states court church "
    "society bureau foundation association movement commission federation corps forces force directorate "
    "authority secretary minister ministers house school college academy embassy coalition alliance"
)
# Capitalised only because they open the sentence: never the start of a name.
FUNCTION_WORDS = _words(
    "the a an in on at for but and or as when while after before if this that these those his her their its our "
    "some many most according meanwhile however since during despite although though both each every other such "
    "even only also with without from to by of over under among between unlike like following given amid yet so "
    "then there here it he she they we i you what who how why where once until within"
)
# Country adjectives and nationals: general English, mapped to a country only if the gazetteer has it.
DEMONYMS = {
    "Afghan": "Afghanistan", "American": "United States", "British": "United Kingdom", "Pakistani": "Pakistan",
    "Iranian": "Iran", "Israeli": "Israel", "Palestinian": "Palestine", "Saudi": "Saudi Arabia", "Qatari": "Qatar",
    "Iraqi": "Iraq", "Jordanian": "Jordan", "Syrian": "Syria", "Turkish": "Turkey", "Turk": "Turkey",
    "Greek": "Greece", "Chinese": "China", "Russian": "Russia", "Indian": "India", "French": "France",
    "German": "Germany", "Egyptian": "Egypt", "Emirati": "United Arab Emirates", "Tajik": "Tajikistan",
    "Tajikistani": "Tajikistan", "Uzbek": "Uzbekistan", "Turkmen": "Turkmenistan", "Yemeni": "Yemen",
    "Lebanese": "Lebanon", "Ukrainian": "Ukraine", "Japanese": "Japan", "Kuwaiti": "Kuwait", "Omani": "Oman",
    "Bahraini": "Bahrain", "Kazakh": "Kazakhstan", "Kyrgyz": "Kyrgyzstan", "Norwegian": "Norway", "Swiss": "Switzerland",
    "Italian": "Italy", "Spanish": "Spain", "Canadian": "Canada", "Australian": "Australia", "Bangladeshi": "Bangladesh",
}
MONTH_AND_DAY_NAMES = frozenset(n.lower() for n in (_MONTH_WORDS + "|" + _WEEKDAY_WORDS).split("|"))


def _fold_with_map(text: str) -> tuple[str, list[int]]:
    """Accent- and case-folded text, with each folded character's index in the original."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        folded = dates.fold(ch).translate(dates.TYPOGRAPHIC) if not ch.isascii() or ch.isupper() else ch
        for c in folded:
            out.append(c)
            where.append(i)
    where.append(len(text))
    return "".join(out), where


@dataclass(frozen=True, slots=True)
class ActorRef:
    id: str
    name: str


@dataclass(slots=True)
class ActorHit:
    """A matched name in a sentence; `candidates` holds more than one actor when it is ambiguous."""

    text: str
    start: int
    end: int
    chosen: str | None
    candidates: tuple[str, ...]
    ambiguous: bool


class Gazetteer:
    """Names and aliases of the known actors, matched case- and accent-insensitively on word
    boundaries, longest first. Acronyms (US, IEA) match in capitals only, so "us" is not the US."""

    def __init__(self, actors: Iterable[Actor]) -> None:
        self.actors = {a.id: a for a in actors}
        self.owner: dict[str, str] = {}
        self.exact: dict[str, set[str]] = {}
        self.full: set[str] = set()
        by_surname: dict[str, set[str]] = {}
        for actor in self.actors.values():
            for alias in dict.fromkeys([actor.name, *actor.aliases]):
                key = dates.name_key(alias)
                if not key:
                    continue
                self.owner.setdefault(key, actor.id)
                if _is_acronym(alias):
                    self.exact.setdefault(key, set()).add(alias)
                words = key.split()
                if len(words) >= 2 and words[0].rstrip(".") not in TITLE_WORDS:
                    self.full.add(key)
                if actor.kind == "person" and len(words) >= 2:
                    last = words[-1]
                    if len(last) >= 3 and last not in NAME_PARTICLES and not last.startswith("("):
                        by_surname.setdefault(last, set()).add(actor.id)
        self.by_surname = by_surname
        keys = sorted(set(self.owner) | set(by_surname), key=len, reverse=True)
        body = "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in keys) or r"(?!x)x"
        self.pattern = re.compile(rf"(?<![\w@])(?:{body})(?![\w])")
        countries = {name: self.owner.get(dates.name_key(country)) for name, country in DEMONYMS.items()}
        self.demonyms = {name: actor for name, actor in countries.items() if actor}
        names = sorted(self.demonyms, key=len, reverse=True)
        self.demonym_pattern = re.compile(rf"(?<![\w])({'|'.join(names)})(?:s|es)?(?![\w])") if names else None

    @classmethod
    def load(cls, data: Path) -> tuple[Gazetteer, list[str]]:
        """The gazetteer from a data folder's actors.yml, and any problems reading it (as text)."""
        from .load import load_catalogue

        catalogue, problems = load_catalogue(data)
        relevant = [str(p) for p in problems if "actors.yml" in p.file]
        return cls(catalogue.actors.values()), relevant

    def ref(self, actor_id: str) -> ActorRef:
        return ActorRef(actor_id, self.actors[actor_id].name)

    def find(self, sentence: str, seen: dict[str, int], position: int) -> list[ActorHit]:
        """Actors named in one sentence. `seen` maps actor ids named in full so far to where, and is
        updated: a bare surname later in the article prefers the actor whose full name came before."""
        folded, where = _fold_with_map(sentence)
        hits: list[ActorHit] = []
        for m in self.pattern.finditer(folded):
            start, end = where[m.start()], where[m.end() - 1] + 1
            original = sentence[start:end]
            key = " ".join(m.group().split())
            if key in self.exact and original not in self.exact[key]:
                continue
            hit = self._resolve(key, original, sentence, start, end, seen)
            if hit is None:
                continue
            hits.append(hit)
            if key in self.full and hit.chosen:
                seen[hit.chosen] = position
        hits += self._demonyms(sentence, hits)
        return sorted(hits, key=lambda h: h.start)

    def _resolve(self, key: str, original: str, sentence: str, start: int, end: int, seen: dict[str, int]) -> ActorHit | None:
        owner = self.owner.get(key)
        surname_of = self.by_surname.get(key, set()) if " " not in key else set()
        pool = ({owner} if owner else set()) | surname_of
        if not pool:
            return None
        single = " " not in key
        persons = [a for a in pool if self.actors[a].kind == "person"]
        if single and persons and _part_of_longer_name(sentence, start, end):
            return None  # "Kabir Taneja" is not "Kabir"
        if owner is None and not (_after_title(sentence, start) or pool & set(seen)):
            return None  # a bare surname that is nobody's alias needs a title or an earlier full name
        if len(pool) == 1:
            (only,) = pool
            return ActorHit(original, start, end, only, (only,), owner is None and only not in seen)
        known = [a for a in pool if a in seen]
        if len(known) == 1:
            return ActorHit(original, start, end, known[0], tuple(sorted(pool)), False)
        if len(known) > 1:
            chosen = owner if owner in known else max(known, key=lambda a: seen[a])
        else:
            chosen = owner
        return ActorHit(original, start, end, chosen, tuple(sorted(pool)), True)

    def _demonyms(self, sentence: str, hits: list[ActorHit]) -> list[ActorHit]:
        if self.demonym_pattern is None:
            return []
        out = []
        for m in self.demonym_pattern.finditer(sentence):
            if any(h.start < m.end() and m.start() < h.end for h in hits):
                continue
            actor = self.demonyms[m.group(1)]
            out.append(ActorHit(m.group(), m.start(), m.end(), actor, (actor,), False))
        return out


def _is_acronym(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    return bool(letters) and len(alias) <= 6 and all(c.isupper() for c in letters)


# Patterns anchored at the end of the text before a name or date read only this much of it:
# searching a whole run-on sentence for each of its names would take time quadratic in its length.
LOOK_BACK = 80


def _after_title(sentence: str, start: int) -> bool:
    before = re.search(r"([\w.-]+)\s+$", sentence[max(0, start - LOOK_BACK):start])
    return bool(before) and before.group(1).lower().rstrip(".") in TITLE_WORDS  # type: ignore[union-attr]


def _part_of_longer_name(sentence: str, start: int, end: int) -> bool:
    """A single name glued to another capitalised word that is not a title: someone else's name."""
    after = re.match(r"\s+([A-Z][\w’'-]*)", sentence[end:])
    if after and after.group(1).lower() not in MONTH_AND_DAY_NAMES and after.group(1) not in DEMONYMS:
        word = after.group(1)
        if not word.isupper() and word.lower() not in TITLE_WORDS and word.lower() not in ("administration", "government"):
            return True
    back = max(0, start - LOOK_BACK)
    before = re.search(r"(^|[\s“\"(])([A-Z][\w’'-]*)\s+$", sentence[back:start])
    if before and sentence[: back + before.start(2)].strip():
        word = before.group(2)
        if word.lower().rstrip(".") not in TITLE_WORDS and word not in DEMONYMS and not word.isupper():
            return True
    return False


def _joins(run: list[re.Match[str]], connector: str) -> bool:
    """Whether a connector may extend this run: particles of names always ("bin", "al"), "of", "the"
    and "for" only after an organisation word ("Ministry of …")."""
    if connector in NAME_PARTICLES:
        return True
    heads = [t.group().lower() for t in run if t.group().lower() not in CONNECTORS]
    return bool(heads) and (heads[-1] in ORG_HEADS or run[-1].group().lower() in ("of", "for"))


_PROPER = re.compile(r"[^\W\d_](?:[\w’'-]|\.(?=\w))*")


def unknown_names(sentence: str, claimed: list[tuple[int, int]]) -> list[str]:
    """Multi-word capitalised names in the sentence that nothing else claimed: new actor suggestions."""
    runs: list[list[re.Match[str]]] = []
    current: list[re.Match[str]] = []
    taken = bytearray(len(sentence))  # 1 where something claimed the character
    for a, b in claimed:
        taken[a:b] = b"\x01" * (b - a)
    for tok in _PROPER.finditer(sentence):
        if taken.find(1, tok.start(), tok.end()) != -1:
            runs.append(current)
            current = []
            continue
        word = tok.group()
        contiguous = bool(current) and sentence[current[-1].end(): tok.start()] == " "
        if word[0].isupper() and word.lower().rstrip(".") not in MONTH_AND_DAY_NAMES:
            if not contiguous:
                runs.append(current)
                current = []
            current.append(tok)
        elif contiguous and word.lower() in CONNECTORS and _joins(current, word.lower()):
            current.append(tok)
        else:
            runs.append(current)
            current = []
    runs.append(current)
    names = []
    for run in runs:
        while run and (run[0].group().lower().rstrip(".") in TITLE_WORDS or run[0].group().lower() in FUNCTION_WORDS):
            run = run[1:]
        while run and (run[-1].group().lower() in CONNECTORS or run[-1].group().lower().rstrip(".") in TITLE_WORDS):
            run.pop()
        capitals = [t for t in run if t.group()[0].isupper()]
        if len(capitals) < 2 or all(t.group().lower().rstrip(".") in TITLE_WORDS for t in capitals):
            continue
        if all(t.group().isupper() for t in run):  # "NEW YORK (Wire) —": a dateline
            continue
        text = re.sub(r"['’]s$", "", sentence[run[0].start(): run[-1].end()]).rstrip(".,")
        names.append(text)
    return names


# --- types, statuses, roles ------------------------------------------------------------------

_EMBASSY = r"(?:embassy|embassies|consulate|diplomatic\s+mission|mission)"
# (type, cue): the cue nearest to the date wins; ties go to the earlier entry.
TYPE_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((t, re.compile(p, re.IGNORECASE)) for t, p in (
    ("embassy-opening", (rf"\b(?:re-?open(?:ed|s|ing)?|resum(?:ed|es|ing|ption)|open(?:ed|s|ing))\b[^.;]{{0,80}}\b{_EMBASSY}\b"
                         rf"|\b{_EMBASSY}\b[^.;]{{0,80}}\b(?:re-?open(?:ed|s|ing)?|resum(?:ed|es|ing))\b")),
    ("embassy-closure", (rf"\b(?:suspend(?:ed|s|ing)?|clos(?:ed|es|ing|ure)|shut(?:\s+down)?|evacuat(?:ed|es|ing))\b"
                         rf"[^.;]{{0,80}}\b(?:{_EMBASSY}|diplomats|staff)\b|\b{_EMBASSY}\b[^.;]{{0,80}}\b(?:suspended|closed|shut)\b")),
    ("veto", r"\bveto(?:ed|es|ing)?\b"),
    ("assassination", r"\bassassinat\w*"),
    ("claim-of-responsibility", r"\bclaim(?:ed|s|ing)?\s+responsibility\b"),
    ("phone-call", r"\b(?:phoned|phone\s+call|telephone(?:d)?|by\s+phone|over\s+the\s+phone|calls?\s+with|his\s+call|her\s+call)\b"),
    ("ceremony", r"\b(?:funerals?|inaugurat\w*|swearing-in|sworn\s+in|took\s+office|memorial|commemorat\w*|coronation|wedding)\b"),
    ("conference", r"\b(?:conference|summit|forum|congress)\b"),
    ("talks", r"\b(?:talks|negotiat(?:e|ed|es|ing|ions?)|dialogue)\b"),
    ("visit", r"\b(?:visit(?:ed|s|ing)?|trip\s+to|travel(?:s|l?ed|l?ing)?\s+to|arrived\s+in)\b"),
    ("meeting", r"\b(?:met|meet(?:s|ing|ings)?|hosted|hosts|hosting|gathering|received\s+a\s+delegation)\b"),
    ("airstrike", r"\b(?:air\s*strikes?|airstrikes?|aerial\s+strikes?|drone\s+strikes?|strikes?|struck|bomb(?:ed|ing|ings)|shelling|air\s+raids?)\b"),
    ("attack", r"\b(?:attack(?:ed|s|ing)?|stormed|assault(?:ed)?|ambush(?:ed)?|raid(?:ed|s)?|opened\s+fire|shot|shooting)\b"),
    ("condemnation", r"\b(?:condemn\w*|denounc\w*|deplor\w*)\b"),
    ("denial", r"\b(?:denied|denies|deny|denial)\b"),
    ("accusation", r"\b(?:accus\w*|blam(?:ed|es|ing))\b"),
    ("agreement", r"\b(?:agreements?|agreed|deal|signed|accord|memorandum|treaty)\b"),
    ("praise", r"\b(?:prais\w*|congratulat\w*|hailed|lauded)\b"),
    ("appeal", r"\b(?:urg(?:ed|es|ing)|called\s+(?:on|for|upon)|appeal(?:ed|s)?|request(?:ed|s)?)\b"),
    ("rally", r"\b(?:rall(?:y|ies)|protest(?:s|ed|ers)?|demonstrat(?:ion|ions|ed|ors)|march(?:ed)?)\b"),
    ("restriction", r"\b(?:bann?(?:ed|s)?|restrict\w*|prohibit\w*|imposed|sanction\w*|blocked|barred|sealed)\b"),
    ("arrest", r"\b(?:arrest\w*|detain\w*|custody)\b"),
    ("release", r"\b(?:released|freed|release\s+of)\b"),
    ("takeover", r"\b(?:t(?:ook|ake|akes|aking)\s+(?:over|control)|takeover|seized|captured|fell\s+to|swept\s+(?:back\s+)?to\s+power|overran)\b"),
    ("clash", r"\b(?:clash\w*|fighting|fought|skirmish\w*|battles?)\b"),
    ("aid", r"\b(?:humanitarian\s+aid|donat\w*|aid\s+package)\b"),
))
_CALLED = re.compile(r"\bcall(?:ed|s)\b(?!\s+(?:on|for|upon|it|them|off|out|up|itself)\b)", re.IGNORECASE)
_KILLED = re.compile(r"\b(?:killed|killing|murdered|murder\s+of|killing\s+of)\b", re.IGNORECASE)

# (status, cue) in order of precedence: the first that matches anywhere in the sentence wins.
STATUS_CUES: tuple[tuple[str, re.Pattern[str]], ...] = tuple((s, re.compile(p, re.IGNORECASE)) for s, p in (
    ("unverified", (r"\b(?:could\s+not\s+(?:be\s+)?(?:immediately\s+|independently\s+)?(?:be\s+)?verified|unverified|"
                    r"unconfirmed|not\s+(?:been\s+)?(?:independently\s+)?(?:verified|confirmed)|could\s+not\s+find)\b")),
    ("disputed", r"\b(?:disputed|contested|disputes)\b"),
    ("denied", r"\b(?:denied|denies|deny)\b"),
    ("claimed", r"\b(?:claim(?:s|ed)?|allegedly|alleged|purportedly)\b"),
    ("reported", r"\b(?:reportedly|according\s+to|said\s+to|reported|reports)\b"),
))

# Suggested roles: (actors named before the cue, actors named after it).
ROLE_BY_TYPE: dict[str, tuple[str, str]] = {
    "phone-call": ("initiator", "recipient"), "meeting": ("participant", "participant"),
    "visit": ("visitor", "host"), "talks": ("participant", "participant"), "conference": ("participant", "participant"),
    "ceremony": ("participant", "subject"), "airstrike": ("attacker", "target"), "attack": ("attacker", "target"),
    "assassination": ("attacker", "target"), "takeover": ("attacker", "target"), "clash": ("participant", "participant"),
    "condemnation": ("author", "target"), "accusation": ("author", "target"), "restriction": ("author", "target"),
    "arrest": ("author", "target"), "rally": ("participant", "subject"), "agreement": ("participant", "participant"),
}


# How far from a date (in characters) its event's cue word may be.
CUE_REACH = 400


def suggest_type(sentence: str, position: int, hits: list[ActorHit], persons: set[str],
                 taken: Iterable[tuple[int, int]] = (), after: bool = False) -> tuple[str, str | None, int | None]:
    """(type, cue word, cue position): the event cue nearest to the date, else `statement`.
    `taken` spans (the dates) hold no cues: "March" the month is no march. With `after`, cues after
    the position come first (the event after "two days after")."""
    found: list[tuple[int, int, str, str, int]] = []
    # Only cues within reach of the date: nearer ones win anyway, and a run-on "sentence" of
    # thousands of words (a page without full stops) stays linear in its length.
    lo, hi = max(0, position - CUE_REACH), position + CUE_REACH
    spans = [(a, b) for a, b in taken if b > lo and a < hi]
    hits = [h for h in hits if lo - 100 <= h.start <= hi + 100]
    for order, (etype, pattern) in enumerate(TYPE_CUES):
        for m in pattern.finditer(sentence, lo, hi):
            if not any(a <= m.start() < b for a, b in spans):
                found.append((abs(m.start() - position), order, etype, m.group(), m.start()))
    for m in _CALLED.finditer(sentence, lo, hi):
        callee = next((h for h in hits if 0 <= h.start - m.end() <= 40), None)
        if callee and not re.match(r"\s+(?:a|an|the|as)\b", sentence[callee.end:]):  # not "called Israel a usurper"
            found.append((abs(m.start() - position), 5, "phone-call", m.group(), m.start()))
    for m in _KILLED.finditer(sentence, lo, hi):
        target = any(h.chosen in persons and 0 <= h.start - m.end() <= 40 for h in hits) or re.search(
            r"\b(?:was|were)\s+killed\b", sentence[max(0, m.start() - 12): m.end()])
        named = any(h.chosen in persons for h in hits)
        etype, order = ("assassination", 3) if target and named else ("attack", 12)
        found.append((abs(m.start() - position), order, etype, m.group(), m.start()))
    if after and any(f[4] >= position for f in found):
        found = [f for f in found if f[4] >= position]
    if not found:
        return "statement", None, None
    _, _, etype, cue, where = min(found)
    if etype == "meeting" and cue.lower().startswith("host"):
        cue = cue.lower()
    return etype, cue, where


@functools.lru_cache(maxsize=64)  # asked once per date in the sentence
def suggest_status(sentence: str) -> tuple[str, str | None]:
    for status, pattern in STATUS_CUES:
        if m := pattern.search(sentence):
            return status, m.group()
    return "reported", None


def suggest_roles(etype: str, cue: str | None, cue_at: int | None, hits: list[ActorHit]) -> dict[str, str]:
    before, after = ROLE_BY_TYPE.get(etype, ("author", "subject"))
    if cue and cue.startswith("host"):
        before, after = "host", "visitor"
    roles: dict[str, str] = {}
    for h in hits:
        if h.chosen is None or h.chosen in roles:
            continue
        roles[h.chosen] = after if cue_at is not None and h.start > cue_at else before
    return roles


# --- candidates ------------------------------------------------------------------------------

@dataclass(slots=True)
class Candidate:
    """One dated sentence: a proposed event for a curator to accept, fix or drop."""

    mention: Mention
    sentence: Sentence
    actors: list[ActorRef]
    ambiguous_actors: list[dict[str, Any]]
    roles: dict[str, str]
    type: str
    type_cue: str | None
    status: str
    status_cue: str | None

    @property
    def precision(self) -> str:
        m = self.mention
        return dates.normalise(m.edtf, m.qualifier).precision if m.edtf else "unknown"

    def confidence(self) -> str:
        c = self.mention.confidence
        if not self.actors and c == "high":
            return "medium"
        return c

    def to_json(self) -> dict[str, Any]:
        m = self.mention
        return {
            "date": m.edtf,
            "date_text": m.text,
            "date_start": m.range.start.isoformat() if m.range else None,
            "date_end": m.range.end.isoformat() if m.range else None,
            "sentence": self.sentence.clean,
            "actors": [{"id": a.id, "name": a.name} for a in self.actors],
            "type": self.type,
            "status": self.status,
            "precision": self.precision,
            "qualifier": m.qualifier,
            "date_basis": m.basis,
            "date_anchor": m.anchor_edtf,
            "anchor": m.anchor,
            "relation": m.relation,
            "ambiguous": m.ambiguous,
            "readings": m.readings,
            "ambiguous_actors": self.ambiguous_actors,
            "roles": self.roles,
            "type_cue": self.type_cue,
            "status_cue": self.status_cue,
            "confidence": self.confidence(),
            "notes": m.notes,
            "paragraph": self.sentence.paragraph + 1,
        }


@dataclass(slots=True)
class Extraction:
    candidates: list[Candidate]
    new_actors: list[tuple[str, int]]


def parse_published(published: str) -> tuple[DateRange, bool]:
    """The publication date as a range (EDTF: a day, a month, an interval, `?` allowed)."""
    try:
        n = dates.normalise(published.strip())
    except dates.DateError as exc:
        raise ExtractError(f"--published {published!r}: {exc}") from None
    return n.range, n.uncertain or n.approximate


def _dated_sentences(text: str, published: str) -> Iterator[tuple[Sentence, list[Mention]]]:
    """Each sentence with its dated mentions, resolved as a reader would: against publication
    and against what the story has dated so far. The caller sees a sentence's mentions before
    they join the story's time line."""
    anchor, uncertain = parse_published(published)
    timeline = Timeline(anchor, published.strip(), uncertain)
    for sentence in split_sentences(text):
        mentions = find_mentions(sentence.text)
        Resolver(timeline, sentence).resolve(mentions)
        mentions = _merge_adjacent([m for m in mentions if m.range is not None], sentence.text)
        yield sentence, mentions
        timeline.add(sentence, mentions)
        timeline.frames.append((sentence_tense(sentence.text), any(m.anchor == "publication" for m in mentions)))


def extract(text: str, published: str, gazetteer: Gazetteer) -> Extraction:
    """Candidate events, in article order, and capitalised names the gazetteer does not know."""
    seen: dict[str, int] = {}
    persons = {a.id for a in gazetteer.actors.values() if a.kind == "person"}
    candidates: list[Candidate] = []
    unknown: Counter[str] = Counter()
    for sentence, mentions in _dated_sentences(text, published):
        hits = gazetteer.find(sentence.text, seen, sentence.index)
        unknown.update(unknown_names(sentence.text, [(h.start, h.end) for h in hits] + [(m.start, m.end) for m in mentions]))
        for m in mentions:
            _check_basis(m)
            candidates.append(_candidate(m, sentence, hits, gazetteer, persons, [(x.start, x.end) for x in mentions]))
    new = sorted(unknown.items(), key=lambda kv: (-kv[1], kv[0]))
    return Extraction(_dedupe(candidates), new)


def read_date_phrase(phrase: str, written: str) -> Mention | None:
    """The one date a short phrase names ("in early October 2021", "on Sunday"), read as
    `extract` reads it in an article written on `written` (EDTF); None when the phrase names
    no date or more than one ("two days before the 9/11 attacks")."""
    found = [m for _, mentions in _dated_sentences(phrase, written) for m in mentions]
    return found[0] if len(found) == 1 else None


def _candidate(m: Mention, sentence: Sentence, hits: list[ActorHit], gazetteer: Gazetteer, persons: set[str],
               spans: list[tuple[int, int]]) -> Candidate:
    position = m.end if m.dates_object else m.start
    etype, cue, cue_at = suggest_type(sentence.text, position, hits, persons, spans, after=m.dates_object)
    status, status_cue = suggest_status(sentence.text)
    chosen = dict.fromkeys(h.chosen for h in hits if h.chosen)  # in order of first mention
    actors = [gazetteer.ref(actor_id) for actor_id in chosen]
    ambiguous = [
        {"text": h.text, "candidates": [{"id": c, "name": gazetteer.actors[c].name} for c in h.candidates], "chosen": h.chosen}
        for h in hits if h.ambiguous
    ]
    return Candidate(m, sentence, actors, ambiguous, suggest_roles(etype, cue, cue_at, hits), etype, cue, status, status_cue)


def _dedupe(candidates: list[Candidate]) -> list[Candidate]:
    seen: set[tuple[int, str | None, str | None]] = set()
    out = []
    for c in candidates:
        key = (c.sentence.index, c.mention.edtf, c.mention.qualifier)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


# --- output ----------------------------------------------------------------------------------

def to_json(extraction: Extraction) -> str:
    return json.dumps([c.to_json() for c in extraction.candidates], ensure_ascii=False, indent=2)


_STOP = _words("a an the of on in at to and or but by for from with as is was were be been it its this that "
                "which who also said says has had have will would")


_DATELINE = re.compile(r"^[A-Z][A-Z .,'’-]{2,40}(?:\([^)]{1,20}\))?\s*[—–-]+\s*")
_LEADS = re.compile(r"^(?:(?:and|but|so|also|then|however|meanwhile|for example|similarly|in short)\b[, ]*)+", re.IGNORECASE)


def title_of(sentence: str, date_text: str) -> str:
    """A short title: the sentence without its dateline, date phrase and asides, cut at a clause
    break after eight words or at fourteen words."""
    text = _DATELINE.sub("", sentence)
    text = text.replace(date_text, " ", 1) if date_text else text
    text = re.sub(r"\s*\([^)]*\)", "", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s+", " ", text))
    text = _LEADS.sub("", re.sub(r",(?:\s*,)+", ",", text).strip(" ,;:—–-"))
    out: list[str] = []
    for word in text.split():
        out.append(word)
        if (len(out) >= 8 and re.search(r"[,;:—]$", word)) or len(out) >= 14:
            break
    title = " ".join(out).strip(" ,.;:—–-“”\"")
    return (title[:1].upper() + title[1:]) if title else sentence[:80]


def slug_for(edtf: str, title: str) -> str:
    date_part = re.sub(r"[^0-9x]+", "-", edtf.lower()).strip("-")
    plain = re.sub(r"['’]s\b", "", dates.fold(title))
    words = [w for w in re.findall(r"[a-z0-9]+", plain) if w not in _STOP][:6]
    return "-".join([date_part, *words])[:120].strip("-")


def _q(value: str | None) -> str:
    return "null" if value is None else json.dumps(value, ensure_ascii=False)


def to_yaml(extraction: Extraction, source: str, file_label: str, published: str) -> str:
    """Event stubs ready to paste into db/events.yml; candidates without a known actor and the
    unknown names are listed in comments (an event needs at least one actor)."""
    lines = [
        f"# Candidate events from {file_label} (published {published}), proposed by `chrono extract`.",
        "# Check every date, title, type, status, role and actor against the article before pasting.",
        "",
    ]
    ids: Counter[str] = Counter()
    orphans = []
    for c in extraction.candidates:
        if not c.actors:
            orphans.append(c)
            continue
        lines += _stub(c, source, ids) + [""]
    if orphans:
        lines.append("# Dated sentences with no known actor (add the actors to actors.yml, then make stubs):")
        for c in orphans:
            lines.append(f"#   {c.mention.edtf} | {c.mention.text} | {c.sentence.clean[:160]}")
        lines.append("")
    if extraction.new_actors:
        lines.append("# Names not in the gazetteer (possible new actors or aliases), with counts:")
        lines += [f"#   {name} ({count})" for name, count in extraction.new_actors]
    return "\n".join(lines).rstrip() + "\n"


def _stub(c: Candidate, source: str, ids: Counter[str]) -> list[str]:
    m = c.mention
    title = title_of(c.sentence.clean, "" if m.kind == "relational" else " ".join(m.text.split()))[:300]
    base = slug_for(m.edtf or "", title)
    ids[base] += 1
    event_id = base if ids[base] == 1 else f"{base}-{ids[base]}"
    quote = c.sentence.clean[:5000]
    notes = [f"chrono extract: confidence {c.confidence()}"]
    if m.anchor:
        notes.append(f"anchor {m.anchor}")
    notes += m.notes
    notes += [f"ambiguous name {a['text']!r}: " + ", ".join(x["id"] for x in a["candidates"]) for a in c.ambiguous_actors]
    out = [
        f"- id: {event_id}",
        f"  date: {_q(m.edtf)}",
        f"  date_text: {_q(' '.join(m.text.split()))}",
        f"  date_basis: {m.basis}",
        f"  date_anchor: {_q(m.anchor_edtf if m.basis != 'stated' else None)}",
    ]
    if m.qualifier:
        out.append(f"  qualifier: {m.qualifier}")
    out += [
        f"  title: {_q(title)}",
        f"  summary: {_q(c.sentence.clean)}",
        f"  type: {c.type}",
        f"  status: {c.status}",
        "  location: {place: null, country: null}",
        "  actors:",
        *[f"    - {{id: {a.id}, role: {c.roles.get(a.id, 'subject')}}}" for a in c.actors],
        "  citations:",
        f"    - source: {source}",
        f"      quote: {_q(quote)}",
        "      stance: reports",
        f"  notes: {_q('; '.join(notes))}",
    ]
    return out
