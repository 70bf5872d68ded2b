"""Read the curated files in the data folder and validate them into Structs.

Parsing is separated from I/O: `check_*` functions take decoded records and return problems;
`load_*` functions read files. Problems are collected, never raised one at a time, so a curator
sees every mistake in one run.
"""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import msgspec
import yaml

from . import dates
from .extract.grammar import resolve_both_ways
from .models import Actor, Citation, Event, EventActor, Location, Membership, Source, is_http_url


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the data, located by file, record id and field."""

    file: str
    record: str
    field: str
    message: str
    line: int | None = None  # in a YAML file, the line of the field (or of its record)

    def __str__(self) -> str:
        file = f"{self.file}:{self.line}" if self.line else self.file
        where = f"{file}: {self.record}" if self.record else file
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


class DataError(Exception):
    """The data folder holds problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the data")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class CheckedEvent:
    event: Event
    when: dates.NormalisedDate


@dataclass(slots=True)
class Catalogue:
    """Sources and actors, loaded first: events are checked against them."""

    sources: dict[str, tuple[Source, dates.NormalisedDate | None]]
    actors: dict[str, Actor]
    memberships: list[tuple[str, int, dates.NormalisedDate | None, dates.NormalisedDate | None]]


class _StringDateLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml: 15x faster
    """YAML without timestamp resolution: `2021-08-15` stays the string the curator wrote;
    a key written twice in one record is an error (YAML would keep the last silently)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} is written twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep)


_StringDateLoader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}

_DATE_FIELDS = ("date", "date_anchor", "published", "start", "end")
_PATH = re.compile(r" - at `\$(.*)`$")


def read_yaml(path: Path) -> tuple[list[Any], list[Problem]]:
    """A YAML file holding a list of records; problems instead of exceptions."""
    records, _, problems = read_yaml_located(path)
    return records, problems


def read_yaml_located(path: Path) -> tuple[list[Any], list[Any], list[Problem]]:
    """A YAML file's records, each with the YAML node it was read from (where its fields
    start: see `line_of`), and the problems that kept it from being read."""
    try:
        raw = path.read_bytes()
        data, node = _load_with_node(raw.decode("utf-8"))
    except FileNotFoundError:
        return [], [], [Problem(str(path), "", "", "file not found")]
    except UnicodeDecodeError as exc:
        return (
            [],
            [],
            [Problem(str(path), "", "", not_utf8(exc), line=raw.count(b"\n", 0, exc.start) + 1)],
        )
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = f"not valid YAML ({getattr(exc, 'problem', exc)})"
        return [], [], [Problem(str(path), "", "", problem, line=mark.line + 1 if mark else None)]
    if data is None:
        return [], [], []
    if not isinstance(data, list):
        return [], [], [Problem(str(path), "", "", "must hold a list of records")]
    return data, list(node.value), []


def _load_with_node(text: str) -> tuple[Any, Any]:
    """The document and the node tree it was built from (one parse)."""
    loader = _StringDateLoader(text)
    try:
        node = loader.get_single_node()
        return (loader.construct_document(node) if node is not None else None), node
    finally:
        loader.dispose()


_PATH_PART = re.compile(r"\[(\d+)\]|[^.\[\]]+")


def line_of(node: Any, field: str = "") -> int:
    """The 1-based line where `field` (a path such as `citations[1].quote`) is written in a
    record's YAML node; as near as the path goes, down to the record's own first line."""
    line = node.start_mark.line
    for m in _PATH_PART.finditer(field):
        if (
            m.group(1) is not None
            and isinstance(node, yaml.SequenceNode)
            and int(m.group(1)) < len(node.value)
        ):
            node = node.value[int(m.group(1))]
            line = node.start_mark.line
        elif m.group(1) is None and isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == m.group(0)), None)
            if match is None:
                break
            line, node = match[0].start_mark.line, match[1]
        else:
            break
    return line + 1


def _locate(problems: list[Problem], node: Any) -> list[Problem]:
    """The problems of one record, each with the line of its field."""
    if node is None:
        return problems
    return [p if p.line else dataclasses.replace(p, line=line_of(node, p.field)) for p in problems]


def without_bom(line: bytes) -> bytes:
    """A JSONL file may start with a byte order mark, as a YAML file may."""
    return line.removeprefix(codecs.BOM_UTF8)


def check_utf8(line: bytes) -> bytes:
    """Raise UnicodeDecodeError for a line that is not UTF-8, whatever the JSON decoder would raise.

    msgspec's own error for bad UTF-8 changed between releases (UnicodeDecodeError, then
    DecodeError), so the check is ours. ASCII lines, nearly all of them, cost one fast scan.
    """
    if not line.isascii():
        line.decode("utf-8")
    return line


def not_utf8(exc: UnicodeDecodeError) -> str:
    return f"not UTF-8 text (byte 0x{exc.object[exc.start]:02X}); save the file as UTF-8"


def _record_id(raw: Any, index: int) -> str:
    if isinstance(raw, dict) and isinstance(raw.get("id"), str):
        return raw["id"]
    return f"#{index + 1}"


def _stringify_dates(raw: Any) -> Any:
    """Unquoted years (`date: 2021`) arrive as ints; EDTF fields are strings."""
    if isinstance(raw, dict):
        return {
            k: (str(v) if k in _DATE_FIELDS and isinstance(v, int) else _stringify_dates(v))
            for k, v in raw.items()
        }
    if isinstance(raw, list):
        return [_stringify_dates(v) for v in raw]
    return raw


# The Structs inside a record, by field: (type, is a list of them).
_NESTED: dict[type, dict[str, tuple[type, bool]]] = {
    Event: {
        "location": (Location, False),
        "actors": (EventActor, True),
        "citations": (Citation, True),
    },
    Actor: {"memberships": (Membership, True)},
}


def unknown_fields(raw: Any, type_: type, prefix: str = "") -> tuple[Any, list[tuple[str, str]]]:
    """The record without the fields `type_` does not have, and for each such field its path
    and a message that suggests the field probably meant ("did you mean 'date'?").

    Checked before decoding so that a misspelt field does not hide the record's other problems."""
    if not isinstance(raw, dict):
        return raw, []
    known = type_.__struct_fields__
    found: list[tuple[str, str]] = []
    kept: dict[Any, Any] = {}
    for key, value in raw.items():
        if key not in known:
            guess = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = (
                f"; did you mean {guess[0]!r}?" if guess else f"; the fields are {', '.join(known)}"
            )
            found.append((f"{prefix}{key}", f"unknown field {str(key)!r}{hint}"))
            continue
        inner = _NESTED.get(type_, {}).get(key)
        if inner and inner[1] and isinstance(value, list):
            cleaned = []
            for j, item in enumerate(value):
                item, more = unknown_fields(item, inner[0], f"{prefix}{key}[{j}].")
                cleaned.append(item)
                found += more
            value = cleaned
        elif inner and not inner[1]:
            value, more = unknown_fields(value, inner[0], f"{prefix}{key}.")
            found += more
        kept[key] = value
    return kept, found


