"""Audit log: append-only (enforced by SQLite triggers), filtered queries, no secrets, response guard."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from indexer.models import Classification
from indexer.storage.records import ChunkRecord
from search_api.security import AuditLog, Principal, PrincipalStore, guard_chunks


@pytest.fixture()
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "store.sqlite")


def test_record_and_query(audit: AuditLog) -> None:
    start = datetime.now(UTC)
    audit.record("ana", "search", "nghị quyết", {"doc_types": ["NQ"]}, [3, 1], ["d1", "d2"])
    audit.record("binh", "document", "", {}, [7], ["d3"])
    audit.incident("binh", "search", "guard dropped d9")
    rows = audit.query()
    assert [r["principal"] for r in rows] == ["binh", "binh", "ana"]  # newest first
    ana = audit.query(principal="ana")
    assert len(ana) == 1
    assert ana[0]["query"] == "nghị quyết" and ana[0]["filters"] == {"doc_types": ["NQ"]}
    assert ana[0]["chunk_ids"] == [3, 1] and ana[0]["doc_ids"] == ["d1", "d2"] and ana[0]["status"] == "ok"
    assert rows[0]["status"] == "incident" and rows[0]["detail"] == "guard dropped d9"
    assert len(audit.query(since=start - timedelta(seconds=1))) == 3
    assert audit.query(since=datetime.now(UTC) + timedelta(seconds=1)) == []
    assert len(audit.query(since=datetime.now().replace(tzinfo=None) - timedelta(days=2))) == 3
    assert len(audit.query(limit=2)) == 2


def test_append_only_enforced_by_database(audit: AuditLog) -> None:
    audit.record("ana", "search", "q", {}, [1], ["d1"])
    raw = sqlite3.connect(audit.path)  # any writer, not just our class
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("UPDATE audit_log SET principal = 'eve'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        raw.execute("DELETE FROM audit_log")
    raw.close()
    assert [r["principal"] for r in audit.query()] == ["ana"]


def test_keys_never_written(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = tmp_path / "store.sqlite"
    with caplog.at_level(logging.DEBUG):
        _, key = PrincipalStore(db).add("ana", ["reader"], 0)
        audit = AuditLog(db)
        audit.record("ana", "search", f"oops {key}", {"api_key": "hunter2", "q": key}, [], [])
        audit.incident("ana", "search", f"bad key {key}")
    dump = "\n".join(audit.conn.iterdump())
    assert key not in dump and "hunter2" not in dump
    assert key not in caplog.text
    assert "tm_[REDACTED]" in audit.query()[0]["detail"]


def test_guard_drops_and_reports(audit: AuditLog, caplog: pytest.LogCaptureFixture) -> None:
    p = Principal("ana", frozenset({"reader"}), Classification.MAT, ("Ban A",))
    rows = [
        ChunkRecord(1, "ok1", 0, "", classification=0, unit=None),
        ChunkRecord(2, "ok2", 0, "", classification=1, unit="Ban A"),
        ChunkRecord(3, "ok3", 0, "", classification=1, unit=""),
        ChunkRecord(4, "secret", 0, "", classification=2, unit="Ban A"),
        ChunkRecord(5, "other", 0, "", classification=0, unit="Ban B"),
        # A backend bug handing over an unreadable level fails closed, never reads as UNCLASSIFIED.
        ChunkRecord(6, "unmarked", 0, "", classification=None, unit=None),  # type: ignore[arg-type]
        ChunkRecord(7, "label", 0, "", classification="TỐI MẬT", unit=None),  # type: ignore[arg-type]
        ChunkRecord(8, "garbage", 0, "", classification=99, unit=None),
    ]
    with caplog.at_level(logging.WARNING):
        kept = guard_chunks(p, rows, audit, "search")
    assert [r.doc_id for r in kept] == ["ok1", "ok2", "ok3"]
    incidents = audit.query()
    assert {r["doc_ids"][0] for r in incidents} == {"secret", "other", "unmarked", "label", "garbage"}
    assert all(r["status"] == "incident" and r["endpoint"] == "search" for r in incidents)
    guard_warnings = [r for r in caplog.records if r.name.endswith(".guard") and r.levelno == logging.WARNING]
    assert len(guard_warnings) == 5
    assert guard_chunks(p, rows[:3], None, "search") == rows[:3]


def test_admin_reads_rows_above_its_clearance_without_their_content(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "store.sqlite")
    audit.record("ana", "search", "kế hoạch tác chiến", {"doc_type": ["KH"]}, [4], ["tm-doc"], clearance=3)
    audit.record("binh", "search", "kinh tế số", {}, [1], ["pub"], clearance=0)
    audit.request("anonymous", "GET /api/v1/audit", 401, "unauthorized: a valid API key is required")
    low = {r["principal"]: r for r in audit.query(viewer_clearance=1)}
    assert low["ana"]["query"] == "[above your clearance]" and low["ana"]["doc_ids"] == [] and not low["ana"]["filters"]
    assert low["ana"]["endpoint"] == "search" and low["ana"]["time"]  # who, when and where stay visible
    assert low["binh"]["query"] == "kinh tế số" and low["binh"]["doc_ids"] == ["pub"]
    assert low["anonymous"]["http_status"] == 401 and "unauthorized" in low["anonymous"]["detail"]
    top = {r["principal"]: r for r in audit.query(viewer_clearance=3)}
    assert top["ana"]["query"] == "kế hoạch tác chiến"
    assert audit.query()[2]["query"] == "kế hoạch tác chiến"  # the local operator (CLI) reads everything


def test_unit_scoped_admin_reads_only_rows_of_requesters_within_its_units(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "store.sqlite")
    audit.record("a", "search", "của ban A", {}, [1], ["doc-a"], clearance=0, units=["Ban A"])
    audit.record("b", "search", "của ban B", {}, [2], ["doc-b"], clearance=0, units=["Ban B"])
    audit.record("all", "search", "mọi ban", {}, [3], ["doc-c"], clearance=0, units=None)
    rows = {r["principal"]: r for r in audit.query(viewer_clearance=3, viewer_units=["Ban A"])}
    assert rows["a"]["doc_ids"] == ["doc-a"] and rows["a"]["query"] == "của ban A"
    assert rows["b"]["doc_ids"] == [] and rows["b"]["query"] == "[above your clearance]"
    assert rows["all"]["doc_ids"] == []  # a requester seeing every unit saw more than this admin may
    assert all(r["doc_ids"] for r in audit.query(viewer_clearance=3, viewer_units=None))
    assert AuditLog(tmp_path / "store.sqlite").verify().intact
