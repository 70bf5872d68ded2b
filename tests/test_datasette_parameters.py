"""Datasette answers a table's bad parameters with a 400 in words, on every table and view:
through Datasette's own client, through `chrono serve`'s mount, and through the `datasette`
command with the metadata file, as users run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from litestar.testing import TestClient

from chrono.api import create_app
from chrono.publish import METADATA, make_datasette
from tests.helpers import free_port, run_async, wait_until_answering

BAD_SORTS = [
    ("_sort=no_such_column", "Cannot sort table by no_such_column"),
    ("_sort_desc=no_such_column", "Cannot sort table by no_such_column"),
    ("_sort=rowid&_sort_desc=rowid", "Cannot use _sort and _sort_desc at the same time"),
]
OTHER_BAD = [
    ("_through=not-json", "_through must be JSON naming a table, a column and a value"),
    (
        '_through={"table":"x","column":"y","value":"z"}',
        "Invalid _through - could not find corresponding foreign key",
    ),
    ("_timelimit=soon", "_timelimit must be a whole number of milliseconds"),
]


def tables_and_views(ds) -> dict[str, list[str]]:
    """Every table and view, hidden ones included, with its columns."""

    async def names() -> dict[str, list[str]]:
        db = ds.get_database("chrono")
        return {
            name: await db.table_columns(name)
            for name in [*await db.table_names(), *await db.view_names()]
        }

    return run_async(names())


def answers(ds, paths: list[str]) -> list[tuple[int, str]]:
    async def run() -> list[tuple[int, str]]:
        out = []
        for path in paths:
            r = await ds.client.get(path)
            out.append((r.status_code, r.json()["error"] if r.status_code != 200 else ""))
        return out

    return run_async(run())


def test_bad_sorts_are_400s_on_every_table_and_view(bundled_db):
    ds = make_datasette(bundled_db, base_url="/")
    names = tables_and_views(ds)
    assert {"events", "actors", "contacts", "events_fts_source", "contact_pairs"} <= set(names)
    for name, columns in names.items():
        paths = [f"/chrono/{name}.json?{query}" for query, _ in BAD_SORTS]
        assert answers(ds, paths) == [(400, message) for _, message in BAD_SORTS], name
        # A column the table has still sorts: only mistakes are refused.
        assert answers(ds, [f"/chrono/{name}.json?_sort_desc={columns[0]}&_size=1"]) == [
            (200, "")
        ], name


@pytest.mark.parametrize("query, message", OTHER_BAD)
def test_other_unreadable_table_parameters_are_400s(bundled_db, query, message):
    ds = make_datasette(bundled_db, base_url="/")
    assert (
        answers(ds, [f"/chrono/events.json?{query}", f"/chrono/contacts.json?{query}"])
        == [(400, message)] * 2
    )


def test_a_bad_page_token_on_a_view_is_a_400(bundled_db):
    ds = make_datasette(bundled_db, base_url="/")
    [(status, message)] = answers(ds, ["/chrono/contacts.json?_next=garbage"])
    assert (status, message) == (
        400,
        "_next is not a page token of this table: follow the next link",
    )


def test_bad_sorts_through_the_mount_are_400_pages(bundled_db):
    with TestClient(create_app(bundled_db)) as client:
        for table in ("events", "contacts", "sources"):
            for query, message in BAD_SORTS:
                page = client.get(f"/datasette/chrono/{table}?{query}")
                assert page.status_code == 400 and message in page.text, (table, query)
                data = client.get(f"/datasette/chrono/{table}.json?{query}")
                assert (data.status_code, data.json()["error"]) == (400, message)


def test_bad_sorts_through_the_datasette_command_are_400s(bundled_db, tmp_path):
    db = tmp_path / "chrono.db"
    db.write_bytes(Path(bundled_db).read_bytes())
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "datasette"),
        str(db),
        "-m",
        str(METADATA),
        "--port",
        str(port),
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(f"{base}/chrono.json", proc, 60)
        for table in ("events", "contacts", "actors"):
            for query, message in BAD_SORTS:
                r = httpx.get(f"{base}/chrono/{table}.json?{query}")
                assert (r.status_code, r.json()["error"]) == (400, message), (table, query)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
