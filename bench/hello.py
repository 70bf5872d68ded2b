"""The yardsticks: a Litestar hello-world (msgspec encoding), served exactly like chrono, and the
same app handing out a ready-made page the size of chrono's 50-event pages."""

import msgspec
from litestar import Litestar, Response, get

# 50 stored event documents of about 1.4 KB each, as /api/events passes them through.
_EVENT = msgspec.json.encode({"id": "e", "title": "t" * 600, "summary": "s" * 700})
PAGE = msgspec.json.encode({"events": [msgspec.Raw(_EVENT)] * 50, "next": None})


@get("/", sync_to_thread=False)
def hello() -> dict[str, str]:
    return {"hello": "world"}


@get("/page", sync_to_thread=False)
def page() -> Response[bytes]:
    return Response(PAGE, media_type="application/json")


app = Litestar([hello, page])
