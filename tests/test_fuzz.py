"""Fuzz tests (hypothesis): random queries through `search`, `list` and parse_query, random Markdown through
`build` and `lint`, and the record YAML round trip.

What must hold for any input: exit code 0, 1 or 2, never a traceback, a malformed query named on one line,
every query answered within 5 s, and every record a build writes loading back to the data it dumped.

Budgets: the `ci` profile (the default) runs a few dozen examples a test, derandomized so that CI is
repeatable, the whole file in well under 30 s. For a long local run, with fresh random inputs each time and
failures kept in .hypothesis/ to replay:

    HYPOTHESIS_PROFILE=long pytest tests/test_fuzz.py --hypothesis-show-statistics

(1,000 examples for a query or a note, more for the cheap tests; `VLMNOTES_FUZZ_EXAMPLES=N` sets that count
under either profile; a run takes five to ten minutes).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

import vlmnotes.build
from vlmnotes.cli import app
from vlmnotes.model import Paper
from vlmnotes.query import FIELDS, And, Compare, Filters, Not, Or, QueryError, Term, combine, parse_query
from vlmnotes.store import dump_record, parse_record, stored_form

# --- budgets ----------------------------------------------------------------------------------------------------

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile(
    "ci", max_examples=20, deadline=None, database=None, derandomize=True, suppress_health_check=_QUIET
)
settings.register_profile("long", max_examples=1000, deadline=None, suppress_health_check=_QUIET)


def budget(share: float = 1.0) -> settings:
    """The chosen profile's settings, its example count scaled by `share` (slow tests take fewer examples)."""
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci")
    base = settings.get_profile(name if name in ("ci", "long") else "ci")
    count = int(os.environ.get("VLMNOTES_FUZZ_EXAMPLES") or base.max_examples)
    return settings(base, max_examples=max(1, round(count * share)))


QUERY_SECONDS = 5.0  # the wall-clock limit of one query, asserted here rather than by hypothesis' deadline

# A record file holds multi-line text without spaces at line ends (store.stored_form): the build hashes and
# compares that form, so what it made and what it wrote are compared in it too.


# --- a small knowledge base, built once --------------------------------------------------------------------------

KB_NOTES = {
    "log.md": """\
# Contrastive pre-training

- Fri, 26 Feb 2021 [Learning Transferable Visual Models From Natural Language Supervision](https://arxiv.org/abs/2103.00020)
  - CLIP (OpenAI): two towers, image and text, trained with a contrastive loss
  - 双塔结构，对比学习
- Thu, 11 Feb 2021 [Scaling Up Visual and Vision-Language Representation Learning With Noisy Text Supervision](https://arxiv.org/abs/2102.05918)
  - ALIGN (Google), noisy alt-text at scale
""",
    "cards.md": """\
# 阅读卡片

### 1. BLIP-2: Bootstrapping Language-Image Pre-training with Frozen Image Encoders and Large Language Models

- **BLIP-2**
- **Salesforce**
- **ICML:2023**
- **Cite: 3000**
- **贡献:**
  - 冻结图像编码器和语言模型，只训练 Q-Former
""",
    "todo.md": """\
# To read

- [x] [LLaVA](https://arxiv.org/abs/2304.08485) - visual instruction tuning, Vicuna-13B with an MLP projector
- [ ] [Qwen-VL](https://arxiv.org/abs/2308.12966) - Qwen-7B, ViT-bigG
""",
}


def _runner(root: Path) -> Callable[..., Result]:
    """Invoke the app on root/notes and root/kb, exceptions caught as a user would meet them."""
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(app, ["--notes", str(root / "notes"), "--kb", str(root / "kb"), *args])

    return invoke


def _write_notes(root: Path, notes: dict[str, str]) -> None:
    (root / "notes").mkdir()
    for name, text in notes.items():
        (root / "notes" / name).write_bytes(text.encode("utf-8", "surrogatepass"))


@pytest.fixture(scope="module")
def kb_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """KB_NOTES, built: five papers in three styles."""
    root = tmp_path_factory.mktemp("fuzz-kb")
    _write_notes(root, KB_NOTES)
    result = _runner(root)("build")
    assert result.exit_code == 0, result.output
    return root


