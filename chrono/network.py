"""The contact network: actors as nodes, pairs of parties to contact events as edges.

The build writes one row per contact event and pair of sides (`network_pairs`, see
`write_network_pairs`); `network` aggregates the rows of a date range into nodes and edges.
Actors are small integers there (`network_actors`: keys in id order, so that comparing keys
compares ids): a row is a third the size it would be with the ids themselves. Three kinds of
row, one per way of drawing the sides:

- DIRECT: every party is its own node. An edge counts the contact events both actors are
  parties to: what /api/contacts?actor=A&with=B&members=false counts. `member` marks the rows
  where one party belongs to the other at the time of the event.
- GROUPED: a member is drawn as the organisation it belongs to at the time of the event (the
  outermost one, when organisations nest). Two sides are in contact when each has a party the
  other lacks: what /api/contacts?actor=A&with=B counts with members on.
- SIDE: an organisation's side (itself and its members at the time) with each other party, as
  /api/contacts lists them with members on: the spokes of an organisation's own network. An
  actor without members has no SIDE rows: its side is itself, and its contacts are its DIRECT
  rows less the organisations it belongs to at the time (read as OWN, never stored).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import NamedTuple

import msgspec

from .ingest import contact_sides
from .models import CONTACT_TYPES, PARTY_ROLES
from .plan import EventFilter, QueryError
from .store import Reader

DIRECT, GROUPED, SIDE, OWN = 0, 1, 2, 3  # OWN: DIRECT rows read as a memberless actor's side
A_IN_B, B_IN_A = 1, 2  # bits of `member`: a belongs to b at the time of the event, or b to a
EVERYONE = -1  # network_actor_months.actor of the counts of every pair
MAX_IDS = 100_000
# the API's ids per edge unless asked: an answer's size follows its edges, not its events
DEFAULT_IDS = 100
MAX_NODES = 100_000
LITERAL_IN = 1000  # up to this many actors, a list of them is written into the SQL as parameters
SQL_TIME_LIMIT = 2.0  # seconds; a network query running longer is interrupted

# `crosses`: 1 when the event's possible days run into another calendar year. The others are
# also counted per pair and year (network_pair_years; types: count per type, JSON; event_ids:
# the ids joined with commas, slugs hold none: split, not parsed, per request) and per actor
# and month (network_actor_months: an actor's rows of each kind, for SIDE those of its side,
# and every pair's under EVERYONE): a range of whole years reads those, not every event.
NETWORK_PAIRS_SCHEMA = (
    """CREATE TABLE network_actors (
           key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE REFERENCES actors(id),
           has_members INTEGER NOT NULL)""",
    """INSERT INTO network_actors
       SELECT row_number() OVER (ORDER BY id), id,
              id IN (SELECT organization_id FROM organization_members)
       FROM actors""",
    """CREATE TABLE network_pairs (
           kind INTEGER NOT NULL, crosses INTEGER NOT NULL, date_scale INTEGER NOT NULL,
           date_start TEXT NOT NULL, event_rowid INTEGER NOT NULL, a INTEGER NOT NULL,
           b INTEGER NOT NULL, member INTEGER NOT NULL, date_end TEXT NOT NULL,
           type TEXT NOT NULL, status TEXT NOT NULL, event_id TEXT NOT NULL,
           PRIMARY KEY (kind, crosses, date_scale, date_start, event_rowid, a, b)) WITHOUT ROWID""",
    """CREATE TABLE network_pair_years (
           kind INTEGER NOT NULL, year TEXT NOT NULL, a INTEGER NOT NULL, b INTEGER NOT NULL,
           member INTEGER NOT NULL, count INTEGER NOT NULL, first TEXT NOT NULL,
           last TEXT NOT NULL, types TEXT NOT NULL, event_ids TEXT NOT NULL,
           PRIMARY KEY (kind, year, a, b, member)) WITHOUT ROWID""",
    """CREATE TABLE network_actor_months (
           kind INTEGER NOT NULL, actor INTEGER NOT NULL, month TEXT NOT NULL,
           count INTEGER NOT NULL,
           PRIMARY KEY (kind, actor, month)) WITHOUT ROWID""",
)
NETWORK_INDEXES = (
    "CREATE INDEX network_pairs_by_a ON network_pairs (kind, a, crosses, date_scale, date_start)",
    "CREATE INDEX network_pairs_by_b ON network_pairs (kind, b, crosses, date_scale, date_start)",
    "CREATE INDEX network_pair_years_by_a ON network_pair_years (kind, a, year)",
    "CREATE INDEX network_pair_years_by_b ON network_pair_years (kind, b, year)",
)


# --- the build's side ------------------------------------------------------------------------


def _covering(
    member_of: dict[str, list[tuple[str, str | None, str | None]]], actor: str, start: str, end: str
) -> set[str]:
    """The organisations `actor` belongs to on some day of [start, end]."""
    return {
        org
        for org, first, last in member_of.get(actor, ())
        if (first is None or first <= end) and (last is None or last >= start)
    }


def grouped_pairs(
    parties: list[str], start: str, end: str, member_of: dict, has_members: set[str]
) -> list[tuple[str, str]]:
    """The pairs of sides in contact at one event when members are drawn as their organisation.

    Each party stands for the outermost organisations it belongs to at the time (those that
    belong to none themselves), or for itself. Two sides are in contact when each has a party
    the other lacks: the rule /api/contacts applies with members on, so the counts agree.
    """
    inside: dict[str, set[str]] = {}
    for p in parties:
        candidates = _covering(member_of, p, start, end) | ({p} if p in has_members else set())
        groups = {g for g in candidates if not _covering(member_of, g, start, end)} or {p}
        for g in groups:
            inside.setdefault(g, set()).add(p)
    sides = sorted(inside)
    return [
        (g, h)
        for i, g in enumerate(sides)
        for h in sides[i + 1 :]
        if inside[g] - inside[h] and inside[h] - inside[g]
    ]


def write_network_pairs(conn: sqlite3.Connection) -> None:
    """The network tables, from the built events, event_actors and organization_members."""
    for statement in NETWORK_PAIRS_SCHEMA:
        conn.execute(statement)
    types = ", ".join(f"'{t}'" for t in CONTACT_TYPES)
    roles = ", ".join(f"'{r}'" for r in PARTY_ROLES)
    member_of: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for org, actor, first, last in conn.execute(
        "SELECT organization_id, actor_id, start_date, end_date FROM organization_members"
    ):
        member_of.setdefault(actor, []).append((org, first, last))
    _write_pairs(conn, member_of, types, roles)
    for statement in NETWORK_INDEXES:
        conn.execute(statement)


def _write_pairs(conn: sqlite3.Connection, member_of: dict, types: str, roles: str) -> None:
    """The rows of every kind, in one pass over the events' parties, streamed into the table:
    memory stays flat however many events there are. The SIDE rows are the contact pairs
    /api/contacts counts (ingest.contact_sides), of the organisations with members."""
    keys = dict(conn.execute("SELECT id, key FROM network_actors"))
    has_members = {org for orgs in member_of.values() for org, _, _ in orgs}
    rows = conn.cursor().execute(
        f"""SELECT e.date_scale, e.date_start, e.rowid, e.date_end, e.type, e.status, e.id,
                   json_group_array(ea.actor_id)
            FROM events e JOIN event_actors ea ON ea.event_id = e.id
            WHERE e.type IN ({types}) AND ea.role IN ({roles}) GROUP BY e.rowid HAVING count(*) > 1
            ORDER BY e.rowid"""  # date order: the build writes the events sorted by date
    )
    decode = msgspec.json.Decoder(list[str]).decode

    def pairs() -> Iterator[tuple]:
        for scale, start, rowid, end, type_, status, event_id, found in rows:
            parties = sorted(set(decode(found)))  # id order is key order
            crosses = int(start[:4] != end[:4])
            belongs = {p: _covering(member_of, p, start, end) for p in parties if p in member_of}
            for i, a in enumerate(parties):
                for b in parties[i + 1 :]:
                    member = A_IN_B * (b in belongs.get(a, ())) + B_IN_A * (a in belongs.get(b, ()))
                    yield (
                        DIRECT,
                        crosses,
                        scale,
                        start,
                        rowid,
                        keys[a],
                        keys[b],
                        member,
                        end,
                        type_,
                        status,
                        event_id,
                    )
            for g, h in grouped_pairs(parties, start, end, member_of, has_members):
                yield (
                    GROUPED,
                    crosses,
                    scale,
                    start,
                    rowid,
                    keys[g],
                    keys[h],
                    0,
                    end,
                    type_,
                    status,
                    event_id,
                )
            for side, other, pair in contact_sides(parties, start, end, member_of, has_members):
                if pair and side in has_members:
                    yield (
                        SIDE,
                        crosses,
                        scale,
                        start,
                        rowid,
                        keys[side],
                        keys[other],
                        0,
                        end,
                        type_,
                        status,
                        event_id,
                    )

    counts = _Counts(conn, {keys[org] for org in has_members})
    conn.executemany(
        "INSERT INTO network_pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        map(counts.add, pairs()),
    )
    counts.flush()


_encode = msgspec.json.Encoder().encode


class _Counts:
    """network_pair_years and network_actor_months, counted from the rows on their way into
    network_pairs. The rows come in date order, so a year's counts are written when the next
    year begins: memory holds one year's pairs, not the chronology's."""

    def __init__(self, conn: sqlite3.Connection, with_members: set[int]) -> None:
        self.conn, self.with_members = conn, with_members
        self.year = ""
        self.pairs: dict[tuple, list] = {}
        self.months: dict[tuple[int, int, str], int] = {}

    def add(self, row: tuple) -> tuple:
        kind, crosses, _, start, _, a, b, member, end, type_, _, event_id = row
        if crosses:
            return row
        if start[:4] != self.year:
            self.flush()
            self.year = start[:4]
        pair = self.pairs.get((kind, a, b, member))
        if pair is None:
            self.pairs[(kind, a, b, member)] = [start, end, [event_id], {type_: 1}]
        else:
            pair[1] = max(pair[1], end)  # starts come in order: the first is the earliest
            pair[2].append(event_id)
            pair[3][type_] = pair[3].get(type_, 0) + 1
        month, months = start[:7], self.months
        actors = [a] if kind == SIDE else [a, b, EVERYONE]
        if kind == DIRECT:  # an actor without members is its own side, less its organisations
            if not member & A_IN_B and a not in self.with_members:
                months[(SIDE, a, month)] = months.get((SIDE, a, month), 0) + 1
            if not member & B_IN_A and b not in self.with_members:
                months[(SIDE, b, month)] = months.get((SIDE, b, month), 0) + 1
        for actor in actors:
            months[(kind, actor, month)] = months.get((kind, actor, month), 0) + 1
        return row

    def flush(self) -> None:
        year = self.year
        self.conn.executemany(
            "INSERT INTO network_pair_years VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    kind,
                    year,
                    a,
                    b,
                    member,
                    len(ids),
                    first,
                    last,
                    _encode(dict(sorted(types.items()))).decode(),
                    ",".join(ids),
                )
                for (kind, a, b, member), (first, last, ids, types) in sorted(self.pairs.items())
            ),
        )
        self.conn.executemany(
            "INSERT INTO network_actor_months VALUES (?, ?, ?, ?)",
            ((kind, actor, month, n) for (kind, actor, month), n in sorted(self.months.items())),
        )
        self.pairs.clear()
        self.months.clear()


# --- the answer ------------------------------------------------------------------------------


class Node(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    name: str
    kind: str
    events: int


class Edge(msgspec.Struct, frozen=True, kw_only=True):
    source: str
    target: str
    count: int
    first: str
    last: str
    types: dict[str, int]
    event_ids: list[str]


class Month(msgspec.Struct, frozen=True, kw_only=True):
    month: str
    count: int


class Network(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    nodes: list[Node]
    edges: list[Edge]
    actor: str | None = None  # the id the `actor` parameter resolved to: the centre
    months: list[Month] | None = None


def _stored(kind: int) -> int:
    """The kind of row network_pairs holds for `kind`."""
    return DIRECT if kind == OWN else kind


def _own_test(kind: int, side: str, alias: str = "") -> str:
    """For OWN: the SQL test leaving out the rows where the actor on `side` ("a" or "b") meets
    an organisation it belongs to at the time (not a contact of its side)."""
    if kind != OWN:
        return ""
    return f" AND {alias}member & {A_IN_B if side == 'a' else B_IN_A} = 0"


def _range_sql(
    f: EventFilter, kind: int, facts, on: tuple[str, int] | None = None, crosses: str = "0, 1"
) -> tuple[str, list]:
    """Rows of network_pairs of `kind` (and `crosses`, SQL) in the filter's range, type, status
    and text: one index range per date scale, as the events pages read them (plan._arms).
    With `on` (column "a" or "b", actor key), only that actor's rows on that side, through its
    index."""
    tests, params = [], []
    if f.types:
        tests.append(f"p.type IN ({', '.join('?' * len(f.types))})")
        params += f.types
    if f.statuses:
        tests.append(f"p.status IN ({', '.join('?' * len(f.statuses))})")
        params += f.statuses
    if f.q:
        tests.append(
            "EXISTS (SELECT 1 FROM events_fts x "
            "WHERE x.events_fts MATCH ? AND x.rowid = p.event_rowid)"
        )
        params.append(f.q)
    lo = f.start.isoformat() if f.start else None
    hi = f.end.isoformat() if f.end else None
    table = f"network_pairs p INDEXED BY network_pairs_by_{on[0]}" if on else "network_pairs p"
    arms, arm_params = [], []
    # One arm per value of `crosses`: `crosses IN (0, 1)` before a range on date_start read
    # rows outside the range in SQLite 3.40 (an early-out of IN on an index's middle column).
    for cross, (scale, days) in ((c, s) for c in crosses.split(", ") for s in facts.scales):
        clauses = [f"p.kind = {_stored(kind)}"] + (
            [f"p.{on[0]} = ?{_own_test(kind, on[0], 'p.')}"] if on else []
        )
        clauses += [f"p.crosses = {int(cross)}", f"p.date_scale = {int(scale)}"]
        values: list = [on[1]] if on else []
        if lo:
            if f.within:
                clauses.append("p.date_start >= ?")
                values.append(lo)
            else:
                try:
                    lower = (f.start - timedelta(days=days - 1)).isoformat()
                except OverflowError:
                    lower = "0001-01-01"
                clauses += ["p.date_start >= ?", "p.date_end >= ?"]
                values += [lower, lo]
        if hi:
            clauses.append("p.date_start <= ?")
            values.append(hi)
            if f.within:
                clauses.append("p.date_end <= ?")
                values.append(hi)
        arms.append(" AND ".join(clauses + tests))
        arm_params += values + params
    return " UNION ALL ".join(f"SELECT * FROM {table} WHERE {arm}" for arm in arms), arm_params


class _Plan(NamedTuple):
    """How a filter's rows are read: whole years from the yearly counts (years, as 'YYYY'),
    the rest event by event (pieces: a filter and which `crosses` rows it reads)."""

    years: list[str]
    pieces: list[tuple[EventFilter, str]]


def _plan(conn: sqlite3.Connection, f: EventFilter, kind: int) -> _Plan:
    """Whole calendar years inside the range come from network_pair_years (exact for both
    matches: an event within a year inside the range is inside the range); events that cross
    a year boundary, and those of a year the range only cuts, are read one by one. Type,
    status and text filters are not counted per year: those read every event."""
    if f.types or f.statuses or f.q:
        return _Plan([], [(f, "0, 1")])
    first, last = _years(conn, _stored(kind))
    if first is None:
        return _Plan([], [(f, "0, 1")])
    y0 = max(
        int(first), f.start.year + (f.start != date(f.start.year, 1, 1)) if f.start else int(first)
    )
    y1 = min(int(last), f.end.year - (f.end != date(f.end.year, 12, 31)) if f.end else int(last))
    whole_from = f.start.year + (f.start != date(f.start.year, 1, 1)) if f.start else None
    whole_to = f.end.year - (f.end != date(f.end.year, 12, 31)) if f.end else None
    if whole_from is not None and whole_to is not None and whole_from > whole_to:
        return _Plan([], [(f, "0, 1")])
    pieces: list[tuple[EventFilter, str]] = [(f, "1")]
    if f.start and whole_from != f.start.year:  # the year the range starts in, from its start
        pieces.append((replace(f, end=min(f.end or date.max, date(f.start.year, 12, 31))), "0"))
    if f.end and whole_to != f.end.year:  # the year it ends in, up to its end
        pieces.append((replace(f, start=max(f.start or date.min, date(f.end.year, 1, 1))), "0"))
    return _Plan([f"{y:04d}" for y in range(y0, y1 + 1)], pieces)


def _years(conn: sqlite3.Connection, kind: int) -> tuple[str | None, str | None]:
    """The first and last year counted. Two subqueries: min() and max() in one statement
    would read every row of the kind instead of both ends of the key."""
    return conn.execute(
        "SELECT (SELECT min(year) FROM network_pair_years WHERE kind = ?), "
        "(SELECT max(year) FROM network_pair_years WHERE kind = ?)",
        (kind, kind),
    ).fetchone()


# a, b (keys), types, count, first, last, event ids
Row = tuple[int, int, dict[str, int], int, str, str, list[str]]


_decode_types = msgspec.json.Decoder(dict[str, int]).decode


def _rows(
    conn: sqlite3.Connection,
    f: EventFilter,
    facts,
    kind: int,
    ego: int | None,
    among: list[int] | None,
) -> list[Row]:
    """Rows per pair (several per pair: one per year or per type of the events read one by
    one) of `kind`: all of them, those of `ego`, or those among the actors `among`."""
    plan = _plan(conn, f, kind)
    rows: list[Row] = []
    if plan.years:
        rows += _year_rows(conn, kind, plan.years, ego, among)
    for piece, crosses in plan.pieces:
        for a, b, type_, n, first, last, ids in _event_rows(
            conn, piece, facts, kind, ego, among, crosses
        ):
            rows.append((a, b, {type_: n}, n, first, last, ids.split(",")))
    return rows


def _year_rows(
    conn: sqlite3.Connection, kind: int, years: list[str], ego: int | None, among: list[int] | None
) -> list[Row]:
    marks = ", ".join("?" * len(years))
    if ego is not None:
        sides = ("a",) if kind == SIDE else ("a", "b")
        sql = " UNION ALL ".join(
            "SELECT a, b, types, count, first, last, event_ids "
            f"FROM network_pair_years INDEXED BY network_pair_years_by_{side} "
            f"WHERE kind = ? AND {side} = ? AND year IN ({marks}){_own_test(kind, side)}"
            for side in sides
        )
        params: list = [v for _ in sides for v in (_stored(kind), ego, *years)]
    elif among is not None and len(among) <= LITERAL_IN:
        # a key range per year and actor: fewer rows than those years hold. Literal lists,
        # not json_each(): SQLite reads the rows of each `a` and tests `b` against a list it
        # sorted once (three times faster). `+b`: a seek per year, `a` and `b` instead (the
        # planner's choice) costs 30 times more at 800 actors
        among_marks = ", ".join("?" * len(among))
        sql = (
            "SELECT a, b, types, count, first, last, event_ids "
            f"FROM network_pair_years WHERE kind = ? AND year IN ({marks}) "
            f"AND a IN ({among_marks}) AND +b IN ({among_marks})"
        )
        params = [_stored(kind), *years, *among, *among]
    else:
        test = (
            ""
            if among is None
            else (
                " AND a IN (SELECT value FROM json_each(?))"
                " AND +b IN (SELECT value FROM json_each(?))"
            )
        )
        sql = (
            "SELECT a, b, types, count, first, last, event_ids "
            f"FROM network_pair_years WHERE kind = ? AND year IN ({marks}){test}"
        )
        params = [_stored(kind), *years] + (
            [msgspec.json.encode(among).decode()] * 2 if among is not None else []
        )
    return [
        (min(a, b), max(a, b), _decode_types(types), n, first, last, ids.split(","))
        for a, b, types, n, first, last, ids in conn.execute(sql, params)
    ]


def _event_source(
    f: EventFilter, kind: int, facts, ego: int | None, crosses: str
) -> tuple[str, list]:
    """The rows of `kind` the filter selects, event by event; with `ego`, only that actor's
    (on either side, or as the side of a SIDE row)."""
    if ego is None:
        return _range_sql(f, kind, facts, None, crosses)
    parts, params = [], []
    for side in ("a",) if kind == SIDE else ("a", "b"):
        sql, values = _range_sql(f, kind, facts, (side, ego), crosses)
        parts.append(sql)
        params += values
    return " UNION ALL ".join(parts), params


def _event_rows(
    conn: sqlite3.Connection,
    f: EventFilter,
    facts,
    kind: int,
    ego: int | None,
    among: list[int] | None,
    crosses: str,
) -> list[tuple]:
    """(a, b, type, count, first, last, event ids joined with commas) per pair and type, a < b."""
    source, params = _event_source(f, kind, facts, ego, crosses)
    where = ""
    if among is not None and len(among) <= LITERAL_IN:
        marks = ", ".join("?" * len(among))
        where = f"WHERE a IN ({marks}) AND b IN ({marks})"
        params += [*among, *among]
    elif among is not None:
        where = (
            "WHERE a IN (SELECT value FROM json_each(?)) AND b IN (SELECT value FROM json_each(?))"
        )
        params += [msgspec.json.encode(among).decode()] * 2
    sql = f"""SELECT min(a, b), max(a, b), type, count(*), min(date_start), max(date_end),
                     group_concat(event_id, ',')
              FROM ({source}) {where} GROUP BY 1, 2, 3"""
    return conn.execute(sql, params).fetchall()


def _months(
    conn: sqlite3.Connection, f: EventFilter, facts, kind: int, ego: int | None
) -> list[Month]:
    """Contacts (rows) per month of their first possible day, of everyone or of `ego`."""
    plan = _plan(conn, f, kind)
    counts: dict[str, int] = {}
    if plan.years:
        for month, n in conn.execute(
            "SELECT month, count FROM network_actor_months "
            "WHERE kind = ? AND actor = ? AND month BETWEEN ? AND ?",
            (
                SIDE if kind == OWN else kind,
                EVERYONE if ego is None else ego,
                f"{plan.years[0]}-01",
                f"{plan.years[-1]}-12",
            ),
        ):
            counts[month] = counts.get(month, 0) + n
    for piece, crosses in plan.pieces:
        source, params = _event_source(piece, kind, facts, ego, crosses)
        for month, n in conn.execute(
            f"SELECT substr(date_start, 1, 7), count(*) FROM ({source}) GROUP BY 1", params
        ):
            counts[month] = counts.get(month, 0) + n
    return [Month(month=m, count=n) for m, n in sorted(counts.items())]


def network(
    reader: Reader,
    f: EventFilter,
    *,
    min_count: int = 1,
    group: bool = False,
    ids: int | None = None,
    months: bool = False,
    limit: int | None = None,
) -> Network:
    """Nodes and edges of the contact events `f` selects.

    Without an actor: every pair of sides in contact. With one actor: that actor, the sides in
    contact with it, and the contacts among those. `min_count` drops the edges of fewer events
    (and the nodes left without any); `limit` keeps the actor and its `limit` most frequent
    partners, or without an actor the `limit` actors with most events; `ids` keeps at most
    that many event ids per edge, the first in id order (`count` still counts them all). A
    node's `events` counts the events of its edges in the answer, before `min_count`. With
    `months`, the contacts (pairs of sides at an event) per month of their earliest possible
    day, of all pairs or of the actor's: what a time brush draws.
    """
    if min_count < 1:
        raise QueryError("min_count", "must be 1 or more")
    if ids is not None and not 0 <= ids <= MAX_IDS:
        raise QueryError("ids", f"must be between 0 and {MAX_IDS:,}")
    if limit is not None and not 1 <= limit <= MAX_NODES:
        raise QueryError("limit", f"must be between 1 and {MAX_NODES:,}")
    if len(f.actors) > 1:
        raise QueryError("actor", "the network is drawn around one actor at a time: give it once")
    kind = GROUPED if group else DIRECT
    conn, facts = reader.conn, reader.facts
    actors = _actors(reader)
    ego = actors.keys[f.actors[0]] if f.actors else None
    spoke = kind if group or not f.members else SIDE if ego in actors.with_members else OWN
    per_month = None
    deadline = time.monotonic() + SQL_TIME_LIMIT
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        if months:
            per_month = _months(conn, f, facts, kind if ego is None else spoke, ego)
        if ego is None:
            pairs = _merge(_rows(conn, f, facts, kind, None, None))
            if limit is not None:
                pairs = _busiest(pairs, limit)
        else:
            pairs = _merge(_rows(conn, f, facts, spoke, ego, None))
            partners = {b if a == ego else a: edge[1] for (a, b), edge in pairs.items()}
            if limit is not None and len(partners) > limit:
                kept = set(sorted(partners, key=lambda p: (-partners[p], p))[:limit])
                pairs = {k: v for k, v in pairs.items() if (k[1] if k[0] == ego else k[0]) in kept}
                partners = {p: partners[p] for p in kept}
            if len(partners) > 1:
                among = _merge(_rows(conn, f, facts, kind, None, sorted(partners)))
                pairs.update((k, v) for k, v in among.items() if ego not in k)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise QueryError(
                "from",
                f"the network took longer than {SQL_TIME_LIMIT:g}s to draw; "
                "narrow the range or filters",
            ) from None
        raise
    finally:
        conn.set_progress_handler(None, 0)
    answer = _assemble(conn, actors.ids, pairs, ego, min_count, ids)
    return answer if per_month is None else msgspec.structs.replace(answer, months=per_month)


class _Actors(NamedTuple):
    ids: list[str]  # by key (0: none)
    keys: dict[str, int]
    with_members: frozenset[int]


def _actors(reader: Reader) -> _Actors:
    """The actors' keys in the network tables, read once per build (its keys never change)."""
    cached = reader.memo.network_actors
    if isinstance(cached, _Actors):
        return cached
    ids, keys, with_members = [""], {}, set()
    rows = reader.execute("SELECT key, id, has_members FROM network_actors ORDER BY key")
    for key, actor_id, has_members in rows:
        ids.append(actor_id)
        keys[actor_id] = key
        if has_members:
            with_members.add(key)
    actors = reader.memo.network_actors = _Actors(ids, keys, frozenset(with_members))
    return actors


