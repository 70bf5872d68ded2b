"""What tests share besides fixtures (those live in conftest.py): the small fixture chronology,
servers on loopback, Datasette's client from a thread, and the browser tests' pages and probes."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import http.server
import json
import socket
import sqlite3
import struct
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Self, TypeVar

import httpx
import uvicorn
import yaml

from chrono.api import create_app

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DATA = ROOT / "db"
SEEDS = ROOT.parent / "shared" / "seeds"

T = TypeVar("T")


# --- the small fixture chronology ------------------------------------------------------------

SOURCES = [
    {
        "id": "wire-2024-12-24",
        "title": "Strikes and talks",
        "outlet": "Wire",
        "author": "A. Writer",
        "published": "2024-12-24",
        "url": "https://example.org/strikes",
        "archive": "wire.txt",
    },
    {
        "id": "review-2024",
        "title": "A year of contacts",
        "outlet": "Review",
        "author": None,
        "published": "2024-11/2024-12",
        "archive": "review.txt",
    },
]
ARCHIVES = {
    "wire.txt": (
        "Pakistan’s envoy  held talks in Kabul on Tuesday.\nThey came two days after the attack."
    ),
    "review.txt": (
        "In August 2021, Haniyah called Baradar. In early October 2021, Haniyeh called Muttaqi.\n"
        "The group denied it: “completely baseless”."
    ),
}
ACTORS = [
    {
        "id": "haniyeh",
        "name": "Ismail Haniyeh",
        "kind": "person",
        "aliases": ["Haniyeh", "Haniyah"],
        "memberships": [
            {
                "organization": "hamas",
                "role": "political leader",
                "start": "2017",
                "end": "2024-07-31",
            }
        ],
    },
    {"id": "hamas", "name": "Hamas", "kind": "armed-group", "aliases": []},
    {
        "id": "islamic-emirate",
        "name": "Islamic Emirate of Afghanistan",
        "kind": "government",
        "aliases": ["Taliban", "Taleban", "IEA", "Islamic Emirate"],
    },
    {
        "id": "baradar",
        "name": "Abdul Ghani Baradar",
        "kind": "person",
        "aliases": ["Baradar"],
        "memberships": [
            {
                "organization": "islamic-emirate",
                "role": "deputy leader",
                "start": "2021-08",
                "end": None,
            }
        ],
    },
    {
        "id": "muttaqi",
        "name": "Amir Khan Muttaqi",
        "kind": "person",
        "aliases": ["Muttaqi", "Mutaqqi"],
        "memberships": [
            {
                "organization": "islamic-emirate",
                "role": "acting Foreign Minister",
                "start": "2021-09",
                "end": None,
            }
        ],
    },
    {"id": "pakistan", "name": "Pakistan", "kind": "state", "aliases": []},
    {"id": "ttp", "name": "Tehrik-i-Taliban Pakistan", "kind": "armed-group", "aliases": ["TTP"]},
]
EVENTS = [
    {
        "id": "2021-08-haniyeh-calls-baradar",
        "date": "2021-08",
        "date_text": "In August 2021",
        "date_basis": "stated",
        "title": "Haniyeh phones Baradar",
        "summary": "Hamas leader called the Taliban deputy leader.",
        "type": "phone-call",
        "status": "reported",
        "location": {"place": None, "country": None},
        "actors": [{"id": "haniyeh", "role": "initiator"}, {"id": "baradar", "role": "recipient"}],
        "citations": [
            {
                "source": "review-2024",
                "quote": "In August 2021, Haniyah called Baradar.",
                "stance": "reports",
            }
        ],
    },
    {
        "id": "2021-10-haniyeh-calls-muttaqi",
        "date": "2021-10",
        "qualifier": "early",
        "date_text": "In early October 2021",
        "date_basis": "stated",
        "title": "Haniyeh phones Muttaqi",
        "summary": "A second call.",
        "type": "phone-call",
        "status": "reported",
        "actors": [{"id": "haniyeh", "role": "initiator"}, {"id": "muttaqi", "role": "recipient"}],
        "citations": [
            {
                "source": "review-2024",
                "quote": "In early October 2021, Haniyeh called Muttaqi.",
                "stance": "reports",
            }
        ],
    },
    {
        "id": "2024-12-22-ttp-attack",
        "date": "2024-12-22",
        "date_text": "two days after",
        "date_basis": "resolved",
        "date_anchor": "2024-12-24",
        "title": "TTP attack",
        "summary": "An outpost is stormed.",
        "type": "attack",
        "status": "reported",
        "location": {"place": "South Waziristan", "country": "Pakistan"},
        "actors": [{"id": "ttp", "role": "attacker"}, {"id": "pakistan", "role": "target"}],
        "citations": [
            {
                "source": "wire-2024-12-24",
                "quote": "They came two days after the attack.",
                "stance": "reports",
            }
        ],
    },
    {
        "id": "2024-12-24-talks-in-kabul",
        "date": "2024-12-24",
        "date_text": "on Tuesday",
        "date_basis": "resolved",
        "date_anchor": "2024-12-24",
        "title": "Talks in Kabul",
        "summary": "Envoy talks with Muttaqi.",
        "type": "talks",
        "status": "confirmed",
        "location": {"place": "Kabul", "country": "Afghanistan"},
        "actors": [{"id": "pakistan", "role": "visitor"}, {"id": "muttaqi", "role": "host"}],
        "citations": [
            {
                "source": "wire-2024-12-24",
                "quote": "Pakistan's envoy held talks in Kabul on Tuesday.",
                "stance": "reports",
            }
        ],
    },
]


def write_data(folder: Path, sources=None, actors=None, events=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in (
        ("sources", sources or SOURCES),
        ("actors", actors or ACTORS),
        ("events", events if events is not None else EVENTS),
    ):
        (folder / f"{name}.yml").write_text(
            yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return folder


# The API's chronology (the `api_db` fixture): the fixture events and two more.
EXTRA_EVENTS = [
    {
        "id": "2021-08-15-kabul-falls",
        "date": "2021-08-15",
        "date_text": "August 15, 2021",
        "date_basis": "stated",
        "title": "Kabul falls",
        "summary": "Taliban fighters take the presidential palace.",
        "type": "takeover",
        "status": "confirmed",
        "location": {"place": "Kabul", "country": "Afghanistan"},
        "actors": [{"id": "islamic-emirate", "role": "attacker"}],
        "citations": [
            {
                "source": "review-2024",
                "quote": "In August 2021, Haniyah called Baradar.",
                "stance": "reports",
            }
        ],
    },
    {
        "id": "2025-01-hamas-statement",
        "date": "2025-01",
        "date_text": "January 2025",
        "date_basis": "stated",
        "title": "Hamas statement after Haniyeh",
        "summary": "Issued after its leader's death.",
        "type": "statement",
        "status": "denied",
        "actors": [{"id": "haniyeh", "role": "subject"}, {"id": "hamas", "role": "author"}],
        "citations": [
            {"source": "review-2024", "quote": "completely baseless", "stance": "denies"}
        ],
    },
]
ALL = [
    "2021-08-haniyeh-calls-baradar",
    "2021-08-15-kabul-falls",
    "2021-10-haniyeh-calls-muttaqi",
    "2024-12-22-ttp-attack",
    "2024-12-24-talks-in-kabul",
    "2025-01-hamas-statement",
]


def bulk_event(i: int) -> dict:
    """The i-th of many plain meetings, for `*.jsonl` files of any length."""
    return {
        "id": f"bulk-{i}",
        "date": f"20{i % 20 + 5:02d}-{i % 12 + 1:02d}",
        "date_text": "some month",
        "date_basis": "stated",
        "title": f"Meeting {i}",
        "summary": "Delegations met.",
        "type": "meeting",
        "status": "reported",
        "location": {"place": "Doha", "country": "Qatar"},
        "actors": [
            {"id": "haniyeh", "role": "participant"},
            {"id": "baradar", "role": "participant"},
        ],
        "citations": [{"source": "wire-2024-12-24", "quote": "They met.", "stance": "reports"}],
    }


PLACEHOLDER_URL = "https://placeholder.example/article"


def plant_url(db: Path, url: str, placeholder: str = PLACEHOLDER_URL) -> None:
    """Put `url` where `placeholder` was, as a database that did not come from this build
    could hold it. Writes: only ever on a test's own copy."""
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE events_json SET json = replace(json, ?, ?)", (placeholder, url))
        conn.execute("UPDATE sources SET url = ? WHERE url = ?", (url, placeholder))
    conn.close()


