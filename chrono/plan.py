"""Page-SQL planning: from a validated filter, a cursor and a build's facts to the SQL text of
one page of events and its parameters. Pure: no connection, no I/O, so a plan can be read and
tested without a database (tests/test_plan.py) and its SQL explained against one
(tests/test_query_plans.py).

Also the inputs a plan is made of: date bounds, the filter, and the cursors that page
through it.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

import msgspec

from .dates import month_range, year_range


class QueryError(ValueError):
    """A request parameter that cannot be used; names the parameter, and may suggest values
    close to the one given (actors with a similar name)."""

    def __init__(
        self, parameter: str, detail: str, suggestions: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(f"{parameter}: {detail}")
        self.parameter = parameter
        self.detail = detail
        self.suggestions = suggestions or []


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
        selection = (
            self.start and self.start.isoformat(),
            self.end and self.end.isoformat(),
            self.within,
            sorted(self.actors),
            self.members,
            sorted(self.types),
            sorted(self.statuses),
            self.q,
        )
        return hashlib.blake2s(msgspec.msgpack.encode(selection), digest_size=6).digest()


# --- cursors ---------------------------------------------------------------------------------

_CURSOR_KEY = b"chrono-cursor-v1"


class Cursor(msgspec.Struct, array_like=True):
    date_start: str
    date_end: str
    id: str
    order: str
    filters: bytes = b""  # EventFilter.fingerprint of the selection it pages through


def encode_cursor(
    date_start: str, date_end: str, event_id: str, order: str, filters: bytes = b""
) -> str:
    payload = msgspec.msgpack.encode(Cursor(date_start, date_end, event_id, order, filters))
    tag = hashlib.blake2s(payload, key=_CURSOR_KEY, digest_size=6).digest()
    return base64.urlsafe_b64encode(tag + payload).decode().rstrip("=")


_decode_cursor = msgspec.msgpack.Decoder(Cursor).decode


def decode_cursor(cursor: str, order: str, filters: bytes = b"") -> Cursor:
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
        raise QueryError(
            "cursor", "not a cursor this API issued; pass `next` from a previous page unchanged"
        ) from None
    if position.order != order:
        raise QueryError(
            "cursor",
            f"this cursor pages in {position.order} order; ask with order={position.order}",
        )
    if position.filters != filters:
        raise QueryError(
            "cursor",
            "this cursor belongs to a page with other filters; ask with the same filters, "
            "or start again without a cursor",
        )
    return position


# --- the page query --------------------------------------------------------------------------

# The date scales of a build: events of scale s last at most 2**s days (see ingest.date_scale).
# Without a database to ask (tests reading plans), every scale up to 2**16 days is assumed.
DEFAULT_SCALES: tuple[tuple[int, int], ...] = tuple((s, 2**s) for s in range(17))


@dataclass(frozen=True)
class BuildFacts:
    """What a build tells the planner (its chrono_build row `date_scales`), read once per build."""

    scales: tuple[tuple[int, int], ...] = DEFAULT_SCALES  # (scale, longest event in days)

    @property
    def longest(self) -> int:
        return max((days for _, days in self.scales), default=1)

    @functools.cached_property
    def lookbacks(self) -> tuple[tuple[str, timedelta], ...]:
        """Per scale, the parameter of its arm's lower bound and how far before the range
        start an overlapping event of that scale can begin."""
        return tuple((f"lower{scale}", timedelta(days=days - 1)) for scale, days in self.scales)

    @classmethod
    def from_json(cls, date_scales: str | bytes | None) -> BuildFacts:
        """The facts a build recorded as JSON ({"scale": longest days}); None: assume all."""
        if date_scales is None:
            return cls()
        return cls(
            tuple(sorted((int(s), int(d)) for s, d in msgspec.json.decode(date_scales).items()))
        )


def date_clauses(alias: str, f: EventFilter) -> tuple[list[str], list]:
    """Date-range clauses on `alias` (events or event_actors: both carry date_start/date_end)."""
    lo = f.start.isoformat() if f.start else None
    hi = f.end.isoformat() if f.end else None
    # within: every possible day inside; overlap: some possible day inside
    bounds = (
        [("date_start", ">=", lo), ("date_end", "<=", hi)]
        if f.within
        else [("date_start", "<=", hi), ("date_end", ">=", lo)]
    )
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


def _shape(
    f: EventFilter, order: str, after: Cursor | None, facts: BuildFacts, drive: str
) -> _Shape:
    skip = 1 if drive == "actor" else 0
    return _Shape(
        drive=drive,
        expand=drive == "actor" and f.expands[0],
        tested=tuple((i, f.expands[i]) for i in range(skip, len(f.actors))),
        types=len(f.types),
        statuses=len(f.statuses),
        q=bool(f.q) and drive != "fts",
        lo=f.start is not None,
        hi=f.end is not None,
        within=f.within,
        after=after is not None,
        order=order,
        scales=tuple(s for s, _ in facts.scales),
    )


def _row_tests(shape: _Shape) -> list[str]:
    """Clauses on the events row `e` for everything that does not drive the query; each is
    one probe of an index or a primary key."""
    clauses = []
    for i, expand in shape.tested:
        # the actor itself, or (expand) the organization or a member at the time
        table, key = (
            ("member_events", "organization_id") if expand else ("actor_events", "actor_id")
        )
        clauses.append(
            f"EXISTS (SELECT 1 FROM {table} x WHERE x.{key} = :a{i} AND x.date_scale = e.date_scale"
            " AND x.event_rowid = e.rowid)"
        )
    if shape.types:
        clauses.append(f"e.type IN ({', '.join(f':t{i}' for i in range(shape.types))})")
    if shape.statuses:
        clauses.append(f"e.status IN ({', '.join(f':s{i}' for i in range(shape.statuses))})")
    if shape.q:
        # Probe the full-text index for this one event (MATCH with rowid =): cheap per row,
        # unlike materializing every match of a common word.
        clauses.append(
            "EXISTS (SELECT 1 FROM events_fts x WHERE x.events_fts MATCH :q AND x.rowid = e.rowid)"
        )
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
        parts.append(
            "SELECT e.rowid AS r, e.date_start AS ds, e.date_end AS de, e.id AS id "
            f"FROM events e WHERE {' AND '.join(clauses)}"
        )
    order = f"ORDER BY ds {direction}, de {direction}, id {direction}"
    return f"{' UNION ALL '.join(parts)} {order} LIMIT :limit"


# Rowid order is date order (the build stores events sorted): a date bound on the events
# becomes a bound on their rowids, found with one probe of events_by_date.
_FIRST_ROWID = "(SELECT rowid FROM events WHERE {} ORDER BY date_start, date_end, id LIMIT 1)"
_LAST_ROWID = (
    "(SELECT rowid FROM events WHERE {} ORDER BY date_start DESC, date_end DESC, id DESC LIMIT 1)"
)


def _actor_arms(shape: _Shape, tests: list[str]) -> str:
    """An actor's events (actor_events, or member_events for an organization with its
    members), one key range per date scale, merged by rowid, which is date order.

    Every bound is on the rowid: the range's end, a cursor, and per scale the first event
    that can still overlap the range (starting on or after :lower<s>, as in `_arms`).
    """
    table, key = (
        ("member_events", "organization_id") if shape.expand else ("actor_events", "actor_id")
    )
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
            clauses += [
                f"m.event_rowid >= {_FIRST_ROWID.format(f'date_start >= :lower{int(scale)}')}",
                "m.date_end >= :lo",
            ]
        clauses += shared + tests
        parts.append(
            f"SELECT m.event_rowid AS r FROM {table} m{join} WHERE {' AND '.join(clauses)}"
        )
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
        arms = _actor_arms(shape, tests)
        return f"SELECT {_DOC} FROM ({arms}) k CROSS JOIN events_json j ON j.event_rowid = k.r"
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
            clauses.append(
                f"f.rowid >= {_FIRST_ROWID.format('(date_start, date_end, id) > (:ds, :de, :id)')}"
            )
        elif shape.after:
            clauses.append(
                f"f.rowid <= {_LAST_ROWID.format('(date_start, date_end, id) < (:ds, :de, :id)')}"
            )
        rows = (
            "CROSS JOIN events e ON e.rowid = f.rowid JOIN events_json j ON j.event_rowid = e.rowid"
            if on_row
            else "CROSS JOIN events_json j ON j.event_rowid = f.rowid"
        )
        return (
            f"SELECT {_DOC} FROM events_fts f {rows} WHERE {' AND '.join(clauses + on_row)} "
            f"ORDER BY f.rowid {direction} LIMIT :limit"
        )
    if shape.lo and not shape.within:
        inner = _arms(shape, tests)
        return f"SELECT {_DOC} FROM ({inner}) k CROSS JOIN events_json j ON j.event_rowid = k.r"
    clauses = []
    if shape.lo:  # within
        clauses.append("e.date_start >= :lo")
    if shape.hi:
        clauses += (
            ["e.date_end <= :hi", "e.date_start <= :hi"]
            if shape.within
            else ["e.date_start <= :hi"]
        )
    if shape.after:
        clauses.append(
            f"(e.date_start, e.date_end, e.id) {'>' if shape.order == 'asc' else '<'} "
            "(:ds, :de, :id)"
        )
    clauses += tests
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    return (
        f"SELECT {_DOC} FROM events e JOIN events_json j ON j.event_rowid = e.rowid {where} "
        f"ORDER BY e.date_start {direction}, e.date_end {direction}, e.id {direction} LIMIT :limit"
    )


def _page_params(
    f: EventFilter, shape: _Shape, after: Cursor | None, limit: int, facts: BuildFacts
) -> dict:
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
        params["lower"] = (
            params["lo"] if f.within else _days_before(f.start, timedelta(days=facts.longest - 1))
        )
    if f.start and not f.within and shape.drive in ("actor", "events"):  # the arms of each scale
        # Actor arms bound a cursor by its rowid in SQL; events arms by its date, here.
        floor = (
            after.date_start
            if after is not None and shape.order == "asc" and shape.drive == "events"
            else None
        )
        for name, back in facts.lookbacks:
            lower = _days_before(f.start, back)
            params[name] = floor if floor is not None and floor > lower else lower
        if shape.drive == "events":
            upper = params.get("hi")
            if (
                after is not None
                and shape.order == "desc"
                and (upper is None or after.date_start < upper)
            ):
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
    f: EventFilter,
    order: str = "asc",
    after: Cursor | None = None,
    limit: int = 50,
    *,
    facts: BuildFacts | None = None,
    drive: str | None = None,
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
