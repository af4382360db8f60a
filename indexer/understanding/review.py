"""Review of identity fields: each field's confidence in [0, 1] and whether staff should check it.

``review_identity`` is a pure function of what identity extraction produced and the text it read. A field's
confidence is the product of:

1. **validity** — what the value must look like:
   - number: a known shape (``28/2021/NĐ-CP``, ``115/NQ-CP``, ``57-NQ/TW``), its year equal to the year of issue
     (a decree numbered in 2020 is not dated 2021), its type code agreeing with the document type;
   - doc_type: one of the known types, agreeing with the number's code;
   - issuer: the shape of a body ("CHÍNH PHỦ", "BỘ TÀI CHÍNH", "TỈNH ỦY THANH HÓA"): capitals, every word a
     Vietnamese syllable with at most one tone mark, a known head word, and the body the number's code names
     (``…/NĐ-CP`` is issued by CHÍNH PHỦ, ``…/QĐ-TTg`` by THỦ TƯỚNG CHÍNH PHỦ, ``…/TT-BTC`` by BỘ TÀI CHÍNH);
   - issued_date: a calendar date, not in the future, not before 1945;
2. **the page it was read from** — 1 on a text layer; on an OCR'd page the page's mean word confidence, and the
   lowest word confidence of the very line (the OCR notes carry it), so a handwritten number on a clean page
   is doubted even though the page reads well;
3. **repairs** — a field whose line the OCR repair changed is lowered; one the repair saw as misread but could not
   resolve ("ngày 81" where 31 and 01 fit equally) is lowered below any threshold.

A field below its threshold (``THRESHOLDS``, measured by ``benchmarks/ocr_scans.py``: the lowest cut that flags
every wrong field present on degraded and real scans) is ``needs_review``. A missing field always is. A type or an
issuer that the number's code confirms ("…/NĐ-CP": a decree of the Government) is as sure as the number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from indexer.models import DocumentIdentity, PageSpan
from indexer.understanding.doctypes import DOC_TYPES, doc_type_from_number
from indexer.understanding.numbers import canonical_number, number_key
from indexer.understanding.text import fold, nfc

__all__ = [
    "FIELDS",
    "REVIEW_KEY",
    "THRESHOLDS",
    "FieldReview",
    "is_vietnamese_syllable",
    "issuer_shape",
    "review_identity",
    "reviews_from_metadata",
]

REVIEW_KEY = "identity_review"
"""Where the pipeline keeps a document's field reviews in its stored metadata (read back by
``reviews_from_metadata``), so every backend stores them without a column of its own."""

FIELDS = ("number", "doc_type", "issuer", "issued_date")
# Measured by benchmarks/ocr_scans.py (results in benchmarks/results/ocr_scans.json: 60 degraded headers, 3 real
# scans): the lowest cut, rounded up to a tenth, that flags every wrong field present — the issuer's wrong readings
# reach 0.47, the number's 0.15 on synthetic scans but 0.597 for a real handwritten "115" read as "445"; about one
# right field in ten is flagged with them.
THRESHOLDS: dict[str, float] = {"number": 0.6, "doc_type": 0.5, "issuer": 0.5, "issued_date": 0.5}
REPAIR_FACTOR = 0.85  # a field read from a line the OCR repair changed
AMBIGUOUS_FACTOR = 0.3  # a misread the repair could not resolve
CORROBORATION = 0.95  # a type or issuer the number's code confirms: this much of the number's confidence
_EARLIEST = date(1945, 9, 2)

_SERIAL = r"(?!0+[/-])\d{1,5}(?:\.\d{1,3})?"  # "05" and "66.3" are serials, "0" is not
_STATE_YEAR = re.compile(rf"^{_SERIAL}/(\d{{4}})/[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ][A-ZĐa-z0-9]*)*$")
_STATE = re.compile(rf"^{_SERIAL}/[A-ZĐ][A-ZĐa-z]*-[A-ZĐ][A-ZĐa-z0-9]*(?:-[A-ZĐ][A-ZĐa-z0-9]*)*$")
_PARTY = re.compile(rf"^{_SERIAL}-[A-ZĐ][A-ZĐa-z]*/[A-ZĐ][A-ZĐa-z]*$")
# Codes that name the issuing body, not the type (a law and a resolution of the National Assembly share "QH").
_BODY_ONLY = {"QH", "UBTVQH"}
# The issuer a number's last code names.
CODE_ISSUERS: dict[str, tuple[str, ...]] = {
    "CP": ("CHÍNH PHỦ",), "TTG": ("THỦ TƯỚNG CHÍNH PHỦ", "THỦ TƯỚNG"), "QH": ("QUỐC HỘI",),
    "UBTVQH": ("ỦY BAN THƯỜNG VỤ QUỐC HỘI",), "TW": ("BAN CHẤP HÀNH TRUNG ƯƠNG", "BỘ CHÍNH TRỊ", "BAN BÍ THƯ"),
    "BTC": ("BỘ TÀI CHÍNH",), "BKHĐT": ("BỘ KẾ HOẠCH VÀ ĐẦU TƯ",), "BTP": ("BỘ TƯ PHÁP",), "BCA": ("BỘ CÔNG AN",),
    "BQP": ("BỘ QUỐC PHÒNG",), "BNV": ("BỘ NỘI VỤ",), "BNG": ("BỘ NGOẠI GIAO",), "BCT": ("BỘ CÔNG THƯƠNG",),
    "BXD": ("BỘ XÂY DỰNG",), "BYT": ("BỘ Y TẾ",), "BGDĐT": ("BỘ GIÁO DỤC VÀ ĐÀO TẠO",),
    "BLĐTBXH": ("BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI",), "BTNMT": ("BỘ TÀI NGUYÊN VÀ MÔI TRƯỜNG",),
    "BNNPTNT": ("BỘ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN",), "BNNMT": ("BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",),
    "BKHCN": ("BỘ KHOA HỌC VÀ CÔNG NGHỆ",), "BVHTTDL": ("BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH",),
    "BGTVT": ("BỘ GIAO THÔNG VẬN TẢI",), "BTTTT": ("BỘ THÔNG TIN VÀ TRUYỀN THÔNG",), "NHNN": ("NGÂN HÀNG NHÀ NƯỚC",),
    "TANDTC": ("TÒA ÁN NHÂN DÂN TỐI CAO",), "VKSNDTC": ("VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO",),
    "KTNN": ("KIỂM TOÁN NHÀ NƯỚC",), "TTCP": ("THANH TRA CHÍNH PHỦ",), "VPCP": ("VĂN PHÒNG CHÍNH PHỦ",),
}  # fmt: skip
# Words a body's name starts with (folded), and what a party committee's name ends with.
_BODY_HEADS = (
    "chinh phu", "thu tuong", "quoc hoi", "uy ban", "bo ", "hoi dong", "toa an", "vien kiem sat", "kiem toan",
    "ngan hang", "van phong", "ban ", "tinh uy", "thanh uy", "huyen uy", "quan uy", "thi uy", "dang uy", "dang bo",
    "so ", "cuc ", "tong cuc", "thanh tra", "chu tich", "mat tran", "trung uong", "ubnd", "hdnd", "hoc vien",
    "dai hoc", "truong ", "tong lien doan", "lien doan", "hoi ", "doan ", "cong an", "bo chinh tri", "chi cuc",
    "tap doan", "tong cong ty", "dai hoi", "lien bo", "vien ",
)  # fmt: skip
_EN_BODY = re.compile(
    r"\b(GOVERNMENT|MINISTRY|MINISTER|COMMITTEE|ASSEMBLY|COUNCIL|PARTY|OFFICE|COURT|BANK|POLITBURO|SECRETARIAT)\b"
)
_TONES = {"\u0300", "\u0301", "\u0309", "\u0303", "\u0323"}
_SYLLABLE = re.compile(r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnpqrstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?$")


class NoteLike(Protocol):
    """What review reads of an OCR note (``indexer.parsing.ocr_repair.OcrNote`` or its dict)."""

    @property
    def kind(self) -> str: ...
    @property
    def after(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def ambiguous(self) -> bool: ...
    @property
    def repaired(self) -> bool: ...


@dataclass(frozen=True)
class FieldReview:
    """One identity field as reviewed: its value, confidence in [0, 1], whether to check it, and why."""

    field: str
    value: str | None
    confidence: float
    needs_review: bool
    reasons: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FieldReview:
        """The review ``to_dict`` wrote; raises ValueError on anything else."""
        try:
            return cls(
                str(data["field"]),
                None if data.get("value") is None else str(data["value"]),
                float(data["confidence"]),
                bool(data["needs_review"]),
                tuple(str(r) for r in data.get("reasons", ())),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"not a field review: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "value": self.value,
            "confidence": self.confidence,
            "needs_review": self.needs_review,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class _Note:
    kind: str
    after: str
    confidence: float
    ambiguous: bool
    repaired: bool
    alternative: str | None = None


def _note(raw: NoteLike | Mapping[str, Any]) -> _Note:
    if isinstance(raw, Mapping):
        before, after = str(raw.get("before", "")), str(raw.get("after", ""))
        repaired = "".join(c for c in before if c.isalnum()) != "".join(c for c in after if c.isalnum())
        conf, other = float(raw.get("confidence", -1)), raw.get("alternative")
        return _Note(str(raw.get("kind", "")), after, conf, bool(raw.get("ambiguous")), repaired, other)
    other = getattr(raw, "alternative", None)
    return _Note(raw.kind, raw.after, float(raw.confidence), bool(raw.ambiguous), bool(raw.repaired), other)


def is_vietnamese_syllable(word: str) -> bool:
    """A Vietnamese syllable: one tone mark at most and a consonant-vowel-consonant shape."""
    decomposed = unicodedata.normalize("NFD", word)
    if sum(c in _TONES for c in decomposed) > 1:
        return False
    return bool(_SYLLABLE.match(fold(word).lower()))


def issuer_shape(issuer: str) -> tuple[float, list[str]]:
    """How much an issuer looks like a body's name (0-1), and why not."""
    reasons: list[str] = []
    s = nfc(issuer).strip()
    if any("\u0980" <= c <= "\u09ff" for c in s):
        return 0.8, ["Bengali issuer: shape not checked"]
    letters = [c for c in s if c.isalpha()]
    if not letters or len(s) > 160 or len(s.split()) > 18:
        return 0.1, ["not a body's name"]
    score = 1.0
    if any(c.isdigit() for c in s) or re.search(r"[^\w\s,.\-–()&/]", s):
        score *= 0.5
        reasons.append("digits or symbols in the name")
    if sum(c.isupper() for c in letters) < 0.9 * len(letters):
        score *= 0.6
        reasons.append("not in capitals")
    if _EN_BODY.search(s.upper()) and not any(fold(c) != c.lower() for c in s if c.isalpha()):
        return score, reasons  # an English name: Vietnamese syllable checks do not apply
    words = [w for w in re.split(r"[\s,.\-–()/&]+", s) if w]
    bad = [
        w
        for w in words
        if not is_vietnamese_syllable(w) and w.upper() not in {"UBND", "HĐND", "TW", "TP", "TP.HCM", "HCM"}
    ]
    if bad:
        score *= max(0.2, 1 - 1.5 * len(bad) / len(words))
        reasons.append(f"not Vietnamese words: {' '.join(bad[:3])}")
    key = fold(s).lower() + " "
    if not key.startswith(_BODY_HEADS) and not re.search(r"\b(uy|bo|ban|cuc|so)\s*$", key.strip()):
        score *= 0.7
        reasons.append("no known body word at its start")
    return score, reasons


