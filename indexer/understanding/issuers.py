"""Canonical issuers: one name per issuing body, whatever language or spelling a header uses.

Facets count documents by issuer, so the Politburo must be one value whether a header says "BỘ CHÍNH TRỊ",
"Bộ Chính trị", "THE POLITBURO" or "পলিটব্যুরো". ``BODIES`` is the table: each canonical name (Vietnamese, in
capitals, the tone placement of official documents: "ỦY", "HÓA") with the other names it goes by, compared folded
(no case, no diacritics, punctuation as spaces, a leading "the" dropped). A name the table does not know keeps its
own words, in capitals with that tone placement ("UỶ BAN NHÂN DÂN" → "ỦY BAN NHÂN DÂN").

English names of local party committees are read too: "BINH THUAN PROVINCIAL PARTY COMMITTEE" → "TỈNH ỦY BÌNH
THUẬN" (the place from ``PROVINCES``, the province-level units before and after the 2025 merger).

``party_body`` finds the body that actually issued a party document when the header names the committee above
it: the type heading ("NGHỊ QUYẾT / CỦA BỘ CHÍNH TRỊ", "RESOLUTION OF THE POLITBURO", "পলিটব্যুরোর প্রস্তাব", "CHỈ
THỊ CỦA BAN THƯỜNG VỤ TỈNH ỦY") or, for a document of the Central Committee's header, the signature ("T/M BỘ
CHÍNH TRỊ", "ON BEHALF OF THE POLITBURO", "পলিটব্যুরোর পক্ষে").
"""

from __future__ import annotations

import re
import unicodedata

from indexer.understanding.text import fold, nfc

__all__ = ["BODIES", "CENTRAL_COMMITTEE", "PROVINCES", "body_of_code", "canonical_issuer", "party_body"]

CENTRAL_COMMITTEE = "BAN CHẤP HÀNH TRUNG ƯƠNG"
POLITBURO = "BỘ CHÍNH TRỊ"
SECRETARIAT = "BAN BÍ THƯ"

