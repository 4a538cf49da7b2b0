"""One record per paper: group candidates by arXiv id, then by normalised name, alias or title.

Merging goes on evidence only. Two candidates with different arXiv ids are never put together, however alike
their names; entries without one join on a name, alias or title they really share, never on an organisation,
a venue, a date or a link's text ('paper', '论文'), and not when what else they say tells two papers apart (two
titles, two OpenReview ids, two names of which the shared word is only an alias). A value on which the notes
disagree is kept in `conflicts`, never silently dropped; `suspicious_merges` names the records that took in
many entries of one note, for the user to check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from vlmnotes.model import SLOTS, Components, Conflict, ConflictValue, Links, Paper, Relation, Source
from vlmnotes.parse.entry import EXPLICIT, Candidate
from vlmnotes.parse.fields import date_from_arxiv_id, name_from_title, norm_key, slugify
from vlmnotes.parse.names import base_name, not_a_name


class _Groups:
    """Union-find over candidates that refuses to join what the notes tell apart: two arXiv ids, and for groups
    without one, the titles of two papers or two different paper pages (OpenReview ids, DOIs, …)."""

    def __init__(self, cands: list[Candidate]) -> None:
        self.parent = list(range(len(cands)))
        self.arxiv: list[str | None] = [c.arxiv_id for c in cands]
        self.title: list[str | None] = [c.title for c in cands]
        self.pages: list[dict[str, str]] = [_paper_pages(c) if c.links and not c.arxiv_id else {} for c in cands]

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def apart(self, a: int, b: int) -> bool:
        """True when the groups of `a` and `b` are surely two papers."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        xa, xb = self.arxiv[ra], self.arxiv[rb]
        if xa or xb:
            return bool(xa and xb and xa != xb)
        ta, tb = self.title[ra], self.title[rb]
        if ta and tb and not _same_title(ta, tb):
            return True  # two titles of two papers, each card with a bold line 'Hooli' under it
        pa, pb = self.pages[ra], self.pages[rb]
        return any(pb.get(site, page) != page for site, page in pa.items())

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb or self.apart(ra, rb):
            return
        lo, hi = min(ra, rb), max(ra, rb)
        self.parent[hi] = lo
        self.arxiv[lo] = self.arxiv[lo] or self.arxiv[hi]
        self.title[lo] = self.title[lo] or self.title[hi]
        self.pages[lo] = {**self.pages[hi], **self.pages[lo]}


def _same_title(a: str, b: str) -> bool:
    """Two titles of one paper: alike once a leading 'Name:' is set aside, and not led by two different names
    ('AlphaNet: Learning …' and 'BetaNet: Learning …' are two papers however alike the rest)."""
    from vlmnotes.parse import same_title

    name_a, name_b = name_from_title(a), name_from_title(b)
    if name_a and name_b and norm_key(base_name(name_a)) != norm_key(base_name(name_b)):
        return False
    return same_title(a, b)


def _paper_pages(cand: Candidate) -> dict[str, str]:
    """The pages an entry's paper links identify it by, site → id: an OpenReview forum id, a DOI, an ACL
    Anthology id, a NeurIPS proceedings hash, a PMLR or CVF paper's file stem."""
    out: dict[str, str] = {}
    for kind in ("paper", "pdf"):
        url = cand.links.get(kind)
        found = _paper_page(url) if url else None
        if found is not None:
            out.setdefault(found[0], found[1])
    return out


_NEURIPS_HASH = re.compile(r"/([0-9a-f]{32})-(?:Abstract|Paper)", re.I)
_STEM_SUFFIX = re.compile(r"\.(?:pdf|html?)$|[_\-](?:paper|supplemental|abstract)$", re.I)


def _paper_page(url: str) -> tuple[str, str] | None:
    """('openreview.net', 'abc') for 'https://openreview.net/pdf?id=abc', and so on for the sites above."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/")
    if host == "openreview.net":
        ids = parse_qs(parts.query).get("id")
        return (host, ids[0]) if ids else None
    if host in ("doi.org", "dx.doi.org"):
        return ("doi.org", path.lstrip("/").lower()) if path else None
    if host in ("proceedings.neurips.cc", "papers.nips.cc"):
        m = _NEURIPS_HASH.search(path)
        return ("neurips", m[1].lower()) if m else None
    if host in ("aclanthology.org", "proceedings.mlr.press", "openaccess.thecvf.com"):
        stem = path.rsplit("/", 1)[-1]
        while (shorter := _STEM_SUFFIX.sub("", stem)) != stem:
            stem = shorter
        return (host, stem.lower()) if stem else None
    return None


def merge_keys(cand: Candidate) -> list[str]:
    """The normalised names, aliases and title a candidate is joined to others by; never a link's text, a date,
    a venue or one of the entry's own organisations, whatever place the note gave them."""
    names = [cand.name, *cand.aliases, cand.title]
    # 'Qwen2-VL 2B', 'Qwen2-VL-72B Model': a size or checkpoint of the paper's model is the same paper.
    names += [base_name(n) for n in [cand.name, *cand.aliases] if n]
    if cand.title and not cand.name:
        # A nameless 'Semantic Pyramid …' may be 'SPAE: Semantic Pyramid …'; a named one joins by its name,
        # so that 'X: Foo' and 'Y: Foo' (two papers, one subtitle) never meet.
        names.append(re.sub(r"^[^:：]{1,40}[:：]\s*", "", cand.title))
    orgs = {norm_key(o) for o in cand.orgs}
    keys = []
    for name in names:
        key = norm_key(name or "")
        if len(key) >= 2 and key not in keys and key not in orgs and not not_a_name(name or ""):
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


