"""Fixtures. Built chronologies are session-scoped and read-only: each distinct one is built once
per session and shared, and a test that writes to a database copies it first (`tmp_path`).
Shared code that is not a fixture lives in tests/helpers.py."""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from chrono.api import create_app
from chrono.build import build
from chrono.load import DataError
from tests.helpers import (
    ACTORS,
    ARCHIVES,
    BUNDLED_DATA,
    CHROMIUM,
    CHROMIUM_ARGS,
    EVENTS,
    EXTRA_EVENTS,
    SOURCES,
    Console,
    HostPages,
    write_data,
)


def pytest_configure(config: pytest.Config) -> None:
    """The test clients' own request lines (httpx, INFO) are not the app's: each app installs
    a log handler on the stream of the test that made it, closed by the time a later test's
    client writes to it."""
    logging.getLogger("httpx").setLevel(logging.WARNING)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that drives Chromium is `browser`; every test on the 20,000-event chronology
    is `slow`."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "browser" in fixtures:
            item.add_marker(pytest.mark.browser)
        if "generated_db" in fixtures:
            item.add_marker(pytest.mark.slow)


# --- data folders a test may change ----------------------------------------------------------


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


# --- built chronologies, once per session, read-only ------------------------------------------


class Chronologies:
    """Builds each distinct chronology once per session and hands out the same read-only file.

    The files are made read-only and their digests are checked when the session ends, so a test
    that writes to a shared database fails instead of changing what later tests read."""

    def __init__(self, make_folder: Callable[[str], Path]) -> None:
        self.make_folder = make_folder
        self.built: dict[str, Path] = {}
        self.digests: dict[Path, str] = {}

    def get(
        self,
        *,
        sources: list | None = None,
        actors: list | None = None,
        events: list | None = None,
        bulk: list[dict] | None = None,
    ) -> Path:
        """The database of these records (the fixture ones where None) plus `bulk` events as
        JSONL."""
        key = json.dumps([sources, actors, events, bulk], sort_keys=True, default=str)
        if key not in self.built:
            folder = self.make_folder("chronology")
            data = write_data(folder / "data", sources, actors, events)
            if bulk:
                (data / "bulk.jsonl").write_text(
                    "".join(json.dumps(e) + "\n" for e in bulk), encoding="utf-8"
                )
            # Not chrono.db: tests check that nothing depends on the file name.
            self.built[key] = self.seal(build(data, folder / "built.db").out)
        return self.built[key]

    def seal(self, db: Path) -> Path:
        db.chmod(0o444)
        self.digests[db] = digest(db)
        return db

    def changed(self) -> list[Path]:
        return [db for db, before in self.digests.items() if digest(db) != before]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def chronologies(tmp_path_factory) -> Iterator[Chronologies]:
    shared = Chronologies(tmp_path_factory.mktemp)
    yield shared
    changed = shared.changed()
    assert not changed, f"a test wrote to a shared read-only database (copy it first): {changed}"


@pytest.fixture(scope="session")
def small_db(chronologies: Chronologies) -> Path:
    """The fixture records of tests/helpers.py, built once per session. Read-only."""
    return chronologies.get()


@pytest.fixture(scope="session")
def api_db(chronologies: Chronologies) -> Path:
    """The fixture records and EXTRA_EVENTS: the API's tests and the exports'. Read-only."""
    return chronologies.get(events=EVENTS + EXTRA_EVENTS)


@pytest.fixture(scope="session")
def bundled_db(chronologies: Chronologies, tmp_path_factory) -> Path:
    """The bundled chronology (db/), built fresh once per session. Read-only. A bundled
    chronology that does not build fails every test that reads it, naming its problems."""
    out = tmp_path_factory.mktemp("bundled") / "chrono.db"
    try:
        build(BUNDLED_DATA, out)
    except DataError as exc:
        pytest.fail(
            f"the bundled chronology in {BUNDLED_DATA} does not build:\n"
            + "\n".join(str(p) for p in exc.problems[:20]),
            pytrace=False,
        )
    return chronologies.seal(out)


# --- app clients, once per session (tests that need other settings make their own) -----------


@pytest.fixture(scope="session")
def api_client(api_db: Path) -> Iterator[TestClient]:
    """The API (no Datasette) on api_db, through Litestar's test client."""
    with TestClient(create_app(api_db, mount_datasette=False)) as client:
        yield client


@pytest.fixture(scope="session")
def bundled_client(bundled_db: Path) -> Iterator[TestClient]:
    """The API (no Datasette) on the bundled chronology, through Litestar's test client."""
    with TestClient(create_app(bundled_db, mount_datasette=False)) as client:
        yield client


@pytest.fixture(scope="session")
def bundled_data_copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bundled-data")
    for name in ("sources.yml", "actors.yml", "events.yml"):
        shutil.copy(BUNDLED_DATA / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def generated_db(chronologies: Chronologies, tmp_path_factory) -> Path:
    """A generated chronology of 20,000 events (bench/generate.py), built once per session:
    large enough that what breaks under real traffic breaks here too. Read-only."""
    from bench.generate import generate

    folder = tmp_path_factory.mktemp("generated")
    generate(folder / "data", 20_000)
    build(folder / "data", folder / "chrono.db")
    return chronologies.seal(folder / "chrono.db")


# --- the browser -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never a downloaded browser build), for the session.
    Its sync API leaves an event loop on the main thread: coroutines go through
    helpers.run_async."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: apt-get install chromium"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(browser, console: Console) -> Iterator:
    """A fresh tab; it fails the test on any console error the test did not expect."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    pg = context.new_page()
    pg.on("console", lambda m: m.type == "error" and console.errors.append(m.text))
    pg.on("pageerror", lambda e: console.errors.append(f"pageerror: {e}"))
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
    assert console.unexpected() == []


@pytest.fixture(scope="module")
def host(tmp_path_factory) -> Iterator[HostPages]:
    """Another origin: a static server for newsroom pages that embed the widgets."""
    with HostPages(tmp_path_factory.mktemp("host")) as pages:
        yield pages
