"""Papers the notes give no arXiv id, looked up on arXiv by title (`vlmnotes enrich --resolve`).

Each search's outcome is kept in kb/resolved.json (linked, ambiguous or no match, with the answers that decided
it), so a paper is searched once; the build gives a linked paper its id, marked `arxiv-search` in provenance,
unless the notes give one. The search goes through the same door as enrichment (vlmnotes.enrich), with its
timeouts, retries, Retry-After and politeness delay.

    judge(...)            which answers of a search are the paper (pure)
    resolve(...)          search the selected papers and store what was found
    search_link(...)      the id a build gives a group of entries, from the stored searches
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from vlmnotes.enrich import (
    EnrichError,
    Politeness,
    _client,
    load_fetched,
    save_fetched,
    search_titles,
)

if TYPE_CHECKING:
    pass


# --- resolving papers the notes give no id, by title search -------------------------------------------------

RESOLVED_FILE = "resolved.json"
SEARCHED = "arxiv-search"  # the provenance of an arXiv id a title search found
CLOSE = 0.9  # how alike two normalised titles must be to count as one
NOT_WRITTEN = "nothing written; retry later, or use --offline to see the searches stored before"


def title_key(text: str) -> str:
    """A title (or name) for comparison: NFKC, casefolded, punctuation and spaces removed."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class Match:
    """One answer of a title search and how well it matches: 1.0 is the same title."""

    arxiv_id: str
    title: str
    score: float

    def shown(self) -> str:
        return f'{self.arxiv_id} "{self.title}"'


@dataclass(frozen=True)
class Resolution:
    """What a title search found for a paper with no arXiv id: `linked` to one id, `ambiguous` (several ids
    match) or `no-match`, with the answers that decided it (for no-match, the closest one, if any)."""

    by: Literal["title", "name"]
    text: str
    status: Literal["linked", "ambiguous", "no-match"]
    matches: tuple[Match, ...] = ()

    @property
    def key(self) -> str:
        """What the build finds it by: `title:` or `name:` and the normalised text."""
        return f"{self.by}:{title_key(self.text)}"

    @property
    def arxiv_id(self) -> str | None:
        """The id it links, if it links one."""
        return self.matches[0].arxiv_id if self.status == "linked" else None

    def why(self) -> str:
        """What it links and why: `-> 2301.12597 "BLIP-2: …" (title match 1.00)`, or why not."""
        if self.status == "linked":
            best = self.matches[0]
            reason = f"title match {_two(best.score)}" if self.by == "title" else f'title starts with "{self.text}:"'
            return f"-> {best.shown()} ({reason})"
        if self.status == "ambiguous":
            both = ", ".join(f"{m.shown()} ({_two(m.score)})" for m in self.matches)
            return f"ambiguous: {both}; put the right arXiv link in the notes"
        if self.matches:
            return f"no match (best: {self.matches[0].shown()}, {_two(self.matches[0].score)})"
        return "no match (arXiv found nothing)"

    def to_dict(self) -> dict[str, Any]:
        matches = [{"arxiv_id": m.arxiv_id, "title": m.title, "score": round(m.score, 4)} for m in self.matches]
        return {"by": self.by, "text": self.text, "status": self.status, "matches": matches}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Resolution:
        if data["by"] not in ("title", "name") or data["status"] not in ("linked", "ambiguous", "no-match"):
            raise ValueError(f"unknown by/status {data['by']!r}/{data['status']!r}")
        matches = tuple(Match(str(m["arxiv_id"]), str(m["title"]), float(m["score"])) for m in data["matches"])
        return cls(data["by"], str(data["text"]), data["status"], matches)


def _two(score: float) -> str:
    """A score with two decimals, rounded down, so that 0.899 never shows as the accepted 0.90."""
    return f"{int(score * 100) / 100:.2f}"


def judge(by: Literal["title", "name"], text: str, answers: list[tuple[str, str]]) -> Resolution:
    """Which of a search's answers (arXiv id, title) are the paper (pure): by title, a normalised title equal
    or at least 0.9 alike; by name, a title that starts with `Name:`. Two ids that match are ambiguous."""
    from difflib import SequenceMatcher

    want = title_key(text)
    scored: dict[str, tuple[bool, Match]] = {}
    for arxiv_id, title in answers:
        head, colon, _ = title.partition(":")
        have = title_key(title if by == "title" else head)
        score = 1.0 if have == want else SequenceMatcher(None, want, have).ratio()
        ok = score >= CLOSE if by == "title" else bool(colon) and have == want
        if arxiv_id not in scored or score > scored[arxiv_id][1].score:
            scored[arxiv_id] = (ok, Match(arxiv_id, title, score))
    ranked = sorted(scored.values(), key=lambda s: (not s[0], -s[1].score, s[1].arxiv_id))
    matched = tuple(m for ok, m in ranked if ok)
    if len(matched) == 1:
        return Resolution(by, text, "linked", matched)
    if matched:
        return Resolution(by, text, "ambiguous", matched)
    return Resolution(by, text, "no-match", tuple(m for _, m in ranked[:1]))


