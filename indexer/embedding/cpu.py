"""What the CPU can do, read once from /proc/cpuinfo: it decides bf16 for torch and the int8 backend by default."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _cpuinfo() -> list[str]:
    """The lines of /proc/cpuinfo (none where it cannot be read, e.g. not Linux)."""
    try:
        return Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return []


def _field(name: str) -> str | None:
    """The first value of a /proc/cpuinfo field."""
    for line in _cpuinfo():
        if line.startswith(name):
            return line.split(":", 1)[1].strip()
    return None


@lru_cache(maxsize=1)
def cpu_flags() -> frozenset[str]:
    """The CPU's feature flags (empty where /proc/cpuinfo cannot be read)."""
    return frozenset((_field("flags") or "").split())


def cpu_model() -> str:
    """The CPU's model name ("unknown CPU" where /proc/cpuinfo does not say)."""
    return _field("model name") or "unknown CPU"


def has_bf16() -> bool:
    """bf16 arithmetic in hardware (AVX512-BF16 or AMX): torch runs EmbeddingGemma in bf16 there."""
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags())


def has_int8_dot() -> bool:
    """int8 dot-product instructions (VNNI or AMX), where the int8 backend was measured ≥ 2× torch bf16."""
    return bool({"avx512_vnni", "avx_vnni", "amx_int8"} & cpu_flags())


SIGNATURE_FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8", "amx_bf16")


@lru_cache(maxsize=1)
def cpu_signature() -> str:
    """CPU model, core count and the flags that decide the backend: a speed measured on one machine applies only
    to a machine with the same signature (an index folder or models cache copied elsewhere is measured again)."""
    flags = ",".join(f for f in SIGNATURE_FLAGS if f in cpu_flags())
    return f"{cpu_model()}; {os.cpu_count()} cores; {flags}"
