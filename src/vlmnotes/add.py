"""`vlmnotes add`: append an entry for an arXiv paper to a note file, in that file's own style.

Also the one way a note is rewritten (here and by `vlmnotes lint --fix`): write_note.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import stat
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vlmnotes.errors import UsageError, VlmnotesError

INBOX = "inbox.md"
_NUMERALS = "零一二三四五六七八九十"


class AlreadyThere(VlmnotesError):
    """The paper is in the knowledge base already."""


@dataclass
class Added:
    """Where the new entry went and what it says."""

    path: Path
    line: int
    text: str
    style: str


def write_note(path: Path, data: bytes) -> None:
    """Replace a note's bytes atomically (a temporary file beside it, flushed to disk, then renamed over it),
    keeping what the file is: its permission bits, its owner and group where allowed, and a symlink stays a
    link (its target is rewritten). A new note gets the umask's mode."""
    target = Path(os.path.realpath(path))
    try:
        was: os.stat_result | None = target.stat()
    except FileNotFoundError:
        was = None
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            if was is None:
                umask = os.umask(0)
                os.umask(umask)
                os.fchmod(fd, 0o666 & ~umask)
            else:
                with contextlib.suppress(PermissionError):  # only root may give a file away
                    os.fchown(fd, was.st_uid, was.st_gid)
                os.fchmod(fd, stat.S_IMODE(was.st_mode))
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def parse_ident(ident: str) -> str:
    """An arXiv id from an id or any arXiv URL; UsageError for anything else."""
    from vlmnotes.parse.fields import arxiv_id_from_url, valid_arxiv_id

    ident = ident.strip()
    found = arxiv_id_from_url(ident)
    if found is None and re.fullmatch(r"(?:\d{4}\.\d{4,5}|[a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?", ident):
        found = re.sub(r"v\d+$", "", ident)
    if not found or not valid_arxiv_id(found):
        raise UsageError(f"'{ident}' is not an arXiv id or URL (e.g. 2103.00020 or https://arxiv.org/abs/2103.00020)")
    return found


def file_style(text: str, name: str) -> tuple[str, int]:
    """The style most entries in a note use ('dated-bullet' for an empty file), and how many entries it has."""
    from vlmnotes.parse import parse_text
    from vlmnotes.vocab import load_vocabulary

    cands = [c for c in parse_text(text, name, load_vocabulary()) if not c.passing]
    styles = Counter(c.style for c in cands)
    return (styles.most_common(1)[0][0] if styles else "dated-bullet"), len(cands)


def _name(meta: dict[str, Any], arxiv_id: str) -> str:
    from vlmnotes.parse.fields import name_from_title

    return name_from_title(meta.get("title") or "") or arxiv_id


def render_entry(style: str, meta: dict[str, Any], arxiv_id: str, count: int) -> str:
    """The Markdown of a new entry in a note style."""
    url = f"https://arxiv.org/abs/{arxiv_id}"
    title = meta.get("title") or f"arXiv:{arxiv_id}"
    name = _name(meta, arxiv_id)
    published = meta.get("published")
    if style == "checklist":
        return f"- [ ] [{title}]({url})\n"
    if style == "bracket-list":
        return f"- [[{name}]({url})] {title}.\n"
    if style == "review-card":
        authors = "、".join(meta.get("authors") or [])
        lines = [f"### {count + 1}. [{title}]({url})", "", f"- **{name}**", ""]
        if authors:
            lines += [f"- **作者: {authors}**", ""]
        if published:
            lines += [f"- **终版提交: {published[:4]}.{published[5:7]}**", ""]
        return "\n".join(lines)
    if style == "essay":
        number = count + 1
        numeral = _NUMERALS[number] if number <= 10 else str(number)
        return f"# 第{numeral}篇：{title}\n1. 论文链接 {url}\n"
    if published:
        day = dt.date.fromisoformat(published)
        return f"- {day.strftime('%a')}, {day.day} {day.strftime('%b %Y')} [{title}]({url})\n"
    from vlmnotes.parse.fields import date_from_arxiv_id

    yymm = date_from_arxiv_id(arxiv_id) or ""
    return f"- [{yymm.replace('-', '.')}] [{title}]({url})\n"


