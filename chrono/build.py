"""Build db/chrono.db from the data folder: validate everything, write a temporary file, swap it in.

The database is an artefact: the schema is created fresh here and nowhere else. A failed or
interrupted build never touches the previous database; readers of the old file keep working
and new connections see the new file only after an atomic rename.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from . import dates
from .load import CheckedEvent, DataError, Problem, check_events, load_catalogue, read_yaml, stream_jsonl
from .models import CONTACT_TYPES, EVENT_TYPES, STATUSES

SCHEMA_VERSION = 1
MAX_REPORTED_PROBLEMS = 200


@dataclass
class BuildReport:
    out: Path
    build_id: str
    input_hash: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


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
        "events",
        {"id": str, "date": str, "date_start": str, "date_end": str, "precision": str,
         "qualifier": str, "approximate": int, "uncertain": int, "date_text": str,
         "date_basis": str, "date_anchor": str, "title": str, "summary": str, "type": str,
         "status": str, "place": str, "country": str, "notes": str},
        pk="id",
        foreign_keys=[("type", "event_types", "type"), ("status", "statuses", "status")],
        not_null={"date", "date_start", "date_end", "precision", "title", "type", "status"},
    )
    db.create_table(
        "event_actors",
        {"event_id": str, "actor_id": str, "role": str, "date_start": str, "date_end": str},
        pk=("event_id", "actor_id"),
        foreign_keys=[("event_id", "events", "id"), ("actor_id", "actors", "id")],
        not_null={"role"},
    )
    db.create_table(
        "citations",
        {"id": int, "event_id": str, "source_id": str, "quote": str, "stance": str},
        pk="id", foreign_keys=[("event_id", "events", "id"), ("source_id", "sources", "id")],
        not_null={"event_id", "source_id", "quote", "stance"},
    )


def create_indexes(db: sqlite_utils.Database) -> None:
    """After the bulk insert: building indexes once is faster than maintaining them row by row."""
    db["events"].create_index(["date_start", "date_end", "id"], index_name="events_by_date")
    db["events"].create_index(["date_end", "date_start"], index_name="events_by_end")
    db["events"].create_index(["type", "date_start"], index_name="events_by_type")
    db["events"].create_index(["status", "date_start"], index_name="events_by_status")
    db["event_actors"].create_index(["actor_id", "date_start", "date_end", "event_id"], index_name="event_actors_by_actor")
    db["memberships"].create_index(["organization_id", "actor_id"], index_name="memberships_by_organization")
    db["memberships"].create_index(["actor_id"], index_name="memberships_by_actor")
    db["actor_aliases"].create_index(["actor_id"], index_name="aliases_by_actor")
    db["citations"].create_index(["event_id"], index_name="citations_by_event")
    db["citations"].create_index(["source_id"], index_name="citations_by_source")


def create_search(db: sqlite_utils.Database) -> None:
    """Full text over titles, summaries and quotes, keyed by the events table's rowid."""
    db.execute(
        "CREATE VIRTUAL TABLE events_fts USING fts5("
        "title, summary, quotes, tokenize = 'unicode61 remove_diacritics 2')"
    )
    db.execute(
        """INSERT INTO events_fts (rowid, title, summary, quotes)
           SELECT e.rowid, e.title, e.summary,
                  (SELECT group_concat(c.quote, ' ') FROM citations c WHERE c.event_id = e.id)
           FROM events e"""
    )


def create_views(db: sqlite_utils.Database) -> None:
    contact_types = ", ".join(f"'{t}'" for t in CONTACT_TYPES)
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
            WHERE e.type IN ({contact_types})""",
    )


def _event_rows(events: Iterable[CheckedEvent]) -> Iterator[tuple[tuple, list[tuple], list[tuple]]]:
    for checked in events:
        e, when = checked.event, checked.when
        start, end = when.start.isoformat(), when.end.isoformat()
        row = (
            e.id, e.date, start, end, when.precision, e.qualifier, int(when.approximate),
            int(when.uncertain), e.date_text, e.date_basis, e.date_anchor, e.title, e.summary,
            e.type, e.status, e.location.place, e.location.country, e.notes,
        )
        actors = [(e.id, a.id, a.role, start, end) for a in e.actors]
        citations = [(e.id, c.source, c.quote, c.stance) for c in e.citations]
        yield row, actors, citations


class _Writer:
    """Streams events into the open database in batches; duplicates become problems."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.count = 0

    def write(self, events: Iterable[CheckedEvent], file: str, problems: list[Problem], batch: int = 5000) -> None:
        pending: list[tuple[tuple, list[tuple], list[tuple]]] = []
        for item in _event_rows(events):
            pending.append(item)
            if len(pending) >= batch:
                self._flush(pending, file, problems)
                pending = []
        self._flush(pending, file, problems)

    def _flush(self, pending: list, file: str, problems: list[Problem]) -> None:
        if not pending:
            return
        try:
            self._insert(pending)
        except sqlite3.IntegrityError:
            # Rare path: find the offending rows one by one.
            for item in pending:
                try:
                    self._insert([item])
                except sqlite3.IntegrityError:
                    problems.append(Problem(file, f"event {item[0][0]}", "id", "duplicate id"))
            return

    def _insert(self, items: list) -> None:
        cur = self.conn.cursor()
        cur.execute("SAVEPOINT batch")
        try:
            cur.executemany(f"INSERT INTO events VALUES ({', '.join('?' * 18)})", [i[0] for i in items])
            cur.executemany("INSERT INTO event_actors VALUES (?, ?, ?, ?, ?)", [a for i in items for a in i[1]])
            cur.executemany(
                "INSERT INTO citations (event_id, source_id, quote, stance) VALUES (?, ?, ?, ?)",
                [c for i in items for c in i[2]],
            )
        except sqlite3.IntegrityError:
            cur.execute("ROLLBACK TO batch")
            cur.execute("RELEASE batch")
            raise
        cur.execute("RELEASE batch")
        self.count += len(items)


