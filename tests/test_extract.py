"""`chrono extract`: sentences, every date form, tense, ambiguity, actors, type and status, the CLI,
stubs that pass `chrono build`, and recall/precision measured against the curated seeds.

The unit tests use sentences written for them (none comes from the seed articles) and a small
invented gazetteer, so they test the general rules rather than the seeds.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from chrono.build import build
from chrono.cli import cli
from chrono.extract import Gazetteer, extract, find_mentions, split_sentences, to_json, to_yaml
from chrono.extract.grammar import read_date_phrase
from chrono.models import Actor
from tests.helpers import write_data
from tests.seed_scores import DATA, score, seed_articles, table

TUESDAY = "2024-12-24"  # a Tuesday

ACTORS = [
    {
        "id": "lena-ortiz",
        "name": "Lena Ortiz",
        "kind": "person",
        "aliases": ["Ortiz", "Mrs. Ortiz"],
    },
    {"id": "karim-haddad", "name": "Karim Haddad", "kind": "person", "aliases": ["Haddad"]},
    {
        "id": "samir-karim-haddad",
        "name": "Samir Karim Haddad",
        "kind": "person",
        "aliases": ["Samir Haddad"],
    },
    {"id": "jose-nunez", "name": "José Núñez", "kind": "person", "aliases": ["Núñez"]},
    {"id": "valdoria", "name": "Valdoria", "kind": "state", "aliases": ["Republic of Valdoria"]},
    {"id": "france", "name": "France", "kind": "state", "aliases": []},
    {"id": "united-states", "name": "United States", "kind": "state", "aliases": ["US", "U.S."]},
    {"id": "nlf", "name": "Northern Liberation Front", "kind": "armed-group", "aliases": ["NLF"]},
    {"id": "un", "name": "United Nations", "kind": "international-organization", "aliases": ["UN"]},
    {"id": "ortega", "name": "Tomas Ortega", "kind": "person", "aliases": []},
]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    import msgspec

    return Gazetteer(msgspec.convert(a, Actor) for a in ACTORS)


def candidates(text: str, gazetteer: Gazetteer, published: str = TUESDAY) -> list[dict]:
    return [c.to_json() for c in extract(text, published, gazetteer).candidates]


def only(text: str, gazetteer: Gazetteer, published: str = TUESDAY) -> dict:
    found = candidates(text, gazetteer, published)
    assert len(found) == 1, [(c["date_text"], c["date"]) for c in found]
    return found[0]


def when(c: dict) -> tuple:
    return c["date"], c["date_start"], c["date_end"]


# --- sentences -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Mr. Alvarez met Dr. Chen in Lisbon. They talked for hours.",
            ["Mr. Alvarez met Dr. Chen in Lisbon.", "They talked for hours."],
        ),
        (
            "Gen. Ruiz landed on Jan. 5 at noon. Lt. Col. Park followed.",
            ["Gen. Ruiz landed on Jan. 5 at noon.", "Lt. Col. Park followed."],
        ),
        (
            "The U.S. Embassy issued a warning. Staff stayed home.",
            ["The U.S. Embassy issued a warning.", "Staff stayed home."],
        ),
        (
            "The envoy flew back to the U.S. The talks ended without a deal.",
            ["The envoy flew back to the U.S.", "The talks ended without a deal."],
        ),
        (
            "Former President John F. Kennedy spoke. Crowds cheered.",
            ["Former President John F. Kennedy spoke.", "Crowds cheered."],
        ),
        (
            "“Will they sign?” the mediator asked. Nobody answered.",
            ["“Will they sign?” the mediator asked.", "Nobody answered."],
        ),
        (
            "“We are ready. We have waited long enough,” the minister said. Talks resume today.",
            [
                "“We are ready. We have waited long enough,” the minister said.",
                "Talks resume today.",
            ],
        ),
        (
            "“Nothing was agreed.” Ms. Park said so on the radio.",
            ["“Nothing was agreed.” Ms. Park said so on the radio."],
        ),
        (
            "The group posted on X. Its rivals replied within minutes.",
            ["The group posted on X.", "Its rivals replied within minutes."],
        ),
    ],
)
def test_split_sentences_news_style(text, expected):
    assert [s.text for s in split_sentences(text)] == expected


def test_split_sentences_keeps_paragraphs_and_joins_wrapped_lines():
    text = (
        "A headline\n\nThe first line breaks\nin the middle of a sentence. A second sentence.\n"
        "A new paragraph."
    )
    got = [(s.clean, s.paragraph) for s in split_sentences(text)]
    assert got == [
        ("A headline", 0),
        ("The first line breaks in the middle of a sentence.", 1),
        ("A second sentence.", 1),
        ("A new paragraph.", 2),
    ]


# --- dates: stated -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, date, start, end",
    [
        (
            "The ministers met on 24 December 2024 in Geneva.",
            "2024-12-24",
            "2024-12-24",
            "2024-12-24",
        ),
        ("The ministers met on Dec 3, 2023 in Geneva.", "2023-12-03", "2023-12-03", "2023-12-03"),
        ("The ministers met on Dec. 3, 2023, in Geneva.", "2023-12-03", "2023-12-03", "2023-12-03"),
        (
            "The ministers met on December 3, 2023, in Geneva.",
            "2023-12-03",
            "2023-12-03",
            "2023-12-03",
        ),
        (
            "The ministers met on the 3rd of December 2023 in Geneva.",
            "2023-12-03",
            "2023-12-03",
            "2023-12-03",
        ),
        ("The ministers met on 2023-12-03 in Geneva.", "2023-12-03", "2023-12-03", "2023-12-03"),
        (
            "The ministers met on Sunday, December 3, 2023, in Geneva.",
            "2023-12-03",
            "2023-12-03",
            "2023-12-03",
        ),
        ("The ministers met in August 2021 in Geneva.", "2021-08", "2021-08-01", "2021-08-31"),
        ("The ministers met in Aug. 2021 in Geneva.", "2021-08", "2021-08-01", "2021-08-31"),
        ("The ministers met in August of 2021 in Geneva.", "2021-08", "2021-08-01", "2021-08-31"),
        ("The ministers met in 2013 in Geneva.", "2013", "2013-01-01", "2013-12-31"),
        ("The rebels first took the valley in the 1990s.", "199X", "1990-01-01", "1999-12-31"),
        (
            "The rebels first took the valley in the early 1990s.",
            "1990/1993",
            "1990-01-01",
            "1993-12-31",
        ),
        ("The rebels held the pass in the 19th century.", "18XX", "1800-01-01", "1899-12-31"),
        ("The rebels held the pass in the 1800s.", "18XX", "1800-01-01", "1899-12-31"),
        ("The envoys met in summer 2009.", "2009-22", "2009-06-01", "2009-08-31"),
        ("The envoys met in the summer of 2009.", "2009-22", "2009-06-01", "2009-08-31"),
        ("The envoys met in winter 2023.", "2023-24", "2023-12-01", "2024-02-29"),
        ("The envoys met between 2019 and 2021.", "2019/2021", "2019-01-01", "2021-12-31"),
        ("The envoys met in 2019-21 several times.", "2019/2021", "2019-01-01", "2021-12-31"),
        ("The envoys met in 2021/22 several times.", "2021/2022", "2021-01-01", "2022-12-31"),
        ("The envoys met in 2019/2021 several times.", "2019/2021", "2019-01-01", "2021-12-31"),
        ("The envoys met from May to July 2024.", "2024-05/2024-07", "2024-05-01", "2024-07-31"),
        ("The envoys met on 22-23 May 2024.", "2024-05-22/2024-05-23", "2024-05-22", "2024-05-23"),
        ("The envoys met on May 22-23, 2024.", "2024-05-22/2024-05-23", "2024-05-22", "2024-05-23"),
        (
            "The envoys met from 30 April to 2 May 2024.",
            "2024-04-30/2024-05-02",
            "2024-04-30",
            "2024-05-02",
        ),
        (
            "The envoys met in the first quarter of 2022.",
            "2022-01/2022-03",
            "2022-01-01",
            "2022-03-31",
        ),
        (
            "The envoys met in the first half of 2022.",
            "2022-01/2022-06",
            "2022-01-01",
            "2022-06-30",
        ),
    ],
)
def test_stated_dates_in_every_common_order(gazetteer, text, date, start, end):
    c = only(text, gazetteer)
    assert (when(c), c["date_basis"]) == ((date, start, end), "stated")


@pytest.mark.parametrize(
    "text, date, qualifier, start, end",
    [
        ("Talks resumed in early October 2021.", "2021-10", "early", "2021-10-01", "2021-10-10"),
        ("Talks resumed in mid-October 2021.", "2021-10", "mid", "2021-10-11", "2021-10-20"),
        ("Talks resumed at the end of March 2020.", "2020-03", "late", "2020-03-21", "2020-03-31"),
        ("Talks resumed in mid-2022.", "2022", "mid", "2022-05-01", "2022-08-31"),
        ("Talks resumed in late 2022.", "2022", "late", "2022-09-01", "2022-12-31"),
        ("Talks resumed at the beginning of 2022.", "2022", "early", "2022-01-01", "2022-04-30"),
    ],
)
def test_qualifiers_narrow_months_and_years(gazetteer, text, date, qualifier, start, end):
    c = only(text, gazetteer)
    assert (c["date"], c["qualifier"], c["date_start"], c["date_end"], c["precision"]) == (
        date,
        qualifier,
        start,
        end,
        "month" if len(date) == 7 else "year",
    )


def test_the_nth_week_of_a_month_covers_both_week_conventions(gazetteer):
    # June 2015 starts on a Monday: days 8-14 and the second Monday-to-Sunday week (8-14) agree.
    assert when(
        only("The sides traded the town during the second week of June 2015.", gazetteer)
    ) == ("2015-06-08/2015-06-14", "2015-06-08", "2015-06-14")
    # June 2024 starts on a Saturday: days 8-14, or Monday 3 to Sunday 9.
    assert when(only("The sides traded the town during the second week of June.", gazetteer)) == (
        "2024-06-03/2024-06-14",
        "2024-06-03",
        "2024-06-14",
    )


# --- dates: numeric and ambiguity ------------------------------------------------------------


def test_numeric_date_with_both_readings_valid_is_ambiguous(gazetteer):
    c = only("The accord was signed on 03/04/2024 in Rome.", gazetteer)
    assert (c["ambiguous"], c["readings"], c["date_start"], c["date_end"]) == (
        True,
        ["2024-04-03", "2024-03-04"],
        "2024-03-04",
        "2024-04-03",
    )


@pytest.mark.parametrize(
    "text, date",
    [
        ("The accord was signed on 24/12/2024 in Rome.", "2024-12-24"),  # 24 > 12: day first
        ("The accord was signed on 12/22/2024 in Rome.", "2024-12-22"),  # 22 > 12: month first
        ("The accord was signed on 05.05.2024 in Rome.", "2024-05-05"),  # both readings agree
    ],
)
def test_numeric_date_with_one_reading_is_not_ambiguous(gazetteer, text, date):
    c = only(text, gazetteer)
    assert (c["date"], c["ambiguous"]) == (date, False)


# --- dates: resolved against publication ------------------------------------------------------


@pytest.mark.parametrize(
    "text, date, start, end",
    [
        ("The envoy arrived on 22 December.", "2024-12-22", "2024-12-22", "2024-12-22"),
        ("The envoy arrived on December 22.", "2024-12-22", "2024-12-22", "2024-12-22"),
        (
            "The envoy arrived on 28 December.",
            "2023-12-28",
            "2023-12-28",
            "2023-12-28",
        ),  # most recent on/before
        ("The envoy arrived in September.", "2024-09", "2024-09-01", "2024-09-30"),
        ("The envoy arrived in early August.", "2024-08", "2024-08-01", "2024-08-10"),
        ("The envoy arrived on Sunday.", "2024-12-22", "2024-12-22", "2024-12-22"),
        (
            "The envoy arrived on Tuesday.",
            "2024-12-24",
            "2024-12-24",
            "2024-12-24",
        ),  # the day itself
        ("Tuesday's strikes hit three villages.", "2024-12-24", "2024-12-24", "2024-12-24"),
        ("The envoy arrived last Tuesday.", "2024-12-17", "2024-12-17", "2024-12-17"),
        ("The envoy arrived today.", "2024-12-24", "2024-12-24", "2024-12-24"),
        ("The envoy arrived yesterday.", "2024-12-23", "2024-12-23", "2024-12-23"),
        ("The envoy arrived late last night (Monday).", "2024-12-23", "2024-12-23", "2024-12-23"),
        ("The envoy arrived last month.", "2024-11", "2024-11-01", "2024-11-30"),
        (
            "The envoy arrived earlier this month.",
            "2024-12-01/2024-12-24",
            "2024-12-01",
            "2024-12-24",
        ),
        ("The envoy arrived late last week.", "2024-12-19/2024-12-21", "2024-12-19", "2024-12-21"),
        ("The envoy arrived late last year.", "2023", "2023-09-01", "2023-12-31"),
        ("The envoy arrived a year ago.", "2023", "2023-01-01", "2023-12-31"),
        ("The envoy arrived three years ago.", "2021", "2021-01-01", "2021-12-31"),
        ("The envoy arrived two weeks ago.", "2024-12-10", "2024-12-10", "2024-12-10"),
        ("The envoy arrived in February of last year.", "2023-02", "2023-02-01", "2023-02-28"),
        ("The envoy arrived last summer.", "2024-22", "2024-06-01", "2024-08-31"),
        (
            "The envoy arrived over the weekend.",
            "2024-12-21/2024-12-22",
            "2024-12-21",
            "2024-12-22",
        ),
        ("The envoy arrived in the spring.", "2024-21", "2024-03-01", "2024-05-31"),
    ],
)
def test_relative_dates_resolve_against_publication(gazetteer, text, date, start, end):
    c = only(text, gazetteer)
    assert (when(c), c["date_basis"] in ("resolved", "inferred"), c["anchor"]) == (
        (date, start, end),
        True,
        "publication",
    )


@pytest.mark.parametrize(
    "text, date",
    [
        ("On Monday the talks will resume in Doha.", "2024-12-30"),
        ("The talks will resume on Friday.", "2024-12-27"),
        ("The summit is scheduled to open on 3 January.", "2025-01-03"),
        ("The delegation will travel to Rome in March.", "2025-03"),
        ("The talks resume next Monday.", "2024-12-30"),
    ],
)
def test_future_tense_looks_forward(gazetteer, text, date):
    assert only(text, gazetteer)["date"] == date


def test_would_leaves_a_weekday_on_either_side_of_publication(gazetteer):
    c = only("The envoy said he would travel to the capital on Friday.", gazetteer)
    assert (c["date"], c["ambiguous"], c["readings"]) == (
        "2024-12-20/2024-12-27",
        True,
        ["2024-12-20", "2024-12-27"],
    )


def test_a_stated_date_after_publication_is_a_plan_not_an_error(gazetteer):
    c = only("The mandate was extended until 31 March 2025.", gazetteer)
    assert (c["date"], c["relation"], c["confidence"]) == ("2025-03-31", "until", "medium")


def test_the_nearest_verb_decides_the_tense(gazetteer):
    # "said" sits next to the date, "will" belongs to the reported speech.
    c = only("The ministry said Monday that it will retaliate.", gazetteer)
    assert c["date"] == "2024-12-23"


def test_the_tense_is_read_in_the_clause_of_the_date(gazetteer):
    text = (
        "The minister said on Sunday that her government will meet the rebels in Geneva "
        "on 14 January, the first talks since the truce collapsed."
    )
    assert [c["date"] for c in candidates(text, gazetteer)] == ["2024-12-22", "2025-01-14"]


@pytest.mark.parametrize(
    "published, text, date",
    [
        ("2024-12-24", "Protests spread over the weekend.", "2024-12-21/2024-12-22"),
        (
            "2024-12-21",
            "Protests spread over the weekend.",
            "2024-12-14/2024-12-21",
        ),  # said on a Saturday: this one or the last
        ("2024-12-24", "Protests spread last weekend.", "2024-12-21/2024-12-22"),
        ("2024-12-24", "Protests will spread over the weekend.", "2024-12-28/2024-12-29"),
        (
            "2024-12-24",
            "Protests will spread next weekend.",
            "2024-12-28/2025-01-05",
        ),  # the coming one or the one after
    ],
)
def test_weekends(gazetteer, published, text, date):
    assert only(text, gazetteer, published)["date"] == date


def test_vague_spans_reach_back_with_low_confidence(gazetteer):
    c = only("In recent weeks the rebels have lost ground.", gazetteer)
    assert (c["date_end"], c["confidence"], c["date_start"] < "2024-11-01") == (
        "2024-12-24",
        "low",
        True,
    )
    m = read_date_phrase("over the past three years", TUESDAY)
    assert (str(m.range.start), str(m.range.end), m.confidence) == (
        "2021-12-24",
        "2024-12-24",
        "low",
    )


@pytest.mark.parametrize(
    "text",
    [
        "Over the past three years the rebels have lost ground.",
        "Ortiz was jailed nearly two decades ago.",
        "Ortiz was freed several years later.",
    ],
)
def test_spans_of_years_too_vague_to_date_an_event_are_read_but_not_proposed(gazetteer, text):
    assert candidates(text, gazetteer) == []


@pytest.mark.parametrize(
    "published, text, date, start, end",
    [
        (
            "2024-12-24",
            "The envoys met after 2019, officials said.",
            "2020/2024-12-24",
            "2020-01-01",
            "2024-12-24",
        ),
        (
            "2024-12-24",
            "The envoys met after March 2020.",
            "2020-04/2024-12-24",
            "2020-04-01",
            "2024-12-24",
        ),
        (
            "2024-12-24",
            "The envoys met after 5 May 2020.",
            "2020-05-06/2024-12-24",
            "2020-05-06",
            "2024-12-24",
        ),
        ("2024-12", "The envoys met after 2019.", "2020/2024-12", "2020-01-01", "2024-12-31"),
    ],
)
def test_after_a_date_is_a_span_from_the_next_unit_to_publication(
    gazetteer, published, text, date, start, end
):
    c = only(text, gazetteer, published)
    assert (when(c), c["relation"], c["confidence"]) == ((date, start, end), "after", "low")
    assert any("only a lower bound" in n for n in c["notes"])


def test_before_a_date_is_flagged_as_a_bound_not_the_date(gazetteer):
    c = only("The envoys met before 2021, officials said.", gazetteer)
    assert (c["date"], c["relation"], c["confidence"]) == ("2021", "before", "low")
    assert any("only an upper bound" in n and "not the event's date" in n for n in c["notes"])


def test_a_bound_that_dates_a_named_event_stays_that_events_date(gazetteer):
    c = only("Kabul saw protests after the 7 October 2023 Hamas attack.", gazetteer)
    assert (c["date"], c["date_basis"], c["notes"]) == ("2023-10-07", "stated", [])
    assert c["confidence"] != "low"
    c = only("The talks collapsed after the 2020 Doha Agreement.", gazetteer)
    assert (c["date"], c["notes"]) == ("2020", [])
    assert c["confidence"] != "low"


def test_relative_phrase_without_a_date_for_its_event_is_anchored_to_publication(gazetteer):
    c = only("The raid came two days after militants attacked a checkpoint.", gazetteer)
    assert (c["date"], c["anchor"], c["readings"], c["confidence"]) == (
        "2024-12-22",
        "publication",
        ["2024-12-26", "2024-12-22"],
        "low",
    )
    assert any("after publication" in n for n in c["notes"])


def test_relative_phrase_with_a_dated_event_is_anchored_to_it(gazetteer):
    found = candidates("Protesters gathered one week after the 5 March 2023 bombing.", gazetteer)
    assert [(c["date_text"], c["date"], c["date_basis"]) for c in found] == [
        ("one week after the 5 March 2023", "2023-03-12", "resolved"),
        ("the 5 March 2023", "2023-03-05", "stated"),
    ]


def test_relative_phrase_beside_the_main_clause_date_dates_the_other_event(gazetteer):
    found = candidates(
        "In 2016, three years after the ceasefire collapsed, the rebels regrouped.", gazetteer
    )
    assert [(c["date_text"], c["date"]) for c in found] == [
        ("In 2016", "2016"),
        ("three years after", "2013"),
    ]


def test_days_before_without_a_number_is_a_wide_low_confidence_range(gazetteer):
    found = candidates("On 9 May 2022, just days before the vote, the envoy resigned.", gazetteer)
    vague = next(c for c in found if c["date_text"] == "just days before")
    assert (vague["date_start"], vague["date_end"], vague["confidence"]) == (
        "2022-05-11",
        "2022-05-22",
        "low",
    )


def test_a_fuzzy_publication_date_keeps_results_as_wide_as_it(gazetteer):
    c = only("The envoy arrived on Sunday.", gazetteer, published="2024-12")
    assert (c["date"], c["date_start"], c["date_end"]) == (
        "2024-12-01/2024-12-29",
        "2024-12-01",
        "2024-12-29",
    )
    c = only("The envoy arrived today (Monday).", gazetteer, published="2024-12-20/2024-12-31")
    assert (c["date_start"], c["date_end"]) == ("2024-12-23", "2024-12-30")
    c = only("The envoy arrived on Sunday.", gazetteer, published="2024-12-24?")
    assert c["date"] == "2024-12-22?"


# --- dates: the story's own time line --------------------------------------------------------


def test_later_and_that_month_follow_the_story(gazetteer):
    text = (
        "A cable was sent in November 2009. It warned of trouble. "
        "Two months later, a second cable agreed."
    )
    found = candidates(text, gazetteer)
    assert [(c["date_text"], c["date"], c["anchor"]) for c in found] == [
        ("in November 2009", "2009-11", None),
        ("Two months later", "2010-01", "'in November 2009' (earlier in the paragraph)"),
    ]


@pytest.mark.parametrize(
    "text, date",
    [
        ("In 2019 the front collapsed. The following year, the rebels returned.", "2020"),
        ("In 2019 the front collapsed. The rebels returned in March of the same year.", "2019-03"),
        (
            "The truce began in May 2018. "
            "By February of the previous year, talks had already failed.",
            "2017-02",
        ),
        ("The envoys met in 2015. They met again that month in Rome.", "2015"),
    ],
)
def test_anaphoric_phrases_read_against_the_latest_date(gazetteer, text, date):
    assert candidates(text, gazetteer)[-1]["date"] == date


def test_yearless_date_in_a_narrative_of_an_older_year_takes_the_story_year(gazetteer):
    text = (
        "In 2015 the rebels took the town. Government troops were sent north. "
        "The two sides traded the town three times during the second week of June."
    )
    c = candidates(text, gazetteer)[-1]
    assert (c["date"], c["ambiguous"], c["readings"]) == (
        "2015-06-08/2015-06-14",
        True,
        ["2015-06-08/2015-06-14", "2024-06-03/2024-06-14"],
    )


def test_an_old_date_in_a_sentence_about_the_present_does_not_set_the_story_year(gazetteer):
    text = (
        "The minister said on Sunday that talks will resume, "
        "the first since the truce collapsed in 2019. "
        "The rebels had seized the dam in early November."
    )
    assert candidates(text, gazetteer)[-1]["date"] == "2024-11"


def test_commentary_in_the_present_tense_breaks_the_story_thread(gazetteer):
    text = (
        "In 2015 the rebels took the town. Some analysts are more cautious today. "
        "A second offensive came in early June."
    )
    assert candidates(text, gazetteer)[-1]["date"] == "2024-06"


def test_a_repeated_day_reuses_the_year_given_earlier(gazetteer):
    text = (
        "The 5 March 2023 bombing shocked the city. Nobody was ever charged for the 5 March attack."
    )
    assert [c["date"] for c in candidates(text, gazetteer)] == ["2023-03-05", "2023-03-05"]


# --- dates: things that are not dates --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The company employs 2000 people in the capital.",
        "Between 200 and 300 people lost their lives.",
        "© 2024 The Daily Example. All rights reserved.",
        "She may visit the capital, and march with the crowd.",
        "The report appeared in India Today and other magazines.",
        "The 2,600-kilometer border is closed.",
        "The temple was built 3,000 years ago.",
        "The temple was built hundreds of years ago.",
    ],
)
def test_numbers_and_words_that_are_not_dates(gazetteer, text):
    assert candidates(text, gazetteer) == []


def test_a_year_after_the_needs_an_event_noun_or_a_name(gazetteer):
    assert [
        c["date"]
        for c in candidates("He signed the 2020 Doha Agreement and the 2019 budget.", gazetteer)
    ] == ["2020", "2019"]


def test_find_mentions_prefers_the_longest_expression():
    assert [m.text for m in find_mentions("Talks ended on Sunday, December 22, 2024 in Doha.")] == [
        "on Sunday, December 22, 2024"
    ]


# --- actors ----------------------------------------------------------------------------------


def actor_ids(c: dict) -> list[str]:
    return [a["id"] for a in c["actors"]]


def test_actors_match_longest_name_first_and_ignore_case_and_accents(gazetteer):
    c = only("Samir Karim Haddad met JOSE NUNEZ in Valdoria on 3 May 2024.", gazetteer)
    assert (actor_ids(c), c["ambiguous_actors"]) == (
        ["samir-karim-haddad", "jose-nunez", "valdoria"],
        [],
    )


def test_a_shared_surname_is_ambiguous_without_context(gazetteer):
    c = only("Haddad arrived in Rome on 3 May 2024.", gazetteer)
    assert c["ambiguous_actors"] == [
        {
            "text": "Haddad",
            "chosen": "karim-haddad",
            "candidates": [
                {"id": "karim-haddad", "name": "Karim Haddad"},
                {"id": "samir-karim-haddad", "name": "Samir Karim Haddad"},
            ],
        }
    ]


def test_an_earlier_full_name_settles_a_shared_surname(gazetteer):
    text = "Samir Karim Haddad landed in Rome. Haddad met officials on 3 May 2024."
    c = only(text, gazetteer)
    assert (actor_ids(c), c["ambiguous_actors"]) == (["samir-karim-haddad"], [])


def test_a_bare_surname_that_is_no_alias_needs_a_title_or_an_earlier_full_name(gazetteer):
    assert actor_ids(only("Ortega spoke on 3 May 2024.", gazetteer)) == []
    assert actor_ids(only("Mr. Ortega spoke on 3 May 2024.", gazetteer)) == ["ortega"]
    assert actor_ids(only("Tomas Ortega arrived. Ortega spoke on 3 May 2024.", gazetteer)) == [
        "ortega"
    ]


def test_a_surname_inside_someone_elses_name_is_not_the_actor(gazetteer):
    c = only("Rafael Ortiz Gomez spoke on 3 May 2024.", gazetteer)
    assert actor_ids(c) == []


def test_acronyms_match_in_capitals_only(gazetteer):
    assert actor_ids(only("They told us about it on 3 May 2024.", gazetteer)) == []
    assert actor_ids(only("The US and the U.S. Navy met the NLF on 3 May 2024.", gazetteer)) == [
        "united-states",
        "nlf",
    ]


def test_country_adjectives_name_known_states(gazetteer):
    assert actor_ids(only("French diplomats left on 3 May 2024.", gazetteer)) == ["france"]


def test_unknown_capitalised_names_are_suggested_as_new_actors(gazetteer):
    text = (
        "On 3 May 2024, Maria Gonzalez of the Eastern Shield Brigade met Lena Ortiz in Rome. "
        "The Eastern Shield Brigade denied it on Monday."
    )
    assert extract(text, TUESDAY, gazetteer).new_actors == [
        ("Eastern Shield Brigade", 2),
        ("Maria Gonzalez", 1),
    ]
    assert extract("NEW YORK (Wire) — Talks ended on Monday.", TUESDAY, gazetteer).new_actors == []


# --- type, status, roles ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "verb, etype",
    [
        ("phoned", "phone-call"),
        ("called", "phone-call"),
        ("met", "meeting"),
        ("held talks with", "talks"),
        ("visited", "visit"),
        ("will travel to Rome with", "visit"),
        ("attended a summit with", "conference"),
        ("attended the funeral of", "ceremony"),
        ("condemned", "condemnation"),
        ("denied any contact with", "denial"),
        ("signed an agreement with", "agreement"),
        ("accused", "accusation"),
        ("praised", "praise"),
        ("assassinated", "assassination"),
        ("wrote to", "statement"),
    ],
)
def test_type_from_cue_words(gazetteer, verb, etype):
    assert only(f"On 3 May 2024, Lena Ortiz {verb} Karim Haddad.", gazetteer)["type"] == etype


@pytest.mark.parametrize(
    "sentence, etype",
    [
        ("On 3 May 2024 jets of the Northern Liberation Front bombed a depot.", "airstrike"),
        ("On 3 May 2024 gunmen stormed a police post.", "attack"),
        ("On 3 May 2024 Valdoria reopened its embassy in Rome.", "embassy-opening"),
        ("On 3 May 2024 Valdoria evacuated its diplomats from Rome.", "embassy-closure"),
        ("On 3 May 2024 the United States vetoed the resolution.", "veto"),
        ("On 3 May 2024 Lena Ortiz called Valdoria a rogue state.", "statement"),
        ("On 3 May 2024 Lena Ortiz called on Valdoria to withdraw.", "appeal"),
        ("Karim Haddad was killed on 3 May 2024.", "assassination"),
        ("Twelve soldiers were killed on 3 May 2024.", "attack"),
    ],
)
def test_type_from_event_words(gazetteer, sentence, etype):
    assert only(sentence, gazetteer)["type"] == etype


@pytest.mark.parametrize(
    "sentence, status",
    [
        ("Lena Ortiz reportedly met Karim Haddad on 3 May 2024.", "reported"),
        ("According to state media, Lena Ortiz met Karim Haddad on 3 May 2024.", "reported"),
        ("The NLF claimed it shot down a drone on 3 May 2024.", "claimed"),
        ("Lena Ortiz denied meeting Karim Haddad on 3 May 2024.", "denied"),
        ("The claim, made on 3 May 2024, could not be independently verified.", "unverified"),
        ("The figures for 3 May 2024 are disputed.", "disputed"),
        ("Lena Ortiz met Karim Haddad on 3 May 2024.", "reported"),
    ],
)
def test_status_from_hedges(gazetteer, sentence, status):
    assert only(sentence, gazetteer)["status"] == status


def test_a_phrase_dating_the_other_event_takes_that_events_type(gazetteer):
    c = only("The talks came two days after NLF fighters stormed a police post.", gazetteer)
    assert (c["type"], c["type_cue"]) == ("attack", "stormed")


def test_roles_follow_the_cue(gazetteer):
    assert only("On 3 May 2024 Lena Ortiz phoned Karim Haddad.", gazetteer)["roles"] == {
        "lena-ortiz": "initiator",
        "karim-haddad": "recipient",
    }
    c = only("On 3 May 2024 Valdoria hosted a meeting with French envoys.", gazetteer)
    assert (c["type"], c["roles"]) == ("meeting", {"valdoria": "host", "france": "visitor"})


# --- output and CLI --------------------------------------------------------------------------

ARTICLE = (
    "Valdoria accuses rebels of border raid\n\n"
    "Officials in Valdoria said Tuesday that NLF fighters stormed a border post "
    "late last night (Monday).\n"
    "The raid came two days after Lena Ortiz phoned Karim Haddad, according to state media.\n"
    "In early October 2021, French envoys met Ortiz in Paris. "
    "Tomas Quinlan of the Harbour Group said so.\n"
)


@pytest.fixture
def data_folder(tmp_path: Path) -> Path:
    return write_data(tmp_path / "data", actors=ACTORS, events=[])


def test_cli_json_is_a_list_of_candidates_with_the_contract_fields(data_folder):
    result = CliRunner().invoke(
        cli,
        ["extract", "-", "--published", TUESDAY, "--format", "json", "--data", str(data_folder)],
        input=ARTICLE,
    )
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert isinstance(found, list) and found
    for c in found:
        assert {"date", "date_text", "date_start", "date_end", "sentence", "actors", "type"} <= set(
            c
        )
    assert [(c["date_text"], c["date"]) for c in found] == [
        ("Tuesday", "2024-12-24"),
        ("late last night (Monday)", "2024-12-23"),
        ("two days after", "2024-12-22"),
        ("In early October 2021", "2021-10"),
    ]
    assert found[1]["actors"] == [
        {"id": "valdoria", "name": "Valdoria"},
        {"id": "nlf", "name": "Northern Liberation Front"},
    ]
    assert "Tomas Quinlan (1)" in result.stderr and "Harbour Group (1)" in result.stderr


def test_cli_rejects_a_bad_publication_date(data_folder):
    result = CliRunner().invoke(
        cli, ["extract", "-", "--published", "24/12/2024", "--data", str(data_folder)], input="x"
    )
    assert result.exit_code == 2 and "--published" in result.output


def test_cli_reads_utf8_without_its_byte_order_mark_and_names_other_encodings(
    data_folder, tmp_path
):
    article = tmp_path / "article.txt"
    article.write_bytes("\ufeffIn early October 2021, Haniyeh called Muttaqi.".encode())
    result = CliRunner().invoke(
        cli,
        [
            "extract",
            str(article),
            "--published",
            TUESDAY,
            "--format",
            "json",
            "--data",
            str(data_folder),
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        json.loads(result.stdout)[0]["sentence"] == "In early October 2021, Haniyeh called Muttaqi."
    )
    article.write_bytes("Caf\u00e9 talks on 3 May 2021.".encode("latin-1"))
    result = CliRunner().invoke(
        cli, ["extract", str(article), "--published", TUESDAY, "--data", str(data_folder)]
    )
    assert result.exit_code == 2
    assert "not UTF-8 text (byte 0xE9)" in result.output and "Traceback" not in result.output


def test_cli_requires_a_publication_date(data_folder):
    result = CliRunner().invoke(cli, ["extract", "-", "--data", str(data_folder)], input="x")
    assert result.exit_code == 2 and "--published" in result.output


def test_cli_yaml_stubs_load_and_pass_chrono_build(data_folder, tmp_path):
    result = CliRunner().invoke(
        cli,
        [
            "extract",
            "-",
            "--published",
            TUESDAY,
            "--data",
            str(data_folder),
            "--source",
            "wire-2024-12-24",
        ],
        input=ARTICLE,
    )
    assert result.exit_code == 0, result.output
    stubs = yaml.safe_load(result.stdout)
    assert [s["date"] for s in stubs] == ["2024-12-24", "2024-12-23", "2024-12-22", "2021-10"]
    assert stubs[3]["qualifier"] == "early" and stubs[2]["date_anchor"] == TUESDAY
    assert "#   Tomas Quinlan (1)" in result.stdout
    (data_folder / "events.yml").write_text(result.stdout, encoding="utf-8")
    report = build(data_folder, tmp_path / "out.db")
    assert report.counts["events"] == 4


def test_yaml_stubs_from_every_seed_article_pass_chrono_build(tmp_path):
    gazetteer, _ = Gazetteer.load(DATA)
    stubs = []
    for article in seed_articles():
        out = to_yaml(
            extract(article.text, article.source["published"], gazetteer),
            article.source["id"],
            "seed",
            article.source["published"],
        )
        stubs += yaml.safe_load(out) or []
    seen: dict[str, int] = {}
    for (
        stub
    ) in stubs:  # stubs of different articles may share an id: number them as a curator would
        seen[stub["id"]] = seen.get(stub["id"], 0) + 1
        if seen[stub["id"]] > 1:
            stub["id"] += f"-{seen[stub['id']]}"
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("sources.yml", "actors.yml"):
        (folder / name).write_text((DATA / name).read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "events.yml").write_text(
        yaml.safe_dump(stubs, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    report = build(folder, tmp_path / "seeds.db")
    assert report.counts["events"] == len(stubs) > 100


# --- measured against the curated seeds ------------------------------------------------------


def test_recall_and_precision_on_the_seed_articles():
    """Recall: curated events (per citing source) that some candidate matches; a candidate matches
    when its days cover the event's (or lie within them at the same precision) and it names one
    of the event's actors. Precision: candidates that match some curated event of their source."""
    scores = score()
    print("\n" + table(scores))
    out = Path(tempfile.gettempdir()) / "chrono-extract-seed-scores.json"
    out.write_text(json.dumps(scores, indent=2), encoding="utf-8")
    print(f"written to {out}")
    assert scores["total"]["recall"] >= 0.90


