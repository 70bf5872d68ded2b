"""Calendar arithmetic on ranges of possible days, shared by the date rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

from .. import dates
from ..dates import DateRange
from .words import BARE_PLURAL, MONTHS, NUMBER_WORDS, QUALIFIER_WORDS, SEASON_CODES, VAGUE_COUNTS


def _month_of(word: str | None) -> int:
    return MONTHS[(word or "").lower().rstrip(".")]


def _count(word: str | None, unit: str) -> tuple[int, int]:
    """(fewest, most) units a count stands for: "two" → (2, 2), "several" → (3, 9), none → by
    unit."""
    if word is None:
        return BARE_PLURAL[unit]
    word = " ".join(word.lower().split())
    if word.isdigit():
        return int(word), int(word)
    if word in VAGUE_COUNTS:
        return VAGUE_COUNTS[word]
    n = NUMBER_WORDS.get(word, 1)
    return n, n


def _shift(d: date, unit: str, n: int) -> date:
    if unit == "hour":
        return d + timedelta(days=round(n / 24))
    if unit in ("day", "week"):
        return d + timedelta(days=n * (7 if unit == "week" else 1))
    if unit == "decade":
        return d + relativedelta(years=10 * n)
    return d + relativedelta(**{f"{unit}s": n})


def _units_away(d: date, unit: str, n: int) -> DateRange:
    """The day, month or year `n` units from `d` ("two weeks ago": that day; "three months ago":
    that whole month; "a year later": that whole year)."""
    if unit in ("day", "week"):
        return _one(d + timedelta(days=n * (7 if unit == "week" else 1)))
    if unit == "month":
        target = d + relativedelta(months=n)
        return dates.month_range(target.year, target.month)
    return dates.year_range(d.year + n)


def _widen(rng: DateRange, unit: str) -> DateRange:
    """Round a range out to whole months or years when the text counts in months or years."""
    if unit == "month":
        return DateRange(
            rng.start.replace(day=1), dates.month_range(rng.end.year, rng.end.month).end
        )
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
    by_days = DateRange(
        whole.start + timedelta(days=7 * (n - 1)), whole.start + timedelta(days=7 * n - 1)
    )
    monday = whole.start - timedelta(days=whole.start.weekday()) + timedelta(weeks=n - 1)
    by_weeks = DateRange(max(monday, whole.start), min(monday + timedelta(days=6), whole.end))
    return _union(by_days, by_weeks)


def _month_part(
    year: int, month: int, q: str | None, qp: str | None, wk: str | None
) -> tuple[DateRange, str | None]:
    """A month narrowed by early/mid/late, "the end of", "the first half of", "the second week
    of"."""
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


def _year_part(
    year: int, q: str | None, qp: str | None, quarter: str | None
) -> tuple[DateRange, str | None]:
    if quarter:
        n = (
            int(quarter[-1])
            if quarter[-1].isdigit()
            else {
                "first": 1,
                "second": 2,
                "third": 3,
                "fourth": 4,
                "1st": 1,
                "2nd": 2,
                "3rd": 3,
                "4th": 4,
            }[quarter]
        )
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


def following_unit(rng: DateRange) -> DateRange:
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
    """The day, week, month or year holding `d`, shifted by `shift` units, narrowed by a part:
    early/mid/late, or for the unit holding `d` itself "earlier" (up to `d`) and "later" (from
    `d`)."""
    if unit == "day":
        target = d + timedelta(days=shift)
        return DateRange(target, target)
    if unit == "weekend":
        monday = d - timedelta(days=d.weekday()) + timedelta(weeks=shift)
        return DateRange(monday + timedelta(days=5), monday + timedelta(days=6))
    qualifier = part if part in QUALIFIER_WORDS else None
    if unit == "week":
        monday = d - timedelta(days=d.weekday()) + timedelta(weeks=shift)
        first, last = {"early": (0, 2), "mid": (1, 3), "late": (3, 5)}.get(qualifier or "", (0, 6))
        whole = DateRange(monday + timedelta(days=first), monday + timedelta(days=last))
    elif unit == "month":
        target = d + relativedelta(months=shift)
        whole = _month_part(target.year, target.month, qualifier, None, None)[0]
    else:
        whole = _year_part(d.year + shift, qualifier, None, None)[0]
    if shift == 0 and part == "earlier":
        return DateRange(whole.start, d)
    if shift == 0 and part == "later":
        return DateRange(d, whole.end)
    return whole
