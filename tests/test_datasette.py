"""Datasette publishing: metadata, canned queries, search, facets, read-only, links under
/datasette."""

from __future__ import annotations

import html
import re
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import yaml
from datasette.app import Datasette
from litestar import Litestar
from litestar.testing import TestClient

from chrono.build import build
from chrono.models import STATUSES
from chrono.publish import METADATA, datasette_app, load_metadata, make_datasette, mount_datasette
from tests.helpers import DATASETTE_HOST as HOST
from tests.helpers import EVENTS, fetch, get, rows, run_async, write_data


def sql_url(sql: str, **args: str) -> str:
    return "/datasette/chrono.json?" + urlencode({"sql": sql, **args})


COUNT_EVENTS = sql_url("select count(*) as n from events")


@pytest.fixture
def app(small_db: Path):
    return datasette_app(small_db)


def real_columns(db_path: Path) -> dict[str, list[str]]:
    conn = sqlite3.connect(db_path)
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master "
                "WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            name: [r[1] for r in conn.execute(f"PRAGMA table_info([{name}])")] for name in names
        }
    finally:
        conn.close()


# --- metadata --------------------------------------------------------------------------------


def test_metadata_explains_dates_statuses_and_licence():
    metadata = load_metadata()
    assert metadata["title"] and metadata["description"]
    text = metadata["description_html"]
    for term in ("EDTF", "date_start", "date_end", "precision", "qualifier", *STATUSES):
        assert term in text
    assert "outlets" in metadata["license"] and metadata["source"]


def test_metadata_describes_every_table_and_column(small_db):
    tables = load_metadata(METADATA)["databases"]["chrono"]["tables"]
    columns = real_columns(small_db)
    assert set(tables) == set(columns)
    assert all(t["description"] for t in tables.values())
    internal = {name for name in columns if name.startswith("events_fts_")}
    described = {
        name: list(t.get("columns", {})) for name, t in tables.items() if name not in internal
    }
    assert described == {name: cols for name, cols in columns.items() if name not in internal}
    assert all(d for t in tables.values() for d in t.get("columns", {}).values())


def test_metadata_is_served_with_its_descriptions(app):
    served, events = fetch(app, "/datasette/-/metadata.json", "/datasette/chrono/events")
    assert served.json()["title"] == load_metadata()["title"]
    assert "Earliest possible day (YYYY-MM-DD)." in events.text


# --- canned queries --------------------------------------------------------------------------

BARADAR_CALL_ID, MUTTAQI_CALL_ID, KABUL_TALKS_ID = (
    "2021-08-haniyeh-calls-baradar",
    "2021-10-haniyeh-calls-muttaqi",
    "2024-12-24-talks-in-kabul",
)
DATES = {
    BARADAR_CALL_ID: ("2021-08", "2021-08-01", "2021-08-31", "month"),
    MUTTAQI_CALL_ID: ("2021-10", "2021-10-01", "2021-10-10", "month"),
    KABUL_TALKS_ID: ("2024-12-24", "2024-12-24", "2024-12-24", "day"),
}
HANIYEH, BARADAR, MUTTAQI = "Ismail Haniyeh", "Abdul Ghani Baradar", "Amir Khan Muttaqi"


def contact(event_id: str, actor: str, other: str, title: str, actor_id: str) -> dict:
    date, start, end, _ = DATES[event_id]
    return {
        "date": date,
        "date_start": start,
        "date_end": end,
        "actor_name": actor,
        "other_name": other,
        "type": "phone-call",
        "status": "reported",
        "title": title,
        "event_id": event_id,
        "network": f"/network?actor={actor_id}",
    }


def chronology(event_id: str, actor: str, role: str, type_: str, status: str, title: str) -> dict:
    date, start, end, precision = DATES[event_id]
    return {
        "date": date,
        "date_start": start,
        "date_end": end,
        "precision": precision,
        "actor": actor,
        "role": role,
        "type": type_,
        "status": status,
        "title": title,
        "event_id": event_id,
    }


def pair(actor: str, other: str, event_id: str) -> dict:
    date = DATES[event_id][0]
    return {
        "actor_name": actor,
        "other_name": other,
        "contacts": 1,
        "first": date,
        "first_event": event_id,
        "last": date,
        "last_event": event_id,
    }


