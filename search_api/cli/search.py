"""``thammuu search``: one query against the index, from the terminal."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from indexer.errors import IndexerError
from search_api.cli.common import IndexOpt, fail, out, settings_for


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
        title = row.title or row.number or row.source
        if json_out:
            hit = {
                "doc_id": row.doc_id,
                "chunk_id": chunk_id,
                "score": round(score, 6),
                "title": title,
                "number": row.number,
                "section": row.section,
                "text": row.text,
            }
            out.print(json.dumps(hit, ensure_ascii=False), soft_wrap=True, markup=False, highlight=False)
        else:
            out.print(f"[bold]{score:.4f}[/bold] {row.number or ''} {title} [dim]{row.section}[/dim]")
            out.print("   " + row.text[:200].replace("\n", " "), markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add these commands to ``thammuu``."""
    app.command("search")(search_cmd)