def _convert(raw: Any, type_: type, file: str, record: str) -> tuple[Any, list[Problem]]:
    raw, unknown = unknown_fields(raw, type_)
    problems = [Problem(file, record, path, message) for path, message in unknown]
    try:
        return msgspec.convert(_stringify_dates(raw), type_), problems
    except msgspec.ValidationError as exc:
        return None, [*problems, _validation_problem(exc, file, record)]


def _validation_problem(exc: msgspec.ValidationError, file: str, record: str) -> Problem:
    text = str(exc)
    field = ""
    if m := _PATH.search(text):
        field = m.group(1).lstrip(".")
        text = text[: m.start()]
    if text.startswith("Object missing required field"):
        missing = text.split("`")[1]
        field = f"{field}.{missing}" if field else missing
        text = "required field is missing"
    return Problem(file, record, field, text)


def _date(
    value: str,
    file: str,
    record: str,
    field: str,
    problems: list[Problem],
    qualifier: str | None = None,
) -> dates.NormalisedDate | None:
    try:
        return dates.normalise(value, qualifier)
    except dates.DateError as exc:
        problems.append(Problem(file, record, field, str(exc)))
        return None


def _node(nodes: list[Any] | None, i: int) -> Any:
    return nodes[i] if nodes is not None and i < len(nodes) else None


def check_sources(
    records: list[Any], file: str, nodes: list[Any] | None = None
) -> tuple[dict[str, tuple[Source, dates.NormalisedDate | None]], list[Problem]]:
    """`nodes`: the records' YAML nodes (read_yaml_located), to name each problem's line."""
    problems: list[Problem] = []
    sources: dict[str, tuple[Source, dates.NormalisedDate | None]] = {}
    for i, raw in enumerate(records):
        mark = len(problems)
        rid = _record_id(raw, i)
        source, found = _convert(raw, Source, file, f"source {rid}")
        problems += found
        if source is None:
            pass
        elif source.id in sources:
            problems.append(Problem(file, f"source {rid}", "id", "duplicate id"))
        else:
            if source.url is not None and not is_http_url(
                source.url
            ):  # kept, so its citations are not "unknown"
                problems.append(Problem(file, f"source {rid}", "url", url_problem(source.url)))
            sources[source.id] = (
                source,
                _date(source.published, file, f"source {rid}", "published", problems),
            )
        problems[mark:] = _locate(problems[mark:], _node(nodes, i))
    return sources, problems


