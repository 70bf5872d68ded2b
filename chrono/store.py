"""Read queries over a built chronology: events by date, actor, type, status and text; actors; contacts.

No web framework here: functions take a read-only sqlite3 connection and plain arguments and
return msgspec Structs. Input problems raise `QueryError` naming the parameter.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import msgspec

from .dates import fold, month_range, name_key, year_range
from .models import (
    CONTACT_TYPES, EVENT_TYPES, PARTY_ROLES, ActorDetail, ActorList, ActorRef, ActorSummary, Contact,
    ContactList, EventOut, EventPage, MemberOut, MembershipOut,
)
from .schema import (
    FTS_COLUMNS, FTS_TOKENIZER, SCHEMA_VERSION, SERVING, FileIdentity, apply_profile,
    bound_connection, file_identity,
)

MAX_LIMIT = 500
MAX_CONTACTS = 10_000
MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 12


class QueryError(ValueError):
    """A request parameter that cannot be used; names the parameter, and may suggest values
    close to the one given (actors with a similar name)."""

    def __init__(self, parameter: str, detail: str, suggestions: list[dict[str, str]] | None = None) -> None:
        super().__init__(f"{parameter}: {detail}")
        self.parameter = parameter
        self.detail = detail
        self.suggestions = suggestions or []


class NotFound(LookupError):
    """No record with that id."""


class IncompatibleDatabase(Exception):
    """A file this code cannot serve: not a chrono database, or built for another schema."""


# --- parameters ------------------------------------------------------------------------------

_BOUND = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?\Z", re.ASCII)


def parse_bound(value: str, parameter: str) -> tuple[date, date]:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` as the first and last day it covers."""
    m = _BOUND.match(value)
    if not m:
        raise QueryError(parameter, f"use YYYY, YYYY-MM or YYYY-MM-DD (got {value[:40]!r})")
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

    @functools.cached_property
    def fingerprint(self) -> bytes:
        """What the filter selects, in a few bytes: a cursor carries it, so that it pages only
        through the selection it came from. Order-free (actor=A&actor=B is actor=B&actor=A)."""
        selection = (self.start and self.start.isoformat(), self.end and self.end.isoformat(), self.within,
                     sorted(self.actors), self.members, sorted(self.types), sorted(self.statuses), self.q)
        return hashlib.blake2s(msgspec.msgpack.encode(selection), digest_size=6).digest()


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
    expands = tuple(members and _has_members(conn, a) for a in actors)
    return EventFilter(
        start=start, end=end, within=match == "within", actors=actors, members=members, expands=expands,
        types=tuple(dict.fromkeys(type_ or [])), statuses=tuple(dict.fromkeys(status or [])),
        q=check_fts_query(q) if q is not None else None,
    )


def resolve_actor(conn: sqlite3.Connection, text: str, parameter: str = "actor") -> str:
    """An actor id from its id, name or any alias, ignoring case, accents and typographic
    punctuation (dates.name_key)."""
    known = getattr(conn, "chrono_actor_ids", None)
    if known is not None and (actor_id := known.get(text)) is not None:
        return actor_id
    key = name_key(text)
    if not key or len(key) > 200:
        raise QueryError(parameter, "give an actor id, name or alias")
    row = conn.execute("SELECT actor_id FROM actor_aliases WHERE alias_key = ?", (key,)).fetchone()
    if row is None:
        raise QueryError(parameter, f"no actor is known as {text[:60]!r}; search names at /api/actors?q=",
                         close_actors(conn, key))
    _remember(known, text, row[0])
    return row[0]


SUGGESTIONS = 3
SUGGESTION_SCORE = 75  # rapidfuzz token_sort_ratio, 0-100: "Hanieh" for Haniyeh, "Mutaki" for Muttaqi


def close_actors(conn: sqlite3.Connection, key: str, limit: int = SUGGESTIONS) -> list[dict[str, str]]:
    """Actors whose name or an alias is spelled close to `key` (a name_key), the closest first,
    as {id, name}: what a reader probably meant by a name no one is known as. Words in any
    order ("Muttaqi Amir"). Measured: 5 ms over 24,000 aliases (WRatio took 34)."""
    from rapidfuzz import fuzz, process  # only the unknown-name path needs it

    aliases = getattr(conn, "chrono_alias_keys", None)
    if aliases is None:
        aliases = conn.execute("SELECT alias_key, actor_id FROM actor_aliases").fetchall()
        if isinstance(conn, ChronoConnection):
            conn.chrono_alias_keys = aliases
    found = process.extract(key[:MEMO_TEXT], [k for k, _ in aliases], scorer=fuzz.token_sort_ratio,
                            limit=limit * 4, score_cutoff=SUGGESTION_SCORE)
    ids = list(dict.fromkeys(aliases[i][1] for _, _, i in found))[:limit]
    names = dict(conn.execute(f"SELECT id, name FROM actors WHERE id IN ({', '.join('?' * len(ids))})", ids).fetchall())
    return [{"id": i, "name": names[i]} for i in ids if i in names]


_FTS_WORD = re.compile(r"\w+", re.UNICODE)


def check_fts_query(q: str) -> str:
    """The full-text query to run: `q` itself when it is valid FTS5 syntax (words, "phrases",
    OR, NOT, prefix*, column:word), otherwise `q` read as plain text, each word with its
    punctuation a phrase (al-Qaeda, Haniyeh's, U.S., 9/11). Its length and number of terms
    are bounded."""
    if len(q) > MAX_QUERY_LENGTH:
        raise QueryError("q", f"at most {MAX_QUERY_LENGTH} characters")
    if not q.strip():
        raise QueryError("q", "empty full-text query")
    if len(_FTS_WORD.findall(q)) > MAX_QUERY_TERMS:
        raise QueryError("q", f"at most {MAX_QUERY_TERMS} terms")
    query, error = _readable_fts_query(q)
    if query is None:
        raise QueryError("q", error)
    return query


_FTS_PROBES = threading.local()  # an empty index per thread: no connection is shared


def _fts_syntax_error(q: str) -> str | None:
    probe = getattr(_FTS_PROBES, "conn", None)
    if probe is None:
        probe = _FTS_PROBES.conn = sqlite3.connect(":memory:")
        probe.execute(f"CREATE VIRTUAL TABLE events_fts USING fts5({FTS_COLUMNS}, {FTS_TOKENIZER})")
    try:
        probe.execute("SELECT rowid FROM events_fts WHERE events_fts MATCH ?", (q,)).fetchall()
    except sqlite3.OperationalError as exc:
        return str(exc)
    return None


