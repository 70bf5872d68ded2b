"""Build db/chrono.db from the data folder: validate everything, write a temporary file, swap it in.

The database is an artefact: the schema is created fresh here and nowhere else. A failed or
interrupted build never touches the previous database; readers of the old file keep working
and new connections see the new file only after an atomic rename.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from . import dates
from . import ingest
from .ingest import Batch, Rows, iso
from .load import Catalogue, CheckedEvent, DataError, Problem, check_events, load_catalogue, read_yaml_located
from .models import CONTACT_TYPES, EVENT_TYPES, PARTY_ROLES, STATUSES
from .network import write_network_pairs
from .store import FTS_COLUMNS, FTS_TOKENIZER, SCHEMA_VERSION

MAX_REPORTED_PROBLEMS = 200


class CannotWrite(Exception):
    """The output could not be written (a full disk, a folder that is not writable); the previous
    database was left as it was."""

    def __init__(self, out: Path, reason: str) -> None:
        super().__init__(f"cannot write {out}: {reason}")
        self.out, self.reason = out, reason


# SQLite's result codes for an output it cannot write, worded as the system words the errno
# a file write would get.
_SQLITE_WRITE_ERRORS = {
    sqlite3.SQLITE_FULL: "no space left on device",
    sqlite3.SQLITE_IOERR: "input/output error",
    sqlite3.SQLITE_CANTOPEN: "cannot create or open the file",
    sqlite3.SQLITE_READONLY: "read-only file system",
    sqlite3.SQLITE_PERM: "permission denied",
}


def empty_problem(data: Path) -> Problem:
    return Problem(str(data / "events.yml"), "", "", "no events: the build would publish an empty chronology "
                   "(add events, or build with --allow-empty to publish one with none)")


@dataclass
class BuildReport:
    out: Path
    build_id: str
    input_hash: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)


def input_files(data: Path) -> list[Path]:
    """Every file the build reads, in a stable order."""
    return [data / "sources.yml", data / "actors.yml", data / "events.yml", *sorted(data.glob("*.jsonl"))]


def input_hash(data: Path) -> str:
    """A digest of the inputs: the database is stale when this changes."""
    digest = hashlib.sha256(f"chrono-schema-{SCHEMA_VERSION}".encode())
    for path in input_files(data):
        if path.exists():
            digest.update(path.name.encode() + b"\0")
            with path.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()[:16]


def build_id(conn: sqlite3.Connection, data_hash: str) -> str:
    """The build's identity (X-Chrono-Build, ETags, the answer cache): a digest of the data
    and of the schema as written, so the same data built twice gives the same id, and a change
    to either gives a new one."""
    digest = hashlib.sha256(data_hash.encode())
    for (sql,) in conn.execute("SELECT sql FROM main.sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"):
        digest.update(b"\0" + sql.encode())
    return digest.hexdigest()[:12]


def create_schema(db: sqlite_utils.Database) -> None:
    db.create_table("chrono_build", {"key": str, "value": str}, pk="key")
    db.create_table("event_types", {"type": str, "cameo": str, "cameo_label": str, "contact": int}, pk="type")
    db.create_table("statuses", {"status": str, "meaning": str}, pk="status")
    db.create_table(
        "sources",
        {"id": str, "title": str, "outlet": str, "author": str, "published": str,
         "published_start": str, "published_end": str, "url": str, "archive": str, "notes": str},
        pk="id", not_null={"title", "published"},
    )
    db.create_table(
        "actors", {"id": str, "name": str, "kind": str, "notes": str},
        pk="id", not_null={"name", "kind"},
    )
    db.create_table(
        "actor_aliases", {"alias_key": str, "alias": str, "actor_id": str},
        pk="alias_key", foreign_keys=[("actor_id", "actors", "id")], not_null={"alias", "actor_id"},
    )
    db.create_table(
        "memberships",
        {"id": int, "actor_id": str, "organization_id": str, "role": str,
         "start": str, "end": str, "start_date": str, "end_date": str},
        pk="id", foreign_keys=[("actor_id", "actors", "id"), ("organization_id", "actors", "id")],
        not_null={"actor_id", "organization_id", "role"},
    )
    db.create_table(
        "organization_members",
        {"organization_id": str, "actor_id": str, "start_date": str, "end_date": str, "via": str},
        foreign_keys=[("organization_id", "actors", "id"), ("actor_id", "actors", "id"), ("via", "actors", "id")],
        not_null={"organization_id", "actor_id"},
    )
    db.create_table(
        "events",
        {"id": str, "date": str, "date_start": str, "date_end": str, "precision": str,
         "qualifier": str, "approximate": int, "uncertain": int, "date_text": str,
         "date_basis": str, "date_anchor": str, "title": str, "summary": str, "type": str,
         "status": str, "place": str, "country": str, "notes": str, "date_scale": int},
        pk="id",
        foreign_keys=[("type", "event_types", "type"), ("status", "statuses", "status")],
        not_null={"date", "date_start", "date_end", "precision", "title", "type", "status", "date_scale"},
    )
    # (event_id, actor_id) is unique: an index built after the bulk insert says so, cheaper
    # than a primary key maintained row by row.
    db.create_table(
        "event_actors",
        {"event_id": str, "actor_id": str, "role": str, "date_start": str, "date_end": str, "date_scale": int},
        foreign_keys=[("event_id", "events", "id"), ("actor_id", "actors", "id")],
        not_null={"event_id", "actor_id", "role"},
    )
    db.create_table(
        "citations",
        {"id": int, "event_id": str, "source_id": str, "quote": str, "stance": str},
        pk="id", foreign_keys=[("event_id", "events", "id"), ("source_id", "sources", "id")],
        not_null={"event_id", "source_id", "quote", "stance"},
    )
    db.execute(
        "CREATE TABLE events_json (event_rowid INTEGER PRIMARY KEY, json TEXT NOT NULL)"
    )


def create_indexes(db: sqlite_utils.Database) -> None:
    """After the bulk insert: building indexes once is faster than maintaining them row by row.

    Events are stored in date order (rowid order is date_start, date_end, id), so an index
    on (type) or (status) also yields its rows in date order.
    """
    db["events"].create_index(["date_start", "date_end", "id"], index_name="events_by_date")
    db["events"].create_index(["date_scale", "date_start", "date_end", "id"], index_name="events_by_scale")
    db["events"].create_index(["type", "date_start"], index_name="events_by_type")
    db["events"].create_index(["status", "date_start"], index_name="events_by_status")
    # One type and one status: a page straight off the index in date order. Through the
    # status index alone, a rare pair read every event of that status (at 200,000 events,
    # hearing + denied: 8.7 ms a page, now 0.05 ms).
    db["events"].create_index(["type", "status", "date_start", "date_end", "id"], index_name="events_by_type_status")
    # By event, then rowid: an event's actors in the order its record lists them. (A pair
    # is never listed twice: validation refuses it.)
    db["event_actors"].create_index(["event_id"], index_name="event_actors_by_event")
    db["event_actors"].create_index(
        ["actor_id", "date_scale", "date_start", "date_end", "event_id"], index_name="event_actors_by_actor")
    db["actors"].create_index(["name"], index_name="actors_by_name")
    db["memberships"].create_index(["organization_id", "actor_id"], index_name="memberships_by_organization")
    db["memberships"].create_index(["actor_id"], index_name="memberships_by_actor")
    db["organization_members"].create_index(["organization_id", "actor_id"], index_name="organization_members_by_organization")
    db["organization_members"].create_index(["actor_id", "organization_id"], index_name="organization_members_by_actor")
    db["actor_aliases"].create_index(["actor_id"], index_name="aliases_by_actor")
    db["citations"].create_index(["event_id"], index_name="citations_by_event")
    db["citations"].create_index(["source_id"], index_name="citations_by_source")


FTS_SCHEMA = (
    f"CREATE VIRTUAL TABLE events_fts USING fts5({FTS_COLUMNS}, content = 'events_fts_source', "
    f"content_rowid = 'event_rowid', {FTS_TOKENIZER})"
)
FTS_SHADOWS = ("data", "idx", "docsize", "config")  # FTS5's own tables, for external content


def fill_search(conn: sqlite3.Connection, sources: list[str]) -> None:
    """Full text over titles, summaries and quotes, keyed by the events table's rowid, in
    conn's main database (a side file: copy_search takes it into the chronology).

    Rows go in in rowid order (date order, as `ordering.event_order` numbers them) with
    automatic merging off, then the index is merged once: one segment, whose doclists list
    events in date order, so a full-text page in date order reads `limit` entries of a
    doclist, however common the word.
    """
    conn.execute(FTS_SCHEMA)
    conn.execute("INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 0)")
    picks, joins = _staged(conn, sources, "events", ["title", "summary", "quotes"])
    conn.execute(
        f"""INSERT INTO events_fts (rowid, title, summary, quotes)
            SELECT o.rowid, {picks} FROM ordering.event_order o {joins} ORDER BY o.rowid"""
    )
    conn.execute("INSERT INTO events_fts (events_fts) VALUES ('optimize')")


def copy_search(conn: sqlite3.Connection) -> None:
    """The full-text index filled beside (attached as `side`), under the chronology's events.

    The index keeps no copy of the text: its content is the events_fts_source view over
    events and citations (an FTS5 external content table), so snippets and highlights
    still work. FTS5 keeps an index in ordinary tables of a documented format; the same
    SQLite library wrote them, so they are copied as they are, over the empty index a
    CREATE VIRTUAL TABLE starts with.
    """
    conn.execute(
        """CREATE VIEW events_fts_source AS
           SELECT e.rowid AS event_rowid, e.title, e.summary,
                  (SELECT group_concat(c.quote, ' ') FROM citations c WHERE c.event_id = e.id) AS quotes
           FROM events e"""
    )
    conn.execute(FTS_SCHEMA)
    for shadow in FTS_SHADOWS:
        conn.execute(f"DELETE FROM events_fts_{shadow}")
        conn.execute(f"INSERT INTO events_fts_{shadow} SELECT * FROM side.events_fts_{shadow}")
    conn.execute("CREATE VIRTUAL TABLE events_fts_vocab USING fts5vocab(events_fts, 'row')")


# --- derived tables: computed from the others so that hot API queries read answers -----------

def create_actor_events(db: sqlite_utils.Database) -> None:
    """Each actor's events by date scale, keyed by the event's rowid, which is its place in
    date order: a page of an actor's events merges integers and reads each document by its
    rowid, with no lookup of events by id.

    Read in event_actors_by_actor's order, the rows come out already in the key's order
    (rowid order is date order), so nothing is sorted.
    """
    db.execute(
        """CREATE TABLE actor_events (
               actor_id TEXT NOT NULL REFERENCES actors(id), date_scale INTEGER NOT NULL,
               event_rowid INTEGER NOT NULL, date_start TEXT NOT NULL, date_end TEXT NOT NULL,
               PRIMARY KEY (actor_id, date_scale, event_rowid)) WITHOUT ROWID"""
    )
    db.execute(
        """INSERT INTO actor_events
           SELECT ea.actor_id, ea.date_scale, e.rowid, ea.date_start, ea.date_end
           FROM event_actors ea INDEXED BY event_actors_by_actor JOIN events e ON e.id = ea.event_id
           ORDER BY ea.actor_id, ea.date_scale, ea.date_start, ea.date_end, ea.event_id"""
    )


def create_member_events(db: sqlite_utils.Database) -> None:
    """An organization's events including its members' (and their members') while their
    membership covers the event, one row per (organization, event), keyed as actor_events is."""
    db.execute(
        """CREATE TABLE member_events (
               organization_id TEXT NOT NULL REFERENCES actors(id), date_scale INTEGER NOT NULL,
               event_rowid INTEGER NOT NULL, date_end TEXT NOT NULL, actor_id TEXT NOT NULL REFERENCES actors(id),
               PRIMARY KEY (organization_id, date_scale, event_rowid)) WITHOUT ROWID"""
    )
    db.execute(
        """INSERT OR IGNORE INTO member_events
           SELECT a.actor_id, a.date_scale, a.event_rowid, a.date_end, a.actor_id
           FROM actor_events a WHERE a.actor_id IN (SELECT organization_id FROM organization_members)
           UNION ALL
           SELECT m.organization_id, a.date_scale, a.event_rowid, a.date_end, a.actor_id
           FROM organization_members m JOIN actor_events a ON a.actor_id = m.actor_id
           WHERE (m.start_date IS NULL OR m.start_date <= a.date_end)
             AND (m.end_date IS NULL OR m.end_date >= a.date_start)
           ORDER BY 1, 2, 3"""
    )


CONTACT_PAIRS_SCHEMA = (
    """CREATE TABLE contact_pairs (
           actor_id TEXT NOT NULL REFERENCES actors(id), rank INTEGER NOT NULL,
           other_id TEXT NOT NULL REFERENCES actors(id), count INTEGER NOT NULL,
           first TEXT NOT NULL, last TEXT NOT NULL, json TEXT NOT NULL,
           PRIMARY KEY (actor_id, rank)) WITHOUT ROWID""",
    "CREATE UNIQUE INDEX contact_pairs_by_other ON contact_pairs (actor_id, other_id)",
)


def group_contact_pairs(conn: sqlite3.Connection, sources: list[str], names: list[tuple[str, str]]) -> None:
    """Contacts of each actor's side (itself and, for an organization, its members at the
    time) with every other participant: what /api/contacts answers without a date range.
    Grouped and ranked from the stages' pairs into conn's main database, beside each side's
    count of direct contacts (`direct_contacts`, for actor_stats). `names`: (actor id, name)."""
    conn.execute("CREATE TEMP TABLE actor_names (id TEXT PRIMARY KEY, name TEXT NOT NULL)")
    conn.executemany("INSERT INTO actor_names VALUES (?, ?)", names)
    for statement in CONTACT_PAIRS_SCHEMA:
        conn.execute(statement)
    pairs = " UNION ALL ".join(f"SELECT {ingest.PAIR_COLUMNS} FROM {src}.pairs" for src in sources)
    # The JSON by concatenation with json_quote: a fifth faster than json_object(). The event
    # ids come last: the API's `ids=N` cuts the list short there.
    q = "json_quote"
    conn.execute(
        f"""INSERT INTO contact_pairs
           SELECT g.side_id, row_number() OVER (PARTITION BY g.side_id ORDER BY g.n DESC, o.name, g.other_id),
                  g.other_id, g.n, g.first, g.last,
                  '{{"actor":{{"id":' || {q}(g.side_id) || ',"name":' || {q}(a.name) || '}},"other":{{"id":' || {q}(g.other_id)
                  || ',"name":' || {q}(o.name) || '}},"count":' || g.n || ',"first":' || {q}(g.first) || ',"last":' || {q}(g.last)
                  || ',"event_ids":' || g.ids || '}}'
           FROM (SELECT side_id, other_id, count(*) AS n, min(date_start) AS first, max(date_end) AS last,
                        json_group_array(event_id) AS ids
                 FROM (SELECT * FROM ({pairs}) WHERE pair = 1 ORDER BY side_id, other_id, event_id)
                 GROUP BY side_id, other_id) g
           JOIN actor_names a ON a.id = g.side_id JOIN actor_names o ON o.id = g.other_id"""
    )
    conn.execute(
        f"""CREATE TABLE direct_contacts AS
            SELECT side_id, count(DISTINCT other_id) AS n FROM ({pairs}) WHERE pair = 0 GROUP BY side_id"""
    )


class SideBuild(threading.Thread):
    """The full-text index (fill_search) and the contact pairs (group_contact_pairs) built on
    a connection of their own, into a side file, while the build's connection writes the
    events in date order and the indexes. SQLite releases the GIL: on two cores these 30 s
    (at a million events) leave the critical path. The files it reads (the stages and the
    event order) are committed and no longer written."""

    def __init__(self, side: Path, stages: dict[str, Path], ordering: Path, names: list[tuple[str, str]]) -> None:
        super().__init__(name="side-build", daemon=True)
        self.side, self.stages, self.ordering, self.names = side, stages, ordering, names
        self.conn = sqlite3.connect(side, isolation_level=None, check_same_thread=False)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.conn.execute(f"PRAGMA page_size = {ingest.STAGE_PAGE_SIZE}")
            self.conn.execute("PRAGMA journal_mode = OFF")
            self.conn.execute("PRAGMA synchronous = OFF")
            self.conn.execute("PRAGMA cache_size = -500000")
            for name, path in {**self.stages, "ordering": self.ordering}.items():
                self.conn.execute(f"ATTACH DATABASE ? AS {name}", (str(path),))
                self.conn.execute(f"PRAGMA {name}.mmap_size = {1 << 40}")
            self.conn.execute("BEGIN")
            fill_search(self.conn, list(self.stages))
            group_contact_pairs(self.conn, list(self.stages), self.names)
            self.conn.execute("COMMIT")
        except BaseException as exc:  # handed to the build by result()
            self.error = exc

    def result(self) -> Path:
        """The side file, once built; the thread's error if it failed."""
        self.join()
        if self.error is not None:
            raise self.error
        return self.side

    def close(self) -> None:
        """Stop the work if it still runs (a failed build) and close the connection."""
        if self.is_alive():
            self.conn.interrupt()
            self.join()
        self.conn.close()


