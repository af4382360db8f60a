"""JSONL sources: one document per record with ``id`` (or ``_id``), ``text`` and metadata fields.

Every line is judged on its own: a bad line (invalid JSON or UTF-8, not an object, no text, a repeated id)
is reported with its line number and skipped, and the good lines are still indexed. A repeated id keeps its
first line, so which record wins never depends on anything but the file itself.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from indexer.errors import CorruptDocument
from indexer.models import ParsedDocument, RecordProblem
from indexer.understanding.text import nfc

logger = logging.getLogger(__name__)


def _key(record: dict[str, Any], lineno: int) -> str:
    """The record's own id, or ``line-N`` when it has none; ids must be strings or numbers."""
    for field in ("id", "_id"):
        value = record.get(field)
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError(f"{field} must be a string or a number, not {type(value).__name__}")
        return str(value)
    return f"line-{lineno}"


def _record(raw: bytes, lineno: int) -> tuple[str, dict[str, Any]]:
    """(key, record) of one line, or ValueError saying what is wrong with it."""
    try:
        line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8").rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from exc
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg.removesuffix(' at')} (column {exc.colno})") from exc
    except RecursionError as exc:  # "[[[[…" thousands deep: refuse the line, not the file
        raise ValueError("invalid JSON: nested too deeply") from exc
    if not isinstance(record, dict):
        raise ValueError(f"not a JSON object (a {type(record).__name__})")
    return _key(record, lineno), record


class JsonlParser:
    """Each line a JSON object; bad lines are reported and skipped, a file with no good line is corrupt."""

    def parse(self, path: Path) -> list[ParsedDocument]:
        return self.parse_records(path)[0]

    def parse_with_errors(self, path: Path) -> tuple[list[ParsedDocument], list[str]]:
        """The good records and, for each bad line, "line N: reason" (so the caller can report it)."""
        docs, problems = self.parse_records(path)
        return docs, [str(p) for p in problems]

    def parse_records(self, path: Path) -> tuple[list[ParsedDocument], list[RecordProblem]]:
        """The good records in file order and one RecordProblem per skipped line."""
        docs: list[ParsedDocument] = []
        problems: list[RecordProblem] = []
        first_line: dict[str, int] = {}
        with path.open("rb") as fh:
            for lineno, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                key: str | None = None
                try:
                    key, record = _record(raw, lineno)
                    if key in first_line:
                        first = first_line[key]
                        raise ValueError(f"duplicate id {key!r} (first at line {first}); kept line {first}")
                    text = record.get("text")
                    if not isinstance(text, str) or not text.strip():
                        raise ValueError("no text (a non-empty string field 'text' is required)")
                except ValueError as exc:
                    problems.append(RecordProblem(lineno, str(exc), key))
                    logger.warning("%s line %d skipped: %s", path.name, lineno, exc)
                    continue
                first_line[key] = lineno
                meta = {k: v for k, v in record.items() if k not in {"text", "id", "_id"}}
                docs.append(ParsedDocument(text=nfc(text), metadata=meta, key=key))
        if not docs:
            detail = f"; {problems[0]}" if problems else ""
            raise CorruptDocument(f"{path.name}: no valid JSONL record ({len(problems)} bad lines{detail})")
        return docs, problems
