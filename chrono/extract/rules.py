"""The date grammar: every rule is a pattern and the resolver that reads its matches, side by side.

A resolver reads one mention in its context (the `Resolver`: the sentence, the story's time line,
the publication date) and returns a `Reading`: a range of possible days, exactly as wide as the
words allow, and how it was found; or None when the match is no date after all. It changes
nothing: the context records the reading on the mention.
The order of the rules breaks ties between matches of equal length.
"""

from __future__ import annotations

import contextlib
import math
import re
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from .. import dates
from ..dates import DateRange
from .mentions import (
    _NUM,
    _Q,
    _QP,
    _SEASON,
    _TO,
    _UNIT,
    _WD,
    _WK,
    Mention,
    _continues,
    _day,
    _mon,
    _year,
    find_mentions,
    rule,
)
from .ranges import (
    _count,
    _days,
    _month_of,
    _month_part,
    _one,
    _over_anchor,
    _safe_day,
    _season,
    _season_edtf,
    _shift,
    _union,
    _unit_around,
    _units_away,
    _widen,
    _year_part,
    edtf_for,
)
from .resolver import Reading, Resolver, _good_anchor
from .tense import clause_of, sentence_tense
from .words import DAY_WORDS, HEDGES, HOLIDAYS, NAMED_DATES, RECENT_REACH, SEASON_CODES, WEEKDAYS


def _day_of(r: Resolver, y: int, mo: int, d: int) -> Reading | None:
    try:
        day = date(y, mo, d)
    except ValueError:
        return None
    return r.set(DateRange(day, day), "stated", "high")


def _checked_weekday(m: Mention, reading: Reading | None) -> Reading | None:
    """ "Tuesday, December 24": say so when the weekday and the day disagree."""
    wd = m.parts.get("wd")
    day = (
        reading.range.start
        if reading is not None and reading.range.start == reading.range.end
        else None
    )
    if wd and day and day.strftime("%A").lower() != wd.lower():
        reading.notes.append(f"the text says {wd}, but {day} is a {day:%A}")  # type: ignore[union-attr]
    return reading


def _day_span(r: Resolver, m: Mention, m1: int, m2: int) -> Reading | None:
    """ "22-23 May 2024", "May 22-23": a span of days, its year stated or recurring."""
    d1, d2 = int(m.parts["d"]), int(m.parts["d2"])

    def make(y: int) -> DateRange | None:
        return _days(y if m1 <= m2 else y - 1, m1, d1, y, m2, d2)

    if m.parts.get("y"):
        rng = make(int(m.parts["y"]))
        return r.set(rng, "stated", "high") if rng else None
    return r.recurring(m, make)


def _narrow_to_weekday(rng: DateRange, weekday: str | None, notes: list[str]) -> DateRange:
    """'today (Monday)': keep only the days of the range that fall on that weekday."""
    if not weekday:
        return rng
    days = [rng.start + timedelta(days=i) for i in range((rng.end - rng.start).days + 1)]
    matching = [d for d in days if d.strftime("%A").lower() == weekday.lower()]
    if not matching:
        notes.append(f"the text says {weekday}, but no day in {dates.to_edtf(rng)} is a {weekday}")
        return rng
    return DateRange(matching[0], matching[-1])


def _weekend(r: Resolver, which: str) -> Reading:
    """Saturday and Sunday: of this week, the last one, the next one; "over the weekend" said on a
    weekend day may be this one or the one before, so it keeps both."""

    def fn(d: date) -> DateRange:
        saturday = d - timedelta(days=d.weekday()) + timedelta(days=5)  # this week's
        on_weekend = d.weekday() >= 5
        if which == "next":  # on a weekday: the coming one or the one after, English allows both
            return DateRange(
                saturday + timedelta(days=7 if on_weekend else 0), saturday + timedelta(days=8)
            )
        if which == "the" and on_weekend:
            return DateRange(saturday - timedelta(days=7), d)
        if which in ("last", "the"):
            saturday -= timedelta(days=7)
        return DateRange(saturday, saturday + timedelta(days=1))

    return r.publication(_over_anchor(r.timeline.published, fn))  # type: ignore[arg-type]


@rule("named", "named", r"(?<![\w/])9/11(?![\w/])")
def named(r: Resolver, m: Mention) -> Reading | None:
    d = next(d for name, d in NAMED_DATES.items() if name in m.text)
    return r.set(DateRange(d, d), "stated", "high")


