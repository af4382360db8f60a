"""HTML: visible text with block structure kept as line breaks (scripts, styles and navigation dropped)."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

from indexer.models import ParsedDocument
from indexer.parsing.text_parser import decode_utf8
from indexer.understanding.text import nfc

_BLANKS = re.compile(r"\n\s*\n+")


class HtmlParser:
    """.html/.htm files; the <title> becomes metadata, tables become tab-separated lines."""

    def parse(self, path: Path) -> list[ParsedDocument]:
        soup = BeautifulSoup(decode_utf8(path.read_bytes(), path.name), "html.parser")
        for tag in soup(["script", "style", "noscript", "nav", "header", "footer"]):
            tag.decompose()
        for cell in soup.find_all(["td", "th"]):
            cell.append("\t")
        for br in soup.find_all("br"):
            br.replace_with("\n")
        title = soup.title.get_text(strip=True) if soup.title else None
        if soup.title:
            soup.title.decompose()
        text = soup.get_text("\n")
        lines = [re.sub(r"[ \t]+", " ", ln).strip() for ln in text.splitlines()]
        body = _BLANKS.sub("\n\n", "\n".join(lines)).strip()
        meta = {"html_title": nfc(title)} if title else {}
        return [ParsedDocument(text=nfc(body), metadata=meta)]
