"""The drafting benchmark's scorer on small hand-made archives and drafts, and the consistency of its real gold."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from benchmarks.drafting_score import (
    ROLES,
    load_archive,
    load_gold,
    normalise,
    score_draft,
    section_roles_of,
    target_matches,
)
from indexer.understanding.identity import identify

DATA = Path(__file__).parent / "data" / "drafting"
ARCHIVE = DATA / "archive"

# --- a tiny archive --------------------------------------------------------------------------------------------

RESOLUTION = """TỈNH ỦY THỬ NGHIỆM
Số 01-NQ/TU

NGHỊ QUYẾT
về một chủ đề thử nghiệm

I. MỤC TIÊU

- Tỷ lệ hộ dân dùng nước sạch đạt trên 95% vào năm 2025.
- Thu nhập bình quân đầu người ở nông thôn đạt 60 triệu đồng mỗi năm.

II. NHIỆM VỤ

Các cấp ủy tập trung đầu tư hệ thống cấp nước tập trung cho vùng nông thôn.
"""

REPORT = """TỈNH ỦY THỬ NGHIỆM
Số 02-BC/TU

BÁO CÁO
kết quả thực hiện Nghị quyết số 01-NQ/TU

I. KẾT QUẢ

Năm 2024, có 91,5% hộ dân nông thôn đã được dùng nước sạch theo quy chuẩn.

II. HẠN CHẾ

Một số công trình cấp nước xuống cấp, hoạt động kém hiệu quả.

III. HẠN CHẾ

Nguồn vốn đầu tư cho các công trình cấp nước còn thiếu nhiều.
"""

OTHER = """TỈNH ỦY THỬ NGHIỆM
Số 03-BC/TU

BÁO CÁO
về một chủ đề khác

I. KẾT QUẢ

