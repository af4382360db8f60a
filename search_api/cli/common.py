"""What every ``thammuu`` command shares: consoles, options, settings, logging, one-line failures."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from search_api.config import AppSettings

out = Console()
err = Console(stderr=True)

IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index directory (default THAMMUU_INDEX_DIR).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="JSON output.")]


def setup_logging(verbose: bool = False) -> None:
    """Log to stderr; INFO for our packages when verbose, WARNING otherwise."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "sentence_transformers", "transformers", "faiss"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


storage_override: str | None = None
"""The global ``--storage URL`` option of this invocation (set by the app's callback)."""


def settings_for(index: Path | None) -> AppSettings:
    """Settings from the environment, with the --index and --storage options applied."""
    settings = AppSettings()
    if storage_override:
        settings = settings.model_copy(
            update={"storage": settings.storage.model_copy(update={"url": storage_override})}
        )
    return settings.model_copy(update={"index_dir": index}) if index else settings


def fail(exc: Exception) -> None:
    """Print a domain error as one line and exit 2 (never a stack trace for expected errors)."""
    # soft_wrap: one line however long (rich wraps at 80 columns when not on a terminal); escape: no markup.
    err.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True, highlight=False)
    raise typer.Exit(2)


def print_json(value: object) -> None:
    """One JSON document on stdout, exactly as given (no markup, no wrapping)."""
    out.print(json.dumps(value, ensure_ascii=False), soft_wrap=True, markup=False, highlight=False)


def progress_enabled() -> bool:
    """Progress bars only on a terminal, never in CI logs."""
    return sys.stderr.isatty() and not os.environ.get("CI")
