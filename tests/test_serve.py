"""`chrono serve` as a user runs it: builds a missing database, then serves everything on one
port."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys

import httpx

from tests.helpers import BUNDLED_DATA, free_port, wait_until_answering


def test_serve_builds_if_missing_then_serves_api_widget_and_datasette(tmp_path):
    data = tmp_path / "db"
    data.mkdir()
    for name in ("sources.yml", "actors.yml", "events.yml"):
        shutil.copy(BUNDLED_DATA / name, data / name)
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chrono",
            "serve",
            "--port",
            str(port),
            "--db",
            str(data / "chrono.db"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/api/types", proc, 60)
        assert (data / "chrono.db").exists()
        events = httpx.get(f"{base}/api/events?actor=Haniyah&from=2021&to=2022").json()["events"]
        assert [e["id"] for e in events][:2] == [
            "2021-08-haniyeh-calls-baradar",
            "2021-10-haniyeh-calls-muttaqi",
        ]
        assert httpx.get(f"{base}/widget.js").headers["content-type"].startswith("text/javascript")
        assert "chrono-timeline" in httpx.get(f"{base}/").text
        assert httpx.get(f"{base}/schema/openapi.json").json()["info"]["title"] == "chrono"
        table = httpx.get(f"{base}/datasette/chrono/events.json?_shape=array&_size=5")
        assert table.status_code == 200 and len(table.json()) == 5
        assert httpx.get(f"{base}/datasette/chrono").status_code == 200
        with httpx.Client(base_url=base) as keep_alive:  # HEAD, then GET on the same connection
            for path in ("/api/events?limit=2", "/api/events.csv", "/datasette/chrono/events.json"):
                head, got = keep_alive.head(path), keep_alive.get(path)
                assert (head.status_code, head.content, got.status_code) == (200, b"", 200), path
                assert head.headers.get("content-length") == got.headers.get("content-length"), path
                assert got.content, path
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert "building" in proc.stdout.read()


def test_serve_refuses_a_database_it_cannot_read(tmp_path, bundled_db):
    """A database built for another schema (no data folder beside it to rebuild from), or a
    file that is not a chrono database: a clear message and exit 1, not a 500 per request."""
    old = tmp_path / "old" / "chrono.db"
    old.parent.mkdir()
    shutil.copyfile(bundled_db, old)
    with sqlite3.connect(old) as conn:
        conn.execute("UPDATE chrono_build SET value = '3' WHERE key = 'schema_version'")
    other = tmp_path / "other" / "notes.db"
    other.parent.mkdir()
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")

    def serve(db):  # a server that starts instead of refusing fails the test by its timeout
        return subprocess.run(
            [sys.executable, "-m", "chrono", "serve", "--db", str(db), "--port", str(free_port())],
            capture_output=True,
            text=True,
            timeout=60,
        )

    result = serve(old)
    assert result.returncode == 1
    assert f"{old} was built for schema 3, this chrono reads schema" in result.stderr
    assert "rebuild it with `chrono build`" in result.stderr
    result = serve(other)
    assert result.returncode == 1
    assert f"{other} is not a chrono database" in result.stderr
