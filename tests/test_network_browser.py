"""<chrono-network> in headless Chromium: embedded cross-origin under a strict CSP, drawn from
/api/network, its brush, its edges' events, the keyboard, hostile names, narrow and wide."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from tests.helpers import (
    CSP_TEMPLATE,
    WIDGET_EVENTS,
    XSS_ACTORS,
    XSS_SOURCES,
    HostPages,
    LiveApp,
    deep_focus,
    make_event,
    no_horizontal_overflow,
    screenshot_stats,
)

pytestmark = pytest.mark.browser

# A hostile name in contact with a plain one, so that it is drawn as a node and an edge.
XSS_NAME = "<svg onload=window.__xss=4>"
XSS_EVENTS = [
    make_event(
        "2024-01-xss-call",
        "2024-01",
        "<img src=x onerror=window.__xss=1>",
        type_="phone-call",
        actors=[("evil-actor", "initiator"), ("haniyeh", "recipient")],
    ),
]


@pytest.fixture(scope="module")
def app(chronologies) -> Iterator[LiveApp]:
    with LiveApp(chronologies.get(events=WIDGET_EVENTS)) as live:
        yield live


@pytest.fixture(scope="module")
def xss_app(chronologies) -> Iterator[LiveApp]:
    db = chronologies.get(sources=XSS_SOURCES, actors=XSS_ACTORS, events=XSS_EVENTS)
    with LiveApp(db) as live:
        yield live


def network_page(
    host: HostPages,
    app: LiveApp,
    name: str,
    attributes: str = "",
    *,
    csp: str | None = None,
    before: str = "",
) -> str:
    return host.page(
        name,
        f'{before}<chrono-network api="{app.origin}/api" {attributes}></chrono-network>',
        head=f'<script type="module" src="{app.origin}/widget.js"></script>',
        csp=csp,
    )


def api(app: LiveApp, query: str) -> dict:
    with urllib.request.urlopen(f"{app.origin}/api/network?{query}", timeout=10) as r:
        return json.load(r)


READY = """() => {
  const n = document.querySelector('chrono-network');
  const s = n && n.shadowRoot && n.shadowRoot.querySelector('.status');
  const graph = n && n.shadowRoot && n.shadowRoot.querySelector('.graph');
  return s && s.textContent.trim() && !s.textContent.startsWith('Loading')
    && graph && !graph.hasAttribute('aria-busy');
}"""


def wait_ready(target) -> None:
    target.wait_for_function(READY)


def drawn(target) -> tuple[list[str], list[str]]:
    nodes = target.locator("chrono-network svg.graph [data-actor-id]").evaluate_all(
        "n => n.map(x => x.dataset.actorId)"
    )
    edges = target.locator("chrono-network svg.graph [data-pair]").evaluate_all(
        "e => e.map(x => x.dataset.pair)"
    )
    return nodes, edges


def expected(answer: dict) -> tuple[list[str], list[str]]:
    return [n["id"] for n in answer["nodes"]], [
        "|".join(sorted((e["source"], e["target"]))) for e in answer["edges"]
    ]


def test_embedded_cross_origin_by_one_script_tag_under_a_strict_csp(page, app, host):
    page.add_init_script("""
      window.__violations = [];
      document.addEventListener('securitypolicyviolation',
        e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
    """)
    page.goto(network_page(host, app, "csp.html", csp=CSP_TEMPLATE.format(api=app.origin)))
    wait_ready(page)
    answer = api(app, "ids=200&limit=150")
    assert drawn(page) == expected(answer) and answer["edges"]
    # drawn with the element's own styles: coloured by kind, not the SVG default black
    fill = page.locator("chrono-network svg.graph [data-actor-id] circle").first.evaluate(
        "c => getComputedStyle(c).fill"
    )
    assert fill not in ("rgb(0, 0, 0)", "")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__violations") == []


def test_edge_counts_match_the_network_and_contacts_apis(page, app, host):
    page.goto(network_page(host, app, "counts.html"))
    wait_ready(page)
    rows = page.locator("chrono-network tbody tr").evaluate_all(
        "rows => rows.map(r => [r.dataset.row, Number(r.querySelector('td.n').textContent)])"
    )
    answer = api(app, "")
    assert dict(rows) == {
        "|".join(sorted((e["source"], e["target"]))): e["count"] for e in answer["edges"]
    }
    for pair, count in rows:
        a, b = pair.split("|")
        with urllib.request.urlopen(
            f"{app.origin}/api/contacts?actor={a}&with={b}&members=false", timeout=10
        ) as r:
            assert [c["count"] for c in json.load(r)["contacts"]] == [count], pair


def test_only_a_page_with_a_network_loads_its_code(page, app, host):
    asked = []
    page.on("request", lambda r: asked.append(urllib.parse.urlsplit(r.url).path))
    page.goto(
        host.page(
            "timeline-only.html",
            f'<chrono-timeline api="{app.origin}/api"></chrono-timeline>',
            head=f'<script type="module" src="{app.origin}/widget.js"></script>',
        )
    )
    page.locator("chrono-timeline li[data-event-id]").first.wait_for()
    assert "/widget.js" in asked and not [p for p in asked if "network" in p or "vendor" in p]


def test_brush_narrows_the_graph_to_the_span_chosen(page, app, host):
    page.goto(network_page(host, app, "brush.html"))
    wait_ready(page)
    before = drawn(page)
    whole = api(app, "months=true")
    first, last = whole["months"][0]["month"], whole["months"][-1]["month"]
    assert page.locator("chrono-network .brush output").all_inner_texts()[0].endswith(first[:4])
    slider = page.locator("chrono-network input.from")
    slider.focus()
    page.keyboard.press("End")  # the span becomes the last month alone
    page.wait_for_function(f"""() => {{
      const s = document.querySelector('chrono-network').shadowRoot
        .querySelector('.status').textContent;
      return s.includes('{last[:4]}') && !s.startsWith('Loading');
    }}""")
    wait_ready(page)
    after = drawn(page)
    assert after == expected(api(app, f"from={last}"))
    assert set(after[1]) < set(before[1])
    page.locator("chrono-network button.whole").click()
    page.wait_for_function(
        "(n) => document.querySelector('chrono-network').shadowRoot"
        ".querySelectorAll('svg.graph [data-pair]').length === n",
        arg=len(before[1]),
    )


def test_the_graph_says_it_is_behind_from_the_moment_the_span_changes(page, app, host):
    """Between a brush move and the narrowed network being drawn, the graph is marked busy:
    a reader's assistive technology (or a script waiting for it to settle) never takes the
    graph for the old span as the answer for the new one."""
    page.clock.install()
    page.goto(network_page(host, app, "brush-busy.html"))
    wait_ready(page)
    last = api(app, "months=true")["months"][-1]["month"]
    page.clock.pause_at(page.evaluate("Date.now()") + 60_000)  # the redraw's timer waits
    page.locator("chrono-network input.from").focus()
    page.keyboard.press("End")
    graph = page.locator("chrono-network svg.graph")
    assert graph.get_attribute("aria-busy") == "true"
    page.clock.resume()
    wait_ready(page)
    assert drawn(page) == expected(api(app, f"from={last}"))


def test_choosing_an_edge_lists_its_events_with_quotes(page, app, host):
    page.goto(network_page(host, app, "edge.html"))
    wait_ready(page)
    edge = next(e for e in api(app, "")["edges"] if e["count"] > 1)
    pair = "|".join(sorted((edge["source"], edge["target"])))
    page.locator(f'chrono-network svg.graph [data-pair="{pair}"]').dispatch_event("click")
    page.wait_for_function(
        "(n) => document.querySelector('chrono-network').shadowRoot"
        ".querySelectorAll('.edge-panel li[data-event-id]').length === n",
        arg=edge["count"],
    )
    listed = page.locator("chrono-network .edge-panel li[data-event-id]").evaluate_all(
        "i => i.map(x => x.dataset.eventId)"
    )
    assert sorted(listed) == sorted(edge["event_ids"])
    quotes = page.locator("chrono-network .edge-panel blockquote").evaluate_all(
        "q => q.map(x => x.textContent)"
    )
    with urllib.request.urlopen(f"{app.origin}/api/events/{listed[0]}", timeout=10) as r:
        assert json.load(r)["citations"][0]["quote"] in quotes


def test_keyboard_moves_through_edges_and_nodes_and_enter_chooses(page, app, host):
    page.goto(network_page(host, app, "keys.html", before="<button id='before'>before</button>"))
    wait_ready(page)
    page.locator("#before").focus()
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate(
            "() => { let e = document.activeElement; "
            "while (e && e.shadowRoot && e.shadowRoot.activeElement) "
            "e = e.shadowRoot.activeElement; "
            "return !!(e.dataset && e.dataset.pair); }"
        ):
            break
    first_pair = page.evaluate(
        "() => document.querySelector('chrono-network').shadowRoot.activeElement.dataset.pair"
    )
    pairs = drawn(page)[1]
    assert first_pair == pairs[0]
    page.keyboard.press("ArrowRight")
    second = page.evaluate(
        "() => document.querySelector('chrono-network').shadowRoot.activeElement.dataset.pair"
    )
    assert second == pairs[1]
    info = page.locator("chrono-network .info").inner_text()
    assert "contact" in info  # focus shows the pair's names and counts
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('chrono-network').shadowRoot"
        ".querySelector('.edge-panel li[data-event-id]')"
    )
    assert deep_focus(page)["tag"] == "h3"
    # Tab on to the actors; Enter re-centres on the one focused
    page.locator("chrono-network svg.graph [data-actor-id][tabindex='0']").focus()
    page.keyboard.press("End")
    actor = page.evaluate(
        "() => document.querySelector('chrono-network').shadowRoot.activeElement.dataset.actorId"
    )
    assert actor == drawn(page)[0][-1]
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => !document.querySelector('chrono-network').shadowRoot.querySelector('.bar').hidden"
    )
    wait_ready(page)
    assert drawn(page) == expected(api(app, f"actor={actor}"))
    assert "Centred on" in deep_focus(page)["text"]
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Show all"
    page.wait_for_function(
        "(n) => document.querySelector('chrono-network').shadowRoot"
        ".querySelectorAll('svg.graph [data-actor-id]').length === n",
        arg=len(api(app, "")["nodes"]),
    )


def test_hostile_names_render_as_text(page, xss_app, host):
    page.goto(network_page(host, xss_app, "xss.html"))
    wait_ready(page)
    node = page.locator('chrono-network svg.graph [data-actor-id="evil-actor"]')
    assert XSS_NAME in node.get_attribute("aria-label")
    assert (
        page.locator("chrono-network svg.graph text.label").all_text_contents().count(XSS_NAME) == 1
    )
    assert XSS_NAME in page.locator("chrono-network tbody").text_content()
    page.locator('chrono-network svg.graph [data-pair="evil-actor|haniyeh"]').dispatch_event(
        "click"
    )
    page.wait_for_function(
        "() => document.querySelector('chrono-network').shadowRoot"
        ".querySelector('.edge-panel li[data-event-id]')"
    )
    assert (
        page.locator("chrono-network .edge-panel .title").inner_text()
        == "<img src=x onerror=window.__xss=1>"
    )
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.__xss") is None
    assert page.locator("chrono-network img, chrono-network svg svg[onload]").count() == 0


def test_network_page_for_iframes_takes_filters_from_its_query(page, app, host):
    page.goto(
        host.page(
            "frame.html",
            f'<iframe src="{app.origin}/network?actor=Muttaqi&amp;min_count=1'
            '&amp;api=http://evil.example/api" '
            'title="Network" width="900" height="800"></iframe>',
        )
    )
    frame = page.frames[1]
    frame.wait_for_function(READY)
    assert drawn(frame) == expected(api(app, "actor=Muttaqi"))
    assert (
        frame.locator("chrono-network svg.graph .centre").get_attribute("data-actor-id")
        == "muttaqi"
    )  # named by an alias
    assert frame.locator("chrono-network").get_attribute("api") is None


@pytest.mark.parametrize("width", [320, 1200])
def test_screenshots_at_phone_and_desktop_widths(browser, app, host, tmp_path, width):
    url = network_page(host, app, "layout.html", 'theme="dark"')
    context = browser.new_context(viewport={"width": width, "height": 900})
    pg = context.new_page()
    errors = []
    pg.on("console", lambda m: m.type == "error" and errors.append(m.text))
    pg.goto(url)
    wait_ready(pg)
    assert no_horizontal_overflow(pg)
    graph_shown = pg.locator("chrono-network svg.graph").is_visible()
    list_shown = pg.locator("chrono-network .pairs-list").is_visible()
    assert (graph_shown, list_shown) == ((False, True) if width == 320 else (True, False))
    background = pg.locator("chrono-network").evaluate("n => getComputedStyle(n).backgroundColor")
    assert background == "rgb(15, 20, 25)"  # the timeline's dark theme
    shot = tmp_path / f"network-{width}.png"
    pg.locator("chrono-network").screenshot(path=str(shot))
    colours, busy_rows = screenshot_stats(shot.read_bytes())
    assert colours > 20 and busy_rows > 0.3
    if width == 320:
        pg.locator("chrono-network .pairs-list button").first.click()
        pg.wait_for_function(
            "() => document.querySelector('chrono-network').shadowRoot"
            ".querySelector('.edge-panel li[data-event-id]')"
        )
        assert no_horizontal_overflow(pg)
    context.close()
    assert errors == []


def test_limit_attribute_draws_the_busiest_actors_and_says_so(page, app, host):
    page.goto(network_page(host, app, "limit.html", 'limit="3"'))
    wait_ready(page)
    assert drawn(page) == expected(api(app, "limit=3"))
    assert len(drawn(page)[0]) == 3
    assert "limit attribute shows more" in page.locator("chrono-network .status").first.inner_text()
