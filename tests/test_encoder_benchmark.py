"""benchmarks.encoder without the model: the article selection keeps every question's articles, nDCG is exact."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from conftest import ROOT, need_data

from benchmarks.encoder import ndcg10, scifact_quality, select_articles, to_markdown


def test_selection_holds_the_articles_of_the_questions_kept() -> None:
    alqac = need_data("alqac-2023")
    rows, queries, qrels = select_articles(alqac, 150)
    ids = [r["_id"] for r in rows]
    assert len(ids) == len(set(ids)) == 150
    assert len(queries) == 100  # 100 train questions, whose articles all fit in 150
    assert all(set(rel) <= set(ids) for rel in qrels.values())
    few_rows, few_queries, _ = select_articles(alqac, 10)
    assert len(few_rows) == 10 and 0 < len(few_queries) < 100  # only the questions those 10 answer


def test_ndcg10_of_exact_rankings() -> None:
    docs = np.eye(3, dtype=np.float32)
    queries = np.array([[1, 0, 0], [0, 0.6, 0.8]], dtype=np.float32)
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    # q1 finds a first (1.0); q2 ranks c before b: 1/log2(3)
    assert abs(ndcg10(docs, queries, ["a", "b", "c"], ["q1", "q2"], qrels) - (1 + 1 / np.log2(3)) / 2) < 1e-6


def test_committed_result_renders() -> None:
    record = json.loads(Path(ROOT / "benchmarks/results/encoder.json").read_text())
    table = to_markdown(record)
    assert f"{record['ratio']:.2f}" in table and "nDCG@10" in table


class _Hashing:
    """A deterministic stand-in for an encoder: unit vectors from word hashes (logic only, not the model)."""

    def __init__(self, noise: float) -> None:
        self.noise, self.dimension = noise, 64

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, dtype=np.float32)
        for w in text.lower().split():
            v[hash(w) % self.dimension] += 1.0
        v += self.noise * np.random.default_rng(len(text)).normal(size=self.dimension).astype(np.float32)
        return v / max(float(np.linalg.norm(v)), 1e-9)

    def embed_documents(self, texts: list[str], titles: list[str] | None = None) -> np.ndarray:
        return np.vstack([self._vec(t) for t in texts])

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return np.vstack([self._vec(t) for t in texts])


def test_scifact_pass_reports_both_backends() -> None:
    scifact = need_data("scifact")
    result = scifact_quality({"torch": _Hashing(0.0), "fast": _Hashing(0.05)}, scifact, 60)  # type: ignore[dict-item]
    assert result["abstracts"] == 60 and result["train_claims"] > 0
    assert 0.9 < result["cosine_min"] <= result["cosine_mean"] <= 1.0
    assert 0.0 < result["ndcg10_torch"] <= 1.0 and abs(result["ndcg10_delta"]) < 0.2
    table = to_markdown(json.loads(Path(ROOT / "benchmarks/results/encoder.json").read_text()) | {"scifact": result})
    assert "SciFact nDCG@10" in table
