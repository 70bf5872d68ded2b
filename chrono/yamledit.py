"""Edits to the curated YAML files that keep every byte already written.

A curator's files carry comments, blank lines, flow lists and hand-chosen quoting that a YAML
round trip would lose. So nothing here re-dumps a file: new text, made by a YAML dumper, is
inserted at one place and the rest of the file is copied as it is. The composer's node marks
say where a record and its lists begin and end.
"""

from __future__ import annotations

from typing import Any

import yaml


class EditError(ValueError):
    """The file cannot take this edit without rewriting what is already there."""


def _dump(value: Any, flow: bool = False) -> str:
    return yaml.dump(
        value,
        Dumper=yaml.SafeDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=flow,
        width=100,
        indent=2,
    )


# libyaml composes 5x faster; its marks count characters, as the pure-Python composer's do.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise EditError(f"not valid YAML ({getattr(exc, 'problem', exc)})") from None


def _indented(block: str, column: int) -> str:
    pad = " " * column
    return "".join(pad + line if line.strip() else line for line in block.splitlines(keepends=True))


def _after_line_of(text: str, index: int) -> int:
    """The start of the line after the last non-blank character before `index`."""
    last = len(text[:index].rstrip())
    newline = text.find("\n", last)
    return len(text) if newline == -1 else newline + 1


def _content_end(node: yaml.Node) -> int:
    """Where a node's own text ends. A block collection's end mark lies at the next token,
    past any comments that follow it, so the end of its last value is taken instead."""
    while not getattr(node, "flow_style", True) and node.value:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    return node.end_mark.index


def _with_newline(text: str, at: int) -> tuple[str, int]:
    """A file whose last line has no newline gets one, so an insertion there starts a line."""
    if at == len(text) and text and not text.endswith("\n"):
        return text + "\n", len(text) + 1
    return text, at


def append_record(text: str, record: dict[str, Any]) -> str:
    """`text` (a YAML list of records) with `record` added at the end, after a blank line."""
    root = _compose(text)
    column = 0
    if root is not None:
        if not isinstance(root, yaml.SequenceNode):
            raise EditError("must hold a list of records")
        if root.flow_style:
            raise EditError(
                "holds its records as a flow list ([...]); write them as a block list (- id: ...)"
            )
        column = root.start_mark.column
    text, _ = _with_newline(text, len(text))
    gap = "" if not text.strip() or text.endswith("\n\n") else "\n"
    return text + gap + _indented(_dump([record]), column)


def _find_record(root: yaml.Node | None, record_id: str) -> yaml.MappingNode:
    if isinstance(root, yaml.SequenceNode):
        for node in root.value:
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if (
                        key.value == "id"
                        and isinstance(value, yaml.ScalarNode)
                        and value.value == record_id
                    ):
                        return node
    raise EditError(f"no record with id {record_id!r}")


def append_to_list(text: str, record_id: str, field: str, item: Any) -> str:
    """`text` with `item` added to the list `field` of the record `record_id`, all else unchanged.

    A block list gets a new `- item` line after its last item, at its indentation; a flow list
    (`[a, b]`) gets `, item` before its `]`; a missing or null field is written after the
    record's last line.
    """
    record = _find_record(_compose(text), record_id)
    value = next((v for k, v in record.value if k.value == field), None)
    if isinstance(value, yaml.SequenceNode) and value.value and not value.flow_style:
        column = value.start_mark.column
        at = _after_line_of(text, _content_end(value))
        text, at = _with_newline(text, at)
        return text[:at] + _indented(_dump([item]), column) + text[at:]
    if isinstance(value, yaml.SequenceNode) and value.flow_style:
        close = text.rindex("]", value.start_mark.index, value.end_mark.index)
        inner = _dump([item], flow=True).strip()[1:-1]
        joined = (", " if value.value else "") + inner
        return text[:close] + joined + text[close:]
    if isinstance(value, yaml.SequenceNode) or (
        value is not None and value.tag != "tag:yaml.org,2002:null"
    ):
        raise EditError(f"record {record_id!r}: {field} is not a list")
    if value is not None:  # `field: null` or `field:`: replace the null by a one-item flow list
        start, end = value.start_mark.index, value.end_mark.index
        key = next(k for k, v in record.value if v is value)
        if start == end:  # an empty value has no text of its own: write after the colon
            start = end = text.index(":", key.end_mark.index) + 1
            return text[:start] + " " + _dump([item], flow=True).strip() + text[end:]
        return text[:start] + _dump([item], flow=True).strip() + text[end:]
    column = record.value[0][0].start_mark.column
    at = _after_line_of(text, _content_end(record))
    text, at = _with_newline(text, at)
    return text[:at] + _indented(_dump({field: [item]}, flow=False), column) + text[at:]
