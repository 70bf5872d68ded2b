"""The yardstick: a Litestar hello-world (msgspec encoding), served exactly like chrono."""

from litestar import Litestar, get


@get("/", sync_to_thread=False)
def hello() -> dict[str, str]:
    return {"hello": "world"}


app = Litestar([hello])