# --- the documentation shows real output --------------------------------------------------------


def _extract_docs() -> str:
    """The extract section, wherever it lives (docs/extract.md, or README.md once merged)."""
    root = Path(__file__).resolve().parent.parent
    for path in (root / "docs" / "extract.md", root / "README.md"):
        if path.exists() and "`talks.txt` (an invented article)" in (
            text := path.read_text(encoding="utf-8")
        ):
            return text
    raise AssertionError("the `chrono extract` documentation is missing")


def test_docs_example_output_is_real():
    docs = _extract_docs()
    article = docs.split("`talks.txt` (an invented article):\n\n```\n")[1].split("```")[0]
    gazetteer, _ = Gazetteer.load(DATA)
    found = json.loads(to_json(extract(article, "2024-12-24", gazetteer)))  # as the CLI prints it
    keys = ("date", "qualifier", "date_text", "date_start", "date_end", "type", "status")
    shown = [json.loads(line) for line in docs.splitlines() if line.startswith('{"date":"')]
    assert shown == [
        {
            **{k: c[k] for k in keys},
            "actors": [a["id"] for a in c["actors"]],
            "confidence": c["confidence"],
        }
        for c in found
    ]
    assert json.loads(docs.split("```json\n")[1].split("```")[0]) == found[1]


