"""Exports read by real readers: csv, icalendar, and the TimelineJS 3 document shape."""

from __future__ import annotations

import csv
import io
import time
from datetime import date

import httpx
import icalendar
import msgspec
import pytest
from litestar.testing import TestClient

from chrono import capacity
from chrono.api import create_app
from chrono.exports import ics_lines
from chrono.models import EventOut
from tests.helpers import ALL, LiveServer, run_async


@pytest.fixture(scope="module")
def client(api_client):
    return api_client


def test_csv_has_one_row_per_event_with_same_filters(client):
    r = client.get("/api/events.csv?actor=Haniyah")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["id"] for row in rows] == [
        "2021-08-haniyeh-calls-baradar",
        "2021-10-haniyeh-calls-muttaqi",
        "2025-01-hamas-statement",
    ]
    assert rows[1]["qualifier"] == "early"


def test_csv_carries_what_a_citation_needs_column_by_column(client):
    text = client.get("/api/events.csv?actor=Haniyah&type=phone-call").text
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == [
        "id",
        "date",
        "date_text",
        "date_basis",
        "date_start",
        "date_end",
        "precision",
        "qualifier",
        "approximate",
        "uncertain",
        "title",
        "summary",
        "type",
        "cameo",
        "status",
        "place",
        "country",
        "actors",
        "actor_ids",
        "actor_roles",
        "quotes",
        "stances",
        "source_ids",
        "source_urls",
    ]
    assert dict(zip(header, rows[0], strict=True)) == {
        "id": "2021-08-haniyeh-calls-baradar",
        "date": "2021-08",
        "date_text": "In August 2021",
        "date_basis": "stated",
        "date_start": "2021-08-01",
        "date_end": "2021-08-31",
        "precision": "month",
        "qualifier": "",
        "approximate": "false",
        "uncertain": "false",
        "title": "Haniyeh phones Baradar",
        "summary": "Hamas leader called the Taliban deputy leader.",
        "type": "phone-call",
        "cameo": "041",
        "status": "reported",
        "place": "",
        "country": "",
        "actors": "Ismail Haniyeh (initiator); Abdul Ghani Baradar (recipient)",
        "actor_ids": "haniyeh; baradar",
        "actor_roles": "initiator; recipient",
        "quotes": "In August 2021, Haniyah called Baradar.",
        "stances": "reports",
        "source_ids": "review-2024",
        "source_urls": "",
    }
    # Codes are quoted text: a reader that honours quotes keeps the leading zero.
    assert '"041"' in text and '"2021-08"' in text


def test_csv_lists_each_citation_on_its_own_line_in_step(tmp_path):
    from chrono.build import build
    from tests.helpers import EVENTS, write_data

    two = dict(
        EVENTS[3],
        citations=[
            {
                "source": "wire-2024-12-24",
                "quote": "Pakistan's envoy held talks in Kabul on Tuesday.",
                "stance": "reports",
            },
            {
                "source": "review-2024",
                "quote": "In August 2021, Haniyah called Baradar.",
                "stance": "reports",
            },
            {
                "source": "wire-2024-12-24",
                "quote": "They came two days after the attack.",
                "stance": "reports",
            },
        ],
    )
    build(write_data(tmp_path / "d", events=[two]), tmp_path / "x.db")
    with TestClient(create_app(tmp_path / "x.db", mount_datasette=False)) as c:
        row = next(csv.DictReader(io.StringIO(c.get("/api/events.csv").text)))
        ics = icalendar.Calendar.from_ical(c.get("/api/events.ics").content)
    assert row["quotes"].split("\n") == [
        "Pakistan's envoy held talks in Kabul on Tuesday.",
        "In August 2021, Haniyah called Baradar.",
        "They came two days after the attack.",
    ]
    assert row["source_ids"].split("\n") == ["wire-2024-12-24", "review-2024", "wire-2024-12-24"]
    assert row["source_urls"].split("\n") == [
        "https://example.org/strikes",
        "",
        "https://example.org/strikes",
    ]
    # The calendar lists each source once, however often the event cites it.
    description = str(next(iter(ics.walk("VEVENT")))["DESCRIPTION"])
    assert (
        description.count("Strikes and talks") == 1 and description.count("A year of contacts") == 1
    )


