"""``thammuu eval``: retrieval quality of the real pipeline on a BEIR-layout dataset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, cast

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from indexer.config import Settings
from indexer.errors import IndexerError
from search_api.cli.common import err, fail, out, progress_enabled


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
        if progress_enabled():
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


def register(app: typer.Typer) -> None:
    """Add these commands to ``thammuu``."""
    app.command("eval")(eval_cmd)
