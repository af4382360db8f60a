"""Server hardening without the model: authentication decided at start-up, browser safety, input screening,
audit of refused requests, what health tells whom. The app runs over an empty index directory (no index
needed: every check here happens before retrieval)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer.config import Settings
from search_api.app import create_app
from search_api.security import AuditLog, PrincipalStore
from search_api.security.database import security_db_path
from search_api.security.http_guard import allowed_host_names, host_name, json_depth_exceeds, unstorable_text

BASE = "http://127.0.0.1:8000"


def _client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings, warm=False), base_url=BASE, raise_server_exceptions=False)


@pytest.fixture()
def dev_settings(tmp_path: Path, settings: Settings) -> Settings:
    return settings.model_copy(update={"index_dir": tmp_path / "index"})


@pytest.fixture()
def dev(dev_settings: Settings) -> Iterator[TestClient]:
    """A server started with no principal on loopback: development mode."""
    with _client(dev_settings) as c:
        yield c


def _store(settings: Settings) -> PrincipalStore:
    return PrincipalStore(security_db_path(settings))


def _audit_rows(settings: Settings) -> list[dict]:  # type: ignore[type-arg]
    return AuditLog(security_db_path(settings)).query()


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_development_principal_is_never_an_admin(dev: TestClient) -> None:
    assert dev.get("/api/v1/audit").status_code == 401
    r = dev.post("/api/v1/index", json={"path": "/etc"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert dev.get("/api/v1/templates").status_code == 503  # past authentication: drafting is open (no index here)


def test_revoking_the_last_principal_never_enables_development_mode(dev_settings: Settings) -> None:
    store = _store(dev_settings)
    _, key = store.add("ana", ["admin", "reader"], "tuyet-mat")
    with _client(dev_settings) as c:
        assert c.get("/api/v1/audit", headers=_auth(key)).status_code == 200
        store.revoke("ana")
        assert c.get("/api/v1/audit").status_code == 401
        assert c.get("/api/v1/audit", headers=_auth(key)).status_code == 401
        assert c.post("/api/v1/index", json={"path": "/etc"}).status_code == 401
        assert c.post("/api/v1/search", json={"query": "mật"}).status_code == 401
        assert c.get("/api/v1/templates").status_code == 401
        assert c.get("/api/v1/health").json() == {"status": "degraded"}


def test_development_mode_ends_for_good_once_a_principal_exists(dev_settings: Settings) -> None:
    with _client(dev_settings) as c:
        assert c.get("/api/v1/templates").status_code == 503  # authenticated as dev; no index behind it
        store = _store(dev_settings)
        store.add("ana", ["reader"], 0)
        assert c.get("/api/v1/templates").status_code == 401
        store.revoke("ana")
        assert c.get("/api/v1/templates").status_code == 401


def test_no_development_mode_beyond_loopback(dev_settings: Settings) -> None:
    s = dev_settings.model_copy(update={"api": dev_settings.api.model_copy(update={"host": "0.0.0.0"})})
    with _client(s) as c:
        assert c.get("/api/v1/templates").status_code == 401


def test_foreign_host_is_refused(dev: TestClient) -> None:
    r = dev.get("/api/v1/health", headers={"Host": "attacker.example"})
    assert r.status_code == 421 and r.json()["error"]["code"] == "misdirected_request"
    assert dev.get("/", headers={"Host": "rebind.attacker.example:8000"}).status_code == 421
    assert dev.get("/api/v1/health", headers={"Host": "localhost:8000"}).status_code == 200
    assert dev.get("/api/v1/health", headers={"Host": "[::1]:8000"}).status_code == 200


def test_allowed_host_names() -> None:
    assert allowed_host_names("0.0.0.0", ["thammuu.office.lan"]) == {
        "localhost",
        "127.0.0.1",
        "::1",
        "thammuu.office.lan",
    }
    assert "10.0.0.5" in allowed_host_names("10.0.0.5")
    assert host_name("[::1]:8000") == "::1" and host_name("LocalHost:80") == "localhost"


def test_cross_site_writes_are_refused(dev: TestClient) -> None:
    # A plain HTML form can post text/plain, urlencoded or multipart, never JSON.
    r = dev.post("/api/v1/index", content=b'{"path": "/etc"}', headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = dev.post("/api/v1/search", data={"query": "x"})
    assert r.status_code == 415
    files = {"file": ("a.txt", b"hello", "text/plain")}
    r = dev.post("/api/v1/index", files=files, headers={"Origin": "http://attacker.example"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "cross_origin"
    assert dev.post("/api/v1/index", files=files).status_code == 403  # no proof it comes from our page
    r = dev.post("/api/v1/search", json={"query": "x"}, headers={"Origin": "http://attacker.example"})
    assert r.status_code == 403
    # The page's own requests pass the guard (and then meet authentication).
    assert dev.post("/api/v1/index", files=files, headers={"Origin": BASE}).status_code == 401
    assert dev.post("/api/v1/index", files=files, headers={"X-Thammuu-Client": "web"}).status_code == 401


def test_security_headers_on_page_and_api(dev: TestClient) -> None:
    for path in ("/", "/api/v1/health", "/api/v1/no-such-route"):
        r = dev.get(path)
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "script-src 'self';" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
    assert dev.get("/api/v1/health").headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ('{"query": "\\ud800"}', "unencodable_text"),
        ('{"query": "ab\\u0000c"}', "unencodable_text"),
        ('{"query": "x", "filters": {"issuer": ["\\udfff"]}}', "unencodable_text"),
        ("[" * 100_000 + "]" * 100_000, "too_deep"),
    ],
)
def test_unstorable_bodies_rejected_before_any_work(
    dev: TestClient, dev_settings: Settings, body: str, code: str
) -> None:
    for path in ("/api/v1/search", "/api/v1/index", "/api/v1/drafts"):
        r = dev.post(path, content=body.encode(), headers={"Content-Type": "application/json"})
        assert r.status_code == 422, (path, r.text)
        assert r.json()["error"]["code"] == code
    rows = [r for r in _audit_rows(dev_settings) if r["http_status"] == 422]
    assert len(rows) == 3 and all(code in (r["detail"] or "") for r in rows)


def test_oversized_body_413(dev: TestClient) -> None:
    body = json.dumps({"query": "x" * (2 * 1024 * 1024)})
    r = dev.post("/api/v1/search", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_index_paths_are_bounded(dev_settings: Settings) -> None:
    _, key = _store(dev_settings).add("root", ["admin"], "tuyet-mat")
    with _client(dev_settings) as c:
        for path in ("/" + "a" * 5000, "/" + "/".join(["b" * 300] * 3), "x" * 4000):
            r = c.post("/api/v1/index", json={"path": path}, headers=_auth(key))
            assert r.status_code == 422, r.text
        r = c.post("/api/v1/index", json={"path": "/tmp", "unit": "u" * 500}, headers=_auth(key))
        assert r.status_code == 422


def test_refused_requests_are_audited(dev_settings: Settings) -> None:
    _, key = _store(dev_settings).add("ana", ["reader"], 0)
    with _client(dev_settings) as c:
        c.get("/api/v1/audit")
        c.get("/api/v1/audit", headers=_auth("tm_0123456789ab_wrongsecret"))
        c.get("/api/v1/audit", headers=_auth(key))  # a reader: 403
        c.get("/api/v1/health", headers={"Host": "evil.example"})
        c.post("/api/v1/search", content=b"{}", headers={"Content-Type": "text/plain"})
    rows = {(r["principal"], r["endpoint"], r["http_status"]) for r in _audit_rows(dev_settings)}
    assert ("anonymous", "GET /api/v1/audit", 401) in rows
    assert ("key 0123456789ab", "GET /api/v1/audit", 401) in rows
    assert ("ana", "GET /api/v1/audit", 403) in rows
    assert ("anonymous", "GET /api/v1/health", 421) in rows
    assert ("anonymous", "POST /api/v1/search", 415) in rows
    assert all("wrongsecret" not in json.dumps(r) for r in _audit_rows(dev_settings))


def test_health_tells_each_caller_only_what_it_may_know(dev_settings: Settings) -> None:
    store = _store(dev_settings)
    _, reader = store.add("ana", ["reader"], 0)
    _, admin = store.add("root", ["admin"], "tuyet-mat")
    with _client(dev_settings) as c:
        assert c.get("/api/v1/health").json() == {"status": "degraded"}
        body = c.get("/api/v1/health", headers=_auth(reader)).json()
        assert (
            "index_dir" not in body and "generation" not in body and str(dev_settings.index_dir) not in json.dumps(body)
        )
        assert c.get("/api/v1/health", headers=_auth(admin)).json()["index_dir"] == str(dev_settings.index_dir)


def test_screening_helpers() -> None:
    assert json_depth_exceeds(b"[" * 40, 32) and not json_depth_exceeds(
        b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', 2
    )
    assert not json_depth_exceeds(b'{"a": "\\"[[[["}', 1)
    assert unstorable_text({"a": ["ok", "\ud800"]}) and unstorable_text({"\x00": 1})
    assert unstorable_text({"query": "Nghị quyết 57-NQ/TW", "k": 10}) is None
