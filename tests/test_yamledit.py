"""Edits to curated YAML keep every byte already written: only the new text is added."""

from __future__ import annotations

import pytest
import yaml

from chrono.yamledit import EditError, append_record, append_to_list

HAND_WRITTEN = """\
# Événements, by hand (“quoted”). This comment, the blank lines and the quoting style must survive.

- id: first   # trailing comment
  date: "2021-08"
  title: 'First: a call'
  actors:
    - {id: a, role: initiator}
  citations:
    - source: s1
      quote: "Verbatim one."
      stance: reports
  notes: >-
    Folded text
    over two lines.

# --- a section comment ---

- id: second
  date: "2021-09"
  aliases: [One, Two]
  empty:
  citations:
  - source: s1
    quote: Two.
"""


def inserted(old: str, new: str) -> tuple[int, str]:
    """Where and what `new` adds to `old`, asserting everything else is unchanged byte for byte."""
    start = next((i for i, (x, y) in enumerate(zip(old, new, strict=False)) if x != y), len(old))
    added = len(new) - len(old)
    assert new[:start] == old[:start]
    assert new[start + added :] == old[start:], "bytes after the insertion changed"
    return start, new[start : start + added]


def test_append_record_keeps_every_byte_and_adds_a_valid_record():
    record = {
        "id": "third",
        "date": "2024-12-24",
        "quote": 'He said: "no" — twice',
        "actors": [{"id": "a", "role": "host"}],
    }
    new = append_record(HAND_WRITTEN, record)
    assert new.startswith(HAND_WRITTEN)
    assert yaml.safe_load(new)[-1] == record
    assert new.endswith("\n") and "\n\n- id: third\n" in new


def test_append_record_to_a_file_without_final_newline_or_empty():
    assert yaml.safe_load(append_record("- id: x", {"id": "y"})) == [{"id": "x"}, {"id": "y"}]
    assert yaml.safe_load(append_record("", {"id": "y"})) == [{"id": "y"}]
    assert yaml.safe_load(append_record("# only a comment\n", {"id": "y"})) == [{"id": "y"}]


def test_append_record_follows_an_indented_list():
    text = "  - id: x\n    name: X\n"
    assert yaml.safe_load(append_record(text, {"id": "y", "name": "Y"})) == [
        {"id": "x", "name": "X"},
        {"id": "y", "name": "Y"},
    ]


def test_append_record_refuses_a_flow_list():
    with pytest.raises(EditError, match="flow list"):
        append_record("[{id: x}]\n", {"id": "y"})


@pytest.mark.parametrize("record_id", ["first", "second"])
def test_append_to_a_block_list_edits_only_that_list(record_id):
    citation = {"source": "s2", "quote": "A new: quoted “line”.", "stance": "supports"}
    new = append_to_list(HAND_WRITTEN, record_id, "citations", citation)
    where, added = inserted(HAND_WRITTEN, new)
    records = {r["id"]: r for r in yaml.safe_load(new)}
    old_records = {r["id"]: r for r in yaml.safe_load(HAND_WRITTEN)}
    assert records[record_id]["citations"] == [*old_records[record_id]["citations"], citation]
    assert {k: v for k, v in records.items() if k != record_id} == {
        k: v for k, v in old_records.items() if k != record_id
    }
    assert added.lstrip().startswith("- source: s2")
    # inserted inside the record's own lines, right after its last citation
    assert (
        HAND_WRITTEN[:where]
        .rstrip()
        .endswith("stance: reports" if record_id == "first" else "quote: Two.")
    )


def test_append_to_a_flow_list_adds_before_its_bracket():
    new = append_to_list(HAND_WRITTEN, "second", "aliases", "Thrée")
    _, added = inserted(HAND_WRITTEN, new)
    assert added == ", Thrée"
    assert yaml.safe_load(new)[1]["aliases"] == ["One", "Two", "Thrée"]


def test_append_to_an_empty_or_missing_list():
    new = append_to_list(HAND_WRITTEN, "second", "empty", "x")
    inserted(HAND_WRITTEN, new)
    assert yaml.safe_load(new)[1]["empty"] == ["x"]
    new = append_to_list(HAND_WRITTEN, "first", "aliases", "Uno")
    _, added = inserted(HAND_WRITTEN, new)
    loaded = yaml.safe_load(new)
    assert loaded[0]["aliases"] == ["Uno"] and loaded[0]["notes"] == "Folded text over two lines."
    assert added == "  aliases:\n  - Uno\n"


def test_append_to_an_unknown_record_or_a_scalar_field_is_refused():
    with pytest.raises(EditError, match="no record with id 'nope'"):
        append_to_list(HAND_WRITTEN, "nope", "citations", {})
    with pytest.raises(EditError, match="title is not a list"):
        append_to_list(HAND_WRITTEN, "first", "title", "x")
