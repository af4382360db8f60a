"""What the indexer understands of a document, without embedding: identity, pages, OCR and chunks.

Backs ``thammuu inspect``; uses the pipeline's own ids, parsers, sidecars, identify and chunker so that what
it shows is exactly what indexing would store.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from indexer.build.sources import file_doc_id, record_doc_id, sidecar_for, walk_sources
from indexer.build.understand import understand
from indexer.chunking.structure import StructureChunker
from indexer.config import Settings
from indexer.errors import IndexerError
from indexer.interfaces import RecordParser
from indexer.models import Document
from indexer.parsing import build_registry, parse_file
from indexer.understanding.review import reviews_from_metadata

logger = logging.getLogger(__name__)


def _describe(doc: Document, chunker: StructureChunker, with_chunks: bool) -> dict[str, Any]:
    ident = doc.identity
    chunks = chunker.chunk(doc)
    reviews = reviews_from_metadata(doc.metadata)
    out: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "source": doc.source,
        "number": ident.number,
        "doc_type": ident.doc_type,
        "issuer": ident.issuer,
        "issuer_raw": ident.issuer_raw,
        "issued_date": ident.issued_date,
        "title": ident.title,
        "term": ident.term,
        "classification": ident.classification.label,
        "classification_source": ident.classification_source,
        "language": ident.language,
        "pages": len(doc.pages),
        "ocr_pages": doc.ocr_pages,
        "effective_date": ident.effective_date,
        "expiry_date": ident.expiry_date,
        "date_notes": doc.date_notes,
        "relations": [
            {"kind": str(r.kind), "target": r.target_number, "target_type": r.target_type, "scope": r.scope,
             "start": r.start, "end": r.end, "sentence": r.sentence}
            for r in doc.relations
        ],
        "chunks": len(chunks),
        "review": {name: r.to_dict() for name, r in reviews.items()},
        "needs_review": [name for name, r in reviews.items() if r.needs_review],
    }  # fmt: skip
    if doc.metadata.get("pages_needing_ocr"):
        out["pages_needing_ocr"] = doc.metadata["pages_needing_ocr"]
    if with_chunks:
        out["chunk_list"] = [{"section": c.section, "role": c.role, "pages": c.pages, "text": c.text} for c in chunks]
    return out


def inspect_paths(paths: list[Path], settings: Settings, with_chunks: bool = False) -> Iterator[dict[str, Any]]:
    """One description per document under the paths (a JSONL record is a document); failures as {"error"}."""
    registry = build_registry(settings.ocr)
    chunker = StructureChunker(settings.chunking)
    for root in paths:
        if not root.exists():
            yield {"source": str(root), "error": "path does not exist"}
            continue
        refused: list[dict[str, Any]] = []

        def refuse(path: Path, why: str, found: list[dict[str, Any]] = refused) -> None:
            found.append({"source": str(path), "error": why})

        base = root.resolve()
        for path in walk_sources(base, registry, on_problem=refuse):
            yield from refused  # links leaving the folder, dangling or looping: reported like any failure
            refused.clear()
            try:
                parsed_docs = parse_file(path, registry)
                if isinstance(registry.get(path.suffix.lower()), RecordParser):
                    for parsed in parsed_docs:
                        key = parsed.key or ""
                        doc = understand(parsed, record_doc_id(path, key), f"{path}#{key}", "", {})
                        yield _describe(doc, chunker, with_chunks)
                    continue
                sidecar = sidecar_for(path, base if base.is_dir() else base.parent)
                overrides = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar else {}
                doc = understand(parsed_docs[0], file_doc_id(path), str(path), "", overrides)
                yield _describe(doc, chunker, with_chunks)
            except (IndexerError, ValueError) as exc:
                logger.warning("cannot inspect %s: %s", path, exc)
                yield {"source": str(path), "error": str(exc)}
        yield from refused
