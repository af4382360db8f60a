"""Incremental indexing with the real model: add, update, delete, rerun, and recovery after a killed run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import CORPUS, ROOT, copy_index

from indexer.build.pipeline import IndexPipeline, IndexReport
from indexer.build.sources import file_doc_id
from indexer.config import Settings
from indexer.parsing import build_registry, is_supported
from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.filters import SearchFilter
from indexer.storage.index import Index

N_DOCS = 15  # documents in corpus/ (README.md, *.meta.json and make_binaries.py are not indexed)
ANTI_CORRUPTION = "ct-27-tw-2024-phong-chong-tham-nhung.md"
THAMMUU = Path(sys.executable).with_name("thammuu")


def run(settings: Settings, embedder, paths: list[Path]) -> IndexReport:  # type: ignore[no-untyped-def]
    """One pipeline run into the settings' index directory."""
    idx = Index.open_or_create(settings, embedder.name, embedder.dimension)
    try:
        return IndexPipeline(settings, embedder, idx).run(paths)
    finally:
        idx.close()


def embed_hashes(settings: Settings, doc_id: str) -> list[str]:
    """The embed hashes of one document's chunks, in order."""
    idx = Index.open(settings)
    try:
        rows = idx.store.conn.execute("SELECT embed_hash FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,))
        return [r[0] for r in rows]
    finally:
        idx.close()


def hit_docs(settings: Settings, embedder, query: str, mode: str, k: int = 100) -> list[str]:  # type: ignore[no-untyped-def]
    """Doc ids of the hits of one search, best first."""
    idx = Index.open(settings)
    try:
        result = HybridRetriever(idx, embedder, settings).search(query, k, mode)  # type: ignore[arg-type]
        rows = idx.store.chunks([c for c, _ in result.hits])
        return [rows[c].doc_id for c, _ in result.hits]
    finally:
        idx.close()


def root_state(settings: Settings, root: Path) -> dict[str, tuple[str, list[str], str | None, int]]:
    """Per file (relative path): content hash, chunk texts, number and classification of what a root holds."""
    idx = Index.open(settings)
    try:
        conn = idx.store.conn
        state = {}
        docs = conn.execute(
            "SELECT doc_id, source, content_hash, number, classification FROM documents WHERE source_root = ?",
            (str(root.resolve()),),
        ).fetchall()
        for doc_id, source, content_hash, number, classification in docs:
            texts = [r[0] for r in conn.execute("SELECT text FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,))]
            state[str(Path(source).relative_to(root.resolve()))] = (content_hash, texts, number, classification)
        return state
    finally:
        idx.close()


def test_rerun_update_delete(warm_index: Settings, corpus_copy: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    first = run(warm_index, embedder, [corpus_copy])
    assert first.ok, first.failed
    assert (first.added, first.updated, first.removed) == (N_DOCS, 0, 0)
    # Every passage is identical to one the session index already embedded: nothing goes through the model.
    assert first.chunks_embedded == 0 and first.chunks_reused > N_DOCS

    again = run(warm_index, embedder, [corpus_copy])
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, N_DOCS)
    assert again.chunks_embedded == 0 and again.chunks_reused == 0  # unchanged files are not even parsed

    # Change one item of the directive: that document is replaced, only its changed passages are embedded.
    target = corpus_copy / ANTI_CORRUPTION
    doc_id = file_doc_id(target)
    before = embed_hashes(warm_index, doc_id)
    text = target.read_text(encoding="utf-8")
    old_item = "5. Bảo vệ người tố cáo, phát huy vai trò của báo chí"
    assert old_item in text
    target.write_text(
        text.replace(
            old_item, "5. Thành lập đường dây nóng tiếp nhận phản ánh về hành vi nhũng nhiễu; bảo vệ người tố cáo"
        ),
        encoding="utf-8",
    )
    changed = run(warm_index, embedder, [corpus_copy])
    assert (changed.added, changed.updated, changed.unchanged, changed.removed) == (0, 1, N_DOCS - 1, 0)
    after = embed_hashes(warm_index, doc_id)
    new_passages = set(after) - set(before)
    assert 1 <= len(new_passages) < len(after), "an edit of one item must not re-embed the whole document"
    assert changed.chunks_embedded == len(new_passages)
    assert changed.chunks_reused == len(after) - len(new_passages)
    assert doc_id in hit_docs(warm_index, embedder, "đường dây nóng nhũng nhiễu", "lexical")
    idx = Index.open(warm_index)
    try:
        texts = " ".join(c.text for c in idx.store.document_chunks(doc_id))
    finally:
        idx.close()
    assert "đường dây nóng" in texts and "vai trò của báo chí" not in texts

    # Remove the file: the document, its chunks and vectors go, and no search returns it again.
    target.unlink()
    removed = run(warm_index, embedder, [corpus_copy])
    assert (removed.removed, removed.unchanged, removed.chunks_embedded) == (1, N_DOCS - 1, 0)
    idx = Index.open(warm_index)
    try:
        assert idx.store.document(doc_id, SearchFilter()) is None
        assert idx.store.document_chunks(doc_id) == []
        ids, _ = idx.store.all_vectors()
        assert idx.vectors.size == len(ids)
    finally:
        idx.close()
    for mode in ("lexical", "dense", "hybrid"):
        assert doc_id not in hit_docs(warm_index, embedder, "phòng, chống tham nhũng, thu hồi tài sản", mode)


def test_sidecar_change_updates_document(warm_index: Settings, corpus_copy: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    assert run(warm_index, embedder, [corpus_copy]).ok
    sidecar = corpus_copy / "hd-08-btgtu-2024-tuyen-truyen-dai-hoi.meta.json"
    title = json.loads(sidecar.read_text(encoding="utf-8"))["title"]
    sidecar.write_text(json.dumps({"unit": "Văn phòng Tỉnh ủy", "title": title}), encoding="utf-8")
    report = run(warm_index, embedder, [corpus_copy])
    # Metadata only: the document is updated, its passages (same text, same title) are not embedded again.
    assert (report.updated, report.unchanged, report.chunks_embedded) == (1, N_DOCS - 1, 0)
    idx = Index.open(warm_index)
    try:
        row = idx.store.document(
            file_doc_id(sidecar.with_name(sidecar.name[: -len(".meta.json")] + ".md")), SearchFilter()
        )
        assert row is not None and row.unit == "Văn phòng Tỉnh ủy" and row.classification == 0
    finally:
        idx.close()


def _slow_folder(folder: Path, n: int = 24) -> None:
    """Short notices, all different, so the killed run is busy embedding them after its first commit."""
    folder.mkdir()
    topics = [
        "an toàn giao thông",
        "phòng cháy chữa cháy",
        "hiến máu nhân đạo",
        "trồng cây xanh",
        "nước sạch nông thôn",
    ]
    for i in range(n):
        topic = topics[i % len(topics)]
        (folder / f"tb-{i:02d}.md").write_text(
            f"VĂN PHÒNG TỈNH ỦY\nSố {100 + i}-TB/VPTU\n\n# THÔNG BÁO\n## về {topic}, đợt {i + 1}\n\n"
            f"1. Các chi bộ triển khai nội dung {topic} trong tuần thứ {i + 1}, "
            f"báo cáo kết quả trước ngày {i % 28 + 1}.\n\n2. Văn phòng Tỉnh ủy theo dõi, tổng hợp việc "
            f"thực hiện thông báo số {100 + i} và đề xuất khen thưởng.\n",
            encoding="utf-8",
        )


def _count_under(store: Path, root: Path) -> int:
    conn = sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=5)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM documents WHERE source_root = ?", (str(root),)).fetchone()[0])
    except sqlite3.OperationalError:  # the schema may not exist yet
        return 0
    finally:
        conn.close()


def test_killed_run_leaves_a_readable_index_and_rerun_completes(
    warm_index: Settings, corpus_copy: Path, tmp_path: Path, embedder
) -> None:  # type: ignore[no-untyped-def]
    slow = tmp_path / "notices"
    _slow_folder(slow)
    roots = [corpus_copy.resolve(), slow.resolve()]
    store = warm_index.index_dir / "store.sqlite"
    env = {
        **os.environ,
        "THAMMUU_INDEX_DIR": str(warm_index.index_dir),
        "THAMMUU_MODELS_DIR": str(warm_index.models_dir),
    }
    proc = subprocess.Popen(
        [str(THAMMUU), "index", *map(str, roots)], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 300
        # The first root (all passages cached) is committed in one batch; kill as soon as it is visible.
        while _count_under(store, roots[0]) < N_DOCS:
            assert proc.poll() is None, f"index run ended early: {proc.communicate()}"
            assert time.monotonic() < deadline, "first commit never came"
            time.sleep(0.05)
        assert proc.poll() is None, "run finished before it could be killed; make the slow folder bigger"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert _count_under(store, roots[1]) < 24, "the second batch must have been in flight when killed"

    # The index opens and answers after the crash (the stale vector file is rebuilt from the store).
    hits = hit_docs(warm_index, embedder, "phòng chống tham nhũng thu hồi tài sản", "hybrid", k=5)
    assert file_doc_id(corpus_copy / ANTI_CORRUPTION) in hits

    rerun = run(warm_index, embedder, roots)
    assert rerun.ok, rerun.failed
    assert rerun.unchanged >= N_DOCS and rerun.added + rerun.unchanged == N_DOCS + 24 and rerun.removed == 0

    # A clean build of the same files (fresh roots, so nothing of the killed run can leak into it).
    clean_roots = [tmp_path / "clean-docs", tmp_path / "clean-notices"]
    for src, dst in zip(roots, clean_roots, strict=True):
        shutil.copytree(src, dst)
    clean = tmp_path / "clean-index"
    copy_index(warm_index.index_dir, clean)
    clean_settings = warm_index.model_copy(update={"index_dir": clean})
    built = run(clean_settings, embedder, clean_roots)
    assert built.ok and built.added == N_DOCS + 24 and built.chunks_embedded == 0
    registry = build_registry()
    for recovered_root, clean_root in zip(roots, clean_roots, strict=True):
        recovered = root_state(warm_index, recovered_root)
        assert recovered == root_state(clean_settings, clean_root)
        assert len(recovered) == len([p for p in recovered_root.iterdir() if is_supported(p, registry)])
    idx = Index.open(warm_index)
    try:
        n_chunks = idx.store.stats()["chunks"]
        assert idx.vectors.size == n_chunks  # faiss agrees with the store after recovery
    finally:
        idx.close()


def test_corpus_index_contents(corpus_index: Settings) -> None:
    """The session index holds every sample document, with the formats and identity the corpus promises."""
    idx = Index.open(corpus_index)
    try:
        rows = idx.store.conn.execute("SELECT source, number, language, classification, unit FROM documents").fetchall()
    finally:
        idx.close()
    by_name = {Path(r[0]).name: r for r in rows}
    assert len(by_name) == N_DOCS
    assert set(by_name) == {p.name for p in CORPUS.iterdir() if p.suffix in {".md", ".txt", ".pdf", ".docx"}} - {
        "README.md"
    }
    assert by_name["nq-57-tw-2024-khoa-hoc-cong-nghe.md"][1] == "57-NQ/TW"
    assert by_name["nq-68-tw-2025-kinh-te-tu-nhan.docx"][1] == "68-NQ/TW"
    assert by_name["nq-09-tu-2024-du-lich-bien-dao.pdf"][1] == "09-NQ/TU"
    assert {r[2] for r in rows} == {"vi", "bn", "en"}
    assert by_name["bn-nq-57-tw-2024-bigyan-projukti.md"][2] == "bn"
    sidecar_doc = by_name["hd-08-btgtu-2024-tuyen-truyen-dai-hoi.md"]
    assert sidecar_doc[3] == 1 and sidecar_doc[4] == "Ban Tuyên giáo Tỉnh ủy Nghệ An"
