"""Shared fixtures: a small, valid data folder written to tmp_path, and the bundled chronology."""

from __future__ import annotations

import copy
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
import yaml

from chrono.build import build

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_DATA = ROOT / "db"
SEEDS = ROOT.parent / "shared" / "seeds"

SOURCES = [
    {"id": "wire-2024-12-24", "title": "Strikes and talks", "outlet": "Wire", "author": "A. Writer",
     "published": "2024-12-24", "url": "https://example.org/strikes", "archive": "wire.txt"},
    {"id": "review-2024", "title": "A year of contacts", "outlet": "Review", "author": None,
     "published": "2024-11/2024-12", "archive": "review.txt"},
]
ARCHIVES = {
    "wire.txt": "Pakistan’s envoy  held talks in Kabul on Tuesday.\nThey came two days after the attack.",
    "review.txt": "In August 2021, Haniyah called Baradar. In early October 2021, Haniyeh called Muttaqi.\n"
                  "The group denied it: “completely baseless”.",
}
ACTORS = [
    {"id": "haniyeh", "name": "Ismail Haniyeh", "kind": "person", "aliases": ["Haniyeh", "Haniyah"],
     "memberships": [{"organization": "hamas", "role": "political leader", "start": "2017", "end": "2024-07-31"}]},
    {"id": "hamas", "name": "Hamas", "kind": "armed-group", "aliases": []},
    {"id": "islamic-emirate", "name": "Islamic Emirate of Afghanistan", "kind": "government",
     "aliases": ["Taliban", "Taleban", "IEA", "Islamic Emirate"]},
    {"id": "baradar", "name": "Abdul Ghani Baradar", "kind": "person", "aliases": ["Baradar"],
     "memberships": [{"organization": "islamic-emirate", "role": "deputy leader", "start": "2021-08", "end": None}]},
    {"id": "muttaqi", "name": "Amir Khan Muttaqi", "kind": "person", "aliases": ["Muttaqi", "Mutaqqi"],
     "memberships": [{"organization": "islamic-emirate", "role": "acting Foreign Minister", "start": "2021-09", "end": None}]},
    {"id": "pakistan", "name": "Pakistan", "kind": "state", "aliases": []},
    {"id": "ttp", "name": "Tehrik-i-Taliban Pakistan", "kind": "armed-group", "aliases": ["TTP"]},
]
EVENTS = [
    {"id": "2021-08-haniyeh-calls-baradar", "date": "2021-08", "date_text": "In August 2021", "date_basis": "stated",
     "title": "Haniyeh phones Baradar", "summary": "Hamas leader called the Taliban deputy leader.",
     "type": "phone-call", "status": "reported", "location": {"place": None, "country": None},
     "actors": [{"id": "haniyeh", "role": "initiator"}, {"id": "baradar", "role": "recipient"}],
     "citations": [{"source": "review-2024", "quote": "In August 2021, Haniyah called Baradar.", "stance": "reports"}]},
    {"id": "2021-10-haniyeh-calls-muttaqi", "date": "2021-10", "qualifier": "early", "date_text": "In early October 2021",
     "date_basis": "stated", "title": "Haniyeh phones Muttaqi", "summary": "A second call.",
     "type": "phone-call", "status": "reported",
     "actors": [{"id": "haniyeh", "role": "initiator"}, {"id": "muttaqi", "role": "recipient"}],
     "citations": [{"source": "review-2024", "quote": "In early October 2021, Haniyeh called Muttaqi.", "stance": "reports"}]},
    {"id": "2024-12-22-ttp-attack", "date": "2024-12-22", "date_text": "two days after", "date_basis": "resolved",
     "date_anchor": "2024-12-24", "title": "TTP attack", "summary": "An outpost is stormed.",
     "type": "attack", "status": "reported", "location": {"place": "South Waziristan", "country": "Pakistan"},
     "actors": [{"id": "ttp", "role": "attacker"}, {"id": "pakistan", "role": "target"}],
     "citations": [{"source": "wire-2024-12-24", "quote": "They came two days after the attack.", "stance": "reports"}]},
    {"id": "2024-12-24-talks-in-kabul", "date": "2024-12-24", "date_text": "on Tuesday", "date_basis": "resolved",
     "date_anchor": "2024-12-24", "title": "Talks in Kabul", "summary": "Envoy talks with Muttaqi.",
     "type": "talks", "status": "confirmed", "location": {"place": "Kabul", "country": "Afghanistan"},
     "actors": [{"id": "pakistan", "role": "visitor"}, {"id": "muttaqi", "role": "host"}],
     "citations": [{"source": "wire-2024-12-24", "quote": "Pakistan's envoy held talks in Kabul on Tuesday.", "stance": "reports"}]},
]


def write_data(folder: Path, sources=None, actors=None, events=None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, records in (("sources", sources or SOURCES), ("actors", actors or ACTORS), ("events", events if events is not None else EVENTS)):
        (folder / f"{name}.yml").write_text(yaml.safe_dump(records, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture
def records():
    """Deep copies of the fixture records, to break on purpose."""
    return copy.deepcopy(SOURCES), copy.deepcopy(ACTORS), copy.deepcopy(EVENTS)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return write_data(tmp_path / "data")


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in ARCHIVES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def small_db(data_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "small.db"
    build(data_dir, out)
    return out


@pytest.fixture(scope="session")
def bundled_db(tmp_path_factory) -> Path:
    """The bundled chronology, built fresh into a temporary folder once per session."""
    out = tmp_path_factory.mktemp("bundled") / "chrono.db"
    build(BUNDLED_DATA, out)
    return out


@pytest.fixture(scope="session")
def bundled_data_copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bundled-data")
    for name in ("sources.yml", "actors.yml", "events.yml"):
        shutil.copy(BUNDLED_DATA / name, folder / name)
    return folder


CHROMIUM = "/usr/bin/chromium"
# Headless, and quiet on a machine with no network beyond loopback.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser build)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def generated_db(tmp_path_factory) -> Path:
    """A generated chronology of 20,000 events (bench/generate.py), built once per session:
    large enough that what breaks under real traffic breaks here too."""
    from bench.generate import generate

    folder = tmp_path_factory.mktemp("generated")
    generate(folder / "data", 20_000)
    build(folder / "data", folder / "chrono.db")
    return folder / "chrono.db"


def free_port() -> int:
    """A port nothing listens on now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """An ASGI app under a real uvicorn in a background thread, for tests that need sockets."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
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