# canonical name → other names (any case; Vietnamese without diacritics matches too).
BODIES: dict[str, tuple[str, ...]] = {
    POLITBURO: ("Politburo", "Political Bureau", "Politburo of the Central Committee", "পলিটব্যুরো",
                "রাজনৈতিক ব্যুরো", "পলিটব্যুরো কমিটি"),
    SECRETARIAT: ("Secretariat", "Central Secretariat", "Secretariat of the Central Committee",
                  "Secretariat of the Party Central Committee", "সচিবালয়", "কেন্দ্রীয় সচিবালয়"),
    CENTRAL_COMMITTEE: ("Ban Chấp hành Trung ương Đảng", "Ban Chấp hành Trung ương Đảng Cộng sản Việt Nam",
                        "BCH Trung ương", "Central Committee", "Party Central Committee",
                        "Central Committee of the Communist Party of Vietnam", "Central Executive Committee",
                        "Communist Party of Vietnam Central Committee", "কেন্দ্রীয় কমিটি",
                        "কেন্দ্রীয় নির্বাহী কমিটি", "পার্টির কেন্দ্রীয় কমিটি", "পার্টি কেন্দ্রীয় কমিটি"),
    "ỦY BAN KIỂM TRA TRUNG ƯƠNG": ("Central Inspection Commission", "Central Inspection Committee"),
    "BAN TỔ CHỨC TRUNG ƯƠNG": ("Central Organisation Commission", "Central Organization Commission"),
    "BAN TUYÊN GIÁO TRUNG ƯƠNG": ("Central Propaganda Department", "Central Propaganda and Education Commission",
                                  "Central Commission for Propaganda and Education"),
    "BAN TUYÊN GIÁO VÀ DÂN VẬN TRUNG ƯƠNG": ("Central Commission for Propaganda, Education and Mass Mobilisation",
                                            "Central Propaganda, Education and Mass Mobilization Commission"),
    "BAN ĐỐI NGOẠI TRUNG ƯƠNG": ("Central Commission for External Relations", "Central External Relations Commission"),
    "BAN NỘI CHÍNH TRUNG ƯƠNG": ("Central Internal Affairs Commission", "Central Commission for Internal Affairs"),
    "BAN KINH TẾ TRUNG ƯƠNG": ("Central Economic Commission", "Central Commission for Economic Affairs"),
    "BAN DÂN VẬN TRUNG ƯƠNG": ("Central Mass Mobilisation Commission", "Central Mass Mobilization Commission"),
    "VĂN PHÒNG TRUNG ƯƠNG ĐẢNG": ("Party Central Office", "Office of the Party Central Committee"),
    "QUỐC HỘI": ("National Assembly", "জাতীয় পরিষদ"),
    "ỦY BAN THƯỜNG VỤ QUỐC HỘI": ("Standing Committee of the National Assembly",
                                  "National Assembly Standing Committee", "UBTVQH"),
    "VĂN PHÒNG QUỐC HỘI": ("Office of the National Assembly", "National Assembly Office"),
    "CHỦ TỊCH NƯỚC": ("President of the Socialist Republic of Vietnam", "State President"),
    "CHÍNH PHỦ": ("Government", "Government of Vietnam", "সরকার"),
    "THỦ TƯỚNG CHÍNH PHỦ": ("Thủ tướng", "Prime Minister", "প্রধানমন্ত্রী"),
    "VĂN PHÒNG CHÍNH PHỦ": ("Government Office", "Office of the Government"),
    "THANH TRA CHÍNH PHỦ": ("Government Inspectorate",),
    "BỘ TÀI CHÍNH": ("Ministry of Finance",),
    "BỘ KẾ HOẠCH VÀ ĐẦU TƯ": ("Ministry of Planning and Investment",),
    "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI": ("Ministry of Labour, Invalids and Social Affairs",
                                            "Ministry of Labor, Invalids and Social Affairs"),
    "BỘ NỘI VỤ": ("Ministry of Home Affairs",),
    "BỘ TƯ PHÁP": ("Ministry of Justice",),
    "BỘ CÔNG THƯƠNG": ("Ministry of Industry and Trade",),
    "BỘ Y TẾ": ("Ministry of Health",),
    "BỘ GIÁO DỤC VÀ ĐÀO TẠO": ("Ministry of Education and Training",),
    "BỘ XÂY DỰNG": ("Ministry of Construction",),
    "BỘ NGOẠI GIAO": ("Ministry of Foreign Affairs",),
    "BỘ QUỐC PHÒNG": ("Ministry of National Defence", "Ministry of National Defense"),
    "BỘ CÔNG AN": ("Ministry of Public Security",),
    "BỘ KHOA HỌC VÀ CÔNG NGHỆ": ("Ministry of Science and Technology",),
    "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG": ("Ministry of Agriculture and Environment",),
    "BỘ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN": ("Ministry of Agriculture and Rural Development",),
    "BỘ TÀI NGUYÊN VÀ MÔI TRƯỜNG": ("Ministry of Natural Resources and Environment",),
    "BỘ GIAO THÔNG VẬN TẢI": ("Ministry of Transport",),
    "BỘ THÔNG TIN VÀ TRUYỀN THÔNG": ("Ministry of Information and Communications",),
    "BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH": ("Ministry of Culture, Sports and Tourism",),
    "BỘ DÂN TỘC VÀ TÔN GIÁO": ("Ministry of Ethnic and Religious Affairs",),
    "NGÂN HÀNG NHÀ NƯỚC VIỆT NAM": ("Ngân hàng Nhà nước", "State Bank of Vietnam"),
    "TÒA ÁN NHÂN DÂN TỐI CAO": ("Supreme People's Court",),
    "VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO": ("Supreme People's Procuracy",),
    "KIỂM TOÁN NHÀ NƯỚC": ("State Audit Office of Vietnam", "State Audit of Vietnam"),
}  # fmt: skip