# --- servers on loopback ---------------------------------------------------------------------


def free_port() -> int:
    """A port nothing listens on now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answering(url: str, proc, seconds: float) -> None:
    """Poll `url` until it answers 200; fail with the process's output if it exits first, or
    when `seconds` have passed (a generous deadline: this only detects a hang)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert proc.poll() is None, proc.stdout.read()
        assert time.monotonic() < deadline, f"{url} did not answer within {seconds:g} s"
        time.sleep(0.2)


class LiveServer:
    """An ASGI app under a real uvicorn in a background thread, for tests that need sockets."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


# --- the workbench ---------------------------------------------------------------------------

HEADER = "# Curated by hand: this comment and every byte below must survive.\n\n"

# An invented article (no real reporting), published 28 December 2024.
ARTICLE = """Envoys trade visits as winter talks resume

KABUL — Pakistan's special envoy arrived in Kabul on Monday for talks with Amir Khan Muttaqi, \
the acting foreign minister, officials said.

Two days later, Mutaqqi spoke by telephone with Abdul Ghani Baradar about the border crossings, \
according to a ministry statement.

The Taleban also said that Baradar met a delegation from the TTP in early December, \
a meeting the group denied.
"""
PAGE = f"""<!doctype html><html><head><title>Envoys trade visits | Frontier Ledger</title>
<meta property="og:title" content="Envoys trade visits as winter talks resume">
<meta property="og:site_name" content="Frontier Ledger">
<meta name="author" content="Dana Invented">
<meta property="article:published_time" content="2024-12-28T09:00:00Z">
</head><body><header><nav>Home | World | Opinion</nav></header>
<article><h1>Envoys trade visits as winter talks resume</h1>
{"".join(f"<p>{p}</p>" for p in ARTICLE.split(chr(10) + chr(10))[1:])}
</article><footer>Subscribe to our newsletter.</footer></body></html>"""


def new_event(**changes) -> dict:
    event = {
        "id": "2024-12-23-envoy-talks-in-kabul",
        "date": "2024-12-23",
        "date_text": "on Monday",
        "date_basis": "resolved",
        "date_anchor": "2024-12-28",
        "title": "Pakistan's envoy holds talks with Muttaqi in Kabul",
        "summary": "Talks in Kabul.",
        "type": "talks",
        "status": "reported",
        "location": {"place": "Kabul", "country": "Afghanistan"},
        "actors": [{"id": "pakistan", "role": "visitor"}, {"id": "muttaqi", "role": "host"}],
        "citations": [
            {
                "source": "wire-2024-12-24",
                "quote": "Pakistan's special envoy arrived in Kabul on Monday",
                "stance": "reports",
            }
        ],
    }
    return {**event, **changes}


class Pages:
    """A local web server for pages the workbench fetches (tests never use the internet)."""

    def __init__(self, pages: dict[str, str]) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/slow":
                    time.sleep(3)
                body = pages.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                # the workbench may give up waiting, as it should
                with contextlib.suppress(BrokenPipeError):
                    self.wfile.write((body or "not here").encode())

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


# --- Datasette's client ----------------------------------------------------------------------

DATASETTE_HOST = "http://testserver"


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a thread of its own. Playwright's sync API leaves an event loop set on the
    main thread for as long as the session's browser lives, and asyncio.run refuses to start
    under it: every coroutine a test runs goes through here, so tests pass in any order."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def fetch(app, *paths: str, method: str = "GET") -> list[httpx.Response]:
    """Requests to an ASGI app with the full path, as a server hands them over."""

    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=DATASETTE_HOST
        ) as client:
            return [await client.request(method, path) for path in paths]

    return run_async(run())


def get(app, path: str) -> httpx.Response:
    return fetch(app, path)[0]


def rows(app, path: str) -> list[dict]:
    """Datasette's answer as rows (`_shape=array`), asserting a 200."""
    response = get(app, path + ("&" if "?" in path else "?") + "_shape=array")
    assert response.status_code == 200, response.text
    return response.json()


