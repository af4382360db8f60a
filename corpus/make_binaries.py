"""Regenerate the sample corpus's binary files: one DOCX (with a table) and one PDF with a text layer.

Run from the project root: ``.venv/bin/python corpus/make_binaries.py`` (needs python-docx and reportlab,
the latter from the ``dev`` extra, and the DejaVu Sans font that ships with most Linux distributions).
"""

from __future__ import annotations

import logging
from pathlib import Path

HERE = Path(__file__).resolve().parent
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SAMPLE = "(Văn bản mẫu do dự án biên soạn, nội dung giả định)"

logger = logging.getLogger(__name__)

DOCX_HEADER = [
    "BAN CHẤP HÀNH TRUNG ƯƠNG",
    "ĐẢNG CỘNG SẢN VIỆT NAM",
    "*",
    "Số 68-NQ/TW",
    "Hà Nội, ngày 04 tháng 5 năm 2025",
    "NGHỊ QUYẾT",
    "CỦA BỘ CHÍNH TRỊ",
    "về phát triển kinh tế tư nhân",
    SAMPLE,
]

DOCX_BODY_1 = [
    "I. TÌNH HÌNH",
    "1. Kinh tế tư nhân hiện có hơn 940 nghìn doanh nghiệp và 5 triệu hộ kinh doanh, đóng góp khoảng 50% GDP,"
    " hơn 30% ngân sách nhà nước và tạo việc làm cho 82% tổng số lao động.",
    "2. Tuy nhiên, doanh nghiệp tư nhân phần lớn có quy mô nhỏ và siêu nhỏ, năng lực công nghệ và quản trị còn"
    " hạn chế; khó tiếp cận đất đai, tín dụng; chi phí tuân thủ thủ tục hành chính còn cao; còn tình trạng"
    " hình sự hóa quan hệ kinh tế.",
    "II. QUAN ĐIỂM VÀ MỤC TIÊU",
    "1. Kinh tế tư nhân là một động lực quan trọng nhất của nền kinh tế quốc gia; bảo vệ quyền sở hữu,"
    " quyền tự do kinh doanh, bảo đảm cạnh tranh bình đẳng giữa các thành phần kinh tế.",
    "2. Các chỉ tiêu chủ yếu đến năm 2030 được nêu trong bảng sau:",
]

DOCX_TABLE = [
    ("Chỉ tiêu", "Năm 2025", "Mục tiêu 2030"),
    ("Số doanh nghiệp đang hoạt động", "940 nghìn", "2 triệu"),
    ("Số doanh nghiệp trên 1.000 dân", "9,5", "20"),
    ("Tốc độ tăng trưởng kinh tế tư nhân (%/năm)", "8", "10 - 12"),
    ("Tỷ trọng đóng góp vào GDP (%)", "50", "55 - 58"),
    ("Doanh nghiệp lớn tham gia chuỗi giá trị toàn cầu", "5", "20"),
]

DOCX_BODY_2 = [
    "III. NHIỆM VỤ, GIẢI PHÁP",
    "1. Đổi mới tư duy, xóa bỏ định kiến về kinh tế tư nhân; tôn vinh doanh nhân có đóng góp cho đất nước.",
    "2. Cải cách thể chế: cắt giảm ít nhất 30% thời gian xử lý thủ tục hành chính và 30% chi phí tuân thủ;"
    " chuyển mạnh từ tiền kiểm sang hậu kiểm.",
    "3. Bảo vệ quyền tài sản: xử lý vi phạm trong kinh doanh ưu tiên biện pháp dân sự, kinh tế; không hình sự"
    " hóa quan hệ kinh tế, dân sự.",
    "4. Tạo thuận lợi tiếp cận đất đai, vốn tín dụng và nhân lực chất lượng cao; dành quỹ đất cho doanh nghiệp"
    " nhỏ và vừa trong các khu công nghiệp.",
    "5. Hỗ trợ hộ kinh doanh chuyển lên doanh nghiệp; bãi bỏ thuế khoán đối với hộ kinh doanh.",
    "IV. TỔ CHỨC THỰC HIỆN",
    "Đảng ủy Chính phủ lãnh đạo ban hành chương trình hành động; các tỉnh ủy, thành ủy quán triệt và cụ thể"
    " hóa Nghị quyết.",
    "T/M BỘ CHÍNH TRỊ",
    "TỔNG BÍ THƯ",
    "(mẫu — không có chữ ký)",
]

