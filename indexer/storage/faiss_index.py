"""faiss vector index over chunk vectors: exact inner product while small, HNSW once large; updated in place.

Inner product equals cosine because every vector is L2-normalised. The index is derived from the SQLite store
and saved with the store generation it reflects. Commits reach it as deltas (``apply``): new vectors are added
with their chunk ids; removed ones are deleted from a flat index and tombstoned in an HNSW graph (faiss HNSW
cannot delete), hidden from every search by a live bitmap until ``compacted`` rebuilds the graph.

An HNSW graph does not take new vectors on commit: inserting 1,000 vectors into a graph of a million took 9.3 s
here, with every search of the process waiting on the write lock. They go to a small flat index of *pending*
vectors instead, searched exactly beside the graph under the same bitmap, so a commit is searchable at once.
``fold`` moves them into the graph, a few per write-lock hold so that searches interleave; the writer folds
before it saves (the file always holds the whole index), and a reader picks up the writer's newer file rather
than folding itself (``FaissFiles``).

Restricted searches take a packed allow-bitmap over chunk ids (``search_bitmap``): few allowed chunks are
scored exactly with numpy over their stored vectors (HNSW under a narrow filter loses recall and time); many
go through HNSW with an ``IDSelectorBitmap`` and a beam widened in proportion to what the filter hides.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from indexer.config import VectorSettings
from indexer.storage.access_bitmaps import bitmap_of_ids, ids_of, popcount
from indexer.storage.records import ChunkHit
from indexer.storage.rwlock import ReadWriteLock

logger = logging.getLogger(__name__)

NO_ROW = -1
DEAD = -2
PENDING = -3  # in the pending flat index, not (yet) in the graph
MAX_EF = 2048  # the widest HNSW beam a restricted search uses
FOLD_STEP = 64  # pending vectors moved into the graph per write-lock hold (about 0.6 s at a million vectors)


def _kind(settings: VectorSettings, hnsw: bool) -> str:
    if not hnsw:
        return "flat-ip"
    return f"hnsw(M={settings.hnsw_m},efC={settings.hnsw_ef_construction},efS={settings.hnsw_ef_search})"


class FaissIndex:
    """An IDMap'd faiss index keyed by chunk id, with filtered search and in-place updates."""

    def __init__(self, index: faiss.Index, kind: str, settings: VectorSettings) -> None:
        self._index: Any = index  # an IndexIDMap2 (faiss's stubs know only Index)
        self.kind = kind
        self._settings = settings
        self._ef_search = settings.hnsw_ef_search
        self._lock = ReadWriteLock()
        self._dead = 0
        self._reindex()
        # HNSW only: vectors added since the graph was built, loaded or folded; and, while ``fold`` runs, the
        # set it is moving (searched too, so no vector is ever out of sight).
        self._pending: FaissIndex | None = _flat(self.dimension, settings) if self.is_hnsw else None
        self._folding: FaissIndex | None = None

    @classmethod
    def build(cls, ids: np.ndarray, vectors: np.ndarray, dim: int, settings: VectorSettings) -> FaissIndex:
        """Flat inner product below ``hnsw_threshold`` vectors, HNSW (M, efConstruction recorded) above."""
        hnsw = len(ids) >= settings.hnsw_threshold > 0
        base: faiss.Index
        if hnsw:
            base = faiss.IndexHNSWFlat(dim, settings.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            base.hnsw.efConstruction = settings.hnsw_ef_construction
        else:
            base = faiss.IndexFlatIP(dim)
        index = faiss.IndexIDMap2(base)
        if len(ids):
            index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))
        return cls(index, _kind(settings, hnsw), settings)

    # ---- bookkeeping ------------------------------------------------------------------------------------
    def _reindex(self) -> None:
        """Rebuild the row maps from faiss's id map (after a load, a build or a flat removal)."""
        self._row_ids = faiss.vector_to_array(self._index.id_map).astype(np.int64)
        top = int(self._row_ids.max()) + 1 if len(self._row_ids) else 0
        self._rows = np.full(max(1024, top), NO_ROW, dtype=np.int64)
        self._rows[self._row_ids] = np.arange(len(self._row_ids), dtype=np.int64)
        self._dead = 0
        self._live_cache: tuple[np.ndarray, int] | None = None

    def _grow(self, top: int) -> None:
        if top <= len(self._rows):
            return
        rows = np.full(1 << int(top).bit_length(), NO_ROW, dtype=np.int64)
        rows[: len(self._rows)] = self._rows
        self._rows = rows

    @property
    def raw(self) -> Any:
        """The faiss index itself (benchmarks compare search paths on it)."""
        return self._index

    @property
    def settings(self) -> VectorSettings:
        """The layout settings it was built or loaded with (thresholds of the search methods)."""
        return self._settings

    @property
    def is_hnsw(self) -> bool:
        """Whether the index is an HNSW graph (tombstones, beam width) rather than flat."""
        return self.kind.startswith("hnsw")

    @property
    def size(self) -> int:
        """Live vectors (tombstoned ones excluded, pending ones included)."""
        return int(self._index.ntotal) - self._dead + sum(p.size for p in self._side())

    @property
    def pending(self) -> int:
        """Vectors added but not yet in the HNSW graph (scored exactly until ``fold``)."""
        return sum(p.size for p in self._side())

    def _side(self) -> list[FaissIndex]:
        """The flat indexes searched beside the graph: the pending vectors and those being folded."""
        return [p for p in (self._pending, self._folding) if p is not None and p.size]

    @property
    def stored(self) -> int:
        """Vectors faiss holds, tombstoned ones included."""
        return int(self._index.ntotal)

    @property
    def dead(self) -> int:
        """Tombstoned vectors still in the graph."""
        return self._dead

    @property
    def dimension(self) -> int:
        """The vectors' dimension."""
        return int(self._index.d)

    def live_ids(self) -> np.ndarray:
        """Chunk ids (ascending) of the live vectors, pending ones included."""
        graph = np.flatnonzero(self._rows >= 0).astype(np.int64)
        side = [p.live_ids() for p in self._side()]
        return np.unique(np.concatenate([graph, *side])) if side else graph

    def _live_bitmap(self) -> tuple[np.ndarray, int]:
        if self._live_cache is None:
            live = self._rows >= 0  # the graph's live vectors (pending ones are searched beside it)
            self._live_cache = (np.packbits(live, bitorder="little"), int(np.count_nonzero(live)))
        return self._live_cache

    def _xb(self) -> np.ndarray:
        """A view (no copy) of the stored vectors by row."""
        base: Any = faiss.downcast_index(self._index.index)
        flat: Any = faiss.downcast_index(base.storage) if self.is_hnsw else base
        n, d = self.stored, self.dimension
        return faiss.rev_swig_ptr(flat.get_xb(), n * d).reshape(n, d)

    # ---- updates ----------------------------------------------------------------------------------------
    def apply(self, ids: np.ndarray, vectors: np.ndarray, removed: np.ndarray) -> None:
        """Add vectors under their chunk ids and remove chunk ids, in place; both idempotent (ids already
        present are not added again, unknown or removed ids are skipped)."""
        with self._lock.write():
            removed = np.asarray(removed, dtype=np.int64)
            removed = removed[(removed >= 0) & (removed < len(self._rows))]
            for side in self._side():
                side.apply(np.zeros(0, dtype=np.int64), np.zeros((0, self.dimension), np.float32), removed)
            removed = removed[self._rows[removed] >= 0]
            if len(removed):
                if self.is_hnsw:
                    self._rows[removed] = DEAD
                    self._dead += len(removed)
                else:  # flat: really removed (rows shift, so the row maps are rebuilt)
                    self._index.remove_ids(faiss.IDSelectorBatch(removed))
                    self._reindex()
                    self._grow(int(removed.max()) + 1)
                    self._rows[removed] = DEAD  # never re-added: chunk ids are not reused
            ids = np.asarray(ids, dtype=np.int64)
            if len(ids):
                self._grow(int(ids.max()) + 1)
                new = self._rows[ids] == NO_ROW
                for side in self._side():
                    new &= ~side.holds(ids)
                ids, vectors = ids[new], vectors[new]
            if len(ids) and self._pending is not None:
                self._pending.apply(ids, vectors, np.zeros(0, dtype=np.int64))
                self._rows[ids] = PENDING  # never added twice, even after the pending set is folded
            elif len(ids):
                start = self.stored
                self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
                self._rows[ids] = np.arange(start, start + len(ids), dtype=np.int64)
                self._row_ids = np.concatenate([self._row_ids, ids])
            self._live_cache = None

    def holds(self, ids: np.ndarray) -> np.ndarray:
        """Boolean per id: whether this index has (or had: removed ids are never re-added) a vector for it."""
        inside = (ids >= 0) & (ids < len(self._rows))
        out = np.zeros(len(ids), dtype=bool)
        out[inside] = self._rows[ids[inside]] != NO_ROW
        return out

    def fold(self, step: int = FOLD_STEP) -> int:
        """Move the pending vectors into the HNSW graph, ``step`` per write-lock hold (searches run between
        the steps and see every vector throughout); returns how many were moved."""
        with self._lock.write():
            if self._pending is None or not self._pending.size or self._folding is not None:
                return 0
            folding, self._pending = self._pending, _flat(self.dimension, self._settings)
            self._folding = folding
        moved = 0
        try:
            todo = folding.live_ids()
            for start in range(0, len(todo), step):
                with self._lock.write():
                    ids = todo[start : start + step]
                    rows = folding._rows[ids]
                    ids, rows = ids[rows >= 0], rows[rows >= 0]  # removed meanwhile: not moved
                    if not len(ids):
                        continue
                    first = self.stored
                    self._index.add_with_ids(np.array(folding._xb()[rows], dtype=np.float32), ids)
                    self._rows[ids] = np.arange(first, first + len(ids), dtype=np.int64)
                    self._row_ids = np.concatenate([self._row_ids, ids])
                    self._live_cache = None
                    moved += len(ids)
        finally:
            with self._lock.write():
                self._folding = None
        if moved:
            logger.info("folded %d pending vectors into the HNSW graph (%d vectors)", moved, self.size)
        return moved

    def retain(self, ids: np.ndarray) -> np.ndarray:
        """Remove every live vector whose chunk id is not in ``ids`` (a loaded file's chunks deleted since);
        returns the ids removed."""
        live = self.live_ids()
        gone = live[~np.isin(live, ids)]
        if len(gone):
            self.apply(np.zeros(0, dtype=np.int64), np.zeros((0, self.dimension), np.float32), gone)
        return gone

    def needs_compaction(self) -> bool:
        """Whether tombstones pass ``hnsw_compact_ratio`` of the graph, or the index outgrew (or shrank
        below) its flat/HNSW layout."""
        hnsw_wanted = self.size >= self._settings.hnsw_threshold > 0
        if hnsw_wanted != self.is_hnsw and (hnsw_wanted or self.size < self._settings.hnsw_threshold // 2):
            return True
        return self.stored > 0 and self._dead / self.stored > self._settings.hnsw_compact_ratio

    def compacted(self) -> FaissIndex:
        """A fresh index of the live vectors only, pending ones included (the layout chosen again by size)."""
        with self._lock.read():
            ids = np.flatnonzero(self._rows >= 0).astype(np.int64)
            parts = [(ids, np.array(self._xb()[self._rows[ids]], dtype=np.float32))]
            for side in self._side():
                side_ids = np.flatnonzero(side._rows >= 0).astype(np.int64)
                parts.append((side_ids, np.array(side._xb()[side._rows[side_ids]], dtype=np.float32)))
            ids = np.concatenate([i for i, _ in parts])
            vectors = np.concatenate([v for _, v in parts])
        logger.info("compacting vector index: %d live, %d tombstoned", len(ids), self._dead)
        return FaissIndex.build(ids, vectors, self.dimension, self._settings)

    # ---- search -----------------------------------------------------------------------------------------
    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[ChunkHit]:
        """Top-k (chunk_id, inner product); ``allowed`` (chunk ids) restricts the search inside the index,
        before the top-k."""
        with self._lock.read():  # one view of graph and pending sets (the inner searches re-enter the lock)
            hits = self._search_graph(query, k, allowed)
            for side in self._side():
                hits = _merge(hits, side.search(query, k, allowed), k)
        return hits

    def _search_graph(self, query: np.ndarray, k: int, allowed: np.ndarray | None) -> list[ChunkHit]:
        if allowed is None:
            if self._dead:
                bitmap, count = self._live_bitmap()
                return self._search_bitmap_graph(query, k, bitmap, count)
            return self._faiss_search(query, k, None, self.size)
        ids = np.unique(np.asarray(allowed, dtype=np.int64))
        ids = ids[(ids >= 0) & (ids < len(self._rows))]
        ids = ids[self._rows[ids] >= 0]
        if len(ids) <= self._settings.exact_below:
            return self._exact(query, k, ids)
        return self._search_bitmap_graph(query, k, bitmap_of_ids(ids, len(self._rows)), len(ids))

    def search_bitmap(self, query: np.ndarray, k: int, bitmap: np.ndarray, count: int) -> list[ChunkHit]:
        """Top-k among the chunk ids a packed bitmap sets (``count`` of them, for choosing the method)."""
        with self._lock.read():
            hits = self._search_bitmap_graph(query, k, bitmap, count)
            for side in self._side():
                hits = _merge(hits, side.search_bitmap(query, k, bitmap, count), k)
        return hits

    def _search_bitmap_graph(self, query: np.ndarray, k: int, bitmap: np.ndarray, count: int) -> list[ChunkHit]:
        if count <= 0 or k <= 0 or self.size == 0:
            return []
        if self._dead:  # the caller's bitmap may predate a removal
            live, _ = self._live_bitmap()
            n = min(len(live), len(bitmap))
            bitmap = bitmap[:n] & live[:n]
            count = popcount(bitmap)
        if count <= self._settings.exact_below:
            return self._exact(query, k, ids_of(bitmap))
        return self._faiss_search(query, k, bitmap, count)

    def _exact(self, query: np.ndarray, k: int, ids: np.ndarray) -> list[ChunkHit]:
        """Brute force over the given live chunk ids (ascending), ties in id order."""
        if k <= 0 or len(ids) == 0:
            return []
        q = np.ascontiguousarray(query.reshape(-1), dtype=np.float32)
        with self._lock.read():
            ids = ids[ids < len(self._rows)]
            rows = self._rows[ids]
            ids, rows = ids[rows >= 0], rows[rows >= 0]
            scores = self._xb()[rows] @ q
        order = np.argsort(-scores, kind="stable")[:k]
        return [ChunkHit(int(ids[i]), float(scores[i])) for i in order]

    def _faiss_search(self, query: np.ndarray, k: int, bitmap: np.ndarray | None, count: int) -> list[ChunkHit]:
        if self.size == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        k = min(k, count, self.size)
        params = None
        sel = faiss.IDSelectorBitmap(bitmap) if bitmap is not None else None  # type: ignore[call-arg,arg-type]
        if self.is_hnsw:
            # The beam widens as the filter hides more of the graph: a hidden node still costs a visit but
            # never fills a result slot.
            ef = max(self._ef_search, k)
            if bitmap is not None:
                ef = min(MAX_EF, int(ef * max(1.0, (self.size / max(count, 1)) ** 0.5)))
            params = faiss.SearchParametersHNSW(efSearch=ef)  # type: ignore[attr-defined]
            if sel is not None:
                params.sel = sel
        elif sel is not None:
            params = faiss.SearchParameters(sel=sel)  # type: ignore[call-arg]
        with self._lock.read():
            scores, ids = self._index.search(q, k, params=params)
        return [ChunkHit(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]

    # ---- files ------------------------------------------------------------------------------------------
    def write(self, path: Path) -> None:
        """Write the faiss file (tombstoned vectors included: a loader drops them against the store); pending
        vectors are folded into the graph first, so the file holds every vector of its generation."""
        while self.pending:
            if not self.fold():  # another thread is folding: wait for it rather than spin
                time.sleep(0.01)
        with self._lock.read():
            faiss.write_index(self._index, str(path))

    @staticmethod
    def read_meta(path: Path) -> dict[str, object] | None:
        """The saved index's metadata (generation, kind, size), None when absent or unreadable."""
        try:
            meta = json.loads(path.with_suffix(".json").read_text())
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) else None

    @classmethod
    def load_any(cls, path: Path, settings: VectorSettings) -> tuple[FaissIndex, int] | None:
        """(the saved index, the generation it reflects), None when missing, unreadable or inconsistent."""
        meta = cls.read_meta(path)
        if meta is None or not path.is_file():
            return None
        try:
            generation = int(str(meta.get("generation", -1)))
            index = faiss.read_index(str(path))
        except (OSError, ValueError, RuntimeError) as exc:
            logger.warning("vector index %s unreadable (%s); rebuilding", path, exc)
            return None
        if int(index.ntotal) != int(str(meta.get("size", index.ntotal))) or not isinstance(index, faiss.IndexIDMap2):
            logger.warning("vector index %s does not match its metadata; rebuilding", path)
            return None
        return cls(index, str(meta.get("kind", "flat-ip")), settings), generation

    def save(self, path: Path, generation: int) -> None:
        """Write atomically with the store generation it reflects (see ``faiss_files.save_index``)."""
        from indexer.storage.faiss_files import save_index

        save_index(self, path, generation)

    @classmethod
    def load(cls, path: Path, generation: int, settings: VectorSettings) -> FaissIndex | None:
        """The saved index if it reflects ``generation``, else None (the caller rebuilds)."""
        loaded = cls.load_any(path, settings)
        if loaded is None or loaded[1] != generation:
            return None
        return loaded[0]


def _flat(dimension: int, settings: VectorSettings) -> FaissIndex:
    """An empty exact inner-product index (the pending vectors of an HNSW graph)."""
    return FaissIndex(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)), "flat-ip", settings)


def _merge(a: list[ChunkHit], b: list[ChunkHit], k: int) -> list[ChunkHit]:
    """The top-k of two hit lists, best first; a chunk in both (mid-fold) counts once."""
    best: dict[int, ChunkHit] = {}
    for hit in (*a, *b):
        if hit.chunk_id not in best or hit.score > best[hit.chunk_id].score:
            best[hit.chunk_id] = hit
    return sorted(best.values(), key=lambda h: (-h.score, h.chunk_id))[:k]
