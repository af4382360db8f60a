"""Indexing throughput: raw encoder vs the full pipeline, and the cost of re-indexing an unchanged corpus.

Run ``python -m benchmarks.index_throughput`` (``--limit N`` for a quick run on the first N articles). The run
builds a scratch index (``var/bench/alqac-N``, or ``var/bench/alqac-throughput`` for the full corpus) and never
touches the prebuilt ``var/bench/alqac`` the other benchmarks read.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.metrics import machine_label
from indexer.build.pipeline import IndexPipeline, embed_title
from indexer.chunking.structure import StructureChunker
from indexer.config import Settings
from indexer.embedding import create_embedder
from indexer.interfaces import Embedder
from indexer.models import Document
from indexer.parsing import build_registry, parse_file
from indexer.storage.index import Index
from indexer.understanding.identity import identify

logger = logging.getLogger(__name__)


@dataclass
class ThroughputResult:
    """Figures of one throughput run."""

    machine: str
    articles: int
    passages: int
    raw_seconds: float
    pipeline_seconds: float
    reindex_seconds: float
    raw_cpu_seconds: float
    pipeline_cpu_seconds: float
    batch_size: int
    threads: int
    load_before: float
    load_after: float

    @property
    def raw_rate(self) -> float:
        return self.passages / self.raw_seconds

    @property
    def pipeline_rate(self) -> float:
        return self.passages / self.pipeline_seconds

    @classmethod
    def from_json(cls, path: Path) -> ThroughputResult:
        """A result saved by ``main``."""
        data = json.loads(path.read_text())
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def to_markdown(self) -> str:
        """The result as a Markdown table."""
        rows = [
            ("articles / passages", f"{self.articles} / {self.passages}"),
            ("raw encoder (embed_documents)", f"{self.raw_rate:.2f} passages/s ({self.raw_seconds:.1f} s)"),
            (
                "pipeline (IndexPipeline.run, fresh index)",
                f"{self.pipeline_rate:.2f} passages/s ({self.pipeline_seconds:.1f} s)",
            ),
            ("pipeline / raw (wall clock)", f"{self.pipeline_rate / self.raw_rate:.3f} (goal ≥ 0.9)"),
            (
                "pipeline / raw (process CPU time)",
                f"{self.raw_cpu_seconds / self.pipeline_cpu_seconds:.3f}"
                f" ({self.raw_cpu_seconds:.0f} s vs {self.pipeline_cpu_seconds:.0f} s of CPU)",
            ),
            (
                "re-index unchanged corpus",
                f"{self.reindex_seconds:.2f} s ="
                f" {100 * self.reindex_seconds / self.pipeline_seconds:.2f} % of the build (goal ≤ 5 %)",
            ),
            ("batch size / torch threads", f"{self.batch_size} / {self.threads}"),
            ("load average before / after", f"{self.load_before:.2f} / {self.load_after:.2f}"),
        ]
        lines = [f"Machine: {self.machine}", "", "| measure | value |", "|---|---|"]
        lines += [f"| {a} | {b} |" for a, b in rows]
        return "\n".join(lines) + "\n"


def subset_corpus(corpus: Path, limit: int, workdir: Path) -> Path:
    """The first ``limit`` records in a file with the same name, so document ids stay ``corpus:<_id>``."""
    workdir.mkdir(parents=True, exist_ok=True)
    target = workdir / corpus.name
    with corpus.open(encoding="utf-8") as src, target.open("w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= limit:
                break
            dst.write(line)
    return target


def pipeline_passages(settings: Settings, corpus: Path) -> tuple[int, list[str], list[str]]:
    """(documents, passage texts, titles) exactly as the pipeline hands them to the embedder."""
    registry = build_registry(settings.ocr)
    chunker = StructureChunker(settings.chunking)
    texts: list[str] = []
    titles: list[str] = []
    parsed_docs = parse_file(corpus, registry)
    for parsed in parsed_docs:
        identity = identify(parsed.text, parsed.metadata)
        doc = Document("x", "x", "x", parsed.text, identity, parsed.pages, parsed.metadata)
        title = embed_title(doc)
        for chunk in chunker.chunk(doc):
            texts.append(chunk.embed_text)
            titles.append(title)
    return len(parsed_docs), texts, titles


def measure(settings: Settings, embedder: Embedder, corpus: Path, index_dir: Path) -> ThroughputResult:
    """A fresh pipeline build, a re-index of the unchanged corpus, then the raw encoder on the same passages."""
    articles, texts, titles = pipeline_passages(settings, corpus)
    embedder.embed_documents(texts[:16], titles[:16])  # warm-up: first-call allocations count for neither
    load_before = os.getloadavg()[0]
    if index_dir.exists():
        shutil.rmtree(index_dir)
    index = Index.open_or_create(settings, embedder.name, embedder.dimension, index_dir)
    t, c = time.perf_counter(), time.process_time()
    report = IndexPipeline(settings, embedder, index).run([corpus])
    full, full_cpu = time.perf_counter() - t, time.process_time() - c
    logger.info("pipeline: %s", report.to_dict())
    if report.chunks_embedded != len(texts):
        logger.warning("pipeline embedded %d passages, expected %d", report.chunks_embedded, len(texts))
    t = time.perf_counter()
    again = IndexPipeline(settings, embedder, index).run([corpus])
    reindex = time.perf_counter() - t
    logger.info("re-index: %s", again.to_dict())
    index.close()
    t, c = time.perf_counter(), time.process_time()
    embedder.embed_documents(texts, titles)
    raw, raw_cpu = time.perf_counter() - t, time.process_time() - c
    logger.info("raw encoder: %d passages in %.1f s", len(texts), raw)
    return ThroughputResult(
        machine=machine_label(),
        articles=articles,
        passages=len(texts),
        raw_seconds=raw,
        pipeline_seconds=full,
        reindex_seconds=reindex,
        raw_cpu_seconds=raw_cpu,
        pipeline_cpu_seconds=full_cpu,
        batch_size=settings.embedding.batch_size,
        threads=settings.embedding.threads or (os.cpu_count() or 1),
        load_before=load_before,
        load_after=os.getloadavg()[0],
    )


def run(
    settings: Settings, embedder: Embedder, data: Path, limit: int = 0, out: Path = Path("var/bench")
) -> ThroughputResult:
    """Measure on the first ``limit`` ALQAC articles (0 = all); saves ``out/throughput[-N].json``."""
    corpus = data / "alqac-2023" / "corpus.jsonl"
    suffix = f"-{limit}" if limit else ""
    if limit:
        corpus = subset_corpus(corpus, limit, out / f"alqac-subset{suffix}")
    # Never var/bench/alqac itself: that prebuilt index serves the quality and load benchmarks.
    scratch = out / (f"alqac{suffix}" if limit else "alqac-throughput")
    result = measure(settings, embedder, corpus.resolve(), scratch)
    record = asdict(result) | {"raw_rate": result.raw_rate, "pipeline_rate": result.pipeline_rate}
    out.mkdir(parents=True, exist_ok=True)
    (out / f"throughput{suffix}.json").write_text(json.dumps(record, indent=2))
    return result


def main(argv: list[str] | None = None) -> ThroughputResult:
    """Command-line entry point; writes var/bench/throughput[-N].json and prints a Markdown table."""
    settings = Settings()
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=settings.data_dir, help="Folder holding alqac-2023/.")
    ap.add_argument("--limit", type=int, default=0, help="Only the first N articles (0 = all 2,249).")
    ap.add_argument("--out", type=Path, default=Path("var/bench"), help="Where indexes and results go.")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    result = run(settings, create_embedder(settings), args.data, args.limit, args.out)
    sys.stdout.write(result.to_markdown())
    return result


if __name__ == "__main__":
    main()
