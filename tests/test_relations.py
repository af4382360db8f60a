"""Relations between documents, effective dates and validity.

Unit cases for every relation kind, date form and status rule, written in the shape of real documents; then the
real vbpl documents: effective dates against the page metadata, validity on the crawl day against the page's
status (through the in-memory graph of ``benchmarks.relations``), and a hand-checked list of relations read in
the texts, true ones the extractor must find and false ones (a number inside another document's description, a
"Căn cứ" line, a task list) it must not.
"""

from __future__ import annotations

from datetime import date

import pytest
from conftest import need_data

from indexer.understanding.effective_dates import extract_dates
from indexer.understanding.numbers import number_key
from indexer.understanding.relations import RelationKind, extract_relations
from indexer.understanding.validity import EXCLUDED_BY_IN_FORCE, IncomingRelation, Validity, validity_as_of

K = RelationKind


def found(text: str, own: str | None = None) -> set[tuple[str, str, str | None]]:
    """(kind, target number, scope) of every relation, with the offsets and keys checked on the way."""
    out = set()
    for r in extract_relations(text, own):
        assert text[r.start : r.end] == r.sentence
        assert r.target_key == number_key(r.target_number)
        out.add((r.kind.value, r.target_number, r.scope))
    return out


def kinds_of(text: str, number: str) -> set[str]:
    return {k for k, n, _ in found(text) if n == number}


DECREE = """CHÍNH PHỦ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Số: 12/2026/NĐ-CP
Hà Nội, ngày 10 tháng 01 năm 2026

NGHỊ ĐỊNH

Sửa đổi, bổ sung một số điều của Nghị định số 31/2019/NĐ-CP ngày 10 tháng 4 năm 2019 của Chính phủ

Căn cứ Luật Tổ chức Chính phủ số 63/2025/QH15;

Căn cứ Luật Viên chức số 58/2010/QH12; Luật sửa đổi, bổ sung một số điều của Luật Cán bộ, công chức và Luật Viên \
chức số 52/2019/QH14;

Căn cứ Luật Tố cáo số 25/2018/QH14, được sửa đổi, bổ sung bởi Luật số 59/2020/QH14;

Theo đề nghị của Bộ trưởng Bộ Công an;

Chính phủ ban hành Nghị định sửa đổi, bổ sung một số điều của Nghị định số 31/2019/NĐ-CP.

Điều 1. Sửa đổi, bổ sung một số điều của Nghị định số 31/2019/NĐ-CP

1. Sửa đổi, bổ sung khoản 2 Điều 5 như sau:

“2. Việc giải quyết thực hiện theo Nghị định số 99/2021/NĐ-CP, được sửa đổi, bổ sung bởi Nghị định số 12/2022/NĐ-CP.
Nghị định này thay thế Nghị định số 11/2011/NĐ-CP.”

2. Bổ sung Điều 5a vào sau Điều 5 Nghị định số 31/2019/NĐ-CP như sau:

Điều 2. Điều khoản thi hành

1. Nghị định này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2026 và thay thế Nghị định số 88/2019/NĐ-CP ngày 14 \
tháng 11 năm 2019 của Chính phủ quy định về xử phạt vi phạm hành chính.

2. Nghị định số 57/2022/NĐ-CP ngày 25 tháng 8 năm 2022 của Chính phủ quy định các danh mục chất ma túy; Nghị định số \
90/2024/NĐ-CP ngày 17 tháng 7 năm 2024 sửa đổi, bổ sung danh mục ban hành kèm theo Nghị định số 57/2022/NĐ-CP hết hiệu \
lực kể từ ngày Nghị định này có hiệu lực thi hành.

3. Bãi bỏ Điều 5 của Thông tư số 12/2020/TT-BTC.

4. Các quy định sau đây hết hiệu lực kể từ ngày Nghị định này có hiệu lực thi hành:

a) Điều 3, Điều 4 Nghị định số 65/2010/NĐ-CP ngày 11 tháng 6 năm 2010 của Chính phủ;

b) Nghị định số 108/2011/NĐ-CP ngày 30 tháng 11 năm 2011 của Chính phủ sửa đổi một số điều của Nghị định số \
69/2010/NĐ-CP.

5. Trường hợp các văn bản dẫn chiếu tại Nghị định này được sửa đổi, bổ sung hoặc thay thế thì áp dụng văn bản mới; \
các Bộ trưởng chịu trách nhiệm thi hành Nghị định này, trừ trường hợp quy định tại Nghị định số 77/2023/NĐ-CP.

Nơi nhận:
- Như Điều 2;

Mẫu số 01
QUYẾT ĐỊNH
Điều 1. Quyết định này thay thế Quyết định số 33/2020/QĐ-UBND.
"""


