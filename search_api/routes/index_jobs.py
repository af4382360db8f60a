"""POST /api/v1/index (admin): index a server path or an uploaded file in the background; job status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile  # what request.form() yields (FastAPI's is a subclass)

from search_api.dependencies import AdminDep, JobsDep, SafeWrite, SettingsDep, StateDep
from search_api.errors import ApiError
from search_api.schemas import ERROR_RESPONSES, MAX_UNIT_CHARS, ErrorResponse, IndexJob, IndexRequest
from search_api.services.uploads import path_exists, read_index_request, save_upload, validation

router = APIRouter(prefix="/api/v1/index", tags=["index"], responses=ERROR_RESPONSES)

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
            raise validation("file: a multipart upload needs a 'file' field")
        if isinstance(unit, str) and (len(unit) > MAX_UNIT_CHARS or "\x00" in unit):
            raise validation(f"unit: at most {MAX_UNIT_CHARS} characters, no NUL")
        path = await save_upload(upload, settings.index_dir / "uploads")
        unit_name = unit if isinstance(unit, str) and unit else None
        job = jobs.submit(path, unit_name, source=path.name)
        source = f"upload {path.name}"
    else:
        body = read_index_request(await request.body())
        path = Path(body.path).expanduser()
        if not path_exists(path):
            raise ApiError(422, "path_not_found", f"{body.path[:200]}: no such file or folder on the server")
        unit_name = body.unit
        job = jobs.submit(path, unit_name)
        source = str(path)
    filters = {"unit": unit_name} if unit_name else {}
    state.audit(admin, "index", source, filters, [], [])
    return IndexJob(**job.to_dict())


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