def _codes(number: str) -> list[str]:
    return [re.sub(r"\d+$", "", part).upper() for part in re.split(r"[/-]", number) if not part.isdigit()]


def _line_at(text: str, pattern: re.Pattern[str]) -> int | None:
    m = pattern.search(text)
    return m.start() if m else None


def _find(field: str, value: str, text: str) -> int | None:
    """Where in the text the field was read (the offset of its line), None when it is not found."""
    if field == "number":
        key = number_key(value)
        offset = 0
        for line in text.split("\n"):
            if key and key in re.sub(r"[^0-9A-Z]", "", fold(line).upper()):
                return offset
            offset += len(line) + 1
        return None
    if field == "issued_date":
        y, m, d = value.split("-")
        pattern = rf"ngày\s+0?{int(d)}\s*(?:tháng|/|-)\s*0?{int(m)}\s*(?:năm|/|-)\s*{y}"
        return _line_at(text, re.compile(pattern, re.IGNORECASE))
    folded = fold(text).lower()
    i = folded.find(fold(value).lower()[:40])
    return i if i >= 0 else None


def _page_of(offset: int | None, pages: Sequence[PageSpan]) -> PageSpan | None:
    if not pages:
        return None
    if offset is None:
        return pages[0]
    return next((p for p in pages if p.start <= offset <= p.end), pages[0])


