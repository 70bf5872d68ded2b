"""The <chrono-timeline> widget in headless Chromium: embedded cross-origin, under a strict CSP,
in /embed.

Two real servers run for the module: the app (uvicorn, in a thread) and a plain static server on
another port standing in for a newsroom page that embeds the widget from the app's origin.
"""

from __future__ import annotations

import contextlib
import shutil
import urllib.request
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.helpers import (
    CSP_TEMPLATE,
    WIDGET_EVENTS,
    XSS_ACTORS,
    XSS_SOURCES,
    HostPages,
    LiveApp,
    deep_focus,
    free_port,
    make_event,
    no_horizontal_overflow,
    plant_url,
    screenshot_stats,
    wait_ready,
)

pytestmark = pytest.mark.browser

EXPECTED_LABELS = {
    "2009-summer-meeting": "summer 2009",
    "2013-office-opens": "2013",
    "2019-uncertain-visit": "2019?",
    "2021-08-haniyeh-calls-baradar": "Aug 2021",
    "2021-10-haniyeh-calls-muttaqi": "early Oct 2021",
    "2022-03-false-report": "Mar 2022",
    "2023-10-approx-talks": "c. Oct 2023",
    "2023-12-winter-talks": "Dec 2023 – Jan 2024",
    "2024-05-22-conference": "22–23 May 2024",
    "2024-05-23-call-denied": "23 May 2024",
    "2024-06-30-visit": "30 Jun – 2 Jul 2024",
    "2024-12-22-ttp-attack": "22 Dec 2024",
    "2024-12-24-talks-in-kabul": "24 Dec 2024",
}

XSS_TITLE = '<img src=x onerror="window.__xss=1">'
XSS_SUMMARY = "<script>window.__xss=2</script>"
XSS_EVENTS = [
    make_event(
        "2024-01-xss",
        "2024-01",
        XSS_TITLE,
        summary=XSS_SUMMARY,
        actors=[("evil-actor", "participant")],
        location={"place": "<u>Place</u>", "country": None},
        citations=[
            {
                "source": "evil-source",
                "quote": "<a href=javascript:window.__xss=5>quote</a>",
                "stance": "reports",
            }
        ],
    ),
]


@pytest.fixture(scope="module")
def app(chronologies) -> Iterator[LiveApp]:
    with LiveApp(chronologies.get(events=WIDGET_EVENTS)) as live:
        yield live


@pytest.fixture(scope="module")
def xss_app(chronologies, tmp_path_factory) -> Iterator[LiveApp]:
    db = tmp_path_factory.mktemp("xss") / "chrono.db"
    shutil.copyfile(chronologies.get(sources=XSS_SOURCES, actors=XSS_ACTORS, events=XSS_EVENTS), db)
    # The build refuses a javascript: URL; the widget must not link one from any API either.
    plant_url(db, "javascript:window.__xss=3", "https://planted.example/evil")
    with LiveApp(db) as live:
        yield live


# --- helpers ---------------------------------------------------------------------------------


def embed(
    host: HostPages,
    app: LiveApp,
    name: str,
    attributes: str = "",
    *,
    csp: str | None = None,
    extra: str = "",
) -> str:
    return host.page(
        name,
        f'<chrono-timeline api="{app.origin}/api" {attributes}></chrono-timeline>{extra}',
        head=f'<script type="module" src="{app.origin}/widget.js"></script>',
        csp=csp,
    )


def rendered_ids(target) -> list[str]:
    return target.locator("chrono-timeline li[data-event-id]").evaluate_all(
        "items => items.map(i => i.dataset.eventId)"
    )


def status_text(target) -> str:
    return target.locator("chrono-timeline .status").inner_text()


# --- rendering matches the API ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "params"),
    [
        ("", []),
        ('actor="Haniyah"', [("actor", "Haniyah")]),
        (
            'actor="haniyeh" from="2021" to="2022"',
            [("actor", "haniyeh"), ("from", "2021"), ("to", "2022")],
        ),
        ('from="2023-11" to="2024-05-22"', [("from", "2023-11"), ("to", "2024-05-22")]),
        ('actor="Haniyeh, Muttaqi"', [("actor", "Haniyeh"), ("actor", "Muttaqi")]),
        (
            'actor="Taliban" status="disputed,confirmed"',
            [("actor", "Taliban"), ("status", "disputed"), ("status", "confirmed")],
        ),
        ('type="phone-call" q="Haniyeh"', [("type", "phone-call"), ("q", "Haniyeh")]),
        ('order="desc"', [("order", "desc")]),
        (
            'from="2023" to="2023" match="within"',
            [("from", "2023"), ("to", "2023"), ("match", "within")],
        ),
        (
            'actor="Islamic Emirate" members="false"',
            [("actor", "Islamic Emirate"), ("members", "false")],
        ),
    ],
)
def test_cross_origin_page_renders_the_events_the_api_returns(page, app, host, attributes, params):
    expected = app.event_ids(params)
    assert expected, "each filter combination should match something"
    page.goto(embed(host, app, f"filters-{abs(hash(attributes))}.html", attributes))
    wait_ready(page)
    assert rendered_ids(page) == expected