# --- browser tests ---------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
# Headless, and quiet on a machine with no network beyond loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def make_event(
    id_: str,
    date: str,
    title: str,
    *,
    status: str = "reported",
    type_: str = "meeting",
    actors: list[tuple[str, str]] | None = None,
    qualifier: str | None = None,
    **extra,
) -> dict:
    record = {
        "id": id_,
        "date": date,
        "date_text": extra.pop("date_text", date),
        "date_basis": "stated",
        "title": title,
        "summary": extra.pop("summary", f"About {title.lower()}."),
        "type": type_,
        "status": status,
        "actors": [{"id": a, "role": r} for a, r in (actors or [("haniyeh", "participant")])],
        "citations": extra.pop(
            "citations",
            [{"source": "review-2024", "quote": f"Quote about {title}.", "stance": "reports"}],
        ),
        **extra,
    }
    if qualifier:
        record["qualifier"] = qualifier
    return record


# One event per precision and flag, plus the shared fixture events (month, early month, days).
PRECISION_EVENTS = [
    make_event(
        "2009-summer-meeting",
        "2009-22",
        "Summer meeting in Doha",
        status="confirmed",
        date_text="in the summer of 2009",
        actors=[("haniyeh", "visitor"), ("islamic-emirate", "host")],
        location={"place": "Doha", "country": "Qatar"},
    ),
    make_event(
        "2013-office-opens",
        "2013",
        "Political office opens",
        type_="embassy-opening",
        actors=[("islamic-emirate", "host")],
    ),
    make_event(
        "2019-uncertain-visit",
        "2019?",
        "A visit nobody confirmed",
        status="unverified",
        type_="visit",
        actors=[("baradar", "visitor")],
    ),
    make_event(
        "2022-03-false-report",
        "2022-03",
        "Invented summit",
        status="false",
        type_="conference",
        actors=[("haniyeh", "participant"), ("muttaqi", "participant")],
    ),
    make_event(
        "2023-10-approx-talks",
        "2023-10~",
        "Talks around October",
        status="disputed",
        type_="talks",
        actors=[("pakistan", "participant"), ("islamic-emirate", "participant")],
    ),
    make_event(
        "2023-12-winter-talks",
        "2023-12/2024-01",
        "Talks over the winter",
        status="claimed",
        type_="talks",
        actors=[("pakistan", "participant"), ("muttaqi", "participant")],
    ),
    make_event(
        "2024-05-22-conference",
        "2024-05-22/2024-05-23",
        "Two-day conference",
        type_="conference",
        actors=[("haniyeh", "participant"), ("muttaqi", "participant")],
        citations=[
            {
                "source": "review-2024",
                "quote": "A two-day conference was held.",
                "stance": "reports",
            },
            {
                "source": "wire-2024-12-24",
                "quote": "The conference never took place, one side said.",
                "stance": "denies",
            },
        ],
    ),
    make_event(
        "2024-05-23-call-denied",
        "2024-05-23",
        "Call that was denied",
        status="denied",
        type_="phone-call",
        actors=[("haniyeh", "initiator"), ("baradar", "recipient")],
    ),
    make_event(
        "2024-06-30-visit",
        "2024-06-30/2024-07-02",
        "Visit across two months",
        type_="visit",
        actors=[("muttaqi", "visitor"), ("pakistan", "host")],
    ),
]
WIDGET_EVENTS = EVENTS + PRECISION_EVENTS

