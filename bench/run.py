"""One command, one run: generate a chronology, build it, serve it, load it, measure it.

    python bench/run.py                     # 1,000,000 events, 10 s per wrk run
    python bench/run.py --events 20000 --duration 3      # a quick look

What it measures, in this order:

1. generation of the synthetic chronology (bench/generate.py) into bench/out/data;
2. `chrono build` (chrono.build.build in a subprocess: wall and CPU time, peak RSS of the
   build process and of its whole process tree) against its floor, bench/floor.py: the
   same JSONL rows executemany()d into plain tables, no validation, indexes or full text;
3. the database size;
4. the API served by uvicorn (and granian, if installed) pinned to CPU 0, driven by wrk
   pinned to CPU 1 with 32 connections, 50 events a page: a Zipf-top actor and a mid
   actor over 2010-2012, an organization with its members, a two-month range, a common
   and a rare word, contacts of a heavy and a mid actor, the actor list, and a cursor
   1000 pages deep; each beside a Litestar hello-world served the same way: requests/s,
   the ratio to hello-world, p50 and p99 latency. The answer cache is off here: every
   request does the whole work. One more row asks 600 distinct page queries in turn (words,
   actors, actors over three years, months, drawn from the database): wrk's repeated URL
   keeps SQLite's page cache warm, a stream of distinct URLs reads pages it has dropped;
5. the same queries on uvicorn with the answer cache on (--cache-mb): wrk repeats one URL,
   so after the first request each is replayed from memory, as the page of a widget that
   every visitor of a site loads would be;
6. the server's RSS after the load, for this database, a 10x smaller one (flat in the
   number of events, or not) and with the answer cache on; also without the pages of
   mapped files (RssAnon): the database is read through a memory map;
7. /api/events.csv for every event, streamed: time, bytes, and the server's peak RSS while
   it streams (with and without mapped files).

Results: a table on stdout, bench/out/results.json and bench/out/results.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
MEMORY_KEYS = ("rss_start_mb", "rss_after_load_mb", "anon_start_mb", "anon_after_load_mb")
TARGETS = {"build_ratio": 3.0, "rps_ratio": 0.5, "p99_ms": 25.0}


# --- processes ----------------------------------------------------------------------------------


def tree_rss_kb(pid: int, field: str = "VmRSS") -> int:
    """Resident memory of a process and all its descendants, in KiB. RssAnon: without the
    pages of mapped files (the memory-mapped database, the libraries), which are the OS's
    page cache rather than the process's own memory."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith(f"{field}:"):
                        total += int(line.split()[1])
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


class RssSampler:
    """Samples a process tree's RSS in a thread; `peak` is the largest sample."""

    def __init__(self, pid: int, every: float = 0.05, field: str = "VmRSS") -> None:
        self.pid, self.every, self.field, self.peak = pid, every, field, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_kb(self.pid, self.field))
            self._stop.wait(self.every)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Timed:
    wall: float
    cpu: float
    max_rss_mb: float  # the largest single process (rusage)
    tree_rss_mb: float  # the whole process tree (sampled)
    output: str