@rule("iso", "absolute", r"(?<![\d-])(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})(?![\d-])")
def iso(r: Resolver, m: Mention) -> Reading | None:
    return _day_of(r, int(m.parts["y"]), int(m.parts["mo"]), int(m.parts["d"]))


@rule(
    "numeric",
    "absolute",
    r"(?<![\d/.-])(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4})(?![\d/.-]*\d)",
)
def numeric(r: Resolver, m: Mention) -> Reading | None:
    a, b, y = int(m.parts["a"]), int(m.parts["b"]), int(m.parts["y"])
    days = []
    for d, mo in ((a, b), (b, a)):  # day first, then month first
        with contextlib.suppress(ValueError):
            days.append(date(y, mo, d))
    days = sorted(set(days))
    if not days:
        return None
    rng = DateRange(days[0], days[-1])
    if len(days) == 1:
        return r.set(rng, "stated", "high")
    reading = r.set(rng, "stated", "medium", edtf=dates.to_edtf(rng))
    reading.ambiguous = True
    reading.readings = [day.isoformat() for day in (date(y, b, a), date(y, a, b))]
    reading.notes.append(
        f"numeric date: day-first reads {reading.readings[0]}, month-first {reading.readings[1]}; "
        "the range covers both until a curator decides"
    )
    return reading


@rule("ymd_slash", "absolute", r"(?<![\d/])(?P<y>\d{4})/(?P<mo>\d{1,2})/(?P<d>\d{1,2})(?![\d/])")
def ymd_slash(r: Resolver, m: Mention) -> Reading | None:
    return iso(r, m)


@rule(
    "day_span",
    "absolute",
    rf"(?:(?:from|between)\s+)?{_day('d')}(?:\s+{_mon('m')})?{_TO}{_day('d2')}(?:\s+of)?\s+{_mon('m2')}"
    rf"(?:,?\s+{_year('y')})?",
)
def day_span(r: Resolver, m: Mention) -> Reading | None:
    return _day_span(r, m, _month_of(m.parts.get("m") or m.parts["m2"]), _month_of(m.parts["m2"]))


@rule(
    "mdy_span",
    "absolute",
    rf"(?:(?:from|between)\s+)?{_mon('m')}\s+{_day('d')}{_TO}(?:{_mon('m2')}\s+)?{_day('d2')}"
    rf"(?:,?\s+{_year('y')})?",
)
def mdy_span(r: Resolver, m: Mention) -> Reading | None:
    return _day_span(r, m, _month_of(m.parts["m"]), _month_of(m.parts.get("m2") or m.parts["m"]))


@rule(
    "dmy",
    "absolute",
    rf"(?:{_WD},?\s+)?(?:the\s+)?{_day('d')}(?:\s+of)?\s+{_mon('m')}(?:,?\s+{_year('y')})?",
)
def dmy(r: Resolver, m: Mention) -> Reading | None:
    day, month = int(m.parts["d"]), _month_of(m.parts["m"])
    earlier = r.timeline.days.get((month, day))
    if m.parts.get("y"):
        return _checked_weekday(m, _day_of(r, int(m.parts["y"]), month, day))
    if earlier is not None and earlier.range is not None and not r.future(m):
        # "the 7 October attacks" after "the 7 October 2023 attacks": the article already gave the
        # year
        return _checked_weekday(
            m,
            r.set(
                earlier.range,
                "resolved",
                "medium",
                f"{earlier.text!r} (earlier in the article)",
                earlier.edtf,
            ),
        )
    return _checked_weekday(m, r.recurring(m, lambda y: _safe_day(y, month, day)))


@rule(
    "mdy", "absolute", rf"(?:{_WD},?\s+)?{_mon('m')}\s+(?:the\s+)?{_day('d')}(?:,?\s+{_year('y')})?"
)
def mdy(r: Resolver, m: Mention) -> Reading | None:
    return dmy(r, m)


@rule(
    "month_span",
    "absolute",
    rf"(?:(?:from|between)\s+)?{_mon('m')}(?:\s+{_year('y')})?{_TO}{_mon('m2')}(?:,?\s+{_year('y2')})?",
)
def month_span(r: Resolver, m: Mention) -> Reading | None:
    m1, m2 = _month_of(m.parts["m"]), _month_of(m.parts["m2"])
    y1 = int(m.parts["y"]) if m.parts.get("y") else None
    y2 = int(m.parts["y2"]) if m.parts.get("y2") else None

    def make(y: int) -> DateRange | None:
        start_year = y1 if y1 is not None else (y if m1 <= m2 else y - 1)
        rng = (
            DateRange(date(start_year, m1, 1), dates.month_range(y, m2).end)
            if start_year <= y
            else None
        )
        return rng if rng and rng.start < rng.end else None

    if y2 is not None:
        rng = make(y2)
        return r.set(rng, "stated", "high") if rng else None
    return r.recurring(m, make)


