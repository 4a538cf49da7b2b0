"""The known-paper catalogue: exact look-ups by name, title and id, and a user's file over the built-in table."""

from __future__ import annotations

from pathlib import Path

import pytest

from vlmnotes.catalogue import USER_FILE, Catalogue, KnownPaper, load_catalogue, name_key, title_key
from vlmnotes.errors import VocabularyError

HEADER = "arxiv_id\tname\taliases\ttitle\tdate\torgs\n"

LANDMARKS = [
    ("ViT", "2010.11929"),
    ("CLIP", "2103.00020"),
    ("ALIGN", "2102.05918"),
    ("ALBEF", "2107.07651"),
    ("BLIP", "2201.12086"),
    ("BLIP-2", "2301.12597"),
    ("Flamingo", "2204.14198"),
    ("LLaVA", "2304.08485"),
    ("MiniGPT-4", "2304.10592"),
    ("InstructBLIP", "2305.06500"),
    ("Qwen-VL", "2308.12966"),
    ("CogVLM", "2311.03079"),
    ("SigLIP", "2303.15343"),
    ("EVA-CLIP", "2303.15389"),
    ("CoCa", "2205.01917"),
    ("ViLT", "2102.03334"),
    ("VLMo", "2111.02358"),
    ("BEiT-3", "2208.10442"),
    ("LLaVA-1.5", "2310.03744"),
    ("InternVL", "2312.14238"),
]


@pytest.fixture(scope="module")
def builtin() -> Catalogue:
    return load_catalogue()


def write_user(folder: Path, *rows: str, header: str = HEADER) -> Path:
    path = folder / USER_FILE
    path.write_text(header + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "arxiv_id"), LANDMARKS)
def test_landmark_names_resolve(builtin: Catalogue, name: str, arxiv_id: str) -> None:
    paper = builtin.lookup(name)
    assert paper is not None
    assert paper.arxiv_id == arxiv_id
    assert builtin.is_known_name(name)


def test_a_paper_carries_its_facts(builtin: Catalogue) -> None:
    paper = builtin.lookup("CLIP")
    assert isinstance(paper, KnownPaper)
    assert paper.name == "CLIP"
    assert paper.date == "2021-03"
    assert paper.title.startswith("Learning Transferable Visual Models")
    llava = builtin.by_id("2304.08485")
    assert llava is not None
    assert llava.orgs == ("UW–Madison", "Microsoft")
    assert llava.names[0] == "LLaVA"


@pytest.mark.parametrize("spelling", ["LLaVA-1.5", "LLaVA 1.5", "llava-1.5", "LLaVA1.5", "llava_1.5", " LLaVA 1.5 "])
def test_spellings_of_one_name_meet(builtin: Catalogue, spelling: str) -> None:
    paper = builtin.lookup(spelling)
    assert paper is not None
    assert paper.arxiv_id == "2310.03744"


def test_full_width_and_case_fold(builtin: Catalogue) -> None:
    full_width = builtin.lookup("ＢＬＩＰ－２")
    assert full_width is not None
    assert full_width.arxiv_id == "2301.12597"
    assert name_key("BEiT-3") == name_key("beit 3") == "beit3"


def test_chinese_names(builtin: Catalogue) -> None:
    for spelling in ("书生·万象", "书生万象"):
        paper = builtin.lookup(spelling)
        assert paper is not None
        assert paper.arxiv_id == "2312.14238"
    qwen_vl = builtin.lookup("通义千问-VL")
    assert qwen_vl is not None
    assert qwen_vl.arxiv_id == "2308.12966"


@pytest.mark.parametrize("name", ["SAM", "DINO", "Emu", "LISA", "Frozen"])
def test_a_name_two_papers_share_answers_nothing(builtin: Catalogue, name: str) -> None:
    assert builtin.lookup(name) is None
    assert not builtin.is_known_name(name)


@pytest.mark.parametrize("word", ["Summary", "Method", "Findings", "Scaling", "Description", "TL;DR", "Code", "VLM"])
def test_ordinary_words_are_not_paper_names(builtin: Catalogue, word: str) -> None:
    assert builtin.lookup(word) is None


@pytest.mark.parametrize("text", ["we compare CLIP with ALIGN", "BLIP-2 paper", "CLIP (2021)", "", "   "])
def test_only_a_whole_name_matches(builtin: Catalogue, text: str) -> None:
    assert builtin.lookup(text) is None


def test_every_shipped_name_finds_its_own_paper(builtin: Catalogue) -> None:
    assert len(builtin) > 3000
    for paper in builtin:
        assert paper.names, paper.arxiv_id
        for name in paper.names:
            assert builtin.lookup(name) is paper, (paper.arxiv_id, name)


def test_by_id(builtin: Catalogue) -> None:
    paper = builtin.by_id("2301.12597")
    assert paper is not None
    assert paper.name == "BLIP-2"
    assert builtin.by_id("9999.99999") is None


def test_by_title_ignores_case_and_punctuation(builtin: Catalogue) -> None:
    paper = builtin.by_title("visual instruction tuning")
    assert paper is not None
    assert paper.arxiv_id == "2304.08485"
    clip = builtin.by_title("  Learning transferable visual models from natural-language supervision!")
    assert clip is not None
    assert clip.arxiv_id == "2103.00020"
    assert builtin.by_title("Visual Instruction") is None
    assert title_key("BLIP-2: Bootstrapping…") == "blip2bootstrapping"


def test_loading_is_cached() -> None:
    assert load_catalogue() is load_catalogue()
    assert load_catalogue(Path("/nonexistent") / USER_FILE).lookup("CLIP") is not None


