"""The Litestar application: /api (JSON and exports), the widget, the embed and landing pages,
Datasette.

`create_app` has no side effects at import; everything hangs off the database path it is given.
"""

from __future__ import annotations

import functools
import gc
import logging
import os
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar
from urllib.parse import quote, unquote_plus, urlencode

import msgspec
from litestar import Litestar, MediaType, Request, Response, get
from litestar.config.cors import CORSConfig
from litestar.config.response_cache import ResponseCacheConfig
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Tag
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Stream
from litestar.types import Scope

from . import exports
from .cache import DEFAULT_CACHE_MB, BoundedMemoryStore
from .capacity import RETRY_AFTER, Busy, Capacity, Cut
from .models import (
    EVENT_TYPES,
    STATUSES,
    ActorDetail,
    ActorList,
    ContactList,
    EventOut,
    EventPage,
    EventType,
    Status,
)
from .network import DEFAULT_IDS, MAX_IDS, MAX_NODES, WIDE_NETWORK, Network, network, network_size
from .plan import EventFilter, QueryError
from .queries import (
    MAX_CONTACTS,
    MAX_LIMIT,
    NotFound,
    StoredContactList,
    StoredEventPage,
    actor_names,
    contact_records,
    contacts_are_live,
    get_actor,
    get_event,
    is_wide_text,
    iter_actors,
    iter_events,
    list_actors,
    list_contacts,
    list_events,
    make_filter,
    resolve_actor,
)
from .store import Database, OverBudget, Reader, Rebuilt, Snapshot, TooLarge

log = logging.getLogger("chrono")
STATIC = Path(__file__).parent / "static"
PROBLEM = "application/problem+json"
T = TypeVar("T")

# --- parameters, described once and shared by every handler that filters events -------------

From = Annotated[
    str | None,
    QueryParameter(
        name="from",
        max_length=10,
        description=(
            "Start of the date range: YYYY, YYYY-MM or YYYY-MM-DD (its first day); empty: no bound."
        ),
        examples=[],
        pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?)?$",
    ),
]
To = Annotated[
    str | None,
    QueryParameter(
        name="to",
        max_length=10,
        description=(
            "End of the date range: YYYY, YYYY-MM or YYYY-MM-DD (its last day); empty: no bound."
        ),
        pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?)?$",
    ),
]
Match = Annotated[
    Literal["overlap", "within"],
    QueryParameter(
        description="`overlap` (default): the event may fall in the range, "
        "its possible days touch it. "
        "`within`: it certainly falls in the range, all its possible days are inside.",
    ),
]
ActorParam = Annotated[
    list[str] | None,
    QueryParameter(
        name="actor",
        description=(
            "Actor id, name or any alias, case- and accent-insensitive. "
            "Repeat it: every actor given must take part."
        ),
    ),
]
Members = Annotated[
    bool,
    QueryParameter(
        description=(
            "If true (default), an organization also matches events of its members "
            "whose membership covers the event date."
        ),
    ),
]
TypeParam = Annotated[
    list[EventType] | None,
    QueryParameter(name="type", description="Event type (repeatable); see /api/types."),
]  # type: ignore[valid-type]
StatusParam = Annotated[
    list[Status] | None,
    QueryParameter(name="status", description="Status of the claim (repeatable)."),
]  # type: ignore[valid-type]
Q = Annotated[
    str | None,
    QueryParameter(
        max_length=200,
        description="Full-text search over titles, summaries and quotes "
        '(SQLite FTS5 syntax: words, "phrases", OR, NOT, prefix*; '
        "text that is not valid syntax, such as al-Qaeda or U.S., "
        "is searched as the words it holds).",
    ),
]
Limit = Annotated[
    int, QueryParameter(ge=1, le=MAX_LIMIT, description=f"Events per page, 1 to {MAX_LIMIT}.")
]
Cursor = Annotated[
    str | None,
    QueryParameter(
        max_length=400, description="Opaque keyset cursor: the `next` value of the previous page."
    ),
]
Order = Annotated[
    Literal["asc", "desc"],
    QueryParameter(
        description=(
            "Chronological (asc, default) or reverse (desc) order by date_start, date_end, id."
        )
    ),
]


class Selection(msgspec.Struct, frozen=True):
    """The filters of /api/events, its exports and /api/network as the client gave them,
    checked for form; `resolve` checks them against the database (actors, ranges, full text)."""

    from_: str | None = None
    to: str | None = None
    match: str = "overlap"
    actor: list[str] | None = None
    members: bool = True
    type_: list[str] | None = None
    status: list[str] | None = None
    q: str | None = None

    def resolve(self, conn: Reader) -> EventFilter:
        return make_filter(
            conn,
            from_=self.from_,
            to=self.to,
            match=self.match,
            actor=self.actor,
            members=self.members,
            type_=self.type_,
            status=self.status,
            q=self.q,
        )

    def title(self, conn: Reader, f: EventFilter) -> str:
        """What was selected, in words: the title of a feed or a timeline."""
        names = actor_names(conn, f.actors)
        return exports.selection_title(names, self.from_, self.to, f.types, f.statuses, f.q)


def selection(
    from_: From = None,
    to: To = None,
    match: Match = "overlap",
    actor: ActorParam = None,
    members: Members = True,
    type_: TypeParam = None,
    status: StatusParam = None,
    q: Q = None,
) -> Selection:
    """The event filters, declared once for every handler that takes them (as `selection`)."""
    return Selection(from_, to, match, actor, members, type_, status, q)


Filters = NamedDependency[Selection]  # a handler's `selection: Filters` comes from `selection()`


# --- handlers --------------------------------------------------------------------------------
# Handlers that read the database are coroutines that hand the reading to the pool
# (capacity.Capacity): the event loop only parses requests and writes answers.