def copy_contact_pairs(conn: sqlite3.Connection) -> None:
    """The grouped pairs from the side file, attached as `side`: with the same table and
    index on both sides SQLite copies the records as they are, without sorting them again."""
    for statement in CONTACT_PAIRS_SCHEMA:
        conn.execute(statement)
    conn.execute("INSERT INTO contact_pairs SELECT * FROM side.contact_pairs")


def create_actor_stats(db: sqlite_utils.Database) -> None:
    """Per actor: event counts, first and last dates, contact counts, and its /api/actors entry."""
    db.execute(
        """CREATE TABLE actor_stats (
               actor_id TEXT PRIMARY KEY REFERENCES actors(id), event_count INTEGER NOT NULL,
               member_event_count INTEGER NOT NULL, contact_count INTEGER NOT NULL,
               direct_contact_count INTEGER NOT NULL, first_event TEXT, last_event TEXT, summary TEXT NOT NULL)"""
    )
    db.execute(
        """INSERT INTO actor_stats
           WITH ea AS (SELECT actor_id, count(*) AS n, min(date_start) AS first, max(date_end) AS last
                       FROM event_actors GROUP BY actor_id),
                me AS (SELECT organization_id, count(*) AS n FROM member_events GROUP BY organization_id),
                cp AS (SELECT actor_id, count(*) AS n FROM contact_pairs GROUP BY actor_id),
                dc AS (SELECT side_id, n FROM side.direct_contacts)
           SELECT a.id, coalesce(ea.n, 0), coalesce(me.n, 0), coalesce(cp.n, 0),
                  CASE WHEN EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = a.id)
                       THEN coalesce(dc.n, 0) ELSE coalesce(cp.n, 0) END,
                  ea.first, ea.last,
                  json_object('id', a.id, 'name', a.name, 'kind', a.kind,
                              'aliases', json((SELECT json_group_array(alias) FROM (
                                  SELECT alias FROM actor_aliases x WHERE x.actor_id = a.id AND x.alias <> a.id ORDER BY alias))),
                              'event_count', coalesce(ea.n, 0))
           FROM actors a LEFT JOIN ea ON ea.actor_id = a.id LEFT JOIN me ON me.organization_id = a.id
                LEFT JOIN cp ON cp.actor_id = a.id LEFT JOIN dc ON dc.side_id = a.id"""
    )


