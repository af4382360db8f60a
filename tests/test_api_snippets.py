"""Snippets: best sentences, diacritic-insensitive <mark>, HTML-safe output."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from indexer.understanding.text import tokenize
from search_api.services.snippets import make_snippet

TEXT = (
    "Điều 1. Phạm vi điều chỉnh. Nghị định này quy định chính sách thu hút chuyên gia khoa học. "
    "Điều 2. Những nội dung khác về ngân sách được thực hiện theo luật. "
    "Chuyên gia được hỗ trợ nhà ở và thu nhập."
)


def test_best_sentences_in_text_order() -> None:
    snippet, highlights = make_snippet(TEXT, tokenize("chuyen gia thu hut"))
    assert snippet.startswith("Nghị định này") and "ngân sách" not in snippet
    assert "<mark>thu</mark> <mark>hút</mark> <mark>chuyên</mark> <mark>gia</mark>" in snippet
    assert "<mark>Chuyên</mark> <mark>gia</mark>" in snippet
    assert {h.lower() for h in highlights} == {"thu", "hút", "chuyên", "gia"}


def test_stopwords_do_not_mark_but_tone_variants_do() -> None:
    # "những" is a stopword; "nhũng" (tham nhũng) folds to the same letters and must still be marked.
    snippet, _ = make_snippet("Những biện pháp phòng chống tham nhũng.", tokenize("những tham nhũng"))
    assert "<mark>nhũng</mark>" in snippet and "<mark>Những</mark>" not in snippet


def test_long_sentence_is_windowed_around_the_match() -> None:
    text = "mở đầu " * 200 + "điểm mấu chốt là cải cách hành chính " + "kết thúc " * 200
    snippet, _ = make_snippet(text, tokenize("cải cách"), max_chars=200)
    assert "<mark>cải</mark> <mark>cách</mark>" in snippet and len(snippet) < 320
    assert snippet.startswith("…") and snippet.endswith("…")


@given(st.text(max_size=300), st.text(max_size=40))
def test_output_is_always_safe_html(text: str, query: str) -> None:
    snippet, _ = make_snippet(text, tokenize(query))
    bare = snippet.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare and '"' not in bare
