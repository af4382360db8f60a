"""The web page in a real Chromium (Playwright) against a real server over a real index of corpus/.

Checks keyboard use, filters, the document view, similar documents, the draft view and its DOCX download,
the language switch (labels, <html lang>, the Bengali font actually used), the API key form, the 390-px
phone layout and that no request leaves 127.0.0.1. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from indexer.config import Settings

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000
LABELS = {  # the search button and the draft nav link in each interface language
    "vi": ("Tìm", "Soạn thảo"),
    "en": ("Search", "Draft"),
    "bn": ("খুঁজুন", "খসড়া"),
}


def _need_chromium() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is required in CI")
        pytest.skip(f"{CHROMIUM} not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class LiveServer:
    """create_app(settings) under uvicorn in a background thread on a free loopback port."""

    def __init__(self, settings: Settings, embedder: Any) -> None:
        import uvicorn

        from search_api.app import create_app

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings, embedder=embedder), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 120
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def server(corpus_index: Settings, embedder: Any) -> Iterator[str]:
    """Base URL of a live server over the corpus index (development mode: no API key needed)."""
    _need_chromium()
    with LiveServer(corpus_index, embedder) as live:
        yield live.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, with a temporary profile."""
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Tab:
    """A page with the URLs it requested and the script errors it raised."""

    page: Any
    base: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def assert_local_only(self) -> None:
        outside = [
            u
            for u in self.requests
            if urlsplit(u).scheme not in ("blob", "data") and urlsplit(u).hostname != "127.0.0.1"
        ]
        assert not outside, f"requests left 127.0.0.1: {outside}"
        assert not self.errors, f"script errors: {self.errors}"


def _open(browser: Any, base: str, width: int = 1280, height: int = 900) -> Tab:
    context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True, base_url=base)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    tab = Tab(page, base)
    page.on("request", lambda r: tab.requests.append(r.url))
    page.on("pageerror", lambda e: tab.errors.append(str(e)))
    # The page must work under its strict Content-Security-Policy: any violation is an error.
    page.on(
        "console",
        lambda m: tab.errors.append(m.text) if "Content Security Policy" in m.text or "Refused to" in m.text else None,
    )
    return tab


@pytest.fixture()
def tab(browser: Any, server: str) -> Iterator[Tab]:
    """A fresh browser context (own storage) at desktop size; checks it stayed on 127.0.0.1."""
    t = _open(browser, server)
    yield t
    t.assert_local_only()
    t.page.context.close()


def _search(tab: Tab, query: str) -> None:
    """Type a query with the keyboard and wait for the results."""
    page = tab.page
    page.locator("#q").fill("")
    page.locator("#q").focus()
    page.keyboard.type(query)
    page.keyboard.press("Enter")
    page.locator("#results .hit").first.wait_for()


def _set_lang(tab: Tab, code: str) -> None:
    tab.page.select_option("#lang-select", code)
    tab.page.wait_for_function("c => document.documentElement.lang === c", arg=code)


def _hit_types(tab: Tab) -> list[str]:
    return tab.page.eval_on_selector_all(
        "#results .hit dl.meta div",
        "ds => ds.filter(d => d.dataset.field === 'type').map(d => d.lastChild.textContent)",
    )


def _render_fonts(tab: Tab, selector: str) -> list[str]:
    """Family names of the platform fonts Chromium really used to draw the text of an element (CDP)."""
    cdp = tab.page.context.new_cdp_session(tab.page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})
    node = cdp.send("DOM.querySelector", {"nodeId": root["root"]["nodeId"], "selector": selector})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
    cdp.detach()
    return [f["familyName"] for f in fonts]


