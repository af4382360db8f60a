"""Principals, keys and the audit log in PostgreSQL (the index's database when ``THAMMUU_STORAGE__URL`` is set)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from indexer.models import Classification
from search_api.config import AppSettings
from search_api.security import DuplicatePrincipal, Principal, UnknownPrincipal
from search_api.security.database import open_security
from search_api.security.postgres import PgAuditLog, PgPrincipalStore

pytestmark = pytest.mark.postgres


def pg_settings(tmp_path: Path, url: str) -> AppSettings:
    settings = AppSettings(index_dir=tmp_path / "index")
    return settings.model_copy(update={"storage": settings.storage.model_copy(update={"url": url})})


def test_open_security_uses_the_index_database(tmp_path: Path, pg_url: str) -> None:
    principals, audit = open_security(pg_settings(tmp_path, pg_url))
    assert isinstance(principals, PgPrincipalStore) and isinstance(audit, PgAuditLog)
    _, key = principals.add("ana", ["reader"], "mat", ["Ban A"])
    principals.close()
    audit.close()
    assert not (tmp_path / "security.sqlite").exists()  # nothing beside the index directory
    again, _ = open_security(pg_settings(tmp_path, pg_url))  # another replica, same database
    found = again.authenticate(key)
    assert found is not None
    assert found == Principal("ana", frozenset({"reader"}), Classification.MAT, ("Ban A",), id=found.id)
    again.close()


def test_keys_revoke_rotate_and_readd(pg_url: str) -> None:
    store = PgPrincipalStore(pg_url)
    principal, key = store.add("ana", ["reader", "drafter"], 1)
    with pytest.raises(DuplicatePrincipal):
        store.add("ana", ["reader"], 0)
    with psycopg.connect(pg_url) as raw:
        stored = [r[0] for r in raw.execute("SELECT key_hash FROM api_keys")]
    assert key not in stored and len(stored) == 1  # only the hash
    new_key = store.rotate("ana")
    assert store.authenticate(key) is None and store.authenticate(new_key) == principal
    store.revoke("ana")
    assert store.authenticate(new_key) is None and store.count() == 0
    with pytest.raises(UnknownPrincipal):
        store.rotate("ana")
    readded, third = store.add("ana", ["reader"], 0)
    assert readded.id != principal.id and store.authenticate(third) == readded
    assert [p["name"] for p in store.list()] == ["ana"] and store.count_admins() == 0
    store.close()


def test_audit_chain_and_append_only(pg_url: str) -> None:
    audit = PgAuditLog(pg_url)
    audit.record("ana", "search", "nghị quyết tm_abc_def", {"doc_types": ["NQ"]}, [3, 1], ["d1"], clearance=2)
    audit.request("binh", "document", 403, "above clearance")
    rows = audit.query()
    assert [r["principal"] for r in rows] == ["binh", "ana"]
    assert rows[1]["chunk_ids"] == [3, 1] and "tm_abc_def" not in (rows[1]["query"] or "")
    assert audit.query(viewer_clearance=0)[1]["doc_ids"] == []  # a row above the viewer keeps no content
    assert audit.verify().intact and audit.verify().rows == 2
    with psycopg.connect(pg_url, autocommit=True) as raw:
        for sql in ("UPDATE audit_log SET principal = 'eve'", "DELETE FROM audit_log", "TRUNCATE audit_log"):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                raw.execute(sql)
    audit.close()


def test_a_lost_server_is_a_503_error_and_the_store_reconnects(pg_url: str, tmp_path: Path) -> None:
    from indexer.errors import StorageUnavailable
    from indexer.storage.filters import SearchFilter
    from indexer.storage.postgres_store import PostgresStore

    store = PostgresStore(pg_url)
    assert store.stats() == {"documents": 0, "chunks": 0}
    with psycopg.connect(pg_url, autocommit=True) as admin:  # the server drops the store's connection
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    with pytest.raises(StorageUnavailable) as lost:
        store.document("d1", SearchFilter())
    assert lost.value.status == 503
    assert store.stats() == {"documents": 0, "chunks": 0}  # the next call reconnects
    store.close()
    with pytest.raises(StorageUnavailable):
        PostgresStore(f"postgresql://postgres@/none?host={tmp_path}")  # no server there
