"""Read queries over a built chronology: events by date, actor, type, status and text; actors; contacts.

No web framework here: functions take a read-only sqlite3 connection and plain arguments and
return msgspec Structs. Input problems raise `QueryError` naming the parameter.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import msgspec

from .dates import fold, month_range, year_range
from .models import CONTACT_TYPES, EVENT_TYPES

MAX_LIMIT = 500
MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 12


class QueryError(ValueError):
    """A request parameter that cannot be used; names the parameter."""

    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(f"{parameter}: {detail}")
        self.parameter = parameter
        self.detail = detail


class NotFound(LookupError):
    """No record with that id."""


# --- response records ------------------------------------------------------------------------

class Record(msgspec.Struct, frozen=True, kw_only=True):
    """Response records: immutable, encoded by msgspec straight to JSON."""


class SourceRef(Record):
    id: str
    title: str
    outlet: str | None
    published: str
    url: str | None


class CitationOut(Record):
    source: SourceRef
    quote: str
    stance: str


class ActorRef(Record):
    id: str
    name: str


class EventActorOut(Record):
    id: str
    name: str
    role: str


class LocationOut(Record):
    place: str | None
    country: str | None


class EventOut(Record):
    id: str
    date: str
    date_text: str
    date_start: str
    date_end: str
    precision: str
    qualifier: str | None
    approximate: bool
    uncertain: bool
    date_basis: str
    title: str
    summary: str
    type: str
    cameo: str
    status: str
    location: LocationOut
    actors: list[EventActorOut]
    citations: list[CitationOut]
    notes: str | None = None


class EventPage(Record):
    events: list[EventOut]
    next: str | None


class MembershipOut(Record):
    organization: ActorRef
    role: str
    start: str | None
    end: str | None


class MemberOut(Record):
    actor: ActorRef
    role: str
    start: str | None
    end: str | None


class ActorSummary(Record):
    id: str
    name: str
    kind: str
    aliases: list[str]
    event_count: int


class ActorDetail(Record):
    id: str
    name: str
    kind: str
    aliases: list[str]
    notes: str | None
    memberships: list[MembershipOut]
    members: list[MemberOut]
    event_count: int
    contact_count: int
    first_event: str | None
    last_event: str | None


class ActorList(Record):
    actors: list[ActorSummary]


class Contact(Record):
    actor: ActorRef
    other: ActorRef
    count: int
    first: str
    last: str
    event_ids: list[str]


class ContactList(Record):
    contacts: list[Contact]


# --- parameters ------------------------------------------------------------------------------

_BOUND = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$", re.ASCII)


def parse_bound(value: str, parameter: str) -> tuple[date, date]:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` as the first and last day it covers."""
    m = _BOUND.match(value)
    if not m:
        raise QueryError(parameter, f"{value[:40]!r} is not a date: use YYYY, YYYY-MM or YYYY-MM-DD")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    try:
        if year < 1:
            raise ValueError
        if month is None:
            r = year_range(year)
            return r.start, r.end
        if day is None:
            r = month_range(year, int(month))
            return r.start, r.end
        d = date(year, int(month), int(day))
        return d, d
    except ValueError:
        raise QueryError(parameter, f"{value!r} is not a real calendar date") from None


@dataclass(frozen=True)
class EventFilter:
    """What /api/events and its exports select, already validated."""

    start: date | None = None
    end: date | None = None
    within: bool = False
    actors: tuple[str, ...] = ()
    members: bool = True
    expands: tuple[bool, ...] = ()  # per actor: does it have members to expand to?
    types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    q: str | None = None


