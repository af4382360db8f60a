"""Which backend is faster on this machine, measured once where the CPU alone does not say.

On CPUs with int8 dot-product instructions (VNNI, AMX) the OpenVINO int8 backend was measured 2.3× torch bf16
(benchmarks/results/encoder.md). On others (AVX2 without VNNI, e.g. AMD Zen 3) it was never measured here, and
torch runs fp32 there: rather than guess, ``thammuu models fetch`` encodes the same passages with both backends
on that machine and records passages/s beside the artefact (``backend_speed.json``, with the CPU's signature);
``auto`` then takes OpenVINO only if it measured at least ``MARGIN`` times torch on a CPU of the same signature.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from indexer.embedding.cpu import cpu_signature
from indexer.interfaces import Embedder

logger = logging.getLogger(__name__)

SPEED_FILE = "backend_speed.json"
MARGIN = 1.1
# Passages of typical length (a few hundred tokens), Vietnamese and English, written for this measurement.
SAMPLE = [
    "Điều 3. Trách nhiệm của các cơ quan, đơn vị. Các ban, ngành, đoàn thể tỉnh có trách nhiệm cụ thể hoá nghị quyết "
    "thành chương trình, kế hoạch hành động; định kỳ sáu tháng, một năm báo cáo kết quả thực hiện về Ban Thường vụ "
    "Tỉnh uỷ qua Văn phòng Tỉnh uỷ để theo dõi, tổng hợp. " * 3,
    "Năm 2024, toàn tỉnh đã hoàn thành 18/20 chỉ tiêu chủ yếu; tốc độ tăng trưởng kinh tế đạt 7,2 %, thu ngân sách "
    "vượt dự toán; công tác xây dựng Đảng, chỉnh đốn Đảng được tăng cường, kỷ luật, kỷ cương được giữ vững. " * 3,
    "The committee reviewed the implementation of the resolution on digital transformation: twelve of the fifteen "
    "targets were met, public services online reached 85 percent, and the remaining targets are due next year. " * 3,
    "Quy định này áp dụng đối với tổ chức đảng, đảng viên; cơ quan, tổ chức, cá nhân có liên quan đến việc quản lý, "
    "khai thác, sử dụng tài liệu lưu trữ của Đảng, bảo đảm bí mật nhà nước theo quy định của pháp luật. " * 3,
] * 4


@dataclass(frozen=True)
class BackendSpeed:
    """Passages/s of each backend on one machine, measured on ``SAMPLE``."""

    cpu: str
    torch_passages_per_s: float
    openvino_passages_per_s: float

    @property
    def openvino_faster(self) -> bool:
        """Whether the int8 backend beat torch by the margin that makes it the default."""
        return self.openvino_passages_per_s >= MARGIN * self.torch_passages_per_s


def _rate(embedder: Embedder) -> float:
    embedder.embed_documents(SAMPLE[:2])  # warm-up: first-call allocations count for neither
    t = time.perf_counter()
    embedder.embed_documents(SAMPLE)
    return len(SAMPLE) / (time.perf_counter() - t)


def measure(torch_embedder: Embedder, openvino_embedder: Embedder, artefact: Path) -> BackendSpeed:
    """Time both backends on the same passages, twice in turn (the better of each), and record the result."""
    rates: dict[str, list[float]] = {"torch": [], "openvino": []}
    for _ in range(2):
        rates["torch"].append(_rate(torch_embedder))
        rates["openvino"].append(_rate(openvino_embedder))
    speed = BackendSpeed(cpu_signature(), round(max(rates["torch"]), 3), round(max(rates["openvino"]), 3))
    (artefact / SPEED_FILE).write_text(json.dumps(asdict(speed), indent=2))
    logger.info(
        "backend speed on this CPU: torch %.2f, openvino %.2f passages/s",
        speed.torch_passages_per_s,
        speed.openvino_passages_per_s,
    )
    return speed


def recorded(artefact: Path) -> BackendSpeed | None:
    """The speed measured on a CPU with this machine's signature, None when absent, unreadable or elsewhere."""
    try:
        data = json.loads((artefact / SPEED_FILE).read_text())
        speed = BackendSpeed(
            str(data["cpu"]), float(data["torch_passages_per_s"]), float(data["openvino_passages_per_s"])
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return speed if speed.cpu == cpu_signature() else None