def test_basis_one_relation_per_number_even_in_an_amending_law_name() -> None:
    rels = found(DECREE)
    for number in ("63/2025/QH15", "58/2010/QH12", "52/2019/QH14", "25/2018/QH14", "59/2020/QH14"):
        assert ("basis", number, None) in rels
    assert kinds_of(DECREE, "52/2019/QH14") == {"basis"}  # "Căn cứ Luật sửa đổi, bổ sung …": a basis only
    assert kinds_of(DECREE, "59/2020/QH14") == {"basis"}


def test_amends_from_title_and_articles_not_from_quoted_wording() -> None:
    rels = found(DECREE)
    assert ("amends", "31/2019/NĐ-CP", None) in rels
    assert ("amends", "31/2019/NĐ-CP", "Điều 5a") in rels
    for quoted in ("99/2021/NĐ-CP", "12/2022/NĐ-CP", "11/2011/NĐ-CP"):  # the new wording of an amended article
        assert not kinds_of(DECREE, quoted)


def test_replaces_and_repeals_in_the_final_provisions() -> None:
    rels = found(DECREE)
    assert ("replaces", "88/2019/NĐ-CP", None) in rels
    assert ("repeals", "57/2022/NĐ-CP", None) in rels
    assert ("repeals", "90/2024/NĐ-CP", None) in rels
    assert ("repeals", "12/2020/TT-BTC", "Điều 5") in rels
    assert ("repeals", "65/2010/NĐ-CP", "Điều 3, Điều 4") in rels  # an item of "Các quy định sau đây hết hiệu lực:"
    assert ("repeals", "108/2011/NĐ-CP", None) in rels
    assert kinds_of(DECREE, "57/2022/NĐ-CP") == {"repeals"}  # named again in 90/2024's description: not amended
    assert not kinds_of(DECREE, "69/2010/NĐ-CP")  # only named in 108/2011's description
    assert not kinds_of(DECREE, "77/2023/NĐ-CP")
    assert not kinds_of(DECREE, "33/2020/QĐ-UBND")  # a form in an appendix, after "Nơi nhận"


def test_never_the_own_number_and_each_relation_once() -> None:
    text = DECREE.replace("Nghị định số 88/2019/NĐ-CP", "Nghị định số 12/2026/NĐ-CP")
    rels = extract_relations(text, "12/2026/NĐ-CP")
    assert all(r.target_key != number_key("12/2026/NĐ-CP") for r in rels)
    keys = [(r.kind, r.target_key, r.scope) for r in rels]
    assert len(keys) == len(set(keys))
    first = next(r for r in rels if r.kind is K.AMENDS and r.scope is None)
    assert first.sentence.startswith("Sửa đổi, bổ sung một số điều")  # the title, not the enacting sentence


def test_replacement_lists_phrases_and_appendices() -> None:
    text = """BỘ TÀI CHÍNH
THÔNG TƯ
Quy định chi tiết một số điều của Nghị định số 360/2025/NĐ-CP

Căn cứ Nghị định số 360/2025/NĐ-CP của Chính phủ;

Điều 1. Phạm vi điều chỉnh

Thông tư này quy định chi tiết khoản 4 Điều 15 Luật Hóa chất số 69/2025/QH15 và hướng dẫn thi hành Nghị định số \
26/2026/NĐ-CP.

Điều 9. Hiệu lực thi hành

1. Thông tư này thay thế:

a) Thông tư số 195/2015/TT-BTC ngày 24 tháng 11 năm 2015 của Bộ Tài chính hướng dẫn thi hành Nghị định số \
108/2015/NĐ-CP;

b) Thông tư số 20/2017/TT-BTC ngày 06 tháng 3 năm 2017 của Bộ Tài chính sửa đổi, bổ sung khoản 2 Điều 8 Thông tư số \
195/2015/TT-BTC.

2. Thay thế cụm từ “Tổng cục Hải quan” bằng cụm từ “Cục Hải quan” tại khoản 3 Điều 10 Thông tư số 13/2015/TT-BTC.

3. Thay thế Phụ lục I ban hành kèm theo Thông tư số 62/2023/TT-BCA bằng Phụ lục I ban hành kèm theo Thông tư này.
"""
    rels = found(text)
    assert ("guides", "360/2025/NĐ-CP", None) in rels
    assert ("guides", "69/2025/QH15", "khoản 4 Điều 15") in rels
    assert ("guides", "26/2026/NĐ-CP", None) in rels
    assert ("replaces", "195/2015/TT-BTC", None) in rels
    assert ("replaces", "20/2017/TT-BTC", None) in rels
    assert ("amends", "13/2015/TT-BTC", "khoản 3 Điều 10") in rels  # replacing words amends
    assert ("replaces", "62/2023/TT-BCA", "Phụ lục I") in rels  # a part: the document stays in force
    assert not kinds_of(text, "108/2015/NĐ-CP")
    assert kinds_of(text, "195/2015/TT-BTC") == {"replaces"}


