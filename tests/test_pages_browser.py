"""The pages a person opens on a running `chrono serve`: landing, embed and the mounted Datasette,
under their real security headers, in headless Chromium, with no console errors."""

from __future__ import annotations

import pytest

from chrono.api import create_app
from tests.helpers import READY, LiveServer

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def base(bundled_db):
    with LiveServer(create_app(bundled_db)) as live:
        yield live.origin


def open_page(browser, url: str, width: int = 1200, height: int = 900):
    page = browser.new_page(viewport={"width": width, "height": height})
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status} {r.url}"))
    page.goto(url)
    return page, problems


FIRST_ROW_TOP = (
    "() => document.querySelector('table.rows-and-columns tbody tr').getBoundingClientRect().top"
)


@pytest.mark.parametrize("width, height", [(1200, 900), (1366, 768)])
def test_datasette_events_page_shows_rows_on_the_first_screen(browser, base, width, height):
    page, problems = open_page(browser, f"{base}/datasette/chrono/events", width, height)
    page.wait_for_function(READY, arg="chrono-timeline", timeout=15_000)
    assert (
        page.evaluate(FIRST_ROW_TOP) < height - 60
    )  # the first row and some of it, without scrolling
    # The column notes are one click away, not in the way.
    assert page.locator(".column-descriptions").is_hidden()
    notes = page.locator("details.chrono-columns")
    notes.locator("> summary").click()
    assert notes.locator("dt", has_text="date_basis").is_visible()
    page.close()
    assert problems == []


def test_datasette_events_page_folds_the_timeline_above_the_rows(browser, base):
    page, problems = open_page(browser, f"{base}/datasette/chrono/events")
    page.wait_for_function(READY, arg="chrono-timeline", timeout=15_000)
    timeline = page.locator("details.chrono-timeline")
    assert page.locator("chrono-timeline").is_hidden()
    timeline.locator("> summary").click()
    ids = page.evaluate(
        "() => [...document.querySelector('chrono-timeline').shadowRoot"
        ".querySelectorAll('[data-event-id]')].map(e => e.dataset.eventId)"
    )
    assert ids[:2] == [
        "2001-09-09-ahmad-shah-massoud-assassinated",
        "2001-09-11-september-11-attacks",
    ]
    widget_top = page.evaluate(
        "() => document.querySelector('chrono-timeline').getBoundingClientRect().top"
    )
    table_top = page.evaluate(
        "() => document.querySelector('table.rows-and-columns').getBoundingClientRect().top"
    )
    assert widget_top < table_top
    assert page.locator("table.rows-and-columns tbody tr").count() == 50
    page.close()
    assert problems == []


# Every cell holding a day, drawn on one line: a day never breaks at its hyphens.
WRAPPED_DAYS = """() => [...document.querySelectorAll('table.rows-and-columns td')]
  .filter((td) => /^\\d{4}-\\d{2}-\\d{2}$/.test(td.textContent.trim()))
  .filter((td) => {
    const r = document.createRange();
    r.selectNodeContents(td);
    return r.getClientRects().length > 1;
  })
  .map((td) => td.className + ' ' + td.textContent.trim())"""


@pytest.mark.parametrize(
    "path",
    [
        "/datasette/chrono/contacts_between?actor=Islamic+Emirate&other=Hamas",
        "/datasette/chrono/first_last_contact",
        "/datasette/chrono/actor_chronology?actor=Haniyeh&from=&to=",
        "/datasette/chrono/claims_by_status?status=denied",
    ],
)
@pytest.mark.parametrize("width", [1200, 800])
def test_canned_query_pages_never_break_a_day(browser, base, path, width):
    page, problems = open_page(browser, f"{base}{path}", width, 900)
    page.wait_for_load_state("networkidle")
    days = page.evaluate(
        "() => [...document.querySelectorAll('table.rows-and-columns td')]"
        ".filter((td) => /^\\d{4}-\\d{2}-\\d{2}$/.test(td.textContent.trim())).length"
    )
    assert days > 0
    assert page.evaluate(WRAPPED_DAYS) == []
    page.close()
    assert problems == []


@pytest.mark.parametrize(
    "path",
    [
        "/datasette",
        "/datasette/chrono",
        "/datasette/chrono/contacts_between?actor=Islamic+Emirate&other=Hamas",
        "/datasette/chrono/events?_facet_month=date_start&_search=Haniyeh",
    ],
)
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