def test_match_members_and_order_change_what_the_api_is_asked(app):
    """The three attributes above pass through to the API, which answers differently with them."""
    assert app.event_ids([("order", "desc")]) == app.event_ids([])[::-1]
    year = [("from", "2023"), ("to", "2023")]
    assert app.event_ids([*year, ("match", "within")]) != app.event_ids(year)
    emirate = [("actor", "Islamic Emirate")]
    assert app.event_ids([*emirate, ("members", "false")]) != app.event_ids(emirate)


def test_newest_first_runs_years_downwards_through_every_page(page, app, host):
    page.goto(embed(host, app, "newest.html", 'order="desc" limit="2"'))
    wait_ready(page)
    assert status_text(page) == "2 events so far, more to load · 22–24 Dec 2024"
    more = page.locator("chrono-timeline button.more")
    while more.is_visible():
        more.click()
        wait_ready(page)
    assert rendered_ids(page) == app.event_ids([])[::-1]
    assert page.locator("chrono-timeline h3.year").all_inner_texts() == [
        "2024",
        "2023",
        "2022",
        "2021",
        "2019",
        "2013",
        "2009",
    ]
    # the count's range runs from the earliest start to the latest end, whatever the order
    assert status_text(page) == f"{len(WIDGET_EVENTS)} events · 1 Jun 2009 – 24 Dec 2024"


def test_events_are_grouped_under_their_start_year(page, app, host):
    page.goto(embed(host, app, "years.html"))
    wait_ready(page)
    groups = page.locator("chrono-timeline .groups").evaluate("""groups => {
      const out = [];
      for (const node of groups.children) {
        if (/^H[2-6]$/.test(node.tagName)) out.push([node.textContent, []]);
        else out[out.length - 1][1].push(
          ...[...node.querySelectorAll('li[data-event-id]')].map(li => li.dataset.eventId));
      }
      return out;
    }""")
    assert [year for year, _ in groups] == ["2009", "2013", "2019", "2021", "2022", "2023", "2024"]
    assert dict(groups)["2023"] == [
        "2023-10-approx-talks",
        "2023-12-winter-talks",
    ]  # the span goes under its start year
    assert page.locator("chrono-timeline h3.year").count() == 7
    assert page.locator("chrono-timeline ol.events > li").count() == len(WIDGET_EVENTS)


def test_labels_follow_each_events_precision(page, app, host):
    page.goto(embed(host, app, "labels.html"))
    wait_ready(page)
    labels = page.locator("chrono-timeline li[data-event-id]").evaluate_all(
        "items => Object.fromEntries("
        "items.map(i => [i.dataset.eventId, i.querySelector('.when').textContent]))"
    )
    assert labels == EXPECTED_LABELS
    # machine-readable where HTML allows it
    assert (
        page.locator(
            'chrono-timeline li[data-event-id="2024-05-23-call-denied"] time'
        ).get_attribute("datetime")
        == "2024-05-23"
    )
    assert (
        page.locator(
            'chrono-timeline li[data-event-id="2021-08-haniyeh-calls-baradar"] time'
        ).get_attribute("datetime")
        == "2021-08"
    )


def _mark_widths(page) -> dict[str, float]:
    marks = page.locator("chrono-timeline svg.axis rect.mark").evaluate_all(
        "rects => rects.map(r => "
        "[r.querySelector('title').textContent, r.getBoundingClientRect().width])"
    )
    return {title.split(": ", 1)[0]: width for title, width in marks}


def test_overview_draws_fuzzy_dates_as_ranges(page, app, host):
    page.goto(embed(host, app, "axis.html"))
    wait_ready(page)
    width = _mark_widths(page)
    assert len(width) == len(WIDGET_EVENTS)
    assert width["2013"] > width["summer 2009"] > width["Aug 2021"] > 0
    assert page.locator("chrono-timeline svg.axis text.tick-label").count() >= 3

    # over a shorter range a month is wider than a day, and a two-month span wider than a month
    page.locator("chrono-timeline").evaluate("t => t.setAttribute('from', '2023')")
    page.wait_for_function(
        "() => document.querySelector('chrono-timeline').shadowRoot"
        ".querySelectorAll('rect.mark').length === 7"
    )
    wait_ready(page)
    width = _mark_widths(page)
    assert width["Dec 2023 – Jan 2024"] > width["c. Oct 2023"] > width["23 May 2024"] > 0


