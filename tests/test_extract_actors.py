"""`chrono extract` finds actors beyond their exact names: by office through dated roles, a state
as its government of the day, spellings the gazetteer lacks, and across sentences. Invented
actors and sentences, one per rule."""

from __future__ import annotations

import msgspec
import pytest

from chrono.extract import Gazetteer, extract
from chrono.extract.actors import transliteration_key
from chrono.models import Actor

PUBLISHED = "2024-12-24"  # a Tuesday

ACTORS = [
    {"id": "valdoria", "name": "Valdoria", "kind": "state", "aliases": []},
    {
        "id": "old-regime",
        "name": "Valdorian Republic",
        "kind": "government",
        "aliases": ["Republic government"],
        "memberships": [{"organization": "valdoria", "role": "government", "end": "2021-08-15"}],
    },
    {
        "id": "council",
        "name": "Valdorian Council",
        "kind": "government",
        "aliases": ["the Council"],
        "memberships": [{"organization": "valdoria", "role": "government", "start": "2021-08-15"}],
    },
    {
        "id": "council-foreign-ministry",
        "name": "Council Foreign Ministry",
        "kind": "government-body",
        "aliases": [],
        "memberships": [
            {
                "organization": "council",
                "role": "Ministry of Foreign Affairs",
                "start": "2021-08-15",
            }
        ],
    },
    {
        "id": "ramos",
        "name": "Iker Ramos",
        "kind": "person",
        "aliases": ["Ramos"],
        "memberships": [
            {
                "organization": "council",
                "role": "acting Foreign Minister",
                "start": "2021-09",
                "end": "2023-06",
            }
        ],
    },
    {
        "id": "talavera",
        "name": "Nuno Talavera",
        "kind": "person",
        "aliases": ["Talavera"],
        "memberships": [
            {"organization": "council", "role": "Foreign Minister", "start": "2023-07"}
        ],
    },
    {"id": "ostland", "name": "Ostland", "kind": "state", "aliases": []},
    {"id": "haniyeh", "name": "Yusuf Haniyeh", "kind": "person", "aliases": ["Haniyeh"]},
    {"id": "muttaqi", "name": "Karim Khan Muttaqi", "kind": "person", "aliases": ["Muttaqi"]},
    {"id": "hassan", "name": "Omar Hassan", "kind": "person", "aliases": ["Hassan"]},
    {"id": "hassin", "name": "Ali Hassin", "kind": "person", "aliases": ["Hassin"]},
    {"id": "front", "name": "Eastern Front", "kind": "armed-group", "aliases": []},
    {"id": "massoud", "name": "Dara Massoud", "kind": "person", "aliases": ["Massoud"]},
    {"id": "senate-panel", "name": "Senate Panel", "kind": "government-body", "aliases": []},
    {"id": "pakistan", "name": "Pakistan", "kind": "state", "aliases": []},
    {
        "id": "rana",
        "name": "Rana Invented",
        "kind": "person",
        "aliases": [],
        "memberships": [
            {"organization": "pakistan", "role": "special envoy for Valdoria", "start": "2022"}
        ],
    },
]


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer(msgspec.convert(a, Actor) for a in ACTORS)


def found(text: str, gazetteer: Gazetteer, published: str = PUBLISHED) -> list[dict]:
    return [c.to_json() for c in extract(text, published, gazetteer).candidates]


def ids(candidate: dict) -> list[str]:
    return [a["id"] for a in candidate["actors"]]


# --- offices and governments, on the event's date -------------------------------------------------


@pytest.mark.parametrize(
    "text, holder",
    [
        ("The Valdorian foreign minister met envoys in Geneva on 4 May 2022.", "ramos"),
        ("The Valdorian foreign minister met envoys in Geneva on 4 May 2024.", "talavera"),
    ],
)
def test_an_office_is_read_as_whoever_held_it_on_the_date(gazetteer, text, holder):
    (c,) = found(text, gazetteer)
    assert holder in ids(c)
    assert any("foreign minister" in note and "read as" in note for note in c["notes"])


def test_an_acting_office_after_a_possessive_is_the_same_office(gazetteer):
    (c,) = found("Valdoria's acting foreign minister phoned Ostland on 4 May 2022.", gazetteer)
    assert "ramos" in ids(c)


@pytest.mark.parametrize(
    "text, holder",
    [
        ("Islamabad's special representative arrived in Valdoria on 4 May 2024.", "rana"),
        ("Valdoria's top diplomat arrived in Ostland on 4 May 2024.", "talavera"),
    ],
)
def test_a_capital_or_another_name_of_the_office_names_the_holder(gazetteer, text, holder):
    (c,) = found(text, gazetteer)
    assert holder in ids(c)


