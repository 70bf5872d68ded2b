"""Time the exports on a synthetic chronology: each one in full, through the real app in process.

    python bench/exports.py                  # 100,000 events
    python bench/exports.py --events 20000   # a quick look

Prints, per export, the time to read the whole answer, its size and its throughput: every
event as CSV, iCalendar and TimelineJS; the newest 50 and 500 as Atom; a heavy actor's
contacts and every actor as CSV; and what an unknown actor's close names cost (the 400 with
suggestions, against a 400 without any).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from litestar.testing import TestClient  # noqa: E402

from bench.generate import generate  # noqa: E402
from chrono.api import create_app  # noqa: E402
from chrono.build import build  # noqa: E402


def timed(client: TestClient, url: str, repeat: int = 1) -> tuple[float, int, int]:
    """Best of `repeat`: seconds, bytes, status."""
    best, size, status = float("inf"), 0, 0
    for _ in range(repeat):
        start = time.perf_counter()
        r = client.get(url)
        best = min(best, time.perf_counter() - start)
        size, status = len(r.content), r.status_code
    return best, size, status


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args(argv)
    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        data, db = Path(tmp) / "data", Path(tmp) / "chrono.db"
        generate(data, args.events)
        build(data, db)
        with TestClient(create_app(db, mount_datasette=False, cache_mb=0)) as client:
            heavy = client.get("/api/actors?limit=500").json()["actors"]
            heavy_id = max(heavy, key=lambda a: a["event_count"])["id"]
            rows = [
                ("events.csv, every event", "/api/events.csv", 1),
                ("events.ics, every event", "/api/events.ics", 1),
                ("timeline.json, every event", "/api/timeline.json", 1),
                ("events.atom, newest 50", "/api/events.atom", 5),
                ("events.atom, newest 500", "/api/events.atom?limit=500", 3),
                (f"contacts.csv, {heavy_id}", f"/api/contacts.csv?actor={heavy_id}", 3),
                ("actors.csv, every actor", "/api/actors.csv", 3),
                ("unknown actor, with close names", "/api/events?actor=Zzyzx%20Qwerty", 5),
                ("bad date, no names to look for", "/api/events?from=21", 5),
            ]
            print(f"{args.events:,} events")
            for label, url, repeat in rows:
                seconds, size, status = timed(client, url, repeat)
                rate = f"{size / seconds / 1e6:6.1f} MB/s" if size > 100_000 else ""
                print(
                    f"  {label:<36} {status}  {seconds * 1000:9.1f} ms  {size / 1e6:8.2f} MB  "
                    f"{rate}"
                )


if __name__ == "__main__":
    main()