def test_status_is_shown_in_words_and_style(page, app, host):
    page.goto(embed(host, app, "status.html"))
    wait_ready(page)

    def look(event_id: str) -> dict:
        return page.locator(f'chrono-timeline li[data-event-id="{event_id}"]').evaluate("""li => {
          const badge = li.querySelector('.badge');
          return {badge: badge.textContent, badgeBorder: getComputedStyle(badge).borderTopStyle,
                  rule: getComputedStyle(li).borderLeftStyle};
        }""")

    assert look("2024-05-23-call-denied") == {
        "badge": "Status: Denied",
        "badgeBorder": "dashed",
        "rule": "double",
    }
    assert look("2023-10-approx-talks")["badge"] == "Status: Disputed"
    assert look("2019-uncertain-visit")["rule"] == "double"
    assert look("2022-03-false-report")["badge"] == "Status: False"
    assert look("2024-12-24-talks-in-kabul") == {
        "badge": "Status: Confirmed",
        "badgeBorder": "solid",
        "rule": "solid",
    }
    # the "Status:" prefix is for screen readers; sighted readers see the word alone
    hidden = page.locator(
        'chrono-timeline li[data-event-id="2024-05-23-call-denied"] .badge .vh'
    ).bounding_box()
    assert hidden["width"] <= 1 and hidden["height"] <= 1


def test_citations_open_on_demand_with_links_and_quotes(page, app, host):
    page.goto(embed(host, app, "citations.html", 'actor="Muttaqi" from="2024-05" to="2024-05"'))
    wait_ready(page)
    item = page.locator('chrono-timeline li[data-event-id="2024-05-22-conference"]')
    quote = item.locator("blockquote").first
    assert not quote.is_visible()
    item.locator("summary").click()
    assert quote.is_visible()
    assert item.locator("blockquote").all_inner_texts() == [
        "A two-day conference was held.",
        "The conference never took place, one side said.",
    ]
    links = item.locator("a.source-title")
    assert links.count() == 1  # the review has no url: its title is plain text
    assert links.get_attribute("href") == "https://example.org/strikes"
    assert links.inner_text() == "Strikes and talks"
    assert "Review" in item.locator(".citation").first.inner_text()


# --- interaction -----------------------------------------------------------------------------


def test_more_fetches_every_page_through_the_cursor(page, app, host):
    page.goto(embed(host, app, "more.html", 'limit="2"'))
    wait_ready(page)
    assert len(rendered_ids(page)) == 2
    more = page.locator("chrono-timeline button.more")
    clicks = 0
    while more.is_visible():
        more.click()
        wait_ready(page)
        clicks += 1
        assert clicks < 20
    ids = rendered_ids(page)
    assert ids == app.event_ids([])
    assert len(ids) == len(set(ids)) == len(WIDGET_EVENTS)
    assert clicks == 6
    # one heading per year even though years were split across pages
    assert page.locator("chrono-timeline h3.year").all_inner_texts() == [
        "2009",
        "2013",
        "2019",
        "2021",
        "2022",
        "2023",
        "2024",
    ]


def test_actor_chip_refilters_the_widget(page, app, host):
    page.goto(embed(host, app, "chip.html", 'from="2024"'))
    wait_ready(page)
    page.locator(
        'chrono-timeline li[data-event-id="2024-12-24-talks-in-kabul"] button.chip',
        has_text="Amir Khan Muttaqi",
    ).click()
    wait_ready(page)
    assert page.locator("chrono-timeline").get_attribute("actor") == "muttaqi"
    assert rendered_ids(page) == app.event_ids([("actor", "muttaqi"), ("from", "2024")])
    bar = page.locator("chrono-timeline .filterbar")
    assert bar.inner_text().startswith("Showing events with Amir Khan Muttaqi.")
    bar.locator("button").click()
    wait_ready(page)
    assert page.locator("chrono-timeline").get_attribute("actor") is None
    assert rendered_ids(page) == app.event_ids([("from", "2024")])
    assert not bar.is_visible()


def test_changing_an_attribute_rerenders(page, app, host):
    page.goto(embed(host, app, "attrs.html", 'from="2024"'))
    wait_ready(page)
    page.evaluate("""() => { const t = document.querySelector('chrono-timeline');
                             t.setAttribute('from', '2009'); t.setAttribute('to', '2013'); }""")
    page.wait_for_function(
        "() => document.querySelector('chrono-timeline').shadowRoot"
        ".querySelectorAll('li[data-event-id]').length === 2"
    )
    wait_ready(page)
    assert rendered_ids(page) == ["2009-summer-meeting", "2013-office-opens"]


