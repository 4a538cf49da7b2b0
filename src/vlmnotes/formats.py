"""Plain-text record formats for pipes and files: TSV, CSV, Markdown, JSON and YAML. No rich, no pydantic."""

from __future__ import annotations

import json
from typing import Any

_PLAIN_COLUMNS = ("id", "name", "date", "orgs", "venue", "title")


def _plain(record: dict[str, Any], key: str) -> str:
    value = record.get(key)
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return str(value or "").replace("\t", " ").replace("\r", " ").replace("\n", " ")


def records_tsv(records: list[dict[str, Any]]) -> str:
    """Tab-separated lines (id, name, date, orgs, venue, title) with a header, for pipes and scripts."""
    rows = ["\t".join(_PLAIN_COLUMNS)]
    rows += ["\t".join(_plain(r, k) for k in _PLAIN_COLUMNS) for r in records]
    return "\n".join(rows) + "\n"


# A spreadsheet runs a cell that starts with one of these as a formula (OWASP: CSV injection); an apostrophe
# in front makes it text. Leading spaces are looked past: `_plain` turns a leading tab or CR into one, and
# some spreadsheets trim them before they look.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(text: str) -> str:
    return "'" + text if text.lstrip(" ").startswith(_FORMULA_START) else text


def records_csv(records: list[dict[str, Any]]) -> str:
    """CSV with a header: id, name, year, date, orgs, venue, arxiv_id, title; a cell a spreadsheet would run as
    a formula starts with an apostrophe."""
    import csv
    import io

    columns = ("id", "name", "year", "date", "orgs", "venue", "arxiv_id", "title")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for r in records:
        writer.writerow([_csv_cell(_plain(r, k)) for k in columns])
    return buf.getvalue()


def records_md(records: list[dict[str, Any]]) -> str:
    """A Markdown table: name, year, orgs, venue, title linked to the paper."""
    lines = ["| name | year | org | venue | title |", "| --- | --- | --- | --- | --- |"]
    for r in records:
        link = (r.get("links") or {}).get("paper") or (r.get("links") or {}).get("pdf")
        title = _plain(r, "title").replace("|", "\\|")
        cell = f"[{title}]({link})" if link and title else title
        lines.append(
            f"| {_plain(r, 'name')} | {_plain(r, 'year')} | {_plain(r, 'orgs')} | {_plain(r, 'venue')} | {cell} |"
        )
    return "\n".join(lines) + "\n"


def records_json(records: list[dict[str, Any]]) -> str:
    """A JSON array of records keyed as in the schema, a record a line (jq- and grep-friendly; and the C
    encoder, which an indented dump cannot use, keeps search fast)."""
    if not records:
        return "[]\n"
    return "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n"


def records_yaml(records: list[dict[str, Any]]) -> str:
    """YAML documents in the store's own format."""
    from vlmnotes.model import Paper
    from vlmnotes.store import dump_record

    return "".join("---\n" + dump_record(Paper.model_validate(r).to_dict()) for r in records)