@get("/api/events", cache=True, tags=["events"])
async def events_page(
    scope: Scope,
    selection: Filters,
    limit: Limit = 50,
    cursor: Cursor = None,
    order: Order = "asc",
) -> Response[EventPage]:
    """Events matching every filter, in date order, one page at a time.

    Follow `next` (pass it as `cursor`) until it is null to read every matching event exactly once.
    """

    def work(conn: Reader) -> Response[EventPage]:
        f = selection.resolve(conn)
        if is_wide_text(conn, f):
            with capacity(scope).heavy("wide full-text searches"):
                return list_events(conn, f, limit=limit, cursor=cursor, order=order)
        return list_events(conn, f, limit=limit, cursor=cursor, order=order)

    return Response(await read(scope, work))


@get("/api/events/{event_id:str}", cache=True, tags=["events"])
async def event_detail(
    scope: Scope, event_id: Annotated[str, PathParameter(description="Event id.", max_length=200)]
) -> EventOut:
    """One event with its actors and citations."""
    return await read(scope, lambda conn: get_event(conn, event_id))


# An export holds every matching event: `limit` and `cursor` are refused rather than ignored.
_WHOLE = "Not accepted: an export holds every matching event. To read a page, use /api/events."
NoLimit = Annotated[str | None, QueryParameter(name="limit", description=_WHOLE)]
NoCursor = Annotated[str | None, QueryParameter(name="cursor", description=_WHOLE)]


def _whole(limit: str | None, cursor: str | None) -> None:
    for name, value in (("limit", limit), ("cursor", cursor)):
        if value is not None:
            raise QueryError(
                name, "an export holds every matching event; to read a page, use /api/events"
            )


@get("/api/events.csv", tags=["exports"], media_type="text/csv")
async def events_csv(
    scope: Scope,
    selection: Filters,
    order: Order = "asc",
    limit: NoLimit = None,
    cursor: NoCursor = None,
) -> Stream:
    """Every matching event as CSV, one row per event. Actors' names, ids and roles are joined
    with '; ' in the same order; quotes, stances, source ids and source URLs one line per citation,
    in the same order. Every field is quoted text (CAMEO codes keep their leading zero)."""
    _whole(limit, cursor)

    def produce(conn: Reader):
        return exports.csv_rows(iter_events(conn, selection.resolve(conn), order))

    return Stream(
        await export(scope, produce, selection.resolve),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="chrono-events.csv"'},
    )


@get("/api/events.ics", tags=["exports"], media_type="text/calendar")
async def events_ics(
    scope: Scope,
    selection: Filters,
    limit: NoLimit = None,
    cursor: NoCursor = None,
) -> Stream:
    """Every matching event as an iCalendar feed of all-day events.

    UID: the event id and `@chrono`.
    """
    _whole(limit, cursor)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())

    def produce(conn: Reader):
        f = selection.resolve(conn)
        return exports.ics_lines(iter_events(conn, f), stamp, title=selection.title(conn, f))

    return Stream(await export(scope, produce, selection.resolve), media_type="text/calendar")


@get("/api/timeline.json", tags=["exports"], media_type=MediaType.JSON)
async def timeline(
    scope: Scope,
    selection: Filters,
    limit: NoLimit = None,
    cursor: NoCursor = None,
) -> Stream:
    """Every matching event as a Knight Lab TimelineJS 3 document (slide unique_id = event id;
    the headline says what was selected)."""
    _whole(limit, cursor)

    def produce(conn: Reader):
        f = selection.resolve(conn)
        return exports.timeline_chunks(iter_events(conn, f), selection.title(conn, f))

    return Stream(await export(scope, produce, selection.resolve), media_type=MediaType.JSON)


