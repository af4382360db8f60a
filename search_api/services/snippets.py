"""Snippets: the best sentences of a passage with the query's words in <mark>, matched without diacritics."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

from indexer.understanding.text import fold, normalize_token

_WORD = re.compile(r"[0-9A-Za-z\u00c0-\u024f\u1e00-\u1eff\u0300-\u036f\u0980-\u09ff]+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?;:।])\s+|\n+")
# Words so frequent in Vietnamese administrative text that matching them says nothing about relevance.
_STOP_TEXT = (
    "và của các là có được cho trong với theo này đó những một về để từ tại khi thì không người "
    "như đã sẽ do bị hay hoặc nào gì ai the of and to in a an is for on"
)
# Compared in exact (diacritic) form: folded, "những" would collide with "nhũng" and "có" with "cơ".
STOPWORDS = frozenset(normalize_token(w) for w in _STOP_TEXT.split())


def query_terms(tokens: Iterable[str]) -> set[str]:
    """Folded query words worth highlighting (stopwords and one-letter words dropped)."""
    return {fold(t) for t in tokens if len(t) > 1 and normalize_token(t) not in STOPWORDS}


def _key(word: str) -> str:
    """Folded form of a text word; stopwords get no key, so "những" never lights up for "nhũng"."""
    exact = normalize_token(word)
    return "" if exact in STOPWORDS else fold(exact)


def _sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of the sentences (or lines) of a text."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def _render(text: str, terms: set[str], found: dict[str, str]) -> str:
    """HTML-escape ``text`` and wrap every matching word in <mark>; record matched surface forms."""
    out: list[str] = []
    pos = 0
    for m in _WORD.finditer(text):
        key = _key(m.group(0))
        if key in terms:
            out.append(html.escape(text[pos : m.start()]))
            out.append(f"<mark>{html.escape(m.group(0))}</mark>")
            found.setdefault(m.group(0).lower(), m.group(0))
            pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out)


def make_snippet(text: str, tokens: Iterable[str], max_chars: int = 320) -> tuple[str, list[str]]:
    """(safe HTML snippet, matched words): the sentences covering most query terms, in text order."""
    terms = query_terms(tokens)
    spans = _sentences(text) or [(0, len(text))]
    scored: list[tuple[float, int, tuple[int, int]]] = []
    for i, (s, e) in enumerate(spans):
        keys = [_key(w) for w in _WORD.findall(text[s:e])]
        distinct = {k for k in keys if k in terms}
        hits = sum(1 for k in keys if k in terms)
        scored.append((len(distinct) * 10 + hits - i * 0.01, i, (s, e)))
    chosen: list[tuple[int, tuple[int, int]]] = []
    used = 0
    for score, i, (s, e) in sorted(scored, reverse=True):
        if chosen and (score < 10 or used + (e - s) > max_chars):
            continue
        chosen.append((i, (s, e)))
        used += e - s
        if used >= max_chars:
            break
    chosen.sort()
    found: dict[str, str] = {}
    parts: list[str] = []
    for _, (s, e) in chosen:
        piece = text[s:e].strip()
        if len(piece) > max_chars:
            piece = _window(piece, terms, max_chars)
        parts.append(_render(piece, terms, found))
    return " … ".join(parts), list(found.values())


def _window(sentence: str, terms: set[str], max_chars: int) -> str:
    """A ``max_chars`` window of a long sentence, centred on its first matching word."""
    first = next((m.start() for m in _WORD.finditer(sentence) if _key(m.group(0)) in terms), 0)
    start = max(0, min(first - max_chars // 3, len(sentence) - max_chars))
    # Cut on word boundaries so no word is broken in two.
    if start > 0:
        space = sentence.find(" ", start)
        start = space + 1 if 0 <= space < start + 30 else start
    end = start + max_chars
    if end < len(sentence):
        space = sentence.rfind(" ", start, end)
        end = space if space > start else end
    return ("…" if start > 0 else "") + sentence[start:end] + ("…" if end < len(sentence) else "")
