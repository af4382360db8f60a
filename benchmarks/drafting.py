"""Drafting benchmark: subject-aware sơ kết drafts over the development archive, scored against its gold.

``python -m benchmarks.drafting [--json] [--scale N]`` indexes ``tests/data/drafting/archive`` with the real
model into ``var/bench/drafting`` (once; vectors reused afterwards), drafts ``bao-cao-so-ket`` for each gold
subject (extractive) and reports, per subject: the share of quoted sentences from documents about the subject,
the share placed in a section accepting their source's role, the share of the subject's targets listed, the share
of (target, reported result) pairs linked, whether every quote is verbatim, and seconds per draft.

``--scale N`` adds N filler passages (vbpl legal texts, chunked as usual, with random unit vectors of the model's
dimension so that building them costs no encoder time) to time a draft over a large index: query embeddings,
lexical and vector search then run at that size, as in production.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.drafting_score import load_gold, score_draft, section_roles_of
from benchmarks.metrics import machine_label
from indexer.build.pipeline import IndexPipeline
from indexer.embedding import create_embedder
from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.filters import SearchFilter
from indexer.storage.index import Index
from search_api.config import AppSettings
from search_api.drafting.request import DraftRequest
from search_api.drafting.service import DraftService
from search_api.drafting.templates import TemplateRegistry

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT / "tests" / "data" / "drafting" / "archive"
GOLD = ROOT / "tests" / "data" / "drafting" / "gold.json"
TEMPLATE = ROOT / "prompts" / "bao-cao-so-ket.vi.yaml"
RESULTS = ROOT / "benchmarks" / "results" / "drafting"


class FillerEmbedder:
    """Random unit vectors of the real model's dimension, for filler passages only (timing at scale)."""

    def __init__(self, name: str, dimension: int) -> None:
        self.name, self.dimension = name, dimension
        self._rng = np.random.default_rng(0)

    def embed_documents(self, texts: Any, titles: Any = None) -> np.ndarray:
        v = self._rng.standard_normal((len(texts), self.dimension)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    def embed_queries(self, texts: Any) -> np.ndarray:  # pragma: no cover - never used for filler
        return self.embed_documents(texts)


def build(settings: AppSettings, embedder: Any, scale: int, data_dir: Path) -> Index:
    """The archive index (and the filler, when asked) under ``settings.index_dir``."""
    idx = Index.open_or_create(settings, embedder.name, embedder.dimension)
    report = IndexPipeline(settings, embedder, idx).run([ARCHIVE])
    logger.info("archive: %s", report.to_dict())
    if scale:
        filler_dir = settings.index_dir.parent / "filler"
        filler_dir.mkdir(parents=True, exist_ok=True)
        target = filler_dir / "vbpl.jsonl"
        if not target.exists():
            shutil.copy(data_dir / "vbpl" / "vbpl_vi_docs.jsonl", target)
        if idx.store.stats()["chunks"] < scale:
            IndexPipeline(settings, FillerEmbedder(embedder.name, embedder.dimension), idx).run([filler_dir])
    return idx


def run(settings: AppSettings, scale: int, repeats: int) -> dict[str, Any]:
    """Draft every gold subject and score it."""
    gold = load_gold(GOLD)
    # No query cache: every timed draft pays its query embeddings, as a first draft on a topic does.
    plain = settings.model_copy(update={"embedding": settings.embedding.model_copy(update={"query_cache": 0})})
    embedder = create_embedder(plain)
    idx = build(settings, embedder, scale, settings.data_dir)
    service = DraftService(HybridRetriever(idx, embedder, settings), TemplateRegistry.load(ROOT / "prompts"))
    section_roles = section_roles_of(TEMPLATE)
    embedder.embed_queries(["khởi động mô hình"])  # the first call of a process warms the encoder up: not timed
    rows: list[dict[str, Any]] = []
    for subject in gold["subjects"]:
        for with_subject in (True, False):  # the review of a subject, then a draft from the topic alone
            request = DraftRequest(
                template="bao-cao-so-ket", topic=subject["topic"], subject=subject["subject"] if with_subject else None
            )
            times = []
            draft = None
            for _ in range(repeats):
                t0 = time.perf_counter()
                draft = service.draft(request, SearchFilter(), lambda r: r, "bench")
                times.append(time.perf_counter() - t0)
            assert draft is not None
            score = score_draft(draft.model_dump(mode="json"), subject, gold["roles"], ARCHIVE, section_roles)
            score.seconds = float(np.median(times))
            label = subject["subject"] if with_subject else f"{subject['subject']} (topic only, no subject)"
            rows.append(asdict(score) | {"subject": label, "gaps": draft.gaps, "targets": len(draft.targets)})
    stats = idx.store.stats()
    idx.close()
    return {"machine": machine_label(), "chunks": stats["chunks"], "documents": stats["documents"], "subjects": rows}


def markdown(result: dict[str, Any]) -> str:
    """The README table."""
    lines = [
        f"Machine: {result['machine']}; index: {result['documents']} documents, {result['chunks']} passages.",
        "",
        "| subject | on topic | placement | targets listed | results linked | verbatim | s / draft |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["subjects"]:
        lines.append(
            f"| {r['subject']} | {r['on_topic']:.3f} | {r['placement']:.3f} | {r['target_recall']:.3f} | "
            f"{r['pairs_linked']:.3f} | {r['verbatim_share']:.3f} | {r['seconds']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--index", type=Path, default=ROOT / "var" / "bench" / "drafting", help="Index directory (-scale with --scale)."
    )
    ap.add_argument("--scale", type=int, default=0, help="Add filler passages up to this many (timing at scale).")
    ap.add_argument("--repeats", type=int, default=3, help="Drafts per subject (the median time is reported).")
    ap.add_argument("--json", action="store_true", help="Print JSON instead of Markdown.")
    ap.add_argument("--out", type=Path, default=RESULTS, help="Write <out>.md and <out>.json.")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    index = args.index if not args.scale else args.index.with_name(f"{args.index.name}-scale")
    settings = AppSettings().model_copy(update={"index_dir": index})
    result = run(settings, args.scale, args.repeats)
    out = args.out if not args.scale else args.out.with_name(f"{args.out.name}-scale")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    out.with_suffix(".md").write_text(markdown(result), encoding="utf-8")
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) if args.json else markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
