"""Retrieval quality (nDCG@10, recall@10) on ALQAC-2023 (vi) and SciFact (en) train questions.

Each set is indexed once into ``var/bench/<name>`` (``--build`` does it when missing); query vectors are cached
beside the index, so fusion experiments never re-embed. Hits are chunks; a document ranks by its best chunk.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.metrics import docs_from_chunks, load_qrels, load_queries, machine_label
from indexer.build.pipeline import IndexPipeline
from indexer.config import Settings
from indexer.embedding import create_embedder
from indexer.evaluation.runner import score_run
from indexer.interfaces import Embedder
from indexer.retrieval.fusion import Norm, rrf, weighted
from indexer.retrieval.hybrid import HybridRetriever, use_bigrams
from indexer.retrieval.query_restore import Restorer, looks_unmarked_vietnamese, restore_query
from indexer.storage.filters import SearchFilter
from indexer.storage.index import Index
from indexer.understanding.text import fold, has_vietnamese_diacritics, tokenize

logger = logging.getLogger(__name__)

Ranked = list[tuple[int, float]]
DEPTH = 200  # candidates fetched once per query; smaller candidate counts are prefixes of these lists


@dataclass
class Bench:
    """One evaluation set in BEIR layout and where its index lives."""

    name: str
    folder: Path
    index_dir: Path

    @property
    def corpus(self) -> Path:
        return self.folder / "corpus.jsonl"


class CachedQueryEmbedder:
    """Wraps an embedder so each query text is embedded once per index, cached in ``query-vectors.npz``."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.path = path
        self.cache: dict[str, np.ndarray] = {}
        if path.is_file():
            data = np.load(path, allow_pickle=False)
            self.cache = dict(zip(data["texts"].tolist(), data["vectors"], strict=True))
        self._dirty = False

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str | None] | None = None) -> np.ndarray:
        return self.inner.embed_documents(texts, titles)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.inner.embed_queries(missing), strict=True))
            self._dirty = True
        return np.vstack([self.cache[t] for t in texts])

    def save(self) -> None:
        """Persist new vectors (texts and vectors in the same order)."""
        if self._dirty:
            texts = list(self.cache)
            np.savez(self.path, texts=np.array(texts), vectors=np.vstack([self.cache[t] for t in texts]))
            self._dirty = False


@dataclass
class Prepared:
    """An opened benchmark: index, questions, judgments, the chunk → document map and per-query lists."""

    bench: Bench
    index: Index
    retriever: HybridRetriever
    embedder: CachedQueryEmbedder
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    chunk_doc: dict[int, str]
    lists: dict[str, dict[str, Ranked]] = field(default_factory=dict)

    def score(self, ranked_chunks: dict[str, Ranked]) -> tuple[float, float]:
        """Mean nDCG@10 and recall@10 over the judged questions."""
        run = {qid: docs_from_chunks(ranked_chunks.get(qid, []), self.chunk_doc) for qid in self.qrels}
        scores = score_run(run, self.qrels)  # the same ir-measures scoring as `thammuu eval`
        return scores["ndcg@10"], scores["recall@10"]


def build(bench: Bench, settings: Settings, embedder: Embedder) -> None:
    """Index the set's corpus into its benchmark directory (incremental: unchanged records are skipped)."""
    index = Index.open_or_create(settings, embedder.name, embedder.dimension, bench.index_dir)
    t = time.perf_counter()
    report = IndexPipeline(settings, embedder, index).run([bench.corpus.resolve()])
    logger.info("%s built in %.0f s: %s", bench.name, time.perf_counter() - t, report.to_dict())
    index.close()


def prepare(bench: Bench, settings: Settings, embedder: Embedder) -> Prepared:
    """Open a built benchmark index with its questions and judgments."""
    index = Index.open(settings, bench.index_dir)
    cached = CachedQueryEmbedder(embedder, bench.index_dir / "query-vectors.npz")
    queries = load_queries(bench.folder / "queries_train.jsonl")
    qrels = load_qrels(bench.folder / "qrels_train.tsv")
    qrels = {q: r for q, r in qrels.items() if q in queries}
    # Record ids are "<file stem>:<_id>"; judgments name the bare _id.
    chunk_doc = {c: d.split(":", 1)[1] for c, d in index.store.chunk_doc_ids().items()}
    # A partly built index (interrupted build) is evaluated on the questions whose judged documents it holds.
    present = set(chunk_doc.values())
    complete = {q: r for q, r in qrels.items() if set(r) <= present}
    if len(complete) < len(qrels):
        logger.warning(
            "%s: %d of %d questions have every judged document indexed", bench.name, len(complete), len(qrels)
        )
    qrels = complete
    retriever = HybridRetriever(index, cached, settings)
    return Prepared(bench, index, retriever, cached, {q: queries[q] for q in qrels}, qrels, chunk_doc)