HANIYEH_BARADAR = contact(BARADAR_CALL_ID, HANIYEH, BARADAR, "Haniyeh phones Baradar", "haniyeh")
HANIYEH_MUTTAQI = contact(MUTTAQI_CALL_ID, HANIYEH, MUTTAQI, "Haniyeh phones Muttaqi", "haniyeh")
BARADAR_CALL = chronology(
    BARADAR_CALL_ID, BARADAR, "recipient", "phone-call", "reported", "Haniyeh phones Baradar"
)
MUTTAQI_CALL = chronology(
    MUTTAQI_CALL_ID, MUTTAQI, "recipient", "phone-call", "reported", "Haniyeh phones Muttaqi"
)
KABUL_TALKS = chronology(KABUL_TALKS_ID, MUTTAQI, "host", "talks", "confirmed", "Talks in Kabul")
CONFIRMED_CLAIM = {
    "date": "2024-12-24",
    "title": "Talks in Kabul",
    "status": "confirmed",
    "source": "Strikes and talks",
    "outlet": "Wire",
    "published": "2024-12-24",
    "url": "https://example.org/strikes",
    "stance": "reports",
    "quote": "Pakistan's envoy held talks in Kabul on Tuesday.",
    "event_id": KABUL_TALKS_ID,
}

CANNED = [
    ("contacts_between", "actor=Haniyah&other=muttaqi", [HANIYEH_MUTTAQI]),
    (
        "contacts_between",
        "actor=HAMAS&other=Taleban",
        [HANIYEH_BARADAR, HANIYEH_MUTTAQI],
    ),  # members
    ("contacts_between", "actor=Pakistan&other=Haniyeh", []),
    ("contacts_between", "actor=nobody&other=Haniyeh", []),
    (
        "contacts_between",
        "actor=Han%C3%8Dyah&other=%20MUTTAQI%20",
        [HANIYEH_MUTTAQI],
    ),  # looked up as the API does
    ("actor_chronology", "actor=Islamic+Emirate&from=2021&to=2021", [BARADAR_CALL, MUTTAQI_CALL]),
    (
        "actor_chronology",
        "actor=muttaqi&from=2021-10-05&to=2021-10-05",
        [MUTTAQI_CALL],
    ),  # early Oct
    ("actor_chronology", "actor=muttaqi&from=2021-10-11&to=2021-10-31", []),
    ("actor_chronology", "actor=Mutaqqi&from=2024-12&to=", [KABUL_TALKS]),
    ("actor_chronology", "actor=Mutaqqi&from=&to=", [MUTTAQI_CALL, KABUL_TALKS]),
    (
        "contacts_per_month",
        "",
        [
            {"month": "2021-08", "count": 1},
            {"month": "2021-10", "count": 1},
            {"month": "2024-12", "count": 1},
        ],
    ),
    ("claims_by_status", "status=confirmed", [CONFIRMED_CLAIM]),
    ("claims_by_status", "status=denied", []),
    (
        "first_last_contact",
        "",
        [
            pair(BARADAR, HANIYEH, BARADAR_CALL_ID),
            pair(MUTTAQI, "Pakistan", KABUL_TALKS_ID),
            pair(HANIYEH, MUTTAQI, MUTTAQI_CALL_ID),
        ],
    ),
]


@pytest.mark.parametrize("name, params, expected", CANNED)
def test_canned_query_returns_expected_rows(app, name, params, expected):
    assert rows(app, f"/datasette/chrono/{name}.json?{params}") == expected


def test_every_canned_query_is_tested_documented_and_read_only():
    queries = load_metadata()["databases"]["chrono"]["queries"]
    assert set(queries) == {name for name, _, _ in CANNED}
    for name, query in queries.items():
        assert query["title"] and query.get("description_html"), name
        assert "write" not in query, name
        assert re.match(r"(select|with)\b", query["sql"], re.I), name
        for param in query.get("params", []):
            assert f":{param}" in query["sql"] and param in query["description_html"], (name, param)


def test_first_and_last_contact_differ_for_repeated_pairs(tmp_path):
    again = {
        **EVENTS[1],
        "id": "2022-03-haniyeh-meets-muttaqi",
        "date": "2022-03",
        "qualifier": None,
        "date_text": "In March 2022",
        "type": "meeting",
    }
    write_data(tmp_path / "data", events=[*EVENTS, again])
    build(tmp_path / "data", tmp_path / "chrono.db")
    pairs = rows(datasette_app(tmp_path / "chrono.db"), "/datasette/chrono/first_last_contact.json")
    assert pairs[0] == {
        "actor_name": "Ismail Haniyeh",
        "other_name": "Amir Khan Muttaqi",
        "contacts": 2,
        "first": "2021-10",
        "first_event": "2021-10-haniyeh-calls-muttaqi",
        "last": "2022-03",
        "last_event": "2022-03-haniyeh-meets-muttaqi",
    }


