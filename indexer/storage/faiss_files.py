"""The faiss side of the SQLite + faiss backend: the saved file, the reader that follows commits, filtered search.

``FaissFiles`` is the ``VectorSource``. It keeps one ``FaissIndex`` and the chunks' access labels
(``AccessColumns``) in memory and, when the store's generation moves, applies what the store's change log says
those commits added and removed (``VectorFeed.vector_changes``) instead of reloading every vector. It reloads
the saved file (and catches up from there) only when the log no longer reaches back, and rebuilds from the
store only when there is no usable file. New vectors wait beside an HNSW graph, scored exactly, until folded
into it (``FaissIndex.fold``), so a commit is searchable at once. The writer folds and saves after its run
(``save_vectors``): the file is replaced atomically under a lock and never by an older generation, so a crash
leaves the previous file, which the next reader brings up to date from the log.

``StoreBoundFaiss`` turns a ``SearchFilter`` into an allow-bitmap: the access part from the cached per-key
bitmaps (no SQL), user filters (type, issuer, dates, ids, validity) as chunk ids from SQL, cached per commit —
few ids are scored exactly, many are a bitmap ANDed with the access bitmap.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from indexer.config import VectorSettings
from indexer.models import Classification
from indexer.storage.access_bitmaps import AccessColumns, access_key, bitmap_of_ids, popcount
from indexer.storage.contracts import DocumentStore
from indexer.storage.faiss_index import FaissIndex
from indexer.storage.filters import SearchFilter, as_of_date
from indexer.storage.records import ChunkHit
from indexer.storage.vector_feed import VectorChanges, VectorFeed

logger = logging.getLogger(__name__)

LOG_KEEP = 64
"""Generations of change log kept behind the saved file, so a reader a few commits behind catches up from the
log rather than reloading the file."""
USER_CACHE = 32
RELOAD_PENDING = 8192
"""A reader holding this many vectors outside its HNSW graph (scored exactly, about 2 ms per query at 768
dimensions) loads the writer's newer file when there is one, instead of folding them into its graph itself."""


