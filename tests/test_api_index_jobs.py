"""Background indexing through the API: queries keep being answered while a job runs and see its result."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import BASE_URL
from fastapi.testclient import TestClient

from indexer.config import Settings
from search_api.app import create_app
from search_api.security import PrincipalStore
from search_api.security.database import security_db_path

NEW_DOCS = {
    f"nq-{i}.md": (
        f"TỈNH ỦY LAI CHÂU\n\nSố {40 + i}-NQ/TU\n\nLai Châu, ngày {i + 1} tháng 4 năm 2025\n\n# NGHỊ QUYẾT\n"
        f"## về phát triển hợp tác xã chè shan tuyết vùng {i}\n\n"
        f"1. Phát triển vùng chè shan tuyết tân uyên số {i}, mã hiệu riêng chexanhlaichau{i}.\n\n"
        "2. Hỗ trợ hợp tác xã chế biến, xây dựng thương hiệu và tiêu thụ sản phẩm.\n"
    )
    for i in range(6)
}


@pytest.fixture()
def app_settings(tmp_path: Path, corpus_index: Settings) -> Settings:
    shutil.copytree(corpus_index.index_dir, tmp_path / "index")
    return corpus_index.model_copy(update={"index_dir": tmp_path / "index"})


@pytest.fixture()
def keys(app_settings: Settings) -> dict[str, str]:
    """An admin (indexing always needs a keyed admin) and a reader, defined before the server starts."""
    store = PrincipalStore(security_db_path(app_settings))
    _, admin = store.add("quan-tri", ["admin", "reader"], "mat")
    _, reader = store.add("doc-gia", ["reader"], "unclassified")
    store.close()
    return {"admin": admin, "reader": reader}


@pytest.fixture()
def client(app_settings: Settings, keys: dict[str, str], embedder) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    app = create_app(app_settings, embedder=embedder)
    admin = {"Authorization": f"Bearer {keys['admin']}"}
    with TestClient(app, base_url=BASE_URL, raise_server_exceptions=False, headers=admin) as c:
        yield c


def _wait(client: TestClient, job_id: str, during: list[int], timeout: float = 600) -> dict:  # type: ignore[type-arg]
    """Poll the job, searching between polls; ``during`` collects the statuses of those searches."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/v1/index/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        during.append(client.post("/api/v1/search", json={"query": "phòng chống tham nhũng", "k": 3}).status_code)
    raise AssertionError("index job did not finish")


def test_index_folder_while_searching(client: TestClient, tmp_path: Path) -> None:
    folder = tmp_path / "moi"
    folder.mkdir()
    for name, text in NEW_DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    before = client.post("/api/v1/search", json={"query": "chexanhlaichau3", "k": 3, "mode": "lexical"}).json()
    assert before["hits"] == []
    resp = client.post("/api/v1/index", json={"path": str(folder)})
    assert resp.status_code == 202, resp.text
    during: list[int] = []
    job = _wait(client, resp.json()["id"], during)
    assert job["status"] == "done" and job["report"]["added"] == len(NEW_DOCS), job
    assert during and set(during) == {200}  # answered while the job was queued or running
    after = client.post("/api/v1/search", json={"query": "chexanhlaichau3", "k": 3}).json()
    assert after["hits"][0]["number"] == "43-NQ/TU"
    by_number = client.post("/api/v1/search", json={"query": "Nghị quyết 44-NQ/TU", "k": 3}).json()
    assert by_number["hits"][0]["number"] == "44-NQ/TU"
    assert client.get("/api/v1/health").json()["documents"] >= len(NEW_DOCS)


def test_upload_file_is_indexed(client: TestClient) -> None:
    text = NEW_DOCS["nq-0.md"].replace("chexanhlaichau0", "tainguyenmoi9")
    upload = {"file": ("tải lên.md", text.encode(), "text/markdown")}
    assert client.post("/api/v1/index", files=upload).status_code == 403  # no proof it comes from our page
    resp = client.post("/api/v1/index", files=upload, headers={"X-Thammuu-Client": "test"})
    assert resp.status_code == 202, resp.text
    job = _wait(client, resp.json()["id"], [])
    assert job["status"] == "done" and job["report"]["added"] == 1
    hit = client.post("/api/v1/search", json={"query": "tainguyenmoi9", "k": 1}).json()["hits"][0]
    assert "<mark>tainguyenmoi9</mark>" in hit["snippet"]


def test_index_request_errors(client: TestClient, keys: dict[str, str]) -> None:
    resp = client.post("/api/v1/index", json={"path": "/no/such/folder"})
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "path_not_found"
    exe = {"file": ("x.exe", b"MZ", "application/octet-stream")}
    resp = client.post("/api/v1/index", files=exe, headers={"X-Thammuu-Client": "test"})
    assert resp.status_code == 415 and resp.json()["error"]["code"] == "unsupported_format"
    assert client.get("/api/v1/index/jobs/nope").status_code == 404
    reader, admin = keys["reader"], keys["admin"]
    anonymous = client.post("/api/v1/index", json={"path": "/tmp"}, headers={"Authorization": ""})
    assert anonymous.json()["error"]["code"] == "unauthorized"
    resp = client.post("/api/v1/index", json={"path": "/no/such"}, headers={"Authorization": f"Bearer {reader}"})
    assert resp.status_code == 403 and resp.json()["error"]["code"] == "forbidden"
    resp = client.post("/api/v1/index", json={"path": "/no/such"}, headers={"Authorization": f"Bearer {admin}"})
    assert resp.status_code == 422