# --- search and facets -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "term, expected",
    [
        ("Haniyeh", ["2021-08-haniyeh-calls-baradar", "2021-10-haniyeh-calls-muttaqi"]),
        ("Haniyah", ["2021-08-haniyeh-calls-baradar"]),  # only in a quote
        ("Kabul", ["2024-12-24-talks-in-kabul"]),
    ],
)
def test_full_text_search_on_events(app, term, expected):
    assert [r["id"] for r in rows(app, f"/datasette/chrono/events.json?_search={term}")] == expected


def facet_values(body: dict, column: str, type_: str) -> dict[str, int]:
    [facet] = [
        f for f in body["facet_results"].values() if f["name"] == column and f["type"] == type_
    ]
    return {str(v["value"]): v["count"] for v in facet["results"]}


def test_default_facets_on_events(app):
    body = get(app, "/datasette/chrono/events.json").json()
    assert facet_values(body, "type", "column") == {"phone-call": 2, "attack": 1, "talks": 1}
    assert facet_values(body, "status", "column") == {"reported": 3, "confirmed": 1}
    assert facet_values(body, "precision", "column") == {"day": 2, "month": 2}
    assert facet_values(body, "country", "column") == {"Afghanistan": 1, "Pakistan": 1}
    assert facet_values(body, "date_start", "year") == {"2021": 2, "2024": 2}


def month_facet(body: dict) -> list[dict]:
    return [v for f in body["facet_results"].values() if f["type"] == "month" for v in f["results"]]


def test_month_facet_and_selecting_a_month(app):
    url = "/datasette/chrono/events.json?_facet_month=date_start"
    body = get(app, url).json()
    assert facet_values(body, "date_start", "month") == {"2021-08": 1, "2021-10": 1, "2024-12": 2}
    [october] = [v for v in month_facet(body) if v["value"] == "2021-10"]
    assert october["toggle_url"] == f"{HOST}{url}&date_start__startswith=2021-10"
    selected = get(app, october["toggle_url"].removeprefix(HOST)).json()
    assert [r[0] for r in selected["rows"]] == [MUTTAQI_CALL_ID]
    assert [(v["value"], v["selected"]) for v in month_facet(selected)] == [("2021-10", True)]


def test_year_facet_works_on_any_date_column(app):
    body = get(app, "/datasette/chrono/sources.json?_facet_year=published_start").json()
    assert facet_values(body, "published_start", "year") == {"2024": 2}


# --- read-only -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "delete from events",
        "insert into statuses values ('x', 'y')",
        "update events set title = 'x'",
        "drop table events",
        "pragma query_only = 0",
        "attach database ':memory:' as other",
    ],
)
def test_write_sql_is_refused(app, sql):
    refused, count = fetch(app, sql_url(sql), COUNT_EVENTS)
    assert refused.status_code == 400
    assert count.json()["rows"] == [[4]]


def test_connections_refuse_writes_even_past_datasette_checks(small_db):
    database = make_datasette(small_db).get_database("chrono")
    with pytest.raises(sqlite3.OperationalError, match="readonly|query_only"):
        run_async(database.execute("delete from events"))


def test_writable_canned_query_is_refused(small_db, tmp_path):
    metadata = load_metadata()
    metadata["databases"]["chrono"]["queries"]["wipe"] = {
        "sql": "delete from events",
        "write": True,
    }
    path = tmp_path / "metadata.yml"
    path.write_text(yaml.safe_dump(metadata), encoding="utf-8")
    app = datasette_app(small_db, metadata_path=path)
    [page] = fetch(app, "/datasette/chrono/wipe")
    [post] = fetch(app, "/datasette/chrono/wipe", method="POST")
    assert (page.status_code, post.status_code) == (403, 405)
    assert rows(app, COUNT_EVENTS) == [{"n": 4}]


def test_sql_time_limit_is_kept(app):
    endless = (
        "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
    )
    response = get(app, sql_url(endless))
    assert response.status_code == 400
    assert "too long" in response.text


# --- serving under /datasette ----------------------------------------------------------------


def local_links(page: httpx.Response) -> set[str]:
    """Every same-site link, form target and resource of a page, as a path."""
    found = set()
    for href in re.findall(r'(?:href|src|action)="([^"]+)"', page.text):
        href = html.unescape(href).removeprefix(HOST)
        if href.startswith("/"):
            found.add(href.split("#")[0])
    return found


