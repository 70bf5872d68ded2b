"""bench/bare_app.py is the benchmark's page without the framework: it must serve exactly
chrono's pages, or its figures would measure other work."""

from __future__ import annotations

import importlib.util

import pytest
from litestar.testing import TestClient

from chrono.api import create_app
from chrono.build import build
from tests.helpers import ROOT, write_data

URLS = [
    "/api/events",
    "/api/events?actor=Haniyah",
    "/api/events?actor=islamic-emirate&from=2021-08&to=2024",
    "/api/events?from=2024-12&to=2024-12",
    "/api/events?q=talks",
]


@pytest.fixture(scope="module")
def bare_and_api(tmp_path_factory):
    folder = tmp_path_factory.mktemp("yardstick")
    build(write_data(folder / "data"), folder / "chrono.db")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("CHRONO_DB", str(folder / "chrono.db"))
    spec = importlib.util.spec_from_file_location("bare_app", ROOT / "bench" / "bare_app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.undo()
    with TestClient(module.app) as bare, TestClient(create_app(folder / "chrono.db", mount_datasette=False, cache_mb=0)) as api:
        yield bare, api


@pytest.mark.parametrize("url", URLS)
def test_the_frameworkless_page_is_byte_for_byte_chronos(bare_and_api, url):
    bare, api = bare_and_api
    expected = api.get(url)
    assert expected.status_code == 200
    assert expected.json()["events"], url  # a page with events, not two empty answers
    assert bare.get(url).content == expected.content