def test_keyboard_reaches_chips_disclosures_and_more(page, app, host):
    page.goto(embed(host, app, "keyboard.html", 'limit="2"'))
    wait_ready(page)
    stops = []
    for _ in range(12):
        page.keyboard.press("Tab")
        stops.append(deep_focus(page))
    kinds = [(s["tag"], s["cls"]) for s in stops]
    # focus moves in reading order: the search box and its button, the actor picker, then
    # each event's chips and its disclosure, then More
    assert kinds[: kinds.index(("button", "more")) + 1] == [
        ("input", ""),
        ("button", ""),
        ("input", ""),
        ("button", "chip"),
        ("button", "chip"),
        ("summary", ""),
        ("button", "chip"),
        ("summary", ""),
        ("button", "more"),
    ]
    assert [s["event"] for s in stops[3:8]] == ["2009-summer-meeting"] * 3 + [
        "2013-office-opens"
    ] * 2

    # a focus ring is visible on the focused control
    page.locator("chrono-timeline summary").first.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    outline = page.evaluate("""() => {
      const el = document.querySelector('chrono-timeline').shadowRoot.activeElement;
      return getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth;
    }""")
    assert outline == "solid 3px"

    # Enter and Space open the disclosures and reveal the quote
    first = page.locator('chrono-timeline li[data-event-id="2009-summer-meeting"]')
    assert not first.locator("blockquote").is_visible()
    page.keyboard.press("Enter")
    assert first.locator("blockquote").is_visible()
    assert first.locator("blockquote").inner_text() == "Quote about Summer meeting in Doha."
    second = page.locator('chrono-timeline li[data-event-id="2013-office-opens"]')
    second.locator("summary").focus()
    page.keyboard.press("Space")
    assert second.locator("blockquote").is_visible()

    # Enter on More loads the next page and keeps focus where the new events start
    page.locator("chrono-timeline button.more").focus()
    page.keyboard.press("Enter")
    wait_ready(page)
    assert len(rendered_ids(page)) == 4
    assert deep_focus(page)["event"] == rendered_ids(page)[2]

    # Enter on an actor chip re-filters to that actor
    chip = page.locator('chrono-timeline li[data-event-id="2013-office-opens"] button.chip').first
    chip.focus()
    page.keyboard.press("Enter")
    wait_ready(page)
    assert page.locator("chrono-timeline").get_attribute("actor") == "islamic-emirate"
    expected = app.event_ids([("actor", "islamic-emirate")])
    while page.locator("chrono-timeline button.more").is_visible():
        page.locator("chrono-timeline button.more").click()
        wait_ready(page)
    assert rendered_ids(page) == expected


# --- states ----------------------------------------------------------------------------------


def test_a_setting_that_cannot_work_is_explained_without_a_retry(page, app, host, console):
    console.expect("status of 400")
    status, body = app.get_json("/api/events", [("from", "2021-13")])
    assert status == 400
    page.goto(embed(host, app, "error.html", 'from="2021-13"'))
    wait_ready(page)
    assert status_text(page) == (
        "This timeline cannot be shown: its “from” setting is not valid "
        "('2021-13' is not a real calendar date)."
    )
    assert page.locator("chrono-timeline .status").get_attribute("role") == "status"
    assert not page.locator("chrono-timeline button.retry").is_visible()  # trying again cannot help
    assert rendered_ids(page) == []


def test_network_error_state(page, app, host, console):
    console.expect("ERR_CONNECTION_REFUSED")
    dead = f"http://127.0.0.1:{free_port()}"
    page.goto(
        host.page(
            "network.html",
            f'<chrono-timeline api="{dead}/api"></chrono-timeline>',
            head=f'<script type="module" src="{app.origin}/widget.js"></script>',
        )
    )
    wait_ready(page)
    assert status_text(page).startswith(
        "The chronology could not be reached. Check your connection, then try again."
    )
    assert page.locator("chrono-timeline button.retry").is_visible()  # this one may pass


def test_an_unknown_actor_is_named_with_close_names_to_pick(page, app, host, console):
    console.expect("status of 400")
    page.goto(embed(host, app, "unknown.html", 'actor="Hanieh" from="2021"'))
    wait_ready(page)
    status = page.locator("chrono-timeline .status")
    assert status.inner_text().startswith("No one in this chronology is known as “Hanieh”.")
    assert "Did you mean:" in status.inner_text()
    assert not page.locator("chrono-timeline button.retry").is_visible()
    suggestion = page.locator("chrono-timeline button.suggestion")
    assert suggestion.all_inner_texts() == ["Ismail Haniyeh"]
    suggestion.click()
    wait_ready(page)
    assert page.locator("chrono-timeline").get_attribute("actor") == "haniyeh"
    expected = app.event_ids([("actor", "haniyeh"), ("from", "2021")])
    assert rendered_ids(page) == expected[:20]
    assert status_text(page).startswith(f"Ismail Haniyeh · {len(expected)} events · ")


