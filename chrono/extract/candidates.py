"""Candidate events: each dated sentence with its actors, suggested type, status and roles."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .. import dates
from ..models import CONTACT_TYPES, PARTY_ROLES
from .actors import ActorHit, ActorRef, Gazetteer, unknown_names
from .cues import (
    CUE_PATTERNS,
    CUE_REACH,
    TYPE_CUES,
    near_hits,
    suggest_roles,
    suggest_status,
    suggest_type,
)
from .grammar import check_basis, dated_sentences, parse_published
from .mentions import Mention, Rule
from .resolver import HEADLINE_FUTURE
from .sentences import Sentence
from .tense import tense_near
from .titles import Offices
from .words import VAGUE_COUNTS


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
    notes: list[str] = field(
        default_factory=list
    )  # how actors were found: titles, other sentences, spellings
    fuzzy: set[str] = field(
        default_factory=set
    )  # actors matched only across a spelling the gazetteer lacks

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
            "actors": [
                {"id": a.id, "name": a.name} | ({"fuzzy": True} if a.id in self.fuzzy else {})
                for a in self.actors
            ],
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
            "notes": m.notes + self.notes,
            "paragraph": self.sentence.paragraph + 1,
        }


@dataclass(slots=True)
class Extraction:
    candidates: list[Candidate]
    new_actors: list[tuple[str, int]]
    published: str | None = None  # the publication date the relative dates were read against
    published_from: str = "given"  # "page" when read from the page's own markup


def extract(text: str, published: str, gazetteer: Gazetteer) -> Extraction:
    """Candidate events, in article order, and capitalised names the gazetteer does not know."""
    seen: dict[str, int] = {}
    persons = {a.id for a in gazetteer.actors.values() if a.kind == "person"}
    offices = Offices(gazetteer)
    unknown: Counter[str] = Counter()
    read: list[tuple[Sentence, list[Mention], list[ActorHit]]] = []
    for sentence, mentions in dated_sentences(text, published):
        hits = gazetteer.find(sentence.text, seen, sentence.index)
        unknown.update(
            unknown_names(
                sentence.text,
                [(h.start, h.end) for h in hits] + [(m.start, m.end) for m in mentions],
            )
        )
        read.append((sentence, mentions, hits))
    candidates: list[Candidate] = []
    now = parse_published(published)[0]
    implied_roles: dict[tuple[str, int | None, tuple[str, ...]], dict[str, str]] = {}
    for i, (sentence, mentions, hits) in enumerate(read):
        if not mentions:
            continue
        titles = offices.reader(sentence.text, hits)
        carried_here = _carried(read, i, hits, gazetteer)
        described = _described(read, i, hits, gazetteer)
        if described is not None:
            carried_here = (
                [*carried_here[0], described[0].chosen],
                [*carried_here[1], described[1]],
                carried_here[2],
            )
        said = (
            [described[0]] if described is not None else []
        )  # "the group": its role is read where it stands
        named = _Named(hits, gazetteer)
        spans = [(x.start, x.end) for x in mentions]
        for m in mentions:
            check_basis(m)
            if (
                attribution_only(sentence.text, m, mentions)
                or reports_told_event(sentence.text, m)
                or is_dateline(sentence.text, m)
                or is_statistic(sentence.text, m)
                or restates_present(m, now)
                or is_vague(m)
            ):
                continue
            found, notes = titles.read(m.range) if m.range else ([], [])
            carried, carry_notes, source = (
                carried_here if not found else _carried(read, i, hits + found, gazetteer)
            )
            governs: dict[str, str] = {}  # a state's government on the date → the state carried
            if carried and m.range:
                governs = {
                    g: a
                    for a in carried
                    if (g := offices.government_of(a, m.range)) and g not in carried
                }
                carried = carried + [g for g in governs if g not in carried]
            all_hits = sorted(hits + found, key=lambda h: h.start) if found else hits
            c = _candidate(
                m,
                sentence,
                all_hits,
                named.plus(found, carried),
                persons,
                spans,
                notes + carry_notes,
                said,
            )
            if carried:
                key = (
                    c.type,
                    source,
                    tuple(carried),
                )  # a run-on text: read the other sentence once per type
                if (implied := implied_roles.get(key)) is None:
                    implied = implied_roles[key] = carried_roles(
                        c.type, carried, read[source] if source is not None else None, persons
                    )
                c.roles |= {
                    a: implied.get(governs.get(a, a), implied.get(a, "subject"))
                    for a in carried
                    if a not in c.roles
                }
            candidates.append(c)
    if (news := _headline_news(read, now, published.strip())) is not None:
        hits = read[0][2]
        candidates.insert(
            0,
            _candidate(
                news, read[0][0], hits, _Named(hits, gazetteer).plus([], []), persons, [], []
            ),
        )
    new = sorted(unknown.items(), key=lambda kv: (-kv[1], kv[0]))
    return Extraction(_dedupe(candidates), new, published.strip())


# What an undated headline's news is dated by: the publication (no words of the text give it).
_AS_PUBLISHED = Rule("headline", "deictic", re.compile(r"(?!)"), lambda r, m: None)
FRESH_DAYS = 91  # a date this close to publication is the article's news, or dates it in the text


def _headline_news(
    read: list[tuple[Sentence, list[Mention], list[ActorHit]]], now: dates.DateRange, published: str
) -> Mention | None:
    """ "Envoy's remarks anger many, while his group denies the claim", over a text that dates
    nothing in the months before its publication (news written without "on Monday", its dates
    all background): the headline's present tense is the news of the publication date, the only
    date the article gives it. A headline needs an actor and an event's cue word."""
    if (
        not read
        or not (headline := read[0][0]).headline
        or read[0][1]
        or not any(h.chosen for h in read[0][2])
    ):
        return None
    if not any(cue.pattern.search(headline.text) for cue in TYPE_CUES):
        return None  # "Hamas and Kabul keep in touch" tells of no event
    if (
        HEADLINE_FUTURE.search(headline.text)
        or tense_near(headline.text, 0, len(headline.text)) == "future"
    ):
        return None
    recent = now.start - timedelta(days=FRESH_DAYS)
    if any(
        m.range is not None and m.range.end >= recent for _, mentions, _ in read for m in mentions
    ):
        return None
    return Mention(
        _AS_PUBLISHED,
        0,
        0,
        "as of publication",
        {},
        range=now,
        edtf=published,
        basis="inferred",
        anchor="publication",
        anchor_edtf=published,
        confidence="low",
        notes=["the headline's news, dated by publication: the text dates nothing near it"],
    )


