"""Citation keys that never move: given once by an export, stored in the record, kept by every build.

A `\\cite{chen2023vista}` in a paper being written must keep pointing at the same paper whatever is added to,
removed from or rebuilt in the knowledge base.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Run, assert_no_traceback, edit, load_record, save_as_editor, write_notes
from vlmnotes.citekeys import KeyPattern, base_key, family_name, key_problem, new_keys
from vlmnotes.errors import UsageError
from vlmnotes.export import parse_bibtex


def card(number: int, name: str, title: str, authors: str, month: str, arxiv: str | None = None) -> str:
    link = f"\n- **链接: https://arxiv.org/abs/{arxiv}**\n" if arxiv else ""
    return f"""
### {number}. {name}: {title}

- **{name}**

- **作者: {authors}**

- **终版提交: {month}**
{link}"""


VISTA = card(1, "VISTA", "Visual Instruction Search over Tables", "Wei Chen、Li Zhang", "2023.06", "2306.11111")
# Same first author, year and short name once made ASCII, and an earlier arXiv id and date: a key given by
# sorting ids or dates over the whole set would hand it VISTA's key.
VISTA_PP = card(2, "VISTA++", "Visual Instruction Search, Again", "Wei Chen", "2023.01", "2301.22222")
VISTA_X = card(3, "VISTA+", "Visual Instruction Search at Scale", "Wei Chen", "2023.03", "2303.33333")
SURVEY = card(4, "ZhSurvey", "视觉语言模型综述", "王小明、李华", "2023.05")


@pytest.fixture
def vista(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> Path:
    """A project whose notes hold VISTA alone, built."""
    monkeypatch.chdir(tmp_path)
    write_notes(tmp_path / "notes", {"cards.md": "# 阅读卡片\n" + VISTA})
    assert run("build").exit_code == 0
    return tmp_path


def keys(run: Run, *args: str) -> dict[str, str]:
    """arXiv id (or title) → key of a BibTeX export."""
    result = run("export", *args)
    assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    return {e.get("eprint") or e["title"]: e["ID"] for e in parse_bibtex(result.stdout)}


def add_to_notes(project: Path, *cards: str) -> None:
    note = project / "notes" / "cards.md"
    edit(note, "# 阅读卡片\n", "# 阅读卡片\n" + "".join(cards))


def test_an_export_stores_the_key_in_the_record_and_show_prints_it(vista: Path, run: Run) -> None:
    assert "citekey" not in load_record(vista / "kb", "2306.11111")  # no key before the paper is cited
    assert keys(run) == {"2306.11111": "chen2023vista"}
    record = load_record(vista / "kb", "2306.11111")
    assert record["citekey"] == "chen2023vista"
    assert "pinned" not in record
    shown = run("show", "VISTA")
    assert "citekey" in shown.stdout and "chen2023vista" in shown.stdout


def test_a_key_stays_with_its_paper_when_a_colliding_paper_is_added(vista: Path, run: Run) -> None:
    assert keys(run) == {"2306.11111": "chen2023vista"}
    add_to_notes(vista, VISTA_PP)
    assert keys(run) == {"2306.11111": "chen2023vista", "2301.22222": "chen2023vistab"}
    # and in a subset export, and in CSL-JSON
    assert keys(run, "arxiv:2301.22222") == {"2301.22222": "chen2023vistab"}
    csl = run("export", "--format", "csl-json", "arxiv:2306.11111")
    assert '"id": "chen2023vista"' in csl.stdout


def test_a_key_survives_rebuilds_and_changed_notes(vista: Path, run: Run) -> None:
    keys(run)
    assert run("build").exit_code == 0
    edit(vista / "notes" / "cards.md", "Visual Instruction Search over Tables", "Visual Instruction Search on Tables")
    result = run("build")
    assert result.exit_code == 0 and "warning" not in result.stderr, result.output
    record = load_record(vista / "kb", "2306.11111")
    assert (record["citekey"], record["title"]) == ("chen2023vista", "VISTA: Visual Instruction Search on Tables")
    assert "pinned" not in record
    assert run("build", "--check").exit_code == 0
    assert keys(run) == {"2306.11111": "chen2023vista"}


def test_a_dropped_papers_key_is_never_given_to_another_and_comes_back_with_it(vista: Path, run: Run) -> None:
    keys(run)
    note = vista / "notes" / "cards.md"
    edit(note, VISTA, VISTA_X)
    assert keys(run) == {"2303.33333": "chen2023vistab"}  # not VISTA's key
    edit(note, VISTA_X, VISTA_X + VISTA)
    assert keys(run) == {"2303.33333": "chen2023vistab", "2306.11111": "chen2023vista"}


def test_keys_given_before_are_remembered_in_kb_even_when_the_build_state_is_lost(vista: Path, run: Run) -> None:
    keys(run)
    assert (vista / "kb" / "citekeys.tsv").read_text("utf-8").splitlines()[-1] == "chen2023vista\t2306.11111"
    (vista / "kb" / ".vlmnotes.sqlite").unlink()  # derived state: a fresh clone has none
    note = vista / "notes" / "cards.md"
    edit(note, VISTA, VISTA_X)
    # Without the state the build cannot tell its own files from hand edits: VISTA's record stays (with its
    # key); what matters is that the newcomer does not get that key.
    assert keys(run, "arxiv:2303.33333") == {"2303.33333": "chen2023vistab"}


def test_a_key_set_by_hand_comes_back_when_the_record_file_is_made_again(vista: Path, run: Run) -> None:
    path = vista / "kb" / "papers" / "2306.11111.yaml"
    save_as_editor(path, path.read_text("utf-8") + "citekey: mine2023\n")
    assert keys(run) == {"2306.11111": "mine2023"}
    path.unlink()  # the build writes it again from the notes, without the key
    assert run("build").exit_code == 0
    assert keys(run) == {"2306.11111": "mine2023"}


def test_a_key_set_by_hand_is_used_and_kept(vista: Path, run: Run) -> None:
    path = vista / "kb" / "papers" / "2306.11111.yaml"
    path.write_text(path.read_text("utf-8") + "citekey: chen-vista\n", "utf-8")
    assert run("build").exit_code == 0
    assert load_record(vista / "kb", "2306.11111")["citekey"] == "chen-vista"
    assert keys(run) == {"2306.11111": "chen-vista"}
    add_to_notes(vista, VISTA_PP)
    assert keys(run) == {"2306.11111": "chen-vista", "2301.22222": "chen2023vista"}


def test_a_key_bibtex_cannot_hold_is_an_error_naming_the_line(vista: Path, run: Run) -> None:
    path = vista / "kb" / "papers" / "2306.11111.yaml"
    lines = path.read_text("utf-8").count("\n")
    path.write_text(path.read_text("utf-8") + "citekey: chen vista\n", "utf-8")
    result = run("export")
    assert_no_traceback(result)
    assert (
        f"kb/papers/2306.11111.yaml:{lines + 1}: citekey: 'chen vista' cannot be a citation key "
        "(BibTeX keys cannot hold ' '); write one like radford2021clip"
    ) in result.stderr


def test_a_chinese_first_author_gives_a_pinyin_family_name(vista: Path, run: Run) -> None:
    add_to_notes(vista, SURVEY)
    assert keys(run)["ZhSurvey: 视觉语言模型综述"] == "wang2023zhsurvey"


def test_the_pattern_comes_from_pyproject(vista: Path, run: Run) -> None:
    (vista / "pyproject.toml").write_text('[tool.vlmnotes.export]\ncitekey = "{author}:{arxiv}"\n', "utf-8")
    assert keys(run) == {"2306.11111": "chen:230611111"}


def test_a_pattern_with_an_unknown_field_is_a_usage_error(vista: Path, run: Run) -> None:
    (vista / ".vlmnotes.toml").write_text('[export]\ncitekey = "{surname}{year}"\n', "utf-8")
    result = run("export")
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert "unknown field {surname} in the key pattern '{surname}{year}'; use {author}, {year}" in result.stderr
    assert "citekey" not in load_record(vista / "kb", "2306.11111")


def test_data_formats_give_no_key(vista: Path, run: Run) -> None:
    assert run("export", "--format", "json").exit_code == 0
    assert "citekey" not in load_record(vista / "kb", "2306.11111")


# --- the key's parts ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("author", "family"),
    [
        ("Alec Radford", "Radford"),
        ("Radford, Alec", "Radford"),
        ("王小明", "王"),
        ("欧阳修文", "欧阳"),
        ("Jürgen Müller", "Müller"),
        ("Plato", "Plato"),
        ("Li J", "Li"),
        ("Kingma Diederik P.", "Kingma"),
        ("Steven C.H. Hoi", "Hoi"),
        ("A. Smith", "Smith"),
    ],
)
def test_family_name(author: str, family: str) -> None:
    assert family_name(author) == family


def test_a_name_written_family_first_with_initials_splits_the_same_way_in_csl_and_ris() -> None:
    from vlmnotes.export import _csl_name, _ris_name

    assert _csl_name("Li J") == {"family": "Li", "given": "J"}
    assert _ris_name("Savarese S") == "Savarese, S"


def test_keys_are_ascii_and_fall_back_when_a_part_is_unknown() -> None:
    pattern = KeyPattern.parse("{author}{year}{shorttitle}")
    assert base_key({"id": "x", "authors": ["Jürgen Müller"], "year": 2021, "name": "BLIP-2"}, pattern) == (
        "muller2021blip2"
    )
    untitled = {"id": "x", "authors": ["Jürgen Müller"], "year": 2021, "title": "On the Towers of Frozen Models"}
    assert base_key(untitled, pattern) == "muller2021towers"
    assert base_key({"id": "2103.00020"}, pattern) == "210300020"  # nothing known: the id


@pytest.mark.parametrize(
    ("pattern", "record", "key"),
    [
        ("{author}_{year}", {"year": 2022}, "2022"),
        ("{author}:{year}:{shorttitle}", {"authors": ["Ceng Wei"], "year": 2024}, "wei:2024"),
        ("{author}_{year}_{shorttitle}", {"authors": ["A Chen"], "name": "SigLIP 2"}, "chen_siglip2"),
        ("ref-{author}{year}", {"year": 2021}, "ref-2021"),
        ("{shorttitle}", {"name": "InternVL 2.5"}, "internvl25"),
    ],
)
def test_text_between_fields_needs_a_value_on_each_side(pattern: str, record: dict[str, object], key: str) -> None:
    assert base_key({"id": "x", **record}, KeyPattern.parse(pattern)) == key


def test_suffixes_stay_letters_past_z() -> None:
    records = [{"id": f"{n:03d}", "authors": ["A Chen"], "year": 2022} for n in range(30)]
    made = new_keys(records, set(), KeyPattern.parse("{author}{year}"))
    assert [made[f"{n:03d}"] for n in (0, 1, 25, 26, 27)] == [
        "chen2022",
        "chen2022b",
        "chen2022z",
        "chen2022ba",
        "chen2022bb",
    ]


def test_new_keys_skip_taken_keys_case_insensitively_and_go_by_date() -> None:
    pattern = KeyPattern.parse("{author}{year}")
    records = [
        {"id": "b", "authors": ["A Chen"], "year": 2023, "date": "2023-06"},
        {"id": "a", "authors": ["A Chen"], "year": 2023, "date": "2023-01"},
    ]
    assert new_keys(records, {"Chen2023"}, pattern) == {"a": "chen2023b", "b": "chen2023c"}


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{author}{surname}", "unknown field {surname}"),
        ("{author} {year}", "has text a BibTeX key cannot hold (' ')"),
        ("paper", "has no field; every paper would get the same key"),
    ],
)
def test_bad_patterns_are_named(pattern: str, message: str) -> None:
    with pytest.raises(UsageError, match=message.replace("{", r"\{").replace("(", r"\(").replace(")", r"\)")):
        KeyPattern.parse(pattern)


@pytest.mark.parametrize(("key", "ok"), [("radford2021clip", True), ("a:b-c_d.e/f", True), ("a b", False),
                                         ("a,b", False), ("a{b", False), ("", False), ("a%b", False)])  # fmt: skip
def test_key_problem(key: str, ok: bool) -> None:
    assert (key_problem(key) is None) == ok


VLMO = """
### 5. [VLMo: Unified Vision-Language Pre-Training with Mixture-of-Modality-Experts](https://arxiv.org/abs/2111.02358)

