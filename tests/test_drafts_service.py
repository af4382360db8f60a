"""The drafts service audits a draft that fails after its first event (the HTTP answer is already a 200)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.models import Classification
from search_api.drafting.service import DraftRequest
from search_api.security import AuditLog, Principal
from search_api.services.drafts import DraftsService


class _Templates:
    def get(self, template: str, language: str) -> object:
        return object()


class _FailingEngine:
    templates = _Templates()

    def stream(self, *args: Any) -> Iterator[tuple[str, Any]]:
        yield "start", {"id": "x"}
        raise RuntimeError("retrieval broke")


def test_a_draft_failing_mid_stream_is_audited(tmp_path: Path) -> None:
    audit = AuditLog(tmp_path / "security.sqlite")
    service = DraftsService(_FailingEngine(), audit, lambda *a: None)  # type: ignore[arg-type]
    who = Principal("ana", frozenset({"drafter"}), Classification.MAT, ("Ban A",), id="p1")
    events = service.events(DraftRequest(template="bao-cao-so-ket", topic="chuyển đổi số"), who)
    assert next(events)[0] == "start"
    with pytest.raises(RuntimeError):
        next(events)
    [row] = audit.query()
    assert (row["principal"], row["http_status"], row["status"]) == ("ana", 500, "failed")
    assert row["clearance"] == 1 and row["units"] == ["Ban A"] and "RuntimeError" in row["detail"]
