"""Picks the embedding backend from configuration; the model path is resolved without any download."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from indexer.config import DEFAULT_MODEL, Settings
from indexer.embedding.fetch import fetch_gemma, is_verified, verify_and_stamp
from indexer.embedding.query_cache import QueryCachingEmbedder
from indexer.errors import ModelUnavailable
from indexer.interfaces import Embedder


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
    """Assemble and verify the default model in the models cache (idempotent)."""
    return fetch_gemma(settings.models_dir, force=force)


def create_embedder(settings: Settings) -> Embedder:
    """Build the configured embedder (imports torch lazily). One instance per process via ``shared_embedder``."""
    from indexer.embedding.sentence_transformer import SentenceTransformerEmbedder

    folder, name = resolve_model_path(settings)
    model = SentenceTransformerEmbedder(folder, name, settings.embedding)
    if settings.embedding.query_cache <= 0:
        return model
    return QueryCachingEmbedder(model, settings.embedding.query_cache)


@lru_cache(maxsize=4)
def _cached(
    model: str, models_dir: str, dtype: str, max_len: int, batch: int, threads: int, dim: int, cache: int
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
    )
