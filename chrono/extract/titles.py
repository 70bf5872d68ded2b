"""Actors named by their office: "Iran's foreign minister", "the Afghan Acting Deputy Prime Minister
for Economic Affairs", "the Afghan government". The gazetteer's memberships are dated roles; a title
is read as whoever held that role on the event's date, and a state as its government then (the
actor holding the role "government" in it). Every such reading says so in the candidate's notes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .. import dates
from ..dates import DateRange
from .actors import ActorHit, Gazetteer
from .words import CAPITALS

# Words that qualify an office without changing it: "acting Foreign Minister" holds "Foreign
# Minister".
_PASSING = r"(?:acting|interim|caretaker|de\s+facto|then|new|current|former|incumbent)"
_QUIET = re.compile(rf"\b{_PASSING}\s+|\([^)]*\)", re.IGNORECASE)
# Offices too vague to name one person, even with a country before them.
_VAGUE = frozenset(
    {"member", "writer", "ministry", "government", "embassy in kabul", "foreign ministry"}
)
# Other names of offices: abbreviations in headlines and bullets, and news English.
ABBREVIATIONS = {
    "fm": "foreign minister",
    "pm": "prime minister",
    "top diplomat": "foreign minister",
    "chief diplomat": "foreign minister",
    "special representative": "special envoy",
    "special representative for afghanistan": "special envoy for afghanistan",
}


def office_key(role: str) -> str:
    """A role as written in memberships, reduced to its office: "acting Foreign Minister" → "foreign
    minister"."""
    return " ".join(_QUIET.sub(" ", dates.name_key(role)).split())


@dataclass(frozen=True, slots=True)
class Tenure:
    """Someone's role in an organisation, between two dates (either may be open)."""

    actor: str
    organization: str
    office: str
    start: date | None
    end: date | None

    def covers(self, when: DateRange) -> bool:
        return (self.start is None or self.start <= when.start) and (
            self.end is None or when.end <= self.end
        )


def _bound(edtf: str | None, end: bool) -> date | None:
    if edtf is None:
        return None
    try:
        n = dates.normalise(edtf)
    except dates.DateError:
        return None
    return n.end if end else n.start


class Offices:
    """The dated roles of a gazetteer, and the pattern that finds its offices in a sentence."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.tenures = [
            Tenure(
                actor.id,
                m.organization,
                office_key(m.role),
                _bound(m.start, False),
                _bound(m.end, True),
            )
            for actor in gazetteer.actors.values()
            for m in actor.memberships
        ]
        offices = {
            t.office
            for t in self.tenures
            if gazetteer.actors[t.actor].kind == "person" and t.office and t.office not in _VAGUE
        }
        # "special envoy" names the office "special envoy for Afghanistan" when the sentence says no
        # more
        heads = {re.split(r" (?:for|of|to) ", o)[0] for o in offices}
        self.offices = offices
        # A capital stands for its state before an office ("Islamabad's special envoy").
        self.capitals = {
            city: state
            for city, country in CAPITALS.items()
            if (state := gazetteer.owner.get(dates.name_key(country)))
        }
        names = sorted(offices | heads | set(ABBREVIATIONS), key=len, reverse=True)
        body = "|".join(re.escape(o).replace(r"\ ", r"\s+") for o in names) or r"(?!x)x"
        self.pattern = re.compile(
            rf"(?<![\w-])(?:{_PASSING}\s+)*(?P<office>{body}|counterpart)(?![\w-])", re.IGNORECASE
        )

    def government_of(self, state: str, when: DateRange) -> str | None:
        """The actor that was the state's government all through `when`, if the gazetteer says."""
        held = [
            t.actor
            for t in self.tenures
            if t.organization == state and t.office == "government" and t.covers(when)
        ]
        return held[0] if len(held) == 1 else None

    def _organizations(self, qualifier: str, when: DateRange) -> set[str]:
        """The qualifier, its government on that date, and the bodies that belong to either."""
        orgs = {qualifier}
        if government := self.government_of(qualifier, when):
            orgs.add(government)
        return orgs | {t.actor for t in self.tenures if t.organization in orgs and t.covers(when)}

    def holders(self, office: str, qualifier: str, when: DateRange) -> list[str]:
        """The people who held the office (or an office it heads: "special envoy" for "special
        envoy for Afghanistan") in the qualifier's organisations all through `when`."""
        orgs = self._organizations(qualifier, when)
        return sorted(
            {
                t.actor
                for t in self.tenures
                if (
                    t.office == office or re.match(rf"{re.escape(office)} (?:for|of|to) ", t.office)
                )
                and t.organization in orgs
                and t.covers(when)
                and self.gazetteer.actors[t.actor].kind == "person"
            }
        )

    def reader(self, sentence: str, hits: list[ActorHit]) -> OfficeReader:
        """What one sentence names by office, to be read on each of its dates."""
        return OfficeReader(self, sentence, hits)


