"""The YAML store: one file per paper under kb/papers/, deterministic, written atomically, hand edits kept.

How hand edits survive: the build remembers, in its state database (vlmnotes.state), a hash of every value
it wrote.
When a record file's value no longer matches that hash, the user changed it: the field's name goes into
the record's `pinned` list and later builds keep the file's value. Remove a name from `pinned` (or
delete the record file) to hand the field back to the notes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import ValidationError

from vlmnotes.errors import RecordError
from vlmnotes.model import Paper

try:  # the libyaml C loader and dumper are several times faster where installed
    from yaml import CSafeDumper as _Dumper
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeDumper as _Dumper  # type: ignore[assignment]
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

PAPERS_DIR = "papers"
# Fields a build always owns; the rest may be pinned by a hand edit.
UNPINNABLE = ("id", "sources", "pinned", "conflicts")
# Fields no note gives, kept from the record file as they are by every build (and never listed in `pinned`).
CARRIED = ("citekey",)


class _RecordLoader(_Loader):
    """The safe loader, except that a date stays the text it is: `date: 2021-02-26` is that date as written,
    and `date: 2023-02-30` is text the record check names, not a constructor error."""


_RecordLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
}


class _RecordDumper(_Dumper):
    """Block style for multi-line text, Chinese kept as Chinese."""

    # The emitter asks for each value's implicit tag twice, and the resolver tries a handful of patterns each
    # time: the keys and the values that recur from record to record (organisations, venues, years) are
    # answered from this table, the first few thousand short ones met.
    _resolved: ClassVar[dict[tuple[Any, str, Any], Any]] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if not isinstance(value, str):  # a list or a mapping: asked once each
            return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        key = (kind, value, implicit)
        tag = self._resolved.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
            if len(self._resolved) < 4096 and len(value) <= 40:
                self._resolved[key] = tag
        return tag


def _str_presenter(dumper: _RecordDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", _line_ends_stripped(data), style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


def _line_ends_stripped(text: str) -> str:
    # Block literals cannot carry trailing spaces on a line safely (editors strip them): the record holds none.
    return "\n".join(line.rstrip() for line in text.split("\n"))


def stored_form(data: Any) -> Any:
    """Record data as a record file holds it once read back: multi-line text without spaces at line ends.

    The build hashes this form, so that a value it wrote never reads back as a hand edit."""
    if isinstance(data, str):
        return _line_ends_stripped(data) if "\n" in data else data
    if isinstance(data, dict):
        return {k: stored_form(v) for k, v in data.items()}
    if isinstance(data, list):
        return [stored_form(v) for v in data]
    return data


_RecordDumper.add_representer(str, _str_presenter)


_DUMP_OPTIONS: dict[str, Any] = {
    "allow_unicode": True,
    "sort_keys": False,
    "width": 100000,
    "default_flow_style": False,
}
_STR, _NULL, _BOOL, _INT = (f"tag:yaml.org,2002:{t}" for t in ("str", "null", "bool", "int"))
_SEQ, _MAP = "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"


class _Unusual(Exception):
    """Data _node leaves to PyYAML's own representer: a float, another type, a list or dict met twice."""


def dump_record(data: dict[str, Any]) -> str:
    """A record as YAML text: keys in schema order, block text, unicode as is, no line folding.

    The YAML nodes are made by _node rather than by PyYAML's representer, which took two thirds of the time
    of writing a record, and written by libyaml's C emitter where PyYAML has it; the text is byte for byte what
    yaml.dump gives, with either dumper (tests/test_dump_record.py)."""
    stream = io.StringIO()
    dumper = _RecordDumper(stream, **_DUMP_OPTIONS)
    try:
        try:
            node = _node(data, set())
        except _Unusual:
            return str(yaml.dump(data, Dumper=_RecordDumper, **_DUMP_OPTIONS))
        dumper.open()
        dumper.serialize(node)
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue()


def _node(data: Any, seen: set[int]) -> yaml.Node:
    """The node SafeRepresenter (with _str_presenter, block style) makes of record data of plain JSON types."""
    kind = type(data)
    if kind is str:
        if "\n" in data:
            return yaml.ScalarNode(_STR, _line_ends_stripped(data), style="|")
        return yaml.ScalarNode(_STR, data)
    if data is None:
        return yaml.ScalarNode(_NULL, "null")
    if kind is bool:
        return yaml.ScalarNode(_BOOL, "true" if data else "false")
    if kind is int:
        return yaml.ScalarNode(_INT, str(data))
    if (kind is not list and kind is not dict) or id(data) in seen:
        raise _Unusual  # PyYAML writes a list or dict met twice as an anchor and an alias
    seen.add(id(data))
    if kind is list:
        return yaml.SequenceNode(_SEQ, [_node(item, seen) for item in data], flow_style=False)
    return yaml.MappingNode(_MAP, [(_node(k, seen), _node(v, seen)) for k, v in data.items()], flow_style=False)


