"""Notes that would make the parser or the linter lose content, run for minutes or hang.

Deep nesting is read flattened, a paragraph too long or too bracket-heavy for markdown-it is read as plain text,
a note over the size cap is read up to it, and only regular files are read; each time a warning (or, in lint,
a VN504 finding) names the place. Timings live in benchmarks, not here: these tests only check that the
degraded path is taken and what it says, and they run the worst inputs once so a regression shows as a hang.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import vlmnotes.parse
from vlmnotes.errors import NoteReadError
from vlmnotes.lint import run as lint_run
from vlmnotes.lint.document import _strip_code_spans, _strip_comments
from vlmnotes.lint.registry import Finding, Selection
from vlmnotes.parse import MAX_NOTE_BYTES, parse_file, parse_text, read_note_text
from vlmnotes.parse.entry import Candidate
from vlmnotes.parse.markdown import MAX_INLINE_CHARS, MAX_LIST_DEPTH, parse_document
from vlmnotes.vocab import Vocabulary, load_vocabulary

CLIP = "- [CLIP](https://arxiv.org/abs/2103.00020) OpenAI\n"
ALIGN = "- [ALIGN](https://arxiv.org/abs/2102.05918) Google\n"


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return load_vocabulary(None)


def ids(cands: list[Candidate]) -> list[tuple[str | None, int]]:
    return [(c.arxiv_id, c.line) for c in cands if c.arxiv_id]


def read(text: str, vocab: Vocabulary) -> tuple[list[Candidate], list[str]]:
    warnings: list[str] = []
    return parse_text(text, "notes/x.md", vocab, warnings=warnings), warnings


# --- deep nesting ----------------------------------------------------------------------------------------------

DEEP = {
    "list-20": "- " * 20 + "item\n\n" + CLIP,
    "list-21": "- " * 21 + "item\n\n" + CLIP,
    "list-3000": "- " * 3000 + "item\n\n" + CLIP,
    "list-no-blank-line": "- " * 30 + "item\n" + CLIP,
    "quote-50": ">" * 50 + " deep\n\n" + CLIP,
    "quote-3000": ">" * 3000 + " deep\n\n" + CLIP,
    "mixed": "> - " * 15 + "deep\n\n" + CLIP,
    "indented": "".join("  " * i + "- level\n" for i in range(40)) + "\n" + CLIP,
}


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_the_entry_after_deep_nesting_is_found(vocab: Vocabulary, text: str) -> None:
    cands, _ = read(text, vocab)

    line = text.count("\n")
    assert ("2103.00020", line) in ids(cands)


def test_lists_20_deep_are_read_whole_and_say_nothing(vocab: Vocabulary) -> None:
    _, warnings = read("- " * MAX_LIST_DEPTH + "item\n\n" + CLIP, vocab)

    assert warnings == []


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("- " * 21 + "item\n\n" + CLIP, "notes/x.md:1: lists nested deeper than 20 levels were read flattened"),
        ("\n\n" + ">" * 42 + " deep\n", "notes/x.md:3: block quotes nested deeper than 41 levels were read flattened"),
        (
            "> - " * 15 + "deep\n",
            "notes/x.md:1: lists and block quotes nested 28 levels deep (14 lists, 14 quotes) were read flattened",
        ),
        (
            "- " * 25 + "a\n\n" + CLIP + "\n" + "- " * 25 + "b\n\n" + "- " * 25 + "c\n",
            "notes/x.md:1: lists nested deeper than 20 levels were read flattened here and in 2 more places",
        ),
    ],
    ids=["lists", "quotes", "mixed", "three-places"],
)
def test_flattened_nesting_is_one_warning_naming_the_first_place(vocab: Vocabulary, text: str, warning: str) -> None:
    _, warnings = read(text, vocab)

    assert warnings == [f"{warning}; nest them less deeply"]


def test_what_is_flattened_is_still_read_with_its_links(vocab: Vocabulary) -> None:
    doc = parse_document("x.md", "- " * 30 + "[CLIP](https://arxiv.org/abs/2103.00020)\n")

    deepest = doc.blocks[0].walk()[-1]
    assert (deepest.kind, deepest.level) == ("item", 21)
    assert deepest.inline.text == "- - - - - - - - - CLIP"  # the rest of the line as the 21st item's text
    assert [(link.url, link.line) for link in deepest.inline.links] == [("https://arxiv.org/abs/2103.00020", 1)]


def test_parse_file_passes_its_warnings_on(tmp_path: Path, vocab: Vocabulary) -> None:
    note = tmp_path / "deep.md"
    note.write_text("- " * 21 + "item\n\n" + CLIP, encoding="utf-8")
    warnings: list[str] = []

    cands = parse_file(note, "deep.md", vocab, warnings=warnings)

    assert ("2103.00020", 3) in ids(cands)
    assert warnings == ["deep.md:1: lists nested deeper than 20 levels were read flattened; nest them less deeply"]


# --- long and bracket-heavy paragraphs -------------------------------------------------------------------------

LOREM = "lorem ipsum [x](y) **b** "


def test_a_400_kb_line_is_read_as_plain_text_and_the_entry_after_it_is_found(vocab: Vocabulary) -> None:
    line = LOREM * (400_000 // len(LOREM))

    cands, warnings = read(line + "\n\n" + CLIP, vocab)

    assert ("2103.00020", 3) in ids(cands)
    assert warnings == [
        f"notes/x.md:1: a paragraph of {len(line.strip()):,} characters was read as plain text (Markdown is read in "
        "paragraphs up to 50,000 characters; bare URLs still count); split it with blank lines"
    ]


def test_a_plain_text_paragraph_keeps_its_bare_urls_and_line_numbers(vocab: Vocabulary) -> None:
    filler = "x " * (MAX_INLINE_CHARS // 2)
    text = f"{filler}\nsee https://arxiv.org/abs/2102.05918 there\n{filler}\n"

    doc = parse_document("x.md", text)

    (para,) = doc.blocks
    assert [(link.url, link.line) for link in para.inline.links] == [("https://arxiv.org/abs/2102.05918", 2)]
    assert [line for line, _, _ in para.inline.lines()] == [1, 2, 3]
    assert doc.degraded and doc.degraded[0][0] == 1


def test_a_paragraph_just_under_the_limit_keeps_every_link_and_bold_run() -> None:
    count = (MAX_INLINE_CHARS - 100) // len(LOREM)

    doc = parse_document("x.md", LOREM * count + "\n")

    (para,) = doc.blocks
    assert doc.degraded == []
    assert len(para.inline.links) == count and {link.text for link in para.inline.links} == {"x"}
    assert len(para.inline.strong) == count and set(para.inline.strong) == {"b"}
    assert para.inline.text[para.inline.strong_at[-1] :].startswith("b")


def test_unclosed_brackets_make_a_paragraph_plain_text_and_the_next_one_is_read(vocab: Vocabulary) -> None:
    cands, warnings = read("[" * 5000 + " [ALIGN](https://arxiv.org/abs/2102.05918)\n\n" + CLIP, vocab)

    assert ("2103.00020", 3) in ids(cands)
    assert ("2102.05918", 1) in ids(cands)  # its bare URL still counts
    assert warnings == [
        "notes/x.md:1: a paragraph with 5,000 '[' that never close was read as plain text (its links and bold are "
        "not read; bare URLs still count); write a literal bracket as \\["
    ]


@pytest.mark.parametrize("text", ["[" * 60_000, "![" * 30_000, "[^" * 30_000, "[a](" * 30_000, "a`" * 30_000])
def test_hostile_lines_are_read(vocab: Vocabulary, text: str) -> None:
    cands, _ = read(text + "\n\n" + CLIP, vocab)

    assert ("2103.00020", 3) in ids(cands)


# --- lint on the same input ------------------------------------------------------------------------------------


def lint(tmp_path: Path, text: str) -> list[Finding]:
    note = tmp_path / "note.md"
    note.write_text(text, encoding="utf-8")
    result = lint_run([note], Selection())
    assert result.errors == []
    return result.findings


@pytest.mark.parametrize(
    "text", ["[" * 60_000, "[a](" * 30_000, LOREM * 16_000], ids=["brackets", "open-links", "lorem"]
)
def test_lint_of_a_hostile_line_says_it_was_not_checked(tmp_path: Path, text: str) -> None:
    findings = lint(tmp_path, text + "\n")

    assert [(f.code, f.line) for f in findings] == [("VN504", 1)]
    assert findings[0].message.startswith(f"a paragraph of {len(text.strip()):,} characters was read as plain text")


def test_lint_still_finds_link_targets_with_spaces_on_a_long_line(tmp_path: Path) -> None:
    findings = lint(tmp_path, "see [a](my note.md) and " * 1000 + "\n")

    vn104 = [f for f in findings if f.code == "VN104"]
    assert len(vn104) == 1000
    assert vn104[1].column == len("see [a](my note.md) and ") + len("see [a](") + 1


def test_lint_still_finds_urls_glued_to_full_width_marks_on_a_long_line(tmp_path: Path) -> None:
    findings = lint(tmp_path, "https://a" * 5000 + " 代码在 https://github.com/salesforce/LAVIS，可以\n")

    assert [(f.column, f.message) for f in findings if f.code == "VN601"] == [
        (45_006, "'，' is glued to the URL and becomes part of the link; write <https://github.com/salesforce/LAVIS>")
    ]


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("a `b` c", "a     c"),
        ("``a ` b`` c", "          c"),
        ("``a` c", "``a` c"),  # runs of different lengths do not close each other
        ("`a` `b", "    `b"),
    ],
)
def test_code_spans_are_blanked_as_commonmark_pairs_them(raw: str, masked: str) -> None:
    assert _strip_code_spans(raw) == masked


def test_comments_are_blanked_and_an_unclosed_one_is_left() -> None:
    assert _strip_comments("a <!-- b --> c <!-- d") == "a" + " " * 12 + "c <!-- d"


# --- size ------------------------------------------------------------------------------------------------------


def test_a_note_over_the_cap_is_read_up_to_it_with_a_warning(
    tmp_path: Path, vocab: Vocabulary, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vlmnotes.parse, "MAX_NOTE_BYTES", 4096)
    section = "## Papers\n\n" + CLIP + "\nSome words about it.\n\n"
    note = tmp_path / "dump.md"
    note.write_text("# Dump\n\n" + section * 200, encoding="utf-8")
    warnings: list[str] = []

    cands = parse_file(note, "dump.md", vocab, warnings=warnings)

    kept = read_note_text(note, "dump.md", warnings=[]).text
    assert len(kept.encode()) <= 4096 and kept.endswith("about it.\n\n")  # cut before a heading
    lines = kept.rstrip("\n").count("\n") + 1
    assert warnings == [
        f"dump.md: {note.stat().st_size // 1024} KiB is larger than a note is read whole (4 KiB); "
        f"only its first {lines} lines were read; split the file"
    ]
    assert ("2103.00020", 5) in ids(cands)
    assert max(c.line for c in cands) <= lines


def test_a_note_over_the_cap_is_refused_to_a_caller_that_may_write_it_back(tmp_path: Path) -> None:
    note = tmp_path / "dump.md"
    note.write_bytes(b"- [CLIP](https://arxiv.org/abs/2103.00020)\n" * (3 * 1024 * 1024 // 43))

    with pytest.raises(NoteReadError) as err:
        read_note_text(note, "dump.md")

    assert str(err.value) == "dump.md: 3.0 MiB is larger than a note can be (1.0 MiB); split the file"


def test_a_large_note_warning_names_its_size_and_the_lines_read(tmp_path: Path) -> None:
    note = tmp_path / "dump.md"
    note.write_bytes(b"- [CLIP](https://arxiv.org/abs/2103.00020)\n" * (3 * 1024 * 1024 // 43))
    warnings: list[str] = []

    text = read_note_text(note, "dump.md", warnings=warnings).text

    lines = MAX_NOTE_BYTES // 43
    assert text.count("\n") == lines
    assert warnings == [
        f"dump.md: 3.0 MiB is larger than a note is read whole (1.0 MiB); only its first {lines} lines were read; "
        "split the file"
    ]


# --- special files ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_skipped_without_opening_it(tmp_path: Path, vocab: Vocabulary) -> None:
    fifo = tmp_path / "x.md"
    os.mkfifo(fifo)

    with pytest.raises(NoteReadError) as err:
        parse_file(fifo, "x.md", vocab)

    assert str(err.value) == "x.md: not a regular file (a FIFO); skipped"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_file_swapped_for_a_fifo_after_the_check_does_not_block(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = tmp_path / "x.md"
    os.mkfifo(fifo)
    checks: list[int] = []
    regular = vlmnotes.parse._regular

    def first_check_passes(name: str, mode: int) -> None:
        checks.append(mode)
        if len(checks) > 1:
            regular(name, mode)

    monkeypatch.setattr(vlmnotes.parse, "_regular", first_check_passes)

    with pytest.raises(NoteReadError) as err:
        read_note_text(fifo, "x.md")  # opened with O_NONBLOCK: no writer, no wait

    assert len(checks) == 2
    assert str(err.value) == "x.md: not a regular file (a FIFO); skipped"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_a_symlink_to_dev_zero_is_skipped(tmp_path: Path, vocab: Vocabulary) -> None:
    link = tmp_path / "x.md"
    link.symlink_to("/dev/zero")

    with pytest.raises(NoteReadError) as err:
        parse_file(link, "x.md", vocab)

    assert str(err.value) == "x.md: not a regular file (a character device); skipped"


def test_a_folder_named_like_a_note_is_skipped(tmp_path: Path, vocab: Vocabulary) -> None:
    folder = tmp_path / "x.md"
    folder.mkdir()

    with pytest.raises(NoteReadError) as err:
        parse_file(folder, "x.md", vocab)

    assert str(err.value) == "x.md: not a regular file (a folder); skipped"