def assert_clean(result: Result, what: str) -> None:
    """Exit code 0, 1 or 2, and no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), (what, repr(result.exception))
    assert result.exit_code in (0, 1, 2), (what, result.exit_code, result.output)
    assert "Traceback" not in result.output, what


def assert_answered(result: Result, what: str) -> None:
    """A query's answer: records (0; stderr quiet, or how many a limit left out) or none (1; one line saying so),
    or one `error:` line (2)."""
    assert_clean(result, what)
    lines = result.stderr.splitlines()
    if result.exit_code == 2:
        assert lines and lines[0].startswith("error: "), (what, result.stderr)
        assert len(lines) == 1, (what, result.stderr)
    else:
        said = r"no papers match .*" if result.exit_code else r"\d+ of \d+ papers \(--limit to see more\)"
        assert lines == [] or (len(lines) == 1 and re.fullmatch(said, lines[0])), (what, result.stderr)
        records = json.loads(result.stdout)
        assert isinstance(records, list) and bool(records) == (result.exit_code == 0), what


def timed(invoke: Callable[..., Result], *args: str) -> Result:
    """The result of one command, which must take less than QUERY_SECONDS."""
    start = time.monotonic()
    result = invoke(*args)
    seconds = time.monotonic() - start
    assert seconds < QUERY_SECONDS, f"{args!r} took {seconds:.1f} s"
    return result


# --- queries ----------------------------------------------------------------------------------------------------

WORDS = ["CLIP", "clip", "BLI", "BLIP-2", "LLaVA", "Qwen", "ALIGN", "frozen", "encoder", "Vicuna-13B", "ViT-L/14"]
CJK = ["双塔", "对比学习", "冻结", "双", "ＣＬＩＰ", "视觉", "학습", "トランスフォーマー"]
ODD = [
    "\x00", "\x1b[31m", "\x7f", "\u202e", "\ufeff", "\u200b", "\udcff", "\ud800", "\n", "\t", "\r\n", "\x85",
    "\u2028", "*", "^", ":", "'", "\\", "--", "NEAR", "NEAR(a b)", "{names title}", ";", "1=1", "%", "_", "\ufffd",
    "😀", "ﷺ", "𝔸", "٢٠٢١", "\u00ad",
]  # fmt: skip
OPERATORS = ["OR", "AND", "NOT", "-", "(", ")", '"', "and", "or", "not"]
NUMBERS = ["2021", "0", "-1", "99999999999999999999", "9" * 400, "0" * 5000 + "1", "٢٠٢١", "2020..2023", "2023..2020"]

_text = st.text(max_size=12)
_value = st.one_of(st.sampled_from(WORDS + CJK + ODD + NUMBERS), _text)
_field = st.one_of(st.sampled_from(FIELDS), st.sampled_from(["Year", "NAME", "yaer", "http", "a-", "x"]))
_op = st.sampled_from(["", ">", ">=", "<", "<=", "=", "!=", "..", '"'])
_atom = st.one_of(
    st.sampled_from(WORDS + CJK + ODD + OPERATORS),
    st.builds("{}:{}{}".format, _field, _op, _value),
    st.builds('"{}"'.format, _value),
    st.builds("-{}".format, _value),
    _text,
)
_structured = st.recursive(
    _atom,
    lambda inner: st.one_of(
        st.builds("{} OR {}".format, inner, inner),
        st.builds("{} AND {}".format, inner, inner),
        st.builds("{} {}".format, inner, inner),
        st.builds("NOT {}".format, inner),
        st.builds("({})".format, inner),
        st.builds("-({})".format, inner),
    ),
    max_leaves=30,
)
_separator = st.sampled_from([" ", "  ", "", "\t", "\u3000", "\n"])
QUERIES = st.one_of(
    st.builds(lambda parts, sep: sep.join(parts), st.lists(_atom, max_size=12), _separator),
    _structured,
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.builds(
        lambda word, n, sep: sep.join([word] * n), st.sampled_from(WORDS + CJK), st.integers(1, 3000), _separator
    ),
    st.builds(lambda n: "(" * n + "CLIP" + ")" * n, st.integers(15, 120)),
    st.builds(lambda n, op: (op + " ") * n + "CLIP", st.integers(15, 120), st.sampled_from(["NOT", "-", "a OR NOT"])),
)

_COLUMN = re.compile(r" at column (\d+): ")


@given(query=QUERIES)
@budget(5)
@example(query="year:99999999999999999999")
@example(query="\udcff")
@example(query='title:"a\nb')
@example(query="-(CLIP OR BLIP)")
@example(query="a\u202e )")
def test_parse_query_gives_a_tree_or_one_printable_line_naming_the_column(query: str) -> None:
    try:
        parse_query(query)
    except QueryError as exc:
        message = str(exc)
        assert message.startswith("query: ")
        assert message.isprintable(), message  # one line, and nothing that moves a terminal's cursor
        column = _COLUMN.search(message)
        if column:
            assert 1 <= int(column[1]) <= len(query), message


@given(query=QUERIES)
@budget()
@example(query="year:99999999999999999999")
@example(query="citations:>" + "9" * 5000)
@example(query="\udcff")
@example(query="\x00")
@example(query="CLIP \ud800")
@example(query='"a\nb')
@example(query="-(CLIP OR BLIP)")
@example(query="a OR NOT (" * 17 + "CLIP" + ")" * 17)
@example(query=" ".join(["CLIP"] * 600))
@example(query="双 OR 视觉 -CLIP")
def test_search_and_list_answer_any_query(kb_root: Path, query: str) -> None:
    invoke = _runner(kb_root)
    try:
        parse_query(query)
        accepted = True
    except QueryError:
        accepted = False
    for command in ("search", "list"):
        result = timed(invoke, command, "--format", "json", "--", query)
        assert_answered(result, f"{command} {query!r}")
        # What the query language accepts, the index can run.
        assert not accepted or "cannot run this query" not in result.stderr, (command, query, result.stderr)


_filter_text = st.one_of(st.sampled_from(WORDS + CJK + ODD), _text)
_year = st.one_of(st.integers(-(2**70), 2**70), st.integers(1900, 2100))


@given(
    query=st.none() | QUERIES,
    org=st.none() | _filter_text,
    llm=st.none() | _filter_text,
    tag=st.none() | _filter_text,
    year=st.none() | _year,
    since=st.none() | _year,
)
@budget(0.5)
@example(query=None, org=None, llm=None, tag=None, year=2**64, since=None)
@example(query=None, org="\udcff", llm=None, tag=None, year=None, since=None)
@example(query="CLIP", org="\x00", llm=None, tag=None, year=None, since=-(2**63) - 1)
def test_list_filters_are_answered(
    kb_root: Path, query: str | None, org: str | None, llm: str | None, tag: str | None, year: int | None,
    since: int | None,
) -> None:  # fmt: skip
    args = ["list", "--format", "json"]
    for option, value in (("--org", org), ("--llm", llm), ("--tag", tag), ("--year", year), ("--since", since)):
        if value is not None:
            args += [option, str(value)]
    if query is not None:
        args += ["--", query]
    result = timed(_runner(kb_root), *args)
    if result.exit_code == 2 and "Usage:" in result.stderr:
        return  # click refused an option value ('--org -'): its own usage message, not ours to check
    assert_answered(result, repr(args))


# --- Markdown notes ---------------------------------------------------------------------------------------------

ARXIV_IDS = ["2103.00020", "2102.05918", "2301.12597", "2304.08485", "1706.03762", "cs/0112017", "2401.06209"]
NAMES = ["CLIP", "ALIGN", "BLIP-2", "LLaVA", "Qwen-VL", "Flamingo", "ViT", "MiniGPT-4", "SigLIP", "Zorblax-7"]
ZH_TEXT = [
    "对比学习",
    "双塔",
    "冻结图像编码器",
    "视觉指令微调",
    "零样本迁移",
    "智谱",
    "上海人工智能实验室",
    "去掉了 Q-Former",
]
EN_TEXT = [
    "contrastive",
    "frozen image encoder",
    "zero-shot transfer",
    "Q-Former",
    "Vicuna-13B",
    "OpenAI",
    "Salesforce",
]
LABELS = [
    "contribution:",
    "motivation:",
    "Insights:",
    "思考：",
    "背景:",
    "LLM: ",
    "Projector：",
    "Title:",
    "单位：",
    "作者: ",
]
DECOR = ["Fri, 26 Feb 2021", "[2025.05]", "2021.01", "2023-03-14", "(ICLR2021)", "（2021，OpenAI）", "[NeurIPS 2024]"]
MARKUP = ["<!-- check -->", "<!--", "-->", " ", "  ", "\t", "\u3000", "|", "[ ]", "[x]", "\\", "*", "_", "<b>", "</b>"]

_arxiv_id = st.one_of(st.sampled_from(ARXIV_IDS), st.from_regex(r"\A[0-9]{4}\.[0-9]{4,5}(v[0-9])?\Z"))
_url = st.one_of(
    st.builds("https://arxiv.org/abs/{}".format, _arxiv_id),
    st.builds("https://arxiv.org/pdf/{}.pdf".format, _arxiv_id),
    st.builds("arxiv.org/abs/{}".format, _arxiv_id),
    st.builds("https://doi.org/10.48550/arXiv.{}".format, _arxiv_id),
    st.sampled_from(["https://github.com/salesforce/LAVIS", "https://openreview.net/forum?id=abc", "here", "", "<>"]),
)
_plain = st.one_of(
    st.sampled_from(NAMES + ZH_TEXT + EN_TEXT + LABELS + DECOR),
    st.text(max_size=10),
    st.text(alphabet="对比学习双塔视觉语言模型图像编码器，。：（）【】", max_size=10),
    st.sampled_from(ODD),
)
_inline_part = st.one_of(
    _plain,
    st.builds("[{}]({})".format, _plain, _url),
    st.builds("**{}**".format, _plain),
    st.builds("`{}`".format, _plain),
    st.builds("arXiv:{}".format, _arxiv_id),
    st.builds("[^{}]".format, st.sampled_from(["1", "note", ""])),
    st.sampled_from(MARKUP),
)
_inline = st.lists(_inline_part, min_size=1, max_size=6).map(" ".join)


def _items(depth: int) -> st.SearchStrategy[str]:
    """List items, nested up to `depth` levels under one another."""
    marker = st.sampled_from(["- ", "* ", "+ ", "1. ", "2) ", "- [x] ", "- [ ] ", "-"])
    item = st.builds(lambda m, text, end: m + text + end, marker, _inline, st.sampled_from(["", " ", "  ", "\t"]))
    if depth == 0:
        return item
    nested = st.builds(
        lambda head, indent, children: head + "".join("\n" + indent + c.replace("\n", "\n" + indent) for c in children),
        item,
        st.sampled_from(["  ", "    ", "   ", "\t", " "]),
        st.lists(_items(depth - 1), max_size=3),
    )
    return st.one_of(item, nested)


def _table(headers: list[str], rows: list[list[str]], rule: str) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + rule * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


_headers = st.sampled_from(["Model", "Title", "Date", "Org", "LLM", "Vision Encoder", "名称", "单位", "Paper", "Venue"])
_table_block = st.builds(
    _table,
    st.lists(_headers | _plain, min_size=1, max_size=5),
    st.lists(st.lists(_inline, max_size=6), max_size=4),
    st.sampled_from(["---|", ":--|", "--:|", "-|"]),
)
_fence = st.builds(
    lambda fence, lang, body, closed: f"{fence}{lang}\n{body}\n" + (fence if closed else ""),
    st.sampled_from(["```", "~~~", "````"]),
    st.sampled_from(["", "python", "bibtex", "yaml"]),
    _inline,
    st.booleans(),
)
_front_matter = st.builds(
    lambda lines, close: "---\n" + "\n".join(lines) + "\n" + close,
    st.lists(
        st.one_of(
            st.builds("arxiv: {}".format, _arxiv_id),
            st.builds("title: {}".format, _plain),
            st.builds("name: {}".format, st.sampled_from(NAMES) | _plain),
            st.builds("date: {}".format, st.sampled_from(["2021-02-26", "2021-02", "2021", "2021-13-45", "[", ""])),
            st.builds("authors: [{}]".format, _plain),
            st.builds("tags:\n  - {}".format, _plain),
            _plain,
        ),
        max_size=5,
    ),
    st.sampled_from(["---\n", "...\n", ""]),
)
# Issue 9 probe 4: a remark in a multi-line section ends with a space.
PROBE_4 = (
    "- Fri, 26 Feb 2021 [Learning Transferable Visual Models From Natural Language Supervision]"
    "(https://arxiv.org/abs/2103.00020)\n  - contribution:\n    - 对比学习 <!-- check --> \n    - zero-shot transfer\n"
)
_block = st.one_of(
    st.builds(lambda level, text: "#" * level + " " + text, st.integers(1, 7), _inline),
    st.builds(lambda text, rule: f"{text}\n{rule}", _inline, st.sampled_from(["===", "---"])),
    st.lists(_items(3), min_size=1, max_size=5).map("\n".join),
    st.lists(_inline, min_size=1, max_size=3).map("\n".join),
    _table_block,
    _fence,
    st.builds("> {}".format, _inline),
    st.builds("[{}]: {}".format, _plain, _url),
    st.builds("[^1]: {}".format, _inline),
    st.sampled_from(["---", "<!-- check -->", "<details>\n<summary>x</summary>\n", "", PROBE_4]),
)
NOTES = st.builds(
    lambda bom, front, blocks, sep, newline: (bom + (front or "") + sep.join(blocks)).replace("\n", newline),
    st.sampled_from(["", "\ufeff"]),
    st.none() | _front_matter,
    st.lists(_block, min_size=1, max_size=8),
    st.sampled_from(["\n\n", "\n"]),
    st.sampled_from(["\n", "\n", "\r\n", "\r"]),
)


@contextmanager
def dumped_records() -> Iterator[list[tuple[dict[str, Any], str]]]:
    """Every record a build writes while the block runs: the record's data as the build made it, before any
    change on the way to the file, and the YAML text it dumped.

    The data is `Paper.to_dict()`: what dump_record gets, or, where the build first passes that through
    `stored_form`, what stored_form got.
    """
    captured: list[tuple[dict[str, Any], str]] = []
    before: dict[int, tuple[Any, Any]] = {}  # id(stored form) -> (the stored form, kept alive; what it came from)
    stored_form = getattr(vlmnotes.build, "stored_form", None)

    def stored_spy(data: Any) -> Any:
        assert stored_form is not None
        out = stored_form(data)
        before[id(out)] = (out, json.loads(json.dumps(data)))
        return out

    def dump_spy(data: dict[str, Any]) -> str:
        text = dump_record(data)
        kept = before.get(id(data))
        made = kept[1] if kept is not None and kept[0] is data else json.loads(json.dumps(data))
        captured.append((made, text))
        return text

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(vlmnotes.build, "dump_record", dump_spy)
        if stored_form is not None:
            patch.setattr(vlmnotes.build, "stored_form", stored_spy)
        yield captured


@given(note=NOTES)
@budget(1)
@example(note=PROBE_4)
@example(note="# \udcff\n- [CLIP](https://arxiv.org/abs/2103.00020)\n")
def test_any_note_builds_lints_and_round_trips(tmp_path_factory: pytest.TempPathFactory, note: str) -> None:
    root = tmp_path_factory.mktemp("fuzz-note")
    _write_notes(root, {"note.md": note})
    invoke = _runner(root)
    with dumped_records() as dumped:
        built = invoke("build")
    assert_clean(built, "build")
    for made, text in dumped:
        loaded = parse_record(text, "record").to_dict()
        assert stored_form(loaded) == stored_form(made), text
    written = {p.read_text("utf-8") for p in (root / "kb" / "papers").glob("*.yaml")}
    assert written <= {text for _, text in dumped}
    if built.exit_code == 0:
        again = invoke("build", "--check")
        assert again.exit_code == 0, again.output
    for args in (("lint", str(root / "notes")), ("lint", "--format", "json", str(root / "notes"))):
        linted = invoke(*args)
        assert_clean(linted, " ".join(args))
        if "json" in args and linted.exit_code in (0, 1):
            json.loads(linted.stdout)


# --- the record YAML round trip ---------------------------------------------------------------------------------

_any_text = st.one_of(
    st.text(max_size=30),
    st.lists(st.text(max_size=12), min_size=2, max_size=4).map("\n".join),
    st.sampled_from(["a\n\tb", " lead\nx", "x\n", "\n", "#x\n---", "a\r\nb", "a\u2028b", "'\n\"", ": x\n- y"]),
)
_records = st.fixed_dictionaries(
    {"id": st.sampled_from(["2103.00020", "clip", "cs/0112017"])},
    optional={
        "name": _any_text,
        "title": _any_text,
        "aliases": st.lists(_any_text, max_size=2),
        "date": st.sampled_from(["2021-02-26", "2021-02", "2021"]),
        "venue": _any_text,
        "tags": st.lists(_any_text, max_size=2),
        "sections": st.dictionaries(st.sampled_from(["贡献", "contribution", "思考", "motivation"]), _any_text),
        "abstract": _any_text,
        "comment": _any_text,
        "provenance": st.dictionaries(st.sampled_from(["title", "date"]), st.sampled_from(["catalogue", "arxiv"])),
        "sources": st.lists(
            st.fixed_dictionaries(
                {"file": st.just("note.md"), "line": st.integers(1, 99), "style": st.just("generic"), "text": _any_text}
            ),
            max_size=2,
        ),
    },
)


@given(data=_records)
@budget(10)
def test_a_record_loads_back_as_it_was_dumped(data: dict[str, Any]) -> None:
    made = Paper.model_validate(data).to_dict()
    loaded = parse_record(dump_record(made), "record").to_dict()
    assert stored_form(loaded) == stored_form(made)


# --- what the fuzz found in query.py, pinned ---------------------------------------------------------------

LONG = "NOT " * 21 + "CLIP"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "year:99999999999999999999",
            "query: year:99999999999999999999 is too large a number (more than 18 digits) at column 1:"
            " year:99999999999999999999",
        ),
        ("CLIP \x00", "query: control character U+0000 at column 6: CLIP \ufffd; remove it"),
        ("CLIP \x1b[2J", "query: control character U+001B at column 6: CLIP \ufffd[2J; remove it"),
        ("CLIP \udcff", "query: byte 0xFF that is not UTF-8 at column 6: CLIP \ufffd; remove it"),
        ("\ud800", "query: lone surrogate U+D800, not a character at column 1: \ufffd; remove it"),
        ('title:"a\nb', 'query: unclosed quote at column 7: title:"a b; add the closing "'),
        ("a\u202e )", "query: unexpected ')' (no '(' to close) at column 4: a\ufffd )"),
        (
            LONG,
            "query: AND, OR and NOT nested deeper than 20 levels; simplify the query at column 1: " + LONG[:77] + "...",
        ),
        (
            "w " * 201,
            "query: more than 200 terms; simplify the query at column 401: " + ("w " * 201)[:77] + "...",
        ),
    ],
    ids=["huge-number", "nul", "escape", "not-utf8", "surrogate", "newline", "bidi", "nesting", "terms"],
)
def test_a_query_the_index_cannot_run_is_refused_on_one_line(query: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(query)

    assert str(caught.value) == message


def test_a_minus_before_a_parenthesis_leaves_out_the_group() -> None:
    assert parse_query("clip -(blip OR align)") == And((Term("clip"), Not(Or((Term("blip"), Term("align"))))))


def test_digits_of_any_script_compare_as_numbers() -> None:
    assert parse_query("year:٢٠٢١..2023") == Compare("year", "..", "2021", "2023")


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (Filters(year=2**64), "--year: a number of more than 18 digits; give a year such as 2021"),
        (Filters(org="\x1b[31m"), "--org: control character U+001B at column 1: \ufffd[31m; remove it"),
    ],
)
def test_a_filter_the_index_cannot_run_is_refused(filters: Filters, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        combine(None, filters)

    assert str(caught.value) == message


# --- what the fuzz found elsewhere, pinned ----------------------------------------------------------------------


def test_a_space_at_a_line_end_is_not_taken_for_a_hand_edit(tmp_path: Path) -> None:
    with dumped_records() as dumped:
        _write_notes(tmp_path, {"note.md": PROBE_4})
        assert_clean(_runner(tmp_path)("build"), "build")
    [(made, text)] = dumped
    assert made["sections"]["contribution"] == "对比学习 \nzero-shot transfer"
    assert parse_record(text, "record").to_dict() == stored_form(made)
    assert _runner(tmp_path)("build", "--check").exit_code == 0


def test_a_phrase_with_a_line_break_is_refused_on_one_line(kb_root: Path) -> None:
    result = _runner(kb_root)("search", "--", '"\n"')

    assert result.exit_code == 2
    assert result.stderr == "error: query: nothing to search for in ' '; use letters or digits\n"