def test_peers_of_the_listed_documents_against_documents_in_their_descriptions() -> None:
    text = """THÔNG TƯ
Về abc

Căn cứ Luật X;

Điều 1. abc

Điều 9. Hiệu lực thi hành

1. Thông tư này thay thế Thông tư số 29/2023/TT-BGDĐT ngày 29 tháng 12 năm 2023 của Bộ trưởng quy định chi tiết thi \
hành một số điều của Luật Thi đua, khen thưởng đối với ngành Giáo dục và Thông tư số 10/2024/TT-BGDĐT ngày 26 tháng 8 \
năm 2024 của Bộ trưởng.

2. Thông tư số 219/2013/TT-BTC ngày 31 tháng 12 năm 2013 của Bộ trưởng Bộ Tài chính hướng dẫn thi hành Luật Thuế giá \
trị gia tăng và Nghị định số 209/2013/NĐ-CP hết hiệu lực kể từ ngày Thông tư này có hiệu lực thi hành.
"""
    rels = found(text)
    assert {("replaces", "29/2023/TT-BGDĐT", None), ("replaces", "10/2024/TT-BGDĐT", None)} <= rels  # peers
    assert ("repeals", "219/2013/TT-BTC", None) in rels
    assert not kinds_of(text, "209/2013/NĐ-CP")  # what 219/2013 guides, not a peer of it


def test_guides_a_law_named_in_the_title_without_its_number() -> None:
    text = """THÔNG TƯ
Quy định chi tiết và hướng dẫn thi hành một số điều của Luật Hóa chất

Căn cứ Luật Hóa chất số 69/2025/QH15;

Điều 1. Phạm vi điều chỉnh

Cơ quan thực hiện theo hướng dẫn tại Thông tư số 01/2020/TT-BCT.
"""
    assert ("guides", "69/2025/QH15", None) in found(text)
    assert not kinds_of(text, "01/2020/TT-BCT")


def test_implements_a_resolution_in_a_party_plan() -> None:
    text = """TỈNH ỦY QUẢNG NINH
Số 45-KH/TU
Quảng Ninh, ngày 05 tháng 6 năm 2024

KẾ HOẠCH
thực hiện Nghị quyết số 05-NQ/TU ngày 10/5/2024 của Ban Chấp hành Đảng bộ tỉnh

Thực hiện Chỉ thị số 12-CT/TW ngày 02/01/2024 của Bộ Chính trị, Ban Thường vụ Tỉnh ủy ban hành Kế hoạch như sau:

I. MỤC ĐÍCH, YÊU CẦU

1. Quán triệt sâu sắc Kết luận số 21-KL/TW ngày 16/10/2021 của Ban Chấp hành Trung ương.

2. Các cơ quan thực hiện theo quy định tại Quyết định số 96-QĐ/TW ngày 03/02/2023.
"""
    rels = found(text, "45-KH/TU")
    assert {("implements", n, None) for n in ("05-NQ/TU", "12-CT/TW", "21-KL/TW")} <= rels
    assert not kinds_of(text, "96-QĐ/TW")


