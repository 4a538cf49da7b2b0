"""Lint rules about dates: far from the arXiv id, a wrong weekday, mixed formats, what arXiv says, impossible ones."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain

from vlmnotes.lint.document import LintDocument
from vlmnotes.lint.links import replacing
from vlmnotes.lint.registry import Finding, rule
from vlmnotes.parse.entry import EXPLICIT
from vlmnotes.parse.fields import _DATE_PATTERNS, _MONTHS, date_from_arxiv_id, find_date, norm_key
from vlmnotes.vocab import fold


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


# --- dates as written: the parser's forms, with the month and day read loosely -------------------------------


def _loosened(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The parser's pattern for one date form with its month and day taking any one or two digits, so that a date
    it refuses (month 13, day 32) is found where the parser looks for one, and judged here."""
    text = re.sub(r"\(\?P<m>[^()]*\)", r"(?P<m>\\d{1,2})", pattern.pattern)
    text = re.sub(r"\(\?P<d>[^()]*\)", r"(?P<d>\\d{1,2})", text)
    return re.compile(text, pattern.flags)


# Most specific first, as the parser tries them: a span one form took is not read again by the next.
_FORMS = [(form, _loosened(pattern)) for form, pattern in _DATE_PATTERNS]
_YEAR = re.compile(r"(?:19|20)\d\d")
# A form is tried only on a line with what it needs: a month's name (the costliest forms to try), a year and a
# separator, '年'.
_NAMED = {"rfc", "mdy", "my"}
_MONTH_NAME = re.compile(r"(?<![a-z])(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)")
_NUMERIC = {"iso", "ymd", "ym"}
_YEAR_SEPARATOR = re.compile(r"(?:19|20)\d\d\s*[./\-]")
_URLISH = re.compile(r"[a-z][a-z0-9+.\-]*://[^\s)\]>]*|\]\([^)\s]*", re.I)  # a URL or a link target holds no date
_MONTH_NAMES = list(calendar.month_name)


@dataclass(frozen=True)
class WrittenDate:
    """A date as a note writes it, in one of the parser's forms; `problem` says why it cannot be a date."""

    line: int
    start: int  # 0-based columns of the date on its line
    end: int
    text: str  # as written
    form: str
    iso: str | None  # None when it cannot be a date
    weekday: tuple[int, int] | None = None  # where a weekday before it is written (rfc form)
    problem: str = ""


def written_dates(doc: LintDocument) -> list[WrittenDate]:
    """Every date written in prose, tables and the front matter (not in code, comments, math or URLs), in the
    forms the parser reads, each read once (the most specific form that matches a span); worked out once a note."""
    if "dates" not in doc.shared:
        doc.shared["dates"] = list(_written_dates(doc))
    found: list[WrittenDate] = doc.shared["dates"]
    return found


def _written_dates(doc: LintDocument) -> Iterator[WrittenDate]:
    front = next((t.map for t in doc.tokens if t.type == "front_matter" and t.map), None)
    lines: Iterator[tuple[int, str, str]] = doc.prose_lines()
    if front:
        lines = chain(((n, doc.line(n), doc.line(n)) for n in range(front[0] + 1, front[1] + 1)), lines)
    for number, raw, masked in lines:
        if not _YEAR.search(masked):
            continue
        text = fold(_URLISH.sub(lambda m: " " * len(m[0]), masked) if ("://" in masked or "](" in masked) else masked)
        taken: list[tuple[int, int]] = []
        named = _MONTH_NAME.search(text.lower()) is not None
        numeric = _YEAR_SEPARATOR.search(text) is not None
        for form, pattern in _FORMS:
            if (
                (form in _NAMED and not named)
                or (form in _NUMERIC and not numeric)
                or (form == "cjk" and "年" not in text)
            ):
                continue
            for m in pattern.finditer(text):
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                found = _judge(number, raw, form, m)
                if found is not None:
                    taken.append((m.start(), m.end()))
                    yield found