- **VLMo**

- **作者: Hangbo Bao、Wenhui Wang 等**

- **NeurIPS:2022**

- **终版提交: 2021.11**
"""


def test_the_key_has_the_year_the_entry_gives_a_venues_not_the_arxiv_year(vista: Path, run: Run) -> None:
    add_to_notes(vista, VLMO)
    exported = {e["ID"]: e for e in parse_bibtex(run("export", "VLMo").stdout)}
    assert list(exported) == ["bao2022vlmo"]
    assert exported["bao2022vlmo"]["year"] == "2022"


def test_a_venue_kind_from_the_users_vocabulary_decides_the_entry_type(vista: Path, run: Run) -> None:
    (vista / "notes" / "vlmnotes-vocab.yaml").write_text(
        "venues:\n- name: JMLR-X\n  aliases: [JMLR-X]\n  kind: journal\n", "utf-8"
    )
    add_to_notes(vista, VLMO.replace("NeurIPS:2022", "JMLR-X:2024"))
    entries = parse_bibtex(run("export", "VLMo").stdout)
    assert [(e["ENTRYTYPE"], e.get("journal"), e["year"]) for e in entries] == [("article", "JMLR-X", "2024")]


def test_ris_carries_the_same_key_in_its_id_tag(vista: Path, run: Run) -> None:
    import rispy

    keys(run)
    (entry,) = rispy.loads(run("export", "--format", "ris").stdout)
    assert entry["id"] == "chen2023vista"
