"""The answer cache: repeated /api URLs are replayed byte for byte within one build, and
only then; what must not be replayed (errors, exports, another build's answers) is not, and
its memory stays within its bound."""

from __future__ import annotations

import pytest
from litestar.testing import TestClient

import chrono.api
from chrono.api import ANSWERS, create_app
from chrono.build import build
from chrono.cache import BoundedMemoryStore
from tests.helpers import EVENTS, run_async, write_data


def store_of(client: TestClient) -> BoundedMemoryStore:
    store = client.app.stores.get(ANSWERS)
    assert isinstance(store, BoundedMemoryStore)  # never Litestar's unbounded default
    return store


@pytest.fixture
def client(small_db):
    with TestClient(create_app(small_db, mount_datasette=False)) as c:
        yield c


def test_a_repeated_url_is_replayed_with_the_same_body_and_headers(client):
    url = "/api/events?actor=haniyeh&from=2021&limit=1"
    first, second = client.get(url), client.get(url)
    assert store_of(client).hits == 1
    assert second.status_code == 200 and second.content == first.content
    assert (
        second.json()["events"][0]["id"] == "2021-08-haniyeh-calls-baradar"
        and second.json()["next"]
    )
    assert {k: v for k, v in second.headers.items() if k != "date"} == {
        k: v for k, v in first.headers.items() if k != "date"
    }
    assert second.headers["etag"] and second.headers["x-content-type-options"] == "nosniff"


def test_a_replayed_answer_does_not_touch_the_database(client, monkeypatch):
    url = "/api/contacts?actor=muttaqi"
    expected = client.get(url).json()

    def broken(*args, **kwargs):
        raise RuntimeError("the database was asked")

    monkeypatch.setattr(chrono.api, "list_contacts", broken)
    again = client.get(url)
    assert again.status_code == 200 and again.json() == expected
    # Another URL is another answer: it reaches the (now broken) handler.
    assert client.get(url + "&members=false").status_code == 500


def test_every_parameter_is_part_of_the_key(client):
    one, two = client.get("/api/events?limit=1"), client.get("/api/events?limit=2")
    assert len(one.json()["events"]) == 1 and len(two.json()["events"]) == 2
    assert client.get("/api/events?limit=1&order=desc").json() != one.json()
    assert store_of(client).hits == 0 and store_of(client).count == 3


@pytest.mark.parametrize(
    "url, status",
    [
        ("/api/events?from=2021-13", 400),
        ("/api/contacts?actor=nobody-at-all", 400),
        ("/api/events/no-such-event", 404),
        ("/api/actors/nobody-at-all", 404),
    ],
)
def test_errors_are_never_kept(client, url, status):
    assert [client.get(url).status_code for _ in range(2)] == [status, status]
    assert store_of(client).count == 0 and store_of(client).hits == 0


@pytest.mark.parametrize("url", ["/api/events.csv", "/api/events.ics", "/api/timeline.json"])
def test_streamed_exports_are_never_kept(client, url):
    first, second = client.get(url), client.get(url)
    assert second.status_code == 200 and len(second.content) == len(first.content) > 0
    assert store_of(client).count == 0


def test_a_new_build_is_answered_afresh(tmp_path):
    data = write_data(tmp_path / "data")
    out = tmp_path / "chrono.db"
    build(data, out)
    url = "/api/events/2024-12-24-talks-in-kabul"
    with TestClient(create_app(out, mount_datasette=False)) as c:
        before = c.get(url)
        c.get(url)
        assert store_of(c).hits == 1
        events = [dict(e) for e in EVENTS]
        events[3] = {**events[3], "title": "Talks in Kabul, as corrected"}
        build(write_data(data, events=events), out)
        after = c.get(url)
        assert after.json()["title"] == "Talks in Kabul, as corrected"
        assert after.headers["etag"] != before.headers["etag"] and store_of(c).hits == 1
        c.get(url)
        assert store_of(c).hits == 2


def test_conditional_requests_still_get_a_304(client):
    url = "/api/actors"
    etag = client.get(url).headers["etag"]
    client.get(url)
    r = client.get(url, headers={"If-None-Match": etag})
    assert r.status_code == 304 and r.content == b""


def test_a_replayed_answer_carries_the_cors_headers_of_its_request(client):
    url = "/api/events?limit=3"
    client.get(url)
    replayed = client.get(url, headers={"Origin": "https://blog.example"})
    assert store_of(client).hits == 1
    assert replayed.headers["access-control-allow-origin"] == "*"
    assert "ETag" in replayed.headers["access-control-expose-headers"]


def test_a_replayed_answer_still_counts_against_the_rate_limit(small_db):
    with TestClient(create_app(small_db, mount_datasette=False, rate_limit=("minute", 3))) as c:
        codes = [c.get("/api/actors").status_code for _ in range(4)]
        assert store_of(c).hits == 2
    assert codes == [200, 200, 200, 429]


def test_a_replayed_answer_still_checks_the_host(small_db):
    with TestClient(
        create_app(small_db, mount_datasette=False, allowed_hosts=["chrono.example"]),
        base_url="http://chrono.example",
    ) as c:
        assert c.get("/api/types").status_code == 200
        assert c.get("/api/types", headers={"Host": "evil.example"}).status_code == 400


def test_the_cache_can_be_turned_off(small_db, monkeypatch):
    with TestClient(create_app(small_db, mount_datasette=False, cache_mb=0)) as c:
        assert c.get("/api/actors").status_code == 200
        monkeypatch.setattr(chrono.api, "list_actors", lambda *a: 1 / 0)
        assert c.get("/api/actors").status_code == 500
        assert store_of(c).count == 0


def test_many_distinct_urls_stay_within_the_bound(small_db):
    with TestClient(create_app(small_db, mount_datasette=False, cache_mb=0.05)) as c:
        for limit in range(1, 201):
            assert c.get(f"/api/events?limit={limit}&order=desc").status_code == 200
        store = store_of(c)
    assert store.max_bytes == int(0.05 * 1024 * 1024)
    assert 0 < store.size <= store.max_bytes and store.count < 200


# --- the store --------------------------------------------------------------------------------


def fill(store: BoundedMemoryStore, items: dict[str, int]) -> None:
    async def go():
        for key, size in items.items():
            await store.set(key, b"x" * size)

    run_async(go())


def get(store: BoundedMemoryStore, key: str) -> bytes | None:
    return run_async(store.get(key))


def test_the_least_recently_used_answers_go_first():
    store = BoundedMemoryStore(max_bytes=8_000)
    fill(store, {f"k{i}": 1_000 for i in range(8)})
    assert store.count == 8 and store.size == 8_000
    assert get(store, "k0") is not None  # used: now the most recent
    fill(store, {"k8": 1_000})
    assert store.size == 8_000 and store.count == 8
    assert (
        get(store, "k1") is None and get(store, "k0") is not None and get(store, "k8") is not None
    )


def test_an_answer_larger_than_an_eighth_of_the_store_is_not_kept():
    store = BoundedMemoryStore(max_bytes=8_000)
    fill(store, {"small": 500, "huge": 1_001})
    assert get(store, "huge") is None and get(store, "small") is not None and store.size == 500


def test_setting_a_key_again_replaces_its_size():
    store = BoundedMemoryStore(max_bytes=8_000)
    fill(store, {"k": 900})
    fill(store, {"k": 100})
    assert store.size == 100 and store.count == 1 and get(store, "k") == b"x" * 100
    run_async(store.delete("k"))
    assert store.size == 0 and not run_async(store.exists("k"))
