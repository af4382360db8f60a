"""POST /api/v1/index (admin): index a server path or an uploaded file in the background; job status."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.datastructures import UploadFile  # what request.form() yields (FastAPI's is a subclass)

from indexer.parsing import build_registry, is_supported
from search_api.dependencies import AdminDep, JobsDep, SafeWrite, SettingsDep, StateDep
from search_api.errors import ApiError
from search_api.schemas import ERROR_RESPONSES, MAX_UNIT_CHARS, ErrorResponse, IndexJob, IndexRequest

router = APIRouter(prefix="/api/v1/index", tags=["index"], responses=ERROR_RESPONSES)

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
_BODY_DOC: dict[str, Any] = {
    "parameters": [
        {
            "name": "X-Thammuu-Client",
            "in": "header",
            "required": False,
            "description": "Any value: proves a multipart upload does not come from a foreign web page (a browser"
            " sends it only for same-origin scripts). Needed for multipart unless Origin/Referer are this server.",
            "schema": {"type": "string"},
        }
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": IndexRequest.model_json_schema(), "example": {"path": "corpus/"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "unit": {"type": "string"},
                    },
                    "required": ["file"],
                }
            },
        },
    },
}


def _validation(message: str) -> ApiError:
    return ApiError(422, "validation_error", message)


async def _save_upload(upload: UploadFile, uploads: Path) -> Path:
    """Write an uploaded file into its own folder under the index's uploads, refusing huge or unknown files."""
    name = Path(upload.filename or "").name
    if not name or name.startswith("."):
        raise _validation("file: the upload needs a file name")
    if len(name) > 200 or "\x00" in name:
        raise _validation("file: the file name is too long or holds a NUL character")
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


@router.post(
    "",
    response_model=IndexJob,
    status_code=202,
    summary="Index a path or an upload",
    openapi_extra=_BODY_DOC,
    dependencies=[SafeWrite],
)
async def start_index(
    request: Request, admin: AdminDep, jobs: JobsDep, settings: SettingsDep, state: StateDep
) -> IndexJob:
    """JSON {"path", "unit"} for a file or folder on the server, or multipart with a `file` field."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload, unit = form.get("file"), form.get("unit")
        if not isinstance(upload, UploadFile):
            raise _validation("file: a multipart upload needs a 'file' field")
        if isinstance(unit, str) and (len(unit) > MAX_UNIT_CHARS or "\x00" in unit):
            raise _validation(f"unit: at most {MAX_UNIT_CHARS} characters, no NUL")
        path = await _save_upload(upload, settings.index_dir / "uploads")
        unit_name = unit if isinstance(unit, str) and unit else None
        job = jobs.submit(path, unit_name, source=path.name)
        source = f"upload {path.name}"
    else:
        body = _index_request(await request.body())
        path = Path(body.path).expanduser()
        if not _exists(path):
            raise ApiError(422, "path_not_found", f"{body.path[:200]}: no such file or folder on the server")
        unit_name = body.unit
        job = jobs.submit(path, unit_name)
        source = str(path)
    filters = {"unit": unit_name} if unit_name else {}
    state.audit(admin, "index", source, filters, [], [])
    return IndexJob(**job.to_dict())


def _index_request(raw: bytes) -> IndexRequest:
    """The JSON body as an IndexRequest, or a 422 naming what is wrong (never a parser's crash)."""
    try:
        return IndexRequest.model_validate(json.loads(raw or b"null"))
    except (ValueError, ValidationError, RecursionError) as exc:
        reason = str(exc)[:300]
        raise _validation(f"body: expected JSON {{'path': ...}} or a multipart upload ({reason})") from None


def _exists(path: Path) -> bool:
    """Whether a path names something on the server; a path the OS cannot even look up (too long) does not."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


@router.get(
    "/jobs/{job_id}",
    response_model=IndexJob,
    summary="Status and report of an indexing job",
    responses={404: {"model": ErrorResponse, "description": "No such job"}},
)
def job_status(job_id: str, _admin: AdminDep, jobs: JobsDep) -> IndexJob:
    """queued → running → done (with the report) or failed (with the reason)."""
    job = jobs.get(job_id)
    if job is None:
        raise ApiError(404, "not_found", "no indexing job with this id")
    return IndexJob(**job.to_dict())
