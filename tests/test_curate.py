"""The workbench's JSON API: articles in, events, sources, actors and citations written safely."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
import yaml
from litestar.testing import TestClient

from chrono.build import empty_problem, read_build_info
from chrono.curate import create_app, host_name
from chrono.load import DataError
from tests.helpers import ARTICLE, EVENTS, HEADER, PAGE, Pages, free_port, new_event, write_data

HOST = "testserver.local"
OWN = {"Origin": f"http://{HOST}"}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    data = write_data(tmp_path / "data")
    events = data / "events.yml"
    events.write_bytes(HEADER.encode() + events.read_bytes())
    return data


@pytest.fixture
def client(folder: Path):
    with TestClient(create_app(folder, allowed_hosts=[HOST]), base_url=f"http://{HOST}") as c:
        yield c


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.startswith(".")
    }


def event_row(db: Path, event_id: str):
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT title, date_start, date_end FROM events WHERE id = ?", (event_id,)
        ).fetchone()


# --- extract --------------------------------------------------------------------------------------


def test_extract_from_pasted_text_gives_candidates_with_resolved_dates(client):
    r = client.post(
        "/curate/api/extract", json={"text": ARTICLE, "published": "2024-12-28"}, headers=OWN
    )
    assert r.status_code == 200
    body = r.json()
    assert (body["published"], body["title"]) == (
        "2024-12-28",
        "Envoys trade visits as winter talks resume",
    )
    assert [
        (c["date_text"], c["date_start"], c["date_end"], [a["id"] for a in c["actors"]])
        for c in body["candidates"]
    ] == [
        ("on Monday", "2024-12-23", "2024-12-23", ["pakistan", "muttaqi"]),
        ("Two days later", "2024-12-25", "2024-12-25", ["muttaqi", "baradar"]),
        ("in early December", "2024-12-01", "2024-12-10", ["islamic-emirate", "baradar", "ttp"]),
    ]


def test_extract_from_a_saved_page_reads_text_and_metadata(client):
    r = client.post("/curate/api/extract", json={"html": PAGE}, headers=OWN)
    assert r.status_code == 200
    body = r.json()
    assert {k: body[k] for k in ("published", "title", "outlet", "author")} == {
        "published": "2024-12-28",
        "title": "Envoys trade visits as winter talks resume",
        "outlet": "Frontier Ledger",
        "author": "Dana Invented",
    }
    assert "Subscribe" not in body["text"] and "Home | World" not in body["text"]
    assert len(body["candidates"]) == 3


def test_extract_from_an_undated_text_asks_for_the_date(client):
    r = client.post("/curate/api/extract", json={"text": ARTICLE}, headers=OWN)
    assert r.status_code == 200
    assert (r.json()["published"], r.json()["candidates"]) == (None, [])


@pytest.fixture
def pages():
    server = Pages({"/envoys.html": PAGE, "/slow": PAGE})
    yield server
    server.close()


def test_extract_from_a_url_fetches_the_page(client, pages):
    r = client.post("/curate/api/extract", json={"url": f"{pages.base}/envoys.html"}, headers=OWN)
    assert r.status_code == 200
    assert (r.json()["url"], r.json()["published"], len(r.json()["candidates"])) == (
        f"{pages.base}/envoys.html",
        "2024-12-28",
        3,
    )


def test_a_url_that_does_not_answer_gets_a_message(client, pages, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    r = client.post(
        "/curate/api/extract", json={"url": f"http://127.0.0.1:{closed}/x"}, headers=OWN
    )
    assert r.status_code == 422 and r.json()["detail"].startswith("the address did not answer")
    r = client.post("/curate/api/extract", json={"url": f"{pages.base}/gone"}, headers=OWN)
    assert (r.status_code, r.json()["detail"]) == (422, "the page answered 404 Not Found")
    monkeypatch.setattr("chrono.curate.FETCH_TIMEOUT", 0.5)
    r = client.post("/curate/api/extract", json={"url": f"{pages.base}/slow"}, headers=OWN)
    assert r.status_code == 422 and "did not answer" in r.json()["detail"]
    r = client.post("/curate/api/extract", json={"url": "file:///etc/passwd"}, headers=OWN)
    assert (r.status_code, r.json()["detail"]) == (422, "give an http:// or https:// address")


@pytest.mark.parametrize(
    "body, field, words",
    [
        ({"text": "  \n "}, "text", "paste the article's text"),
        (
            {"html": "<html><head><script>var x = 1;</script></head><body></body></html>"},
            "html",
            "no article text",
        ),
        (
            {"text": ARTICLE, "published": "28/12/2024"},
            "published",
            "publication date '28/12/2024'",
        ),
    ],
)
def test_bad_article_input_gets_a_message_in_words(client, folder, body, field, words):
    before = snapshot(folder)
    r = client.post("/curate/api/extract", json=body, headers=OWN)
    assert r.status_code == 422
    assert r.json()["field"] == field and words in r.json()["detail"]
    assert snapshot(folder) == before


# --- accepting events -----------------------------------------------------------------------------


def test_accepted_event_is_appended_keeping_every_byte_and_rebuilt(client, folder):
    old = (folder / "events.yml").read_bytes()
    r = client.post("/curate/api/events", json=new_event(), headers=OWN)
    assert r.status_code == 201
    assert r.json() == {
        "id": "2024-12-23-envoy-talks-in-kabul",
        "build": read_build_info(folder / "chrono.db")["build_id"],
    }
    new = (folder / "events.yml").read_bytes()
    assert new.startswith(old)
    records = yaml.safe_load(new)
    assert records[:-1] == EVENTS
    assert records[-1]["citations"] == new_event()["citations"]
    assert event_row(folder / "chrono.db", "2024-12-23-envoy-talks-in-kabul") == (
        "Pakistan's envoy holds talks with Muttaqi in Kabul",
        "2024-12-23",
        "2024-12-23",
    )
    # The read API on the same port serves the rebuilt chronology, as the page's timeline reads it.
    assert client.get("/api/events/2024-12-23-envoy-talks-in-kabul").json()["actors"] == [
        {"id": "pakistan", "name": "Pakistan", "role": "visitor"},
        {"id": "muttaqi", "name": "Amir Khan Muttaqi", "role": "host"},
    ]


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"actors": [{"id": "nobody", "role": "host"}]}, "actors[0].id", "unknown actor 'nobody'"),
        ({"date_anchor": None}, "date_anchor", "required when date_basis is resolved"),
        ({"id": "2024-12-24-talks-in-kabul"}, "id", "duplicate id"),
        ({"type": "picnic"}, "type", "Invalid enum value 'picnic'"),
        (
            {"citations": [{"source": "no-such-source", "quote": "Kabul on Monday"}]},
            "citations[0].source",
            "unknown source",
        ),
    ],
)
def test_a_refused_event_gets_the_builds_messages_and_writes_nothing(
    client, folder, changes, field, message
):
    before = snapshot(folder)
    r = client.post("/curate/api/events", json=new_event(**changes), headers=OWN)
    assert r.status_code == 422
    problems = r.json()["problems"]
    assert [(p["file"], p["field"]) for p in problems] == [("events.yml", field)]
    assert message in problems[0]["message"]
    assert problems[0]["text"].startswith(f"{folder / 'events.yml'}:{problems[0]['line']}: event ")
    assert problems[0]["line"] > (folder / "events.yml").read_text(encoding="utf-8").count(
        "\n"
    )  # the appended record
    assert snapshot(folder) == before


def test_sources_and_actors_are_appended_and_checked(client, folder):
    old_sources, old_actors = (
        (folder / "sources.yml").read_bytes(),
        (folder / "actors.yml").read_bytes(),
    )
    source = {
        "id": "ledger-2024-12-28",
        "title": "Envoys trade visits",
        "outlet": "Frontier Ledger",
        "published": "2024-12-28",
    }
    assert client.post("/curate/api/sources", json=source, headers=OWN).status_code == 201
    actor = {"id": "ishaq-dar", "name": "Ishaq Dar", "kind": "person", "aliases": ["Dar"]}
    assert client.post("/curate/api/actors", json=actor, headers=OWN).status_code == 201
    assert (folder / "sources.yml").read_bytes().startswith(old_sources)
    assert (folder / "actors.yml").read_bytes().startswith(old_actors)
    assert yaml.safe_load((folder / "actors.yml").read_bytes())[-1] == actor
    state = client.get("/curate/api/state").json()
    assert "ishaq-dar" in [a["id"] for a in state["actors"]] and "ledger-2024-12-28" in [
        s["id"] for s in state["sources"]
    ]
    # an alias already taken by another actor: the build's message, nothing written
    before = snapshot(folder)
    r = client.post(
        "/curate/api/actors", json={"id": "dar-2", "name": "Baradar", "kind": "person"}, headers=OWN
    )
    assert r.status_code == 422
    assert r.json()["problems"][0]["message"] == "'Baradar' already names actor 'baradar'"
    r = client.post("/curate/api/sources", json={"id": "undated", "title": "No date"}, headers=OWN)
    assert (r.status_code, r.json()["problems"][0]["field"]) == (422, "published")
    assert snapshot(folder) == before


def test_an_alias_is_added_to_that_actor_only(client, folder):
    old = (folder / "actors.yml").read_text(encoding="utf-8")
    r = client.post(
        "/curate/api/aliases", json={"actor": "muttaqi", "alias": "Mottaqí"}, headers=OWN
    )
    assert r.status_code == 201
    new = (folder / "actors.yml").read_text(encoding="utf-8")
    actors = {a["id"]: a for a in yaml.safe_load(new)}
    assert actors["muttaqi"]["aliases"] == ["Muttaqi", "Mutaqqi", "Mottaqí"]
    assert [a for a in yaml.safe_load(new) if a["id"] != "muttaqi"] == [
        a for a in yaml.safe_load(old) if a["id"] != "muttaqi"
    ]
    found = client.get("/api/events", params={"actor": "mottaqi"}).json()[
        "events"
    ]  # the rebuilt chronology knows it
    assert [e["id"] for e in found] == [
        "2021-10-haniyeh-calls-muttaqi",
        "2024-12-24-talks-in-kabul",
    ]


# --- duplicates -----------------------------------------------------------------------------------


def test_a_candidate_like_an_existing_event_is_found(client):
    candidate = {
        "date": "2021-10",
        "qualifier": "early",
        "type": "phone-call",
        "actors": [{"id": "haniyeh", "role": "initiator"}, {"id": "muttaqi", "role": "recipient"}],
    }
    found = client.post("/curate/api/similar", json=candidate).json()["events"]
    assert [e["id"] for e in found] == ["2021-10-haniyeh-calls-muttaqi"]
    for other in (
        {"type": "meeting"},
        {"date": "2021-11"},
        {
            "actors": [
                {"id": "baradar", "role": "initiator"},
                {"id": "muttaqi", "role": "recipient"},
            ]
        },
    ):
        assert (
            client.post("/curate/api/similar", json={**candidate, **other}).json()["events"] == []
        )


def test_a_duplicate_gets_a_citation_editing_only_that_events_citations(client, folder):
    old = (folder / "events.yml").read_text(encoding="utf-8")
    citation = {
        "event": "2021-10-haniyeh-calls-muttaqi",
        "source": "wire-2024-12-24",
        "quote": "They came two days after the attack.",
        "stance": "supports",
    }
    r = client.post("/curate/api/citations", json=citation, headers=OWN)
    assert r.status_code == 201
    new = (folder / "events.yml").read_text(encoding="utf-8")
    start = next(i for i, (x, y) in enumerate(zip(old, new, strict=False)) if x != y)
    added = len(new) - len(old)
    assert new[:start] == old[:start] and new[start + added :] == old[start:]
    records = {e["id"]: e for e in yaml.safe_load(new)}
    assert records["2021-10-haniyeh-calls-muttaqi"]["citations"][-1] == {
        k: v for k, v in citation.items() if k != "event"
    }
    with sqlite3.connect(folder / "chrono.db") as conn:
        assert conn.execute(
            "SELECT count(*) FROM citations WHERE event_id = '2021-10-haniyeh-calls-muttaqi'"
        ).fetchone() == (2,)


def test_a_citation_for_an_unknown_event_writes_nothing(client, folder):
    before = snapshot(folder)
    r = client.post(
        "/curate/api/citations",
        json={"event": "nope", "source": "wire-2024-12-24", "quote": "They came."},
        headers=OWN,
    )
    assert r.status_code == 422 and r.json()["problems"][0]["message"] == (
        "no event 'nope' in events.yml (an event of a bulk .jsonl file is edited in that file)"
    )
    assert snapshot(folder) == before


# --- safety ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers, status",
    [
        ({"Origin": "http://evil.example"}, 403),
        ({"Origin": f"https://{HOST}"}, 403),
        ({}, 403),
        ({"Origin": "null"}, 403),
    ],
)
@pytest.mark.parametrize(
    "path",
    [
        "/curate/api/events",
        "/curate/api/sources",
        "/curate/api/actors",
        "/curate/api/citations",
        "/curate/api/aliases",
        "/curate/api/extract",
    ],
)
def test_a_write_from_another_origin_is_forbidden(client, folder, headers, status, path):
    before = snapshot(folder)
    r = client.post(path, json=new_event(), headers=headers)
    assert r.status_code == status
    assert r.json()["detail"] == "writes are accepted only from the workbench's own page"
    assert snapshot(folder) == before


def test_a_form_post_is_refused_even_from_the_own_origin(client, folder):
    before = snapshot(folder)
    r = client.post(
        "/curate/api/events",
        content=b"id=x",
        headers={**OWN, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 415
    assert snapshot(folder) == before


def test_another_host_name_is_refused(client):
    r = client.get("/curate", headers={"Host": "rebound.example:8001"})
    assert (r.status_code, r.json()["detail"]) == (
        400,
        "this workbench does not answer to the host 'rebound.example:8001'",
    )


@pytest.mark.parametrize(
    "header, name",
    [
        ("127.0.0.1:8001", "127.0.0.1"),
        ("[::1]:8001", "::1"),
        ("localhost", "localhost"),
        ("::1", "::1"),
    ],
)
def test_host_name(header, name):
    assert host_name(header) == name


def test_the_page_is_served_with_a_strict_csp(client):
    r = client.get("/curate")
    assert r.status_code == 200 and "<chrono-timeline" in r.text
    assert "script-src 'self';" in r.headers["content-security-policy"]
    for asset in ("curate.js", "curate.css", "widget.js"):
        assert client.get(f"/curate/static/{asset}").status_code == 200
    assert client.get("/curate/static/..%2Fcurate.py").status_code == 404


def test_serve_never_mounts_the_workbench(small_db):
    from chrono.api import create_app as create_api

    with TestClient(create_api(small_db, mount_datasette=False)) as c:
        assert c.get("/curate").status_code == 404
        assert c.post("/curate/api/events", json=new_event()).status_code in (404, 405)


def test_two_accepts_at_once_leave_a_valid_file_with_both(folder):
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(folder), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    old = (folder / "events.yml").read_bytes()
    origin = f"http://127.0.0.1:{port}"
    events = [new_event(id=f"2024-12-23-envoy-talks-{n}") for n in range(4)]
    answers: list[httpx.Response] = []
    barrier = threading.Barrier(len(events))

    def post(event):
        barrier.wait()
        answers.append(
            httpx.post(
                f"{origin}/curate/api/events", json=event, headers={"Origin": origin}, timeout=60
            )
        )

    try:
        workers = [threading.Thread(target=post, args=(e,)) for e in events]
        for w in workers:
            w.start()
        for w in workers:
            w.join(timeout=120)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert sorted(a.status_code for a in answers) == [201] * len(events)
    new = (folder / "events.yml").read_bytes()
    assert new.startswith(old)
    assert sorted(e["id"] for e in yaml.safe_load(new)[len(EVENTS) :]) == [e["id"] for e in events]
    from chrono.build import build

    build(folder, folder / "check.db")  # the file as left builds
    for e in events:
        assert event_row(folder / "chrono.db", e["id"]) is not None
    assert not [p for p in folder.iterdir() if p.name.startswith(".curate-")], (
        "a staging folder was left behind"
    )


def test_a_source_url_that_is_not_http_is_refused_by_the_builds_check(client, folder):
    before = snapshot(folder)
    source = {
        "id": "evil",
        "title": "Evil",
        "published": "2024-12-28",
        "url": "javascript:alert(document.domain)",
    }
    r = client.post("/curate/api/sources", json=source, headers=OWN)
    assert r.status_code == 422
    [problem] = r.json()["problems"]
    assert (problem["record"], problem["field"]) == ("source evil", "url")
    assert snapshot(folder) == before


def test_a_new_chronology_starts_with_its_first_source(tmp_path):
    """No events yet is how every chronology starts: the workbench builds it (an empty
    chronology is refused only to `chrono build` without --allow-empty)."""
    data = write_data(tmp_path / "data", events=[])
    with TestClient(create_app(data, allowed_hosts=[HOST]), base_url=f"http://{HOST}") as c:
        source = {
            "id": "ledger-2024-12-28",
            "title": "Envoys",
            "published": "2024-12-28",
            "url": "https://example.org/envoys",
        }
        r = c.post("/curate/api/sources", json=source, headers=OWN)
    assert r.status_code == 201, r.text
    assert read_build_info(data / "chrono.db")["count_events"] == "0"


def test_the_workbench_never_empties_a_chronology_that_has_events(folder):
    with TestClient(create_app(folder, allowed_hosts=[HOST]), base_url=f"http://{HOST}"):
        pass
    before = (folder / "chrono.db").read_bytes()
    (folder / "events.yml").write_text("[]\n", encoding="utf-8")  # truncated by mistake
    with pytest.raises(DataError) as refused:
        create_app(folder, allowed_hosts=[HOST])
    assert [p.message for p in refused.value.problems] == [empty_problem(folder).message]
    assert (folder / "chrono.db").read_bytes() == before
