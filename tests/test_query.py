"""The query language on its own: what parse_query builds, how filters join it, and the one-line errors.

These tests need no notes and no index: they pin down the tree a query becomes and the exact message a
user reads when a query cannot be understood. What the index then finds is tested in test_search.py.
"""

from __future__ import annotations

import pytest

from vlmnotes.errors import UsageError
from vlmnotes.query import FIELDS, And, Compare, Filters, Not, Or, QueryError, Term, combine, parse_query

ALL_FIELDS = (
    "arch, arxiv, author, citations, connector, encoder, id, llm, loss, name, org, status, tag, text-encoder, title,"
    " venue, vision-encoder, year"
)


def t(text: str, field: str | None = None, phrase: bool = False) -> Term:
    return Term(text, field, phrase)


def query_error(query: str) -> str:
    """The message parse_query gives for a query it refuses."""
    with pytest.raises(QueryError) as caught:
        parse_query(query)
    return str(caught.value)


# --- free text and phrases --------------------------------------------------------------------------------------


def test_a_single_word_is_free_text() -> None:
    assert parse_query("clip") == t("clip")


def test_words_side_by_side_must_all_match() -> None:
    assert parse_query("frozen encoder") == And((t("frozen"), t("encoder")))


def test_a_quoted_phrase_stays_one_term() -> None:
    assert parse_query('"frozen image encoder"') == t("frozen image encoder", phrase=True)


def test_a_phrase_beside_words() -> None:
    assert parse_query('blip "frozen image encoder" opt') == And(
        (t("blip"), t("frozen image encoder", phrase=True), t("opt"))
    )


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse_query("  \tclip \n ") == t("clip")


def test_chinese_text_is_free_text() -> None:
    assert parse_query("双流 对比学习") == And((t("双流"), t("对比学习")))


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/abs/2103.00020",
        "http://example.org/a:b",
        "https://github.com/salesforce/LAVIS/tree/main/projects/blip2",
    ],
)
def test_a_url_stays_free_text(url: str) -> None:
    assert parse_query(url) == t(url)


def test_lower_case_operators_are_plain_words() -> None:
    assert parse_query("vision and language or not") == And((t("vision"), t("and"), t("language"), t("or"), t("not")))


# --- fields -----------------------------------------------------------------------------------------------------

TEXT_FIELDS = [
    "name",
    "title",
    "org",
    "venue",
    "tag",
    "author",
    "encoder",
    "vision-encoder",
    "text-encoder",
    "llm",
    "connector",
    "loss",
    "arch",
]


def test_every_documented_field_is_known() -> None:
    assert set(FIELDS) == {*TEXT_FIELDS, "status", "arxiv", "id", "year", "citations"}


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_a_text_field_takes_a_word(field: str) -> None:
    assert parse_query(f"{field}:Qwen") == t("Qwen", field)


@pytest.mark.parametrize("field", ["org", "llm", "arch"])
def test_a_text_field_takes_a_phrase(field: str) -> None:
    assert parse_query(f'{field}:"two words"') == t("two words", field, phrase=True)


def test_field_names_ignore_case_but_values_keep_theirs() -> None:
    assert parse_query("ORG:Salesforce") == t("Salesforce", "org")
    assert parse_query("Vision-Encoder:ViT-L/14") == t("ViT-L/14", "vision-encoder")


def test_a_field_value_may_be_chinese() -> None:
    assert parse_query("arch:双流") == t("双流", "arch")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status:read", Compare("status", "=", "read")),
        ("arxiv:2103.00020", Compare("arxiv", "=", "2103.00020")),
        ("arxiv:2103.00020v2", Compare("arxiv", "=", "2103.00020v2")),
        ("id:blip-2", Compare("id", "=", "blip-2")),
        ('id:"blip-2"', Compare("id", "=", "blip-2")),
    ],
)
def test_exact_fields_compare_the_whole_value(query: str, expected: Compare) -> None:
    assert parse_query(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("year:2021", Compare("year", "=", "2021")),
        ("year:=2021", Compare("year", "=", "2021")),
        ("year:!=2021", Compare("year", "!=", "2021")),
        ("year:>2021", Compare("year", ">", "2021")),
        ("year:>=2021", Compare("year", ">=", "2021")),
        ("year:<2021", Compare("year", "<", "2021")),
        ("year:<=2021", Compare("year", "<=", "2021")),
        ("citations:>1000", Compare("citations", ">", "1000")),
        ("citations:0", Compare("citations", "=", "0")),
    ],
)
def test_number_fields_take_a_comparison(query: str, expected: Compare) -> None:
    assert parse_query(query) == expected


def test_a_range_includes_both_ends() -> None:
    assert parse_query("year:2021..2023") == Compare("year", "..", "2021", "2023")


def test_a_range_of_one_year_is_allowed() -> None:
    assert parse_query("year:2021..2021") == Compare("year", "..", "2021", "2021")


# --- leaving out, OR, AND and grouping --------------------------------------------------------------------------


