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
