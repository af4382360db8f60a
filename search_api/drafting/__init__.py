"""Report drafting: templates from prompts/, extractive and LLM drafters, citation verification, DOCX/Markdown."""

from __future__ import annotations

from search_api.drafting.models import Citation, Draft, DraftSection, Paragraph, Source
from search_api.drafting.templates import Template, TemplateError, TemplateRegistry, load_template

__all__ = [
    "Citation",
    "Draft",
    "DraftSection",
    "Paragraph",
    "Source",
    "Template",
    "TemplateError",
    "TemplateRegistry",
    "load_template",
]