@functools.lru_cache(maxsize=1024)
def _readable_fts_query(q: str) -> tuple[str | None, str]:
    """(the query to run, "") or (None, why not)."""
    error = _fts_syntax_error(q)
    if error is None:
        return q, ""
    phrases = []
    for chunk in q.split():
        word, prefix = (chunk[:-1], "*") if chunk.endswith("*") else (chunk, "")
        if _FTS_WORD.search(word):
            phrases.append('"' + word.replace('"', '""') + '"' + prefix)
    if not phrases:
        return None, "no words to search for"
    plain = " ".join(phrases)
    if _fts_syntax_error(plain) is None:
        return plain, ""
    return None, f"full-text syntax error ({error})"


# --- cursors ---------------------------------------------------------------------------------

_CURSOR_KEY = b"chrono-cursor-v1"


class _Cursor(msgspec.Struct, array_like=True):
    date_start: str
    date_end: str
    id: str
    order: str
    filters: bytes = b""  # EventFilter.fingerprint of the selection it pages through


def encode_cursor(date_start: str, date_end: str, event_id: str, order: str, filters: bytes = b"") -> str:
    payload = msgspec.msgpack.encode(_Cursor(date_start, date_end, event_id, order, filters))
    tag = hashlib.blake2s(payload, key=_CURSOR_KEY, digest_size=6).digest()
    return base64.urlsafe_b64encode(tag + payload).decode().rstrip("=")


_decode_cursor = msgspec.msgpack.Decoder(_Cursor).decode


def decode_cursor(cursor: str, order: str, filters: bytes = b"") -> _Cursor:
    """The keyset position a cursor holds; any edit to it is detected and refused, and so is
    its use with other filters than those of the page that gave it."""
    try:
        if len(cursor) > 400:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if base64.urlsafe_b64encode(raw).decode().rstrip("=") != cursor:
            raise ValueError  # only the one spelling this API issues: no stray or padding bits
        tag, payload = raw[:6], raw[6:]
        if hashlib.blake2s(payload, key=_CURSOR_KEY, digest_size=6).digest() != tag:
            raise ValueError
        position = _decode_cursor(payload)
    except (ValueError, msgspec.DecodeError, TypeError):
        raise QueryError("cursor", "not a cursor this API issued; pass `next` from a previous page unchanged") from None
    if position.order != order:
        raise QueryError("cursor", f"this cursor pages in {position.order} order; ask with order={position.order}")
    if position.filters != filters:
        raise QueryError("cursor", "this cursor belongs to a page with other filters; ask with the same filters, "
                                   "or start again without a cursor")
    return position


# --- events ----------------------------------------------------------------------------------

# The date scales of a build: events of scale s last at most 2**s days (see ingest.date_scale).
# Without a database to ask (tests reading plans), every scale up to 2**16 days is assumed.
DEFAULT_SCALES: tuple[tuple[int, int], ...] = tuple((s, 2 ** s) for s in range(17))


@dataclass(frozen=True)
class BuildFacts:
    """What a build tells the query planner in chrono.store, read once per connection."""

    scales: tuple[tuple[int, int], ...] = DEFAULT_SCALES  # (scale, longest event in days)

    @property
    def longest(self) -> int:
        return max((days for _, days in self.scales), default=1)

    @functools.cached_property
    def lookbacks(self) -> tuple[tuple[str, timedelta], ...]:
        """Per scale, the parameter of its arm's lower bound and how far before the range
        start an overlapping event of that scale can begin."""
        return tuple((f"lower{scale}", timedelta(days=days - 1)) for scale, days in self.scales)


def build_facts(conn: sqlite3.Connection) -> BuildFacts:
    cached = getattr(conn, "chrono_facts", None)
    if cached is not None:
        return cached
    row = conn.execute("SELECT value FROM chrono_build WHERE key = 'date_scales'").fetchone()
    facts = BuildFacts(tuple(sorted((int(s), int(d)) for s, d in msgspec.json.decode(row[0]).items()))) if row else BuildFacts()
    if isinstance(conn, ChronoConnection):
        conn.chrono_facts = facts
    return facts


def _range(alias: str, f: EventFilter) -> tuple[list[str], list]:
    """Date-range clauses on `alias` (events or event_actors: both carry date_start/date_end)."""
    lo = f.start.isoformat() if f.start else None
    hi = f.end.isoformat() if f.end else None
    # within: every possible day inside; overlap: some possible day inside
    bounds = ([("date_start", ">=", lo), ("date_end", "<=", hi)] if f.within
              else [("date_start", "<=", hi), ("date_end", ">=", lo)])
    clauses = [f"{alias}.{column} {op} ?" for column, op, value in bounds if value]
    params = [value for _, _, value in bounds if value]
    return clauses, params


class _Shape(NamedTuple):
    """All the text of a page query depends on. Values (actors, dates, the cursor, the limit)
    travel as named parameters, so one text serves every request of the same shape: it is
    composed once, and SQLite's statement cache keeps it prepared."""

    drive: str  # actor | fts | events
    expand: bool  # the driving actor is an organization read with its members
    tested: tuple[tuple[int, bool], ...]  # other actors tested per row: (position, expand)
    types: int
    statuses: int
    q: bool  # a full-text test per row (when the text does not drive)
    lo: bool
    hi: bool
    within: bool
    after: bool
    order: str
    scales: tuple[int, ...]


def _shape(f: EventFilter, order: str, after: _Cursor | None, facts: BuildFacts, drive: str) -> _Shape:
    skip = 1 if drive == "actor" else 0
    return _Shape(
        drive=drive, expand=drive == "actor" and f.expands[0],
        tested=tuple((i, f.expands[i]) for i in range(skip, len(f.actors))),
        types=len(f.types), statuses=len(f.statuses), q=bool(f.q) and drive != "fts",
        lo=f.start is not None, hi=f.end is not None, within=f.within, after=after is not None, order=order,
        scales=tuple(s for s, _ in facts.scales),
    )


