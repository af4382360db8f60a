"""The Official Gazette (Công báo) wrapper around a document, removed before identity and chunking.

A gazette page carries, besides the document itself, a running header ("CÔNG BÁO/Số 699 + 700/Ngày 09-6-2024"
and the page number, see ``cleaning``) and, at the top of the page where a document starts, the gazette's own
section heading ("VĂN BẢN QUY PHẠM PHÁP LUẬT", "VĂN BẢN HỢP NHẤT - BỘ TÀI CHÍNH", "ĐIỀU ƯỚC QUỐC TẾ") and the
name of the issuing body as a heading of its own, right above the document's header that names it again. Left
in, the heading becomes part of the issuer ("VĂN BẢN QUY PHẠM PHÁP LUẬT CHÍNH PHỦ CHÍNH PHỦ") and of the first
chunk.

``strip_wrapper`` takes a document's pages as extracted and returns them without the wrapper: running headers and
page numbers on every page; where the pages carry a running header (a gazette), section headings at the top of a
page; on the first page with text, a header block the layout prints twice (the gazette's issuer heading above the
document's own, or one line drawn twice) read once. Only whole lines go; body text is never rewritten. What was
removed is kept (``GazetteWrapper.issue``, ``headings``) so callers can record it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.understanding.cleaning import clean_page, is_running_header
from indexer.understanding.header import left_column
from indexer.understanding.text import fold

__all__ = ["SECTION_HEADINGS", "GazetteWrapper", "is_section_heading", "strip_wrapper"]

# The gazette's section headings (folded), optionally numbered ("PHẦN I. …").
SECTION_HEADINGS = (
    "van ban quy pham phap luat",
    "van ban hop nhat",
    "van ban khac",
    "van ban phap luat khac",
    "van ban quy pham phap luat khac",
    "dieu uoc quoc te",
    "muc luc",
)
# Matched with every space removed, so that a heading the text layer split ("V ĂN B ẢN …") still reads.
_SECTION = re.compile(
    r"^(?:phan(?:[ivx]+|\d+|thu\w+)?[.:\-]?)?("
    + "|".join(h.replace(" ", "") for h in SECTION_HEADINGS)
    + r")(?:-(.*))?$"
)
_NATIONAL = re.compile(r"(?i)^(?:CỘNG HO[ÀA]|CỘNG HÒA|ĐẢNG CỘNG SẢN)")
_TOP_LINES = 4  # a section heading is looked for among the first lines of a page
_HEADER_LINES = 12  # the doubled header is looked for among the first lines of the first page


@dataclass
class GazetteWrapper:
    """Pages without the wrapper, the gazette issue they came from and the section headings removed."""

    pages: list[str]
    issue: str | None = None  # "CÔNG BÁO/Số 295 + 296/Ngày 22-3-2020", the first running header seen
    headings: list[str] = field(default_factory=list)  # "VĂN BẢN HỢP NHẤT - BỘ TÀI CHÍNH"


def _squash(text: str) -> str:
    """Comparison form of header text: capitals, no spaces or dashes ("BỘ TÀI CHÍNH - BỘ Y TẾ" reads as the two
    header lines "BỘ TÀI CHÍNH", "BỘ Y TẾ")."""
    return re.sub(r"[\s\-–—,.]+", "", text).upper()


def _caps(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters)


def is_section_heading(line: str) -> bool:
    """True for a gazette section heading line ("VĂN BẢN HỢP NHẤT - BỘ TÀI CHÍNH", "ĐIỀU ƯỚC QUỐC TẾ")."""
    clean = line.strip(" \t*_#")
    if not clean or not _caps(clean) or len(clean) > 160:
        return False
    return bool(_SECTION.match(re.sub(r"\s+", "", fold(clean))))


def _strip_section(lines: list[str]) -> tuple[list[str], str | None]:
    """A page's lines without a section heading among its first lines, and the heading removed (with a
    continuation: "VĂN BẢN HỢP NHẤT -" / "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI")."""
    filled = [i for i, line in enumerate(lines) if line.strip()][:_TOP_LINES]
    for n, i in enumerate(filled):
        if not is_section_heading(lines[i]):
            if not _caps(lines[i]):
                break  # the body has started: a heading further down is the document's own
            continue
        drop = [i]
        heading = lines[i].strip()
        nxt = filled[n + 1] if n + 1 < len(filled) else None
        after = filled[n + 2] if n + 2 < len(filled) else None
        continued = heading.endswith(("-", "–")) or (  # "VĂN BẢN HỢP NHẤT -" / "BỘ LAO ĐỘNG …"
            # a consolidated text's issuer on its own line above the motto: its header names none, the gazette does
            _squash(fold(heading)) == "VANBANHOPNHAT" and after is not None and _NATIONAL.match(lines[after].strip())
        )
        if continued and nxt is not None and _caps(lines[nxt]) and not _NATIONAL.match(lines[nxt].strip()):
            drop.append(nxt)
            heading = f"{heading.rstrip(' -–')} - {lines[nxt].strip()}"
        kept = [line for j, line in enumerate(lines) if j not in drop]
        return kept, re.sub(r"\s+", " ", heading)
    return lines, None


def _undouble(lines: list[str]) -> list[str]:
    """The first page's header with a block the layout prints twice read once.

    Either consecutive capital lines that spell the same text ("BỘ KẾ HOẠCH VÀ ĐẦU TƯ" twice; "BỘ LAO ĐỘNG -
    THƯƠNG BINH VÀ XÃ HỘI" then "BỘ LAO ĐỘNG - THƯƠNG BINH" / "VÀ XÃ HỘI"), or one line holding its text twice.
    """
    filled = [i for i, line in enumerate(lines) if line.strip()][:_HEADER_LINES]
    caps = [i for i in filled if _caps(lines[i])]
    out = list(lines)
    for i in caps:
        words = lines[i].split()
        half = len(words) // 2
        if len(words) >= 4 and len(words) % 2 == 0 and words[:half] == words[half:]:
            out[i] = " ".join(words[:half])
    for start in range(len(filled)):
        first = filled[start]
        if first not in caps:
            break
        for k in range(1, 4):
            block = filled[start : start + k]
            if len(block) < k or any(j not in caps for j in block):
                break
            key, acc = _squash(" ".join(out[j] for j in block)), ""
            for j in filled[start + k : start + k + 4]:
                left = left_column(out[j])  # "BỘ TÀI CHÍNH CỘNG HÒA XÃ HỘI …": the issuer's column
                if not _caps(left):
                    break
                acc += _squash(left)
                if acc == key:
                    return [line for n, line in enumerate(out) if n not in block]
                if not key.startswith(acc):
                    break
    return out


def strip_wrapper(pages: list[str]) -> GazetteWrapper:
    """The pages (as extracted, one string each) without the gazette wrapper; see the module docstring."""
    issue = None
    for page in pages:
        issue = next((line.strip() for line in page.splitlines() if is_running_header(line)), None)
        if issue:
            break
    out = GazetteWrapper(pages=[], issue=issue)
    first = True
    for page in pages:
        lines = clean_page(page).split("\n")
        if issue is not None:
            lines, heading = _strip_section(lines)
            if heading:
                out.headings.append(heading)
        if first and any(line.strip() for line in lines):
            lines, first = _undouble(lines), False
        out.pages.append("\n".join(lines).strip())
    return out