# The body a number's issuer code names ("…/VBHN-BTC" → BỘ TÀI CHÍNH), for a text that names it nowhere else.
_CODE_BODIES: dict[str, str] = {
    "CP": "CHÍNH PHỦ", "TTg": "THỦ TƯỚNG CHÍNH PHỦ", "QH": "QUỐC HỘI", "UBTVQH": "ỦY BAN THƯỜNG VỤ QUỐC HỘI",
    "VPQH": "VĂN PHÒNG QUỐC HỘI", "VPCP": "VĂN PHÒNG CHÍNH PHỦ", "BTC": "BỘ TÀI CHÍNH",
    "BKHĐT": "BỘ KẾ HOẠCH VÀ ĐẦU TƯ", "BLĐTBXH": "BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "BNV": "BỘ NỘI VỤ",
    "BTP": "BỘ TƯ PHÁP", "BCT": "BỘ CÔNG THƯƠNG", "BYT": "BỘ Y TẾ", "BGDĐT": "BỘ GIÁO DỤC VÀ ĐÀO TẠO",
    "BXD": "BỘ XÂY DỰNG", "BNG": "BỘ NGOẠI GIAO", "BQP": "BỘ QUỐC PHÒNG", "BCA": "BỘ CÔNG AN",
    "BKHCN": "BỘ KHOA HỌC VÀ CÔNG NGHỆ", "BNNMT": "BỘ NÔNG NGHIỆP VÀ MÔI TRƯỜNG",
    "BNNPTNT": "BỘ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN", "BTNMT": "BỘ TÀI NGUYÊN VÀ MÔI TRƯỜNG",
    "BGTVT": "BỘ GIAO THÔNG VẬN TẢI", "BTTTT": "BỘ THÔNG TIN VÀ TRUYỀN THÔNG",
    "BVHTTDL": "BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "NHNN": "NGÂN HÀNG NHÀ NƯỚC VIỆT NAM",
    "TTCP": "THANH TRA CHÍNH PHỦ", "KTNN": "KIỂM TOÁN NHÀ NƯỚC",
}  # fmt: skip

# Province-level units (63 before the 2025 merger; the merged ones keep one of these names), for English names.
PROVINCES: tuple[str, ...] = tuple(
    """Hà Nội|Hồ Chí Minh|Hải Phòng|Đà Nẵng|Cần Thơ|Huế|An Giang|Bà Rịa - Vũng Tàu|Bắc Giang|Bắc Kạn|Bạc Liêu|
    Bắc Ninh|Bến Tre|Bình Định|Bình Dương|Bình Phước|Bình Thuận|Cà Mau|Cao Bằng|Đắk Lắk|Đắk Nông|Điện Biên|
    Đồng Nai|Đồng Tháp|Gia Lai|Hà Giang|Hà Nam|Hà Tĩnh|Hải Dương|Hậu Giang|Hòa Bình|Hưng Yên|Khánh Hòa|Kiên Giang|
    Kon Tum|Lai Châu|Lâm Đồng|Lạng Sơn|Lào Cai|Long An|Nam Định|Nghệ An|Ninh Bình|Ninh Thuận|Phú Thọ|Phú Yên|
    Quảng Bình|Quảng Nam|Quảng Ngãi|Quảng Ninh|Quảng Trị|Sóc Trăng|Sơn La|Tây Ninh|Thái Bình|Thái Nguyên|
    Thanh Hóa|Thừa Thiên Huế|Tiền Giang|Trà Vinh|Tuyên Quang|Vĩnh Long|Vĩnh Phúc|Yên Bái""".replace("\n", "")
    .replace("    ", "")
    .split("|")
)