def insert_entry(text: str, entry: str, tag: str | None, style: str) -> tuple[str, int]:
    """Text with the entry appended (under a `## tag` heading, made if missing), and the entry's first line."""
    lines = text.split("\n") if text else []
    while lines and not lines[-1].strip():
        lines.pop()
    block = entry.rstrip("\n").split("\n")
    gap = [""] if style in ("review-card", "essay") or (lines and not lines[-1].lstrip().startswith(("-", "*"))) else []
    if tag:
        heading = next((i for i, raw in enumerate(lines) if re.fullmatch(rf"#+\s+{re.escape(tag)}\s*", raw)), None)
        if heading is None:
            lines += ["", f"## {tag}", ""] if lines else [f"## {tag}", ""]
            at = len(lines)
            lines += block
        else:
            level = len(lines[heading]) - len(lines[heading].lstrip("#"))
            end = next(
                (i for i in range(heading + 1, len(lines)) if re.match(rf"#{{1,{level}}}\s", lines[i])), len(lines)
            )
            while end > heading + 1 and not lines[end - 1].strip():
                end -= 1
            lines[end:end] = gap + block if style in ("review-card", "essay") else block
            at = end + (len(gap) if style in ("review-card", "essay") else 0)
    else:
        lines += gap
        at = len(lines)
        lines += block
    return "\n".join(lines) + "\n", at + 1


def add_paper(
    config: Any, ident: str, *, note: Path | None, tag: str | None, offline: bool, polite: Any = None
) -> Added:
    """Look a paper up on arXiv (or, offline, take the id alone) and append an entry for it to a note."""
    from vlmnotes.enrich import EnrichError, Politeness, _client, fetch_batch, load_fetched, save_fetched
    from vlmnotes.index import Index
    from vlmnotes.parse import NoteText, read_note_text

    arxiv_id = parse_ident(ident)
    index = Index(config.kb)
    try:
        row = index.open().execute("SELECT record FROM papers WHERE arxiv_id = ?", (arxiv_id,)).fetchone()
    finally:
        index.close()
    if row is not None:
        import json

        record = json.loads(row[0])
        where = ", ".join(f"{s['file']}:{s['line']}" for s in record.get("sources", [])[:3])
        label = record.get("name") or record.get("title") or record["id"]
        raise AlreadyThere(f"arXiv {arxiv_id} is already in the knowledge base as '{label}' ({where})")
    fetched = load_fetched(config.kb)
    meta: dict[str, Any] = fetched.get(arxiv_id, {}) if fetched.get(arxiv_id, {}).get("status") == "found" else {}
    if not meta and not offline:
        polite = polite or Politeness()
        client, session = _client(polite)
        result = fetch_batch([arxiv_id], client, session, polite)
        if result.doubt and arxiv_id in result.missing:
            raise EnrichError(result.doubt, "nothing added; retry later, or add it with --offline")
        if arxiv_id in result.missing:
            raise EnrichError(f"arXiv has no paper {arxiv_id}; check the id (or add it with --offline)")
        meta = result.found[arxiv_id]
        fetched[arxiv_id] = meta  # only the paper asked for: an answer's other entries are not stored
        save_fetched(config.kb, fetched)
    folder = next((p for p in config.notes if p.is_dir()), None)
    path = note or ((folder / INBOX) if folder else None)
    if path is None:
        raise UsageError("give the note to add to with --note FILE")
    current = read_note_text(path, str(path)) if path.exists() else NoteText("# Inbox\n", "utf-8", "\n")
    text = current.text
    style, count = file_style(text, path.name)
    if style == "review-card":  # number after the last numbered card heading, recognised or not
        numbers = [int(m[1]) for m in re.finditer(r"^#{1,6}\s*(\d+)\s*[.、)]", text, re.M)]
        count = max(numbers, default=count)
    entry = render_entry(style, meta, arxiv_id, count)
    new_text, line = insert_entry(text, entry, tag, style)
    try:
        write_note(path, current.encode(new_text))
    except OSError as exc:
        raise VlmnotesError(f"{path}: cannot write ({exc.strerror})") from exc
    return Added(path, line, entry, style)
