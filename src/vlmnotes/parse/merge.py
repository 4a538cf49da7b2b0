"""One record per paper: group candidates by arXiv id, then by normalised name, alias or title.

Two candidates with different arXiv ids are never put together, however alike their names; a
value on which the notes disagree is kept in `conflicts`, never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import NamedTuple

from vlmnotes.model import SLOTS, Components, Conflict, ConflictValue, Links, Paper, Relation, Source
from vlmnotes.parse.entry import EXPLICIT, Candidate
from vlmnotes.parse.fields import date_from_arxiv_id, norm_key, slugify
from vlmnotes.parse.names import base_name


class _Groups:
    """Union-find over candidates that refuses to join two different arXiv ids."""

    def __init__(self, n: int, ids: list[str | None]) -> None:
        self.parent = list(range(n))
        self.arxiv: list[str | None] = list(ids)

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        xa, xb = self.arxiv[ra], self.arxiv[rb]
        if xa and xb and xa != xb:
            return
        lo, hi = min(ra, rb), max(ra, rb)
        self.parent[hi] = lo
        self.arxiv[lo] = xa or xb


def merge_keys(cand: Candidate) -> list[str]:
    """The normalised names, aliases and title a candidate is joined to others by."""
    names = [cand.name, *cand.aliases, cand.title]
    # 'Qwen2-VL 2B', 'Qwen2-VL-72B Model': a size or checkpoint of the paper's model is the same paper.
    names += [base_name(n) for n in [cand.name, *cand.aliases] if n]
    if cand.title and not cand.name:
        # A nameless 'Semantic Pyramid …' may be 'SPAE: Semantic Pyramid …'; a named one joins by its name,
        # so that 'X: Foo' and 'Y: Foo' (two papers, one subtitle) never meet.
        names.append(re.sub(r"^[^:：]{1,40}[:：]\s*", "", cand.title))
    keys = []
    for name in names:
        key = norm_key(name or "")
        if len(key) >= 2 and key not in keys:
            keys.append(key)
    return keys


def _distrust_catalogue(cands: list[Candidate], keys: list[list[str]]) -> list[Candidate]:
    """Entries whose arXiv id only the catalogue gave, under a name the notes themselves give two ids: the name
    is ambiguous here, so they keep no id (a copy is changed; parsed candidates are cached and shared)."""
    if not any("arxiv_id" in c.catalogued for c in cands):
        return cands
    noted: dict[str, set[str]] = {}
    for cand, cand_keys in zip(cands, keys, strict=True):
        if cand.arxiv_id and "arxiv_id" not in cand.catalogued:
            for key in cand_keys:
                noted.setdefault(key, set()).add(cand.arxiv_id)
    out = []
    for cand, cand_keys in zip(cands, keys, strict=True):
        if "arxiv_id" in cand.catalogued and any(len(noted.get(k, ())) > 1 for k in cand_keys):
            filled = set(cand.catalogued)
            cand = replace(
                cand,
                arxiv_id=None,
                title=None if "title" in filled else cand.title,
                date=None if "date" in filled else cand.date,
                catalogued=[],
            )
        out.append(cand)
    return out


def group_candidates(cands: list[Candidate]) -> list[list[Candidate]]:
    """Candidates grouped into papers, groups and members in note order."""
    keys = [c.keys or merge_keys(c) for c in cands]
    trusted = _distrust_catalogue(cands, keys)
    keys = [k if new is old else merge_keys(new) for k, new, old in zip(keys, trusted, cands, strict=True)]
    cands = trusted
    groups = _Groups(len(cands), [c.arxiv_id for c in cands])
    by_arxiv: dict[str, int] = {}
    for i, cand in enumerate(cands):
        if cand.arxiv_id:
            groups.union(by_arxiv.setdefault(cand.arxiv_id, i), i)
    # Names join groups only when the name points at a single arXiv id (or none): a name shared by
    # two different papers joins nothing.
    by_key: dict[str, list[int]] = {}
    for i, cand_keys in enumerate(keys):
        for key in cand_keys:
            by_key.setdefault(key, []).append(i)
    for members in by_key.values():
        ids = {cands[i].arxiv_id for i in members if cands[i].arxiv_id}
        if len(ids) > 1:
            continue
        for i in members[1:]:
            groups.union(members[0], i)
    out: dict[int, list[Candidate]] = {}
    for i, cand in enumerate(cands):
        out.setdefault(groups.find(i), []).append(cand)
    return [out[k] for k in sorted(out)]


def _date_priority(iso: str, rank: int) -> tuple[int, int]:
    # A day-exact date written in the note beats the arXiv id's month, which beats a month or year
    # written elsewhere (终版提交, venue): the arXiv month is when the paper first appeared.
    if rank == EXPLICIT and len(iso) == 10:
        return (4, len(iso))
    if rank == -1:
        return (3, len(iso))
    return (min(rank, 2), len(iso))


def _months_apart(a: str, b: str) -> int:
    """Whole months between two dates of at least month precision (0 when either is a bare year)."""
    if len(a) < 7 or len(b) < 7:
        return 0
    return abs((int(a[:4]) * 12 + int(a[5:7])) - (int(b[:4]) * 12 + int(b[5:7])))


def _compatible(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def _pick(field: str, values: list[tuple[str, str]], conflicts: list[Conflict], same: object = None) -> str | None:
    """The first value; a conflict listed when another value differs (compared by `same`, or norm_key)."""
    if not values:
        return None
    key = same if callable(same) else norm_key
    kept = values[0]
    others = [v for v in values[1:] if key(v[0]) != key(kept[0])]
    if others:
        seen: set[str] = set()
        listed = []
        for value, where in [kept, *others]:
            if key(value) not in seen:
                seen.add(key(value))
                listed.append(ConflictValue(value=value, source=where))
        conflicts.append(Conflict(field=field, values=listed))
    return kept[0]


def _strip_name_prefix(title: str) -> str:
    return norm_key(re.sub(r"^[^:：]{1,40}[:：]\s*", "", title))


def _unique(items: Iterable[str]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        key = norm_key(item) or item
        if item and key not in seen:
            seen.add(key)
            out.append(item)
    return out


def build_paper(members: list[Candidate]) -> Paper:
    """Merge one group of candidates into a Paper (relations are resolved later)."""
    conflicts: list[Conflict] = []
    entries = [c for c in members if not c.passing] or members
    named = sorted((c for c in members if c.name), key=lambda c: -c.name_rank)
    name = named[0].name if named else None
    aliases = _unique(n for c in members for n in [c.name, *c.aliases] if n and n != name)
    aliases = [a for a in aliases if norm_key(a) != norm_key(name or "")]
    title = _pick("title", [(c.title, c.where) for c in members if c.title], conflicts, same=_strip_name_prefix)
    arxiv_id = next((c.arxiv_id for c in members if c.arxiv_id), None)

    claims = [(c.date, c.date_rank, c.where) for c in members if c.date and "date" not in c.catalogued]
    # An id a note gives dates the paper by its month; an id only the catalogue gave never beats a note's date.
    noted_id = any(c.arxiv_id and "arxiv_id" not in c.catalogued for c in members)
    if arxiv_id and (yymm := date_from_arxiv_id(arxiv_id)) and (noted_id or not claims):
        claims.append((yymm, -1, f"arXiv:{arxiv_id}"))
    claims.sort(key=lambda d: _date_priority(d[0], d[1]), reverse=True)
    date = claims[0][0] if claims else None
    stated = [(d, w) for d, r, w in claims if r == EXPLICIT]
    if noted_id and arxiv_id and date and (yymm := date_from_arxiv_id(arxiv_id)) and _months_apart(date, yymm) > 1:
        stated.append((yymm, f"arXiv:{arxiv_id}"))
    if date and any(not _compatible(d, date) for d, _ in stated):
        conflicts.append(
            Conflict(
                field="date",
                values=[ConflictValue(value=date, source=claims[0][2])]
                + [ConflictValue(value=d, source=w) for d, w in stated if d != date],
            )
        )

    venue = _pick("venue", [(c.venue, c.where) for c in members if c.venue], conflicts, same=str.lower)
    authors_lists = [(c.authors, c.where) for c in members if c.authors]
    authors = authors_lists[0][0] if authors_lists else []
    _pick("authors", [("; ".join(a), w) for a, w in authors_lists], conflicts)
    cites = [(str(c.citations), c.where) for c in members if c.citations is not None]
    citations = _pick("citations", cites, conflicts, same=str)

    links: dict[str, str] = {}
    other: list[str] = []
    for cand in members:
        for kind, url in cand.links.items():
            if kind not in links:
                links[kind] = url
            elif links[kind] != url and url not in other:
                other.append(url)
        other += [u for u in cand.other_links if u not in other and u not in links.values()]

    components = {slot: _unique(v for c in entries for v in c.components.get(slot, [])) for slot in SLOTS}
    sections: dict[str, str] = {}
    for cand in entries:
        for label, text in cand.sections.items():
            if text and label in sections and text not in sections[label]:
                sections[label] += "\n\n" + text
            elif label not in sections:
                sections[label] = text
    statuses = {c.status for c in members if c.status}
    status = "read" if "read" in statuses else ("unread" if statuses else None)

    provenance = {}
    for key, value in (("arxiv_id", arxiv_id), ("title", title), ("date", date)):
        said = [c for c in members if getattr(c, key) and norm_key(str(getattr(c, key))) == norm_key(str(value))]
        if value and said and all(key in c.catalogued for c in said):
            provenance[key] = "catalogue"  # no note says it: the known-paper catalogue filled it in

    return Paper(
        id=arxiv_id or slugify(name or title or members[0].where),
        name=name,
        aliases=aliases,
        title=title,
        arxiv_id=arxiv_id,
        date=date,
        year=int(date[:4]) if date else None,
        authors=authors,
        orgs=_unique(o for c in entries for o in c.orgs),
        venue=venue,
        citations=int(citations) if citations else None,
        links=Links(**links, other=other),
        components=Components(**components),
        tags=_unique(t for c in members for t in c.tags),
        status=status,
        sections={k: v for k, v in sections.items()},
        sources=[Source(file=c.file, line=c.line, end_line=c.end_line, style=c.style, text=c.text) for c in members],
        conflicts=conflicts,
        provenance=provenance,
    )


class PaperKey(NamedTuple):
    """What relations are resolved against: a record's id and the names it answers to."""

    id: str
    name: str | None
    aliases: tuple[str, ...]
    arxiv_id: str | None
    date: str | None = None