def lexical_lists(p: Prepared, variant: str, transform: Callable[[str], str] = lambda q: q) -> dict[str, Ranked]:
    """Lexical candidate lists for every question, cached by variant name."""
    if variant not in p.lists:
        flt = SearchFilter()
        cfg = p.retriever.settings.search
        out: dict[str, Ranked] = {}
        for qid, text in p.queries.items():
            query = transform(text)
            tokens = tokenize(query)
            _, vietnamese = p.retriever.analyse(query, tokens, has_vietnamese_diacritics(query))
            bigrams = use_bigrams(cfg, vietnamese)
            out[qid] = p.index.store.lexical_search(tokens, flt, DEPTH, (1.0, cfg.folded_weight), bigrams=bigrams)
        p.lists[variant] = out
    return p.lists[variant]


def dense_lists(p: Prepared, variant: str, transform: Callable[[str], str] = lambda q: q) -> dict[str, Ranked]:
    """Dense candidate lists for every question, cached by variant name."""
    if variant not in p.lists:
        flt = SearchFilter()
        texts = {qid: transform(t) for qid, t in p.queries.items()}
        vecs = p.embedder.embed_queries(list(texts.values()))
        p.embedder.save()
        p.lists[variant] = {qid: p.index.dense_search(v, flt, DEPTH) for qid, v in zip(texts, vecs, strict=True)}
    return p.lists[variant]


def fold_query(text: str) -> str:
    """The question as typed without diacritics."""
    return " ".join(fold(w) for w in text.split())


FusionFn = Callable[[Ranked, Ranked], Ranked]


def _only(which: int, n: int) -> FusionFn:
    def fn(lex: Ranked, den: Ranked) -> Ranked:
        return (lex, den)[which][:n]

    return fn


def _rrf(w: float, k: int, n: int) -> FusionFn:
    def fn(lex: Ranked, den: Ranked) -> Ranked:
        return rrf([lex[:n], den[:n]], k=k, weights=[1 - w, w])

    return fn


def _weighted(w: float, norm: Norm, n: int) -> FusionFn:
    def fn(lex: Ranked, den: Ranked) -> Ranked:
        return weighted(lex[:n], den[:n], w, norm)

    return fn


def fusions() -> dict[str, FusionFn]:
    """The fusion variants compared (lexical list, dense list → fused list)."""
    out: dict[str, FusionFn] = {"lexical (BM25)": _only(0, 100), "dense": _only(1, 100)}
    out["rrf k=60 (equal weights)"] = _rrf(0.5, 60, 100)
    for w in (0.6, 0.7, 0.8):
        out[f"rrf k=60 dense weight {w}"] = _rrf(w, 60, 100)
    out["rrf k=20 dense weight 0.7"] = _rrf(0.7, 20, 100)
    norms: tuple[Norm, ...] = ("minmax", "zscore", "max")
    for norm in norms:
        for w in (0.5, 0.6, 0.7, 0.8, 0.9):
            out[f"weighted {norm} dense weight {w}"] = _weighted(w, norm, 100)
    for n in (20, 50, 200):
        out[f"weighted max dense weight 0.7, {n} candidates"] = _weighted(0.7, "max", n)
    return out


def evaluate(p: Prepared, lex: dict[str, Ranked], den: dict[str, Ranked], fn: FusionFn) -> tuple[float, float]:
    """Score one fusion over precomputed lists."""
    return p.score({q: fn(lex[q], den[q]) for q in p.queries})


