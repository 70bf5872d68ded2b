"""The curated data's shape: msgspec Structs for sources, actors and events, and their
vocabularies."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

import msgspec
from msgspec import Meta

Slug = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=120)]
Text = Annotated[str, Meta(min_length=1, max_length=20_000)]
Edtf = Annotated[str, Meta(min_length=4, max_length=64)]

# Event types centred on contacts, each with the CAMEO code it maps to (CAMEO 1.1b3).
EVENT_TYPES: dict[str, tuple[str, str]] = {
    "phone-call": ("041", "Discuss by telephone"),
    "meeting": ("040", "Consult"),
    "visit": ("042", "Make a visit"),
    "talks": ("046", "Engage in negotiation"),
    "conference": ("044", "Meet at a third location"),
    "ceremony": ("044", "Meet at a third location (funerals, inaugurations)"),
    "statement": ("010", "Make public statement"),
    "condemnation": ("111", "Criticize or denounce"),
    "appeal": ("020", "Make an appeal or request"),
    "praise": ("051", "Praise or endorse"),
    "accusation": ("112", "Accuse"),
    "denial": ("016", "Deny responsibility"),
    "claim-of-responsibility": ("015", "Claim responsibility"),
    "embassy-opening": ("050", "Engage in diplomatic cooperation"),
    "embassy-closure": ("161", "Reduce or break diplomatic relations"),
    "agreement": ("057", "Sign formal agreement"),
    "veto": ("129", "Veto"),
    "airstrike": ("195", "Employ aerial weapons"),
    "attack": ("190", "Use conventional military force"),
    "assassination": ("186", "Assassinate"),
    "takeover": ("192", "Occupy territory"),
    "clash": ("193", "Fight with small arms and light weapons"),
    "rally": ("141", "Demonstrate or rally"),
    "restriction": ("172", "Impose administrative sanctions"),
    "arrest": ("173", "Arrest, detain"),
    "release": ("0841", "Release persons"),
    "aid": ("070", "Provide aid"),
    "hearing": ("040", "Consult"),
    "withdrawal": ("087", "De-escalate military engagement"),
}

# Types whose actors are in contact with each other; the `contacts` view pairs them.
CONTACT_TYPES = ("phone-call", "meeting", "visit", "talks", "conference", "ceremony")

STATUSES: dict[str, str] = {
    "confirmed": "on record from the actors themselves or several independent sources",
    "reported": "reported by one outlet or through one chain of reporting, not confirmed",
    "claimed": "asserted by a party with a stake in it (e.g. battlefield claims)",
    "disputed": "contested by other sources",
    "denied": "denied by a party concerned",
    "unverified": "a social-media or anonymous claim nobody confirmed",
    "false": "shown to be false",
}

ROLES = (
    "initiator",
    "recipient",
    "participant",
    "host",
    "visitor",
    "author",
    "subject",
    "target",
    "attacker",
    "mediator",
)
# The roles that make an actor a party to an event. Only parties are ever "in contact":
# a subject (the dead at a funeral, the topic of talks), a target, an attacker or an
# author takes part in an event without meeting anyone in it.
PARTY_ROLES = ("initiator", "recipient", "participant", "host", "visitor", "mediator")

ACTOR_KINDS = (
    "person",
    "state",
    "government",
    "government-body",
    "organization",
    "armed-group",
    "media",
    "international-organization",
)

EventType = Literal[tuple(EVENT_TYPES)]  # type: ignore[valid-type]
Status = Literal[tuple(STATUSES)]  # type: ignore[valid-type]
Role = Literal[ROLES]  # type: ignore[valid-type]
ActorKind = Literal[ACTOR_KINDS]  # type: ignore[valid-type]
Stance = Literal["supports", "reports", "denies"]
DateBasis = Literal["stated", "resolved", "inferred"]
Qualifier = Literal["early", "mid", "late"]


_NOT_IN_LINKS = re.compile(r"[\s\x00-\x1f\x7f]")


def is_http_url(value: str) -> bool:
    """A link chrono may publish: an absolute http:// or https:// address naming a host, with no
    space or control character. Anything else (javascript:, data:, a relative path) would run
    script or lead somewhere unintended once a page, a calendar or TimelineJS makes it a link,
    and a line break would start a new line in an iCalendar feed."""
    if _NOT_IN_LINKS.search(value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:  # an unbalanced IPv6 bracket
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class Base(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Strict, immutable records: an unknown or misspelt field is an error, not silently dropped."""


