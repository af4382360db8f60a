"""Report templates as data files in ``prompts/`` (YAML), validated with pydantic; adding one needs no code."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from indexer.errors import ThammuuError
from indexer.understanding.section_roles import SectionRole

logger = logging.getLogger(__name__)


class TemplateError(ThammuuError, ValueError):
    """A template file that cannot be read or does not validate; the message names the file and the field.

    The server's own configuration is broken, not the request: 503 until the templates folder is fixed."""

    code = "template_error"
    status = 503


class UnknownTemplate(ThammuuError, KeyError):
    """No template with this id (in this language, or any): 404."""

    code = "not_found"
    status = 404

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else "no such template"


class SectionSpec(BaseModel):
    """One numbered section of a report: heading, retrieval hints and the LLM instruction."""

    model_config = ConfigDict(extra="forbid")

    heading: str = Field(min_length=2, description="Heading shown in the draft, e.g. 'I. Đặc điểm tình hình'.")
    hints: list[str] = Field(min_length=1, description="Retrieval query hints, combined with the user's topic.")
    prompt: str = Field(min_length=10, description="LLM instruction for this section.")
    sentences: int = Field(6, ge=1, le=30, description="Sentences the extractive drafter selects.")
    roles: list[SectionRole] = Field(
        min_length=1,
        description="Roles of the source sections this section quotes (targets, results, limitations, …): a "
        "sentence goes only into a section that accepts the role of the section it comes from.",
    )
    targets: bool = Field(False, description="This section holds the subject's targets table.")

    @field_validator("roles")
    @classmethod
    def _roles_named(cls, value: list[SectionRole]) -> list[SectionRole]:
        if SectionRole.NONE in value:
            raise ValueError("a role is empty")
        return value

    @field_validator("hints")
    @classmethod
    def _hints_not_blank(cls, value: list[str]) -> list[str]:
        if any(not h.strip() for h in value):
            raise ValueError("a hint is empty")
        return value


class Template(BaseModel):
    """A report type in one language: fixed blocks of the official document and its sections."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9-]+$", description="Report type, e.g. 'bao-cao-so-ket'.")
    language: Literal["vi", "en", "bn"] = "vi"
    title: str = Field(min_length=2, description="Document kind printed above the title, e.g. 'BÁO CÁO'.")
    description: str = ""
    party: bool = Field(True, description="Party document: motto 'ĐẢNG CỘNG SẢN VIỆT NAM' instead of the state one.")
    issuing_body: list[str] = Field(min_length=1, description="Lines of the issuing-body block (upper left).")
    motto: list[str] = Field(min_length=1, description="National or party motto lines (upper right).")
    number: str = Field(min_length=1, description="Number placeholder, e.g. 'Số: ....-BC/...'.")
    place_date: str = Field(min_length=1, description="Place and date line; '{date}' is replaced.")
    subject_prefix: str = Field("", description="Put before the topic in the title line, e.g. 'Sơ kết ...'.")
    recipients_heading: str = Field("Nơi nhận:", description="Heading of the recipients block.")
    recipients: list[str] = Field(min_length=1, description="Lines of the 'Nơi nhận' block.")
    signature: list[str] = Field(default_factory=list, description="Signature block lines.")
    sources_heading: str = "Tài liệu trích dẫn"
    system_prompt: str = Field(min_length=10, description="System message for the LLM drafter.")
    gap_text: str = Field(
        min_length=5, description="The one paragraph of a section no source supports (in the template's language)."
    )
    sections: list[SectionSpec] = Field(min_length=1)

    @property
    def key(self) -> str:
        """Registry key: id plus language."""
        return f"{self.id}.{self.language}"


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"field '{loc}': {err['msg']}")
    return "; ".join(parts)


def load_template(path: Path) -> Template:
    """Read and validate one template; raises TemplateError naming the file and the bad field."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TemplateError(f"{path.name}: cannot read template: {exc}") from exc
    if not isinstance(data, dict):
        raise TemplateError(f"{path.name}: a template is a mapping of fields")
    try:
        return Template.model_validate(data)
    except ValidationError as exc:
        raise TemplateError(f"{path.name}: {_describe(exc)}") from exc


class TemplateRegistry:
    """All templates of a folder, keyed by (id, language); the Vietnamese one is the default language."""

    def __init__(self, templates: list[Template]) -> None:
        self._by_key: dict[str, Template] = {}
        for t in templates:
            if t.key in self._by_key:
                raise TemplateError(f"two templates define {t.id!r} in language {t.language!r}")
            self._by_key[t.key] = t

    @classmethod
    def load(cls, directory: Path) -> TemplateRegistry:
        """Load every ``*.yaml``/``*.yml`` of the folder (``Settings.prompts_dir``: THAMMUU_PROMPTS_DIR)."""
        files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
        if not files:
            raise TemplateError(f"no templates in {directory}")
        templates = [load_template(f) for f in files]
        logger.info("loaded %d templates from %s", len(templates), directory)
        return cls(templates)

    def all(self) -> list[Template]:
        """Every template, sorted by id then language."""
        return sorted(self._by_key.values(), key=lambda t: (t.id, t.language))

    def get(self, template_id: str, language: str = "vi") -> Template:
        """The template in that language, else its Vietnamese version; raises UnknownTemplate (a KeyError)."""
        for key in (f"{template_id}.{language}", f"{template_id}.vi"):
            if key in self._by_key:
                return self._by_key[key]
        raise UnknownTemplate(f"no template {template_id[:100]!r}")
