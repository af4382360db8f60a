"""The ``thammuu`` command line: index, search --json, info --json, draft, and one-line errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import CORPUS, ROOT

from indexer.build.sources import file_doc_id
from indexer.config import Settings
from indexer.storage.index import Index

THAMMUU = Path(sys.executable).with_name("thammuu")


def test_info_json_through_the_console_script(corpus_index: Settings) -> None:
    proc = subprocess.run(
        [str(THAMMUU), "info", "--json", "--index", str(corpus_index.index_dir)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "CI": "1"},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    idx = Index.open(corpus_index)
    try:
        chunks = idx.store.stats()["chunks"]
    finally:
        idx.close()
    assert info["documents"] == 15 and info["chunks"] == chunks
    assert info["model"] == "embeddinggemma-300m" and info["dimension"] == 768
    assert info["index_type"] == "flat-ip" and info["size_bytes"] > 0


def test_search_json_lines(corpus_index: Settings, cli) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "search", "phong chong tham nhung", "--mode", "lexical", "-k", "3", "--json", "--index", corpus_index.index_dir
    )
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert 1 <= len(hits) <= 3
    for hit in hits:
        assert {"doc_id", "chunk_id", "score", "title", "text"} <= hit.keys()
        assert isinstance(hit["chunk_id"], int) and isinstance(hit["score"], float) and hit["text"]
    assert hits[0]["doc_id"] == file_doc_id(CORPUS / "ct-27-tw-2024-phong-chong-tham-nhung.md")
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)

    dense = cli(
        "search",
        "du lịch biển đảo Nha Trang",
        "--mode",
        "dense",
        "-k",
        "2",
        "--json",
        "--index",
        corpus_index.index_dir,
    )
    assert dense.exit_code == 0, dense.output
    first = json.loads(dense.stdout.splitlines()[0])
    assert first["doc_id"] == file_doc_id(CORPUS / "nq-09-tu-2024-du-lich-bien-dao.pdf")

    plain = cli("search", "57-NQ/TW", "-k", "1", "--index", corpus_index.index_dir)
    assert plain.exit_code == 0 and "57-NQ/TW" in plain.stdout


def test_index_then_info(warm_index: Settings, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "two"
    folder.mkdir()
    for name in ("kl-21-tw-2023-xay-dung-dang.md", "qd-96-tw-2023-lay-phieu-tin-nhiem.txt"):
        shutil.copy2(CORPUS / name, folder / name)
    result = cli("index", folder, "--index", warm_index.index_dir, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["added"], report["failed"], report["chunks_embedded"]) == (2, [], 0)
    info = cli("info", "--json", "--index", warm_index.index_dir)
    assert info.exit_code == 0 and json.loads(info.stdout)["documents"] == 17


def test_errors_are_one_line(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    missing = cli("info", "--index", tmp_path / "nowhere")
    assert missing.exit_code == 2
    assert missing.stderr.strip().splitlines() == [
        f"error: no index at {tmp_path / 'nowhere'}; build one with `thammuu index PATH`"
    ]
    bad_mode = cli("search", "x", "--mode", "fuzzy", "--index", tmp_path)
    assert bad_mode.exit_code == 2 and "mode must be hybrid, lexical or dense" in bad_mode.stderr


def test_draft_on_a_subject(corpus_index: Settings, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """``thammuu draft --subject`` (any variant of the number) writes the review with the subject's targets table."""
    from docx import Document

    topic = "khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số"
    out = tmp_path / "so-ket.docx"
    result = cli(
        "draft", topic, "--subject", "NQ 57", "--to", "2025-12-31", "-o", out, "--index", corpus_index.index_dir
    )
    assert result.exit_code == 0, result.output
    assert f"draft written to {out}" in result.stderr.replace("\n", "")
    doc = Document(str(out))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "Sơ kết thực hiện Nghị quyết số 57-NQ/TW" in body
    assert "Chưa có tài liệu nguồn cho mục này — đề nghị bổ sung." in body  # 57-NQ/TW has no lessons section
    [table] = [
        t for t in doc.tables if [c.text for c in t.rows[0].cells] == ["TT", "Mục tiêu, chỉ tiêu", "Kết quả thực hiện"]
    ]
    targets = [row.cells[1].text for row in table.rows[1:]]
    assert targets and all("[57-NQ/TW" in text for text in targets)

    unknown = cli("draft", topic, "--subject", "99-NQ/TU", "--index", corpus_index.index_dir)
    assert unknown.exit_code == 2
    assert unknown.stderr.strip().splitlines() == [
        "error: subject '99-NQ/TU': no document with this number among those you may see"
    ]
    backwards = cli("draft", topic, "--from", "2025-01-01", "--to", "2024-01-01", "--index", corpus_index.index_dir)
    assert backwards.exit_code == 2 and "period 'from' is after 'to'" in backwards.stderr
    assert len(backwards.stderr.strip().splitlines()) == 1