def test_a_minus_leaves_a_word_out() -> None:
    assert parse_query("clip -align") == And((t("clip"), Not(t("align"))))


def test_a_minus_leaves_a_field_out() -> None:
    assert parse_query("-org:Salesforce") == Not(t("Salesforce", "org"))


def test_a_minus_leaves_a_phrase_out() -> None:
    assert parse_query('-"noisy text"') == Not(t("noisy text", phrase=True))


def test_not_leaves_out_the_term_after_it() -> None:
    assert parse_query("clip NOT llava") == And((t("clip"), Not(t("llava"))))


def test_not_leaves_out_a_group() -> None:
    assert parse_query("NOT (a OR b)") == Not(Or((t("a"), t("b"))))


def test_or_takes_either_side() -> None:
    assert parse_query("blip OR flamingo") == Or((t("blip"), t("flamingo")))


def test_or_chains() -> None:
    assert parse_query("a OR b OR c") == Or((t("a"), t("b"), t("c")))


def test_explicit_and_means_the_same_as_side_by_side() -> None:
    assert parse_query("clip AND year:2021") == parse_query("clip year:2021")
    assert parse_query("clip year:2021") == And((t("clip"), Compare("year", "=", "2021")))


def test_terms_side_by_side_bind_tighter_than_or() -> None:
    assert parse_query("a b OR c") == Or((And((t("a"), t("b"))), t("c")))


def test_parentheses_group() -> None:
    assert parse_query("(blip OR flamingo) year:2022") == And(
        (Or((t("blip"), t("flamingo"))), Compare("year", "=", "2022"))
    )


def test_parentheses_next_to_a_word_split_from_it() -> None:
    assert parse_query("clip(openai)") == And((t("clip"), t("openai")))


def test_redundant_parentheses_disappear() -> None:
    assert parse_query("((clip))") == t("clip")


def test_a_mixed_query() -> None:
    query = 'llm:Qwen year:2023..2024 -"year only" (org:Alibaba OR org:"Qwen Team") NOT status:unread'
    assert parse_query(query) == And(
        (
            t("Qwen", "llm"),
            Compare("year", "..", "2023", "2024"),
            Not(t("year only", phrase=True)),
            Or((t("Alibaba", "org"), t("Qwen Team", "org", phrase=True))),
            Not(Compare("status", "=", "unread")),
        )
    )


# --- text that looks like FTS5 or SQL syntax stays text ---------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("NEAR(a b)", And((t("NEAR"), And((t("a"), t("b")))))),
        ("a*", t("a*")),
        ("^clip", t("^clip")),
        ("title:x OR 1=1", Or((t("x", "title"), t("1=1")))),
        ("names:clip", None),  # an FTS5 column name is not a field of the query language
        ("clip' --", And((t("clip'"), Not(t("-"))))),
    ],
)
def test_fts_and_sql_syntax_is_plain_text(query: str, expected: object) -> None:
    if expected is None:
        with pytest.raises(QueryError):
            parse_query(query)
    else:
        assert parse_query(query) == expected


# --- filters from the command line ------------------------------------------------------------------------------


def test_no_query_and_no_filters_match_everything() -> None:
    assert combine(None) is None
    assert combine("", Filters()) is None
    assert combine("   ", Filters()) is None


def test_a_query_alone_is_its_tree() -> None:
    assert combine("clip") == t("clip")


def test_a_filter_alone() -> None:
    assert combine(None, Filters(year=2022)) == Compare("year", "=", "2022")


def test_filters_are_anded_to_the_query() -> None:
    filters = Filters(org="Salesforce", since=2021, until=2023)

    assert combine("blip OR flamingo", filters) == And(
        (
            Or((t("blip"), t("flamingo"))),
            t("Salesforce", "org"),
            Compare("year", ">=", "2021"),
            Compare("year", "<=", "2023"),
        )
    )


def test_every_filter_becomes_a_node() -> None:
    filters = Filters(org="Meta", year=2023, since=2020, until=2024, llm="Qwen", encoder="ViT-L/14", tag="Surveys")

    assert filters.nodes() == [
        t("Meta", "org"),
        t("Qwen", "llm"),
        t("ViT-L/14", "encoder"),
        t("Surveys", "tag"),
        Compare("year", "=", "2023"),
        Compare("year", ">=", "2020"),
        Compare("year", "<=", "2024"),
    ]


def test_a_malformed_query_fails_even_with_filters() -> None:
    with pytest.raises(QueryError):
        combine("year:abc", Filters(org="Meta"))


# --- malformed queries: one line, the problem and the place -----------------------------------------------------