def test_docs_figures_are_the_measured_ones():
    assert table(score()) in _extract_docs()


def test_a_cue_word_far_from_the_date_does_not_type_its_event(gazetteer):
    filler = " and then some more words" * 20  # about 500 characters, no cue word
    near = only("Haniyeh met Muttaqi, officials said, on 4 August 2021.", gazetteer)
    far = only(f"Haniyeh met Muttaqi{filler}, officials said, on 4 August 2021.", gazetteer)
    assert (near["type"], far["type"]) == ("meeting", "statement")


# --- tense, spans and false candidates on unseen news -------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        # an irregular past tense keeps the weekday in the past
        (
            "Officials held talks in Lisbon on Wednesday, and the envoy will return next month.",
            "2024-12-18",
        ),
        ("The ministers met on Friday, before the envoy will fly home.", "2024-12-20"),
    ],
)
def test_an_irregular_past_tense_keeps_a_weekday_in_the_past(gazetteer, text, expected):
    assert candidates(text, gazetteer)[0]["date"] == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Ortiz will visit Lisbon later this week.",
            ("2024-12-24/2024-12-29", "2024-12-24", "2024-12-29"),
        ),
        (
            "Ortiz will visit Lisbon later this month.",
            ("2024-12-24/2024-12-31", "2024-12-24", "2024-12-31"),
        ),
        ("Ortiz visited Lisbon this month.", ("2024-12-01/2024-12-24", "2024-12-01", "2024-12-24")),
        ("Ortiz will visit Lisbon this month.", ("2024-12", "2024-12-01", "2024-12-31")),
    ],
)
def test_later_and_the_past_tense_bound_this_week_and_this_month(gazetteer, text, expected):
    assert when(only(text, gazetteer)) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The 1996 accord still binds both sides.", "1996"),
        ("Valdoria's 2022 invasion was condemned.", "2022"),
    ],
)
def test_a_year_modifying_an_event_noun_dates_it(gazetteer, text, expected):
    assert only(text, gazetteer)["date"] == expected


