"""The chronology's SQLite schema: tables, indexes, the derived tables hot queries read, the
full-text index's configuration, the schema version, and the connection profiles.

`build` creates all of it, fresh, in one place; `store` reads what is declared here. The
network's tables belong to `network`, which writes them.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import sqlite_utils

from .models import CONTACT_TYPES, PARTY_ROLES

# The tables and keys the readers rely on; `chrono build` records it in chrono_build. A change
# to either side of a query (say, a new derived table or column) bumps it.
SCHEMA_VERSION = 8

# --- tables ----------------------------------------------------------------------------------

# The events table's columns, as the build copies them from its stages in date order.
EVENT_COLUMNS = (
    "id, date, date_start, date_end, precision, qualifier, approximate, uncertain, date_text, "
    "date_basis, date_anchor, title, summary, type, status, place, country, notes, date_scale, "
    "display_date"
)


def create_tables(db: sqlite_utils.Database) -> None:
    """The published tables, empty; their indexes come after the bulk insert (create_indexes)."""
    db.create_table("chrono_build", {"key": str, "value": str}, pk="key")
    db.create_table(
        "event_types", {"type": str, "cameo": str, "cameo_label": str, "contact": int}, pk="type"
    )
    db.create_table("statuses", {"status": str, "meaning": str}, pk="status")
    db.create_table(
        "sources",
        {
            "id": str,
            "title": str,
            "outlet": str,
            "author": str,
            "published": str,
            "published_start": str,
            "published_end": str,
            "url": str,
            "archive": str,
            "notes": str,
        },
        pk="id",
        not_null={"title", "published"},
    )
    db.create_table(
        "actors",
        {"id": str, "name": str, "kind": str, "notes": str},
        pk="id",
        not_null={"name", "kind"},
    )
    db.create_table(
        "actor_aliases",
        {"alias_key": str, "alias": str, "actor_id": str},
        pk="alias_key",
        foreign_keys=[("actor_id", "actors", "id")],
        not_null={"alias", "actor_id"},
    )
    db.create_table(
        "memberships",
        {
            "id": int,
            "actor_id": str,
            "organization_id": str,
            "role": str,
            "start": str,
            "end": str,
            "start_date": str,
            "end_date": str,
        },
        pk="id",
        foreign_keys=[("actor_id", "actors", "id"), ("organization_id", "actors", "id")],
        not_null={"actor_id", "organization_id", "role"},
    )
    db.create_table(
        "organization_members",
        {"organization_id": str, "actor_id": str, "start_date": str, "end_date": str, "via": str},
        foreign_keys=[
            ("organization_id", "actors", "id"),
            ("actor_id", "actors", "id"),
            ("via", "actors", "id"),
        ],
        not_null={"organization_id", "actor_id"},
    )
    db.create_table(
        "events",
        {
            "id": str,
            "date": str,
            "date_start": str,
            "date_end": str,
            "precision": str,
            "qualifier": str,
            "approximate": int,
            "uncertain": int,
            "date_text": str,
            "date_basis": str,
            "date_anchor": str,
            "title": str,
            "summary": str,
            "type": str,
            "status": str,
            "place": str,
            "country": str,
            "notes": str,
            "date_scale": int,
            "display_date": str,
        },
        pk="id",
        foreign_keys=[("type", "event_types", "type"), ("status", "statuses", "status")],
        not_null={
            "date",
            "date_start",
            "date_end",
            "precision",
            "title",
            "type",
            "status",
            "date_scale",
            "display_date",
        },
    )
    # (event_id, actor_id) is unique: an index built after the bulk insert says so, cheaper
    # than a primary key maintained row by row.
    db.create_table(
        "event_actors",
        {
            "event_id": str,
            "actor_id": str,
            "role": str,
            "date_start": str,
            "date_end": str,
            "date_scale": int,
        },
        foreign_keys=[("event_id", "events", "id"), ("actor_id", "actors", "id")],
        not_null={"event_id", "actor_id", "role"},
    )
    db.create_table(
        "citations",
        {"id": int, "event_id": str, "source_id": str, "quote": str, "stance": str},
        pk="id",
        foreign_keys=[("event_id", "events", "id"), ("source_id", "sources", "id")],
        not_null={"event_id", "source_id", "quote", "stance"},
    )
    # Each event as the API serves it, keyed by the events table's rowid (its place in date order).
    db.execute("CREATE TABLE events_json (event_rowid INTEGER PRIMARY KEY, json TEXT NOT NULL)")


# (name, table, columns), created after the bulk insert.
INDEXES = (
    ("events_by_date", "events", ("date_start", "date_end", "id")),
    ("events_by_scale", "events", ("date_scale", "date_start", "date_end", "id")),
    ("events_by_type", "events", ("type", "date_start")),
    ("events_by_status", "events", ("status", "date_start")),
    # One type and one status: a page straight off the index in date order. Through the
    # status index alone, a rare pair read every event of that status (at 200,000 events,
    # hearing + denied: 8.7 ms a page, now 0.05 ms).
    ("events_by_type_status", "events", ("type", "status", "date_start", "date_end", "id")),
    # By event, then rowid: an event's actors in the order its record lists them. (A pair
    # is never listed twice: validation refuses it.)
    ("event_actors_by_event", "event_actors", ("event_id",)),
    (
        "event_actors_by_actor",
        "event_actors",
        ("actor_id", "date_scale", "date_start", "date_end", "event_id"),
    ),
    ("actors_by_name", "actors", ("name",)),
    ("memberships_by_organization", "memberships", ("organization_id", "actor_id")),
    ("memberships_by_actor", "memberships", ("actor_id",)),
    (
        "organization_members_by_organization",
        "organization_members",
        ("organization_id", "actor_id"),
    ),
    ("organization_members_by_actor", "organization_members", ("actor_id", "organization_id")),
    ("aliases_by_actor", "actor_aliases", ("actor_id",)),
    ("citations_by_event", "citations", ("event_id",)),
    ("citations_by_source", "citations", ("source_id",)),
)


def create_indexes(db: sqlite_utils.Database) -> None:
    """After the bulk insert: building indexes once is faster than maintaining them row by row.

    Events are stored in date order (rowid order is date_start, date_end, id), so an index
    on (type) or (status) also yields its rows in date order.
    """
    for name, table, columns in INDEXES:
        db[table].create_index(list(columns), index_name=name)


# The tables the planner gets statistics for, once everything is written.
ANALYZED_TABLES = (
    "events",
    "event_actors",
    "actor_events",
    "member_events",
    "citations",
    "actors",
    "actor_aliases",
    "memberships",
    "organization_members",
    "network_pairs",
)


# --- full text -------------------------------------------------------------------------------

# The full-text index's columns and tokenizer: the build's index and the store's query probe
# share them. FTS5 parses a query before it reads anything, so a query an empty index with
# this configuration accepts, the real index accepts too.
FTS_COLUMNS = "title, summary, quotes"
FTS_TOKENIZER = "tokenize = 'unicode61 remove_diacritics 2'"
FTS_SCHEMA = (
    f"CREATE VIRTUAL TABLE events_fts USING fts5({FTS_COLUMNS}, content = 'events_fts_source', "
    f"content_rowid = 'event_rowid', {FTS_TOKENIZER})"
)
FTS_SHADOWS = ("data", "idx", "docsize", "config")  # FTS5's own tables, for external content
# The index keeps no copy of the text: its content is this view over events and citations
# (an FTS5 external content table), so snippets and highlights still work.
FTS_SOURCE_VIEW = """CREATE VIEW events_fts_source AS
    SELECT e.rowid AS event_rowid, e.title, e.summary,
           (SELECT group_concat(c.quote, ' ') FROM citations c WHERE c.event_id = e.id) AS quotes
    FROM events e"""
FTS_VOCABULARY = "CREATE VIRTUAL TABLE events_fts_vocab USING fts5vocab(events_fts, 'row')"


# --- derived tables: computed from the others so that hot API queries read answers -----------


def create_actor_events(conn: sqlite3.Connection) -> None:
    """Each actor's events by date scale, keyed by the event's rowid, which is its place in
    date order: a page of an actor's events merges integers and reads each document by its
    rowid, with no lookup of events by id.

    Read in event_actors_by_actor's order, the rows come out already in the key's order
    (rowid order is date order), so nothing is sorted.
    """
    conn.execute(
        """CREATE TABLE actor_events (
               actor_id TEXT NOT NULL REFERENCES actors(id), date_scale INTEGER NOT NULL,
               event_rowid INTEGER NOT NULL, date_start TEXT NOT NULL, date_end TEXT NOT NULL,
               PRIMARY KEY (actor_id, date_scale, event_rowid)) WITHOUT ROWID"""
    )
    conn.execute(
        """INSERT INTO actor_events
           SELECT ea.actor_id, ea.date_scale, e.rowid, ea.date_start, ea.date_end
           FROM event_actors ea INDEXED BY event_actors_by_actor JOIN events e ON e.id = ea.event_id
           ORDER BY ea.actor_id, ea.date_scale, ea.date_start, ea.date_end, ea.event_id"""
    )


def create_member_events(conn: sqlite3.Connection) -> None:
    """An organization's events including its members' (and their members') while their
    membership covers the event, one row per (organization, event), keyed as actor_events is."""
    conn.execute(
        """CREATE TABLE member_events (
               organization_id TEXT NOT NULL REFERENCES actors(id), date_scale INTEGER NOT NULL,
               event_rowid INTEGER NOT NULL, date_end TEXT NOT NULL,
               actor_id TEXT NOT NULL REFERENCES actors(id),
               PRIMARY KEY (organization_id, date_scale, event_rowid)) WITHOUT ROWID"""
    )
    conn.execute(
        """INSERT OR IGNORE INTO member_events
           SELECT a.actor_id, a.date_scale, a.event_rowid, a.date_end, a.actor_id
           FROM actor_events a
           WHERE a.actor_id IN (SELECT organization_id FROM organization_members)
           UNION ALL
           SELECT m.organization_id, a.date_scale, a.event_rowid, a.date_end, a.actor_id
           FROM organization_members m JOIN actor_events a ON a.actor_id = m.actor_id
           WHERE (m.start_date IS NULL OR m.start_date <= a.date_end)
             AND (m.end_date IS NULL OR m.end_date >= a.date_start)
           ORDER BY 1, 2, 3"""
    )


# Each actor's contacts, ranked by count then name, with the /api/contacts entry as stored
# JSON (the build groups them from its stages: build.group_contact_pairs).
CONTACT_PAIRS_SCHEMA = (
    """CREATE TABLE contact_pairs (
           actor_id TEXT NOT NULL REFERENCES actors(id), rank INTEGER NOT NULL,
           other_id TEXT NOT NULL REFERENCES actors(id), count INTEGER NOT NULL,
           first TEXT NOT NULL, last TEXT NOT NULL, json TEXT NOT NULL,
           PRIMARY KEY (actor_id, rank)) WITHOUT ROWID""",
    "CREATE UNIQUE INDEX contact_pairs_by_other ON contact_pairs (actor_id, other_id)",
)


def create_actor_stats(conn: sqlite3.Connection, direct_contacts: str) -> None:
    """Per actor: event counts, first and last dates, contact counts, and its /api/actors entry.
    `direct_contacts`: a table of (side_id, n), each organization's count of its own contacts."""
    conn.execute(
        """CREATE TABLE actor_stats (
               actor_id TEXT PRIMARY KEY REFERENCES actors(id), event_count INTEGER NOT NULL,
               member_event_count INTEGER NOT NULL, contact_count INTEGER NOT NULL,
               direct_contact_count INTEGER NOT NULL, first_event TEXT, last_event TEXT,
               summary TEXT NOT NULL)"""
    )
    conn.execute(
        f"""INSERT INTO actor_stats
           WITH ea AS (SELECT actor_id, count(*) AS n, min(date_start) AS first,
                              max(date_end) AS last
                       FROM event_actors GROUP BY actor_id),
                me AS (SELECT organization_id, count(*) AS n
                       FROM member_events GROUP BY organization_id),
                cp AS (SELECT actor_id, count(*) AS n FROM contact_pairs GROUP BY actor_id),
                dc AS (SELECT side_id, n FROM {direct_contacts})
           SELECT a.id, coalesce(ea.n, 0), coalesce(me.n, 0), coalesce(cp.n, 0),
                  CASE WHEN EXISTS (SELECT 1 FROM memberships m WHERE m.organization_id = a.id)
                       THEN coalesce(dc.n, 0) ELSE coalesce(cp.n, 0) END,
                  ea.first, ea.last,
                  json_object('id', a.id, 'name', a.name, 'kind', a.kind,
                              'aliases', json((SELECT json_group_array(alias) FROM (
                                  SELECT alias FROM actor_aliases x
                                  WHERE x.actor_id = a.id AND x.alias <> a.id ORDER BY alias))),
                              'event_count', coalesce(ea.n, 0))
           FROM actors a LEFT JOIN ea ON ea.actor_id = a.id
                LEFT JOIN me ON me.organization_id = a.id
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
            WHERE e.type IN ({contact_types})
              AND a.role IN ({parties}) AND b.role IN ({parties})""",
    )


# --- connection profiles ---------------------------------------------------------------------
# Every PRAGMA a chrono connection runs, by what the connection is for. `apply_profile` runs
# one on a connection, for one of its attached databases where the setting is per database.

# Pages are read through a memory map of the file: a page SQLite's own cache no longer holds
# costs neither a read() call nor a copy. A stream of distinct page queries ran 20 % faster
# in process (330-350 against 410-430 µs a request at a million events); a repeated one the
# same. SQLite caps the map at its compile-time limit (2 GB in Debian's build) and reads
# the pages past it as before. The mapped pages are the OS page cache, shared and
# reclaimable, not the process's own memory.
MMAP_BYTES = 1 << 40
# SQLite's page cache per serving connection, for the pages past the map's cap (at a million
# events: the indexes, the full-text index and the last fifth of the documents). A server
# holds a connection per database thread and per running export: 32 MB each, within the
# heap limits.
CACHE_KIB = 32768
# The build's intermediate files (stages, date order, side build) use pages of this size.
# A staged API document is about 1.4 KB: a 4 KB page holds two and leaves a third of itself
# empty, a 16 KB page holds eleven; at a million events the build is 8-10 % faster. The
# published database keeps SQLite's 4 KB pages: with 16 KB ones, queries whose rows lie far
# apart (a rare word's 50 documents on 50 pages) copy four times as much per page read, and
# a mix of distinct page queries ran 35 % slower (measured).
STAGE_PAGE_SIZE = 16384

# A file being written once, from scratch, by one connection: a failed build deletes it, so
# no journal and no syncs (the finished file is fsynced before it is renamed into place).
_UNJOURNALLED = ("journal_mode = OFF", "synchronous = OFF")
_SCRATCH = (*_UNJOURNALLED, "cache_size = -1000000", "secure_delete = OFF")
# The build's connection and its output; SQLite may sort (indexes, ORDER BY) on two threads.
BUILD_WRITE = (*_SCRATCH, "threads = 2")
# A build's intermediate file attached to that connection: larger pages.
BUILD_STAGE = (f"page_size = {STAGE_PAGE_SIZE}", *_SCRATCH)
# The side build's own file (full text, contact pairs), on its own connection and thread.
BUILD_SIDE = (f"page_size = {STAGE_PAGE_SIZE}", *_UNJOURNALLED, "cache_size = -500000")
# A validation worker's stage file, one per worker process.
BUILD_WORKER = (f"page_size = {STAGE_PAGE_SIZE}", *_UNJOURNALLED, "cache_size = -200000")
# A file the build only reads (a stage, the date order): in place, through the OS page cache.
BUILD_READ = (f"mmap_size = {MMAP_BYTES}",)
# The finished file: an ordinary rollback journal, as any SQLite tool expects.
PUBLISHED = ("journal_mode = DELETE",)
# chrono's serving connections: never write, pages through the memory map.
SERVING = ("query_only = ON", f"mmap_size = {MMAP_BYTES}", f"cache_size = -{CACHE_KIB}")
# A serving connection reading many pages once (an export, any work in the database pool):
# through read() and the bounded cache, not the memory map, whose pages would stay in the
# server's RSS. SERVING maps them again.
UNMAPPED = ("mmap_size = 0",)
# Datasette's connections: never write (Datasette sets its own caches).
DATASETTE = ("query_only = 1",)


def apply_profile(
    conn: sqlite3.Connection, profile: tuple[str, ...], schema: str | None = None
) -> None:
    """Run a profile's PRAGMAs on `conn`, for its attached database `schema` if given."""
    prefix = f"{schema}." if schema else ""
    for pragma in profile:
        conn.execute(f"PRAGMA {prefix}{pragma}")


# No string or blob, stored or computed, may grow past this (SQLITE_LIMIT_LENGTH), nor a row
# hold more columns (the widest table has 20): a row of values built by anyone's SQL stays
# under 160 MB. The largest stored value, a busy pair's contacts at a million events, is
# about 1 MB.
MAX_VALUE_BYTES = 4 << 20
MAX_COLUMNS = 40
# SQLite's own heap, process-wide (page caches, sorters, values being built): past the soft
# limit its caches give pages back, past the hard one an allocation fails (an error, not a
# process at 12 GB). Python's copies of the rows are bounded per answer apart.
HEAP_SOFT_BYTES = 192 << 20
HEAP_HARD_BYTES = 384 << 20


def bound_connection(conn: sqlite3.Connection) -> None:
    """The limits every reading connection to a chronology gets, chrono's and Datasette's."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_COLUMN, MAX_COLUMNS)
    conn.execute(f"PRAGMA soft_heap_limit = {HEAP_SOFT_BYTES}")
    conn.execute(f"PRAGMA hard_heap_limit = {HEAP_HARD_BYTES}")


# --- the file --------------------------------------------------------------------------------

FileIdentity = tuple[int, int, int]


def file_identity(path: Path) -> FileIdentity:
    """What changes when a rebuild renames a new file over `path`: (inode, size, mtime in ns).
    Raises OSError when there is no file."""
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns
