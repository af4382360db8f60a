"""Subject-aware sơ kết drafts on the development archive (tests/data/drafting) with the real model.

For both gold subjects, through ``DraftService`` and through the HTTP API, the draft meets the benchmark's goals
(``benchmarks.drafting_score``); the subject resolves from any variant of its number, and an unknown number and
one visible only above the caller's clearance get the same 422; the targets table reaches the DOCX (a Word
table) and the Markdown; a section no source supports is a gap; a period leaves out the reports outside it.
One index of the archive (plus one MẬT resolution of its own number) is built for the whole module.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

import pytest
from conftest import BASE_URL, ROOT
from docx import Document
from fastapi.testclient import TestClient

from benchmarks.drafting_score import load_archive, load_gold, normalise, score_draft, section_roles_of
from indexer.models import Classification
from indexer.retrieval.hybrid import HybridRetriever
from indexer.storage.filters import SearchFilter
from indexer.storage.index import Index
from indexer.understanding.section_roles import SectionRole
from search_api.config import AppSettings
from search_api.drafting.models import Draft
from search_api.drafting.request import DraftRequest
from search_api.drafting.service import DraftService
from search_api.drafting.subject import UnknownSubject
from search_api.drafting.table_labels import labels_for
from search_api.drafting.templates import TemplateRegistry
from search_api.security import PrincipalStore, guard_chunks
from search_api.security.database import security_db_path
from search_api.security.principals import Principal

DATA = ROOT / "tests" / "data" / "drafting"
ARCHIVE = DATA / "archive"
GOLD = load_gold(DATA / "gold.json")
SUBJECTS = [s["subject"] for s in GOLD["subjects"]]
TEMPLATE = "bao-cao-so-ket"
SECTION_ROLES = section_roles_of(ROOT / "prompts" / "bao-cao-so-ket.vi.yaml")
FILES = load_archive(ARCHIVE, GOLD["roles"])  # the archive as the scorer reads it (the MẬT file is not in it)

GOALS = {"on_topic": 0.95, "placement": 0.85, "target_recall": 0.9, "pairs_linked": 0.6}

SECRET_NUMBER = "31-NQ/TU"
SECRET_NAME = "nq-31-tu-2023-bao-ve-bi-mat.md"
SECRET_TEXT = """ĐẢNG BỘ TỈNH HÒA BÌNH XANH
TỈNH ỦY
*
Số 31-NQ/TU
ĐẢNG CỘNG SẢN VIỆT NAM
Hòa Bình Xanh, ngày 14 tháng 3 năm 2023

# NGHỊ QUYẾT
# CỦA BAN THƯỜNG VỤ TỈNH ỦY
## về tăng cường công tác bảo vệ bí mật nhà nước trong các cơ quan đảng

## I. TÌNH HÌNH

Thời gian qua, một số cơ quan còn để lộ tài liệu mật qua thư điện tử công cộng và thiết bị lưu trữ cá nhân.

## II. MỤC TIÊU