def test_consolidated_text_and_correction() -> None:
    consolidated = """THÔNG TƯ
QUY ĐỊNH THỦ TỤC CẤP GIẤY CHỨNG NHẬN LAO ĐỘNG HÀNG HẢI
____________________

Thông tư số 43/2015/TT-BGTVT ngày 20 tháng 8 năm 2015 của Bộ trưởng Bộ Giao thông vận tải, có hiệu lực kể từ ngày \
01 tháng 11 năm 2015, được sửa đổi, bổ sung bởi:

1. Thông tư số 24/2017/TT-BGTVT ngày 28 tháng 7 năm 2017 sửa đổi, bổ sung Phụ lục III ban hành kèm theo Thông tư số \
43/2015/TT-BGTVT.

Căn cứ Nghị định số 107/2012/NĐ-CP ngày 20 tháng 12 năm 2012 của Chính phủ;

Điều 11. Hiệu lực thi hành

Thông tư này có hiệu lực kể từ ngày 01 tháng 11 năm 2015 và thay thế Thông tư số 45/2013/TT-BGTVT.

Số: 07/VBHN-BXD
XÁC THỰC VĂN BẢN HỢP NHẤT
"""
    rels = found(consolidated, "07/VBHN-BXD")
    assert {("consolidates", "43/2015/TT-BGTVT", None), ("consolidates", "24/2017/TT-BGTVT", None)} <= rels
    assert ("basis", "107/2012/NĐ-CP", None) in rels
    assert not kinds_of(consolidated, "45/2013/TT-BGTVT")  # the consolidated document's act, not this text's
    correction = """QUYẾT ĐỊNH
Về việc đính chính Thông tư số 12/2025/TT-BTC

Điều 1. Đính chính khoản 2 Điều 3 Thông tư số 12/2025/TT-BTC như sau:
"""
    assert {("corrects", "12/2025/TT-BTC", None), ("corrects", "12/2025/TT-BTC", "khoản 2 Điều 3")} <= found(correction)


def test_bengali_digits_and_text_without_diacritics() -> None:
    assert ("basis", "57-NQ/TW", None) in found("NGHỊ QUYẾT\nVề abc\n\nCăn cứ Nghị quyết số ৫৭-এনকিউ/টিডব্লিউ;\n")
    plain = """THONG TU
Ve viec abc

Can cu Luat To chuc Chinh phu so 63/2025/QH15;

Dieu 1. Hieu luc

Thong tu nay thay the Thong tu so 01/2020/TT-BTC ngay 1 thang 1 nam 2020.

2. Bai bo Dieu 5 Thong tu so 02/2021/TT-BTC.
"""
    assert found(plain) == {
        ("basis", "63/2025/QH15", None),
        ("replaces", "01/2020/TT-BTC", None),
        ("repeals", "02/2021/TT-BTC", "Dieu 5"),
    }


def test_english_translation() -> None:
    text = """DECREE
On state investment credit

Pursuant to the June 19, 2015 Law on Organization of the Government No. 76/2015/QH13;

Article 1. Scope

Article 40. Effect

This Decree takes effect on May 15, 2017, and replaces the Government’s Decree No. 75/2011/ND-CP of August 30, \
2011, on state investment credit; and Decree No. 133/2013/ND-CP of October 17, 2013, supplementing Decree No. \
54/2013/ND-CP.

2. To annul Point b, Clause 1, Article 45 of Law No. 28/2009/QH12 on Criminal Records.
"""
    assert found(text) == {
        ("basis", "76/2015/QH13", None),
        ("replaces", "75/2011/NĐ-CP", None),
        ("replaces", "133/2013/NĐ-CP", None),
        ("repeals", "28/2009/QH12", "Point b, Clause 1, Article 45"),
    }
    assert extract_dates(text, None).effective_date == "2017-05-15"


def test_a_repealed_law_as_amended_is_one_repeal() -> None:
    text = (
        "LUẬT\nTHUẾ THU NHẬP CÁ NHÂN\n\nCăn cứ Hiến pháp;\n\nĐiều 1. Phạm vi\n\nĐiều 30. Hiệu lực thi hành\n\n"
        "3. Luật Thuế thu nhập cá nhân số 04/2007/QH12 đã được sửa đổi, bổ sung một số điều theo Luật số 26/2012/QH13, "
        "Luật số 71/2014/QH13 hết hiệu lực kể từ ngày Luật này có hiệu lực thi hành."
    )
    rels = found(text)
    assert ("repeals", "04/2007/QH12", None) in rels
    assert not kinds_of(text, "26/2012/QH13") and not kinds_of(text, "71/2014/QH13")


def _final(sentences: str, heading: str = "THÔNG TƯ") -> str:
    header = "BỘ TÀI CHÍNH\nSố: 01/2025/TT-BTC\n\n"
    return f"{header}{heading}\nQuy định về abc\n\nCăn cứ Luật X;\n\nĐiều 1. abc\n\n{sentences}"