def make_filter(
    conn: sqlite3.Connection,
    *,
    from_: str | None = None,
    to: str | None = None,
    match: str = "overlap",
    actor: list[str] | None = None,
    members: bool = True,
    type_: list[str] | None = None,
    status: list[str] | None = None,
    q: str | None = None,
) -> EventFilter:
    start = parse_bound(from_, "from")[0] if from_ else None
    end = parse_bound(to, "to")[1] if to else None
    if start and end and end < start:
        raise QueryError("to", f"the range ends ({to}) before it starts ({from_})")
    if match not in ("overlap", "within"):
        raise QueryError("match", f"{match!r} is not one of overlap, within")
    for t in type_ or []:
        if t not in EVENT_TYPES:
            raise QueryError("type", f"{t[:40]!r} is not a known event type")
    actors = tuple(dict.fromkeys(resolve_actor(conn, a) for a in actor or []))
    expands = tuple(
        members and conn.execute("SELECT 1 FROM memberships WHERE organization_id = ? LIMIT 1", (a,)).fetchone() is not None
        for a in actors
    )
    return EventFilter(
        start=start, end=end, within=match == "within", actors=actors, members=members, expands=expands,
        types=tuple(dict.fromkeys(type_ or [])), statuses=tuple(dict.fromkeys(status or [])),
        q=check_fts_query(q) if q else None,
    )


def resolve_actor(conn: sqlite3.Connection, text: str, parameter: str = "actor") -> str:
    """An actor id from its id, name or any alias, ignoring case and accents."""
    key = fold(text.strip())
    if not key or len(key) > 200:
        raise QueryError(parameter, "give an actor id, name or alias")
    row = conn.execute("SELECT actor_id FROM actor_aliases WHERE alias_key = ?", (key,)).fetchone()
    if row is None:
        raise QueryError(parameter, f"no actor is known as {text[:60]!r}; see /api/actors?q=")
    return row[0]


_FTS_WORD = re.compile(r"\w+", re.UNICODE)


def check_fts_query(q: str) -> str:
    """Bound the cost of a full-text query: its length and the number of terms."""
    if len(q) > MAX_QUERY_LENGTH:
        raise QueryError("q", f"at most {MAX_QUERY_LENGTH} characters")
    if not q.strip():
        raise QueryError("q", "empty full-text query")
    if len(_FTS_WORD.findall(q)) > MAX_QUERY_TERMS:
        raise QueryError("q", f"at most {MAX_QUERY_TERMS} terms")
    return q


# --- cursors ---------------------------------------------------------------------------------

_CURSOR_KEY = b"chrono-cursor-v1"


class _Cursor(msgspec.Struct, array_like=True):
    date_start: str
    date_end: str
    id: str
    order: str


def encode_cursor(date_start: str, date_end: str, event_id: str, order: str) -> str:
    payload = msgspec.msgpack.encode(_Cursor(date_start, date_end, event_id, order))
    tag = hashlib.blake2s(payload, key=_CURSOR_KEY, digest_size=6).digest()
    return base64.urlsafe_b64encode(tag + payload).decode().rstrip("=")


_decode_cursor = msgspec.msgpack.Decoder(_Cursor).decode


def decode_cursor(cursor: str, order: str) -> _Cursor:
    """The keyset position a cursor holds; any edit to it is detected and refused."""
    try:
        if len(cursor) > 400:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, payload = raw[:6], raw[6:]
        if hashlib.blake2s(payload, key=_CURSOR_KEY, digest_size=6).digest() != tag:
            raise ValueError
        position = _decode_cursor(payload)
    except (ValueError, msgspec.DecodeError, TypeError):
        raise QueryError("cursor", "not a cursor this API issued; pass `next` from a previous page unchanged") from None
    if position.order != order:
        raise QueryError("cursor", f"this cursor pages in {position.order} order; ask with order={position.order}")
    return position


# --- events ----------------------------------------------------------------------------------

def _range(alias: str, f: EventFilter) -> tuple[list[str], list]:
    """Date-range clauses on `alias` (events or event_actors: both carry date_start/date_end)."""
    clauses: list[str] = []
    params: list = []
    lo = f.start.isoformat() if f.start else None
    hi = f.end.isoformat() if f.end else None
    if f.within:
        if lo:
            clauses.append(f"{alias}.date_start >= ?")
            params.append(lo)
        if hi:
            clauses.append(f"{alias}.date_end <= ?")
            params.append(hi)
    else:
        if hi:
            clauses.append(f"{alias}.date_start <= ?")
            params.append(hi)
        if lo:
            clauses.append(f"{alias}.date_end >= ?")
            params.append(lo)
    return clauses, params


