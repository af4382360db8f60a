"""`thammuu index --ray`: embedding on a (local) Ray cluster gives the index a single-process build gives.

The single-process build is the session's corpus index (the same pipeline, the same model in this process);
the Ray build runs the CLI with ``--ray`` into a fresh directory: every actor loads the real model itself.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS

from indexer.config import Settings

pytestmark = pytest.mark.slow


def _state(index_dir: Path) -> tuple[dict[str, str], dict[tuple[str, int], tuple[str, str, np.ndarray]]]:
    """(doc_id → content hash, (doc_id, ordinal) → (text, embed hash, vector)) of a stored index."""
    conn = sqlite3.connect(f"file:{index_dir / 'store.sqlite'}?mode=ro", uri=True)
    try:
        docs = dict(conn.execute("SELECT doc_id, content_hash FROM documents").fetchall())
        chunks = {
            (d, int(o)): (t, h, np.frombuffer(v, dtype=np.float32))
            for d, o, t, h, v in conn.execute("SELECT doc_id, ordinal, text, embed_hash, vector FROM chunks")
        }
    finally:
        conn.close()
    return docs, chunks


def test_ray_build_equals_single_process_build(corpus_index: Settings, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("ray")
    target = tmp_path / "ray-index"
    result = cli("index", CORPUS, "--ray", "--index", target, "--json")
    assert result.exit_code in (0, 1), result.output  # 1: the corpus's deliberately broken files, as locally
    docs, chunks = _state(target)
    want_docs, want_chunks = _state(corpus_index.index_dir)
    assert docs == want_docs and len(docs) > 5
    assert chunks.keys() == want_chunks.keys()
    cosines = []
    for key, (text, embed_hash, vector) in chunks.items():
        want_text, want_hash, want_vector = want_chunks[key]
        assert (text, embed_hash) == (want_text, want_hash)
        cosines.append(float(vector @ want_vector / (np.linalg.norm(vector) * np.linalg.norm(want_vector))))
    assert min(cosines) >= 0.9999, min(cosines)
    # Incremental like a local run: a second --ray run embeds nothing.
    again = cli("index", CORPUS, "--ray", "--index", target, "--json")
    assert '"chunks_embedded": 0' in again.output, again.output
