"""Principals and API keys: hashed storage, wrong/revoked/rotated keys, errors, bind rules."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
from conftest import BASE_URL

from indexer.models import Classification
from indexer.storage.filters import SearchFilter
from search_api.config import AppSettings
from search_api.security import (
    DEV_PRINCIPAL,
    DuplicatePrincipal,
    InvalidPrincipal,
    Principal,
    PrincipalStore,
    Role,
    SecurityError,
    Unauthenticated,
    UnknownPrincipal,
    UnsafeBinding,
    check_bind,
    hash_key,
)


@pytest.fixture()
def store(tmp_path: Path) -> PrincipalStore:
    return PrincipalStore(tmp_path / "store.sqlite")


def test_add_returns_working_key_and_stores_only_its_hash(store: PrincipalStore) -> None:
    principal, key = store.add("ana", ["reader", "drafter"], "mat", ["Ban Tuyên giáo"])
    assert principal == Principal(
        "ana", frozenset({"reader", "drafter"}), Classification.MAT, ("Ban Tuyên giáo",), id=principal.id
    )
    assert len(principal.id) == 16
    assert key.startswith("tm_") and len(key) > 50
    assert store.authenticate(key) == principal
    files = [store.path, store.path.with_name(store.path.name + "-wal")]
    raw = b"".join(f.read_bytes() for f in files if f.exists())
    dump = "\n".join(store.conn.iterdump())
    assert key not in dump and key.split("_", 2)[2] not in dump
    assert hash_key(key) in dump
    assert key.encode() not in raw
    listed = store.list()
    assert listed[0]["name"] == "ana" and listed[0]["units"] == ["Ban Tuyên giáo"]
    assert not any(key in str(v) or hash_key(key) in str(v) for v in listed[0].values())


def test_keys_are_unique_and_random(store: PrincipalStore) -> None:
    keys = {store.add(f"p{i}", ["reader"], 0)[1] for i in range(20)}
    assert len(keys) == 20


@pytest.mark.parametrize(
    "mutate",
    [
        lambda k: k[:-1] + ("A" if k[-1] != "A" else "B"),  # wrong secret, right key id
        lambda k: "tm_000000000000_" + k.split("_", 2)[2],  # unknown key id
        lambda k: k[3:],  # no prefix
        lambda k: "",
        lambda k: "tm_",
        lambda k: k + "x",
    ],
)
def test_wrong_keys_refused(store: PrincipalStore, mutate) -> None:  # type: ignore[no-untyped-def]
    _, key = store.add("ana", ["reader"], 0)
    assert store.authenticate(mutate(key)) is None


def test_revoked_and_rotated_keys_stop_working(store: PrincipalStore) -> None:
    _, key = store.add("ana", ["reader"], "toi mat")
    _, other = store.add("binh", ["reader"], 0)
    new = store.rotate("ana")
    assert new != key
    assert store.authenticate(key) is None
    assert store.authenticate(new) is not None
    store.revoke("ana")
    assert store.authenticate(new) is None
    assert store.authenticate(other) is not None  # others unaffected
    assert store.count() == 1
    assert [p["active"] for p in store.list()] == [False, True]
    with pytest.raises(UnknownPrincipal):
        store.rotate("ana")
    with pytest.raises(UnknownPrincipal):
        store.revoke("ana")
    # A revoked name may be re-added; its old keys stay dead.
    _, again = store.add("ana", ["admin"], 0)
    assert store.authenticate(again) is not None and store.authenticate(new) is None


def test_errors(store: PrincipalStore) -> None:
    store.add("ana", ["reader"], 0)
    with pytest.raises(DuplicatePrincipal):
        store.add("ana", ["reader"], 0)
    with pytest.raises(InvalidPrincipal):
        store.add("x", ["superuser"], 0)
    with pytest.raises(InvalidPrincipal):
        store.add("x", [], 0)
    with pytest.raises(InvalidPrincipal):
        store.add("  ", ["reader"], 0)
    with pytest.raises(InvalidPrincipal):
        store.add("x", ["reader"], "ultra secret")
    with pytest.raises(UnknownPrincipal):
        store.revoke("nobody")
    assert issubclass(UnknownPrincipal, SecurityError) and UnknownPrincipal.status == 404
    assert DuplicatePrincipal.status == 409 and Unauthenticated.status == 401


def test_store_shares_the_index_database(tmp_path: Path) -> None:
    from indexer.storage.sqlite_store import SQLiteStore

    db = tmp_path / "store.sqlite"
    SQLiteStore(db)
    PrincipalStore(db).add("ana", ["reader"], 0)
    tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"documents", "chunks", "principals", "api_keys"} <= tables
    assert PrincipalStore(db).count() == 1  # reopening keeps principals


def test_principal_semantics() -> None:
    p = Principal("a", frozenset({"reader"}), Classification.MAT, ("Ban A",))
    assert p.has_role(Role.READER) and p.has_role("reader") and not p.has_role(Role.ADMIN)
    assert p.can_see(0, None) and p.can_see(1, "") and p.can_see(1, "Ban A")
    assert not p.can_see(2, "Ban A") and not p.can_see(0, "Ban B")
    flt = p.access(SearchFilter(units=("Ban A", "Ban B"), max_classification=Classification.TUYET_MAT))
    assert flt.units == ("Ban A",) and flt.max_classification == Classification.MAT
    assert DEV_PRINCIPAL.dev_mode and DEV_PRINCIPAL.clearance == Classification.UNCLASSIFIED
    assert DEV_PRINCIPAL.has_role(Role.READER) and DEV_PRINCIPAL.has_role(Role.DRAFTER)
    assert not DEV_PRINCIPAL.has_role(Role.ADMIN) and DEV_PRINCIPAL.units is None


def test_check_bind(store: PrincipalStore, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        check_bind("127.0.0.1", store)
        check_bind("::1", store)
        check_bind("localhost", store)
    assert "DEVELOPMENT MODE" not in caplog.text  # announced once, by the app state that decides it
    for host in ("0.0.0.0", "192.168.1.5", "::", "example.org"):
        with pytest.raises(UnsafeBinding):
            check_bind(host, store)
    store.add("ana", ["reader"], 0)
    check_bind("0.0.0.0", store)  # principals defined: allowed


def test_development_mode_is_announced_once(
    tmp_path: Path,
    settings: AppSettings,
    fake_embedder,
    caplog: pytest.LogCaptureFixture,  # type: ignore[no-untyped-def]
) -> None:
    from fastapi.testclient import TestClient

    from search_api.app import create_app

    s = settings.model_copy(update={"index_dir": tmp_path / "index"})
    with caplog.at_level(logging.INFO), TestClient(create_app(s, embedder=fake_embedder), base_url=BASE_URL):
        pass
    assert caplog.text.count("DEVELOPMENT MODE") == 1