XSS_SOURCES = SOURCES + [
    {
        "id": "evil-source",
        "title": "<b>Bold</b> source",
        "outlet": "<i>Outlet</i>",
        "published": "2024-01-01",
        "url": "https://planted.example/evil",
    },  # replaced by a javascript: URL once built
]
XSS_ACTORS = ACTORS + [
    {"id": "evil-actor", "name": "<svg onload=window.__xss=4>", "kind": "person"}
]

CSP_TEMPLATE = (
    "default-src 'self'; script-src 'self' {api}; connect-src {api}; style-src 'self'; "
    "img-src 'self'"
)


class LiveApp(LiveServer):
    """The real app under uvicorn in a background thread."""

    def __init__(self, db: Path) -> None:
        super().__init__(create_app(db, mount_datasette=False))

    def get_json(self, path: str, params: list[tuple[str, str]] | None = None) -> tuple[int, dict]:
        url = f"{self.origin}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def event_ids(self, params: list[tuple[str, str]]) -> list[str]:
        """Every matching id, following the cursor: what the widget should end up showing."""
        ids, cursor = [], None
        while True:
            status, body = self.get_json(
                "/api/events", params + [("limit", "3")] + ([("cursor", cursor)] if cursor else [])
            )
            assert status == 200, body
            ids += [e["id"] for e in body["events"]]
            cursor = body["next"]
            if not cursor:
                return ids