def test_an_unknown_name_with_nothing_close_says_so(page, app, host, console):
    console.expect("status of 400")
    page.goto(embed(host, app, "nobody.html", 'actor="Zebedee"'))
    wait_ready(page)
    assert " ".join(status_text(page).split()) == (
        "No one in this chronology is known as “Zebedee”. "
        "Check the spelling, or pick an actor from the list."
    )
    assert page.locator("chrono-timeline button").filter(has_text="Try again").count() == 0


def test_empty_state(page, app, host):
    page.goto(embed(host, app, "empty.html", 'from="1900" to="1901"'))
    wait_ready(page)
    assert status_text(page) == "No events match these filters."
    assert rendered_ids(page) == []
    assert not page.locator("chrono-timeline button.more").is_visible()


# --- security --------------------------------------------------------------------------------


def test_data_is_text_never_html(page, xss_app, host):
    page.goto(embed(host, xss_app, "xss.html"))
    wait_ready(page)
    item = page.locator('chrono-timeline li[data-event-id="2024-01-xss"]')
    assert item.locator(".title").inner_text() == XSS_TITLE
    assert item.locator(".summary").inner_text() == XSS_SUMMARY
    assert item.locator("button.chip").inner_text().startswith("<svg onload=window.__xss=4>")
    assert "<u>Place</u>" in item.locator(".meta").inner_text()
    item.locator("summary").click()
    assert item.locator("blockquote").inner_text() == "<a href=javascript:window.__xss=5>quote</a>"
    assert item.locator(".source-title").inner_text() == "<b>Bold</b> source"
    # a javascript: source url does not become a link
    assert item.locator("a").count() == 0
    counts = page.locator("chrono-timeline").evaluate("""t => ({
      img: t.shadowRoot.querySelectorAll('img, script, b, i, u, svg:not(.axis)').length,
      js: [...t.shadowRoot.querySelectorAll('[href], [cite]')]
        .filter(a => /^javascript:/i.test(a.getAttribute('href') || a.getAttribute('cite')))
        .length})""")
    assert counts == {"img": 0, "js": 0}
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__xss") is None


def test_strict_csp_page_renders_with_styles_and_no_violation(page, app, host):
    page.add_init_script("""
      window.__violations = [];
      document.addEventListener('securitypolicyviolation',
        e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
    """)
    url = embed(host, app, "csp.html", 'actor="Haniyeh"', csp=CSP_TEMPLATE.format(api=app.origin))
    response = page.goto(url)
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    wait_ready(page)
    assert rendered_ids(page) == app.event_ids([("actor", "Haniyeh")])
    style = page.locator("chrono-timeline li[data-event-id]").first.evaluate(
        "li => ({display: getComputedStyle(li).display, "
        "rule: getComputedStyle(li).borderLeftWidth, list: getComputedStyle(li).listStyleType})"
    )
    assert style == {
        "display": "grid",
        "rule": "4px",
        "list": "none",
    }  # the defaults would be list-item, 0px, decimal
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__violations") == []


def test_styles_do_not_leak_in_or_out(page, app, host):
    url = embed(
        host,
        app,
        "leak.html",
        'from="2024"',
        extra='<p class="outside">Host paragraph</p><button class="chip">host chip</button>',
    )
    (host.folder / "leak.html").write_text(
        (host.folder / "leak.html")
        .read_text()
        .replace("</title>", '</title><link rel="stylesheet" href="/leak.css">'),
        encoding="utf-8",
    )
    (host.folder / "leak.css").write_text(
        "li { color: rgb(255, 0, 0) !important; } .chip { border-radius: 0; } "
        "body { letter-spacing: 3px; text-align: center; }"
    )
    page.goto(url)
    wait_ready(page)
    inside = page.locator("chrono-timeline li[data-event-id]").first.evaluate(
        "li => [getComputedStyle(li).color, getComputedStyle(li).letterSpacing, "
        "getComputedStyle(li).textAlign]"
    )
    assert inside[0] != "rgb(255, 0, 0)"
    assert inside[1] == "normal" and inside[2] in ("start", "left")
    outside = page.locator("p.outside").evaluate("p => getComputedStyle(p).fontWeight")
    assert outside == "400"
    assert (
        page.locator("body > main > button.chip").evaluate(
            "b => getComputedStyle(b).borderTopLeftRadius"
        )
        == "0px"
    )


