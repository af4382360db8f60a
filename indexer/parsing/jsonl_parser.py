"""JSONL sources: one document per record with ``id`` (or ``_id``), ``text`` and metadata fields."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from indexer.errors import CorruptDocument
from indexer.models import ParsedDocument
from indexer.text import nfc

logger = logging.getLogger(__name__)


class JsonlParser:
    """Each line a JSON object; bad lines are logged and skipped, a file with no good line is corrupt."""

    def parse(self, path: Path) -> list[ParsedDocument]:
        return self.parse_with_errors(path)[0]

    def parse_with_errors(self, path: Path) -> tuple[list[ParsedDocument], list[str]]:
        """The good records and, for each bad line, "line N: reason" (so the caller can report it)."""
        docs: list[ParsedDocument] = []
        errors: list[str] = []
        with path.open("r", encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                    key = str(record.get("id") or record.get("_id") or f"line-{lineno}")
                    text = record.get("text")
                    if not isinstance(text, str) or not text.strip():
                        raise ValueError("no text")
                except (json.JSONDecodeError, ValueError, AttributeError) as exc:
                    errors.append(f"line {lineno}: {exc}")
                    logger.warning("%s line %d skipped: %s", path.name, lineno, exc)
                    continue
                meta = {k: v for k, v in record.items() if k not in {"text", "id", "_id"}}
                docs.append(ParsedDocument(text=nfc(text), metadata=meta, key=key))
        if not docs:
            raise CorruptDocument(f"{path.name}: no valid JSONL record ({len(errors)} bad lines)")
        return docs, errors