class HostPages:
    """Another origin: a plain static server for pages that embed the widget from the app."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        (folder / "favicon.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"/>'
        )
        self.csp: dict[str, str] = {}

        pages = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def end_headers(self) -> None:
                policy = pages.csp.get(self.path.split("?")[0])
                if policy:
                    self.send_header("Content-Security-Policy", policy)
                self.send_header("Cache-Control", "no-store")
                super().end_headers()

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(folder))
        )
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *_) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def page(self, name: str, body: str, *, head: str = "", csp: str | None = None) -> str:
        """Writes an HTML page and returns its URL."""
        html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<link rel="icon" href="/favicon.svg"><title>{name}</title>{head}</head>'
            f"<body><main><h1>Host page</h1>{body}</main></body></html>"
        )
        (self.folder / name).write_text(html, encoding="utf-8")
        if csp:
            self.csp[f"/{name}"] = csp
        return f"{self.origin}/{name}"


class Console:
    """Console errors and uncaught exceptions of a page; a test that provokes some says which."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.expected: list[str] = []

    def expect(self, fragment: str) -> None:
        self.expected.append(fragment)

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(f in e for f in self.expected)]


READY = """(selector) => {
  const timelines = [...document.querySelectorAll(selector)];
  return timelines.length > 0 && timelines.every((t) => {
    const s = t.shadowRoot && t.shadowRoot.querySelector('.status');
    const busy = t.shadowRoot
      && t.shadowRoot.querySelector('[aria-busy="true"], .more[aria-disabled="true"]');
    return s && s.textContent.trim() && !s.textContent.startsWith('Loading') && !busy;
  });
}"""


def wait_ready(target, selector: str = "chrono-timeline") -> None:
    """Waits until every timeline has an answer: events, the empty message or an error."""
    target.wait_for_function(READY, arg=selector)


def deep_focus(page) -> dict:
    """What has keyboard focus, looking inside the widget's shadow root."""
    return page.evaluate("""() => {
      let el = document.activeElement;
      while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
      return {tag: el.tagName.toLowerCase(), cls: el.className || '',
              text: (el.textContent || '').trim().slice(0, 80),
              event: el.closest('[data-event-id]')
                ? el.closest('[data-event-id]').dataset.eventId : null};
    }""")


def no_horizontal_overflow(page) -> bool:
    return page.evaluate(
        "() => document.scrollingElement.scrollWidth <= document.scrollingElement.clientWidth"
    )


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decodes an 8-bit, non-interlaced RGB(A) PNG (what Chromium writes) to rows of pixels."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 4 if colour == 6 else 3
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = previous[i]
            up_left = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else up_left)
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(r) for r in rows]


def screenshot_stats(data: bytes) -> tuple[int, float]:
    """Distinct colours, and the share of rows that are not one flat colour."""
    width, height, rows = png_pixels(data)
    bpp = len(rows[0]) // width
    colours, busy = set(), 0
    for row in rows:
        pixels = {row[i : i + 3] for i in range(0, len(row), bpp)}
        colours |= pixels
        busy += len(pixels) > 1
    return len(colours), busy / height