def url_problem(url: str) -> str:
    shown = url if len(url) <= 80 else url[:77] + "..."
    return (
        f"{shown!r} is not a web address: a link must start with http:// or https://, name a host "
        "and hold no spaces or line breaks"
    )


def check_actors(
    records: list[Any], file: str, nodes: list[Any] | None = None
) -> tuple[dict[str, Actor], list, list[Problem]]:
    problems: list[Problem] = []
    actors: dict[str, Actor] = {}
    node_of: dict[str, Any] = {}
    owner_of_alias: dict[str, str] = {}
    for i, raw in enumerate(records):
        mark = len(problems)
        rid = _record_id(raw, i)
        actor, found = _convert(raw, Actor, file, f"actor {rid}")
        problems += found
        if actor is None:
            pass
        elif actor.id in actors:
            problems.append(Problem(file, f"actor {rid}", "id", "duplicate id"))
        else:
            actors[actor.id] = actor
            node_of[actor.id] = _node(nodes, i)
            # An id is looked up like a name (actor=iea), so ids, names and aliases share one key
            # space.
            names = [
                ("id", actor.id),
                ("name", actor.name),
                *((f"aliases[{j}]", a) for j, a in enumerate(actor.aliases)),
            ]
            for field_name, alias in names:
                key = dates.name_key(alias)
                other = owner_of_alias.setdefault(key, actor.id)
                if other != actor.id:
                    problems.append(
                        Problem(
                            file,
                            f"actor {rid}",
                            field_name,
                            f"{alias!r} already names actor {other!r}",
                        )
                    )
        problems[mark:] = _locate(problems[mark:], _node(nodes, i))
    memberships = []
    for actor in actors.values():
        mark = len(problems)
        for j, m in enumerate(actor.memberships):
            where = f"memberships[{j}]"
            if m.organization not in actors:
                problems.append(
                    Problem(
                        file,
                        f"actor {actor.id}",
                        f"{where}.organization",
                        f"unknown actor {m.organization!r}",
                    )
                )
            start = (
                _date(m.start, file, f"actor {actor.id}", f"{where}.start", problems)
                if m.start
                else None
            )
            end = (
                _date(m.end, file, f"actor {actor.id}", f"{where}.end", problems) if m.end else None
            )
            if start and end and end.end < start.start:
                problems.append(
                    Problem(
                        file,
                        f"actor {actor.id}",
                        f"{where}.end",
                        f"ends ({m.end}) before it starts ({m.start})",
                    )
                )
            memberships.append((actor.id, j, start, end))
        problems[mark:] = _locate(problems[mark:], node_of[actor.id])
    return actors, memberships, problems


def check_event(
    event: Event, catalogue: Catalogue, file: str
) -> tuple[CheckedEvent | None, list[Problem]]:
    """Cross-field and cross-file checks for one decoded event."""
    problems: list[Problem] = []
    rec = f"event {event.id}"
    when = _date(event.date, file, rec, "date", problems, event.qualifier)
    if event.date_basis == "resolved":
        if event.date_anchor is None:
            problems.append(
                Problem(
                    file,
                    rec,
                    "date_anchor",
                    "required when date_basis is resolved: the date the phrase was resolved "
                    "against",
                )
            )
        elif (anchor := _date(event.date_anchor, file, rec, "date_anchor", problems)) and when:
            readings = resolve_both_ways(event.date_text, anchor.range)
            if readings and not any(when.range.covers(r) for r in readings):
                shown = " or ".join(dates.to_edtf(r) for r in readings)
                problems.append(
                    Problem(
                        file,
                        rec,
                        "date",
                        f"{event.date!r} is narrower than or outside {event.date_text!r} resolved "
                        f"against {event.date_anchor} ({shown}); widen it, or use date_basis "
                        "inferred and explain in notes",
                    )
                )
    seen: set[str] = set()
    for j, ref in enumerate(event.actors):
        if ref.id not in catalogue.actors:
            problems.append(Problem(file, rec, f"actors[{j}].id", f"unknown actor {ref.id!r}"))
        elif ref.id in seen:
            problems.append(Problem(file, rec, f"actors[{j}].id", f"actor {ref.id!r} listed twice"))
        seen.add(ref.id)
    for j, citation in enumerate(event.citations):
        if citation.source not in catalogue.sources:
            problems.append(
                Problem(file, rec, f"citations[{j}].source", f"unknown source {citation.source!r}")
            )
        if not citation.quote.strip():
            problems.append(Problem(file, rec, f"citations[{j}].quote", "quote is blank"))
    if problems or when is None:
        return None, problems
    return CheckedEvent(event, when), []