def test_a_headlines_infinitive_is_its_future(gazetteer):
    c = candidates(
        "Ortiz to visit Lisbon on Friday\n\nThe visit was announced by her office.", gazetteer
    )[0]
    assert when(c) == ("2024-12-27", "2024-12-27", "2024-12-27")


def test_a_dateline_is_not_an_event(gazetteer):
    found = candidates(
        "LISBON, December 23. /Wire/.\n\nOrtiz met Haddad in Lisbon on Monday.", gazetteer
    )
    assert [c["date_text"] for c in found] == ["on Monday"]


@pytest.mark.parametrize(
    "line",
    [
        "December 23, 2024",
        "Updated: 23 December 2024",
        "Photo: Valdoria's foreign ministry, 23 December 2024",
    ],
)
def test_a_time_stamp_or_a_caption_is_not_an_event(gazetteer, line):
    found = candidates(f"Ortiz met Haddad in Lisbon on Monday.\n\n{line}", gazetteer)
    assert [c["date_text"] for c in found] == ["on Monday"]


@pytest.mark.parametrize(
    "text",
    [
        "Ortiz and Haddad agreed to meet again, the ministry said Thursday.",
        "The spokesman confirmed the date of the visit during his weekly press briefing on Friday.",
    ],
)
def test_a_date_that_only_says_when_something_was_said_is_not_an_event(gazetteer, text):
    assert candidates(text, gazetteer) == []