@rule("month_year", "absolute", rf"(?:{_Q}|{_QP}|{_WK})?{_mon('m')},?\s+(?:of\s+)?{_year('y')}")
def month_year(r: Resolver, m: Mention) -> Reading | None:
    rng, _ = _month_part(
        int(m.parts["y"]), _month_of(m.parts["m"]), m.part("q"), m.part("qp"), m.part("wk")
    )
    return r.set(rng, "stated", "high")


@rule(
    "month_relyear",
    "anaphoric",
    rf"(?:{_Q}|{_QP})?{_mon('m')}\s+(?:of\s+)?(?P<which>the\s+same|the\s+previous|the\s+preceding|"
    rf"the\s+following|the\s+next|that|last|this|next)\s+year",
)
def month_relyear(r: Resolver, m: Mention) -> Reading | None:
    which = m.part("which") or ""
    month = _month_of(m.parts["m"])
    q = m.part("q") or m.part("qp")
    if which in ("last", "this", "next"):
        shift = {"last": -1, "this": 0, "next": 1}[which]
        rng = _over_anchor(
            r.timeline.published, lambda d: _month_part(d.year + shift, month, q, None, None)[0]
        )
        return r.publication(rng)  # type: ignore[arg-type]
    shift = {"the previous": -1, "the preceding": -1, "the following": 1, "the next": 1}.get(
        which, 0
    )
    anchor = r.anchor_for(m)
    rng = _over_anchor(anchor[0], lambda d: _month_part(d.year + shift, month, q, None, None)[0])
    return r.anaphoric(rng, anchor)


@rule(
    "month_deictic",
    "deictic",
    rf"(?:{_Q})?(?P<which>last|this\s+past|this|next|this\s+coming)\s+{_mon('m')}",
)
def month_deictic(r: Resolver, m: Mention) -> Reading | None:
    month, which, q = _month_of(m.parts["m"]), m.part("which"), m.part("q")
    pub = r.timeline.published

    def fn(d: date) -> DateRange:
        if which in ("next", "this coming"):
            year = d.year if month > d.month else d.year + 1
        elif which == "this":
            year = d.year
        else:
            year = d.year if month < d.month else d.year - 1
        return _month_part(year, month, q, None, None)[0]

    return r.publication(_over_anchor(pub, fn))  # type: ignore[arg-type]


@rule(
    "month_alone",
    "absolute",
    rf"(?:{_Q}|{_QP}|{_WK}|(?P<cue>in|since|by|until|till|during|through|throughout|from|before|after|"
    rf"as\s+of)\s+){_mon('m')}(?!\.?\s*\d)",
)
def month_alone(r: Resolver, m: Mention) -> Reading | None:
    month = _month_of(m.parts["m"])
    q, qp, wk = m.part("q"), m.part("qp"), m.part("wk")
    return r.recurring(
        m, lambda y: _month_part(y, month, q, qp, wk)[0], continues=_continues(r.text, m)
    )


@rule("season_year", "absolute", rf"(?:{_Q})?(?:the\s+)?{_SEASON}\s+(?:of\s+)?{_year('y')}")
def season_year(r: Resolver, m: Mention) -> Reading | None:
    y, name = int(m.parts["y"]), m.part("season") or ""
    reading = r.set(_season(y, name), "stated", "high", edtf=f"{y:04d}-{SEASON_CODES[name]}")
    if m.part("q"):
        reading.notes.append(
            f"{m.part('q')} {name}: seasons have no agreed parts, the whole season is kept"
        )
    return reading