def crawl(app, start: list[str]) -> dict[str, int]:
    """Status of every link found on the start pages; all of them must stay under /datasette/."""
    pages = fetch(app, *start)
    assert [p.status_code for p in pages] == [200] * len(start)
    links = set().union(*(local_links(p) for p in pages))
    assert {link for link in links if not link.startswith("/datasette/")} <= {"/widget.js"}
    inside = sorted(link for link in links if link.startswith("/datasette/"))
    assert len(inside) > 40  # tables, rows, facets, sorts, exports, canned queries
    return {link: r.status_code for link, r in zip(inside, fetch(app, *inside), strict=True)}


def test_every_link_resolves_under_base_url(app):
    statuses = crawl(
        app,
        [
            "/datasette/",
            "/datasette/chrono",
            "/datasette/chrono/events",
            "/datasette/chrono/events?_facet_month=date_start&_facet=date_basis"
            "&date_start__startswith=2021&type=phone-call",
            "/datasette/chrono/actor_chronology?actor=Taliban&from=2021&to=",
        ],
    )
    assert {link: s for link, s in statuses.items() if s >= 400} == {}
    assert "/datasette/chrono/contacts_between" in statuses
    assert "/datasette/-/static/table.js" in statuses


@pytest.mark.parametrize(
    "path, location",
    [
        ("/datasette?x=1", "/datasette/?x=1"),
        ("/datasette/chrono/events/?type=talks", "/datasette/chrono/events?type=talks"),
    ],
)
def test_slash_redirects_keep_the_prefix(app, path, location):
    response = get(app, path)
    assert (response.status_code, response.headers["location"]) == (302, location)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_only_reads_are_accepted(app, method):
    for path in (
        "/datasette/chrono/events",
        "/datasette/chrono/contacts_between",
        "/datasette/-/logout",
    ):
        [response] = fetch(app, path, method=method)
        assert response.status_code == 405, path


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/datasette/nowhere", 404, "Database not found"),
        ("/datasette/chrono/no_such_table", 404, "Table not found"),
        ("/datasette/chrono.json?sql=select+nonsense+from+nowhere", 400, "no such table"),
    ],
)
def test_a_bad_request_is_answered_without_a_traceback_on_the_console(
    app, capfd, path, status, message
):
    """A mistyped URL is the client's error: the page says what is wrong and the server's
    console stays readable (Datasette would print each one with its local variables)."""
    response = get(app, path)
    assert response.status_code == status
    assert message in response.text
    printed = capfd.readouterr()
    assert "Traceback" not in printed.out + printed.err
    assert "locals" not in printed.out + printed.err


def test_database_is_named_chrono_whatever_the_file_name(small_db, app):
    assert small_db.name != "chrono.db"
    databases = get(app, "/datasette/-/databases.json").json()
    assert [(d["name"], d["is_mutable"]) for d in databases] == [("chrono", False)]


def test_database_file_can_be_downloaded(app):
    response = get(app, "/datasette/chrono.db")
    assert response.status_code == 200
    assert response.content.startswith(b"SQLite format 3\x00")


def test_database_page_lists_the_public_schema_and_hides_the_speed_up_tables(app):
    tables = get(app, "/datasette/chrono.json").json()["tables"]
    shown = [t["name"] for t in tables if not t["hidden"]]
    assert shown == [
        "actor_aliases",
        "actors",
        "chrono_build",
        "citations",
        "event_actors",
        "event_types",
        "events",
        "memberships",
        "sources",
        "statuses",
    ]
    hidden = {t["name"] for t in tables if t["hidden"]}
    assert {
        "actor_events",
        "member_events",
        "contact_pairs",
        "actor_stats",
        "organization_members",
        "events_json",
    } <= hidden
    page = get(app, "/datasette/chrono").text
    assert (
        'href="/datasette/chrono/events"' in page
        and 'href="/datasette/chrono/actor_events"' not in page
    )
    assert 'href="/datasette/chrono/contacts"' in page  # the view of the public schema