def _ocr_factor(conf: float | None) -> float:
    """Confidence of what Tesseract read, from its word confidence (0-100): 95 → 0.95, 70 → 0.6, 40 → 0.2."""
    if conf is None or conf < 0:
        return 1.0
    return max(0.05, min(1.0, (conf - 25) / 70))


_MOTTO = re.compile(r"\s*(?:CỘNG HÒA|CỘNG HOÀ|ĐẢNG CỘNG SẢN)\b.*$")


def _related(field: str, value: str, note: _Note) -> bool:
    """Whether a note is about the line the field was read from."""
    after = fold(note.after).lower()
    if field == "number":
        return note.kind == "number" and number_key(value) in re.sub(r"[^0-9A-Z]", "", after.upper())
    if field == "issued_date":
        return note.kind == "date" and _find("issued_date", value, note.after) is not None
    if note.kind not in {"header", "signature"}:
        return False
    line = fold(_MOTTO.sub("", note.after.removeprefix("TM. "))).lower().strip(" .,:;-")
    if field == "doc_type":
        return line == fold(value).lower() or line.startswith(fold(value).lower() + " cua ")
    key = fold(value).lower()
    return bool(line) and len(line) >= 4 and (key == line or key.startswith(line + " ") or key.endswith(" " + line))


def _validity(ident: DocumentIdentity, today: date) -> tuple[dict[str, tuple[float, list[str]]], set[str]]:
    """Each field's validity score and reasons, from the values alone; and the fields the number's code confirms
    (the type its code implies, the body its code names)."""
    out: dict[str, tuple[float, list[str]]] = {}
    agree: set[str] = set()
    issued: date | None = None
    reasons: list[str] = []
    score = 1.0
    if not ident.issued_date:
        score, reasons = 0.0, ["missing"]
    else:
        try:
            issued = date.fromisoformat(ident.issued_date)
        except ValueError:
            score, reasons = 0.0, [f"not a calendar date: {ident.issued_date}"]
        else:
            if issued > today:
                score, reasons = 0.1, ["in the future"]
            elif issued < _EARLIEST:
                score, reasons = 0.2, ["before 1945"]
    out["issued_date"] = (score, reasons)

    number = canonical_number(ident.number) if ident.number else None
    num_score, num_reasons = (0.0, ["missing"]) if not number else (1.0, [])
    if number:
        year_match = _STATE_YEAR.match(number)
        if not (year_match or _STATE.match(number) or _PARTY.match(number)):
            num_score, num_reasons = 0.4, [f"unusual shape: {number}"]
        if year_match:
            year = int(year_match.group(1))
            if issued is not None and year != issued.year:
                far = abs(year - issued.year) > 1
                num_score *= 0.2 if far else 0.3
                d_score, d_reasons = out["issued_date"]
                out["issued_date"] = (
                    d_score * (0.2 if far else 0.3),
                    [*d_reasons, f"year differs from the number's {year}"],
                )
                num_reasons.append(f"year {year} differs from the date of issue {issued.year}")
            elif issued is None and not 1945 <= year <= today.year:
                num_score *= 0.3
                num_reasons.append(f"year {year} out of range")
    out["number"] = (num_score, num_reasons)

    type_score, type_reasons = (0.0, ["missing"]) if not ident.doc_type else (1.0, [])
    if ident.doc_type and ident.doc_type not in DOC_TYPES:
        type_score, type_reasons = 0.5, [f"unknown type {ident.doc_type}"]
    implied = doc_type_from_number(number) if number else None
    if implied and implied == ident.doc_type:
        agree.add("doc_type")
    if number and implied and ident.doc_type and implied != ident.doc_type and not set(_codes(number)) & _BODY_ONLY:
        type_score *= 0.4  # one of the two is misread: both are flagged
        type_reasons.append(f"the number's code says {implied}")
        n_score, n_reasons = out["number"]
        out["number"] = (n_score * 0.4, [*n_reasons, f"code says {implied}, the header {ident.doc_type}"])
    out["doc_type"] = (type_score, type_reasons)

    if not ident.issuer:
        out["issuer"] = (0.0, ["missing"])
    else:
        iss_score, iss_reasons = issuer_shape(ident.issuer)
        codes = _codes(number) if number else []
        expected = next((CODE_ISSUERS[c] for c in reversed(codes) if c in CODE_ISSUERS), None)
        if expected and not any(fold(ident.issuer).lower().startswith(fold(e).lower()) for e in expected):
            iss_score *= 0.4
            iss_reasons.append(f"the number's code names {expected[0]}")
        elif expected and iss_score >= 0.9:
            agree.add("issuer")
        out["issuer"] = (iss_score, iss_reasons)
    return out, agree


