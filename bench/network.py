"""The contact network's figures: /api/network answer times, and the layout time in Chromium.

    # a built chronology (bench/run.py builds one):
    python bench/network.py --db bench/out/chrono.db
    python bench/network.py --db bench/out/chrono.db --no-browser
    # the layout of 500 nodes and 2,000 edges:
    python bench/network.py --browser-only
    python bench/network.py --build bench/out/data --db /tmp/chrono.db --no-browser  # build first

0. With --build DATA: `chrono build` of DATA into --db (bench/generate.py writes a chronology):
   the seconds of each stage, the network's share of the whole, and the network tables' and
   indexes' megabytes beside the file's.

1. The API, served by uvicorn in this process with the answer cache off (every request does the
   whole work): the busiest actor's network over three years (2010-2012, and the chronology's
   last three years, its densest), the whole network of one month (June of the last year, and
   of 2011), each as the widget asks it (its 150 most frequent partners or busiest actors, 200
   ids an edge, the brush's months) and whole. Each query runs once cold, then --runs times:
   median and slowest, answer size, nodes and edges. "Whole" asks for every actor with the
   API's default of 100 event ids an edge. A request that takes longer than the
   network's time limit (2 s) is refused with a 400: it is reported as such.
2. Chromium (/usr/bin/chromium, headless): <chrono-network> fed a synthetic network of 500
   nodes and 2,000 edges (Zipf-skewed degrees) through a routed /api/network; the time d3-force
   takes to settle (alpha below alphaMin, before anything is drawn), and from the answer's
   arrival to the drawn picture. Median of --runs page loads.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import uvicorn

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chrono.api import create_app  # noqa: E402
from chrono.build import build  # noqa: E402

TARGET_MS = 200.0
SETTLE_TARGET_MS = 2000.0


class Server:
    def __init__(self, db: Path) -> None:
        self.server = uvicorn.Server(
            uvicorn.Config(
                create_app(db, mount_datasette=False, cache_mb=0),
                host="127.0.0.1",
                port=0,
                log_level="warning",
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *_) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def timed_get(url: str) -> tuple[float, int, dict]:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as r:
        body = r.read()
    ms = (time.perf_counter() - started) * 1000
    return ms, len(body), json.loads(body)


def queries(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    busiest, events = conn.execute(
        "SELECT actor_id, event_count FROM actor_stats ORDER BY event_count DESC LIMIT 1"
    ).fetchone()
    last = int(conn.execute("SELECT max(date_start) FROM events").fetchone()[0][:4])
    conn.close()
    q = urllib.parse.quote
    out = {}
    for years in ((2010, 2012), (last - 2, last)):
        label = f"busiest actor ({events:,} events), {years[0]}-{years[1]}"
        base = f"/api/network?actor={q(busiest)}&from={years[0]}&to={years[1]}"
        out[f"{label}, as the widget asks (limit=150, ids=200, months)"] = (
            f"{base}&limit=150&ids=200&months=true"
        )
        out[f"{label}, every partner (the default 100 ids an edge)"] = base
    for month in (f"{last}-06", "2011-06"):
        base = f"/api/network?from={month}&to={month}"
        out[f"whole network, {month}, as the widget asks (limit=150, ids=200, months)"] = (
            f"{base}&limit=150&ids=200&months=true"
        )
        out[f"whole network, {month}, every actor (the default 100 ids an edge)"] = base
    return out


def bench_build(data: Path, db: Path) -> dict:
    """Build `data` into `db`: the network stage's seconds and megabytes beside the whole's."""
    print(
        f"yardstick: {yardstick_ms():.0f} ms (3 million squares in Python; about 150 ms on an "
        "idle core)",
        flush=True,
    )
    started = time.perf_counter()
    report = build(data, db)
    seconds = time.perf_counter() - started
    network = report.stages.get("network pairs", 0.0)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    sizes = dict(
        conn.execute(
            "SELECT name, sum(pgsize) FROM dbstat WHERE name LIKE 'network%' "
            "OR name LIKE 'sqlite_autoindex_network%' GROUP BY name ORDER BY 2 DESC"
        ).fetchall()
    )
    conn.close()
    result = {
        "events": report.counts.get("events"),
        "seconds": round(seconds, 1),
        "network_seconds": round(network, 1),
        "network_share": round(network / seconds, 3),
        "stages": {k: round(v, 1) for k, v in report.stages.items()},
        "file_mb": round(db.stat().st_size / 1e6),
        "network_mb": round(sum(sizes.values()) / 1e6),
        "tables_mb": {name: round(size / 1e6, 1) for name, size in sizes.items()},
    }
    print(
        f"build of {result['events']:,} events: {seconds:.0f} s, of which the network stage "
        f"{network:.0f} s ({100 * network / seconds:.0f} %); file {result['file_mb']:,} MB, "
        f"network tables and indexes {result['network_mb']:,} MB",
        flush=True,
    )
    stages = ", ".join(f"{k} {v:.1f}" for k, v in report.stages.items())
    print(f"  stages (s): {stages}", flush=True)
    print("  " + ", ".join(f"{k} {v:,.1f} MB" for k, v in result["tables_mb"].items()), flush=True)
    return result


def yardstick_ms() -> float:
    """A fixed amount of work: how fast the (shared) machine ran at the time."""
    started = time.perf_counter()
    sum(i * i for i in range(3_000_000))
    return (time.perf_counter() - started) * 1000


def bench_api(db: Path, runs: int) -> list[dict]:
    rows = []
    print(
        f"yardstick: {yardstick_ms():.0f} ms "
        "(3 million squares in Python; about 150 ms on an idle core)",
        flush=True,
    )
    with Server(db) as base:
        for label, path in queries(db).items():
            try:
                cold, size, body = timed_get(base + path)
            except urllib.error.HTTPError as exc:
                print(f"refused ({exc.code}: over the time limit)  {label}", flush=True)
                rows.append({"query": label, "path": path, "refused": exc.code})
                continue
            times, refused = [], 0
            for _ in range(runs):
                try:
                    times.append(timed_get(base + path)[0])
                except urllib.error.HTTPError:
                    refused += 1
            if not times:
                print(f"refused ({runs} of {runs} runs over the time limit)  {label}", flush=True)
                rows.append({"query": label, "path": path, "refused": runs})
                continue
            rows.append(
                {
                    "query": label,
                    "path": path,
                    "cold_ms": round(cold, 1),
                    "median_ms": round(statistics.median(times), 1),
                    "max_ms": round(max(times), 1),
                    "kb": round(size / 1024),
                    "nodes": len(body["nodes"]),
                    "edges": len(body["edges"]),
                    "refused": refused,
                }
            )
            print(
                f"{rows[-1]['median_ms']:8.1f} ms median {rows[-1]['max_ms']:8.1f} max "
                f"{rows[-1]['cold_ms']:8.1f} cold "
                f"{rows[-1]['kb']:7,} KB {rows[-1]['nodes']:6,} nodes "
                f"{rows[-1]['edges']:7,} edges  {label}",
                flush=True,
            )
    return rows


# A fixed amount of work in the same page: how fast the (shared) machine ran at the time.
YARDSTICK = (
    "() => { const t = performance.now(); let x = 0; "
    "for (let i = 0; i < 1e7; i++) x += Math.sqrt(i); return performance.now() - t; }"
)
KINDS = ["person", "state", "government", "organization", "armed-group", "media"]


def synthetic_network(nodes: int, edges: int, seed: int = 7) -> dict:
    """A network with Zipf-skewed degrees: a few hubs, a long tail, as chronologies have."""
    pick = random.Random(seed)
    ids = [f"actor-{i:04d}" for i in range(nodes)]
    weights = [1 / (i + 1) ** 0.8 for i in range(nodes)]
    pairs: dict[tuple[str, str], int] = {}
    while len(pairs) < edges:
        a, b = pick.choices(ids, weights, k=2)
        if a != b:
            pairs.setdefault((min(a, b), max(a, b)), pick.randint(1, 40))
    events: dict[str, int] = {}
    out_edges = []
    for (a, b), n in sorted(pairs.items()):
        events[a] = events.get(a, 0) + n
        events[b] = events.get(b, 0) + n
        out_edges.append(
            {
                "source": a,
                "target": b,
                "count": n,
                "first": "2020-01-01",
                "last": "2024-12-31",
                "types": {"meeting": n},
                "event_ids": [f"e-{a}-{b}-{k}" for k in range(min(n, 3))],
            }
        )
    out_nodes = [
        {
            "id": i,
            "name": f"Actor {i[-4:]}",
            "kind": KINDS[k % len(KINDS)],
            "events": events.get(i, 0),
        }
        for k, i in enumerate(ids)
    ]
    months = [
        {"month": f"{y}-{m:02d}", "count": pick.randint(0, 300)}
        for y in range(2020, 2025)
        for m in range(1, 13)
    ]
    return {"nodes": out_nodes, "edges": out_edges, "months": months}


def bench_browser(runs: int, nodes: int, edges: int, tmp: Path) -> dict:
    from playwright.sync_api import sync_playwright

    build(ROOT / "db", tmp / "chrono.db")
    answer = json.dumps(synthetic_network(nodes, edges))
    layout, drawn, yardstick = [], [], []
    with Server(tmp / "chrono.db") as base, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        for _ in range(runs + 1):
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.route(
                "**/api/network?*",
                lambda route: route.fulfill(
                    status=200, content_type="application/json", body=answer
                ),
            )
            page.goto(f"{base}/network")
            page.wait_for_function(
                """(n) => {
              const root = document.querySelector('chrono-network').shadowRoot;
              return root.querySelectorAll('svg.graph [data-pair]').length === n;
            }""",
                arg=edges,
                timeout=60_000,
            )
            figures = page.evaluate("""() => ({
              layout: performance.getEntriesByName('chrono-network layout').at(-1).duration,
              drawn: performance.getEntriesByName('chrono-network draw').at(-1).duration})""")
            yardstick.append(page.evaluate(YARDSTICK))
            layout.append(figures["layout"])
            drawn.append(figures["drawn"])
            page.close()
        browser.close()
    layout, drawn = layout[1:], drawn[1:]  # the first load also compiles the modules
    result = {
        "nodes": nodes,
        "edges": edges,
        "runs": runs,
        "layout_median_ms": round(statistics.median(layout)),
        "layout_max_ms": round(max(layout)),
        "drawn_median_ms": round(statistics.median(drawn)),
        "drawn_max_ms": round(max(drawn)),
        "yardstick_ms": round(statistics.median(yardstick)),
    }
    print(
        f"Chromium, {nodes} nodes, {edges:,} edges: "
        f"d3-force settles in {result['layout_median_ms']} ms (median, "
        f"slowest {result['layout_max_ms']}); "
        f"answer to picture {result['drawn_median_ms']} ms (slowest {result['drawn_max_ms']}); "
        f"yardstick {result['yardstick_ms']} ms "
        "(10 million square roots; about 15 ms on an idle core)",
        flush=True,
    )
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "chrono.db")
    parser.add_argument(
        "--build",
        type=Path,
        metavar="DATA",
        help="build DATA into --db first, and measure the build",
    )
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--browser-only", action="store_true")
    parser.add_argument("--nodes", type=int, default=500)
    parser.add_argument("--edges", type=int, default=2000)
    args = parser.parse_args(argv)
    results: dict = {}
    if args.build:
        results["build"] = bench_build(args.build, args.db)
    if not args.browser_only:
        conn = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
        results["events"] = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        conn.close()
        print(
            f"/api/network on {args.db} ({results['events']:,} events), "
            f"answer cache off, target {TARGET_MS:.0f} ms",
            flush=True,
        )
        results["api"] = bench_api(args.db, args.runs)
    if not args.no_browser:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            results["browser"] = bench_browser(args.runs, args.nodes, args.edges, Path(tmp))
    out = args.db.parent / "network.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
