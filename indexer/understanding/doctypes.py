"""Document types of Vietnamese party and state documents: names, English equivalents and number codes."""

from __future__ import annotations

import re

from indexer.understanding.text import fold, nfc

# Canonical names, longest first so that "Thông tư liên tịch" wins over "Thông tư".
DOC_TYPES: tuple[str, ...] = (
    "Thông tư liên tịch",
    "Nghị quyết liên tịch",
    "Văn bản hợp nhất",
    "Nghị quyết",
    "Nghị định",
    "Quyết định",
    "Thông tư",
    "Pháp lệnh",
    "Luật",
    "Lệnh",
    "Chỉ thị",
    "Kết luận",
    "Quy định",
    "Quy chế",
    "Kế hoạch",
    "Hướng dẫn",
    "Thông báo",
    "Báo cáo",
    "Tờ trình",
    "Công văn",
    "Chương trình",
    "Đề án",
    "Hiến pháp",
    "Bộ luật",
    "Công điện",
)
_EN_TYPES = {
    "law": "Luật", "code": "Bộ luật", "decree": "Nghị định", "circular": "Thông tư", "resolution": "Nghị quyết",
    "decision": "Quyết định", "directive": "Chỉ thị", "ordinance": "Pháp lệnh", "conclusion": "Kết luận",
    "regulation": "Quy định", "plan": "Kế hoạch", "guidance": "Hướng dẫn", "notice": "Thông báo",
    "report": "Báo cáo", "joint circular": "Thông tư liên tịch", "order": "Lệnh",
}  # fmt: skip
# The last word of a Bengali type heading ("পলিটব্যুরোর প্রস্তাব" = the Politburo's resolution).
_BN_TYPES = {
    "প্রস্তাব": "Nghị quyết", "উপসংহার": "Kết luận", "নির্দেশনা": "Chỉ thị", "নির্দেশ": "Chỉ thị",
    "প্রবিধান": "Quy định", "পরিকল্পনা": "Kế hoạch", "প্রতিবেদন": "Báo cáo", "নির্দেশিকা": "Hướng dẫn",
    "বিজ্ঞপ্তি": "Thông báo",
}  # fmt: skip
_FOLDED = {fold(t): t for t in DOC_TYPES}
_FOOTNOTE_MARK = re.compile(r"(?<=[A-ZĐ\u00c0-\u1ef9])\d{1,2}$")
_CODES = {
    "TTLT": "Thông tư liên tịch", "NQLT": "Nghị quyết liên tịch", "VBHN": "Văn bản hợp nhất", "NQ": "Nghị quyết",
    "ND": "Nghị định", "QD": "Quyết định", "TT": "Thông tư", "PL": "Pháp lệnh", "CT": "Chỉ thị", "KL": "Kết luận",
    "QDI": "Quy định", "KH": "Kế hoạch", "HD": "Hướng dẫn", "TB": "Thông báo", "BC": "Báo cáo", "TTR": "Tờ trình",
    "CV": "Công văn", "L": "Lệnh", "QH": "Luật", "UBTVQH": "Nghị quyết",
}  # fmt: skip


def doc_type_from_line(line: str) -> str | None:
    """The type when a header line names one in capitals ("NGHỊ ĐỊNH", "NGHỊ QUYẾT CỦA BỘ CHÍNH TRỊ", "CIRCULAR")."""
    clean = re.sub(r"[*#_:]", " ", line).strip()
    clean = _FOOTNOTE_MARK.sub("", clean)  # "QUYẾT ĐỊNH1": a footnote's number glued to the heading
    if not clean:
        return None
    words = clean.split()
    if len(words) <= 4 and nfc(words[-1]) in _BN_TYPES:
        return _BN_TYPES[nfc(words[-1])]
    if clean != clean.upper() and not (len(words) <= 4 and clean.istitle()):
        return None
    folded = fold(" ".join(words))
    for key, name in _FOLDED.items():
        if folded == key or folded.startswith(key + " cua ") or folded.startswith(key + " lien tich"):
            if folded.startswith(key + " lien tich") and key + " lien tich" in _FOLDED:
                return _FOLDED[key + " lien tich"]
            return name
    return _EN_TYPES.get(folded)


def doc_type_from_number(number: str | None) -> str | None:
    """The type implied by a number's code ("249/2025/NĐ-CP" → Nghị định), used when the header has none."""
    if not number:
        return None
    for part in re.split(r"[/-]", fold(number).upper()):
        code = re.sub(r"\d+$", "", part)
        if code in _CODES and not part.isdigit():
            return _CODES[code]
    return None
