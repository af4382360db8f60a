"""Fusion arithmetic, FTS query building and diacritic restoration (pure logic, no model)."""

from __future__ import annotations

import pytest

from indexer.config import FusionSettings, SearchSettings
from indexer.retrieval.fusion import fuse, normalise, rrf, weighted
from indexer.retrieval.query_restore import Restorer, looks_unmarked_vietnamese, restore_query
from indexer.storage.sqlite_lexical import fts_query


def test_rrf_weights_and_order() -> None:
    fused = rrf([[(1, 9.0), (2, 5.0)], [(2, 0.9), (3, 0.8)]], k=60, weights=[1.0, 1.0])
    assert [i for i, _ in fused] == [2, 1, 3]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)


@pytest.mark.parametrize("norm", ["minmax", "zscore", "max"])
def test_normalise_best_is_highest(norm: str) -> None:
    scores = normalise([(1, 10.0), (2, 4.0), (3, 2.0)], norm)  # type: ignore[arg-type]
    assert scores[1] > scores[2] > scores[3] >= 0.0
    assert normalise([], norm) == {}  # type: ignore[arg-type]


def test_weighted_extremes_follow_one_list() -> None:
    lex = [(1, 12.0), (2, 3.0), (3, 1.0)]
    den = [(3, 0.9), (2, 0.5), (1, 0.1)]
    assert weighted(lex, den, 1.0)[0][0] == 3
    assert weighted(lex, den, 0.0)[0][0] == 1
    assert weighted(lex, den, 0.5, "max")[0][0] in {1, 3}


def test_fuse_follows_the_language_profile() -> None:
    lex = [(1, 12.0), (2, 3.0), (3, 1.0)]
    den = [(3, 0.9), (2, 0.85), (1, 0.1)]
    search = SearchSettings()
    assert search.fusion_for(True) is search.vietnamese and search.fusion_for(False) is search.other
    assert fuse(lex, den, FusionSettings(dense_weight=1.0))[0][0] == 3
    assert fuse(lex, den, FusionSettings(dense_weight=0.0))[0][0] == 1
    assert fuse(lex, den, FusionSettings(method="rrf", dense_weight=0.5)) == rrf([lex, den], 60, [0.5, 0.5])
    # minmax: lexical 1 → 1, 2 → 2/11, 3 → 0; dense 3 → 1, 2 → 0.75/0.8, 1 → 0; then 0.9 dense + 0.1 lexical.
    fused = dict(fuse(lex, den, search.other))
    assert fused == pytest.approx({3: 0.9, 2: 0.9 * 0.75 / 0.8 + 0.1 * 2 / 11, 1: 0.1})


def test_fts_query_bigrams_are_phrases() -> None:
    q = fts_query(["sử", "dụng", "đất"], bigrams=True)
    assert '"sử dụng"' in q and '"su dung"' in q and '"dụng đất"' in q
    assert fts_query([]) == ""
    assert '""' in fts_query(['a"b'])


VOCAB = {
    "quyen": [("quyền", 50), ("quyến", 2)],
    "su": [("sử", 40), ("sự", 60)],
    "dung": [("dụng", 45), ("dung", 5), ("đúng", 10)],
    "dat": [("đất", 30), ("đạt", 10)],
}


def test_restore_uses_context_bigrams_before_global_counts() -> None:
    context = ["Người sử dụng đất có quyền sử dụng đất."]
    restored = restore_query("Quyen su dung dat?", Restorer(VOCAB, context))
    assert restored == "Quyền sử dụng đất?"
    # Without context the globally most frequent form wins ("sự").
    assert restore_query("su dung", Restorer(VOCAB)) == "sự dụng"


def test_looks_unmarked_vietnamese() -> None:
    assert looks_unmarked_vietnamese("quyen su dung dat", VOCAB)
    assert not looks_unmarked_vietnamese("quyền sử dụng đất", VOCAB)
    assert not looks_unmarked_vietnamese("protein folding in cells", VOCAB)


def test_overriding_one_fusion_field_keeps_the_profile_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    from indexer.config import Settings

    monkeypatch.setenv("THAMMUU_SEARCH__OTHER__DENSE_WEIGHT", "0.7")
    search = Settings().search
    assert (search.other.normalisation, search.other.dense_weight) == ("minmax", 0.7)
    assert (search.vietnamese.normalisation, search.vietnamese.dense_weight) == ("max", 0.8)