def test_a_date_inside_a_quotation_is_read_against_the_quotations_own_date(gazetteer):
    found = candidates(
        "In a post on 3 May 2023, Ortiz wrote: “We met Haddad yesterday in Lisbon.”", gazetteer
    )
    quoted = next(c for c in found if c["date_text"] == "yesterday")
    assert (quoted["date"], quoted["date_anchor"]) == ("2023-05-02", "2023-05-03")


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Ortiz visited Lisbon for four days through Wednesday.",
            ("2024-12-15/2024-12-18", "2024-12-15", "2024-12-18"),
        ),
        (
            "Ortiz began a three-day visit to Lisbon from Friday last.",
            ("2024-12-20/2024-12-22", "2024-12-20", "2024-12-22"),
        ),
    ],
)
def test_a_counted_span_ending_or_starting_on_a_weekday(gazetteer, text, expected):
    assert when(only(text, gazetteer)) == expected


def test_during_the_visit_takes_the_visits_date(gazetteer):
    found = candidates(
        "Ortiz arrived in Lisbon on 3 May 2023. During the two-day visit, she met Haddad.",
        gazetteer,
    )
    assert [(c["date_text"], c["date"]) for c in found] == [
        ("on 3 May 2023", "2023-05-03"),
        ("During the two-day visit", "2023-05-03"),
    ]


