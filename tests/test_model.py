"""The model behind an index: refusal of another model or dimension, and verification of the fetched files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import copy_index
from typer.testing import CliRunner

from indexer.config import Settings
from indexer.embedding import fetch
from indexer.errors import IndexMismatch, ModelUnavailable
from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.index import Index

SMALL_PINNED = ("modules.json", "tokenizer.model")  # the real pinned files small enough to copy


def _with_manifest(src: Settings, dest: Path, **changes: object) -> Settings:
    copy_index(src.index_dir, dest)
    manifest = json.loads((dest / "manifest.json").read_text())
    manifest.update(changes)
    (dest / "manifest.json").write_text(json.dumps(manifest))
    return src.model_copy(update={"index_dir": dest})


@pytest.mark.parametrize(
    "changes", [{"model": "multilingual-e5-small", "dimension": 384}, {"dimension": 256}], ids=["model", "dimension"]
)
def test_index_refuses_another_model(corpus_index: Settings, embedder, tmp_path: Path, changes) -> None:  # type: ignore[no-untyped-def]
    s = _with_manifest(corpus_index, tmp_path / "other", **changes)
    idx = Index.open(s)
    try:
        with pytest.raises(IndexMismatch) as info:
            HybridRetriever(idx, embedder, s)
    finally:
        idx.close()
    message = str(info.value)
    built_with = changes.get("model", embedder.name)
    assert f"built with model {built_with!r} (dimension {changes['dimension']})" in message
    assert f"{embedder.name!r} (dimension {embedder.dimension}) is configured" in message
    assert "re-index" in message
    with pytest.raises(IndexMismatch):
        Index.open_or_create(s, embedder.name, embedder.dimension)


def test_cli_refuses_another_model_in_one_line(
    corpus_index: Settings, embedder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import indexer.embedding
    from search_api.cli import app

    monkeypatch.setattr(indexer.embedding, "create_embedder", lambda _s: embedder)  # the same real model, loaded once
    s = _with_manifest(corpus_index, tmp_path / "other", model="multilingual-e5-small", dimension=384)
    runner = CliRunner()
    for args in (
        ["search", "chuyển đổi số", "--index", str(s.index_dir)],
        ["index", str(tmp_path), "--index", str(s.index_dir)],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: this index was built with model"), result.stderr
        assert "Traceback" not in result.output


@pytest.fixture()
def pinned_copy(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A model folder holding copies of the real small pinned files; the pin list narrowed to those files."""
    real = settings.models_dir / fetch.GEMMA_NAME
    if not (real / "modules.json").is_file():
        pytest.fail(f"the real model is not at {real}")
    folder = tmp_path / fetch.GEMMA_NAME
    folder.mkdir()
    for rel in SMALL_PINNED:
        shutil.copy2(real / rel, folder / rel)
    monkeypatch.setattr(fetch, "GEMMA_SHA256", {rel: fetch.GEMMA_SHA256[rel] for rel in SMALL_PINNED})
    return folder


def test_real_cached_model_is_verified(settings: Settings) -> None:
    assert fetch.is_verified(settings.models_dir / fetch.GEMMA_NAME)


def test_verify_accepts_genuine_and_refuses_tampered_files(pinned_copy: Path) -> None:
    fetch.verify_gemma(pinned_copy)  # the published hashes match the real files
    fetch._write_stamp(pinned_copy)
    assert fetch.is_verified(pinned_copy)

    modules = pinned_copy / "modules.json"
    data = modules.read_bytes()
    modules.write_bytes(data.replace(b"Dense", b"Dunce", 1))  # same size, different content
    with pytest.raises(ModelUnavailable, match=r"modules\.json has sha256 [0-9a-f]{64}, expected"):
        fetch.verify_gemma(pinned_copy)

    modules.write_bytes(data + b"\n")  # a size change is caught by the cheap start-up check as well
    assert not fetch.is_verified(pinned_copy)
    with pytest.raises(ModelUnavailable, match="refusing to load it"):
        fetch.verify_gemma(pinned_copy)

    modules.unlink()
    assert not fetch.is_verified(pinned_copy)
    with pytest.raises(ModelUnavailable, match="missing"):
        fetch.verify_gemma(pinned_copy)


def test_loading_a_tampered_model_is_refused(pinned_copy: Path, settings: Settings) -> None:
    from indexer.embedding import create_embedder

    (pinned_copy / "tokenizer.model").write_bytes(b"not a tokenizer")  # changes size: the stamp check fails
    s = settings.model_copy(update={"models_dir": pinned_copy.parent})
    with pytest.raises(ModelUnavailable, match="tokenizer.model"):
        create_embedder(s)
