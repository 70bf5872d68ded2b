"""bench/bare_app.py is the benchmark's page without the framework: it must serve exactly
chrono's pages, or its figures would measure other work."""

from __future__ import annotations

import importlib.util

import pytest
from litestar.testing import TestClient

from chrono.api import create_app
from tests.helpers import ROOT

URLS = [
    "/api/events",
    "/api/events?actor=Haniyah",
    "/api/events?actor=islamic-emirate&from=2021-08&to=2024",
    "/api/events?from=2024-12&to=2024-12",
    "/api/events?q=talks",
]


@pytest.fixture(scope="module")
def bare_and_api(small_db):
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("CHRONO_DB", str(small_db))
    spec = importlib.util.spec_from_file_location("bare_app", ROOT / "bench" / "bare_app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.undo()
    with (
        TestClient(module.app) as bare,
        TestClient(create_app(small_db, mount_datasette=False, cache_mb=0)) as api,
    ):
        yield bare, api


@pytest.mark.parametrize("url", URLS)
def test_the_frameworkless_page_is_byte_for_byte_chronos(bare_and_api, url):
    bare, api = bare_and_api
    expected = api.get(url)
    assert expected.status_code == 200
    assert expected.json()["events"], url  # a page with events, not two empty answers
    assert bare.get(url).content == expected.content
