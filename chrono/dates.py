"""Fuzzy dates: EDTF strings to day bounds and back, and the folding of names for lookup.

Pure functions, no I/O. A date is a range of possible days (`DateRange`); every operation keeps
that range exactly as wide as the evidence allows, never narrower. Phrases in words ("on
Sunday", "two days after") are read by the one date grammar, `chrono.extract.grammar`.
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

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


_DAY = re.compile(r"^-?\d{4}-\d{2}-\d{2}$")
_MONTH_OR_SEASON = re.compile(r"^-?\d{4}-(\d{2})$")
_YEAR = re.compile(r"^-?\d{4}$")


_DATE_TIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T", re.ASCII
)  # a time of day: the day is what a chronology keeps


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
        return struct_time_to_date(parsed.lower_strict()), struct_time_to_date(
            parsed.upper_strict()
        )
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
TYPOGRAPHIC = str.maketrans(
    {"‘": "'", "’": "'", "`": "'", "“": '"', "”": '"', "‐": "-", "‑": "-", "–": "-", "—": "-"}
)


def name_key(name: str) -> str:
    """How an actor's name or alias is looked up: folded, typographic punctuation as typed on a
    keyboard, whitespace runs as one space, so "Amir al-Mu'minin" finds "Amir al-Mu’minin"."""
    return " ".join(fold(name).translate(TYPOGRAPHIC).split())


# --- labels ----------------------------------------------------------------------------------
# An event's date in words, exactly as precise as its EDTF date. The build writes it once
# (events.display_date, and the API's event JSON); the widget shows it as it is.

# Spelt out here, not read from `calendar`, whose names follow the process's locale.
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_SHORT_MONTHS = tuple(name[:3] for name in MONTH_NAMES)
# EDTF "sub-year groupings": 21-24 seasons (independent of hemisphere), 25-28 northern
# seasons, 33-36 quarters, 40-41 semesters. Rarer ones are labelled from their day bounds.
_SUBYEARS = {
    21: "spring",
    22: "summer",
    23: "autumn",
    24: "winter",
    25: "spring",
    26: "summer",
    27: "autumn",
    28: "winter",
    33: "Q1",
    34: "Q2",
    35: "Q3",
    36: "Q4",
    40: "H1",
    41: "H2",
}
_WINTERS = {24, 28}  # run from December into the next year
_LABEL_PART = re.compile(r"(-?\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)
_NO_MARKS = str.maketrans("", "", "?~%")  # approximate, uncertain: said apart
_ISO_DAY = re.compile(r"(-?\d{4})-(\d{2})-(\d{2})", re.ASCII)


class _Part(NamedTuple):
    kind: str  # day | month | group | year | decade | century
    year: int
    month: int = 0  # the month, or the sub-year group's code
    day: int = 0


def _label_part(text: str) -> _Part | None:
    core = text.translate(_NO_MARKS)
    if m := _LABEL_PART.fullmatch(core):
        year = int(m.group(1))
        if m.group(3):
            return _Part("day", year, int(m.group(2)), int(m.group(3)))
        if m.group(2):
            n = int(m.group(2))
            if 1 <= n <= 12:
                return _Part("month", year, n)
            return _Part("group", year, n) if n in _SUBYEARS else None
        return _Part("year", year)
    if m := re.fullmatch(r"(\d{3})X", core, re.ASCII):
        return _Part("decade", int(m.group(1)) * 10)
    if m := re.fullmatch(r"(\d{2})XX", core, re.ASCII):
        return _Part("century", int(m.group(1)) * 100)
    return None


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _format_part(p: _Part) -> str:
    if p.kind == "day":
        return f"{p.day} {_SHORT_MONTHS[p.month - 1]} {p.year}"
    if p.kind == "month":
        return f"{_SHORT_MONTHS[p.month - 1]} {p.year}"
    if p.kind == "group":
        season = _SUBYEARS[p.month]
        if p.month in _WINTERS:
            return f"{season} {p.year}–{str(p.year + 1)[-2:]}"
        return f"{season} {p.year}"
    if p.kind == "decade":
        return f"{p.year}s"
    if p.kind == "century":
        return f"{_ordinal(p.year // 100 + 1)} century"
    return str(p.year)


def _format_span(a: _Part, b: _Part) -> str:
    """'22–23 May 2024', 'May–Jun 2024', '2019–2021', else both ends in full."""
    if a.kind == b.kind == "day" and a.year == b.year:
        month_a, month_b = _SHORT_MONTHS[a.month - 1], _SHORT_MONTHS[b.month - 1]
        if a.month == b.month:
            return _format_part(a) if a.day == b.day else f"{a.day}–{b.day} {month_a} {a.year}"
        return f"{a.day} {month_a} – {b.day} {month_b} {a.year}"
    if a.kind == b.kind == "month" and a.year == b.year:
        return f"{_SHORT_MONTHS[a.month - 1]}–{_SHORT_MONTHS[b.month - 1]} {a.year}"
    if a.kind == b.kind == "year":
        return f"{a.year}–{b.year}"
    return f"{_format_part(a)} – {_format_part(b)}"


def _bounds_label(start: str, end: str) -> str:
    """A label from the day bounds alone, for EDTF forms not spelt out above."""
    ma, mb = _ISO_DAY.fullmatch(start), _ISO_DAY.fullmatch(end)
    if not ma or not mb:
        return start
    a = _Part("day", int(ma.group(1)), int(ma.group(2)), int(ma.group(3)))
    b = _Part("day", int(mb.group(1)), int(mb.group(2)), int(mb.group(3)))
    last_day = calendar.monthrange(b.year, b.month)[1] if 1 <= b.month <= 12 else 0
    whole_months = a.day == 1 and b.day == last_day
    if whole_months and a.month == 1 and b.month == 12:
        return str(a.year) if a.year == b.year else f"{a.year}–{b.year}"
    if whole_months:
        first, last = _Part("month", a.year, a.month), _Part("month", b.year, b.month)
        return _format_part(first) if first == last else _format_span(first, last)
    return _format_span(a, b)


@functools.lru_cache(maxsize=1 << 16)  # a chronology repeats its dates: "2021-08", "2024-12-24"
def display_date(
    edtf: str,
    start: str,
    end: str,
    qualifier: str | None = None,
    approximate: bool = False,
    uncertain: bool = False,
) -> str:
    """The date in words, as the timeline shows it: '23 May 2024', 'Aug 2021', 'early Oct 2021',
    'summer 2009', '22–23 May 2024', 'c. Oct 2023', '2019?'. `start` and `end` are the ISO day
    bounds, used for forms that have no shorter spelling (open intervals, rare groupings)."""
    parts = edtf.split("/")
    parsed = [_label_part(p) for p in parts] if len(parts) <= 2 else [None]
    if all(parsed):
        ends = [p for p in parsed if p is not None]
        label = _format_span(ends[0], ends[1]) if len(ends) == 2 else _format_part(ends[0])
    else:
        label = _bounds_label(start, end)
    if qualifier:
        label = f"{qualifier} {label}"
    if approximate:
        label = f"c. {label}"
    if uncertain:
        label = f"{label}?"
    return label