def create_views(db: sqlite_utils.Database) -> None:
    """The `contacts` view: both actors are parties (PARTY_ROLES) to a contact-type event; the
    subject of a funeral, a target or an author is in contact with no one."""
    contact_types = ", ".join(f"'{t}'" for t in CONTACT_TYPES)
    parties = ", ".join(f"'{r}'" for r in PARTY_ROLES)
    db.create_view(
        "contacts",
        f"""SELECT a.actor_id AS actor_id, actor.name AS actor_name,
                   b.actor_id AS other_id, other.name AS other_name,
                   e.id AS event_id, e.date, e.date_start, e.date_end, e.precision,
                   e.type, e.status, e.title, e.place, e.country
            FROM event_actors a
            JOIN event_actors b ON b.event_id = a.event_id AND b.actor_id <> a.actor_id
            JOIN events e ON e.id = a.event_id
            JOIN actors actor ON actor.id = a.actor_id
            JOIN actors other ON other.id = b.actor_id
            WHERE e.type IN ({contact_types}) AND a.role IN ({parties}) AND b.role IN ({parties})""",
    )


EVENT_COLUMNS = (
    "id, date, date_start, date_end, precision, qualifier, approximate, uncertain, date_text, date_basis, "
    "date_anchor, title, summary, type, status, place, country, notes, date_scale"
)