@get("/api/events.atom", tags=["exports"], media_type="application/atom+xml")
async def events_atom(
    request: Request,
    selection: Filters,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Response[bytes]:
    """The newest matching events as an Atom 1.0 feed, newest first. Entry ids are tag: URIs made
    from the event ids, the same across rebuilds; each entry holds the date as precise as its
    source, the status, the parties and the quotes with links. A `next` link pages on."""

    def work(conn: Reader) -> tuple[StoredEventPage, str]:
        f = selection.resolve(conn)
        page = list_events(conn, f, limit=limit, cursor=cursor, order="desc")
        return page, selection.title(conn, f)

    page, title = await read(request.scope, work)
    events = page.records()
    url = request.url
    selection = sorted(
        (k, v) for k, v in request.query_params.multi_items() if k not in ("limit", "cursor")
    )
    following = (
        urlencode([*selection, ("limit", str(limit)), ("cursor", page.next)]) if page.next else None
    )
    next_url = str(url.with_replacements(query=following)) if following else None
    # An entry opens the event's page in Datasette when it is mounted, else its JSON.
    root = url.path.rsplit("/api/", 1)[0]
    where = (
        "/datasette/chrono/events/{id}"
        if request.app.state.get("datasette")
        else "/api/events/{id}"
    )
    event_url = str(url.with_replacements(path=root + where, query=""))
    feed = exports.atom_feed(
        events,
        title=title,
        self_url=str(url),
        event_url=event_url,
        next_url=next_url,
        feed_id=exports.TAG + "events" + (f"?{urlencode(selection)}" if selection else ""),
    )
    return Response(feed, media_type="application/atom+xml")


ActorQ = Annotated[
    str | None,
    QueryParameter(
        max_length=200, description="Part of a name or alias, case- and accent-insensitive."
    ),
]


@get("/api/actors", cache=True, tags=["actors"])
async def actors(
    scope: Scope,
    q: ActorQ = None,
    limit: Annotated[
        int, QueryParameter(ge=1, le=MAX_LIMIT, description="At most this many actors.")
    ] = 100,
) -> Response[ActorList]:
    """Actors (people, organizations, states) with their aliases and event counts."""
    return Response(await read(scope, lambda conn: list_actors(conn, q, limit)))


@get("/api/actors.csv", tags=["exports"], media_type="text/csv")
async def actors_csv(scope: Scope, q: ActorQ = None) -> Stream:
    """Every actor (or those whose name or an alias holds `q`) as CSV: id, name, kind, aliases
    (joined with '; '), event count."""
    return Stream(
        await export(scope, lambda conn: exports.actors_csv(iter_actors(conn, q))),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="chrono-actors.csv"'},
    )


class ActorElsewhere(Exception):
    """An actor asked for by a name or alias: the answer is at its id."""


@get("/api/actors/{actor_id:str}", cache=True, tags=["actors"])
async def actor_detail(
    scope: Scope,
    actor_id: Annotated[
        str,
        PathParameter(description="Actor id; a name or alias redirects to the id.", max_length=200),
    ],
) -> ActorDetail:
    """One actor: aliases, memberships with roles and dates, members, counts. Asked for by a name
    or an alias (case- and accent-insensitive), it redirects (302) to the actor's id."""

    def work(conn: Reader) -> ActorDetail:
        try:
            return get_actor(conn, actor_id)
        except NotFound:
            try:
                found = resolve_actor(conn, actor_id)
            except QueryError:
                raise NotFound(actor_id) from None
            raise ActorElsewhere(found) from None

    return await read(scope, work)


ContactsOf = Annotated[
    str,
    QueryParameter(max_length=200, description="Actor id, name or alias whose contacts to list."),
]
ContactsWith = Annotated[
    str | None,
    QueryParameter(name="with", max_length=200, description="Only contacts with this actor."),
]


@get("/api/contacts", cache=True, tags=["contacts"])
async def contacts(
    scope: Scope,
    actor: ContactsOf,
    with_: ContactsWith = None,
    from_: From = None,
    to: To = None,
    members: Members = True,
    limit: Annotated[
        int,
        QueryParameter(
            ge=1,
            le=MAX_CONTACTS,
            description=(
                "At most this many partners, the most frequent first "
                f"(default and maximum {MAX_CONTACTS:,})."
            ),
        ),
    ] = MAX_CONTACTS,
    ids: Annotated[
        int | None,
        QueryParameter(
            ge=0,
            description=(
                "At most this many event ids per partner, the first in id order (default: all); "
                "`count` still counts every contact event."
            ),
        ),
    ] = None,
) -> Response[ContactList]:
    """Who the actor was in contact with (calls, meetings, visits, talks, conferences,
    ceremonies): count, first, last.

    Only parties are in contact (initiator, recipient, participant, host, visitor, mediator): a
    subject, such as the dead at his own funeral, a target or an author meets no one.
    An organization speaks through its members: with `members` on, the contacts of its members
    during their membership count as the organization's (on both sides when `with` is given).
    """

    def work(conn: Reader) -> Response[ContactList]:
        if contacts_are_live(conn, actor, with_, from_, to, members):
            with capacity(scope).heavy("live contact counts"):
                return list_contacts(conn, actor, with_, from_, to, members, limit, ids)
        return list_contacts(conn, actor, with_, from_, to, members, limit, ids)

    return Response(await read(scope, work))


@get("/api/contacts.csv", tags=["exports"], media_type="text/csv")
async def contacts_csv(
    scope: Scope,
    actor: ContactsOf,
    with_: ContactsWith = None,
    from_: From = None,
    to: To = None,
    members: Members = True,
) -> Stream:
    """The actor's contacts as CSV, one row per partner, the most frequent first: both actors'
    ids and names, count, first and last day, event ids (joined with '; ')."""

    def work(conn: Reader) -> ContactList | StoredContactList:
        if contacts_are_live(conn, actor, with_, from_, to, members):
            with capacity(scope).heavy("live contact counts"):
                return list_contacts(conn, actor, with_, from_, to, members)
        return list_contacts(conn, actor, with_, from_, to, members)

    found = await read(scope, work)
    return Stream(
        exports.contacts_csv(contact_records(found)),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="chrono-contacts.csv"'},
    )


@get("/api/network", cache=True, tags=["contacts"])
async def network_graph(
    scope: Scope,
    from_: From = None,
    to: To = None,
    match: Match = "overlap",
    actor: Annotated[
        str | None,
        QueryParameter(
            max_length=200,
            description=(
                "Actor id, name or alias: draw that actor, the actors in contact with it "
                "and the contacts among them."
            ),
        ),
    ] = None,
    members: Members = True,
    type_: TypeParam = None,
    status: StatusParam = None,
    q: Q = None,
    min_count: Annotated[
        int,
        QueryParameter(
            name="min_count",
            description=(
                "Only pairs in contact at least this many times (and the actors they join); "
                "1 or more."
            ),
        ),
    ] = 1,
    group: Annotated[
        bool,
        QueryParameter(
            description=(
                "If true, draw each member as the organization it belongs to "
                "at the time of the event (the outermost one); "
                "edge counts are then those of /api/contacts with members on."
            )
        ),
    ] = False,
    ids: Annotated[
        int,
        QueryParameter(
            description=(
                f"At most this many event ids per edge (0 to {MAX_IDS:,}), "
                f"the first in id order (default {DEFAULT_IDS}); "
                "`count` still counts every event, and /api/contacts?actor=A&with=B lists them all."
            )
        ),
    ] = DEFAULT_IDS,
    limit: Annotated[
        int | None,
        QueryParameter(
            description=(
                f"At most this many actors (1 to {MAX_NODES:,}) besides `actor`: "
                "its most frequent partners; without `actor`, "
                "the actors with most events (default: all)."
            )
        ),
    ] = None,
    months: Annotated[
        bool,
        QueryParameter(
            description=(
                "If true, add `months`: contacts per month of their earliest possible day "
                "(of the actor, with `actor`), "
                "for a time brush."
            )
        ),
    ] = False,
) -> Network:
    """Who was in contact with whom: actors as nodes, pairs of parties to contact events as edges.

    An edge counts the contact events (calls, meetings, visits, talks, conferences, ceremonies)
    in which both actors are parties (initiator, recipient, participant, host, visitor or
    mediator), by type, with the first and last possible days and the event ids; a node counts
    the events of its edges. Without `group`, an edge counts what
    /api/contacts?actor=A&with=B&members=false counts. With `actor` and `members` on, an
    organization's spokes count its members' contacts, as /api/contacts?actor= lists them.
    """

    def work(conn: Reader) -> Network:
        actors = [actor] if actor else None
        f = Selection(from_, to, match, actors, members, type_, status, q).resolve(conn)
        options = {
            "min_count": min_count,
            "group": group,
            "ids": ids,
            "months": months,
            "limit": limit,
        }
        if network_size(conn, f, group=group) > WIDE_NETWORK:
            with capacity(scope).heavy("large networks"):
                return network(conn, f, **options)
        return network(conn, f, **options)

    return await read(scope, work)


VOCABULARY: dict[str, Any] = {
    "types": [
        {"type": t, "cameo": c, "cameo_label": label} for t, (c, label) in EVENT_TYPES.items()
    ],
    "statuses": [{"status": s, "meaning": m} for s, m in STATUSES.items()],
}


@get("/api/types", sync_to_thread=False, cache=True, tags=["vocabulary"])
def types() -> dict[str, Any]:
    """The event type vocabulary with CAMEO codes, and the statuses."""
    return VOCABULARY


@get(
    "/widget.js",
    sync_to_thread=False,
    include_in_schema=False,
    media_type="text/javascript; charset=utf-8",
)
def widget_js() -> Response[bytes]:
    return _static("widget.js", "text/javascript; charset=utf-8")


@get(
    "/embed.js",
    sync_to_thread=False,
    include_in_schema=False,
    media_type="text/javascript; charset=utf-8",
)
def embed_js() -> Response[bytes]:
    return _static("embed.js", "text/javascript; charset=utf-8")


@get("/embed", sync_to_thread=False, include_in_schema=False, media_type=MediaType.HTML)
def embed_page() -> Response[bytes]:
    """The timeline alone, for an iframe on any site (the one page any frame-ancestor may frame)."""
    return _static("embed.html", "text/html; charset=utf-8")


@get("/network", sync_to_thread=False, include_in_schema=False, media_type=MediaType.HTML)
def network_page() -> Response[bytes]:
    """The contact network alone, for an iframe on any site, as /embed is for the timeline."""
    return _static("network.html", "text/html; charset=utf-8")


@get("/", sync_to_thread=False, include_in_schema=False, media_type=MediaType.HTML)
def landing() -> Response[bytes]:
    return _static("index.html", "text/html; charset=utf-8")


@get("/favicon.ico", sync_to_thread=False, include_in_schema=False)
def favicon() -> Response[bytes]:
    """Browsers ask for it on every page, Datasette's included."""
    return _static("favicon.svg", "image/svg+xml")


@get("/static/{name:str}", sync_to_thread=False, include_in_schema=False)
def static_file(name: Annotated[str, PathParameter(description="File name.")]) -> Response[bytes]:
    kinds = {
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".svg": "image/svg+xml",
    }
    suffix = Path(name).suffix
    if "/" in name or name.startswith(".") or suffix not in kinds:
        raise NotFoundException()
    return _static(name, kinds[suffix])


@get("/static/vendor/{name:str}", sync_to_thread=False, include_in_schema=False)
def vendor_file(name: Annotated[str, PathParameter(description="File name.")]) -> Response[bytes]:
    """Third-party ES modules the network view imports, as published.

    See static/vendor/README.md.
    """
    if "/" in name or name.startswith(".") or not name.endswith(".js"):
        raise NotFoundException()
    return _static(f"vendor/{name}", "text/javascript; charset=utf-8")


def _static(name: str, media_type: str) -> Response[bytes]:
    path = STATIC / name
    if not path.is_file():
        raise NotFoundException()
    # Litestar appends "; charset=utf-8" to text/* itself; giving it twice would repeat it.
    media_type = media_type.split(";")[0]
    return Response(
        path.read_bytes(), media_type=media_type, headers={"Cache-Control": "public, max-age=300"}
    )


# --- errors: one place turns exceptions into problem-details responses ----------------------


def problem(
    status: int,
    title: str,
    detail: str,
    parameter: str | None = None,
    extra: dict[str, Any] | None = None,
    **headers: str,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if parameter:
        body["parameter"] = parameter
    body.update(extra or {})
    return Response(body, status_code=status, media_type=PROBLEM, headers=headers or None)


def on_query_error(_: Request, exc: QueryError) -> Response:
    # An unknown actor comes with the actors spelled close to it: [{id, name}], the closest first.
    extra = {"suggestions": exc.suggestions} if exc.suggestions else None
    return problem(400, "Bad parameter", f"{exc.parameter}: {exc.detail}", exc.parameter, extra)


def on_actor_elsewhere(_: Request, exc: ActorElsewhere) -> Response:
    # Relative to the path asked for, so the redirect holds behind a proxy's prefix too.
    return Redirect(f"./{quote(exc.args[0], safe='')}", status_code=302)


def on_not_found(request: Request, exc: Exception) -> Response:
    detail = (
        f"no record with id {exc.args[0]!r}"
        if isinstance(exc, NotFound)
        else f"nothing at {request.url.path}"
    )
    return problem(404, "Not found", detail)


_DAY = "use YYYY, YYYY-MM or YYYY-MM-DD"
_NAME = "give an actor id, name or alias (at most 200 characters)"
# What each parameter takes, in words: Litestar's own messages name types and regexes.
PARAMETER_HELP: dict[str, str] = {
    "from": _DAY,
    "to": _DAY,
    "match": "use overlap or within",
    "order": "use asc or desc",
    "members": "use true or false",
    "type": "use an event type listed at /api/types, such as meeting, phone-call or visit",
    "status": f"use one of {', '.join(STATUSES)}",
    "q": "at most 200 characters of text",
    "cursor": "pass `next` from the previous page unchanged",
    "actor": _NAME,
    "with": _NAME,
    "ids": "use a whole number, 0 or more",
}
_LIMITS = {"/api/contacts": MAX_CONTACTS}  # the largest `limit` per path, where it is not MAX_LIMIT


def parameter_help(parameter: str, path: str) -> str:
    if parameter == "limit":
        return f"use a whole number from 1 to {_LIMITS.get(path, MAX_LIMIT):,}"
    return PARAMETER_HELP.get(parameter, "not a value this parameter takes")


def _bad_value(request: Request, parameter: str) -> str | None:
    """The value given that is wrong (for a repeated parameter, the first one not known)."""
    values = request.query_params.getall(parameter, [])
    known = EVENT_TYPES if parameter == "type" else STATUSES if parameter == "status" else None
    if known is not None:
        values = [v for v in values if v not in known] or values
    return values[0] if values else None


def on_validation(request: Request, exc: ValidationException) -> Response:
    """Litestar's messages ("Expected `str` matching regex …") reworded once, for every handler:
    "from: use YYYY, YYYY-MM or YYYY-MM-DD (got '21')"."""
    issues = exc.extra if isinstance(exc.extra, list) else []
    parameter = next((i.get("key") for i in issues if isinstance(i, dict) and i.get("key")), None)
    if parameter is None and (m := re.search(r"parameter '([\w-]+)'", exc.detail or "")):
        parameter = m.group(1)
    if parameter is None:
        return problem(400, "Bad request", exc.detail or "the request cannot be read")
    if parameter in ("event_id", "actor_id"):  # longer than any id: there is no such record
        asked = request.url.path.rsplit("/", 1)[-1]
        shown = asked if len(asked) <= 40 else asked[:40] + "…"
        return problem(404, "Not found", f"no record with id {shown!r}")
    parameter = parameter.rstrip("_") if parameter in ("from_", "type_", "with_") else parameter
    value = _bad_value(request, parameter)
    if value is None:
        return problem(
            400,
            "Bad parameter",
            f"{parameter}: required; {parameter_help(parameter, request.url.path)}",
            parameter,
        )
    shown = value if len(value) <= 40 else value[:40] + "…"
    return problem(
        400,
        "Bad parameter",
        f"{parameter}: {parameter_help(parameter, request.url.path)} (got {shown!r})",
        parameter,
    )


def on_http(_: Request, exc: HTTPException) -> Response:
    headers = dict(exc.headers or {})
    if exc.status_code == 429:
        # Litestar's rate limit says when its window resets (RateLimit-Reset, in seconds); clients
        # and proxies read Retry-After (RFC 9110, 10.2.3).
        reset = headers.get("RateLimit-Reset", "")
        wait = max(int(reset), 1) if reset.isdigit() else RETRY_AFTER
        headers.setdefault("Retry-After", str(wait))
    return problem(exc.status_code, exc.detail or "Error", exc.detail or "", **headers)


def on_busy(_: Request, exc: Busy) -> Response:
    return problem(503, "Busy", exc.what, **{"Retry-After": str(exc.retry_after)})


def on_over_budget(_: Request, exc: OverBudget) -> Response:
    return problem(
        503,
        "Over budget",
        f"{exc}; narrow the filters (a shorter date range, an actor, a rarer word)",
        **{"Retry-After": str(RETRY_AFTER)},
    )


def on_too_large(_: Request, exc: TooLarge) -> Response:
    return problem(400, "Answer too large", f"{exc}; narrow the filters")


def on_rebuilt(_: Request, exc: Rebuilt) -> Response:
    return problem(
        503,
        "Rebuilt",
        "the chronology was rebuilt while this request started; ask again",
        **{"Retry-After": "1"},
    )


def on_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s", request.url)
    return problem(500, "Internal error", "the server failed to answer; this is a bug")


# --- what the edge adds to answers -----------------------------------------------------------

MAX_QUERY_STRING = 2048
# Our own pages need no inline script or style, so they can say so: an injected tag would not run.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
# Datasette's own pages carry inline scripts and styles.
DATASETTE_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "object-src 'none'"
)
SNAPSHOT_KEY = "chrono.snapshot"
DATASETTE_MOUNT = "/datasette"
ANSWERS = "answers"  # the store of cached answers

Headers = tuple[tuple[bytes, bytes], ...]
_PLAIN: Headers = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)