@pytest.mark.parametrize(
    ("sentence", "issued", "effective", "expiry"),
    [
        ("1. Thông tư này có hiệu lực thi hành kể từ ngày 01 tháng 7 năm 2025.", "2025-05-10", "2025-07-01", None),
        ("Thông tư này có hiệu lực từ ngày 01/7/2025./.", "2025-05-10", "2025-07-01", None),
        ("Thông tư này có hiệu lực thi hành kể từ ngày ký ban hành.", "2025-05-10", "2025-05-10", None),
        ("Thông tư này có hiệu lực thi hành sau 45 ngày kể từ ngày ký ban hành.", "2025-05-10", "2025-06-24", None),
        ("Thông tư này có hiệu lực thi hành kể từ 31 tháng 10 năm 2025.", None, "2025-10-31", None),
        ("This Circular takes effect on July 1, 2025.", None, "2025-07-01", None),
        ("This Circular takes effect 45 days from the date of its signing.", "2025-05-10", "2025-06-24", None),
        (
            "Thông tư này có hiệu lực kể từ ngày 01 tháng 01 năm 2026 và được thực hiện đến hết ngày 31 tháng 12 "
            "năm 2030.",
            None,
            "2026-01-01",
            "2031-01-01",  # the first day it no longer applies
        ),
        (
            "Thông tư này có hiệu lực kể từ ngày 15 tháng 02 năm 2026 và hết hiệu lực kể từ ngày 01 tháng 3 năm 2027.",
            None,
            "2026-02-15",
            "2027-03-01",
        ),
        (
            "1. Thông tư này có hiệu lực từ ngày 01/01/2026.\n\n2. Thông tư này hết hiệu lực kể từ ngày 01/3/2027.",
            None,
            "2026-01-01",
            "2027-03-01",
        ),  # fmt: skip
    ],
)
def test_effective_and_expiry_date_forms(sentence: str, issued: str | None, effective: str, expiry: str | None) -> None:
    dates = extract_dates(_final(sentence), issued)
    assert (dates.effective_date, dates.expiry_date) == (effective, expiry)
    assert dates.effective_sentence is not None and dates.effective_sentence in _final(sentence)


def test_date_of_issue_and_of_passing_when_the_caller_has_none() -> None:
    signed = "BỘ TÀI CHÍNH\nHà Nội, ngày 12 tháng 3 năm 2025\n\nTHÔNG TƯ\nVề abc\n\n"
    signed += "Điều 5. Thông tư này có hiệu lực từ ngày ký."
    assert extract_dates(signed, None).effective_date == "2025-03-12"
    passed = (
        "QUỐC HỘI\n\nNGHỊ QUYẾT\nVề abc\n\nCăn cứ Hiến pháp;\n\nĐiều 1. abc\n\n"
        "Nghị quyết này có hiệu lực thi hành từ ngày thông qua./.\n\n"
        "Nghị quyết này được Quốc hội khóa XV thông qua tại Kỳ họp thứ 10 ngày 24 tháng 12 năm 2025."
    )
    assert extract_dates(passed, None).effective_date == "2025-12-24"


def test_the_documents_own_date_wins_over_articles_clauses_of_time_quotes_and_forms() -> None:
    text = _final(
        "“Điều 12. Nghị định này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2020.”\n\n"
        "Hồ sơ nộp trước ngày Thông tư này có hiệu lực thi hành từ ngày 01 tháng 5 năm 2025 được giải quyết.\n\n"
        "1. Thông tư này có hiệu lực thi hành từ ngày 01 tháng 7 năm 2026, trừ quy định tại khoản 2 Điều này.\n\n"
        "2. Quy định tại Điều 5 của Thông tư này có hiệu lực thi hành từ ngày 01 tháng 01 năm 2027.\n\n"
        "3. Điều 6 Thông tư này có hiệu lực từ ngày 01 tháng 3 năm 2027.\n\n"
        "4. Thông tư số 31/2019/TT-BTC hết hiệu lực kể từ ngày 01 tháng 7 năm 2026.\n\n"
        "Nơi nhận:\n- Như trên;\n\nMẫu số 01\nQUYẾT ĐỊNH\nĐiều 3. Quyết định này có hiệu lực kể từ ngày 02/02/2028."
    )
    dates = extract_dates(text, "2025-12-01")
    assert dates.effective_date == "2026-07-01"
    assert dates.expiry_date is None  # another document going out of force is a repeal, not our expiry
    assert ("repeals", "31/2019/TT-BTC", None) in found(text)


def _incoming(kind: RelationKind, effective: str | None, scope: str | None = None) -> IncomingRelation:
    return IncomingRelation(kind, "doc_2", "12/2025/TT-BTC", effective, "…", scope)