def test_would_be_held_looks_forward(gazetteer):
    c = only("Haddad said the talks would be held in Lisbon on 29 December.", gazetteer)
    assert c["date"] == "2024-12-29"


def test_the_period_of_a_record_is_not_an_event_date(gazetteer):
    found = candidates(
        "In the deadliest attack this year, the NLF stormed a base on Monday.", gazetteer
    )
    assert [c["date_text"] for c in found] == ["on Monday"]


def test_a_hedged_count_keeps_its_spread(gazetteer):
    m = read_date_phrase("nearly two decades ago", TUESDAY)
    assert (m.edtf, str(m.range.start), str(m.range.end), m.confidence) == (
        "2004/2008",
        "2004-01-01",
        "2008-12-31",
        "low",
    )


def test_a_relational_phrase_whose_object_is_a_dated_clause_counts_from_it(gazetteer):
    found = candidates(
        "Valdoria reopened its embassy four years after France shut it in 2019.", gazetteer
    )
    assert [(c["date_text"], c["date"]) for c in found] == [
        ("four years after France shut it in 2019", "2023"),
        ("in 2019", "2019"),
    ]


def test_a_leading_date_of_a_saying_dates_a_statement(gazetteer):
    c = only(
        "On Monday, a spokesman for Ortiz said on Twitter that talks with Haddad went well.",
        gazetteer,
    )
    assert c["date"] == "2024-12-23"


