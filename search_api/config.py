"""Settings of the server side: HTTP, access control, the optional LLM; ``AppSettings`` adds them to the
indexer's ``Settings`` (one environment, prefix ``THAMMUU_``, nested sections joined by ``__``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from indexer.config import Settings


class ApiSettings(BaseModel):
    """HTTP server settings."""

    host: str = Field("127.0.0.1", description="Bind address; non-loopback needs principals defined.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port.")
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names the server answers to besides the bind address, localhost, 127.0.0.1 and ::1"
        " (a request naming any other Host gets 421: DNS-rebinding protection).",
    )
    max_body_bytes: int = Field(1024 * 1024, ge=1024, description="Largest JSON request body (uploads: 100 MB).")
    max_json_depth: int = Field(32, ge=2, le=1000, description="Deepest nesting of a JSON request body.")


class SecuritySettings(BaseModel):
    """Where principals and the audit log live, and access-control choices that are policy, not code."""

    db: Path | None = Field(
        None,
        description="Security database (principals, keys, audit log); default security.sqlite beside the index"
        " directory (var/security.sqlite), so a new index keeps its users and audit trail.",
    )
    unitless_documents: Literal["office-wide", "all-units-only"] = Field(
        "office-wide",
        description="Who sees documents that name no owning unit: every principal ('office-wide'), or only"
        " principals scoped to all units ('all-units-only').",
    )


class LlmSettings(BaseModel):
    """Optional OpenAI-compatible chat endpoint for the LLM drafter (offline extractive drafter otherwise)."""

    base_url: str | None = Field(None, description="e.g. http://127.0.0.1:8080/v1; unset = LLM drafting off.")
    model: str = Field("local", description="Model name sent to the endpoint.")
    api_key: str = Field("not-needed", description="API key for the endpoint (never logged).")
    temperature: float = Field(0.2, ge=0.0, le=2.0)
    timeout_s: float = Field(120.0, gt=0)


def default_prompts_dir(prefix: Path = Path(sys.prefix)) -> Path:
    """The report templates: the checkout's ``prompts/`` when running from one (editable install, tests),
    else the copy an install put in ``<prefix>/share/thammuu/prompts`` (pyproject ``data-files``)."""
    checkout = Path(__file__).resolve().parents[1] / "prompts"
    installed = prefix / "share" / "thammuu" / "prompts"
    return checkout if checkout.is_dir() or not installed.is_dir() else installed


class AppSettings(Settings):
    """Everything the API, its security and the CLI need: the indexer's settings plus ``api``, ``security``, ``llm``
    and the report templates' folder."""

    prompts_dir: Path = Field(
        default_factory=default_prompts_dir, description="Report templates (YAML); THAMMUU_PROMPTS_DIR overrides."
    )
    api: ApiSettings = Field(default_factory=ApiSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    llm: LlmSettings = Field(default_factory=LlmSettings)


def app_settings(settings: Settings | None = None) -> AppSettings:
    """``settings`` as AppSettings (the environment's when None; an indexer ``Settings`` keeps its values)."""
    if isinstance(settings, AppSettings):
        return settings
    if settings is None:
        return AppSettings()
    return AppSettings(**settings.model_dump())