def test_contacts_csv_has_one_row_per_partner(client):
    r = client.get("/api/contacts.csv?actor=Haniyah")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows == [
        {
            "actor_id": "haniyeh",
            "actor_name": "Ismail Haniyeh",
            "other_id": "baradar",
            "other_name": "Abdul Ghani Baradar",
            "count": "1",
            "first": "2021-08-01",
            "last": "2021-08-31",
            "event_ids": "2021-08-haniyeh-calls-baradar",
        },
        {
            "actor_id": "haniyeh",
            "actor_name": "Ismail Haniyeh",
            "other_id": "muttaqi",
            "other_name": "Amir Khan Muttaqi",
            "count": "1",
            "first": "2021-10-01",
            "last": "2021-10-10",
            "event_ids": "2021-10-haniyeh-calls-muttaqi",
        },
    ]
    json_contacts = client.get("/api/contacts?actor=Haniyah&from=2021").json()["contacts"]
    csv_rows = list(
        csv.DictReader(io.StringIO(client.get("/api/contacts.csv?actor=Haniyah&from=2021").text))
    )
    assert [(c["other"]["id"], str(c["count"])) for c in json_contacts] == [
        (r["other_id"], r["count"]) for r in csv_rows
    ]
    assert client.get("/api/contacts.csv").json()["parameter"] == "actor"


