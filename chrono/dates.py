"""Fuzzy dates: EDTF strings to day bounds, and relative phrases resolved against an anchor date.

Pure functions, no I/O. A date is a range of possible days (`DateRange`); every operation keeps
that range exactly as wide as the evidence allows, never narrower.
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta, weekday as Weekday
from dateutil.relativedelta import MO, TU, WE, TH, FR, SA, SU
from edtf import parse_edtf, struct_time_to_date
from edtf.parser.edtf_exceptions import EDTFParseException


class DateError(ValueError):
    """An EDTF string or qualifier that cannot be normalised."""


@dataclass(frozen=True, slots=True)
class DateRange:
    """The earliest and latest possible day, inclusive."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise DateError(f"range ends ({self.end}) before it starts ({self.start})")

    def covers(self, other: DateRange) -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, other: DateRange) -> bool:
        return self.start <= other.end and other.start <= self.end


@dataclass(frozen=True, slots=True)
class NormalisedDate:
    start: date
    end: date
    precision: str  # day | month | season | year | decade | century | span
    approximate: bool
    uncertain: bool

    @property
    def range(self) -> DateRange:
        return DateRange(self.start, self.end)


MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9
WEEKDAYS: dict[str, Weekday] = {
    "monday": MO, "tuesday": TU, "wednesday": WE, "thursday": TH,
    "friday": FR, "saturday": SA, "sunday": SU,
}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "a couple of": 2, "several": None, "a few": None,
}

_DAY = re.compile(r"^-?\d{4}-\d{2}-\d{2}$")
_MONTH_OR_SEASON = re.compile(r"^-?\d{4}-(\d{2})$")
_YEAR = re.compile(r"^-?\d{4}$")


_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T", re.ASCII)  # a time of day: the day is what a chronology keeps


def _precision(core: str) -> str:
    if "/" in core:
        return "span"
    if "X" in core:  # unspecified digits: the precision is the last fully known unit
        year, _, rest = core.partition("-")
        if "X" in year:
            return "century" if year.endswith("XX") else "decade"
        return "year" if rest[:2] == "XX" or not rest else "month"
    if _DAY.match(core) or _DATE_TIME.match(core):
        return "day"
    if m := _MONTH_OR_SEASON.match(core):
        return "month" if int(m.group(1)) <= 12 else "season"
    if _YEAR.match(core):
        return "year"
    return "span"


_SIMPLE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([?~%])?$")
_SEASONS = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 2)}


def _simple_bounds(part: str) -> tuple[date, date] | None:
    """Bounds of the everyday forms (year, month, day, season, with ?~%) without the full grammar.

    The EDTF grammar is exact but slow; a million-event build cannot afford it per row.
    Returns None for anything rarer, which then goes to the full parser.
    """
    m = _SIMPLE.match(part)
    if not m:
        return None
    year, month, day_ = int(m.group(1)), m.group(2), m.group(3)
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        mm = int(month)
        if day_ is not None:
            d = date(year, mm, int(day_))
            return d, d
        if 1 <= mm <= 12:
            r = month_range(year, mm)
            return r.start, r.end
        if mm in _SEASONS:
            first, last = _SEASONS[mm]
            end_year = year + 1 if last < first else year
            return date(year, first, 1), month_range(end_year, last).end
    except ValueError:
        pass
    raise DateError(f"{part!r} is not valid EDTF")


@functools.lru_cache(maxsize=65536)
def _bounds(text: str) -> tuple[date, date]:
    parts = text.split("/")
    if len(parts) <= 2:
        try:
            simple = [_simple_bounds(p) for p in parts]
        except DateError:
            raise DateError(f"{text!r} is not valid EDTF") from None
        if all(simple):
            return simple[0][0], simple[-1][1]  # type: ignore[index]
    try:
        parsed = parse_edtf(text)
    except (EDTFParseException, ValueError, TypeError) as exc:
        raise DateError(f"{text!r} is not valid EDTF") from exc
    try:
        return struct_time_to_date(parsed.lower_strict()), struct_time_to_date(parsed.upper_strict())
    except (ValueError, TypeError, OverflowError, AttributeError) as exc:
        raise DateError(f"{text!r} has no calendar bounds") from exc


@functools.lru_cache(maxsize=65536)  # a bulk file repeats its dates: "2015-03" is parsed once
def normalise(edtf: str, qualifier: str | None = None) -> NormalisedDate:
    """Day bounds, precision and flags of an EDTF string, narrowed by early/mid/late.

    >>> normalise("2021-10", "early").end
    datetime.date(2021, 10, 10)
    """
    text = edtf.strip()
    if text != edtf or not text:
        raise DateError(f"{edtf!r} has surrounding whitespace or is empty")
    if ".." in text or text.endswith("/") or text.startswith("/"):
        raise DateError(f"{edtf!r} is an open interval; give the latest possible date instead")
    start, end = _bounds(text)
    if end < start:
        raise DateError(f"{edtf!r} is a reversed interval: it ends before it starts")
    core = text.replace("?", "").replace("~", "").replace("%", "")
    precision = _precision(core)
    if qualifier is not None:
        start, end = _narrow(edtf, precision, start, end, qualifier)
    return NormalisedDate(
        start=start,
        end=end,
        precision=precision,
        approximate="~" in text or "%" in text,
        uncertain="?" in text or "%" in text,
    )