def paper_key(paper: Paper) -> PaperKey:
    """The PaperKey of a record."""
    return PaperKey(paper.id, paper.name, tuple(paper.aliases), paper.arxiv_id, paper.date)


_ORDERED = ("uses", "builds-on", "improves-on")


def _later(a: str | None, b: str | None) -> bool:
    """True when date `a` is surely after date `b` (compared at the precision both have)."""
    if not a or not b:
        return False
    n = min(len(a), len(b), 7)
    return a[:n] > b[:n]


def dedupe_ids(ids: list[str]) -> list[str]:
    """Ids made unique in order: a second 'clip' becomes 'clip-2'."""
    seen: dict[str, int] = {}
    out = []
    for paper_id in ids:
        if paper_id in seen:
            seen[paper_id] += 1
            out.append(f"{paper_id}-{seen[paper_id]}")
        else:
            seen[paper_id] = 1
            out.append(paper_id)
    return out


def resolve_relations(groups: list[list[Candidate]], keys: list[PaperKey]) -> list[list[Relation]]:
    """The relations of each group's record, stated by its own or by other entries, targets resolved to ids."""
    by_name: dict[str, int] = {}
    for i, key in enumerate(keys):
        for name in [key.name, *key.aliases, key.arxiv_id]:
            k = norm_key(name or "")
            if k and k not in by_name:
                by_name[k] = i
    out: list[list[Relation]] = [[] for _ in keys]
    for i, members in enumerate(groups):
        own = {norm_key(n) for n in [keys[i].name, *keys[i].aliases] if n}
        for cand in members:
            for claim, line in cand.relations:
                subject = i
                if claim.subject and norm_key(claim.subject) not in own:
                    other = by_name.get(norm_key(claim.subject))
                    if other is None:
                        continue
                    subject = other
                target = by_name.get(norm_key(claim.target_arxiv or claim.target))
                if target == subject or norm_key(claim.target) in ({norm_key(keys[subject].name or "")} - {""}):
                    continue
                if target is None and claim.type == "uses":  # an unknown "from X" is too weak to keep
                    continue
                if target is not None and claim.type in _ORDERED and _later(keys[target].date, keys[subject].date):
                    continue  # a paper never uses, builds on or improves on one that came out after it
                rel = Relation(
                    type=claim.type,
                    target=claim.target,
                    target_id=keys[target].id if target is not None else None,
                    evidence=claim.evidence,
                    source=f"{cand.file}:{line}",
                )
                if not any(
                    (r.type, r.target_id or r.target) == (rel.type, rel.target_id or rel.target) for r in out[subject]
                ):
                    out[subject].append(rel)
    return out


def merge(cands: list[Candidate]) -> list[Paper]:
    """One Paper per paper in the candidates, with unique ids and resolved relations, sorted by id."""
    groups = group_candidates(cands)
    papers = [build_paper(g) for g in groups]
    for paper, paper_id in zip(papers, dedupe_ids([p.id for p in papers]), strict=True):
        paper.id = paper_id
    for paper, relations in zip(papers, resolve_relations(groups, [paper_key(p) for p in papers]), strict=True):
        paper.relations = relations
    return sorted(papers, key=lambda p: p.id)