def test_keyboard_search_filter_document_and_similar(tab: Tab) -> None:
    """Skip link, typed query, a type filter by keyboard, a hit opened by keyboard, then a similar document."""
    page = tab.page
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    _search(tab, "Nghị quyết 57-NQ/TW khoa học công nghệ")
    interp = page.locator("#interpretation")
    assert "57-NQ/TW" in interp.inner_text()
    assert "q=" in page.url and "57-NQ" in page.evaluate("decodeURIComponent(location.hash)")
    first = page.locator("#results .hit").first
    assert "57-NQ/TW" in first.inner_text()
    assert first.locator(".snippet mark").count() > 0
    assert page.locator("#results-status").get_attribute("aria-live") == "polite"

    # Filter by type with the keyboard only: focus the first type checkbox, press Space.
    box = page.locator("#facets fieldset[data-facet=type] input").first
    wanted = box.get_attribute("value")
    before = page.evaluate("location.hash")
    box.focus()
    page.keyboard.press("Space")
    page.wait_for_function("h => location.hash !== h && location.hash.includes('type=')", arg=before)
    page.wait_for_function("() => !document.getElementById('results').hasAttribute('aria-busy')")
    page.locator("#results .hit, #results-status .message").first.wait_for()
    types = _hit_types(tab)
    assert types and all(t == wanted for t in types), (wanted, types)
    assert page.locator(f"#facets input[value='{wanted}']").is_checked()

    # Open the first hit by keyboard: the document view shows the passage highlighted.
    link = page.locator("#results .hit-link").first
    title = link.inner_text()
    link.focus()
    page.keyboard.press("Enter")
    page.locator("#doc .chunk.target").wait_for()
    assert page.locator("#doc-title").inner_text().startswith(title)
    assert page.locator("#doc-identity dt").count() >= 3
    assert page.locator("#doc-toc li").count() >= 1
    assert page.evaluate("document.activeElement.classList.contains('target')")

    # A similar document opens in the same view.
    page.locator("#doc-similar a").first.wait_for()
    sim = page.locator("#doc-similar a").first
    sim_title = sim.inner_text()
    sim.click()
    page.wait_for_function("t => document.getElementById('doc-title').textContent.startsWith(t)", arg=sim_title)
    page.locator("#doc .chunk.target").wait_for()

    # Back to the results: the same search, restored from the URL.
    page.locator("#doc-back").click()
    page.locator("#results .hit").first.wait_for()
    assert page.locator("#q").input_value().startswith("Nghị quyết 57")


def test_empty_result_and_error_states(tab: Tab) -> None:
    """A query that matches nothing says what to do; a missing document says so."""
    page = tab.page
    page.goto("/#/search?q=" + "zzqxv%20wwkjq&mode=lexical")
    page.locator("#results-status .message.empty").wait_for()
    assert page.locator("#results .hit").count() == 0
    page.goto("/#/doc/" + "no%3Asuch%20doc%40x")
    page.locator("#doc-status .message").wait_for()


def _prepare_views(tab: Tab) -> dict[str, str]:
    """Run one search and open its first hit; returns the hashes of the search and document views."""
    page = tab.page
    page.goto("/")
    _search(tab, "chuyển đổi số khoa học công nghệ")
    search_hash = page.evaluate("location.hash")
    page.locator("#results .hit-link").first.click()
    page.locator("#doc .chunk.target").wait_for()
    page.locator("#doc-similar li").first.wait_for()
    return {"search": search_hash, "doc": page.evaluate("location.hash")}


def test_language_switch_labels_fonts_and_screenshots(tab: Tab) -> None:
    """vi/en/bn: labels change, <html lang> follows, the choice is remembered, Bengali is drawn with Noto."""
    page = tab.page
    hashes = _prepare_views(tab)
    page.evaluate("() => { location.hash = '#/draft'; }")
    page.locator("#draft-template option").first.wait_for(state="attached")
    page.locator("#draft-topic").fill("chuyển đổi số")
    page.locator("#draft-topic").press("Enter")
    page.locator("#draft-downloads").wait_for(timeout=180_000)
    for code, (search_label, draft_label) in LABELS.items():
        _set_lang(tab, code)
        page.evaluate("() => { location.hash = '#/draft'; }")
        page.locator("#draft-view").wait_for()
        assert page.evaluate("localStorage.getItem('thammuu.lang')") == code
        assert page.locator("#nav-draft").inner_text() == draft_label
        assert page.locator("#search-form button[type=submit]").inner_text() == search_label
        tab.shot(f"draft-{code}")
        page.evaluate("h => { location.hash = h; }", hashes["search"])
        page.locator("#results .hit").first.wait_for()
        assert page.locator("#search-form button[type=submit]").inner_text() == search_label
        tab.shot(f"search-{code}")
        fonts = _render_fonts(tab, "#search-form button[type=submit]")
        if code == "bn":
            assert any("Bengali" in f for f in fonts), fonts
        else:
            assert any(f.startswith("Noto Sans") for f in fonts), fonts
        page.evaluate("h => { location.hash = h; }", hashes["doc"])
        page.locator("#doc .chunk.target").wait_for()
        assert page.locator("#doc-similar li").count() >= 1
        tab.shot(f"doc-{code}")
    # The choice survives a reload; the Bengali corpus text is drawn with a Bengali font too.
    page.reload()
    page.wait_for_function("() => document.documentElement.lang === 'bn'")
    assert page.locator("#nav-search").inner_text() == "অনুসন্ধান"
    page.evaluate("() => { location.hash = '#/search'; }")
    _search(tab, "বিজ্ঞান প্রযুক্তি উদ্ভাবন")
    assert any("Bengali" in f for f in _render_fonts(tab, "#results .hit .snippet"))
    _set_lang(tab, "vi")


def test_phone_layout_has_no_horizontal_scroll(browser: Any, server: str) -> None:
    """At 390 px wide every view fits the screen."""
    tab = _open(browser, server, width=390, height=844)
    page = tab.page
    try:
        hashes = _prepare_views(tab)
        widths = {}
        for name, target in (("search", hashes["search"]), ("doc", hashes["doc"]), ("draft", "#/draft")):
            page.evaluate("h => { location.hash = h; }", target)
            page.wait_for_timeout(300)
            widths[name] = page.evaluate("document.documentElement.scrollWidth")
            tab.shot(f"phone-{name}-vi")
        assert all(w <= 390 for w in widths.values()), widths
        tab.assert_local_only()
    finally:
        page.context.close()


def test_api_key_form(browser: Any, corpus_index: Settings, embedder: Any, tmp_path: Path) -> None:
    """With principals defined a 401 shows the key form; the key goes in a Bearer header, never the URL."""
    from search_api.security import PrincipalStore

    index_dir = tmp_path / "index"
    shutil.copytree(corpus_index.index_dir, index_dir)
    store = PrincipalStore(index_dir.parent / "security.sqlite")  # the default beside the index
    _, key = store.add("analyst", ["reader", "drafter"], "MẬT")
    store.close()
    with LiveServer(corpus_index.model_copy(update={"index_dir": index_dir}), embedder) as live:
        tab = _open(browser, live.url)
        page = tab.page
        auth: list[str] = []
        page.on(
            "request", lambda r: auth.append(r.headers.get("authorization", "")) if "/api/v1/search" in r.url else None
        )
        try:
            page.goto("/#/search?q=b%E1%BA%A3o%20v%E1%BB%87%20ch%C3%ADnh%20tr%E1%BB%8B")
            page.locator("#key-view").wait_for()
            assert page.locator("#key-error").is_hidden()
            page.locator("#key-input").fill("tm_wrong")
            page.keyboard.press("Enter")
            page.locator("#key-error").wait_for()
            page.locator("#key-input").fill(key)
            page.keyboard.press("Enter")
            page.locator("#results .hit").first.wait_for()
            assert f"Bearer {key}" in auth
            assert key not in page.url
            assert page.evaluate("sessionStorage.getItem('thammuu.apiKey')") == key
            assert page.evaluate("localStorage.getItem('thammuu.apiKey')") is None
            # A MẬT document is visible to this principal and marked as classified.
            _search(tab, "bảo vệ chính trị nội bộ")
            assert page.locator("#results .badge.classified").count() >= 1
            tab.shot("search-classified-vi")
            page.locator("#forget-key").click()
            page.locator("#key-view").wait_for()
            tab.assert_local_only()
        finally:
            page.context.close()


def test_draft_sections_citations_and_downloads(tab: Tab, tmp_path: Path) -> None:
    """Generate a draft by keyboard; sections arrive; citations open passages; DOCX and Markdown download."""
    import docx

    page = tab.page
    page.goto("/#/draft")
    page.locator("#draft-template option").first.wait_for(state="attached")
    values = page.eval_on_selector_all("#draft-template option", "os => os.map(o => o.value)")
    page.select_option("#draft-template", "bao-cao-so-ket" if "bao-cao-so-ket" in values else values[0])
    page.locator("#draft-topic").focus()
    page.keyboard.type("chuyển đổi số và phát triển khoa học công nghệ")
    page.keyboard.press("Enter")
    page.locator("#draft-downloads").wait_for(timeout=180_000)
    assert page.locator("#draft-sections .draft-section").count() >= 2
    assert page.locator("#draft-sections a.cite").count() >= 1
    assert page.locator("#draft-citations a").count() >= 1
    tab.shot("draft-generated-vi")

    with page.expect_download() as info:
        page.locator("#download-docx").click()
    docx_path = tmp_path / "draft.docx"
    info.value.save_as(docx_path)
    text = "\n".join(p.text for p in docx.Document(str(docx_path)).paragraphs)
    assert len(text) > 200
    with page.expect_download() as info:
        page.locator("#download-md").click()
    md_path = tmp_path / "draft.md"
    info.value.save_as(md_path)
    assert md_path.read_text(encoding="utf-8").strip()

    # A citation opens the document view at the cited passage.
    cite = page.locator("#draft-citations a").first
    chunk = cite.get_attribute("href").rsplit("chunk=", 1)[1]
    cite.click()
    page.locator(f"#chunk-{chunk}.target").wait_for()


class _AttackerSite:
    """A foreign origin (another port on loopback) serving a page that posts a plain HTML form to the server."""

    def __init__(self, target: str) -> None:
        import http.server

        form = (
            "<!doctype html><html><body>"
            f'<form id="f" method="post" enctype="multipart/form-data" action="{target}/api/v1/index">'
            '<input type="hidden" name="unit" value="x"></form>'
            f'<form id="t" method="post" enctype="text/plain" action="{target}/api/v1/index">'
            '<input type="hidden" name=\'{"path": "/etc", "x": "\' value=\'"}\'></form>'
            f'<iframe id="frame" src="{target}/"></iframe>'
            "</body></html>"
        ).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(form)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> _AttackerSite:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()


def test_foreign_page_can_neither_post_nor_frame(browser: Any, server: str) -> None:
    """A page on another origin submits forms to the server (multipart and text/plain) and frames it: the
    server refuses both writes and the browser refuses to draw the frame."""
    with _AttackerSite(server) as attacker:
        context = browser.new_context()
        page = context.new_page()
        try:
            page.goto(attacker.url, wait_until="load")  # waits for the iframe too
            frames = [f for f in page.frames if f != page.main_frame]
            assert frames
            for frame in frames:  # X-Frame-Options DENY / frame-ancestors 'none': the page is never drawn
                try:
                    drawn = frame.evaluate("!!document.querySelector('#q')")
                except Exception:  # an error page cannot even be evaluated
                    drawn = False
                assert not drawn
            with page.expect_navigation():
                page.evaluate("document.getElementById('f').submit()")
            assert "cross_origin" in page.content()
            page.goto(attacker.url)
            with page.expect_navigation():
                page.evaluate("document.getElementById('t').submit()")
            assert "cross_origin" in page.content()  # refused for its Origin before its text/plain body
        finally:
            context.close()


# Review drafts (subject, targets table, gaps), validity and relations. The sample corpus has one subject with
# targets (12-NQ/TU, none reported on yet), one document in force (96-QĐ/TW) and no relations between documents,
# so results with citations, every validity status and the relations list are shown from mocked answers.

MOCK_DOC = "mock:doc 1"  # a doc id with ':' and a space, as real ids may have
RESULT_DOC = "mock-report-2"