def check_events(
    records: Iterable[Any], catalogue: Catalogue, file: str, nodes: list[Any] | None = None
) -> tuple[list[CheckedEvent], list[Problem]]:
    """The curated events: each checked as bulk events are (check_event), and a stated date
    read against its own words as `chrono verify` reads it: never narrower, never elsewhere."""
    from .verify import date_text_problem  # verify reads the data through this module

    published = {
        source_id: str(source.published) for source_id, (source, _) in catalogue.sources.items()
    }
    problems: list[Problem] = []
    checked: list[CheckedEvent] = []
    ids: set[str] = set()
    for i, raw in enumerate(records):
        mark = len(problems)
        rid = _record_id(raw, i)
        event, found = _convert(raw, Event, file, f"event {rid}")
        problems += found
        if event is None:
            pass
        elif event.id in ids:
            problems.append(Problem(file, f"event {rid}", "id", "duplicate id"))
        else:
            ids.add(event.id)
            result, found = check_event(event, catalogue, file)
            problems += found
            if event.date_basis == "stated" and (wrong := date_text_problem(raw, published)[1]):
                problems.append(
                    Problem(
                        file,
                        f"event {rid}",
                        "date",
                        f"{wrong}; give the date the words give, or a wider one",
                    )
                )
            elif result and mark == len(problems):
                checked.append(result)
        problems[mark:] = _locate(problems[mark:], _node(nodes, i))
    return checked, problems


def load_catalogue(data: Path) -> tuple[Catalogue, list[Problem]]:
    problems: list[Problem] = []
    source_records, nodes, found = read_yaml_located(data / "sources.yml")
    problems += found
    sources, found = check_sources(source_records, str(data / "sources.yml"), nodes)
    problems += found
    actor_records, nodes, found = read_yaml_located(data / "actors.yml")
    problems += found
    actors, memberships, found = check_actors(actor_records, str(data / "actors.yml"), nodes)
    problems += found
    return Catalogue(sources, actors, memberships), problems


_decode_event = msgspec.json.Decoder(Event).decode


def read_jsonl(
    path: Path,
    decode: Callable[[bytes], Any] = msgspec.json.decode,
    start: int = 0,
    end: int | None = None,
) -> Iterator[tuple[int, Any]]:
    """(line number, `decode(line)`) for each non-blank line of a JSONL file, or (line number,
    Problem) for a line that is not UTF-8, not JSON, or (for a typed `decode`) not the record.

    `start` and `end` select a byte range that begins at a line start (see ingest.cut); lines
    are still numbered from the top of the file.
    """
    file = str(path)
    with path.open("rb") as lines:
        number = _lines_before(lines, start)
        lines.seek(start)
        position = start
        for line in lines:
            if end is not None and position >= end:
                break
            position += len(line)
            number += 1
            if not line.strip():
                continue
            if number == 1:
                line = without_bom(line)
            try:
                yield number, decode(check_utf8(line))
            except UnicodeDecodeError as exc:
                yield number, Problem(file, f"line {number}", "", not_utf8(exc))
            except msgspec.ValidationError as exc:
                rid = _jsonl_id(line) or f"line {number}"
                yield number, _validation_problem(exc, file, f"event {rid} (line {number})")
            except msgspec.DecodeError as exc:
                yield number, Problem(file, f"line {number}", "", f"not valid JSON ({exc})")


def stream_jsonl(
    path: Path, catalogue: Catalogue, start: int = 0, end: int | None = None
) -> Iterator[tuple[int, CheckedEvent | Problem]]:
    """Bulk events, one JSON object a line, checked as they stream past, with their line numbers."""
    for number, event in read_jsonl(path, _decode_event, start, end):
        if isinstance(event, Problem):
            yield number, event
            continue
        result, problems = check_event(event, catalogue, str(path))
        if result:
            yield number, result
        else:
            for problem in problems:
                yield (
                    number,
                    Problem(
                        problem.file,
                        f"{problem.record} (line {number})",
                        problem.field,
                        problem.message,
                    ),
                )


def _lines_before(f: BinaryIO, offset: int, block: int = 1 << 22) -> int:
    f.seek(0)
    count = 0
    while offset > 0:
        chunk = f.read(min(block, offset))
        if not chunk:
            break
        count += chunk.count(b"\n")
        offset -= len(chunk)
    return count


def _jsonl_id(line: bytes) -> str | None:
    try:
        raw = msgspec.json.decode(line)
    except msgspec.DecodeError:
        return None
    return raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