def _own_names(cand: Candidate) -> set[str]:
    """The keys of the name an entry gives its paper itself, with and without a size ('Qwen2-VL 2B')."""
    return {norm_key(n) for n in (cand.name, base_name(cand.name)) if n} - {""} if cand.name else set()


def _through_alias(a: Candidate, b: Candidate, key: str, keys_a: list[str], keys_b: list[str]) -> bool:
    """True when two named entries share `key` only as an alias and neither writes the other's name: 'AlphaNet'
    and 'BetaNet', each with an alias 'Hooli' read from a table's organisation column, are two papers."""
    own_a, own_b = _own_names(a), _own_names(b)
    if not (own_a and own_b) or (key in own_a and key in own_b):
        return False
    return not (own_a & set(keys_b)) and not (own_b & set(keys_a))


_ANCHORS = 8  # papers one key is tried against; a word that many papers share joins nothing more


def group_candidates(cands: list[Candidate]) -> list[list[Candidate]]:
    """Candidates grouped into papers, groups and members in note order."""
    keys = [c.keys or merge_keys(c) for c in cands]
    trusted = _distrust_catalogue(cands, keys)
    keys = [k if new is old else merge_keys(new) for k, new, old in zip(keys, trusted, cands, strict=True)]
    cands = trusted
    groups = _Groups(cands)
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
    for key, members in by_key.items():
        if len(members) < 2:
            continue
        ids = {cands[i].arxiv_id for i in members if cands[i].arxiv_id}
        if len(ids) > 1:
            continue
        anchors = [members[0]]  # an entry of each paper the key has been found to name so far
        for i in members[1:]:
            for a in anchors:
                if not _through_alias(cands[a], cands[i], key, keys[a], keys[i]) and not groups.apart(a, i):
                    groups.union(a, i)
                    break
            else:
                if len(anchors) < _ANCHORS:
                    anchors.append(i)
    out: dict[int, list[Candidate]] = {}
    for i, cand in enumerate(cands):
        out.setdefault(groups.find(i), []).append(cand)
    return [out[k] for k in sorted(out)]


def _record_label(members: list[Candidate]) -> str:
    """What a group's record is called: its best-ranked name, else its title or arXiv id."""
    named = sorted((c for c in members if c.name), key=lambda c: -c.name_rank)
    if named and named[0].name:
        return named[0].name
    return next((c.title or c.arxiv_id or "" for c in members if c.title or c.arxiv_id), members[0].where)


SUSPICIOUS_ENTRIES = 3  # more entries of one note than this in one record, joined by name alone, are reported


def suspicious_merges(groups: list[list[Candidate]], limit: int = SUSPICIOUS_ENTRIES) -> list[str]:
    """A line for each record that took in more than `limit` entries of one note by name alone: "notes/x.md:
    7 entries merged into one record 'Foo' (lines 3, 9, 14, …); check that they are one paper".

    An entry that writes the record's arXiv id itself, or only mentions the paper in passing, is not counted:
    a note may well list one paper in a table, a reading log and its references.
    """
    out: list[str] = []
    for members in groups:
        if len(members) <= limit:
            continue
        lines: dict[str, list[int]] = {}
        for cand in members:
            if not cand.passing and not (cand.arxiv_id and "arxiv_id" not in cand.catalogued):
                lines.setdefault(cand.file, []).append(cand.line)
        for file, found in lines.items():
            if len(found) > limit:
                shown = ", ".join(str(n) for n in sorted(found)[:limit]) + ", …"
                out.append(
                    f"{file}: {len(found)} entries merged into one record '{_record_label(members)}' "
                    f"(lines {shown}); check that they are one paper"
                )
    return sorted(out)


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


def _authors(members: list[Candidate], conflicts: list[Conflict]) -> tuple[list[str], bool]:
    """The author list and whether it is incomplete: a complete list wins over one a note ends with 等 or
    et al. (the longest of those when no note gives one); an incomplete list that starts the kept one agrees
    with it, any other that differs is a conflict."""
    with_authors = [c for c in members if c.authors]
    lists = sorted(with_authors, key=lambda c: (c.authors_et_al, -len(c.authors) if c.authors_et_al else 0))
    if not lists:
        return [], False
    kept = lists[0]
    kept_keys = [norm_key(a) for a in kept.authors]

    def agrees(cand: Candidate) -> bool:
        return cand.authors_et_al and [norm_key(a) for a in cand.authors] == kept_keys[: len(cand.authors)]

    _pick("authors", [("; ".join(c.authors), c.where) for c in lists if c is kept or not agrees(c)], conflicts)
    return kept.authors, kept.authors_et_al


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
    authors, authors_et_al = _authors(members, conflicts)
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
        authors_et_al=authors_et_al,
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