# A sentence that points back at an event or at someone named before: its actors are that sentence's
# too. ("The group" points at one organisation, not at a sentence: see _described.)
_REFERS_BACK = re.compile(
    r"^\W*(?:he|she|they|it|its|his|her|their|the\s+two|both)\b"
    r"|\b(?:the|this|that|these)\s+(?:(?:[\w-]+\s+){0,2})(?:meeting|meetings|talks|visit|call|trip|attack|demarche|"
    r"summons|conference|consultations|delegation|mission|swap|exchange|deal|"
    r"agreement|incident|strike|strikes|clashes|discussions?|negotiations)\b",
    re.IGNORECASE,
)
# How far back (in sentences) the event or person referred to may have been named.
CARRY_REACH = 2


def _carried(
    read: list[tuple[Sentence, list[Mention], list[ActorHit]]],
    i: int,
    own: list[ActorHit],
    gazetteer: Gazetteer,
) -> tuple[list[str], list[str], int | None]:
    """Actors from the sentence that introduced what this one dates: a sentence that names nobody,
    or refers back ("the meeting", "they"), takes the actors of the nearest sentence before it
    that names some, within the paragraph or two sentences; a sentence that names nobody, followed
    by one that refers back to it, takes that one's. (actors, notes, the sentence they came from)"""
    sentence = read[i][0]
    refers = bool(_REFERS_BACK.search(sentence.text))
    if own and not refers:
        return [], [], None
    named = {h.chosen for h in own if h.chosen}
    for j in range(i - 1, -1, -1):
        earlier, _, hits = read[j]
        if earlier.paragraph != sentence.paragraph and i - j > CARRY_REACH:
            break
        ids = [h.chosen for h in hits if h.chosen and h.chosen not in named]
        if ids:
            ids = list(dict.fromkeys(ids))
            return (
                ids,
                [
                    "actors from an earlier sentence "
                    f"({'refers back' if refers else 'names nobody'}): " + ", ".join(ids)
                ],
                j,
            )
    if not own and i + 1 < len(read) and _REFERS_BACK.search(read[i + 1][0].text):
        ids = list(dict.fromkeys(h.chosen for h in read[i + 1][2] if h.chosen))
        if ids:
            return (
                ids,
                ["actors from the next sentence, which refers back to this one: " + ", ".join(ids)],
                i + 1,
            )
    return [], [], None