class Source(Base, kw_only=True):
    id: Slug
    title: Text
    outlet: str | None = None
    author: str | None = None
    published: Edtf
    url: str | None = None
    archive: str | None = None
    notes: str | None = None


class Membership(Base, kw_only=True):
    organization: Slug
    role: Text
    start: Edtf | None = None
    end: Edtf | None = None


class Actor(Base, kw_only=True):
    id: Slug
    name: Text
    kind: ActorKind
    aliases: list[Annotated[str, Meta(min_length=1, max_length=200)]] = []
    memberships: list[Membership] = []
    notes: str | None = None


class Location(Base, kw_only=True):
    place: str | None = None
    country: str | None = None


class EventActor(Base, kw_only=True):
    id: Slug
    role: Role


class Citation(Base, kw_only=True):
    source: Slug
    quote: Annotated[str, Meta(min_length=3, max_length=5_000)]
    stance: Stance = "reports"


class Event(Base, kw_only=True):
    id: Slug
    date: Edtf
    date_text: Text
    date_basis: DateBasis
    date_anchor: Edtf | None = None
    qualifier: Qualifier | None = None
    title: Annotated[str, Meta(min_length=1, max_length=300)]
    summary: Text
    type: EventType
    status: Status
    location: Location = Location()
    actors: Annotated[list[EventActor], Meta(min_length=1)]
    citations: Annotated[list[Citation], Meta(min_length=1)]
    notes: str | None = None


# --- response records: what the API answers ----------------------------------------------


class Record(msgspec.Struct, frozen=True, kw_only=True):
    """Response records: immutable, encoded by msgspec straight to JSON."""


class SourceRef(Record):
    id: str
    title: str
    outlet: str | None
    published: str
    display_published: str  # `published` in words (dates.display_date)
    url: str | None


class CitationOut(Record):
    source: SourceRef
    quote: str
    stance: str


class ActorRef(Record):
    id: str
    name: str


class EventActorOut(Record):
    id: str
    name: str
    role: str


class LocationOut(Record):
    place: str | None
    country: str | None


class EventOut(Record):
    id: str
    date: str
    date_text: str
    date_start: str
    date_end: str
    precision: str
    display_date: str  # the date in words, as precise as `date` (dates.display_date)
    qualifier: str | None
    approximate: bool
    uncertain: bool
    date_basis: str
    title: str
    summary: str
    type: str
    cameo: str
    status: str
    location: LocationOut
    actors: list[EventActorOut]
    citations: list[CitationOut]
    notes: str | None = None


class EventPage(Record):
    events: list[EventOut]
    next: str | None


class MembershipOut(Record):
    organization: ActorRef
    role: str
    start: str | None
    end: str | None


class MemberOut(Record):
    actor: ActorRef
    role: str
    start: str | None
    end: str | None


class ActorSummary(Record):
    id: str
    name: str
    kind: str
    aliases: list[str]
    event_count: int


class ActorDetail(Record):
    id: str
    name: str
    kind: str
    aliases: list[str]
    notes: str | None
    memberships: list[MembershipOut]
    members: list[MemberOut]
    event_count: int
    contact_count: int
    first_event: str | None
    last_event: str | None


class ActorList(Record):
    actors: list[ActorSummary]


class Contact(Record):
    actor: ActorRef
    other: ActorRef
    count: int
    first: str
    last: str
    event_ids: list[str]


class ContactList(Record):
    contacts: list[Contact]
