"""Rebuilding under a running server, and a build killed half-way: readers never see a failure."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from chrono.api import create_app
from chrono.build import build, read_build_info
from tests.helpers import EVENTS, LiveServer, bulk_event, write_data


def test_served_database_is_read_through_a_memory_map(tmp_path):
    # What makes a rebuild under a reader safe for the map: the file is replaced, never
    # written in place (the next test rebuilds under live readers).
    out = tmp_path / "chrono.db"
    build(write_data(tmp_path / "data"), out)
    snapshot = create_app(out, mount_datasette=False).state.database.current()
    with snapshot.lease() as reader:
        assert reader.execute("PRAGMA mmap_size").fetchone()[0] > 0
        first = reader.conn
    # Work that reads much of the file (the pool's) reads it unmapped, out of the server's RSS;
    # its connection maps again once given back.
    with snapshot.lease(mapped=False) as reader:
        assert reader.conn is first and reader.execute("PRAGMA mmap_size").fetchone()[0] == 0
    with snapshot.lease() as reader:
        assert reader.conn is first and reader.execute("PRAGMA mmap_size").fetchone()[0] > 0


def test_rebuilds_while_serving_fail_no_request_and_never_mix_builds(tmp_path):
    data = write_data(tmp_path / "data")
    out = tmp_path / "chrono.db"
    build(data, out)
    counts = {read_build_info(out)["build_id"]: len(EVENTS)}
    errors: list[str] = []
    seen: Counter[str] = Counter()
    stop = threading.Event()

    def reader(base: str) -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            while not stop.is_set():
                try:
                    r = client.get("/api/events?limit=500")
                    build_id = r.headers.get("x-chrono-build", "")
                    if r.status_code != 200:
                        errors.append(f"{r.status_code} {r.text[:100]}")
                        continue
                    seen[build_id] += 1
                    # the body belongs to the build the header names: its event count tells
                    n = len(r.json()["events"])
                    if build_id in counts and counts[build_id] != n:
                        errors.append(
                            f"build {build_id} has {counts[build_id]} events, response had {n}"
                        )
                except Exception as exc:
                    errors.append(repr(exc))

    with LiveServer(create_app(out, mount_datasette=False)) as live:
        threads = [threading.Thread(target=reader, args=(live.origin,)) for _ in range(4)]
        for t in threads:
            t.start()
        for round_ in range(1, 6):
            extra = [bulk_event(i) for i in range(round_ * 7)]
            (data / "bulk.jsonl").write_text("".join(json.dumps(e) + "\n" for e in extra))
            report = build(data, out)
            counts[report.build_id] = len(EVENTS) + len(extra)
            time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join()

    assert errors == []
    assert len(seen) >= 4, seen  # readers moved through the builds
    assert set(seen) <= set(counts)


def _processes_building(out) -> list[int]:
    """Processes whose command line builds `out` (forked workers keep their parent's)."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"build" in args and str(out).encode() in args:
            pids.append(int(cmdline.parent.name))
    return pids


def test_build_killed_midway_leaves_previous_database_serving_and_intact(tmp_path):
    data = write_data(tmp_path / "data")
    out = tmp_path / "chrono.db"
    build(data, out)
    before = out.read_bytes()
    with (data / "bulk.jsonl").open("w") as f:
        for i in range(300_000):
            f.write(json.dumps(bulk_event(i)) + "\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "chrono", "build", "--data", str(data), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # The file is large enough for worker processes: kill the build while they validate it.
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".chrono.db-*.tmp.stage-*.tmp")):
        assert proc.poll() is None, (
            "the build finished before it could be killed; give it more rows"
        )
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.5)
    assert len(_processes_building(out)) > 1
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # The workers die with it (they had seconds of work left).
    deadline = time.monotonic() + 2
    while _processes_building(out):
        assert time.monotonic() < deadline, "validation workers outlived the killed build"
        time.sleep(0.05)

    assert out.read_bytes() == before
    conn = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == len(EVENTS)
    with LiveServer(create_app(out, mount_datasette=False)) as live:
        base = live.origin
        assert len(httpx.get(f"{base}/api/events").json()["events"]) == len(EVENTS)

    # the next build clears the dead build's temporary file
    (data / "bulk.jsonl").unlink()
    build(data, out)
    assert list(tmp_path.glob(".chrono.db-*.tmp")) == []


def test_remembered_spellings_belong_to_their_build(tmp_path, monkeypatch):
    """A served build remembers which actor each spelling names (a build never changes); a
    rebuild that gives the spelling to another actor is answered for that actor at once,
    and names nobody knows, or past the bound, are looked up and never kept."""
    import copy

    from litestar.testing import TestClient

    from chrono import store
    from tests.helpers import ACTORS

    out = tmp_path / "chrono.db"
    build(write_data(tmp_path / "data"), out)

    def actors_of(client) -> set[str]:
        r = client.get("/api/events?actor=Haniyah&limit=500")
        assert r.status_code == 200, r.text
        return {a["id"] for e in r.json()["events"] for a in e["actors"]} & {"haniyeh", "baradar"}

    with TestClient(create_app(out, mount_datasette=False, cache_mb=0)) as client:
        assert actors_of(client) >= {"haniyeh"}
        snapshot = client.app.state.database.current()
        assert snapshot.memo.actor_ids == {"Haniyah": "haniyeh"}
        assert client.get("/api/events?actor=Nobody%20Known").status_code == 400
        assert "Nobody Known" not in snapshot.memo.actor_ids

        moved = copy.deepcopy(ACTORS)
        for actor in moved:
            if actor["id"] == "haniyeh":
                actor["aliases"].remove("Haniyah")
            if actor["id"] == "baradar":
                actor["aliases"].append("Haniyah")
        build(write_data(tmp_path / "data2", actors=moved), out)
        r = client.get("/api/events?actor=Haniyah&limit=500")
        assert r.status_code == 200 and all(
            "baradar" in {a["id"] for a in e["actors"]} for e in r.json()["events"]
        ), r.text

        padded = "Haniyah" + " " * 300  # folds to the same name, but too long to keep
        assert client.get(f"/api/events?actor={padded}").status_code == 200
        assert padded not in client.app.state.database.current().memo.actor_ids
        monkeypatch.setattr(store, "MEMO_ENTRIES", 1)
        assert client.get("/api/events?actor=Muttaqi").status_code == 200
        assert set(client.app.state.database.current().memo.actor_ids) == {"Haniyah"}


def test_a_rebuild_of_the_same_data_keeps_every_etag(tmp_path):
    """Clients' cached answers survive a rebuild that changed nothing; a change is a new build."""
    from litestar.testing import TestClient

    data = write_data(tmp_path / "data")
    out = tmp_path / "chrono.db"
    build(data, out)
    with TestClient(create_app(out, mount_datasette=False)) as client:
        first = client.get("/api/events?limit=2")
        etag = first.headers["etag"]
        inode = out.stat().st_ino
        build(data, out)
        assert out.stat().st_ino != inode  # a new file was swapped in
        again = client.get("/api/events?limit=2", headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.headers["etag"] == etag
        (data / "bulk.jsonl").write_text(json.dumps(bulk_event(1)) + "\n")
        build(data, out)
        changed = client.get("/api/events?limit=2", headers={"If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["etag"] != etag
