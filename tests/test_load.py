"""The server under the traffic nobody controls: `chrono serve` (real uvicorn) on a generated
chronology of 20,000 events, with exports, live counts, wide searches and Datasette SQL at
once. Deadlines are generous: they catch a hang, they do not time anything."""

from __future__ import annotations

import csv
import io
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from chrono.build import build
from tests.helpers import BUNDLED_DATA, ROOT, free_port, run_async, wait_until_answering

pytestmark = pytest.mark.slow  # a 20,000-event chronology under real traffic

EVENTS = 20_000
HANG = 60  # seconds: past this, a request is taken to hang


@contextmanager
def serving(db: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`chrono serve` on `db` (answer cache off: every request reaches the database)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chrono",
            "serve",
            "--db",
            str(db),
            "--data",
            str(db.parent / "no-data"),
            "--port",
            str(port),
            "--cache-mb",
            "0",
            *options,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/api/types", proc, 120)
        yield base, proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=HANG)


@pytest.fixture(scope="module")
def server(generated_db) -> Iterator[str]:
    with serving(generated_db) as (base, _):
        yield base


@pytest.fixture(scope="module")
def busiest(generated_db) -> dict[str, str]:
    """The busiest actor and the most common word of the generated chronology."""
    conn = sqlite3.connect(f"file:{generated_db}?mode=ro", uri=True)
    actor = conn.execute(
        "SELECT actor_id FROM actor_stats ORDER BY event_count DESC LIMIT 1"
    ).fetchone()[0]
    word = conn.execute(
        "SELECT term FROM events_fts_vocab WHERE length(term) >= 5 AND term NOT GLOB '*[0-9]*' "
        "ORDER BY doc DESC LIMIT 1"
    ).fetchone()[0]
    conn.close()
    return {"actor": actor, "word": word}


def cheap_requests_answer(base: str) -> None:
    """A one-event page, the vocabulary, an event by id and a Datasette page all answer."""
    with httpx.Client(base_url=base, timeout=HANG) as client:
        page = client.get("/api/events?limit=1")
        assert page.status_code == 200, page.text
        event_id = page.json()["events"][0]["id"]
        assert client.get("/api/types").status_code == 200
        assert client.get(f"/api/events/{event_id}").json()["id"] == event_id
        assert client.get("/datasette/chrono/events.json?_size=1&_nocount=1").status_code == 200


def read_all(base: str, path: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=HANG) as client:
        return client.get(path)


def is_refusal(r: httpx.Response) -> bool:
    """503 with Retry-After and a problem saying why in words."""
    return (
        r.status_code == 503
        and r.headers.get("retry-after", "").isdigit()
        and r.headers["content-type"].startswith("application/problem+json")
        and bool(r.json()["detail"])
    )