def save_index(index: FaissIndex, path: Path, generation: int) -> bool:
    """Write ``index`` to ``path`` with its generation, atomically (temp file + rename) and under an exclusive
    lock, unless the file already reflects a newer generation; returns whether it wrote."""
    tag = f".{os.getpid()}.{threading.get_ident()}.tmp"
    with open(path.with_suffix(".lock"), "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a server and a CLI run may save at the same moment
        meta = FaissIndex.read_meta(path)
        if meta is not None and path.is_file() and int(str(meta.get("generation", -1))) > generation:
            return False
        tmp = path.with_name(path.name + tag)
        index.write(tmp)
        meta_tmp = path.with_name(path.stem + ".json" + tag)
        meta_tmp.write_text(json.dumps({"generation": generation, "kind": index.kind, "size": index.stored}))
        # The metadata goes last: a crash between the two renames leaves a file newer than its metadata says,
        # which is safe (replaying the log is idempotent); the reverse would not be.
        os.replace(tmp, path)
        os.replace(meta_tmp, path.with_suffix(".json"))
    return True


@dataclass(frozen=True)
class _Allowed:
    """What a user filter lets through, from SQL: its chunk ids and, once asked, their bitmap."""

    ids: np.ndarray
    bitmap: np.ndarray | None = None


def _has_user_part(flt: SearchFilter) -> bool:
    """Whether ``flt`` restricts more than access (clearance and units)."""
    return bool(flt.doc_types or flt.issuers or flt.numbers or flt.date_from or flt.date_to or flt.languages) or bool(
        flt.doc_ids or flt.exclude_doc_ids or flt.in_force
    )


def _user_key(flt: SearchFilter) -> tuple[object, ...]:
    """The non-access part of a filter as a key (with the access part when validity depends on it)."""
    base: tuple[object, ...] = (flt.doc_types, flt.issuers, flt.numbers, flt.date_from, flt.date_to)
    base += (flt.languages, flt.doc_ids, flt.exclude_doc_ids, flt.in_force)
    return base + ((as_of_date(flt), access_key(flt)) if flt.in_force else ())


class StoreBoundFaiss:
    """The ``VectorIndex`` of the SQLite + faiss backend: a ``FaissIndex``, its chunks' access labels and the
    store that resolves user filters; updated in place as the store commits."""

    def __init__(
        self, index: FaissIndex, store: DocumentStore, generation: int, access: AccessColumns | None = None
    ) -> None:
        self.index = index
        self.access = access
        self.generation = generation
        self._store = store
        self._user: OrderedDict[tuple[object, ...], _Allowed] = OrderedDict()
        self._user_version = -1
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return self.index.size

    @property
    def kind(self) -> str:
        return self.index.kind

    def apply(self, changes: VectorChanges) -> None:
        """Bring the index and the labels to ``changes.generation``: removed chunks leave the labels first (no
        bitmap lets them through while the index drops them), added ones are labelled once their vectors are in."""
        if self.access is not None:
            self.access.clear(changes.removed)
        self.index.apply(changes.added.ids, changes.vectors, changes.removed)
        if self.access is not None:
            self.access.set(changes.added)
        self.generation = changes.generation
        logger.debug(
            "vector index at generation %d: +%d −%d", changes.generation, len(changes.added.ids), len(changes.removed)
        )

    def search(self, query: np.ndarray, k: int, flt: SearchFilter) -> list[ChunkHit]:
        """Top-k of what ``flt`` allows, restricted inside the index (see the module docstring)."""
        if flt.is_unrestricted:
            return self.index.search(query, k)
        if self.access is None:  # a store without labels: the ids of every allowed chunk, per query
            return self.index.search(query, k, self._store.allowed_chunk_ids(flt))
        bitmap, count = self.access.bitmap(access_key(flt))
        if not _has_user_part(flt):
            return self.index.search_bitmap(query, k, bitmap, count)
        user = self._user_allowed(flt)
        if len(user.ids) <= self.index.settings.exact_below:
            # Few ids: test each against the access bitmap and score them exactly.
            ids = user.ids[user.ids < len(bitmap) * 8]
            bits = (bitmap[ids >> 3] >> (ids & 7).astype(np.uint8)) & 1
            return self.index.search(query, k, ids[bits.astype(bool)])
        if user.bitmap is None:
            user = _Allowed(user.ids, bitmap_of_ids(user.ids, len(bitmap) * 8))
            with self._lock:
                self._user[_user_key(flt)] = user
        assert user.bitmap is not None
        n = min(len(bitmap), len(user.bitmap))
        both = bitmap[:n] & user.bitmap[:n]
        return self.index.search_bitmap(query, k, both, popcount(both))

    def _user_allowed(self, flt: SearchFilter) -> _Allowed:
        """Chunk ids of the user part of ``flt`` (the access part too when validity depends on it), from SQL,
        cached until the labels change (a commit)."""
        assert self.access is not None
        key = _user_key(flt)
        with self._lock:
            if self._user_version != self.access.version:
                self._user.clear()
                self._user_version = self.access.version
            hit = self._user.get(key)
            if hit is not None:
                self._user.move_to_end(key)
                return hit
        part = flt if flt.in_force else replace(flt, max_classification=Classification.TUYET_MAT, units=None)
        allowed = _Allowed(np.sort(self._store.allowed_chunk_ids(part)))
        with self._lock:
            self._user[key] = allowed
            if len(self._user) > USER_CACHE:
                self._user.popitem(last=False)
        return allowed


class FaissFiles:
    """The faiss ``VectorSource``: one index in memory kept in step with the store, saved beside it."""

    def __init__(self, path: Path, settings: VectorSettings) -> None:
        self.path = path
        self.settings = settings
        self._bound: StoreBoundFaiss | None = None
        self._file_generation = -1  # generation of the file the index in memory came from (-1: built)
        self._lock = threading.Lock()

    def current(self, generation: int, store: DocumentStore, dimension: int) -> StoreBoundFaiss:
        """The index reflecting (at least) ``generation``: the one in memory brought up to date from the change
        log, else the saved file brought up to date, else one rebuilt from the store and saved."""
        with self._lock:
            bound = self._bound
            if bound is not None and bound.generation >= generation:
                return bound
            feed = store if isinstance(store, VectorFeed) else None
            if bound is not None and feed is not None:
                changes = feed.vector_changes(bound.generation)
                if changes is not None:
                    bound.apply(changes)
                    stale = bound.index.needs_compaction() or bound.index.pending >= RELOAD_PENDING
                    if not (stale and self._newer_file()):
                        return bound
                    # The writer saved a compacted index, or one whose graph holds what is pending here: take it
                    # rather than compact or fold here.
            self._bound = self._open(generation, store, dimension, feed)
            return self._bound

    def _newer_file(self) -> bool:
        meta = FaissIndex.read_meta(self.path)
        return meta is not None and int(str(meta.get("generation", -1))) > self._file_generation

    def _open(self, generation: int, store: DocumentStore, dimension: int, feed: VectorFeed | None) -> StoreBoundFaiss:
        if feed is None:
            saved = FaissIndex.load(self.path, generation, self.settings)
            if saved is None:
                ids, vecs = store.all_vectors()
                saved = self._build(ids, vecs, dimension, generation)
            return StoreBoundFaiss(saved, store, generation)
        loaded = FaissIndex.load_any(self.path, self.settings)
        if loaded is not None and loaded[0].dimension == dimension:
            bound = self._catch_up(loaded[0], loaded[1], store, feed)
            if bound is not None:
                self._file_generation = loaded[1]
                return bound
        snap = feed.vector_snapshot()
        index = self._build(snap.access.ids, snap.vectors, dimension, snap.generation)
        self._file_generation = snap.generation
        access = AccessColumns()
        access.set(snap.access)
        return StoreBoundFaiss(index, store, snap.generation, access)

    def _catch_up(
        self, index: FaissIndex, saved_at: int, store: DocumentStore, feed: VectorFeed
    ) -> StoreBoundFaiss | None:
        """A loaded file brought to the store's generation through the log; None when it cannot be."""
        generation, labels = feed.access_snapshot()
        changes = feed.vector_changes(saved_at) if saved_at != generation else None
        if saved_at > generation or (saved_at != generation and changes is None):
            logger.info("saved vector index (generation %d) too far from the store (%d)", saved_at, generation)
            return None
        index.retain(labels.ids)  # chunks deleted since the file was written
        access = AccessColumns()
        access.set(labels)
        bound = StoreBoundFaiss(index, store, generation, access)
        if changes is not None:
            bound.apply(changes)
        live = index.live_ids()
        if changes is None and not np.array_equal(live, np.sort(labels.ids)):
            logger.warning("saved vector index disagrees with the store; rebuilding")
            return None
        logger.info("vector index loaded at generation %d (%d vectors)", bound.generation, index.size)
        return bound

    def _build(self, ids: np.ndarray, vecs: np.ndarray, dimension: int, generation: int) -> FaissIndex:
        logger.info("building vector index over %d chunks (generation %d)", len(ids), generation)
        index = FaissIndex.build(ids, vecs, dimension, self.settings)
        try:
            save_index(index, self.path, generation)
        except OSError as exc:  # a read-only reader still serves from memory
            logger.warning("could not save vector index: %s", exc)
        return index

    def save_vectors(self, store: DocumentStore) -> None:
        """After a write run: compact the graph if deletions or growth call for it, save the file, and prune
        the change log behind it."""
        with self._lock:
            bound = self._bound
            if bound is None:
                return
            if bound.index.needs_compaction():
                bound.index = bound.index.compacted()
            try:
                save_index(bound.index, self.path, bound.generation)
            except OSError as exc:
                logger.warning("could not save vector index: %s", exc)
                return
            self._file_generation = bound.generation
        if isinstance(store, VectorFeed):
            store.prune_vector_log(bound.generation - LOG_KEEP)


__all__ = ["FaissFiles", "StoreBoundFaiss", "save_index"]
