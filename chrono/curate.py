"""The curator's workbench: a local web app from an article to sourced events in the chronology.

`create_app(data)` serves the page at /curate, its JSON API at /curate/api, and the read-only
API at /api for the timeline on the page. Writes go through `commit`: one at a time (a file
lock), validated by the build itself against all the data, then swapped in by rename, so the
curated files and the database are never left half written or invalid.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, unquote

from litestar import Litestar, MediaType, Request, Response, asgi, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import JSONBody, PathParameter
from litestar.response import Redirect

from . import dates
from .api import host_name
from .build import build, input_files, read_build_info
from .extract.pages import Article, PageError, fetch, read_html
from .load import DataError, Problem, load_catalogue
from .models import ACTOR_KINDS, EVENT_TYPES, PARTY_ROLES, ROLES, STATUSES
from .yamledit import EditError, append_record, append_to_list

STATIC = Path(__file__).parent / "static"
LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1"]
MAX_PAGE_BYTES = 5 * 1024 * 1024
FETCH_TIMEOUT = 10.0
STANCES = ("supports", "reports", "denies")


class CurateError(Exception):
    """A request the workbench cannot serve, with a message for people; nothing was written."""

    def __init__(self, message: str, status: int = 400, field: str = "") -> None:
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


class Refused(Exception):
    """The build's checks refused the change; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


