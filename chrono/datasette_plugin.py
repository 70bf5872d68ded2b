"""Datasette plugin for the chrono database: timeline widget on the events page, links to the
contact network, year and month facets for ISO date columns, a refusal of anything that could
write, and a 400 for a table's parameters Datasette cannot read.

Loaded through the `datasette` entry point, so it is active in every Datasette of this
environment: each hook therefore acts only on a database named `chrono`, except the facets and
the 400s, which are generic.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import datasette.handle_exception as datasette_errors
from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args
from datasette.views.base import DatasetteError
from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from markupsafe import Markup, escape

from .dates import name_key
from .schema import DATASETTE, MAX_VALUE_BYTES, apply_profile, bound_connection

DATABASE = "chrono"
TEMPLATES = Path(__file__).parent / "templates"

# Datasette table arguments that the widget understands, as (query argument, widget attribute).
WIDGET_FILTERS = (
    ("type", "type"),
    ("type__exact", "type"),
    ("status", "status"),
    ("status__exact", "status"),
    ("_search", "q"),
)
# Sorting the table newest first by a date column shows the timeline newest first too.
DATE_COLUMNS = ("date", "date_start", "date_end")


@hookimpl
def startup(datasette: Any) -> None:
    """Keep the server's console for the server's errors.

    Datasette's error handler prints every exception it answers, a 404 for a mistyped URL
    included, with rich and every frame's local variables: a page of output per bad request,
    and request data on the console. Without rich it answers the same pages and prints a
    plain traceback only for unexpected errors (500).
    """
    datasette_errors.rich = None


# Datasette 0.65 raises these with its errors' default status, 500, though the table's
# parameters are at fault: a sort column the table does not have, both sort orders at once,
# a `_through` naming no foreign key.
_BAD_PARAMETER_MESSAGES = (
    "Cannot sort table by ",
    "Cannot use _sort and _sort_desc",
    "Invalid _through",
)


def bad_parameter(exception: Exception, args: Any) -> str | None:
    """What is wrong with a table page's parameters, when that is why Datasette failed; else
    None."""
    if isinstance(exception, DatasetteError):
        message = str(exception.message)
        return (
            message
            if exception.status == 500 and message.startswith(_BAD_PARAMETER_MESSAGES)
            else None
        )
    if not isinstance(exception, ValueError):
        return None
    # A ValueError from reading a number or JSON out of the query string.
    if (limit := args.get("_timelimit")) and not limit.isdigit():
        return "_timelimit must be a whole number of milliseconds"
    if args.get("_through") is not None:
        return "_through must be JSON naming a table, a column and a value"
    if (token := args.get("_next")) is not None and not token.isdigit():
        return "_next is not a page token of this table: follow the next link"
    return None


@hookimpl
def handle_exception(datasette: Any, request: Any, exception: Exception) -> Any:
    """A client's mistake in a table's parameters, or a query that builds values past the
    limits (prepare_connection), is a 400 in words, never a 500."""
    title, message = "Bad parameter", bad_parameter(exception, request.args)
    if message is None:
        title, message = "Too large", too_large(exception)
    if message is None:
        return None
    return datasette_errors.handle_exception(
        datasette=datasette,
        request=request,
        exception=DatasetteError(message, title=title, status=400),
    )


@hookimpl
def prepare_jinja2_environment(env: Environment, datasette: Any) -> None:
    # Datasette only finds templates of plugins that are packages; this one is a module.
    env.loader = ChoiceLoader([FileSystemLoader(str(TEMPLATES)), env.loader])


def sql_name_key(value: Any) -> str | None:
    """`chrono_name_key(text)` in SQL: the API's actor lookup, for the canned queries."""
    return None if value is None else name_key(str(value))