def _actor_subquery(actor_id: str, expand: bool, f: EventFilter) -> tuple[str, list]:
    """Event ids where the actor, or (if expanded) a member at the time, takes part."""
    rng, rng_params = _range("ea", f)
    extra = "".join(f" AND {c}" for c in rng)
    sql = f"SELECT ea.event_id FROM event_actors ea WHERE ea.actor_id = ?{extra}"
    params: list = [actor_id, *rng_params]
    if expand:
        sql += f""" UNION SELECT ea.event_id FROM memberships m
            JOIN event_actors ea ON ea.actor_id = m.actor_id
            WHERE m.organization_id = ?{extra}
              AND (m.start_date IS NULL OR m.start_date <= ea.date_end)
              AND (m.end_date IS NULL OR m.end_date >= ea.date_start)"""
        params += [actor_id, *rng_params]
    return sql, params


def events_sql(f: EventFilter, order: str = "asc", after: _Cursor | None = None, limit: int = 50) -> tuple[str, list]:
    """The page query; kept separate so tests can read its plan.

    With an actor whose events need no membership expansion, the actor's rows in
    event_actors (indexed by actor, date_start, date_end) drive the query in date order,
    so a page costs `limit` index steps however many events the actor has.
    """
    drive = bool(f.actors) and not f.expands[0]
    key = "ea" if drive else "e"
    key_id = "ea.event_id" if drive else "e.id"
    clauses, params = _range(key, f)
    actors = list(zip(f.actors, f.expands))
    if drive:
        clauses.insert(0, "ea.actor_id = ?")
        params.insert(0, f.actors[0])
        actors = actors[1:]
    for actor_id, expand in actors:
        sub, sub_params = _actor_subquery(actor_id, expand, f)
        clauses.append(f"e.id IN ({sub})")
        params.extend(sub_params)
    if f.types:
        clauses.append(f"e.type IN ({', '.join('?' * len(f.types))})")
        params.extend(f.types)
    if f.statuses:
        clauses.append(f"e.status IN ({', '.join('?' * len(f.statuses))})")
        params.extend(f.statuses)
    if f.q:
        clauses.append("e.rowid IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)")
        params.append(f.q)
    if after is not None:
        op = ">" if order == "asc" else "<"
        clauses.append(f"({key}.date_start, {key}.date_end, {key_id}) {op} (?, ?, ?)")
        params.extend([after.date_start, after.date_end, after.id])
    direction = "ASC" if order == "asc" else "DESC"
    source = "event_actors ea JOIN events e ON e.id = ea.event_id" if drive else "events e"
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = (
        "SELECT e.id, e.date, e.date_text, e.date_start, e.date_end, e.precision, e.qualifier, "
        "e.approximate, e.uncertain, e.date_basis, e.title, e.summary, e.type, e.status, "
        f"e.place, e.country, e.notes FROM {source} {where} "
        f"ORDER BY {key}.date_start {direction}, {key}.date_end {direction}, {key_id} {direction} LIMIT ?"
    )
    return sql, [*params, limit]


SQL_TIME_LIMIT = 1.0  # seconds; a query running longer is interrupted
PROGRESS_STEPS = 10_000  # SQLite VM steps between deadline checks


def _run(conn: sqlite3.Connection, sql: str, params: list) -> list[tuple]:
    """Run a page query under the SQL time limit, turning SQLite's complaints into QueryErrors."""
    deadline = time.monotonic() + SQL_TIME_LIMIT
    conn.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "interrupted" in message:
            raise QueryError("q", f"the query took longer than {SQL_TIME_LIMIT:g}s; narrow the filters") from None
        if "events_fts MATCH" in sql:
            # The only text that reaches SQL as syntax is the full-text query.
            raise QueryError("q", f"full-text syntax error ({message})") from None
        raise
    finally:
        conn.set_progress_handler(None, 0)


