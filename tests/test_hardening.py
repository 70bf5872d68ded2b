"""Hostile input on every endpoint, resource limits and safe defaults."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from chrono import capacity, store
from chrono.api import create_app
from chrono.plan import QueryError, decode_cursor, encode_cursor, parse_bound

ENDPOINTS = [
    "/api/events",
    "/api/events.csv",
    "/api/events.ics",
    "/api/timeline.json",
    "/api/contacts?actor=haniyeh&",
    "/api/actors",
]
EVENT_PARAMS = {"from", "to", "match", "actor", "members", "type", "status", "q"}
ACCEPTS = {
    "/api/events": EVENT_PARAMS | {"limit", "cursor", "order"},
    "/api/events.csv": EVENT_PARAMS | {"order"},
    "/api/events.ics": EVENT_PARAMS,
    "/api/timeline.json": EVENT_PARAMS,
    "/api/contacts?actor=haniyeh&": {"from", "to", "with", "members", "limit", "ids"},
    "/api/actors": {"limit"},  # its q is a free substring search: any text is a valid question
}
HOSTILE = [
    ("from", "2021-02-29"),
    ("from", "0000"),
    ("from", "９９９９"),
    ("to", "2021-13-01"),
    ("from", "2024&to=2023"),
    ("from", "2021-1-1"),
    ("to", "' OR 1=1 --"),
    ("limit", "-1"),
    ("limit", "99999999999999999999"),
    ("limit", "1e9"),
    ("limit", "٣"),
    ("cursor", "A" * 399),
    ("cursor", "../../etc/passwd"),
    ("cursor", "eyJpZCI6IjEifQ"),
    ("q", "*"),
    ("q", "a" * 201),
    ("q", "x OR " * 30),
    ("type", "meeting'"),
    ("status", "CONFIRMED"),
    ("match", "🙂"),
    ("order", "asc;"),
    ("actor", "x" * 201),
    ("actor", "'; DELETE FROM actors; --"),
    ("members", "2"),
    ("with", "nobody at all"),
    ("ids", "-1"),
    ("ids", "x"),
    ("actor", "%00"),
    ("q", "%00"),
]


@pytest.fixture(scope="module")
def client(bundled_client):
    return bundled_client


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("name, value", HOSTILE, ids=[f"{n}={v[:12]!r}" for n, v in HOSTILE])
def test_hostile_parameter_is_a_4xx_problem_and_changes_nothing(
    client, bundled_db, endpoint, name, value
):
    if name == "with" and "contacts" not in endpoint:
        return
    before = hashlib.sha256(bundled_db.read_bytes()).hexdigest()
    sep = "" if endpoint.endswith("&") else "?"
    r = client.get(
        f"{endpoint}{sep}{name}={value}"
        if name != "from" or "&" not in value
        else f"{endpoint}{sep}from={value}"
    )
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["status"] == r.status_code
    else:
        # a parameter the endpoint takes never accepts these values; others are ignored
        assert name not in ACCEPTS[endpoint], (endpoint, name, value, r.status_code)
    assert hashlib.sha256(bundled_db.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("q", ['"; DROP TABLE events; --', "NEAR(a b", "title:", "') OR 1=1 --"])
def test_text_that_is_not_full_text_syntax_is_only_searched_for(client, bundled_db, q):
    before = hashlib.sha256(bundled_db.read_bytes()).hexdigest()
    for endpoint in ("/api/events", "/api/events.csv", "/api/events.ics", "/api/timeline.json"):
        r = client.get(endpoint, params={"q": q})
        assert r.status_code == 200, (endpoint, r.text)
    page = client.get("/api/events", params={"q": q}).json()
    assert set(page) == {"events", "next"}
    assert hashlib.sha256(bundled_db.read_bytes()).hexdigest() == before


def test_unknown_ids_are_404_problems(client):
    for path in (
        "/api/events/%3Cscript%3E",
        "/api/actors/..%2F..%2Fetc",
        "/api/events/" + "x" * 150,
        "/api/nothing",
    ):
        r = client.get(path)
        assert r.status_code in (400, 404) and r.headers["content-type"].startswith(
            "application/problem+json"
        ), path


def test_query_string_length_is_capped(client):
    r = client.get("/api/events?q=" + "a" * 5000)
    assert r.status_code == 414 and r.json()["detail"].startswith("at most 2048 bytes")


def test_request_bodies_are_refused(client):
    # The API has nothing to write: any method with a body is refused before it is read.
    for method in ("post", "put", "patch"):
        r = getattr(client, method)("/api/events", content=b"x" * 100_000)
        assert r.status_code == 405 and r.headers["content-type"].startswith(
            "application/problem+json"
        )
    assert client.app.request_max_body_size == 16_384


COUNT_TO_TEN_MILLION = (
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000) "
    "SELECT count(*) FROM n"
)


def test_a_connection_given_back_stops_at_its_next_holders_deadline(bundled_db):
    """Work that sets a progress handler of its own (the network drawing) replaces the
    deadline check: the next holder of the connection gets it back."""
    snapshot = store.Database(bundled_db).current()
    with snapshot.lease() as reader:
        first = reader.conn
        reader.conn.set_progress_handler(None, 0)
    with pytest.raises(store.OverBudget), snapshot.lease(-1.0) as reader:
        assert reader.conn is first
        reader.execute(COUNT_TO_TEN_MILLION).fetchone()


def test_time_budget_interrupts_slow_queries_with_a_503(bundled_db, monkeypatch):
    monkeypatch.setattr(store, "REQUEST_SECONDS", -1.0)
    monkeypatch.setattr(capacity, "CHUNK_SECONDS", -1.0)
    monkeypatch.setattr(capacity, "INLINE_STEPS", 0)  # every request goes on to the pool
    monkeypatch.setattr(store, "PROGRESS_STEPS", 1)
    with TestClient(create_app(bundled_db, mount_datasette=False, cache_mb=0)) as client:
        for path in (
            "/api/events?q=Taliban",
            "/api/contacts?actor=haniyeh&from=2021",
            "/api/events.csv",
        ):
            r = client.get(path)
            assert r.status_code == 503, path
            assert r.json()["detail"].startswith(
                "the query needed more than -1 s of database time; narrow"
            ), path
            assert r.headers["retry-after"].isdigit(), path


def test_html_pages_carry_security_headers(client):
    landing = client.get("/")
    csp = landing.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert (
        landing.headers["x-frame-options"] == "DENY"
        or "frame-ancestors 'self'" in csp
        or "frame-ancestors 'none'" in csp
    )
    assert landing.headers["x-content-type-options"] == "nosniff"
    embed = client.get("/embed?actor=Haniyeh")
    assert "x-frame-options" not in embed.headers
    assert "frame-ancestors 'none'" not in embed.headers["content-security-policy"]
    assert client.get("/api/events?limit=1").headers["x-content-type-options"] == "nosniff"


def test_allowed_hosts_can_be_restricted(bundled_db):
    with TestClient(
        create_app(bundled_db, mount_datasette=False, allowed_hosts=["chrono.example"]),
        base_url="http://chrono.example",
    ) as c:
        assert c.get("/api/types").status_code == 200
        assert c.get("/api/types", headers={"Host": "evil.example"}).status_code == 400


@pytest.mark.parametrize(
    "host", ["chrono.example:8000", "chrono.example:443", "CHRONO.example:8000", "chrono.example."]
)
def test_an_allowed_host_is_allowed_on_any_port(bundled_db, host):
    app = create_app(bundled_db, mount_datasette=False, allowed_hosts=["chrono.example"])
    with TestClient(app) as c:
        r = c.get("/api/types", headers={"Host": host})
    assert r.status_code == 200


@pytest.mark.parametrize(
    "host",
    ["evil.example:8000", "chrono.example.evil.example:8000", "evil.example:chrono.example", ""],
)
def test_other_hosts_are_refused_whatever_the_port(bundled_db, host):
    app = create_app(bundled_db, mount_datasette=False, allowed_hosts=["chrono.example"])
    with TestClient(app) as c:
        r = c.get("/api/types", headers={"Host": host})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["detail"] == f"this server does not answer to the host {host!r}"


def test_rate_limit_available_by_configuration(bundled_db):
    with TestClient(create_app(bundled_db, mount_datasette=False, rate_limit=("minute", 3))) as c:
        codes = [c.get("/api/types").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]


def test_a_rate_limited_client_is_told_when_to_ask_again(bundled_db):
    with TestClient(create_app(bundled_db, mount_datasette=False, rate_limit=("minute", 1))) as c:
        assert c.get("/api/types").status_code == 200
        r = c.get("/api/events?limit=1")
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
    assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "path", ["/no/such/page", "/api/no-such-endpoint", "/static/no/such.css", "/schema/nothing"]
)
def test_unknown_paths_carry_the_security_headers(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    if r.headers["content-type"].startswith("text/html"):  # /schema/… answers a page
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


# --- property tests for the parsers users can reach ------------------------------------------


@settings(max_examples=300)
@given(st.text(max_size=40))
def test_parse_bound_accepts_only_real_dates(text):
    try:
        first, last = parse_bound(text, "from")
    except QueryError as exc:
        assert exc.parameter == "from"
    else:
        assert first <= last and text[:4].isascii() and text[:4].isdigit()


@settings(max_examples=300)
@given(
    st.dates().map(str),
    st.dates().map(str),
    st.text(min_size=1, max_size=60),
    st.sampled_from(["asc", "desc"]),
)
def test_cursor_round_trips(start, end, event_id, order):
    position = decode_cursor(encode_cursor(start, end, event_id, order), order)
    assert (position.date_start, position.date_end, position.id, position.order) == (
        start,
        end,
        event_id,
        order,
    )


@settings(max_examples=300)
@given(
    st.text(max_size=120)
    | st.binary(max_size=90).map(lambda b: __import__("base64").urlsafe_b64encode(b).decode())
)
def test_forged_cursors_are_refused(text):
    with pytest.raises(QueryError) as info:
        decode_cursor(text, "asc")
    assert info.value.parameter == "cursor"


@settings(max_examples=200)
@given(st.text(min_size=1, max_size=60), st.integers(min_value=0, max_value=40), st.characters())
def test_any_single_character_edit_of_a_cursor_is_refused(event_id, position, char):
    cursor = encode_cursor("2021-08-01", "2021-08-31", event_id, "asc")
    i = position % len(cursor)
    if cursor[i] == char:
        return
    forged = cursor[:i] + char + cursor[i + 1 :]
    with pytest.raises(QueryError):
        decode_cursor(forged, "asc")
