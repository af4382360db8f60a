"""Diacritic restoration of queries typed without Vietnamese marks, from the index's own vocabulary.

"thoi han su dung dat" embeds far worse than "thời hạn sử dụng đất": the embedder sees a different language.
Each folded syllable gets the exact form that the best lexical hits use next to its neighbours (bigrams),
else the form those hits use most, else the form most frequent in the whole index. Lexical matching needs
none of this (the folded column matches either way); it serves the dense side.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping

from indexer.text import fold, has_vietnamese_diacritics, tokenize

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MIN_SHARE = 0.4  # share of the query's words that must have a marked form before the query counts as Vietnamese


class Restorer:
    """Chooses exact forms for folded words from local (top hits) and global (vocab table) counts."""

    def __init__(self, vocab: Mapping[str, list[tuple[str, int]]], context: Iterable[str] = ()) -> None:
        self.vocab = vocab
        self.unigrams: Counter[tuple[str, str]] = Counter()
        self.bigrams: Counter[tuple[str, str, str, str]] = Counter()
        for text in context:
            exact = tokenize(text)
            folded = [fold(t) for t in exact]
            self.unigrams.update(zip(folded, exact, strict=True))
            for i in range(len(exact) - 1):
                self.bigrams[(folded[i], folded[i + 1], exact[i], exact[i + 1])] += 1

    def global_form(self, folded: str) -> str | None:
        """The index's most frequent exact form of a folded word."""
        forms = self.vocab.get(folded)
        return max(forms, key=lambda f: f[1])[0] if forms else None

    def _local(self, folded: str) -> str | None:
        cands = [(n, e) for (f, e), n in self.unigrams.items() if f == folded]
        return max(cands)[1] if cands else None

    def _pair(self, left: str, right: str) -> tuple[str, str] | None:
        cands = [(n, a, b) for (f1, f2, a, b), n in self.bigrams.items() if f1 == left and f2 == right]
        if not cands:
            return None
        _, a, b = max(cands)
        return a, b

    def restore_words(self, words: list[str]) -> list[str]:
        """Exact forms for lower-case folded words (a word without any known form is kept)."""
        out: list[str | None] = [None] * len(words)
        for i in range(len(words) - 1):
            pair = self._pair(words[i], words[i + 1])
            if pair:
                out[i] = out[i] or pair[0]
                out[i + 1] = pair[1]
        return [o or self._local(w) or self.global_form(w) or w for w, o in zip(words, out, strict=True)]


def looks_unmarked_vietnamese(query: str, vocab: Mapping[str, list[tuple[str, int]]]) -> bool:
    """True for a query without marks whose words mostly occur in the index with marks (so: Vietnamese)."""
    if has_vietnamese_diacritics(query):
        return False
    words = [w.lower() for w in _WORD.findall(query) if not w.isdigit()]
    if not words:
        return False
    marked = 0
    for w in words:
        forms = vocab.get(w, [])
        best = max(forms, key=lambda f: f[1])[0] if forms else w
        marked += best != w
    return marked >= MIN_SHARE * len(words)


def restore_query(query: str, restorer: Restorer) -> str:
    """The query with each word replaced by its restored form, capitalisation and punctuation kept."""
    matches = list(_WORD.finditer(query))
    restored = restorer.restore_words([fold(m.group(0)) for m in matches])
    parts: list[str] = []
    pos = 0
    for m, new in zip(matches, restored, strict=True):
        word = m.group(0)
        if word[:1].isupper():
            new = new[:1].upper() + new[1:]
        parts.append(query[pos : m.start()])
        parts.append(new if fold(new) == fold(word) else word)
        pos = m.end()
    parts.append(query[pos:])
    return "".join(parts)
