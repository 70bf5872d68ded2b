"""The floor a build is measured against: the same JSONL rows, raw, into plain tables.

    python bench/floor.py DATA_FOLDER OUT.db

Reads every `*.jsonl` in the folder, decodes each line (untyped), and executemany()s the
same rows `chrono build` writes (events, event_actors, citations: same columns) into tables
with no primary keys, indexes, foreign keys, full text or validation, in one transaction with
the journal and syncs off. The EDTF date is copied into date_start/date_end unparsed. Nothing
a real build could skip is done here, so `build seconds / floor seconds` is the price of
validation, derived dates, indexes, full text and the atomic swap.
"""

from __future__ import annotations

import sqlite3
import sys
import time
from pathlib import Path

import msgspec

EVENT_COLUMNS = (
    "id, date, date_start, date_end, precision, qualifier, approximate, uncertain, date_text, "
    "date_basis, date_anchor, title, summary, type, status, place, country, notes"
)


def floor(data: Path, out: Path, batch: int = 5000) -> dict:
    out.unlink(missing_ok=True)
    conn = sqlite3.connect(out, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -200000")
    conn.execute("BEGIN")
    conn.execute(f"CREATE TABLE events ({EVENT_COLUMNS})")
    conn.execute("CREATE TABLE event_actors (event_id, actor_id, role, date_start, date_end)")
    conn.execute(
        "CREATE TABLE citations (id INTEGER PRIMARY KEY, event_id, source_id, quote, stance)"
    )
    decode = msgspec.json.decode
    events: list[tuple] = []
    actors: list[tuple] = []
    citations: list[tuple] = []
    counts = {"events": 0, "event_actors": 0, "citations": 0}

    def flush() -> None:
        conn.executemany(f"INSERT INTO events VALUES ({', '.join('?' * 18)})", events)
        conn.executemany("INSERT INTO event_actors VALUES (?, ?, ?, ?, ?)", actors)
        conn.executemany(
            "INSERT INTO citations (event_id, source_id, quote, stance) VALUES (?, ?, ?, ?)",
            citations,
        )
        counts["events"] += len(events)
        counts["event_actors"] += len(actors)
        counts["citations"] += len(citations)
        events.clear()
        actors.clear()
        citations.clear()

    for path in sorted(data.glob("*.jsonl")):
        with path.open("rb") as lines:
            for line in lines:
                e = decode(line)
                d = e["date"]
                loc = e.get("location") or {}
                events.append(
                    (
                        e["id"],
                        d,
                        d,
                        d,
                        None,
                        e.get("qualifier"),
                        0,
                        0,
                        e["date_text"],
                        e["date_basis"],
                        e.get("date_anchor"),
                        e["title"],
                        e["summary"],
                        e["type"],
                        e["status"],
                        loc.get("place"),
                        loc.get("country"),
                        e.get("notes"),
                    )
                )
                eid = e["id"]
                actors.extend((eid, a["id"], a["role"], d, d) for a in e["actors"])
                citations.extend(
                    (eid, c["source"], c["quote"], c.get("stance", "reports"))
                    for c in e["citations"]
                )
                if len(events) >= batch:
                    flush()
    flush()
    conn.execute("COMMIT")
    conn.close()
    return counts


if __name__ == "__main__":
    started = time.perf_counter()
    counts = floor(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"floor: {counts} in {time.perf_counter() - started:.2f}s")
