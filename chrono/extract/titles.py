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

# Words that qualify an office without changing it: "acting Foreign Minister" holds "Foreign Minister".
_PASSING = r"(?:acting|interim|caretaker|de\s+facto|then|new|current|former|incumbent)"
_QUIET = re.compile(rf"\b{_PASSING}\s+|\([^)]*\)", re.IGNORECASE)
# Offices too vague to name one person, even with a country before them.
_VAGUE = frozenset({"member", "writer", "ministry", "government", "embassy in kabul", "foreign ministry"})
# Abbreviations of offices in headlines and bullets.
ABBREVIATIONS = {"fm": "foreign minister", "pm": "prime minister"}


def office_key(role: str) -> str:
    """A role as written in memberships, reduced to its office: "acting Foreign Minister" → "foreign minister"."""
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
        return (self.start is None or self.start <= when.start) and (self.end is None or when.end <= self.end)


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
            Tenure(actor.id, m.organization, office_key(m.role), _bound(m.start, False), _bound(m.end, True))
            for actor in gazetteer.actors.values() for m in actor.memberships
        ]
        offices = {t.office for t in self.tenures
                   if gazetteer.actors[t.actor].kind == "person" and t.office and t.office not in _VAGUE}
        names = sorted(offices | set(ABBREVIATIONS), key=len, reverse=True)
        body = "|".join(re.escape(o).replace(r"\ ", r"\s+") for o in names) or r"(?!x)x"
        self.pattern = re.compile(rf"(?<![\w-])(?:{_PASSING}\s+)*(?P<office>{body}|counterpart)(?![\w-])", re.IGNORECASE)

    def government_of(self, state: str, when: DateRange) -> str | None:
        """The actor that was the state's government all through `when`, if the gazetteer says."""
        held = [t.actor for t in self.tenures if t.organization == state and t.office == "government" and t.covers(when)]
        return held[0] if len(held) == 1 else None

    def _organizations(self, qualifier: str, when: DateRange) -> set[str]:
        """The qualifier, its government on that date, and the bodies that belong to either."""
        orgs = {qualifier}
        if government := self.government_of(qualifier, when):
            orgs.add(government)
        return orgs | {t.actor for t in self.tenures if t.organization in orgs and t.covers(when)}

    def holders(self, office: str, qualifier: str, when: DateRange) -> list[str]:
        orgs = self._organizations(qualifier, when)
        return sorted({t.actor for t in self.tenures
                       if t.office == office and t.organization in orgs and t.covers(when)
                       and self.gazetteer.actors[t.actor].kind == "person"})

    def read(self, sentence: str, hits: list[ActorHit], when: DateRange) -> tuple[list[ActorHit], list[str]]:
        """Actors this sentence names by office or as a state with a government, on `when`:
        (hits standing for them, notes saying how each was read)."""
        found: list[ActorHit] = []
        notes: list[str] = []
        offices = list(self.pattern.finditer(sentence))
        for m in offices:
            office = m.group("office").lower()
            office = ABBREVIATIONS.get(office, " ".join(office.split()))
            if office == "counterpart":  # "FM Bilawal receives a call from his Afghan counterpart"
                other = next((o for o in offices if o is not m and o.group("office").lower() != "counterpart"), None)
                if other is None:
                    continue
                office = ABBREVIATIONS.get(other.group("office").lower(), " ".join(other.group("office").lower().split()))
            qualifier = _qualifier(sentence, m, hits)
            if qualifier is None:
                continue
            people = self.holders(office, qualifier.chosen or "", when)
            if len(people) != 1 or any(h.chosen == people[0] for h in hits):
                continue
            (person,) = people
            phrase = sentence[qualifier.start: m.end()]
            found.append(ActorHit(phrase, qualifier.start, m.end(), person, (person,), False))
            notes.append(f"{' '.join(phrase.split())!r} read as {self.gazetteer.actors[person].name}, "
                         f"{office} on {dates.to_edtf(when)}")
        for h in hits:
            government = self.government_of(h.chosen, when) if h.chosen else None
            if government and government != h.chosen:
                found.append(ActorHit(h.text, h.start, h.end, government, (government,), False))
                notes.append(f"{h.text!r} read as {self.gazetteer.actors[government].name}, "
                             f"its government on {dates.to_edtf(when)}")
        return found, notes


_BETWEEN = re.compile(rf"(?:['’]s?)?\s+(?:(?:the|its|his|her|{_PASSING})\s+)*$", re.IGNORECASE)


def _qualifier(sentence: str, office: re.Match[str], hits: list[ActorHit]) -> ActorHit | None:
    """The country or organisation an office belongs to: just before it ("Iran's", "Afghan",
    "the Taliban's") or just after it ("of Pakistan")."""
    before = [h for h in hits if h.chosen and h.end <= office.start() and _BETWEEN.fullmatch(sentence[h.end: office.start()])]
    if before:
        return before[-1]
    rest = sentence[office.end():]
    after = re.match(r"\s+(?:of|for)\s+(?:the\s+)?", rest)
    if after:
        at = office.end() + after.end()
        return next((h for h in hits if h.chosen and h.start == at), None)
    return None