def _stage_bulk(conn: sqlite3.Connection, tmp: Path, paths: list[Path], catalogue: Catalogue,
                writer: ingest.Writer) -> tuple[list[Problem], list[Path]]:
    """Every JSONL file into a stage: small ones into the build's own, in this process; large
    ones cut into one piece per worker process, each worker writing a stage file of its own.
    Returns the problems in file order and the workers' stage files; ends the transaction."""
    workers = ingest.workers()
    pieces = [ingest.Piece(src, path, 0, path.stat().st_size) for src, path in enumerate(paths, 1)]
    local = [p for p in pieces if workers < 2 or p.end < ingest.PARALLEL_MIN_BYTES]
    problems = ingest.stage(local, catalogue, writer, MAX_REPORTED_PROBLEMS)
    conn.execute("COMMIT")  # workers' stage files are attached between transactions
    assignments: list[list[ingest.Piece]] = [[] for _ in range(workers)]
    for piece in pieces:
        if piece not in local:
            for i, part in enumerate(ingest.cut(piece.src, piece.path, workers)):
                assignments[i].append(part)
    assignments = [a for a in assignments if a]
    files = [_side_file(tmp, str(i)) for i in range(len(assignments))]
    if assignments and len(problems) <= MAX_REPORTED_PROBLEMS:
        problems += ingest.stage_in_workers(assignments, catalogue, files, MAX_REPORTED_PROBLEMS - len(problems))
    order = {str(path): i for i, path in enumerate(paths)}
    return sorted(problems, key=lambda p: order.get(p.file, -1)), [f for f in files if f.exists()]


