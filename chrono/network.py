"""The contact network: actors as nodes, pairs of parties to contact events as edges.

The build writes one row per contact event and pair of sides (`network_pairs`, see
`write_network_pairs`); `network` aggregates the rows of a date range into nodes and edges.
Three kinds of row, one per way of drawing the sides:

- DIRECT: every party is its own node. An edge counts the contact events both actors are
  parties to: what /api/contacts?actor=A&with=B&members=false counts.
- GROUPED: a member is drawn as the organisation it belongs to at the time of the event (the
  outermost one, when organisations nest). Two sides are in contact when each has a party the
  other lacks: what /api/contacts?actor=A&with=B counts with members on.
- SIDE: an actor's side (itself and, for an organisation, its members at the time) with each
  other party, as /api/contacts lists them with members on: the spokes of an organisation's
  own network.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from datetime import timedelta

import msgspec

from .models import CONTACT_TYPES, PARTY_ROLES
from .store import EventFilter, QueryError, build_facts

DIRECT, GROUPED, SIDE = 0, 1, 2
MAX_IDS = 100_000
SQL_TIME_LIMIT = 2.0  # seconds; a network query running longer is interrupted

NETWORK_PAIRS_SCHEMA = (
    """CREATE TABLE network_pairs (
           kind INTEGER NOT NULL, date_scale INTEGER NOT NULL, date_start TEXT NOT NULL, event_rowid INTEGER NOT NULL,
           a TEXT NOT NULL REFERENCES actors(id), b TEXT NOT NULL REFERENCES actors(id),
           date_end TEXT NOT NULL, type TEXT NOT NULL, status TEXT NOT NULL, event_id TEXT NOT NULL,
           PRIMARY KEY (kind, date_scale, date_start, event_rowid, a, b)) WITHOUT ROWID""",
    "CREATE INDEX network_pairs_by_a ON network_pairs (kind, a, date_scale, date_start)",
    "CREATE INDEX network_pairs_by_b ON network_pairs (kind, b, date_scale, date_start)",
)


# --- the build's side ------------------------------------------------------------------------

def _covering(member_of: dict[str, list[tuple[str, str | None, str | None]]], actor: str, start: str, end: str) -> set[str]:
    """The organisations `actor` belongs to on some day of [start, end]."""
    return {org for org, first, last in member_of.get(actor, ()) if (first is None or first <= end) and (last is None or last >= start)}


def grouped_pairs(parties: list[str], start: str, end: str, member_of: dict, has_members: set[str]) -> list[tuple[str, str]]:
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
    return [(g, h) for i, g in enumerate(sides) for h in sides[i + 1:]
            if inside[g] - inside[h] and inside[h] - inside[g]]


def write_network_pairs(conn: sqlite3.Connection, pair_sources: Iterable[str]) -> None:
    """network_pairs from the built events, event_actors and organization_members; the SIDE
    rows from the stages' contact pairs (`pair_sources`: attached schemas with a `pairs`
    table, as ingest writes them), so that they are the rows /api/contacts counts."""
    for statement in NETWORK_PAIRS_SCHEMA:
        conn.execute(statement)
    types = ", ".join(f"'{t}'" for t in CONTACT_TYPES)
    roles = ", ".join(f"'{r}'" for r in PARTY_ROLES)
    conn.execute(
        f"""INSERT INTO network_pairs
            SELECT {DIRECT}, e.date_scale, e.date_start, e.rowid, x.actor_id, y.actor_id, e.date_end, e.type, e.status, e.id
            FROM events e JOIN event_actors x ON x.event_id = e.id JOIN event_actors y ON y.event_id = e.id
            WHERE e.type IN ({types}) AND x.role IN ({roles}) AND y.role IN ({roles}) AND x.actor_id < y.actor_id"""
    )
    sources = list(pair_sources)
    if sources:
        union = " UNION ALL ".join(f"SELECT side_id, other_id, event_id FROM {s}.pairs WHERE pair = 1" for s in sources)
        conn.execute(
            f"""INSERT OR IGNORE INTO network_pairs
                SELECT {SIDE}, e.date_scale, e.date_start, e.rowid, p.side_id, p.other_id, e.date_end, e.type, e.status, e.id
                FROM ({union}) p JOIN events e ON e.id = p.event_id"""
        )
    member_of: dict[str, list[tuple[str, str | None, str | None]]] = {}
    for org, actor, first, last in conn.execute("SELECT organization_id, actor_id, start_date, end_date FROM organization_members"):
        member_of.setdefault(actor, []).append((org, first, last))
    has_members = {org for orgs in member_of.values() for org, _, _ in orgs}
    if not member_of:  # no memberships: every grouped pair is a direct one
        conn.execute(f"INSERT INTO network_pairs SELECT {GROUPED}, date_scale, date_start, event_rowid, a, b, date_end, type, "
                     f"status, event_id FROM network_pairs WHERE kind = {DIRECT}")
        return
    rows = conn.execute(
        f"""SELECT e.date_scale, e.date_start, e.rowid, e.date_end, e.type, e.status, e.id, json_group_array(ea.actor_id)
            FROM events e JOIN event_actors ea ON ea.event_id = e.id
            WHERE e.type IN ({types}) AND ea.role IN ({roles}) GROUP BY e.rowid HAVING count(*) > 1"""
    )
    decode = msgspec.json.Decoder(list[str]).decode
    out = []
    for scale, start, rowid, end, type_, status, event_id, parties in rows:
        for g, h in grouped_pairs(decode(parties), start, end, member_of, has_members):
            out.append((GROUPED, scale, start, rowid, g, h, end, type_, status, event_id))
    conn.executemany("INSERT INTO network_pairs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", out)


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
    months: list[Month] | None = None


def _range_sql(f: EventFilter, kind: int, facts, on: tuple[str, str] | None = None) -> tuple[str, list]:
    """Rows of network_pairs of `kind` in the filter's range, type, status and text: one index
    range per date scale, as the events pages read them (store._arms). With `on` (column
    "a" or "b", actor id), only the rows of that actor on that side, through its index."""
    tests, params = [], []
    if f.types:
        tests.append(f"p.type IN ({', '.join('?' * len(f.types))})")
        params += f.types
    if f.statuses:
        tests.append(f"p.status IN ({', '.join('?' * len(f.statuses))})")
        params += f.statuses
    if f.q:
        tests.append("EXISTS (SELECT 1 FROM events_fts x WHERE x.events_fts MATCH ? AND x.rowid = p.event_rowid)")
        params.append(f.q)
    lo = f.start.isoformat() if f.start else None
    hi = f.end.isoformat() if f.end else None
    table = f"network_pairs p INDEXED BY network_pairs_by_{on[0]}" if on else "network_pairs p"
    arms, arm_params = [], []
    for scale, days in facts.scales:
        clauses = [f"p.kind = {int(kind)}"] + ([f"p.{on[0]} = ?"] if on else []) + [f"p.date_scale = {int(scale)}"]
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


def _source(f: EventFilter, kind: int, facts, ego: str | None) -> tuple[str, list]:
    """The rows of `kind` the filter selects; with `ego`, only those of that actor (on either
    side, or as the side of a SIDE row)."""
    if ego is None:
        return _range_sql(f, kind, facts)
    sides = ("a",) if kind == SIDE else ("a", "b")
    parts, params = [], []
    for side in sides:
        sql, values = _range_sql(f, kind, facts, (side, ego))
        parts.append(sql)
        params += values
    return " UNION ALL ".join(parts), params


def network(
    conn: sqlite3.Connection, f: EventFilter, *, min_count: int = 1, group: bool = False, ids: int | None = None,
    months: bool = False,
) -> Network:
    """Nodes and edges of the contact events `f` selects.

    Without an actor: every pair of sides in contact. With one actor: that actor, the sides in
    contact with it, and the contacts among those. `min_count` drops the edges of fewer events
    (and the nodes left without any); `ids` keeps at most that many event ids per edge, the
    first in id order (`count` still counts them all). A node's `events` counts the events
    of its edges before `min_count`. With `months`, the contacts (pairs of sides at an
    event) per month of their earliest possible day, of all pairs or of the actor's: what a
    time brush draws.
    """
    if min_count < 1:
        raise QueryError("min_count", "must be 1 or more")
    if ids is not None and not 0 <= ids <= MAX_IDS:
        raise QueryError("ids", f"must be between 0 and {MAX_IDS:,}")
    if len(f.actors) > 1:
        raise QueryError("actor", "the network is drawn around one actor at a time: give it once")
    kind = GROUPED if group else DIRECT
    facts = build_facts(conn)
    ego = f.actors[0] if f.actors else None
    spoke = kind if group or not f.members else SIDE
    per_month = None
    deadline = time.monotonic() + SQL_TIME_LIMIT
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 10_000)
    try:
        if months:
            per_month = [Month(month=m, count=n) for m, n in _months(conn, f, facts, spoke if ego else kind, ego)]
        if ego is None:
            rows = _edges(conn, f, facts, kind, None, None)
        else:
            rows = _edges(conn, f, facts, spoke, ego, None)
            partners = sorted({r[1] if r[0] == ego else r[0] for r in rows})
            if len(partners) > 1:
                rows += [r for r in _edges(conn, f, facts, kind, None, partners) if ego not in (r[0], r[1])]
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise QueryError("from", f"the network took longer than {SQL_TIME_LIMIT:g}s to draw; narrow the range or filters") from None
        raise
    finally:
        conn.set_progress_handler(None, 0)
    answer = _assemble(conn, rows, ego, min_count, ids)
    return answer if per_month is None else msgspec.structs.replace(answer, months=per_month)


def _months(conn: sqlite3.Connection, f: EventFilter, facts, kind: int, ego: str | None) -> list[tuple[str, int]]:
    source, params = _source(f, kind, facts, ego)
    return conn.execute(f"SELECT substr(date_start, 1, 7), count(*) FROM ({source}) GROUP BY 1 ORDER BY 1", params).fetchall()


def _edges(conn: sqlite3.Connection, f: EventFilter, facts, kind: int, ego: str | None, among: list[str] | None) -> list[tuple]:
    """(a, b, type, count, first, last, event ids as JSON) per pair and type, a < b."""
    source, params = _source(f, kind, facts, ego)
    where = ""
    if among is not None:
        where = "WHERE a IN (SELECT value FROM json_each(?)) AND b IN (SELECT value FROM json_each(?))"
        params += [msgspec.json.encode(among).decode()] * 2
    sql = f"""SELECT min(a, b), max(a, b), type, count(*), min(date_start), max(date_end), json_group_array(event_id)
              FROM ({source}) {where} GROUP BY 1, 2, 3"""
    return conn.execute(sql, params).fetchall()


def _assemble(conn: sqlite3.Connection, rows: list[tuple], ego: str | None, min_count: int, ids: int | None) -> Network:
    decode = msgspec.json.Decoder(list[str]).decode
    pairs: dict[tuple[str, str], list] = {}
    for a, b, type_, n, first, last, event_ids in rows:
        pair = pairs.get((a, b))
        if pair is None:
            pairs[(a, b)] = [n, first, last, {type_: n}, decode(event_ids)]
        else:
            pair[0] += n
            pair[1], pair[2] = min(pair[1], first), max(pair[2], last)
            pair[3][type_] = pair[3].get(type_, 0) + n
            pair[4] += decode(event_ids)
    node_events: dict[str, set[str]] = {}
    for (a, b), (_, _, _, _, event_ids) in pairs.items():
        node_events.setdefault(a, set()).update(event_ids)
        node_events.setdefault(b, set()).update(event_ids)
    edges = []
    for (a, b), (n, first, last, types, event_ids) in sorted(pairs.items()):
        if n >= min_count:
            event_ids.sort()
            edges.append(Edge(source=a, target=b, count=n, first=first, last=last,
                              types=dict(sorted(types.items())), event_ids=event_ids if ids is None else event_ids[:ids]))
    shown = {e.source for e in edges} | {e.target for e in edges} | ({ego} if ego else set())
    nodes = []
    if shown:
        for actor_id, name, kind in conn.execute(
            "SELECT id, name, kind FROM actors WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id",
            (msgspec.json.encode(sorted(shown)).decode(),),
        ):
            nodes.append(Node(id=actor_id, name=name, kind=kind, events=len(node_events.get(actor_id, ()))))
    return Network(nodes=nodes, edges=edges)
