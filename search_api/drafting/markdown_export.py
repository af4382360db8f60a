"""A draft as Markdown: marking, header blocks, numbered sections with citations, sources, 'Nơi nhận'.

A classified draft opens with its marking alone on the first line (``**TỐI MẬT**``, then a blank line), where
the identity extractor reads a document's marking: indexing the file again classifies it at the same level.
Once at the top is enough for that; the marking is not repeated at the end.
"""

from __future__ import annotations

from search_api.drafting.models import Draft, TargetRow
from search_api.drafting.table_labels import labels_for


def source_line(i: int, number: str | None, title: str | None, issuer: str | None, issued: str | None) -> str:
    """One entry of the sources list."""
    if title and len(title) > 160:  # parsed titles can run into the body text
        title = title[:159].rsplit(" ", 1)[0] + "…"
    parts = [p for p in (number, title, issuer, issued) if p]
    return f"{i}. " + " — ".join(dict.fromkeys(parts))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _targets_table(rows: list[TargetRow], language: str) -> list[str]:
    """The targets table as a Markdown table: target (cited), reported results (each cited) or the marker."""
    lab = labels_for(language)
    out = [f"| # | {lab.target} | {lab.result} |", "|---:|---|---|"]
    for i, row in enumerate(rows, 1):
        results = "<br>".join(f"{_cell(r.text)} {r.citation.label}" for r in row.results) or f"*{lab.missing}*"
        out.append(f"| {i} | {_cell(row.text)} {row.citation.label} | {results} |")
    return [*out, ""]


def to_markdown(draft: Draft) -> str:
    """The whole draft as Markdown text (unsupported LLM paragraphs are marked, never dropped)."""
    b = draft.blocks
    lines: list[str] = [f"**{draft.marking}**", ""] if draft.marking else []
    lines += [f"**{x}**  " for x in b.get("issuing_body", []) if x]
    lines.append(f"{b.get('number', '')}")
    lines.append("")
    lines += [f"**{x}**  " for x in b.get("motto", [])]
    lines.append(f"*{b.get('place_date', '')}*")
    lines += ["", f"# {b.get('doc_title', '')}", "", f"## {draft.title}", ""]
    for section in draft.sections:
        lines += [f"### {section.heading}", ""]
        for p in section.paragraphs:
            if p.gap:
                lines += [f"*{p.text}*", ""]
                continue
            cites = " ".join(c.label for c in p.citations)
            flag = "" if p.supported else f" **[chưa được kiểm chứng / unsupported: {p.note}]**"
            lines += [f"{p.text} {cites}{flag}".strip(), ""]
        if section.targets:
            lines += _targets_table(section.targets, draft.language)
    if draft.sources:
        lines += [f"### {b.get('sources_heading', 'Tài liệu trích dẫn')}", ""]
        for i, s in enumerate(draft.sources, 1):
            lines.append(source_line(i, s.number, s.title, s.issuer, s.issued_date) + f" (doc `{s.doc_id}`)")
        lines.append("")
    lines += [f"**{b.get('recipients_heading', 'Nơi nhận:')}**  "]
    lines += [f"{r}  " for r in b.get("recipients", [])]
    lines.append("")
    lines += [f"**{s}**  " if s and not s.startswith("(") else f"{s}  " for s in b.get("signature", [])]
    return "\n".join(lines).rstrip() + "\n"
