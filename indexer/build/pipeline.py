"""Build or update an index incrementally: parse → identify → chunk → embed (only what changed) → store.

Documents are committed in batches (``Settings.indexing.flush_chunks`` passages), each batch in one SQLite
transaction, so a crash or kill loses at most the batch in flight and the next run picks up from there;
unchanged files are not even parsed again. The report counts what was committed, once per document.
Sources are walked by ``build.sources`` (links never followed out of the folder).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexer.build.sources import (
    display_path,
    file_doc_id,
    record_doc_id,
    sidecar_for,
    symlink_problem,
    walk_sources,
)
from indexer.build.understand import understand
from indexer.chunking.structure import StructureChunker
from indexer.config import DEFAULT_FLUSH_CHUNKS, Settings
from indexer.errors import IndexerError
from indexer.interfaces import Embedder, RecordParser
from indexer.models import Chunk, Document, ParsedDocument, RecordProblem
from indexer.parsing import build_registry, parse_file
from indexer.storage.index import Index
from indexer.storage.manifest import CHUNKER_VERSION, chunker_signature

logger = logging.getLogger(__name__)

PIPELINE_VERSION = f"p3/{CHUNKER_VERSION}"  # p2: effective dates and relations; p3: field reviews, OCR notes
FLUSH_CHUNKS = DEFAULT_FLUSH_CHUNKS  # the default of Settings.indexing.flush_chunks, which the pipeline uses


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


def _hash(salt: str, *parts: bytes) -> str:
    h = hashlib.sha256(salt.encode())
    for p in parts:
        h.update(p)
    return h.hexdigest()


ProgressFn = Callable[[str, int], None]


class IndexPipeline:
    """Indexes sources into one index directory with one embedder."""

    def __init__(self, settings: Settings, embedder: Embedder, index: Index) -> None:
        self.settings = settings
        self.embedder = embedder
        self.index = index
        backend = getattr(embedder, "backend", None)  # the real embedders name theirs; fakes have none
        if backend:
            self.index.record_backend(backend)
        self.store = index.store
        self.registry = build_registry(settings.ocr)
        self.chunker = StructureChunker(settings.chunking)
        # A document is unchanged only if its bytes and the way it is cut are: a new chunker re-chunks it.
        self.salt = f"{PIPELINE_VERSION}/{chunker_signature(settings.chunking)}"
        self.flush_chunks = settings.indexing.flush_chunks
        self._pending: list[tuple[Document, str, list[Chunk], bool]] = []
        self._pending_chunks = 0
        self._claimed: dict[str, str] = {}  # doc_id -> source that produced it in this run
        self._committed: set[str] = set()  # doc_ids written in this run, each counted once

    # ---- public -----------------------------------------------------------------------------------------
    def run(
        self, paths: Iterable[Path], *, default_unit: str | None = None, progress: ProgressFn | None = None
    ) -> IndexReport:
        """Index every path (file or folder); files gone from a folder are removed from the index."""
        t0 = time.perf_counter()
        report = IndexReport()
        self._claimed, self._committed = {}, set()
        unit = default_unit if default_unit is not None else (self.settings.default_unit or None)
        for root in paths:
            try:
                root = root.resolve(strict=True)
            except FileNotFoundError:
                report.failed.append((display_path(root), "path does not exist"))
                continue
            except (OSError, RuntimeError) as exc:  # a symlink loop named on the command line
                report.failed.append((display_path(root), f"cannot resolve path ({exc})"))
                continue
            self._index_root(root, unit, report, progress)
        self._flush(report)
        self.index.commit_vectors()
        report.seconds = time.perf_counter() - t0
        return report

    # ---- per source -------------------------------------------------------------------------------------
    def _index_root(self, root: Path, unit: str | None, report: IndexReport, progress: ProgressFn | None) -> None:
        root_key = str(root)
        folder = root if root.is_dir() else root.parent
        before = self.store.documents_under(root_key)
        seen: set[str] = set()
        keep_failed: set[str] = set()

        def refuse(path: Path, reason: str) -> None:
            source = display_path(path)
            logger.warning("skipped %s: %s", source, reason)
            report.failed.append((source, reason))
            # A file that breaks keeps its previous version; a JSONL file's records are "path#key".
            keep_failed.update(d for d, s in before.items() if s.source == source or s.source.startswith(source + "#"))

        for path in walk_sources(root, self.registry, on_problem=refuse):
            if progress:
                progress(str(path), 1)
            try:
                if isinstance(self.registry.get(path.suffix.lower()), RecordParser):
                    ids = self._index_jsonl(path, root_key, unit, report)
                else:
                    ids = self._index_file(path, folder, root_key, unit, report)
                seen.update(ids)
            except IndexerError as exc:
                refuse(path, str(exc))
            except OSError as exc:  # unreadable (permissions), or changed under us since the walk
                refuse(path, f"cannot read: {exc.strerror or exc}")
        # Everything flushed before deletions so a batch can never resurrect a removed document.
        self._flush(report)
        gone = [d for d in before if d not in seen and d not in keep_failed and d not in self._claimed]
        if gone:
            self.store.delete_documents(gone)
            report.removed += len(gone)

    def _index_file(self, path: Path, folder: Path, root: str, unit: str | None, report: IndexReport) -> list[str]:
        doc_id = file_doc_id(path)
        if doc_id in self._claimed:  # the same real file again (overlapping roots): done once already
            return [doc_id]
        self._claimed[doc_id] = str(path)
        # Checked again right before reading: the walk's check is a moment old.
        if path.is_symlink() and (reason := symlink_problem(path, folder)):
            raise IndexerError(reason)
        sidecar = sidecar_for(path, folder)
        side_bytes = sidecar.read_bytes() if sidecar else b""
        content_hash = _hash(self.salt, path.read_bytes(), side_bytes, (unit or "").encode())
        old = self.store.hash_of(doc_id)
        if old == content_hash:
            report.unchanged += 1
            return [doc_id]
        parsed = parse_file(path, self.registry)[0]
        overrides = self._read_sidecar(sidecar) if sidecar else {}
        self._add(parsed, doc_id, str(path), content_hash, root, unit, overrides, report, old is None)
        return [doc_id]

    def _index_jsonl(self, path: Path, root: str, unit: str | None, report: IndexReport) -> list[str]:
        """Index a JSONL file record by record; returns the doc_ids whose stored version must stay."""
        ids: list[str] = []
        problems: list[RecordProblem] = []
        records = parse_file(path, self.registry, record_problems=problems)
        # A bad line is a failure of its own (exit code 1), reported with its line number; good lines still count.
        for problem in problems:
            report.failed.append((str(path), str(problem)))
            if problem.key is not None:  # its id could be read: its previous version, if any, is kept
                ids.append(record_doc_id(path, problem.key))
        for parsed in records:
            key = parsed.key or ""
            doc_id, source = record_doc_id(path, key), f"{path}#{key}"
            ids.append(doc_id)
            try:
                self._index_record(parsed, doc_id, source, root, unit, report)
            except IndexerError as exc:
                logger.warning("skipped %s: %s", source, exc)
                report.failed.append((source, str(exc)))
        return ids

    def _index_record(
        self, parsed: ParsedDocument, doc_id: str, source: str, root: str, unit: str | None, report: IndexReport
    ) -> None:
        if (other := self._claimed.get(doc_id)) is not None:
            if other == source:  # the same file again (overlapping roots)
                return
            raise IndexerError(f"document id {doc_id!r} already taken in this run by {other}; rename the file or id")
        self._claimed[doc_id] = source
        record = json.dumps({"t": parsed.text, "m": parsed.metadata}, sort_keys=True, ensure_ascii=False)
        content_hash = _hash(self.salt, record.encode(), (unit or "").encode())
        old = self.store.hash_of(doc_id)
        if old == content_hash:
            report.unchanged += 1
            return
        self._add(parsed, doc_id, source, content_hash, root, unit, {}, report, old is None)

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
        doc = understand(parsed, doc_id, source, content_hash, overrides, unit)
        if parsed.metadata.get("pages_needing_ocr"):
            report.warnings.append((source, f"pages {parsed.metadata['pages_needing_ocr']} need OCR"))
        chunks = self.chunker.chunk(doc)
        if not chunks:
            raise IndexerError(f"{source}: no text to index")
        self._pending.append((doc, root, chunks, is_new))
        self._pending_chunks += len(chunks)
        if self._pending_chunks >= self.flush_chunks:
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
        for doc, _, chunks, _ in self._pending:
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
        for (doc, root, chunks, _), hs in zip(self._pending, hashes, strict=True):
            matrix = np.vstack([known[h] for h in hs]).astype(np.float32)
            items.append((doc, root, chunks, hs, matrix))
        self.store.write_documents(items)
        # Counted once committed, once per document: the report says what the index now holds.
        for doc, _, _, is_new in self._pending:
            if doc.doc_id not in self._committed:
                self._committed.add(doc.doc_id)
                if is_new:
                    report.added += 1
                else:
                    report.updated += 1
        self._pending, self._pending_chunks = [], 0


def embed_title(doc: Document) -> str:
    """The context the embedder sees with every passage: the document's number and title."""
    ident = doc.identity
    parts = [p for p in (ident.number, ident.title) if p]
    return " – ".join(parts) if parts else "none"
