"""The leak detector of benchmarks.reliability.leaks (pure matching, no server) and the fixture's visibility rule."""

from __future__ import annotations

import io

from benchmarks.reliability.fixture import FixturePrincipal, generate_docs, render
from benchmarks.reliability.leaks import Spec, docx_text, find_leaks, interleave, query_forms

DOCS = generate_docs()
for i, d in enumerate(DOCS):
    d.doc_id = f"{i:016x}"[::-1]  # ids as the store makes them: 16 hex digits
SECRET = next(d for d in DOCS if d.level == 3)
OTHER = next(d for d in DOCS if d.level == 0 and d.unit is None)


def kinds(response: str, request: str = "") -> set[str]:
    return {kind for name, kind, _ in find_leaks(response, request, [SECRET]) if name == SECRET.name}


def test_every_needle_is_found_in_any_spelling() -> None:
    assert kinds(f'{{"snippet": "… <mark>{SECRET.canary.upper()}</mark> …"}}') == {"canary"}
    assert kinds(f"mô hình {SECRET.marked} mới") == {"marked"}  # exact and folded forms: one kind
    assert kinds(f"doc {SECRET.doc_id}") == {"doc_id"}
    n, rest = SECRET.number.split("-", 1)
    assert kinds(f"số {n}/{rest.replace('/', '-')} ngày") == {"number"}  # compact form: separators ignored
    assert "title" in kinds(SECRET.title.upper())


def test_what_the_request_carried_is_not_a_leak() -> None:
    echoed = f'{{"query_interpretation": {{"tokens": ["{SECRET.canary}", "{SECRET.folded}"]}}}}'
    assert kinds(echoed, f'POST /api/v1/search {{"query": "{SECRET.canary} {SECRET.folded}"}}') == set()
    # The typed folded word excuses itself only: the marked form, which the caller never typed, still counts.
    assert kinds(f"{SECRET.folded} {SECRET.marked}", SECRET.folded) == {"marked"}
    assert kinds(f"GET /api/v1/documents/{SECRET.doc_id} 404", f"GET /api/v1/documents/{SECRET.doc_id}") == set()


def test_other_documents_and_near_misses_are_not_leaks() -> None:
    assert kinds(render(OTHER)) == set()
    assert kinds(SECRET.canary[:-1] + "x") == set()
    assert kinds('{"took_ms": 9' + SECRET.number.split("-")[0] + ".5}") == set()  # digits alone are not the number


def test_a_document_s_own_text_betrays_it() -> None:
    assert {"canary", "marked", "number", "title"} <= kinds(render(SECRET))


def test_docx_text_reads_paragraphs_tables_and_headers() -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Báo cáo")
    document.add_table(rows=1, cols=1).cell(0, 0).text = SECRET.canary
    document.sections[0].header.paragraphs[0].text = SECRET.number
    buf = io.BytesIO()
    document.save(buf)
    assert {"canary", "number"} <= kinds(docx_text(buf.getvalue()))


def test_visibility_rule_and_corpus_shape() -> None:
    units = {d.unit for d in DOCS}
    assert len(units) == 3 and {(d.level, d.unit) for d in DOCS} == {(lv, u) for lv in range(4) for u in units}
    assert len({d.canary for d in DOCS}) == len({d.folded for d in DOCS}) == len({d.number for d in DOCS}) == 24
    unit = SECRET.unit
    scoped = FixturePrincipal("x", ("reader",), 3, ("nowhere",))
    assert not FixturePrincipal("y", ("reader",), 2, None).can_see(SECRET)
    assert scoped.can_see(SECRET) is (unit is None)
    assert scoped.can_see(OTHER) and not scoped.can_see(OTHER, "all-units-only")
    assert not FixturePrincipal("anonymous").can_see(OTHER)


def test_plan_prefix_covers_every_list() -> None:
    a: list[Spec] = [("GET", f"/a{i}", None) for i in range(10)]
    b: list[Spec] = [("GET", f"/b{i}", None) for i in range(3)]
    out = interleave([(a, 3), (b, 1)])
    assert len(out) == 13 and {p for _, p, _ in out[:4]} == {"/a0", "/a1", "/a2", "/b0"}
    assert SECRET.canary in query_forms(SECRET) and SECRET.number in query_forms(SECRET)
