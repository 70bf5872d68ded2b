"""The workbench page end to end in headless Chromium, against the real app under uvicorn."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from chrono.curate import create_app
from tests.helpers import ARTICLE, EVENTS, HEADER, PAGE, LiveServer, Pages, new_event, write_data

pytestmark = pytest.mark.browser

# Invented, like ARTICLE: a later story retelling a call the chronology already holds.
RETOLD = """Hamas and Kabul keep in touch

In early October 2021, Haniyeh called Muttaqi to congratulate the new government, a spokesman said.
"""


class LiveCurate(LiveServer):
    def __init__(self, data: Path) -> None:
        super().__init__(create_app(data))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = write_data(tmp_path / "data")
    events = data / "events.yml"
    events.write_bytes(HEADER.encode() + events.read_bytes())
    return data


@pytest.fixture
def page(browser, folder):
    with LiveCurate(folder) as live:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        errors: list[str] = []
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.on(
            "console",
            lambda m: errors.append(m.text) if m.type == "error" and "422" not in m.text else None,
        )
        tab.goto(f"{live.origin}/curate")
        tab.wait_for_selector("body[data-ready]")
        yield tab
        context.close()
        assert errors == []


def read(page, text: str, published: str) -> None:
    page.fill("#paste", text)
    page.fill("#published", published)
    page.click("#read")
    page.wait_for_selector("#candidates .candidate")


def event_ids(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [r[0] for r in conn.execute("SELECT id FROM events ORDER BY id")]


def test_paste_fix_accept_shows_the_event_in_file_database_and_widget(page, folder):
    old = (folder / "events.yml").read_bytes()
    read(page, ARTICLE, "2024-12-28")
    assert page.locator("#candidates .candidate .when").all_inner_texts() == [
        "on Monday → 2024-12-23 (day) · talks · reported",
        "Two days later → 2024-12-25 (day) · phone-call · reported",
        "in early December → 2024-12-01 – 2024-12-10 (month) · meeting · denied",
    ]
    # the date phrases and actor names are marked in the text; the first candidate's are current
    assert page.locator("#article mark.date").all_inner_texts() == [
        "on Monday",
        "Two days later",
        "in early December",
    ]
    assert page.locator("#article mark.actor.current").all_inner_texts() == [
        "Pakistan",
        "Amir Khan Muttaqi",
    ]
    assert page.locator("#article mark.actor").all_inner_texts()[2:4] == [
        "Mutaqqi",
        "Abdul Ghani Baradar",
    ]
    page.click("#candidates .candidate >> nth=1")
    assert page.locator("#article mark.current").all_inner_texts() == [
        "Two days later",
        "Mutaqqi",
        "Abdul Ghani Baradar",
    ]
    page.click("#candidates .candidate >> nth=0")

    # fix an actor: drop Pakistan, pick it again by a spelling with an accent and other case
    page.click("#actor-rows button[aria-label='Remove Pakistan']")
    page.fill("#actor-search", "PAKISTÁN")
    assert page.locator("#actor-options [role=option]").first.inner_text().startswith("Pakistan")
    page.press("#actor-search", "Enter")
    # and the roles
    page.select_option("#actor-rows li[data-id=pakistan] select", "visitor")
    page.select_option("#actor-rows li[data-id=muttaqi] select", "host")
    page.fill("#editor [name=title]", "Pakistan's envoy holds talks with Muttaqi in Kabul")
    page.click("#accept")
    page.wait_for_selector("#candidates li.accepted")

    new = (folder / "events.yml").read_bytes()
    assert new.startswith(old)
    added = yaml.safe_load(new)[len(EVENTS) :]
    assert [(e["title"], e["date"], e["date_text"], e["actors"]) for e in added] == [
        (
            "Pakistan's envoy holds talks with Muttaqi in Kabul",
            "2024-12-23",
            "on Monday",
            [{"id": "muttaqi", "role": "host"}, {"id": "pakistan", "role": "visitor"}],
        )
    ]
    event_id = added[0]["id"]
    assert added[0]["citations"][0]["quote"] in ARTICLE.replace("\n", " ")
    source = yaml.safe_load((folder / "sources.yml").read_bytes())[-1]
    assert (source["id"], source["title"], source["published"]) == (
        added[0]["citations"][0]["source"],
        "Envoys trade visits as winter talks resume",
        "2024-12-28",
    )
    assert event_id in event_ids(folder / "chrono.db")
    page.wait_for_selector(f"#timeline [data-event-id='{event_id}']")

    # keyboard only: the next candidate is current; reject it, accept the last
    assert (
        page.locator("#candidates [aria-current=true] .when")
        .inner_text()
        .startswith("Two days later")
    )
    page.keyboard.press("r")
    assert page.locator("#candidates li.rejected").count() == 1
    assert (
        page.locator("#candidates [aria-current=true] .when")
        .inner_text()
        .startswith("in early December")
    )
    page.keyboard.press("a")
    page.wait_for_selector("#candidates li.accepted >> nth=1")
    assert len(yaml.safe_load((folder / "events.yml").read_bytes())) == len(EVENTS) + 2
    assert page.locator("#progress").inner_text() == "3 of 3 done"


def test_a_refused_event_shows_the_builds_message_and_writes_nothing(page, folder):
    read(page, ARTICLE, "2024-12-28")
    page.click("#source-box summary")
    page.click("#new-source button[type=submit]")
    expect(page.locator("#source-pick")).not_to_have_value(
        ""
    )  # (string predicates would break the CSP)
    before = {
        p.name: p.read_bytes()
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".")
    }
    page.fill("#editor [name=date]", "2024-12-45")
    page.click("#accept")
    message = page.locator('#editor [data-for="date"]')
    message.wait_for()
    assert "2024-12-45" in message.inner_text()
    assert page.get_attribute("#editor [name=date]", "aria-invalid") == "true"
    page.select_option("#editor [name=date_basis]", "resolved")
    page.fill("#editor [name=date]", "2024-12-23")
    page.fill("#editor [name=date_anchor]", "")
    page.click("#accept")
    expect(page.locator('#editor [data-for="date_anchor"]')).to_have_text(
        "required when date_basis is resolved: the date the phrase was resolved against"
    )
    after = {
        p.name: p.read_bytes()
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".")
    }
    assert after == before
    assert page.locator("#candidates li.pending").count() == 3


def test_a_quote_that_is_not_verbatim_is_not_sent(page, folder):
    read(page, ARTICLE, "2024-12-28")
    before = (folder / "events.yml").read_bytes()
    page.fill(
        "#editor [name=quote]", "Pakistan's envoy arrived in Kabul on Monday"
    )  # a word dropped
    assert (
        page.locator("#quote-check").inner_text()
        == "The quote must be a verbatim part of the article's text."
    )
    page.click("#accept")
    page.wait_for_timeout(300)
    assert (folder / "events.yml").read_bytes() == before


def test_a_duplicate_adds_its_quote_as_a_citation_to_the_existing_event(page, folder):
    old = (folder / "events.yml").read_text(encoding="utf-8")
    read(page, RETOLD, "2021-11-02")
    box = page.locator("#duplicate")
    box.wait_for()
    assert "Haniyeh phones Muttaqi" in box.inner_text()
    box.locator("button[data-event='2021-10-haniyeh-calls-muttaqi']").click()
    page.wait_for_selector("#candidates li.cited")
    new = (folder / "events.yml").read_text(encoding="utf-8")
    start = next(i for i, (x, y) in enumerate(zip(old, new, strict=False)) if x != y)
    added = len(new) - len(old)
    assert new[:start] == old[:start] and new[start + added :] == old[start:]
    event = next(e for e in yaml.safe_load(new) if e["id"] == "2021-10-haniyeh-calls-muttaqi")
    assert [c["quote"] for c in event["citations"]] == [
        "In early October 2021, Haniyeh called Muttaqi.",
        "In early October 2021, Haniyeh called Muttaqi to congratulate the new government, "
        "a spokesman said.",
    ]
    assert len(yaml.safe_load(new)) == len(EVENTS)


def test_a_saved_page_fills_the_source_from_its_metadata(page, folder, tmp_path):
    saved = tmp_path / "envoys.html"
    saved.write_text(PAGE, encoding="utf-8")
    page.set_input_files("#page-file", str(saved))
    page.click("#read")
    page.wait_for_selector("#candidates .candidate")
    assert page.locator("#candidates .candidate").count() == 3
    assert page.input_value("#published") == "2024-12-28"
    form = page.locator("#new-source")
    assert [
        form.locator(f"[name={n}]").input_value()
        for n in ("title", "outlet", "author", "published")
    ] == [
        "Envoys trade visits as winter talks resume",
        "Frontier Ledger",
        "Dana Invented",
        "2024-12-28",
    ]
    assert (
        form.locator("[name=id]").input_value()
        == "frontier-ledger-2024-envoys-trade-visits-winter-talks"
    )
    assert page.locator("#article mark.date").all_inner_texts() == [
        "on Monday",
        "Two days later",
        "in early December",
    ]


def test_a_page_on_another_site_cannot_write(browser, folder):
    attacker = Pages({"/": "<!doctype html><title>elsewhere</title><p>hello</p>"})
    try:
        with LiveCurate(folder) as live:
            before = {
                p.name: p.read_bytes()
                for p in folder.iterdir()
                if p.is_file() and not p.name.startswith(".")
            }
            tab = browser.new_page()
            tab.goto(attacker.base + "/")
            statuses = tab.evaluate(
                """async ([url, body]) => {
                    const simple = await fetch(url, {method: "POST", mode: "no-cors", body,
                                                     headers: {"Content-Type": "text/plain"}});
                    let json = "sent";
                    try {
                      await fetch(url, {method: "POST", body,
                                        headers: {"Content-Type": "application/json"}});
                    }
                    catch { json = "blocked"; }
                    const form = Object.assign(document.createElement("form"),
                                               {method: "POST", action: url});
                    form.enctype = "text/plain";
                    form.append(Object.assign(document.createElement("input"),
                                              {name: body, value: ""}));
                    document.body.append(form);
                    return [simple.type, json];
                }""",
                [f"{live.origin}/curate/api/events", json.dumps(new_event())],
            )
            with tab.expect_navigation():
                tab.evaluate("document.querySelector('form').submit()")
            assert "writes are accepted only from the workbench's own page" in tab.content()
            tab.close()
            after = {
                p.name: p.read_bytes()
                for p in folder.iterdir()
                if p.is_file() and not p.name.startswith(".")
            }
            assert statuses == ["opaque", "blocked"]
            assert after == before
    finally:
        attacker.close()