def _page_headers(csp: str, ancestors: str, frame_options: bool) -> Headers:
    extra = ((b"x-frame-options", b"DENY"),) if frame_options else ()
    return (
        *_PLAIN,
        (b"content-security-policy", f"{csp}; frame-ancestors {ancestors}".encode()),
        *extra,
    )


# Computed once: the middleware below runs on every response.
_HTML_HEADERS: dict[str, Headers] = {
    "embed": _page_headers(PAGE_CSP, "*", frame_options=False),
    "datasette": _page_headers(DATASETTE_CSP, "'none'", frame_options=True),
    "page": _page_headers(PAGE_CSP, "'none'", frame_options=True),
}


def security_headers(route: str, content_type: bytes) -> Headers:
    """nosniff and referrer policy everywhere; on HTML a CSP, and no framing except /embed."""
    if not content_type.startswith(b"text/html"):
        return _PLAIN
    if route in ("/embed", "/network"):
        return _HTML_HEADERS["embed"]
    return _HTML_HEADERS["datasette" if route == DATASETTE_MOUNT else "page"]


@functools.lru_cache(maxsize=8)
def build_headers(build_id: str) -> Headers:
    """ETag and X-Chrono-Build name the database build that answered: a rebuild changes both."""
    return (
        (b"etag", f'"{build_id}"'.encode()),
        (b"x-chrono-build", build_id.encode()),
        (b"cache-control", b"public, max-age=60"),
    )