@rule(
    "season_rel",
    "deictic",
    rf"(?:{_Q})?(?P<which>last|this\s+past|this|next|that|the\s+following|the\s+previous|the\s+same)\s+{_SEASON}",
)
def season_rel(r: Resolver, m: Mention) -> Reading | None:
    name, which = m.part("season") or "", m.part("which") or ""
    if which in ("that", "the following", "the previous", "the same"):
        found = r.narrative(m, r.mentions, 3)
        base = found[0].range if found else r.timeline.published
        shift = {"the following": 1, "the previous": -1}.get(which, 0)
        years = {base.start.year + shift, base.end.year + shift}  # type: ignore[union-attr]
        rng = _union(_season(min(years), name), _season(max(years), name))
        edtf = _season_edtf(rng, name)
        if found:
            return r.set(
                rng,
                "resolved",
                "medium",
                f"{found[0].text!r} ({found[1]})",
                found[0].edtf,
                edtf=edtf,
            )
        return r.publication(rng, "low", edtf=edtf)

    def fn(d: date) -> DateRange:
        candidates = [_season(y, name) for y in range(d.year - 2, d.year + 2)]
        started = [c for c in candidates if c.start <= d]
        if which in ("next", "this coming"):
            return next(c for c in candidates if c.start > d)
        if which == "this":
            return started[-1]
        return next(c for c in reversed(started) if c.end < d)  # "last summer": the last one over

    rng = _over_anchor(r.timeline.published, fn)
    return r.publication(rng, edtf=_season_edtf(rng, name))  # type: ignore[arg-type]


@rule(
    "season_alone",
    "absolute",
    rf"(?:in|during|by|since|until|through|throughout)\s+(?:the\s+)?(?:{_Q})?{_SEASON}\b(?!\s+(?:of\b|\d))",
)
def season_alone(r: Resolver, m: Mention) -> Reading | None:
    name = m.part("season") or ""
    reading = r.recurring(m, lambda y: _season(y, name))
    if reading is not None:
        reading.edtf = _season_edtf(reading.range, name) or reading.edtf
    return reading


@rule(
    "year_span",
    "absolute",
    rf"(?:from|between)\s+{_year('y')}\s+(?:to|and|until|till|through)\s+{_year('y2')}",
)
def year_span(r: Resolver, m: Mention) -> Reading | None:
    y1, y2 = int(m.parts["y"]), int(m.parts["y2"])
    if y2 <= y1:
        return None
    return r.set(DateRange(date(y1, 1, 1), date(y2, 12, 31)), "stated", "high", edtf=f"{y1}/{y2}")


@rule("year_dash", "absolute", rf"{_year('y')}\s*[-–/]\s*(?P<y2>\d{{4}}|\d{{2}})(?![\d/-])")
def year_dash(r: Resolver, m: Mention) -> Reading | None:
    y1, tail = int(m.parts["y"]), m.parts["y2"] or ""
    y2 = int(tail) if len(tail) == 4 else y1 // 100 * 100 + int(tail)
    if not (y1 < y2 <= y1 + 50):
        return None
    return r.set(DateRange(date(y1, 1, 1), date(y2, 12, 31)), "stated", "high", edtf=f"{y1}/{y2}")


@rule(
    "year_qual",
    "absolute",
    rf"(?:{_Q}|{_QP}|(?:the\s+)?(?P<quarter>first|second|third|fourth|1st|2nd|3rd|4th)\s+quarter\s+of\s+|"
    rf"(?P<qn>Q[1-4])\s+){_year('y')}",
)
def year_qual(r: Resolver, m: Mention) -> Reading | None:
    quarter = m.part("quarter") or m.part("qn")
    rng, q = _year_part(int(m.parts["y"]), m.part("q"), m.part("qp"), quarter)
    return r.set(rng, "stated", "high", qualifier=q, edtf=str(m.parts["y"]) if q else None)


@rule("decade", "absolute", rf"(?:the\s+)?(?:{_Q})?(?P<dec>(?:1[6-9]|20)\d0)['’]?s\b")
def decade(r: Resolver, m: Mention) -> Reading | None:
    start = int(m.parts["dec"])
    q = m.part("q")
    if (
        start % 100 == 0 and start < 2000 and q is None
    ):  # "the 1800s" is the century, as usually meant
        reading = r.set(
            DateRange(date(start, 1, 1), date(start + 99, 12, 31)),
            "stated",
            "high",
            edtf=f"{start // 100}XX",
        )
        reading.notes.append(
            f"read as the century {start}-{start + 99}; as a decade it would be {start // 10}X"
        )
        return reading
    first, last = {"early": (0, 3), "mid": (4, 6), "late": (7, 9)}.get(q or "", (0, 9))
    rng = DateRange(date(start + first, 1, 1), date(start + last, 12, 31))
    return r.set(
        rng,
        "stated",
        "high",
        edtf=f"{str(start)[:3]}X" if q is None else f"{start + first}/{start + last}",
    )


@rule("century", "absolute", rf"(?:the\s+)?(?:{_Q})?(?P<c>\d{{1,2}})(?:st|nd|rd|th)[\s-]+century")
def century(r: Resolver, m: Mention) -> Reading | None:
    c = int(m.parts["c"])
    if not 1 <= c <= 21:
        return None
    first = (c - 1) * 100
    rng = DateRange(date(max(first, 1), 1, 1), date(first + 99, 12, 31))
    return r.set(rng, "stated", "high", edtf=f"{first // 100:02d}XX")


