"""Vietnamese normalisation: NFC, tone-mark placement (hoà/hòa), đ/d and accent folding, Bengali digits."""

from __future__ import annotations

import unicodedata

import pytest

from indexer.understanding.text import canonical_tones, fold, has_vietnamese_diacritics, nfc, tokenize


@pytest.mark.parametrize(
    ("old_style", "new_style"),
    [("hoà", "hòa"), ("Hoà Bình", "Hòa Bình"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("Uỷ ban", "Ủy ban")],
)
def test_both_tone_placements_give_one_form(old_style: str, new_style: str) -> None:
    assert canonical_tones(old_style) == canonical_tones(new_style)
    assert tokenize(old_style) == tokenize(new_style)


@pytest.mark.parametrize("word", ["hoàn", "thuyền", "quốc", "giữa", "người", "khuyến"])
def test_canonical_tones_leaves_unambiguous_words(word: str) -> None:
    assert canonical_tones(word) == word


def test_nfc_of_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", "Nghị quyết")
    assert decomposed != "Nghị quyết"
    assert nfc(decomposed) == "Nghị quyết"
    assert tokenize(decomposed) == tokenize("Nghị quyết") == ["nghị", "quyết"]


def test_fold_maps_d_and_drops_accents_keeps_bengali_marks() -> None:
    assert fold("Đảng bộ ĐỒNG NAI") == "dang bo dong nai"
    assert fold("৫৭") == "57"
    assert fold("নীতি") == "নীতি"


def test_has_vietnamese_diacritics() -> None:
    assert has_vietnamese_diacritics("đảng")
    assert not has_vietnamese_diacritics("dang bo")


@pytest.mark.parametrize(
    ("text", "vietnamese"),
    [
        ("café culture in Paris", False),
        ("Müller report on emissions", False),
        ("temperature above 20 °C", False),
        ("energy\u00a0transition", False),
        ("résumé writing tips", False),
        ("chuyển đổi số", True),
        ("Hà Nội", True),
        ("cà phê", True),
        ("ở", True),
        ("khoa hoc cong nghe", False),
    ],
)
def test_vietnamese_marks_are_not_any_non_ascii_letter(text: str, vietnamese: bool) -> None:
    assert has_vietnamese_diacritics(text) is vietnamese