def snapshot(scope: Scope) -> Snapshot:
    """The build this request reads, fixed by the edge middleware before any handler runs."""
    return scope["state"][SNAPSHOT_KEY]


def capacity(scope: Scope) -> Capacity:
    return scope["litestar_app"].state.capacity


async def read(scope: Scope, work: Callable[[Reader], T]) -> T:
    """`work(reader)` on a reader of this request's build (capacity.Capacity.read)."""
    return await capacity(scope).read(snapshot(scope), work)


async def export(
    scope: Scope,
    produce: Callable[[Reader], Iterator[str | bytes]],
    check: Callable[[Reader], object] | None = None,
) -> AsyncIterator[bytes]:
    """The chunks of `produce(conn)`, streamed. An answer that will carry no body (HEAD, or a
    304 for a client that has the build) runs only `check(conn)` (the parameters, against the
    database): the same status and headers as GET, no export made and no export slot taken."""
    if scope.get(BODYLESS_KEY):
        if check is not None:
            await read(scope, check)
        return _nothing()
    return await capacity(scope).stream(snapshot(scope), produce, "exports")


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield


def answer_key(request: Request) -> str:
    """An answer is the build's and the URL's, byte for byte (parameters in the order given)."""
    scope = request.scope
    query = scope["query_string"].decode("latin-1")
    return f"{scope['state'][SNAPSHOT_KEY].build_id} {scope['path']}?{query}"


