"""DOCX via python-docx: paragraphs and tables in document order, tables kept as tab-separated rows.

Besides the body, the parser reads where a drafted DOCX carries its security marking, into metadata (never into
the text, so chunks and offsets stay the body's): the page headers and footers of every section (watermarks
included) as ``docx_header_text``, text boxes of the body as ``docx_textbox_text``, and the core properties
``category``, ``content_status`` and ``keywords``. Identity reads markings there (raise-only).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.opc.constants import CONTENT_TYPE as CT
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph

from indexer.models import ParsedDocument
from indexer.understanding.text import nfc

_HEADER_FOOTER_TYPES = {CT.WML_HEADER, CT.WML_FOOTER}
_VML_TEXTPATH = "{urn:schemas-microsoft-com:vml}textpath"  # Word's WordArt watermark: <v:textpath string="MẬT">


def _blocks(document: DocxDocument) -> list[str]:
    out: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            out.append(block.text)
        elif isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = cell.text.strip()
                    if not cells or cells[-1] != value:  # merged cells repeat their text
                        cells.append(value)
                out.append("\t".join(cells))
            out.append("")
    return out


def _paragraph_texts(element: Any) -> Iterable[str]:
    """Text of every w:p under an XML element (tables and text boxes included) and of WordArt watermarks."""
    for p in element.iter(qn("w:p")):
        yield "".join(t.text or "" for t in p.iter(qn("w:t")))
    for path in element.iter(_VML_TEXTPATH):
        yield path.get("string") or ""


def _unique_lines(texts: Iterable[str]) -> str:
    """Non-empty lines, stripped, each once in first-seen order (every section repeats its header)."""
    return "\n".join(dict.fromkeys(t.strip() for t in texts if t.strip()))


def _header_footer_text(document: DocxDocument) -> str:
    """Text of every header and footer part (default, first-page, even-page, of every section)."""
    parts = [p for p in document.part.package.iter_parts() if p.content_type in _HEADER_FOOTER_TYPES]
    parts.sort(key=lambda p: (p.content_type != CT.WML_HEADER, str(p.partname)))  # headers first
    return _unique_lines(text for part in parts for text in _paragraph_texts(part.element))


def _textbox_text(document: DocxDocument) -> str:
    """Text of the body's text boxes, which python-docx's paragraphs do not reach (a stamp drawn as a box)."""
    boxes = document.element.body.iter(qn("w:txbxContent"))
    return _unique_lines(text for box in boxes for text in _paragraph_texts(box))


class DocxParser:
    """.docx files; core properties and the text of page headers, footers and text boxes become metadata."""

    def parse(self, path: Path) -> list[ParsedDocument]:
        document = docx.Document(str(path))
        text = "\n".join(_blocks(document)).strip()
        props = document.core_properties
        fields = {
            "docx_title": props.title,
            "docx_subject": props.subject,
            "docx_category": props.category,
            "docx_content_status": props.content_status,
            "docx_keywords": props.keywords,
            "docx_header_text": _header_footer_text(document),
            "docx_textbox_text": _textbox_text(document),
        }
        meta = {k: nfc(v) for k, v in fields.items() if v}
        return [ParsedDocument(text=nfc(text), metadata=meta)]