def _merge(rows: list[Row]) -> dict[tuple[int, int], list]:
    """Rows of a pair summed: pair -> [types, count, first, last, event ids]."""
    pairs: dict[tuple[int, int], list] = {}
    for a, b, types, n, first, last, event_ids in rows:
        pair = pairs.get((a, b))
        if pair is None:
            pairs[(a, b)] = [
                types,
                n,
                first,
                last,
                event_ids,
            ]  # each row's own dict and list: updated in place
        else:
            for type_, m in types.items():
                pair[0][type_] = pair[0].get(type_, 0) + m
            pair[1] += n
            pair[2], pair[3] = min(pair[2], first), max(pair[3], last)
            pair[4] += event_ids
    return pairs


def _busiest(pairs: dict[tuple[int, int], list], limit: int) -> dict[tuple[int, int], list]:
    """The pairs among the `limit` actors with the most events."""
    events = _node_events(pairs)
    kept = set(sorted(events, key=lambda x: (-events[x], x))[:limit])
    return {k: v for k, v in pairs.items() if k[0] in kept and k[1] in kept}


def _node_events(pairs: dict[tuple[int, int], list]) -> dict[int, int]:
    """Per actor, the events of its edges: an event with three parties is on two edges of each.
    An edge's ids are distinct, so a set is needed only where edges meet."""
    lists: dict[int, list[list[str]]] = {}
    for (a, b), edge in pairs.items():
        lists.setdefault(a, []).append(edge[4])
        lists.setdefault(b, []).append(edge[4])
    return {k: len(ids[0]) if len(ids) == 1 else len(set().union(*ids)) for k, ids in lists.items()}


