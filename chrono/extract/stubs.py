"""Output: candidates as JSON, and as event stubs to paste into events.yml."""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import yaml

from .. import dates
from .candidates import Candidate, Extraction
from .words import words as _words


def to_json(extraction: Extraction) -> str:
    """The candidates as a JSON list; each says which publication date it was read against and
    where that date came from ("page": the page's markup; "given": the caller, --published)."""
    out = [
        c.to_json()
        | {"published": extraction.published, "published_from": extraction.published_from}
        for c in extraction.candidates
    ]
    return json.dumps(out, ensure_ascii=False, indent=2)


_STOP = _words(
    "a an the of on in at to and or but by for from with as is was were be been it its this that "
    "which who also said says has had have will would"
)


_DATELINE = re.compile(r"^[A-Z][A-Z .,'’-]{2,40}(?:\([^)]{1,20}\))?\s*[—–-]+\s*")
_LEADS = re.compile(
    r"^(?:(?:and|but|so|also|then|however|meanwhile|for example|similarly|in short)\b[, ]*)+",
    re.IGNORECASE,
)


def title_of(sentence: str, date_text: str) -> str:
    """A short title: the sentence without its dateline, date phrase and asides, cut at a clause
    break after eight words or at fourteen words."""
    text = _DATELINE.sub("", sentence)
    text = text.replace(date_text, " ", 1) if date_text else text
    text = re.sub(r"\s*\([^)]*\)", "", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", re.sub(r"\s+", " ", text))
    text = _LEADS.sub("", re.sub(r",(?:\s*,)+", ",", text).strip(" ,;:—–-"))
    out: list[str] = []
    for word in text.split():
        out.append(word)
        if (len(out) >= 8 and re.search(r"[,;:—]$", word)) or len(out) >= 14:
            break
    title = " ".join(out).strip(' ,.;:—–-“”"')
    return (title[:1].upper() + title[1:]) if title else sentence[:80]


def slug_for(edtf: str, title: str) -> str:
    date_part = re.sub(r"[^0-9x]+", "-", edtf.lower()).strip("-")
    plain = re.sub(r"['’]s\b", "", dates.fold(title))
    words = [w for w in re.findall(r"[a-z0-9]+", plain) if w not in _STOP][:6]
    return "-".join([date_part, *words])[:120].strip("-")


def to_yaml(extraction: Extraction, source: str, file_label: str, published: str) -> str:
    """Event stubs ready to paste into db/events.yml; candidates without a known actor and the
    unknown names are listed in comments (an event needs at least one actor)."""
    lines = [
        f"# Candidate events from {file_label} (published {published}), proposed by `chrono "
        "extract`.",
        "# Check every date, title, type, status, role and actor against the article before "
        "pasting.",
        "",
    ]
    ids: Counter[str] = Counter()
    orphans = []
    for c in extraction.candidates:
        if not c.actors:
            orphans.append(c)
            continue
        lines.append(_dump([_stub(c, source, ids)]))
    if orphans:
        lines.append(
            "# Dated sentences with no known actor (add the actors to actors.yml, then make stubs):"
        )
        for c in orphans:
            lines.append(
                _comment(f"{c.mention.edtf} | {c.mention.text} | {c.sentence.clean[:160]}")
            )
        lines.append("")
    if extraction.new_actors:
        lines.append("# Names not in the gazetteer (possible new actors or aliases), with counts:")
        lines += [_comment(f"{name} ({count})") for name, count in extraction.new_actors]
    return "\n".join(lines).rstrip() + "\n"


class _StubDumper(yaml.SafeDumper):
    """Block style for the event, flow style for the small mappings a curator edits in place
    (an actor's id and role, a location), as events.yml is written by hand."""


def _flow_mapping(dumper: yaml.SafeDumper, data: _Flow) -> yaml.Node:
    return dumper.represent_mapping("tag:yaml.org,2002:map", dict(data), flow_style=True)


class _Flow(dict):  # type: ignore[type-arg]
    pass


_StubDumper.add_representer(_Flow, _flow_mapping)


def _dump(stubs: list[dict[str, Any]]) -> str:
    return yaml.dump(stubs, Dumper=_StubDumper, allow_unicode=True, sort_keys=False, width=100_000)


def _comment(text: str) -> str:
    return "#   " + " ".join(text.split())


def _stub(c: Candidate, source: str, ids: Counter[str]) -> dict[str, Any]:
    m = c.mention
    title = title_of(c.sentence.clean, "" if m.kind == "relational" else " ".join(m.text.split()))[
        :300
    ]
    base = slug_for(m.edtf or "", title)
    ids[base] += 1
    event_id = base if ids[base] == 1 else f"{base}-{ids[base]}"
    notes = [f"chrono extract: confidence {c.confidence()}"]
    if m.anchor:
        notes.append(f"anchor {m.anchor}")
    notes += m.notes + c.notes
    notes += [
        f"ambiguous name {a['text']!r}: " + ", ".join(x["id"] for x in a["candidates"])
        for a in c.ambiguous_actors
    ]
    stub: dict[str, Any] = {
        "id": event_id,
        "date": m.edtf,
        "date_text": " ".join(m.text.split()),
        "date_basis": m.basis,
        "date_anchor": m.anchor_edtf if m.basis != "stated" else None,
    }
    if m.qualifier:
        stub["qualifier"] = m.qualifier
    stub |= {
        "title": title,
        "summary": c.sentence.clean,
        "type": c.type,
        "status": c.status,
        "location": _Flow(place=None, country=None),
        "actors": [_Flow(id=a.id, role=c.roles.get(a.id, "subject")) for a in c.actors],
        "citations": [{"source": source, "quote": c.sentence.clean[:5000], "stance": "reports"}],
        "notes": "; ".join(notes),
    }
    return stub
