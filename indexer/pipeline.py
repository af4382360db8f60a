"""Build or update an index incrementally: parse → identify → chunk → embed (only what changed) → store.

Documents are committed in batches, each batch in one SQLite transaction, so a crash or kill loses at most
the batch in flight and the next run picks up from there; unchanged files are not even parsed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexer.chunking import StructureChunker
from indexer.config import Settings
from indexer.errors import IndexerError
from indexer.identity import identify
from indexer.index import Index
from indexer.interfaces import Embedder, Parser
from indexer.manifest import CHUNKER_VERSION
from indexer.models import Chunk, Document, ParsedDocument
from indexer.parsing import SIDECAR_SUFFIX, build_registry, is_supported, parse_file
from indexer.parsing.jsonl_parser import JsonlParser

logger = logging.getLogger(__name__)

PIPELINE_VERSION = f"p1/{CHUNKER_VERSION}"
FLUSH_CHUNKS = 1024  # passages embedded and committed together: larger batches sort by length with less padding


@dataclass
class IndexReport:
    """What one run did, for the CLI summary and the API's job status."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    chunks_embedded: int = 0
    chunks_reused: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": [{"source": s, "reason": r} for s, r in self.failed],
            "warnings": [{"source": s, "reason": r} for s, r in self.warnings],
            "chunks_embedded": self.chunks_embedded,
            "chunks_reused": self.chunks_reused,
            "seconds": round(self.seconds, 2),
        }


def file_doc_id(path: Path) -> str:
    """Stable id of a file document: a hash of its absolute path."""
    return hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]


def record_doc_id(path: Path, key: str) -> str:
    """Stable id of a JSONL record: the file's stem and the record's own id."""
    return f"{path.stem}:{key}"


def sidecar_for(path: Path) -> Path | None:
    """The ``NAME.meta.json`` (or ``NAME.ext.meta.json``) file beside a document, if any."""
    for candidate in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(path.stem + SIDECAR_SUFFIX)):
        if candidate.is_file():
            return candidate
    return None


def _hash(*parts: bytes) -> str:
    h = hashlib.sha256(PIPELINE_VERSION.encode())
    for p in parts:
        h.update(p)
    return h.hexdigest()


def walk_sources(root: Path, registry: dict[str, Parser]) -> Iterator[Path]:
    """The indexable files of a source: the file itself, or a folder's supported files outside hidden folders."""
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        hidden = any(part.startswith(".") for part in path.relative_to(root).parts[:-1])
        if path.is_file() and not hidden and is_supported(path, registry):
            yield path


ProgressFn = Callable[[str, int], None]