# Parameters that take one value. Litestar would keep the last of several silently, so that
# `from=2021&from=2024` or `actor=hamas&actor=iran` on /api/contacts answered for one of them.
_SINGLE = frozenset(
    {
        "from",
        "to",
        "match",
        "members",
        "q",
        "limit",
        "cursor",
        "order",
        "with",
        "ids",
        "min_count",
        "group",
        "months",
    }
)
_LISTS_ON = ("/api/events", "/api/timeline")  # where actor, type and status repeat


def repeated_parameter(path: str, query_string: bytes) -> str | None:
    """The first single-valued parameter the query gives more than once, if any."""
    if b"&" not in query_string:
        return None
    single = _SINGLE if path.startswith(_LISTS_ON) else _SINGLE | {"actor"}
    seen: set[str] = set()
    for part in query_string.split(b"&"):  # keys only: unquoting every value costs 4 % of a page
        raw = part.partition(b"=")[0]
        key = (
            unquote_plus(raw.decode("latin-1"))
            if b"%" in raw or b"+" in raw
            else raw.decode("latin-1")
        )
        if key in single:
            if key in seen:
                return key
            seen.add(key)
    return None


def _client_has(etag: bytes, headers) -> bool:
    """If-None-Match names this build: the ETag itself, weak (a proxy that compresses makes
    it so: W/"…"), in a list, or `*` (RFC 9110, 13.1.2)."""
    for name, value in headers:
        if name == b"if-none-match":
            tags = {tag.strip().removeprefix(b"W/") for tag in value.split(b",")}
            if etag in tags or b"*" in tags:
                return True
    return False


def routed_path(scope: Scope) -> str:
    """The route the router chose, as declared ("/api/events/{event_id:str}", or a mount's
    own path, "/datasette").

    The router matches the decoded path with runs of slashes collapsed, so `//api/events`,
    `/api//events` and `/%61pi/events` all reach the /api/events handler: decisions taken on
    this, never on the spelling the client sent, agree with the router's.
    """
    return scope.get("path_template") or min(scope["route_handler"].paths)


_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")
_SLASHES = re.compile(rb"//+")
# Escapes that mean the same path as the plain character to the router: unreserved characters
# (RFC 3986, 2.3) and the slash. Any other escape (%20, %C3%A9) is kept as sent.
_PLAIN_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~/")


def canonical_raw_path(raw: bytes) -> bytes:
    """The raw path spelled as the router reads it: escapes of letters, digits, `-._~` and `/`
    decoded, then runs of slashes collapsed; a query string, if any, is left as it is.

    Datasette routes on the raw path: without this it would answer `//datasette/chrono` or
    `/%64atasette/chrono` otherwise than the router that sent the request to it.
    """
    path, mark, query = raw.partition(b"?")
    if b"%" in path:
        path = _ESCAPE.sub(
            lambda m: bytes([b]) if (b := int(m[1], 16)) in _PLAIN_BYTES else m[0], path
        )
    return _SLASHES.sub(b"/", path) + mark + query


def host_name(host: str) -> str:
    """The name in a Host header, without its port: `[::1]:8001` → `::1`."""
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


# --- the edge: one plain-ASGI middleware per job ----------------------------------------------
#
# Outermost first. ChronoApp answers HEAD as GET; Litestar's before_send hook adds the security
# headers to every answer, router 404s included (`add_security_headers`). Then, once the router
# has chosen the route: the Host check, the query-string cap, the path spelled as the router
# read it (for Datasette), the build snapshot and its headers (/api), single-valued parameters
# given once (/api), and the 304 for a client that has the build (/api), just outside
# Litestar's rate limit and the handler: a 304 only ever replaces a 200.


