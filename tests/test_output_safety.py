"""Note text is text everywhere (issue 9): a record full of rich markup, spreadsheet formulas, lone braces,
control characters and a `javascript:` link goes through every command and every output format.

The record is a hand-made record file, as a user may write one (and as `enrich` fills titles and authors
from arXiv): the parser never makes a `javascript:` link, but nothing stops a hand edit. The terminal views
(tables, the panel, the tree, the bars) only show on a terminal, so `terminal` makes CliRunner's stdout
one; TERM=dumb keeps colour codes out and COLUMNS/LINES keep rows on one line.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import bibtexparser
import pytest
import rispy
import typer.testing
import yaml
from typer.testing import Result

from conftest import Run, assert_no_traceback
from vlmnotes.export import parse_bibtex, to_bibtex, to_csl_json, to_ris
from vlmnotes.formats import paper_link, records_csv, records_md, records_tsv, web_link
from vlmnotes.render import stats_plain, timeline_plain
from vlmnotes.timeline import (
    build_timeline,
    compare_md,
    stats,
    stats_md,
    timeline_html,
    timeline_mermaid,
    timeline_svg,
)

# C0 and C1 controls (ESC [2J clears a screen, U+009B is CSI on its own, BEL ends an OSC sequence) and a
# right-to-left override, which shows what follows reversed.
CONTROLS = "\x01\x1b[2J\x9b6n\x07\u202e"
TITLE = f'=HYPERLINK("x")[INST] {{oops }} {CONTROLS} <script>alert(1)</script>'
INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SHOWN = INVISIBLE.sub("", TITLE)  # what every output but JSON and YAML shows: the controls left out
COMPONENTS = "[bold red]x + :smile: + =cmd|' /C calc'!A0"

HOSTILE: dict[str, Any] = {
    "id": "hostile",
    "title": TITLE,
    "date": "2022-03-04",
    "year": 2022,
    "authors": ["Mallory {", "Eve } O'Hara"],
    "orgs": ["@Evil Corp", "[/]"],
    "venue": "+CVPR [/] 2022",
    "links": {"paper": "javascript:alert(1)", "pdf": "data:text/html,<script>alert(1)</script>"},
    "components": {"vision_encoder": ["[bold red]x"], "llm": ["=cmd|' /C calc'!A0"], "connector": [":smile:"]},
    "tags": ["[link=javascript:alert(1)]tag[/link]"],
    "sections": {"[b]背景": "[/] text"},
    "relations": [{"type": "mentions", "target": "[/]CLIP", "source": "[x]:1"}],
    "abstract": "\x1b[31mred\x1b[0m and \x1b]8;;javascript:alert(1)\x07a link",
    "doi": "10.1/{x",
    "provenance": {"title": "arxiv"},
    "sources": [{"file": "[/]hand.md", "line": 1, "style": "[b]hand"}],
    "conflicts": [{"field": "venue", "values": [{"value": "[/]a", "source": "[b]s:1"}, {"value": "b", "source": "c"}]}],
}

TERMINAL = {"TERM": "dumb", "COLUMNS": "300", "LINES": "100"}


@pytest.fixture
def hostile(good_project: Path, run: Run) -> Path:
    """CLIP from a note, and the hostile record written by hand into kb/papers/."""
    assert run("build").exit_code == 0
    record = yaml.safe_dump(HOSTILE, allow_unicode=True, sort_keys=False)
    (good_project / "kb" / "papers" / "hostile.yaml").write_text(record, "utf-8")
    result = run("build")
    assert result.exit_code == 0, result.output
    return good_project


def as_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """CliRunner's stdout and stderr say they are a terminal, as a user's are (typer has no switch for it)."""
    monkeypatch.setattr(typer.testing._NamedTextIOWrapper, "isatty", lambda self: True)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    as_terminal(monkeypatch)


# The hostile record has no authors: a bibliography export says so on stderr (and only that), and that the
# citation key it stores for it has no author in it.
NO_AUTHORS = re.compile(
    r"(warning: 1 new citation key without an author \(\w+\), kept once given; for author-based keys delete "
    r"their `citekey` lines, enrich, and export again\n)?"
    r"(warning: of \d+ entries, 1 no authors; `vlmnotes enrich --all` fills them from arXiv for papers with an "
    r"arXiv id\n)?"
)


def ok(result: Result) -> str:
    assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    assert NO_AUTHORS.fullmatch(result.stderr), result.stderr
    return result.stdout


def cells(table: str) -> list[list[str]]:
    """The body rows of a rich table as lists of cell texts."""
    return [[c.strip() for c in line.split("│")[1:-1]] for line in table.splitlines() if line.startswith("│")]


# --- every command and format: no traceback, no MarkupError, the paper is there --------------------------------

# (arguments, on a terminal): the terminal views, what a pipe gets instead, and every --format.
EVERY_FORMAT = [
    (("list",), True),
    (("list",), False),
    *[(("list", "-f", f), False) for f in ("json", "yaml", "csv", "md")],
    (("search", "oops"), True),
    (("search", "oops"), False),
    *[(("search", "oops", "-f", f), False) for f in ("json", "yaml", "csv", "md")],
    (("show", "hostile"), True),
    *[(("show", "hostile", "-f", f), False) for f in ("json", "yaml")],
    (("timeline",), True),
    (("timeline",), False),
    *[(("timeline", "-f", f), False) for f in ("json", "md", "mermaid", "svg", "html")],
    (("compare", "CLIP", "hostile"), True),
    (("compare", "CLIP", "hostile"), False),
    *[(("compare", "CLIP", "hostile", "-f", f), False) for f in ("json", "md")],
    (("stats",), True),
    (("stats",), False),
    *[(("stats", "-f", f), False) for f in ("json", "md")],
    *[(("export", "-f", f), False) for f in ("bibtex", "csl-json", "ris", "csv", "yaml", "json")],
]


@pytest.mark.parametrize(
    ("args", "on_terminal"), EVERY_FORMAT, ids=[" ".join(a) + (" (terminal)" if t else "") for a, t in EVERY_FORMAT]
)
def test_every_command_and_format_prints_the_hostile_record(
    hostile: Path, run: Run, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], on_terminal: bool
) -> None:
    if on_terminal:
        as_terminal(monkeypatch)

    out = ok(run(*args, env=TERMINAL))

    assert ("@Evil Corp" if args[0] == "stats" else "oops") in out
    # No control character reaches the terminal from any output; JSON and YAML keep them as escapes. YAML is
    # the store's own format (store.dump_record), which writes a bidirectional override as it is.
    assert INVISIBLE.findall(out) == ([] if "yaml" not in args else ["\u202e"])


# --- the terminal: rich shows note text as written ----------------------------------------------------------------


def test_show_panel_prints_markup_in_a_record_as_written(hostile: Path, run: Run, terminal: None) -> None:
    out = ok(run("show", "hostile", env=TERMINAL))
    lines = [line.strip("│ ").rstrip() for line in out.splitlines()]

    assert out.startswith(f"╭─ {SHOWN} ─")
    for expected in (
        f"title           {SHOWN}  (arXiv)",
        "authors         Mallory {, Eve } O'Hara",
        "orgs            @Evil Corp, [/]",
        "venue           +CVPR [/] 2022",
        "paper           javascript:alert(1)",
        "vision encoder  [bold red]x",
        "connector       :smile:",
        "tags            [link=javascript:alert(1)]tag[/link]",
        "[b]背景  [/] text",
        "mentions  [/]CLIP  [x]:1",
        "venue  [/]a ([b]s:1)  vs  b (c)",
        "[/]hand.md:1  [b]hand",
        "[31mred[0m and ]8;;javascript:alert(1)a link",  # escape sequences lose their ESC and BEL
    ):
        assert expected in lines, expected


def columns(line: str) -> list[str]:
    """The cells of a line of a list of papers (a table without rules: cells apart by two spaces or more)."""
    return re.split(r"\s{2,}", line.strip())


def test_list_table_prints_markup_in_a_record_as_written(hostile: Path, run: Run, terminal: None) -> None:
    lines = ok(run("list", "-f", "table", env=TERMINAL)).splitlines()

    assert columns(lines[0]) == ["name", "date", "org", "venue", "arXiv", "components", "title"]
    assert columns(lines[3]) == ["hostile", "2022-03-04", "@Evil Corp, [/]", "+CVPR [/] 2022", COMPONENTS, SHOWN]


def test_search_table_snippet_prints_markup_as_written(hostile: Path, run: Run, terminal: None) -> None:
    title = ok(run("search", "oops", env=TERMINAL)).splitlines()
    assert columns(title[2])[-1] == SHOWN

    snippet = ok(run("search", "text", env=TERMINAL)).splitlines()
    assert columns(snippet[2])[-1] == SHOWN
    assert snippet[3].strip() == "[/] text"  # the summary the word is in, under the title


def test_timeline_tree_prints_markup_as_written(hostile: Path, run: Run, terminal: None) -> None:
    out = ok(run("timeline", env=TERMINAL))

    assert (
        out.splitlines()[-1]
        == f"    └── 2022-03-04  {SHOWN}  @Evil Corp, [/]  [bold red]x · :smile: · =cmd|' /C calc'!A0"
    )


def test_compare_table_prints_markup_as_written(hostile: Path, run: Run, terminal: None) -> None:
    out = ok(run("compare", "CLIP", "hostile", env=TERMINAL))
    header = out.splitlines()[1]

    assert [c.strip() for c in header.split("┃")[1:-1]] == ["", "CLIP", SHOWN]
    rows = {row[0]: row[2] for row in cells(out)}
    assert rows["org"] == "@Evil Corp, [/]"
    assert rows["vision encoder"] == "[bold red]x"
    assert rows["connector"] == ":smile:"


def test_stats_bars_print_markup_as_written(hostile: Path, run: Run, terminal: None) -> None:
    lines = [line.strip() for line in ok(run("stats", env=TERMINAL)).splitlines()]

    assert lines[0] == "2 papers"
    assert "[/]         1  ████████████████████████" in lines
    assert "[bold red]x  1  ████████████████████████" in lines
    assert ":smile:  1  ████████████████████████" in lines


def test_messages_quoting_text_print_it_as_written(hostile: Path, run: Run) -> None:
    missing = run("show", "[bold red]x:smile:")
    assert missing.exit_code == 1
    assert missing.stderr == "error: no paper matches '[bold red]x:smile:'; `vlmnotes list` shows every paper\n"
    assert_no_traceback(missing)

    wrote = run("timeline", "-f", "html", "-o", "[b]:smile:.html")
    assert (wrote.exit_code, wrote.stdout, wrote.stderr) == (0, "", "wrote [b]:smile:.html\n")


# --- HTML and SVG: escaped, XML-clean, only web links clickable ---------------------------------------------------


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [value or "" for name, value in attrs if name == "href"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _page(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def _timeline_data(text: str) -> dict[str, Any]:
    """The papers the HTML timeline embeds as JSON for its script to draw (with textContent only)."""
    data = re.search(r'<script type="application/json" id="timeline-data">(.*?)</script>', text, re.DOTALL)
    assert data is not None
    return dict(json.loads(data[1]))


def _html_links(text: str) -> list[str]:
    """The web addresses the HTML timeline links: in its markup, and the paper links its script makes."""
    papers = _timeline_data(text)["papers"]
    return _page(text).links + [url for p in papers for kind, url in p["links"] if kind == "paper"]


def test_html_timeline_shows_note_text_and_links_only_web_addresses(hostile: Path, run: Run) -> None:
    text = ok(run("timeline", "-f", "html"))
    page = _page(text)

    assert _html_links(text) == ["https://arxiv.org/abs/2103.00020"]
    markup = text.replace(text.split('id="timeline-data">')[1].split("</script>")[0], "")  # the notes' text left out
    assert "javascript:" not in markup and "data:" not in markup
    assert page.tags.count("script") == 2  # the papers as JSON, and the page's own script: none from a note
    assert "\x01" not in text
    [*_, paper] = _timeline_data(text)["papers"]
    assert (paper["label"], paper["title"], paper["links"]) == (SHOWN, SHOWN, [])  # the name (its title), unlinked


def test_svg_timeline_parses_and_shows_note_text(hostile: Path, run: Run) -> None:
    root = ET.fromstring(ok(run("timeline", "-f", "svg")))
    texts = [" ".join("".join(t.itertext()).split()) for t in root.iter("{http://www.w3.org/2000/svg}text")]

    assert " ".join(SHOWN.split()) in texts and "@Evil Corp" in texts  # the name, and its lane
    assert [e.get("href") for e in root.iter() if e.tag.endswith("}a")] == ["https://arxiv.org/abs/2103.00020"]
    assert not [e for e in root.iter() if e.tag.endswith("}script")]


BAD_LINKS = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "\x01javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD4=",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
    "https://ok.example/\x00javascript:alert(1)",
]
GOOD_LINKS = ["https://a.example/?q=1&r=2", "HTTP://B.EXAMPLE/path"]


@pytest.mark.parametrize("url", BAD_LINKS)
def test_a_link_that_is_not_a_web_address_is_never_clickable(url: str) -> None:
    assert web_link(url) is None
    text = timeline_html(build_timeline([{"id": "x", "name": "X", "year": 2021, "links": {"paper": url}}]))
    assert _html_links(text) == []
    assert _timeline_data(text)["papers"][0]["label"] == "X"


def test_web_addresses_stay_clickable() -> None:
    records = [{"id": u, "name": u[-4:], "year": 2021, "links": {"paper": u}} for u in GOOD_LINKS]
    assert _html_links(timeline_html(build_timeline(records))) == GOOD_LINKS


NOT_XML = "\x00\x08\x0b\x0c\x0e\x1f\ufffe\uffff\ud800"


@pytest.mark.parametrize("render", [timeline_svg, timeline_html], ids=["svg", "html"])
def test_characters_xml_forbids_are_dropped(render: Callable[[Any], str]) -> None:
    record = {"id": "x", "name": f"A{NOT_XML}B", "title": f"T{NOT_XML}", "year": 2021, "orgs": [f"O{NOT_XML}"]}
    text = render(build_timeline([record]))

    assert not set(NOT_XML) & set(text)
    assert "AB" in text
    if render is timeline_svg:
        ET.fromstring(text)


# --- CSV: no formulas ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [("list",), ("search", "oops"), ("export",)])
def test_csv_cells_a_spreadsheet_would_run_start_with_an_apostrophe(
    hostile: Path, run: Run, command: tuple[str, ...]
) -> None:
    rows = list(csv.reader(io.StringIO(ok(run(*command, "-f", "csv")))))

    assert rows[-1] == ["hostile", "", "2022", "2022-03-04", "'@Evil Corp, [/]", "'+CVPR [/] 2022", "", "'" + SHOWN]


@pytest.mark.parametrize(
    ("title", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "' =1+1"),  # the tab is a space in every plain format
        ("\r=1+1", "' =1+1"),  # and so is a carriage return, which would end the row
        ("  =1+1", "'  =1+1"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_csv_neutralises_every_formula_start(title: str, cell: str) -> None:
    [_, row] = list(csv.reader(io.StringIO(records_csv([{"id": "x", "title": title}]), newline="")))

    assert row[-1] == cell


# --- BibTeX: whatever the braces, the file parses --------------------------------------------------------------


def bibtex_braces_balance(text: str) -> bool:
    """Every field value's braces balance as BibTeX counts them: escaped ones too (bibtexparser is kinder and
    skips `\\{`, pybtex and bibtex are not)."""
    values = re.findall(r"^\t\w+ = \{(.*)\},?$", text, re.MULTILINE)
    assert len(values) == text.count(" = "), "a field value runs over more than one line"
    for value in values:
        depth = 0
        for char in value:
            depth += {"{": 1, "}": -1}.get(char, 0)
            if depth < 0:
                return False
        if depth:
            return False
    return True


def test_bibtex_of_the_hostile_record_parses_back(hostile: Path, run: Run) -> None:
    text = ok(run("export", "-f", "bibtex"))
    library = bibtexparser.parse_string(text)

    assert bibtex_braces_balance(text)
    assert library.failed_blocks == []
    assert len(library.entries) == 2
    entry = next(e for e in parse_bibtex(text) if "oops" in e["title"])
    assert "{oops }" in entry["title"] and entry["title"].endswith("<script>alert(1)</script>")
    assert entry["author"] == "Mallory { and Eve } O'Hara"
    assert entry["doi"] == "10.1/%7Bx"


LONE = [
    "A lone { brace",
    "A lone } brace",
    "} backwards {",
    "{{ two open",
    "closed {twice}}",
    "{kept} plus {kept too}",
    r"a \ backslash % # & $ _ with a tilde ~",
    r"written as LaTeX \{ half",
]


def _records(titles: list[str]) -> list[dict[str, Any]]:
    return [
        {"id": f"p{i}", "name": f"P{i}", "title": t, "year": 2021, "authors": [f"Ann {t}", "Bob } Lee"]}
        for i, t in enumerate(titles)
    ]


def test_bibtex_with_lone_braces_parses_and_reads_back_as_written() -> None:
    text = to_bibtex(_records(LONE))

    assert bibtex_braces_balance(text)
    assert bibtexparser.parse_string(text).failed_blocks == []
    entries = parse_bibtex(text)
    assert [e["title"] for e in entries] == LONE
    assert [e["author"] for e in entries] == [f"Ann {t} and Bob }} Lee" for t in LONE]


def test_bibtex_with_lone_braces_parses_with_pybtex() -> None:
    database = pytest.importorskip("pybtex.database")
    records = _records([*LONE, "math $x{$ here", "^ or ~"])

    parsed = database.parse_string(to_bibtex(records), "bibtex")

    assert len(parsed.entries) == len(records)
    assert [len(entry.persons["author"]) for entry in parsed.entries.values()] == [2] * len(records)


# --- the other bibliography formats carry the text as data -------------------------------------------------------


def test_csl_json_and_ris_keep_the_title_as_data(hostile: Path, run: Run) -> None:
    items = json.loads(ok(run("export", "-f", "csl-json")))
    assert items[-1]["title"] == TITLE
    entries = rispy.loads(ok(run("export", "-f", "ris")))
    assert entries[-1]["authors"] == ["Mallory {", "Eve } O'Hara"]


# --- Markdown: shown as written, only web addresses linked, the table keeps its columns ---------------------------


def markdown_html(text: str) -> str:
    """Markdown as a CommonMark viewer with GitHub's tables shows it (raw HTML passes through, as CommonMark says)."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table").render(text)