def _union(sources: list[str], table: str, columns: str) -> str:
    return " UNION ALL ".join(f"SELECT rowid AS r, {columns} FROM {src}.{table}" for src in sources)


def _staged(conn: sqlite3.Connection, sources: list[str], table: str, columns: list[str]) -> tuple[str, str]:
    """Columns of the stage row each event_order row (`o`) points at: (select list, joins).

    A row is looked up only in the stage its rowid names (ingest.STAGE_BITS): a lookup in
    every stage costs a b-tree descent per stage, and at a million events the documents
    copy twice as long (measured: 14 s against 7.7 s for two stages of 500,000).
    """
    if len(sources) == 1:
        return ", ".join(f"s0.{c}" for c in columns), f"JOIN {sources[0]}.{table} s0 ON s0.rowid = o.r"
    # An empty stage gets number -1, which no rowid carries.
    numbers = [conn.execute(f"SELECT coalesce(max(rowid) >> {ingest.STAGE_BITS}, -1) FROM {src}.{table}").fetchone()[0]
               for src in sources]
    if len(columns) == 1:  # one subquery, in the one stage
        arms = " ".join(f"WHEN {n} THEN (SELECT {columns[0]} FROM {src}.{table} WHERE rowid = o.r)"
                        for src, n in zip(sources, numbers))
        return f"CASE o.r >> {ingest.STAGE_BITS} {arms} END", ""
    joins = " ".join(f"LEFT JOIN {src}.{table} s{i} ON s{i}.rowid = o.r AND o.r >> {ingest.STAGE_BITS} = {n}"
                     for i, (src, n) in enumerate(zip(sources, numbers)))
    picks = ", ".join(f"coalesce({', '.join(f's{i}.{c}' for i in range(len(sources)))})" for c in columns)
    return picks, joins


