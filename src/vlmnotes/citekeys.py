"""Citation keys that never move: made once from a pattern, stored in the record's `citekey` field, reused.

A key is given the first time a paper goes into a bibliography (BibTeX, CSL-JSON or RIS export) and written
into its record file; every later export reuses it, and the build carries it over like a hand edit. A new
paper never gets a key given before: the stored keys, and the keys given to papers since dropped (kept in
kb/citekeys.tsv, kept with the records), are taken. A user may set or change `citekey` by hand.

The pattern comes from `[tool.vlmnotes.export] citekey = "..."` in pyproject.toml or `[export]` in
.vlmnotes.toml (nearest to the notes), default `{author}{year}{shorttitle}`: radford2021clip. Its fields:

- `{author}`: the first author's family name in lower-case ASCII; a Chinese name in pinyin (王小明 → wang),
  by pypinyin, the kept library for it;
- `{year}`: the year the bibliography entry gives: a venue's year (VLMo, NeurIPS 2022 → 2022, though its
  arXiv id is of 2021), else the arXiv year;
- `{shorttitle}`: the paper's short name (CLIP, BLIP-2 → blip2), else the first word of the title that is
  not a stop word;
- `{title}`: the first word of the title that is not a stop word;
- `{arxiv}`: the arXiv id without its dot (2103.00020 → 210300020).

A field that is unknown for a paper is left out; a key that comes out empty falls back to the record id.
Two papers that would share a key get `b`, `c`, … `z`, `ba`, … after it (radford2021clipb). Text between two
fields is kept only where both sides have a value ({author}_{year} without an author: 2021).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from vlmnotes.errors import UsageError

if TYPE_CHECKING:
    from vlmnotes.vocab import Vocabulary

Record = dict[str, Any]

DEFAULT_PATTERN = "{author}{year}{shorttitle}"
FIELDS = ("author", "year", "shorttitle", "title", "arxiv")
# Characters BibTeX and biber refuse in a key (or that end it): white space and , { } ( ) " # % ' = \ ~
_BAD_KEY = re.compile(r"[\s,{}()\"#%'=\\~]")
_LITERAL = re.compile(r"[A-Za-z0-9_:.\-/]*")
_FIELD = re.compile(r"\{([^{}]*)\}")
_STOP = {"a", "an", "the", "on", "of", "for", "and", "to", "in", "with", "from", "towards", "via", "is", "are"}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Initials only: J, S., J.-P., JW. A name that ends with them is written family first (Li J, Savarese S).
INITIALS = re.compile(r"(?:[A-Z]\.?-?){1,3}")


def key_problem(key: str) -> str | None:
    """Why `key` cannot be a citation key (empty, or a character BibTeX refuses), or None when it can."""
    if not key:
        return "it is empty"
    bad = _BAD_KEY.search(key)
    if bad:
        return f"BibTeX keys cannot hold {bad[0]!r}"
    if not key.isprintable():
        return "it holds a control character"
    return None


class KeyPattern(NamedTuple):
    """A checked key pattern: literal text and `{field}` parts."""

    text: str
    parts: tuple[tuple[bool, str], ...]  # (is_field, text)

    @classmethod
    def parse(cls, text: str, where: str = "citekey") -> KeyPattern:
        """The pattern in `text`. Raises UsageError naming `where`, the bad part and the fields there are."""
        parts: list[tuple[bool, str]] = []
        start = 0
        for match in _FIELD.finditer(text):
            parts.append((False, text[start : match.start()]))
            if match[1] not in FIELDS:
                raise UsageError(
                    f"{where}: unknown field {{{match[1]}}} in the key pattern '{text}'; "
                    f"use {', '.join('{' + f + '}' for f in FIELDS)}"
                )
            parts.append((True, match[1]))
            start = match.end()
        parts.append((False, text[start:]))
        for is_field, literal in parts:
            if not is_field and not _LITERAL.fullmatch(literal):
                raise UsageError(
                    f"{where}: the key pattern '{text}' has text a BibTeX key cannot hold ({literal!r}); "
                    "keep to letters, digits and _ : . - /"
                )
        if not any(is_field for is_field, _ in parts):
            raise UsageError(f"{where}: the key pattern '{text}' has no field; every paper would get the same key")
        return cls(text, tuple((f, t) for f, t in parts if f or t))


def configured_pattern(start: Path) -> KeyPattern:
    """The key pattern configured for the notes at `start` (see the module docstring), or the default.

    Raises UsageError when the configuration is not valid TOML or the pattern is not one."""
    from vlmnotes.kb import settings

    found = settings(start, "export")
    if found is None or "citekey" not in found[1]:
        return KeyPattern.parse(DEFAULT_PATTERN)
    path, table = found
    value = table["citekey"]
    if not isinstance(value, str):
        raise UsageError(f'{path}: citekey must be a text like "{DEFAULT_PATTERN}"')
    return KeyPattern.parse(value, f"{path}: citekey")


def ascii_word(text: str) -> str:
    """Lower-case ASCII letters and digits of `text`, accents dropped (Müller → muller), Chinese in pinyin."""
    if _CJK.search(text):
        from pypinyin import lazy_pinyin

        text = "".join(lazy_pinyin(text))
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def family_name(author: str) -> str:
    """The family name of an author as written: before a comma (`Radford, Alec`), the last word (`Alec
    Radford`), or for a Chinese name its first character, the first two when the name has four (王小明 → 王,
    欧阳修文 → 欧阳)."""
    author = author.strip()
    if "," in author:
        return author.split(",")[0].strip()
    if _CJK.match(author) and " " not in author:
        return author[:2] if len(author) == 4 else author[:1]
    words = author.split()
    if len(words) > 1 and INITIALS.fullmatch(words[-1]) and not INITIALS.fullmatch(words[0]):
        return words[0]  # family first, initials after: Li J, Savarese S, Kingma Diederik P.
    return words[-1] if words else author


_MAX_NAME = 24  # letters of a name a key keeps


def _first_title_word(record: Record) -> str:
    words = [w for w in re.findall(r"[^\W_]+", record.get("title") or "") if w.lower() not in _STOP]
    return ascii_word(words[0]) if words else ""


def _field(record: Record, name: str, vocab: Vocabulary | None) -> str:
    if name == "author":
        authors = record.get("authors") or []
        return ascii_word(family_name(authors[0])) if authors else ""
    if name == "year":
        if vocab is not None:
            from vlmnotes.export import publication

            date = publication(record, vocab).date
            if date:
                return str(date[0])
        return str(record.get("year") or "")
    if name == "shorttitle":  # the whole name: SigLIP 2 is siglip2, not siglip
        return ascii_word(record.get("name") or "")[:_MAX_NAME] or _first_title_word(record)
    if name == "title":
        return _first_title_word(record)
    return (record.get("arxiv_id") or "").replace(".", "").replace("/", "")


def base_key(record: Record, pattern: KeyPattern, vocab: Vocabulary | None = None) -> str:
    """The key `pattern` makes for a record, before any suffix; the record id (made safe) when it makes none.
    With the vocabulary, `{year}` is the year the entry gives (a venue's), else the record's."""
    values = {text: _field(record, text, vocab) for is_field, text in pattern.parts if is_field}
    if not any(values.values()):
        return ascii_word(str(record.get("id") or "")) or "paper"
    # Text between two fields joins them only where there is a value on each side: {author}_{year} with no
    # author is 2021, not _2021. Text before the first field or after the last is always there.
    fields = [i for i, (is_field, _) in enumerate(pattern.parts) if is_field]
    out = []
    for i, (is_field, text) in enumerate(pattern.parts):
        if is_field:
            out.append(values[text])
        elif i < fields[0] or i > fields[-1]:
            out.append(text)
        else:
            after = next(j for j in fields if j > i)
            if values[pattern.parts[after][1]] and any(values[pattern.parts[j][1]] for j in fields if j < i):
                out.append(text)
    return "".join(out)


def new_keys(
    records: Iterable[Record], taken: set[str], pattern: KeyPattern, vocab: Vocabulary | None = None
) -> dict[str, str]:
    """Record id → a new key for each record given, none of them in `taken` (which gains them), in date order:
    the earlier paper keeps the bare key and the later one gets the suffix (radford2021clip, radford2021clipb)."""
    out: dict[str, str] = {}
    lowered = {k.lower() for k in taken}  # biber compares keys case-insensitively
    for record in sorted(records, key=lambda r: (str(r.get("date") or "9999"), str(r.get("id")))):
        base = key = base_key(record, pattern, vocab)
        n = 1
        while key.lower() in lowered:
            key = base + _suffix(n)
            n += 1
        lowered.add(key.lower())
        taken.add(key)
        out[str(record["id"])] = key
    return out


def _suffix(n: int) -> str:
    """The n-th suffix a key takes when its base is taken: b, c, …, z, then ba, bb, … (never digits, which
    would run into the year: 20222)."""
    letters = ""  # n in base 26 with a = 0: the base itself would be "a"
    while n:
        n, rest = divmod(n, 26)
        letters = "abcdefghijklmnopqrstuvwxyz"[rest] + letters
    return letters


# --- keys given before ---------------------------------------------------------------------------------------

GIVEN_FILE = "citekeys.tsv"
_GIVEN_HEADER = (
    "# Citation keys given to papers of this knowledge base, oldest first: key, tab, record id. vlmnotes never\n"
    "# gives one of them to another paper, and gives a paper that comes back its last one. Commit it with kb/.\n"
)


def given_before(kb: Path) -> list[tuple[str, str]]:
    """(key, record id) of every key given to a paper of this knowledge base, oldest first (kb/citekeys.tsv;
    empty when there is none). Lines that are not `key<TAB>id` are skipped."""
    try:
        text = (kb / GIVEN_FILE).read_text("utf-8", errors="replace")
    except OSError:
        return []
    pairs = []
    for line in text.splitlines():
        key, tab, paper_id = line.partition("\t")
        if tab and key and paper_id and not key.startswith("#"):
            pairs.append((key, paper_id))
    return pairs


def remember(kb: Path, keys: dict[str, str]) -> None:
    """Add the keys in use (record id → key) to kb/citekeys.tsv, so that no other paper is ever given them.

    Raises OSError when the file cannot be written."""
    from vlmnotes.store import atomic_write

    before = given_before(kb)
    known = set(before)
    added = [(key, paper_id) for paper_id, key in keys.items() if (key, paper_id) not in known]
    if added:
        lines = [f"{key}\t{paper_id}\n" for key, paper_id in before + added]
        atomic_write(kb / GIVEN_FILE, _GIVEN_HEADER + "".join(lines))


def clashes(records: Iterable[Record]) -> Iterator[tuple[str, str, str]]:
    """(key, id of the first record holding it, id of another) for each stored `citekey` held twice,
    compared as biber compares keys, ignoring case."""
    holders: dict[str, str] = {}
    for r in records:
        if r.get("citekey"):
            other = holders.setdefault(str(r["citekey"]).lower(), str(r["id"]))
            if other != r["id"]:
                yield str(r["citekey"]), other, str(r["id"])


class Stored(NamedTuple):
    """What storing keys did: the keys in use for the export (id → key), and one line per problem."""

    keys: dict[str, str]
    warnings: list[str]


def assign_and_store(
    kb: Path, wanted: list[Record], everything: list[Record], pattern: KeyPattern, vocab: Vocabulary | None = None
) -> Stored:
    """Keys for the `wanted` records: their stored `citekey`, else a new one that is written into the record
    file (atomically, under kb/.lock). `everything` is every record of the knowledge base: their keys are taken.

    A record whose file cannot be written still gets its key for this export, with a warning that it was not
    stored. Never raises for a write problem: the export goes on."""
    from vlmnotes.errors import VlmnotesError
    from vlmnotes.state import kb_lock, open_state

    keys = {str(r["id"]): r["citekey"] for r in wanted if r.get("citekey")}
    warnings: list[str] = []
    for key, other, paper_id in clashes(everything):
        if paper_id in keys or other in keys:
            warnings.append(
                f"citation key '{key}' is given to both '{other}' and '{paper_id}'; change one in its record file"
            )
    missing = [r for r in wanted if not r.get("citekey")]
    if not missing:
        given = {(k, i) for k, i in given_before(kb)}
        if any((k, i) not in given for i, k in keys.items()):  # a key set by hand: remember it too
            try:
                with kb_lock(kb, "export", wait=5.0):
                    remember(kb, keys)
            except (VlmnotesError, OSError):
                pass  # the keys are in the records: only a paper dropped and re-added would miss it
        return Stored(keys, warnings)
    try:
        with kb_lock(kb, "export", wait=5.0):
            con = open_state(kb)
            try:
                before = given_before(kb)
                taken = {str(r["citekey"]) for r in everything if r.get("citekey")}
                held = {t.lower() for t in taken}
                fresh: dict[str, str] = {}
                # A paper dropped and added again gets its last key back, if no one else holds it now.
                last = {paper_id: key for key, paper_id in before}
                for r in missing:
                    old = last.get(str(r["id"]))
                    if old and old.lower() not in held:
                        fresh[str(r["id"])] = old
                        held.add(old.lower())
                taken |= {key for key, _ in before}
                fresh |= new_keys([r for r in missing if str(r["id"]) not in fresh], taken, pattern, vocab)
                written = _write_keys(kb, con, fresh, warnings)
                remember(kb, {**keys, **{i: k for i, k in fresh.items() if i in written}})
                authorless = [fresh[str(r["id"])] for r in missing if str(r["id"]) in written and not r.get("authors")]
                if authorless and "author" in pattern.text:
                    shown = ", ".join(authorless[:3]) + (", …" if len(authorless) > 3 else "")
                    warnings.append(
                        f"{_count(len(authorless), 'new citation key')} without an author ({shown}), kept once"
                        " given; for author-based keys delete their `citekey` lines, enrich, and export again"
                    )
            finally:
                con.close()
    except (VlmnotesError, sqlite3.Error, OSError) as exc:
        reason = str(exc).splitlines()[0] if not isinstance(exc, OSError) else f"{kb}: {exc.strerror or exc}"
        warnings.append(f"{reason}; citation keys not stored, so they may differ next time")
        taken = {str(r["citekey"]) for r in everything if r.get("citekey")} | {k for k, _ in given_before(kb)}
        fresh = new_keys(missing, taken, pattern, vocab)
    return Stored({**keys, **fresh}, warnings)


def _count(n: int, what: str) -> str:
    return f"{n} {what}" if n == 1 else f"{n} {what}s"


def _write_keys(kb: Path, con: sqlite3.Connection, keys: dict[str, str], warnings: list[str]) -> set[str]:
    """Write each key into its record file (id → key); the ids whose files now hold their key.

    A file the build wrote and nobody touched since stays the build's own: its state row is brought up to date,
    so that a later build still replaces or deletes it as the notes say (not keeps it as a hand edit)."""
    import json

    from vlmnotes.errors import RecordError
    from vlmnotes.state import INSERT_RECORD, read_records, record_params
    from vlmnotes.store import Store, atomic_write, dump_record, parse_record, stored_form, value_hash

    store = Store(kb)
    rows = read_records(con)
    written: set[str] = set()
    for paper_id, key in keys.items():
        path = store.path_of(paper_id)
        shown = store.display(path)
        try:
            text = path.read_text("utf-8")
            paper = parse_record(text, shown)
        except (OSError, UnicodeDecodeError, RecordError) as exc:
            warnings.append(f"{shown}: citation key '{key}' not stored ({str(exc).splitlines()[0]})")
            continue
        if paper.id != paper_id or paper.citekey:
            continue  # another file, or a key set by hand meanwhile: leave it be
        new_text = dump_record(stored_form(paper.model_copy(update={"citekey": key}).to_dict()))
        try:
            atomic_write(path, new_text)
            st = path.stat()
        except OSError as exc:
            warnings.append(f"{shown}: citation key '{key}' not stored ({exc.strerror or exc})")
            continue
        written.add(paper_id)
        row = rows.get(path.name)
        if row is not None and row.file_hash == value_hash(text):
            fields = {**row.field_hashes(), "citekey": value_hash(key)}
            row = row._replace(
                mtime_ns=st.st_mtime_ns,
                size=st.st_size,
                file_hash=value_hash(new_text),
                fields=json.dumps(fields, sort_keys=True),
            )
            with con:
                con.execute(INSERT_RECORD, record_params(path.name, row))
    return written