@pytest.mark.parametrize(
    ("effective", "expiry", "incoming", "status", "reason"),
    [
        ("2024-01-01", None, [_incoming(K.REPLACES, "2025-07-01")], Validity.REPLACED,
         "replaced by 12/2025/TT-BTC from 2025-07-01"),
        ("2024-01-01", None, [_incoming(K.REPEALS, "2025-07-01")], Validity.REPEALED,
         "repealed by 12/2025/TT-BTC from 2025-07-01"),
        ("2024-01-01", "2025-12-31", [_incoming(K.REPEALS, "2025-07-01")], Validity.REPEALED, None),
        ("2024-01-01", None, [_incoming(K.REPLACES, "2027-01-01")], Validity.IN_FORCE,
         "in force since 2024-01-01; to be replaced by 12/2025/TT-BTC from 2027-01-01"),
        ("2024-01-01", None, [_incoming(K.REPEALS, "2025-07-01", "Điều 5")], Validity.PARTLY_AMENDED,
         "partly repealed by 12/2025/TT-BTC from 2025-07-01"),
        ("2024-01-01", None, [_incoming(K.AMENDS, "2025-07-01")], Validity.PARTLY_AMENDED,
         "amended by 12/2025/TT-BTC from 2025-07-01"),
        ("2024-01-01", None, [_incoming(K.AMENDS, None), _incoming(K.REPLACES, None)], Validity.IN_FORCE, None),
        ("2024-01-01", None, [_incoming(K.BASIS, "2025-07-01"), _incoming(K.GUIDES, "2025-07-01")],
         Validity.IN_FORCE, "in force since 2024-01-01"),
        ("2024-01-01", "2026-01-01", [], Validity.EXPIRED, "expired on 2026-01-01"),
        ("2027-01-01", None, [_incoming(K.AMENDS, "2025-07-01")], Validity.NOT_YET_IN_FORCE,
         "takes effect on 2027-01-01"),
        (None, None, [], Validity.UNKNOWN, "no effective date known"),
        (None, None, [_incoming(K.AMENDS, "2025-07-01")], Validity.PARTLY_AMENDED, None),
    ],
)  # fmt: skip
def test_validity_order(
    effective: str | None, expiry: str | None, incoming: list[IncomingRelation], status: Validity, reason: str | None
) -> None:
    got = validity_as_of(effective, expiry, incoming, date(2026, 4, 26))
    assert got.status is status
    if reason is not None:
        assert got.reason == reason
    if status in (Validity.REPLACED, Validity.REPEALED, Validity.PARTLY_AMENDED):
        assert (got.by_doc_id, got.by_number, got.sentence) == ("doc_2", "12/2025/TT-BTC", "…")


def test_in_force_filter_keeps_in_force_partly_amended_and_unknown() -> None:
    excluded = {Validity.NOT_YET_IN_FORCE, Validity.REPLACED, Validity.REPEALED, Validity.EXPIRED}
    assert set(EXCLUDED_BY_IN_FORCE) == excluded
    assert not {Validity.IN_FORCE, Validity.PARTLY_AMENDED, Validity.UNKNOWN} & EXCLUDED_BY_IN_FORCE


# --- the real documents ---------------------------------------------------------------------------------------