def _duplicates(conn: sqlite3.Connection, sources: list[str], files: list[str]) -> list[Problem]:
    """Every event id seen before, named at its second (third …) occurrence."""
    conn.execute(f"CREATE TABLE scratch.ids AS SELECT id, src, line FROM ({_union(sources, 'events', 'id, src, line')})")
    conn.execute("CREATE INDEX scratch.ids_by_id ON ids (id)")
    return [
        # Line 0 is events.yml, whose records are not numbered by line.
        Problem(files[src], f"event {event_id}" + (f" (line {line})" if src else ""), "id", "duplicate id")
        for event_id, src, line in conn.execute(
            # Workers hand rows over in any order: "first" is by file and line.
            """SELECT s.id, s.src, s.line FROM scratch.ids s
               WHERE EXISTS (SELECT 1 FROM scratch.ids t WHERE t.id = s.id AND (t.src, t.line) < (s.src, s.line))
               ORDER BY s.src, s.line"""
        )
    ]


def build(data: Path, out: Path, *, allow_empty: bool = False) -> BuildReport:
    """Validate the data folder and write `out` atomically; raise DataError listing every problem,
    or CannotWrite naming the output when it cannot be written. Either way `out` is untouched.

    A data folder with no events is refused unless `allow_empty`: an empty events.yml is far
    more often a mistake (a truncated file, a wrong --data) than a chronology emptied on purpose.
    When `out` is a symbolic link (a deployment pointing at its current database), the file it
    points to is replaced and the link stays."""
    started = time.perf_counter()
    catalogue, problems = load_catalogue(data)
    event_records, nodes, found = read_yaml_located(data / "events.yml")
    problems += found
    events_file = str(data / "events.yml")
    checked, found = check_events(event_records, catalogue, events_file, nodes)
    problems += found
    if not checked and not allow_empty and not any(data.glob("*.jsonl")):
        problems.append(empty_problem(data))
    if problems:
        raise DataError(problems)

    if out.is_symlink():
        out = out.resolve()
    with _writing(out):
        out.parent.mkdir(parents=True, exist_ok=True)
        with _build_lock(out):
            _remove_leftovers(out)
            fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}-", suffix=".tmp", dir=out.parent)
            os.close(fd)
            tmp = Path(tmp_name)
            try:
                report = _write(tmp, data, catalogue, checked, events_file)
                if not report.counts["events"] and not allow_empty:  # bulk files that hold no events
                    raise DataError([empty_problem(data)])
                clock = time.perf_counter()
                _swap(tmp, out)
                report.stages["swap"] = time.perf_counter() - clock
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
    report.out = out
    report.seconds = time.perf_counter() - started
    return report


@contextlib.contextmanager
def _writing(out: Path) -> Iterator[None]:
    """File-system failures while writing `out` become one CannotWrite naming it."""
    try:
        yield
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename and Path(exc.filename) != out else ""
        raise CannotWrite(out, f"{(exc.strerror or str(exc)).lower()}{where}") from None
    except sqlite3.Error as exc:
        reason = _SQLITE_WRITE_ERRORS.get(getattr(exc, "sqlite_errorcode", -1) & 0xFF)
        if reason is None:
            raise
        raise CannotWrite(out, f"{reason} (in {out.parent})") from None


class _Stages(dict):
    """Seconds spent in each step of a build, for the report."""

    def __init__(self) -> None:
        super().__init__()
        self.clock = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self[name] = self.get(name, 0.0) + now - self.clock
        self.clock = now


