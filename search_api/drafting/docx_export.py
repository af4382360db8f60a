"""A draft as DOCX in the official layout: Times New Roman, header table, numbered sections, 'Nơi nhận'.

A classified draft carries its marking ("TỐI MẬT") three ways, so that neither a reader nor a re-indexing
loses it: (1) a bold line at the top left of the first page, where the "độ mật" stamp goes under the number
column, written as the first paragraph of the body (before the header table) so that the identity extractor
reads it as the document's first line; (2) the header of every page, first page included; (3) the document
properties: category and content status are the label, keywords contain it. An unclassified draft has none.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from search_api.drafting.markdown_export import source_line
from search_api.drafting.models import Draft, TargetRow
from search_api.drafting.table_labels import labels_for

FONT = "Times New Roman"
SIZE = Pt(14)
SMALL = Pt(13)


def _font(run_or_style: object, size: Pt, *, bold: bool = False, italic: bool = False) -> None:
    font = run_or_style.font  # type: ignore[attr-defined]
    font.name = FONT
    font.size = size
    font.bold = bold
    font.italic = italic
    # East-Asian and complex-script slots too, so Word and LibreOffice keep Times New Roman for Vietnamese.
    element = run_or_style.element if hasattr(run_or_style, "element") else None  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr() if element is not None and hasattr(element, "get_or_add_rPr") else None
    if rpr is not None:
        fonts = rpr.get_or_add_rFonts()
        for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
            fonts.set(qn(attr), FONT)


def _line(
    target: _Cell | Document,
    text: str,
    *,
    size: Pt = SIZE,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH | None = None,
    first: bool = False,
) -> DocxParagraph:
    para = target.paragraphs[0] if first else target.add_paragraph()
    run = para.add_run(text)
    _font(run, size, bold=bold, italic=italic)
    if align is not None:
        para.alignment = align
    para.paragraph_format.space_after = Pt(0)
    return para


def _mark(doc: DocxDocument, marking: str) -> None:
    """The marking in every page header (first-page and even-page headers too) and in the core properties."""
    for section in doc.sections:
        section.different_first_page_header_footer = False  # page 1 uses the same header as the rest
        for header in (section.header, section.first_page_header, section.even_page_header):
            header.is_linked_to_previous = False
            para = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
            _font(para.add_run(marking), SMALL, bold=True)
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    props = doc.core_properties
    props.category = marking
    props.content_status = marking
    props.keywords = f"{marking}; độ mật: {marking}"


def _targets_table(doc: DocxDocument, rows: list[TargetRow], language: str) -> None:
    """A real Word table: one row per target (cited), its reported results (each cited) or the empty marker."""
    lab = labels_for(language)
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("TT", lab.target, lab.result), strict=True):
        _line(cell, text, size=SMALL, bold=True, first=True)
    for i, row in enumerate(rows, 1):
        num, target, result = table.add_row().cells
        _line(num, str(i), size=SMALL, first=True)
        _line(target, f"{row.text} {row.citation.label}", size=SMALL, first=True)
        if not row.results:
            _line(result, lab.missing, size=SMALL, italic=True, first=True)
        for j, r in enumerate(row.results):
            _line(result, f"{r.text} {r.citation.label}", size=SMALL, first=j == 0)
    doc.add_paragraph()


def to_docx(draft: Draft) -> bytes:
    """The draft as DOCX bytes (python-docx); opens in Word and LibreOffice."""
    doc = Document()
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(2.0)
    _font(doc.styles["Normal"], SIZE)
    b = draft.blocks
    center = WD_ALIGN_PARAGRAPH.CENTER
    if draft.marking:
        _mark(doc, draft.marking)
        # The first paragraph of the body: the parser reads the body before any header, in order.
        _line(doc, draft.marking, bold=True, align=WD_ALIGN_PARAGRAPH.LEFT).paragraph_format.space_after = Pt(6)

    table = doc.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    for i, text in enumerate(b.get("issuing_body", [])):
        _line(left, text, size=SMALL, bold=i > 0 or len(b["issuing_body"]) == 1, align=center, first=i == 0)
    _line(left, str(b.get("number", "")), size=SMALL, align=center)
    for i, text in enumerate(b.get("motto", [])):
        _line(right, text, size=SMALL if i == 0 else SIZE, bold=True, align=center, first=i == 0)
    _line(right, str(b.get("place_date", "")), size=SMALL, italic=True, align=center)

    doc.add_paragraph()
    _line(doc, str(b.get("doc_title", "")), bold=True, align=center)
    _line(doc, draft.title, bold=True, align=center)
    doc.add_paragraph()

    for sec in draft.sections:
        heading = _line(doc, sec.heading, bold=True)
        heading.paragraph_format.space_before = Pt(6)
        for p in sec.paragraphs:
            para = doc.add_paragraph()
            para.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            para.paragraph_format.first_line_indent = Cm(1.0)
            para.paragraph_format.space_after = Pt(6)
            if p.gap:
                _font(para.add_run(p.text), SIZE, italic=True)
                continue
            _font(para.add_run(p.text + " "), SIZE)
            cite = para.add_run(" ".join(c.label for c in p.citations))
            _font(cite, SMALL, italic=True)
            if not p.supported:
                flag = para.add_run(f" [chưa được kiểm chứng / unsupported: {p.note}]")
                _font(flag, SMALL, bold=True)
                flag.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
        if sec.targets:
            _targets_table(doc, sec.targets, draft.language)

    if draft.sources:
        _line(doc, str(b.get("sources_heading", "Tài liệu trích dẫn")), bold=True).paragraph_format.space_before = Pt(
            12
        )
        for i, s in enumerate(draft.sources, 1):
            _line(doc, source_line(i, s.number, s.title, s.issuer, s.issued_date), size=SMALL)

    doc.add_paragraph()
    foot = doc.add_table(rows=1, cols=2)
    recv, sign = foot.rows[0].cells
    _line(recv, str(b.get("recipients_heading", "Nơi nhận:")), size=Pt(12), bold=True, italic=True, first=True)
    for r in b.get("recipients", []):
        _line(recv, r, size=Pt(11))
    for i, s in enumerate(b.get("signature", [])):
        _line(sign, s, size=SIZE, bold=not s.startswith("("), italic=s.startswith("("), align=center, first=i == 0)

    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