@contextmanager
def held_exports(base: str, count: int) -> Iterator[list[socket.socket]]:
    """`count` exports started and left unread, each by a client with a small receive
    buffer: the server cannot write ahead, so each export holds its slot until closed."""
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    held = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.settimeout(HANG)
            sock.connect((host, int(port)))
            sock.sendall(f"GET /api/timeline.json HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            assert sock.recv(4096).startswith(b"HTTP/1.1 200")
            held.append(sock)
        yield held
    finally:
        for sock in held:
            sock.close()


def test_concurrent_exports_stream_in_full_while_cheap_requests_answer(server):
    # Rounds: the freeze this guards against (one connection shared by the threads that
    # streamed exports) came from a race, so give it several chances.
    paths = ["/api/events.csv", "/api/events.csv", "/api/timeline.json", "/api/events.ics"]
    for _ in range(4):
        with ThreadPoolExecutor(len(paths)) as pool:
            exports = [pool.submit(read_all, server, p) for p in paths]
            while not all(f.done() for f in exports):
                cheap_requests_answer(server)
            answers = [f.result(timeout=HANG) for f in exports]
        assert all(r.status_code == 200 or is_refusal(r) for r in answers), [
            r.status_code for r in answers
        ]
        assert sum(r.status_code == 200 for r in answers) >= 2
        for path, r in zip(paths, answers, strict=True):
            if r.status_code != 200:
                continue
            if path.endswith(".csv"):
                assert len(list(csv.reader(io.StringIO(r.text)))) == EVENTS + 1
            elif path.endswith(".json"):
                assert len(r.json()["events"]) == EVENTS
            else:
                assert r.text.count("BEGIN:VEVENT") == EVENTS and r.text.endswith(
                    "END:VCALENDAR\r\n"
                )


def test_heavy_requests_beyond_the_cap_are_refused_while_cheap_ones_answer(server, busiest):
    actor, word = urllib.parse.quote(busiest["actor"]), busiest["word"]
    live_contacts = f"/api/contacts?actor={actor}&from=1990&to=2030"
    wide_text = "/api/events?q=a*&type=statement"  # every word in a
    with held_exports(server, 2):  # every slot for expensive work taken
        for path in ("/api/events.csv", live_contacts, wide_text, "/api/network"):
            r = read_all(server, path)
            assert is_refusal(r), (path, r.status_code, r.text[:200])
        cheap_requests_answer(server)
        # not expensive: the contacts the build counted, a common word alone, a page of the busiest
        # actor, the network of two months
        for path in (
            f"/api/contacts?actor={actor}&limit=5",
            f"/api/events?q={word}",
            f"/api/events?actor={actor}",
            "/api/network?from=2015-03&to=2015-04",
        ):
            assert read_all(server, path).status_code == 200, path
    deadline = time.monotonic() + HANG  # the slots come back once the streams are closed
    while (r := read_all(server, live_contacts)).status_code == 503:
        assert time.monotonic() < deadline, "the slots never came back"
        time.sleep(0.2)
    assert r.status_code == 200 and r.json()["contacts"]
    assert read_all(server, wide_text).status_code == 200


def test_many_heavy_requests_at_once_never_starve_cheap_ones(server, busiest):
    actor = urllib.parse.quote(busiest["actor"])
    heavy = [f"/api/contacts?actor={actor}&from={1990 + i}&to=2030" for i in range(12)] + [
        "/api/events.ics"
    ] * 3
    with ThreadPoolExecutor(8) as pool:
        answers = pool.map(lambda p: read_all(server, p), heavy)
        cheap_requests_answer(server)
        answers = list(answers)
    assert all(r.status_code == 200 or is_refusal(r) for r in answers), [
        r.status_code for r in answers
    ]


LARGE_VALUES = [
    "select zeroblob(2e9)",
    "select printf('%.*c', 2000000000, 'x')",
    "select format('%2000000000.2000000000c', 'x')",
    "select replace(replace(replace(hex(zeroblob(1000000)), '0', '00'), '0', '00'), '0', '00')",
    "select hex(hex(hex(hex(hex(zeroblob(1000000))))))",
    "select zeroblob(3000000) from events limit 1000",
    "select " + ", ".join(["zeroblob(3000000)"] * 60),
    "select group_concat(hex(zeroblob(100000))) from events",
]


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024


def test_datasette_refuses_queries_that_build_huge_values_and_memory_stays_bounded(generated_db):
    with serving(generated_db) as (base, proc):
        for sql in LARGE_VALUES:
            r = read_all(base, "/datasette/chrono.json?sql=" + urllib.parse.quote(sql))
            assert r.status_code == 400 or r.json()["rows"] in ([[None]], [[0]]), (
                sql,
                r.status_code,
                r.text[:300],
            )
            if r.status_code == 400:
                assert r.json()["error"], sql
        assert read_all(base, "/datasette/chrono.json?sql=select+count(*)+from+events").json()[
            "rows"
        ] == [[EVENTS]]
        cheap_requests_answer(base)
        # One such query took a process to 12.7 GB; the database file itself is about 100 MB.
        assert peak_rss_mb(proc.pid) < 800


def test_sigterm_ends_the_server_while_exports_stream(generated_db):
    with serving(generated_db) as (base, proc), held_exports(base, 2):
        proc.send_signal(signal.SIGTERM)
        # uvicorn ends by raising the signal again once shut down: the exit says SIGTERM
        assert proc.wait(timeout=HANG) in (0, -signal.SIGTERM)


def worker_pids(pid: int) -> list[int]:
    pids = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            pids += [int(p) for p in f.read().split()]
    return pids


def serving_python(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"spawn_main" in f.read()
    except FileNotFoundError:
        return False


def test_two_workers_serve_one_port_and_a_rebuild_reaches_both(generated_db, tmp_path):
    db = tmp_path / "chrono.db"
    shutil.copyfile(generated_db, db)
    with serving(db, "--workers", "2") as (base, proc):
        workers = [p for p in worker_pids(proc.pid) if serving_python(p)]
        assert len(workers) == 2
        first = {
            httpx.get(f"{base}/api/events?limit=1").headers["x-chrono-build"] for _ in range(20)
        }
        assert len(first) == 1
        build(BUNDLED_DATA, db)
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            rebuilt = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        # Each request on a new connection: the kernel hands them to either worker.
        answers = [httpx.get(f"{base}/api/events?limit=500") for _ in range(40)]
        assert {r.headers["x-chrono-build"] for r in answers} != first
        assert len({r.headers["x-chrono-build"] for r in answers}) == 1
        assert {len(r.json()["events"]) for r in answers} == {min(rebuilt, 500)}
        assert all(os.path.exists(f"/proc/{p}") for p in workers)


READERS = """
import sys, threading
from pathlib import Path
from chrono.store import Database

snapshot = Database(Path(sys.argv[1])).current()
held, guard, overlaps = set(), threading.Lock(), []

def reader():
    for _ in range(200):
        with snapshot.lease() as reader:
            conn = reader.conn
            with guard:
                overlaps.extend([id(conn)] if id(conn) in held else [])
                held.add(id(conn))
            conn.execute("SELECT count(*) FROM events WHERE type = 'meeting'").fetchone()
            with guard:
                held.discard(id(conn))

threads = [threading.Thread(target=reader) for _ in range(16)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(overlaps))
"""


def test_a_connection_is_never_held_by_two_threads_at_once(generated_db):
    # In a process of its own: on a shared connection these readers deadlock with the GIL
    # held (the freeze this model prevents), and nothing in that process runs again.
    done = subprocess.run(
        [sys.executable, "-c", READERS, str(generated_db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG,
    )
    assert (done.returncode, done.stdout.strip()) == (0, "0"), done.stderr


def test_an_export_that_ends_at_once_frees_its_slot_before_it_answers(bundled_db):
    """Refused (a bad parameter) or whole in its first chunk, an export has given its slot
    back by the time its answer exists: even with every pool thread busy, the next export
    finds a slot."""
    import threading

    from chrono.capacity import Busy, Capacity
    from chrono.store import Database

    capacity = Capacity(threads=1, heavy=1)
    snapshot = Database(bundled_db).current()
    gates = [threading.Event(), threading.Event()]

    def refused(conn):
        capacity._pool.submit(gates[0].wait, 30)  # the only thread is busy once this returns
        raise ValueError("from: not a real calendar date")

    def small(conn):
        capacity._pool.submit(gates[1].wait, 30)
        yield "id,date\n"

    async def ask(produce):
        try:
            return b"".join(
                [chunk async for chunk in await capacity.stream(snapshot, produce, "exports")]
            )
        except (ValueError, Busy) as exc:
            return type(exc).__name__

    async def main():
        try:
            first = await ask(refused)
            # The pool's thread now waits on the gate: a slot still held would be given
            # back only after it, so the next export would be told the server is busy.
            assert capacity._heavy.acquire(blocking=False), "the refused export kept its slot"
            capacity._heavy.release()
            gates[0].set()
            second = await ask(small)
            assert capacity._heavy.acquire(blocking=False), "the finished export kept its slot"
            capacity._heavy.release()
            return first, second
        finally:
            for gate in gates:
                gate.set()

    assert run_async(main()) == ("ValueError", b"id,date\n")