@rule(
    "year",
    "absolute",
    rf"(?P<cue>in|since|by|until|till|during|before|after|from|of|through|throughout|around|circa|about|"
    rf"and|or|the|a|an|its|their|his|her|our|[A-Z][\w-]*['’]s|year|as\s+of)\s+{_year('y')}(?:['’]s)?",
)
def year(r: Resolver, m: Mention) -> Reading | None:
    y = int(m.parts["y"])
    return r.set(dates.year_range(y), "stated", "high", edtf=str(y))


@rule(
    "day_word",
    "deictic",
    rf"(?:(?P<part>early|late|earlier|later)\s+)?(?P<word>today|tonight|yesterday|tomorrow|"
    rf"this\s+(?:morning|afternoon|evening)|last\s+night|overnight)(?:\s*\({_WD}\))?",
)
def day_word(r: Resolver, m: Mention) -> Reading | None:
    word = m.part("word") or ""
    if word == "overnight":
        rng = _over_anchor(r.timeline.published, lambda d: DateRange(d - timedelta(days=1), d))
    else:
        rng = _over_anchor(
            r.timeline.published, lambda d: _one(d + timedelta(days=DAY_WORDS[word]))
        )
    notes: list[str] = []
    reading = r.publication(_narrow_to_weekday(rng, m.parts.get("wd"), notes))  # type: ignore[arg-type]
    reading.notes += notes
    return reading


@rule(
    "unit_rel",
    "deictic",
    r"(?:(?P<part>early|mid|late|earlier|later)[\s-]+)?(?:(?:the\s+)?(?P<qp>beginning|start|end|middle)\s+of\s+)?"
    r"(?P<which>last|this|next|this\s+past|this\s+coming)\s+(?P<unit>weekend|week|month|year)\b",
)
def unit_rel(r: Resolver, m: Mention) -> Reading | None:
    part = m.part("part") or {
        "beginning": "early",
        "start": "early",
        "middle": "mid",
        "end": "late",
    }.get(m.part("qp") or "")
    which = {"this past": "last", "this coming": "next"}.get(m.part("which") or "", m.part("which"))
    unit = m.part("unit")
    if unit == "weekend":
        return _weekend(r, which or "last")
    shift = {"last": -1, "this": 0, "next": 1}[which or "this"]
    if shift == 0 and part is None and not r.future(m) and sentence_tense(r.text) == "past":
        part = "earlier"  # "met this month", in the past tense: not after publication
    return r.publication(
        _over_anchor(r.timeline.published, lambda d: _unit_around(d, unit or "week", shift, part))
    )  # type: ignore[arg-type]


@rule("weekend", "deictic", r"(?:over|at|during|on)\s+the\s+weekend")
def weekend(r: Resolver, m: Mention) -> Reading | None:
    return _weekend(r, "coming" if r.future(m) else "the")


@rule(
    "weekday",
    "deictic",
    rf"(?:(?P<which>last|next|this\s+past|this\s+coming|this|coming)\s+)?{_WD}(?:['’]s)?"
    rf"(?:\s+(?P<tod>morning|afternoon|evening|night))?(?:\s*\((?P<pday>[^()]{{3,30}})\))?",
)
def weekday(r: Resolver, m: Mention) -> Reading | None:
    wd, which = m.parts["wd"] or "", m.part("which")
    pub = r.timeline.published
    notes: list[str] = []
    ambiguous: list[str] = []
    if which in ("next", "coming", "this coming") or (which in (None, "this") and r.future(m)):
        weekday = WEEKDAYS[wd.lower()]
        strictly = which in ("next", "coming", "this coming")
        rng = _over_anchor(
            pub, lambda d: _one(d + relativedelta(days=1 if strictly else 0, weekday=weekday(+1)))
        )
        if which is None or which == "this":
            notes.append("future tense: the next such weekday on or after publication")
    else:
        strictly = which in ("last", "this past")
        rng = _over_anchor(
            pub,
            lambda d: _one(
                d + relativedelta(days=-1 if strictly else 0, weekday=WEEKDAYS[wd.lower()](-1))
            ),
        )
        left, right = clause_of(r.text, m.start, m.end)
        if rng is not None and which is None and re.search(r"\bwould\b", r.text[left:right]):
            # "he said he would travel on Monday": the Monday before publication, or the one after
            weekday = WEEKDAYS[wd.lower()]
            later = _over_anchor(pub, lambda d: _one(d + relativedelta(weekday=weekday(+1))))
            if later is not None and later != rng:
                ambiguous = [dates.to_edtf(rng), dates.to_edtf(later)]
                notes.append("'would': the weekday may be before or after publication")
                rng = _union(rng, later)
    if rng is None:
        return None
    if pday := m.parts.get("pday"):  # "Sunday (December 22)": check the two agree
        inner = [x for x in find_mentions(pday) if x.rule.name in ("dmy", "mdy")]
        if inner and (rng.start.month, rng.start.day) != (
            _month_of(inner[0].parts["m"]),
            int(inner[0].parts["d"] or 0),
        ):
            notes.append(f"the parenthesis says {pday}, but {wd} resolves to {dates.to_edtf(rng)}")
    reading = r.publication(rng)
    reading.notes += notes
    reading.ambiguous, reading.readings = bool(ambiguous), ambiguous
    return reading


