"""Labels of the targets table in each template language (column heads, the empty-result marker)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TableLabels:
    target: str
    result: str
    missing: str


LABELS = {
    "vi": TableLabels("Mục tiêu, chỉ tiêu", "Kết quả thực hiện", "(chưa có số liệu — đề nghị bổ sung)"),
    "en": TableLabels("Target", "Reported result", "(no figure reported yet — to be completed)"),
    "bn": TableLabels("লক্ষ্য", "অর্জিত ফলাফল", "(এখনও কোনো তথ্য নেই — পূরণ করুন)"),
}


def labels_for(language: str) -> TableLabels:
    """The labels of a language (Vietnamese when unknown)."""
    return LABELS.get(language, LABELS["vi"])