_PUNCT = re.compile(r"[\s\-–—,.;:'’()/_*]+")
_BN_GENITIVE = re.compile(r"(?:ের|এর|র)$")
_COMMITTEES = {"PROVINCIAL": "TỈNH ỦY", "CITY": "THÀNH ỦY", "MUNICIPAL": "THÀNH ỦY", "DISTRICT": "HUYỆN ỦY"}
_EN_COMMITTEE = re.compile(r"^(?:THE )?(.+?) (PROVINCIAL|CITY|MUNICIPAL|DISTRICT) PARTY COMMITTEE$")
_EN_STANDING = re.compile(r"^(?:THE )?STANDING (?:BOARD|COMMITTEE) OF (?:THE )?(.+)$")
# "CỦA BỘ CHÍNH TRỊ", "OF THE POLITBURO", "HỘI NGHỊ LẦN THỨ TÁM BAN CHẤP HÀNH TRUNG ƯƠNG ĐẢNG KHÓA XIII".
_OF = re.compile(r"(?i)^(?:CỦA|OF)\s+(?:THE\s+)?(.+?)\s*(?:,|\bKHÓA\b|\bKHOÁ\b|$)")
_PLENUM = re.compile(r"(?i)^(?:HỘI NGHỊ|PLENUM|THE \w+ PLENUM)\b.*?\b(BAN CHẤP HÀNH TRUNG ƯƠNG|CENTRAL COMMITTEE)\b")
_SIGNED_FOR = re.compile(r"(?im)^[\s*#_]*(?:T/M|TM\.?|T\.M\.|ON BEHALF OF|FOR)\s+(?:THE\s+)?(.+?)[\s*_]*$")
_BN_SIGNED_FOR = re.compile(r"(?m)^[\s*#_]*(.+?)\s+পক্ষে[\s*_]*$")
_LOCAL_BOARD = re.compile(r"^BAN THƯỜNG VỤ (TỈNH ỦY|THÀNH ỦY|HUYỆN ỦY|QUẬN ỦY|THỊ ỦY|ĐẢNG ỦY)$")
_LOCAL_PLENARY = re.compile(r"^BAN CHẤP HÀNH ĐẢNG BỘ (?:TỈNH|THÀNH PHỐ|HUYỆN|QUẬN|THỊ XÃ)$")
_TRAILER = re.compile(
    r"(?i)\s+(?:CỘNG HÒA XÃ HỘI|CỘNG HOÀ XÃ HỘI|ĐẢNG CỘNG SẢN VIỆT NAM|Độc lập\s*-)"
    r"|\s+(?:(?:BỘ LUẬT|LUẬT|NGHỊ QUYẾT|PHÁP LỆNH|LỆNH)\s+)?SỐ\s*:?\s*\d|\s[_\-—*=]{2,}"
)
# Open syllables with the tone on the second vowel ("hoà", "uỷ") take it on the first in official documents.
_NEW_STYLE = re.compile(r"(?<![qQ])([oOuU])([àáảãạèéẻẽẹỳýỷỹỵÀÁẢÃẠÈÉẺẼẸỲÝỶỸỴ])(?![^\W\d_])")


def _key(name: str) -> str:
    """Comparison form: folded, punctuation as spaces, a leading "the" or a Bengali genitive ending dropped."""
    folded = _PUNCT.sub(" ", fold(nfc(name))).strip()
    folded = re.sub(r"^the ", "", folded)
    return _BN_GENITIVE.sub("", folded) if re.search(r"[\u0980-\u09ff]$", folded) else folded


_ALIASES: dict[str, str] = {}
for _canonical, _others in BODIES.items():
    for _name in (_canonical, *_others):
        _ALIASES[_key(_name)] = _canonical
_PLACES = {_key(p): p.upper() for p in PROVINCES}


def _old_style_tones(text: str) -> str:
    def move(m: re.Match[str]) -> str:
        decomposed = unicodedata.normalize("NFD", m.group(2))
        return unicodedata.normalize("NFC", m.group(1) + decomposed[1]) + decomposed[0]

    return _NEW_STYLE.sub(move, text)


def _spelling(raw: str) -> str:
    """Capitals, the official tone placement, one space, " - " between the parts of a hyphenated name; the motto,
    a number or a rule that a header line ran on into cut off."""
    s = _TRAILER.split(_old_style_tones(nfc(raw)))[0].strip(" \t*_-—–=~.:;,")
    s = re.sub(r"\s*[-–—]\s*", " - ", re.sub(r"\s+", " ", s))
    return s.upper()


def _english_committee(name: str) -> str | None:
    """ "BINH THUAN PROVINCIAL PARTY COMMITTEE" → "TỈNH ỦY BÌNH THUẬN"; its standing board likewise."""
    standing = _EN_STANDING.match(name)
    inner = standing.group(1) if standing else name
    m = _EN_COMMITTEE.match(inner)
    if not m or _key(m.group(1)) not in _PLACES:
        return None
    committee = f"{_COMMITTEES[m.group(2)]} {_PLACES[_key(m.group(1))]}"
    return f"BAN THƯỜNG VỤ {committee}" if standing else committee


def canonical_issuer(raw: str | None) -> str | None:
    """The one name of the body ``raw`` names (see the module docstring); None for an empty name."""
    if raw is None or not raw.strip(" \t*_-—–=~.:;,"):
        return None
    spelled = _spelling(raw)
    key = _key(spelled)
    if key in _ALIASES:
        return _ALIASES[key]
    return _english_committee(spelled) or spelled or None