Toàn tỉnh có 98% trạm y tế xã đạt chuẩn quốc gia về y tế xã.
"""

ROLES_SMALL = {
    "res.md": [["NGHỊ QUYẾT", "context"], ["I. MỤC TIÊU", "targets"], ["II. NHIỆM VỤ", "tasks"]],
    "rep.txt": [
        ["BÁO CÁO", "context"],
        ["I. KẾT QUẢ", "results"],
        ["II. HẠN CHẾ", "limitations"],
        ["III. HẠN CHẾ", "lessons"],  # a second, deliberately different role: headings are placed in order
    ],
    "other.txt": [["BÁO CÁO", "context"], ["I. KẾT QUẢ", "results"]],
}
SUBJECT: dict[str, Any] = {
    "subject": "01-NQ/TU",
    "topic": "nước sạch nông thôn",
    "about": ["res.md", "rep.txt"],
    "targets": [
        "Tỷ lệ hộ dân dùng nước sạch đạt trên 95% vào năm 2025.",
        "Thu nhập bình quân đầu người ở nông thôn đạt 60 triệu đồng mỗi năm.",
    ],
    "pairs": [{"target": 0, "results": ["có 91,5% hộ dân nông thôn đã được dùng nước sạch"]}],
}
SECTION_ROLES = {"II. Kết quả": {"results", "leadership"}, "III. Hạn chế": {"limitations"}}

GOOD_RESULT = "Năm 2024, có 91,5% hộ dân nông thôn đã được dùng nước sạch theo quy chuẩn."
LIMITATION = "Một số công trình cấp nước xuống cấp, hoạt động kém hiệu quả."
LESSON_PLACED = "Nguồn vốn đầu tư cho các công trình cấp nước còn thiếu nhiều."
DISTRACTOR = "Toàn tỉnh có 98% trạm y tế xã đạt chuẩn quốc gia về y tế xã."


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    (tmp_path / "res.md").write_text(RESOLUTION, encoding="utf-8")
    (tmp_path / "rep.txt").write_text(REPORT, encoding="utf-8")
    (tmp_path / "other.txt").write_text(OTHER, encoding="utf-8")
    (tmp_path / "notes.json").write_text("{}", encoding="utf-8")  # not a document: ignored
    return tmp_path


def _draft(sections: dict[str, list[str]], targets: list[tuple[str, list[str]]] | None = None) -> dict[str, Any]:
    cite = {"doc_id": "d", "chunk_id": 1, "number": None, "section": "", "label": "[x]"}
    return {
        "sections": [
            {"heading": h, "paragraphs": [{"text": " ".join(ss), "sentences": ss, "citations": [cite]}]}
            for h, ss in sections.items()
        ],
        "sources": [],
        "targets": [
            {"text": t, "citation": cite, "results": [{"text": r, "citation": cite} for r in rs]}
            for t, rs in (targets or [])
        ],
        "gaps": [],
    }


def _score(archive: Path, draft: dict[str, Any]):
    return score_draft(draft, SUBJECT, ROLES_SMALL, archive, SECTION_ROLES)


def test_a_perfect_draft_scores_one_everywhere(archive: Path) -> None:
    draft = _draft(
        {"II. Kết quả": [GOOD_RESULT], "III. Hạn chế": [LIMITATION]},
        [(SUBJECT["targets"][0], [GOOD_RESULT]), (SUBJECT["targets"][1], [])],
    )
    s = _score(archive, draft)
    assert (s.on_topic, s.placement, s.target_recall, s.pairs_linked) == (1.0, 1.0, 1.0, 1.0)
    assert s.sentences == 5  # 2 section sentences, 2 target texts, 1 result text
    assert s.verbatim and s.verbatim_share == 1.0
    assert s.subject == "01-NQ/TU" and s.seconds == 0.0
    assert s.unmatched_targets == [] and s.unlinked_pairs == [] and s.not_found == []


def test_a_sentence_in_the_wrong_section_lowers_placement(archive: Path) -> None:
    s = _score(archive, _draft({"II. Kết quả": [GOOD_RESULT, LIMITATION]}))
    assert s.placement == 0.5


def test_headings_are_placed_in_order_so_a_repeated_heading_keeps_its_own_role(archive: Path) -> None:
    # LESSON_PLACED sits under the second "HẠN CHẾ" heading, which the roles call lessons.
    assert _score(archive, _draft({"III. Hạn chế": [LESSON_PLACED]})).placement == 0.0
    assert _score(archive, _draft({"III. Hạn chế": [LIMITATION]})).placement == 1.0


def test_a_distractor_sentence_is_off_topic_but_verbatim(archive: Path) -> None:
    s = _score(archive, _draft({"II. Kết quả": [GOOD_RESULT, DISTRACTOR]}))
    assert s.on_topic == 0.5
    assert s.verbatim and s.placement == 1.0  # placed where its own role belongs


def test_a_paraphrase_is_not_verbatim_and_is_left_out_of_placement(archive: Path) -> None:
    paraphrase = "Năm 2024, khoảng 91% hộ dân nông thôn đã dùng nước sạch."
    s = _score(archive, _draft({"II. Kết quả": [GOOD_RESULT, paraphrase]}))
    assert not s.verbatim and s.verbatim_share == 0.5 and s.not_found == [paraphrase]
    assert s.on_topic == 0.5
    assert s.placement == 1.0


def test_whitespace_and_unicode_forms_do_not_matter(archive: Path) -> None:
    spaced = unicodedata.normalize("NFD", GOOD_RESULT.replace(" ", "  \n ", 2))
    s = _score(archive, _draft({"II. Kết quả": [spaced]}))
    assert s.verbatim and s.on_topic == 1.0 and s.placement == 1.0


def test_a_sentence_above_every_heading_has_no_role(archive: Path) -> None:
    (archive / "rep.txt").write_text(
        "Dòng này đứng trước mọi tiêu đề của văn bản báo cáo.\n" + REPORT, encoding="utf-8"
    )
    s = _score(archive, _draft({"II. Kết quả": ["Dòng này đứng trước mọi tiêu đề của văn bản báo cáo."]}))
    assert s.verbatim and s.placement == 0.0


def test_section_headings_are_looked_up_ignoring_case_and_spacing(archive: Path) -> None:
    assert _score(archive, _draft({"ii.  KẾT QUẢ": [GOOD_RESULT]})).placement == 1.0
    assert _score(archive, _draft({"Mục lạ": [GOOD_RESULT]})).placement == 0.0


def test_target_matching() -> None:
    gold = SUBJECT["targets"][0]
    assert target_matches(gold, gold)
    assert target_matches("- " + gold.upper().rstrip("."), gold)  # bullet, case, closing punctuation
    assert target_matches("Mục tiêu: " + gold + " Các mục tiêu khác.", gold)  # the draft contains the gold
    assert target_matches("Tỷ lệ hộ dân dùng nước sạch đạt trên 95%", gold)  # a draft inside the gold
    assert not target_matches("Tỷ lệ hộ dân", gold)  # too short to stand for it
    assert target_matches("Tỷ lệ hộ gia đình dùng nước sạch đạt trên 95% vào năm 2025.", gold)  # 12 of 14 words
    assert target_matches("Tỷ lệ hộ dân được dùng nước sạch đạt trên 95% vào năm 2025.", gold)  # one word more
    assert not target_matches("Tỷ lệ hộ dân dùng nước sạch đạt trên 80% vào năm 2030.", gold)  # 10 of 13 words
    assert not target_matches(SUBJECT["targets"][1], gold)
    assert not target_matches("", gold)


def test_pairs_need_the_result_under_the_matched_target(archive: Path) -> None:
    wrong_row = _draft({}, [(SUBJECT["targets"][0], []), (SUBJECT["targets"][1], [GOOD_RESULT])])
    s = _score(archive, wrong_row)
    assert s.target_recall == 1.0 and s.pairs_linked == 0.0 and s.unlinked_pairs == [0]
    no_target = _draft({}, [("Một chỉ tiêu không có trong nghị quyết thử nghiệm.", [GOOD_RESULT])])
    s = _score(archive, no_target)
    assert s.target_recall == 0.0 and s.unmatched_targets == [0, 1] and s.pairs_linked == 0.0


def test_an_empty_draft_scores_nothing(archive: Path) -> None:
    s = _score(archive, {"sections": [], "sources": [], "targets": [], "gaps": ["II. Kết quả"]})
    assert (s.on_topic, s.placement, s.target_recall, s.pairs_linked, s.sentences) == (0.0, 0.0, 0.0, 0.0, 0)
    assert not s.verbatim and s.verbatim_share == 0.0


def test_a_subject_without_pairs_or_targets_is_vacuously_met(archive: Path) -> None:
    bare = {**SUBJECT, "targets": [], "pairs": []}
    s = score_draft(_draft({"II. Kết quả": [GOOD_RESULT]}), bare, ROLES_SMALL, archive, SECTION_ROLES)
    assert s.target_recall == 1.0 and s.pairs_linked == 1.0


def test_section_roles_of_a_template(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text(
        "id: t\nsections:\n  - heading: 'I. Kết quả'\n    roles: [results, leadership]\n  - heading: 'II. Khác'\n",
        encoding="utf-8",
    )
    assert section_roles_of(template) == {"I. Kết quả": {"results", "leadership"}, "II. Khác": set()}


# --- the real archive and its gold ---------------------------------------------------------------------------

GOLD = load_gold(DATA / "gold.json")
FILES = sorted(p.name for p in ARCHIVE.iterdir())
IDENTITIES = {  # number, type, issuer, date of issue
    "nq-07-tu-2021-nong-nghiep-cong-nghe-cao.md": ("07-NQ/TU", "Nghị quyết", "TỈNH ỦY HÒA BÌNH XANH", "2021-08-12"),
    "kh-45-tu-2021-thuc-hien-nq-07-nong-nghiep.txt": ("45-KH/TU", "Kế hoạch", "TỈNH ỦY HÒA BÌNH XANH", "2021-10-20"),
    "bc-210-tu-2023-so-ket-2-nam-nq-07.md": ("210-BC/TU", "Báo cáo", "TỈNH ỦY HÒA BÌNH XANH", "2023-09-18"),
    "bc-268-tu-2024-ket-qua-nam-2024-nq-07.txt": ("268-BC/TU", "Báo cáo", "TỈNH ỦY HÒA BÌNH XANH", "2024-12-06"),
    "nq-15-tu-2022-cai-cach-hanh-chinh-pci.txt": (
        "15-NQ/TU",
        "Nghị quyết",
        "BAN THƯỜNG VỤ TỈNH ỦY HÒA BÌNH XANH",
        "2022-04-25",
    ),
    "kh-62-tu-2022-thuc-hien-nq-15-cai-cach-hanh-chinh.md": (
        "62-KH/TU",
        "Kế hoạch",
        "TỈNH ỦY HÒA BÌNH XANH",
        "2022-06-14",
    ),
    "bc-189-tu-2023-mot-nam-thuc-hien-nq-15.txt": ("189-BC/TU", "Báo cáo", "TỈNH ỦY HÒA BÌNH XANH", "2023-06-26"),
    "bc-301-tu-2025-so-ket-3-nam-nq-15.md": ("301-BC/TU", "Báo cáo", "TỈNH ỦY HÒA BÌNH XANH", "2025-05-15"),
    "bc-176-tu-2023-so-ket-y-te-co-so.txt": ("176-BC/TU", "Báo cáo", "TỈNH ỦY HÒA BÌNH XANH", "2023-11-10"),
    "nq-22-hu-2021-nong-nghiep-huyen-son-lam.md": ("22-NQ/HU", "Nghị quyết", "HUYỆN ỦY SƠN LAM", "2021-12-09"),
    "bc-95-hu-2023-ket-qua-nq-22-son-lam.txt": ("95-BC/HU", "Báo cáo", "HUYỆN ỦY SƠN LAM", "2023-12-20"),
    "bc-240-tu-2023-chuyen-doi-so.md": ("240-BC/TU", "Báo cáo", "TỈNH ỦY HÒA BÌNH XANH", "2023-12-22"),
    # "CHỈ THỊ CỦA BAN THƯỜNG VỤ TỈNH ỦY": the body its type heading names issued it
    "ct-18-tu-2023-phong-chay-chua-chay.md": (
        "18-CT/TU",
        "Chỉ thị",
        "BAN THƯỜNG VỤ TỈNH ỦY HÒA BÌNH XANH",
        "2023-07-03",
    ),
}
_HEADING_LIKE = re.compile(r"^(?:#+\s|\*\*|(?:Phần|PHẦN)\s+thứ|[IVXLC]+\s*[.\-–]\s|\d{1,2}\s*[.\-–]\s|[a-zđ]\)\s)")


def _text(name: str) -> str:
    return (ARCHIVE / name).read_text(encoding="utf-8")


def _capitals(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) > 0.6 * len(letters)


def test_the_archive_is_what_the_gold_describes() -> None:
    assert FILES == sorted(IDENTITIES) == sorted(GOLD["roles"])
    about = [name for subject in GOLD["subjects"] for name in subject["about"]]
    assert len(about) == len(set(about)) and set(about) <= set(FILES)
    assert sorted(GOLD["distractors"]) == sorted(set(FILES) - set(about)) and len(GOLD["distractors"]) >= 4
    for name in FILES:
        raw = (ARCHIVE / name).read_bytes()
        assert 3_000 <= len(raw) <= 9_000, name
        assert unicodedata.normalize("NFC", raw.decode("utf-8")) == raw.decode("utf-8"), name


@pytest.mark.parametrize("name", sorted(IDENTITIES))
def test_the_indexer_reads_each_header(name: str) -> None:
    ident = identify(_text(name), {})
    assert (ident.number, ident.doc_type, ident.issuer, ident.issued_date) == IDENTITIES[name]


def test_every_heading_has_a_role_and_every_role_is_found() -> None:
    files = load_archive(ARCHIVE, GOLD["roles"])
    for name in FILES:
        listed = GOLD["roles"][name]
        assert {role for _, role in listed} <= ROLES, name
        assert len(files[name].headings) == len(listed), f"{name}: a role heading is not a line of the file"
        headings = {heading for heading, _ in listed}
        body = _text(name).split("\n")
        start = next(i for i, line in enumerate(body) if line.strip() == listed[0][0])  # the type line
        for line in body[start:]:
            line = line.strip()
            if line.startswith("Nơi nhận"):
                break
            looks = line.startswith("#") or (_HEADING_LIKE.match(line) and not line.endswith((".", ";", ":")))
            if line and (looks or (_capitals(line) and not line.endswith("."))):
                assert line in headings, f"{name}: {line!r} has no role"


@pytest.mark.parametrize("subject", GOLD["subjects"], ids=lambda s: s["subject"])
def test_targets_and_pairs_are_verbatim_and_unique(subject: dict[str, Any]) -> None:
    resolution, reports = subject["about"][0], subject["about"][2:]
    assert identify(_text(resolution), {}).number == subject["subject"]
    assert all(subject["subject"] in _text(name) for name in subject["about"][1:])  # plan and reports cite it
    lines = _text(resolution).split("\n")
    assert len(subject["targets"]) >= 5
    for target in subject["targets"]:
        assert "- " + target in lines
    paired = {pair["target"] for pair in subject["pairs"]}
    assert paired < set(range(len(subject["targets"])))  # most targets have a reported result, not all
    files = load_archive(ARCHIVE, GOLD["roles"])
    texts = {name: normalise(_text(name)) for name in FILES}
    for pair in subject["pairs"]:
        for result in pair["results"]:
            assert len(result) >= 25
            where = [(name, text.count(result)) for name, text in texts.items() if result in text]
            assert len(where) == 1 and where[0][1] == 1, (result, where)
            name = where[0][0]
            assert name in reports, result
            assert files[name].role_at(files[name].find(result)[0]) == "results", result


def _sentence_with(fragment: str) -> str:
    """The whole line of the archive that holds ``fragment`` (the fixtures' results are one sentence a line)."""
    for name in FILES:
        for line in _text(name).split("\n"):
            if fragment in line:
                return line.strip()
    raise AssertionError(fragment)


@pytest.mark.parametrize("subject", GOLD["subjects"], ids=lambda s: s["subject"])
def test_the_gold_itself_as_a_draft_scores_one(subject: dict[str, Any]) -> None:
    rows: dict[int, list[str]] = {}
    for pair in subject["pairs"]:
        rows.setdefault(pair["target"], []).extend(_sentence_with(r) for r in pair["results"])
    targets = [(t, rows.get(i, [])) for i, t in enumerate(subject["targets"])]
    results = [r for rs in rows.values() for r in rs]
    draft = _draft({"III. Kết quả": results}, targets)
    s = score_draft(draft, subject, GOLD["roles"], ARCHIVE, {"III. Kết quả": {"results"}})
    assert (s.on_topic, s.placement, s.target_recall, s.pairs_linked) == (1.0, 1.0, 1.0, 1.0)
    assert s.verbatim


def test_another_committees_target_does_not_match() -> None:
    ours = GOLD["subjects"][0]["targets"][0]
    theirs = _sentence_with("chiếm trên 25% tổng giá trị sản xuất nông nghiệp của huyện").removeprefix("- ")
    assert not target_matches(theirs, ours)


def test_a_draft_from_a_distractor_scores_off_topic() -> None:
    subject = GOLD["subjects"][0]
    lookalike = _sentence_with("giá trị sản phẩm nông nghiệp ứng dụng công nghệ cao của huyện chiếm 21,3%")
    draft = _draft({"III. Kết quả": [lookalike]}, [(subject["targets"][0], [lookalike])])
    s = score_draft(draft, subject, GOLD["roles"], ARCHIVE, {"III. Kết quả": {"results"}})
    assert s.verbatim and s.placement == 1.0 and s.target_recall == 1 / len(subject["targets"])
    assert s.on_topic == pytest.approx(1 / 3)  # the target text is on topic, the look-alike (twice) is not
    assert s.pairs_linked == 0.0