# --- writes ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _data_lock(data: Path) -> Iterator[None]:
    """One writer at a time, across threads and processes (each holds its own open file)."""
    with open(data / ".curate.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def commit(data: Path, db: Path, name: str, edit: Callable[[str], str]) -> str:
    """Apply `edit` to the text of `data/name`, build the chronology from the result, and only
    if the build passes put the new file in place; return the build id.

    The new file is staged beside the others in a private folder of the data folder; the build
    reads the staged folder and, on success, replaces `db` atomically; the staged file then
    replaces the curated one by rename. On a refusal neither the file nor the database changes.
    """
    path = data / name
    with _data_lock(data):
        old = path.read_bytes().decode("utf-8") if path.exists() else ""
        try:
            new = edit(old)
        except EditError as exc:
            raise Refused([Problem(str(path), "", "", str(exc))]) from None
        with tempfile.TemporaryDirectory(prefix=".curate-", dir=data) as staging:
            stage = Path(staging)
            for original in input_files(data):
                if original.name != name and original.exists():
                    os.symlink(original.resolve(), stage / original.name)
            staged = stage / name
            with open(staged, "wb") as f:
                f.write(new.encode("utf-8"))
                f.flush()
                os.fsync(f.fileno())
            if path.exists():
                os.chmod(staged, path.stat().st_mode & 0o7777)
            try:
                report = build(stage, db, allow_empty=may_be_empty(db))
            except DataError as exc:
                raise Refused([_relocated(p, stage, data) for p in exc.problems]) from None
            os.replace(staged, path)
        _sync_folder(data)
    return report.build_id


def may_be_empty(db: Path) -> bool:
    """A chronology is started with no events, so one may be built with none; but a build never
    empties one that has events (a truncated events.yml, a wrong folder)."""
    return read_build_info(db).get("count_events", "0") == "0"


def _relocated(problem: Problem, stage: Path, data: Path) -> Problem:
    """A problem found in the staged folder, named by the curated file it will be."""
    return Problem(
        problem.file.replace(str(stage), str(data)),
        problem.record,
        problem.field,
        problem.message.replace(str(stage), str(data)),
        problem.line,
    )


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --- reading articles --------------------------------------------------------------------------

# What the workbench says when a page cannot be read (extract.pages words it for the command line).
_PAGE_PROBLEMS = {
    "scheme": ("url", "give an http:// or https:// address"),
    "status": ("url", "the page answered {detail}"),
    "unreachable": ("url", "the address did not answer ({detail})"),
    "too-large": ("url", "the page is larger than {detail}"),
}


def read_page(html: str | None = None, url: str | None = None) -> Article:
    """The article in an HTML page given as text, or fetched from `url` (extract.pages reads
    both); a CurateError naming the field otherwise."""
    try:
        page = html if html is not None else fetch(url or "", FETCH_TIMEOUT, MAX_PAGE_BYTES)
        return read_html(page, url)
    except PageError as exc:
        if exc.kind not in _PAGE_PROBLEMS:
            raise CurateError(str(exc), 422, "html") from None
        field, words = _PAGE_PROBLEMS[exc.kind]
        raise CurateError(words.format(detail=exc.detail), 422, field) from None


def _headline(text: str) -> str | None:
    """A pasted article's first line, when it reads as a headline (short, no full stop)."""
    first = text.split("\n", 1)[0].strip()
    return (
        first
        if 0 < len(first) <= 200 and "\n" in text and not first.endswith((".", "!", "?"))
        else None
    )


def _published_or_none(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        dates.normalise(value)
    except dates.DateError as exc:
        raise CurateError(f"publication date {value!r}: {exc}", 422, "published") from None
    return value


# --- duplicates --------------------------------------------------------------------------------


def similar_events(
    db: Path, date: str, qualifier: str | None, type_: str, actors: list[dict[str, str]]
) -> list[dict[str, Any]]:
    """Events already in the chronology that may be this one: the same type, dates that overlap,
    and the same parties (two in common, or the one the candidate names)."""
    try:
        when = dates.normalise(date, qualifier)
    except dates.DateError:
        return []
    parties = {a["id"] for a in actors if a.get("role") in PARTY_ROLES} or {a["id"] for a in actors}
    if not parties or not db.exists():
        return []
    needed = min(2, len(parties))
    conn = sqlite3.connect(f"file:{quote(str(db))}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            """SELECT e.id, e.date, e.date_text, e.title, e.type, e.status,
                      json_group_array(json_object('id', a.actor_id, 'role', a.role))
               FROM events e JOIN event_actors a ON a.event_id = e.id
               WHERE e.type = ? AND e.date_start <= ? AND e.date_end >= ?
               GROUP BY e.id ORDER BY e.date_start, e.date_end, e.id LIMIT 200""",
            (type_, when.end.isoformat(), when.start.isoformat()),
        ).fetchall()
    finally:
        conn.close()
    found = []
    for event_id, edtf, date_text, title, etype, status, members in rows:
        listed = json.loads(members)
        theirs = {m["id"] for m in listed if m["role"] in PARTY_ROLES} or {m["id"] for m in listed}
        if len(parties & theirs) >= needed:
            found.append(
                {
                    "id": event_id,
                    "date": edtf,
                    "date_text": date_text,
                    "title": title,
                    "type": etype,
                    "status": status,
                    "actors": listed,
                }
            )
    return found


# --- records -------------------------------------------------------------------------------------


def _record(body: dict[str, Any], kind: str) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not body["id"].strip():
        raise CurateError(f"the {kind} needs an id", 422, "id")
    return body


def _clean_event(body: dict[str, Any]) -> dict[str, Any]:
    """The event as the curator would write it: empty optional fields left out, in the order
    events.yml uses."""
    order = [
        "id",
        "date",
        "date_text",
        "date_basis",
        "date_anchor",
        "qualifier",
        "title",
        "summary",
        "type",
        "status",
        "location",
        "actors",
        "citations",
        "notes",
    ]
    out = {k: body[k] for k in order if k in body and body[k] not in (None, "")}
    out.update({k: v for k, v in body.items() if k not in out and v not in (None, "")})
    location = out.get("location")
    if isinstance(location, dict) and not any(location.values()):
        out.pop("location")
    return out


def _catalogue_json(data: Path) -> dict[str, Any]:
    catalogue, _ = load_catalogue(data)
    return {
        "actors": [
            {"id": a.id, "name": a.name, "kind": a.kind, "aliases": list(a.aliases)}
            for a in catalogue.actors.values()
        ],
        "sources": [
            {
                "id": s.id,
                "title": s.title,
                "outlet": s.outlet,
                "published": s.published,
                "url": s.url,
            }
            for s, _ in catalogue.sources.values()
        ],
    }


# --- the app -------------------------------------------------------------------------------------


def same_origin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Writes come only from the workbench's own page, as JSON: a page elsewhere cannot post
    (its Origin differs) and a plain HTML form cannot send JSON."""
    origin = connection.headers.get("origin", "")
    own = f"{connection.url.scheme}://{connection.headers.get('host', '')}"
    if origin != own:
        raise PermissionDeniedException("writes are accepted only from the workbench's own page")
    if connection.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HTTPException(
            status_code=415, detail="send the body as JSON (Content-Type: application/json)"
        )


def _state(request: Request) -> tuple[Path, Path]:
    return request.app.state.data, request.app.state.db


def _created(record_id: str, build_id: str) -> Response[dict[str, str]]:
    return Response({"id": record_id, "build": build_id}, status_code=201)


@get("/", include_in_schema=False, sync_to_thread=False)
def home() -> Redirect:
    return Redirect("/curate")


@get("/curate", include_in_schema=False, sync_to_thread=False, media_type=MediaType.HTML)
def page() -> Response[bytes]:
    return _static("curate.html")


@get("/curate/static/{name:str}", include_in_schema=False, sync_to_thread=False)
def static_file(name: Annotated[str, PathParameter(description="File name.")]) -> Response[bytes]:
    return _static(name)


_KINDS = {
    ".html": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".svg": "image/svg+xml",
}
_SERVED = {"curate.html", "curate.js", "curate.css", "widget.js", "favicon.svg"}


def _static(name: str) -> Response[bytes]:
    if name not in _SERVED:
        raise HTTPException(status_code=404, detail="no such file")
    return Response((STATIC / name).read_bytes(), media_type=_KINDS[Path(name).suffix])


@get("/curate/api/state", sync_to_thread=True)
def workbench_state(request: Request) -> dict[str, Any]:
    """Vocabularies, actors and sources for the page's choices, and the current build."""
    data, db = _state(request)
    return {
        "types": list(EVENT_TYPES),
        "statuses": STATUSES,
        "roles": list(ROLES),
        "party_roles": list(PARTY_ROLES),
        "kinds": list(ACTOR_KINDS),
        "stances": list(STANCES),
        **_catalogue_json(data),
        "build": read_build_info(db).get("build_id") if db.exists() else None,
    }


@post("/curate/api/extract", guards=[same_origin], sync_to_thread=True, status_code=200)
def extract_candidates(request: Request, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    """Candidate events from an article: pasted text, a saved HTML page, or a URL to fetch.

    The publication date is `published` when given, else the one the page states; with
    neither, no candidates and `published` null: the page asks for it."""
    from .extract import ExtractError, Gazetteer, to_json
    from .extract import extract as run_extract

    folder, _ = _state(request)
    published = _published_or_none(data.get("published"))
    if url := (data.get("url") or "").strip():
        article = read_page(url=url)
    elif html := data.get("html") or "":
        if not html.strip():
            raise CurateError("the page is empty", 422, "html")
        article = read_page(html)
    else:
        text = (data.get("text") or "").replace("\r\n", "\n").strip()
        if not text:
            raise CurateError(
                "paste the article's text, open a saved page, or give its address", 422, "text"
            )
        article = Article(text=text, title=_headline(text))
    published = published or article.published
    answer = {
        "published": published,
        "title": article.title,
        "outlet": article.outlet,
        "author": article.author,
        "url": article.url,
        "text": article.text,
        "candidates": [],
        "new_names": [],
    }
    if not published:
        return answer
    gazetteer, _ = Gazetteer.load(folder)
    try:
        result = run_extract(article.text, published, gazetteer)
    except ExtractError as exc:
        raise CurateError(str(exc), 422, "published") from None
    answer["candidates"] = json.loads(to_json(result))
    answer["new_names"] = [name for name, _ in getattr(result, "new_actors", [])][:30]
    return answer


@post("/curate/api/similar", sync_to_thread=True, status_code=200)
def similar(request: Request, data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    """Events already in the chronology that look like this candidate (a read: no Origin check)."""
    _, db = _state(request)
    actors = [
        a for a in data.get("actors") or [] if isinstance(a, dict) and isinstance(a.get("id"), str)
    ]
    found = similar_events(
        db,
        str(data.get("date") or ""),
        data.get("qualifier") or None,
        str(data.get("type") or ""),
        actors,
    )
    return {"events": found}


@post("/curate/api/events", guards=[same_origin], sync_to_thread=True)
def accept_event(request: Request, data: JSONBody[dict[str, Any]]) -> Response[dict[str, str]]:
    """Append one event to events.yml once the build's checks pass against all the data, and
    rebuild."""
    folder, db = _state(request)
    event = _clean_event(_record(data, "event"))
    return _created(
        event["id"], commit(folder, db, "events.yml", lambda text: append_record(text, event))
    )


@post("/curate/api/citations", guards=[same_origin], sync_to_thread=True)
def add_citation(request: Request, data: JSONBody[dict[str, Any]]) -> Response[dict[str, str]]:
    """Add a quote to an existing event's citations, editing only that event's citations."""
    folder, db = _state(request)
    event_id = data.get("event")
    if not isinstance(event_id, str) or not event_id:
        raise CurateError("name the event the quote supports", 422, "event")
    citation = {
        "source": data.get("source"),
        "quote": data.get("quote"),
        "stance": data.get("stance") or "reports",
    }

    def edit(text: str) -> str:
        try:
            return append_to_list(text, event_id, "citations", citation)
        except EditError as exc:
            if str(exc).startswith("no record"):
                raise EditError(
                    f"no event {event_id!r} in events.yml "
                    "(an event of a bulk .jsonl file is edited in that file)"
                ) from None
            raise

    return _created(event_id, commit(folder, db, "events.yml", edit))


@post("/curate/api/sources", guards=[same_origin], sync_to_thread=True)
def add_source(request: Request, data: JSONBody[dict[str, Any]]) -> Response[dict[str, str]]:
    """Append one source (an article) to sources.yml."""
    folder, db = _state(request)
    source = {k: v for k, v in _record(data, "source").items() if v not in (None, "")}
    return _created(
        source["id"], commit(folder, db, "sources.yml", lambda text: append_record(text, source))
    )


@post("/curate/api/actors", guards=[same_origin], sync_to_thread=True)
def add_actor(request: Request, data: JSONBody[dict[str, Any]]) -> Response[dict[str, str]]:
    """Append one actor to actors.yml."""
    folder, db = _state(request)
    actor = {k: v for k, v in _record(data, "actor").items() if v not in (None, "", [])}
    return _created(
        actor["id"], commit(folder, db, "actors.yml", lambda text: append_record(text, actor))
    )


@post("/curate/api/aliases", guards=[same_origin], sync_to_thread=True)
def add_alias(request: Request, data: JSONBody[dict[str, Any]]) -> Response[dict[str, str]]:
    """Add a spelling to an existing actor's aliases in actors.yml."""
    folder, db = _state(request)
    actor_id, alias = (
        data.get("actor"),
        (data.get("alias") or "").strip() if isinstance(data.get("alias"), str) else "",
    )
    if not isinstance(actor_id, str) or not actor_id:
        raise CurateError("choose the actor the spelling belongs to", 422, "actor")
    if not alias:
        raise CurateError("write the spelling to add", 422, "alias")
    edit = lambda text: append_to_list(text, actor_id, "aliases", alias)  # noqa: E731
    return _created(actor_id, commit(folder, db, "actors.yml", edit))


def _problem_json(problem: Problem) -> dict[str, str | int | None]:
    return {
        "text": str(problem),
        "file": Path(problem.file).name,
        "line": problem.line,
        "record": problem.record,
        "field": problem.field,
        "message": problem.message,
    }


def on_refused(_: Request, exc: Refused) -> Response[dict[str, Any]]:
    return Response({"problems": [_problem_json(p) for p in exc.problems]}, status_code=422)


def on_curate_error(_: Request, exc: CurateError) -> Response[dict[str, Any]]:
    return Response(
        {"detail": exc.message, "field": exc.field, "status": exc.status}, status_code=exc.status
    )


def on_http(_: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    detail = exc.detail if exc.status_code < 500 else "the workbench failed; nothing was written"
    return Response({"detail": detail, "status": exc.status_code}, status_code=exc.status_code)


_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; object-src 'none'; frame-ancestors 'none'"
)


def _edge_middleware(allowed: set[str]):
    """Every request, in one pass of plain ASGI: a Host the workbench answers to (whatever the
    port), else 400, so a page elsewhere cannot reach it under a name of its own (DNS
    rebinding); a CSP on every answer (no inline script or style anywhere), no framing."""

    def wrap(app):
        async def middleware(scope, receive, send):
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
            if host_name(host).lower() not in allowed:
                body = json.dumps(
                    {
                        "detail": f"this workbench does not answer to the host {host!r}",
                        "status": 400,
                    }
                )
                await send(
                    {
                        "type": "http.response.start",
                        "status": 400,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": body.encode()})
                return

            async def with_headers(message):
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", ()))
                    headers += [
                        (b"content-security-policy", _CSP.encode()),
                        (b"x-content-type-options", b"nosniff"),
                        (b"x-frame-options", b"DENY"),
                        (b"cache-control", b"no-store"),
                    ]
                    message = {**message, "headers": headers}
                await send(message)

            await app(scope, receive, with_headers)

        return middleware

    return wrap


def _read_api(db: Path):
    """The chronology's read-only /api, for the timeline on the page."""
    from .api import create_app as create_api

    api = create_api(db, mount_datasette=False, cache_mb=0)

    @asgi("/api", is_mount=True, copy_scope=True)
    async def read_api(scope: Any, receive: Any, send: Any) -> None:
        raw = scope.get("raw_path")
        # Litestar hands a mounted app the path below the mount point; the API routes on the
        # whole path.
        path = (
            unquote(raw.decode("latin-1").partition("?")[0])
            if raw
            else "/api" + scope["path"].rstrip("/")
        )
        await api({**scope, "path": path, "root_path": ""}, receive, send)

    return read_api


def create_app(
    data: Path, db: Path | None = None, *, allowed_hosts: list[str] | None = None
) -> Litestar:
    """The workbench for one data folder; the chronology is built into `db` (default
    `data/chrono.db`) now if missing or stale, and after every accepted write.

    `allowed_hosts`: the Host names it answers to (default: the loopback names), so a page
    elsewhere cannot reach it under a name of its own (DNS rebinding)."""
    data = Path(data)
    db = Path(db) if db else data / "chrono.db"
    from .build import is_stale

    if not db.exists() or is_stale(data, db):
        with _data_lock(data):
            build(data, db, allow_empty=may_be_empty(db))
    return Litestar(
        route_handlers=[
            home,
            page,
            static_file,
            workbench_state,
            extract_candidates,
            similar,
            accept_event,
            add_citation,
            add_source,
            add_actor,
            add_alias,
            _read_api(db),
        ],
        state=State({"data": data, "db": db}),
        request_max_body_size=MAX_PAGE_BYTES + 65_536,
        exception_handlers={
            Refused: on_refused,
            CurateError: on_curate_error,
            HTTPException: on_http,
        },
        middleware=[
            _edge_middleware({h.lower().strip("[]") for h in allowed_hosts or LOOPBACK_HOSTS})
        ],
        openapi_config=None,
    )
