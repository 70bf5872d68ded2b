"""Datasette for the built chronology: read-only, named `chrono`, with the curated metadata.

`chrono serve` mounts it at /datasette with `mount_datasette`; `datasette db/chrono.db -m
datasette_metadata.yml` serves the same database and metadata alone.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import yaml
from datasette.app import Datasette
from datasette.database import Database
from litestar import asgi
from litestar.handlers import ASGIRouteHandler

from . import datasette_plugin
from .datasette_plugin import DATABASE
from .schema import FileIdentity, file_identity

Scope = MutableMapping[str, Any]
Send = Callable[[Any], Awaitable[None]]
ASGIApp = Callable[[Scope, Any, Send], Awaitable[None]]

METADATA = Path(__file__).resolve().parent.parent / "datasette_metadata.yml"
FALLBACK_METADATA: dict[str, Any] = {
    "title": "chrono",
    "description": "A sourced chronology of diplomatic contacts.",
}

SETTINGS = {
    "sql_time_limit_ms": 1000,
    "max_returned_rows": 1000,
    "default_page_size": 50,
    # The useful facets are curated in the metadata. Suggestions would cost a query per column on
    # every table page, and the suggested date facet builds links that ignore base_url in 0.65.
    "suggest_facets": False,
    # The file is a public, immutable build artefact: downloading it is the cheapest way to run
    # any SQL locally, and nothing in it is private.
    "allow_download": True,
}


def load_metadata(path: Path | None = None) -> dict[str, Any]:
    """The metadata file, by default the repository's; a minimal stand-in if it is not there
    (an installed wheel does not carry the repository's top-level files)."""
    path = path or METADATA
    if not path.exists():
        return copy.deepcopy(FALLBACK_METADATA)
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def make_datasette(
    db_path: Path,
    metadata_path: Path | None = None,
    base_url: str = "/datasette/",
    api_url: str | None = "/api",
    widget_url: str | None = "/widget.js",
) -> Datasette:
    """A Datasette serving `db_path` immutably as database `chrono`, whatever the file's name.

    With both `api_url` and `widget_url`, the events page shows the timeline widget; with
    either set to None it does not (as in a standalone Datasette with no chrono API).
    """
    metadata = load_metadata(metadata_path)
    plugins = metadata.setdefault("plugins", {})
    plugins.pop("chrono", None)
    if api_url and widget_url:
        plugins["chrono"] = {"api": api_url, "widget": widget_url}
    _ensure_plugin_registered()
    ds = Datasette(metadata=metadata, settings={**SETTINGS, "base_url": base_url})
    ds.remove_database("_memory")  # Datasette adds it when given no files; it only adds noise
    ds.add_database(Database(ds, path=str(db_path), is_mutable=False), name=DATABASE)
    return ds


def datasette_app(
    db_path: Path,
    metadata_path: Path | None = None,
    base_url: str = "/datasette/",
    api_url: str | None = "/api",
    widget_url: str | None = "/widget.js",
) -> ASGIApp:
    """The ASGI app of `make_datasette(...)`, to be served at `base_url`.

    Give it the full request path, prefix kept (`/datasette/chrono/events`; `raw_path` wins over
    `path` when both are set). It strips the prefix before Datasette routes the request:
    Datasette 0.65 builds links by prepending base_url to the request path, so a path that still
    held the prefix would get it twice (simonw/datasette#1590, #1619). A path already stripped
    of the prefix is served as is. `/datasette` and trailing slashes redirect, keeping the prefix;
    methods other than GET, HEAD and OPTIONS get 405.

    A rebuilt database file (atomically renamed over the old one) is picked up on the next
    request, as the API does.
    """
    ds = make_datasette(db_path, metadata_path, base_url, api_url, widget_url)
    return _Served(ds, Path(db_path), base_url)


class _Served:
    """Datasette's ASGI app, reopening the database when a new build replaces its file.

    Open connections keep reading the file they opened, so without this Datasette would serve
    the old build until restarted while the API already serves the new one.
    """

    def __init__(self, ds: Datasette, db_path: Path, base_url: str) -> None:
        self.ds, self.db_path, self.base_url = ds, db_path, base_url
        self.app = ds.app()
        self.identity = self._identity()

    def _identity(self) -> FileIdentity | None:
        try:
            return file_identity(self.db_path)
        except OSError:
            return None

    def _reload_if_replaced(self) -> None:
        identity = self._identity()
        if identity is None or identity == self.identity:
            return
        self.identity = identity
        old_db, old_executor = self.ds.databases[DATABASE], self.ds.executor
        # Worker threads cache one connection per database *name*: new connections need new threads.
        if old_executor is not None:
            self.ds.executor = ThreadPoolExecutor(max_workers=self.ds.setting("num_sql_threads"))
        # No await in between: no request can find the database missing.
        self.ds.remove_database(DATABASE)
        fresh = Database(self.ds, path=str(self.db_path), is_mutable=False)
        self.ds.add_database(fresh, name=DATABASE)
        threading.Thread(target=_retire, args=(old_executor, old_db), daemon=True).start()

    async def __call__(self, scope: Scope, receive: Any, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self._reload_if_replaced()
        query = scope.get("query_string", b"")
        if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            # Nothing here accepts writes; Datasette 0.65 answers some POSTs with a 500.
            await _respond(send, 405, [(b"allow", b"GET, HEAD, OPTIONS")])
            return
        prefix, path = self.base_url.rstrip("/"), _request_path(scope)
        if prefix and path == prefix:
            await _redirect(send, self.base_url, query)
        elif path.startswith(prefix + "/"):
            inner = path[len(prefix) :]
            if inner != "/" and inner.endswith("/"):
                # Datasette's own trailing-slash redirect drops base_url.
                await _redirect(send, prefix + inner.rstrip("/"), query)
            else:
                await self.app(_with_path(scope, inner), receive, send)
        else:
            await self.app(scope, receive, send)


def _retire(executor: ThreadPoolExecutor | None, db: Database) -> None:
    """Close the old build's connections once the queries already running on them are done."""
    if executor is not None:
        executor.shutdown(wait=True)
    db.close()


def _request_path(scope: Scope) -> str:
    raw = scope.get("raw_path")
    return raw.decode("latin-1").partition("?")[0] if raw else quote(scope["path"])


def _with_path(scope: Scope, raw_path: str) -> Scope:
    return {**scope, "path": unquote(raw_path), "raw_path": raw_path.encode("latin-1")}


async def _redirect(send: Send, location: str, query: bytes) -> None:
    target = location + ("?" + query.decode("latin-1") if query else "")
    await _respond(send, 302, [(b"location", target.encode("latin-1"))])


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]]) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})


def _ensure_plugin_registered() -> None:
    """The entry point registers the plugin when chrono is installed; this covers running from a
    source tree without installing, and never registers it twice."""
    from datasette.plugins import pm

    if not pm.is_registered(datasette_plugin) and pm.get_plugin("chrono") is None:
        pm.register(datasette_plugin, name="chrono")


def mount_datasette(db_path: Path, path: str = "/datasette", **options: Any) -> ASGIRouteHandler:
    """A Litestar route handler serving Datasette under `path` (base_url `path + "/"`).

    Litestar hands a mounted app only the path below the mount point, with a trailing slash
    added, but keeps the original `raw_path`; the full path is restored from it (or rebuilt from
    the mount point when a server sends no raw_path) before `datasette_app` sees the request.
    """
    prefix = "/" + path.strip("/")
    app = datasette_app(Path(db_path), base_url=prefix + "/", **options)

    @asgi(prefix, is_mount=True, copy_scope=True)
    async def datasette(scope: Scope, receive: Any, send: Send) -> None:
        if not scope.get("raw_path"):
            rest = scope["path"].rstrip("/")
            scope = _with_path(scope, quote(prefix + (rest or "/")))
        await app(scope, receive, send)

    return datasette