def carried_roles(
    etype: str,
    carried: list[str],
    source: tuple[Sentence, list[Mention], list[ActorHit]] | None,
    persons: set[str],
) -> dict[str, str]:
    """The roles that carried actors' mentions imply, read as for actors in the same sentence: by
    the verb's direction in the sentence that introduced them (at this event's own cue word
    there, else at that sentence's own event). In a contact (a meeting, a call, talks) they are
    parties: a role that is not a party's becomes `participant`."""
    roles: dict[str, str] = {}
    if source is not None:
        sentence, mentions, hits = source
        text = sentence.text
        if (pattern := CUE_PATTERNS.get(etype)) and (cue := pattern.search(text)):
            roles = suggest_roles(etype, cue.group(), cue.start(), hits, text)
        else:
            mine = [h for h in hits if h.chosen in carried]
            position = mentions[0].start if mentions else mine[0].start if mine else 0
            own_type, word, at = suggest_type(
                text, position, hits, persons, [(m.start, m.end) for m in mentions]
            )
            roles = suggest_roles(own_type, word, at, hits, text)
    out = {}
    for a in carried:
        role = roles.get(a, "subject")
        out[a] = role if etype not in CONTACT_TYPES or role in PARTY_ROLES else "participant"
    return out


_DESCRIPTION = re.compile(
    r"\bthe\s+(?:militant\s+|armed\s+|extremist\s+|terrorist\s+|Islamist\s+|Palestinian\s+)?"
    r"(?:group|organi[sz]ation|movement)\b",
    re.IGNORECASE,
)
ORGANISATION_KINDS = frozenset(
    {"organization", "armed-group", "government", "international-organization"}
)
DESCRIPTION_REACH = 5  # sentences


def _described(
    read: list[tuple[Sentence, list[Mention], list[ActorHit]]],
    i: int,
    own: list[ActorHit],
    gazetteer: Gazetteer,
) -> tuple[ActorHit, str] | None:
    """ "the group", "the organisation": the organisation named last before, if this sentence
    names none. (the description read as that actor, a note saying so)."""
    sentence = read[i][0].text
    if not (m := _DESCRIPTION.search(sentence)) or any(
        h.chosen and gazetteer.actors[h.chosen].kind in ORGANISATION_KINDS for h in own
    ):
        return None
    for j in range(i - 1, max(-1, i - 1 - DESCRIPTION_REACH), -1):
        for h in reversed(read[j][2]):
            if h.chosen and gazetteer.actors[h.chosen].kind in ORGANISATION_KINDS:
                return (
                    ActorHit(m.group(), m.start(), m.end(), h.chosen, (h.chosen,), False),
                    f"{m.group()!r} read as {gazetteer.actors[h.chosen].name}, the organisation "
                    "named last",
                )
    return None