- Đến năm 2025, 100% cơ quan đảng có quy chế bảo vệ bí mật nhà nước được cập nhật theo quy định mới.
- Hằng năm, 100% cán bộ làm công tác văn thư, lưu trữ được bồi dưỡng nghiệp vụ bảo mật.
"""

TOPIC_07 = GOLD["subjects"][0]["topic"]
REPORT_2024 = "bc-268-tu-2024-ket-qua-nam-2024-nq-07.txt"
GAP_SUBJECT = "22-NQ/HU"  # the district's 2023 report on it has no lessons section
PLAIN = Principal("plain-service", frozenset({"drafter"}), Classification.UNCLASSIFIED, None, id="plain-service-1")


@dataclass
class Env:
    service: DraftService
    client: TestClient
    keys: dict[str, str]
    gap_text: str


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, settings: AppSettings, embedder) -> Iterator[Env]:  # type: ignore[no-untyped-def]
    from indexer.build.pipeline import IndexPipeline
    from search_api.app import create_app

    root = tmp_path_factory.mktemp("draftsubject")
    docs = root / "archive"
    shutil.copytree(ARCHIVE, docs)
    (docs / SECRET_NAME).write_text(SECRET_TEXT, encoding="utf-8")
    (docs / SECRET_NAME).with_suffix(".meta.json").write_text(json.dumps({"classification": "MẬT"}), "utf-8")
    s = settings.model_copy(update={"index_dir": root / "index"})
    idx = Index.open_or_create(s, embedder.name, embedder.dimension)
    report = IndexPipeline(s, embedder, idx).run([docs])
    assert report.ok and report.added == len(FILES) + 1, report.to_dict()
    idx.close()
    store = PrincipalStore(security_db_path(s))
    keys = {"plain": store.add("plain", ["drafter"], 0)[1], "cleared": store.add("cleared", ["drafter"], "mat")[1]}
    idx = Index.open(s)
    templates = TemplateRegistry.load(s.prompts_dir)
    service = DraftService(HybridRetriever(idx, embedder, s), templates)
    try:
        with TestClient(create_app(s, embedder=embedder), base_url=BASE_URL) as client:
            yield Env(service, client, keys, templates.get(TEMPLATE).gap_text)
    finally:
        idx.close()


def _h(env: Env, who: str = "plain") -> dict[str, str]:
    return {"Authorization": f"Bearer {env.keys[who]}"}


def service_draft(env: Env, **fields: Any) -> Draft:
    """A draft through the service, as an unclassified drafter (clearance filter and guard applied)."""
    return env.service.draft(
        DraftRequest.model_validate({"template": TEMPLATE, **fields}),
        SearchFilter().with_access(PLAIN.clearance, PLAIN.units),
        lambda rows: guard_chunks(PLAIN, rows, None, "test"),
        PLAIN.id,
    )


def api_draft(env: Env, who: str = "plain", **fields: Any) -> dict[str, Any]:
    r = env.client.post("/api/v1/drafts", json={"template": TEMPLATE, **fields}, headers=_h(env, who))
    assert r.status_code == 200, r.text
    return r.json()


def gold(subject: str) -> dict[str, Any]:
    return next(s for s in GOLD["subjects"] if s["subject"] == subject)


def quoted_texts(draft: dict[str, Any]) -> list[str]:
    """Every text a draft quotes: section sentences, targets and their results."""
    out = [t for s in draft["sections"] for p in s["paragraphs"] for t in p["sentences"]]
    for target in draft["targets"]:
        out += [target["text"], *(r["text"] for r in target["results"])]
    return out


def files_quoting(text: str) -> set[str]:
    return {name for name, f in FILES.items() if f.find(text)}


def assert_verbatim(draft: dict[str, Any]) -> None:
    texts = quoted_texts(draft)
    assert texts
    missing = [t for t in texts if not files_quoting(t)]
    assert not missing, missing


@pytest.fixture(scope="module")
def by_service(env: Env) -> dict[str, Draft]:
    return {g["subject"]: service_draft(env, topic=g["topic"], subject=g["subject"]) for g in GOLD["subjects"]}


@pytest.fixture(scope="module")
def by_api(env: Env) -> dict[str, dict[str, Any]]:
    return {g["subject"]: api_draft(env, topic=g["topic"], subject=g["subject"]) for g in GOLD["subjects"]}


def assert_goals(draft: dict[str, Any], subject: str) -> None:
    score = score_draft(draft, gold(subject), GOLD["roles"], ARCHIVE, SECTION_ROLES)
    report = asdict(score)
    for metric, goal in GOALS.items():
        assert report[metric] >= goal, (metric, report)
    assert score.verbatim and score.verbatim_share == 1.0 and not score.not_found, report
    assert score.sentences >= 20, report


@pytest.mark.parametrize("subject", SUBJECTS)
def test_service_draft_meets_the_goals(by_service: dict[str, Draft], subject: str) -> None:
    draft = by_service[subject]
    assert draft.subject is not None and draft.subject.number == subject
    assert_goals(draft.model_dump(mode="json"), subject)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_api_draft_meets_the_goals(
    by_api: dict[str, dict[str, Any]], by_service: dict[str, Draft], subject: str
) -> None:
    draft = by_api[subject]
    assert draft["subject"]["number"] == subject and "owner" not in draft
    assert_goals(draft, subject)
    # The API drafts what the service drafts for the same clearance: the same quotes, in the same places.
    service = by_service[subject].model_dump(mode="json")
    assert [(s["heading"], s["text"]) for s in draft["sections"]] == [
        (s["heading"], s["text"]) for s in service["sections"]
    ]
    assert draft["targets"] == service["targets"] and draft["gaps"] == service["gaps"] == []


def test_the_targets_of_07_are_the_gold_list(by_service: dict[str, Draft]) -> None:
    draft = by_service["07-NQ/TU"]
    assert draft.subject is not None
    assert [t.text for t in draft.targets] == gold("07-NQ/TU")["targets"]
    [section] = [s for s in draft.sections if s.targets]  # the table sits in the section marked targets: true
    assert section.heading == "III. Kết quả thực hiện các mục tiêu, chỉ tiêu" and section.targets == draft.targets
    about = set(draft.subject.about)
    for target in draft.targets:
        assert target.citation.doc_id == draft.subject.doc_id and target.citation.label.startswith("[07-NQ/TU")
        for result in target.results:  # results are reported by the other documents about the subject
            assert result.citation.doc_id in about - {draft.subject.doc_id}
    assert sum(bool(t.results) for t in draft.targets) >= 6


@pytest.mark.parametrize("variant", ["NQ 07", "07/NQ-TU", "০৭-NQ/TU", "07-nq/tu"])
def test_any_variant_of_the_number_names_the_same_subject(
    env: Env, by_api: dict[str, dict[str, Any]], variant: str
) -> None:
    draft = api_draft(env, topic=TOPIC_07, subject=variant)
    expected = by_api["07-NQ/TU"]
    assert draft["subject"] == expected["subject"]
    assert [t["text"] for t in draft["targets"]] == gold("07-NQ/TU")["targets"]


def test_unknown_and_hidden_subjects_get_the_same_422(env: Env) -> None:
    # The MẬT resolution exists: a cleared drafter drafts on it.
    secret = api_draft(env, "cleared", topic="bảo vệ bí mật nhà nước", subject=SECRET_NUMBER)
    assert secret["subject"]["number"] == SECRET_NUMBER and secret["classification"] == "MẬT"
    unknown = env.client.post(
        "/api/v1/drafts", json={"template": TEMPLATE, "topic": TOPIC_07, "subject": "99-NQ/TU"}, headers=_h(env)
    )
    hidden = env.client.post(
        "/api/v1/drafts", json={"template": TEMPLATE, "topic": TOPIC_07, "subject": SECRET_NUMBER}, headers=_h(env)
    )
    assert unknown.status_code == hidden.status_code == 422
    assert unknown.json()["error"]["code"] == "unknown_subject"
    # The same body, but for the number the caller typed (echoed back): nothing tells hidden from unknown.
    assert hidden.json() == json.loads(unknown.text.replace("99-NQ/TU", SECRET_NUMBER))
    assert "99-NQ/TU" in unknown.text and set(hidden.headers) == set(unknown.headers)
    messages = []
    for number in ("99-NQ/TU", SECRET_NUMBER):
        with pytest.raises(UnknownSubject) as err:
            service_draft(env, topic=TOPIC_07, subject=number)
        messages.append(str(err.value).replace(number, "<n>"))
    assert messages[0] == messages[1]


def test_docx_has_the_targets_table(env: Env, by_api: dict[str, dict[str, Any]]) -> None:
    draft = by_api["07-NQ/TU"]
    r = env.client.get(f"/api/v1/drafts/{draft['id']}.docx", headers=_h(env))
    assert r.status_code == 200
    doc = Document(io.BytesIO(r.content))
    lab = labels_for("vi")
    [table] = [t for t in doc.tables if [c.text for c in t.rows[0].cells] == ["TT", lab.target, lab.result]]
    assert len(table.rows) == len(draft["targets"]) + 1  # the header row, then one row per target
    assert len(draft["targets"]) == len(gold("07-NQ/TU")["targets"])
    for i, (row, target) in enumerate(zip(table.rows[1:], draft["targets"], strict=True), 1):
        number, text, results = (c.text for c in row.cells)
        assert number == str(i) and text == f"{target['text']} {target['citation']['label']}"
        if target["results"]:
            assert results == "\n".join(f"{x['text']} {x['citation']['label']}" for x in target["results"])
        else:
            assert results == lab.missing
    assert any(not t["results"] for t in draft["targets"])  # the empty marker is exercised too


def test_markdown_has_the_targets_table(env: Env, by_api: dict[str, dict[str, Any]]) -> None:
    draft = by_api["07-NQ/TU"]
    r = env.client.get(f"/api/v1/drafts/{draft['id']}.md", headers=_h(env))
    assert r.status_code == 200
    lab = labels_for("vi")
    lines = r.text.splitlines()
    head = lines.index(f"| # | {lab.target} | {lab.result} |")
    assert lines[head + 1] == "|---:|---|---|"
    rows = lines[head + 2 : head + 2 + len(draft["targets"])]
    for i, (line, target) in enumerate(zip(rows, draft["targets"], strict=True), 1):
        assert line.startswith(f"| {i} | {target['text']} {target['citation']['label']} | ")
        for result in target["results"]:
            assert f"{result['text']} {result['citation']['label']}" in line
    assert lines[head + 2 + len(draft["targets"])] == ""  # the table ends after the last target


def test_a_section_no_source_supports_is_a_gap(env: Env) -> None:
    draft = api_draft(env, topic=TOPIC_07, subject=GAP_SUBJECT)
    assert draft["subject"]["number"] == GAP_SUBJECT
    assert draft["gaps"] == ["V. Bài học kinh nghiệm"]
    [section] = [s for s in draft["sections"] if s["heading"] == "V. Bài học kinh nghiệm"]
    [paragraph] = section["paragraphs"]
    assert paragraph["gap"] and paragraph["text"] == env.gap_text
    assert paragraph["citations"] == paragraph["sentences"] == section["citations"] == section["targets"] == []
    # Really no source: none of the documents about the subject has a lessons passage.
    store = env.service.retriever.index.store
    roles = {r.role for doc_id in draft["subject"]["about"] for r in store.document_chunks(doc_id)}
    assert SectionRole.LESSONS not in roles and SectionRole.RESULTS in roles
    assert all(not p["gap"] for s in draft["sections"] if s["heading"] not in draft["gaps"] for p in s["paragraphs"])
    assert_verbatim(draft)
    md = env.client.get(f"/api/v1/drafts/{draft['id']}.md", headers=_h(env)).text
    assert f"### V. Bài học kinh nghiệm\n\n*{env.gap_text}*\n" in md


def test_a_period_leaves_out_the_reports_outside_it(env: Env, by_service: dict[str, Draft]) -> None:
    full = by_service["07-NQ/TU"]
    store = env.service.retriever.index.store
    assert full.subject is not None
    numbers = {d: store.document(d, SearchFilter()).number for d in full.subject.about}  # type: ignore[union-attr]
    [report_2024] = [d for d, n in numbers.items() if n == "268-BC/TU"]
    assert [t for t in quoted_texts(full.model_dump(mode="json")) if files_quoting(t) == {REPORT_2024}]

    upto_2023 = service_draft(env, topic=TOPIC_07, subject="07-NQ/TU", period={"to": "2023-12-31"})
    dumped = upto_2023.model_dump(mode="json")
    assert upto_2023.subject is not None and report_2024 not in upto_2023.subject.about
    assert set(upto_2023.subject.about) == set(full.subject.about) - {report_2024}
    assert report_2024 not in {s.doc_id for s in upto_2023.sources}
    assert not [t for t in quoted_texts(dumped) if files_quoting(t) == {REPORT_2024}]
    assert [t.text for t in upto_2023.targets] == gold("07-NQ/TU")["targets"]  # the subject's targets stay
    assert_verbatim(dumped)

    # The subject is not a document about itself: a period starting after it keeps it and its targets.
    from_2024 = service_draft(env, topic=TOPIC_07, subject="07-NQ/TU", period={"from": "2024-01-01"})
    assert from_2024.subject is not None and from_2024.subject.about == [full.subject.doc_id, report_2024]
    assert [t.text for t in from_2024.targets] == gold("07-NQ/TU")["targets"]
    results = {r.citation.doc_id for t in from_2024.targets for r in t.results}
    assert results == {report_2024}
    assert_verbatim(from_2024.model_dump(mode="json"))


def test_every_quote_is_verbatim_from_the_archive(
    by_service: dict[str, Draft], by_api: dict[str, dict[str, Any]]
) -> None:
    for subject in SUBJECTS:
        for draft in (by_service[subject].model_dump(mode="json"), by_api[subject]):
            assert_verbatim(draft)
            for text in quoted_texts(draft):  # and from one of the files about the subject
                assert files_quoting(text) & set(gold(subject)["about"]), text
    # Read the files directly too (not through the scorer's loader): each quote is a run of a file's text.
    raw = [normalise(p.read_text(encoding="utf-8")) for p in ARCHIVE.iterdir()]
    for draft in by_api.values():
        for text in quoted_texts(draft):
            assert any(normalise(text) in body for body in raw), text
