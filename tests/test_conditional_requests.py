"""If-None-Match gets a 304 only where the request would have had a 200: after the Host check,
the rate limit, the validation of every parameter and the handler."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from litestar.testing import TestClient

from chrono.api import create_app
from tests.helpers import LiveServer


@pytest.fixture(scope="module")
def live(generated_db) -> Iterator[httpx.Client]:
    """A real uvicorn on 20,000 events, accepting only Host chrono.example."""
    app = create_app(generated_db, allowed_hosts=["chrono.example"])
    host = {"Host": "chrono.example"}
    with (
        LiveServer(app) as live,
        httpx.Client(base_url=live.origin, timeout=60, headers=host) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def etag(live) -> str:
    return live.get("/api/types").headers["etag"]


@pytest.fixture(scope="module")
def known(live) -> dict[str, str]:
    event = live.get("/api/events?limit=1&from=2021").json()["events"][0]
    return {"event": event["id"], "actor": event["actors"][0]["id"]}


def tags(etag: str) -> list[str]:
    return ["*", etag, f"W/{etag}", f'"other", {etag}']


@pytest.mark.parametrize(
    "path",
    [
        "/api/events?limit=1",
        "/api/events/{event}",
        "/api/actors/{actor}",
        "/api/actors?q=a",
        "/api/contacts?actor={actor}&from=2021&to=2021",
        "/api/types",
        "/api/events.csv",
        "/api/events.ics?type=meeting",
        "/api/timeline.json?order=asc",
    ],
)
def test_a_client_with_the_build_gets_a_304_where_it_would_get_a_200(live, etag, known, path):
    path = path.format(**known)
    assert live.get(path).status_code == 200
    for tag in tags(etag):
        r = live.get(path, headers={"If-None-Match": tag})
        assert (r.status_code, r.content, r.headers["etag"]) == (304, b"", etag), (path, tag)
    assert live.get(path, headers={"If-None-Match": '"another-build"'}).status_code == 200


@pytest.mark.parametrize(
    "path, status, parameter",
    [
        ("/api/events?limit=0", 400, "limit"),
        ("/api/events?from=2021-13", 400, "from"),
        ("/api/events?type=nonsense", 400, "type"),
        ("/api/events?cursor=forged", 400, "cursor"),
        ("/api/events?from=2021&from=2022", 400, "from"),
        (
            "/api/events?q=%22unbalanced",
            200,
            None,
        ),  # searched as the words it holds: a 304 is right
        ("/api/events.csv?match=sometimes", 400, "match"),
        ("/api/events.ics?limit=1&status=rumour", 400, "status"),
        ("/api/timeline.json?to=yesterday", 400, "to"),
        ("/api/contacts", 400, "actor"),
        ("/api/contacts?actor=nobody-at-all", 400, "actor"),
        ("/api/events/no-such-event", 404, None),
        ("/api/actors/no-such-actor", 404, None),
        ("/api/nothing-here", 404, None),
    ],
)
def test_validation_and_lookups_come_before_the_304(live, etag, path, status, parameter):
    for tag in tags(etag):
        r = live.get(path, headers={"If-None-Match": tag})
        if status == 200:
            assert r.status_code == 304
            continue
        assert r.status_code == status, (path, tag, r.text)
        body = r.json()
        assert body["status"] == status and body["detail"], body
        if parameter:
            assert body["parameter"] == parameter


def test_a_refused_host_is_refused_whatever_if_none_match_says(live, etag):
    for tag in tags(etag):
        for path in ("/api/events?limit=1", "/api/types", "/api/events.csv"):
            r = live.get(path, headers={"If-None-Match": tag, "Host": "evil.example"})
            assert r.status_code == 400, (path, tag)
            assert "etag" not in r.headers


def test_the_rate_limit_counts_and_refuses_conditional_requests(bundled_db):
    app = create_app(bundled_db, rate_limit=("minute", 3))
    with TestClient(app) as client:
        etag = client.get("/api/types").headers["etag"]
        answers = [
            client.get("/api/events?limit=1", headers={"If-None-Match": "*"}) for _ in range(3)
        ]
    assert [a.status_code for a in answers] == [304, 304, 429]
    assert etag and answers[-1].headers["ratelimit-remaining"] == "0"


def test_a_conditional_export_stops_without_producing_its_body(generated_db, monkeypatch):
    """Calendar and feed readers poll exports with If-None-Match: the 304 must not cost the
    whole export. The stream is stopped as a client that goes away stops it."""
    from chrono import exports

    produced: list[int] = []
    real = exports.csv_rows

    def counting(events):
        for chunk in real(events):
            produced.append(1)
            yield chunk

    monkeypatch.setattr(exports, "csv_rows", counting)
    with TestClient(create_app(generated_db, mount_datasette=False)) as client:
        full = client.get("/api/events.csv")
        assert full.status_code == 200 and len(produced) > 50
        produced.clear()
        r = client.get("/api/events.csv", headers={"If-None-Match": full.headers["etag"]})
    assert (r.status_code, r.content) == (304, b"")
    assert len(produced) <= 2