def test_theming_through_custom_properties_and_dark_scheme(browser, app, host):
    url = host.page(
        "theme.html",
        f'<chrono-timeline api="{app.origin}/api" from="2024"></chrono-timeline>',
        head=(
            f'<script type="module" src="{app.origin}/widget.js"></script>'
            '<link rel="stylesheet" href="/theme.css">'
        ),
    )
    (host.folder / "theme.css").write_text(
        "chrono-timeline { --chrono-accent: rgb(1, 2, 3); --chrono-font: Georgia, serif; }"
    )
    looks = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        pg = context.new_page()
        pg.goto(url)
        wait_ready(pg)
        looks[scheme] = pg.locator("chrono-timeline li[data-event-id]").first.evaluate(
            "li => [getComputedStyle(li).borderLeftColor, getComputedStyle(li).color, "
            "getComputedStyle(li).fontFamily]"
        )
        context.close()
    assert looks["light"][0] == looks["dark"][0] == "rgb(1, 2, 3)"
    assert looks["light"][2] == "Georgia, serif"
    assert looks["light"][1] != looks["dark"][1]  # text colour follows the scheme


# --- /embed and the landing page --------------------------------------------------------------


def test_embed_page_in_an_iframe_copies_query_filters(page, app, host):
    url = host.page(
        "iframe.html",
        f'<iframe src="{app.origin}/embed?actor=Haniyah&amp;actor=Muttaqi&amp;from=2021'
        '&amp;order=desc&amp;api=http://evil.example/api" '
        'title="Timeline" width="600" height="700"></iframe>',
    )
    page.goto(url)
    frame = page.frame_locator("iframe")
    frame.locator("chrono-timeline li[data-event-id]").first.wait_for()
    inner = page.frames[1]
    wait_ready(inner)
    assert rendered_ids(inner) == app.event_ids(
        [("actor", "Haniyah"), ("actor", "Muttaqi"), ("from", "2021"), ("order", "desc")]
    )
    timeline = frame.locator("chrono-timeline")
    assert timeline.get_attribute("actor") == "Haniyah,Muttaqi"
    assert timeline.get_attribute("api") is None  # the embed page never takes its API from the URL


def test_landing_page_explains_and_shows_a_live_widget(page, app):
    response = page.goto(f"{app.origin}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    wait_ready(page)
    # It opens on the newest events, with the search box and the actor picker the hint speaks of.
    assert rendered_ids(page) == app.event_ids([("order", "desc")])[:5]
    assert page.locator("chrono-timeline input[role=combobox]").is_visible()
    assert page.locator("chrono-timeline input[type=search]").is_visible()
    assert "pick an actor" in page.locator("p.hint").first.inner_text()
    snippet = page.locator("pre.snippet code").first.inner_text()
    assert snippet == (
        f'<script type="module" src="{app.origin}/widget.js"></script>\n'
        f'<chrono-timeline api="{app.origin}/api" actor="Haniyeh"></chrono-timeline>'
    )
    hrefs = page.locator("main a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    for href in [
        "/api/events?actor=Haniyeh&from=2021&to=2022",
        "/api/events.csv",
        "/api/events.ics",
        "/api/timeline.json",
        "/api/contacts?actor=Haniyeh",
        "/api/actors",
        "/datasette",
        "/schema",
    ]:
        assert href in hrefs
    for href in hrefs:
        if href.startswith("/api/"):
            with urllib.request.urlopen(app.origin + href, timeout=10) as r:
                assert r.status == 200, href
    assert urllib.request.urlopen(f"{app.origin}/static/site.css", timeout=10).status == 200


# --- layout ----------------------------------------------------------------------------------


@pytest.mark.parametrize("width", [320, 1200])
def test_screenshots_are_clean_at_phone_and_desktop_widths(browser, app, host, tmp_path, width):
    url = embed(host, app, "layout.html", 'limit="6"')
    context = browser.new_context(viewport={"width": width, "height": 900})
    pg = context.new_page()
    errors = []
    pg.on("console", lambda m: m.type == "error" and errors.append(m.text))
    pg.goto(url)
    wait_ready(pg)
    pg.locator('chrono-timeline li[data-event-id="2009-summer-meeting"] summary').click()
    assert no_horizontal_overflow(pg)
    box = pg.locator("chrono-timeline").bounding_box()
    assert box["height"] > 100 and box["width"] <= width
    shot = tmp_path / f"widget-{width}.png"
    pg.locator("chrono-timeline").screenshot(path=str(shot))
    pg.screenshot(path=str(tmp_path / f"page-{width}.png"), full_page=True)
    colours, busy_rows = screenshot_stats(shot.read_bytes())
    assert colours > 20 and busy_rows > 0.3
    # every event card fits inside the widget
    overflow = pg.locator("chrono-timeline li[data-event-id]").evaluate_all(
        "items => items.filter(li => li.scrollWidth > li.clientWidth + 1)"
        ".map(li => li.dataset.eventId)"
    )
    assert overflow == []
    context.close()
    assert errors == []


def test_readable_at_200_percent_zoom(browser, app, host):
    # 200% zoom of a 1280 px window is a 640 CSS px viewport with twice the device pixels
    url = embed(host, app, "zoom.html")
    context = browser.new_context(viewport={"width": 640, "height": 450}, device_scale_factor=2)
    pg = context.new_page()
    pg.goto(url)
    wait_ready(pg)
    assert no_horizontal_overflow(pg)
    font = pg.locator("chrono-timeline .title").first.evaluate(
        "t => parseFloat(getComputedStyle(t).fontSize)"
    )
    assert font >= 16
    context.close()


# --- search box, actor picker, heading line ---------------------------------------------------


def heading(target) -> str:
    return status_text(target)


def options_ready(target) -> None:
    """Waits until the picker's list answers the text typed so far."""
    target.wait_for_function("""() => {
      const list = document.querySelector('chrono-timeline').shadowRoot
        .querySelector('[role=listbox]');
      return !list.hidden && !list.hasAttribute('aria-busy') && list.children.length > 0;
    }""")


def test_heading_line_says_what_is_shown(page, app, host):
    page.goto(embed(host, app, "heading.html", 'actor="Haniyah" limit="50"'))
    wait_ready(page)
    ids = app.event_ids([("actor", "Haniyah")])
    assert heading(page) == f"Ismail Haniyeh · {len(ids)} events · 1 Jun 2009 – 23 May 2024"
    page.goto(embed(host, app, "heading-q.html", 'q="talks" type="talks" limit="50"'))
    wait_ready(page)
    assert heading(page).startswith("“talks” · talks · ")


def test_search_box_narrows_the_timeline_and_clears(page, app, host):
    page.goto(embed(host, app, "search.html", 'limit="50"'))
    wait_ready(page)
    box = page.locator("chrono-timeline input[type=search]")
    assert box.get_attribute("aria-label") == "Search events"
    box.fill("Kabul")
    box.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('chrono-timeline').getAttribute('q') === 'Kabul'"
    )
    wait_ready(page)
    assert rendered_ids(page) == app.event_ids([("q", "Kabul")])
    assert heading(page).startswith("“Kabul” · ")
    box.fill("")
    page.locator("chrono-timeline form.search button").click()
    page.wait_for_function("() => !document.querySelector('chrono-timeline').hasAttribute('q')")
    wait_ready(page)
    assert rendered_ids(page) == app.event_ids([])


