"""A yardstick: chrono's events page without the framework.

The same store calls as /api/events (make_filter, list_events, msgspec's encoder) behind a
bare ASGI callable: no routing, no parameter model, no middleware, no CORS or security
headers, no answer cache, and no error handling (a bad parameter ends the request with a
500). It answers what chrono's own work costs a page once Litestar's request path is taken
away. Only the parameters the benchmark asks are read: from, to, actor, q.

    CHRONO_DB=bench/out/chrono.db taskset -c 0 .venv/bin/python -m uvicorn bench.bare_app:app \\
        --port 8766 --no-access-log --loop uvloop --http httptools
"""

import os
from pathlib import Path
from urllib.parse import parse_qs

import msgspec

from chrono.queries import list_events, make_filter
from chrono.store import Database

database = Database(Path(os.environ["CHRONO_DB"]))
encode = msgspec.json.Encoder().encode


async def app(scope, receive, send):
    if scope["type"] == "lifespan":  # nothing to start or stop
        while (await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    params = parse_qs(scope["query_string"].decode())

    def first(name):
        return params[name][0] if name in params else None

    with database.current().lease() as reader:  # on the loop, as chrono's cheap pages are
        page = list_events(
            reader,
            make_filter(
                reader, from_=first("from"), to=first("to"), actor=params.get("actor"), q=first("q")
            ),
        )
    body = encode(page)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