@rule(
    "days_through",
    "deictic",
    rf"for\s+{_NUM}\s+(?P<unit>day|week)s?\s+(?:through|until|till|to|ending(?:\s+on)?)\s+{_WD}",
)
def days_through(r: Resolver, m: Mention) -> Reading | None:
    """ "for four days through Wednesday": the days that end on that weekday."""
    last = weekday(r, m)
    if last is None:
        return None
    low, _ = _count(m.part("n"), m.part("unit") or "day")
    days = low * (7 if m.part("unit") == "week" else 1)
    return r.publication(DateRange(last.range.start - timedelta(days=days - 1), last.range.end))


@rule(
    "days_from",
    "deictic",
    rf"{_NUM}[\s-]+(?P<unit>day|week)s?(?:['’]s?)?\s+(?:\w+\s+)?(?:visit|trip|tour|stay|talks|conference|summit)"
    rf"(?:\s+(?:to|in)\s+[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?)?\s+"
    rf"(?:from|starting|beginning)(?:\s+on)?\s+(?:(?P<which>last|next|this)\s+)?{_WD}(?:\s+(?P<after>last|next))?",
)
def days_from(r: Resolver, m: Mention) -> Reading | None:
    """ "a three-day visit from Friday last": the days that start on that weekday."""
    if m.part("after"):
        m.parts["which"] = m.part("after")
    first = weekday(r, m)
    if first is None:
        return None
    low, _ = _count(m.part("n"), m.part("unit") or "day")
    days = low * (7 if m.part("unit") == "week" else 1)
    return r.publication(DateRange(first.range.start, first.range.start + timedelta(days=days - 1)))


@rule(
    "ago",
    "deictic",
    rf"(?:(?P<hedge>nearly|almost|about|around|roughly|approximately|some|over|more\s+than|less\s+than|under)\s+)?"
    rf"(?:{_NUM}\s+)?{_UNIT}\s+ago",
)
def ago(r: Resolver, m: Mention) -> Reading | None:
    unit = m.part("unit") or "day"
    low, high = _count(m.part("n"), unit)
    hedge = m.part("hedge")
    if m.part("n") and low == high and not hedge and unit in ("day", "week", "month", "year"):
        return r.publication(
            _over_anchor(r.timeline.published, lambda d: _units_away(d, unit, -low))
        )  # type: ignore[arg-type]
    if hedge and m.part("n"):  # "nearly two decades ago": 16 to 20 years, not 2005
        if unit == "decade":
            unit, low, high = "year", low * 10, high * 10
        shrink, grow = HEDGES[hedge]
        low, high = max(1, math.floor(low * shrink)), max(1, math.ceil(high * grow))
    pub = r.timeline.published
    reading = r.publication(
        _widen(DateRange(_shift(pub.start, unit, -high), _shift(pub.end, unit, -low)), unit), "low"
    )
    reading.notes.append(
        f"{hedge + ' ' if hedge else ''}{m.part('n') or 'an unstated number of'} "
        f"{m.part('unit')}s: taken as {low} to {high} {unit}s"
    )
    return reading


@rule(
    "in_future",
    "deictic",
    rf"(?P<within>in|within)\s+{_NUM}\s+{_UNIT}(?:['’]s?\s+time)?(?!\s+(?:of|ago|before|after|later|earlier))",
)
def in_future(r: Resolver, m: Mention) -> Reading | None:
    unit = m.part("unit") or "day"
    low, high = _count(m.part("n"), unit)
    pub = r.timeline.published
    if m.part("within") == "within":
        rng = DateRange(pub.start, _shift(pub.end, unit, high))
    else:
        rng = _widen(DateRange(_shift(pub.start, unit, low), _shift(pub.end, unit, high)), unit)
    return r.publication(rng, "medium" if low == high else "low")