def _assemble(
    conn: sqlite3.Connection,
    names: list[str],
    pairs: dict[tuple[int, int], list],
    ego: int | None,
    min_count: int,
    ids: int | None,
) -> Network:
    """The answer: keys become ids (in the same order), edges sorted by their pair."""
    node_events = _node_events(pairs)
    edges, shown = [], set() if ego is None else {ego}
    for (a, b), (types, n, first, last, event_ids) in sorted(pairs.items()):
        if n >= min_count:
            event_ids = sorted(event_ids)
            edges.append(
                Edge(
                    source=names[a],
                    target=names[b],
                    count=n,
                    first=first,
                    last=last,
                    types=dict(sorted(types.items())),
                    event_ids=event_ids if ids is None else event_ids[:ids],
                )
            )
            shown.update((a, b))
    nodes = []
    if shown:
        events = {names[k]: node_events.get(k, 0) for k in shown}
        for actor_id, name, kind in conn.execute(
            "SELECT id, name, kind FROM actors "
            "WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (msgspec.json.encode(sorted(events)).decode(),),
        ):
            nodes.append(Node(id=actor_id, name=name, kind=kind, events=events[actor_id]))
    return Network(nodes=nodes, edges=edges, actor=None if ego is None else names[ego])


# Past this many contact rows to read, drawing a network is expensive work: it runs in the
# database pool under one of the few slots for expensive requests (capacity.heavy).
WIDE_NETWORK = 5_000


def network_size(conn: sqlite3.Connection, f: EventFilter, *, group: bool = False) -> int:
    """About how many contact rows drawing `f` may read: every pair's rows in the months of
    its range (network_actor_months). With an actor, the contacts among its partners can read
    that many too. Cheap: a few hundred rows of counts, where the drawing may read hundreds
    of thousands of rows."""
    low = f.start.isoformat()[:7] if f.start else ""
    high = f.end.isoformat()[:7] if f.end else "9999-12"
    row = conn.execute(
        "SELECT coalesce(sum(count), 0) FROM network_actor_months"
        " WHERE kind = ? AND actor = ? AND month BETWEEN ? AND ?",
        (GROUPED if group else DIRECT, EVERYONE, low, high),
    ).fetchone()
    return row[0]