def test_a_search_that_cannot_run_offers_to_clear_it(page, app, host, console):
    console.expect("status of 400")
    page.goto(embed(host, app, "search-bad.html"))
    wait_ready(page)
    box = page.locator("chrono-timeline input[type=search]")
    box.fill(" ".join(["word"] * 13))
    box.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('chrono-timeline').shadowRoot.querySelector('.status.error')"
    )
    assert status_text(page).startswith("This search cannot be run: at most 12 terms.")
    assert not page.locator("chrono-timeline button.retry").is_visible()
    page.locator("chrono-timeline button.clear-search").click()
    wait_ready(page)
    assert rendered_ids(page) == app.event_ids([])[:20]


@pytest.mark.parametrize("typed", ["muttaqí", "MUTAQQI", "Amir Khan"])
def test_actor_picker_offers_names_as_you_type_ignoring_accents(page, app, host, typed):
    page.goto(embed(host, app, "picker.html", 'limit="50"'))
    wait_ready(page)
    picker = page.locator("chrono-timeline input[role=combobox]")
    picker.press_sequentially(typed, delay=20)
    options = page.locator("chrono-timeline [role=listbox] [role=option]")
    options_ready(page)
    assert picker.get_attribute("aria-expanded") == "true"
    assert options.first.inner_text().startswith("Amir Khan Muttaqi")
    picker.press("ArrowDown")
    assert picker.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    picker.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('chrono-timeline').getAttribute('actor') === 'muttaqi'"
    )
    wait_ready(page)
    expected = app.event_ids([("actor", "muttaqi")])
    assert rendered_ids(page) == expected
    assert heading(page).startswith(f"Amir Khan Muttaqi · {len(expected)} events · ")
    assert picker.input_value() == "Amir Khan Muttaqi"
    assert picker.get_attribute("aria-expanded") == "false"
    # the filter bar takes the reader back
    page.locator("chrono-timeline .filterbar button").click()
    wait_ready(page)
    assert page.locator("chrono-timeline").get_attribute("actor") is None
    assert picker.input_value() == ""


