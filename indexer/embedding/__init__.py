"""Embedding backends behind the Embedder protocol, chosen by a factory from configuration."""

from __future__ import annotations

from indexer.embedding.factory import (
    create_embedder,
    fetch_default_model,
    resolve_model_path,
    shared_embedder,
)

__all__ = ["create_embedder", "fetch_default_model", "resolve_model_path", "shared_embedder"]
