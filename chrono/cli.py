"""The `chrono` command line: build, serve, extract, curate, verify."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .build import MAX_REPORTED_PROBLEMS, CannotWrite, is_stale
from .build import build as build_database
from .cache import DEFAULT_CACHE_MB
from .load import DataError, not_utf8
from .store import IncompatibleDatabase

DEFAULT_DATA = Path("db")
DEFAULT_DB = DEFAULT_DATA / "chrono.db"


@click.group()
@click.version_option(package_name="chrono")
def cli() -> None:
    """Sourced chronologies of diplomatic contacts, from curated YAML to SQLite, API, Datasette
    and widget."""


def _build_or_exit(data: Path, out: Path, allow_empty: bool = False) -> None:
    try:
        report = build_database(data, out, allow_empty=allow_empty)
    except DataError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        count = len(exc.problems)
        listed = (
            f"the first {count} problems (the build stops looking there)"
            if count >= MAX_REPORTED_PROBLEMS
            else f"{count} problem(s)"
        )
        click.echo(f"build failed: {listed}; {out} left untouched", err=True)
        sys.exit(1)
    except CannotWrite as exc:  # a full disk, a folder that cannot be made or written
        raise click.ClickException(f"{exc}; {out} left untouched") from None
    except OSError as exc:  # the data folder cannot be read
        raise click.ClickException(
            f"cannot read {exc.filename or data}: {exc.strerror or exc}; {out} left untouched"
        ) from None
    counts = ", ".join(f"{v} {k}" for k, v in report.counts.items())
    click.echo(f"built {out} ({counts}) in {report.seconds:.2f}s, build {report.build_id}")


@cli.command()
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA,
    show_default=True,
    help="Folder with sources.yml, actors.yml, events.yml and any *.jsonl bulk files.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_DB,
    show_default=True,
    help="Database file to write (atomically replaced).",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Publish a chronology with no events "
    "(refused by default: an empty events.yml is usually a mistake).",
)
def build(data: Path, out: Path, allow_empty: bool) -> None:
    """Validate the data folder, then write the SQLite database atomically.

    Every problem is printed on its own line naming file, record and field; on any
    problem the command exits 1 and the previous database is left byte-identical.

        chrono build --data db --out db/chrono.db
    """
    _build_or_exit(data, out, allow_empty)


@cli.command()
@click.option(
    "--corpus",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="Folder holding the archived article texts named by sources.yml `archive`.",
)
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA,
    show_default=True,
)
def verify(corpus: Path, data: Path) -> None:
    """Check every citation's quote is verbatim in its source's archived text, and every
    stated or resolved date against the date its date_text gives.

    Whitespace runs and typographic quotes are folded before comparing. A date may be less
    precise than its words ("2021-10" for "on 5 October 2021"), never more precise nor other.

        chrono verify --corpus ../shared/seeds
    """
    from .verify import verify as run_verify

    report = run_verify(data, corpus)
    for problem in report.problems:
        click.echo(str(problem), err=True)
    if report.problems:
        click.echo(
            f"verify failed: {len(report.problems)} problem(s) in {report.checked} quotes "
            f"and {report.dates_checked} dates read from their date_text",
            err=True,
        )
        sys.exit(1)
    click.echo(
        f"all {report.checked} quotes found verbatim in {corpus}; "
        f"{report.dates_checked} dates agree with the date their date_text gives"
    )


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on (127.0.0.1 keeps it local).",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_DB,
    show_default=True,
    help="Database file to serve.",
)
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data folder to build from when the database is missing or stale "
    "[default: the database's folder].",
)
@click.option(
    "--allowed-host",
    "allowed_hosts",
    multiple=True,
    envvar="CHRONO_ALLOWED_HOSTS",
    help="Accept only this Host name, on any port (repeatable; default: any).",
)
@click.option(
    "--rate-limit",
    type=str,
    default=None,
    envvar="CHRONO_RATE_LIMIT",
    metavar="N/UNIT",
    help="Requests per client address, e.g. 600/minute (default: no limit).",
)
@click.option(
    "--cache-mb",
    type=click.FloatRange(min=0),
    default=DEFAULT_CACHE_MB,
    show_default=True,
    envvar="CHRONO_CACHE_MB",
    help="Memory for answers replayed to repeated /api URLs until the next build (0: off).",
)
@click.option(
    "--workers",
    default="1",
    show_default=True,
    metavar="N|auto",
    envvar="CHRONO_WORKERS",
    help="Processes serving the one port (auto: one per core), each with its own connections.",
)
def serve(
    host: str,
    port: int,
    db_path: Path,
    data: Path | None,
    allowed_hosts: tuple[str, ...],
    rate_limit: str | None,
    cache_mb: float,
    workers: str,
) -> None:
    """Build the chronology if missing or stale, then serve the API, widget and Datasette.

    One port: /api, /schema, /widget.js, /embed, / and /datasette, from one process or
    from --workers N; a rebuild (`chrono build` into the same file) reaches every worker.

        chrono serve --port 8000 --workers auto
    """
    import uvicorn

    from .api import SETTINGS_ENV, ServeSettings, app_from_environment, create_app

    count = _parse_workers(workers)
    data = data or db_path.parent
    if (data / "events.yml").exists() and (not db_path.exists() or is_stale(data, db_path)):
        click.echo(f"building {db_path} from {data} …")
        _build_or_exit(data, db_path)
    elif not db_path.exists():
        raise click.UsageError(
            f"{db_path} does not exist and {data} holds no events.yml to build it from"
        )
    settings = ServeSettings(
        db=str(db_path.resolve()),
        allowed_hosts=list(allowed_hosts) or None,
        rate_limit=_parse_rate(rate_limit) if rate_limit else None,
        cache_mb=cache_mb,
    )
    try:
        app = create_app(
            Path(settings.db),
            allowed_hosts=settings.allowed_hosts,
            rate_limit=settings.rate_limit,
            cache_mb=cache_mb,
        )
    except IncompatibleDatabase as exc:
        raise click.ClickException(str(exc)) from None
    processes = f"{count} processes" if count > 1 else "one process"
    click.echo(
        f"serving {db_path} on http://{host}:{port}/ from {processes} "
        "(API /api, Datasette /datasette, widget /widget.js)"
    )
    # Past the grace period, streams still running are cut: a SIGTERM ends the server.
    options = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "access_log": False,
        "timeout_graceful_shutdown": SHUTDOWN_GRACE_SECONDS,
    }
    if count == 1:
        uvicorn.run(app, **options)
        return
    del app  # each worker makes its own, with its own connections, from the settings
    os.environ[SETTINGS_ENV] = settings.to_json()
    uvicorn.run(
        f"{app_from_environment.__module__}:{app_from_environment.__name__}",
        factory=True,
        workers=count,
        **options,
    )


SHUTDOWN_GRACE_SECONDS = 5


def _parse_workers(text: str) -> int:
    if text == "auto":
        return (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1
        )
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise click.BadParameter(
            "a number of processes from 1 to 64, or auto (one per core)", param_hint="--workers"
        )
    return int(text)


def _parse_rate(text: str) -> tuple[str, int]:
    count, _, unit = text.partition("/")
    if not count.isdigit() or int(count) < 1 or unit not in ("second", "minute", "hour", "day"):
        raise click.BadParameter(
            "use N/second, N/minute, N/hour or N/day, e.g. 600/minute", param_hint="--rate-limit"
        )
    return unit, int(count)


@cli.command()
@click.argument("article", metavar="FILE|URL|-")
@click.option(
    "--published",
    default=None,
    help="Publication date as EDTF: 2024-12-24, 2024-12, 2024-11/2024-12 "
    "or 2024-12-24? for an undated article. "
    "Needed only when the page does not state it (plain text never does).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="yaml: event stubs to paste into events.yml; json: a list of candidates.",
)
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA,
    show_default=True,
    help="Data folder whose actors.yml is the gazetteer.",
)
@click.option(
    "--source",
    default="new-source",
    show_default=True,
    help="Source id the stubs cite (add that source to sources.yml).",
)
def extract(article: str, published: str | None, fmt: str, data: Path, source: str) -> None:
    """Propose candidate events from an article: dated sentences, known actors, a type and status.

    The article is a plain-text or HTML file, `-` (stdin) or an http(s) URL. From a page its main
    text and, when the page states it, its publication date are read. Relative dates ("on
    Sunday", "last month", "two days after") are resolved against the publication date; the
    answer stays as wide as that date.

        chrono extract article.txt --published 2024-12-24 --format json
        chrono extract https://example.org/news/talks.html
    """
    from .extract import (
        ExtractError,
        Gazetteer,
        PageError,
        fetch,
        looks_like_html,
        read_html,
        to_json,
        to_yaml,
    )
    from .extract import extract as run_extract

    gazetteer, problems = Gazetteer.load(data)
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)
    is_url = article.lower().startswith(("http://", "https://"))
    label = "stdin" if article == "-" else article
    try:
        if is_url:
            raw = fetch(article)
        else:
            with click.open_file(article, "rb") as stream:  # "-" is stdin
                raw = stream.read()
    except PageError as exc:
        _fail(str(exc))
    except OSError as exc:
        raise click.BadParameter(
            f"cannot read {article}: {exc.strerror}", param_hint="FILE"
        ) from None
    page = looks_like_html(raw)
    if page:
        try:
            read = read_html(raw, article if is_url else None)
        except PageError as exc:
            _fail(f"{label}: {exc}")
        text, stated = read.text, read.published
    else:
        try:
            text, stated = (
                raw.decode("utf-8-sig"),
                None,
            )  # a byte order mark is not part of the first sentence
        except UnicodeDecodeError as exc:
            raise click.BadParameter(not_utf8(exc), param_hint="FILE") from None
    if published is None and stated is None:
        if page:
            _fail(f"{label}: the page states no publication date; give it with --published EDTF")
        raise click.BadParameter(
            "plain text states no publication date: give it as EDTF, e.g. 2024-12-24",
            param_hint="--published",
        )
    when = published or stated
    if published and stated and published.strip() != stated:
        click.echo(
            f"note: the page says it was published on {stated}; using --published {published}",
            err=True,
        )
    try:
        result = run_extract(text, when, gazetteer)  # type: ignore[arg-type]
    except ExtractError as exc:
        raise click.BadParameter(str(exc), param_hint="--published") from None
    result.published_from = "given" if published else "page"
    if fmt == "json":
        click.echo(to_json(result))
        if result.new_actors:
            names = ", ".join(f"{name} ({count})" for name, count in result.new_actors)
            click.echo(f"note: names not in the gazetteer (possible new actors): {names}", err=True)
    else:
        shown = when if published else f"{when}, as the page states"
        click.echo(to_yaml(result, source, label, shown), nl=False)  # type: ignore[arg-type]


def _fail(message: str) -> None:
    """A clear message and exit 1: the input is no article chrono can read."""
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@cli.command()
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA,
    show_default=True,
    help="Data folder whose sources.yml, actors.yml and events.yml the workbench writes.",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on. The workbench writes files: keep it on loopback.",
)
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535))
def curate(data: Path, host: str, port: int) -> None:
    """The curator's workbench: from an article to sourced events, in the browser.

    Paste an article, open a saved page or give its address; check the candidate events
    beside the text; accept them into events.yml. Every accepted write passes the build's
    checks and rebuilds DATA/chrono.db.

        chrono curate --data db --port 8001
    """
    import uvicorn

    from .curate import LOOPBACK_HOSTS, create_app

    if not (data / "events.yml").exists():
        raise click.UsageError(f"{data} holds no events.yml: give the data folder with --data")
    try:
        app = create_app(data, allowed_hosts=[*LOOPBACK_HOSTS, host])
    except DataError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"the data in {data} does not build; fix it before curating"
        ) from None
    click.echo(f"curating {data} on http://{host}:{port}/curate")
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
