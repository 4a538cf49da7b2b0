"""Lint rules about dates: far from the arXiv id, a wrong weekday, mixed formats, what arXiv says."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator

from vlmnotes.lint.document import LintDocument
from vlmnotes.lint.links import replacing
from vlmnotes.lint.registry import Finding, rule
from vlmnotes.parse.entry import EXPLICIT
from vlmnotes.parse.fields import date_from_arxiv_id, find_date, norm_key


def _months(iso: str) -> int:
    return int(iso[:4]) * 12 + int(iso[5:7])


@rule("VN201", "date-arxiv-mismatch")
def date_arxiv_mismatch(doc: LintDocument) -> Iterator[Finding]:
    """A date written in an entry is more than a month away from its arXiv id's year and month.

    A date in the last days of the month before is fine: papers submitted then get the next month's id.

    Bad:  - Mon, 4 Jan 2021 [CLIP](https://arxiv.org/abs/2103.00020)
    Good: - Fri, 26 Feb 2021 [CLIP](https://arxiv.org/abs/2103.00020)
    """
    for entry in doc.entries:
        if not entry.arxiv_id or not entry.date or entry.date_rank != EXPLICIT or len(entry.date) < 7:
            continue
        yymm = date_from_arxiv_id(entry.arxiv_id)
        if yymm and abs(_months(entry.date) - _months(yymm)) > 1:
            yield Finding(
                "VN201",
                f"date {entry.date} is far from arXiv {entry.arxiv_id} ({yymm}); check the date or the link",
                entry.line,
            )


@rule("VN204", "arxiv-disagreement", "info")
def arxiv_disagreement(doc: LintDocument) -> Iterator[Finding]:
    """An entry's date or title differs from what arXiv says (after `vlmnotes enrich`), or arXiv has no such paper.

    Bad:  - Fri, 5 Mar 2021 [CLIP](https://arxiv.org/abs/2103.00020)   (arXiv: v1 on 2021-02-26)
    Good: - Fri, 26 Feb 2021 [CLIP](https://arxiv.org/abs/2103.00020)
    """
    for entry in doc.entries:
        record = doc.arxiv.get(entry.arxiv_id or "")
        if not record or entry.passing:
            continue
        if record.get("status") == "not-found":
            yield Finding("VN204", f"arXiv has no paper {entry.arxiv_id}; check the link", entry.line)
            continue
        published = record.get("published") or ""
        if (
            entry.date
            and entry.date_rank == EXPLICIT
            and len(entry.date) == 10
            and published
            and entry.date != published
        ):
            yield Finding("VN204", f"the entry says {entry.date}; arXiv has version 1 on {published}", entry.line)
        title = record.get("title") or ""
        if entry.title and title and norm_key(entry.title.partition(": ")[2] or entry.title) not in norm_key(title):
            yield Finding("VN204", f"arXiv's title is '{title}'", entry.line)


_RFC = re.compile(
    r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?:day|sday|nesday|rsday|urday)?,?\s+(\d{1,2})\s+"
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?,?\s+((?:19|20)\d{2})\b"
)


@rule("VN202", "weekday-mismatch", fixable=True)
def weekday_mismatch(doc: LintDocument) -> Iterator[Finding]:
    """A date whose weekday is wrong for its day.

    Bad:  - Mon, 22 Oct 2020 [ViT](https://arxiv.org/abs/2010.11929)
    Good: - Thu, 22 Oct 2020 [ViT](https://arxiv.org/abs/2010.11929)
    """
    for number, _raw, m in doc.text_matches(_RFC):
        found = find_date(m[0])
        if not found or len(found.iso) != 10:
            continue
        actual = dt.date.fromisoformat(found.iso).strftime("%a")
        if actual != m[1]:
            message = f"{found.iso} was a {actual}, not a {m[1]}"
            yield replacing("VN202", message, number, m.start(1), m.start(1) + 3, actual)


_FORM_NAMES = {"rfc": "Thu, 22 Oct 2020", "mdy": "Oct 22 2020", "iso": "2020-10-22", "ymd": "2020.10.22",
               "cjk": "2020年10月", "ym": "2020.10", "my": "Oct 2020"}  # fmt: skip


@rule("VN203", "mixed-date-formats", "info")
def mixed_date_formats(doc: LintDocument) -> Iterator[Finding]:
    """One file writes its entries' dates in more than one format.

    Bad:  - Thu, 22 Oct 2020 [ViT](…)  then  - 2021.02 [CLIP](…)
    Good: - Thu, 22 Oct 2020 [ViT](…)  then  - Fri, 26 Feb 2021 [CLIP](…)
    """
    forms: list[tuple[str, int]] = []
    for entry in doc.entries:
        if entry.passing or entry.date_rank != EXPLICIT or entry.style not in ("dated-bullet", "generic", "table-row"):
            continue
        found = find_date(doc.line(entry.line))
        if found and found.form:
            forms.append((found.form, entry.line))
    counts: dict[str, int] = defaultdict(int)
    for form, _ in forms:
        counts[form] += 1
    if len(counts) < 2:
        return
    main = max(counts, key=lambda f: counts[f])
    for form, line in forms:
        if form != main:
            yield Finding(
                "VN203",
                f"date written like '{_FORM_NAMES.get(form, form)}'; this file mostly writes "
                f"'{_FORM_NAMES.get(main, main)}'",
                line,
            )
