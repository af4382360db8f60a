"""What an indexing request brings: an uploaded file saved safely, a JSON body read strictly, a server path.

Everything here refuses with a 4xx and a reason: an upload without a name, of an unknown format or too large;
a body that is not ``{"path", "unit"}``; a path the server cannot even look up.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.datastructures import UploadFile  # what request.form() yields (FastAPI's is a subclass)

from indexer.parsing import build_registry, is_supported
from search_api.errors import ApiError
from search_api.schemas import IndexRequest

MAX_UPLOAD_BYTES = 100 * 1024 * 1024


def validation(message: str) -> ApiError:
    return ApiError(422, "validation_error", message)


async def save_upload(upload: UploadFile, uploads: Path) -> Path:
    """Write an uploaded file into its own folder under the index's uploads, refusing huge or unknown files."""
    name = Path(upload.filename or "").name
    if not name or name.startswith("."):
        raise validation("file: the upload needs a file name")
    if len(name) > 200 or "\x00" in name:
        raise validation("file: the file name is too long or holds a NUL character")
    target = uploads / uuid.uuid4().hex[:12] / name
    if not is_supported(target, build_registry()):
        raise ApiError(415, "unsupported_format", f"{name}: not a supported document format")
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError(413, "too_large", f"uploads are limited to {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")

    def write() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    await run_in_threadpool(write)
    return target


def read_index_request(raw: bytes) -> IndexRequest:
    """The JSON body as an IndexRequest, or a 422 naming what is wrong (never a parser's crash)."""
    try:
        return IndexRequest.model_validate(json.loads(raw or b"null"))
    except (ValueError, ValidationError, RecursionError) as exc:
        reason = str(exc)[:300]
        raise validation(f"body: expected JSON {{'path': ...}} or a multipart upload ({reason})") from None


def path_exists(path: Path) -> bool:
    """Whether a path names something on the server; a path the OS cannot even look up (too long) does not."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False
