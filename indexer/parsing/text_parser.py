"""Plain text and Markdown: decoded as UTF-8 (BOM tolerated), NFC-normalised."""

from __future__ import annotations

from pathlib import Path

from indexer.errors import CorruptDocument
from indexer.models import ParsedDocument
from indexer.understanding.text import nfc


def decode_utf8(data: bytes, name: str) -> str:
    """UTF-8 text or a CorruptDocument naming the problem (binary files labelled as text land here)."""
    if b"\x00" in data[:4096]:
        raise CorruptDocument(f"{name}: binary content in a text file")
    try:
        return nfc(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise CorruptDocument(f"{name}: not valid UTF-8 text ({exc.reason} at byte {exc.start})") from exc


class TextParser:
    """.txt and .md files; Markdown syntax is kept (headings help structure detection)."""

    def parse(self, path: Path) -> list[ParsedDocument]:
        return [ParsedDocument(text=decode_utf8(path.read_bytes(), path.name))]
