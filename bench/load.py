"""The server under abuse, with more than one worker, and against Datasette's own JSON API.

    python bench/load.py --db bench/out/chrono.db            # a database bench/run.py built
    python bench/load.py --events 200000 --duration 10        # generate and build one first

Three measures, each printed as a table (and kept in bench/out/load.json):

1. The cheap request, `/api/events?limit=1` (wrk, 4 connections), alone and then while four
   clients keep asking expensive things back to back (two whole exports, CSV and TimelineJS;
   live contact counts of the busiest actor over a range; a wide full-text search): p50, p99,
   and the server's peak RSS (and without mapped files, RssAnon) meanwhile; how many
   expensive requests were answered and how many refused (503).
2. `chrono serve --workers 1` and `--workers 2` on the mixed load of bench/run.py (600
   distinct page queries in turn, wrk with 32 connections), one after the other in one run.
3. The questions a user could ask Datasette instead, asked of chrono's API and of a plain
   `datasette` serving the same file (`/chrono/events.json?…&_nocount=1&_nofacet=1`, 50
   rows): a date range, a word, a type and a status, newest first; requests/s, p50, p99,
   and how many times faster chrono is.

Servers are not pinned to a core here: with several workers, or threads that read the
database beside the event loop, the server needs both cores, and wrk shares them.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import asdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.run import ROOT, RssSampler, build, free_port, generate, pick_mixed, tree_rss_kb, wrk  # noqa: E402

PYTHON = sys.executable


class Served:
    """A server process (and its workers), started in its own session and stopped with it."""

    def __init__(self, cmd: list[str], ready: str) -> None:
        self.port = free_port()
        self.cmd = [part.replace("{port}", str(self.port)) for part in cmd]
        self.url = f"http://127.0.0.1:{self.port}"
        self.ready = ready

    def __enter__(self) -> Served:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            self.cmd,
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(self.url + self.ready, timeout=2).read()
                return self
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(
                        f"{self.cmd} did not start: {self.proc.stderr.read().decode()[-2000:]}"
                    ) from None
                time.sleep(0.3)

    def __exit__(self, *exc) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


def chrono(db: Path, workers: int = 1) -> Served:
    return Served(
        [
            PYTHON,
            "-m",
            "chrono",
            "serve",
            "--db",
            str(db),
            "--data",
            str(db.parent / "no-data"),
            "--port",
            "{port}",
            "--cache-mb",
            "0",
            "--workers",
            str(workers),
        ],
        "/api/types",
    )


def datasette(db: Path) -> Served:
    """Datasette alone on the same file, as a user would run it (with chrono's metadata), by
    a link named chrono.db: Datasette names a database after its file."""
    link = db.parent / "datasette" / "chrono.db"
    link.parent.mkdir(exist_ok=True)
    link.unlink(missing_ok=True)
    link.symlink_to(db.resolve())
    return Served(
        [
            PYTHON,
            "-m",
            "datasette",
            "serve",
            "--immutable",
            str(link),
            "-m",
            str(ROOT / "datasette_metadata.yml"),
            "--port",
            "{port}",
            "--setting",
            "sql_time_limit_ms",
            "1000",
        ],
        "/-/versions.json",
    )


# --- 1. the cheap request under abuse -------------------------------------------------------------


class Hammer:
    """Clients asking for `path` back to back (curl, body discarded), counting statuses."""

    def __init__(self, base: str, path: str) -> None:
        self.url, self.codes, self._stop = base + path, {}, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            out = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-m", "600", "-w", "%{http_code}", self.url],
                capture_output=True,
                text=True,
            ).stdout
            self.codes[out] = self.codes.get(out, 0) + 1
            if out == "503":
                self._stop.wait(0.05)  # a refused client waits a little (Retry-After says seconds)

    def __enter__(self) -> Hammer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def heavy_paths(db: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    actor = conn.execute(
        "SELECT actor_id FROM actor_stats ORDER BY event_count DESC LIMIT 1"
    ).fetchone()[0]
    years = [
        int(y[:4])
        for y in conn.execute("SELECT min(date_start), max(date_start) FROM events").fetchone()
    ]
    conn.close()
    q = urllib.parse.quote
    return [
        "/api/events.csv",
        "/api/timeline.json",
        f"/api/contacts?actor={q(actor)}&from={years[0]}&to={years[1]}",
        "/api/events?q=a*&type=statement",
    ]


def cheap_under_heavy(db: Path, duration: float) -> dict:
    cheap = "/api/events?limit=1"
    out: dict = {}
    with chrono(db) as server:
        wrk(server.url + cheap, 1)
        out["alone"] = asdict(wrk(server.url + cheap, duration, connections=4))
        pid = server.proc.pid
        out["rss_start_mb"] = round(tree_rss_kb(pid) / 1024, 1)
        hammers = [Hammer(server.url, p) for p in heavy_paths(db)]
        with RssSampler(pid) as rss, RssSampler(pid, field="RssAnon") as anon:
            for h in hammers:
                h.__enter__()
            time.sleep(1)
            try:
                out["under_heavy"] = asdict(wrk(server.url + cheap, duration, connections=4))
            finally:
                for h in hammers:
                    h.__exit__()
        out["rss_peak_mb"] = round(rss.peak / 1024, 1)
        out["anon_peak_mb"] = round(anon.peak / 1024, 1)
        out["heavy"] = {h.url.removeprefix(server.url): h.codes for h in hammers}
    return out


# --- 2. workers -----------------------------------------------------------------------------------


def workers(db: Path, duration: float, counts: tuple[int, ...] = (1, 2)) -> dict:
    paths = pick_mixed(db)
    listed = db.with_name(f"{db.stem}-mixed-paths.txt")
    listed.write_text("\n".join(paths) + "\n")
    out = {}
    for n in counts:
        with chrono(db, n) as server:
            for p in paths:  # each asked once first, as bench/run.py does
                urllib.request.urlopen(server.url + p, timeout=120).read()
            out[n] = asdict(wrk(server.url + "/", duration, paths=listed))
    return out


# --- 3. against Datasette -------------------------------------------------------------------------


def peer_questions(db: Path) -> dict[str, tuple[str, str]]:
    """(chrono path, Datasette path) per question, 50 events each, the same order."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    word = conn.execute(
        "SELECT term FROM events_fts_vocab WHERE length(term) >= 6 AND term NOT GLOB '*[0-9]*' "
        "AND doc >= 3 ORDER BY abs(doc - ?) LIMIT 1",
        (max(conn.execute("SELECT count(*) FROM events").fetchone()[0] // 1000, 3),),
    ).fetchone()[0]
    conn.close()
    ds = "/chrono/events.json?_nocount=1&_nofacet=1&_size=50&_shape=objects"
    return {
        "date range, two months": (
            "/api/events?from=2015-03&to=2015-04",
            f"{ds}&date_start__lte=2015-04-30&date_end__gte=2015-03-01&_sort=date_start",
        ),
        f"full text, the word '{word}'": (
            f"/api/events?q={word}",
            f"{ds}&_search={word}&_sort=date_start",
        ),
        "type + status (meeting, denied)": (
            "/api/events?type=meeting&status=denied",
            f"{ds}&type__exact=meeting&status__exact=denied&_sort=date_start",
        ),
        "type + status (veto, false)": (
            "/api/events?type=veto&status=false",
            f"{ds}&type__exact=veto&status__exact=false&_sort=date_start",
        ),
        "newest first": ("/api/events?order=desc", f"{ds}&_sort_desc=date_start"),
    }


def against_datasette(db: Path, duration: float) -> dict:
    questions = peer_questions(db)
    out: dict = {label: {} for label in questions}
    for name, served in (("chrono", chrono(db)), ("datasette", datasette(db))):
        with served as server:
            for label, paths in questions.items():
                path = paths[0] if name == "chrono" else paths[1]
                urllib.request.urlopen(server.url + path, timeout=120).read()
                wrk(server.url + path, 1)
                out[label][name] = {**asdict(wrk(server.url + path, duration)), "url": path}
    return out


# --- report ---------------------------------------------------------------------------------------


def report(r: dict) -> str:
    lines = [
        f"Events: {r['events']:,}. Load average before: {r['load_before']}; after: "
        f"{r['load_after']}.",
        "",
    ]
    if c := r.get("cheap"):
        lines += [
            "| /api/events?limit=1, wrk -c4 | req/s | p50 ms | p99 ms | server RSS peak MB "
            "(RssAnon) |",
            "|---|---:|---:|---:|---:|",
        ]
        a, u = c["alone"], c["under_heavy"]
        lines.append(
            f"| alone | {a['rps']:,.0f} | {a['p50_ms']:.2f} | {a['p99_ms']:.2f} | "
            f"{c['rss_start_mb']:.0f} at start |"
        )
        lines.append(
            f"| under four heavy clients | {u['rps']:,.0f} | {u['p50_ms']:.2f} | {u['p99_ms']:.2f} "
            f"| {c['rss_peak_mb']:.0f} ({c['anon_peak_mb']:.0f}) |"
        )
        lines.append("")
        lines.append(
            "Heavy clients' answers: "
            + "; ".join(
                f"`{path}`: " + ", ".join(f"{n} × {code}" for code, n in sorted(codes.items()))
                for path, codes in c["heavy"].items()
            )
        )
        lines.append("")
    if w := r.get("workers"):
        lines += [
            "| mixed load, wrk -c32 | req/s | p50 ms | p99 ms | errors |",
            "|---|---:|---:|---:|---:|",
        ]
        for n, x in w.items():
            lines.append(
                f"| --workers {n} | {x['rps']:,.0f} | {x['p50_ms']:.2f} | {x['p99_ms']:.2f} | "
                f"{x['errors']} |"
            )
        lines.append("")
    if p := r.get("peer"):
        lines += [
            "| question (50 events) | chrono req/s | p50 ms | p99 ms | errors | Datasette req/s | "
            "p50 ms | p99 ms | errors | chrono ÷ Datasette |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for label, x in p.items():
            c_, d = x["chrono"], x["datasette"]
            lines.append(
                f"| {label} | {c_['rps']:,.0f} | {c_['p50_ms']:.2f} | {c_['p99_ms']:.2f} | "
                f"{c_['errors']} | {d['rps']:,.0f} | {d['p50_ms']:.2f} | {d['p99_ms']:.2f} | "
                f"{d['errors']} | {c_['rps'] / max(d['rps'], 0.01):.1f} × |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", type=Path, help="a built chronology (default: generate and build --events)"
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument(
        "--only", default="cheap,workers,peer", help="comma-separated: cheap, workers, peer"
    )
    args = parser.parse_args(argv)
    db = args.db
    if db is None:
        data, db = args.out / f"data-{args.events}", args.out / f"chrono-{args.events}.db"
        if not db.exists():
            generate(args.events, data, 7)
            build(data, db)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    r: dict = {
        "events": conn.execute("SELECT count(*) FROM events").fetchone()[0],
        "load_before": ", ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    conn.close()
    parts = args.only.split(",")
    if "cheap" in parts:
        print("the cheap request under four heavy clients …", flush=True)
        r["cheap"] = cheap_under_heavy(db, args.duration)
    if "workers" in parts:
        print("--workers 1 and 2 on the mixed load …", flush=True)
        r["workers"] = workers(db, args.duration)
    if "peer" in parts:
        print("chrono and Datasette, the same questions …", flush=True)
        r["peer"] = against_datasette(db, args.duration)
    r["load_after"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "load.json").write_text(json.dumps(r, indent=1))
    print()
    print(report(r))


if __name__ == "__main__":
    main()
