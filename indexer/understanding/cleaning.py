"""Page clean-up before chunking: gazette running headers/footers ("CÔNG BÁO/Số … + …/Ngày …") and page numbers.

Applied page by page, before the pages are joined, so page spans and chunk offsets always point into the
cleaned text. Only whole lines are removed, and only lines that are nothing but a running header, footer or
page number; body text is never rewritten.
"""

from __future__ import annotations

import re

# "CÔNG BÁO/Số 1523 + 1524/Ngày 29-12-2024" (a province's: "CÔNG BÁO TỈNH QUẢNG NINH/Số …"), with the page number
# before or after it (an OCR'd page may read the number as "§6": up to four characters of anything).
_GAZETTE = re.compile(
    r"^\s*(?:\S{1,4}\s+)?C\s*Ô\s*N\s*G\s+B\s*[ÁẢ]\s*O(?:\s+[^\W\d_]+){0,6}?\s*/?\s*S\s*[ốỐ]\s*[\d\s+]*\d\s*/?\s*"
    r"(?:Ngày|NGÀY)\s*"
    r"\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{4}(?:\s+\S{1,4})?\s*$",
    re.IGNORECASE,
)
# A line holding only a page number: "12", "- 12 -", "Trang 12", "12/40".
_PAGE_NUMBER = re.compile(r"^\s*(?:[-–—]\s*)?(?:Trang\s+|Page\s+)?\d{1,4}(?:\s*/\s*\d{1,4})?(?:\s*[-–—])?\s*$", re.I)
_EDGE_LINES = 3  # page numbers are only looked for among the first and last few non-empty lines


def is_running_header(line: str) -> bool:
    """True for a gazette running header or footer line."""
    return bool(_GAZETTE.match(line))


def clean_page(text: str) -> str:
    """The page without gazette running headers/footers and edge page numbers, trimmed."""
    lines = text.splitlines()
    keep = [not is_running_header(line) for line in lines]
    filled = [i for i, line in enumerate(lines) if line.strip() and keep[i]]
    edges = set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:])
    for i in edges:
        if _PAGE_NUMBER.match(lines[i]) and _is_edge(lines, keep, i):
            keep[i] = False
    return "\n".join(line for line, k in zip(lines, keep, strict=True) if k).strip()


def _is_edge(lines: list[str], keep: list[bool], i: int) -> bool:
    """A number line counts as a page number only when nothing but blank or removed lines lies beyond it."""
    before = [j for j in range(i) if keep[j] and lines[j].strip()]
    after = [j for j in range(i + 1, len(lines)) if keep[j] and lines[j].strip()]
    return not before or not after


def clean_pages(pages: list[str]) -> list[str]:
    """Every page cleaned; see ``clean_page``."""
    return [clean_page(p) for p in pages]