class IndexPipeline:
    """Indexes sources into one index directory with one embedder."""

    def __init__(self, settings: Settings, embedder: Embedder, index: Index) -> None:
        self.settings = settings
        self.embedder = embedder
        self.index = index
        self.store = index.store
        self.registry = build_registry(settings.ocr)
        self.chunker = StructureChunker(settings.chunking)
        self._pending: list[tuple[Document, str, list[Chunk]]] = []
        self._pending_chunks = 0

    # ---- public -----------------------------------------------------------------------------------------
    def run(
        self, paths: Iterable[Path], *, default_unit: str | None = None, progress: ProgressFn | None = None
    ) -> IndexReport:
        """Index every path (file or folder); files gone from a folder are removed from the index."""
        t0 = time.perf_counter()
        report = IndexReport()
        unit = default_unit if default_unit is not None else (self.settings.default_unit or None)
        for root in paths:
            root = root.resolve()
            if not root.exists():
                report.failed.append((str(root), "path does not exist"))
                continue
            self._index_root(root, unit, report, progress)
        self._flush(report)
        self.index.commit_vectors()
        report.seconds = time.perf_counter() - t0
        return report

    # ---- per source -------------------------------------------------------------------------------------
    def _index_root(self, root: Path, unit: str | None, report: IndexReport, progress: ProgressFn | None) -> None:
        root_key = str(root)
        before = self.store.documents_under(root_key)
        seen: set[str] = set()
        keep_failed: set[str] = set()
        for path in walk_sources(root, self.registry):
            if progress:
                progress(str(path), 1)
            try:
                if isinstance(self.registry.get(path.suffix.lower()), JsonlParser):
                    ids = self._index_jsonl(path, root_key, unit, report)
                else:
                    ids = self._index_file(path, root_key, unit, report)
                seen.update(ids)
            except IndexerError as exc:
                logger.warning("skipped %s: %s", path, exc)
                report.failed.append((str(path), str(exc)))
                keep_failed.update(d for d, s in before.items() if s.source == str(path))
        # Everything flushed before deletions so a batch can never resurrect a removed document.
        self._flush(report)
        gone = [d for d in before if d not in seen and d not in keep_failed]
        if gone:
            self.store.delete_documents(gone)
            report.removed += len(gone)

    def _index_file(self, path: Path, root: str, unit: str | None, report: IndexReport) -> list[str]:
        doc_id = file_doc_id(path)
        sidecar = sidecar_for(path)
        side_bytes = sidecar.read_bytes() if sidecar else b""
        content_hash = _hash(path.read_bytes(), side_bytes, (unit or "").encode())
        old = self.store.hash_of(doc_id)
        if old == content_hash:
            report.unchanged += 1
            return [doc_id]
        parsed = parse_file(path, self.registry)[0]
        overrides = self._read_sidecar(sidecar) if sidecar else {}
        self._add(parsed, doc_id, str(path), content_hash, root, unit, overrides, report, old is None)
        return [doc_id]

    def _index_jsonl(self, path: Path, root: str, unit: str | None, report: IndexReport) -> list[str]:
        ids: list[str] = []
        problems: list[str] = []
        records = parse_file(path, self.registry, problems)
        # A bad line is a failure of its own (exit code 1), reported with its line number; good lines still count.
        report.failed.extend((str(path), problem) for problem in problems)
        for parsed in records:
            doc_id = record_doc_id(path, parsed.key or "")
            record = json.dumps({"t": parsed.text, "m": parsed.metadata}, sort_keys=True, ensure_ascii=False)
            content_hash = _hash(record.encode(), (unit or "").encode())
            ids.append(doc_id)
            old = self.store.hash_of(doc_id)
            if old == content_hash:
                report.unchanged += 1
                continue
            self._add(parsed, doc_id, f"{path}#{parsed.key}", content_hash, root, unit, {}, report, old is None)
        return ids

    @staticmethod
    def _read_sidecar(sidecar: Path) -> dict[str, Any]:
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexerError(f"{sidecar.name}: invalid sidecar JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise IndexerError(f"{sidecar.name}: sidecar must hold a JSON object")
        return data

    def _add(
        self,
        parsed: ParsedDocument,
        doc_id: str,
        source: str,
        content_hash: str,
        root: str,
        unit: str | None,
        overrides: dict[str, Any],
        report: IndexReport,
        is_new: bool,
    ) -> None:
        metadata = {**parsed.metadata, **overrides}
        identity = identify(parsed.text, metadata)
        if identity.unit is None and unit:
            identity.unit = unit
        doc = Document(doc_id, source, content_hash, parsed.text, identity, parsed.pages, parsed.metadata)
        if parsed.metadata.get("pages_needing_ocr"):
            report.warnings.append((source, f"pages {parsed.metadata['pages_needing_ocr']} need OCR"))
        chunks = self.chunker.chunk(doc)
        if not chunks:
            raise IndexerError(f"{source}: no text to index")
        if is_new:
            report.added += 1
        else:
            report.updated += 1
        self._pending.append((doc, root, chunks))
        self._pending_chunks += len(chunks)
        if self._pending_chunks >= FLUSH_CHUNKS:
            self._flush(report)

    # ---- embedding and commit ---------------------------------------------------------------------------
    def _embed_hash(self, chunk: Chunk, title: str) -> str:
        key = f"{self.embedder.name}\x00{title}\x00{chunk.embed_text}"
        return hashlib.sha256(key.encode()).hexdigest()

    def _flush(self, report: IndexReport) -> None:
        if not self._pending:
            return
        hashes: list[list[str]] = []
        todo: dict[str, tuple[str, str]] = {}
        for doc, _, chunks in self._pending:
            title = embed_title(doc)
            hs = [self._embed_hash(c, title) for c in chunks]
            hashes.append(hs)
            for c, h in zip(chunks, hs, strict=True):
                todo.setdefault(h, (c.embed_text, title))
        known = self.store.vectors_by_embed_hash(todo)
        missing = [h for h in todo if h not in known]
        if missing:
            vecs = self.embedder.embed_documents([todo[h][0] for h in missing], [todo[h][1] for h in missing])
            known.update(zip(missing, vecs, strict=True))
        report.chunks_embedded += len(missing)
        report.chunks_reused += sum(len(h) for h in hashes) - len(missing)
        items = []
        for (doc, root, chunks), hs in zip(self._pending, hashes, strict=True):
            matrix = np.vstack([known[h] for h in hs]).astype(np.float32)
            items.append((doc, root, chunks, hs, matrix))
        self.store.write_documents(items)
        self._pending, self._pending_chunks = [], 0


def embed_title(doc: Document) -> str:
    """The context the embedder sees with every passage: the document's number and title."""
    ident = doc.identity
    parts = [p for p in (ident.number, ident.title) if p]
    return " – ".join(parts) if parts else "none"