@hookimpl
def prepare_connection(conn: Any, database: str, datasette: Any) -> None:
    if database == DATABASE:
        apply_profile(conn, DATASETTE)
        conn.create_function("chrono_name_key", 1, sql_name_key, deterministic=True)
        # Anyone may send SQL: no value may grow past a few MB (zeroblob, printf widths,
        # replace and hex chains), SQLite's heap is capped, and so are the rows' bytes.
        bound_connection(conn)
        conn.row_factory = bounded_rows
        for name in ("printf", "format"):
            conn.create_function(name, -1, bounded_printf, deterministic=True)


# SQLite's printf pads `%.Nc` one character at a time inside a single step, where no time
# limit can stop it: `printf('%.*c', 2000000000, 'x')` kept a thread for 16 s before giving
# NULL (the value would pass the length limit). Any width or precision past the limit gets
# that NULL at once; the rest is SQLite's own printf.
_SPEC = re.compile(r"%[-+ 0#,!]*(\*|\d+)?(?:\.(\*|\d+))?(?:ll|l)?([a-zA-Z%])")
_PLAIN = threading.local()


def bounded_printf(fmt: Any = None, *args: Any) -> Any:
    if isinstance(fmt, str):
        values = iter(args)
        for width, precision, kind in _SPEC.findall(fmt):
            for part in (width, precision):
                size = _number(next(values, 0)) if part == "*" else int(part or 0)
                if abs(size) > MAX_VALUE_BYTES:
                    return None
            if kind != "%":
                next(values, None)
    plain = getattr(_PLAIN, "conn", None)
    if plain is None:
        plain = _PLAIN.conn = sqlite3.connect(":memory:")
        bound_connection(plain)
    return plain.execute(
        f"SELECT printf({', '.join('?' * (len(args) + 1))})", (fmt, *args)
    ).fetchone()[0]


def _number(value: Any) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return 0


# Bytes of text and blobs one query may hand to Python: Datasette keeps up to
# max_returned_rows rows (1000) of a query, and some of its queries keep every row.
MAX_ANSWER_BYTES = 32 << 20
_spent: weakref.WeakKeyDictionary[sqlite3.Cursor, int] = weakref.WeakKeyDictionary()


def bounded_rows(cursor: sqlite3.Cursor, row: tuple) -> sqlite3.Row:
    """Datasette's row type, counting the bytes each query has read so far: past
    MAX_ANSWER_BYTES the query ends with an error Datasette shows as a 400."""
    size = sum(len(v) for v in row if isinstance(v, (str, bytes)))
    if size:
        spent = _spent.get(cursor, 0) + size
        if spent > MAX_ANSWER_BYTES:
            raise sqlite3.OperationalError(
                f"the answer would hold more than {MAX_ANSWER_BYTES >> 20} MB: ask for fewer rows "
                "or smaller values"
            )
        _spent[cursor] = spent
    return sqlite3.Row(cursor, row)


def too_large(exception: Exception) -> str | None:
    """What grew past the limits above, when that is why a query failed; else None."""
    if isinstance(exception, MemoryError) or (
        isinstance(exception, sqlite3.DataError) and "too big" in str(exception)
    ):
        return (
            "the query builds a value or an answer larger than a query may "
            f"({exception or 'out of memory'}); values are limited to {MAX_VALUE_BYTES >> 20} MB"
        )
    return None


@hookimpl
def permission_allowed(datasette: Any, actor: Any, action: str, resource: Any) -> Any:
    """Writable canned queries are refused outright: the database is a build artefact."""
    if action != "view-query" or not isinstance(resource, tuple) or resource[0] != DATABASE:
        return None

    async def refuse_writes() -> bool | None:
        query = await datasette.get_canned_query(DATABASE, resource[1], actor)
        return False if query and query.get("write") else None

    return refuse_writes


@hookimpl
def extra_template_vars(
    database: str | None, table: str | None, request: Any, datasette: Any
) -> dict[str, Any]:
    if database != DATABASE or table != "events":
        return {}
    return {"chrono_widget": widget_context(datasette.plugin_config("chrono") or {}, request)}


