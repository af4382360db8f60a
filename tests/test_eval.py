"""``thammuu eval``: BEIR loaders, metrics through ir-measures with hand-computed values, and the command end to end
on a tiny dataset with the real model (exact metric values, index reuse by corpus hash)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from indexer.errors import InvalidDataset
from indexer.evaluation.runner import MARKER, load_dataset, load_qrels, load_queries, score_run

KEYS = {
    "dataset",
    "split",
    "mode",
    "queries",
    "documents",
    "passages",
    "ndcg_at_10",
    "recall_at_10",
    "recall_at_100",
    "mrr_at_10",
    "latency_p50_ms",
    "latency_p95_ms",
    "index_dir",
}


# ---- metrics ------------------------------------------------------------------------------------------------
def test_score_run_matches_hand_computed_values() -> None:
    qrels = {
        "q1": {"d1": 1},  # found at rank 2
        "q2": {"a": 2, "b": 1},  # graded: found in the order b, a
        "q3": {"z": 1},  # nothing retrieved
        "q4": {"y": 1},  # absent from the run altogether
    }
    run = {"q1": ["d0", "d1", "d2"], "q2": ["b", "a"], "q3": [], "extra": ["d1"]}
    scores = score_run(run, qrels)

    q1 = 1 / math.log2(3)
    # DCG = gain 1 at rank 1 + gain 2 at rank 2; ideal = gain 2 at rank 1 + gain 1 at rank 2.
    q2 = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert scores["ndcg@10"] == pytest.approx((q1 + q2) / 4, abs=1e-12)
    assert scores["recall@10"] == pytest.approx(2 / 4)
    assert scores["recall@100"] == pytest.approx(2 / 4)
    assert scores["mrr@10"] == pytest.approx((0.5 + 1.0) / 4)
    assert set(scores) == {"ndcg@10", "recall@10", "recall@100", "mrr@10"}


def test_score_run_cutoffs_and_order() -> None:
    qrels = {"q": {"hit": 1, "deep": 1}}
    ranked = [f"n{i}" for i in range(50)]
    ranked.insert(0, "hit")  # rank 1
    ranked.insert(20, "deep")  # rank 21: in recall@100, not in recall@10
    scores = score_run({"q": ranked}, qrels)
    ideal = 1 + 1 / math.log2(3)
    assert scores["ndcg@10"] == pytest.approx(1 / ideal)
    assert scores["recall@10"] == pytest.approx(0.5)
    assert scores["recall@100"] == pytest.approx(1.0)
    assert scores["mrr@10"] == pytest.approx(1.0)
    # The run's order is kept as given (not re-sorted by document id).
    assert score_run({"q": ["zz", "hit"]}, {"q": {"hit": 1}})["mrr@10"] == pytest.approx(0.5)


def test_score_run_needs_a_judged_query() -> None:
    with pytest.raises(ValueError, match="no judged query"):
        score_run({"q": ["a"]}, {"q": {"a": 0}})


# ---- loaders ------------------------------------------------------------------------------------------------
def test_qrels_with_and_without_header(tmp_path: Path) -> None:
    body = "q1\td1\t1\nq1\td2\t0\nq2\td3\t2\n"
    with_header = tmp_path / "h.tsv"
    with_header.write_text("query-id\tcorpus-id\tscore\n" + body, encoding="utf-8")
    bare = tmp_path / "b.tsv"
    bare.write_text(body + "\n", encoding="utf-8")
    expected = {"q1": {"d1": 1}, "q2": {"d3": 2}}
    assert load_qrels(with_header) == expected
    assert load_qrels(bare) == expected


def test_qrels_bad_lines_name_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "qrels_train.tsv"
    path.write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\tyes\n", encoding="utf-8")
    with pytest.raises(InvalidDataset, match=r"qrels_train\.tsv: line 3: score 'yes' is not an integer"):
        load_qrels(path)
    path.write_text("q1\td1\t1\nq2 d2 1\n", encoding="utf-8")
    with pytest.raises(InvalidDataset, match=r"line 2: expected 3 tab-separated columns"):
        load_qrels(path)


def test_queries_loader_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "queries_train.jsonl"
    path.write_text('{"_id": 1, "text": "một"}\n\n{"_id": "b", "text": "two", "extra": 3}\n', encoding="utf-8")
    assert load_queries(path) == {"1": "một", "b": "two"}
    path.write_text('{"_id": "a", "text": "ok"}\n{"_id": "b", "text": \n', encoding="utf-8")
    with pytest.raises(InvalidDataset, match=r"queries_train\.jsonl: line 2: invalid JSON"):
        load_queries(path)
    path.write_text('{"_id": "a"}\n', encoding="utf-8")
    with pytest.raises(InvalidDataset, match=r"line 1: expected an object with '_id' and a 'text' string"):
        load_queries(path)
    with pytest.raises(InvalidDataset, match=r"missing\.jsonl: file not found"):
        load_queries(tmp_path / "missing.jsonl")


# ---- end to end with the real model -------------------------------------------------------------------------
DOCS = [
    ("lighthouse", "Lighthouse keepers", "The lighthouse keeper trimmed the lamp wick every night."),
    ("volcano", "Volcanic eruptions", "Basalt lava flows from shield volcanoes cool into wide black plateaus."),
    ("honey", "Nuôi ong lấy mật", "Hộ gia đình nuôi ong lấy mật ở vùng cao nguyên được hỗ trợ thùng nuôi."),
    ("rice", "Lúa nước", "Nông dân gieo cấy lúa nước trên ruộng bậc thang vào mùa mưa."),
    ("violin", "Violin making", "A luthier carves the spruce top and maple back of a violin by hand."),
    ("glacier", "Glaciers", "Alpine glaciers carve U-shaped valleys and leave moraines of gravel behind."),
]
QUERIES = {
    "q-light": "lighthouse keeper lamp",
    "q-honey": "nuôi ong lấy mật",
    "q-violin": "luthier carves a violin",
    "q-lost": "glaciers carving valleys",  # judged relevant: a document the corpus does not hold
    "q-unjudged": "black basalt lava",
}
QRELS = "query-id\tcorpus-id\tscore\nq-light\tlighthouse\t1\nq-honey\thoney\t1\nq-violin\tviolin\t1\n"
QRELS += "q-violin\tglacier\t0\nq-lost\tnot-in-corpus\t1\nq-missing\tvolcano\t1\n"


def write_dataset(folder: Path) -> Path:
    folder.mkdir()
    corpus = [{"_id": i, "title": t, "text": x} for i, t, x in DOCS]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in corpus), "utf-8")
    queries = "".join(json.dumps({"_id": q, "text": t}, ensure_ascii=False) + "\n" for q, t in QUERIES.items())
    (folder / "queries_test.jsonl").write_text(queries, encoding="utf-8")
    (folder / "qrels_test.tsv").write_text(QRELS, encoding="utf-8")
    return folder


def test_dataset_keeps_judged_queries_that_exist(tmp_path: Path) -> None:
    dataset = load_dataset(write_dataset(tmp_path / "tiny"), "test")
    assert dataset.name == "tiny" and dataset.split == "test"
    assert dataset.corpus == tmp_path / "tiny" / "corpus.jsonl"
    assert set(dataset.qrels) == {"q-light", "q-honey", "q-violin", "q-lost"}  # not q-missing, not q-unjudged
    assert dataset.qrels["q-violin"] == {"violin": 1}  # score 0 dropped
    with pytest.raises(InvalidDataset, match=r"queries_dev\.jsonl: file not found"):
        load_dataset(tmp_path / "tiny", "dev")


def test_eval_command_end_to_end(tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    folder = write_dataset(tmp_path / "tiny")
    monkeypatch.chdir(tmp_path)  # the default index directory is var/eval/... under the working directory

    lexical = cli("eval", folder, "--split", "test", "--mode", "lexical", "--json")
    assert lexical.exit_code == 0, lexical.output
    report = json.loads(lexical.stdout)
    assert set(report) == KEYS
    index_dir = Path(report["index_dir"])
    assert index_dir.parent == Path("var/eval") and index_dir.name.startswith("tiny-")
    assert len(index_dir.name) == len("tiny-") + 12
    assert (report["dataset"], report["split"], report["mode"]) == ("tiny", "test", "lexical")
    assert (report["queries"], report["documents"]) == (4, 6) and report["passages"] >= 6
    # Three questions answered first, one whose judged document is not in the corpus: exactly 3/4 everywhere.
    for key in ("ndcg_at_10", "recall_at_10", "recall_at_100", "mrr_at_10"):
        assert report[key] == 0.75, key
    assert 0 < report["latency_p50_ms"] <= report["latency_p95_ms"]

    marker = (tmp_path / index_dir / MARKER).read_text(encoding="utf-8")
    store = tmp_path / index_dir / "store.sqlite"
    mtime = store.stat().st_mtime_ns

    # Second run, another mode: the index is reused by corpus hash; the pipeline must not run at all.
    import indexer.build.pipeline

    def no_pipeline(*_a, **_k):  # type: ignore[no-untyped-def]
        raise AssertionError("the pipeline ran although the corpus is unchanged")

    monkeypatch.setattr(indexer.build.pipeline.IndexPipeline, "run", no_pipeline)
    hybrid = cli("eval", folder, "--split", "test", "--mode", "hybrid", "--json")
    assert hybrid.exit_code == 0, hybrid.output
    again = json.loads(hybrid.stdout)
    assert again["mode"] == "hybrid" and again["index_dir"] == report["index_dir"]
    for key in ("ndcg_at_10", "recall_at_10", "recall_at_100", "mrr_at_10"):
        assert again[key] == 0.75, key
    assert again["latency_p50_ms"] > 0
    assert (tmp_path / index_dir / MARKER).read_text(encoding="utf-8") == marker
    assert store.stat().st_mtime_ns == mtime

    # The human output is a table with every metric.
    table = cli("eval", folder, "--split", "test", "--mode", "dense")
    assert table.exit_code == 0, table.output
    for name in ("nDCG@10", "recall@10", "recall@100", "MRR@10", "latency p50", "latency p95"):
        assert name in table.stdout


def test_eval_rebuilds_an_explicit_index_when_the_corpus_changes(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    folder = write_dataset(tmp_path / "tiny")
    index = tmp_path / "idx"
    first = cli("eval", folder, "--split", "test", "--mode", "lexical", "--json", "--index", index)
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["index_dir"] == str(index)
    stamp = json.loads((index / MARKER).read_text(encoding="utf-8"))

    with (folder / "corpus.jsonl").open("a", encoding="utf-8") as fh:
        text = "Glaciers carving valleys: how glaciers are carving valleys."
        fh.write(json.dumps({"_id": "not-in-corpus", "title": "Glacier valleys", "text": text}))
        fh.write("\n")
    second = cli("eval", folder, "--split", "test", "--mode", "lexical", "--json", "--index", index)
    assert second.exit_code == 0, second.output
    report = json.loads(second.stdout)
    assert report["documents"] == 7
    assert report["ndcg_at_10"] == 1.0 and report["mrr_at_10"] == 1.0
    assert json.loads((index / MARKER).read_text(encoding="utf-8"))["corpus_sha256"] != stamp["corpus_sha256"]


def test_eval_errors_are_one_line(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    missing = cli("eval", tmp_path / "nowhere", "--json")
    assert missing.exit_code == 2
    assert "error:" in missing.output and "not a dataset folder" in missing.output
    folder = write_dataset(tmp_path / "tiny")
    bad_mode = cli("eval", folder, "--split", "test", "--mode", "fuzzy")
    assert bad_mode.exit_code == 2 and "mode must be hybrid, lexical or dense" in bad_mode.output
    (folder / "qrels_test.tsv").write_text("q-light\tlighthouse\tone\n", encoding="utf-8")
    bad = cli("eval", folder, "--split", "test")
    assert bad.exit_code == 2, bad.output
    assert "no relevant judgment" in bad.output  # a header-like first line is skipped; nothing is left


def test_best_per_document_and_pool() -> None:
    from indexer.config import SearchSettings
    from indexer.retrieval.documents_rank import best_per_document, document_pool
    from indexer.storage.records import ChunkRecord

    rows = {c: ChunkRecord(c, d, 0, "") for c, d in {1: "a", 2: "b", 3: "a", 4: "c"}.items()}
    hits = [(3, 0.9), (2, 0.8), (1, 0.7), (9, 0.6), (4, 0.5)]  # chunk 9 has no row (deleted meanwhile)
    assert best_per_document(hits, rows) == [("a", 3, 0.9), ("b", 2, 0.8), ("c", 4, 0.5)]
    search = SearchSettings()
    assert document_pool(search, 10) == max(search.candidates, 40)
    assert document_pool(search, 100) == 400
    assert document_pool(search, 5, candidates=300) == 300
