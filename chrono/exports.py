"""Exports: events as CSV, iCalendar, TimelineJS 3 JSON and Atom; contacts and actors as CSV.

The event exports are produced as streams of chunks; the Atom feed, one page, in one piece.
"""

from __future__ import annotations

import csv
import html
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

import msgspec

from .dates import MONTH_NAMES, normalise
from .models import PARTY_ROLES, STATUSES, ActorSummary, Contact, EventOut, is_http_url


def link(url: str | None) -> str | None:
    """The source's URL if it may be published as a link. The build refuses any other, so this
    only matters for a database that did not come from this build (defence in depth)."""
    return url if url and is_http_url(url) else None


CSV_COLUMNS = [
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
LIST_SEPARATOR = "; "  # between the actors of an event (names, ids and roles in the same order)
CITATION_SEPARATOR = "\n"  # between its citations: quotes, stances, source ids and URLs line up


def _csv_writer(buffer: io.StringIO):
    # Every field quoted: spreadsheets that honour quotes keep codes ("041") and dates ("2021-08")
    # as text.
    return csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def csv_rows(events: Iterable[EventOut]) -> Iterator[str]:
    """One row per event with what a citation needs: actor ids, quotes and their sources,
    the date's basis and flags."""
    buffer = io.StringIO()
    writer = _csv_writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for i, e in enumerate(events, 1):
        cites = e.citations
        writer.writerow(
            [
                e.id,
                e.date,
                e.date_text,
                e.date_basis,
                e.date_start,
                e.date_end,
                e.precision,
                e.qualifier or "",
                _flag(e.approximate),
                _flag(e.uncertain),
                e.title,
                e.summary,
                e.type,
                e.cameo,
                e.status,
                e.location.place or "",
                e.location.country or "",
                LIST_SEPARATOR.join(f"{a.name} ({a.role})" for a in e.actors),
                LIST_SEPARATOR.join(a.id for a in e.actors),
                LIST_SEPARATOR.join(a.role for a in e.actors),
                CITATION_SEPARATOR.join(_one_line(c.quote) for c in cites),
                CITATION_SEPARATOR.join(c.stance for c in cites),
                CITATION_SEPARATOR.join(c.source.id for c in cites),
                CITATION_SEPARATOR.join(link(c.source.url) or "" for c in cites),
            ]
        )
        if i % 200 == 0:
            yield _drain(buffer)
    yield _drain(buffer)


CONTACT_COLUMNS = [
    "actor_id",
    "actor_name",
    "other_id",
    "other_name",
    "count",
    "first",
    "last",
    "event_ids",
]


def contacts_csv(contacts: Iterable[Contact]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = _csv_writer(buffer)
    writer.writerow(CONTACT_COLUMNS)
    for c in contacts:
        writer.writerow(
            [
                c.actor.id,
                c.actor.name,
                c.other.id,
                c.other.name,
                c.count,
                c.first,
                c.last,
                LIST_SEPARATOR.join(c.event_ids),
            ]
        )
    yield _drain(buffer)


ACTOR_COLUMNS = ["id", "name", "kind", "aliases", "event_count"]


def actors_csv(actors: Iterable[ActorSummary]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = _csv_writer(buffer)
    writer.writerow(ACTOR_COLUMNS)
    for a in actors:
        writer.writerow([a.id, a.name, a.kind, LIST_SEPARATOR.join(a.aliases), a.event_count])
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


# --- iCalendar (RFC 5545) --------------------------------------------------------------------


def _ics_text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space, never inside a
    character: a cut moves back over UTF-8 continuation bytes (0b10xxxxxx)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts, start, room = [], 0, 75
    while len(data) - start > room:
        cut = start + room
        while data[cut] & 0xC0 == 0x80:
            cut -= 1
        parts.append(data[start:cut])
        start, room = cut, 74  # a continuation line starts with its space
    parts.append(data[start:])
    return b"\r\n ".join(parts).decode("utf-8") + "\r\n"


BATCH = 200  # events per streamed chunk: a chunk per event costs more in sends than in writing


def ics_lines(
    events: Iterable[EventOut], stamp: str, host: str = "chrono", title: str = "All events"
) -> Iterator[str]:
    """All-day VEVENTs spanning date_start..date_end (DTEND is exclusive, so the day after)."""
    yield (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//chrono//chronology export//EN\r\n"
        "CALSCALE:GREGORIAN\r\n"
    )
    yield _fold(f"X-WR-CALNAME:{_ics_text(f'chrono: {title}')}")
    batch: list[str] = []
    for e in events:
        end = date.fromisoformat(e.date_end) + timedelta(days=1)
        cited = {c.source.id: c.source for c in e.citations}  # a source cited twice is listed once
        sources = "\n".join(
            f"{s.title} "
            f"({s.outlet or 'outlet not stated'}){' ' + url if (url := link(s.url)) else ''}"
            for s in cited.values()
        )
        description = (
            f"{e.summary}\n\nDate: {e.date_text} ({e.precision}). Status: {e.status}.\n"
            f"Sources:\n{sources}"
        )
        lines = [
            "BEGIN:VEVENT",
            f"UID:{e.id}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{e.date_start.replace('-', '')}",
            f"DTEND;VALUE=DATE:{end.strftime('%Y%m%d')}",
            f"SUMMARY:{_ics_text(e.title)}",
            f"DESCRIPTION:{_ics_text(description)}",
            f"CATEGORIES:{_ics_text(e.type)}",
            f"STATUS:{'TENTATIVE' if e.status != 'confirmed' else 'CONFIRMED'}",
        ]
        place = ", ".join(p for p in (e.location.place, e.location.country) if p)
        if place:
            lines.append(f"LOCATION:{_ics_text(place)}")
        url = next((url for c in e.citations if (url := link(c.source.url))), None)
        if url:
            lines.append(f"URL:{url}")
        lines.append("END:VEVENT")
        batch.extend(_fold(line) for line in lines)
        if len(batch) >= BATCH * len(lines):
            yield "".join(batch)
            batch.clear()
    yield "".join(batch) + "END:VCALENDAR\r\n"


# --- TimelineJS 3 ----------------------------------------------------------------------------

SEASONS = {"21": "spring", "22": "summer", "23": "autumn", "24": "winter"}


def display_date(e: EventOut) -> str:
    """A label exactly as precise as the event: 'August 2021', 'early October 2021', '22–23 May
    2024'."""
    start, end = date.fromisoformat(e.date_start), date.fromisoformat(e.date_end)
    core = e.date.rstrip("?~%")
    if e.precision == "day":
        label = f"{start.day} {MONTH_NAMES[start.month - 1]} {start.year}"
    elif e.precision == "month":
        label = f"{MONTH_NAMES[start.month - 1]} {start.year}"
        if e.qualifier:
            label = f"{e.qualifier} {label}"
    elif e.precision == "season":
        label = f"{SEASONS.get(core[5:7], 'season')} {core[:4]}"
    elif e.precision == "year":
        label = f"{e.qualifier + ' ' if e.qualifier else ''}{start.year}"
    elif e.precision in ("decade", "century"):
        label = f"{start.year}–{end.year}"
    else:
        label = _span_label(core, start, end)
    if "~" in e.date or "%" in e.date:
        label = f"around {label}"
    if "?" in e.date or "%" in e.date:
        label = f"{label} (uncertain)"
    return label


_PLAIN_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?\Z", re.ASCII)


def _span_label(edtf: str, start: date, end: date) -> str:
    """Each end of an interval as precise as it was written: '22–23 May 2024',
    'August–November 2021', 'September 2021 – December 2022', '2021 – 5 November 2021'."""
    parts = [p.rstrip("?~%") for p in edtf.split("/")]
    if len(parts) != 2 or not all(_PLAIN_DATE.match(p) for p in parts):
        return f"{_day(start)} – {_day(end)}"  # not a plain interval: its bounds, as days
    (a, b), (la, lb) = parts, (len(parts[0]), len(parts[1]))
    if la == lb == 10:
        if start.year == end.year and start.month == end.month:
            return f"{start.day}–{end.day} {MONTH_NAMES[start.month - 1]} {start.year}"
        if start.year == end.year:
            return (
                f"{start.day} {MONTH_NAMES[start.month - 1]} – "
                f"{end.day} {MONTH_NAMES[end.month - 1]} {start.year}"
            )
    if la == lb == 7 and a[:4] == b[:4]:
        return f"{_month(a)}–{_month(b)} {a[:4]}"
    if la == lb == 4:
        return f"{a}–{b}"
    return f"{_end_label(a)} – {_end_label(b)}"


def _day(d: date) -> str:
    return f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


def _month(part: str) -> str:
    """'2021-08' → 'August'; a season code ('2009-22') → 'summer'."""
    number = int(part[5:7])
    return MONTH_NAMES[number - 1] if number <= 12 else SEASONS.get(part[5:7], "season")


def _end_label(part: str) -> str:
    if len(part) == 10:
        return _day(date.fromisoformat(part))
    if len(part) == 7:
        return f"{_month(part)} {part[:4]}"
    return part


def _tl_date(day: date, precision: str, label: str | None = None) -> dict:
    d: dict = {"year": day.year}
    if precision in ("month", "day"):
        d["month"] = day.month
    if precision == "day":
        d["day"] = day.day
    if label:
        d["display_date"] = label
    return d


def timeline_slide(e: EventOut) -> dict:
    start, end = date.fromisoformat(e.date_start), date.fromisoformat(e.date_end)
    label = display_date(e)
    if e.precision in ("day", "month", "year") and not e.qualifier:
        slide = {"start_date": _tl_date(start, e.precision, label)}
    else:
        # Spans, seasons and early/mid/late: the range at the precision both ends share.
        unit = (
            "day"
            if e.precision == "span" and (start.day != 1 or end != _month_end(end))
            else ("month" if start.month != 1 or end.month != 12 else "year")
        )
        slide = {"start_date": _tl_date(start, unit, label), "end_date": _tl_date(end, unit)}
    cites = "".join(
        f"<blockquote>{html.escape(c.quote)}</blockquote><p>— "
        + (
            f'<a href="{html.escape(url)}">{html.escape(c.source.title)}</a>'
            if (url := link(c.source.url))
            else html.escape(c.source.title)
        )
        + f"{', ' + html.escape(c.source.outlet) if c.source.outlet else ''}</p>"
        for c in e.citations
    )
    slide.update(
        {
            "unique_id": e.id,
            "display_date": label,
            "group": e.type,
            "text": {
                "headline": html.escape(e.title),
                "text": (
                    f"<p>{html.escape(e.summary)}</p>"
                    f"<p><strong>Status:</strong> {html.escape(e.status)}</p>{cites}"
                ),
            },
        }
    )
    return slide


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def timeline_chunks(events: Iterable[EventOut], title: str) -> Iterator[bytes]:
    """A TimelineJS 3 document, streamed slide by slide; `title` says what was selected."""
    head = {
        "title": {
            "text": {
                "headline": html.escape(title),
                "text": "Sourced chronology of diplomatic contacts (chrono)",
            }
        }
    }
    yield msgspec.json.encode(head)[:-1] + b', "events": ['
    batch: list[bytes] = []
    for i, e in enumerate(events):
        batch.append((b"," if i else b"") + msgspec.json.encode(timeline_slide(e)))
        if len(batch) == BATCH:
            yield b"".join(batch)
            batch.clear()
    yield b"".join(batch) + b"]}"


# --- what a selection holds, in words ------------------------------------------------------


def bound_label(value: str) -> str:
    """A `from`/`to` parameter as precise as it was given: '2021', 'August 2021', '15 August
    2021'."""
    parts = value.split("-")
    try:
        if len(parts) == 3:
            return _day(date.fromisoformat(value))
        if len(parts) == 2:
            return f"{MONTH_NAMES[int(parts[1]) - 1]} {parts[0]}"
    except (ValueError, IndexError):
        pass
    return value


def selection_title(
    actors: list[str],
    from_: str | None = None,
    to: str | None = None,
    types: Iterable[str] = (),
    statuses: Iterable[str] = (),
    q: str | None = None,
) -> str:
    """What a filtered export shows: 'Ismail Haniyeh · August 2021 – 2022 · phone call'."""
    parts = [" and ".join(actors)] if actors else []
    if from_ and to:
        parts.append(
            f"{bound_label(from_)} – {bound_label(to)}" if from_ != to else bound_label(from_)
        )
    elif from_:
        parts.append(f"from {bound_label(from_)}")
    elif to:
        parts.append(f"until {bound_label(to)}")
    if types:
        parts.append(", ".join(t.replace("-", " ") for t in types))
    if statuses:
        parts.append(", ".join(statuses))
    if q:
        parts.append(f"“{q}”")
    return " · ".join(parts) or "All events"


# --- Atom 1.0 (RFC 4287) -------------------------------------------------------------------

ATOM = "http://www.w3.org/2005/Atom"
# Entry ids are tag: URIs (RFC 4151) made from the event id alone: the same on every build
# and every host, so a feed reader never sees an event twice.
TAG = "tag:chrono,2024:"
EPOCH = "1970-01-01T00:00:00Z"
ET.register_namespace("", ATOM)


def entry_id(event_id: str) -> str:
    return f"{TAG}event/{event_id}"


def reported_on(e: EventOut) -> str:
    """When the event was first reported, as an Atom date: the earliest publication day of its
    sources (a month-precise publication counts from its first day), else the event's own start.
    It depends on the data alone, so a rebuild does not make an entry look updated."""
    days = []
    for c in e.citations:
        try:
            days.append(normalise(c.source.published).start)
        except Exception:  # noqa: BLE001 - an unreadable date only loses this candidate
            continue
    day = min(days) if days else date.fromisoformat(e.date_start)
    return f"{day.isoformat()}T00:00:00Z"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    node = ET.SubElement(
        parent, f"{{{ATOM}}}{tag}", {k: _NOT_XML.sub("", v) for k, v in attributes.items()}
    )
    if text is not None:
        node.text = _NOT_XML.sub("", text)  # characters XML 1.0 cannot carry at all
    return node


def _entry_html(e: EventOut) -> str:
    """The entry's content: the date as precise as its source, the status, the parties and
    the quotes with links to their sources."""
    esc = html.escape
    meaning = STATUSES.get(e.status)
    parts = [
        f"<p><strong>{esc(display_date(e))}</strong> (“{esc(e.date_text)}”)</p>",
        f"<p>Status: <strong>{esc(e.status)}</strong>{' — ' + esc(meaning) if meaning else ''}</p>",
        f"<p>{esc(e.summary)}</p>",
    ]
    parties = [a for a in e.actors if a.role in PARTY_ROLES]
    others = [a for a in e.actors if a.role not in PARTY_ROLES]
    if parties:
        parts.append(
            "<p>Parties: " + ", ".join(f"{esc(a.name)} ({esc(a.role)})" for a in parties) + "</p>"
        )
    if others:
        parts.append(
            "<p>Also named: " + ", ".join(f"{esc(a.name)} ({esc(a.role)})" for a in others) + "</p>"
        )
    place = ", ".join(p for p in (e.location.place, e.location.country) if p)
    if place:
        parts.append(f"<p>Place: {esc(place)}</p>")
    for c in e.citations:
        src = c.source
        url = link(src.url)
        name = f'<a href="{esc(url)}">{esc(src.title)}</a>' if url else esc(src.title)
        about = ", ".join(esc(x) for x in (src.outlet, src.published) if x)
        parts.append(
            f"<blockquote>{esc(c.quote)}</blockquote><p>— {name}{', ' + about if about else ''}"
            f" ({esc(c.stance)})</p>"
        )
    return "".join(parts)


def atom_feed(
    events: list[EventOut],
    *,
    title: str,
    feed_id: str,
    self_url: str,
    event_url: str,
    next_url: str | None = None,
) -> bytes:
    """One page of events as an Atom feed, in the order given (newest first); each entry links
    to `event_url` with `{id}` replaced by the event id."""
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", feed_id)
    _sub(feed, "title", f"chrono: {title}")
    _sub(feed, "subtitle", "Sourced chronology of diplomatic contacts")
    entries = [(e, reported_on(e)) for e in events]
    _sub(feed, "updated", max((when for _, when in entries), default=EPOCH))
    _sub(_sub(feed, "author"), "name", "chrono")
    _sub(feed, "generator", "chrono")
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    if next_url:
        _sub(feed, "link", rel="next", type="application/atom+xml", href=next_url)
    for e, when in entries:
        entry = _sub(feed, "entry")
        _sub(entry, "id", entry_id(e.id))
        _sub(entry, "title", e.title)
        _sub(entry, "updated", when)
        _sub(entry, "published", when)
        _sub(entry, "link", rel="alternate", href=event_url.replace("{id}", e.id))
        for url in dict.fromkeys(url for c in e.citations if (url := link(c.source.url))):
            _sub(entry, "link", rel="related", type="text/html", href=url)
        _sub(entry, "category", term=e.type, label=e.type.replace("-", " "))
        _sub(entry, "category", term=e.status, scheme=f"{TAG}status")
        _sub(entry, "content", _entry_html(e), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