def timed(cmd: list[str], env: dict | None = None) -> Timed:
    """Run a command to completion: wall time, CPU time and peak memory of it and its children."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    with RssSampler(proc.pid) as sampler:
        output = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{output}")
    return Timed(
        wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, sampler.peak / 1024, output
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinned(cpu: int, cmd: list[str]) -> list[str]:
    return (
        ["taskset", "-c", str(cpu), *cmd]
        if shutil.which("taskset") and (os.cpu_count() or 1) > 1
        else cmd
    )


class Server:
    """An ASGI app on uvicorn or granian, one process (plus granian's worker), pinned to CPU 0."""

    def __init__(self, kind: str, app: str, env: dict[str, str]) -> None:
        self.kind, self.app, self.port = kind, app, free_port()
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        if kind == "uvicorn":
            cmd = [
                PYTHON,
                "-m",
                "uvicorn",
                app,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--no-access-log",
                "--log-level",
                "warning",
                "--loop",
                "uvloop",
                "--http",
                "httptools",
            ]
        else:
            cmd = [
                PYTHON,
                "-m",
                "granian",
                "--interface",
                "asgi",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                "1",
                "--runtime-threads",
                "1",
                "--http",
                "1",
                "--loop",
                "uvloop",
                "--no-ws",
                "--log-level",
                "warning",
                "--no-access-log",
                app,
            ]
        self.cmd = pinned(0, cmd)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/", timeout=2).read()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(
                        f"{self.kind} did not start: {self.proc.stderr.read().decode()[-2000:]}"
                    ) from None
                time.sleep(0.2)
        return self

    def rss_mb(self) -> float:
        return tree_rss_kb(self.proc.pid) / 1024

    def own_mb(self) -> float:
        return tree_rss_kb(self.proc.pid, "RssAnon") / 1024

    def __exit__(self, *exc) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=120) as r:
        return json.loads(r.read())


# --- wrk ----------------------------------------------------------------------------------------

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not m:
        raise ValueError(text)
    return float(m.group(1)) * _UNITS[m.group(2)]


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def wrk(url: str, duration: float, connections: int = 32, paths: Path | None = None) -> Load:
    """wrk on one URL, or on the paths listed in `paths` in turn (bench/mixed.lua), against url's
    server."""
    seconds = max(1, math.ceil(duration))  # wrk takes whole seconds only: -d1.5s is refused
    cmd = pinned(1, ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", url])
    env = None
    if paths is not None:
        cmd[-1:-1] = ["-s", str(ROOT / "bench" / "mixed.lua")]
        env = {**os.environ, "CHRONO_PATHS": str(paths)}
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(x) for x in m.groups())
    return Load(rps, p50, p99, errors, requests)


# --- what to ask ----------------------------------------------------------------------------------

MIXED = "mixed: 600 distinct page queries in turn, fresh server"
MIXED_AFTER = "mixed again, after the large answers above"


