"""From opening the workbench on a new article to three accepted events, driven as a person would.

Headless Chromium (Playwright) works through an invented three-event article with the mouse and
keyboard only: paste the text, type the publication date, read the candidates, name the outlet,
fix what a curator would fix (a place and a country), accept each event. It prints the time
from opening the page to the third event in the rebuilt chronology, and the clicks and
keystrokes spent. The time is the machine's share: a person's reading time comes on top.

    .venv/bin/python bench/curate_flow.py [--data db] [--runs 3] [--screenshots docs/img]

The data folder is copied to a temporary folder first; nothing in it is changed.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
import yaml
from playwright.sync_api import Page, sync_playwright

from chrono.curate import create_app

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"

# Invented for this benchmark: no real reporting. Its actors are in the bundled actors.yml.
ARTICLE = (
    "Gulf capital hosts a quiet round of regional calls\n"
    "\n"
    "DOHA — Amir Khan Muttaqi met Mohammad Sadiq in Doha on Tuesday to discuss trade through the "
    "Torkham crossing, the foreign ministry said.\n"
    "\n"
    "On Thursday, Muttaqi spoke by phone with Iran's foreign minister about water from the Helmand "
    "river, the ministry added.\n"
    "\n"
    "In late February, Sirajuddin Haqqani visited Qatar for talks on prisoner releases, a "
    "spokesman said.\n"
)
PUBLISHED = "2025-03-14"


class Person:
    """Counts what a person would do: every click, every key pressed (a paste is Ctrl+V)."""

    def __init__(self, page: Page) -> None:
        self.page, self.clicks, self.keys = page, 0, 0

    def click(self, selector: str) -> None:
        self.page.click(selector)
        self.clicks += 1

    def type(self, selector: str, text: str) -> None:
        self.click(selector)
        self.page.keyboard.type(text)
        self.keys += len(text)

    def paste(self, selector: str, text: str) -> None:
        self.click(selector)
        self.page.fill(selector, text)
        self.keys += 2

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.keys += key.count("+") + 1


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_once(browser, data: Path, screenshots: Path | None) -> tuple[float, int, int, list[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        shutil.copytree(data, folder, ignore=shutil.ignore_patterns("chrono.db", ".*"))
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(create_app(folder), host="127.0.0.1", port=port, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            person = Person(page)
            laps = {}
            started = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/curate")
            page.wait_for_selector("body[data-ready]")
            person.paste("#paste", ARTICLE)
            person.type("#published", PUBLISHED)
            person.press("Enter")  # submits the article form
            page.wait_for_selector("#candidates .candidate")
            laps["page open, article read"] = time.perf_counter() - started
            person.click("#source-box summary")
            person.type("#new-source [name=outlet]", "Gulf Ledger")
            # first candidate: the meeting in Doha gets its place
            person.type("#editor [name=place]", "Doha")
            person.type("#editor [name=country]", "Qatar")
            if screenshots:
                page.locator("#reader-heading").evaluate("h => h.scrollIntoView()")
                page.screenshot(
                    path=str(screenshots / "curate-candidates.png"),
                    clip={"x": 0, "y": 0, "width": 1280, "height": 720},
                )
                page.focus(
                    "#editor [name=country]"
                )  # back where the person was (not a click of theirs)
            laps["source and first event edited"] = time.perf_counter() - started
            person.press("Control+Enter")
            page.wait_for_selector("#candidates li.accepted >> nth=0")
            laps["first accepted (source saved too)"] = time.perf_counter() - started
            # the next two are right as proposed: accept from the keyboard
            person.press("Control+Enter")
            page.wait_for_selector("#candidates li.accepted >> nth=1")
            laps["second accepted"] = time.perf_counter() - started
            person.press("Control+Enter")
            page.wait_for_selector("#candidates li.accepted >> nth=2")
            elapsed = time.perf_counter() - started
            page.wait_for_selector("#timeline [data-event-id]")
            if screenshots:
                page.locator("#timeline-pane").screenshot(
                    path=str(screenshots / "curate-accepted.png")
                )
            page.close()
            added = yaml.safe_load((folder / "events.yml").read_bytes())
            ids = [e["id"] for e in added[-3:]]
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    laps["third accepted"] = elapsed
    print("  " + "; ".join(f"{name} at {at:.2f} s" for name, at in laps.items()))
    return elapsed, person.clicks, person.keys, ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=Path("db"), help="data folder to copy (default: db)"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--screenshots", type=Path, default=None, help="folder to save two screenshots in"
    )
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        times = []
        for n in range(args.runs):
            elapsed, clicks, keys, ids = run_once(
                browser, args.data, args.screenshots if n == 0 else None
            )
            times.append(elapsed)
            print(
                f"run {n + 1}: {elapsed:.2f} s, {clicks} clicks, {keys} keystrokes, accepted "
                f"{', '.join(ids)}"
            )
        browser.close()
    print(
        f"three accepted events from {args.data}: median {statistics.median(times):.2f} s over "
        f"{len(times)} runs, {clicks} clicks, {keys} keystrokes"
    )


if __name__ == "__main__":
    main()