def _write(tmp: Path, data: Path, catalogue: Catalogue, checked: list[CheckedEvent], events_file: str) -> BuildReport:
    stages = _Stages()
    hashed: dict[str, str] = {}
    # hashlib and SQLite both release the GIL: hashing beside the SQL steps costs no wall
    # time. The thread starts after validation, whose worker processes are forked.
    hasher = threading.Thread(target=lambda: hashed.setdefault("hash", input_hash(data)), daemon=True)
    conn = sqlite3.connect(tmp, isolation_level=None)
    side_build: SideBuild | None = None
    try:
        # stage: the build's own validated rows, waiting to be written in date order; a file,
        # so that the side build can read it on a second connection. scratch: working
        # tables, private to this connection and deleted on close.
        stage_file, order_file = _side_file(tmp, "build"), _side_file(tmp, "order")
        conn.execute("ATTACH DATABASE ? AS stage", (str(stage_file),))
        conn.execute("ATTACH DATABASE '' AS scratch")
        for schema in ("stage", "scratch"):
            conn.execute(f"PRAGMA {schema}.page_size = {ingest.STAGE_PAGE_SIZE}")
        for schema in ("main", "stage", "scratch"):
            conn.execute(f"PRAGMA {schema}.journal_mode = OFF")
            conn.execute(f"PRAGMA {schema}.synchronous = OFF")
            conn.execute(f"PRAGMA {schema}.cache_size = -1000000")
            conn.execute(f"PRAGMA {schema}.secure_delete = OFF")
        conn.execute("PRAGMA threads = 2")
        conn.execute("BEGIN")
        db = sqlite_utils.Database(conn)
        create_schema(db)
        ingest.create_stage(conn, ingest.BUILD_TABLES, children=False)
        conn.executemany(
            "INSERT INTO event_types VALUES (?, ?, ?, ?)",
            [(t, code, label, int(t in CONTACT_TYPES)) for t, (code, label) in EVENT_TYPES.items()],
        )
        conn.executemany("INSERT INTO statuses VALUES (?, ?)", list(STATUSES.items()))
        conn.executemany(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (s.id, s.title, s.outlet, s.author, s.published, iso(d, "start"), iso(d, "end"), s.url, s.archive, s.notes)
                for s, d in catalogue.sources.values()
            ],
        )
        conn.executemany(
            "INSERT INTO actors VALUES (?, ?, ?, ?)",
            [(a.id, a.name, a.kind, a.notes) for a in catalogue.actors.values()],
        )
        aliases = {}
        for a in catalogue.actors.values():
            for alias in [a.id, a.name, *a.aliases]:
                aliases.setdefault(dates.name_key(alias), (alias.strip(), a.id))
        conn.executemany("INSERT INTO actor_aliases VALUES (?, ?, ?)", [(k, v[0], v[1]) for k, v in aliases.items()])
        conn.executemany(
            "INSERT INTO memberships (actor_id, organization_id, role, start, end, start_date, end_date) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (actor_id, m.organization, m.role, m.start, m.end, iso(start, "start"), iso(end, "end"))
                for actor_id, j, start, end in catalogue.memberships
                for m in [catalogue.actors[actor_id].memberships[j]]
            ],
        )
        conn.executemany("INSERT INTO organization_members VALUES (?, ?, ?, ?, ?)", ingest.organization_members(catalogue))
        writer = ingest.Writer(conn, ingest.BUILD_TABLES)
        curated = Batch()
        rows = Rows(catalogue)
        for line, item in enumerate(checked, 1):
            rows.add(item, 0, line, curated)
        writer.write(curated)
        paths = sorted(data.glob("*.jsonl"))
        files = [events_file, *map(str, paths)]
        problems, piece_files = _stage_bulk(conn, tmp, paths, catalogue, writer)
        stage_files = {"stage": stage_file}
        for i, file in enumerate(piece_files):
            conn.execute(f"ATTACH DATABASE ? AS piece{i}", (str(file),))
            conn.execute(f"PRAGMA piece{i}.mmap_size = {1 << 40}")  # read in place, through the OS page cache
            stage_files[f"piece{i}"] = file
        sources = list(stage_files)
        stages.lap("validate and write")
        hasher.start()
        if problems:
            if len(problems) <= MAX_REPORTED_PROBLEMS:
                problems += _duplicates(conn, sources, files)
            raise DataError(problems[:MAX_REPORTED_PROBLEMS])

        # Date order becomes rowid order: pages, full-text doclists and table scans all
        # follow the chronology. The order is a file of its own, committed before the side
        # build starts reading it.
        conn.execute("ATTACH DATABASE ? AS ordering", (str(order_file),))
        conn.execute(f"PRAGMA ordering.page_size = {ingest.STAGE_PAGE_SIZE}")
        conn.execute("PRAGMA ordering.journal_mode = OFF")
        conn.execute(
            f"""CREATE TABLE ordering.event_order AS SELECT r FROM ({_union(sources, 'events', 'date_start, date_end, id')})
                ORDER BY date_start, date_end, id"""
        )
        side_build = SideBuild(_side_file(tmp, "side"), stage_files, order_file,
                               [(a.id, a.name) for a in catalogue.actors.values()])
        side_build.start()
        conn.execute("BEGIN")
        for source in sources[1:]:
            ingest.copy_children(conn, source)
        columns = [c.strip() for c in EVENT_COLUMNS.split(",")]
        picks, joins = _staged(conn, sources, "events", columns)
        try:
            conn.execute(
                f"""INSERT INTO events (rowid, {EVENT_COLUMNS})
                    SELECT o.rowid, {picks} FROM ordering.event_order o {joins} ORDER BY o.rowid"""
            )
        except sqlite3.IntegrityError:
            raise DataError(_duplicates(conn, sources, files)[:MAX_REPORTED_PROBLEMS]) from None
        # Each event as the API serves it, encoded during validation: a page of events is
        # read, not assembled, per request.
        picks, joins = _staged(conn, sources, "docs", ["json"])
        conn.execute(
            f"INSERT INTO events_json (event_rowid, json) SELECT o.rowid, {picks} FROM ordering.event_order o {joins} ORDER BY o.rowid"
        )
        stages.lap("date order")
        create_indexes(db)
        stages.lap("indexes")
        create_actor_events(db)
        stages.lap("actor events")
        create_member_events(db)
        stages.lap("member events")
        write_network_pairs(conn, sources)
        stages.lap("network pairs")
        side = side_build.result()
        stages.lap("waiting for the side build")
        conn.execute("COMMIT")  # a database is attached between transactions
        conn.execute("ATTACH DATABASE ? AS side", (str(side),))
        conn.execute("BEGIN")
        copy_search(conn)
        stages.lap("full text (copy)")
        copy_contact_pairs(conn)
        stages.lap("contact pairs (copy)")
        create_actor_stats(db)
        create_views(db)
        stages.lap("actor counts")
        hasher.join()
        report = BuildReport(out=tmp, build_id=build_id(conn, hashed["hash"]), input_hash=hashed["hash"])
        report.counts = {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in ("sources", "actors", "events", "citations")}
        scales = {str(s): int(days) for s, days in conn.execute(
            "SELECT date_scale, max(julianday(date_end) - julianday(date_start)) + 1 FROM events GROUP BY date_scale")}
        meta = {
            "build_id": report.build_id, "input_hash": report.input_hash, "schema_version": str(SCHEMA_VERSION),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "date_scales": json.dumps(scales),
            **{f"count_{k}": str(v) for k, v in report.counts.items()},
        }
        conn.executemany("INSERT INTO chrono_build VALUES (?, ?)", list(meta.items()))
        conn.execute("COMMIT")
        for schema in (*sources, "ordering", "scratch", "side"):
            conn.execute(f"DETACH DATABASE {schema}")
        # Sampled statistics: enough for the planner, a fraction of a full ANALYZE's time.
        conn.execute("PRAGMA analysis_limit = 2000")
        for table in ("events", "event_actors", "actor_events", "member_events", "citations", "actors", "actor_aliases", "memberships",
                      "organization_members", "network_pairs"):
            conn.execute(f"ANALYZE {table}")
        stages.lap("analyze")
        conn.execute("PRAGMA journal_mode = DELETE")
        if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise RuntimeError("the new database failed its integrity check")
        stages.lap("check")
    finally:
        if side_build is not None:
            side_build.close()
        conn.close()
        for stage_file in tmp.parent.glob(f"{tmp.name}.stage-*.tmp"):
            stage_file.unlink()
    report.stages = dict(stages)
    return report


