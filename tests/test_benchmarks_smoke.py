"""The benchmark suite's own logic: index footprint of a tiny real index, and the report's summary tables."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.footprint import Footprint, IndexFootprint, index_footprint
from benchmarks.index_throughput import ThroughputResult
from benchmarks.load import LoadResult
from benchmarks.run_all import Report, performance_rows, render, summary
from indexer.evaluation.runner import EvalResult

RECORDS = [
    {"_id": "1", "title": "Luật Hôn nhân", "text": "Nam từ đủ 20 tuổi, nữ từ đủ 18 tuổi được kết hôn."},
    {"_id": "2", "title": "Energy", "text": "Solar capacity doubled in the northern provinces last year."},
    {"_id": "3", "title": "Đất đai", "text": "Người sử dụng đất được cấp giấy chứng nhận quyền sử dụng đất."},
]


def test_footprint_of_a_tiny_real_index(tmp_path: Path, settings, embedder) -> None:  # type: ignore[no-untyped-def]
    from indexer.build.pipeline import IndexPipeline
    from indexer.storage.index import Index

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS) + "\n", encoding="utf-8")
    directory = tmp_path / "index"
    index = Index.open_or_create(settings, embedder.name, embedder.dimension, directory)
    report = IndexPipeline(settings, embedder, index).run([corpus])
    stats = index.store.stats()
    index.close()
    assert report.added == 3
    (directory / "query-vectors.npz").write_bytes(b"x" * 10_000_000)  # a benchmark cache: not index data

    fp = index_footprint(directory, "tiny")
    assert fp is not None
    assert (fp.documents, fp.chunks) == (3, stats["chunks"])
    store = sum(p.stat().st_size for p in directory.glob("store.sqlite*"))
    assert fp.store_bytes == store > 0
    assert fp.faiss_bytes == (directory / "vectors.faiss").stat().st_size > embedder.dimension * 4 * fp.chunks
    assert fp.store_bytes + fp.faiss_bytes < fp.total_bytes < fp.store_bytes + fp.faiss_bytes + 10_000
    assert abs(fp.total_mb_per_1000 - fp.total_bytes / 1e6 / fp.chunks * 1000) < 1e-9
    assert index_footprint(tmp_path / "nowhere") is None


def _report() -> Report:
    tp = ThroughputResult("m", 30, 100, 50.0, 62.5, 0.5, 90.0, 100.0, 16, 2, 0.5, 0.7)  # raw 2.0/s, pipeline 1.6/s
    ld = LoadResult(
        "m",
        "var/bench/alqac",
        20,
        [100.0, 100.0, 120.0],
        [(1, 16, 130.0, 150.0, 7.5, 0), (4, 16, 400.0, 500.0, 9.0, 2)],
    )
    fp = Footprint("m", 2000.0, 1000.0, 2500.0, 1100.0, index_articles=30, index_passages=100)
    fp.indexes.append(IndexFootprint("alqac", "var/bench/alqac", 2249, 2693, 26_000_000, 8_000_000, 34_500_000))
    ev = EvalResult("alqac-2023", "train", "dense", 20, 2249, 2693, 0.9512, 0.99, 1.0, 0.94, 55.04, 80.0, "x")
    return Report(quality=[ev], throughput=tp, load=ld, footprint=fp)


def test_summary_ratios_against_same_run_baselines() -> None:
    rows = {m: (v, r, b) for m, v, r, b in performance_rows(_report())}
    assert rows["indexing: pipeline, fresh index"] == ("1.60 passages/s", "0.80×", "raw encoder")
    assert rows["re-index of the unchanged corpus"][1] == "0.01×"
    assert rows["query latency: API, 1 client p50 / p95"][1] == "1.30×"
    assert rows["query latency: API, 4 clients p50 / p95"][0] == "400.0 / 500.0 ms (9.00 req/s, 2 errors)"
    assert rows["peak RSS: indexing 30 ALQAC articles (100 passages)"][:2] == (
        "2,500 MB (1,100 MB at the end, 1.10×)",
        "1.25×",
    )
    assert rows["index size: alqac (2693 chunks)"][0].startswith("12.81 MB / 1,000 chunks")
    text = summary(_report())
    assert "| alqac-2023 | dense | 20 | 2693 | 0.951 | 0.990 | 1.000 | 0.940 | 55.0 | 80.0 |" in text


def test_skipped_parts_say_so() -> None:
    rows = performance_rows(Report())
    assert [v for _, v, _, _ in rows] == ["not measured"] * 3
    text = render(Report(), ["# Benchmark results", ""])
    assert "Retrieval quality: not measured." in text
    assert "## Query latency" not in text