def _narrow(edtf: str, precision: str, start: date, end: date, qualifier: str) -> tuple[date, date]:
    if precision == "month":
        first, last = {"early": (1, 10), "mid": (11, 20), "late": (21, end.day)}[qualifier]
        return start.replace(day=first), start.replace(day=last)
    if precision == "year":
        first, last = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}[qualifier]
        return date(start.year, first, 1), month_range(start.year, last).end
    raise DateError(f"qualifier {qualifier!r} needs a month or a year, not {edtf!r} ({precision})")


def month_range(year: int, month: int) -> DateRange:
    return DateRange(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def year_range(year: int) -> DateRange:
    return DateRange(date(year, 1, 1), date(year, 12, 31))


def to_edtf(rng: DateRange) -> str:
    """The shortest EDTF string for exactly this range of days."""
    s, e = rng.start, rng.end
    if s == e:
        return s.isoformat()
    if s.day == 1 and e == month_range(e.year, e.month).end:
        if s.year == e.year and s.month == e.month:
            return s.strftime("%Y-%m")
        if s.month == 1 and e.month == 12:
            return str(s.year) if s.year == e.year else f"{s.year}/{e.year}"
        return f"{s:%Y-%m}/{e:%Y-%m}"
    return f"{s.isoformat()}/{e.isoformat()}"


def fold(text: str) -> str:
    """Casefold and strip accents, for matching names and phrases."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


# Typographic apostrophes, quotes and dashes as a keyboard types them.
TYPOGRAPHIC = str.maketrans({"‘": "'", "’": "'", "`": "'", "“": '"', "”": '"',
                              "‐": "-", "‑": "-", "–": "-", "—": "-"})


def name_key(name: str) -> str:
    """How an actor's name or alias is looked up: folded, typographic punctuation as typed on a
    keyboard, whitespace runs as one space, so "Amir al-Mu'minin" finds "Amir al-Mu’minin"."""
    return " ".join(fold(name).translate(TYPOGRAPHIC).split())


# --- relative phrases -----------------------------------------------------------------------

_NUM = r"(\d+|a couple of|a few|several|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_WEEKDAY_NAMES = "|".join(WEEKDAYS)
_PART = r"(?:(early|mid|late|earlier|later)[\s-]+)?"


def _count(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(word)


def _part_of_week(monday: date, part: str | None) -> DateRange:
    first, last = {None: (0, 6), "early": (0, 2), "mid": (1, 3), "late": (3, 5)}.get(part, (0, 6))
    return DateRange(monday + timedelta(first), monday + timedelta(last))


def _part_of_month(year: int, month: int, part: str | None, anchor: date | None = None) -> DateRange:
    whole = month_range(year, month)
    if part == "early":
        return DateRange(whole.start, whole.start.replace(day=10))
    if part == "mid":
        return DateRange(whole.start.replace(day=11), whole.start.replace(day=20))
    if part == "late":
        return DateRange(whole.start.replace(day=21), whole.end)
    if part == "earlier" and anchor is not None:
        return DateRange(whole.start, anchor)
    return whole


def _part_of_year(year: int, part: str | None, anchor: date | None = None) -> DateRange:
    if part in ("early", "mid", "late"):
        return normalise(str(year), part).range
    if part == "earlier" and anchor is not None:
        return DateRange(date(year, 1, 1), anchor)
    return year_range(year)


def _most_recent_month(month: int, anchor: date, strictly_before: bool = False) -> int:
    """The year of the latest `month` on or before the anchor's month."""
    if month < anchor.month or (month == anchor.month and not strictly_before):
        return anchor.year
    return anchor.year - 1


def _resolve_day(phrase: str, day: date) -> DateRange | None:
    """Resolve against one known day; None if the phrase is not understood."""
    p = " ".join(fold(phrase).replace("’", "'").split())

    # A day and month without a year: the most recent such day on or before the anchor.
    m = re.search(rf"\b(\d{{1,2}})(?:st|nd|rd|th)? (?:of )?({_MONTH_NAMES})\b(?!,? \d{{4}})", p) or re.search(
        rf"\b({_MONTH_NAMES})\.? (\d{{1,2}})(?:st|nd|rd|th)?\b(?!,? \d{{4}})(?!\d)", p
    )
    if m:
        a, b = m.groups()
        d, month = (int(a), MONTHS[b]) if a.isdigit() else (int(b), MONTHS[a])
        for year in (day.year, day.year - 1):
            try:
                candidate = date(year, month, d)
            except ValueError:
                continue
            if candidate <= day:
                return DateRange(candidate, candidate)
        return None

    if re.search(r"\b(today|tonight|this (morning|afternoon|evening))\b", p):
        return DateRange(day, day)
    if re.search(r"\b(yesterday|last night)\b", p):
        return DateRange(day - timedelta(1), day - timedelta(1))
    if re.search(r"\btomorrow\b", p):
        return DateRange(day + timedelta(1), day + timedelta(1))
    if re.search(r"\b(the )?(next|following) day\b|\ba day later\b", p):
        return DateRange(day + timedelta(1), day + timedelta(1))
    if re.search(r"\b(the )?(previous|preceding) day\b|\bthe day before\b|\ba day earlier\b", p):
        return DateRange(day - timedelta(1), day - timedelta(1))

    if m := re.search(rf"\b{_NUM} (day|week|month|year)s? (ago|before|earlier|after|later)\b", p):
        n = _count(m.group(1))
        if n is None:
            return None
        unit, direction = m.group(2), m.group(3)
        sign = 1 if direction in ("after", "later") else -1
        if unit in ("day", "week"):
            target = day + timedelta(sign * n * (7 if unit == "week" else 1))
            return DateRange(target, target)
        if unit == "month":
            target = day + relativedelta(months=sign * n)
            return month_range(target.year, target.month)
        return year_range(day.year + sign * n)

    # "<Month> of the previous year", "February of last year", "in November of the same year"
    if m := re.search(rf"\b({_MONTH_NAMES}) (?:of )?(the previous|the preceding|last|the same|this|the following|next) year\b", p):
        month = MONTHS[m.group(1)]
        offset = {"the previous": -1, "the preceding": -1, "last": -1, "the following": 1, "next": 1}.get(m.group(2), 0)
        return month_range(day.year + offset, month)
    if m := re.search(rf"\b{_PART}last ({_MONTH_NAMES})\b", p):
        month = MONTHS[m.group(2)]
        return _part_of_month(_most_recent_month(month, day, strictly_before=True), month, m.group(1))

    if m := re.search(rf"\b{_PART}(last|this|next|previous) (week|month|year)\b", p):
        part, which, unit = m.groups()
        shift = {"last": -1, "previous": -1, "this": 0, "next": 1}[which]
        if unit == "week":
            monday = day - timedelta(day.weekday()) + timedelta(weeks=shift)
            if part == "earlier" and shift == 0:
                return DateRange(monday, day)
            return _part_of_week(monday, part)
        if unit == "month":
            target = day + relativedelta(months=shift)
            return _part_of_month(target.year, target.month, part, day if shift == 0 else None)
        return _part_of_year(day.year + shift, part, day if shift == 0 else None)

    if m := re.search(rf"\b(?:(last|next|this) )?({_WEEKDAY_NAMES})\b", p):
        which, name = m.groups()
        if which == "next":
            target = day + relativedelta(days=1, weekday=WEEKDAYS[name](+1))
        elif which == "last":
            target = day + relativedelta(days=-1, weekday=WEEKDAYS[name](-1))
        else:
            target = day + relativedelta(weekday=WEEKDAYS[name](-1))
        return DateRange(target, target)

    # A month name alone ("in September"): the most recent such month.
    if m := re.search(rf"\b{_PART}({_MONTH_NAMES})\b(?!\.? ?\d)", p):
        part, name = m.groups()
        if name in ("may", "mar", "jan", "dec", "sept", "sep") and not re.search(rf"\b(in|since|until|by|of|early|mid|late) {name}\b", p):
            return None  # "may" the verb, abbreviations without context
        month = MONTHS[name]
        return _part_of_month(_most_recent_month(month, day), month, part)
    return None


def resolve(phrase: str, anchor: DateRange) -> DateRange | None:
    """Resolve a relative date phrase against an anchor that may itself be a range of days.

    Each rule is monotone in the anchor day, so the answer for a fuzzy anchor runs from
    the earliest day the earliest anchor allows to the latest day the latest anchor allows.

    >>> resolve("on Sunday", DateRange(date(2024, 12, 24), date(2024, 12, 24)))
    DateRange(start=datetime.date(2024, 12, 22), end=datetime.date(2024, 12, 22))
    """
    first = _resolve_day(phrase, anchor.start)
    last = _resolve_day(phrase, anchor.end)
    if first is None or last is None:
        return None
    return DateRange(min(first.start, last.start), max(first.end, last.end))


@functools.lru_cache(maxsize=65536)  # a bulk file resolves the same phrase against the same day often
def resolve_both_ways(phrase: str, anchor: DateRange) -> tuple[DateRange, ...]:
    """For "two days after"-style phrases the anchor may be either end: give both readings."""
    readings = [r for r in (resolve(phrase, anchor),) if r is not None]
    flipped = re.sub(r"\b(after|later)\b", "@B", fold(phrase))
    flipped = re.sub(r"\b(before|earlier)\b", "after", flipped).replace("@B", "before")
    if flipped != fold(phrase) and (other := resolve(flipped, anchor)) is not None:
        readings.append(other)
    return tuple(readings)