def _row_tests(shape: _Shape) -> list[str]:
    """Clauses on the events row `e` for everything that does not drive the query; each is
    one probe of an index or a primary key."""
    clauses = []
    for i, expand in shape.tested:
        # the actor itself, or (expand) the organization or a member at the time
        table, key = ("member_events", "organization_id") if expand else ("actor_events", "actor_id")
        clauses.append(f"EXISTS (SELECT 1 FROM {table} x WHERE x.{key} = :a{i} AND x.date_scale = e.date_scale"
                       " AND x.event_rowid = e.rowid)")
    if shape.types:
        clauses.append(f"e.type IN ({', '.join(f':t{i}' for i in range(shape.types))})")
    if shape.statuses:
        clauses.append(f"e.status IN ({', '.join(f':s{i}' for i in range(shape.statuses))})")
    if shape.q:
        # Probe the full-text index for this one event (MATCH with rowid =): cheap per row,
        # unlike materializing every match of a common word.
        clauses.append("EXISTS (SELECT 1 FROM events_fts x WHERE x.events_fts MATCH :q AND x.rowid = e.rowid)")
    return clauses


def _arms(shape: _Shape, tests: list[str]) -> str:
    """Events overlapping a range: one index range per date scale, merged in date order by
    SQLite (MERGE UNION ALL).

    An event of scale s lasts at most `days` days, so one that overlaps [lo, hi] starts on
    or after lo - days + 1 (parameter :lower<s>): each arm reads only its own window of the
    index, never the whole history before the range.
    """
    op, direction = (">", "ASC") if shape.order == "asc" else ("<", "DESC")
    parts = []
    for scale in shape.scales:
        clauses = [f"e.date_scale = {int(scale)}", f"e.date_start >= :lower{int(scale)}"]
        if shape.hi or (shape.after and shape.order == "desc"):
            clauses.append("e.date_start <= :upper")
        clauses.append("e.date_end >= :lo")
        if shape.after:
            clauses.append(f"(e.date_start, e.date_end, e.id) {op} (:ds, :de, :id)")
        clauses += tests
        parts.append("SELECT e.rowid AS r, e.date_start AS ds, e.date_end AS de, e.id AS id "
                     f"FROM events e WHERE {' AND '.join(clauses)}")
    return f"{' UNION ALL '.join(parts)} ORDER BY ds {direction}, de {direction}, id {direction} LIMIT :limit"


# Rowid order is date order (the build stores events sorted): a date bound on the events
# becomes a bound on their rowids, found with one probe of events_by_date.
_FIRST_ROWID = "(SELECT rowid FROM events WHERE {} ORDER BY date_start, date_end, id LIMIT 1)"
_LAST_ROWID = "(SELECT rowid FROM events WHERE {} ORDER BY date_start DESC, date_end DESC, id DESC LIMIT 1)"


def _actor_arms(shape: _Shape, tests: list[str]) -> str:
    """An actor's events (actor_events, or member_events for an organization with its
    members), one key range per date scale, merged by rowid, which is date order.

    Every bound is on the rowid: the range's end, a cursor, and per scale the first event
    that can still overlap the range (starting on or after :lower<s>, as in `_arms`).
    """
    table, key = ("member_events", "organization_id") if shape.expand else ("actor_events", "actor_id")
    join = " JOIN events e ON e.rowid = m.event_rowid" if tests else ""
    shared = []
    if shape.hi:
        shared.append(f"m.event_rowid <= {_LAST_ROWID.format('date_start <= :hi')}")
        if shape.within:
            shared.append("m.date_end <= :hi")
    if shape.lo and shape.within:
        shared.append(f"m.event_rowid >= {_FIRST_ROWID.format('date_start >= :lo')}")
    if shape.after and shape.order == "asc":
        after = _LAST_ROWID.format("(date_start, date_end, id) <= (:ds, :de, :id)")
        shared.append(f"m.event_rowid > coalesce({after}, 0)")
    elif shape.after:
        before = _FIRST_ROWID.format("(date_start, date_end, id) >= (:ds, :de, :id)")
        shared.append(f"m.event_rowid < coalesce({before}, {1 << 62})")
    parts = []
    for scale in shape.scales:
        clauses = [f"m.{key} = :actor", f"m.date_scale = {int(scale)}"]
        if shape.lo and not shape.within:
            clauses += [f"m.event_rowid >= {_FIRST_ROWID.format(f'date_start >= :lower{int(scale)}')}", "m.date_end >= :lo"]
        clauses += shared + tests
        parts.append(f"SELECT m.event_rowid AS r FROM {table} m{join} WHERE {' AND '.join(clauses)}")
    direction = "ASC" if shape.order == "asc" else "DESC"
    return f"{' UNION ALL '.join(parts)} ORDER BY r {direction} LIMIT :limit"


# The page query hands over documents only, as bytes (no text decoding), in page order; a
# cursor is read back from the last document.
_DOC = "CAST(j.json AS BLOB)"


@functools.lru_cache(maxsize=512)
def _page_sql(shape: _Shape) -> str:
    direction = "ASC" if shape.order == "asc" else "DESC"
    tests = _row_tests(shape)
    # The merged arms (k) come out in page order; CROSS JOIN keeps k the outer loop, so the
    # documents, one primary-key lookup each, follow that order without a second sort.
    if shape.drive == "actor":
        return f"SELECT {_DOC} FROM ({_actor_arms(shape, tests)}) k CROSS JOIN events_json j ON j.event_rowid = k.r"
    if shape.drive == "fts":
        # The doclist is in rowid order, which is date order: a range becomes rowid bounds.
        # Clauses on the events row itself join it; without any, each document is read
        # straight by the doclist's rowid (a pure word search: half the time a page).
        clauses, on_row = ["f.events_fts MATCH :q"], list(tests)
        if shape.lo:
            clauses.append(f"f.rowid >= {_FIRST_ROWID.format('date_start >= :lower')}")
            on_row.append("e.date_start >= :lo" if shape.within else "e.date_end >= :lo")
        if shape.hi:
            clauses.append(f"f.rowid <= {_LAST_ROWID.format('date_start <= :hi')}")
            if shape.within:
                on_row.append("e.date_end <= :hi")
        if shape.after and shape.order == "asc":
            clauses.append(f"f.rowid >= {_FIRST_ROWID.format('(date_start, date_end, id) > (:ds, :de, :id)')}")
        elif shape.after:
            clauses.append(f"f.rowid <= {_LAST_ROWID.format('(date_start, date_end, id) < (:ds, :de, :id)')}")
        rows = "CROSS JOIN events e ON e.rowid = f.rowid JOIN events_json j ON j.event_rowid = e.rowid" if on_row \
            else "CROSS JOIN events_json j ON j.event_rowid = f.rowid"
        return (f"SELECT {_DOC} FROM events_fts f {rows} WHERE {' AND '.join(clauses + on_row)} "
                f"ORDER BY f.rowid {direction} LIMIT :limit")
    if shape.lo and not shape.within:
        inner = _arms(shape, tests)
        return f"SELECT {_DOC} FROM ({inner}) k CROSS JOIN events_json j ON j.event_rowid = k.r"
    clauses = []
    if shape.lo:  # within
        clauses.append("e.date_start >= :lo")
    if shape.hi:
        clauses += ["e.date_end <= :hi", "e.date_start <= :hi"] if shape.within else ["e.date_start <= :hi"]
    if shape.after:
        clauses.append(f"(e.date_start, e.date_end, e.id) {'>' if shape.order == 'asc' else '<'} (:ds, :de, :id)")
    clauses += tests
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return (f"SELECT {_DOC} FROM events e JOIN events_json j ON j.event_rowid = e.rowid {where} "
            f"ORDER BY e.date_start {direction}, e.date_end {direction}, e.id {direction} LIMIT :limit")


