"""``thammuu migrate``: an embedded index with its users and audit log copied into PostgreSQL, nothing re-embedded,
and a second run copies nothing. Small index of corpus documents (a deterministic embedder: the copy is the
component under test, and it must never call one)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS
from typer.testing import CliRunner

from indexer.build.pipeline import IndexPipeline
from indexer.config import Settings
from indexer.storage.filters import SearchFilter
from indexer.storage.index import Index
from indexer.storage.postgres_store import PostgresStore
from indexer.storage.sqlite_store import SQLiteStore
from indexer.understanding.text import tokenize
from search_api.cli import app
from search_api.security import AuditLog, PrincipalStore
from search_api.security.postgres import PgAuditLog, PgPrincipalStore

pytestmark = pytest.mark.postgres
DOCS = (
    "ct-27-tw-2024-phong-chong-tham-nhung.md",
    "kh-45-tu-2024-bao-ve-moi-truong.md",
    "nq-57-tw-2024-khoa-hoc-cong-nghe.md",
)
DOCS += ("bc-15-du-2024-bao-ve-chinh-tri-noi-bo-mat.md", "en-nq-59-tw-2025-international-integration.md")
QUERIES = ("phòng chống tham nhũng", "bao ve moi truong", "khoa học công nghệ", "chính trị nội bộ", "integration")


def _index(tmp_path: Path, fake_embedder) -> Settings:  # type: ignore[no-untyped-def]
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in DOCS:
        shutil.copy(CORPUS / name, docs / name)
    settings = Settings(index_dir=tmp_path / "index")
    idx = Index.open_or_create(settings, fake_embedder.name, fake_embedder.dimension)
    assert IndexPipeline(settings, fake_embedder, idx).run([docs]).added == len(DOCS)
    idx.close()
    principals, audit = PrincipalStore(tmp_path / "security.sqlite"), AuditLog(tmp_path / "security.sqlite")
    principals.add("quan-tri", ["admin"], "mat")
    principals.add("doc-gia", ["reader"], 0, ["Ban A"])
    audit.record("doc-gia", "search", "tham nhũng", {}, [1, 2], ["d1"], clearance=0)
    audit.request("quan-tri", "index", 202)
    principals.close()
    audit.close()
    return settings


def _migrate(source: Path, url: str) -> dict[str, int]:
    result = CliRunner().invoke(app, ["migrate", "--from", str(source), "--to", url, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_migrate_copies_everything_once_without_embedding(  # type: ignore[no-untyped-def]
    tmp_path: Path, pg_url: str, fake_embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _index(tmp_path, fake_embedder)
    import indexer.embedding

    def no_model(*_: object) -> None:
        raise AssertionError("migrate must not load a model")

    monkeypatch.setattr(indexer.embedding, "create_embedder", no_model)
    monkeypatch.setattr(indexer.embedding, "shared_embedder", no_model)
    first = _migrate(settings.index_dir, pg_url)
    src, dst = SQLiteStore(settings.index_dir / "store.sqlite"), PostgresStore(pg_url)
    chunks = src.stats()["chunks"]
    assert first["documents_copied"] == len(DOCS) and first["chunks_copied"] == chunks and first["embedded"] == 0
    assert (first["principals_copied"], first["audit_rows_copied"]) == (2, 2)

    # Same passages under the same ids, the very same vectors, the same lexical ranking and scores.
    ids, vectors = src.all_vectors()
    pg_ids, pg_vectors = dst.all_vectors()
    assert np.array_equal(ids, pg_ids) and np.array_equal(vectors, pg_vectors)
    assert dst.stats() == src.stats() and dst.generation() >= 1
    for flt in (SearchFilter(), SearchFilter(max_classification=0)):
        for query in QUERIES:
            for bigrams in (False, True):
                want = src.lexical_search(tokenize(query), flt, 20, bigrams=bigrams)
                got = dst.lexical_search(tokenize(query), flt, 20, bigrams=bigrams)
                assert [c for c, _ in got] == [c for c, _ in want], (query, bigrams)
                assert np.allclose([s for _, s in got], [s for _, s in want], rtol=1e-6), (query, bigrams)
        assert dst.vocab_exact_forms(["tham", "nhung"], flt) == src.vocab_exact_forms(["tham", "nhung"], flt)

    # Users and the audit trail: keys keep working, the chain is intact in its new home.
    principals, audit = PgPrincipalStore(pg_url), PgAuditLog(pg_url)
    assert [p["name"] for p in principals.list()] == ["doc-gia", "quan-tri"]
    assert [r["principal"] for r in audit.query()] == ["quan-tri", "doc-gia"] and audit.verify().intact

    # The migrated index opens through the setting, with the source's manifest.
    pg_settings = settings.model_copy(update={"storage": settings.storage.model_copy(update={"url": pg_url})})
    idx = Index.open(pg_settings)
    idx.check_model(fake_embedder.name, fake_embedder.dimension)
    assert idx.vectors.size == chunks and idx.vectors.kind.startswith("pgvector-hnsw(halfvec")
    query = vectors[3] / np.linalg.norm(vectors[3])
    assert idx.dense_search(query, SearchFilter(), 1)[0].chunk_id == int(ids[3])
    idx.close()

    again = _migrate(settings.index_dir, pg_url)
    assert (again["documents_copied"], again["chunks_copied"], again["principals_copied"]) == (0, 0, 0)
    assert (again["audit_rows_copied"], again["documents_skipped"]) == (0, len(DOCS))
    assert len(audit.query()) == 2 and dst.stats() == src.stats()

    # A document changed and re-indexed since is replaced (its new passages copied), the rest left alone.
    changed = tmp_path / "docs" / DOCS[1]
    changed.write_text(changed.read_text(encoding="utf-8") + "\n\nPhụ lục: mã số riêng rungngapman7.\n")
    idx = Index.open_or_create(settings, fake_embedder.name, fake_embedder.dimension)
    assert IndexPipeline(settings, fake_embedder, idx).run([tmp_path / "docs"]).updated == 1
    idx.close()
    third = _migrate(settings.index_dir, pg_url)
    assert (third["documents_copied"], third["documents_replaced"], third["documents_skipped"]) == (0, 1, 4)
    assert dst.stats() == src.stats()
    assert (
        [c for c, _ in dst.lexical_search(["rungngapman7"], SearchFilter(), 5)]
        == [c for c, _ in src.lexical_search(["rungngapman7"], SearchFilter(), 5)]
        != []
    )
    for store in (src, dst, principals, audit):
        store.close()


def test_the_benchmark_rebuilds_both_backends_from_stored_records(tmp_path: Path, pg_url: str, fake_embedder) -> None:  # type: ignore[no-untyped-def]
    """``benchmarks.postgres`` times store builds from an index's own records: they must give equal stores."""
    from benchmarks.postgres import build_postgres, build_sqlite, with_storage, write_items

    settings = _index(tmp_path, fake_embedder)
    items = write_items(settings.index_dir)
    assert len(items) == len(DOCS) and all(len(i[2]) == len(i[4]) > 0 for i in items)
    assert build_sqlite(items, settings, tmp_path / "rebuilt", 2) > 0
    assert build_postgres(items, with_storage(settings, pg_url, tmp_path / "unused"), 2) > 0
    rebuilt, pg = SQLiteStore(tmp_path / "rebuilt" / "store.sqlite"), PostgresStore(pg_url)
    assert rebuilt.stats() == pg.stats() == SQLiteStore(settings.index_dir / "store.sqlite").stats()
    for query in QUERIES:
        want = rebuilt.lexical_search(tokenize(query), SearchFilter(), 10)
        got = pg.lexical_search(tokenize(query), SearchFilter(), 10)
        assert np.allclose([s for _, s in got], [s for _, s in want], rtol=1e-6), query
    rebuilt.close()
    pg.close()
