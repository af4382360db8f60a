"""DOCX via python-docx: paragraphs and tables in document order, tables kept as tab-separated rows."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

from indexer.models import ParsedDocument
from indexer.text import nfc


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


class DocxParser:
    """.docx files; core properties (title, subject) become metadata."""

    def parse(self, path: Path) -> list[ParsedDocument]:
        document = docx.Document(str(path))
        text = "\n".join(_blocks(document)).strip()
        props = document.core_properties
        meta = {k: v for k, v in {"docx_title": props.title, "docx_subject": props.subject}.items() if v}
        return [ParsedDocument(text=nfc(text), metadata=meta)]
