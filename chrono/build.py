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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlite_utils

from . import dates, ingest
from .ingest import Batch, Rows, iso
from .load import (
    Catalogue,
    CheckedEvent,
    DataError,
    Problem,
    check_events,
    load_catalogue,
    read_yaml_located,
)
from .models import CONTACT_TYPES, EVENT_TYPES, STATUSES
from .network import write_network_pairs
from .schema import (
    ANALYZED_TABLES,
    BUILD_READ,
    BUILD_SIDE,
    BUILD_STAGE,
    BUILD_WRITE,
    CONTACT_PAIRS_SCHEMA,
    EVENT_COLUMNS,
    FTS_SCHEMA,
    FTS_SHADOWS,
    FTS_SOURCE_VIEW,
    FTS_VOCABULARY,
    PUBLISHED,
    SCHEMA_VERSION,
    apply_profile,
    create_actor_events,
    create_actor_stats,
    create_indexes,
    create_member_events,
    create_tables,
    create_views,
)

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
    return Problem(
        str(data / "events.yml"),
        "",
        "",
        "no events: the build would publish an empty chronology "
        "(add events, or build with --allow-empty to publish one with none)",
    )


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
    return [
        data / "sources.yml",
        data / "actors.yml",
        data / "events.yml",
        *sorted(data.glob("*.jsonl")),
    ]


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
    for (sql,) in conn.execute(
        "SELECT sql FROM main.sqlite_master WHERE sql IS NOT NULL ORDER BY type, name"
    ):
        digest.update(b"\0" + sql.encode())
    return digest.hexdigest()[:12]


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

    The index keeps no copy of the text: its content is the events_fts_source view
    (schema.FTS_SOURCE_VIEW). FTS5 keeps an index in ordinary tables of a documented format;
    the same SQLite library wrote them, so they are copied as they are, over the empty index a
    CREATE VIRTUAL TABLE starts with.
    """
    conn.execute(FTS_SOURCE_VIEW)
    conn.execute(FTS_SCHEMA)
    for shadow in FTS_SHADOWS:
        conn.execute(f"DELETE FROM events_fts_{shadow}")
        conn.execute(f"INSERT INTO events_fts_{shadow} SELECT * FROM side.events_fts_{shadow}")
    conn.execute(FTS_VOCABULARY)


def group_contact_pairs(
    conn: sqlite3.Connection, sources: list[str], names: list[tuple[str, str]]
) -> None:
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
           SELECT g.side_id,
                  row_number() OVER (PARTITION BY g.side_id ORDER BY g.n DESC, o.name, g.other_id),
                  g.other_id, g.n, g.first, g.last,
                  '{{"actor":{{"id":' || {q}(g.side_id) || ',"name":' || {q}(a.name)
                  || '}},"other":{{"id":' || {q}(g.other_id) || ',"name":' || {q}(o.name)
                  || '}},"count":' || g.n || ',"first":' || {q}(g.first)
                  || ',"last":' || {q}(g.last) || ',"event_ids":' || g.ids || '}}'
           FROM (SELECT side_id, other_id, count(*) AS n, min(date_start) AS first,
                        max(date_end) AS last, json_group_array(event_id) AS ids
                 FROM (SELECT * FROM ({pairs}) WHERE pair = 1 ORDER BY side_id, other_id, event_id)
                 GROUP BY side_id, other_id) g
           JOIN actor_names a ON a.id = g.side_id JOIN actor_names o ON o.id = g.other_id"""
    )
    conn.execute(
        f"""CREATE TABLE direct_contacts AS
            SELECT side_id, count(DISTINCT other_id) AS n FROM ({pairs})
            WHERE pair = 0 GROUP BY side_id"""
    )


class SideBuild(threading.Thread):
    """The full-text index (fill_search) and the contact pairs (group_contact_pairs) built on
    a connection of their own, into a side file, while the build's connection writes the
    events in date order and the indexes. SQLite releases the GIL: on two cores these 30 s
    (at a million events) leave the critical path. The files it reads (the stages and the
    event order) are committed and no longer written."""

    def __init__(
        self, side: Path, stages: dict[str, Path], ordering: Path, names: list[tuple[str, str]]
    ) -> None:
        super().__init__(name="side-build", daemon=True)
        self.side, self.stages, self.ordering, self.names = side, stages, ordering, names
        self.conn = sqlite3.connect(side, isolation_level=None, check_same_thread=False)
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            apply_profile(self.conn, BUILD_SIDE)
            for name, path in {**self.stages, "ordering": self.ordering}.items():
                self.conn.execute(f"ATTACH DATABASE ? AS {name}", (str(path),))
                apply_profile(self.conn, BUILD_READ, name)
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


