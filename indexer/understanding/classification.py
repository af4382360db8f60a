"""A document's classification from every place it can be stated, failing closed.

The text's own marking (``markings.find_marking``), what a DOCX carries in its page headers, text boxes and
core properties (markings that may only raise the level; a value that is no marking is ignored), and the
explicit metadata fields (sidecar, JSONL record: strict, an unreadable value refuses the document). The level
is the highest of them; metadata never lowers it.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from indexer.errors import InvalidClassification
from indexer.models import Classification, DocumentIdentity
from indexer.understanding.markings import parse_classification_value, scan_lines

logger = logging.getLogger(__name__)

CLASSIFICATION_FIELDS = ("classification", "do_mat", "mat")  # metadata keys naming a classification


# Format metadata the parsers fill (DOCX), read as markings that may only raise the level; a value that is not a
# marking (a category "Báo cáo") is no marking and is ignored, unlike an explicit field of FIELD_ALIASES.
_FORMAT_MARKINGS: tuple[tuple[str, str], ...] = (
    ("docx_header_text", "docx header"),
    ("docx_textbox_text", "docx text box"),
    ("docx_category", "docx category"),
    ("docx_content_status", "docx content status"),
    ("docx_keywords", "docx keywords"),
)


def _explicit_levels(metadata: dict[str, Any]) -> list[tuple[Classification, str]]:
    """(level, source) of every classification field given; an unreadable one raises InvalidClassification."""
    out = []
    for key in CLASSIFICATION_FIELDS:
        if key not in metadata:
            continue
        value = metadata[key]
        try:
            level = parse_classification_value(value)
        except InvalidClassification as exc:
            raise InvalidClassification(f"metadata field {key}: {exc}; the document is refused, not guessed") from None
        if level is not None:
            out.append((level, f"metadata field {key}: {value!r}"))
    return out


def _format_levels(metadata: dict[str, Any]) -> list[tuple[Classification, str]]:
    """(level, source) of markings in the format's own metadata (DOCX page headers, text boxes, properties)."""
    out = []
    for key, label in _FORMAT_MARKINGS:
        value = metadata.get(key)
        if not isinstance(value, str) or not value.strip():
            continue
        if key == "docx_keywords":
            value = re.sub(r"[;,]", "\n", value)  # "TỐI MẬT; báo cáo" holds the marking as one keyword
        found = scan_lines(value)
        if found:
            out.append((found.level, f"{label}: {found.line!r}"))
    return out


def classify(ident: DocumentIdentity, metadata: dict[str, Any]) -> None:
    """Set the level to the highest any source gives and say which; note (and log) metadata that would lower it."""
    content = [(ident.classification, ident.classification_source)] if ident.classification_source != "default" else []
    content += _format_levels(metadata)
    explicit = _explicit_levels(metadata)
    candidates = content + explicit
    if not candidates:
        return
    level, source = max(candidates, key=lambda c: c[0])  # the first source of the highest level
    lowered = [src for lv, src in explicit if lv < level]
    for src in lowered:
        logger.warning("classification kept at %s (%s): %s may not lower it", level.label, source, src)
    if lowered:
        source += f" ({'; '.join(lowered)}: ignored, metadata may not lower the level)"
    ident.classification, ident.classification_source = level, source


PARSER_KEYS = ("docx_", "pdf_", "html_", "pages_needing_ocr")


def merge_metadata(parsed: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A file's metadata with its sidecar's fields on top, except what the parser read from the file itself.

    A sidecar may correct identity fields (title, unit, a higher classification), but it may not blank out
    what the file says about itself (``{"docx_header_text": ""}`` would otherwise hide a DOCX header marking).
    """
    kept = {k: v for k, v in overrides.items() if not str(k).startswith(PARSER_KEYS)}
    return {**parsed, **kept}
