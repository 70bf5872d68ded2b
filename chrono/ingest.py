"""Bulk events become table rows: validated, turned into rows for every table they feed, and
encoded as the API serves them, in worker processes when the files are large.

A JSONL file is cut at line boundaries into one piece per worker; each worker validates its
piece and sends back batches of rows, packed with msgpack, which the building process writes.
Validation is pure Python and the writer is SQLite: on two cores they overlap.

"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.connection import Connection, wait
from pathlib import Path

import msgspec

from . import dates
from .load import Catalogue, CheckedEvent, Problem, stream_jsonl
from .models import CONTACT_TYPES, EVENT_TYPES
from .store import CitationOut, EventActorOut, EventOut, LocationOut, SourceRef

BATCH_EVENTS = 2000
# Below this size a file is validated in the building process: starting workers costs more.
PARALLEL_MIN_BYTES = 16 * 1024 * 1024


def date_scale(start: date, end: date) -> int:
    """ceil(log2(number of possible days)): 0 for a day, 5 for a month, 9 for a year.

    Events of one scale last at most 2**scale days, so a query for events overlapping a range
    only needs to look back that far before the range starts: the scale bounds its index scan.
    """
    return ((end - start).days).bit_length()


def iso(d: dates.NormalisedDate | None, which: str) -> str | None:
    return None if d is None else getattr(d, which).isoformat()


@dataclass
class Batch:
    """Rows for the stage and the tables, from a run of consecutive events."""

    events: list = field(default_factory=list)
    actors: list = field(default_factory=list)
    citations: list = field(default_factory=list)
    pairs: list = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def pack(self) -> bytes:
        problems = [(p.file, p.record, p.field, p.message) for p in self.problems]
        return msgspec.msgpack.encode((self.events, self.actors, self.citations, self.pairs, problems))

    @classmethod
    def unpack(cls, data: bytes) -> Batch:
        events, actors, citations, pairs, problems = msgspec.msgpack.decode(data)
        return cls(events, actors, citations, pairs, [Problem(*p) for p in problems])


class Rows:
    """Turns checked events into table rows, contact pairs and the event's API document."""

    def __init__(self, catalogue: Catalogue) -> None:
        # actor id -> [(organization id, membership start day, membership end day)]
        self.member_of: dict[str, list[tuple[str, str | None, str | None]]] = {}
        for actor_id, j, start, end in catalogue.memberships:
            m = catalogue.actors[actor_id].memberships[j]
            self.member_of.setdefault(actor_id, []).append((m.organization, iso(start, "start"), iso(end, "end")))
        self.has_members = {org for orgs in self.member_of.values() for org, _, _ in orgs}
        self.contact = set(CONTACT_TYPES)
        self.names = {a.id: a.name for a in catalogue.actors.values()}
        self.sources = {
            s.id: SourceRef(id=s.id, title=s.title, outlet=s.outlet, published=s.published, url=s.url)
            for s, _ in catalogue.sources.values()
        }
        self.encode = msgspec.json.Encoder().encode

    def add(self, checked: CheckedEvent, src: int, line: int, batch: Batch) -> None:
        e, when = checked.event, checked.when
        start, end = when.start.isoformat(), when.end.isoformat()
        scale = date_scale(when.start, when.end)
        batch.events.append((
            src, line, e.id, e.date, start, end, when.precision, e.qualifier, int(when.approximate), int(when.uncertain),
            e.date_text, e.date_basis, e.date_anchor, e.title, e.summary, e.type, e.status, e.location.place,
            e.location.country, e.notes, scale, " ".join(c.quote for c in e.citations),
            self.document(checked, start, end),
        ))
        batch.actors.extend((e.id, a.id, a.role, start, end, scale) for a in e.actors)
        batch.citations.extend((e.id, c.source, c.quote, c.stance) for c in e.citations)
        if e.type in self.contact and len(e.actors) > 1:
            self._pairs(e.id, [a.id for a in e.actors], start, end, batch.pairs)

    def document(self, checked: CheckedEvent, start: str, end: str) -> str:
        """The event as /api/events serves it: stored once, passed through on every request."""
        e, when = checked.event, checked.when
        return self.encode(EventOut(
            id=e.id, date=e.date, date_text=e.date_text, date_start=start, date_end=end, precision=when.precision,
            qualifier=e.qualifier, approximate=when.approximate, uncertain=when.uncertain, date_basis=e.date_basis,
            title=e.title, summary=e.summary, type=e.type, cameo=EVENT_TYPES[e.type][0], status=e.status,
            location=LocationOut(place=e.location.place, country=e.location.country),
            actors=[EventActorOut(id=a.id, name=self.names[a.id], role=a.role) for a in e.actors],
            citations=[CitationOut(source=self.sources[c.source], quote=c.quote, stance=c.stance) for c in e.citations],
            notes=e.notes,
        )).decode()

    def _pairs(self, event_id: str, participants: list[str], start: str, end: str, out: list) -> None:
        """Contact pairs of one event, as (side, other, event, start, end, pair).

        A side is a participant or an organization a participant belongs to at the time;
        members of a side are not its contacts. pair = 1 rows make contact_pairs (what
        /api/contacts lists with members on); pair = 0 rows are an organization's own direct
        contacts, counted apart for the contacts view's numbers.
        """
        sides: dict[str, set[str]] = {}
        for p in participants:
            for org, m_start, m_end in self.member_of.get(p, ()):
                if (m_start is None or m_start <= end) and (m_end is None or m_end >= start):
                    sides.setdefault(org, set()).add(p)
        for p in participants:
            if p in self.has_members:
                sides.setdefault(p, set()).add(p)
            direct = 0 if p in self.has_members else 1
            out.extend((p, q, event_id, start, end, direct) for q in participants if q != p)
        for side, inside in sides.items():
            out.extend((side, q, event_id, start, end, 1) for q in participants if q not in inside)