def _page_params(f: EventFilter, shape: _Shape, after: _Cursor | None, limit: int, facts: BuildFacts) -> dict:
    """The values of the parameters `_page_sql(shape)` names."""
    params: dict = {"limit": limit}
    if f.actors:
        params["actor"] = f.actors[0]
        params.update((f"a{i}", f.actors[i]) for i, _ in shape.tested)
    params.update((f"t{i}", t) for i, t in enumerate(f.types))
    params.update((f"s{i}", s) for i, s in enumerate(f.statuses))
    if f.q:
        params["q"] = f.q
    if f.start:
        params["lo"] = f.start.isoformat()
    if f.end:
        params["hi"] = f.end.isoformat()
    if after is not None:
        params.update(ds=after.date_start, de=after.date_end, id=after.id)
    if shape.drive == "fts" and f.start:
        params["lower"] = params["lo"] if f.within else _days_before(f.start, timedelta(days=facts.longest - 1))
    if f.start and not f.within and shape.drive in ("actor", "events"):  # the arms of each scale
        # Actor arms bound a cursor by its rowid in SQL; events arms by its date, here.
        floor = after.date_start if after is not None and shape.order == "asc" and shape.drive == "events" else None
        for name, back in facts.lookbacks:
            lower = _days_before(f.start, back)
            params[name] = floor if floor is not None and floor > lower else lower
        if shape.drive == "events":
            upper = params.get("hi")
            if after is not None and shape.order == "desc" and (upper is None or after.date_start < upper):
                upper = after.date_start
            if upper is not None:
                params["upper"] = upper
    return params


def _days_before(day: date, back: timedelta) -> str:
    """`back` before `day`, or the first day of the calendar for a range from year 1."""
    try:
        return (day - back).isoformat()
    except OverflowError:
        return date.min.isoformat()


def events_sql(
    f: EventFilter, order: str = "asc", after: _Cursor | None = None, limit: int = 50, *,
    facts: BuildFacts | None = None, drive: str | None = None,
) -> tuple[str, dict]:
    """The page query (one column: each event's document, as bytes, in page order) and its
    parameters; kept separate so tests can read its plan.

    Three ways to drive it, chosen by `choose_drive` from the build's statistics:

    - "actor": the first actor's rows in actor_events (or member_events for an organization
      with its members) by (actor, date_scale, event rowid), one key range per date scale
      merged by rowid, which is date order: a page costs `limit` steps however many events
      the actor has, a date range bounds each scan on both sides, and each document is read
      by the rowid the merge yields.
    - "fts": the full-text doclist in rowid order, which is date order (the build stores
      events sorted), bounded by the rowids of the date range: `limit` steps for a common
      word, the whole (short) doclist for a rare one.
    - "events": events by (date_scale, date_start, ...) per scale when an overlap range is
      given, else by (date_start, date_end, id).

    Everything else (more actors, type, status, text when it does not drive) is a per-row
    test through an index or a primary key.
    """
    facts = facts or BuildFacts()
    if drive is None:
        drive = "actor" if f.actors else "fts" if f.q else "events"
    shape = _shape(f, order, after, facts, drive)
    return _page_sql(shape), _page_params(f, shape, after, limit, facts)


_PLAIN_WORDS = re.compile(r"^[\w\s]+$", re.UNICODE)
_OPERATORS = {"AND", "OR", "NOT", "NEAR"}


def _doc_frequency(conn: sqlite3.Connection, q: str) -> int | None:
    """How many events a plain-words query can match at most (its rarest word's count), or
    None for queries with operators, phrases or prefixes."""
    if not _PLAIN_WORDS.match(q) or any(w in _OPERATORS for w in q.split()):
        return None
    counts = []
    for word in _FTS_WORD.findall(fold(q)):
        row = conn.execute("SELECT doc FROM events_fts_vocab WHERE term = ?", (word,)).fetchone()
        counts.append(row[0] if row else 0)
    return min(counts) if counts else None


# Full text is "wide" past this many index entries: reading them may take far longer than a
# page, so such a search takes one of the server's few slots for expensive work.
WIDE_TEXT = 20_000
_TERM = re.compile(r"(\w+)(\*?)", re.UNICODE)


def is_wide_text(conn: sqlite3.Connection, f: EventFilter) -> bool:
    """A full-text search that may read much more of the index than the page it answers:
    a prefix, or common words under other filters (a plain common word alone reads the
    index in date order and stops at the page's end)."""
    if not f.q:
        return False
    entries = 0
    for word, prefix in _TERM.findall(f.q):
        if word in _OPERATORS:
            continue
        term = fold(word)
        if prefix:
            row = conn.execute("SELECT coalesce(sum(doc), 0) FROM events_fts_vocab WHERE term >= ? AND term < ?",
                               (term, term + "\U0010ffff")).fetchone()
            entries += WIDE_TEXT if row[0] > WIDE_TEXT else row[0]
            continue
        row = conn.execute("SELECT doc FROM events_fts_vocab WHERE term = ?", (term,)).fetchone()
        entries += row[0] if row else 0
    narrowed = bool(f.types or f.statuses or f.actors or f.start or f.end)
    return entries >= WIDE_TEXT and (narrowed or "*" in f.q)