def _refuse(response: Response):
    """An ASGI app answering `response` (the middlewares' own refusals, in problem form)."""
    return response.to_asgi_response(app=None, request=None)  # type: ignore[arg-type]


def host_check(allowed: frozenset[str]):
    """Only the Host names `--allowed-host` gave, on any port (`example.org:8000` is example.org),
    else 400: a page elsewhere cannot reach the server under a name of its own."""

    def middleware_factory(app):
        async def middleware(scope, receive, send):
            host = next((v for k, v in scope["headers"] if k == b"host"), b"").decode("latin-1")
            if host_name(host).lower().rstrip(".") in allowed:
                await app(scope, receive, send)
                return
            shown = host if len(host) <= 60 else host[:60] + "…"
            refusal = problem(400, "Bad host", f"this server does not answer to the host {shown!r}")
            await _refuse(refusal)(scope, receive, send)

        return middleware

    return middleware_factory


def cap_query_string(app):
    """No handler ever parses a megabyte of parameters: 414 past MAX_QUERY_STRING bytes."""

    async def middleware(scope, receive, send):
        if len(scope.get("query_string", b"")) > MAX_QUERY_STRING:
            response = problem(
                414, "Query string too long", f"at most {MAX_QUERY_STRING} bytes of parameters"
            )
            await _refuse(response)(scope, receive, send)
            return
        await app(scope, receive, send)

    return middleware


def canonical_path(app):
    """The raw path spelled as the router read it (canonical_raw_path), for Datasette, which
    routes on the raw path."""

    async def middleware(scope, receive, send):
        raw = scope.get("raw_path")
        if raw and (b"//" in raw or b"%" in raw):
            scope["raw_path"] = canonical_raw_path(raw)
        await app(scope, receive, send)

    return middleware


def hold_snapshot(app):
    """/api: the current database build, held for the whole request (a rebuild meanwhile does
    not change what it reads), named on every successful answer (build_headers)."""

    async def middleware(scope, receive, send):
        if not routed_path(scope).startswith("/api"):
            await app(scope, receive, send)
            return
        snapshot = scope["litestar_app"].state.database.current()
        scope.setdefault("state", {})[SNAPSHOT_KEY] = snapshot
        stamp = build_headers(snapshot.build_id)

        async def send_stamped(message):
            if message["type"] == "http.response.start" and message["status"] < 400:
                message = {**message, "headers": [*message.get("headers", ()), *stamp]}
            await send(message)

        await app(scope, receive, send_stamped)

    return middleware


def single_values(app):
    """/api: a parameter that takes one value, given twice, is a 400 (repeated_parameter)."""

    async def middleware(scope, receive, send):
        route = routed_path(scope)
        query = scope.get("query_string", b"")
        name = route.startswith("/api") and repeated_parameter(route, query)
        if name:
            refusal = problem(400, "Bad parameter", "given more than once: give it once", name)
            await _refuse(refusal)(scope, receive, send)
            return
        await app(scope, receive, send)

    return middleware


_DISCONNECT = {"type": "http.disconnect"}


def not_modified(app):
    """/api: a client that already has the build gets a 304 only where it would have had a 200:
    after the Host check, the rate limit, the validation of every parameter and the handler (an
    unknown id is a 404, whatever If-None-Match says). An export answered so only checks its
    parameters: its body is never produced and it takes no export slot."""

    async def middleware(scope, receive, send):
        snapshot = scope.get("state", {}).get(SNAPSHOT_KEY)
        etag = build_headers(snapshot.build_id)[0][1] if snapshot is not None else None
        if etag is None or not _client_has(etag, scope["headers"]):
            await app(scope, receive, send)
            return
        scope = {**scope, BODYLESS_KEY: True}
        answered = False  # a 304 was sent in place of a 200: drop the body, stop a stream

        async def send_304(message):
            nonlocal answered
            if answered:
                return
            if message["type"] == "http.response.start" and message["status"] == 200:
                answered = True
                await send({"type": "http.response.start", "status": 304, "headers": []})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        async def receive_until_answered():
            return _DISCONNECT if answered else await receive()

        await app(scope, receive_until_answered, send_304)

    return middleware


async def add_security_headers(message, scope) -> None:
    """Litestar's before_send hook: security_headers on every answer, whoever made it."""
    if message["type"] != "http.response.start":
        return
    headers = message.setdefault("headers", [])
    if not isinstance(headers, list):
        headers = message["headers"] = list(headers)
    content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
    html = content_type.startswith(b"text/html")
    route = routed_path(scope) if html and "route_handler" in scope else ""  # a router 404: none
    present = {k.lower() for k, _ in headers}
    headers.extend(h for h in security_headers(route, content_type) if h[0] not in present)


# Set in the scope of a request whose answer will carry no body: HEAD, or a client that has the
# build (a 200 becomes a 304). Exports then check their parameters and make nothing (`export`).
BODYLESS_KEY = "chrono.bodyless"


class ChronoApp(Litestar):
    """The Litestar app, answering HEAD as it answers GET, without the body.

    Litestar's router knows only the methods routes declare, and every route here is GET: a
    HEAD request would get a 405 before any middleware ran. Link checkers, caches and `curl -I`
    use HEAD to read the headers (ETag, Content-Length, X-Chrono-Build) without the page; an
    export asked for so checks its parameters and produces nothing (`export`).

    An export cut by its budget after its first bytes went out (capacity.Cut) cannot say so in
    its status any more: its connection is closed mid-body, so the client sees it incomplete,
    with one warning in the log instead of a traceback.
    """

    async def __call__(self, scope, receive, send):  # type: ignore[override]
        if scope["type"] == "http" and scope["method"] == "HEAD":
            scope, send = {**scope, "method": "GET", BODYLESS_KEY: True}, _headers_only(send)
        try:
            await super().__call__(scope, receive, send)
        except Exception as exc:
            if (cut := _cut(exc)) is None:
                raise
            log.warning("%s %s: %s", scope["method"], scope["path"], cut)