# File names stay well under the 255 bytes most file systems allow, whatever the id.
MAX_NAME_BYTES = 120


def record_filename(paper_id: str) -> str:
    """The file name of a record: its id with '/' (old-style arXiv ids) and other characters file systems refuse
    turned into '_'; an id longer than MAX_NAME_BYTES in UTF-8 is cut at a character boundary and given a short
    hash of the whole id, so that two long ids never share a file."""
    stem = _UNSAFE.sub("_", paper_id).lstrip(".") or "_"
    if len(stem.encode("utf-8")) > MAX_NAME_BYTES:
        digest = hashlib.sha1(paper_id.encode("utf-8", "surrogatepass")).hexdigest()[:10]
        cut = stem.encode("utf-8")[: MAX_NAME_BYTES - 11].decode("utf-8", "ignore")
        stem = f"{cut}-{digest}"
    return stem + ".yaml"


_UNSAFE = re.compile(r'[/\\\x00-\x1f<>:"|?*]')


# json.dumps(value, ensure_ascii=False, sort_keys=True, default=str), without making an encoder per call (a
# build hashes every field of every record it writes: 280,000 values at 10k papers).
_HASH_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)


def value_hash(value: Any) -> str:
    """A short stable hash of a field value, for noticing hand edits."""
    text = _HASH_JSON.encode(value)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def atomic_write(path: Path, text: str) -> None:
    """Write text (UTF-8, LF) to path through a temporary file and a rename: a crash leaves old or new, never half."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write bytes to path through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp makes 0600 files; a record is an ordinary file (0644 under the usual umask).
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _line_of_key(text: str, key: str) -> int:
    for i, line in enumerate(text.split("\n"), 1):
        if line.startswith(f"{key}:"):
            return i
    return 1


def _validation_message(exc: ValidationError, text: str, name: str) -> str:
    err = exc.errors()[0]
    loc = [str(p) for p in err["loc"]]
    top = loc[0] if loc else ""
    line = _line_of_key(text, top) if top else 1
    if err["type"] == "extra_forbidden":
        from difflib import get_close_matches

        close = get_close_matches(top, list(Paper.model_fields), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"{name}:{line}: unknown field '{'.'.join(loc)}'{hint}"
    return f"{name}:{line}: {'.'.join(loc)}: {err['msg']}"


def parse_record(text: str, name: str) -> Paper:
    """A Paper from record YAML; RecordError names the file, line and problem."""
    try:
        data = yaml.load(text, Loader=_RecordLoader)
    except (ValueError, RecursionError) as exc:  # a value the constructor cannot make (an int too long)
        raise RecordError(f"{name}:1: not valid YAML: {exc}; fix the file or delete it to rebuild") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        raise RecordError(f"{name}:{line}: not valid YAML: {problem}; fix the file or delete it to rebuild") from exc
    if not isinstance(data, dict):
        raise RecordError(f"{name}:1: a record must be a mapping of fields; fix the file or delete it to rebuild")
    twice = duplicate_key(text)
    if twice is not None:
        line, key, first = twice
        raise RecordError(f"{name}:{line}: '{key}' is given twice (first on line {first}); keep one of them")
    if any(not isinstance(data.get(key), (str, type(None))) for key in _TEXT_FIELDS):
        data.update(_as_written(text, data))
    if isinstance(data.get("arxiv_id"), str):
        from vlmnotes.parse.fields import normalise_arxiv_id

        data["arxiv_id"] = normalise_arxiv_id(data["arxiv_id"]) or data["arxiv_id"]
    try:
        paper = Paper.model_validate(data)
    except ValidationError as exc:
        raise RecordError(_validation_message(exc, text, name)) from exc
    if paper.citekey is not None:
        from vlmnotes.citekeys import key_problem

        problem = key_problem(paper.citekey)
        if problem:
            raise RecordError(
                f"{name}:{_line_of_key(text, 'citekey')}: citekey: '{paper.citekey}' cannot be a citation key"
                f" ({problem}); write one like radford2021clip"
            )
    for key in ("date", "published", "updated"):
        value = getattr(paper, key)
        if value is not None and not _valid_date(value):
            raise RecordError(
                f"{name}:{_line_of_key(text, key)}: {key}: '{value}' is not a date; write YYYY-MM-DD, YYYY-MM or YYYY"
            )
    return paper


def _valid_date(text: str) -> bool:
    """True for an ISO 8601 date at year, month or day precision that exists (not 2023-13, not 2023-02-30)."""
    import datetime as dt

    parts = text.split("-")
    if not (1 <= len(parts) <= 3 and len(parts[0]) == 4 and all(p.isascii() and p.isdigit() for p in parts)):
        return False
    if any(len(p) != 2 for p in parts[1:]):
        return False
    try:
        dt.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


_KEY = re.compile(r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s#'"{\[\-][^:]*?|-[^\s:][^:]*?))\s*:(?:\s|$)""")
_BLOCK = re.compile(r":\s*[|>][-+0-9]*\s*(?:#.*)?$")