def choose_drive(conn: sqlite3.Connection, f: EventFilter) -> tuple[EventFilter, str]:
    """The cheapest way into the events: the rarest actor, or the full-text index when its
    rarest word is rarer still. Returns the filter with the driving actor first."""
    if not f.actors:
        return f, "fts" if f.q else "events"
    if len(f.actors) == 1 and not f.q:
        return f, "actor"
    counts = []
    for actor_id, expand in zip(f.actors, f.expands):
        row = conn.execute(
            f"SELECT {'member_event_count' if expand else 'event_count'} FROM actor_stats WHERE actor_id = ?", (actor_id,),
        ).fetchone()
        counts.append(row[0] if row else 0)
    best = min(range(len(counts)), key=counts.__getitem__)
    if best:
        order = [best, *(i for i in range(len(counts)) if i != best)]
        f = replace(f, actors=tuple(f.actors[i] for i in order), expands=tuple(f.expands[i] for i in order))
    if f.q:
        df = _doc_frequency(conn, f.q)
        if df is not None and df < counts[best]:
            return f, "fts"
    return f, "actor"


def _page_docs(conn: sqlite3.Connection, f: EventFilter, order: str, after: _Cursor | None, limit: int) -> list[bytes]:
    """The documents of one page of events, in page order."""
    f, drive = choose_drive(conn, f)
    sql, params = events_sql(f, order, after, limit, facts=build_facts(conn), drive=drive)
    return [row[0] for row in _run(conn, sql, params)]


def _run(conn: sqlite3.Connection, sql: str, params: dict) -> list[tuple]:
    """Run a page query, turning a full-text syntax error into a QueryError. Its time is
    bounded by the connection's lease (an interruption passes through as it is)."""
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if "events_fts MATCH" in sql and "interrupted" not in message and "too big" not in message:
            # The only text that reaches SQL as syntax is the full-text query.
            raise QueryError("q", f"full-text syntax error ({message})") from None
        raise


_decode_event = msgspec.json.Decoder(EventOut).decode


class _Position(msgspec.Struct):
    """Where an event stands in date order, read from its document."""

    date_start: str
    date_end: str
    id: str


_decode_position = msgspec.json.Decoder(_Position).decode


def list_events(conn: sqlite3.Connection, f: EventFilter, *, limit: int = 50, cursor: str | None = None, order: str = "asc") -> EventPage:
    """One page of events. Each event is the JSON the build stored for it (msgspec.Raw):
    it encodes to exactly the EventOut record without being assembled per request;
    `msgspec.json.decode(raw, type=EventOut)` gives the record."""
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError("limit", f"must be between 1 and {MAX_LIMIT}")
    if order not in ("asc", "desc"):
        raise QueryError("order", f"{order!r} is not one of asc, desc")
    after = decode_cursor(cursor, order, f.fingerprint) if cursor else None
    docs = _page_docs(conn, f, order, after, limit + 1)
    next_cursor = None
    if len(docs) > limit:
        del docs[limit:]
        last = _decode_position(docs[-1])
        next_cursor = encode_cursor(last.date_start, last.date_end, last.id, order, f.fingerprint)
    return EventPage(events=list(map(msgspec.Raw, docs)), next=next_cursor)  # type: ignore[arg-type]


def iter_events(conn: sqlite3.Connection, f: EventFilter, order: str = "asc", page: int = 500) -> Iterator[EventOut]:
    """Every matching event, fetched page by page so exports stream in flat memory.

    The first page is queried before this returns, so input errors (full-text syntax)
    surface as QueryError here rather than halfway through a streamed response.
    """
    first = _page_docs(conn, f, order, None, page)

    def pages() -> Iterator[EventOut]:
        docs = first
        while True:
            event = None
            for doc in docs:
                event = _decode_event(doc)
                yield event
            if len(docs) < page or event is None:
                return
            docs = _page_docs(conn, f, order, _Cursor(event.date_start, event.date_end, event.id, order), page)

    return pages()


def get_event(conn: sqlite3.Connection, event_id: str) -> EventOut:
    row = conn.execute(
        "SELECT j.json FROM events e JOIN events_json j ON j.event_rowid = e.rowid WHERE e.id = ?", (event_id,),
    ).fetchone()
    if row is None:
        raise NotFound(event_id)
    return _decode_event(row[0])


# --- actors and contacts ---------------------------------------------------------------------

def _actors_sql(q: str | None) -> tuple[str, list]:
    """Actors' summaries (column `doc`) in name order, those whose name or an alias holds `q`."""
    if q is not None and len(q) > 200:
        raise QueryError("q", "at most 200 characters")
    params: list = []
    where = ""
    if q:
        key = name_key(q)
        escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where = "WHERE a.id IN (SELECT actor_id FROM actor_aliases WHERE alias_key LIKE ? ESCAPE '\\')"
        params.append(f"%{escaped}%")
    return f"SELECT s.summary AS doc FROM actors a JOIN actor_stats s ON s.actor_id = a.id {where} ORDER BY a.name", params


def list_actors(conn: sqlite3.Connection, q: str | None = None, limit: int = 100) -> ActorList:
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError("limit", f"must be between 1 and {MAX_LIMIT}")
    sql, params = _actors_sql(q)
    # Each actor's summary (ActorSummary's JSON, aliases and event count included) was
    # written by the build: pass it through as msgspec.Raw.
    return ActorList(actors=_joined(conn, f"{sql} LIMIT ?", [*params, limit]))  # type: ignore[arg-type]


_decode_summary = msgspec.json.Decoder(ActorSummary).decode


def iter_actors(conn: sqlite3.Connection, q: str | None = None) -> Iterator[ActorSummary]:
    """Every actor (or those matching `q`), in name order."""
    sql, params = _actors_sql(q)
    return (_decode_summary(doc) for (doc,) in conn.execute(sql, params).fetchall())


def actor_names(conn: sqlite3.Connection, ids: Iterable[str]) -> list[str]:
    """The names of these actors, in the order given."""
    return [row[0] for actor_id in ids
            if (row := conn.execute("SELECT name FROM actors WHERE id = ?", (actor_id,)).fetchone())]