def test_actors_csv_lists_every_actor_with_aliases(client):
    r = client.get("/api/actors.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(r.text))}
    listed = client.get("/api/actors").json()["actors"]
    assert list(rows) == [a["id"] for a in listed] and len(rows) == 7
    for a in listed:
        assert rows[a["id"]] == {
            "id": a["id"],
            "name": a["name"],
            "kind": a["kind"],
            "aliases": "; ".join(a["aliases"]),
            "event_count": str(a["event_count"]),
        }
    assert rows["haniyeh"]["aliases"].startswith("Haniyah; ")
    found = list(csv.DictReader(io.StringIO(client.get("/api/actors.csv?q=taleban").text)))
    assert [row["id"] for row in found] == ["islamic-emirate"]


@pytest.mark.parametrize("path", ["/api/events.csv", "/api/events.ics", "/api/timeline.json"])
@pytest.mark.parametrize("parameter", ["limit=5", "cursor=abc"])
def test_exports_refuse_paging_rather_than_ignore_it(client, path, parameter):
    r = client.get(f"{path}?{parameter}")
    assert r.status_code == 400 and r.json()["parameter"] == parameter.split("=")[0]
    assert "every matching event" in r.json()["detail"]
    spec = client.get("/schema/openapi.json").json()
    described = {p["name"]: p["description"] for p in spec["paths"][path]["get"]["parameters"]}
    assert described["limit"].startswith("Not accepted") and described["cursor"].startswith(
        "Not accepted"
    )


@pytest.mark.parametrize(
    "query, headline",
    [
        ("", "All events"),
        ("actor=Haniyah", "Ismail Haniyeh"),
        ("actor=Haniyah&from=2021-08&to=2022", "Ismail Haniyeh · August 2021 – 2022"),
        ("from=2024-12-24", "from 24 December 2024"),
        ("to=2021&type=phone-call", "until 2021 · phone call"),
        (
            "actor=baradar&actor=Haniyeh&status=reported",
            "Abdul Ghani Baradar and Ismail Haniyeh · reported",
        ),
    ],
)
def test_timeline_headline_says_what_was_selected(client, query, headline):
    assert client.get(f"/api/timeline.json?{query}").json()["title"]["text"]["headline"] == headline


def test_csv_streams_all_events_without_paging(client):
    rows = list(csv.DictReader(io.StringIO(client.get("/api/events.csv").text)))
    assert [row["id"] for row in rows] == ALL


def test_ics_all_day_events_span_the_possible_days(client):
    r = client.get("/api/events.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.content)
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"{i}@chrono" for i in ALL}
    month = events["2021-08-haniyeh-calls-baradar@chrono"]
    assert month.decoded("DTSTART") == date(2021, 8, 1)
    assert month.decoded("DTEND") == date(2021, 9, 1)  # exclusive: the whole of August
    early = events["2021-10-haniyeh-calls-muttaqi@chrono"]
    assert (early.decoded("DTSTART"), early.decoded("DTEND")) == (
        date(2021, 10, 1),
        date(2021, 10, 11),
    )
    talks = events["2024-12-24-talks-in-kabul@chrono"]
    assert str(talks["SUMMARY"]) == "Talks in Kabul"
    assert str(talks["LOCATION"]) == "Kabul, Afghanistan"
    assert "https://example.org/strikes" in str(talks["DESCRIPTION"])
    assert str(talks["URL"]) == "https://example.org/strikes"


def test_ics_lines_are_folded_at_75_octets(client):
    for line in client.get("/api/events.ics").content.split(b"\r\n"):
        assert len(line) <= 75


def test_timeline_json_never_invents_a_day(client):
    doc = client.get("/api/timeline.json").json()
    slides = {s["unique_id"]: s for s in doc["events"]}
    assert list(slides) == ALL
    assert slides["2021-08-haniyeh-calls-baradar"]["start_date"] == {
        "year": 2021,
        "month": 8,
        "display_date": "August 2021",
    }
    assert "end_date" not in slides["2021-08-haniyeh-calls-baradar"]
    assert slides["2024-12-24-talks-in-kabul"]["start_date"] == {
        "year": 2024,
        "month": 12,
        "day": 24,
        "display_date": "24 December 2024",
    }
    early = slides["2021-10-haniyeh-calls-muttaqi"]
    assert early["display_date"] == "early October 2021"
    assert "day" not in early["start_date"] or early["start_date"]["day"] == 1
    assert doc["title"]["text"]["headline"]
    assert slides["2021-08-haniyeh-calls-baradar"]["text"]["headline"] == "Haniyeh phones Baradar"


def test_timeline_escapes_text_as_html(client, tmp_path):
    from chrono.build import build
    from tests.helpers import EVENTS, write_data

    hostile = dict(EVENTS[0], id="xss", title="<img src=x onerror=alert(1)>")
    data = write_data(tmp_path / "d", events=[hostile])
    build(data, tmp_path / "x.db")
    with TestClient(create_app(tmp_path / "x.db", mount_datasette=False)) as c:
        slide = c.get("/api/timeline.json").json()["events"][0]
    assert slide["text"]["headline"] == "&lt;img src=x onerror=alert(1)&gt;"


@pytest.mark.parametrize(
    "edtf, qualifier, label",
    [
        ("2024-12-24", None, "24 December 2024"),
        ("2021-08", None, "August 2021"),
        ("2021-10", "early", "early October 2021"),
        ("2013", None, "2013"),
        ("2009-22", None, "summer 2009"),
        ("2024-05-22/2024-05-23", None, "22–23 May 2024"),
        ("2023-12-30/2024-01-02", None, "30 December 2023 – 2 January 2024"),
        # An interval's ends keep their own precision: no day is made up for a month.
        ("2021-08/2021-11", None, "August–November 2021"),
        ("2021-09/2022-12", None, "September 2021 – December 2022"),
        ("2019/2021", None, "2019–2021"),
        ("2021/2021-11-05", None, "2021 – 5 November 2021"),
        ("2021-21/2021-23", None, "spring–autumn 2021"),
        ("2023-10~", None, "around October 2023"),
        ("2024-12-23?", None, "23 December 2024 (uncertain)"),
    ],
)
def test_display_date_follows_precision(edtf, qualifier, label):
    from chrono.dates import normalise
    from chrono.exports import display_date
    from chrono.models import EventOut, LocationOut

    n = normalise(edtf, qualifier)
    e = EventOut(
        id="x",
        date=edtf,
        date_text="",
        date_start=n.start.isoformat(),
        date_end=n.end.isoformat(),
        precision=n.precision,
        display_date="",
        qualifier=qualifier,
        approximate=n.approximate,
        uncertain=n.uncertain,
        date_basis="stated",
        title="",
        summary="",
        type="meeting",
        cameo="040",
        status="reported",
        location=LocationOut(place=None, country=None),
        actors=[],
        citations=[],
    )
    assert display_date(e) == label


# --- Atom, read by a feed reader's own parser --------------------------------------------------


def test_atom_feed_is_read_by_a_feed_reader_newest_first(client):
    import feedparser

    r = client.get("/api/events.atom?actor=Haniyah")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(r.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "chrono: Ismail Haniyeh"
    assert [e.id for e in feed.entries] == [
        "tag:chrono,2024:event/2025-01-hamas-statement",
        "tag:chrono,2024:event/2021-10-haniyeh-calls-muttaqi",
        "tag:chrono,2024:event/2021-08-haniyeh-calls-baradar",
    ]
    call = feed.entries[1]
    assert call.title == "Haniyeh phones Muttaqi"
    assert call.link.endswith("/api/events/2021-10-haniyeh-calls-muttaqi")
    content = call.content[0].value
    # The date as precise as its source, the status, the parties, the quote.
    assert "early October 2021" in content and "2021-10-0" not in content
    assert "Status: <strong>reported</strong>" in content
    assert "Parties: Ismail Haniyeh (initiator), Amir Khan Muttaqi (recipient)" in content
    assert "<blockquote>In early October 2021, Haniyeh called Muttaqi.</blockquote>" in content
    statement = feed.entries[0].content[0].value
    assert (
        "Status: <strong>denied</strong>" in statement
        and "Also named: Ismail Haniyeh (subject)" in statement
    )
    assert "Parties:" not in statement  # a subject and an author are not parties
    talks = feedparser.parse(client.get("/api/events.atom?q=talks").content).entries[0]
    assert '<a href="https://example.org/strikes">Strikes and talks</a>' in talks.content[0].value
    assert "https://example.org/strikes" in [link.href for link in talks.links]


def test_atom_feed_pages_with_a_next_link(client):
    import feedparser

    feed = feedparser.parse(client.get("/api/events.atom?limit=4").content)
    assert len(feed.entries) == 4
    following = next(link.href for link in feed.feed.links if link.rel == "next")
    rest = feedparser.parse(client.get(following).content)
    ids = [e.id.rsplit("/", 1)[1] for e in feed.entries + rest.entries]
    assert ids == list(reversed(ALL))
    assert not any(link.rel == "next" for link in rest.feed.links)


def test_atom_entry_ids_and_dates_survive_a_rebuild(tmp_path):
    import feedparser

    from chrono.build import build
    from tests.helpers import write_data

    data = write_data(tmp_path / "d")
    feeds = []
    for name in ("one.db", "two.db"):
        build(data, tmp_path / name)
        with TestClient(create_app(tmp_path / name, mount_datasette=False)) as c:
            feeds.append(c.get("/api/events.atom").content)
    assert feeds[0] == feeds[1]
    entries = feedparser.parse(feeds[0]).entries
    assert entries[0].updated == "2024-12-24T00:00:00Z"  # the day its source was published


def test_atom_feed_refuses_bad_filters_in_words(client):
    r = client.get("/api/events.atom?from=21")
    assert (
        r.status_code == 400
        and r.json()["detail"] == "from: use YYYY, YYYY-MM or YYYY-MM-DD (got '21')"
    )


@pytest.mark.parametrize(
    "text",
    [
        "a" * 300,
        "’" * 120,  # three octets each: cuts fall inside characters unless moved
        "Haniyeh’s call – “completely baseless” 😀 " * 9,
        "é" * 37 + "a",
        "ok",
    ],
)
def test_ics_folding_keeps_every_character_whole(client, text):
    answer = client.get("/api/events/2024-12-24-talks-in-kabul").content
    event = msgspec.json.decode(answer, type=EventOut)
    event = msgspec.structs.replace(event, title=text)
    feed = "".join(ics_lines([event], "20250101T000000Z")).encode()
    physical = feed.decode("utf-8").split("\r\n")  # decodes only if no cut fell inside a character
    assert all(len(p.encode("utf-8")) <= 75 for p in physical)
    assert str(next(iter(icalendar.Calendar.from_ical(feed).walk("VEVENT")))["SUMMARY"]) == text


def test_atom_entries_open_the_events_datasette_page_when_it_is_mounted(api_db):
    import feedparser

    with TestClient(create_app(api_db)) as c:
        entry = feedparser.parse(c.get("/api/events.atom?q=talks").content).entries[0]
        assert (
            entry.link
            == "http://testserver.local/datasette/chrono/events/2024-12-24-talks-in-kabul"
        )
        page = c.get("/datasette/chrono/events/2024-12-24-talks-in-kabul")
        assert page.status_code == 200 and "Talks in Kabul" in page.text


def test_ics_calendar_is_named_after_the_selection(client):
    cal = icalendar.Calendar.from_ical(
        client.get("/api/events.ics?actor=Haniyah&from=2021").content
    )
    assert str(cal["X-WR-CALNAME"]) == "chrono: Ismail Haniyeh · from 2021"


def test_exports_asked_one_after_another_never_find_the_server_busy(client):
    """A finished export gives its slot back before its client sees the end, so one reader
    asking for every export in turn is never told the server is busy."""
    statuses = [
        client.get(path).status_code
        for _ in range(15)
        for path in ("/api/events.csv", "/api/events.ics", "/api/timeline.json")
    ]
    assert statuses == [200] * 45


def test_refused_exports_give_their_slot_back_before_the_refusal_is_read(client):
    """A bad parameter is a 400 every time, never a 503 because earlier refusals still held
    the export slots."""
    paths = ("/api/events.csv", "/api/events.ics", "/api/timeline.json", "/api/events.atom")
    statuses = [
        client.get(f"{path}?from=2021-02-30").status_code for _ in range(10) for path in paths
    ]
    assert statuses == [400] * 40


def test_a_reader_that_stops_after_the_headers_never_finds_the_next_export_busy(api_db):
    """A small export is whole before its headers are sent: a client that reads only the
    status and hangs up (a link checker) finds the slot free on its next request."""
    import urllib.request

    from tests.helpers import LiveServer

    with LiveServer(create_app(api_db, mount_datasette=False)) as server:
        statuses = []
        for _ in range(10):
            for path in (
                "/api/events.csv",
                "/api/events.ics",
                "/api/timeline.json",
                "/api/events.atom",
            ):
                with urllib.request.urlopen(server.origin + path, timeout=30) as r:
                    statuses.append(r.status)
        assert statuses == [200] * 40


EXPORTS = {
    "/api/events.csv": "text/csv",
    "/api/events.ics": "text/calendar",
    "/api/timeline.json": "application/json",
    "/api/events.atom": "application/atom+xml",
    "/api/actors.csv": "text/csv",
}


def app_that_cannot_export(db, monkeypatch, why: str):
    """The API with every export slot held and the exports' readers failing `why`: a request
    that produced an export, or took a slot for one, would show it."""
    from chrono import api

    def no_export(*_, **__):
        raise AssertionError(why)

    monkeypatch.setattr(api, "iter_events", no_export)
    monkeypatch.setattr(api, "iter_actors", no_export)
    app = create_app(db, mount_datasette=False, cache_mb=0)
    while app.state.capacity._heavy.acquire(blocking=False):
        pass
    return app


def test_head_of_an_export_answers_its_headers_without_making_it(api_db, monkeypatch):
    """Link checkers and `curl -I` read the headers: the export is not produced, and no export
    slot is taken (here every slot is held, so an export that took one would be refused)."""
    app = app_that_cannot_export(api_db, monkeypatch, "the export was produced for a HEAD")
    with TestClient(app) as c:
        for path, media_type in EXPORTS.items():
            r = c.head(f"{path}?q=talks" if "actors" not in path else path)
            assert (r.status_code, r.content) == (200, b""), path
            assert r.headers["content-type"].startswith(media_type), path
            assert r.headers["x-chrono-build"], path
        refused = c.head("/api/events.csv?actor=nobody-at-all")
        assert refused.status_code == 400 and refused.content == b""
        assert c.get("/api/events.csv").status_code == 503  # the slots were taken indeed


def test_a_client_with_the_build_gets_its_304_without_an_export_being_made(api_db, monkeypatch):
    """A feed reader or cache revalidating an export it already has: the 304 comes from the
    parameters' check alone, no export is produced and no slot is taken (here every slot is
    held, so an export that took one would be refused), however many ask in a row."""
    app = app_that_cannot_export(
        api_db, monkeypatch, "the export was made for a client that has it"
    )
    with TestClient(app) as c:
        etag = c.get("/api/types").headers["etag"]
        for path in EXPORTS:
            if path.endswith(".atom"):
                continue  # a page, not a stream: made as any other page is
            for _ in range(20):
                r = c.get(path, headers={"If-None-Match": etag})
                assert (r.status_code, r.content) == (304, b""), path
        refused = c.get("/api/events.csv?actor=nobody-at-all", headers={"If-None-Match": etag})
        assert refused.status_code == 400
        assert c.get("/api/events.csv").status_code == 503  # the slots were taken indeed


def test_an_export_closed_between_chunks_frees_its_slot_at_once(bundled_db):
    """A client that stops reading between chunks (gone, or answered otherwise) leaves no thread
    on the export's connection: the slot is back when the stream closes, even while every pool
    thread is busy, so the next export is not told the server is busy."""
    import threading

    from chrono.capacity import CHUNK_BYTES, Capacity
    from chrono.store import Database

    capacity = Capacity(threads=1, heavy=1)
    snapshot = Database(bundled_db).current()
    gate = threading.Event()

    def big(conn):
        for _ in range(4):
            yield "x" * CHUNK_BYTES

    async def main():
        try:
            stream = await capacity.stream(snapshot, big, "exports")
            assert len(await anext(stream)) == CHUNK_BYTES
            capacity._pool.submit(gate.wait, 30)  # the pool's only thread is now busy
            await stream.aclose()
            free = capacity._heavy.acquire(blocking=False)
            if free:
                capacity._heavy.release()
            return free
        finally:
            gate.set()

    assert run_async(main()), "the closed export kept its slot until a pool thread was free"


def test_an_export_cut_by_its_budget_ends_without_a_traceback(generated_db, monkeypatch, capfd):
    """Past its whole budget, an export whose first bytes were sent can no longer answer 503:
    the server ends the connection mid-body (the client sees the answer incomplete) and logs
    one warning."""
    monkeypatch.setattr(capacity, "EXPORT_SECONDS", 1.0)
    app = create_app(generated_db, mount_datasette=False, cache_mb=0)
    with LiveServer(app) as server, httpx.Client(base_url=server.origin, timeout=60) as client:
        with client.stream("GET", "/api/events.csv") as r:
            assert r.status_code == 200
            chunks = r.iter_raw()
            assert next(chunks)
            time.sleep(2)  # the client stalls; the server cannot write ahead forever
            with pytest.raises(httpx.RemoteProtocolError):  # the body ends short of its end
                for _ in chunks:
                    pass
        assert client.get("/api/events?limit=1").status_code == 200  # the server goes on
    err = capfd.readouterr().err  # the app configures logging itself: read what it wrote
    assert "Traceback" not in err
    cut = [line.split(" - ")[0] for line in err.splitlines() if "exports cut after" in line]
    assert cut == ["WARNING"]