def widget_context(config: dict, request: Any) -> dict[str, Any] | None:
    """Script URL and element attributes for the timeline, or None when no API is configured."""
    api, src = config.get("api"), config.get("widget")
    if not (api and src):
        return None
    attrs = {"api": api}
    args = request.args if request is not None else {}
    for arg, attr in WIDGET_FILTERS:
        if args.get(arg):
            attrs[attr] = args.get(arg)
    if args.get("_sort_desc") in DATE_COLUMNS:
        attrs["order"] = "desc"
    return {"src": src, "attrs": attrs}


def network_url(config: dict) -> str | None:
    """The contact network page beside the configured API (`/api` -> `/network`), or None."""
    api = config.get("api")
    if not api or not str(api).rstrip("/").endswith("/api"):
        return None
    return str(api).rstrip("/").removesuffix("/api") + "/network"


@hookimpl
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Any:
    """An actor's name links to its contact network, and so does a `network` column (the
    contacts canned query's: `/network?actor=<id>`), when chrono serves the network page."""
    if database != DATABASE or not isinstance(value, str):
        return None
    page = network_url(datasette.plugin_config("chrono") or {})
    if page is None:
        return None
    if column == "network" and value.startswith("/network?"):
        return Markup('<a href="{}">network</a>').format(page + value.removeprefix("/network"))
    # row is a sqlite3.Row: `in` on it would look at its values, so its column names are listed
    if table == "actors" and column == "name" and "id" in list(row.keys()):
        link = f"{page}?{urlencode({'actor': row['id']})}"
        return Markup('{} <a href="{}" title="Contact network of {}">(network)</a>').format(
            value, link, escape(value)
        )
    return None


@hookimpl
def register_facet_classes() -> list[type[Facet]]:
    return [YearFacet, MonthFacet]


class PrefixFacet(Facet):
    """Counts rows by the first `width` characters of an ISO date column (`2021` or `2021-08`).

    Selecting a value filters with `<column>__startswith=<value>`. Values are listed in
    chronological order, not by count, because that is how people read years and months.
    """

    width = 4

    async def facet_results(self) -> tuple[list[dict], list[str]]:
        results: list[dict] = []
        timed_out: list[str] = []
        pairs = self.get_querystring_pairs()
        size = self.get_facet_size()
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            col = escape_sqlite(column)
            sql = (
                f"select substr({col}, 1, {self.width}) as value, count(*) as count "
                f"from ({self.sql}) where length({col}) >= {self.width} "
                f"group by value order by value limit {size + 1}"
            )
            try:
                rows = await self.ds.execute(
                    self.database,
                    sql,
                    self.params,
                    truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(column)
                continue
            arg = f"{column}__startswith"
            values = []
            for row in rows.rows[:size]:
                value = str(row["value"])
                selected = (arg, value) in pairs
                change = path_with_removed_args if selected else path_with_added_args
                toggle = self.ds.urls.path(change(self.request, {arg: value}))
                values.append(
                    {
                        "value": value,
                        "label": value,
                        "count": row["count"],
                        "selected": selected,
                        "toggle_url": self.ds.absolute_url(self.request, toggle),
                    }
                )
            results.append(
                {
                    "name": column,
                    "type": self.type,
                    "hideable": source_and_config["source"] != "metadata",
                    "toggle_url": self.ds.urls.path(
                        path_with_removed_args(self.request, {f"_facet_{self.type}": column})
                    ),
                    "results": values,
                    "truncated": len(rows) > size,
                }
            )
        return results, timed_out


class YearFacet(PrefixFacet):
    type = "year"
    width = 4


class MonthFacet(PrefixFacet):
    type = "month"
    width = 7


STYLESHEET = Path(__file__).parent / "static" / "datasette.css"


@hookimpl
def extra_css_urls(database: str | None, datasette: Any) -> list[str]:
    """chrono's page styles (folded column notes, dates that never break) on its own pages."""
    return [datasette.urls.path("/-/chrono.css")] if database == DATABASE else []


async def stylesheet() -> Any:
    from datasette.utils.asgi import Response

    return Response(
        STYLESHEET.read_text(encoding="utf-8"),
        content_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/chrono\.css$", stylesheet)]
