"""What a document says about its own force and its relations, attached to it before it is stored.

The effective and expiry dates come from the text ("có hiệu lực từ ngày …", "kể từ ngày ký") unless metadata
states them (``effective_date`` / ``ngay_co_hieu_luc``, ``expiry_date`` / ``ngay_het_hieu_luc``, ISO or
dd/mm/yyyy); relations (amends, replaces, repeals, implements, grounds, …) come from the text.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from indexer.models import Document
from indexer.understanding.dates import valid_date
from indexer.understanding.effective_dates import extract_dates
from indexer.understanding.relations import extract_relations

logger = logging.getLogger(__name__)

DATE_FIELDS = {
    "effective_date": ("effective_date", "ngay_co_hieu_luc", "ngay_hieu_luc"),
    "expiry_date": ("expiry_date", "ngay_het_hieu_luc"),
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def metadata_date(value: object) -> str | None:
    """An ISO date from a metadata value (ISO or dd/mm/yyyy); None when it is not one."""
    text = str(value or "").strip()
    if m := _ISO.match(text):
        return valid_date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    if m := _DMY.match(text):
        return valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    return None


def state_relations(doc: Document, metadata: dict[str, Any]) -> None:
    """Fill the document's effective / expiry dates (with the sentences they come from) and its relations."""
    ident = doc.identity
    dates = extract_dates(doc.text, ident.issued_date)
    ident.effective_date, ident.expiry_date = dates.effective_date, dates.expiry_date
    notes = {"effective": dates.effective_sentence, "expiry": dates.expiry_sentence}
    for attr, keys in DATE_FIELDS.items():
        given = next((metadata_date(metadata[k]) for k in keys if metadata.get(k)), None)
        if given:
            setattr(ident, attr, given)
            notes[attr.split("_")[0]] = "metadata"
    doc.date_notes = {k: v for k, v in notes.items() if v}
    doc.relations = extract_relations(doc.text, ident.number)