# Read in the texts (the sentence quoted in the comment): (doc id, kind, target number, scope or None for any).
TRUE_RELATIONS: list[tuple[str, str, str, str | None]] = [
    ("doc_000001", "basis", "63/2025/QH15", None),  # Căn cứ Luật Tổ chức Chính phủ số 63/2025/QH15;
    ("doc_000001", "basis", "52/2019/QH14", None),  # … Luật sửa đổi, bổ sung … Luật Viên chức số 52/2019/QH14;
    ("doc_000002", "repeals", "87/2015/QH13", None),  # Luật Hoạt động giám sát … số 87/2015/QH13 hết hiệu lực …
    ("doc_000003", "repeals", "04/2007/QH12", None),  # Luật Thuế thu nhập cá nhân số 04/2007/QH12 … hết hiệu lực
    ("doc_000004", "repeals", "108/2011/NĐ-CP", None),  # c) Nghị định số 108/2011/NĐ-CP … (Các quy định sau đây …)
    ("doc_000004", "repeals", "65/2010/NĐ-CP", "Điều 3, Điều 4, Điều 5, Điều 6, khoản 5 Điều 7, Điều 11, Điều 17"),
    ("doc_000006", "guides", "69/2025/QH15", None),  # title: … hướng dẫn thi hành một số điều của Luật Hóa chất
    ("doc_000007", "amends", "16/2023/QH15", None),  # SỬA ĐỔI, BỔ SUNG MỘT SỐ ĐIỀU CỦA LUẬT GIÁ
    ("doc_000009", "amends", "13/2015/TT-BTC", None),  # Sửa đổi, bổ sung một số điều của Thông tư số 13/2015/TT-BTC
    ("doc_000011", "repeals", "99/2021/NĐ-CP", None),  # Bãi bỏ các văn bản …: a) Nghị định số 99/2021/NĐ-CP …
    ("doc_000011", "repeals", "125/2025/NĐ-CP", "Điều 6"),  # b) Điều 6 Nghị định số 125/2025/NĐ-CP …
    ("doc_000016", "replaces", "29/2023/TT-BGDĐT", None),  # Thông tư này thay thế Thông tư số 29/2023/TT-BGDĐT …
    ("doc_000016", "replaces", "10/2024/TT-BGDĐT", None),  # … và Thông tư số 10/2024/TT-BGDĐT …
    ("doc_000026", "repeals", "57/2022/NĐ-CP", None),  # Nghị định số 57/2022/NĐ-CP …; Nghị định số 90/2024 … hết
    ("doc_000026", "repeals", "90/2024/NĐ-CP", None),
    ("doc_000031", "guides", "360/2025/NĐ-CP", None),  # Quy định chi tiết một số điều của Nghị định số 360/2025
    ("doc_000031", "replaces", "195/2015/TT-BTC", None),  # Thông tư này thay thế: a) Thông tư số 195/2015/TT-BTC
    ("doc_000031", "repeals", "130/2016/TT-BTC", "Điều 2"),  # 3. Bãi bỏ quy định tại Điều 2 Thông tư số 130/2016
    ("doc_000035", "replaces", "80/2020/NĐ-CP", None),  # Nghị định này có hiệu lực … và thay thế Nghị định số 80/2020
    ("doc_000037", "repeals", "35/2005/NĐ-CP", None),  # Bãi bỏ toàn bộ các nghị định sau đây: 1. Nghị định số 35/2005
    ("doc_000037", "repeals", "65/2017/NĐ-CP", "khoản 1 Điều 12"),  # 1. Bãi bỏ khoản 1 Điều 12 Nghị định số 65/2017
    ("doc_000041", "repeals", "07/2017/TT-BLĐTBXH", None),  # 2. Thông tư số 07/2017/TT-BLĐTBXH …, Điều 2 Thông tư …
    ("doc_000041", "repeals", "28/2022/TT-BLĐTBXH", "Điều 2"),
    ("doc_000047", "amends", "97/2015/QH13", None),  # 3. Thay thế một số cụm từ của Luật Phí và lệ phí số 97/2015
    ("doc_000056", "amends", "22/2019/NĐ-CP", "Điều 5"),  # title: Sửa đổi, bổ sung Điều 5 Nghị định số 22/2019/NĐ-CP
    ("doc_000115", "guides", "69/2025/QH15", None),  # Quy định chi tiết và hướng dẫn thi hành … Luật Hóa chất
    ("doc_000152", "consolidates", "43/2015/TT-BGTVT", None),  # Thông tư số 43/2015/TT-BGTVT …, được sửa đổi … bởi:
    ("doc_000152", "consolidates", "24/2017/TT-BGTVT", None),  # 1. Thông tư số 24/2017/TT-BGTVT …
    ("doc_000160", "amends", "04/2020/TT-BCT", None),  # Sửa đổi, bổ sung một số điều của Thông tư số 04/2020/TT-BCT
    ("doc_000160", "repeals", "731/QĐ-BCT", None),  # 2. Bãi bỏ Quyết định số 731/QĐ-BCT …
    ("doc_000167", "replaces", "88/2019/NĐ-CP", None),  # … thay thế: a) Nghị định số 88/2019/NĐ-CP …
    ("doc_000167", "repeals", "23/2023/NĐ-CP", "Điều 2, Điều 3"),  # 3. Bãi bỏ Điều 2, Điều 3 Nghị định số 23/2023
    ("doc_000175", "repeals", "338/2016/TT-BTC", None),  # title: Bãi bỏ Thông tư số 338/2016/TT-BTC … và
    ("doc_000175", "repeals", "42/2022/TT-BTC", None),  # … Thông tư số 42/2022/TT-BTC …
    ("doc_000195", "repeals", "14/2023/TT-BCA", None),  # Thông tư số 14/2023/TT-BCA … hết hiệu lực thi hành …
    ("doc_000213", "repeals", "15/2024/TT-BKHĐT", None),  # Kể từ ngày Thông tư này có hiệu lực …, Thông tư số 15/2024
    ("doc_000216", "repeals", "35/2021/NĐ-CP", None),  # Kể từ ngày Nghị định này có hiệu lực …, Nghị định số 35/2021
    ("doc_000220", "replaces", "109/2009/TTLT/BTC-BGDĐT", None),  # … thay thế Nghị định số 116/2016 … và Thông tư …
    ("doc_000299", "guides", "105/2025/NĐ-CP", "ĐIỀU 23"),  # HƯỚNG DẪN ĐIỀU 23 CỦA NGHỊ ĐỊNH SỐ 105/2025/NĐ-CP …
]
FALSE_RELATIONS: list[tuple[str, str, str]] = [
    ("doc_000001", "amends", "52/2019/QH14"),  # a law's name in a "Căn cứ" line
    ("doc_000003", "repeals", "26/2012/QH13"),  # "… đã được sửa đổi, bổ sung một số điều theo Luật số 26/2012/QH13 …"
    ("doc_000026", "amends", "57/2022/NĐ-CP"),  # the description of 90/2024: "sửa đổi, bổ sung danh mục … kèm theo …"
    ("doc_000028", "amends", "254/2025/QH15"),  # "b) Bổ sung giá đất … quy định tại khoản 6 Điều 3 của Nghị quyết …"
    ("doc_000052", "implements", "254/2025/NĐ-CP"),  # "Việc lập dự toán, thực hiện, thanh toán …"
    ("doc_000117", "implements", "281/2025/NĐ-CP"),  # a task: "a) Tổ chức phổ biến, quán triệt, hướng dẫn …"
    ("doc_000160", "repeals", "04/2020/TT-BCT"),  # "Bãi bỏ Quyết định số 731/QĐ-BCT … về việc đính chính Thông tư …"
    ("doc_000160", "corrects", "04/2020/TT-BCT"),  # the repealed decision corrected it, not this circular
    ("doc_000167", "repeals", "88/2019/NĐ-CP"),  # named in the description of the partly repealed 23/2023/NĐ-CP
    ("doc_000178", "replaces", "209/2013/NĐ-CP"),  # "… hướng dẫn thi hành Luật Thuế giá trị gia tăng và Nghị định …"
]


