"""``thammuu index``, ``info`` and ``inspect``: build an index, describe it, parse without storing."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from indexer.errors import IndexerError
from search_api.cli.common import IndexOpt, err, fail, out, progress_enabled, settings_for


def index_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to index (PDF, DOCX, HTML, MD, TXT, JSONL).")],
    index: IndexOpt = None,
    unit: Annotated[str | None, typer.Option(help="Owning unit for documents that name none.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    ray: Annotated[
        bool, typer.Option("--ray", help="Embed on a Ray cluster (Ray Data actors, one model each; GPUs if any).")
    ] = False,
    ray_address: Annotated[
        str, typer.Option("--ray-address", help="Ray cluster to join (ray://host:10001 or auto); default: local.")
    ] = "",
) -> None:
    """Index files and folders incrementally; the exit code is 1 when any file failed."""
    from indexer.build.pipeline import IndexPipeline
    from indexer.embedding import create_embedder
    from indexer.interfaces import Embedder
    from indexer.storage.index import Index

    settings = settings_for(index)
    try:
        embedder: Embedder = create_embedder(settings)
        idx = Index.open_or_create(settings, embedder.name, embedder.dimension)
        if ray or ray_address:
            from indexer.build.ray_embed import RayEmbedder

            embedder = RayEmbedder(settings, embedder, ray_address)
    except IndexerError as exc:
        fail(exc)
    pipeline = IndexPipeline(settings, embedder, idx)
    if progress_enabled():
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=err, transient=True) as bar:
            task = bar.add_task("indexing", total=None)
            report = pipeline.run(paths, default_unit=unit, progress=lambda _p, n: bar.advance(task, n))
    else:
        report = pipeline.run(paths, default_unit=unit)
    idx.close()
    if hasattr(embedder, "shutdown"):
        embedder.shutdown()
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
    from indexer.build.pipeline import IndexReport

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


def info_cmd(
    index: IndexOpt = None, json_out: Annotated[bool, typer.Option("--json", help="JSON output.")] = False
) -> None:
    """What the index holds: documents, chunks, model, dimension, index type, size on disk."""
    from indexer.storage.index import Index

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


def inspect_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to parse (nothing is embedded or stored).")],
    json_out: Annotated[bool, typer.Option("--json", help="One compact JSON object per line.")] = False,
    chunks: Annotated[bool, typer.Option("--chunks", help="Include each chunk's section path, role and text.")] = False,
) -> None:
    """Show what indexing would understand of each document: identity (each field with its confidence, and the
    fields to check by hand under ``needs_review``), effective date, relations, pages, OCR pages, chunks (with
    their section roles)."""
    from indexer.build.inspection import inspect_paths

    failed = False
    for item in inspect_paths(paths, settings_for(None), with_chunks=chunks):
        failed = failed or "error" in item
        text = json.dumps(item, ensure_ascii=False, indent=None if json_out else 2)
        sys.stdout.write(text + "\n")
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add these commands to ``thammuu``."""
    app.command("index")(index_cmd)
    app.command("info")(info_cmd)
    app.command("inspect")(inspect_cmd)
