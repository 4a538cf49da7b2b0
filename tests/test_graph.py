"""`vlmnotes graph`: which papers a query and --depth select, the four formats, escaping, and the HTML page in a
real headless browser.

The command runs end to end on a small checklist note written here (eight papers; its remarks state
BLIP-2 improves on BLIP, InstructBLIP builds on BLIP-2, ViLT takes its patch embedding from ViT, MiniGPT-4 is
similar to LLaVA) and on one record file written by hand whose title and relation are hostile.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from conftest import assert_no_traceback, write_notes
from vlmnotes.cli import app
from vlmnotes.errors import UsageError
from vlmnotes.graph import (
    Graph,
    build_graph,
    graph_dot,
    graph_html,
    graph_mermaid,
    graph_text,
    layout,
    mermaid_text,
    named,
    parse_types,
    script_json,
)
from vlmnotes.lineage import ALL_TYPES, LINEAGE_TYPES

PAPERS_MD = """\
# Vision-language papers

- [x] [ViT](https://arxiv.org/abs/2010.11929) - image patches as tokens
- [x] [ViLT](https://arxiv.org/abs/2102.03334) - one Transformer, the patch embedding from ViT
- [x] [BLIP](https://arxiv.org/abs/2201.12086) - captions bootstrapped by a captioner and a filter
- [x] [BLIP-2](https://arxiv.org/abs/2301.12597) - BLIP-2 improves on BLIP with a Q-Former between frozen models
- [x] [InstructBLIP](https://arxiv.org/abs/2305.06500) - InstructBLIP builds on BLIP-2 with instruction tuning
- [x] [LLaVA](https://arxiv.org/abs/2304.08485) - visual instruction tuning
- [x] [MiniGPT-4](https://arxiv.org/abs/2304.10592) - MiniGPT-4 is similar to LLaVA
- [ ] [Flamingo](https://arxiv.org/abs/2204.14198) - interleaved images and text
"""

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# Hostile text that would change the page if it ever ran, so that a browser can tell.
PWN_SCRIPT = "<script>document.body.setAttribute('data-pwned','1')</script>"
PWN_IMG = "\"><img src=x onerror=\"document.body.setAttribute('data-pwned','1')\">"

EVIL_YAML = """\
id: evil
name: 'Evil"Net {a|b} <i>'
title: '<script>alert(1)</script> "><img src=x onerror=alert(1)> back\\\\slash'
date: '2024-02'
year: 2024
links:
  paper: javascript:alert(1)
  code: https://github.com/evil/net
relations:
- type: improves-on
  target: BLIP-2
  target_id: '2301.12597'
  evidence: '</script><script>alert(2)</script>'
  source: hand.md:1
"""

Vl = Callable[..., Result]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Headless, with nothing that reaches the network or a profile of the user's.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One built knowledge base of PAPERS_MD plus the hand-written record `evil`, shared by every test here."""
    root = tmp_path_factory.mktemp("graph")
    write_notes(root / "notes", {"papers.md": PAPERS_MD})
    argv = ["--notes", str(root / "notes"), "--kb", str(root / "kb"), "build"]
    result = CliRunner().invoke(app, argv, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (root / "kb" / "papers" / "evil.yaml").write_text(EVIL_YAML, encoding="utf-8")
    return root


@pytest.fixture
def vl(shared: Path) -> Vl:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        argv = ["--notes", str(shared / "notes"), "--kb", str(shared / "kb"), *args]
        return runner.invoke(app, argv, catch_exceptions=False)

    return invoke


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    assert_no_traceback(result)
    return result.stdout


def papers(text: str) -> list[str]:
    """The papers of a text adjacency list: the lines that do not start with a space, summary and key aside."""
    lines = text.splitlines()[1:]
    return [line.split(" (")[0] for line in lines if line and not line.startswith((" ", "*"))]


# --- selection and depth --------------------------------------------------------------------------------------


def test_a_name_starts_from_that_paper_and_lists_its_relations_both_ways(vl: Vl) -> None:
    assert ok(vl("graph", "BLIP-2")) == (
        "4 papers and 3 relations (improves-on, builds-on, uses) within 1 step of BLIP-2\n"
        "BLIP (2022-01)\n"
        "  improved on by  BLIP-2 (2023-01)\n"
        "BLIP-2 (2023-01)  *\n"
        "  improves-on     BLIP (2022-01)\n"
        "  built on by     InstructBLIP (2023-05)\n"
        '  improved on by  Evil"Net {a|b} <i> (2024-02)\n'
        "InstructBLIP (2023-05)\n"
        "  builds-on       BLIP-2 (2023-01)\n"
        'Evil"Net {a|b} <i> (2024-02)\n'
        "  improves-on     BLIP-2 (2023-01)\n"
        "* selected by the query\n"
    )


def test_depth_counts_the_relations_walked_from_the_paper(vl: Vl) -> None:
    assert papers(ok(vl("graph", "InstructBLIP", "--depth", "0"))) == ["InstructBLIP"]
    assert papers(ok(vl("graph", "InstructBLIP"))) == ["BLIP-2", "InstructBLIP"]
    assert papers(ok(vl("graph", "InstructBLIP", "-d", "2"))) == [
        "BLIP",
        "BLIP-2",
        "InstructBLIP",
        'Evil"Net {a|b} <i>',
    ]


def test_types_choose_the_relations_followed(vl: Vl) -> None:
    assert papers(ok(vl("graph", "LLaVA"))) == ["LLaVA"]
    out = ok(vl("graph", "LLaVA", "--types", "similar-to"))
    assert out.startswith("2 papers and 1 relation (similar-to) within 1 step of LLaVA\n")
    assert "  similar-to  MiniGPT-4 (2023-04)\n" in out


def test_a_query_that_names_no_paper_starts_from_every_paper_it_selects(vl: Vl) -> None:
    out = ok(vl("graph", "name:ViT OR name:Flamingo", "--depth", "0"))
    assert papers(out) == ["ViT", "Flamingo"]
    assert "*" not in out  # every paper drawn was selected: nothing to mark


def test_a_query_may_start_with_a_minus(vl: Vl) -> None:
    assert papers(ok(vl("graph", "-status:read", "-d", "0"))) == ["Flamingo", 'Evil"Net {a|b} <i>']


def test_with_no_query_every_paper_with_a_relation_and_the_others_counted(vl: Vl) -> None:
    out = ok(vl("graph"))
    assert out.splitlines()[0] == (
        "6 papers and 4 relations (improves-on, builds-on, uses); 3 papers without a relation not shown"
    )
    assert papers(out) == ["ViT", "ViLT", "BLIP", "BLIP-2", "InstructBLIP", 'Evil"Net {a|b} <i>']
    assert ok(vl("graph", "")) == out
    assert ok(vl("graph", "-t", "all")).splitlines()[0] == (
        "8 papers and 5 relations (improves-on, builds-on, uses, similar-to, mentions);"
        " 1 paper without a relation not shown"
    )


def test_nothing_matched_is_exit_1_with_one_line(vl: Vl) -> None:
    result = vl("graph", "zorblax")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "no papers match 'zorblax'\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--types", "improves-on,cites"),
            "error: --types: unknown relation type 'cites'; choose from improves-on, builds-on, uses, similar-to,"
            " mentions (comma-separated) or all\n",
        ),
        (("--types", ","), "error: --types: no relation type given; choose from"),
        (("--depth", "-1"), "Invalid value for '--depth'"),
        (("--format", "png"), "Invalid value for '--format'"),
    ],
)
def test_usage_errors_are_exit_2_without_a_traceback(vl: Vl, args: tuple[str, ...], message: str) -> None:
    result = vl("graph", "BLIP", *args)
    assert result.exit_code == 2, result.output
    assert_no_traceback(result)
    assert message in result.stderr


def test_the_output_file_ending_chooses_the_format(vl: Vl, tmp_path: Path) -> None:
    for name, start in [
        ("g.html", "<!DOCTYPE html>"),
        ("g.dot", "// "),
        ("g.gv", "// "),
        ("g.mmd", "%% "),
        ("g.txt", "6 papers"),
    ]:
        result = vl("graph", "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        assert result.stdout == ""
        assert result.stderr == f"wrote {tmp_path / name}\n"
        assert (tmp_path / name).read_text("utf-8").startswith(start)
    assert ok(vl("graph", "-f", "dot", "-o", str(tmp_path / "x.html"))) == ""
    assert (tmp_path / "x.html").read_text("utf-8").startswith("// ")


def test_graph_is_in_the_help(vl: Vl) -> None:
    out = ok(vl("graph", "--help"))
    assert "names a paper outright" in out
    assert "vlmnotes graph BLIP-2 --depth 2" in out


# --- the library on hand-made records --------------------------------------------------------------------------


def rel(kind: str, target_id: str, evidence: str = "") -> dict[str, str]:
    return {"type": kind, "target": target_id, "target_id": target_id, "evidence": evidence, "source": "n.md:3"}


def rec(rid: str, date: str | None, *relations: dict[str, str], **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {"id": rid, "name": rid.upper(), "relations": list(relations), **extra}
    if date:
        record["date"], record["year"] = date, int(date[:4])
    return record


RECORDS = [
    rec("a", "2020-01"),
    rec("b", "2021-05", rel("improves-on", "a")),
    rec("c", "2021-05", rel("uses", "a"), aliases=["Sea Model"]),
    rec("d", "2022", rel("builds-on", "b"), rel("similar-to", "c")),
    rec("e", None, rel("mentions", "d")),
    rec("f", "2023-02"),
]


def test_parse_types_keeps_the_canonical_order_and_knows_all() -> None:
    assert parse_types("uses, improves-on") == ("improves-on", "uses")
    assert parse_types("all") == ALL_TYPES
    assert parse_types("improves-on,builds-on,uses") == LINEAGE_TYPES
    with pytest.raises(UsageError):
        parse_types("cites")


def test_named_matches_a_name_alias_id_or_title_as_show_does() -> None:
    assert [r["id"] for r in named("sea-model", RECORDS)] == ["c"]
    assert [r["id"] for r in named("B", RECORDS)] == ["b"]
    assert named("zz", RECORDS) == []


def test_build_graph_with_and_without_a_query() -> None:
    whole = build_graph(RECORDS, RECORDS, None, types=ALL_TYPES)
    assert [r["id"] for r in whole.records] == ["a", "b", "c", "d", "e"]
    assert whole.left_out == 1
    around = build_graph(RECORDS, [RECORDS[1], RECORDS[3]], "B", depth=1)
    assert [r["id"] for r in around.records] == ["a", "b", "d"]
    assert around.seeds == {"b"}
    assert [(e.source, e.type, e.target) for e in around.edges] == [("b", "improves-on", "a"), ("d", "builds-on", "b")]


def test_layout_places_older_papers_left_and_undated_last() -> None:
    graph = build_graph(RECORDS, RECORDS, None, types=ALL_TYPES)
    places = layout(graph)
    xs = {rid: xy[0] for rid, xy in places.items()}
    assert xs["a"] < xs["b"] == xs["c"] < xs["d"] < xs["e"]
    assert places["b"][1] != places["c"][1]  # one column, two rows


HOSTILE = [
    rec("x1", "2023-01", name=SCRIPT, title=IMG, venue=SCRIPT, orgs=[IMG], links={"paper": "javascript:alert(1)"}),
    rec(
        "x2",
        "2023-06",
        rel("improves-on", "x1", evidence=f"{SCRIPT}\u2028{IMG}"),
        name=IMG,
        title='back\\slash "quoted"\nnew line <>{}|',
        links={"paper": 'https://example.org/p?q="x"', "code": "https://github.com/a/b", "project": "data:text/html,x"},
    ),
]


def hostile_graph() -> Graph:
    return build_graph(HOSTILE, HOSTILE, None)


def test_script_json_cannot_close_its_element() -> None:
    data = {"t": f"</script>{SCRIPT}{IMG}&amp;\u2028\u2029"}
    text = script_json(data)
    assert not re.search("[<>&\u2028\u2029]", text)
    assert json.loads(text) == data


class Tags(HTMLParser):
    """Every start tag of a page, and the text of its script elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def test_html_keeps_hostile_text_as_data() -> None:
    page = graph_html(hostile_graph())
    parser = Tags()
    parser.feed(page)
    assert parser.tags.count("script") == 2  # the data and the page's own script, nothing from a note
    assert "img" not in parser.tags
    assert "alert(1)" not in page.split('id="graph-data">')[0]  # the head and header hold no note text
    data = json.loads(parser.scripts[0])
    assert [n["name"] for n in data["nodes"]] == [SCRIPT, IMG]
    assert data["nodes"][0]["links"] == {}  # javascript: is no link
    assert data["nodes"][1]["links"] == {"paper": 'https://example.org/p?q="x"', "code": "https://github.com/a/b"}
    assert "innerHTML" not in page and "insertAdjacentHTML" not in page and "document.write" not in page


def test_html_without_a_query_and_with_one_names_it_escaped() -> None:
    graph = build_graph(HOSTILE, HOSTILE, SCRIPT, depth=1)
    page = graph_html(graph)
    assert "<h1>Lineage of &lt;script&gt;alert(1)&lt;/script&gt;</h1>" in page
    assert SCRIPT not in page


def test_dot_quotes_every_label_and_links_only_the_web() -> None:
    text = graph_dot(hostile_graph())
    assert 'n1 [label="<script>alert(1)</script>\\n2023", tooltip="\\"><img src=x onerror=alert(1)>"];' in text
    assert 'tooltip="back\\\\slash \\"quoted\\" new line <>{}|"' in text
    assert 'URL="https://example.org/p?q=%22x%22"' in text
    assert "javascript" not in text
    assert 'n2 -> n1 [label="improves-on"' in text


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz dot is not installed")
def test_dot_renders_with_graphviz(vl: Vl) -> None:
    for text in (graph_dot(hostile_graph()), ok(vl("graph", "-f", "dot", "-t", "all"))):
        svg = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=60, check=True)
        assert svg.stderr == ""
        root = ET.fromstring(svg.stdout)
        assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] in ("script", "foreignObject")]
        texts = [e.text for e in root.iter() if e.tag.endswith("}text")]
        assert "improves-on" in texts


def test_mermaid_writes_note_text_as_entity_codes() -> None:
    text = graph_mermaid(hostile_graph())
    assert text.splitlines()[1:5] == [
        "flowchart RL",
        '  n1["#60;script#62;alert#40;1#41;#60;/script#62;<br/>2023"]',
        '  n2["#34;#62;#60;img src#61;x onerror#61;alert#40;1#41;#62;<br/>2023"]',
        "  n2 -->|improves-on| n1",
    ]
    assert '  click n2 href "https://example.org/p?q=%22x%22" _blank' in text
    assert "javascript" not in text
    assert mermaid_text("a_b `c` #d;") == "a#95;b #96;c#96; #35;d#59;"


@pytest.mark.skipif(shutil.which("mmdc") is None or CHROMIUM is None, reason="needs mermaid-cli (mmdc) and Chromium")
def test_mermaid_renders_with_mermaid_cli(vl: Vl, tmp_path: Path) -> None:
    browser = tmp_path / "puppeteer.json"
    browser.write_text(
        json.dumps({"executablePath": CHROMIUM, "args": [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path}/p"]})
    )
    for i, text in enumerate((graph_mermaid(hostile_graph()), ok(vl("graph", "-f", "mermaid", "-t", "all")))):
        source, svg = tmp_path / f"g{i}.mmd", tmp_path / f"g{i}.svg"
        source.write_text(text, encoding="utf-8")
        argv = ["mmdc", "-p", str(browser), "-i", str(source), "-o", str(svg)]
        run = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
        assert run.returncode == 0, run.stderr
        root = ET.fromstring(svg.read_text("utf-8"))
        assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "script"]
        assert "improves-on" in svg.read_text("utf-8")


def test_text_is_one_line_a_paper() -> None:
    text = graph_text(hostile_graph())
    assert text.splitlines() == [
        "2 papers and 1 relation (improves-on, builds-on, uses)",
        f"{SCRIPT} (2023-01)",
        f"  improved on by  {IMG} (2023-06)",
        f"{IMG} (2023-06)",
        f"  improves-on     {SCRIPT} (2023-01)",
    ]


# --- in a real browser -----------------------------------------------------------------------------------------

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


def browse(page: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Open a page in headless Chromium (no network, no profile of the user's) and return what it printed."""
    assert CHROMIUM is not None
    argv = [
        CHROMIUM,
        *CHROMIUM_FLAGS,
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1280,800",
        *args,
        page.as_uri(),
    ]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)


def console(run: subprocess.CompletedProcess[str]) -> list[str]:
    """The page's console messages and uncaught errors as Chromium logs them."""
    return [line for line in run.stderr.splitlines() if ":CONSOLE" in line]


def drawn(dom: str) -> Tags:
    parser = Tags()
    parser.feed(dom)
    return parser


# The papers of PAPERS_MD and `evil` that have a relation of some type: all but Flamingo.
ALL_LINKED = ["2010.11929", "2102.03334", "2201.12086", "2301.12597", "2304.08485", "2304.10592", "2305.06500", "evil"]


@needs_chromium
def test_the_page_draws_one_node_a_paper_without_a_console_error(vl: Vl, tmp_path: Path) -> None:
    page = tmp_path / "graph.html"
    assert vl("graph", "-t", "all", "-o", str(page)).exit_code == 0
    run = browse(page, tmp_path, "--dump-dom")
    assert console(run) == []
    assert 'data-drawn="8"' in run.stdout
    assert not re.search(r"<html[^>]*data-error", run.stdout)
    nodes = re.findall(r'<g class="node(?: seed)?" data-index="\d+" data-id="([^"]+)"', run.stdout)
    assert sorted(nodes) == sorted(ALL_LINKED)
    assert len(re.findall(r'<g class="edge" data-type="[a-z-]+"', run.stdout)) == 5
    shot = tmp_path / "graph.png"
    run = browse(page, tmp_path, f"--screenshot={shot}")
    assert console(run) == []
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_chromium
def test_no_script_from_a_note_runs_in_the_page(tmp_path: Path) -> None:
    records = [
        rec("p1", "2022-01", name=PWN_SCRIPT, title=PWN_IMG, venue=PWN_IMG, orgs=[PWN_SCRIPT]),
        rec("p2", "2023-01", rel("improves-on", "p1", evidence=PWN_IMG), name=PWN_IMG, title=PWN_SCRIPT),
    ]
    page = tmp_path / "hostile.html"
    page.write_text(graph_html(build_graph(records, records, PWN_SCRIPT)), encoding="utf-8")
    run = browse(page, tmp_path, "--dump-dom")
    assert console(run) == []
    assert 'data-drawn="2"' in run.stdout
    dom = drawn(run.stdout)
    assert "img" not in dom.tags
    assert dom.tags.count("script") == 2
    assert not re.search(r"<body[^>]*data-pwned", run.stdout)
