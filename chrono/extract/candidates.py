"""Candidate events: each dated sentence with its actors, suggested type, status and roles."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .. import dates
from .actors import ActorHit, ActorRef, Gazetteer, unknown_names
from .cues import suggest_roles, suggest_status, suggest_type
from .grammar import check_basis, dated_sentences
from .mentions import Mention
from .sentences import Sentence

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
    notes: list[str] = field(default_factory=list)  # how actors were found: titles, other sentences, spellings

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
            "actors": [{"id": a.id, "name": a.name} for a in self.actors],
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
    candidates: list[Candidate] = []
    unknown: Counter[str] = Counter()
    for sentence, mentions in dated_sentences(text, published):
        hits = gazetteer.find(sentence.text, seen, sentence.index)
        unknown.update(unknown_names(sentence.text, [(h.start, h.end) for h in hits] + [(m.start, m.end) for m in mentions]))
        for m in mentions:
            check_basis(m)
            candidates.append(_candidate(m, sentence, hits, gazetteer, persons, [(x.start, x.end) for x in mentions]))
    new = sorted(unknown.items(), key=lambda kv: (-kv[1], kv[0]))
    return Extraction(_dedupe(candidates), new, published.strip())


def _candidate(m: Mention, sentence: Sentence, hits: list[ActorHit], gazetteer: Gazetteer, persons: set[str],
               spans: list[tuple[int, int]]) -> Candidate:
    position = m.end if m.dates_object else m.start
    etype, cue, cue_at = suggest_type(sentence.text, position, hits, persons, spans, after=m.dates_object)
    status, status_cue = suggest_status(sentence.text)
    chosen = dict.fromkeys(h.chosen for h in hits if h.chosen)  # in order of first mention
    actors = [gazetteer.ref(actor_id) for actor_id in chosen]
    ambiguous = [
        {"text": h.text, "candidates": [{"id": c, "name": gazetteer.actors[c].name} for c in h.candidates], "chosen": h.chosen}
        for h in hits if h.ambiguous
    ]
    return Candidate(m, sentence, actors, ambiguous, suggest_roles(etype, cue, cue_at, hits), etype, cue, status, status_cue)


def _dedupe(candidates: list[Candidate]) -> list[Candidate]:
    seen: set[tuple[int, str | None, str | None]] = set()
    out = []
    for c in candidates:
        key = (c.sentence.index, c.mention.edtf, c.mention.qualifier)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out