def test_a_counterpart_holds_the_same_office_as_the_other_title(gazetteer):
    (c,) = found(
        "The Ostland FM received a call from his Valdorian counterpart on 4 May 2024.", gazetteer
    )
    assert "talavera" in ids(c)


def test_an_office_nobody_held_on_the_date_names_nobody(gazetteer):
    (c,) = found("The Valdorian foreign minister met envoys in Geneva on 4 May 2021.", gazetteer)
    assert "ramos" not in ids(c) and "talavera" not in ids(c)


@pytest.mark.parametrize(
    "text, government",
    [
        ("The Valdorian government protested on 2 March 2019.", "old-regime"),
        ("The Valdorian government protested on 2 March 2023.", "council"),
    ],
)
def test_a_state_is_read_as_its_government_on_the_date(gazetteer, text, government):
    (c,) = found(text, gazetteer)
    assert ids(c) == ["valdoria", government]
    assert any("its government on" in note for note in c["notes"])


# --- spellings the gazetteer does not list --------------------------------------------------------


@pytest.mark.parametrize(
    "spelling, actor",
    [
        ("Hanieh", "haniyeh"),
        ("Haniya", "haniyeh"),
        ("Mottaki", "muttaqi"),
        ("Muttaki", "muttaqi"),
    ],
)
def test_transliterated_names_match_and_are_marked_fuzzy(gazetteer, spelling, actor):
    (c,) = found(f"{spelling} arrived in Geneva on 4 May 2024.", gazetteer)
    assert c["actors"] == [{"id": actor, "name": gazetteer.actors[actor].name, "fuzzy": True}]
    assert any(f"{spelling!r} matched" in note and "fuzzy" in note for note in c["notes"])


def test_a_hyphenated_full_name_is_the_actor(gazetteer):
    (c,) = found("On 4 May 2024 the envoy Karim-Khan Muttaqi arrived in Geneva.", gazetteer)
    assert ids(c) == ["muttaqi"] and c["actors"][0]["fuzzy"] is True


def test_a_title_before_a_known_name_keeps_it_exact(gazetteer):
    (c,) = found("Mawlawi Muttaqi arrived in Geneva on 4 May 2024.", gazetteer)
    assert c["actors"] == [{"id": "muttaqi", "name": "Karim Khan Muttaqi"}]


def test_a_spelling_between_two_actors_names_neither(gazetteer):
    # "Hassun" is as close to Hassan as to Hassin: choosing would let two actors collide
    (c,) = found("Hassun arrived in Geneva on 4 May 2024.", gazetteer)
    assert ids(c) == []


def test_transliteration_keys_fold_vowels_doubles_and_hyphens():
    assert transliteration_key("Muttaqi") == transliteration_key("Mottaki")
    assert transliteration_key("Karim-Khan") == transliteration_key("Karim Khan")


# --- across sentences -----------------------------------------------------------------------------


def test_a_dated_sentence_that_refers_back_takes_the_actors_that_introduced_the_event(gazetteer):
    text = (
        "A delegation led by Ramos met Talavera in Geneva. "
        "In a statement after the meeting on Monday, "
        "the ministry said the talks went well."
    )
    (c,) = found(text, gazetteer)
    assert (c["date"], ids(c)) == ("2024-12-23", ["ramos", "talavera"])
    assert any("earlier sentence" in note for note in c["notes"])


def test_a_dated_sentence_naming_nobody_takes_the_actors_of_the_next_that_refers_back(gazetteer):
    text = (
        "On Monday, a meeting was held in Geneva behind closed doors.\n\n"
        "The talks brought Ramos and Talavera together."
    )
    (c,) = found(text, gazetteer)
    assert ids(c) == ["ramos", "talavera"]
    assert any("next sentence" in note for note in c["notes"])


def test_the_group_is_the_organisation_named_last(gazetteer):
    text = (
        "Fighters of the Eastern Front crossed the river.\n\n"
        "On Monday, the group announced a ceasefire."
    )
    (c,) = found(text, gazetteer)
    assert "front" in ids(c)
    assert any("'the group' read as Eastern Front" in note for note in c["notes"])


# --- roles and types ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The Eastern Front assassinated Dara Massoud on 9 September 2001.",
        "Dara Massoud was assassinated by the Eastern Front on 9 September 2001.",
        "The assassination of Dara Massoud by the Eastern Front on 9 September 2001 "
        "shook the region.",
    ],
)
def test_roles_follow_the_verbs_direction(gazetteer, text):
    (c,) = found(text, gazetteer)
    assert (c["type"], c["roles"]) == ("assassination", {"front": "attacker", "massoud": "target"})


def test_a_hearing_is_a_hearing_not_a_clash(gazetteer):
    (c,) = found(
        "At a Senate Panel hearing on 11 December 2024, Ramos was asked about the fighting.",
        gazetteer,
    )
    assert c["type"] == "hearing"
