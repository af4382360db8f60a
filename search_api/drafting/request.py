"""What a draft request says: template, topic, the reviewed document (subject), unit, period, filters, mode."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from search_api.drafting.models import DraftMode
from search_api.schemas import IsoDate, SearchFilters


class Period(BaseModel):
    """The period a review covers: documents about the subject issued within it (inclusive)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    date_from: IsoDate | None = Field(None, alias="from", description="First day (YYYY-MM-DD).")
    date_to: IsoDate | None = Field(None, alias="to", description="Last day (YYYY-MM-DD).")

    @model_validator(mode="after")
    def _in_order(self) -> Period:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("period 'from' is after 'to'")
        return self


class DraftRequest(BaseModel):
    """What to draft: a template, a topic, optionally the reviewed document (subject), unit, period, filters."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"template": "bao-cao-so-ket", "topic": "chuyển đổi số", "subject": "05-NQ/TU", "mode": "extractive"}
            ]
        },
    )

    template: str = Field(
        min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", examples=["bao-cao-so-ket"]
    )
    topic: str = Field(
        min_length=2,
        max_length=500,
        pattern=r"\w",  # at least one letter or digit: a topic of spaces or invisible marks is no topic
        examples=["chuyển đổi số trong cơ quan đảng"],
    )
    subject: str | None = Field(
        None,
        min_length=2,
        max_length=100,
        pattern=r"\d",
        description="Number of the reviewed document, in any variant ('05-NQ/TU', 'NQ 05', Bengali digits).",
    )
    unit: str | None = Field(None, min_length=1, max_length=200, description="Only documents of this unit.")
    period: Period | None = Field(None, description="Only documents about the subject issued in this period.")
    filters: SearchFilters = Field(default_factory=SearchFilters)
    language: str = Field("vi", pattern="^(vi|en|bn)$")
    mode: DraftMode = "extractive"
