"""Bulk events become table rows: validated, turned into rows for every table they feed, and
encoded as the API serves them, in worker processes when a file is large.

A large JSONL file is cut at line boundaries into one piece per core; a worker process
validates its pieces and writes their rows into a stage file of its own, which the build
attaches and reads. Validation is pure Python and single-threaded: this is how a build
uses every core.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import NoReturn

import msgspec

from . import dates
from .load import Catalogue, CheckedEvent, Problem, stream_jsonl
from .models import (
    CONTACT_TYPES,
    EVENT_TYPES,
    PARTY_ROLES,
    CitationOut,
    EventActorOut,
    EventOut,
    LocationOut,
    SourceRef,
)
from .schema import BUILD_WORKER, apply_profile

BATCH_EVENTS = 2000
# Stage n numbers its rows from n << STAGE_BITS (the build's own stage is 0, worker i's is
# i + 1): a staged row's rowid says which stage holds it.
STAGE_BITS = 40
# Below this size a file is validated in the building process: starting workers costs more.
PARALLEL_MIN_BYTES = 16 * 1024 * 1024

STAGE_COLUMNS = (
    "src, line, id, date, date_start, date_end, precision, qualifier, approximate, uncertain, "
    "date_text, date_basis, date_anchor, title, summary, type, status, place, country, notes, "
    "date_scale, display_date, quotes"
)
_STAGE_MARKS = ", ".join("?" * len(STAGE_COLUMNS.split(",")))
ACTOR_COLUMNS = "event_id, actor_id, role, date_start, date_end, date_scale"
CITATION_COLUMNS = "event_id, source_id, quote, stance"
PAIR_COLUMNS = "side_id, other_id, event_id, date_start, date_end, pair"


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
    """Rows from a run of consecutive events. docs[i] is the API document of events[i]."""

    events: list = field(default_factory=list)
    docs: list = field(default_factory=list)
    actors: list = field(default_factory=list)
    citations: list = field(default_factory=list)
    pairs: list = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class Tables:
    """Where a writer puts each kind of row."""

    events: str
    docs: str
    actors: str
    citations: str
    pairs: str


# The build's own database: events wait in its stage; actors and citations go to their tables.
BUILD_TABLES = Tables("stage.events", "stage.docs", "event_actors", "citations", "stage.pairs")
# A worker's stage file holds everything.
WORKER_TABLES = Tables("events", "docs", "actors", "citations", "pairs")


def create_stage(
    conn: sqlite3.Connection, tables: Tables, *, children: bool, after_rowid: int = 0
) -> None:
    """Stage tables: events and their documents share rowids (both are appended together),
    numbered after `after_rowid`, so that the stages of one build never share a rowid."""
    key = "n INTEGER PRIMARY KEY AUTOINCREMENT, " if after_rowid else ""
    conn.execute(f"CREATE TABLE {tables.events} ({key}{STAGE_COLUMNS})")
    conn.execute(f"CREATE TABLE {tables.docs} ({key}json TEXT NOT NULL)")
    if after_rowid:
        conn.execute(
            "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?), (?, ?)",
            (tables.events, after_rowid, tables.docs, after_rowid),
        )
    conn.execute(f"CREATE TABLE {tables.pairs} ({PAIR_COLUMNS})")
    if children:
        conn.execute(f"CREATE TABLE {tables.actors} ({ACTOR_COLUMNS})")
        conn.execute(f"CREATE TABLE {tables.citations} ({CITATION_COLUMNS})")


class Writer:
    """Appends batches to the tables named by `tables`, in the open transaction."""

    def __init__(self, conn: sqlite3.Connection, tables: Tables) -> None:
        self.conn = conn
        self.tables = tables

    def write(self, batch: Batch) -> None:
        t, cur = self.tables, self.conn.cursor()
        cur.executemany(
            f"INSERT INTO {t.events} ({STAGE_COLUMNS}) VALUES ({_STAGE_MARKS})", batch.events
        )
        cur.executemany(f"INSERT INTO {t.docs} (json) VALUES (?)", batch.docs)
        cur.executemany(
            f"INSERT INTO {t.actors} ({ACTOR_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", batch.actors
        )
        cur.executemany(
            f"INSERT INTO {t.citations} ({CITATION_COLUMNS}) VALUES (?, ?, ?, ?)", batch.citations
        )
        cur.executemany(
            f"INSERT INTO {t.pairs} ({PAIR_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)", batch.pairs
        )


def organization_members(
    catalogue: Catalogue,
) -> list[tuple[str, str, str | None, str | None, str | None]]:
    """Who counts for each organization, as (organization, member, first day, last day, via):
    its members, and the members of those (a ministry's spokesman for the government), for the
    days every membership on the way holds. `via` is the direct member the path runs through
    (None for a direct member). A path never visits an actor twice, so a cycle ends."""
    direct: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for actor_id, j, start, end in catalogue.memberships:
        m = catalogue.actors[actor_id].memberships[j]
        direct.setdefault(m.organization, []).append(
            (actor_id, iso(start, "start"), iso(end, "end"))
        )
    out = []
    for organization, members in direct.items():
        paths = [
            (actor, first, last, None, {organization, actor}) for actor, first, last in members
        ]
        while paths:
            actor, first, last, via, seen = paths.pop()
            out.append((organization, actor, first, last, via))
            for inner, inner_first, inner_last in direct.get(actor, ()):
                lo = max(filter(None, (first, inner_first)), default=None)
                hi = min(filter(None, (last, inner_last)), default=None)
                if inner not in seen and not (lo and hi and lo > hi):
                    paths.append((inner, lo, hi, via or actor, seen | {inner}))
    return out


class Rows:
    """Turns checked events into table rows, contact pairs and the event's API document."""

    def __init__(self, catalogue: Catalogue) -> None:
        # actor id -> [(organization id, first day it counts for it, last day)],
        # nested members included
        self.member_of: dict[str, list[tuple[str, str | None, str | None]]] = {}
        for organization, actor_id, first, last, _ in organization_members(catalogue):
            self.member_of.setdefault(actor_id, []).append((organization, first, last))
        self.has_members = {org for orgs in self.member_of.values() for org, _, _ in orgs}
        self.contact = set(CONTACT_TYPES)
        self.names = {a.id: a.name for a in catalogue.actors.values()}
        self.sources = {
            s.id: SourceRef(
                id=s.id,
                title=s.title,
                outlet=s.outlet,
                published=s.published,
                display_published=dates.display_date(s.published, s.published, ""),
                url=s.url,
            )
            for s, _ in catalogue.sources.values()
        }
        self.encode = msgspec.json.Encoder().encode

    def add(self, checked: CheckedEvent, src: int, line: int, batch: Batch) -> None:
        e, when = checked.event, checked.when
        start, end = when.start.isoformat(), when.end.isoformat()
        scale = date_scale(when.start, when.end)
        label = dates.display_date(
            e.date, start, end, e.qualifier, when.approximate, when.uncertain
        )
        batch.events.append(
            (
                src,
                line,
                e.id,
                e.date,
                start,
                end,
                when.precision,
                e.qualifier,
                int(when.approximate),
                int(when.uncertain),
                e.date_text,
                e.date_basis,
                e.date_anchor,
                e.title,
                e.summary,
                e.type,
                e.status,
                e.location.place,
                e.location.country,
                e.notes,
                scale,
                label,
                " ".join(c.quote for c in e.citations),
            )
        )
        batch.docs.append((self.document(checked, start, end, label),))
        batch.actors.extend((e.id, a.id, a.role, start, end, scale) for a in e.actors)
        batch.citations.extend((e.id, c.source, c.quote, c.stance) for c in e.citations)
        if e.type in self.contact:
            parties = [
                a.id for a in e.actors if a.role in PARTY_ROLES
            ]  # a subject or target meets no one
            if len(parties) > 1:
                self._pairs(e.id, parties, start, end, batch.pairs)

    def document(self, checked: CheckedEvent, start: str, end: str, label: str) -> str:
        """The event as /api/events serves it: stored once, passed through on every request."""
        e, when = checked.event, checked.when
        return self.encode(
            EventOut(
                id=e.id,
                date=e.date,
                date_text=e.date_text,
                date_start=start,
                date_end=end,
                precision=when.precision,
                display_date=label,
                qualifier=e.qualifier,
                approximate=when.approximate,
                uncertain=when.uncertain,
                date_basis=e.date_basis,
                title=e.title,
                summary=e.summary,
                type=e.type,
                cameo=EVENT_TYPES[e.type][0],
                status=e.status,
                location=LocationOut(place=e.location.place, country=e.location.country),
                actors=[
                    EventActorOut(id=a.id, name=self.names[a.id], role=a.role) for a in e.actors
                ],
                citations=[
                    CitationOut(source=self.sources[c.source], quote=c.quote, stance=c.stance)
                    for c in e.citations
                ],
                notes=e.notes,
            )
        ).decode()

    def _pairs(
        self, event_id: str, participants: list[str], start: str, end: str, out: list
    ) -> None:
        """Contact pairs of one event, as (side, other, event, start, end, pair): see
        contact_sides."""
        found = contact_sides(participants, start, end, self.member_of, self.has_members)
        out.extend((side, other, event_id, start, end, pair) for side, other, pair in found)


def contact_sides(
    participants: list[str],
    start: str,
    end: str,
    member_of: dict[str, list[tuple[str, str | None, str | None]]],
    has_members: set[str],
) -> list[tuple[str, str, int]]:
    """Contact pairs of one event, as (side, other, pair). `participants`: the event's parties
    only (models.PARTY_ROLES); `member_of`: actor -> [(organization, first day, last day)].

    A side is a participant or an organization a participant belongs to at the time, with
    those members. A side and another participant are in contact when each has someone the
    other lacks: a member of a side is not its contact, and neither is an organization
    its only participant belongs to (Haniyeh at an event with Hamas has not met Hamas). So
    the rule reads the same from both ends. pair = 1 rows make contact_pairs (what
    /api/contacts lists with members on); pair = 0 rows are an organization's own direct
    contacts, counted apart for the contacts view's numbers.
    """
    sides: dict[str, set[str]] = {}
    for p in participants:
        for org, m_start, m_end in member_of.get(p, ()):
            if (m_start is None or m_start <= end) and (m_end is None or m_end >= start):
                sides.setdefault(org, set()).add(p)
    for p in participants:
        if p in has_members:
            sides.setdefault(p, set()).add(p)

    def contacts(inside: set[str]) -> list[str]:
        return [q for q in participants if q not in inside and not inside <= sides.get(q, {q})]

    out = []
    for p in participants:
        direct = 0 if p in has_members else 1
        out.extend((p, q, direct) for q in contacts({p}))
    for side, inside in sides.items():
        out.extend((side, q, 1) for q in contacts(inside))
    return out


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
    return [Piece(src, path, a, b) for a, b in zip(bounds, bounds[1:], strict=False) if b > a]


def batches(piece: Piece, catalogue: Catalogue, size: int = BATCH_EVENTS) -> Iterator[Batch]:
    """Validated rows of one piece, with its problems, in batches of `size` events."""
    rows = Rows(catalogue)
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


def stage(
    pieces: list[Piece], catalogue: Catalogue, writer: Writer, max_problems: int
) -> list[Problem]:
    """Validate pieces in this process, writing their rows; stop early past `max_problems`."""
    problems: list[Problem] = []
    for piece in pieces:
        for batch in batches(piece, catalogue):
            problems += batch.problems
            if len(problems) > max_problems:
                return problems
            writer.write(batch)
    return problems


def stage_in_workers(
    assignments: list[list[Piece]], catalogue: Catalogue, files: list[Path], max_problems: int
) -> list[Problem]:
    """Worker i validates assignments[i], writing stage file files[i] (WORKER_TABLES);
    their problems, worker by worker."""
    # fork: workers inherit the catalogue, and no module is imported again. The build starts
    # no thread of its own before this.
    context = multiprocessing.get_context("fork")
    running: dict[Connection, tuple[int, multiprocessing.process.BaseProcess]] = {}
    found: dict[int, list[Problem]] = {}
    try:
        for i, (pieces, file) in enumerate(zip(assignments, files, strict=True)):
            receiver, sender = context.Pipe(duplex=False)
            after_rowid = (i + 1) << STAGE_BITS
            args = (os.getpid(), pieces, catalogue, file, after_rowid, max_problems, sender)
            process = context.Process(target=_worker, args=args, daemon=True)
            process.start()
            sender.close()
            running[receiver] = (i, process)
        while running:
            for receiver in wait(list(running)):
                i, process = running.pop(receiver)  # type: ignore[arg-type]
                try:
                    answer = msgspec.msgpack.decode(receiver.recv_bytes())  # type: ignore[union-attr]
                except EOFError:
                    process.join()
                    raise RuntimeError(
                        f"a validation worker failed (exit code {process.exitcode})"
                    ) from None
                receiver.close()  # type: ignore[union-attr]
                process.join()
                if isinstance(answer, dict):
                    _raise_failure(*answer["failure"])
                found[i] = [Problem(*p) for p in answer]
    finally:
        for receiver, (_, process) in running.items():
            process.terminate()
            process.join()
            receiver.close()
    return [p for i in sorted(found) for p in found[i]]


def _worker(
    build: int,
    pieces: list[Piece],
    catalogue: Catalogue,
    file: Path,
    after_rowid: int,
    max_problems: int,
    out: Connection,
) -> None:
    _die_with(build)
    try:
        conn = sqlite3.connect(file, isolation_level=None)
        apply_profile(conn, BUILD_WORKER)
        conn.execute("BEGIN")
        create_stage(conn, WORKER_TABLES, children=True, after_rowid=after_rowid)
        problems = stage(pieces, catalogue, Writer(conn, WORKER_TABLES), max_problems)
        conn.execute("COMMIT")
        conn.close()
    except (OSError, sqlite3.Error) as exc:
        # A full disk or an unwritable folder: the build reports it in one line, so hand it over.
        out.send_bytes(msgspec.msgpack.encode({"failure": _failure(exc)}))
        out.close()
        return
    out.send_bytes(
        msgspec.msgpack.encode([(p.file, p.record, p.field, p.message) for p in problems])
    )
    out.close()


def _failure(exc: OSError | sqlite3.Error) -> tuple[str, int, str, str | None]:
    if isinstance(exc, OSError):
        return "os", exc.errno or 0, exc.strerror or str(exc), exc.filename
    return "sqlite", getattr(exc, "sqlite_errorcode", 0), str(exc), None


def _raise_failure(kind: str, code: int, message: str, filename: str | None) -> NoReturn:
    """Raise in the build the exception a worker met, as the build would have met it."""
    if kind == "os":
        raise OSError(code, message, filename)
    exc = sqlite3.OperationalError(message)
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    raise exc


def _die_with(parent: int) -> None:
    """A worker must not outlive a build killed with kill -9: ask Linux for SIGKILL when the
    parent dies (PR_SET_PDEATHSIG), and stop now if it already has."""
    # not Linux: daemon workers still end with a build that exits normally
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def copy_children(conn: sqlite3.Connection, schema: str) -> None:
    """Append an attached worker stage's actors and citations to the build's tables. Its
    events, documents and contact pairs stay where they are, read once in place."""
    for table, source, columns in (
        (BUILD_TABLES.actors, WORKER_TABLES.actors, ACTOR_COLUMNS),
        (BUILD_TABLES.citations, WORKER_TABLES.citations, CITATION_COLUMNS),
    ):
        conn.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {schema}.{source}")


def workers() -> int:
    return min(len(os.sched_getaffinity(0)), 4)
