"""The fast (openvino int8) encoder backend: same vectors as torch, chosen by the setting, recorded in the manifest,
and a missing or corrupt artefact refused (explicit setting) or replaced by torch with a logged reason (auto)."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.build.pipeline import IndexPipeline
from indexer.config import DEFAULT_MODEL, EmbeddingSettings, Settings
from indexer.embedding import backend_speed, factory, fetch_default_model, openvino_export, shared_embedder
from indexer.embedding.cpu import cpu_signature
from indexer.errors import ModelUnavailable
from indexer.storage.index import Index

PASSAGES = [
    ("Luật Phòng, chống ma túy - Điều 1", "Luật này quy định về phòng, chống ma túy; quản lý người sử dụng trái phép"),
    ("Nghị quyết về chuyển đổi số", "Đẩy mạnh chuyển đổi số trong các cơ quan đảng, bảo đảm an toàn thông tin."),
    (None, "ডিজিটাল রূপান্তর প্রকল্পের অগ্রগতি প্রতিবেদন জেলা কমিটির কাছে জমা দিতে হবে।"),
    ("Claim", "Vitamin D supplementation reduces the risk of respiratory infections in adults."),
]
QUERIES = ["Người nghiện ma túy bị xử lý thế nào?", "chuyển đổi số", "progress report district committee"]


def _settings(base: Settings, backend: str, **extra: object) -> Settings:
    emb = base.embedding.model_dump() | {"backend": backend, "query_cache": 0} | extra
    return base.model_copy(update={"embedding": EmbeddingSettings(**emb)})


@pytest.fixture(scope="module")
def artefact(settings: Settings) -> Path:
    """The real artefact, built (or found verified) by the same call as `thammuu models fetch`."""
    folder = fetch_default_model(_settings(settings, "openvino"))
    built = openvino_export.artefact_dir(folder)
    openvino_export.verify_openvino_artefact(built)
    return built


@pytest.mark.model
@pytest.mark.parametrize("dimension", [0, 256], ids=["full", "matryoshka-256"])
def test_fast_vectors_match_torch(settings: Settings, artefact: Path, dimension: int) -> None:
    torch_e = shared_embedder(_settings(settings, "torch", dimension=dimension))
    fast_e = shared_embedder(_settings(settings, "openvino", dimension=dimension))
    assert (torch_e.backend, fast_e.backend) == ("torch", "openvino")  # type: ignore[attr-defined]
    assert fast_e.name == torch_e.name and fast_e.dimension == torch_e.dimension == (dimension or 768)
    texts, titles = [t for _, t in PASSAGES], [h for h, _ in PASSAGES]
    docs_t, docs_f = torch_e.embed_documents(texts, titles), fast_e.embed_documents(texts, titles)
    qs_t, qs_f = torch_e.embed_queries(QUERIES), fast_e.embed_queries(QUERIES)
    for a, b in ((docs_t, docs_f), (qs_t, qs_f)):
        assert b.dtype == np.float32 and np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
        assert (a * b).sum(axis=1).min() >= 0.99
    # Prompts are applied: a query and the same text as a passage are different vectors in both backends.
    assert float(qs_f[1] @ fast_e.embed_documents(["chuyển đổi số"])[0]) < 0.99
    # Same ranking of passages for each query whichever backend embedded the passages.
    assert ((qs_f @ docs_f.T).argmax(axis=1) == (qs_f @ docs_t.T).argmax(axis=1)).all()


@pytest.mark.model
def test_manifest_records_the_backends_and_either_may_query(settings: Settings, artefact: Path, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "nq-01.md").write_text("# Nghị quyết về chuyển đổi số\n\n" + PASSAGES[1][1], encoding="utf-8")
    s = settings.model_copy(update={"index_dir": tmp_path / "index"})
    fast_e = shared_embedder(_settings(settings, "openvino"))
    index = Index.open_or_create(s, fast_e.name, fast_e.dimension)
    report = IndexPipeline(s, fast_e, index).run([docs])
    assert report.chunks_embedded >= 1
    assert index.manifest.backends == ["openvino"]
    index.close()
    torch_e = shared_embedder(_settings(settings, "torch"))
    reopened = Index.open(s)
    assert reopened.manifest.backends == ["openvino"]  # saved, read back from manifest.json
    reopened.check_model(torch_e.name, torch_e.dimension)  # the other backend may query it: no IndexMismatch
    reopened.record_backend("torch")
    assert Index.open(s).manifest.backends == ["openvino", "torch"]


def _fake_models_dir(settings: Settings, tmp_path: Path, artefact: Path | None) -> Path:
    """A models dir whose model folder links to the real one; the artefact links to ``artefact`` file by file."""
    models = tmp_path / "models"
    models.mkdir()
    (models / DEFAULT_MODEL).symlink_to(settings.models_dir / DEFAULT_MODEL)
    if artefact is not None:
        target = models / (DEFAULT_MODEL + openvino_export.OPENVINO_SUFFIX)
        target.mkdir()
        for f in artefact.iterdir():
            (target / f.name).symlink_to(f)
    return models


def test_missing_artefact_explicit_is_an_error_auto_falls_back(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if not (settings.models_dir / DEFAULT_MODEL).is_dir():
        pytest.fail("the real model is not fetched")
    s = settings.model_copy(update={"models_dir": _fake_models_dir(settings, tmp_path, None)})
    with pytest.raises(ModelUnavailable, match="no fast-backend artefact .* run `thammuu models fetch`"):
        factory.create_embedder(_settings(s, "openvino"))
    monkeypatch.setattr(factory, "has_int8_dot", lambda: True)
    with caplog.at_level(logging.WARNING, logger="indexer.embedding.factory"):
        assert factory.choose_backend(_settings(s, "auto"), s.models_dir / DEFAULT_MODEL, DEFAULT_MODEL) == "torch"
    assert "no openvino artefact" in caplog.text


def test_corrupt_artefact_explicit_is_an_error_auto_falls_back_to_torch(
    settings: Settings,
    artefact: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    models = _fake_models_dir(settings, tmp_path, artefact)
    bad = models / (DEFAULT_MODEL + openvino_export.OPENVINO_SUFFIX) / "model.bin"
    bad.unlink()
    bad.write_bytes(b"\0" * 1024)  # truncated weights
    s = settings.model_copy(update={"models_dir": models})
    with pytest.raises(ModelUnavailable, match=r"model\.bin does not match its sha256 stamp"):
        factory.create_embedder(_settings(s, "openvino"))

    class TorchStandIn:  # the torch backend itself is tested above; here only the choice around it
        backend = "torch"
        name, dimension = DEFAULT_MODEL, 768

        def __init__(self, *args: object) -> None:
            pass

    import indexer.embedding.sentence_transformer as st_module

    monkeypatch.setattr(st_module, "SentenceTransformerEmbedder", TorchStandIn)
    monkeypatch.setattr(factory, "has_int8_dot", lambda: True)
    with caplog.at_level(logging.WARNING, logger="indexer.embedding.factory"):
        chosen = factory.create_embedder(_settings(s, "auto"))
    assert isinstance(chosen, TorchStandIn)
    assert "falling back to the torch backend" in caplog.text and "sha256 stamp" in caplog.text


def test_auto_choice_follows_cpu_and_model(settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / DEFAULT_MODEL
    openvino_export.artefact_dir(folder).mkdir(parents=True)
    auto = _settings(settings, "auto")
    monkeypatch.setattr(factory, "has_int8_dot", lambda: True)
    assert factory.choose_backend(auto, folder, DEFAULT_MODEL) == "openvino"
    assert factory.choose_backend(auto, folder, "some-other-model") == "torch"
    assert factory.choose_backend(_settings(settings, "torch"), folder, DEFAULT_MODEL) == "torch"
    with pytest.raises(ModelUnavailable, match="only for embeddinggemma-300m"):
        factory.choose_backend(_settings(settings, "openvino"), folder, "some-other-model")
    monkeypatch.setattr(factory, "has_int8_dot", lambda: False)
    assert factory.choose_backend(auto, folder, DEFAULT_MODEL) == "torch"  # nothing measured on this CPU
    assert factory.choose_backend(_settings(settings, "openvino"), folder, DEFAULT_MODEL) == "openvino"
    record = openvino_export.artefact_dir(folder) / backend_speed.SPEED_FILE
    for cpu, torch_rate, fast_rate, chosen in [
        (cpu_signature(), 1.5, 3.2, "openvino"),  # measured faster here
        (cpu_signature(), 1.5, 1.6, "torch"),  # within the margin: torch stays
        ("another CPU; 64 cores; avx2", 1.5, 3.2, "torch"),  # measured on another machine
    ]:
        record.write_text(
            json.dumps({"cpu": cpu, "torch_passages_per_s": torch_rate, "openvino_passages_per_s": fast_rate})
        )
        assert factory.choose_backend(auto, folder, DEFAULT_MODEL) == chosen, (cpu, fast_rate)
    record.write_text("{not json")
    assert factory.choose_backend(auto, folder, DEFAULT_MODEL) == "torch"


@pytest.mark.model
def test_backend_speed_is_measured_with_both_real_backends(
    settings: Settings, artefact: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(backend_speed, "SAMPLE", [t for _, t in PASSAGES])
    torch_e = shared_embedder(_settings(settings, "torch"))
    fast_e = shared_embedder(_settings(settings, "openvino"))
    speed = backend_speed.measure(torch_e, fast_e, tmp_path)
    assert speed.torch_passages_per_s > 0 and speed.openvino_passages_per_s > 0
    assert backend_speed.recorded(tmp_path) == speed  # read back for this CPU


def test_backend_setting_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THAMMUU_EMBEDDING__BACKEND", "torch")
    assert Settings().embedding.backend == "torch"
    monkeypatch.setenv("THAMMUU_EMBEDDING__BACKEND", "onnx")
    with pytest.raises(ValueError, match="backend"):
        Settings()


def test_artefact_stamp_catches_changes(tmp_path: Path) -> None:
    folder = tmp_path / "art"
    folder.mkdir()
    for name in openvino_export.ARTEFACT_FILES[:2]:
        (folder / name).write_bytes(name.encode())
    import json

    from indexer.embedding.fetch import GEMMA_SHA256
    from indexer.hashing import sha256_file

    meta = {"format": openvino_export.FORMAT_VERSION, "source_sha256": GEMMA_SHA256, "dimension": 768}
    (folder / "meta.json").write_text(json.dumps(meta))
    sums = [f"{sha256_file(folder / n)}  {n}" for n in openvino_export.ARTEFACT_FILES]
    (folder / openvino_export.SUMS_NAME).write_text("\n".join(sums) + "\n")
    assert openvino_export.verify_openvino_artefact(folder)["dimension"] == 768
    (folder / "model.xml").write_bytes(b"<other/>")
    with pytest.raises(ModelUnavailable, match=r"model\.xml does not match"):
        openvino_export.verify_openvino_artefact(folder)
    (folder / "model.xml").write_bytes(b"model.xml")
    meta["source_sha256"] = {"model.safetensors": "0" * 64}
    (folder / "meta.json").write_text(json.dumps(meta))
    sums[2] = f"{sha256_file(folder / 'meta.json')}  meta.json"
    (folder / openvino_export.SUMS_NAME).write_text("\n".join(sums) + "\n")
    with pytest.raises(ModelUnavailable, match="other weights"):
        openvino_export.verify_openvino_artefact(folder)
    shutil.rmtree(folder)
    with pytest.raises(ModelUnavailable, match="no fast-backend artefact"):
        openvino_export.verify_openvino_artefact(folder)


@pytest.mark.model
def test_concurrent_queries_get_their_own_vectors(settings: Settings, artefact: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    fast_e = shared_embedder(_settings(settings, "openvino"))
    alone = fast_e.embed_queries(QUERIES)
    with ThreadPoolExecutor(6) as pool:
        together = list(pool.map(lambda i: fast_e.embed_queries([QUERIES[i % 3]])[0], range(6)))
    for i, vec in enumerate(together):
        assert float(vec @ alone[i % 3]) > 0.9999


@pytest.mark.model
def test_batches_run_on_parallel_streams_in_order(settings: Settings, artefact: Path) -> None:
    """One call's batches go to every CPU stream at once; each passage still gets its own vector, in order."""
    fast_e = shared_embedder(_settings(settings, "openvino", batch_size=1))
    texts, titles = [t for _, t in PASSAGES], [h for h, _ in PASSAGES]
    together = fast_e.embed_documents(texts, titles)
    for i, (text, title) in enumerate(zip(texts, titles, strict=True)):
        alone = fast_e.embed_documents([text], [title])[0]
        assert float(together[i] @ alone) > 0.9999
