"""Diacritic restoration of queries typed without Vietnamese marks, from the index's own vocabulary.

"thoi han su dung dat" embeds far worse than "thời hạn sử dụng đất": the embedder sees a different language.
Each folded syllable gets an exact form chosen by a Viterbi pass that prefers the word pairs the best lexical
hits use (bigrams), then forms those hits use, then forms frequent in the whole index. Lexical matching needs
none of this (the folded column matches either way); it serves the dense side.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from indexer.understanding.text import fold, has_vietnamese_diacritics, tokenize

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MIN_SHARE = 0.4  # share of the query's words that must have a marked form before the query counts as Vietnamese


class Restorer:
    """Chooses exact forms for folded words: a Viterbi pass over local bigrams, local and global unigrams."""

    def __init__(self, vocab: Mapping[str, list[tuple[str, int]]], context: Iterable[str] = ()) -> None:
        self.vocab = vocab
        self.unigrams: Counter[str] = Counter()
        self.bigrams: Counter[tuple[str, str]] = Counter()
        self.local_forms: dict[str, set[str]] = {}
        for text in context:
            exact = tokenize(text)
            self.unigrams.update(exact)
            self.bigrams.update(zip(exact, exact[1:], strict=False))
            for t in exact:
                self.local_forms.setdefault(fold(t), set()).add(t)

    def global_form(self, folded: str) -> str | None:
        """The index's most frequent exact form of a folded word."""
        forms = self.vocab.get(folded)
        return max(forms, key=lambda f: f[1])[0] if forms else None

    def _candidates(self, folded: str) -> dict[str, float]:
        """Exact forms with their unigram score: words seen in the best hits weigh more than index counts."""
        counts = dict(self.vocab.get(folded, []))
        forms = set(counts) | self.local_forms.get(folded, set())
        if not forms:
            return {folded: 0.0}
        return {f: math.log1p(counts.get(f, 0)) + 2.0 * math.log1p(self.unigrams[f]) for f in forms}

    def restore_words(self, words: list[str]) -> list[str]:
        """Exact forms for lower-case folded words (a word without any known form is kept)."""
        if not words:
            return []
        # Viterbi: best[form] = (score of the best path ending in form, that path).
        best = {f: (s, [f]) for f, s in self._candidates(words[0]).items()}
        for w in words[1:]:
            nxt: dict[str, tuple[float, list[str]]] = {}
            for f, s in self._candidates(w).items():
                prev, (ps, path) = max(
                    best.items(), key=lambda kv: kv[1][0] + 3.0 * math.log1p(self.bigrams[(kv[0], f)])
                )
                nxt[f] = (ps + 3.0 * math.log1p(self.bigrams[(prev, f)]) + s, [*path, f])
            best = nxt
        return max(best.values(), key=lambda v: v[0])[1]


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