def _hydrate(conn: sqlite3.Connection, rows: list[tuple]) -> list[EventOut]:
    if not rows:
        return []
    ids = [r[0] for r in rows]
    marks = ", ".join("?" * len(ids))
    actors: dict[str, list[EventActorOut]] = {i: [] for i in ids}
    for event_id, actor_id, name, role in conn.execute(
        f"SELECT ea.event_id, ea.actor_id, a.name, ea.role FROM event_actors ea JOIN actors a ON a.id = ea.actor_id "
        f"WHERE ea.event_id IN ({marks}) ORDER BY ea.rowid", ids,
    ):
        actors[event_id].append(EventActorOut(id=actor_id, name=name, role=role))
    citations: dict[str, list[CitationOut]] = {i: [] for i in ids}
    for event_id, quote, stance, sid, title, outlet, published, url in conn.execute(
        f"SELECT c.event_id, c.quote, c.stance, s.id, s.title, s.outlet, s.published, s.url FROM citations c "
        f"JOIN sources s ON s.id = c.source_id WHERE c.event_id IN ({marks}) ORDER BY c.id", ids,
    ):
        citations[event_id].append(CitationOut(
            source=SourceRef(id=sid, title=title, outlet=outlet, published=published, url=url), quote=quote, stance=stance,
        ))
    return [
        EventOut(
            id=r[0], date=r[1], date_text=r[2], date_start=r[3], date_end=r[4], precision=r[5], qualifier=r[6],
            approximate=bool(r[7]), uncertain=bool(r[8]), date_basis=r[9], title=r[10], summary=r[11], type=r[12],
            cameo=EVENT_TYPES[r[12]][0], status=r[13], location=LocationOut(place=r[14], country=r[15]),
            actors=actors[r[0]], citations=citations[r[0]], notes=r[16],
        )
        for r in rows
    ]


def list_events(conn: sqlite3.Connection, f: EventFilter, *, limit: int = 50, cursor: str | None = None, order: str = "asc") -> EventPage:
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError("limit", f"must be between 1 and {MAX_LIMIT}")
    if order not in ("asc", "desc"):
        raise QueryError("order", f"{order!r} is not one of asc, desc")
    after = decode_cursor(cursor, order) if cursor else None
    sql, params = events_sql(f, order, after, limit + 1)
    rows = _run(conn, sql, params)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1][3], rows[-1][4], rows[-1][0], order) if more else None
    return EventPage(events=_hydrate(conn, rows), next=next_cursor)


def iter_events(conn: sqlite3.Connection, f: EventFilter, order: str = "asc", page: int = 500) -> Iterator[EventOut]:
    """Every matching event, fetched page by page so exports stream in flat memory.

    The first page is queried before this returns, so input errors (full-text syntax)
    surface as QueryError here rather than halfway through a streamed response.
    """
    sql, params = events_sql(f, order, None, page)
    first = _run(conn, sql, params)

    def pages() -> Iterator[EventOut]:
        rows = first
        while True:
            yield from _hydrate(conn, rows)
            if len(rows) < page:
                return
            last = rows[-1]
            sql, params = events_sql(f, order, _Cursor(last[3], last[4], last[0], order), page)
            rows = _run(conn, sql, params)

    return pages()


def get_event(conn: sqlite3.Connection, event_id: str) -> EventOut:
    rows = conn.execute(
        "SELECT e.id, e.date, e.date_text, e.date_start, e.date_end, e.precision, e.qualifier, e.approximate, "
        "e.uncertain, e.date_basis, e.title, e.summary, e.type, e.status, e.place, e.country, e.notes "
        "FROM events e WHERE e.id = ?", (event_id,),
    ).fetchall()
    if not rows:
        raise NotFound(event_id)
    return _hydrate(conn, rows)[0]


# --- actors and contacts ---------------------------------------------------------------------

