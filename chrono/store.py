"""A built chronology as the server holds it: each build's snapshot, its connections and what
it remembers, and the lease that hands a connection to one piece of work with its deadline.

Queries live in chrono.queries and take the `Reader` a lease gives: a connection and its
build's memo. No web framework here.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .plan import BuildFacts
from .schema import (
    SCHEMA_VERSION,
    SERVING,
    UNMAPPED,
    FileIdentity,
    apply_profile,
    bound_connection,
    file_identity,
)


class IncompatibleDatabase(Exception):
    """A file this code cannot serve: not a chrono database, or built for another schema."""


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


class BuildMemo:
    """What one build has told its readers, kept for the next requests: the planner's facts,
    actors resolved from a spelling (a name read once is not folded and looked up again),
    which actors have members, and every alias key (for suggestions). The threads reading
    one build share it; an entry is written whole, so a race at worst reads a value twice."""

    def __init__(self, facts: BuildFacts | None = None) -> None:
        self.facts = facts
        self.actor_ids: dict[str, str] = {}
        self.has_members: dict[str, bool] = {}
        self.alias_keys: list[tuple[str, str]] | None = None
        self.network_actors: object | None = None  # chrono.network's actor keys, once read

    @staticmethod
    def remember(entries: dict, key: str, value: object) -> None:
        """Keep `key` → `value` within the bounds (MEMO_ENTRIES, MEMO_TEXT)."""
        if len(entries) < MEMO_ENTRIES and len(key) <= MEMO_TEXT:
            entries[key] = value


def read_facts(conn: sqlite3.Connection) -> BuildFacts:
    """What the build at `conn` recorded for the planner."""
    row = conn.execute("SELECT value FROM chrono_build WHERE key = 'date_scales'").fetchone()
    return BuildFacts.from_json(row[0] if row else None)


class Reader:
    """A connection of one build and that build's memo: what the query functions
    (chrono.queries) take. A server's readers come from `Snapshot.lease()` and share their
    build's memo; `Reader(conn)` reads any connection with a memo of its own (tools, tests)."""

    __slots__ = ("conn", "memo")

    def __init__(self, conn: sqlite3.Connection, memo: BuildMemo | None = None) -> None:
        self.conn = conn
        self.memo = BuildMemo() if memo is None else memo

    def execute(self, sql: str, params: tuple | list | dict = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    @property
    def facts(self) -> BuildFacts:
        if self.memo.facts is None:
            self.memo.facts = read_facts(self.conn)
        return self.memo.facts


class ChronoConnection(sqlite3.Connection):
    """A read-only connection that stops at its holder's deadline (`deadline`, a
    time.monotonic() value) or after `steps` more steps of SQLite's program.

    Its progress handler is Python, so it needs the GIL while SQLite holds the connection's
    mutex: two threads on one such connection can each hold what the other waits for, and
    the process freezes. Hence leases (Snapshot.lease): one holder at a time, always.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.deadline = float("inf")
        self.steps = float("inf")
        self.watch()

    def watch(self) -> None:
        """(Re)install the deadline check: work that set a progress handler of its own
        replaced it."""
        self.set_progress_handler(self._past_deadline, PROGRESS_STEPS)

    def _past_deadline(self) -> bool:
        self.steps -= PROGRESS_STEPS
        return self.over_budget()

    def over_budget(self) -> bool:
        """The holder's steps or time are spent: a statement that failed now was stopped."""
        return self.steps < 0 or time.monotonic() > self.deadline

    def map_pages(self, on: bool) -> None:
        """Read the file through the memory map (on, the default) or through read() and the
        connection's bounded page cache (off). Mapped pages count in the server's RSS for as
        long as the map lasts; turning it off unmaps them. Work that reads much of the file
        (exports, live contact counts, wide searches: whatever runs in the database pool)
        reads it unmapped."""
        apply_profile(self, SERVING if on else UNMAPPED)


def open_readonly(path: Path) -> ChronoConnection:
    """Immutable: the file is never written in place (rebuilds rename a new file over it),
    so neither SQLite's checks nor its memory map ever see it change."""
    uri = f"file:{Path(path).resolve()}?mode=ro&immutable=1"
    # check_same_thread off: a lease may pass from one thread to the next (an export's
    # chunks), never be held by two at once.
    conn = sqlite3.connect(
        uri, uri=True, check_same_thread=False, cached_statements=256, factory=ChronoConnection
    )
    assert isinstance(conn, ChronoConnection)
    apply_profile(conn, SERVING)
    bound_connection(conn)
    return conn


def open_reader(path: Path) -> Reader:
    """A reader of the chronology at `path` with a memo of its own (tools, tests; a server
    leases its readers from a Snapshot)."""
    return Reader(open_readonly(path))


def _build_info(conn: sqlite3.Connection, path: Path) -> dict[str, str]:
    try:
        info = dict(conn.execute("SELECT key, value FROM chrono_build").fetchall())
    except sqlite3.DatabaseError as exc:
        raise IncompatibleDatabase(
            f"{path} is not a chrono database ({exc}); build one with `chrono build`"
        ) from None
    version = info.get("schema_version")
    if version != str(SCHEMA_VERSION):
        raise IncompatibleDatabase(
            f"{path} was built for schema {version or 'unknown'}, "
            f"this chrono reads schema {SCHEMA_VERSION}; "
            "rebuild it with `chrono build`"
        )
    return info


# Idle connections a build keeps for the next requests; more are opened when more run at
# once (the thread pool and the export cap bound that), and closed when given back.
IDLE_CONNECTIONS = 8


class Snapshot:
    """One build of the database, with the identity HTTP caching uses, its connections and its
    memo (what its readers have learnt about it).

    Work takes a reader with `lease()` and gives it back when done: a connection has one
    holder at a time, so no two threads ever use it at once. A build replaced by a newer one
    closes its connections as they come back.
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
        self.memo = BuildMemo(BuildFacts.from_json(info.get("date_scales")))
        self._idle: list[ChronoConnection] = [first]
        self._lock = threading.Lock()
        self.retired = False

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
        return conn

    def _give_back(self, conn: ChronoConnection) -> None:
        conn.deadline = conn.steps = float("inf")
        conn.watch()
        with self._lock:
            if not self.retired and len(self._idle) < IDLE_CONNECTIONS:
                self._idle.append(conn)
                return
        conn.close()

    def lease(
        self, seconds: float | None = None, steps: float = float("inf"), mapped: bool = True
    ) -> Lease:
        """A reader of this build, for one holder, whose statements stop `seconds` from now
        (default REQUEST_SECONDS) or after about `steps` steps of SQLite's program; with
        `mapped` off, it reads the file without the memory map (ChronoConnection.map_pages)."""
        seconds = REQUEST_SECONDS if seconds is None else seconds
        return Lease(self, seconds, steps=steps, mapped=mapped)

    def retire(self) -> None:
        """A newer build serves from now on: connections given back are closed. The idle
        ones stay for requests that started on this build and have yet to read; they close
        with the snapshot once nothing holds it."""
        with self._lock:
            self.retired = True


class Lease:
    """A reader held by one piece of work (`with snapshot.lease() as reader:`), with its
    deadline; SQLite's interruption at the deadline surfaces as OverBudget, a value past
    MAX_VALUE_BYTES or SQLite's heap limit as TooLarge. An export moves `conn.deadline` chunk
    by chunk, never past `until`."""

    def __init__(
        self,
        snapshot: Snapshot,
        seconds: float,
        until: float | None = None,
        steps: float = float("inf"),
        mapped: bool = True,
    ) -> None:
        self.snapshot, self.seconds, self.steps, self.mapped = snapshot, seconds, steps, mapped
        self.conn: ChronoConnection | None = None
        self.until = until

    def __enter__(self) -> Reader:
        self.conn = conn = self.snapshot._take()
        if not self.mapped:
            conn.map_pages(False)
        conn.deadline = time.monotonic() + self.seconds
        conn.steps = self.steps
        return Reader(conn, self.snapshot.memo)

    def __exit__(self, kind, exc, tb) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.deadline = conn.steps = float("inf")
            if not self.mapped:
                conn.map_pages(True)
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
            raise TooLarge(
                "a value in the answer would grow past the size a request may build"
            ) from None


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
            old = snap = self._snapshot
            if snap is None or snap.inode != key:
                snap = self._snapshot = Snapshot(self.path, key)
                if old is not None:
                    old.retire()
            return snap