# "…, the ministry said Thursday." or "… confirmed on Friday": when a report is dated, not an event.
_SAID = re.compile(
    r"\b(?:said|says|told\s+(?:\w+\s+){0,3}?|confirmed|announced|added|reported|stated|noted|tweeted|posted)\s+"
    r"(?:(?:in\s+a\s+statement|in\s+a\s+post|on\s+X|on\s+Twitter)\s+)?$",
    re.IGNORECASE,
)
_REPORTER = re.compile(
    r",\s*(?:[\w’'().-]+\s+){0,8}$"
)  # ", the Foreign Office (FO) " before the verb
_BRIEFING = re.compile(
    r"\b(?:during|at|in)\s+(?:his|her|their|its|the|a)\s+(?:[\w-]+\s+){0,2}(?:press|news|media)\s+"
    r"(?:briefing|conference)\s+$",
    re.IGNORECASE,
)


def attribution_only(sentence: str, m: Mention, mentions: list[Mention]) -> bool:
    """Whether the date only says when something was said, tacked on at the end of a sentence that
    reports more than the saying: "Envoys met in Doha, the ministry said Thursday.", "… the
    spokesman confirmed during his weekly press briefing on Friday." A date that leads ("On
    Monday, the ministry said that …") dates a statement, which is an event."""
    before = sentence[max(0, m.start - 80) : m.start]
    tail = sentence[m.end :].strip(" .”\"'’)")
    if (said := _SAID.search(before)) and (
        len(tail.split()) <= 6 or tail.startswith((",", "that"))
    ):
        return bool(_REPORTER.search(before[: said.start()]))
    return bool(_BRIEFING.search(before)) and not tail


# "On Wednesday, an official said on X that the envoy raised it in the talks": a leading date on a
# report about an event the story has told already dates the report, not an event.
_SAID_THAT = re.compile(
    r"^\W*(?:[\w’'().-]+\s+){1,8}?(?:said|told\s+\w+|tweeted|wrote|posted|stated)"
    r"(?:\s+(?:on|in)\s+(?:X|Twitter|a\s+(?:statement|post)))?\s+that\b(?P<what>.*)$",
    re.IGNORECASE,
)
_TOLD_EVENT = re.compile(
    r"\b(?:in|at|during)\s+(?:the|this|that|these)\s+(?:[\w-]+\s+){0,2}?(?:meetings?|talks|visit|"
    r"call|trip|conference|discussions?|negotiations)\b",
    re.IGNORECASE,
)


def reports_told_event(sentence: str, m: Mention) -> bool:
    """Whether a date that leads the sentence only dates someone's report of "the talks" (an
    event the story has told), not an event of its own."""
    if sentence[: m.start].strip(" “\"‘'("):
        return False
    said = _SAID_THAT.match(sentence[m.end :])
    return bool(said and _TOLD_EVENT.search(said.group("what")))


_HEDGED = frozenset(
    {
        "nearly",
        "almost",
        "about",
        "around",
        "roughly",
        "approximately",
        "some",
        "over",
        "more than",
        "less than",
        "under",
    }
)


def is_vague(m: Mention) -> bool:
    """ "in recent weeks", "nearly two decades ago", "several years later", "days before": a
    span no analyst would date an event by. The grammar still reads them (for `chrono verify`),
    but they are not proposed."""
    if m.part("unit") not in ("year", "decade"):
        return False
    if m.kind == "vague":
        return True
    if m.rule.name not in ("ago", "later", "relational"):
        return False
    count = m.part("n")
    return count is None or count in VAGUE_COUNTS or (m.part("hedge") or m.part("lead")) in _HEDGED


def restates_present(m: Mention, now: dates.DateRange) -> bool:
    """ "…, four years after India shut its embassy in 2021, marks a turn": years counted from a
    date in the sentence that land on the publication's own year say how long ago that date was
    (the date itself is proposed), not when something happened."""
    return (
        m.kind == "relational"
        and m.part("unit") in ("year", "decade")
        and not m.dates_object
        and m.range is not None
        and m.range.covers(now)
    )


_SUPERLATIVE = re.compile(
    r"\b(?:deadliest|bloodiest|worst|best|biggest|largest|greatest|heaviest|highest|lowest|longest|first|most\s+\w+|least\s+\w+|record)\b(?:\s+[\w’'-]+){0,5}\s+$",
    re.IGNORECASE,
)