@rule(
    "recent",
    "vague",
    rf"(?:in|over|during|for|throughout|within)\s+(?:the\s+)?(?:(?P<recent>recent)|(?:past|last|previous)"
    rf"(?:\s+{_NUM})?)\s+{_UNIT}",
)
def recent(r: Resolver, m: Mention) -> Reading | None:
    """ "in recent weeks", "over the past three years", "in the past year": up to publication."""
    unit = m.part("unit") or "day"
    pub = r.timeline.published
    if m.part("n"):
        earliest = _shift(pub.start, unit, -_count(m.part("n"), unit)[1])
    elif m.part("recent") or m.text.rstrip().lower().endswith("s"):
        earliest = pub.start - timedelta(days=RECENT_REACH[unit])
    else:
        earliest = _shift(pub.start, unit, -1)
    reading = r.publication(DateRange(earliest, pub.end), "low")
    reading.notes.append("a vague span up to publication: check what the article means")
    return reading


@rule(
    "holiday",
    "deictic",
    r"(?P<hol>Christmas\s+Eve|Christmas\s+Day|New\s+Year['’]s\s+Eve|New\s+Year['’]s\s+Day|Christmas)",
)
def holiday(r: Resolver, m: Mention) -> Reading | None:
    name = " ".join((m.part("hol") or "").replace("’", "'").split())
    month, day = HOLIDAYS[name]
    return r.recurring(m, lambda y: _safe_day(y, month, day))


@rule(
    "rel_unit",
    "anaphoric",
    r"(?:(?P<part>early|mid|late|earlier|later)\s+)?(?:(?P<that>that)|the\s+(?P<which>following|next|"
    r"previous|preceding|same|subsequent|prior))\s+(?P<unit>day|weekend|week|month|year|morning|afternoon|"
    r"evening|night)\b",
)
def rel_unit(r: Resolver, m: Mention) -> Reading | None:
    unit = m.part("unit") or "day"
    which = "that" if m.part("that") else m.part("which") or "same"
    shift = {
        "following": 1,
        "next": 1,
        "subsequent": 1,
        "previous": -1,
        "preceding": -1,
        "prior": -1,
    }.get(which, 0)
    anchor = r.anchor_for(m)
    part = m.part("part")
    if unit in ("morning", "afternoon", "evening", "night"):
        unit = "day"
    return r.anaphoric(
        _over_anchor(anchor[0], lambda d: _unit_around(d, unit, shift, part)), anchor
    )


@rule(
    "during",
    "anaphoric",
    r"(?:during|in\s+the\s+course\s+of)\s+(?:the|his|her|their|this|that|its)\s+(?:[\w-]+\s+){0,2}?"
    r"(?P<event>visit|trip|talks|meeting|conference|summit|call|tour|consultations)\b",
)
def during(r: Resolver, m: Mention) -> Reading | None:
    """ "during the visit": the date the story last gave, if it gave one (the visit's, as a reader
    takes it); nothing when only the publication date is there to read it against."""
    rng, where, edtf, in_story = r.anchor_for(m)
    if not in_story:
        return None
    reading = r.set(rng, "inferred", "medium", where, edtf)
    reading.notes.append(
        f"{m.text.strip()!r}: the date of the {m.part('event')} the story dated last ({where})"
    )
    return reading


@rule(
    "later",
    "anaphoric",
    rf"(?:{_NUM}\s+)?{_UNIT}\s+(?P<dir>later|earlier|afterwards?)\b(?!\s+than)",
)
def later(r: Resolver, m: Mention) -> Reading | None:
    unit = m.part("unit") or "day"
    sign = -1 if m.part("dir") == "earlier" else 1
    low, high = _count(m.part("n"), unit)
    anchor = r.anchor_for(m)
    if low == high and unit in ("day", "week", "month", "year"):
        rng = _over_anchor(anchor[0], lambda d: _units_away(d, unit, sign * low))
    else:
        a, b = sorted((sign * low, sign * high))
        rng = _widen(
            DateRange(_shift(anchor[0].start, unit, a), _shift(anchor[0].end, unit, b)), unit
        )
    reading = r.anaphoric(rng, anchor)
    if reading is not None and low != high:
        reading.confidence = "low"
        reading.notes.append(
            f"{m.part('n') or 'an unstated number of'} {unit}s: taken as {low} to {high}"
        )
    return reading