def test_chrono_pages_carry_their_stylesheet(app):
    page = get(app, "/datasette/chrono/events").text
    assert '<link rel="stylesheet" href="/datasette/-/chrono.css">' in page
    css = get(app, "/datasette/-/chrono.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ".column-descriptions" in css.text


def test_events_page_shows_the_widget_with_the_table_filters(app):
    page = get(app, '/datasette/chrono/events?type=phone-call&_search="><b>')
    widget = re.search(r'<details class="chrono-timeline">.*?</details>', page.text, re.S).group(0)
    assert '<script type="module" src="/widget.js"></script>' in widget
    assert (
        '<chrono-timeline api="/api" type="phone-call" q="&#34;&gt;&lt;b&gt;"></chrono-timeline>'
        in widget
    )
    assert widget in page.text.split('<table class="rows-and-columns">')[0]
    assert "<chrono-timeline" not in get(app, "/datasette/chrono/events/2024-12-22-ttp-attack").text
    assert "<chrono-timeline" not in get(app, "/datasette/chrono/actors").text


def test_events_sorted_newest_first_show_the_widget_newest_first(app):
    newest = get(app, "/datasette/chrono/events?_sort_desc=date_start").text
    assert '<chrono-timeline api="/api" order="desc"></chrono-timeline>' in newest
    for other in ("_sort=date_start", "_sort_desc=title"):
        assert (
            '<chrono-timeline api="/api"></chrono-timeline>'
            in get(app, f"/datasette/chrono/events?{other}").text
        )


def test_no_widget_without_an_api(small_db):
    page = get(datasette_app(small_db, api_url=None), "/datasette/chrono/events")
    assert page.status_code == 200 and "<chrono-timeline" not in page.text


def test_mounted_in_litestar(small_db):
    with TestClient(Litestar(route_handlers=[mount_datasette(small_db)])) as client:
        redirect = client.get("/datasette", follow_redirects=False)
        assert (redirect.status_code, redirect.headers["location"]) == (302, "/datasette/")
        page = client.get("/datasette/chrono/events")
        assert page.status_code == 200 and '<chrono-timeline api="/api">' in page.text
        links = sorted(link for link in local_links(page) if "chrono/event" in link)
        assert links and all(client.get(link).status_code == 200 for link in links)
        assert client.get("/datasette/chrono/contacts_per_month.json").json()["rows"][0] == [
            "2021-08",
            1,
        ]


def test_mount_rebuilds_the_path_when_the_server_sends_no_raw_path(small_db):
    app = Litestar(route_handlers=[mount_datasette(small_db)])

    async def without_raw_path(scope, receive, send) -> None:
        await app({k: v for k, v in scope.items() if k != "raw_path"}, receive, send)

    pages = fetch(without_raw_path, "/datasette/chrono/events", "/datasette/chrono/", "/datasette")
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert '<a href="/datasette/chrono/events/2024-12-22-ttp-attack">' in pages[0].text


def test_rebuilt_database_is_picked_up(data_dir, tmp_path):
    out = tmp_path / "chrono.db"
    build(data_dir, out)
    app = datasette_app(out)
    assert rows(app, COUNT_EVENTS) == [{"n": 4}]
    write_data(data_dir, events=EVENTS[:2])
    build(data_dir, out)
    assert rows(app, COUNT_EVENTS) == [{"n": 2}]
    assert [r["id"] for r in rows(app, "/datasette/chrono/events.json")] == [
        e["id"] for e in EVENTS[:2]
    ]


# --- standalone: datasette db/chrono.db -m datasette_metadata.yml -----------------------------


def test_standalone_datasette_with_the_metadata_file(small_db, tmp_path):
    db = tmp_path / "chrono.db"
    shutil.copyfile(small_db, db)
    ds = Datasette(files=[str(db)], metadata=yaml.safe_load(METADATA.read_text(encoding="utf-8")))

    async def run() -> list[httpx.Response]:
        paths = [
            "/",
            "/chrono",
            "/chrono/events",
            "/chrono/events.json?_search=Haniyeh&_facet_month=date_start",
            "/chrono/contacts_between.json?actor=haniyeh&other=baradar&_shape=array",
        ]
        return [await ds.client.get(path) for path in paths]

    index, database, events, search, canned = run_async(run())
    assert [r.status_code for r in (index, database, events, search, canned)] == [200] * 5
    assert "<chrono-timeline" not in events.text and "/widget.js" not in events.text
    assert '/chrono/events?date_start__startswith=2021"' in events.text  # the year facet
    assert facet_values(search.json(), "date_start", "month") == {"2021-08": 1, "2021-10": 1}
    assert canned.json() == [HANIYEH_BARADAR]


# --- the bundled chronology ------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled_app(bundled_db):
    """Datasette on the bundled chronology: one that does not build fails here (bundled_db)."""
    return datasette_app(bundled_db)


def test_bundled_chronology_search_and_canned_queries(bundled_app):
    assert rows(bundled_app, "/datasette/chrono/events.json?_search=Haniyeh")
    assert rows(bundled_app, "/datasette/chrono/contacts_per_month.json")
    for name, params, _ in CANNED:
        assert get(bundled_app, f"/datasette/chrono/{name}.json?{params}").status_code == 200, name


def test_bundled_chronology_pages_link_correctly(bundled_app):
    statuses = crawl(bundled_app, ["/datasette/chrono", "/datasette/chrono/events"])
    assert {link: s for link, s in statuses.items() if s >= 400} == {}