_decode_contacts = msgspec.json.Decoder(list[Contact]).decode


def contact_records(contacts: ContactList) -> list[Contact]:
    """The contacts of a list as records (a stored list holds them as JSON)."""
    out: list[Contact] = []
    for item in contacts.contacts:
        out.extend(_decode_contacts(b"[" + bytes(item) + b"]") if isinstance(item, msgspec.Raw) else [item])
    return out


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
    # Counted by the build (actor_stats): the same numbers as aggregating event_actors and the
    # contacts view, without doing it per request for an actor in a third of all events.
    count, first, last, contacts = conn.execute(
        "SELECT event_count, first_event, last_event, direct_contact_count FROM actor_stats WHERE actor_id = ?", (actor_id,),
    ).fetchone()
    return ActorDetail(
        id=row[0], name=row[1], kind=row[2], notes=row[3], aliases=_aliases(conn, [actor_id]).get(actor_id, []),
        memberships=memberships, members=members, event_count=count, contact_count=contacts,
        first_event=first, last_event=last,
    )


_PARTIES = ", ".join(f"'{r}'" for r in PARTY_ROLES)


def _side_sql(f: EventFilter) -> str:
    """Rows of event_actors standing for one side of a contact: the actor itself and,
    with members on, its members while their membership covers the event; parties only
    (PARTY_ROLES): the dead at his own funeral meets no one there."""
    rng, _ = _range("ea", f)
    extra = "".join(f" AND {c}" for c in [f"ea.role IN ({_PARTIES})", *rng])
    return f"""SELECT ea.event_id, ea.actor_id, ea.date_start, ea.date_end FROM event_actors ea
                WHERE ea.actor_id = ?{extra}
            UNION
            SELECT ea.event_id, ea.actor_id, ea.date_start, ea.date_end FROM organization_members m
                JOIN event_actors ea ON ea.actor_id = m.actor_id
                WHERE m.organization_id = ? AND ? {extra} AND {_membership_covers("ea")}"""


def _membership_covers(row: str) -> str:
    """SQL: organization_members row `m` holds on some day of the event `row` stands for."""
    return (f"(m.start_date IS NULL OR m.start_date <= {row}.date_end)"
            f" AND (m.end_date IS NULL OR m.end_date >= {row}.date_start)")


