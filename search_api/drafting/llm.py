"""LLM drafter: a LangChain chat model over any OpenAI-compatible endpoint, with every citation verified."""

from __future__ import annotations

import logging
from typing import Any

from indexer.errors import ThammuuError
from indexer.interfaces import Embedder
from indexer.storage.records import ChunkRecord
from search_api.config import LlmSettings
from search_api.drafting.models import DraftSection, Paragraph
from search_api.drafting.templates import SectionSpec, Template
from search_api.drafting.verify import VerifyConfig, split_paragraphs, verify_paragraph

logger = logging.getLogger(__name__)


class LlmUnavailable(ThammuuError, RuntimeError):
    """LLM drafting was asked for but no endpoint is configured or langchain-openai is missing: 503."""

    code = "unavailable"
    status = 503


def chat_model(settings: LlmSettings, max_tokens: int = 400) -> Any:
    """A ``ChatOpenAI`` for the configured endpoint (imported lazily: it lives in the ``llm`` extra)."""
    if not settings.base_url:
        raise LlmUnavailable("LLM drafting is off: set THAMMUU_LLM__BASE_URL to an OpenAI-compatible endpoint")
    try:
        from langchain_openai import ChatOpenAI
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise LlmUnavailable("LLM drafting needs langchain-openai: pip install 'thammuu[llm]'") from exc
    return ChatOpenAI(
        base_url=settings.base_url,
        model=settings.model,
        api_key=settings.api_key,  # type: ignore[arg-type]
        temperature=settings.temperature,
        timeout=settings.timeout_s,
        max_tokens=max_tokens,  # type: ignore[call-arg]
        max_retries=1,
    )


def format_passages(rows: list[ChunkRecord], max_chars: int = 900) -> str:
    """Passages numbered [1]..[n] with their document number and section, shortened for small contexts."""
    lines = []
    for i, row in enumerate(rows, 1):
        head = ", ".join(x for x in (row.number, row.section) if x)
        body = " ".join(str(row.text).split())
        if len(body) > max_chars:
            body = body[:max_chars].rsplit(" ", 1)[0] + " …"
        lines.append(f"[{i}] {head}:\n{body}" if head else f"[{i}]\n{body}")
    return "\n\n".join(lines)


class LlmDrafter:
    """Writes each section with the chat model; unsupported paragraphs are kept but flagged, never hidden."""

    def __init__(
        self,
        model: Any,
        embedder: Embedder | None = None,
        verify: VerifyConfig = VerifyConfig(),
        max_passages: int = 5,
    ) -> None:
        self.model = model
        self.embedder = embedder
        self.verify = verify
        self.max_passages = max_passages

    def messages(self, template: Template, spec: SectionSpec, topic: str, rows: list[ChunkRecord]) -> list[Any]:
        """System and user messages for one section."""
        from langchain_core.messages import HumanMessage, SystemMessage

        user = (
            f"{spec.prompt}\n\nChủ đề / Topic: {topic}\n\nĐoạn trích / Passages:\n\n{format_passages(rows)}\n\n"
            "Viết 1-3 đoạn văn ngắn; cuối mỗi đoạn ghi số đoạn trích đã dùng, ví dụ [1] hoặc [2][3]. "
            "Write 1-3 short paragraphs; end each with the passage numbers used, e.g. [1] or [2][3]."
        )
        return [SystemMessage(content=template.system_prompt), HumanMessage(content=user)]

    def write_section(self, template: Template, spec: SectionSpec, topic: str, rows: list[ChunkRecord]) -> DraftSection:
        """Ask the model for the section, then verify each paragraph's citations against ``rows``."""
        rows = rows[: self.max_passages]  # small local models have small contexts
        if not rows:
            return DraftSection(heading=spec.heading, paragraphs=[])
        reply = self.model.invoke(self.messages(template, spec, topic, rows))
        answer = reply.content if isinstance(reply.content, str) else str(reply.content)
        paragraphs: list[Paragraph] = [
            verify_paragraph(p, rows, self.verify, self.embedder) for p in split_paragraphs(answer)
        ]
        flagged = sum(not p.supported for p in paragraphs)
        if flagged:
            logger.info("section %r: %d of %d paragraphs unsupported", spec.heading, flagged, len(paragraphs))
        return DraftSection(heading=spec.heading, paragraphs=paragraphs)
