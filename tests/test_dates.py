"""Date normalisation: every EDTF form the data uses, qualifiers, and each relative phrase type."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chrono.dates import DateError, DateRange, display_date, normalise, to_edtf
from chrono.extract.grammar import resolve, resolve_both_ways


def day(y, m, d):
    return DateRange(date(y, m, d), date(y, m, d))


def span(a, b):
    return DateRange(date(*a), date(*b))


@pytest.mark.parametrize(
    "edtf, start, end, precision, approximate, uncertain",
    [
        ("2024-12-24", "2024-12-24", "2024-12-24", "day", False, False),
        ("2021-08", "2021-08-01", "2021-08-31", "month", False, False),
        ("2024-02", "2024-02-01", "2024-02-29", "month", False, False),
        ("2013", "2013-01-01", "2013-12-31", "year", False, False),
        ("2009-22", "2009-06-01", "2009-08-31", "season", False, False),
        ("2024-05-22/2024-05-23", "2024-05-22", "2024-05-23", "span", False, False),
        ("2024-04-14/2024-04", "2024-04-14", "2024-04-30", "span", False, False),
        ("2022-03/2022-12", "2022-03-01", "2022-12-31", "span", False, False),
        ("2023-10~", "2023-10-01", "2023-10-31", "month", True, False),
        ("2024-12-23?", "2024-12-23", "2024-12-23", "day", False, True),
        ("2021-08%", "2021-08-01", "2021-08-31", "month", True, True),
        ("201X", "2010-01-01", "2019-12-31", "decade", False, False),
        ("19XX", "1900-01-01", "1999-12-31", "century", False, False),
        # Unspecified digits: the precision is the last unit fully known.
        ("2021-10-XX", "2021-10-01", "2021-10-31", "month", False, False),
        ("2021-XX", "2021-01-01", "2021-12-31", "year", False, False),
        ("2021-10-05T10:00:00", "2021-10-05", "2021-10-05", "day", False, False),
    ],
)
def test_normalise_edtf_forms(edtf, start, end, precision, approximate, uncertain):
    n = normalise(edtf)
    assert (n.start.isoformat(), n.end.isoformat(), n.precision, n.approximate, n.uncertain) == (
        start,
        end,
        precision,
        approximate,
        uncertain,
    )


@pytest.mark.parametrize(
    "edtf, qualifier, start, end",
    [
        ("2021-10", "early", "2021-10-01", "2021-10-10"),
        ("2021-10", "mid", "2021-10-11", "2021-10-20"),
        ("2021-10", "late", "2021-10-21", "2021-10-31"),
        ("2024-02", "late", "2024-02-21", "2024-02-29"),
        ("2022", "early", "2022-01-01", "2022-04-30"),
        ("2022", "mid", "2022-05-01", "2022-08-31"),
        ("2022", "late", "2022-09-01", "2022-12-31"),
    ],
)
def test_qualifier_narrows_bounds(edtf, qualifier, start, end):
    n = normalise(edtf, qualifier)
    assert (n.start.isoformat(), n.end.isoformat()) == (start, end)


@pytest.mark.parametrize(
    "edtf, qualifier, message",
    [
        ("2024-13", None, "not valid EDTF"),
        ("2024-02-30", None, "not valid EDTF"),
        ("August 2021", None, "not valid EDTF"),
        ("2021-10-01/2021-09-01", None, "reversed interval"),
        ("2023-10-04/..", None, "open interval"),
        (" 2021", None, "whitespace"),
        ("2024-12-24", "early", "needs a month or a year"),
        ("2024-05-22/2024-05-23", "late", "needs a month or a year"),
    ],
)
def test_normalise_rejects_bad_dates(edtf, qualifier, message):
    with pytest.raises(DateError, match=message):
        normalise(edtf, qualifier)


@pytest.mark.parametrize(
    "phrase, anchor, expected",
    [
        # weekdays: the most recent such day on or before the anchor
        ("on Sunday", day(2024, 12, 24), day(2024, 12, 22)),
        ("Tuesday's strikes", day(2024, 12, 25), day(2024, 12, 24)),
        ("said Tuesday", day(2024, 12, 24), day(2024, 12, 24)),
        ("late last night (Sunday)", day(2024, 12, 23), day(2024, 12, 22)),
        ("next Friday", day(2024, 12, 24), day(2024, 12, 27)),
        # today / yesterday
        ("today", day(2022, 4, 5), day(2022, 4, 5)),
        ("in Kabul today (Monday)", day(2024, 12, 23), day(2024, 12, 23)),
        ("yesterday", day(2024, 3, 1), day(2024, 2, 29)),
        # counted offsets
        ("two days later", day(2024, 12, 22), day(2024, 12, 24)),
        (
            "two days after",
            day(2024, 12, 22),
            day(2024, 12, 20),
        ),  # nothing to be after: not past publication
        ("a day earlier", day(2024, 12, 21), day(2024, 12, 20)),
        ("two weeks ago", day(2024, 12, 22), day(2024, 12, 8)),
        ("three months ago", day(2024, 5, 10), span((2024, 2, 1), (2024, 2, 29))),
        ("a year ago", day(2024, 5, 1), span((2023, 1, 1), (2023, 12, 31))),
        # weeks, months, years around the anchor
        ("late last week", day(2024, 1, 15), span((2024, 1, 11), (2024, 1, 13))),
        ("last week", day(2024, 1, 15), span((2024, 1, 8), (2024, 1, 14))),
        ("this month", day(2022, 4, 5), span((2022, 4, 1), (2022, 4, 30))),
        ("last month", day(2024, 1, 15), span((2023, 12, 1), (2023, 12, 31))),
        ("earlier this month", day(2024, 12, 28), span((2024, 12, 1), (2024, 12, 28))),
        ("late last year", day(2024, 3, 1), span((2023, 9, 1), (2023, 12, 31))),
        ("earlier this year", day(2024, 3, 1), span((2024, 1, 1), (2024, 3, 1))),
        # months named against the anchor's year
        ("February of the previous year", day(2024, 12, 22), span((2023, 2, 1), (2023, 2, 28))),
        ("by November of the same year", day(2021, 8, 15), span((2021, 11, 1), (2021, 11, 30))),
        ("In September, during a visit", day(2024, 1, 15), span((2023, 9, 1), (2023, 9, 30))),
        ("in early October", day(2021, 12, 1), span((2021, 10, 1), (2021, 10, 10))),
        # a day and month without a year
        ("On October 4", day(2024, 1, 15), day(2023, 10, 4)),
        ("On December 28", day(2025, 1, 2), day(2024, 12, 28)),
        ("on 14 April", day(2024, 11, 30), day(2024, 4, 14)),
        ("Sunday, December 22", day(2024, 12, 23), day(2024, 12, 22)),
    ],
)
def test_resolve_relative_phrases(phrase, anchor, expected):
    assert resolve(phrase, anchor) == expected


def test_resolve_against_fuzzy_anchor_keeps_every_possibility():
    # published somewhere between 14 and 31 January 2024: "on Sunday" is any of three Sundays
    assert resolve("on Sunday", span((2024, 1, 14), (2024, 1, 31))) == span(
        (2024, 1, 14), (2024, 1, 28)
    )
    assert resolve("today", span((2022, 3, 23), (2022, 12, 31))) == span(
        (2022, 3, 23), (2022, 12, 31)
    )


def test_resolve_unknown_phrase_is_none():
    assert resolve("during the war", day(2024, 1, 1)) is None
    assert resolve("the author may well be right", day(2024, 1, 1)) is None


def test_resolve_both_ways_offers_either_direction():
    assert resolve_both_ways("two days after", day(2024, 12, 24)) == (
        day(2024, 12, 26),
        day(2024, 12, 22),
    )


@pytest.mark.parametrize(
    "rng, edtf",
    [
        (day(2024, 12, 24), "2024-12-24"),
        (span((2021, 8, 1), (2021, 8, 31)), "2021-08"),
        (span((2021, 1, 1), (2021, 12, 31)), "2021"),
        (span((2024, 1, 14), (2024, 1, 28)), "2024-01-14/2024-01-28"),
        (span((2022, 3, 1), (2022, 12, 31)), "2022-03/2022-12"),
    ],
)
def test_to_edtf_is_shortest_exact_form(rng, edtf):
    assert to_edtf(rng) == edtf
    n = normalise(edtf)
    assert (n.start, n.end) == (rng.start, rng.end)


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)),
    st.integers(min_value=0, max_value=400),
)
def test_to_edtf_round_trips_any_range(start, length):
    from datetime import timedelta

    rng = DateRange(start, start + timedelta(days=length))
    n = normalise(to_edtf(rng))
    assert (n.start, n.end) == (rng.start, rng.end)


@given(
    st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31)),
    st.sampled_from(
        [
            "on Sunday",
            "today",
            "last month",
            "two days after",
            "late last week",
            "On October 4",
            "February of the previous year",
            "earlier this month",
            "a year ago",
        ]
    ),
)
def test_resolve_never_narrower_for_wider_anchor(anchor_day, phrase):
    from datetime import timedelta

    narrow = resolve(phrase, DateRange(anchor_day, anchor_day))
    wide = resolve(phrase, DateRange(anchor_day, anchor_day + timedelta(days=20)))
    assert narrow is not None and wide is not None
    assert wide.covers(narrow)


@pytest.mark.parametrize(
    "edtf, qualifier, label",
    [
        ("2024-05-23", None, "23 May 2024"),
        ("2021-08", None, "Aug 2021"),
        ("2021-10", "early", "early Oct 2021"),
        ("2021", "late", "late 2021"),
        ("2009-22", None, "summer 2009"),
        ("2021-24", None, "winter 2021–22"),
        ("2021-23", None, "autumn 2021"),
        ("202X", None, "2020s"),
        ("19XX", None, "20th century"),
        ("2024-05-22/2024-05-23", None, "22–23 May 2024"),
        ("2024-05-30/2024-06-02", None, "30 May – 2 Jun 2024"),
        ("2021-08/2021-11", None, "Aug–Nov 2021"),
        ("2019/2021", None, "2019–2021"),
        ("2021/2021-11-05", None, "2021 – 5 Nov 2021"),
        ("2023-10~", None, "c. Oct 2023"),
        ("2019?", None, "2019?"),
        ("2021-08-15%", None, "c. 15 Aug 2021?"),
    ],
)
def test_display_date_is_exactly_as_precise_as_the_date(edtf, qualifier, label):
    n = normalise(edtf, qualifier)
    assert (
        display_date(
            edtf, n.start.isoformat(), n.end.isoformat(), qualifier, n.approximate, n.uncertain
        )
        == label
    )


def test_display_date_of_a_bare_published_date_needs_no_bounds():
    assert [display_date(d, d, "") for d in ("2024-12-28", "2024-11/2024-12", "2024-12~")] == [
        "28 Dec 2024",
        "Nov–Dec 2024",
        "Dec 2024",
    ]