def _iso(d: dates.NormalisedDate | None, which: str) -> str | None:
    return None if d is None else getattr(d, which).isoformat()


def build(data: Path, out: Path) -> BuildReport:
    """Validate the data folder and write `out` atomically; raise DataError listing every problem."""
    started = time.perf_counter()
    catalogue, problems = load_catalogue(data)
    event_records, found = read_yaml(data / "events.yml")
    problems += found
    events_file = str(data / "events.yml")
    checked, found = check_events(event_records, catalogue, events_file)
    problems += found
    if problems:
        raise DataError(problems)

    out.parent.mkdir(parents=True, exist_ok=True)
    with _build_lock(out):
        _remove_leftovers(out)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}-", suffix=".tmp", dir=out.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            report = _write(tmp, data, catalogue, checked, events_file)
            _swap(tmp, out)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    report.out = out
    report.seconds = time.perf_counter() - started
    return report


def _write(tmp: Path, data: Path, catalogue, checked: list[CheckedEvent], events_file: str) -> BuildReport:
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("PRAGMA cache_size = -200000")
        conn.execute("BEGIN")
        db = sqlite_utils.Database(conn)
        create_schema(db)
        conn.executemany(
            "INSERT INTO event_types VALUES (?, ?, ?, ?)",
            [(t, code, label, int(t in CONTACT_TYPES)) for t, (code, label) in EVENT_TYPES.items()],
        )
        conn.executemany("INSERT INTO statuses VALUES (?, ?)", list(STATUSES.items()))
        conn.executemany(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (s.id, s.title, s.outlet, s.author, s.published, _iso(d, "start"), _iso(d, "end"), s.url, s.archive, s.notes)
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
                aliases.setdefault(dates.fold(alias.strip()), (alias.strip(), a.id))
        conn.executemany("INSERT INTO actor_aliases VALUES (?, ?, ?)", [(k, v[0], v[1]) for k, v in aliases.items()])
        conn.executemany(
            "INSERT INTO memberships (actor_id, organization_id, role, start, end, start_date, end_date) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (actor_id, m.organization, m.role, m.start, m.end, _iso(start, "start"), _iso(end, "end"))
                for actor_id, j, start, end in catalogue.memberships
                for m in [catalogue.actors[actor_id].memberships[j]]
            ],
        )
        writer = _Writer(conn)
        problems: list[Problem] = []
        writer.write(checked, events_file, problems)
        for path in sorted(data.glob("*.jsonl")):
            stream = stream_jsonl(path, catalogue)
            writer.write(_collect(stream, problems), str(path), problems)
            if len(problems) > MAX_REPORTED_PROBLEMS:
                break
        if problems:
            raise DataError(problems[:MAX_REPORTED_PROBLEMS])
        create_indexes(db)
        create_search(db)
        create_views(db)
        report = BuildReport(out=tmp, build_id=uuid.uuid4().hex[:12], input_hash=input_hash(data))
        report.counts = {t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0] for t in ("sources", "actors", "events", "citations")}
        meta = {
            "build_id": report.build_id, "input_hash": report.input_hash, "schema_version": str(SCHEMA_VERSION),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **{f"count_{k}": str(v) for k, v in report.counts.items()},
        }
        conn.executemany("INSERT INTO chrono_build VALUES (?, ?)", list(meta.items()))
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
        conn.execute("PRAGMA journal_mode = DELETE")
        if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise RuntimeError("the new database failed its integrity check")
    finally:
        conn.close()
    return report


def _collect(stream: Iterable[CheckedEvent | Problem], problems: list[Problem]) -> Iterator[CheckedEvent]:
    for item in stream:
        if isinstance(item, Problem):
            problems.append(item)
            if len(problems) > MAX_REPORTED_PROBLEMS:
                return
        else:
            yield item


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
    """fsync the new file, rename it over the old one, fsync the directory."""
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