def _stage_bulk(
    conn: sqlite3.Connection,
    tmp: Path,
    paths: list[Path],
    catalogue: Catalogue,
    writer: ingest.Writer,
) -> tuple[list[Problem], list[Path]]:
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
        problems += ingest.stage_in_workers(
            assignments, catalogue, files, MAX_REPORTED_PROBLEMS - len(problems)
        )
    order = {str(path): i for i, path in enumerate(paths)}
    return sorted(problems, key=lambda p: order.get(p.file, -1)), [f for f in files if f.exists()]


def _union(sources: list[str], table: str, columns: str) -> str:
    return " UNION ALL ".join(f"SELECT rowid AS r, {columns} FROM {src}.{table}" for src in sources)


def _staged(
    conn: sqlite3.Connection, sources: list[str], table: str, columns: list[str]
) -> tuple[str, str]:
    """Columns of the stage row each event_order row (`o`) points at: (select list, joins).

    A row is looked up only in the stage its rowid names (ingest.STAGE_BITS): a lookup in
    every stage costs a b-tree descent per stage, and at a million events the documents
    copy twice as long (measured: 14 s against 7.7 s for two stages of 500,000).
    """
    if len(sources) == 1:
        return ", ".join(
            f"s0.{c}" for c in columns
        ), f"JOIN {sources[0]}.{table} s0 ON s0.rowid = o.r"
    # An empty stage gets number -1, which no rowid carries.
    numbers = [
        conn.execute(
            f"SELECT coalesce(max(rowid) >> {ingest.STAGE_BITS}, -1) FROM {src}.{table}"
        ).fetchone()[0]
        for src in sources
    ]
    if len(columns) == 1:  # one subquery, in the one stage
        arms = " ".join(
            f"WHEN {n} THEN (SELECT {columns[0]} FROM {src}.{table} WHERE rowid = o.r)"
            for src, n in zip(sources, numbers, strict=True)
        )
        return f"CASE o.r >> {ingest.STAGE_BITS} {arms} END", ""
    joins = " ".join(
        f"LEFT JOIN {src}.{table} s{i} ON s{i}.rowid = o.r AND o.r >> {ingest.STAGE_BITS} = {n}"
        for i, (src, n) in enumerate(zip(sources, numbers, strict=True))
    )
    picks = ", ".join(
        f"coalesce({', '.join(f's{i}.{c}' for i in range(len(sources)))})" for c in columns
    )
    return picks, joins