def _sse(events: list[tuple[str, Any]]) -> str:
    """A text/event-stream body: one 'event:'/'data:' block per event."""
    import json

    return "".join(f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n" for name, data in events)


def _cite(doc_id: str, chunk_id: int, number: str, section: str) -> dict[str, Any]:
    return {
        "doc_id": doc_id,
        "chunk_id": chunk_id,
        "number": number,
        "section": section,
        "label": f"[{number}, {section}]",
    }


def _mock_draft() -> dict[str, Any]:
    subject_cite = _cite(MOCK_DOC, 11, "05-NQ/TU", "II.")
    targets = [
        {
            "text": "100% cơ quan đảng kết nối mạng thông tin diện rộng",
            "citation": subject_cite,
            "results": [
                {
                    "text": "Đến nay 98% cơ quan đảng đã kết nối mạng diện rộng.",
                    "citation": _cite(RESULT_DOC, 27, "88-BC/TU", "I.2"),
                }
            ],
        },
        {"text": "80% hồ sơ công việc được xử lý trên môi trường mạng", "citation": subject_cite, "results": []},
    ]
    gap = {
        "text": "Chưa có tài liệu về nội dung này; đề nghị bổ sung.",
        "citations": [],
        "supported": True,
        "gap": True,
    }
    sections = [
        {
            "heading": "I. Đặc điểm tình hình",
            "classification": "unclassified",
            "classification_level": 0,
            "paragraphs": [
                {"text": "Tỉnh ủy đã ban hành Nghị quyết số 05-NQ/TU.", "citations": [subject_cite], "supported": True}
            ],
            "targets": [],
        },
        {
            "heading": "III. Kết quả thực hiện các mục tiêu, chỉ tiêu",
            "classification": "unclassified",
            "classification_level": 0,
            "paragraphs": [],
            "targets": targets,
        },
        {
            "heading": "V. Bài học kinh nghiệm",
            "classification": "unclassified",
            "classification_level": 0,
            "paragraphs": [gap],
            "targets": [],
        },
    ]
    return {
        "id": "mockdraft0001",
        "template": "bao-cao-so-ket",
        "language": "vi",
        "mode": "extractive",
        "topic": "chuyển đổi số",
        "title": "Báo cáo sơ kết Nghị quyết số 05-NQ/TU",
        "classification": "unclassified",
        "classification_level": 0,
        "sections": sections,
        "subject": {
            "doc_id": MOCK_DOC,
            "number": "05-NQ/TU",
            "title": "về chuyển đổi số đến năm 2025",
            "doc_type": "Nghị quyết",
            "issued_date": "2021-08-10",
            "about": [MOCK_DOC, RESULT_DOC],
        },
        "targets": targets,
        "gaps": ["V. Bài học kinh nghiệm"],
        "sources": [],
        "blocks": {},
    }


def _open_draft_form(tab: Tab) -> None:
    page = tab.page
    page.goto("/#/draft")
    page.locator("#draft-template option").first.wait_for(state="attached")
    values = page.eval_on_selector_all("#draft-template option", "os => os.map(o => o.value)")
    assert "bao-cao-so-ket" in values, values
    page.select_option("#draft-template", "bao-cao-so-ket")


def test_draft_subject_unit_period_and_targets_table(tab: Tab) -> None:
    """The review fields reach the request only when filled; the targets table shows each target and its results
    with citation links, an empty result as a 'to be filled in' marker; a gap paragraph reads as a notice."""
    page = tab.page
    sent: list[dict[str, Any]] = []
    draft = _mock_draft()
    events = [("start", {"id": draft["id"], "template": "bao-cao-so-ket", "sections": 3})]
    events += [("section", s) for s in draft["sections"]] + [("done", draft)]

    def fulfil(route: Any) -> None:
        sent.append(route.request.post_data_json)
        route.fulfill(status=200, headers={"Content-Type": "text/event-stream"}, body=_sse(events))

    page.route("**/api/v1/drafts/stream", fulfil)
    _open_draft_form(tab)
    page.locator("#draft-topic").fill("chuyển đổi số")
    # Period in the wrong order: refused at the form, nothing is sent.
    page.locator("#draft-from").fill("2025-06-30")
    page.locator("#draft-to").fill("2024-01-01")
    page.locator("#draft-submit").click()
    page.locator("#draft-form-error").wait_for()
    assert "Ngày bắt đầu" in page.locator("#draft-form-error").inner_text()
    assert page.locator("#draft-from").get_attribute("aria-invalid") == "true"
    assert not sent

    page.locator("#draft-subject").fill(" 05-NQ/TU ")
    page.locator("#draft-unit").fill("Tỉnh ủy Ninh Bình")
    page.locator("#draft-from").fill("2021-08-10")
    page.locator("#draft-to").fill("2025-06-30")
    page.locator("#draft-submit").click()
    page.locator("#draft-downloads").wait_for()
    assert page.locator("#draft-form-error").is_hidden()
    assert len(sent) == 1
    body = sent[0]
    assert body["subject"] == "05-NQ/TU" and body["unit"] == "Tỉnh ủy Ninh Bình"
    assert body["period"] == {"from": "2021-08-10", "to": "2025-06-30"}
    assert body["template"] == "bao-cao-so-ket" and body["topic"] == "chuyển đổi số"

    # The subject at the top, linked to its document.
    subject = page.locator("#draft-subject-line a.subject-link")
    assert "05-NQ/TU" in subject.inner_text() and "chuyển đổi số đến năm 2025" in subject.inner_text()
    assert subject.get_attribute("href") == "#/doc/mock%3Adoc%201"

    # The table sits in section III, once.
    assert page.locator("#draft-sections table.targets").count() == 1
    section = page.locator("#draft-sections .draft-section").nth(1)
    assert section.locator("table.targets").count() == 1
    rows = section.locator("table.targets tbody tr")
    assert rows.count() == 2
    first, second = rows.nth(0), rows.nth(1)
    assert "100% cơ quan đảng" in first.locator("td.target").inner_text()
    assert first.locator("td.target a.cite").get_attribute("href") == "#/doc/mock%3Adoc%201?chunk=11"
    result = first.locator("td.results li")
    assert "98% cơ quan đảng" in result.inner_text()
    assert result.locator("a.cite").get_attribute("href") == f"#/doc/{RESULT_DOC}?chunk=27"
    assert result.locator("a.cite").inner_text() == "[88-BC/TU, I.2]"
    assert first.locator(".no-data").count() == 0
    assert second.locator("td.results .no-data").inner_text() == "chưa có số liệu — đề nghị bổ sung"

    # The gap paragraph is a notice in italics, not a flagged paragraph.
    gap = page.locator("#draft-sections p.gap")
    assert gap.count() == 1
    assert gap.locator("em").inner_text().startswith("Chưa có tài liệu")
    assert page.locator("#draft-sections .unsupported").count() == 0
    assert page.evaluate("getComputedStyle(document.querySelector('#draft-sections p.gap em')).fontStyle") == "italic"
    # Table citations are listed with the others.
    hrefs = page.eval_on_selector_all("#draft-citations a", "as => as.map(a => a.getAttribute('href'))")
    assert f"#/doc/{RESULT_DOC}?chunk=27" in hrefs
    tab.shot("draft-targets-vi")

    _set_lang(tab, "en")
    assert second.locator(".no-data").inner_text() == "no figures yet — please add"
    assert page.locator("label[for=draft-subject]").inner_text() == "Document under review (number)"
    assert page.locator("table.targets caption").inner_text() == "Targets and results"
    _set_lang(tab, "vi")


def test_draft_with_a_real_subject_and_an_unknown_one(tab: Tab) -> None:
    """Against the real server: a subject of the corpus gives its targets table (nothing reported on yet, so every
    row asks for figures); an unknown subject is refused with the server's 422, shown beside the form."""
    page = tab.page
    bodies: list[dict[str, Any]] = []
    page.on("request", lambda r: bodies.append(r.post_data_json) if r.url.endswith("/api/v1/drafts/stream") else None)
    _open_draft_form(tab)
    page.locator("#draft-topic").fill("giáo dục và đào tạo")
    page.locator("#draft-subject").fill("12-NQ/TU")
    page.locator("#draft-submit").click()
    page.locator("#draft-downloads").wait_for(timeout=180_000)
    assert bodies[-1]["subject"] == "12-NQ/TU"
    assert "unit" not in bodies[-1] and "period" not in bodies[-1]
    assert "12-NQ/TU" in page.locator("#draft-subject-line a.subject-link").inner_text()
    rows = page.locator("#draft-sections table.targets tbody tr")
    assert rows.count() >= 1
    no_data = page.locator("#draft-sections table.targets .no-data").count()
    with_results = page.locator("#draft-sections table.targets td.results li").count()
    assert no_data >= 1 and no_data + min(with_results, rows.count()) >= rows.count()
    assert page.locator("#draft-sections table.targets td.target a.cite").count() == rows.count()
    assert page.locator("#draft-sections p.gap").count() >= 1
    assert page.locator("#draft-sections p.gap.unsupported").count() == 0
    tab.shot("draft-subject-real-vi")

    page.locator("#draft-subject").fill("99-NQ/XYZ")
    page.locator("#draft-submit").click()
    error = page.locator("#draft-form-error")
    error.wait_for()
    assert "Không tìm thấy văn bản có số hiệu này" in error.inner_text()
    assert "99-NQ/XYZ" in error.inner_text()  # the server's own message, as detail
    assert page.locator("#draft-subject").get_attribute("aria-invalid") == "true"
    assert page.locator("#draft-output").is_hidden()
    assert bodies[-1]["subject"] == "99-NQ/XYZ"
    # Typing a new subject clears the mark.
    page.locator("#draft-subject").fill("12-NQ/TU")
    assert page.locator("#draft-subject").get_attribute("aria-invalid") is None


def test_validity_badges_facet_and_in_force_filter(tab: Tab) -> None:
    """Real: the corpus's document in force carries 'Còn hiệu lực', the validity facet counts it, and 'in force
    only' reaches the request. Mocked: every status's badge; nothing for unknown or missing."""
    page = tab.page
    bodies: list[dict[str, Any]] = []
    page.on("request", lambda r: bodies.append(r.post_data_json) if r.url.endswith("/api/v1/search") else None)
    page.goto("/")
    _search(tab, "96-QĐ/TW lấy phiếu tín nhiệm")
    hit = page.locator("#results .hit", has_text="96-QĐ/TW").first
    assert hit.locator(".badge.validity").inner_text() == "Còn hiệu lực"
    facet = page.locator("#facets fieldset[data-facet=validity]")
    assert "Còn hiệu lực" in facet.locator("li[data-validity=in_force]").inner_text()
    # Unknown validity is no badge.
    unknown = page.locator("#results .hit").filter(has_not=page.locator(".badge.validity"))
    assert unknown.count() >= 1
    box = facet.locator("input[name=inForce]")
    assert page.locator(f"label[for={box.get_attribute('id')}]").inner_text() == "Chỉ văn bản còn hiệu lực"
    before = page.evaluate("location.hash")
    box.focus()
    page.keyboard.press("Space")
    page.wait_for_function("h => location.hash !== h && location.hash.includes('in_force=1')", arg=before)
    page.wait_for_function("() => !document.getElementById('results').hasAttribute('aria-busy')")
    assert bodies[-1]["filters"].get("in_force") is True
    assert page.locator("#facets input[name=inForce]").is_checked()
    page.locator("#clear-filters").click()
    page.wait_for_function("() => !location.hash.includes('in_force')")

    statuses = ["in_force", "not_yet_in_force", "replaced", "repealed", "partly_amended", "expired", "unknown", None]
    hits = [
        {
            "doc_id": f"mock-{i}",
            "chunk_id": i,
            "score": 1.0 - i / 10,
            "number": f"{i + 1}-NQ/TU",
            "title": f"Văn bản {i}",
            "doc_type": "Nghị quyết",
            "classification": "unclassified",
            "section": "",
            "pages": [],
            "snippet": "",
            "role": "targets" if i == 0 else "",
            "validity": status,
        }
        for i, status in enumerate(statuses)
    ]
    answer = {
        "hits": hits,
        "total": len(hits),
        "offset": 0,
        "k": 10,
        "took_ms": 1.0,
        "query_interpretation": {"tokens": ["hiệu", "lực"], "numbers": [], "number_docs": []},
    }
    page.route("**/api/v1/search", lambda route: route.fulfill(status=200, json=answer))
    _search(tab, "hiệu lực")
    # A search of the cleared filters may still be answering: wait for the mocked page to be the one shown.
    page.wait_for_function(
        "() => document.querySelectorAll('#results .hit').length === 8"
        " && document.getElementById('results').textContent.includes('Văn bản 7')"
    )
    badges = page.eval_on_selector_all(
        "#results .hit", "hs => hs.map(h => [...h.querySelectorAll('.badge.validity')].map(b => b.textContent))"
    )
    assert badges == [
        ["Còn hiệu lực"],
        ["Chưa có hiệu lực"],
        ["Đã bị thay thế"],
        ["Đã bị bãi bỏ"],
        ["Sửa đổi một phần"],
        ["Hết hiệu lực"],
        [],
        [],
    ]
    assert page.locator("#results .hit").first.locator("[data-field=role] dd").inner_text() == "Mục tiêu"
    tab.shot("search-validity-vi")
    _set_lang(tab, "en")
    assert page.locator("#results .hit .badge.validity").nth(2).inner_text() == "Replaced"
    _set_lang(tab, "bn")
    assert page.locator("#results .hit .badge.validity").first.inner_text() == "বলবৎ"
    _set_lang(tab, "vi")


def _mock_document() -> dict[str, Any]:
    rel = {"title": None, "doc_type": None, "issued_date": None, "sentence": "", "scope": None}
    return {
        "doc_id": MOCK_DOC,
        "number": "05-NQ/TU",
        "doc_type": "Nghị quyết",
        "issuer": "TỈNH ỦY NINH BÌNH",
        "issuer_raw": "ĐẢNG BỘ TỈNH NINH BÌNH",
        "issued_date": "2021-08-10",
        "review": [
            {"field": "number", "value": "05-NQ/TU", "confidence": 1.0, "needs_review": False, "reasons": []},
            {
                "field": "issued_date",
                "value": "2021-08-10",
                "confidence": 0.26,
                "needs_review": True,
                "reasons": ["OCR page 1, confidence 71.0"],
            },
        ],
        "needs_review": ["issued_date"],
        "title": "về chuyển đổi số đến năm 2025",
        "classification": "unclassified",
        "language": "vi",
        "page_count": 3,
        "effective_date": "2021-08-10",
        "expiry_date": None,
        "validity": {
            "status": "replaced",
            "as_of": "2026-12-01",
            "reason": "replaced by 09-NQ/TU from 2025-07-01",
            "by_doc_id": RESULT_DOC,
            "by_number": "09-NQ/TU",
            "sentence": "Nghị quyết này thay thế Nghị quyết số 05-NQ/TU.",
        },
        "relations": [
            {
                **rel,
                "kind": "basis",
                "direction": "out",
                "number": "57-NQ/TW",
                "doc_id": "real-57",
                "title": "về đột phá phát triển khoa học, công nghệ",
                "doc_type": "Nghị quyết",
                "issued_date": "2024-12-22",
                "sentence": "Căn cứ Nghị quyết số 57-NQ/TW của Bộ Chính trị",
            },
            {**rel, "kind": "basis", "direction": "out", "number": "123-QĐ/TW", "doc_id": None},
            {
                **rel,
                "kind": "replaced_by",
                "direction": "in",
                "number": "09-NQ/TU",
                "doc_id": RESULT_DOC,
                "title": "về chuyển đổi số giai đoạn 2025-2030",
                "scope": None,
            },
            {
                **rel,
                "kind": "amends",
                "direction": "out",
                "number": "02-NQ/TU",
                "doc_id": None,
                "scope": "Điều 5, khoản 2",
            },
            {**rel, "kind": "implemented_by", "direction": "in", "number": "45-KH/TU", "doc_id": "real-45"},
        ],
        "sections": ["I.", "II."],
        "chunks": [
            {
                "chunk_id": 10,
                "ordinal": 0,
                "section": "I.",
                "pages": [1],
                "text": "I. BỐI CẢNH\nTình hình chung.",
                "role": "context",
            },
            {
                "chunk_id": 11,
                "ordinal": 1,
                "section": "II.",
                "pages": [2],
                "text": "II. MỤC TIÊU\n100% cơ quan.",
                "role": "targets",
            },
            {"chunk_id": 12, "ordinal": 2, "section": "", "pages": [], "text": "Nơi nhận: …", "role": ""},
        ],
    }


def test_document_validity_relations_and_roles(tab: Tab) -> None:
    """Real: a document in force shows its effective date and why. Mocked (the corpus has no relations): the
    relations grouped by kind, linked when the other document is known, plain otherwise; the validity's reason
    in the interface language with the replacing document linked; each passage's role."""
    page = tab.page
    page.goto("/")
    _search(tab, "96-QĐ/TW lấy phiếu tín nhiệm")
    page.locator("#results .hit", has_text="96-QĐ/TW").first.locator(".hit-link").click()
    page.locator("#doc .chunk.target").wait_for()
    identity = page.locator("#doc-identity").inner_text()
    assert "Ngày có hiệu lực" in identity and "2023-02-02" in identity
    info = page.locator("#doc-identity .validity-info")
    assert info.locator(".badge.validity").inner_text() == "Còn hiệu lực"
    assert "Có hiệu lực từ ngày 2023-02-02" in info.inner_text()
    assert page.locator("#doc-relations-box").is_hidden()  # the corpus has none
    assert page.locator("#doc-chunks .chunk-meta .role").count() >= 1

    doc = _mock_document()
    page.route("**/api/v1/documents/mock%3Adoc%201", lambda route: route.fulfill(status=200, json=doc))
    page.route(
        "**/api/v1/documents/mock%3Adoc%201/similar*",
        lambda route: route.fulfill(status=200, json={"doc_id": MOCK_DOC, "similar": [], "took_ms": 1.0}),
    )
    page.goto("/#/doc/mock%3Adoc%201?chunk=11")
    page.locator("#doc .chunk.target").wait_for()
    identity = page.locator("#doc-identity").inner_text()
    assert "2021-08-10" in identity
    assert "Cơ quan (như in trên văn bản)" in identity and "ĐẢNG BỘ TỈNH NINH BÌNH" in identity
    badges = page.locator("#doc-identity .badge.review")
    assert badges.count() == 1  # the number is sure: only the doubted date is flagged
    flagged = page.locator("#doc-identity [data-needs-review=issued_date]")
    assert "2021-08-10" in flagged.inner_text() and flagged.locator(".badge.review").inner_text() == "Cần kiểm tra"
    assert "26%" in (badges.get_attribute("title") or "")
    info = page.locator("#doc-identity .validity-info")
    assert info.locator(".badge.validity").inner_text() == "Đã bị thay thế"
    assert "Bị thay thế bởi 09-NQ/TU từ ngày 2025-07-01" in info.inner_text()
    assert info.locator("a.validity-by").get_attribute("href") == f"#/doc/{RESULT_DOC}"
    assert "tính đến ngày 2026-12-01" in info.inner_text()

    box = page.locator("#doc-relations-box")
    assert box.is_visible()
    kinds = page.eval_on_selector_all("#doc-relations .rel-group", "gs => gs.map(g => g.dataset.kind)")
    assert kinds == ["replaced_by", "amends", "basis", "implemented_by"]  # what changes its validity first
    basis = page.locator("#doc-relations .rel-group[data-kind=basis]")
    assert basis.locator("h3").inner_text().startswith("Căn cứ")
    assert basis.locator("li").count() == 2
    link = basis.locator("a.relation-link")
    assert link.count() == 1 and link.inner_text() == "57-NQ/TW"
    assert link.get_attribute("href") == "#/doc/real-57"
    assert basis.locator(".relation-number").inner_text() == "123-QĐ/TW"
    assert "Căn cứ Nghị quyết số 57-NQ/TW" in basis.locator(".relation-sentence").inner_text()
    amends = page.locator("#doc-relations .rel-group[data-kind=amends]")
    assert "Phạm vi: Điều 5, khoản 2" in amends.inner_text()
    assert amends.locator("a").count() == 0
    heading = page.locator("#doc-relations .rel-group[data-kind=replaced_by] h3").inner_text()
    assert heading.startswith("Bị thay thế bởi")
    roles = page.eval_on_selector_all(
        "#doc-chunks .chunk", "cs => cs.map(c => c.querySelector('.role')?.textContent || '')"
    )
    assert roles == ["Bối cảnh", "Mục tiêu", ""]
    tab.shot("doc-relations-vi")

    _set_lang(tab, "en")
    assert "Replaced by 09-NQ/TU from 2025-07-01" in page.locator("#doc-identity .validity-info").inner_text()
    assert page.locator("#doc-relations .rel-group[data-kind=basis] h3").inner_text().startswith("Based on")
    _set_lang(tab, "bn")
    assert page.locator("#relations-heading").inner_text() == "সম্পর্কিত নথি"
    _set_lang(tab, "vi")
    # A linked relation opens that document (here the real server answers: no such document).
    page.locator("#doc-relations a.relation-link", has_text="45-KH/TU").click()
    page.wait_for_function("() => location.hash === '#/doc/real-45'")
    page.locator("#doc-status .message").wait_for()