# --- pieces of a file, and the workers that validate them -----------------------------------

@dataclass(frozen=True)
class Piece:
    """Bytes [start, end) of a JSONL file, cut at line boundaries."""

    src: int
    path: Path
    start: int
    end: int


def cut(src: int, path: Path, parts: int) -> list[Piece]:
    size = path.stat().st_size
    bounds = [0]
    with path.open("rb") as f:
        for i in range(1, parts):
            f.seek(max(size * i // parts, bounds[-1]))
            f.readline()  # to the start of the next line
            bounds.append(min(f.tell(), size))
    bounds.append(size)
    return [Piece(src, path, a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def batches(piece: Piece, catalogue: Catalogue, rows: Rows | None = None, size: int = BATCH_EVENTS) -> Iterator[Batch]:
    """Validated rows of one piece, with its problems, in batches of `size` events."""
    rows = rows or Rows(catalogue)
    batch = Batch()
    for line, item in stream_jsonl(piece.path, catalogue, piece.start, piece.end):
        if isinstance(item, Problem):
            batch.problems.append(item)
            if len(batch.problems) >= size:
                yield batch
                batch = Batch()
            continue
        rows.add(item, piece.src, line, batch)
        if len(batch.events) >= size:
            yield batch
            batch = Batch()
    yield batch


def _worker(piece: Piece, catalogue: Catalogue, out: Connection) -> None:
    try:
        for batch in batches(piece, catalogue):
            out.send_bytes(batch.pack())
    finally:
        out.send_bytes(b"")
        out.close()


def validated(paths: list[Path], catalogue: Catalogue, workers: int | None = None) -> Iterator[Batch]:
    """Batches of every file, validated in up to `workers` processes (default: one per core).

    Batches of one file arrive in no fixed order across workers; each event row carries its
    file and line, which is all the build needs to name duplicates and problems. Closing the
    iterator early (too many problems) stops the workers.
    """
    workers = workers or min(len(os.sched_getaffinity(0)), 4)
    for src, path in enumerate(paths, 1):
        if workers < 2 or path.stat().st_size < PARALLEL_MIN_BYTES:
            yield from batches(Piece(src, path, 0, path.stat().st_size), catalogue)
            continue
        yield from _parallel(cut(src, path, workers), catalogue)


def _parallel(pieces: list[Piece], catalogue: Catalogue) -> Iterator[Batch]:
    # fork: workers inherit the catalogue, and no module is imported again. The build starts
    # them before any thread of its own (see build._write).
    context = multiprocessing.get_context("fork")
    running: dict[Connection, multiprocessing.process.BaseProcess] = {}
    try:
        for piece in pieces:
            receiver, sender = context.Pipe(duplex=False)
            process = context.Process(target=_worker, args=(piece, catalogue, sender), daemon=True)
            process.start()
            sender.close()
            running[receiver] = process
        while running:
            for receiver in wait(list(running)):
                data = receiver.recv_bytes()  # type: ignore[union-attr]
                if data:
                    yield Batch.unpack(data)
                    continue
                process = running.pop(receiver)  # type: ignore[arg-type]
                receiver.close()  # type: ignore[union-attr]
                process.join()
                if process.exitcode:
                    raise RuntimeError(f"a validation worker failed (exit code {process.exitcode})")
    finally:
        for receiver, process in running.items():
            process.terminate()
            process.join()
            receiver.close()
