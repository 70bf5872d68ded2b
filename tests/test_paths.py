"""Every spelling of a path the router accepts answers as the canonical path does, or 404.

Test clients normalise paths before the app sees them, so these requests are written as raw
request lines on a socket to a real uvicorn, on a generated chronology of 20,000 events.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import httpx
import pytest

from chrono.api import canonical_raw_path, create_app
from tests.helpers import LiveServer

# Headers whose value must not depend on the spelling of the path.
COMPARED = (
    "content-type",
    "etag",
    "x-chrono-build",
    "content-security-policy",
    "x-frame-options",
    "location",
)


@pytest.fixture(scope="module")
def live(generated_db) -> Iterator[str]:
    with LiveServer(create_app(generated_db)) as live:
        yield live.origin


def raw_get(base: str, target: str) -> tuple[int, dict[str, str], bytes]:
    """GET `target` exactly as written, over HTTP/1.0 (no chunking, the body ends with the
    connection)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=60) as s:
        s.sendall(f"GET {target} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := s.recv(1 << 16):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    if headers.get("transfer-encoding") == "chunked":
        body = dechunk(body)
    return int(status_line.split()[1]), headers, body


def dechunk(body: bytes) -> bytes:
    out = b""
    while True:
        size, _, body = body.partition(b"\r\n")
        n = int(size, 16)
        if not n:
            return out
        out, body = out + body[:n], body[n + 2 :]


def comparable(status: int, headers: dict[str, str], body: bytes) -> tuple:
    body = re.sub(rb"DTSTAMP:\d{8}T\d{6}Z", b"DTSTAMP:", body)  # the moment the feed was made
    # How long Datasette's queries took.
    body = re.sub(rb'"query_ms": [\d.e-]+|Queries took [\d.]+ms', b"", body)
    return status, {k: headers.get(k) for k in COMPARED}, body


def spellings(path: str) -> list[str]:
    """Other spellings of `path` the router reads as the same path."""
    target, mark, query = path.partition("?")
    first, _, rest = target[1:].partition("/")
    out = [
        "/" + target,
        target.replace("/", "//"),
        f"/%{ord(first[0]):02X}{first[1:]}/{rest}".rstrip("/") if first else "/%2F",
    ]
    if rest:
        out.append(f"/{first}//{rest}")
        out.append(f"/{first}%2F{rest}")
        out.append(f"/{first}/%{ord(rest[0]):02x}{rest[1:]}")
    return [spelling + mark + query for spelling in dict.fromkeys(out) if spelling != target]


@pytest.fixture(scope="module")
def canonical_paths(live) -> list[str]:
    event = httpx.get(f"{live}/api/events?limit=1&from=2021").json()["events"][0]
    actor = event["actors"][0]["id"]
    month = event["date_start"][:7]
    return [
        "/api/events?limit=3&from=2021",
        f"/api/events/{event['id']}",
        f"/api/events.csv?from={month}&to={month}",
        f"/api/events.ics?from={month}&to={month}",
        f"/api/timeline.json?from={month}&to={month}",
        "/api/actors?limit=3",
        f"/api/actors/{actor}",
        f"/api/contacts?actor={actor}&limit=3&from={month}&to={month}",
        "/api/types",
        "/widget.js",
        "/embed.js",
        "/embed",
        "/",
        "/favicon.ico",
        "/static/site.css",
        "/schema/openapi.json",
        "/datasette/chrono/events.json?_size=2&_nocount=1&_nofacet=1",
        "/datasette/chrono/contacts.json?_size=2&_nocount=1&_nofacet=1",
        "/datasette/chrono",
    ]


def test_spellings_of_every_route_answer_as_the_canonical_path(live, canonical_paths):
    checked = 0
    for path in canonical_paths:
        expected = comparable(*raw_get(live, path))
        assert expected[0] == 200, path
        for spelling in spellings(path):
            got = comparable(*raw_get(live, spelling))
            assert got == expected, (path, spelling, got[:2], expected[:2])
            checked += 1
    assert checked >= 80


@pytest.mark.parametrize(
    "target",
    [
        "/%2561pi/events",  # an escaped escape is not /api
        "/api/events%3Flimit=1",  # an escaped ? is part of the path
        "/api/./events",
        "/api/../api/events",
        "/%00/api/events",
        "/api/%ff%fe",
        "//api//nothing",
        "/%64atasette/nothing-here",
    ],
)
def test_spellings_that_name_nothing_are_clean_404s(live, target):
    status, headers, body = raw_get(live, target)
    assert status == 404, (target, status, body[:200])


@pytest.mark.parametrize(
    "raw, canonical",
    [
        (b"/api/events", b"/api/events"),
        (b"//api//events/", b"/api/events/"),
        (b"/%61pi/%65vents?q=%61", b"/api/events?q=%61"),  # the query string is not the path
        (b"/api%2Fevents", b"/api/events"),
        (b"/%7e%2D%2e%5F", b"/~-._"),
        (
            b"/datasette/chrono/actors/some%20one%2C%C3%A9",
            b"/datasette/chrono/actors/some%20one%2C%C3%A9",
        ),
        (b"/%2561pi", b"/%2561pi"),
    ],
)
def test_canonical_raw_path_reads_as_the_router_does(raw, canonical):
    assert canonical_raw_path(raw) == canonical
