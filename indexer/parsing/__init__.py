"""Parsers registered by file suffix; ``parse_file`` picks one and turns any failure into CorruptDocument."""

from __future__ import annotations

from pathlib import Path

from indexer.config import OcrSettings
from indexer.errors import CorruptDocument, IndexerError, UnsupportedFormat
from indexer.interfaces import Parser, RecordParser
from indexer.models import ParsedDocument, RecordProblem
from indexer.parsing.docx_parser import DocxParser
from indexer.parsing.html_parser import HtmlParser
from indexer.parsing.jsonl_parser import JsonlParser
from indexer.parsing.pdf_parser import PdfParser
from indexer.parsing.text_parser import TextParser

SIDECAR_SUFFIX = ".meta.json"


def build_registry(ocr: OcrSettings | None = None) -> dict[str, Parser]:
    """Suffix → parser. Adding a format is one entry here."""
    text = TextParser()
    html = HtmlParser()
    return {
        ".txt": text,
        ".md": text,
        ".markdown": text,
        ".html": html,
        ".htm": html,
        ".docx": DocxParser(),
        ".pdf": PdfParser(ocr or OcrSettings()),
        ".jsonl": JsonlParser(),
    }


def is_supported(path: Path, registry: dict[str, Parser]) -> bool:
    """True for files we index (sidecars and hidden files excluded)."""
    name = path.name
    return (
        path.suffix.lower() in registry
        and not name.endswith(SIDECAR_SUFFIX)
        and not name.startswith(".")
        and name.lower() not in {"readme.md", "source.md"}
    )


def parse_file(
    path: Path,
    registry: dict[str, Parser],
    problems: list[str] | None = None,
    *,
    record_problems: list[RecordProblem] | None = None,
) -> list[ParsedDocument]:
    """Parse one file; any parser failure comes back as CorruptDocument with a reason a person can act on.

    Records skipped inside a multi-record file (bad JSONL lines) are appended to ``problems`` as "line N: …"
    when given, and to ``record_problems`` with the record's id where it could be read (so a caller can keep
    that record's previous version).
    """
    parser = registry.get(path.suffix.lower())
    if parser is None:
        raise UnsupportedFormat(f"{path.name}: unsupported file type {path.suffix or '(none)'}")
    if path.stat().st_size == 0:
        raise CorruptDocument(f"{path.name}: empty file")
    try:
        if (problems is not None or record_problems is not None) and isinstance(parser, RecordParser):
            docs, skipped = parser.parse_records(path)
            if problems is not None:
                problems.extend(str(p) for p in skipped)
            if record_problems is not None:
                record_problems.extend(skipped)
        else:
            docs = parser.parse(path)
    except IndexerError:
        raise
    except Exception as exc:  # third-party parsers raise anything; we report and skip
        raise CorruptDocument(f"{path.name}: cannot be read as {path.suffix} ({type(exc).__name__}: {exc})") from exc
    docs = [d for d in docs if d.text.strip()]
    if not docs:
        raise CorruptDocument(f"{path.name}: no text found")
    return docs