def duplicate_key(text: str) -> tuple[int, str, int] | None:
    """The first mapping key given twice in a record's YAML, as (line, key, line of the first), or None.

    YAML loaders keep the last of two equal keys without a word; a hand edit that adds `name:` above the old
    one would silently lose a value. Reads block-style YAML line by line (records are written that way)."""
    seen: dict[int, dict[str, int]] = {}  # indent → key → line, for the mappings open at each indent
    block = -1  # indent of the key whose block scalar is being read, or -1
    for number, line in enumerate(text.split("\n"), 1):
        body = line.lstrip(" ")
        indent = len(line) - len(body)
        if block >= 0:
            if not body or indent > block:
                continue
            block = -1
        if not body or body.startswith("#"):
            continue
        for level in [k for k in seen if k > indent]:
            del seen[level]
        while body.startswith("- "):  # a list item: its mapping starts afresh two columns in
            indent += 2
            body = body[2:].lstrip(" ")
            seen.pop(indent, None)
        match = _KEY.match(body)
        if not match:
            continue
        key = next(g for g in match.groups() if g is not None)
        keys = seen.setdefault(indent, {})
        if key in keys:
            return number, key, keys[key]
        keys[key] = number
        if _BLOCK.search(body):
            block = indent
    return None


# Fields that are text however they look: an unquoted `arxiv_id: 2103.00020` is that id, not the float 2103.0002,
# and `date: 2021-03` stays a month.
_TEXT_FIELDS = ("id", "arxiv_id", "date", "published", "updated", "doi", "name", "title", "venue", "citekey")


def _as_written(text: str, data: dict[str, Any]) -> dict[str, str]:
    """The text fields of a hand-edited record as written in the file, where YAML made numbers or dates of them."""
    node = yaml.compose(text, Loader=_RecordLoader)
    out: dict[str, str] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if (
                key.value in _TEXT_FIELDS
                and isinstance(value, yaml.ScalarNode)
                and not isinstance(data.get(key.value), (str, type(None)))
            ):
                out[key.value] = str(value.value)
    return out


@dataclass
class LoadResult:
    """Records read from a store, and the one-line errors of the files that could not be read."""

    papers: list[Paper] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)  # id → file text, for change detection


class Store:
    """kb/: record files under papers/, plus the build's memory of what it wrote."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.papers_dir = root / PAPERS_DIR

    def display(self, path: Path) -> str:
        """A path as shown to the user: relative to the working directory when possible."""
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    def files(self) -> Iterator[Path]:
        """Every record file, sorted."""
        try:
            names = sorted(e.name for e in os.scandir(self.papers_dir) if e.name.endswith(".yaml") and e.is_file())
        except OSError:
            return
        for name in names:
            yield self.papers_dir / name

    def load(self) -> LoadResult:
        """Every record that loads; a broken file is reported and skipped, the others still load."""
        result = LoadResult()
        for path in self.files():
            name = self.display(path)
            try:
                text = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                result.errors.append(f"{name}: cannot read ({exc.__class__.__name__}); delete it to rebuild")
                continue
            try:
                paper = parse_record(text, name)
            except RecordError as exc:
                result.errors.append(str(exc))
                result.texts[path.stem] = text
                continue
            result.papers.append(paper)
            result.texts[paper.id] = text
        return result

    def path_of(self, paper_id: str) -> Path:
        """The record file of an id."""
        return self.papers_dir / record_filename(paper_id)
