"""Golden document understanding on the sample corpus: identity, exact section paths and chunk invariants.

No embedding model is loaded: every document is parsed by the real parsers and read through the same code as
``thammuu inspect`` (``indexer.build.inspection``: pipeline ids, sidecars, ``identify`` and the structure chunker).
The expected values below were read against the documents' text.

Known limitation kept in the goldens: nothing marks the end of the last section, so the closing lines and the
signature block ("Quy định này có hiệu lực…", "T/M BỘ CHÍNH TRỊ") travel with the last item (``IV. › 3.``,
``Chương III › Điều 8 › Khoản 2``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS
from typer.testing import CliRunner

from indexer.build.inspection import inspect_paths
from indexer.build.sources import file_doc_id, sidecar_for
from indexer.build.understand import understand
from indexer.chunking.structure import StructureChunker
from indexer.config import ChunkingSettings, Settings
from indexer.models import Chunk, Classification, Document
from indexer.parsing import build_registry, parse_file
from indexer.understanding.identity import identify
from search_api.cli import app

U, MAT = Classification.UNCLASSIFIED, Classification.MAT
NQ57 = "nq-57-tw-2024-khoa-hoc-cong-nghe.md"
BN57 = "bn-nq-57-tw-2024-bigyan-projukti.md"
BN36 = "bn-kl-36-tw-2024-krishi-gramin-unnayan.md"
QD96 = "qd-96-tw-2023-lay-phieu-tin-nhiem.txt"
DOCX = "nq-68-tw-2025-kinh-te-tu-nhan.docx"
PDF = "nq-09-tu-2024-du-lich-bien-dao.pdf"
MAT_DOC = "bc-15-du-2024-bao-ve-chinh-tri-noi-bo-mat.md"
SIDECAR_DOC = "hd-08-btgtu-2024-tuyen-truyen-dai-hoi.md"
EN59 = "en-nq-59-tw-2025-international-integration.md"
EN112 = "en-bc-112-tu-2024-energy-transition-report.md"

# Correct identity of every corpus document. Issuer: the canonical name of the body that issued it (see
# ``indexer.understanding.identity`` and ``issuers``): the header lines above the motto, a two-line party header
# read as the body that issues with its place ("ĐẢNG BỘ TỈNH THANH HÓA" / "TỈNH ỦY" → "TỈNH ỦY THANH HÓA"), the
# party body a type heading names ("NGHỊ QUYẾT / CỦA BỘ CHÍNH TRỊ" → "BỘ CHÍNH TRỊ"), translations under the same
# Vietnamese name ("কেন্দ্রীয় নির্বাহী কমিটি" is the Central Committee, "পলিটব্যুরোর প্রস্তাব" a Politburo resolution).
BN_CC = "BAN CHẤP HÀNH TRUNG ƯƠNG"
IDENTITY: dict[str, dict[str, Any]] = {
    NQ57: {"number": "57-NQ/TW", "doc_type": "Nghị quyết", "issuer": "BỘ CHÍNH TRỊ",
           "issued_date": "2024-12-22", "classification": U, "language": "vi", "term": None},
    BN57: {"number": "57-NQ/TW", "doc_type": "Nghị quyết", "issuer": "BỘ CHÍNH TRỊ",
           "issued_date": "2024-12-22", "classification": U, "language": "bn", "term": None},
    BN36: {"number": "36-KL/TW", "doc_type": "Kết luận", "issuer": BN_CC,
           "issued_date": "2024-06-14", "classification": U, "language": "bn", "term": None},
    "nq-12-tu-2023-giao-duc-dao-tao.md": {
        "number": "12-NQ/TU", "doc_type": "Nghị quyết", "issuer": "TỈNH ỦY NINH BÌNH",
        "issued_date": "2023-03-15", "classification": U, "language": "vi", "term": None},
    PDF: {"number": "09-NQ/TU", "doc_type": "Nghị quyết", "issuer": "BAN THƯỜNG VỤ TỈNH ỦY KHÁNH HÒA",
          "issued_date": "2024-04-18", "classification": U, "language": "vi", "term": None},
    DOCX: {"number": "68-NQ/TW", "doc_type": "Nghị quyết", "issuer": "BỘ CHÍNH TRỊ",
           "issued_date": "2025-05-04", "classification": U, "language": "vi", "term": None},
    "kl-21-tw-2023-xay-dung-dang.md": {
        "number": "21-KL/TW", "doc_type": "Kết luận", "issuer": "BAN CHẤP HÀNH TRUNG ƯƠNG",
        "issued_date": "2023-10-25", "classification": U, "language": "vi", "term": "XIII"},
    "ct-27-tw-2024-phong-chong-tham-nhung.md": {
        "number": "27-CT/TW", "doc_type": "Chỉ thị", "issuer": "BAN BÍ THƯ",
        "issued_date": "2024-01-10", "classification": U, "language": "vi", "term": None},
    "kh-45-tu-2024-bao-ve-moi-truong.md": {
        "number": "45-KH/TU", "doc_type": "Kế hoạch", "issuer": "TỈNH ỦY QUẢNG NINH",
        "issued_date": "2024-06-05", "classification": U, "language": "vi", "term": None},
    "bc-88-tu-2024-so-ket-y-te.md": {
        "number": "88-BC/TU", "doc_type": "Báo cáo", "issuer": "TỈNH ỦY THANH HÓA",
        "issued_date": "2024-11-20", "classification": U, "language": "vi", "term": None},
    QD96: {"number": "96-QĐ/TW", "doc_type": "Quy định", "issuer": "BỘ CHÍNH TRỊ",
           "issued_date": "2023-02-02", "classification": U, "language": "vi", "term": None},
    MAT_DOC: {"number": "15-BC/ĐU", "doc_type": "Báo cáo", "issuer": "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH",
              "issued_date": "2024-08-08", "classification": MAT, "language": "vi", "term": None},
    SIDECAR_DOC: {"number": "08-HD/BTGTU", "doc_type": "Hướng dẫn", "issuer": "BAN TUYÊN GIÁO TỈNH ỦY NGHỆ AN",
                  "issued_date": "2024-09-12", "classification": MAT, "language": "vi", "term": None},
    EN59: {"number": "59-NQ/TW", "doc_type": "Nghị quyết", "issuer": "BỘ CHÍNH TRỊ",
           "issued_date": "2025-01-24", "classification": U, "language": "en", "term": None},
    EN112: {"number": "112-BC/TU", "doc_type": "Báo cáo",
            "issuer": "TỈNH ỦY BÌNH THUẬN",
            "issued_date": "2024-09-30", "classification": U, "language": "en", "term": None},
}  # fmt: skip

# The trích yếu as staff cite it: the line(s) after the type heading, without the heading's "CỦA BỘ CHÍNH TRỊ" /
# "HỘI NGHỊ LẦN THỨ TÁM …" continuation, the "(Văn bản mẫu …)" note or the body (the sidecar sets its own title).
TITLES: dict[str, str] = {
    NQ57: "về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia",
    BN57: "বিজ্ঞান, প্রযুক্তি, উদ্ভাবন এবং জাতীয় ডিজিটাল রূপান্তরে অগ্রগতি সম্পর্কে",
    BN36: "কৃষি, কৃষক ও গ্রামীণ এলাকার উন্নয়ন এবং নতুন গ্রামীণ অঞ্চল নির্মাণ সম্পর্কে",
    "nq-12-tu-2023-giao-duc-dao-tao.md": (
        "về phát triển giáo dục và đào tạo, nâng cao chất lượng nguồn nhân lực tỉnh Ninh Bình giai đoạn 2023 - 2030"
    ),
    PDF: "về phát triển du lịch biển đảo trở thành ngành kinh tế mũi nhọn",
    DOCX: "về phát triển kinh tế tư nhân",
    "kl-21-tw-2023-xay-dung-dang.md": (
        "về đẩy mạnh xây dựng, chỉnh đốn Đảng và hệ thống chính trị; kiên quyết ngăn chặn, đẩy lùi sự suy thoái về "
        'tư tưởng chính trị, đạo đức, lối sống, "tự diễn biến", "tự chuyển hóa"'
    ),
    "ct-27-tw-2024-phong-chong-tham-nhung.md": (
        "về tăng cường sự lãnh đạo của Đảng đối với công tác phòng, chống tham nhũng, tiêu cực trong công tác thu "
        "hồi tài sản"
    ),
    "kh-45-tu-2024-bao-ve-moi-truong.md": (
        "thực hiện Kết luận của Bộ Chính trị về tăng cường bảo vệ môi trường, ứng phó với biến đổi khí hậu"
    ),
    "bc-88-tu-2024-so-ket-y-te.md": (
        "sơ kết 5 năm thực hiện Nghị quyết số 20-NQ/TW của Ban Chấp hành Trung ương về tăng cường công tác bảo vệ, "
        "chăm sóc và nâng cao sức khỏe nhân dân"
    ),
    QD96: "về lấy phiếu tín nhiệm đối với chức vụ lãnh đạo, quản lý trong hệ thống chính trị",
    MAT_DOC: "kết quả công tác bảo vệ chính trị nội bộ 6 tháng đầu năm 2024",
    SIDECAR_DOC: "Hướng dẫn tuyên truyền đại hội đảng bộ các cấp tiến tới Đại hội XIV",
    EN59: "on international integration in the new situation",
    EN112: "on the renewable energy transition and power grid development in the province, 2021–2024",
}

# Section paths with the default chunking settings (chunk_size 1500, overlap 200, min_chunk 200): a section that
# fits is one chunk, and consecutive sections are packed into one chunk while they fit, with a range label
# ("II.–III.", "Chương II–III"). The header (issuer, number, date, title) is the root's intro and travels with the
# first pack; the one-page PDF fits whole.
# Sections of different roles (results, limitations, targets, tasks, …) never share a chunk.
DEFAULT_PATHS: dict[str, list[str]] = {
    NQ57: ["", "I. › 1.", "I. › 2.", "II.", "III.", "IV."],
    QD96: ["Chương I", "Chương II", "Chương III"],
    DOCX: ["", "I.", "II.", "III.", "IV."],
    PDF: ["", "I. › 1.", "I. › 2.", "II.", "III.", "IV."],
}
DEFAULT_ROLES: dict[str, list[str]] = {
    NQ57: ["", "results", "limitations", "targets", "tasks", "organisation"],
    QD96: ["", "", "results"],  # "Chương III / SỬ DỤNG KẾT QUẢ …": the title line gives the chapter its role
    DOCX: ["", "context", "targets", "tasks", "organisation"],
    PDF: ["", "context", "limitations", "targets", "tasks", "organisation"],
}
# Smaller chunks expose the deeper structure: (document, chunk_size) → exact paths. A heading never stands alone:
# "Chương I\nQUY ĐỊNH CHUNG" opens "Chương I › Điều 1 › Khoản 1", "## I. TÌNH HÌNH…" opens "I. › 1.".
SMALL_PATHS: dict[tuple[str, int], list[str]] = {
    (NQ57, 400): [
        "", "I. › 1.", "I. › 1.", "I. › 2.", "II. › 1.", "II. › 2.",
        "III. › 1.–2.", "III. › 3.–5.", "IV. › 1.–2.", "IV. › 3.",
    ],
    (NQ57, 200): [
        "", "", "I. › 1.", "I. › 1.", "I. › 1.", "I. › 2. › a)", "I. › 2. › b)", "I. › 2. › c)",
        "II. › 1. › a)", "II. › 1. › a)", "II. › 1. › b)", "II. › 2. › a)", "II. › 2. › b)–c)",
        "III. › 1.", "III. › 2.", "III. › 3.", "III. › 4.", "III. › 5.",
        "IV. › 1.", "IV. › 2.", "IV. › 3.",
    ],
    (QD96, 200): [
        "", "",
        "Chương I › Điều 1 › Khoản 1", "Chương I › Điều 1 › Khoản 1", "Chương I › Điều 1 › Khoản 2",
        "Chương I › Điều 2 › Khoản 1", "Chương I › Điều 2 › Khoản 2", "Chương I › Điều 3",
        "Chương II › Điều 4 › Khoản 1", "Chương II › Điều 4 › Khoản 2", "Chương II › Điều 5",
        "Chương II › Điều 6 › Khoản 1", "Chương II › Điều 6 › Khoản 2",
        "Chương III › Điều 7 › Khoản 1", "Chương III › Điều 7 › Khoản 1", "Chương III › Điều 7 › Khoản 2",
        "Chương III › Điều 8 › Khoản 1", "Chương III › Điều 8 › Khoản 2", "Chương III › Điều 8 › Khoản 2",
    ],
    (QD96, 400): [
        "", "Chương I › Điều 1 › Khoản 1", "Chương I › Điều 1 › Khoản 2", "Chương I › Điều 2–3",
        "Chương II › Điều 4", "Chương II › Điều 5", "Chương II › Điều 6",
        "Chương III › Điều 7", "Chương III › Điều 8",
    ],
    (DOCX, 400): [
        "", "I. › 1.", "I. › 2.", "II. › 1.", "II. › 2.", "III. › 1.–2.", "III. › 3.–5.", "IV.",
    ],
    (PDF, 400): ["", "I. › 1.", "I. › 2.", "II.", "III. › 1.–3.", "III. › 4.", "IV."],
}  # fmt: skip
TABLE_ROWS = [
    "Chỉ tiêu\tNăm 2025\tMục tiêu 2030",
    "Số doanh nghiệp đang hoạt động\t940 nghìn\t2 triệu",
    "Số doanh nghiệp trên 1.000 dân\t9,5\t20",
    "Tốc độ tăng trưởng kinh tế tư nhân (%/năm)\t8\t10 - 12",
    "Tỷ trọng đóng góp vào GDP (%)\t50\t55 - 58",
    "Doanh nghiệp lớn tham gia chuỗi giá trị toàn cầu\t5\t20",
]


def _settings() -> Settings:
    """Environment settings with the chunking defaults pinned, so the goldens do not move with THAMMUU_* vars."""
    return Settings().model_copy(update={"chunking": ChunkingSettings()})


@cache
def _inspected() -> dict[str, dict[str, Any]]:
    """``thammuu inspect --chunks`` of the whole corpus, keyed by file name."""
    return {Path(d["source"]).name: d for d in inspect_paths([CORPUS], _settings(), with_chunks=True)}


@cache
def _doc(name: str) -> Document:
    """The document as indexing builds it: real parser, sidecar overrides, identify."""
    path = (CORPUS / name).resolve()
    parsed = parse_file(path, build_registry(_settings().ocr))[0]
    sidecar = sidecar_for(path)
    overrides = json.loads(sidecar.read_text(encoding="utf-8")) if sidecar else {}
    return understand(parsed, file_doc_id(path), str(path), "", overrides)


def _chunks(name: str, size: int = 1500) -> list[Chunk]:
    overlap = ChunkingSettings().chunk_overlap if size == 1500 else 50
    return StructureChunker(ChunkingSettings(chunk_size=size, chunk_overlap=overlap)).chunk(_doc(name))


def _field(item: dict[str, Any], field: str) -> Any:
    return Classification.parse(item[field]) if field == "classification" else item[field]


def test_corpus_is_the_documented_fifteen() -> None:
    names = set(_inspected())
    assert names == set(IDENTITY), names ^ set(IDENTITY)
    assert not any("error" in d for d in _inspected().values())


@pytest.mark.parametrize("name", sorted(IDENTITY))
def test_identity(name: str) -> None:
    item = _inspected()[name]
    for field, expected in IDENTITY[name].items():
        assert _field(item, field) == expected, f"{name}: {field}"


@pytest.mark.parametrize("name", sorted(TITLES))
def test_titles_are_the_trich_yeu(name: str) -> None:
    assert _inspected()[name]["title"] == TITLES[name]


def test_bengali_translation_number_from_transliteration() -> None:
    assert "নং ৫৭-এনকিউ/টিডব্লিউ" in _doc(BN57).text
    assert _inspected()[BN57]["number"] == _inspected()[NQ57]["number"] == "57-NQ/TW"
    assert "57-NQ/TW" in _doc(BN57).identity.number_variants


def test_classification_from_marking_and_sidecar() -> None:
    classified = {n for n, d in _inspected().items() if Classification.parse(d["classification"]) > U}
    assert classified == {MAT_DOC, SIDECAR_DOC}
    assert _doc(MAT_DOC).identity.classification == Classification.MAT
    sidecar = _doc(SIDECAR_DOC)
    assert sidecar.identity.classification == Classification.MAT
    assert sidecar.identity.unit == "Ban Tuyên giáo Tỉnh ủy Nghệ An"
    assert sidecar.identity.title == "Hướng dẫn tuyên truyền đại hội đảng bộ các cấp tiến tới Đại hội XIV"
    # Without the sidecar the text alone is unclassified: the level really comes from the override.
    assert identify(sidecar.text, sidecar.metadata).classification == Classification.UNCLASSIFIED


def test_cli_inspect_json_matches() -> None:
    result = CliRunner().invoke(app, ["inspect", "--json", str(CORPUS)])
    assert result.exit_code == 0, result.output
    items = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert {Path(d["source"]).name: d["number"] for d in items} == {n: v["number"] for n, v in IDENTITY.items()}


def test_titles_stop_before_the_body() -> None:
    long = {n: d["title"] for n, d in _inspected().items() if d["title"] and re.search(r"\bI\. ", d["title"])}
    assert not long


@pytest.mark.parametrize("name", sorted(DEFAULT_PATHS))
def test_default_section_paths(name: str) -> None:
    item = _inspected()[name]
    assert [c["section"] for c in item["chunk_list"]] == DEFAULT_PATHS[name]
    assert [c.section for c in _chunks(name)] == DEFAULT_PATHS[name]
    assert [c.role for c in _chunks(name)] == DEFAULT_ROLES[name]


@pytest.mark.parametrize(("name", "size"), sorted(SMALL_PATHS))
def test_small_chunk_section_paths(name: str, size: int) -> None:
    assert [c.section for c in _chunks(name, size)] == SMALL_PATHS[(name, size)]


def test_section_paths_start_at_their_headings() -> None:
    by_path: dict[str, str] = {}
    for c in _chunks(QD96, 200):
        by_path.setdefault(c.section, c.text)  # the first piece of a split section
    assert by_path["Chương II › Điều 5"].startswith("Điều 5. Các mức tín nhiệm\n1. Phiếu lấy tín nhiệm có ba mức")
    assert by_path["Chương I › Điều 1 › Khoản 1"].startswith("Chương I\nQUY ĐỊNH CHUNG\n\nĐiều 1. Phạm vi điều chỉnh")
    assert by_path["Chương I › Điều 1 › Khoản 2"].startswith("2. Quy định này áp dụng")
    assert by_path["Chương II › Điều 4 › Khoản 1"].startswith("Chương II\nQUY TRÌNH LẤY PHIẾU TÍN NHIỆM\n\nĐiều 4.")
    packed = {c.section: c.text for c in _chunks(QD96, 400)}["Chương I › Điều 2–3"]
    assert packed.startswith("Điều 2. Mục đích\n1. ") and "\nĐiều 3. Nguyên tắc\n" in packed
    nq = {c.section: c.text for c in _chunks(NQ57, 200)}
    assert nq["I. › 2. › a)"].startswith("2. Hạn chế, yếu kém\n\na) Đầu tư cho nghiên cứu")
    assert nq["II. › 2. › b)–c)"].startswith("b) Kinh phí chi cho nghiên cứu và phát triển")
    assert "\nc) Việt Nam thuộc nhóm 3 nước dẫn đầu" in nq["II. › 2. › b)–c)"]
    assert nq["IV. › 1."].startswith("## IV. TỔ CHỨC THỰC HIỆN\n\n1. Các tỉnh ủy")
    default = {c.section: c.text for c in _chunks(NQ57)}
    assert default[""].startswith("BAN CHẤP HÀNH TRUNG ƯƠNG\n") and "## I." not in default[""]
    assert default["I. › 1."].startswith("## I. TÌNH HÌNH VÀ NGUYÊN NHÂN\n\n1. Kết quả đạt được")
    assert default["II."].startswith("## II. QUAN ĐIỂM") and "\n## III. NHIỆM VỤ" not in default["II."]


def test_docx_table_kept_as_text() -> None:
    text = _doc(DOCX).text
    assert "\n".join(TABLE_ROWS) in text
    default = {c.section: c.text for c in _chunks(DOCX)}
    small = {c.section: c.text for c in _chunks(DOCX, 400)}
    for rows in (default["II."], small["II. › 2."]):
        assert "\n".join(TABLE_ROWS) in rows
    assert small["II. › 2."].startswith("2. Các chỉ tiêu chủ yếu đến năm 2030 được nêu trong bảng sau:\nChỉ tiêu\t")


def test_pdf_page_numbers_on_chunks() -> None:
    doc = _doc(PDF)
    assert [p.number for p in doc.pages] == [1] and _inspected()[PDF]["pages"] == 1
    assert [c["pages"] for c in _inspected()[PDF]["chunk_list"]] == [[1]] * len(DEFAULT_PATHS[PDF])
    assert all(c.pages == [1] for c in _chunks(PDF, 400))
    assert _chunks(PDF, 400)[3].text.startswith("II. MỤC TIÊU ĐẾN NĂM 2030\n1. Đón 15 triệu lượt khách")


def test_bengali_translation_nested_like_the_original() -> None:
    # The same top-level sections, in the same roles (the Vietnamese one also splits I. into its results and
    # limitations, which it puts under headings of their own where the translation runs them into the text).
    top = {"I.": "১.", "II.": "২.", "III.": "৩.", "IV.": "৪."}
    vi = [(top[c.section.split(" › ")[0]], c.role) for c in _chunks(NQ57) if c.section]
    bn = [(c.section, c.role) for c in _chunks(BN57) if c.section]
    assert [s for s, _ in bn] == ["১.", "২.", "৩.", "৪."] and set(bn[1:]) <= set(vi)
    small: dict[str, str] = {}
    for c in _chunks(BN57, 200):
        small.setdefault(c.section, c.text)
    assert small["১. › ১."].startswith("## ১. পরিস্থিতি ও কারণ\n\n১. অর্জিত ফলাফল")  # the heading is not alone
    assert small["১. › ২. › ক)"].startswith("২. সীমাবদ্ধতা\n\nক) গবেষণা")
    assert {"১. › ২. › খ)", "১. › ২. › গ)", "২. › ২. › খ)–গ)", "৩. › ৩.–৪."} <= set(small)


def test_split_pieces_do_not_start_with_a_separator() -> None:
    assert [c.text[:12] for c in _chunks(NQ57, 200) if c.text[0] in ".;,"] == []


@pytest.mark.parametrize("size", [1500, 200])
@pytest.mark.parametrize("name", sorted(IDENTITY))
def test_chunk_invariants(name: str, size: int) -> None:
    doc = _doc(name)
    chunks = _chunks(name, size)
    assert chunks
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert [c.char_start for c in chunks] == sorted(c.char_start for c in chunks)
    covered = [False] * len(doc.text)
    for c in chunks:
        assert c.text and c.text == c.text.strip()
        # A heading never stands alone, unless it is too long to share a chunk (a 179-character title at size 200).
        assert "\n" in c.text or not c.text.startswith("#") or len(c.text) > size // 2, f"a heading alone: {c.text!r}"
        assert c.text == doc.text[c.char_start : c.char_end]
        assert len(c.text) <= size
        assert c.doc_id == doc.doc_id
        covered[c.char_start : c.char_end] = [True] * (c.char_end - c.char_start)
        if doc.pages:
            assert c.pages and set(c.pages) <= {p.number for p in doc.pages}
        else:
            assert c.pages == []
    lost = "".join(ch for ch, seen in zip(doc.text, covered, strict=True) if not seen and not ch.isspace())
    assert lost == "", "text outside every chunk"