def body_of_code(number: str | None) -> str | None:
    """The body a number's issuer code names ("16/VBHN-BTC" → "BỘ TÀI CHÍNH"), if the table knows it."""
    if not number:
        return None
    code = re.split(r"[-/]", number)[-1]
    return _CODE_BODIES.get(re.sub(r"\d+$", "", code))


def _named_body(phrase: str) -> str | None:
    """A table body named by a heading or signature phrase, alone or before the type word, with or without a
    Bengali genitive ending ("পলিটব্যুরোর প্রস্তাব": the Politburo's resolution)."""
    words = phrase.split()
    for n in range(len(words), 0, -1):
        key = _key(" ".join(words[:n]))
        if key in _ALIASES:
            return _ALIASES[key]
    return None


_PARTY_HEADER = re.compile(r"^BAN CHẤP HÀNH|\b(?:TỈNH|THÀNH|HUYỆN|QUẬN|THỊ|ĐẢNG) ỦY\b|^ĐẢNG BỘ|^BAN THƯỜNG VỤ")
_COMMITTEE_HEAD = re.compile(r"^(?:TỈNH|THÀNH|HUYỆN|QUẬN|THỊ) ỦY\b")


def _relative_body(phrase: str, header: str | None) -> str | None:
    """ "BAN THƯỜNG VỤ TỈNH ỦY" under the header "TỈNH ỦY KHÁNH HÒA" → "BAN THƯỜNG VỤ TỈNH ỦY KHÁNH HÒA"; "BAN
    CHẤP HÀNH ĐẢNG BỘ TỈNH" is the provincial committee itself."""
    if header is None:
        return None
    spelled = _spelling(phrase)
    board = _LOCAL_BOARD.match(spelled)
    if board and header.startswith(board.group(1)):
        return f"BAN THƯỜNG VỤ {header}"
    if spelled.startswith("BAN THƯỜNG VỤ ") and header.startswith(spelled.removeprefix("BAN THƯỜNG VỤ ")[:7]):
        return spelled  # the board named with its place
    committee = bool(_COMMITTEE_HEAD.match(header))
    if committee and _LOCAL_PLENARY.match(spelled):
        return header
    if committee and re.match(r"^(?:PROVINCIAL |CITY |DISTRICT )?(?:PARTY )?STANDING (?:BOARD|COMMITTEE)$", spelled):
        return f"BAN THƯỜNG VỤ {header}"
    return None


def party_body(heading: list[str], header: str | None, tail: str = "") -> str | None:
    """The party body that issued the document, when it is not the committee the header names.

    ``heading``: the type heading line and the capital lines that continue it ("NGHỊ QUYẾT", "CỦA BỘ CHÍNH TRỊ");
    ``header``: the canonical issuer read from the header; ``tail``: the end of the text (the signature). A state
    body's header is the issuer whatever its heading says ("QUYẾT ĐỊNH CỦA THỦ TƯỚNG CHÍNH PHỦ").
    """
    if header is not None and not _PARTY_HEADER.search(header):
        return None
    for i, line in enumerate(heading):
        candidates = [line]
        of = re.search(r"(?i)\s(?:CỦA|OF)\s", line)
        if of:
            candidates.append(line[of.start() + 1 :])
        for text in candidates:
            m = _OF.match(text.strip())
            phrase = m.group(1) if m else (text if i == 0 else "")
            plenum = _PLENUM.match(text.strip())
            if plenum:
                return _ALIASES[_key(plenum.group(1))]
            if m:
                body = _named_body(phrase) or _relative_body(phrase, header)
                if body:
                    return body
            elif i == 0 and re.search(r"[\u0980-\u09ff]", text) and (body := _named_body(text)):
                return body  # "পলিটব্যুরোর প্রস্তাব": the Politburo's resolution
    if header == CENTRAL_COMMITTEE:
        for pattern in (_SIGNED_FOR, _BN_SIGNED_FOR):
            for m in pattern.finditer(tail):
                body = _named_body(m.group(1))
                if body in (POLITBURO, SECRETARIAT):
                    return body
    return None


def signed_for(tail: str) -> str | None:
    """The collective body a signature acts for ("TM. CHÍNH PHỦ" → CHÍNH PHỦ), for a text whose header names none."""
    for m in _SIGNED_FOR.finditer(tail):
        phrase = m.group(1)
        if phrase.isupper() and len(phrase) <= 80:
            return canonical_issuer(phrase)
    return None