def test_a_query_error_is_a_usage_error_with_exit_code_2() -> None:
    with pytest.raises(UsageError) as caught:
        parse_query('"unbalanced')

    assert isinstance(caught.value, QueryError)
    assert caught.value.exit_code == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ('"unbalanced', 'query: unclosed quote at column 1: "unbalanced; add the closing "'),
        ('clip "frozen', 'query: unclosed quote at column 6: clip "frozen; add the closing "'),
        ('title:"frozen', 'query: unclosed quote at column 7: title:"frozen; add the closing "'),
        ('"', 'query: unclosed quote at column 1: "; add the closing "'),
        (
            "year:>=abc",
            "query: year:>=abc needs a number, e.g. year:2021, year:>=2021 or year:2021..2023 at column 1: year:>=abc",
        ),
        (
            "clip citations:lots",
            "query: citations:lots needs a number, e.g. citations:2021, citations:>=2021 or citations:2021..2023"
            " at column 6: clip citations:lots",
        ),
        (
            "year:2023..2021",
            "query: year:2023..2021 is an empty range; write the smaller number first at column 1: year:2023..2021",
        ),
        ("yaer:2021", "query: unknown field 'yaer' (did you mean 'year:'?) at column 1: yaer:2021"),
        ("clip ogr:Meta", "query: unknown field 'ogr' (did you mean 'org:'?) at column 6: clip ogr:Meta"),
        ("nosuchfield:x", f"query: unknown field 'nosuchfield' (fields: {ALL_FIELDS}) at column 1: nosuchfield:x"),
        ("title:", "query: 'title:' needs a value, e.g. title:CLIP at column 1: title:"),
        ("year:", "query: 'year:' needs a value, e.g. year:>=2021 at column 1: year:"),
        ("AND OR NOT (", "query: 'AND' needs a term before it at column 1: AND OR NOT ("),
        ("OR clip", "query: 'OR' needs a term before it at column 1: OR clip"),
        ("(", "query: a term is missing at the end: ("),
        ("((clip)", "query: '(' is never closed at column 1: ((clip)"),
        (")", "query: ')' has no '(' to close at column 1: )"),
        ("clip )", "query: unexpected ')' (no '(' to close) at column 6: clip )"),
        ("()", "query: empty '( )' at column 1: ()"),
        ("clip ( )", "query: empty '( )' at column 6: clip ( )"),
        ("NOT", "query: 'NOT' needs a term after it at column 1: NOT"),
        ("clip NOT OR a", "query: 'NOT' needs a term after it at column 6: clip NOT OR a"),
        ("a OR", "query: 'OR' needs a term after it at column 3: a OR"),
        ("a OR OR b", "query: 'OR' needs a term after it at column 3: a OR OR b"),
        ("a AND", "query: 'AND' needs a term after it at column 3: a AND"),
        ("", 'query: empty query; give a word, a "phrase" or a field such as year:2021'),
        ("  \t ", 'query: empty query; give a word, a "phrase" or a field such as year:2021'),
    ],
)
def test_a_malformed_query_names_the_problem_and_the_place(query: str, message: str) -> None:
    assert query_error(query) == message


def test_an_unknown_field_far_from_any_lists_every_field() -> None:
    message = query_error("zzz:1")

    for field in FIELDS:
        assert f"{field}," in message or f"{field})" in message


@pytest.mark.parametrize(
    "query",
    ['"unbalanced', "year:>=abc", "nosuchfield:x", "AND OR NOT (", "(", ")", "()", "NOT", "a OR", ""],
)
def test_every_query_error_is_one_line(query: str) -> None:
    assert "\n" not in query_error(query)


# --- size and depth ---------------------------------------------------------------------------------------------


def test_a_long_real_query_parses() -> None:
    words = [f"w{i}" for i in range(100)]

    assert parse_query(" ".join(words)) == And(tuple(t(w) for w in words))


@pytest.mark.parametrize("joiner", [" ", " OR "], ids=["side-by-side", "or"])
def test_ten_thousand_words_parse_or_are_refused_in_one_line(joiner: str) -> None:
    words = [f"w{i}" for i in range(10_000)]
    try:
        node = parse_query(joiner.join(words))
    except QueryError as exc:
        assert "\n" not in str(exc)
    else:
        assert node == (And if joiner == " " else Or)(tuple(t(w) for w in words))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("(" * 1000 + "clip" + ")" * 1000, t("clip")),
        ("(" * 1000 + "a OR b" + ")" * 1000, Or((t("a"), t("b")))),
    ],
    ids=["1000-parentheses-around-a-word", "1000-parentheses-around-or"],
)
def test_deep_nesting_parses_or_is_refused_cleanly(query: str, expected: object) -> None:
    # RecursionError here is a bug: a user can type any query, and a crash is not an answer.
    try:
        node = parse_query(query)
    except QueryError as exc:
        assert "\n" not in str(exc)
    else:
        assert node == expected


def test_a_thousand_nots_parse_or_are_refused_cleanly() -> None:
    try:
        node = parse_query("NOT " * 1000 + "clip")
    except QueryError as exc:
        assert "\n" not in str(exc)
    else:
        for _ in range(1000):
            assert isinstance(node, Not)
            node = node.inner
        assert node == t("clip")