def test_the_picker_never_offers_actors_for_text_already_typed_past(page, app, host):
    """A reader types on while the list is being asked for: the answer for the old text is
    dropped, so the list never shows (or looks ready with) actors for text no longer typed."""
    held = []

    def hold_the_first_ask(route):
        if parse_qs(urlsplit(route.request.url).query).get("q") == ["Ami"] and not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/actors?*", hold_the_first_ask)
    page.goto(embed(host, app, "picker-stale.html"))
    wait_ready(page)
    picker = page.locator("chrono-timeline input[role=combobox]")
    picker.press_sequentially("Ami", delay=20)
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(25)
    assert held, "the picker never asked for 'Ami'"
    page.evaluate("""() => {
      const list = document.querySelector('chrono-timeline').shadowRoot
        .querySelector('[role=listbox]');
      window.staleShown = false;
      new MutationObserver(() => {
        if (list.textContent.includes('Stale Actor')) window.staleShown = true;
      }).observe(list, { childList: true, subtree: true, characterData: true });
    }""")
    picker.press("r")
    stale = {"actors": [{"id": "stale", "name": "Stale Actor", "kind": "person", "aliases": []}]}
    with contextlib.suppress(PlaywrightError):  # the widget may have dropped the ask already
        held[0].fulfill(json=stale)
    options_ready(page)
    assert not page.evaluate("window.staleShown"), "the answer for 'Ami' was shown after 'Amir'"
    options = page.locator("chrono-timeline [role=listbox] [role=option]")
    assert options.first.inner_text().startswith("Amir Khan Muttaqi")


def test_a_timeline_never_shows_the_answer_for_attributes_it_no_longer_has(page, app, host):
    """A page changes a timeline's filter while its first page is on the way: that answer is
    dropped, so readers (and scripts waiting for the timeline to settle) never see events for
    the filter before."""
    held = []

    def hold_the_first_page(route):
        if not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/events?*", hold_the_first_page)
    page.clock.install()  # the page's timers, stopped below so the old answer lands first
    page.goto(embed(host, app, "refilter.html"))
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(25)
    assert held, "the timeline never asked for its first page"
    first = held[0].fetch().json()
    first["events"][0]["title"] = "Stale Event"
    page.clock.pause_at(page.evaluate("Date.now()") + 60_000)
    page.evaluate("""() => {
      const timeline = document.querySelector('chrono-timeline');
      window.staleShown = false;
      new MutationObserver(() => {
        if (timeline.shadowRoot.textContent.includes('Stale Event')) window.staleShown = true;
      }).observe(timeline.shadowRoot, { childList: true, subtree: true, characterData: true });
      timeline.setAttribute('actor', 'muttaqi');
    }""")
    with contextlib.suppress(PlaywrightError):  # the widget may have dropped the ask already
        held[0].fulfill(json=first)
    page.wait_for_timeout(500)  # real time for the old answer to be shown, if it would be
    page.clock.resume()
    wait_ready(page)
    assert not page.evaluate("window.staleShown"), "the page for no filter was shown"
    assert rendered_ids(page) == app.event_ids([("actor", "muttaqi")])[:20]


def test_actor_picker_by_mouse_and_escape(page, app, host):
    page.goto(embed(host, app, "picker-mouse.html", 'from="2024"'))
    wait_ready(page)
    picker = page.locator("chrono-timeline input[role=combobox]")
    picker.press_sequentially("pak", delay=20)
    options = page.locator("chrono-timeline [role=listbox] [role=option]")
    options_ready(page)
    assert options.all_inner_texts()[0].startswith("Pakistan")
    picker.press("Escape")
    assert not options.first.is_visible()
    picker.press_sequentially("i", delay=20)
    options_ready(page)
    options.filter(has_text="Pakistan").first.click()
    page.wait_for_function(
        "() => document.querySelector('chrono-timeline').getAttribute('actor') === 'pakistan'"
    )
    wait_ready(page)
    assert rendered_ids(page) == app.event_ids([("actor", "pakistan"), ("from", "2024")])


@pytest.mark.parametrize(
    "controls, search, picker",
    [
        (None, True, True),
        ("none", False, False),
        ("search", True, False),
        ("actor", False, True),
    ],
)
def test_controls_are_optional_for_a_fixed_view(page, app, host, controls, search, picker):
    attribute = f'controls="{controls}"' if controls is not None else ""
    page.goto(embed(host, app, f"controls-{controls}.html", f'actor="Haniyah" {attribute}'))
    wait_ready(page)
    assert page.locator("chrono-timeline form.search").is_visible() == search
    assert page.locator("chrono-timeline input[role=combobox]").is_visible() == picker
    assert rendered_ids(page) == app.event_ids([("actor", "Haniyah")])


@pytest.mark.parametrize("width", [320, 1200])
def test_open_picker_fits_the_column(browser, app, host, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    pg = context.new_page()
    pg.goto(embed(host, app, "picker-fit.html", 'limit="3"'))
    wait_ready(pg)
    pg.locator("chrono-timeline input[role=combobox]").press_sequentially("a", delay=20)
    options_ready(pg)
    assert no_horizontal_overflow(pg)
    box = pg.locator("chrono-timeline [role=listbox]").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    context.close()