def test_after_the_named_event_counts_from_the_storys_last_date(gazetteer):
    found = candidates(
        "The NLF stormed a base on 20 December 2024. "
        "Two days after the attack, Valdoria protested.",
        gazetteer,
    )
    assert [(c["date_text"], c["date"]) for c in found] == [
        ("on 20 December 2024", "2024-12-20"),
        ("Two days after", "2024-12-22"),
    ]


def test_hours_after_the_attack_is_its_day_however_far_back_the_story_dated_it(gazetteer):
    text = (
        "The NLF stormed a base on Sunday.\n\n"
        "Six soldiers were wounded. The base was closed. Roads were shut. "
        "Schools stayed open.\n\nHours after the attack, Valdoria summoned the NLF's envoy."
    )
    c = candidates(text, gazetteer)[-1]
    assert (c["date_text"], c["date"]) == ("Hours after", "2024-12-22")
    assert "same day" in " ".join(c["notes"])


def test_a_leading_date_on_a_report_of_the_talks_is_not_an_event(gazetteer):
    text = (
        "On Wednesday, a spokesman for Ortiz said on Twitter "
        "that Haddad raised the border in the talks."
    )
    assert candidates(text, gazetteer) == []


def test_years_counted_to_the_present_restate_it_and_are_not_proposed(gazetteer):
    text = (
        "The reopening, six years after France shut its embassy in 2018, marks a turn for Valdoria."
    )
    assert [(c["date_text"], c["date"]) for c in candidates(text, gazetteer)] == [
        ("in 2018", "2018")
    ]


