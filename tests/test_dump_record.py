"""Record files are written byte for byte as PyYAML's pure-Python SafeDumper writes them, though dump_record
makes the YAML nodes itself and uses libyaml's C emitter where PyYAML has it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO
from vlmnotes.store import _DUMP_OPTIONS, _RecordDumper, _str_presenter, dump_record, parse_record, stored_form


class _PureDumper(yaml.SafeDumper):
    """The record dumper as it would be without libyaml."""


_PureDumper.add_representer(str, _str_presenter)  # type: ignore[arg-type]


def pure(data: Any) -> str:
    return str(yaml.dump(data, Dumper=_PureDumper, **_DUMP_OPTIONS))


BUNDLED = sorted((REPO / "kb" / "papers").glob("*.yaml"))


def test_the_bundled_records_are_there() -> None:
    assert len(BUNDLED) > 20


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.name)
def test_a_bundled_record_is_written_as_the_pure_dumper_writes_it(path: Path) -> None:
    text = path.read_text("utf-8")
    data = stored_form(parse_record(text, path.name).to_dict())

    assert dump_record(data) == pure(data) == text


SHAPES: list[Any] = [
    {"id": "2103.00020", "name": "CLIP", "year": 2021, "citations": 0, "flag": True, "off": False, "none": None},
    {"text": "line one  \nline two\t\n\n  indented\n", "tail": "ends in a newline\n", "lone": "\n"},
    {"empty": [], "nested": {}, "deep": [{"a": [1, [2, []]]}, {"b": {"c": None}}]},
    {"looks": ["yes", "no", "on", "null", "~", "true", "2021-02-26", "1e3", "0x1F", "1_000", ".inf", "3.14"]},
    {"quotes": ["it's", 'say "hi"', "a: b", "# not a comment", "- dash", "[x]", "{y}", "*star", "&amp", "!tag"]},
    {"space": [" leading", "trailing ", "", " ", "tab\there", "%percent", "@at", "`tick`", "|pipe", ">gt"]},
    {"unicode": ["对比学习", "ＣＬＩＰ", "é", "\u3000", "\ue000", "zero\u200bwidth", "nbsp\u00a0x"]},
    {"long": "word " * 5000, "key with spaces": 1, "中文键": "值"},
    {"float": 1.5, "big": 10**30, "neg": -3, "exp": 1e-300},
]


@pytest.mark.parametrize("data", SHAPES, ids=range(len(SHAPES)))
def test_any_shape_of_plain_data_is_written_as_the_pure_dumper_writes_it(data: Any) -> None:
    assert dump_record(data) == pure(data)


# Where libyaml's emitter writes the same data otherwise than the pure one (the same YAML either way): a
# character beyond the Basic Multilingual Plane is escaped ("\U0001F642"), an empty key is not made explicit.
LIBYAML_OWN: list[Any] = [{"emoji": "a paper 🙂"}, {"": "empty key"}]


@pytest.mark.parametrize("data", SHAPES + LIBYAML_OWN, ids=range(len(SHAPES) + len(LIBYAML_OWN)))
def test_any_shape_of_plain_data_is_written_as_yaml_dump_writes_it(data: Any) -> None:
    assert dump_record(data) == yaml.dump(data, Dumper=_RecordDumper, **_DUMP_OPTIONS)


def test_a_list_met_twice_is_written_as_pyyaml_writes_it() -> None:
    shared = ["OpenAI"]
    data = {"orgs": shared, "again": shared}

    assert dump_record(data) == pure(data)
    assert "&id001" in dump_record(data)


@pytest.mark.parametrize(
    "value", [None, "CLIP", "对比学习", ["b", "a"], {"llm": ["Qwen"], "a": None}, 2021, 1.5, True, []]
)
def test_value_hashes_are_the_ones_earlier_builds_stored(value: Any) -> None:
    # The build state keeps these hashes to tell hand edits: a different hash would pin every field.
    import hashlib
    import json

    from vlmnotes.store import value_hash

    text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    assert value_hash(value) == hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]
