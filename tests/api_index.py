"""Builds the API tests' index: the sample corpus (copied from the session index) plus real vbpl and ALQAC records."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from indexer.build.pipeline import IndexPipeline
from indexer.build.sources import record_doc_id
from indexer.config import Settings
from indexer.interfaces import Embedder
from indexer.storage.index import Index

# Short real documents from the national legal database: two decrees, a resolution, a circular, a law.
VBPL_IDS = ("doc_000001", "doc_000019", "doc_000022", "doc_000026", "doc_000007")
VBPL_FILE = "vbpl sample.jsonl"  # a space in the stem: doc ids become "vbpl sample:<id>"
ALQAC_ID = "Luật Phòng, chống ma túy@1"  # ':' '@' ',' and spaces in the doc id
ALQAC_FILE = "alqac sample.jsonl"
UNSAFE_NOTE = (
    "# Ghi chú kiểm thử hiển thị\n\n"
    'Đoạn quangtrachtuan chứa <script>alert("xss")</script> và thẻ <b>đậm</b> & ký hiệu để kiểm tra đoạn '
    "trích an toàn.\n"
)


def vbpl_doc_id(record_id: str) -> str:
    return record_doc_id(Path(VBPL_FILE), record_id)


def alqac_doc_id() -> str:
    return record_doc_id(Path(ALQAC_FILE), ALQAC_ID)


def write_sources(folder: Path, vbpl: Path, alqac: Path) -> None:
    """Copy the chosen real records into JSONL files of their own (never into the repository)."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {}
    with vbpl.open(encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if record["id"] in VBPL_IDS:
                wanted[record["id"]] = line
    assert len(wanted) == len(VBPL_IDS)
    (folder / VBPL_FILE).write_text("".join(wanted[i] for i in VBPL_IDS), encoding="utf-8")
    with alqac.open(encoding="utf-8") as fh:
        line = next(line for line in fh if json.loads(line)["_id"] == ALQAC_ID)
    (folder / ALQAC_FILE).write_text(line, encoding="utf-8")
    (folder / "ghi chu.md").write_text(UNSAFE_NOTE, encoding="utf-8")


def build(corpus_settings: Settings, target: Path, sources: Path, embedder: Embedder) -> Settings:
    """Copy the session's corpus index to ``target`` and add ``sources`` to it (corpus vectors reused)."""
    shutil.copytree(corpus_settings.index_dir, target)
    s = corpus_settings.model_copy(update={"index_dir": target})
    idx = Index.open_or_create(s, embedder.name, embedder.dimension)
    report = IndexPipeline(s, embedder, idx).run([sources])
    idx.close()
    assert report.ok and report.added == len(VBPL_IDS) + 2, report.to_dict()
    return s