def _judge(number: int, raw: str, form: str, m: re.Match[str]) -> WrittenDate | None:
    gd = m.groupdict()
    year = int(gd["y"])
    if gd.get("mon"):
        month = _MONTHS[gd["mon"].lower().rstrip(".")]
    else:
        month = int(gd["m"])
        separator = raw[m.end("y") : m.start("m")].strip()
        if form == "ym" and (separator != "." or len(gd["m"]) != 2):
            return None  # '2022-23', '2019/20', '2024.1': a span of years or a number, not a month 13
    day = int(gd["d"]) if gd.get("d") else None
    weekday = None
    if gd.get("wd") and not raw[m.start("wd") - 1 : m.start("wd")].isalpha():
        end = m.start("wd") + 3
        while end < len(raw) and raw[end].isalpha():
            end += 1
        weekday = (m.start("wd"), end)
    first = {"rfc": "d", "mdy": "mon", "my": "mon"}.get(form, "y")  # not a prefix such as 'arXiv ' or 'Lemon, '
    start = weekday[0] if weekday else m.start(first)
    text = raw[start : m.end()]
    problem = ""
    if not 1 <= month <= 12:
        problem = f"there is no month {month}; write the month as 1 to 12"
    elif day is not None and not 1 <= day <= calendar.monthrange(year, month)[1]:
        days = calendar.monthrange(year, month)[1]
        problem = (
            f"{_MONTH_NAMES[month]} {year} has {days} days; correct the day" if day else "there is no day 0; correct it"
        )
    iso = None if problem else f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day is not None else "")
    return WrittenDate(number, start, m.end(), text, form, iso, weekday, problem)


@rule("VN205", "impossible-date", "error")
def impossible_date(doc: LintDocument) -> Iterator[Finding]:
    """A date that cannot exist (a month 13, a 31 February, a day 0), in any form the parser reads.

    The parser passes such a date over or keeps only its year and month, so the entry gets a wrong date or none.

    Bad:  - Mon, 31 Feb 2025 [Q-Former paper](https://arxiv.org/abs/2502.01234)
    Good: - Fri, 28 Feb 2025 [Q-Former paper](https://arxiv.org/abs/2502.01234)
    """
    for date in written_dates(doc):
        if date.problem:
            yield Finding(
                "VN205",
                f"'{date.text}' is not a date: {date.problem}",
                date.line,
                date.start + 1,
                end_column=date.end + 1,
            )


@rule("VN202", "weekday-mismatch", fixable=True)
def weekday_mismatch(doc: LintDocument) -> Iterator[Finding]:
    """A date whose weekday is wrong for its day (a date that cannot exist is VN205's).

    Bad:  - Mon, 22 Oct 2020 [ViT](https://arxiv.org/abs/2010.11929)
    Good: - Thu, 22 Oct 2020 [ViT](https://arxiv.org/abs/2010.11929)
    """
    for date in written_dates(doc):
        if date.weekday is None or date.iso is None or len(date.iso) != 10:
            continue
        start, end = date.weekday
        written = doc.line(date.line)[start:end]
        day = dt.date.fromisoformat(date.iso)
        if written[:3].lower() == day.strftime("%a").lower():
            continue
        actual = day.strftime("%A" if len(written) > 3 else "%a")  # 'Friday' for 'Monday', 'Fri' for 'Mon'
        actual = actual.upper() if written.isupper() and len(written) > 1 else actual
        message = f"{date.iso} was a {actual}, not a {written}"
        yield replacing("VN202", message, date.line, start, end, actual)


_FORM_NAMES = {"rfc": "Thu, 22 Oct 2020", "mdy": "Oct 22 2020", "iso": "2020-10-22", "ymd": "2020.10.22",
               "cjk": "2020年10月", "ym": "2020.10", "my": "Oct 2020"}  # fmt: skip


@rule("VN203", "mixed-date-formats", "info")
def mixed_date_formats(doc: LintDocument) -> Iterator[Finding]:
    """One file writes its entries' dates in more than one format.

    Bad:  - Thu, 22 Oct 2020 [ViT](…)  then  - 2021.02 [CLIP](…)
    Good: - Thu, 22 Oct 2020 [ViT](…)  then  - Fri, 26 Feb 2021 [CLIP](…)
    """
    forms: list[tuple[str, int]] = []
    impossible = {d.line for d in written_dates(doc) if d.problem}  # VN205's: the parser read something else there
    for entry in doc.entries:
        if entry.passing or entry.date_rank != EXPLICIT or entry.style not in ("dated-bullet", "generic", "table-row"):
            continue
        if entry.line in impossible:
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