def test_user_file_adds_papers(tmp_path: Path) -> None:
    path = write_user(
        tmp_path, "2401.00001\tTinyPaper\tTiny Paper|TP-1\tA Tiny Paper About Pixels\t\tSome Lab|Other Lab"
    )
    catalogue = load_catalogue(path)
    paper = catalogue.lookup("tp 1")
    assert paper == KnownPaper(
        arxiv_id="2401.00001",
        name="TinyPaper",
        aliases=("Tiny Paper", "TP-1"),
        title="A Tiny Paper About Pixels",
        date="2024-01",
        orgs=("Some Lab", "Other Lab"),
    )
    assert catalogue.by_title("a tiny paper about pixels") is paper
    assert catalogue.by_id("2401.00001") is paper
    assert catalogue.lookup("CLIP") is not None
    assert len(catalogue) == len(load_catalogue()) + 1


def test_user_name_wins_over_builtin(tmp_path: Path) -> None:
    path = write_user(tmp_path, "2401.00002\tCLIP\t\tMy Own Clip\t2024-01\t")
    catalogue = load_catalogue(path)
    paper = catalogue.lookup("clip")
    assert paper is not None
    assert paper.arxiv_id == "2401.00002"
    # The built-in paper is still there by id and title.
    assert catalogue.by_title("Learning Transferable Visual Models From Natural Language Supervision") is not None


def test_user_name_settles_a_shared_name(tmp_path: Path) -> None:
    assert load_catalogue().lookup("SAM") is None
    path = write_user(tmp_path, "2304.02643\tSAM\tSegment Anything\tSegment Anything\t2023-04\tMeta")
    paper = load_catalogue(path).lookup("SAM")
    assert paper is not None
    assert paper.arxiv_id == "2304.02643"


def test_user_row_over_builtin_row_keeps_empty_cells(tmp_path: Path) -> None:
    path = write_user(tmp_path, "2103.00020\tOpenAI CLIP\t\t\t\t")
    catalogue = load_catalogue(path)
    paper = catalogue.lookup("OpenAI CLIP")
    assert paper is not None
    assert paper.arxiv_id == "2103.00020"
    assert paper.name == "OpenAI CLIP"
    assert "CLIP" in paper.aliases
    assert paper.date == "2021-03"
    assert paper.title.startswith("Learning Transferable")
    assert catalogue.lookup("CLIP") is paper


def test_two_user_rows_sharing_a_name_answer_nothing(tmp_path: Path) -> None:
    path = write_user(tmp_path, "2401.00003\tTwin\t\tFirst\t\t", "2401.00004\tTWIN\t\tSecond\t\t")
    assert load_catalogue(path).lookup("twin") is None


def test_user_file_skips_blank_and_comment_lines_and_reads_quotes(tmp_path: Path) -> None:
    path = write_user(tmp_path, "", "# my additions", '2401.00005\tQuoted\t\t"A ""quoted"" title"\t\t')
    paper = load_catalogue(path).lookup("Quoted")
    assert paper is not None
    assert paper.title == 'A "quoted" title'


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        (
            ["2401.00001\tX\t\tT\t\t"],
            "id\tname\n",
            "{path}:1: the first line must be the header 'arxiv_id, name, aliases, title, date, orgs' "
            "(tab-separated); add it",
        ),
        (
            [],
            "",
            "{path}:1: the first line must be the header 'arxiv_id, name, aliases, title, date, orgs' "
            "(tab-separated); add it",
        ),
        (
            ["2401.00001\tX\t\tT\t\tLab\textra"],
            HEADER,
            "{path}:2: 7 columns, expected at most 6 (arxiv_id, name, aliases, title, date, orgs); "
            "separate columns with one tab and join several aliases or orgs with |",
        ),
        (
            ["", "arXiv 2401\tX\t\tT\t\t"],
            HEADER,
            "{path}:3: 'arXiv 2401' is not an arXiv id; write it like 2103.00020",
        ),
        (
            ["2401.00001\t\t\tT\t\t"],
            HEADER,
            "{path}:2: the name column is empty; give the paper's short name or remove the row",
        ),
        (
            ["2401.00001\tX\t\tT\tJan 2024\t"],
            HEADER,
            "{path}:2: date 'Jan 2024' is not YYYY-MM; write it like 2021-03 or leave it empty",
        ),
        (
            ["2401.00001\tX\t\tT\t\t", "2401.00001\tY\t\tT\t\t"],
            HEADER,
            "{path}:3: 2401.00001 is already on line 2; keep one row a paper",
        ),
        (
            ['2401.00001\tX\t\t"Open quote\t\t', "2401.00002\tY\t\tT\t\t"],
            HEADER,
            '{path}:2: a quote (") opens a cell that never closes; close or remove it',
        ),
    ],
)
def test_malformed_user_file(tmp_path: Path, rows: list[str], header: str, message: str) -> None:
    path = write_user(tmp_path, *rows, header=header)
    with pytest.raises(VocabularyError) as caught:
        load_catalogue(path)
    assert str(caught.value) == message.format(path=path)
    assert "\n" not in str(caught.value)


def test_unclosed_quote_on_the_last_line(tmp_path: Path) -> None:
    path = tmp_path / USER_FILE
    path.write_text(HEADER + '2401.00001\tX\t\t"Open quote\t\t', encoding="utf-8")
    with pytest.raises(VocabularyError) as caught:
        load_catalogue(path)
    assert str(caught.value) == f'{path}:2: a quote (") opens a cell that never closes; close or remove it'


def test_user_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / USER_FILE
    path.write_bytes(HEADER.encode() + "2401.00001\tCafé\t\tT\t\t\n".encode("latin-1"))
    with pytest.raises(VocabularyError) as caught:
        load_catalogue(path)
    assert str(caught.value) == f"{path}:2: not UTF-8 text; save the file as UTF-8"
