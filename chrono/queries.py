"""Read queries over a built chronology: events by date, actor, type, status and text; actors;
contacts.

Functions take a `Reader` (chrono.store: a leased connection and its build's memo) and plain
arguments, and return msgspec Structs; the SQL of an events page comes from chrono.plan.
Input problems raise `QueryError` naming the parameter.
"""

from __future__ import annotations

import functools
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import replace

import msgspec

from . import rawjson
from .dates import fold, name_key
from .models import (
    CONTACT_TYPES,
    EVENT_TYPES,
    PARTY_ROLES,
    ActorDetail,
    ActorRef,
    ActorSummary,
    Contact,
    ContactList,
    EventOut,
    MemberOut,
    MembershipOut,
)
from .plan import (
    Cursor,
    EventFilter,
    QueryError,
    date_clauses,
    decode_cursor,
    encode_cursor,
    events_sql,
    parse_bound,
)
from .schema import FTS_COLUMNS, FTS_TOKENIZER
from .store import MEMO_TEXT, Reader

MAX_LIMIT = 500
MAX_CONTACTS = 10_000
MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 12


class NotFound(LookupError):
    """No record with that id."""


def make_filter(
    reader: Reader,
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
    actors = tuple(dict.fromkeys(resolve_actor(reader, a) for a in actor or []))
    expands = tuple(members and _has_members(reader, a) for a in actors)
    return EventFilter(
        start=start,
        end=end,
        within=match == "within",
        actors=actors,
        members=members,
        expands=expands,
        types=tuple(dict.fromkeys(type_ or [])),
        statuses=tuple(dict.fromkeys(status or [])),
        q=check_fts_query(q) if q is not None else None,
    )


def resolve_actor(reader: Reader, text: str, parameter: str = "actor") -> str:
    """An actor id from its id, name or any alias, ignoring case, accents and typographic
    punctuation (dates.name_key)."""
    known = reader.memo.actor_ids
    if (actor_id := known.get(text)) is not None:
        return actor_id
    key = name_key(text)
    if not key or len(key) > 200:
        raise QueryError(parameter, "give an actor id, name or alias")
    row = reader.execute(
        "SELECT actor_id FROM actor_aliases WHERE alias_key = ?", (key,)
    ).fetchone()
    if row is None:
        raise QueryError(
            parameter,
            f"no actor is known as {text[:60]!r}; search names at /api/actors?q=",
            close_actors(reader, key),
        )
    reader.memo.remember(known, text, row[0])
    return row[0]


SUGGESTIONS = 3
SUGGESTION_SCORE = (
    75  # rapidfuzz token_sort_ratio, 0-100: "Hanieh" for Haniyeh, "Mutaki" for Muttaqi
)


def close_actors(reader: Reader, key: str, limit: int = SUGGESTIONS) -> list[dict[str, str]]:
    """Actors whose name or an alias is spelled close to `key` (a name_key), the closest first,
    as {id, name}: what a reader probably meant by a name no one is known as. Words in any
    order ("Muttaqi Amir"). Measured: 5 ms over 24,000 aliases (WRatio took 34)."""
    from rapidfuzz import fuzz, process  # only the unknown-name path needs it

    aliases = reader.memo.alias_keys
    if aliases is None:
        aliases = reader.memo.alias_keys = reader.execute(
            "SELECT alias_key, actor_id FROM actor_aliases"
        ).fetchall()
    found = process.extract(
        key[:MEMO_TEXT],
        [k for k, _ in aliases],
        scorer=fuzz.token_sort_ratio,
        limit=limit * 4,
        score_cutoff=SUGGESTION_SCORE,
    )
    ids = list(dict.fromkeys(aliases[i][1] for _, _, i in found))[:limit]
    names = dict(
        reader.execute(
            f"SELECT id, name FROM actors WHERE id IN ({', '.join('?' * len(ids))})", ids
        ).fetchall()
    )
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


# Each thread checks full-text syntax against an empty index of its own (the real one's
# columns and tokenizer), opened the first time it checks one: no connection is shared.
_FTS_PROBES = threading.local()


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


_PLAIN_WORDS = re.compile(r"^[\w\s]+$", re.UNICODE)
_OPERATORS = {"AND", "OR", "NOT", "NEAR"}


def _doc_frequency(reader: Reader, q: str) -> int | None:
    """How many events a plain-words query can match at most (its rarest word's count), or
    None for queries with operators, phrases or prefixes."""
    if not _PLAIN_WORDS.match(q) or any(w in _OPERATORS for w in q.split()):
        return None
    counts = []
    for word in _FTS_WORD.findall(fold(q)):
        row = reader.execute("SELECT doc FROM events_fts_vocab WHERE term = ?", (word,)).fetchone()
        counts.append(row[0] if row else 0)
    return min(counts) if counts else None


# Full text is "wide" past this many index entries: reading them may take far longer than a
# page, so such a search takes one of the server's few slots for expensive work.
WIDE_TEXT = 20_000
_TERM = re.compile(r"(\w+)(\*?)", re.UNICODE)


def is_wide_text(reader: Reader, f: EventFilter) -> bool:
    """A full-text search that may read much more of the index than the page it answers:
    a prefix, or common words under other filters (a plain common word alone reads the
    index in date order and stops at the page's end)."""
    narrowed = bool(f.types or f.statuses or f.actors or f.start or f.end)
    if not f.q or not (narrowed or "*" in f.q):
        # Counted only where it can matter: a word's count reads its whole doclist (a word in
        # half of a million events, 13 ms), where the page itself reads 50 entries.
        return False
    entries = 0
    for word, prefix in _TERM.findall(f.q):
        if word in _OPERATORS:
            continue
        term = fold(word)
        if prefix:
            # Term by term, only until the prefix is known to be wide: each row reads a
            # term's whole doclist, and `a*` holds most of the index (at 200,000 events,
            # summing every term took 105 ms and read all of it; this, 15 ms).
            seen = 0
            for (doc,) in reader.execute(
                "SELECT doc FROM events_fts_vocab WHERE term >= ? AND term < ?",
                (term, term + "\U0010ffff"),
            ):
                seen += doc
                if seen >= WIDE_TEXT:
                    break
            entries += min(seen, WIDE_TEXT)
            continue
        row = reader.execute("SELECT doc FROM events_fts_vocab WHERE term = ?", (term,)).fetchone()
        entries += row[0] if row else 0
    return entries >= WIDE_TEXT


def choose_drive(reader: Reader, f: EventFilter) -> tuple[EventFilter, str]:
    """The cheapest way into the events: the rarest actor, or the full-text index when its
    rarest word is rarer still. Returns the filter with the driving actor first."""
    if not f.actors:
        return f, "fts" if f.q else "events"
    if len(f.actors) == 1 and not f.q:
        return f, "actor"
    counts = []
    for actor_id, expand in zip(f.actors, f.expands, strict=True):
        row = reader.execute(
            f"SELECT {'member_event_count' if expand else 'event_count'} FROM actor_stats "
            "WHERE actor_id = ?",
            (actor_id,),
        ).fetchone()
        counts.append(row[0] if row else 0)
    best = min(range(len(counts)), key=counts.__getitem__)
    if best:
        order = [best, *(i for i in range(len(counts)) if i != best)]
        f = replace(
            f, actors=tuple(f.actors[i] for i in order), expands=tuple(f.expands[i] for i in order)
        )
    if f.q:
        df = _doc_frequency(reader, f.q)
        if df is not None and df < counts[best]:
            return f, "fts"
    return f, "actor"


def _page_docs(
    reader: Reader, f: EventFilter, order: str, after: Cursor | None, limit: int
) -> list[bytes]:
    """The documents of one page of events, in page order."""
    f, drive = choose_drive(reader, f)
    sql, params = events_sql(f, order, after, limit, facts=reader.facts, drive=drive)
    return [row[0] for row in _run(reader, sql, params)]


def _run(reader: Reader, sql: str, params: dict) -> list[tuple]:
    """Run a page query, turning a full-text syntax error into a QueryError. Its time is
    bounded by the connection's lease (an interruption passes through as it is)."""
    try:
        return reader.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        over = getattr(reader.conn, "over_budget", None)
        if over is not None and over():
            # Stopped by its budget: SQLite reports a stop inside the full-text table's
            # constructor as the constructor failing, which is no fault of the query.
            raise sqlite3.OperationalError("interrupted") from exc
        message = str(exc)
        if "events_fts MATCH" in sql and "interrupted" not in message and "too big" not in message:
            # The only text that reaches SQL as syntax is the full-text query.
            raise QueryError("q", f"full-text syntax error ({message})") from None
        raise


# --- answers passed through ------------------------------------------------------------------
# What the build wrote is read, not assembled: each event's API document, each actor's
# summary and each contact pair are JSON in the database, passed to the answer as bytes
# (chrono.rawjson). Each of these encodes exactly as the record named in its docstring,
# which is what the API documents.


class StoredEventPage(msgspec.Struct, frozen=True):
    """An EventPage: each item of `events` is an EventOut document."""

    events: list[msgspec.Raw]
    next: str | None

    def records(self) -> list[EventOut]:
        return [_decode_event(doc) for doc in self.events]


class StoredActorList(msgspec.Struct, frozen=True):
    """An ActorList: `actors` is a JSON array of ActorSummary documents."""

    actors: msgspec.Raw


class StoredContactList(msgspec.Struct, frozen=True):
    """A ContactList: `contacts` is a JSON array of Contact documents."""

    contacts: msgspec.Raw


_decode_event = msgspec.json.Decoder(EventOut).decode


class _Position(msgspec.Struct):
    """Where an event stands in date order, read from its document."""

    date_start: str
    date_end: str
    id: str


_decode_position = msgspec.json.Decoder(_Position).decode


def list_events(
    reader: Reader,
    f: EventFilter,
    *,
    limit: int = 50,
    cursor: str | None = None,
    order: str = "asc",
) -> StoredEventPage:
    """One page of events, each the document the build stored for it."""
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError("limit", f"must be between 1 and {MAX_LIMIT}")
    if order not in ("asc", "desc"):
        raise QueryError("order", f"{order!r} is not one of asc, desc")
    after = decode_cursor(cursor, order, f.fingerprint) if cursor else None
    docs = _page_docs(reader, f, order, after, limit + 1)
    next_cursor = None
    if len(docs) > limit:
        del docs[limit:]
        last = _decode_position(docs[-1])
        next_cursor = encode_cursor(last.date_start, last.date_end, last.id, order, f.fingerprint)
    return StoredEventPage(events=list(map(msgspec.Raw, docs)), next=next_cursor)


def iter_events(
    reader: Reader, f: EventFilter, order: str = "asc", page: int = 500
) -> Iterator[EventOut]:
    """Every matching event, fetched page by page so exports stream in flat memory.

    The first page is queried before this returns, so input errors (full-text syntax)
    surface as QueryError here rather than halfway through a streamed response.
    """
    first = _page_docs(reader, f, order, None, page)

    def pages() -> Iterator[EventOut]:
        docs = first
        while True:
            event = None
            for doc in docs:
                event = _decode_event(doc)
                yield event
            if len(docs) < page or event is None:
                return
            docs = _page_docs(
                reader, f, order, Cursor(event.date_start, event.date_end, event.id, order), page
            )

    return pages()


def get_event(reader: Reader, event_id: str) -> EventOut:
    row = reader.execute(
        "SELECT j.json FROM events e JOIN events_json j ON j.event_rowid = e.rowid WHERE e.id = ?",
        (event_id,),
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
        where = (
            "WHERE a.id IN (SELECT actor_id FROM actor_aliases WHERE alias_key LIKE ? ESCAPE '\\')"
        )
        params.append(f"%{escaped}%")
    sql = (
        "SELECT s.summary AS doc FROM actors a JOIN actor_stats s ON s.actor_id = a.id "
        f"{where} ORDER BY a.name"
    )
    return sql, params


def list_actors(reader: Reader, q: str | None = None, limit: int = 100) -> StoredActorList:
    if not 1 <= limit <= MAX_LIMIT:
        raise QueryError("limit", f"must be between 1 and {MAX_LIMIT}")
    sql, params = _actors_sql(q)
    joined = reader.execute(rawjson.array_sql(f"{sql} LIMIT ?"), [*params, limit]).fetchone()[0]
    return StoredActorList(actors=msgspec.Raw(joined))


_decode_summary = msgspec.json.Decoder(ActorSummary).decode


def iter_actors(reader: Reader, q: str | None = None) -> Iterator[ActorSummary]:
    """Every actor (or those matching `q`), in name order."""
    sql, params = _actors_sql(q)
    return (_decode_summary(doc) for (doc,) in reader.execute(sql, params).fetchall())


def actor_names(reader: Reader, ids: Iterable[str]) -> list[str]:
    """The names of these actors, in the order given."""
    return [
        row[0]
        for actor_id in ids
        if (row := reader.execute("SELECT name FROM actors WHERE id = ?", (actor_id,)).fetchone())
    ]


_decode_contacts = msgspec.json.Decoder(list[Contact]).decode


def contact_records(contacts: ContactList | StoredContactList) -> list[Contact]:
    """The contacts of a list as records."""
    if isinstance(contacts, StoredContactList):
        return _decode_contacts(contacts.contacts)
    return contacts.contacts


def _aliases(reader: Reader, ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if ids:
        for actor_id, alias in reader.execute(
            "SELECT actor_id, alias FROM actor_aliases "
            f"WHERE actor_id IN ({', '.join('?' * len(ids))}) ORDER BY alias",
            ids,
        ):
            if alias != actor_id:
                out.setdefault(actor_id, []).append(alias)
    return out


def get_actor(reader: Reader, actor_id: str) -> ActorDetail:
    row = reader.execute(
        "SELECT id, name, kind, notes FROM actors WHERE id = ?", (actor_id,)
    ).fetchone()
    if row is None:
        raise NotFound(actor_id)
    memberships = [
        MembershipOut(organization=ActorRef(id=o, name=n), role=role, start=s, end=e)
        for o, n, role, s, e in reader.execute(
            "SELECT m.organization_id, a.name, m.role, m.start, m.end "
            "FROM memberships m JOIN actors a ON a.id = m.organization_id "
            "WHERE m.actor_id = ? ORDER BY m.start_date, m.id",
            (actor_id,),
        )
    ]
    members = [
        MemberOut(actor=ActorRef(id=i, name=n), role=role, start=s, end=e)
        for i, n, role, s, e in reader.execute(
            "SELECT m.actor_id, a.name, m.role, m.start, m.end "
            "FROM memberships m JOIN actors a ON a.id = m.actor_id "
            "WHERE m.organization_id = ? ORDER BY a.name, m.start_date",
            (actor_id,),
        )
    ]
    # Counted by the build (actor_stats): the same numbers as aggregating event_actors and the
    # contacts view, without doing it per request for an actor in a third of all events.
    count, first, last, contacts = reader.execute(
        "SELECT event_count, first_event, last_event, direct_contact_count FROM actor_stats "
        "WHERE actor_id = ?",
        (actor_id,),
    ).fetchone()
    return ActorDetail(
        id=row[0],
        name=row[1],
        kind=row[2],
        notes=row[3],
        aliases=_aliases(reader, [actor_id]).get(actor_id, []),
        memberships=memberships,
        members=members,
        event_count=count,
        contact_count=contacts,
        first_event=first,
        last_event=last,
    )


_PARTIES = ", ".join(f"'{r}'" for r in PARTY_ROLES)


def _side_sql(f: EventFilter) -> str:
    """Rows of event_actors standing for one side of a contact: the actor itself and,
    with members on, its members while their membership covers the event; parties only
    (PARTY_ROLES): the dead at his own funeral meets no one there."""
    rng, _ = date_clauses("ea", f)
    extra = "".join(f" AND {c}" for c in [f"ea.role IN ({_PARTIES})", *rng])
    return f"""SELECT ea.event_id, ea.actor_id, ea.date_start, ea.date_end FROM event_actors ea
                WHERE ea.actor_id = ?{extra}
            UNION
            SELECT ea.event_id, ea.actor_id, ea.date_start, ea.date_end FROM organization_members m
                JOIN event_actors ea ON ea.actor_id = m.actor_id
                WHERE m.organization_id = ? AND ? {extra} AND {_membership_covers("ea")}"""


def _membership_covers(row: str) -> str:
    """SQL: organization_members row `m` holds on some day of the event `row` stands for."""
    return (
        f"(m.start_date IS NULL OR m.start_date <= {row}.date_end)"
        f" AND (m.end_date IS NULL OR m.end_date >= {row}.date_start)"
    )


def list_contacts(
    reader: Reader,
    actor: str,
    other: str | None = None,
    from_: str | None = None,
    to: str | None = None,
    members: bool = True,
    limit: int | None = None,
    ids: int | None = None,
) -> ContactList | StoredContactList:
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
    actor_id = resolve_actor(reader, actor, "actor")
    other_id = resolve_actor(reader, other, "with") if other is not None else None
    f = make_filter(reader, from_=from_, to=to)
    if not _counted_live(reader, other_id, f, members):
        return _stored_contacts(reader, actor_id, other_id, limit, ids)
    _, rng_params = date_clauses("ea", f)
    side_params = [actor_id, *rng_params, actor_id, int(members), *rng_params]
    types = ", ".join(f"'{t}'" for t in CONTACT_TYPES)
    head = f"""WITH a_rows AS ({_side_sql(f)}),
        a_events AS (SELECT DISTINCT a.event_id, a.date_start, a.date_end FROM a_rows a
                     JOIN events e ON e.id = a.event_id AND e.type IN ({types}))"""
    if other_id:
        sql = f"""{head}, b_rows AS ({_side_sql(f)})
            SELECT ?, (SELECT name FROM actors WHERE id = ?), count(*),
                   min(ae.date_start), max(ae.date_end),
                   json_group_array(ae.event_id)
            FROM a_events ae
            WHERE EXISTS (SELECT 1 FROM b_rows b WHERE b.event_id = ae.event_id
                          AND b.actor_id NOT IN (SELECT a.actor_id FROM a_rows a
                                                 WHERE a.event_id = ae.event_id))
              AND EXISTS (SELECT 1 FROM a_rows a WHERE a.event_id = ae.event_id
                          AND a.actor_id NOT IN (SELECT b.actor_id FROM b_rows b
                                                 WHERE b.event_id = ae.event_id))
            HAVING count(*) > 0"""
        params = [
            *side_params,
            other_id,
            *rng_params,
            other_id,
            int(members),
            *rng_params,
            other_id,
            other_id,
        ]
    else:
        sql = f"""{head}
            SELECT b.actor_id, o.name, count(DISTINCT ae.event_id),
                   min(ae.date_start), max(ae.date_end),
                   json_group_array(DISTINCT ae.event_id)
            FROM a_events ae
            JOIN event_actors b ON b.event_id = ae.event_id AND b.role IN ({_PARTIES})
            JOIN actors o ON o.id = b.actor_id
            WHERE b.actor_id NOT IN (SELECT a.actor_id FROM a_rows a WHERE a.event_id = ae.event_id)
              AND EXISTS (SELECT 1 FROM a_rows a WHERE a.event_id = ae.event_id
                  AND NOT (? AND EXISTS (
                  SELECT 1 FROM organization_members m
                    WHERE m.actor_id = a.actor_id AND m.organization_id = b.actor_id
                    AND {_membership_covers("a")})))
            GROUP BY b.actor_id ORDER BY count(DISTINCT ae.event_id) DESC, o.name LIMIT ?"""
        params = [*side_params, int(members), -1 if limit is None else limit]
    rows = reader.execute(sql, params).fetchall()
    name = reader.execute("SELECT name FROM actors WHERE id = ?", (actor_id,)).fetchone()[0]
    me = ActorRef(id=actor_id, name=name)
    return ContactList(
        contacts=[
            Contact(
                actor=me,
                other=ActorRef(id=r[0], name=r[1]),
                count=r[2],
                first=r[3],
                last=r[4],
                event_ids=sorted(msgspec.json.decode(r[5]))[:ids],
            )
            for r in rows
        ]
    )


def contacts_are_live(
    reader: Reader,
    actor: str,
    other: str | None = None,
    from_: str | None = None,
    to: str | None = None,
    members: bool = True,
) -> bool:
    """Whether list_contacts with these arguments counts contacts live (a date range, members
    off, or `other` an organization with members) rather than reading what the build counted."""
    resolve_actor(reader, actor, "actor")
    other_id = resolve_actor(reader, other, "with") if other is not None else None
    return _counted_live(reader, other_id, make_filter(reader, from_=from_, to=to), members)


def _counted_live(reader: Reader, other_id: str | None, f: EventFilter, members: bool) -> bool:
    return (
        not members
        or bool(f.start or f.end)
        or (other_id is not None and _has_members(reader, other_id))
    )


def _has_members(reader: Reader, actor_id: str) -> bool:
    known = reader.memo.has_members
    if (found := known.get(actor_id)) is not None:
        return found
    found = (
        reader.execute(
            "SELECT 1 FROM organization_members WHERE organization_id = ? LIMIT 1", (actor_id,)
        ).fetchone()
        is not None
    )
    reader.memo.remember(known, actor_id, found)
    return found


# Above this estimated size a contact list crosses into Python row by row: joined in SQLite
# it would cost more in copies of one large buffer than it saves in rows (under uvicorn: 437
# partners, 109 KB: 3,700 req/s joined, 2,700 row by row; 4,995 partners, 7.7 MB: 70 and 100).
JOIN_AT_MOST_BYTES = 1 << 20


def _stored_contacts(
    reader: Reader,
    actor_id: str,
    other_id: str | None,
    limit: int | None = None,
    ids: int | None = None,
) -> StoredContactList:
    """Contacts as the build counted them (contact_pairs, ranked by count then name): a read,
    not an aggregation. Each contact is the JSON the build wrote for it, the Contact record's
    encoding; with `ids`, its event id list is cut short."""
    by_rank = "SELECT {} FROM contact_pairs WHERE actor_id = ? ORDER BY rank LIMIT ?"
    params = (actor_id, -1 if limit is None else limit)
    if other_id:
        rows = reader.execute(
            "SELECT CAST(json AS BLOB) FROM contact_pairs WHERE actor_id = ? AND other_id = ?",
            (actor_id, other_id),
        )
    elif ids is None and _contacts_size(reader, actor_id) <= JOIN_AT_MOST_BYTES:
        # Joined by SQLite: one value crosses into Python instead of a row per contact.
        joined = reader.execute(
            rawjson.array_sql(by_rank.format("json AS doc")), params
        ).fetchone()[0]
        return StoredContactList(contacts=msgspec.Raw(joined))
    else:
        rows = reader.execute(by_rank.format("CAST(json AS BLOB)"), params)
    return StoredContactList(contacts=rawjson.array_of_rows(rows, ids))


def _contacts_size(reader: Reader, actor_id: str) -> int:
    """More bytes than the actor's whole contact list takes: a record per partner, and an
    event id for each of up to three partners in each of its events (or its members')."""
    row = reader.execute(
        "SELECT contact_count, max(event_count, member_event_count) FROM actor_stats "
        "WHERE actor_id = ?",
        (actor_id,),
    ).fetchone()
    return 0 if row is None else 150 * row[0] + 3 * 25 * row[1]
