"""``thammuu draft``: a report draft from a template, written to DOCX or Markdown (local operator, full clearance)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from indexer.errors import ThammuuError
from indexer.storage.filters import SearchFilter
from search_api.cli.common import IndexOpt, err, fail, out, settings_for

logger = logging.getLogger(__name__)


def draft_cmd(
    topic: Annotated[str, typer.Argument(help="What the report is about, e.g. 'chuyển đổi số'.")],
    template: Annotated[str, typer.Option("--template", "-t", help="Template id (see prompts/).")] = "bao-cao-so-ket",
    language: Annotated[str, typer.Option(help="Template language: vi, en or bn.")] = "vi",
    out_path: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write .docx or .md (else print Markdown).")
    ] = None,
    mode: Annotated[str, typer.Option(help="extractive (offline) or llm (THAMMUU_LLM__BASE_URL).")] = "extractive",
    subject: Annotated[
        str | None, typer.Option(help="Number of the reviewed document, any variant ('05-NQ/TU', 'NQ 05').")
    ] = None,
    unit: Annotated[str | None, typer.Option(help="Only documents of this unit.")] = None,
    period_from: Annotated[str | None, typer.Option("--from", help="Period start (YYYY-MM-DD).")] = None,
    period_to: Annotated[str | None, typer.Option("--to", help="Period end (YYYY-MM-DD).")] = None,
    index: IndexOpt = None,
) -> None:
    """Draft a report whose every paragraph cites the indexed documents it comes from."""
    from indexer.embedding import create_embedder
    from indexer.retrieval.hybrid import HybridRetriever
    from indexer.storage.index import Index
    from search_api.drafting.docx_export import to_docx
    from search_api.drafting.llm import LlmDrafter, LlmUnavailable, chat_model
    from search_api.drafting.markdown_export import to_markdown
    from search_api.drafting.service import DraftRequest, DraftService
    from search_api.drafting.templates import TemplateRegistry

    if mode not in ("extractive", "llm"):
        fail(ValueError("mode must be extractive or llm"))
    if out_path is not None and out_path.suffix.lower() not in (".docx", ".md"):
        fail(ValueError("--out must end in .docx or .md"))
    settings = settings_for(index)
    try:
        templates = TemplateRegistry.load(settings.prompts_dir)
        idx = Index.open(settings)
        embedder = create_embedder(settings)
        llm = LlmDrafter(chat_model(settings.llm), embedder) if mode == "llm" else None
        service = DraftService(HybridRetriever(idx, embedder, settings), templates, llm)
        period = {"from": period_from, "to": period_to} if period_from or period_to else None
        request = DraftRequest.model_validate(
            {"template": template, "topic": topic, "language": language, "mode": mode, "subject": subject,
             "unit": unit, "period": period}
        )  # fmt: skip
        # The local operator owns the index files: every level is visible, as in `thammuu search`.
        draft = service.draft(request, SearchFilter(), lambda rows: rows, "local")
    except (ThammuuError, LlmUnavailable) as exc:
        fail(exc)
    except ValidationError as exc:
        fail(ValueError("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())))
    except KeyError:
        fail(ValueError(f"no template {template!r}; available: {', '.join(t.key for t in templates.all())}"))
    finally:
        if "idx" in locals():
            idx.close()
    if out_path is None:
        out.print(to_markdown(draft), markup=False, highlight=False, soft_wrap=True)
        return
    if out_path.suffix.lower() == ".docx":
        out_path.write_bytes(to_docx(draft))
    else:
        out_path.write_text(to_markdown(draft), encoding="utf-8")
    paragraphs = sum(len(s.paragraphs) for s in draft.sections)
    flagged = sum(not p.supported for s in draft.sections for p in s.paragraphs)
    err.print(f"draft written to {out_path}: {paragraphs} paragraphs, {len(draft.sources)} sources, {flagged} flagged")


def register(app: typer.Typer) -> None:
    """Add ``draft`` to the ``thammuu`` command."""
    app.command("draft")(draft_cmd)