class OfficeReader:
    """A sentence's offices and states, found once and read on each date the sentence gives (a
    text without full stops is one sentence of thousands of words and dates)."""

    def __init__(self, offices: Offices, sentence: str, hits: list[ActorHit]) -> None:
        self.offices, self.sentence = offices, sentence
        matches = list(offices.pattern.finditer(sentence))
        named = {h.chosen for h in hits if h.chosen}
        # (office, the qualifier's hit, the phrase's end) for each office that says whose it is
        self.titles: list[tuple[str, ActorHit, int]] = []
        for m in matches:
            office = _office(m)
            if office == "counterpart":  # "FM Bilawal receives a call from his Afghan counterpart"
                other = next((_office(o) for o in matches if _office(o) != "counterpart"), None)
                if other is None:
                    continue
                office = other
            if (qualifier := _qualifier(sentence, m, hits, offices.capitals)) is not None:
                self.titles.append((office, qualifier, m.end()))
        self.named = named
        governed = {t.organization for t in offices.tenures if t.office == "government"}
        self.states = list({h.chosen: h for h in hits if h.chosen in governed}.values())
        self._read: dict[DateRange, tuple[list[ActorHit], list[str]]] = {}

    def read(self, when: DateRange) -> tuple[list[ActorHit], list[str]]:
        """Actors this sentence names by office or as a state with a government, on `when`:
        (hits standing for them, notes saying how each was read)."""
        if when not in self._read:
            self._read[when] = self._read_on(when)
        return self._read[when]

    def _read_on(self, when: DateRange) -> tuple[list[ActorHit], list[str]]:
        offices, actors = self.offices, self.offices.gazetteer.actors
        found: list[ActorHit] = []
        notes: list[str] = []
        for office, qualifier, end in self.titles:
            people = offices.holders(office, qualifier.chosen or "", when)
            if len(people) != 1 or people[0] in self.named:
                continue
            (person,) = people
            phrase = self.sentence[qualifier.start : end]
            found.append(ActorHit(phrase, qualifier.start, end, person, (person,), False))
            notes.append(
                f"{' '.join(phrase.split())!r} read as {actors[person].name}, {office} on "
                f"{dates.to_edtf(when)}"
            )
        for h in self.states:
            government = offices.government_of(h.chosen, when) if h.chosen else None
            if government and government != h.chosen:
                found.append(ActorHit(h.text, h.start, h.end, government, (government,), False))
                notes.append(
                    f"{h.text!r} read as {actors[government].name}, its government on "
                    f"{dates.to_edtf(when)}"
                )
        return found, notes


def _office(m: re.Match[str]) -> str:
    office = " ".join(m.group("office").lower().split())
    return ABBREVIATIONS.get(office, office)


_CAPITAL = re.compile(rf"\b([A-Z][\w -]+?)['’]s\s+(?:(?:the|{_PASSING})\s+)*$")
_BETWEEN = re.compile(rf"(?:['’]s?)?\s+(?:(?:the|its|his|her|{_PASSING})\s+)*$", re.IGNORECASE)


def _qualifier(
    sentence: str, office: re.Match[str], hits: list[ActorHit], capitals: dict[str, str]
) -> ActorHit | None:
    """The country or organisation an office belongs to: just before it ("Iran's", "Afghan",
    "the Taliban's", "Islamabad's") or just after it ("of Pakistan")."""
    near = [h for h in hits if h.chosen and office.start() - 40 <= h.end <= office.start()]
    before = [h for h in near if _BETWEEN.fullmatch(sentence[h.end : office.start()])]
    if before:
        return before[-1]
    if capitals and (
        city := _CAPITAL.search(sentence, max(0, office.start() - 40), office.start())
    ):
        state = capitals.get(city.group(1))
        if state:
            return ActorHit(city.group(1), city.start(1), city.end(1), state, (state,), False)
    rest = sentence[office.end() :]
    after = re.match(r"\s+(?:of|for)\s+(?:the\s+)?", rest)
    if after:
        at = office.end() + after.end()
        return next((h for h in hits if h.chosen and h.start == at), None)
    return None
