"""Event exports: CSV, iCalendar and TimelineJS 3 JSON, each produced as a stream of chunks."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

import msgspec

from .models import is_http_url
from .store import EventOut


def link(url: str | None) -> str | None:
    """The source's URL if it may be published as a link. The build refuses any other, so this
    only matters for a database that did not come from this build (defence in depth)."""
    return url if url and is_http_url(url) else None

CSV_COLUMNS = [
    "id", "date", "date_text", "date_start", "date_end", "precision", "qualifier", "title", "summary",
    "type", "cameo", "status", "place", "country", "actors", "sources", "source_urls",
]


def csv_rows(events: Iterable[EventOut]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for i, e in enumerate(events, 1):
        writer.writerow([
            e.id, e.date, e.date_text, e.date_start, e.date_end, e.precision, e.qualifier or "", e.title,
            e.summary, e.type, e.cameo, e.status, e.location.place or "", e.location.country or "",
            "; ".join(f"{a.name} ({a.role})" for a in e.actors),
            "; ".join(dict.fromkeys(c.source.id for c in e.citations)),
            " ".join(dict.fromkeys(url for c in e.citations if (url := link(c.source.url)))),
        ])
        if i % 200 == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


# --- iCalendar (RFC 5545) --------------------------------------------------------------------

def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\\n").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    parts, current = [], b""
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > (75 if not parts else 74):
            parts.append(current)
            current = b""
        current += b
    parts.append(current)
    return "\r\n ".join(p.decode("utf-8") for p in parts) + "\r\n"


def ics_lines(events: Iterable[EventOut], stamp: str, host: str = "chrono") -> Iterator[str]:
    """All-day VEVENTs spanning date_start..date_end (DTEND is exclusive, so the day after)."""
    yield "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//chrono//chronology export//EN\r\nCALSCALE:GREGORIAN\r\n"
    yield _fold("X-WR-CALNAME:chrono chronology")
    for e in events:
        end = date.fromisoformat(e.date_end) + timedelta(days=1)
        sources = "\n".join(
            f"{c.source.title} ({c.source.outlet or 'outlet not stated'}){' ' + url if (url := link(c.source.url)) else ''}"
            for c in e.citations
        )
        description = f"{e.summary}\n\nDate: {e.date_text} ({e.precision}). Status: {e.status}.\nSources:\n{sources}"
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
        yield "".join(_fold(line) for line in lines)
    yield "END:VCALENDAR\r\n"


# --- TimelineJS 3 ----------------------------------------------------------------------------

MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December"]
SEASONS = {"21": "spring", "22": "summer", "23": "autumn", "24": "winter"}


def display_date(e: EventOut) -> str:
    """A label exactly as precise as the event: 'August 2021', 'early October 2021', '22–23 May 2024'."""
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
            return f"{start.day} {MONTH_NAMES[start.month - 1]} – {end.day} {MONTH_NAMES[end.month - 1]} {start.year}"
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
        unit = "day" if e.precision == "span" and (start.day != 1 or end != _month_end(end)) else (
            "month" if start.month != 1 or end.month != 12 else "year")
        slide = {"start_date": _tl_date(start, unit, label), "end_date": _tl_date(end, unit)}
    cites = "".join(
        f"<blockquote>{html.escape(c.quote)}</blockquote><p>— "
        + (f'<a href="{html.escape(url)}">{html.escape(c.source.title)}</a>' if (url := link(c.source.url)) else html.escape(c.source.title))
        + f"{', ' + html.escape(c.source.outlet) if c.source.outlet else ''}</p>"
        for c in e.citations
    )
    slide.update({
        "unique_id": e.id,
        "display_date": label,
        "group": e.type,
        "text": {
            "headline": html.escape(e.title),
            "text": f"<p>{html.escape(e.summary)}</p><p><strong>Status:</strong> {html.escape(e.status)}</p>{cites}",
        },
    })
    return slide


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def timeline_chunks(events: Iterable[EventOut], title: str) -> Iterator[bytes]:
    """A TimelineJS 3 document, streamed slide by slide."""
    head = {"title": {"text": {"headline": html.escape(title), "text": "Sourced chronology of diplomatic contacts"}}}
    yield msgspec.json.encode(head)[:-1] + b', "events": ['
    for i, e in enumerate(events):
        yield (b"," if i else b"") + msgspec.json.encode(timeline_slide(e))
    yield b"]}"