def make_scifact_subset(src: Path, dest: Path, queries: int = 250, docs: int = 700, seed: int = 0) -> Path:
    """A seeded SciFact sample: ``queries`` train questions, their judged abstracts, random others to ``docs``.

    On a shared 2-core machine the full corpus (7,526 passages) takes hours to embed; the sample keeps every
    judged abstract, so method comparisons hold, but absolute scores run higher than on the full corpus.
    """
    dest.mkdir(parents=True, exist_ok=True)
    all_queries = [json.loads(line) for line in (src / "queries_train.jsonl").open(encoding="utf-8")]
    qrels = load_qrels(src / "qrels_train.tsv")
    known = {q["_id"] for q in all_queries}
    rng = random.Random(seed)
    sample = set(rng.sample(sorted(q for q in qrels if q in known), queries))
    judged = {d for q in sample for d in qrels[q]}
    corpus = [json.loads(line) for line in (src / "corpus.jsonl").open(encoding="utf-8")]
    others = [d for d in corpus if d["_id"] not in judged]
    keep = judged | {d["_id"] for d in rng.sample(others, docs - len(judged))}
    with (dest / "corpus.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in corpus if d["_id"] in keep)
    with (dest / "queries_train.jsonl").open("w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(q, ensure_ascii=False) + "\n" for q in all_queries if q["_id"] in sample)
    with (dest / "qrels_train.tsv").open("w", encoding="utf-8") as fh:
        fh.write("query-id\tcorpus-id\tscore\n")
        fh.writelines(f"{q}\t{d}\t{r}\n" for q in sorted(sample) for d, r in qrels[q].items())
    return dest


def main(argv: list[str] | None = None) -> str:
    """Command-line entry point: prints (and returns) Markdown tables."""
    settings = Settings()
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=settings.data_dir, help="Folder holding alqac-2023/ and scifact/.")
    ap.add_argument("--out", type=Path, default=Path("var/bench"), help="Where benchmark indexes live.")
    ap.add_argument(
        "--sets", default="alqac,scifact-subset", help="Comma-separated: alqac, scifact (full), scifact-subset."
    )
    ap.add_argument("--build", action="store_true", help="Build (or update) the benchmark indexes first.")
    ap.add_argument("--experiments", action="store_true", help="Also the lexical and restoration variants.")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    embedder = create_embedder(settings)
    sections: list[str] = [f"Machine: {machine_label()}", ""]
    for name in args.sets.split(","):
        if name == "scifact-subset":
            folder = args.out / "scifact-subset-data"
            if not (folder / "corpus.jsonl").is_file():
                make_scifact_subset(args.data / "scifact", folder)
        else:
            folder = args.data / {"alqac": "alqac-2023", "scifact": "scifact"}[name]
        bench = Bench(name, folder, args.out / name)
        if args.build or not (bench.index_dir / "store.sqlite").is_file():
            build(bench, settings, embedder)
        p = prepare(bench, settings, embedder)
        sections.append(report(p, settings))
        if args.experiments:
            sections.append(experiments(p))
        p.index.close()
    text = "\n".join(sections)
    sys.stdout.write(text)
    return text


def shipped(p: Prepared, transform: Callable[[str], str]) -> tuple[float, float, float]:
    """The default configuration end to end through ``HybridRetriever.search`` (restoration included).

    Returns nDCG@10, recall@10 and the mean milliseconds per query spent outside the (cached) encoder.
    """
    runs: dict[str, Ranked] = {}
    spent = 0.0
    for q, t in p.queries.items():
        res = p.retriever.search(transform(t), 10, "hybrid")
        runs[q] = res.hits
        spent += sum(v for k, v in res.timings_ms.items() if k != "embed")
    p.embedder.save()
    nd, rc = p.score(runs)
    return nd, rc, spent / max(len(p.queries), 1)


def report(p: Prepared, settings: Settings) -> str:
    """Markdown table of every fusion variant, with and without diacritics in the questions."""
    variants: dict[str, Callable[[str], str]] = {"as written": lambda q: q}
    if p.bench.name.startswith("alqac"):  # folding English only lower-cases it
        variants["diacritics removed"] = fold_query
    lists = {v: (lexical_lists(p, f"lex/{v}", t), dense_lists(p, f"dense/{v}", t)) for v, t in variants.items()}
    s = settings.search
    lines = [
        f"### {p.bench.name}: {len(p.qrels)} train questions, {len(set(p.chunk_doc.values()))} documents,"
        f" {len(p.chunk_doc)} passages",
        "",
        "| method | " + " | ".join(f"nDCG@10 {v} | R@10 {v}" for v in variants) + " |",
        "|---|" + "---|---|" * len(variants),
    ]
    cells = []
    ms = []
    for t in variants.values():
        nd, rc, spent = shipped(p, t)
        cells += [f"**{nd:.3f}**", f"{rc:.3f}"]
        ms.append(f"{spent:.0f}")
    f = s.fusion_for(p.bench.name.startswith("alqac"))
    default = f"{f.method} {f.normalisation} dense weight {f.dense_weight}, {s.candidates} candidates"
    lines.append(
        f"| **shipped default** ({default}; restoration on; {'/'.join(ms)} ms per query besides the encoder) | "
        + " | ".join(cells)
        + " |"
    )
    for label, fn in fusions().items():
        cells = []
        for v in variants:
            nd, rc = evaluate(p, *lists[v], fn)
            cells += [f"{nd:.3f}", f"{rc:.3f}"]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n"


def default_fusion(settings: Settings, vietnamese: bool) -> FusionFn:
    """The fusion the settings ship for a language, over precomputed lists."""
    s = settings.search
    f = s.fusion_for(vietnamese)
    if f.method == "rrf":
        return _rrf(f.dense_weight, f.rrf_k, s.candidates)
    return _weighted(f.dense_weight, f.normalisation, s.candidates)


def experiments(p: Prepared) -> str:
    """Lexical scoring variants and query restoration, each alone and fused with the dense list."""
    fuse = default_fusion(p.retriever.settings, p.bench.name.startswith("alqac"))
    lines = [
        f"#### {p.bench.name}: lexical, dense and restoration variants (fused = the shipped fusion)",
        "",
        "| variant | nDCG@10 alone | nDCG@10 fused |",
        "|---|---|---|",
    ]
    den = dense_lists(p, "dense/as written")
    flt = SearchFilter()
    variants: dict[str, tuple[tuple[float, float], bool]] = {
        "bm25 columns 1.0/0.7 (before)": ((1.0, 0.7), False),
        "bm25 columns 1.0/1.0": ((1.0, 1.0), False),
        "bm25 columns 1.0/0.3": ((1.0, 0.3), False),
        "bm25 columns 1.0/0.7 + bigram phrases": ((1.0, 0.7), True),
        "bm25 columns 1.0/0.3 + bigram phrases": ((1.0, 0.3), True),
    }
    for label, (weights, bigrams) in variants.items():
        lex = {
            q: p.index.store.lexical_search(tokenize(t), flt, DEPTH, weights, bigrams=bigrams)
            for q, t in p.queries.items()
        }
        alone, _ = p.score(lex)
        fused, _ = evaluate(p, lex, den, fuse)
        lines.append(f"| {label} | {alone:.3f} | {fused:.3f} |")
    # Dense-side variants that need no extra embedding: pseudo-relevance feedback and filling in the dense
    # score of lexical-only candidates from the stored vectors before fusing.
    lex = lexical_lists(p, "lex/as written")
    ids, vecs = p.index.store.all_vectors()
    row = {int(c): i for i, c in enumerate(ids)}
    qvecs = dict(zip(p.queries, p.embedder.embed_queries(list(p.queries.values())), strict=True))
    for alpha in (0.3, 0.6):
        prf: dict[str, Ranked] = {}
        for q, v in qvecs.items():
            top = [row[c] for c, _ in den[q][:3]]
            v2 = v + alpha * vecs[top].mean(axis=0)
            prf[q] = p.index.dense_search(v2 / np.linalg.norm(v2), flt, DEPTH)
        alone, _ = p.score(prf)
        fused, _ = evaluate(p, lex, prf, fuse)
        lines.append(f"| dense PRF alpha={alpha} (top-3) | {alone:.3f} | {fused:.3f} |")
    lex100 = {q: r[:100] for q, r in lex.items()}
    for label, fn in {
        "weighted max 0.7": _weighted(0.7, "max", 1000),
        "weighted minmax 0.7": _weighted(0.7, "minmax", 1000),
    }.items():
        filled: dict[str, Ranked] = {}
        for q, v in qvecs.items():
            extra = [c for c, _ in lex[q][:100] if c not in {d for d, _ in den[q][:100]}]
            scored = [(c, float(vecs[row[c]] @ v)) for c in extra]
            filled[q] = sorted([*den[q][:100], *scored], key=lambda x: -x[1])
        fused, _ = evaluate(p, lex100, filled, fn)
        lines.append(f"| {label}, dense score filled in for lexical-only candidates | - | {fused:.3f} |")
    if not p.bench.name.startswith("alqac"):
        return "\n".join(lines) + "\n\n"
    # Questions typed without diacritics: what the dense side gains from restoring them.
    lex_f = lexical_lists(p, "lex/diacritics removed", fold_query)
    restorer_cases: dict[str, Callable[[str], str]] = {
        "no diacritics, embedded as typed": fold_query,
        "no diacritics, restored (global vocab only)": lambda q: _restored(p, fold_query(q), 0),
        "no diacritics, restored (top-5 lexical context)": lambda q: _restored(p, fold_query(q), 5),
        "no diacritics, restored (top-20 lexical context)": lambda q: _restored(p, fold_query(q), 20),
    }
    for label, t in restorer_cases.items():
        den_v = dense_lists(p, f"dense/{label}", t)
        alone, _ = p.score(den_v)
        fused, _ = evaluate(p, lex_f, den_v, fuse)
        lines.append(f"| {label} | {alone:.3f} | {fused:.3f} |")
    return "\n".join(lines) + "\n\n"


def _restored(p: Prepared, query: str, context: int) -> str:
    store = p.index.store
    tokens = tokenize(query)
    vocab = store.vocab_exact_forms(list(dict.fromkeys(fold(t) for t in tokens)))
    if not looks_unmarked_vietnamese(query, vocab):
        return query
    texts: list[str] = []
    if context:
        top = store.lexical_search(tokens, SearchFilter(), context)
        texts = [r.text for r in store.chunks([c for c, _ in top]).values()]
    return restore_query(query, Restorer(vocab, texts))


if __name__ == "__main__":
    main()
