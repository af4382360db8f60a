"""Section roles from headings (Vietnamese, English, Bengali) and one role per chunk."""

from __future__ import annotations

import pytest

from indexer.chunking.structure import StructureChunker
from indexer.config import ChunkingSettings
from indexer.models import Document
from indexer.understanding.identity import identify
from indexer.understanding.section_roles import SectionRole, heading_role

R = SectionRole


@pytest.mark.parametrize(
    ("line", "doc_type", "role"),
    [
        ("## II. KẾT QUẢ ĐẠT ĐƯỢC", None, R.RESULTS),
        ("III. HẠN CHẾ, NGUYÊN NHÂN", None, R.LIMITATIONS),
        ("II. HẠN CHẾ, YẾU KÉM VÀ NGUYÊN NHÂN", None, R.LIMITATIONS),
        ("2. Mục tiêu cụ thể", None, R.TARGETS),
        ("II. QUAN ĐIỂM CHỈ ĐẠO VÀ MỤC TIÊU", None, R.TARGETS),
        ("III. NHIỆM VỤ, GIẢI PHÁP", "Nghị quyết", R.TASKS),
        ("III. NHIỆM VỤ, GIẢI PHÁP", "Báo cáo", R.DIRECTIONS),  # a report's tasks are those ahead
        ("IV. NHIỆM VỤ, GIẢI PHÁP TRONG THỜI GIAN TỚI", None, R.DIRECTIONS),
        ("Phần thứ hai: PHƯƠNG HƯỚNG, NHIỆM VỤ NĂM 2025", None, R.DIRECTIONS),
        ("KIẾN NGHỊ, ĐỀ XUẤT", None, R.RECOMMENDATIONS),
        ("1. Công tác lãnh đạo, chỉ đạo", None, R.LEADERSHIP),
        ("3. Bài học kinh nghiệm", None, R.LESSONS),
        ("IV. TỔ CHỨC THỰC HIỆN", None, R.ORGANISATION),
        ("I. MỤC ĐÍCH, YÊU CẦU", None, R.CONTEXT),
        ("## I. RESULTS", None, R.RESULTS),
        ("## II. SHORTCOMINGS", None, R.LIMITATIONS),
        ("## III. TASKS FOR 2025–2030", "Report", R.DIRECTIONS),
        ("## IV. PROPOSALS", None, R.RECOMMENDATIONS),
        ("# RESOLUTION", None, R.NONE),  # "solution" inside a word is no role
        ("## ২. লক্ষ্য ২০৩০", None, R.TARGETS),
        ("## ৪. বাস্তবায়ন", None, R.ORGANISATION),
        ("II. MUC TIEU CU THE", None, R.TARGETS),  # typed without diacritics
        ("A. KẾT QUẢ ĐẠT ĐƯỢC", None, R.RESULTS),  # letter numbering
        ("2. Mục tiêu cụ thể đến năm 2025:", None, R.TARGETS),  # a short lead-in that starts with its role
        ("1. Hồ sơ đề nghị cấp giấy phép môi trường bao gồm:", None, R.NONE),  # a legal list, not a heading
        ("2. Trách nhiệm thực hiện tham vấn được quy định như sau:", None, R.NONE),
        # Items, not headings: they keep their section's role.
        ("a) Đến năm 2025, tỷ lệ hồ sơ giải quyết đúng hạn đạt 98%.", None, R.NONE),
        ("9. Tổ chức tuyên truyền, giáo dục về phòng, chống ma túy.", None, R.NONE),
        ("đ) Chỉ đạo, hướng dẫn, kiểm tra công tác cai nghiện;", None, R.NONE),
        ("6. Cơ sở cai nghiện ma túy công lập có trách nhiệm sau đây:", None, R.NONE),
    ],
)
def test_heading_roles(line: str, doc_type: str | None, role: SectionRole) -> None:
    assert heading_role(line, doc_type) is role


REPORT = """TỈNH ỦY HÒA AN
ĐẢNG CỘNG SẢN VIỆT NAM

Số 88-BC/TU

Hòa An, ngày 10 tháng 12 năm 2024

BÁO CÁO
sơ kết 3 năm thực hiện Nghị quyết số 07-NQ/TU

I. KẾT QUẢ ĐẠT ĐƯỢC

1. Công tác lãnh đạo, chỉ đạo

Ban Thường vụ Tỉnh ủy ban hành kế hoạch thực hiện nghị quyết, tổ chức quán triệt đến toàn thể cán bộ.

2. Công tác nắm tình hình

Các cấp ủy nắm chắc tình hình sản xuất, kịp thời tháo gỡ khó khăn cho doanh nghiệp nông nghiệp.

3. Kết quả cụ thể

Giá trị sản phẩm nông nghiệp ứng dụng công nghệ cao chiếm 24,6% tổng giá trị sản xuất nông nghiệp.

II. HẠN CHẾ, NGUYÊN NHÂN

Một số chỉ tiêu đạt thấp; nguồn lực đầu tư còn hạn chế, liên kết sản xuất chưa bền vững.

KIẾN NGHỊ, ĐỀ XUẤT

Đề nghị Trung ương sớm ban hành cơ chế hỗ trợ tín dụng cho nông nghiệp công nghệ cao.
"""


def test_chunks_carry_one_role_each_and_unnumbered_role_headings_open_sections() -> None:
    doc = Document("bc", "bc.txt", "h", REPORT, identify(REPORT, {}))
    chunks = StructureChunker(ChunkingSettings()).chunk(doc)
    roles = {c.role for c in chunks}
    assert {"leadership", "results", "limitations", "recommendations"} <= roles

    def role_of(phrase: str) -> str:
        return next(c.role for c in chunks if phrase in c.text)

    assert role_of("tổ chức quán triệt") == "leadership"
    assert role_of("nắm chắc tình hình") == "results"  # a context heading inside results stays results
    assert role_of("chiếm 24,6%") == "results"
    assert role_of("nguồn lực đầu tư") == "limitations"
    assert role_of("tín dụng cho nông nghiệp") == "recommendations"
    assert "Đề nghị Trung ương" not in next(c.text for c in chunks if "nguồn lực đầu tư" in c.text)


PLAN = """KẾ HOẠCH
thực hiện Nghị quyết số 07-NQ/TU

II. NHIỆM VỤ TRỌNG TÂM

1. Tổ chức quán triệt, tuyên truyền Nghị quyết

Các cấp ủy tổ chức hội nghị quán triệt Nghị quyết đến toàn thể cán bộ, đảng viên trong quý IV năm 2021.

2. Mục tiêu cụ thể

Đến năm 2025, có 05 vùng sản xuất nông nghiệp ứng dụng công nghệ cao được công nhận.

III. TỔ CHỨC THỰC HIỆN VÀ KIẾN NGHỊ

1. Kiến nghị

Đề nghị Trung ương sớm ban hành cơ chế hỗ trợ tín dụng cho nông nghiệp công nghệ cao.
"""


def test_sub_headings_of_a_prescriptive_section_stay_in_it() -> None:
    doc = Document("kh", "kh.txt", "h", PLAN, identify(PLAN, {}))
    chunks = StructureChunker(ChunkingSettings()).chunk(doc)

    def role_of(phrase: str) -> str:
        return next(c.role for c in chunks if phrase in c.text)

    assert role_of("hội nghị quán triệt") == "tasks"  # "Tổ chức quán triệt" is a task of a plan, not leadership
    assert role_of("05 vùng sản xuất") == "targets"  # targets may sit under tasks
    assert role_of("hỗ trợ tín dụng") == "recommendations"  # … and recommendations under organisation
