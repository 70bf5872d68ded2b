"""The pages a person opens on a running `chrono serve`: landing, embed and the mounted Datasette,
under their real security headers, in headless Chromium, with no console errors."""

from __future__ import annotations

import pytest

from chrono.api import create_app
from tests.test_rebuild import LiveServer
from tests.test_widget import READY

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base(bundled_db):
    with LiveServer(create_app(bundled_db)) as url:
        yield url


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    page.goto(url)
    return page, problems


def test_datasette_events_page_shows_the_widget_above_the_rows(browser, base):
    page, problems = open_page(browser, f"{base}/datasette/chrono/events")
    page.wait_for_function(READY, arg="chrono-timeline", timeout=15_000)
    ids = page.evaluate("() => [...document.querySelector('chrono-timeline').shadowRoot.querySelectorAll('[data-event-id]')].map(e => e.dataset.eventId)")
    assert ids[:2] == ["2001-09-09-ahmad-shah-massoud-assassinated", "2001-09-11-september-11-attacks"]
    widget_top = page.evaluate("() => document.querySelector('chrono-timeline').getBoundingClientRect().top")
    table_top = page.evaluate("() => document.querySelector('table.rows-and-columns').getBoundingClientRect().top")
    assert widget_top < table_top
    assert page.locator("table.rows-and-columns tbody tr").count() == 50
    page.close()
    assert problems == []


@pytest.mark.parametrize("path", ["/datasette", "/datasette/chrono", "/datasette/chrono/contacts_between?actor=Islamic+Emirate&other=Hamas",
                                  "/datasette/chrono/events?_facet_month=date_start&_search=Haniyeh"])
def test_datasette_pages_run_their_scripts_under_the_csp(browser, base, path):
    page, problems = open_page(browser, f"{base}{path}")
    page.wait_for_load_state("networkidle")
    assert page.title()
    page.close()
    assert problems == []


def test_landing_and_embed_pages_have_no_errors(browser, base):
    for path in ("/", "/embed?actor=Haniyeh&from=2021&to=2022"):
        page, problems = open_page(browser, f"{base}{path}")
        page.wait_for_function(READY, arg="chrono-timeline", timeout=15_000)
        page.close()
        assert problems == [], path