def load_resolved(kb: Path) -> dict[str, Resolution]:
    """The title searches done before, by key, from kb/resolved.json (empty when there is none)."""
    path = kb / RESOLVED_FILE
    try:
        text = path.read_text("utf-8")
    except OSError:
        return {}
    try:
        found = [Resolution.from_dict(item) for item in json.loads(text)]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EnrichError(f"{path}: not a list of title searches ({exc}); fix it or delete it") from exc
    return {r.key: r for r in found}


def save_resolved(kb: Path, resolved: dict[str, Resolution]) -> None:
    """Write kb/resolved.json atomically, sorted by key (stable git diffs)."""
    from vlmnotes.store import atomic_write

    items = [resolved[k].to_dict() for k in sorted(resolved)]
    atomic_write(kb / RESOLVED_FILE, json.dumps(items, ensure_ascii=False, indent=2) + "\n")


def search_link(members: list[Any], resolved: dict[str, Resolution], taken: set[str]) -> str | None:
    """The arXiv id a title search linked to a group of note entries that give none (found by one of their
    titles, else one of their names), unless the notes give that id to another paper (used by the build)."""
    if not resolved:
        return None
    keys = [f"title:{title_key(c.title)}" for c in members if c.title]
    keys += [f"name:{title_key(c.name)}" for c in members if c.name]
    for key in keys:
        found = resolved.get(key)
        if found is not None and found.arxiv_id:
            return found.arxiv_id if found.arxiv_id not in taken else None
    return None


def link_searched(paper: Any, arxiv_id: str) -> None:
    """Give a record the arXiv id its title search found (its id too), marked as found by search."""
    paper.arxiv_id = paper.id = arxiv_id
    paper.provenance["arxiv_id"] = SEARCHED


@dataclass(frozen=True)
class Subject:
    """A record to resolve: its file, how it is named, what a search goes by, and the id it has, if any."""

    file: str
    label: str
    by: Literal["title", "name"] | None  # None: no title, and no name long enough to search for
    text: str
    arxiv_id: str | None = None
    searched: bool = False  # its arXiv id came from a title search, not from the notes

    @property
    def key(self) -> str:
        return f"{self.by}:{title_key(self.text)}"

    @property
    def wanted(self) -> bool:
        """True when a search may look for it: something to search by, and no id from the notes."""
        return self.by is not None and (not self.arxiv_id or self.searched)


def _subject(kb: Path, record: dict[str, Any]) -> Subject:
    from vlmnotes.store import Store

    store = Store(kb)
    provenance = record.get("provenance") or {}
    name = record.get("name")
    title = record.get("title") if provenance.get("title") != "arxiv" else None  # arXiv's is no evidence
    title = title if title_key(title or "") else None
    by: Literal["title", "name"] | None = "title" if title else "name" if len(title_key(name or "")) >= 4 else None
    return Subject(
        file=store.display(store.path_of(record["id"])),
        label=name or title or record["id"],
        by=by,
        text=(title if by == "title" else name) or "",
        arxiv_id=record.get("arxiv_id"),
        searched=provenance.get("arxiv_id") == SEARCHED,
    )


def resolve_targets(kb: Path, names: list[str], everything: bool) -> list[Subject]:
    """The records to resolve: with `everything`, each with no arXiv id from the notes that has a title or
    a name to search by; else the papers named (those with an id are reported, never searched)."""
    from vlmnotes.errors import UsageError
    from vlmnotes.index import Index, lookup

    if everything:
        index = Index(kb)
        try:
            rows = index.open().execute("SELECT record FROM papers ORDER BY id").fetchall()
        finally:
            index.close()
        subjects = [_subject(kb, json.loads(record)) for (record,) in rows]
        return [s for s in subjects if s.wanted]
    if not names:
        raise UsageError("name the papers to resolve (BLIP-2) or pass --all")
    return [_subject(kb, lookup(kb, name)) for name in names]


def _noted_ids(kb: Path) -> dict[str, str]:
    """arXiv id → the record file of each id the notes give (not one a search found)."""
    from vlmnotes.index import Index

    index = Index(kb)
    try:
        rows = index.open().execute("SELECT record FROM papers WHERE arxiv_id IS NOT NULL").fetchall()
    finally:
        index.close()
    out = {}
    for (text,) in rows:
        subject = _subject(kb, json.loads(text))
        if subject.arxiv_id and not subject.searched:
            out[subject.arxiv_id] = subject.file
    return out


