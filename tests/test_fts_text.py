"""The index's text: a space on each side of every CJK character, none of the value separator, NFKC."""

from __future__ import annotations

import random
import unicodedata

import pytest

from vlmnotes.index import _SEP, fts_text, is_cjk


def by_hand(text: str) -> str:
    """fts_text as it was written first, a character at a time."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(f" {c} " if is_cjk(c) else " " if c == _SEP else c for c in text)


@pytest.mark.parametrize(
    ("text", "indexed"),
    [
        ("CLIP", "CLIP"),
        ("对比学习", " 对  比  学  习 "),
        ("BLIP-2 用Q-Former", "BLIP-2  用 Q-Former"),
        (f"OpenAI {_SEP} 谷歌", "OpenAI    谷  歌 "),
        ("ＣＬＩＰ 한국", "CLIP  한  국 "),
        ("", ""),
    ],
)
def test_cjk_characters_are_tokens_of_their_own(text: str, indexed: str) -> None:
    assert fts_text(text) == indexed


def test_any_text_is_indexed_as_a_character_at_a_time_would_index_it() -> None:
    rng = random.Random(13)
    ranges = [(0x20, 0x7E), (0x80, 0x3000), (0x2E80, 0x9FFF), (0xAC00, 0xD7AF), (0xF8F0, 0xFB00), (0xE000, 0xE000)]
    for _ in range(3000):
        text = "".join(chr(rng.randint(*rng.choice(ranges))) for _ in range(rng.randint(0, 30)))
        assert fts_text(text) == by_hand(text)