def list_contacts(
    conn: sqlite3.Connection, actor: str, other: str | None = None, from_: str | None = None, to: str | None = None,
    members: bool = True, limit: int | None = None, ids: int | None = None,
) -> ContactList:
    """Contact events (calls, meetings, visits, talks, conferences, ceremonies) between the
    actor's side and each other participant, or the `other` actor's side; with `limit`, only
    that many partners, the most frequent first; with `ids`, at most that many event ids per
    partner (the first in id order; `count` still counts them all).

    An organization's side includes its members at the time, so "the Islamic Emirate and
    Hamas" finds Muttaqi's call with Haniyeh. Two sides are in contact at an event when each
    has a participant the other lacks: a participant on both sides is not a contact, and an
    organization is not the contact of its own member (ingest.Rows._pairs, the same rule for
    the stored pairs), so A with B counts what B with A counts.
    """
    if limit is not None and not 1 <= limit <= MAX_CONTACTS:
        raise QueryError("limit", f"must be between 1 and {MAX_CONTACTS}")
    if ids is not None and ids < 0:
        raise QueryError("ids", "must be 0 or more")
    actor_id = resolve_actor(conn, actor, "actor")
    other_id = resolve_actor(conn, other, "with") if other is not None else None
    f = make_filter(conn, from_=from_, to=to)
    if not _counted_live(conn, other_id, f, members):
        return _stored_contacts(conn, actor_id, other_id, limit, ids)
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
              AND EXISTS (SELECT 1 FROM a_rows a WHERE a.event_id = ae.event_id
                          AND a.actor_id NOT IN (SELECT b.actor_id FROM b_rows b WHERE b.event_id = ae.event_id))
            HAVING count(*) > 0"""
        params = [*side_params, other_id, *rng_params, other_id, int(members), *rng_params, other_id, other_id]
    else:
        sql = f"""{head}
            SELECT b.actor_id, o.name, count(DISTINCT ae.event_id), min(ae.date_start), max(ae.date_end),
                   json_group_array(DISTINCT ae.event_id)
            FROM a_events ae
            JOIN event_actors b ON b.event_id = ae.event_id AND b.role IN ({_PARTIES})
            JOIN actors o ON o.id = b.actor_id
            WHERE b.actor_id NOT IN (SELECT a.actor_id FROM a_rows a WHERE a.event_id = ae.event_id)
              AND EXISTS (SELECT 1 FROM a_rows a WHERE a.event_id = ae.event_id AND NOT (? AND EXISTS (
                  SELECT 1 FROM organization_members m WHERE m.actor_id = a.actor_id AND m.organization_id = b.actor_id
                    AND {_membership_covers("a")})))
            GROUP BY b.actor_id ORDER BY count(DISTINCT ae.event_id) DESC, o.name LIMIT ?"""
        params = [*side_params, int(members), -1 if limit is None else limit]
    rows = conn.execute(sql, params).fetchall()
    name = conn.execute("SELECT name FROM actors WHERE id = ?", (actor_id,)).fetchone()[0]
    me = ActorRef(id=actor_id, name=name)
    return ContactList(contacts=[
        Contact(actor=me, other=ActorRef(id=r[0], name=r[1]), count=r[2], first=r[3], last=r[4],
                event_ids=sorted(msgspec.json.decode(r[5]))[:ids])
        for r in rows
    ])


def contacts_are_live(
    conn: sqlite3.Connection, actor: str, other: str | None = None, from_: str | None = None, to: str | None = None,
    members: bool = True,
) -> bool:
    """Whether list_contacts with these arguments counts contacts live (a date range, members
    off, or `other` an organization with members) rather than reading what the build counted."""
    resolve_actor(conn, actor, "actor")
    other_id = resolve_actor(conn, other, "with") if other is not None else None
    return _counted_live(conn, other_id, make_filter(conn, from_=from_, to=to), members)


def _counted_live(conn: sqlite3.Connection, other_id: str | None, f: EventFilter, members: bool) -> bool:
    return not members or bool(f.start or f.end) or (other_id is not None and _has_members(conn, other_id))


def _has_members(conn: sqlite3.Connection, actor_id: str) -> bool:
    known = getattr(conn, "chrono_has_members", None)
    if known is not None and (found := known.get(actor_id)) is not None:
        return found
    found = conn.execute("SELECT 1 FROM organization_members WHERE organization_id = ? LIMIT 1", (actor_id,)).fetchone() is not None
    _remember(known, actor_id, found)
    return found


# Above this estimated size a contact list crosses into Python row by row: joined in SQLite
# it would cost more in copies of one large buffer than it saves in rows (under uvicorn: 437
# partners, 109 KB: 3,700 req/s joined, 2,700 row by row; 4,995 partners, 7.7 MB: 70 and 100).
JOIN_AT_MOST_BYTES = 1 << 20


def _stored_contacts(
    conn: sqlite3.Connection, actor_id: str, other_id: str | None, limit: int | None = None, ids: int | None = None,
) -> ContactList:
    """Contacts as the build counted them (contact_pairs, ranked by count then name): a read,
    not an aggregation. Each contact is the JSON the build wrote for it, the Contact record's
    encoding; with `ids`, its event id list is cut short."""
    by_rank = "SELECT {} FROM contact_pairs WHERE actor_id = ? ORDER BY rank LIMIT ?"
    params = (actor_id, -1 if limit is None else limit)
    if other_id:
        rows = conn.execute("SELECT CAST(json AS BLOB) FROM contact_pairs WHERE actor_id = ? AND other_id = ?",
                            (actor_id, other_id))
    elif ids is None and _contacts_size(conn, actor_id) <= JOIN_AT_MOST_BYTES:
        return ContactList(contacts=_joined(conn, by_rank.format("json AS doc"), params))  # type: ignore[arg-type]
    else:
        rows = conn.execute(by_rank.format("CAST(json AS BLOB)"), params)
    return ContactList(contacts=_concatenated(rows, ids))  # type: ignore[arg-type]


def _contacts_size(conn: sqlite3.Connection, actor_id: str) -> int:
    """More bytes than the actor's whole contact list takes: a record per partner, and an
    event id for each of up to three partners in each of its events (or its members')."""
    row = conn.execute(
        "SELECT contact_count, max(event_count, member_event_count) FROM actor_stats WHERE actor_id = ?", (actor_id,),
    ).fetchone()
    return 0 if row is None else 150 * row[0] + 3 * 25 * row[1]


def _joined(conn: sqlite3.Connection, sql: str, params: tuple | list) -> list[msgspec.Raw]:
    """The JSON documents `sql` selects (column `doc`, in order), as the items of a list.

    SQLite joins them with commas, so one value crosses into Python instead of a row per
    document: for 437 contacts, 80 µs instead of 170. The list holds that one value, which
    msgspec writes between the list's brackets as it is. `sql` ends in ORDER BY and LIMIT,
    so SQLite keeps its order and the aggregate takes the rows as they come (tests check it).
    """
    joined = conn.execute(f"SELECT CAST(group_concat(doc, ',') AS BLOB) FROM ({sql})", params).fetchone()[0]
    return [msgspec.Raw(joined)] if joined else []


def _concatenated(rows: sqlite3.Cursor, ids: int | None) -> list[msgspec.Raw]:
    """The stored contacts `rows` reads (one column of bytes), with at most `ids` event ids
    each, joined with commas as the items of a list (msgspec writes them as they are).

    Each row is copied and dropped as it is read. A server that has held thousands of rows
    read from pages past the memory map answers its next requests slower (see the README's
    Performance section), and one growing buffer holds none.
    """
    body = bytearray()
    for (contact,) in rows:
        if body:
            body += b","
        body += contact if ids is None else _first_ids(contact, ids)
    return [msgspec.Raw(body)] if body else []


_IDS_KEY = b'"event_ids":['  # inside a JSON string its quotes would be escaped: found once


def _first_ids(contact: bytes, n: int) -> bytes:
    """A stored contact with only the first `n` of its event ids. The list is the record's
    last field and its items are slugs: it is cut at its commas."""
    start = contact.index(_IDS_KEY) + len(_IDS_KEY)
    if n == 0:
        return contact[:start] + b"]}"
    cut = start
    for _ in range(n):
        cut = contact.find(b",", cut + 1)
        if cut < 0:
            return contact
    return contact[:cut] + b"]}"


# --- the database file -----------------------------------------------------------------------

class OverBudget(Exception):
    """The request's database work ran past its time budget and was interrupted."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the query needed more than {seconds:g} s of database time")
        self.seconds = seconds


class TooLarge(Exception):
    """A value or an answer would grow past what a connection may hold."""


class Rebuilt(Exception):
    """The build a request started on was replaced before it could read it; ask again."""


# What one request may spend. A statement is interrupted once its lease's deadline passes
# (checked every PROGRESS_STEPS SQLite steps), so every statement is bounded, not only the
# page query: the actor lookups, the live contact counts, each chunk of an export.
REQUEST_SECONDS = 1.0
PROGRESS_STEPS = 1_000
# How many actor spellings (and actors' "has members") a build remembers, and how long a
# remembered spelling may be. Its build never changes, so neither can an answer; the bounds
# keep clients sending endless variants of a name from growing the server's memory (what is
# not remembered is looked up, as before).
MEMO_ENTRIES = 20_000
MEMO_TEXT = 200


def _remember(memo: dict | None, key: str, value: object) -> None:
    if memo is not None and len(memo) < MEMO_ENTRIES and len(key) <= MEMO_TEXT:
        memo[key] = value


class ChronoConnection(sqlite3.Connection):
    """A read-only connection that stops at its holder's deadline, and shares with the other
    connections to its build what that build told the query planner and the actors already
    resolved: a name read once is not folded and looked up on every request.

    Its progress handler is Python, so it needs the GIL while SQLite holds the connection's
    mutex: two threads on one such connection can each hold what the other waits for, and
    the process freezes. Hence leases (Snapshot.lease): one holder at a time, always.
    """

    chrono_facts: BuildFacts | None = None
    chrono_alias_keys: list[tuple[str, str]] | None = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.chrono_actor_ids: dict[str, str] = {}
        self.chrono_has_members: dict[str, bool] = {}
        self.chrono_deadline = float("inf")
        self.chrono_steps = float("inf")  # SQLite steps its holder may still take
        self.set_progress_handler(self._past_deadline, PROGRESS_STEPS)

    def _past_deadline(self) -> bool:
        self.chrono_steps -= PROGRESS_STEPS
        return self.chrono_steps < 0 or time.monotonic() > self.chrono_deadline


def open_readonly(path: Path) -> ChronoConnection:
    """Immutable: the file is never written in place (rebuilds rename a new file over it),
    so neither SQLite's checks nor its memory map ever see it change."""
    uri = f"file:{Path(path).resolve()}?mode=ro&immutable=1"
    # check_same_thread off: a lease may pass from one thread to the next (an export's
    # chunks), never be held by two at once.
    conn = sqlite3.connect(uri, uri=True, check_same_thread=False, cached_statements=256, factory=ChronoConnection)
    apply_profile(conn, SERVING)
    bound_connection(conn)
    return conn  # type: ignore[return-value]


def _build_info(conn: sqlite3.Connection, path: Path) -> dict[str, str]:
    try:
        info = dict(conn.execute("SELECT key, value FROM chrono_build").fetchall())
    except sqlite3.DatabaseError as exc:
        raise IncompatibleDatabase(f"{path} is not a chrono database ({exc}); build one with `chrono build`") from None
    version = info.get("schema_version")
    if version != str(SCHEMA_VERSION):
        raise IncompatibleDatabase(
            f"{path} was built for schema {version or 'unknown'}, this chrono reads schema {SCHEMA_VERSION}; "
            "rebuild it with `chrono build`")
    return info


# Idle connections a build keeps for the next requests; more are opened when more run at
# once (the thread pool and the export cap bound that), and closed when given back.
IDLE_CONNECTIONS = 8


class Snapshot:
    """One build of the database, with the identity HTTP caching uses, and its connections.

    Work takes a connection with `lease()` and gives it back when done: a connection has
    one holder at a time, so no two threads ever use it at once. A build replaced by a
    newer one closes its connections as they come back.
    """

    def __init__(self, path: Path, inode: FileIdentity) -> None:
        self.path, self.inode = path, inode
        first = open_readonly(path)
        try:
            info = _build_info(first, path)
        except IncompatibleDatabase:
            first.close()
            raise
        self.build_id: str = info.get("build_id", "unknown")
        self.input_hash: str = info.get("input_hash", "unknown")
        self.actor_ids: dict[str, str] = {}
        self.has_members: dict[str, bool] = {}
        self.facts: BuildFacts | None = None
        self._idle: list[ChronoConnection] = []
        self._lock = threading.Lock()
        self.retired = False
        self._adopt(first)
        self._idle.append(first)

    def _adopt(self, conn: ChronoConnection) -> None:
        conn.chrono_actor_ids, conn.chrono_has_members = self.actor_ids, self.has_members
        conn.chrono_facts = self.facts

    def _take(self) -> ChronoConnection:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        conn = open_readonly(self.path)
        try:
            # The path may name a newer build by now: only the same build may answer.
            if _build_info(conn, self.path).get("build_id", "unknown") != self.build_id:
                raise Rebuilt(str(self.path))
        except (IncompatibleDatabase, Rebuilt):
            conn.close()
            raise Rebuilt(str(self.path)) from None
        self._adopt(conn)
        return conn

    def _give_back(self, conn: ChronoConnection) -> None:
        conn.chrono_deadline = conn.chrono_steps = float("inf")
        if self.facts is None:
            self.facts = conn.chrono_facts
        with self._lock:
            if not self.retired and len(self._idle) < IDLE_CONNECTIONS:
                self._idle.append(conn)
                return
        conn.close()

    def lease(self, seconds: float | None = None, steps: float = float("inf")) -> Lease:
        """A connection of this build, for one holder, whose statements stop `seconds` from
        now (default REQUEST_SECONDS) or after about `steps` steps of SQLite's program."""
        return Lease(self, REQUEST_SECONDS if seconds is None else seconds, steps=steps)

    def retire(self) -> None:
        """A newer build serves from now on: connections given back are closed. The idle
        ones stay for requests that started on this build and have yet to read; they close
        with the snapshot once nothing holds it."""
        with self._lock:
            self.retired = True


class Lease:
    """A connection held by one piece of work (`with snapshot.lease() as conn:`), with its
    deadline; SQLite's interruption at the deadline surfaces as OverBudget, a value past
    MAX_VALUE_BYTES or SQLite's heap limit as TooLarge. `extend(seconds)` moves the deadline
    to `seconds` from now (an export, chunk by chunk), never past `until`."""

    def __init__(self, snapshot: Snapshot, seconds: float, until: float | None = None, steps: float = float("inf")) -> None:
        self.snapshot, self.seconds, self.steps = snapshot, seconds, steps
        self.conn: ChronoConnection | None = None
        self.until = until

    def __enter__(self) -> ChronoConnection:
        self.conn = self.snapshot._take()
        self.conn.chrono_deadline = time.monotonic() + self.seconds
        self.conn.chrono_steps = self.steps
        return self.conn

    def __exit__(self, kind, exc, tb) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            self.snapshot._give_back(conn)
        if exc is not None:
            raise_budget_errors(exc, self.seconds)


def raise_budget_errors(exc: BaseException, seconds: float) -> None:
    """Raise OverBudget or TooLarge for SQLite's ways of saying so; anything else passes."""
    if isinstance(exc, MemoryError):
        raise TooLarge("the answer needs more memory than a request may take") from None
    if isinstance(exc, sqlite3.Error):
        message = str(exc)
        if "interrupted" in message:
            raise OverBudget(seconds) from None
        if "too big" in message or "out of memory" in message:
            raise TooLarge("a value in the answer would grow past the size a request may build") from None


@dataclass
class Database:
    """Hands out the current build; when `chrono build` swaps a new file in, the next request
    takes it, while requests already running finish on the build they started with."""

    path: Path
    _snapshot: Snapshot | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def current(self) -> Snapshot:
        key = file_identity(self.path)
        snap = self._snapshot
        if snap is not None and snap.inode == key:
            return snap
        with self._lock:
            old = self._snapshot
            if old is None or old.inode != key:
                self._snapshot = Snapshot(self.path, key)
                if old is not None:
                    old.retire()
            return self._snapshot  # type: ignore[return-value]
