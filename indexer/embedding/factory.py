"""Picks the embedding backend from configuration; the model path is resolved without any download."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from indexer.config import DEFAULT_MODEL, Settings
from indexer.embedding import backend_speed
from indexer.embedding.cpu import has_int8_dot
from indexer.embedding.fetch import fetch_gemma, is_verified, verify_and_stamp
from indexer.embedding.openvino_export import artefact_dir, build_openvino_artefact
from indexer.embedding.query_cache import QueryCachingEmbedder
from indexer.errors import ModelUnavailable
from indexer.interfaces import Embedder

logger = logging.getLogger(__name__)


def resolve_model_path(settings: Settings) -> tuple[Path, str]:
    """Return (folder, name) of the configured model; the default must be fetched and verified beforehand."""
    if settings.embedding.model == DEFAULT_MODEL:
        folder = settings.models_dir / DEFAULT_MODEL
        if not folder.is_dir():
            raise ModelUnavailable(f"default model not found at {folder}; run `thammuu models fetch`")
        if not is_verified(folder):
            verify_and_stamp(folder)  # raises on any mismatch
        return folder, DEFAULT_MODEL
    folder = Path(settings.embedding.model).expanduser()
    if not (folder / "modules.json").is_file() and not (folder / "config.json").is_file():
        raise ModelUnavailable(f"{folder} is not a sentence-transformers model folder")
    return folder, folder.name


def fetch_default_model(settings: Settings, force: bool = False) -> Path:
    """Assemble and verify the default model in the models cache, then build its fast artefact (idempotent).

    The fast artefact is skipped with a logged reason when openvino/nncf are not installed: torch still works.
    """
    folder = fetch_gemma(settings.models_dir, force=force)
    try:
        artefact = build_openvino_artefact(folder, force=force)
    except ModelUnavailable as exc:
        if settings.embedding.backend == "openvino":
            raise
        logger.warning("fast backend not built, torch will be used: %s", exc)
        return folder
    if not has_int8_dot() and (force or backend_speed.recorded(artefact) is None):
        measure_backend_speed(settings, folder)
    return folder


def measure_backend_speed(settings: Settings, folder: Path) -> backend_speed.BackendSpeed | None:
    """Encode the same passages with both backends on this machine and record which is faster (about a minute);
    None, with the reason logged, when either cannot be loaded (``auto`` then stays with torch)."""
    from indexer.embedding.openvino_embedder import OpenVINOEmbedder
    from indexer.embedding.sentence_transformer import SentenceTransformerEmbedder

    logger.info("this CPU has no int8 dot-product instructions: measuring both backends on it once")
    try:
        fast = OpenVINOEmbedder(artefact_dir(folder), folder, DEFAULT_MODEL, settings.embedding)
        slow = SentenceTransformerEmbedder(folder, DEFAULT_MODEL, settings.embedding)
        return backend_speed.measure(slow, fast, artefact_dir(folder))
    except (ModelUnavailable, OSError, RuntimeError) as exc:
        logger.warning("could not compare the backends on this CPU (torch stays the default): %s", exc)
        return None


def choose_backend(settings: Settings, folder: Path, name: str) -> str:
    """'openvino' or 'torch' for these settings; auto takes openvino only where it was measured faster and exists.

    An explicit ``backend="openvino"`` is never silently replaced: loading it raises if it cannot be had.
    """
    wanted = settings.embedding.backend
    if wanted != "auto":
        if wanted == "openvino" and name != DEFAULT_MODEL:
            raise ModelUnavailable(f"the openvino backend exists only for {DEFAULT_MODEL}, not {name}")
        return wanted
    if name != DEFAULT_MODEL:
        return "torch"
    if not artefact_dir(folder).is_dir():
        logger.warning("torch backend: no openvino artefact at %s (run `thammuu models fetch`)", artefact_dir(folder))
        return "torch"
    if has_int8_dot():
        return "openvino"
    speed = backend_speed.recorded(artefact_dir(folder))
    if speed is None:
        logger.info(
            "torch backend: no int8 dot products (VNNI/AMX) and no speed measured on this CPU"
            " (`thammuu models fetch` measures it)"
        )
        return "torch"
    if not speed.openvino_faster:
        logger.info(
            "torch backend: measured faster on this CPU (%.2f vs %.2f passages/s)",
            speed.torch_passages_per_s,
            speed.openvino_passages_per_s,
        )
        return "torch"
    return "openvino"


def _load(settings: Settings, folder: Path, name: str) -> Embedder:
    backend = choose_backend(settings, folder, name)
    if backend == "openvino":
        from indexer.embedding.openvino_embedder import OpenVINOEmbedder

        try:
            return OpenVINOEmbedder(artefact_dir(folder), folder, name, settings.embedding)
        except ModelUnavailable as exc:
            if settings.embedding.backend == "openvino":
                raise
            logger.warning("falling back to the torch backend: %s", exc)
    from indexer.embedding.sentence_transformer import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(folder, name, settings.embedding)


def create_embedder(settings: Settings) -> Embedder:
    """Build the configured embedder (imports torch/openvino lazily). One instance per process: ``shared_embedder``."""
    folder, name = resolve_model_path(settings)
    model = _load(settings, folder, name)
    if settings.embedding.query_cache <= 0:
        return model
    return QueryCachingEmbedder(model, settings.embedding.query_cache)


@lru_cache(maxsize=4)
def _cached(
    model: str,
    models_dir: str,
    dtype: str,
    max_len: int,
    batch: int,
    threads: int,
    dim: int,
    cache: int,
    backend: str,
) -> Embedder:
    from indexer.config import EmbeddingSettings

    s = Settings(
        models_dir=Path(models_dir),
        embedding=EmbeddingSettings(
            model=model,
            dtype=dtype,
            max_seq_length=max_len,
            batch_size=batch,
            threads=threads,
            dimension=dim,
            query_cache=cache,
            backend=backend,
        ),  # type: ignore[arg-type]
    )
    return create_embedder(s)


def shared_embedder(settings: Settings) -> Embedder:
    """The process-wide embedder for these settings: the model is loaded once per process."""
    e = settings.embedding
    return _cached(
        e.model,
        str(settings.models_dir),
        e.dtype,
        e.max_seq_length,
        e.batch_size,
        e.threads,
        e.dimension,
        e.query_cache,
        e.backend,
    )