@rule(
    "relational",
    "relational",
    rf"(?:(?P<lead>just|only|barely|nearly|almost|about|some|more\s+than|less\s+than)\s+)?(?:{_NUM}\s+)?"
    rf"{_UNIT}\s+(?P<dir>before|after|prior\s+to|following|ahead\s+of)\b",
)
def relational(r: Resolver, m: Mention) -> Reading | None:
    """ "two days after the attack": the date of the attack, if given right there, anchors it;
    otherwise another date in the sentence dates the main clause and this phrase dates the other
    event; otherwise the publication date stands in for the main clause. "Hours after" is the
    same day."""
    reading = _relational(r, m)
    if reading is not None and m.part("unit") == "hour":
        reading.notes.append(
            f"{m.text.strip()!r}: taken as the same day (late in the day it may be the next)"
        )
    return reading


def _relational(r: Resolver, m: Mention) -> Reading | None:
    unit = m.part("unit") or "day"
    direction = "before" if m.part("dir") in ("before", "prior to", "ahead of") else "after"
    n = m.part("n") or ("1" if m.rule.name == "day_rel" else None)
    low, high = _count(n, unit)
    obj = r.object_of(m, r.mentions)
    sign = 1 if direction == "after" else -1
    if obj is not None:
        rng = r.offset(obj.range, unit, sign, low, high)  # type: ignore[arg-type]
        reading = r.set(
            rng,
            "resolved",
            "medium" if low == high else "low",
            f"{obj.text!r} (same sentence)",
            obj.edtf,
        )
        reading.text = r.text[m.start : obj.end]
        return reading
    if m.rule.name == "day_rel" and not r.object_follows(m):
        anchor = r.anchor_for(m)
        return r.anaphoric(r.offset(anchor[0], unit, sign, low, high), anchor)
    others = [o for o in r.mentions if o is not m and o.kind != "relational" and _good_anchor(o)]
    if others:
        main = min(others, key=lambda o: abs(o.start - m.start))
        reading = r.set(
            r.offset(main.range, unit, -sign, low, high),
            "resolved",
            "low",  # type: ignore[arg-type]
            f"{main.text!r} (same sentence)",
            main.edtf,
        )
        reading.notes.append(
            f"dates what comes after {m.part('dir')!r}, taking {main.text!r} as the date of the "
            "main clause"
        )
        reading.dates_object = True
        return reading
    named = _DEFINITE_EVENT.match(r.text[m.end :])
    if named and (
        found := r.timeline.dated_event(r.sentence, named.group(1))
    ):  # "hours after the attack"
        anchor, where = found
        reading = r.set(
            r.offset(anchor.range, unit, sign, low, high),
            "inferred",  # type: ignore[arg-type]
            "medium" if low == high else "low",
            f"{anchor.text!r} ({where})",
            anchor.edtf,
        )
        reading.notes.append(
            f"'the {named.group(1)}' read as the {named.group(1)} the story dated "
            f"{anchor.text.strip()!r}"
        )
        return reading
    pub = r.timeline.published
    both = [r.offset(pub, unit, s, low, high) for s in (sign, -sign)]
    future = r.future(m)
    kept = [rng for rng in both if future or rng.start <= pub.end] or both
    reading = r.publication(kept[0] if len(kept) == 1 else _union(*kept), "low")
    reading.dates_object = len(kept) == 1 and kept[0] is both[1]
    reading.ambiguous = len(kept) > 1
    reading.readings = [edtf_for(rng)[0] for rng in both]
    kept_note = (
        ""
        if len(kept) > 1
        else f"; kept {edtf_for(reading.range)[0]}, the other lies after publication"
    )
    reading.notes.append(
        "anchor: publication; no date for the other event in the sentence. Readings: "
        + " or ".join(reading.readings)
        + kept_note
    )
    return reading


_DEFINITE_EVENT = re.compile(
    r"\s+the\s+(?:[\w-]+\s+){0,2}?(attacks?|meeting|visit|talks|strikes?|bombing|election|vote|summit|conference|"
    r"deal|agreement|call|incident|assault|raid|funeral|ceremony|takeover|invasion)\b",
    re.IGNORECASE,
)


@rule(
    "day_rel", "relational", r"the\s+(?P<unit>day|week|month|year|night)\s+(?P<dir>before|after)\b"
)
def day_rel(r: Resolver, m: Mention) -> Reading | None:
    return relational(r, m)