class _Table(_Page):
    """A rendered page's table rows, each a list of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_cell = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        super().handle_starttag(tag, attrs)
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append("")
            self.in_cell = True

    def handle_endtag(self, tag: str) -> None:
        self.in_cell = self.in_cell and tag not in ("td", "th")

    def handle_data(self, data: str) -> None:
        super().handle_data(data)
        if self.in_cell:
            self.rows[-1][-1] += data


def markdown_page(text: str) -> _Table:
    page = _Table()
    page.feed(markdown_html(text))
    page.close()
    return page


@pytest.mark.parametrize("command", [("list",), ("search", "oops")])
def test_markdown_table_shows_the_hostile_title_as_written_and_unlinked(
    hostile: Path, run: Run, command: tuple[str, ...]
) -> None:
    page = markdown_page(ok(run(*command, "-f", "md")))

    assert page.links == (["https://arxiv.org/abs/2103.00020"] if command == ("list",) else [])
    assert "script" not in page.tags
    assert page.rows[-1] == ["", "2022", "@Evil Corp, [/]", "+CVPR [/] 2022", SHOWN]
    assert {len(row) for row in page.rows} == {5}


# A title that tries every way out of its cell or into a link: closing the link text, a link of its own, an
# autolink, raw HTML, a code span, a cell border, an escape of our escapes, and a new line.
BREAKOUT = "a](javascript:alert(1)) [b](javascript:alert(2)) <javascript:alert(3)> <img src=x> `c|d` \\| e\nf"


def test_markdown_title_cannot_leave_its_cell_or_make_a_link() -> None:
    records = [
        {
            "id": "x",
            "name": "[n](javascript:alert(4))",
            "title": BREAKOUT,
            "links": {"paper": "https://a.example/(x)|y"},
        },
        {"id": "y", "name": "# heading", "title": "t", "links": {"paper": "javascript:alert(5)"}},
    ]
    page = markdown_page(records_md(records))

    assert page.links == ["https://a.example/(x)%7Cy"]  # the web address, whole, and no other
    assert page.tags.count("img") == 0
    assert page.rows[1:] == [
        ["[n](javascript:alert(4))", "", "", "", BREAKOUT.replace("\n", " ")],
        ["# heading", "", "", "", "t"],
    ]


def test_markdown_views_show_note_text_as_written(hostile: Path, run: Run) -> None:
    for args in (("timeline", "-f", "md"), ("compare", "CLIP", "hostile", "-f", "md"), ("stats", "-f", "md")):
        page = markdown_page(ok(run(*args)))
        links = ["https://arxiv.org/abs/2103.00020"] if args[0] == "timeline" else []  # CLIP's
        assert page.links == links and "script" not in page.tags, args

    timeline = "".join(markdown_page(ok(run("timeline", "-f", "md"))).text)
    assert f"2022-03-04 {SHOWN} (@Evil Corp, [/], [bold red]x · :smile: · =cmd|' /C calc'!A0)" in timeline
    stats = markdown_page(ok(run("stats", "-f", "md"))).text
    assert "[/]: 1" in stats and "[bold red]x: 1" in stats


def test_markdown_compare_escapes_every_cell_alike() -> None:
    records = [
        {"id": "a", "name": "A|B", "title": "one\ntwo | three", "orgs": ["[x](javascript:alert(1))"]},
        {"id": "c", "name": "<b>C</b>", "venue": "X | Y"},
    ]
    page = markdown_page(compare_md(records))

    assert page.links == [] and "b" not in page.tags
    assert {len(row) for row in page.rows} == {3}
    assert page.rows[0] == ["", "A|B", "<b>C</b>"]
    rows = {row[0]: row[1:] for row in page.rows}
    assert rows["org"] == ["[x](javascript:alert(1))", "—"]
    assert rows["venue"] == ["—", "X | Y"]
    assert rows["title"] == ["one two | three", "—"]


def test_markdown_stats_values_stay_list_items() -> None:
    text = stats_md({"orgs": [("# Big", 2), ("- dash", 1), ("1. one", 1), ("a\nb", 1)]})

    assert markdown_html(text) == (
        "<h2>orgs</h2>\n<ul>\n<li># Big: 2</li>\n<li>- dash: 1</li>\n<li>1. one: 1</li>\n<li>a b: 1</li>\n</ul>\n"
    )


# --- Mermaid: note text in entity codes, one event a paper ------------------------------------------------------


def mermaid_shown(event: str) -> str:
    """An event as Mermaid shows it: `#name;` and `#number;` read as the characters they stand for."""
    return html.unescape(re.sub(r"#(\d+|[a-z]+);", lambda m: "&" + ("#" if m[1].isdigit() else "") + m[1] + ";", event))


def test_mermaid_writes_note_text_as_entity_codes(hostile: Path, run: Run) -> None:
    text = ok(run("timeline", "-f", "mermaid"))
    line = text.splitlines()[-1]

    assert not re.search(r"[<>\"'`%]", text)
    assert line.startswith("        2022 : ") and line.count(" : ") == 1
    assert mermaid_shown(line.removeprefix("        2022 : ")) == SHOWN
    assert "#lt;script#gt;" in line


def test_mermaid_note_text_cannot_end_an_event_or_start_a_comment() -> None:
    names = ["a : b", 'c %%{init: {"securityLevel": "loose"}}%%', "d\n    section 1999\n    1999 : e", "#lt;f#35;"]
    records = [{"id": f"p{i}", "name": n, "year": 2021} for i, n in enumerate(names)]
    lines = timeline_mermaid(build_timeline(records)).splitlines()

    assert lines[:3] == ["timeline", "    title Vision-language papers", "    section 2021"]
    [events] = lines[3:]
    assert events.count(":") == events.count(" : ") == 4  # only in the ` : ` before each of the four events
    assert [mermaid_shown(e) for e in events.split(" : ")[1:]] == [  # in name order
        "#lt;f#35;",
        "a : b",
        'c %%{init: {"securityLevel": "loose"}}%%',
        "d     section 1999     1999 : e",
    ]


# --- the pipe: a line a record, a column a field, nothing a terminal acts on ---------------------------------------

NASTY = "a\tb\nc\rd\x1b[2Je\x9bf\u2028g\u202eh"
NASTY_LINE = "a b c d[2Jef gh"  # tab and line breaks a space, controls and overrides left out


def test_piped_list_and_timeline_keep_their_columns(hostile: Path, run: Run) -> None:
    [*_, row] = [line.split("\t") for line in ok(run("list")).splitlines()]
    assert row == ["hostile", "", "2022-03-04", "@Evil Corp, [/]", "+CVPR [/] 2022", SHOWN]
    [*_, row] = [line.split("\t") for line in ok(run("timeline")).splitlines()]
    assert row == ["2022-03-04", SHOWN, "@Evil Corp, [/]", "[bold red]x · :smile: · =cmd|' /C calc'!A0"]


def test_plain_formats_put_a_record_on_a_line() -> None:
    record = {"id": "x", "name": NASTY, "date": "2021-01-02", "year": 2021, "orgs": [NASTY], "title": NASTY}
    record["components"] = {"llm": [NASTY]}

    assert records_tsv([record]).splitlines()[1].split("\t") == [
        "x",
        NASTY_LINE,
        "2021-01-02",
        NASTY_LINE,
        "",
        NASTY_LINE,
    ]
    assert timeline_plain(build_timeline([record])).split("\t") == [
        "2021-01-02",
        NASTY_LINE,
        NASTY_LINE,
        NASTY_LINE + "\n",
    ]
    lines = stats_plain(stats([record])).splitlines()
    assert lines == [
        "year\t2021\t1",
        f"orgs\t{NASTY_LINE}\t1",
        "vision_encoder\t(none)\t1",
        f"llm\t{NASTY_LINE}\t1",
        "connector\t(none)\t1",
    ]


def test_json_keeps_the_text_and_escapes_what_a_terminal_acts_on(hostile: Path, run: Run) -> None:
    for args in (("list", "-f", "json"), ("export", "-f", "csl-json")):
        text = ok(run(*args))
        assert INVISIBLE.findall(text) == []
        assert json.loads(text)[-1]["title"] == TITLE


def test_a_message_quoting_text_carries_no_control_character(hostile: Path, run: Run) -> None:
    result = run("show", "x\x1b]0;owned\x07y")

    assert result.exit_code == 1
    assert result.stderr == "error: no paper matches 'x]0;ownedy'; `vlmnotes list` shows every paper\n"


# --- bibliographies: a link only to the web, a field on a line -----------------------------------------------------


def test_bibliographies_leave_a_link_that_is_not_a_web_address_out(hostile: Path, run: Run) -> None:
    [*_, item] = json.loads(ok(run("export", "-f", "csl-json")))
    [*_, entry] = rispy.loads(ok(run("export", "-f", "ris")))
    [*_, fields] = parse_bibtex(ok(run("export", "-f", "bibtex")))

    assert "URL" not in item
    assert "urls" not in entry
    assert "url" not in fields
    assert entry["title"] == SHOWN


# (paper link, pdf link) -> the one address every output links: the first of them that is a web address.
LINKS = [
    (("https://a.example/p", "https://a.example/p.pdf"), "https://a.example/p"),
    (("javascript:alert(1)", "https://a.example/p.pdf"), "https://a.example/p.pdf"),
    ((None, "https://a.example/p.pdf"), "https://a.example/p.pdf"),
    (("https://a.example/p", "data:text/html,x"), "https://a.example/p"),
    (("javascript:alert(1)", "data:text/html,x"), None),
]


@pytest.mark.parametrize(("links", "expected"), LINKS)
def test_every_output_links_the_same_address(links: tuple[str | None, str | None], expected: str | None) -> None:
    record = {"id": "x", "name": "X", "title": "T", "year": 2021, "links": {"paper": links[0], "pdf": links[1]}}
    csl = json.loads(to_csl_json([record]))[0]
    [ris] = rispy.loads(to_ris([record]))
    [bib] = parse_bibtex(to_bibtex([record]))

    assert paper_link(record) == expected
    assert _html_links(timeline_html(build_timeline([record]))) == [expected] * bool(expected)
    assert markdown_page(records_md([record])).links == [expected] * bool(expected)
    assert (csl.get("URL"), ris.get("urls"), bib.get("url")) == (expected, [expected] if expected else None, expected)


def test_ris_values_stay_on_their_line() -> None:
    record = {
        "id": "x",
        "title": "a\nER  - \nTY  - JOUR\nTI  - forged",
        "authors": ["Ann\r\nAU  - Forged"],
        "abstract": "one\n\ntwo\x1b[2J",
        "year": 2021,
    }
    [entry] = rispy.loads(to_ris([record]))

    assert entry["title"] == "a ER  -  TY  - JOUR TI  - forged"
    assert entry["authors"] == ["Ann  AU  - Forged"]
    assert entry["abstract"] == "one  two[2J"