@pytest.fixture(scope="module")
def vbpl():  # type: ignore[no-untyped-def]
    """The vbpl documents with what the extractors found in each (benchmarks.relations.analyse)."""
    from benchmarks.relations import analyse, load_records

    return analyse(load_records(need_data("vbpl", "vbpl_vi_docs.jsonl")))


def test_effective_dates_match_the_metadata(vbpl) -> None:  # type: ignore[no-untyped-def]
    from benchmarks.relations import date_score

    score = date_score(vbpl)
    assert score.stated >= 500, score.stated
    assert score.accuracy >= 0.95, (score.accuracy, score.misses)


def test_validity_on_the_crawl_day_matches_the_metadata(vbpl) -> None:  # type: ignore[no-untyped-def]
    from benchmarks.relations import SCORED, validity, validity_score

    scores = validity_score(vbpl, validity(vbpl))
    for gold in SCORED:
        assert scores[gold]["documents"] >= 30
        assert scores[gold]["accuracy"] >= 0.9, (gold, scores[gold])
    both = sum(scores[g]["correct"] for g in SCORED) / sum(scores[g]["documents"] for g in SCORED)
    assert both >= 0.95, scores


def test_hand_checked_relations(vbpl) -> None:  # type: ignore[no-untyped-def]
    by_id = {a.doc_id: a.relations for a in vbpl}
    missing = [
        expected
        for expected in TRUE_RELATIONS
        if not any(
            r.kind.value == expected[1]
            and r.target_number == expected[2]
            and (expected[3] is None or r.scope == expected[3])
            for r in by_id[expected[0]]
        )
    ]
    wrong = [f for f in FALSE_RELATIONS if any((r.kind.value, r.target_number) == f[1:] for r in by_id[f[0]])]
    hits = len(TRUE_RELATIONS) - len(missing)
    assert len(TRUE_RELATIONS) + len(FALSE_RELATIONS) >= 30
    assert hits / (hits + len(wrong)) >= 0.9, wrong
    assert hits / len(TRUE_RELATIONS) >= 0.9, missing