def _side_file(tmp: Path, name: str) -> Path:
    """A file of the build beside its output, removed when it ends (and by the next build,
    holding the lock, if it was killed)."""
    return tmp.with_name(f"{tmp.name}.stage-{name}.tmp")


@contextlib.contextmanager
def _build_lock(out: Path) -> Iterator[None]:
    """One build per output file at a time; a second waits rather than racing the swap."""
    with open(out.parent / f".{out.name}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _remove_leftovers(out: Path) -> None:
    """Temporary files of builds that were killed (kill -9, power loss): holding the lock,
    no other build can own them."""
    for leftover in out.parent.glob(f".{out.name}-*.tmp"):
        leftover.unlink(missing_ok=True)


def _swap(tmp: Path, out: Path) -> None:
    """fsync the new file, rename it over the old one, fsync the directory. The file gets
    the permissions a file created here would (the temporary one was private to the build),
    so that a server running as another user can read it."""
    umask = os.umask(0o022)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    with tmp.open("rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, out)
    dir_fd = os.open(out.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def read_build_info(path: Path) -> dict[str, str]:
    """The chrono_build table of a database file, or {} if it is missing or unreadable."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return dict(conn.execute("SELECT key, value FROM chrono_build").fetchall())
        finally:
            conn.close()
    except sqlite3.Error:
        return {}


def is_stale(data: Path, out: Path) -> bool:
    return read_build_info(out).get("input_hash") != input_hash(data)
