"""Exports read by real readers: csv, icalendar, and the TimelineJS 3 document shape."""

from __future__ import annotations

import csv
import io
from datetime import date

import icalendar
import pytest
from litestar.testing import TestClient

from chrono.api import create_app
from tests.test_api import ALL, api_db  # noqa: F401  (module fixture reused)


@pytest.fixture(scope="module")
def client(api_db):  # noqa: F811
    with TestClient(create_app(api_db, mount_datasette=False)) as c:
        yield c


def test_csv_has_one_row_per_event_with_same_filters(client):
    r = client.get("/api/events.csv?actor=Haniyah")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["id"] for row in rows] == ["2021-08-haniyeh-calls-baradar", "2021-10-haniyeh-calls-muttaqi", "2025-01-hamas-statement"]
    assert rows[0]["actors"] == "Ismail Haniyeh (initiator); Abdul Ghani Baradar (recipient)"
    assert (rows[0]["date_start"], rows[0]["date_end"], rows[0]["precision"]) == ("2021-08-01", "2021-08-31", "month")
    assert rows[1]["qualifier"] == "early"


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
    assert (early.decoded("DTSTART"), early.decoded("DTEND")) == (date(2021, 10, 1), date(2021, 10, 11))
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
    assert slides["2021-08-haniyeh-calls-baradar"]["start_date"] == {"year": 2021, "month": 8, "display_date": "August 2021"}
    assert "end_date" not in slides["2021-08-haniyeh-calls-baradar"]
    assert slides["2024-12-24-talks-in-kabul"]["start_date"] == {"year": 2024, "month": 12, "day": 24, "display_date": "24 December 2024"}
    early = slides["2021-10-haniyeh-calls-muttaqi"]
    assert early["display_date"] == "early October 2021"
    assert "day" not in early["start_date"] or early["start_date"]["day"] == 1
    assert doc["title"]["text"]["headline"]
    assert slides["2021-08-haniyeh-calls-baradar"]["text"]["headline"] == "Haniyeh phones Baradar"


def test_timeline_escapes_text_as_html(client, tmp_path):
    from chrono.build import build
    from tests.conftest import EVENTS, write_data

    hostile = dict(EVENTS[0], id="xss", title="<img src=x onerror=alert(1)>")
    data = write_data(tmp_path / "d", events=[hostile])
    build(data, tmp_path / "x.db")
    with TestClient(create_app(tmp_path / "x.db", mount_datasette=False)) as c:
        slide = c.get("/api/timeline.json").json()["events"][0]
    assert slide["text"]["headline"] == "&lt;img src=x onerror=alert(1)&gt;"


@pytest.mark.parametrize("edtf, qualifier, label", [
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
])
def test_display_date_follows_precision(edtf, qualifier, label):
    from chrono.dates import normalise
    from chrono.exports import display_date
    from chrono.store import EventOut, LocationOut

    n = normalise(edtf, qualifier)
    e = EventOut(id="x", date=edtf, date_text="", date_start=n.start.isoformat(), date_end=n.end.isoformat(),
                 precision=n.precision, qualifier=qualifier, approximate=n.approximate, uncertain=n.uncertain,
                 date_basis="stated", title="", summary="", type="meeting", cameo="040", status="reported",
                 location=LocationOut(place=None, country=None), actors=[], citations=[])
    assert display_date(e) == label
