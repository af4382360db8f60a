"""Per-chunk access labels in memory and the allow-bitmaps they give, cached per access key.

A restricted vector search used to fetch the id of every chunk its filter allows from SQLite and hand faiss a
hash set of them, per query: a million-row scan and a million-id selector at a million chunks. Here each
chunk's classification level and unit sit in two numpy columns indexed by chunk id (a chunk's labels never
change: re-indexing gives new ids), and the bitmap of an access key — (clearance, units, unitless_visible) —
is computed once from them with vectorised comparisons, then reused by every query with that key until the
next commit touches the labels. A faiss ``IDSelectorBitmap`` over it costs one bit test per candidate, whatever
the number of chunks allowed.

Bitmaps are packed little-endian (bit ``i % 8`` of byte ``i // 8`` is chunk id ``i``), faiss's layout.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from indexer.storage.filters import SearchFilter
from indexer.storage.vector_feed import ChunkAccess

AccessKey = tuple[int, tuple[str, ...] | None, bool]
ABSENT = -1
UNITLESS = -1


def access_key(flt: SearchFilter) -> AccessKey:
    """The access part of a filter, as a hashable key (units sorted: their order means nothing)."""
    units = None if flt.units is None else tuple(sorted(set(flt.units)))
    return int(flt.max_classification), units, bool(flt.unitless_visible)


def pack(mask: np.ndarray) -> np.ndarray:
    """A boolean mask over chunk ids as a packed faiss bitmap."""
    return np.packbits(mask, bitorder="little")


def popcount(bitmap: np.ndarray) -> int:
    """How many bits a packed bitmap sets."""
    return int(np.bitwise_count(bitmap).sum(dtype=np.int64))


def bitmap_of_ids(ids: np.ndarray, n_bits: int) -> np.ndarray:
    """The packed bitmap (over ``n_bits`` ids) that sets exactly ``ids`` (ids ≥ n_bits are ignored)."""
    mask = np.zeros(n_bits, dtype=bool)
    ids = ids[(ids >= 0) & (ids < n_bits)]
    mask[ids] = True
    return pack(mask)


def ids_of(bitmap: np.ndarray) -> np.ndarray:
    """The chunk ids (int64, ascending) a packed bitmap sets."""
    return np.flatnonzero(np.unpackbits(bitmap, bitorder="little")).astype(np.int64)


class AccessColumns:
    """Classification level and unit of every live chunk, by chunk id, with cached allow-bitmaps.

    ``levels[i]`` is -1 when chunk ``i`` is not (or no longer) stored, so an allow-bitmap never lets a removed
    chunk through. Thread-safe: labels change under a lock and every change clears the bitmap cache.
    """

    def __init__(self, cache_size: int = 64) -> None:
        self._levels = np.full(0, ABSENT, dtype=np.int8)
        self._units = np.full(0, UNITLESS, dtype=np.int32)
        self._codes: dict[str, int] = {}
        self._cache: OrderedDict[AccessKey, tuple[np.ndarray, int]] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()
        self.version = 0
        """Bumped by every change: a cache of bitmaps derived from these columns is valid for one version."""

    @property
    def n_bits(self) -> int:
        """The size of the id space the bitmaps cover (highest chunk id seen + 1, rounded up)."""
        return len(self._levels)

    def live_count(self) -> int:
        """How many chunks carry labels."""
        return int(np.count_nonzero(self._levels >= 0))

    def _grow(self, max_id: int) -> None:
        if max_id < len(self._levels):
            return
        size = max(1024, 1 << int(max_id + 1).bit_length())  # doubling: adds stay amortised O(1)
        levels = np.full(size, ABSENT, dtype=np.int8)
        units = np.full(size, UNITLESS, dtype=np.int32)
        levels[: len(self._levels)] = self._levels
        units[: len(self._units)] = self._units
        self._levels, self._units = levels, units

    def _code(self, unit: str | None) -> int:
        if not unit:
            return UNITLESS
        return self._codes.setdefault(unit, len(self._codes))

    def set(self, access: ChunkAccess) -> None:
        """Label these chunks (added or loaded)."""
        if len(access.ids) == 0:
            return
        with self._lock:
            self._grow(int(access.ids.max()))
            self._levels[access.ids] = access.levels
            self._units[access.ids] = np.fromiter(
                (self._code(u) for u in access.units), dtype=np.int32, count=len(access.units)
            )
            self._changed()

    def clear(self, ids: np.ndarray | Sequence[int]) -> None:
        """Forget these chunks (removed): no bitmap lets them through any more."""
        arr = np.asarray(ids, dtype=np.int64)
        arr = arr[(arr >= 0) & (arr < len(self._levels))]
        if len(arr) == 0:
            return
        with self._lock:
            self._levels[arr] = ABSENT
            self._units[arr] = UNITLESS
            self._changed()

    def keep_only(self, ids: np.ndarray) -> np.ndarray:
        """Forget every chunk not in ``ids``; returns the ids forgotten."""
        with self._lock:
            mask = self._levels >= 0
            keep = np.zeros(len(mask), dtype=bool)
            inside = ids[(ids >= 0) & (ids < len(mask))]
            keep[inside] = True
            gone = np.flatnonzero(mask & ~keep).astype(np.int64)
            if len(gone):
                self._levels[gone] = ABSENT
                self._units[gone] = UNITLESS
                self._changed()
            return gone

    def _changed(self) -> None:
        self._cache.clear()
        self.version += 1

    def mask(self, key: AccessKey) -> np.ndarray:
        """Boolean mask over chunk ids of the live chunks an access key allows (the semantics of
        ``filters.access_sql``)."""
        level, units, unitless_visible = key
        levels = self._levels
        mask = (levels >= 0) & (levels <= level)
        if units is not None:
            codes = [self._codes[u] for u in units if u in self._codes]
            in_units = np.isin(self._units, np.array(codes, dtype=np.int32)) if codes else np.zeros_like(mask)
            if unitless_visible:
                in_units |= self._units == UNITLESS
            mask &= in_units
        return mask

    def bitmap(self, key: AccessKey) -> tuple[np.ndarray, int]:
        """(packed allow-bitmap, number of chunks it allows) for an access key, cached until labels change."""
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
            mask = self.mask(key)
            entry = (pack(mask), int(np.count_nonzero(mask)))
            self._cache[key] = entry
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return entry

    def live_bitmap(self) -> tuple[np.ndarray, int]:
        """(packed bitmap, count) of every live chunk: what an unrestricted search may return."""
        return self.bitmap((127, None, True))