def is_statistic(sentence: str, m: Mention) -> bool:
    """ "the deadliest attack this year": the period of a record, not the date of an event."""
    return m.rule.name == "unit_rel" and bool(
        _SUPERLATIVE.search(sentence[max(0, m.start - 80) : m.start])
    )


_DATELINE_ONLY = re.compile(r"^[A-Z][A-Z .’'-]{1,40},?\s*$")
_STAMP = re.compile(
    r"^\W*(?:(?:updated|published|posted|first\s+published)\s*(?:on|:)?\s*)?$", re.IGNORECASE
)
_CAPTION = re.compile(
    r"^\W*(?:photo|picture|image|photograph|file\s+photo|credit)s?\s*(?:\([^)]*\)\s*)?:",
    re.IGNORECASE,
)


def is_dateline(sentence: str, m: Mention) -> bool:
    """ "DUBAI, August 21. /Agency/.": a place in capitals and the day the report was filed; also
    a line that is only a date ("December 21, 2024", "Updated: 3 May 2024": a time stamp) and a
    photo's caption ("Photo: the ministry, 23 May 2024")."""
    before, after = sentence[: m.start], sentence[m.end :]
    if _CAPTION.match(sentence) or (_STAMP.match(before) and not after.strip(" .,;:()[]|–—-")):
        return True
    return bool(_DATELINE_ONLY.match(before)) and not re.search(
        r"[a-z]{3,}", re.sub(r"/[^/]*/", "", after)
    )


class _Named:
    """The actors a sentence names, worked out once for all its dates: in a text without full
    stops one "sentence" holds thousands of names and dates."""

    def __init__(self, hits: list[ActorHit], gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer
        self.ids = list(
            dict.fromkeys(h.chosen for h in hits if h.chosen)
        )  # in order of first mention
        self.ambiguous = [
            {
                "text": h.text,
                "candidates": [{"id": c, "name": gazetteer.actors[c].name} for c in h.candidates],
                "chosen": h.chosen,
            }
            for h in hits
            if h.ambiguous
        ]
        exact = {h.chosen for h in hits if not h.fuzzy}
        self.fuzzy = {
            h.chosen: h.text for h in hits if h.fuzzy and h.chosen and h.chosen not in exact
        }

    def plus(
        self, found: list[ActorHit], carried: list[str]
    ) -> tuple[list[ActorRef], list[dict[str, Any]], dict[str, str]]:
        """(actors, ambiguous names, fuzzy matches) with those found by office and carried over."""
        ids = dict.fromkeys([*self.ids, *(h.chosen for h in found if h.chosen), *carried])
        return [self.gazetteer.ref(a) for a in ids], self.ambiguous, self.fuzzy


def _candidate(
    m: Mention,
    sentence: Sentence,
    hits: list[ActorHit],
    named: tuple[list[ActorRef], list[dict[str, Any]], dict[str, str]],
    persons: set[str],
    spans: list[tuple[int, int]],
    notes: list[str],
    described: list[ActorHit] | None = None,
) -> Candidate:
    position = m.end if m.dates_object else m.start
    etype, cue, cue_at = suggest_type(
        sentence.text, position, hits, persons, spans, after=m.dates_object
    )
    status, status_cue = suggest_status(sentence.text)
    actors, ambiguous, fuzzy = named
    near = (
        hits if len(hits) < 50 else near_hits(hits, position - CUE_REACH, position + CUE_REACH)
    )  # a run-on text
    roles = suggest_roles(
        etype,
        cue,
        cue_at,
        sorted([*near, *(described or [])], key=lambda h: h.start),
        sentence.text,
    )
    notes = notes + [
        f"{text!r} matched {a.name} by a spelling the gazetteer does not list (fuzzy)"
        for a in actors
        if (text := fuzzy.get(a.id))
    ]
    return Candidate(
        m, sentence, actors, ambiguous, roles, etype, cue, status, status_cue, notes, set(fuzzy)
    )


def _dedupe(candidates: list[Candidate]) -> list[Candidate]:
    seen: set[tuple[int, str | None, str | None]] = set()
    out = []
    for c in candidates:
        key = (c.sentence.index, c.mention.edtf, c.mention.qualifier)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