def review_identity(
    identity: DocumentIdentity,
    pages: Sequence[PageSpan],
    text: str,
    notes: Sequence[NoteLike | Mapping[str, Any]] = (),
    today: date | None = None,
    given: Collection[str] = (),
) -> dict[str, FieldReview]:
    """Every identity field (number, doc_type, issuer, issued_date) with its confidence and review flag.

    ``notes``: the OCR notes of the document's pages (``OcrPage.notes``, or their dicts from metadata).
    ``given``: fields that explicit metadata set (a sidecar, a JSONL record): a person wrote them, so they are
    not doubted for how the scan was read — only for being invalid.
    """
    today = today or date.today()
    validity, agree = _validity(identity, today)
    parsed = [_note(n) for n in notes]
    scores: dict[str, tuple[float, list[str]]] = {}
    for name in FIELDS:
        value = getattr(identity, name)
        score, reasons = validity[name]
        if value and name in given:
            reasons.append("from metadata")
        elif value:
            page = _page_of(_find(name, str(value), text), pages)
            factor = 1.0
            if page is not None and page.ocr:
                factor = _ocr_factor(page.ocr_confidence)
                reasons.append(f"OCR page {page.number}, confidence {page.ocr_confidence}")
            related = [n for n in parsed if _related(name, str(value), n)]
            sure = [n.confidence for n in related if n.confidence >= 0]
            if sure and _ocr_factor(min(sure)) < factor:
                factor = _ocr_factor(min(sure))
                reasons.append(f"read with word confidence {min(sure):.0f}")
            doubt = next((n for n in related if n.ambiguous), None)
            if doubt is not None:
                factor *= AMBIGUOUS_FACTOR
                if doubt.alternative:
                    reasons.append(f"a second reading of the scan gives {doubt.alternative!r}")
                else:
                    reasons.append(f"misread left as read: {doubt.after[:60]!r}")
            elif any(n.repaired for n in related):
                factor *= REPAIR_FACTOR
                reasons.append(f"repaired OCR reading: {next(n.after for n in related if n.repaired)[:60]!r}")
            score *= factor
        elif name == "issued_date" and any(n.kind == "date" and n.ambiguous for n in parsed[:3]):
            reasons.append("a date line was read but cannot be a date")
        scores[name] = (score, reasons)
    # A type or issuer its number's code confirms is as sure as the number (a seal over "CHÍNH PHỦ" does not make
    # a decree's issuer doubtful when "…/NĐ-CP" was read well).
    number_score = scores["number"][0]
    for name in agree:
        score, reasons = scores[name]
        if CORROBORATION * number_score > score:
            scores[name] = (CORROBORATION * number_score, [*reasons, "confirmed by the number's code"])
    out: dict[str, FieldReview] = {}
    for name in FIELDS:
        value = getattr(identity, name)
        score, reasons = scores[name]
        confidence = round(max(0.0, min(1.0, score)), 3)
        out[name] = FieldReview(name, value, confidence, confidence < THRESHOLDS[name] or not value, tuple(reasons))
    return out


def reviews_from_metadata(metadata: Mapping[str, Any]) -> dict[str, FieldReview]:
    """The field reviews stored in a document's metadata (empty for a document indexed before reviews existed;
    an unreadable entry is dropped: staff then see no verdict rather than a wrong one)."""
    raw = metadata.get(REVIEW_KEY)
    out: dict[str, FieldReview] = {}
    if not isinstance(raw, Mapping):
        return out
    for name, value in raw.items():
        if name in FIELDS and isinstance(value, Mapping):
            try:
                out[name] = FieldReview.from_dict(value)
            except ValueError:
                continue
    return out
