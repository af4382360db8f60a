"""Data for ``benchmarks.scale``: N chunks of real text with real vectors, without embedding N passages.

A few thousand real passages are embedded once with the real model and cached (``var/bench/scale/seed.npz``):
either taken from an index that model already built (``--seed-from DIR``, e.g. the ALQAC evaluation index
``var/eval/alqac-2023-…``: its passages and their stored vectors) or embedded here from the ALQAC corpus
(``--seed-count``; slow on a CPU). Chunk *i* of the synthetic archive is seed passage ``i mod S``:

- its text with each word dropped with probability 0.1, plus a unique token ``mã<i>`` (real vocabulary and
  lengths for the lexical index, no two chunks identical);
- its vector plus Gaussian noise of norm ``NOISE`` (0.35, cosine ≈ 0.94 to the seed), re-normalised: the
  neighbourhood structure of real embeddings, spread into clusters of N/S near-duplicates;
- its document (8 chunks each) labelled like an archive: 70 % unclassified, 15 % MẬT, 10 % TỐI MẬT, 5 %
  TUYỆT MẬT; 40 % office-wide, the rest owned by one of six units; five document types; years 2000–2025.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from indexer.config import Settings
from indexer.models import Chunk, Classification, Document, DocumentIdentity, PageSpan
from indexer.storage.contracts import WriteItem

logger = logging.getLogger(__name__)

NOISE = 0.35
CHUNKS_PER_DOC = 8
UNITS = [None, None, None, None, "Ban 1", "Ban 2", "Ban 3", "Ban 4", "Ban 5", "Ban 6"]
LEVEL_P = [0.70, 0.15, 0.10, 0.05]
TYPES = ["Nghị định", "Thông tư", "Quyết định", "Công văn", "Báo cáo"]


def perturb_vectors(seed: np.ndarray, rng: np.random.Generator, noise: float) -> np.ndarray:
    """Seed vectors plus isotropic noise of norm ≈ ``noise``, L2-normalised again."""
    out = seed + rng.normal(scale=noise / np.sqrt(seed.shape[1]), size=seed.shape).astype(np.float32)
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def load_seed(cache: Path, seed_from: Path | None, count: int, settings: Settings) -> tuple[list[str], np.ndarray]:
    """(texts, vectors (S, dim)) of real passages embedded by the real model, from the cache when present."""
    if cache.is_file():
        data = np.load(cache, allow_pickle=False)
        return [str(t) for t in data["texts"]], data["vectors"].astype(np.float32)
    if seed_from is not None:
        texts, vectors = _from_index(seed_from, settings)
    else:
        texts, vectors = _embed(count, settings)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, texts=np.array(texts), vectors=vectors)
    logger.info("cached %d seed passages in %s", len(texts), cache)
    return texts, vectors


def _from_index(directory: Path, settings: Settings) -> tuple[list[str], np.ndarray]:
    """Passages and stored vectors of an index built by the configured model (read-only)."""
    manifest = json.loads((directory / "manifest.json").read_text())
    configured = settings.embedding.model
    if manifest["model"] not in (configured, Path(configured).name):
        logger.warning("seed index built by %s (configured: %s)", manifest["model"], configured)
    conn = sqlite3.connect(f"file:{directory / 'store.sqlite'}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT text, vector FROM chunks ORDER BY chunk_id").fetchall()
    finally:
        conn.close()
    return [r[0] for r in rows], np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])


def _embed(count: int, settings: Settings) -> tuple[list[str], np.ndarray]:
    """Embed the first ``count`` ALQAC articles with the real model (about 3 passages/s on 2 CPU cores)."""
    from indexer.embedding.factory import create_embedder

    corpus = settings.data_dir / "alqac-2023" / "corpus.jsonl"
    texts = []
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            texts.append(f"{record.get('title', '')}\n{record['text']}"[:1500])
            if len(texts) >= count:
                break
    embedder = create_embedder(settings)
    logger.info("embedding %d seed passages (once)", len(texts))
    return texts, embedder.embed_documents(texts, ["none"] * len(texts))


def _text(seed: str, i: int, rng: np.random.Generator) -> str:
    words = seed.split()
    keep = rng.random(len(words)) >= 0.1
    return " ".join(w for w, k in zip(words, keep, strict=True) if k) + f" mã{i}"


def synthetic_items(
    texts: list[str], vectors: np.ndarray, start: int, count: int, seed: int, batch: int = 2000
) -> Iterator[list[WriteItem]]:
    """Batches of write items for chunks ``start`` … ``start + count - 1`` (documents of 8 chunks)."""
    rng = np.random.default_rng(seed)
    items: list[WriteItem] = []
    n_items = 0
    for first in range(start, start + count, CHUNKS_PER_DOC):
        ids = list(range(first, min(first + CHUNKS_PER_DOC, start + count)))
        base = [i % len(texts) for i in ids]
        passages = [_text(texts[b], i, rng) for b, i in zip(base, ids, strict=True)]
        doc_id = f"scale-{first // CHUNKS_PER_DOC}"
        ident = DocumentIdentity(
            doc_type=TYPES[int(rng.integers(0, len(TYPES)))],
            issued_date=f"{int(rng.integers(2000, 2026))}-{int(rng.integers(1, 13)):02d}-01",
            classification=Classification(int(rng.choice(4, p=LEVEL_P))),
            unit=UNITS[int(rng.integers(0, len(UNITS)))],
            language="vi",
            title=f"Văn bản {first // CHUNKS_PER_DOC}",
        )
        body = "\n".join(passages)
        doc = Document(doc_id, f"/scale/{doc_id}.txt", f"h{first}", body, ident, [PageSpan(1, 0, len(body))])
        chunks, pos = [], 0
        for n, p in enumerate(passages):
            chunks.append(Chunk(doc_id, n, p, "", [1], pos, pos + len(p), p))
            pos += len(p) + 1
        vecs = perturb_vectors(vectors[base], rng, NOISE)
        items.append((doc, "/scale", chunks, [f"e{i}" for i in ids], vecs))
        n_items += len(ids)
        if n_items >= batch:
            yield items
            items, n_items = [], 0
    if items:
        yield items
