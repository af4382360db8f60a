"""Bad inputs are reported with a reason and skipped; the rest is indexed; the CLI exits 1 when anything failed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS
from pypdf import PdfReader, PdfWriter
from typer.testing import CliRunner

from indexer.build.pipeline import IndexPipeline
from indexer.build.sources import file_doc_id
from indexer.config import Settings
from indexer.storage.filters import SearchFilter
from indexer.storage.index import Index

GOOD = "ct-27-tw-2024-phong-chong-tham-nhung.md"
SAMPLE_PDF = CORPUS / "nq-09-tu-2024-du-lich-bien-dao.pdf"


def _encrypted_pdf(path: Path, user_password: str) -> None:
    writer = PdfWriter()
    writer.append(PdfReader(SAMPLE_PDF))
    writer.encrypt(
        user_password=user_password, owner_password="owner-secret", algorithm="RC4-128"
    )  # RC4: no `cryptography` needed
    with path.open("wb") as fh:
        writer.write(fh)


def _bad_folder(folder: Path) -> dict[str, tuple[str, ...]]:
    """Write good and bad files; return the bad file names with a word their failure reason must contain."""
    folder.mkdir()
    shutil.copy2(CORPUS / GOOD, folder / GOOD)
    (folder / "corrupt.pdf").write_bytes(SAMPLE_PDF.read_bytes()[:1500])  # header but truncated body
    _encrypted_pdf(folder / "encrypted.pdf", "secret")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    (folder / "latin1.md").write_bytes(b"Ngh\xe1 quy\xe9t v\xe1 gi\xe1o d\xfdc, windows-1252 bytes")
    (folder / "text.docx").write_text("Đây là văn bản thường, không phải DOCX.", encoding="utf-8")
    records = [
        json.dumps(
            {
                "id": "r1",
                "title": "Thông báo về hiến máu nhân đạo",
                "text": "Toàn thể đảng viên tham gia hiến máu nhân đạo đợt xuân.",
            },
            ensure_ascii=False,
        ),
        '{"id": "r2", "text": "unterminated',
        json.dumps({"id": "r3", "title": "no text"}),
    ]
    (folder / "records.jsonl").write_text("\n".join(records) + "\n", encoding="utf-8")
    (folder / "broken.jsonl").write_text("not json at all\n", encoding="utf-8")
    return {
        "corrupt.pdf": ("damaged pdf", "cannot be read as .pdf"),
        "encrypted.pdf": ("encrypted pdf",),
        "empty.txt": ("empty file",),
        "binary.txt": ("binary content",),
        "latin1.md": ("not valid utf-8",),
        "text.docx": ("cannot be read as .docx",),
        "broken.jsonl": ("no valid jsonl record",),
    }


def test_bad_files_are_reported_and_skipped(warm_index: Settings, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "inbox"
    expected = _bad_folder(folder)
    idx = Index.open_or_create(warm_index, embedder.name, embedder.dimension)
    try:
        report = IndexPipeline(warm_index, embedder, idx).run([folder])
        failed = {Path(source.split("#")[0]).name: reason for source, reason in report.failed}
        for name, phrases in expected.items():
            assert name in failed, f"{name} not reported: {report.failed}"
            reason = failed[name].lower().removeprefix(f"{name}: ")
            assert any(p in reason for p in phrases), (name, failed[name])
        # The invalid JSONL lines are reported too, with their line numbers; the good record is indexed.
        jsonl_reasons = [r for s, r in report.failed if Path(s.split("#")[0]).name == "records.jsonl"]
        assert any("line 2" in r for r in jsonl_reasons) and any("line 3" in r for r in jsonl_reasons), report.failed
        assert report.added == 2 and not report.ok
        docs = idx.store.documents_under(str(folder.resolve()))
        assert file_doc_id(folder / GOOD) in docs and "records:r1" in docs and len(docs) == 2
    finally:
        idx.close()


def test_owner_password_only_pdf_is_read(warm_index: Settings, tmp_path: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "pdfs"
    folder.mkdir()
    _encrypted_pdf(folder / "owner-only.pdf", "")
    idx = Index.open_or_create(warm_index, embedder.name, embedder.dimension)
    try:
        report = IndexPipeline(warm_index, embedder, idx).run([folder])
        assert report.ok and report.added == 1, report.failed
        assert report.chunks_embedded == 0  # same text as the sample PDF: its vectors are reused
    finally:
        idx.close()


def test_a_file_that_breaks_keeps_its_previous_version(warm_index: Settings, corpus_copy: Path, embedder) -> None:  # type: ignore[no-untyped-def]
    idx = Index.open_or_create(warm_index, embedder.name, embedder.dimension)
    try:
        pipeline = IndexPipeline(warm_index, embedder, idx)
        assert pipeline.run([corpus_copy]).ok
        target = corpus_copy / GOOD
        target.write_bytes(b"\x00\x01garbage")
        report = pipeline.run([corpus_copy])
        assert [Path(s).name for s, _ in report.failed] == [GOOD] and report.removed == 0
        row = idx.store.document(file_doc_id(target), SearchFilter())
        assert row is not None and row.number == "27-CT/TW"
    finally:
        idx.close()


def test_cli_index_exit_code(warm_index: Settings, tmp_path: Path, embedder, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    import indexer.embedding
    from search_api.cli import app

    monkeypatch.setattr(indexer.embedding, "create_embedder", lambda _s: embedder)  # the same real model, loaded once
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy2(CORPUS / GOOD, good / GOOD)
    runner = CliRunner()
    ok = runner.invoke(app, ["index", str(good), "--index", str(warm_index.index_dir), "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["added"] == 1

    (good / "empty.md").write_bytes(b"")
    bad = runner.invoke(app, ["index", str(good), "--index", str(warm_index.index_dir), "--json"])
    assert bad.exit_code == 1, bad.output
    report = json.loads(bad.stdout)
    assert report["unchanged"] == 1
    assert [(Path(f["source"]).name, "empty" in f["reason"]) for f in report["failed"]] == [("empty.md", True)]

    text = runner.invoke(app, ["index", str(good), "--index", str(warm_index.index_dir)])
    assert text.exit_code == 1 and "empty.md" in text.stdout and "failed 1" in text.stdout