def test_by_a_date_after_a_story_date_spans_from_that_date(gazetteer):
    text = (
        "In August 2021, Valdoria evacuated its diplomats. "
        "However, by November of the same year, it returned."
    )
    c = candidates(text, gazetteer)[-1]
    assert (when(c), c["date_basis"]) == (
        ("2021-08/2021-11", "2021-08-01", "2021-11-30"),
        "inferred",
    )


def test_an_undated_headline_over_a_text_dating_nothing_recent_is_the_publications_news(gazetteer):
    text = (
        "Ortiz's reported offer angers many, while Haddad denies it\n\n"
        "Ortiz has reportedly made the offer, her first since 2019."
    )
    c = candidates(text, gazetteer, "2024-12-20/2024-12-24")[0]
    assert (when(c), c["date_basis"], c["confidence"]) == (
        ("2024-12-20/2024-12-24", "2024-12-20", "2024-12-24"),
        "inferred",
        "low",
    )
    assert [a["id"] for a in c["actors"]] == ["lena-ortiz", "karim-haddad"]
    dated = (
        "Ortiz's reported offer angers many\n\n"
        "Ortiz made the offer in early November, her first since 2019."
    )
    assert [c["date_text"] for c in candidates(dated, gazetteer)] == [
        "in early November",
        "since 2019",
    ]
    no_event = "Ortiz and Haddad keep in touch\n\nThey first met in 2019."
    assert [c["date_text"] for c in candidates(no_event, gazetteer)] == ["in 2019"]


@pytest.mark.parametrize(
    "text, roles",
    [
        (
            "The NLF attacked Valdoria's border post. The attack came on Monday, a day of rain.",
            {"nlf": "attacker", "valdoria": "target"},
        ),
        (
            "Ortiz called Haddad about the border. This telephone call took place on Monday.",
            {"lena-ortiz": "initiator", "karim-haddad": "recipient"},
        ),
        (
            "Ortiz welcomed Haddad in Geneva. The talks were held on Monday.",
            {"lena-ortiz": "participant", "karim-haddad": "participant"},
        ),
    ],
)
def test_actors_carried_from_another_sentence_take_the_roles_their_mention_implies(
    gazetteer, text, roles
):
    c = candidates(text, gazetteer)[-1]
    assert c["roles"] == roles
    assert any("earlier sentence" in n for n in c["notes"])


def test_the_group_takes_the_role_of_where_it_stands(gazetteer):
    c = only("The NLF is based in the hills. On Monday the group attacked Valdoria.", gazetteer)
    assert c["roles"] == {"nlf": "attacker", "valdoria": "target"}