def _duplicates(conn: sqlite3.Connection, sources: list[str], files: list[str]) -> list[Problem]:
    """Every event id seen before, named at its second (third …) occurrence."""
    conn.execute(
        "CREATE TABLE scratch.ids AS SELECT id, src, line "
        f"FROM ({_union(sources, 'events', 'id, src, line')})"
    )
    conn.execute("CREATE INDEX scratch.ids_by_id ON ids (id)")
    return [
        # Line 0 is events.yml, whose records are not numbered by line.
        Problem(
            files[src],
            f"event {event_id}" + (f" (line {line})" if src else ""),
            "id",
            "duplicate id",
        )
        for event_id, src, line in conn.execute(
            # Workers hand rows over in any order: "first" is by file and line.
            """SELECT s.id, s.src, s.line FROM scratch.ids s
               WHERE EXISTS (SELECT 1 FROM scratch.ids t
                             WHERE t.id = s.id AND (t.src, t.line) < (s.src, s.line))
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
                if (
                    not report.counts["events"] and not allow_empty
                ):  # bulk files that hold no events
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


# --- the build's steps -----------------------------------------------------------------------


@dataclass
class BuildContext:
    """What the steps of one build share: its inputs, the connection writing the temporary
    output, and what earlier steps left for later ones."""

    tmp: Path
    data: Path
    catalogue: Catalogue
    checked: list[CheckedEvent]
    events_file: str
    conn: sqlite3.Connection
    # Attached stage databases holding validated rows, by schema name: the build's own
    # ("stage"), then one per validation worker ("piece0" …).
    stage_files: dict[str, Path] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)  # input files, by a staged row's `src`
    side_build: SideBuild | None = None
    input_hash: str | None = None
    hasher: threading.Thread | None = None
    report: BuildReport | None = None

    @property
    def db(self) -> sqlite_utils.Database:
        return sqlite_utils.Database(self.conn)

    @property
    def sources(self) -> list[str]:
        """The attached stages' schema names."""
        return list(self.stage_files)

    def close(self) -> None:
        if self.side_build is not None:
            self.side_build.close()
        self.conn.close()
        for stage_file in self.tmp.parent.glob(f"{self.tmp.name}.stage-*.tmp"):
            stage_file.unlink()


def open_output(ctx: BuildContext) -> None:
    """The empty schema, and the stage where the build's own validated rows wait to be
    written in date order: a file, so that the side build can read it on a second
    connection. `scratch` holds working tables, private to this connection."""
    conn = ctx.conn
    stage_file = ctx.stage_files["stage"] = _side_file(ctx.tmp, "build")
    conn.execute("ATTACH DATABASE ? AS stage", (str(stage_file),))
    conn.execute("ATTACH DATABASE '' AS scratch")
    apply_profile(conn, BUILD_WRITE)
    for name in ("stage", "scratch"):
        apply_profile(conn, BUILD_STAGE, name)
    conn.execute("BEGIN")
    create_tables(ctx.db)
    ingest.create_stage(conn, ingest.BUILD_TABLES, children=False)


def write_catalogue(ctx: BuildContext) -> None:
    """Vocabularies, sources, actors, their aliases and memberships."""
    conn, catalogue = ctx.conn, ctx.catalogue
    conn.executemany(
        "INSERT INTO event_types VALUES (?, ?, ?, ?)",
        [(t, code, label, int(t in CONTACT_TYPES)) for t, (code, label) in EVENT_TYPES.items()],
    )
    conn.executemany("INSERT INTO statuses VALUES (?, ?)", list(STATUSES.items()))
    conn.executemany(
        "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                s.id,
                s.title,
                s.outlet,
                s.author,
                s.published,
                iso(d, "start"),
                iso(d, "end"),
                s.url,
                s.archive,
                s.notes,
            )
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
    conn.executemany(
        "INSERT INTO actor_aliases VALUES (?, ?, ?)",
        [(k, alias, actor_id) for k, (alias, actor_id) in aliases.items()],
    )
    conn.executemany(
        "INSERT INTO memberships (actor_id, organization_id, role, start, end, start_date, "
        "end_date) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (actor_id, m.organization, m.role, m.start, m.end, iso(start, "start"), iso(end, "end"))
            for actor_id, j, start, end in catalogue.memberships
            for m in [catalogue.actors[actor_id].memberships[j]]
        ],
    )
    conn.executemany(
        "INSERT INTO organization_members VALUES (?, ?, ?, ?, ?)",
        ingest.organization_members(catalogue),
    )


def stage_events(ctx: BuildContext) -> None:
    """Every event into a stage: events.yml's (already checked) and the bulk files' (checked
    here, in worker processes when large). Raises DataError naming every problem."""
    conn = ctx.conn
    writer = ingest.Writer(conn, ingest.BUILD_TABLES)
    curated = Batch()
    rows = Rows(ctx.catalogue)
    for line, item in enumerate(ctx.checked, 1):
        rows.add(item, 0, line, curated)
    writer.write(curated)
    paths = sorted(ctx.data.glob("*.jsonl"))
    ctx.files = [ctx.events_file, *map(str, paths)]
    problems, piece_files = _stage_bulk(conn, ctx.tmp, paths, ctx.catalogue, writer)
    for i, file in enumerate(piece_files):
        conn.execute(f"ATTACH DATABASE ? AS piece{i}", (str(file),))
        apply_profile(conn, BUILD_READ, f"piece{i}")
        ctx.stage_files[f"piece{i}"] = file

    # hashlib and SQLite both release the GIL: hashing beside the SQL steps costs no wall
    # time. The thread starts after validation, whose worker processes are forked.
    def digest() -> None:
        ctx.input_hash = input_hash(ctx.data)

    ctx.hasher = threading.Thread(target=digest, daemon=True)
    ctx.hasher.start()
    if problems:
        if len(problems) <= MAX_REPORTED_PROBLEMS:
            problems += _duplicates(conn, ctx.sources, ctx.files)
        raise DataError(problems[:MAX_REPORTED_PROBLEMS])


def order_events(ctx: BuildContext) -> None:
    """Date order becomes rowid order: pages, full-text doclists and table scans all follow
    the chronology. The order is a file of its own, committed before the side build (started
    here) reads it. Then the events and their API documents, in that order."""
    conn, sources = ctx.conn, ctx.sources
    order_file = _side_file(ctx.tmp, "order")
    conn.execute("ATTACH DATABASE ? AS ordering", (str(order_file),))
    apply_profile(conn, BUILD_STAGE, "ordering")
    conn.execute(
        f"""CREATE TABLE ordering.event_order AS
            SELECT r FROM ({_union(sources, "events", "date_start, date_end, id")})
            ORDER BY date_start, date_end, id"""
    )
    ctx.side_build = SideBuild(
        _side_file(ctx.tmp, "side"),
        ctx.stage_files,
        order_file,
        [(a.id, a.name) for a in ctx.catalogue.actors.values()],
    )
    ctx.side_build.start()
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
        raise DataError(_duplicates(conn, sources, ctx.files)[:MAX_REPORTED_PROBLEMS]) from None
    # Each event as the API serves it, encoded during validation: a page of events is
    # read, not assembled, per request.
    picks, joins = _staged(conn, sources, "docs", ["json"])
    conn.execute(
        f"""INSERT INTO events_json (event_rowid, json)
            SELECT o.rowid, {picks} FROM ordering.event_order o {joins} ORDER BY o.rowid"""
    )


def join_side_build(ctx: BuildContext) -> None:
    """Wait for the side build (full text, contact pairs) and attach its file as `side`."""
    assert ctx.side_build is not None
    side = ctx.side_build.result()
    ctx.conn.execute("COMMIT")  # a database is attached between transactions
    ctx.conn.execute("ATTACH DATABASE ? AS side", (str(side),))
    ctx.conn.execute("BEGIN")


def count_actors(ctx: BuildContext) -> None:
    create_actor_stats(ctx.conn, "side.direct_contacts")
    create_views(ctx.db)


def record_build(ctx: BuildContext) -> None:
    """The build's identity, counts and date scales in chrono_build; the transaction ends and
    the build's other files are detached."""
    conn = ctx.conn
    assert ctx.hasher is not None
    ctx.hasher.join()
    data_hash = ctx.input_hash or input_hash(ctx.data)
    report = ctx.report = BuildReport(
        out=ctx.tmp, build_id=build_id(conn, data_hash), input_hash=data_hash
    )
    report.counts = {
        t: conn.execute(f"SELECT count(*) FROM [{t}]").fetchone()[0]
        for t in ("sources", "actors", "events", "citations")
    }
    scales = {
        str(s): int(days)
        for s, days in conn.execute(
            """SELECT date_scale, max(julianday(date_end) - julianday(date_start)) + 1
           FROM events GROUP BY date_scale"""
        )
    }
    meta = {
        "build_id": report.build_id,
        "input_hash": report.input_hash,
        "schema_version": str(SCHEMA_VERSION),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "date_scales": json.dumps(scales),
        **{f"count_{k}": str(v) for k, v in report.counts.items()},
    }
    conn.executemany("INSERT INTO chrono_build VALUES (?, ?)", list(meta.items()))
    conn.execute("COMMIT")
    for name in (*ctx.sources, "ordering", "scratch", "side"):
        conn.execute(f"DETACH DATABASE {name}")


def analyze(ctx: BuildContext) -> None:
    """Sampled statistics: enough for the planner, a fraction of a full ANALYZE's time."""
    ctx.conn.execute("PRAGMA analysis_limit = 2000")
    for table in ANALYZED_TABLES:
        ctx.conn.execute(f"ANALYZE {table}")


def check(ctx: BuildContext) -> None:
    apply_profile(ctx.conn, PUBLISHED)
    if ctx.conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
        raise RuntimeError("the new database failed its integrity check")


Step = Callable[[BuildContext], None]

# The build, in order; each step's seconds go in the report under its name.
STEPS: tuple[tuple[str, Step], ...] = (
    ("schema", open_output),
    ("catalogue", write_catalogue),
    ("validate and stage", stage_events),
    ("date order", order_events),
    ("indexes", lambda ctx: create_indexes(ctx.db)),
    ("actor events", lambda ctx: create_actor_events(ctx.conn)),
    ("member events", lambda ctx: create_member_events(ctx.conn)),
    ("network pairs", lambda ctx: write_network_pairs(ctx.conn)),
    ("waiting for the side build", join_side_build),
    ("full text (copy)", lambda ctx: copy_search(ctx.conn)),
    ("contact pairs (copy)", lambda ctx: copy_contact_pairs(ctx.conn)),
    ("actor counts", count_actors),
    ("build record", record_build),
    ("analyze", analyze),
    ("check", check),
)


def _write(
    tmp: Path, data: Path, catalogue: Catalogue, checked: list[CheckedEvent], events_file: str
) -> BuildReport:
    """Run the steps into `tmp`, timing each."""
    conn = sqlite3.connect(tmp, isolation_level=None)
    ctx = BuildContext(tmp, data, catalogue, checked, events_file, conn)
    stages: dict[str, float] = {}
    try:
        for name, step in STEPS:
            clock = time.perf_counter()
            step(ctx)
            stages[name] = time.perf_counter() - clock
    finally:
        ctx.close()
    assert ctx.report is not None
    ctx.report.stages = stages
    return ctx.report


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