PDF_LINES = [
    "ĐẢNG BỘ TỈNH KHÁNH HÒA",
    "TỈNH ỦY",
    "*",
    "Số 09-NQ/TU",
    "Khánh Hòa, ngày 18 tháng 4 năm 2024",
    "",
    "NGHỊ QUYẾT",
    "CỦA BAN THƯỜNG VỤ TỈNH ỦY",
    "về phát triển du lịch biển đảo trở thành ngành kinh tế mũi nhọn",
    SAMPLE,
    "",
    "I. TÌNH HÌNH",
    "1. Năm 2023 tỉnh đón 7,5 triệu lượt khách, trong đó 2,4 triệu lượt khách quốc tế; doanh thu du lịch",
    "đạt 36 nghìn tỷ đồng. Vịnh Nha Trang, Vân Phong, Cam Ranh thu hút nhiều dự án nghỉ dưỡng cao cấp.",
    "2. Hạn chế: sản phẩm du lịch còn đơn điệu, chủ yếu là tắm biển; ô nhiễm rác thải nhựa ven biển; tình",
    "trạng chèo kéo, nâng giá dịch vụ chưa được xử lý dứt điểm; thiếu hướng dẫn viên ngoại ngữ.",
    "",
    "II. MỤC TIÊU ĐẾN NĂM 2030",
    "1. Đón 15 triệu lượt khách, trong đó 6 triệu lượt khách quốc tế; du lịch đóng góp 25% GRDP.",
    "2. Hình thành 3 khu du lịch quốc gia; 100% cơ sở lưu trú kết nối hệ thống quản lý du lịch thông minh.",
    "",
    "III. NHIỆM VỤ, GIẢI PHÁP",
    "1. Đa dạng hóa sản phẩm: du lịch lặn biển, du thuyền, văn hóa Chăm, ẩm thực, hội nghị - sự kiện.",
    "2. Bảo vệ cảnh quan, rạn san hô và môi trường biển; cấm túi ni lông tại các đảo du lịch.",
    "3. Nâng cao chất lượng nhân lực du lịch; đào tạo hướng dẫn viên tiếng Nga, tiếng Hàn, tiếng Trung.",
    "4. Xử lý nghiêm hành vi chèo kéo, ép giá khách du lịch; công khai đường dây nóng hỗ trợ du khách.",
    "",
    "IV. TỔ CHỨC THỰC HIỆN",
    "Ban cán sự đảng Ủy ban nhân dân tỉnh chỉ đạo xây dựng đề án; Ban Tuyên giáo Tỉnh ủy chủ trì tuyên truyền.",
    "",
    "T/M BAN THƯỜNG VỤ",
    "BÍ THƯ",
    "(mẫu — không có chữ ký)",
]


def make_docx(path: Path) -> None:
    """The private-economy resolution as a Word file with a table of targets."""
    import docx

    document = docx.Document()
    for line in DOCX_HEADER:
        document.add_paragraph(line)
    for line in DOCX_BODY_1:
        document.add_paragraph(line)
    table = document.add_table(rows=len(DOCX_TABLE), cols=3)
    for r, row in enumerate(DOCX_TABLE):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    for line in DOCX_BODY_2:
        document.add_paragraph(line)
    document.core_properties.title = "Nghị quyết về phát triển kinh tế tư nhân"
    document.core_properties.author = "Thammuu sample corpus"
    document.save(str(path))


def make_pdf(path: Path) -> None:
    """The tourism resolution as a one-page PDF whose text layer embeds a Unicode font."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVuSans", str(FONT)))
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=True)  # invariant: same bytes on every run
    pdf.setTitle("Nghị quyết về phát triển du lịch biển đảo")
    pdf.setAuthor("Thammuu sample corpus")
    pdf.setFont("DejaVuSans", 9)
    y = A4[1] - 50
    for line in PDF_LINES:
        pdf.drawString(45, y, line)
        y -= 14
    pdf.save()


def main() -> None:
    """Write both files next to this script."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    make_docx(HERE / "nq-68-tw-2025-kinh-te-tu-nhan.docx")
    make_pdf(HERE / "nq-09-tu-2024-du-lich-bien-dao.pdf")
    logger.info("wrote the DOCX and PDF samples to %s", HERE)


if __name__ == "__main__":
    main()