def _cut(exc: BaseException | None) -> Cut | None:
    """The Cut behind `exc`: Litestar re-raises an error of a started answer as its cause, and
    a stream's error comes inside an exception group."""
    while exc is not None and not isinstance(exc, Cut):
        if isinstance(exc, BaseExceptionGroup):
            return next((cut for inner in exc.exceptions if (cut := _cut(inner))), None)
        exc = exc.__cause__
    return exc


def _headers_only(send):
    """Pass the response start through (Content-Length included, as for GET); end the body."""

    async def send_head(message):
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return
            message = {"type": "http.response.body", "body": b"", "more_body": False}
        await send(message)

    return send_head


def _freeze_heap() -> None:
    """Move the app's long-lived objects out of the garbage collector's generations:
    collections then scan only per-request garbage (measured: p99 down by a third)."""
    gc.collect()
    gc.freeze()


# --- the factory -----------------------------------------------------------------------------


def create_app(
    db_path: Path,
    *,
    mount_datasette: bool = True,
    allowed_hosts: list[str] | None = None,
    rate_limit: tuple[str, int] | None = None,
    cache_mb: float = DEFAULT_CACHE_MB,
    debug: bool = False,
) -> Litestar:
    """The whole service for one database file (rebuilt files are picked up per request).

    `allowed_hosts` restricts the Host header (None: any); `rate_limit` such as ("minute", 600)
    caps requests per client address (None: off); `cache_mb` bounds the memory of answers
    replayed to repeated URLs of the JSON endpoints (0: nothing kept).
    """
    database = Database(Path(db_path))
    database.current()  # fail now, not on the first request, if the file is missing
    handlers: list = [
        events_page,
        event_detail,
        events_csv,
        events_ics,
        timeline,
        events_atom,
        actors,
        actors_csv,
        actor_detail,
        contacts,
        contacts_csv,
        network_graph,
        types,
        widget_js,
        embed_js,
        embed_page,
        network_page,
        landing,
        favicon,
        static_file,
        vendor_file,
    ]
    if mount_datasette:
        from .publish import mount_datasette as datasette_handler

        handlers.append(datasette_handler(Path(db_path), DATASETTE_MOUNT))
    names = frozenset(h.lower().strip("[]").rstrip(".") for h in allowed_hosts or ())
    hosts = [host_check(names)] if names else []
    middleware: list = [
        *hosts,
        cap_query_string,
        canonical_path,
        hold_snapshot,
        single_values,
        not_modified,
    ]
    if rate_limit:
        from litestar.middleware.rate_limit import RateLimitConfig

        middleware.append(RateLimitConfig(rate_limit=rate_limit, exclude=["/schema"]).middleware)  # type: ignore[arg-type]
    keeping = cache_mb > 0  # with nothing to keep, answers are not even copied for the store
    return ChronoApp(
        route_handlers=handlers,
        stores={ANSWERS: BoundedMemoryStore(int(cache_mb * 1024 * 1024))},
        response_cache_config=ResponseCacheConfig(
            store=ANSWERS,
            key_builder=answer_key,
            default_expiration=None,
            cache_response_filter=lambda _, status: keeping and status == 200,
        ),
        dependencies={"selection": Provide(selection, sync_to_thread=False)},
        before_send=[add_security_headers],
        on_startup=[_freeze_heap],
        state=State({"database": database, "datasette": mount_datasette, "capacity": Capacity()}),
        cors_config=CORSConfig(
            allow_origins=["*"],
            allow_methods=["GET", "HEAD", "OPTIONS"],
            allow_credentials=False,
            expose_headers=["ETag", "X-Chrono-Build"],
        ),
        request_max_body_size=16_384,
        exception_handlers={
            QueryError: on_query_error,
            ActorElsewhere: on_actor_elsewhere,
            NotFound: on_not_found,
            NotFoundException: on_not_found,
            ValidationException: on_validation,
            HTTPException: on_http,
            Busy: on_busy,
            OverBudget: on_over_budget,
            TooLarge: on_too_large,
            Rebuilt: on_rebuilt,
            Exception: on_error,
        },
        openapi_config=OpenAPIConfig(
            title="chrono",
            version="0.1.0",
            path="/schema",
            description=(
                "Sourced chronology of diplomatic contacts: events with fuzzy dates, actors, "
                "citations."
            ),
            tags=[
                Tag(name="events"),
                Tag(name="exports"),
                Tag(name="actors"),
                Tag(name="contacts"),
                Tag(name="vocabulary"),
            ],
        ),
        middleware=middleware,
        debug=debug,
    )


# --- several worker processes ------------------------------------------------------------------

SETTINGS_ENV = "CHRONO_SERVE_SETTINGS"


class ServeSettings(msgspec.Struct, frozen=True, kw_only=True):
    """What `chrono serve` hands each worker process, through the environment (SETTINGS_ENV)."""

    db: str
    allowed_hosts: list[str] | None = None
    rate_limit: tuple[str, int] | None = None
    cache_mb: float = DEFAULT_CACHE_MB

    def to_json(self) -> str:
        return msgspec.json.encode(self).decode()


def app_from_environment() -> Litestar:
    """The app of one worker of `chrono serve --workers N`: each worker process calls this
    factory and opens its own connections to the file; each sees a rebuild on its next request."""
    settings = msgspec.json.decode(os.environ[SETTINGS_ENV], type=ServeSettings)
    return create_app(
        Path(settings.db),
        allowed_hosts=settings.allowed_hosts,
        rate_limit=settings.rate_limit,
        cache_mb=settings.cache_mb,
    )
