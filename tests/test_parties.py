"""Only parties are in contact: initiator, recipient, participant, host, visitor, mediator.

A subject (the dead at his own funeral), a target or an author takes part in an event without
meeting anyone in it: not in the contacts view, the contacts the build stores, the contacts
counted live for a date range, an organization's side through its members, or Datasette's
canned queries."""

from __future__ import annotations

import sqlite3

import pytest
from litestar.testing import TestClient

from chrono.api import create_app
from chrono.build import build
from chrono.models import PARTY_ROLES, ROLES
from chrono.publish import datasette_app
from tests.helpers import ACTORS, EVENTS, rows, write_data

FUNERAL = "2024-08-04-kabir-attends-haniyeh-funeral-doha"

# Hamas leaders at the funeral of Haniyeh, who is its subject; Qatar hosts; a statement's author
# is named too. Only the mourners and the host are parties.
FUNERAL_EVENT = {
    "id": "2024-08-04-funeral",
    "date": "2024-08-04",
    "date_text": "on 4 August 2024",
    "date_basis": "stated",
    "title": "Funeral in Doha",
    "summary": "Mourners meet.",
    "type": "ceremony",
    "status": "reported",
    "actors": [
        {"id": "haniyeh", "role": "subject"},
        {"id": "baradar", "role": "participant"},
        {"id": "hamas", "role": "participant"},
        {"id": "pakistan", "role": "host"},
        {"id": "ttp", "role": "author"},
    ],
    "citations": [{"source": "review-2024", "quote": "completely baseless", "stance": "reports"}],
}
# Before 31 July 2024 Haniyeh is a member of Hamas: as a subject he does not bring Hamas in.
TALKS_ABOUT_HANIYEH = {
    "id": "2023-05-talks-about-haniyeh",
    "date": "2023-05",
    "date_text": "in May 2023",
    "date_basis": "stated",
    "title": "Talks about Haniyeh",
    "summary": "He is discussed, not present.",
    "type": "talks",
    "status": "reported",
    "actors": [
        {"id": "haniyeh", "role": "subject"},
        {"id": "muttaqi", "role": "host"},
        {"id": "pakistan", "role": "visitor"},
    ],
    "citations": [{"source": "review-2024", "quote": "completely baseless", "stance": "reports"}],
}


@pytest.fixture(scope="module")
def parties_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parties")
    write_data(folder / "data", actors=ACTORS, events=EVENTS + [FUNERAL_EVENT, TALKS_ABOUT_HANIYEH])
    build(folder / "data", folder / "chrono.db")
    return folder / "chrono.db"


@pytest.fixture(scope="module")
def client(parties_db):
    with TestClient(create_app(parties_db, mount_datasette=False)) as c:
        yield c


def test_party_roles_are_the_roles_that_meet():
    assert PARTY_ROLES == ("initiator", "recipient", "participant", "host", "visitor", "mediator")
    assert set(ROLES) - set(PARTY_ROLES) == {"author", "subject", "target", "attacker"}


def test_the_contacts_view_pairs_parties_only(parties_db):
    conn = sqlite3.connect(parties_db)
    pairs = conn.execute(
        "SELECT actor_id, other_id FROM contacts "
        "WHERE event_id = ? AND actor_id < other_id ORDER BY 1, 2",
        (FUNERAL_EVENT["id"],),
    ).fetchall()
    assert pairs == [("baradar", "hamas"), ("baradar", "pakistan"), ("hamas", "pakistan")]
    assert conn.execute(
        "SELECT count(*) FROM contacts WHERE actor_id = 'haniyeh' AND event_id IN (?, ?)",
        (FUNERAL_EVENT["id"], TALKS_ABOUT_HANIYEH["id"]),
    ).fetchone() == (0,)


@pytest.mark.parametrize(
    "dates", ["", "&from=2020"]
)  # as the build stored them; counted live for a range
def test_a_subject_is_no_contact_through_the_api(client, dates):
    partners = {
        c["other"]["id"]: c["event_ids"]
        for c in client.get(f"/api/contacts?actor=haniyeh{dates}").json()["contacts"]
    }
    assert partners == {
        "baradar": ["2021-08-haniyeh-calls-baradar"],
        "muttaqi": ["2021-10-haniyeh-calls-muttaqi"],
    }
    assert client.get(f"/api/contacts?actor=haniyeh&with=hamas{dates}").json() == {"contacts": []}
    assert client.get(f"/api/contacts?actor=ttp&with=pakistan{dates}").json() == {
        "contacts": []
    }  # an author


@pytest.mark.parametrize("dates", ["", "&from=2020"])
def test_an_organization_meets_no_one_through_a_member_who_is_a_subject(client, dates):
    """Haniyeh belongs to Hamas in May 2023, as the subject of talks: Hamas is not at them."""
    events = {
        c["other"]["id"]: c["event_ids"]
        for c in client.get(f"/api/contacts?actor=hamas{dates}").json()["contacts"]
    }
    assert TALKS_ABOUT_HANIYEH["id"] not in events.get("muttaqi", []) + events.get("pakistan", [])
    assert events["pakistan"] == [FUNERAL_EVENT["id"]]


def test_canned_queries_count_parties_only(parties_db):
    app = datasette_app(parties_db)
    assert rows(app, "/datasette/chrono/contacts_between.json?actor=Haniyeh&other=Hamas") == []
    assert rows(app, "/datasette/chrono/contacts_between.json?actor=Haniyeh&other=Pakistan") == []
    firsts = rows(app, "/datasette/chrono/first_last_contact.json")
    assert not [
        r
        for r in firsts
        if "Ismail Haniyeh" in (r["actor_name"], r["other_name"])
        and r["first_event"] in (FUNERAL_EVENT["id"], TALKS_ABOUT_HANIYEH["id"])
    ]
    months = {
        r["month"]: r["count"] for r in rows(app, "/datasette/chrono/contacts_per_month.json")
    }
    assert months["2023-05"] == 1 and months["2024-08"] == 1


def test_haniyeh_is_not_in_contact_at_his_own_funeral(bundled_client, bundled_db):
    for dates in ("", "&from=2024"):
        for other in ("hamas", "kabir", "qatar", "wardak"):
            found = bundled_client.get(f"/api/contacts?actor=haniyeh&with={other}{dates}").json()[
                "contacts"
            ]
            assert FUNERAL not in (found[0]["event_ids"] if found else []), (other, dates)
    kabir = bundled_client.get("/api/contacts?actor=kabir&with=haniyeh").json()["contacts"]
    assert kabir[0]["event_ids"] == ["2024-07-30-kabir-attends-pezeshkian-inauguration"]
    conn = sqlite3.connect(bundled_db)
    assert conn.execute(
        "SELECT count(*) FROM contacts WHERE event_id = ? AND 'haniyeh' IN (actor_id, other_id)",
        (FUNERAL,),
    ).fetchone() == (0,)
    listed = rows(
        datasette_app(bundled_db),
        "/datasette/chrono/contacts_between.json?actor=Haniyeh&other=Kabir",
    )
    assert {row["event_id"] for row in listed} == {
        "2024-07-30-kabir-attends-pezeshkian-inauguration"
    }