@dataclass(frozen=True)
class Outcome:
    """What resolving one record came to: a search's answer (new or stored), or why there was none."""

    subject: Subject
    resolution: Resolution | None = None
    taken_by: str | None = None  # the record whose notes give the id found
    kept: str = ""  # why a search that found nothing this time left the stored answer as it was

    @property
    def kind(self) -> str:
        """linked, ambiguous, no-match or not-searched."""
        if self.resolution is None:
            return "not-searched"
        return "ambiguous" if self.taken_by else self.resolution.status

    def line(self) -> str:
        """One line: what it would link and why."""
        s, found = self.subject, self.resolution
        if found is not None and self.taken_by:
            best = found.matches[0]
            why = f"ambiguous: {best.shown()} ({_two(best.score)}) is the id of {self.taken_by}; merge the two"
        elif found is not None:
            why = found.why()
        elif s.arxiv_id:
            why = f"has {s.arxiv_id} from the notes; not searched"
        elif s.by is None:
            why = "has no title, and no name of 4 characters or more to search for; not searched"
        else:
            why = "not searched yet (offline)"
        return f"{s.file}: {s.label} {why}" + (f"; {self.kept}" if self.kept else "")


@dataclass
class ResolveReport:
    """What a resolve run found, record by record, and how many searches it made."""

    outcomes: list[Outcome] = field(default_factory=list)
    searched: int = 0
    stored: int = 0
    changed: bool = False  # kb/resolved.json now links something it did not
    dry_run: bool = False
    where: str = RESOLVED_FILE

    def summary(self) -> str:
        """`linked 1, ambiguous 0, no match 2, not searched 0; 3 searched now, 0 from kb/resolved.json`."""
        kinds = [o.kind for o in self.outcomes]
        return (
            f"{'would link' if self.dry_run else 'linked'} {kinds.count('linked')}, "
            f"ambiguous {kinds.count('ambiguous')}, no match {kinds.count('no-match')}, "
            f"not searched {kinds.count('not-searched')}; {self.searched} searched now, {self.stored} from "
            f"{self.where}{'; nothing written' if self.dry_run else ''}"
        )


def resolve(
    kb: Path,
    subjects: list[Subject],
    *,
    refresh: bool = False,
    offline: bool = False,
    dry_run: bool = False,
    polite: Politeness | None = None,
    progress: Callable[[int, int], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ResolveReport:
    """Search arXiv by title for the subjects with no id from the notes (a stored search is reused unless
    refresh; offline uses only stored ones), then store what was found: the searches in kb/resolved.json,
    a linked paper's metadata in kb/arxiv.jsonl unless it holds that paper already (a search answer never
    overwrites what was fetched by id). A search that finds nothing never undoes one that found something
    before: arXiv's search has hiccups. A failed search stops the run with nothing written."""
    from vlmnotes.store import Store

    polite = polite or Politeness()
    stored = load_resolved(kb)
    report = ResolveReport(dry_run=dry_run and not offline, where=Store(kb).display(kb / RESOLVED_FILE))
    new: dict[str, Resolution] = {}
    fetched: dict[str, dict[str, Any]] = {}
    total, done = sum(s.wanted for s in subjects), 0
    session: Any = None
    for subject in subjects:
        found, kept = None, ""
        if not subject.wanted:
            pass
        elif subject.key in new:
            found = new[subject.key]  # a paper named twice is searched once
        elif (offline or not refresh) and subject.key in stored:
            found = stored[subject.key]
            report.stored += 1
        elif not offline:
            if session is None:
                client, session = _client(polite)
            try:
                answers = search_titles(subject.text, client, session, polite, sleep)
            except EnrichError as exc:
                raise EnrichError(exc.problem, NOT_WRITTEN) from exc
            report.searched += 1
            found = judge(subject.by or "title", subject.text, [(a["id"], a["title"]) for a in answers])
            before = stored.get(subject.key)
            if found.status == "no-match" and before is not None and before.status != "no-match":
                answer = "was empty" if not answers else "left it out"
                kept, found = f"arXiv's answer {answer} this time; kept what was found before (retry later)", before
            new[subject.key] = found
            fetched |= {a["id"]: a for a in answers if a["id"] == found.arxiv_id}
        report.outcomes.append(Outcome(subject, found, kept=kept))
        done += subject.wanted
        if progress and subject.wanted:
            progress(done, total)
    if any(o.resolution and o.resolution.arxiv_id for o in report.outcomes):
        noted = _noted_ids(kb)  # an id the notes give one paper is never linked to another
        report.outcomes = [
            replace(o, taken_by=noted.get(o.resolution.arxiv_id or ""))
            if o.resolution is not None and o.resolution.arxiv_id in noted else o
            for o in report.outcomes
        ]  # fmt: skip
    if new and not (dry_run or offline):
        report.changed = bool(fetched) or any(k in stored and stored[k].arxiv_id != r.arxiv_id for k, r in new.items())
        save_resolved(kb, stored | new)
        have = load_fetched(kb)
        fresh = {k: v for k, v in fetched.items() if have.get(k, {}).get("status") != "found"}
        if fresh:
            save_fetched(kb, have | fresh)
    return report