def pick_mixed(db: Path, seed: int = 7) -> list[str]:
    """Page queries wrk asks in turn: 150 words (each in 0.006-0.3 % of the events), 150
    actors, 150 actors over three years, 150 months."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    n = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    words = [
        w
        for (w,) in conn.execute(
            "SELECT term FROM events_fts_vocab WHERE doc BETWEEN ? AND ? AND length(term) >= 5 "
            "AND term NOT GLOB '*[0-9]*' ORDER BY term",
            (max(n // 16_000, 1), max(n // 330, 2)),
        )
    ]
    actors = [
        a
        for (a,) in conn.execute(
            "SELECT actor_id FROM actor_stats WHERE event_count >= 20 ORDER BY actor_id"
        )
    ]
    first, last = (
        int(y[:4])
        for y in conn.execute("SELECT min(date_start), max(date_start) FROM events").fetchone()
    )
    conn.close()
    pick = random.Random(seed)
    q = urllib.parse.quote
    paths = [f"/api/events?q={q(w)}" for w in pick.choices(words, k=150)]
    paths += [f"/api/events?actor={q(a)}" for a in pick.choices(actors, k=150)]
    for a in pick.choices(actors, k=150):
        year = pick.randint(first, max(first, last - 2))
        paths.append(f"/api/events?actor={q(a)}&from={year}&to={year + 2}")
    paths += [
        f"/api/events?from={y}-{m:02d}&to={y}-{m:02d}"
        for y, m in ((pick.randint(first, last), pick.randint(1, 12)) for _ in range(150))
    ]
    pick.shuffle(paths)
    return paths


def pick_queries(db: Path, base: str, pages_deep: int) -> dict[str, str | list[str]]:
    """The benchmark's queries, with actors and words chosen from the built database."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    n = conn.execute("SELECT count(*) FROM events").fetchone()[0]
    heavy = conn.execute(
        "SELECT actor_id FROM actor_stats ORDER BY event_count DESC LIMIT 1"
    ).fetchone()[0]
    mid = conn.execute(
        "SELECT actor_id FROM actor_stats ORDER BY abs(event_count - ?) LIMIT 1",
        (max(n // 1000, 20),),
    ).fetchone()[0]
    org = conn.execute(
        "SELECT actor_id FROM actor_stats WHERE member_event_count > event_count ORDER BY "
        "member_event_count DESC LIMIT 1"
    ).fetchone()[0]
    common = conn.execute(
        "SELECT term FROM events_fts_vocab WHERE length(term) >= 6 AND term NOT GLOB '*[0-9]*' "
        "ORDER BY doc DESC LIMIT 1"
    ).fetchone()[0]
    rare = conn.execute(
        "SELECT term FROM events_fts_vocab WHERE length(term) >= 6 AND term NOT GLOB '*[0-9]*' "
        "AND doc >= 3 ORDER BY abs(doc - ?) LIMIT 1",
        (max(n // 10_000, 3),),
    ).fetchone()[0]
    counts = {
        "heavy": conn.execute(
            "SELECT event_count FROM actor_stats WHERE actor_id = ?", (heavy,)
        ).fetchone()[0],
        "mid": conn.execute(
            "SELECT event_count FROM actor_stats WHERE actor_id = ?", (mid,)
        ).fetchone()[0],
        "org": conn.execute(
            "SELECT member_event_count FROM actor_stats WHERE actor_id = ?", (org,)
        ).fetchone()[0],
        "common": conn.execute(
            "SELECT doc FROM events_fts_vocab WHERE term = ?", (common,)
        ).fetchone()[0],
        "rare": conn.execute("SELECT doc FROM events_fts_vocab WHERE term = ?", (rare,)).fetchone()[
            0
        ],
    }
    conn.close()
    q = urllib.parse.quote
    mixed = pick_mixed(db)
    # The mixed load first on a fresh server and again last, after the busiest actor's contact
    # lists: holding large answers' rows once left a server slower (see the README's Performance).
    queries: dict[str, str | list[str]] = {
        MIXED: mixed,
        f"actor+range, Zipf-top actor ({counts['heavy']:,} events)": (
            f"/api/events?actor={q(heavy)}&from=2010&to=2012"
        ),
        f"actor+range, mid actor ({counts['mid']:,} events)": (
            f"/api/events?actor={q(mid)}&from=2010&to=2012"
        ),
        f"organization+members+range ({counts['org']:,} events)": (
            f"/api/events?actor={q(org)}&from=2010&to=2012"
        ),
        "range, two months": "/api/events?from=2015-03&to=2015-04",
        f"full text, common word '{common}' ({counts['common']:,} events)": (
            f"/api/events?q={q(common)}"
        ),
        f"full text, rare word '{rare}' ({counts['rare']:,} events)": f"/api/events?q={q(rare)}",
        "contacts, mid actor": f"/api/contacts?actor={q(mid)}",
        "contacts, Zipf-top actor": f"/api/contacts?actor={q(heavy)}",
        "contacts, Zipf-top actor, 100 most frequent partners": (
            f"/api/contacts?actor={q(heavy)}&limit=100"
        ),
        "contacts, Zipf-top actor, 100 partners, 10 ids each": (
            f"/api/contacts?actor={q(heavy)}&limit=100&ids=10"
        ),
        "contacts, Zipf-top actor, all partners, no ids": f"/api/contacts?actor={q(heavy)}&ids=0",
        "actors list (100, with event counts)": "/api/actors",
        "yardstick: /api/types (no database)": "/api/types",
        "yardstick: one event (limit=1)": "/api/events?limit=1",
    }
    cursor_url = "/api/events"
    followed = 0
    for _ in range(pages_deep):
        nxt = get_json(base + cursor_url)["next"]
        if not nxt:
            break
        cursor_url = f"/api/events?cursor={q(nxt)}"
        followed += 1
    queries[f"deep cursor ({followed} pages in)"] = cursor_url
    queries[MIXED_AFTER] = mixed
    return queries


# --- the run --------------------------------------------------------------------------------------


@dataclass
class Results:
    machine: dict = field(default_factory=dict)
    events: int = 0
    generate_s: float = 0.0
    build: dict = field(default_factory=dict)
    floor: dict = field(default_factory=dict)
    db_mb: float = 0.0
    servers: dict = field(default_factory=dict)
    memory: dict = field(default_factory=dict)
    export: dict = field(default_factory=dict)
    targets: dict = field(default_factory=dict)


def machine() -> dict:
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    versions = subprocess.run(
        [
            PYTHON,
            "-c",
            "import sqlite3, sys, litestar, msgspec, uvicorn; print(sys.version.split()[0], "
            "sqlite3.sqlite_version, litestar.__version__ if hasattr(litestar, '__version__') "
            "else '', msgspec.__version__, uvicorn.__version__)",
        ],
        capture_output=True,
        text=True,
    ).stdout.split()
    from importlib.metadata import PackageNotFoundError, version

    litestar_version = version("litestar")
    try:
        granian_version = version("granian")
    except PackageNotFoundError:
        granian_version = "not installed"
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": round(mem_kb / 1024 / 1024, 1),
        "python": versions[0],
        "sqlite": versions[1],
        "litestar": litestar_version,
        "msgspec": versions[-2],
        "uvicorn": versions[-1],
        "granian": granian_version,
        "kernel": platform.release(),
        "load_before": os.getloadavg(),
    }


def generate(events: int, out: Path, seed: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            PYTHON,
            str(HERE / "generate.py"),
            "--events",
            str(events),
            "--out",
            str(out),
            "--seed",
            str(seed),
        ],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def build(data: Path, db: Path) -> tuple[Timed, dict]:
    code = (
        "import json, sys; from pathlib import Path; from chrono.build import build; "
        f"r = build(Path({str(data)!r}), Path({str(db)!r})); "
        "print(json.dumps({'stages': r.stages, 'counts': r.counts, 'seconds': r.seconds}))"
    )
    t = timed([PYTHON, "-c", code])
    return t, json.loads(t.output.strip().splitlines()[-1])


def load_servers(
    kinds: list[str],
    db: Path,
    duration: float,
    pages_deep: int,
    with_hello: bool = True,
    cache_mb: float = 0,
    hello: dict | None = None,
) -> dict:
    """Each query on each server. With cache_mb=0 (the default) every request does chrono's
    whole work; with an answer cache, the repeated URL is replayed from memory. Ratios are to
    the hello-world measured here, or to `hello` when given instead."""
    out: dict = {}
    queries: dict[str, str | list[str]] | None = None
    for kind in kinds:
        entry: dict = {"queries": {}}
        if hello:
            entry["hello"] = hello
        elif with_hello:
            with Server(kind, "bench.hello:app", {}) as yardstick:
                wrk(yardstick.url + "/", 1)  # warm up
                entry["hello"] = asdict(wrk(yardstick.url + "/", duration))
                wrk(yardstick.url + "/page", 1)
                entry["hello_page"] = asdict(wrk(yardstick.url + "/page", duration))
                entry["hello_page"]["bytes"] = len(
                    urllib.request.urlopen(yardstick.url + "/page", timeout=10).read()
                )
                entry["hello_rss_mb"] = round(yardstick.rss_mb(), 1)
        with Server(
            kind, "bench.serve_app:app", {"CHRONO_DB": str(db), "CHRONO_CACHE_MB": str(cache_mb)}
        ) as server:
            entry["rss_start_mb"] = round(server.rss_mb(), 1)
            entry["anon_start_mb"] = round(server.own_mb(), 1)
            if queries is None:
                queries = pick_queries(db, server.url, pages_deep)
            for label, path in queries.items():
                if isinstance(
                    path, list
                ):  # each asked once first: the OS has the pages, SQLite's cache not
                    listed = db.with_name(f"{db.stem}-mixed-paths.txt")  # one list per database
                    listed.write_text("\n".join(path) + "\n")
                    sizes = [
                        len(urllib.request.urlopen(server.url + p, timeout=120).read())
                        for p in path
                    ]
                    result = asdict(wrk(server.url + "/", duration, paths=listed))
                    result["url"] = f"{len(path)} paths, {listed.name}"
                    result["bytes"] = round(sum(sizes) / len(sizes))
                else:
                    body = urllib.request.urlopen(server.url + path, timeout=120).read()
                    wrk(server.url + path, 1)  # warm up
                    result = asdict(wrk(server.url + path, duration))
                    result["url"] = path
                    result["bytes"] = len(body)
                if "hello" in entry:
                    result["ratio"] = round(result["rps"] / entry["hello"]["rps"], 3)
                entry["queries"][label] = result
                print(
                    f"  {kind:8s} {label:60s} {result['rps']:9.0f} req/s  p50 "
                    f"{result['p50_ms']:7.2f} ms  p99 {result['p99_ms']:7.2f} ms",
                    flush=True,
                )
            entry["rss_after_load_mb"] = round(server.rss_mb(), 1)
            entry["anon_after_load_mb"] = round(server.own_mb(), 1)
        out[kind] = entry
    return out


def export(db: Path, kind: str) -> dict:
    """Stream /api/events.csv for the whole database; sample the server's RSS meanwhile."""
    with Server(
        kind, "bench.serve_app:app", {"CHRONO_DB": str(db), "CHRONO_CACHE_MB": "0"}
    ) as server:
        before, own_before = server.rss_mb(), server.own_mb()
        started = time.perf_counter()
        size = rows = 0
        with (
            RssSampler(server.proc.pid, every=0.1) as sampler,
            RssSampler(server.proc.pid, every=0.1, field="RssAnon") as own,
            urllib.request.urlopen(server.url + "/api/events.csv", timeout=3600) as r,
        ):
            # A record ends with CRLF; a field's own line breaks (one quote per line) are LF.
            last = b""
            while chunk := r.read(1 << 20):
                size += len(chunk)
                rows += chunk.count(b"\r\n") + (last == b"\r" and chunk[:1] == b"\n")
                last = chunk[-1:]
        return {
            "seconds": round(time.perf_counter() - started, 1),
            "mb": round(size / 1e6, 1),
            "records": rows,
            "rss_before_mb": round(before, 1),
            "rss_peak_mb": round(sampler.peak / 1024, 1),
            "rss_after_mb": round(server.rss_mb(), 1),
            "anon_before_mb": round(own_before, 1),
            "anon_peak_mb": round(own.peak / 1024, 1),
            "anon_after_mb": round(server.own_mb(), 1),
        }


def report(r: Results) -> str:
    lines = []
    m = r.machine
    lines.append(
        f"Machine: {m['nproc']} CPUs, {m['cpu']}, {m['ram_gib']} GiB RAM; Python {m['python']}, "
        f"SQLite {m['sqlite']}, Litestar {m['litestar']}, msgspec {m['msgspec']}, uvicorn "
        f"{m['uvicorn']}, granian {m['granian']}. Load average before: "
        f"{', '.join(f'{x:.2f}' for x in m['load_before'])}; after: "
        f"{', '.join(f'{x:.2f}' for x in m.get('load_after', ()))}."
    )
    lines.append("")
    b, fl = r.build, r.floor
    generated = (
        f"generated in {r.generate_s:.0f} s" if r.generate_s else "generated by an earlier run"
    )
    lines.append(f"Events: {r.events:,}, {generated}. Database: {r.db_mb:,.0f} MB.")
    lines.append("")
    lines.append(
        "| build | wall s | CPU s | peak RSS, largest process MB | peak RSS, process tree MB |"
    )
    lines.append("|---|---:|---:|---:|---:|")
    if b:
        lines.append(
            f"| chrono build | {b['wall']:.1f} | {b['cpu']:.1f} | {b['max_rss_mb']:.0f} | "
            f"{b['tree_rss_mb']:.0f} |"
        )
    else:
        lines.append(
            "| chrono build: not run (`--reuse` kept the database of an earlier run) | | | | |"
        )
    lines.append(
        f"| floor: raw executemany, no indexes | {fl['wall']:.1f} | {fl['cpu']:.1f} | "
        f"{fl['max_rss_mb']:.0f} | {fl['tree_rss_mb']:.0f} |"
    )
    if b:
        lines.append(
            f"| **ratio** (target ≤ {TARGETS['build_ratio']:g}) | **{b['wall'] / fl['wall']:.2f}** "
            f"| {b['cpu'] / fl['cpu']:.2f} | | |"
        )
        lines.append("")
        lines.append(
            "Build stages (s): " + ", ".join(f"{k} {v:.1f}" for k, v in b["stages"].items())
        )
    lines.append("")
    for kind, entry in r.servers.items():
        h = entry["hello"]
        lines.append(
            f"Server: {kind}, pinned to CPU 0; wrk -t1 -c32 pinned to CPU 1. Hello-world: "
            f"{h['rps']:,.0f} req/s, p50 {h['p50_ms']:.2f} ms, p99 {h['p99_ms']:.2f} ms."
        )
        if hp := entry.get("hello_page"):
            lines.append(
                f"The same app handing out a ready {hp['bytes'] / 1024:.0f} KB page: "
                f"{hp['rps']:,.0f} req/s ({hp['rps'] / h['rps']:.2f} × hello-world), p50 "
                f"{hp['p50_ms']:.2f} ms, p99 {hp['p99_ms']:.2f} ms."
            )
        lines.append("")
        lines.append(
            f"| query ({kind}) | req/s | × hello-world (≥ {TARGETS['rps_ratio']:g}) | p50 ms | "
            f"p99 ms (≤ {TARGETS['p99_ms']:g}) | response KB | errors |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|")
        for label, q in entry["queries"].items():
            ok = q["ratio"] >= TARGETS["rps_ratio"] and q["p99_ms"] <= TARGETS["p99_ms"]
            lines.append(
                f"| {label}{'' if ok else ' ✗'} | {q['rps']:,.0f} | {q['ratio']:.2f} | "
                f"{q['p50_ms']:.2f} | {q['p99_ms']:.2f} | {q['bytes'] / 1024:,.1f} | "
                f"{q['errors']} |"
            )
        lines.append("")
    mem = r.memory
    if mem:
        lines.append(
            "| server memory (uvicorn) | RSS at start MB | RSS after the query load MB | "
            "without mapped files (RssAnon), at start / after MB |"
        )
        lines.append("|---|---:|---:|---:|")
        for label, v in mem.items():
            lines.append(
                f"| {label} | {v['rss_start_mb']:.0f} | {v['rss_after_load_mb']:.0f} | "
                f"{v['anon_start_mb']:.0f} / {v['anon_after_load_mb']:.0f} |"
            )
        lines.append("")
    e = r.export
    if e:
        lines.append(
            f"Export: /api/events.csv, all {e['records'] - 1:,} events, {e['mb']:,.0f} MB in "
            f"{e['seconds']:.0f} s ({e['mb'] / max(e['seconds'], 0.001):.0f} MB/s); server RSS "
            f"{e['rss_before_mb']:.0f} MB before, peak {e['rss_peak_mb']:.0f} MB while streaming, "
            f"{e['rss_after_mb']:.0f} MB after; without mapped files (RssAnon) "
            f"{e['anon_before_mb']:.0f}, {e['anon_peak_mb']:.0f} and {e['anon_after_mb']:.0f} MB."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--servers", default="uvicorn,granian", help="comma-separated: uvicorn, granian"
    )
    parser.add_argument("--pages-deep", type=int, default=1000)
    parser.add_argument(
        "--reuse", action="store_true", help="keep generated data and databases from an earlier run"
    )
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument(
        "--cache-mb", type=float, default=64.0, help="answer cache of the repeated-URL pass"
    )
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    kinds = [k for k in args.servers.split(",") if k]
    try:
        import granian  # noqa: F401
    except ImportError:
        kinds = [k for k in kinds if k != "granian"]
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    r = Results(machine=machine(), events=args.events)
    data, db = out / "data", out / "chrono.db"
    small_n = max(args.events // 10, 1000)
    small_data, small_db = out / "data-small", out / "chrono-small.db"

    print(f"generating {args.events:,} events …", flush=True)
    if not (args.reuse and (data / "events.jsonl").exists()):
        r.generate_s = generate(args.events, data, args.seed)
    print("building …", flush=True)
    if not (args.reuse and db.exists()):
        t, info = build(data, db)
        r.build = {
            "wall": t.wall,
            "cpu": t.cpu,
            "max_rss_mb": t.max_rss_mb,
            "tree_rss_mb": t.tree_rss_mb,
            **info,
        }
    print("floor …", flush=True)
    floor_db = out / "floor.db"
    t = timed([PYTHON, str(HERE / "floor.py"), str(data), str(floor_db)])
    floor_db.unlink(missing_ok=True)
    r.floor = {
        "wall": t.wall,
        "cpu": t.cpu,
        "max_rss_mb": t.max_rss_mb,
        "tree_rss_mb": t.tree_rss_mb,
    }
    r.db_mb = db.stat().st_size / 1e6
    if r.build:
        print(
            f"  build {r.build['wall']:.1f} s, floor {r.floor['wall']:.1f} s: ratio "
            f"{r.build['wall'] / r.floor['wall']:.2f}",
            flush=True,
        )

    print("serving …", flush=True)
    r.servers = load_servers(kinds, db, args.duration, args.pages_deep)
    main_kind = kinds[0]
    print(
        f"serving again with the answer cache ({args.cache_mb:g} MB): each URL repeated …",
        flush=True,
    )
    cached = load_servers(
        [main_kind],
        db,
        args.duration,
        args.pages_deep,
        cache_mb=args.cache_mb,
        hello=r.servers[main_kind]["hello"],
    )[main_kind]
    r.servers[f"{main_kind}, answer cache {args.cache_mb:g} MB, repeated URLs"] = cached
    print(f"serving a {small_n:,}-event database for the memory comparison …", flush=True)
    if not (args.reuse and small_db.exists()):
        generate(small_n, small_data, args.seed)
        build(small_data, small_db)
    small = load_servers(
        [main_kind],
        small_db,
        max(args.duration / 2, 1),
        min(args.pages_deep, small_n // 100),
        with_hello=False,
    )
    r.memory = {
        f"{args.events:,} events": {k: r.servers[main_kind][k] for k in MEMORY_KEYS},
        f"{small_n:,} events": {k: small[main_kind][k] for k in MEMORY_KEYS},
        f"{args.events:,} events, answer cache {args.cache_mb:g} MB": {
            k: cached[k] for k in MEMORY_KEYS
        },
    }
    if not args.no_export:
        print("exporting /api/events.csv …", flush=True)
        r.export = export(db, main_kind)
    r.machine["load_after"] = os.getloadavg()
    b = r.build
    r.targets = {
        "build_ratio": round(b["wall"] / r.floor["wall"], 2) if b else None,
        "queries_meeting_targets": {
            kind: {
                label: q["ratio"] >= TARGETS["rps_ratio"] and q["p99_ms"] <= TARGETS["p99_ms"]
                for label, q in entry["queries"].items()
            }
            for kind, entry in r.servers.items()
        },
    }
    text = report(r)
    (out / "results.json").write_text(json.dumps(asdict(r), indent=1))
    (out / "results.md").write_text(text + "\n")
    print()
    print(text)


if __name__ == "__main__":
    main()