def list_actors(conn: sqlite3.Connection, q: str | None = None, limit: int = 100) -> ActorList:
    if q is not None and len(q) > 200:
        raise QueryError("q", "at most 200 characters")
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError("limit", f"must be between 1 and {MAX_LIMIT}")
    params: list = []
    where = ""
    if q:
        key = fold(q.strip())
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where = "WHERE a.id IN (SELECT actor_id FROM actor_aliases WHERE alias_key LIKE ? ESCAPE '\\')"
        params.append(f"%{escaped}%")
    rows = conn.execute(
        f"""SELECT a.id, a.name, a.kind,
                   (SELECT count(*) FROM event_actors ea WHERE ea.actor_id = a.id)
            FROM actors a {where} ORDER BY a.name LIMIT ?""", [*params, limit],
    ).fetchall()
    aliases = _aliases(conn, [r[0] for r in rows])
    return ActorList(actors=[
        ActorSummary(id=r[0], name=r[1], kind=r[2], aliases=aliases.get(r[0], []), event_count=r[3]) for r in rows
    ])


def _aliases(conn: sqlite3.Connection, ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if ids:
        for actor_id, alias in conn.execute(
            f"SELECT actor_id, alias FROM actor_aliases WHERE actor_id IN ({', '.join('?' * len(ids))}) ORDER BY alias", ids,
        ):
            if alias != actor_id:
                out.setdefault(actor_id, []).append(alias)
    return out


def get_actor(conn: sqlite3.Connection, actor_id: str) -> ActorDetail:
    row = conn.execute("SELECT id, name, kind, notes FROM actors WHERE id = ?", (actor_id,)).fetchone()
    if row is None:
        raise NotFound(actor_id)
    memberships = [
        MembershipOut(organization=ActorRef(id=o, name=n), role=role, start=s, end=e)
        for o, n, role, s, e in conn.execute(
            "SELECT m.organization_id, a.name, m.role, m.start, m.end FROM memberships m JOIN actors a ON a.id = m.organization_id "
            "WHERE m.actor_id = ? ORDER BY m.start_date, m.id", (actor_id,),
        )
    ]
    members = [
        MemberOut(actor=ActorRef(id=i, name=n), role=role, start=s, end=e)
        for i, n, role, s, e in conn.execute(
            "SELECT m.actor_id, a.name, m.role, m.start, m.end FROM memberships m JOIN actors a ON a.id = m.actor_id "
            "WHERE m.organization_id = ? ORDER BY a.name, m.start_date", (actor_id,),
        )
    ]
    count, first, last = conn.execute(
        "SELECT count(*), min(date_start), max(date_end) FROM event_actors WHERE actor_id = ?", (actor_id,),
    ).fetchone()
    contacts = conn.execute("SELECT count(DISTINCT other_id) FROM contacts WHERE actor_id = ?", (actor_id,)).fetchone()[0]
    return ActorDetail(
        id=row[0], name=row[1], kind=row[2], notes=row[3], aliases=_aliases(conn, [actor_id]).get(actor_id, []),
        memberships=memberships, members=members, event_count=count, contact_count=contacts,
        first_event=first, last_event=last,
    )


def _side_sql(f: EventFilter) -> str:
    """Rows of event_actors standing for one side of a contact: the actor itself and,
    with members on, its members while their membership covers the event."""
    rng, _ = _range("ea", f)
    extra = "".join(f" AND {c}" for c in rng)
    return f"""SELECT ea.event_id, ea.actor_id, ea.date_start, ea.date_end FROM event_actors ea
                WHERE ea.actor_id = ?{extra}
            UNION
            SELECT ea.event_id, ea.actor_id, ea.date_start, ea.date_end FROM memberships m
                JOIN event_actors ea ON ea.actor_id = m.actor_id
                WHERE m.organization_id = ? AND ? {extra}
                  AND (m.start_date IS NULL OR m.start_date <= ea.date_end)
                  AND (m.end_date IS NULL OR m.end_date >= ea.date_start)"""


def list_contacts(
    conn: sqlite3.Connection, actor: str, other: str | None = None, from_: str | None = None, to: str | None = None,
    members: bool = True,
) -> ContactList:
    """Contact events (calls, meetings, visits, talks, conferences, ceremonies) between the
    actor's side and each other participant, or the `other` actor's side.

    An organization's side includes its members at the time, so "the Islamic Emirate and
    Hamas" finds Muttaqi's call with Haniyeh; a participant on both sides is not a contact.
    """
    actor_id = resolve_actor(conn, actor, "actor")
    other_id = resolve_actor(conn, other, "with") if other else None
    f = make_filter(conn, from_=from_, to=to)
    _, rng_params = _range("ea", f)
    side_params = [actor_id, *rng_params, actor_id, int(members), *rng_params]
    types = ", ".join(f"'{t}'" for t in CONTACT_TYPES)
    head = f"""WITH a_rows AS ({_side_sql(f)}),
        a_events AS (SELECT DISTINCT a.event_id, a.date_start, a.date_end FROM a_rows a
                     JOIN events e ON e.id = a.event_id AND e.type IN ({types}))"""
    if other_id:
        sql = f"""{head}, b_rows AS ({_side_sql(f)})
            SELECT ?, (SELECT name FROM actors WHERE id = ?), count(*), min(ae.date_start), max(ae.date_end),
                   json_group_array(ae.event_id)
            FROM a_events ae
            WHERE EXISTS (SELECT 1 FROM b_rows b WHERE b.event_id = ae.event_id
                          AND b.actor_id NOT IN (SELECT a.actor_id FROM a_rows a WHERE a.event_id = ae.event_id))
            HAVING count(*) > 0"""
        params = [*side_params, other_id, *rng_params, other_id, int(members), *rng_params, other_id, other_id]
    else:
        sql = f"""{head}
            SELECT b.actor_id, o.name, count(DISTINCT ae.event_id), min(ae.date_start), max(ae.date_end),
                   json_group_array(DISTINCT ae.event_id)
            FROM a_events ae
            JOIN event_actors b ON b.event_id = ae.event_id
            JOIN actors o ON o.id = b.actor_id
            WHERE b.actor_id NOT IN (SELECT a.actor_id FROM a_rows a WHERE a.event_id = ae.event_id)
            GROUP BY b.actor_id ORDER BY count(DISTINCT ae.event_id) DESC, o.name"""
        params = side_params
    rows = conn.execute(sql, params).fetchall()
    name = conn.execute("SELECT name FROM actors WHERE id = ?", (actor_id,)).fetchone()[0]
    me = ActorRef(id=actor_id, name=name)
    return ContactList(contacts=[
        Contact(actor=me, other=ActorRef(id=r[0], name=r[1]), count=r[2], first=r[3], last=r[4],
                event_ids=sorted(msgspec.json.decode(r[5])))
        for r in rows
    ])


# --- the database file -----------------------------------------------------------------------

@dataclass
class Snapshot:
    """One build of the database, open read-only, with the identity HTTP caching uses."""

    path: Path
    conn: sqlite3.Connection
    build_id: str
    input_hash: str
    inode: tuple[int, int, int]


@dataclass
class Database:
    """Hands out the current build; when `chrono build` swaps a new file in, the next request
    opens it, while requests already running finish on the connection they hold."""

    path: Path
    _snapshot: Snapshot | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def current(self) -> Snapshot:
        st = os.stat(self.path)
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        snap = self._snapshot
        if snap is not None and snap.inode == key:
            return snap
        with self._lock:
            if self._snapshot is None or self._snapshot.inode != key:
                self._snapshot = self._open(key)
            return self._snapshot

    def _open(self, key: tuple[int, int, int]) -> Snapshot:
        conn = open_readonly(self.path)
        info = dict(conn.execute("SELECT key, value FROM chrono_build").fetchall())
        return Snapshot(self.path, conn, info.get("build_id", "unknown"), info.get("input_hash", "unknown"), key)


def open_readonly(path: Path) -> sqlite3.Connection:
    """Immutable: the file is never written in place (rebuilds rename a new file over it)."""
    uri = f"file:{Path(path).resolve()}?mode=ro&immutable=1"
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, cached_statements=256)
    conn.execute("PRAGMA query_only = ON")
    return conn
