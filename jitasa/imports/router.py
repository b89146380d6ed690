"""HTTP API of imports: upload (a background job), its progress and report, cancel, templates.

`POST /api/v1/imports` takes the file as multipart (`file`, `kind`, `dry_run`, `on_error`,
`mapping` as "column=field" lines) from area staff, stores it and answers 202 `{id, status}`;
rows outside the importer's area are refused one by one. `GET /api/v1/imports/{id}` shows
`{status, progress, rows_total, rows_done, rows_ok, rows_failed, errors, warnings, …}` to the
person who uploaded it (and admins); `errors.csv` is the same problems as a spreadsheet.
"""

import csv
import io
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from jitasa.accounts import policy
from jitasa.accounts.deps import OptionalUser
from jitasa.accounts.policy import Action
from jitasa.core import jobs as queue
from jitasa.core.body_limit import BODY_LIMIT_KEY
from jitasa.core.db import SessionDep, WriteSessionDep
from jitasa.core.errors import Forbidden, Invalid, NotFound
from jitasa.core.fields import RowId
from jitasa.core.words import Role
from jitasa.imports import jobs
from jitasa.imports.columns import parse_mapping
from jitasa.imports.kinds import kind_of
from jitasa.imports.readers import MAX_FILE_BYTES
from jitasa.imports.schemas import ImportQueued, ImportRead
from jitasa.imports.service import ON_ERROR
from jitasa.imports.templates import template

router = APIRouter(prefix="/api/v1/imports", tags=["imports"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOO_LARGE = "The file is larger than {limit} MB; split it into smaller files."
NO_IMPORT = "There is no import {id}."
NOT_YOURS = "Only the person who started this import can see it."
CHUNK = 1 << 20


async def importer(user: OptionalUser) -> Any:
    """The signed-in staff member who may import (rows are then checked against their area)."""
    return policy.require(user, Action.IMPORT_DATA, area_code=user.area_code if user else None)


Importer = Annotated[Any, Depends(importer)]


async def store_upload(request: Request, upload: UploadFile) -> tuple[str, str]:
    """Copy an upload to the imports directory in chunks; return (path, name) or refuse it."""
    name = (upload.filename or "upload").rsplit("/", 1)[-1][:200]
    path = jobs.upload_path(request.app.state.settings.data_dir, name)
    written = 0
    with path.open("wb") as target:
        while chunk := await upload.read(CHUNK):
            written += len(chunk)
            if written > MAX_FILE_BYTES:
                target.close()
                path.unlink(missing_ok=True)
                raise Invalid("imports.too_large", TOO_LARGE, {"limit": MAX_FILE_BYTES // 2**20})
            target.write(chunk)
    return str(path), name


async def start(
    request: Request, session, user, *, upload: UploadFile, kind: str, dry_run: bool,
    on_error: str, mapping: str,
) -> int:  # fmt: skip
    """Check the options, store the file and queue its job; return the job's id."""
    kind_of(kind)
    if on_error not in ON_ERROR:
        raise Invalid("imports.bad_on_error", "on_error must be abort or skip.")
    columns = parse_mapping([mapping]) if mapping.strip() else {}
    path, name = await store_upload(request, upload)
    return await jobs.enqueue(
        session, user, path=FilePath(path), name=name, kind=kind, dry_run=dry_run,
        on_error=on_error, mapping=columns,
    )  # fmt: skip


@router.post(
    "",
    status_code=202,
    openapi_extra={BODY_LIMIT_KEY: MAX_FILE_BYTES + CHUNK},
    response_model=ImportQueued,
)
async def upload(
    request: Request,
    session: WriteSessionDep,
    actor: Importer,
    file: Annotated[UploadFile, File(description="CSV, XLSX, GeoJSON, KML or KMZ")],
    kind: Annotated[str, Form(max_length=40)],
    dry_run: Annotated[bool, Form()] = False,
    on_error: Annotated[str, Form(max_length=10)] = "abort",
    mapping: Annotated[str, Form(max_length=4000, description="column=field lines")] = "",
) -> JSONResponse:
    """Queue an import of the file (area staff); its progress is at `GET /imports/{id}`."""
    job_id = await start(
        request, session, actor, upload=file, kind=kind, dry_run=dry_run, on_error=on_error,
        mapping=mapping,
    )  # fmt: skip
    return JSONResponse({"id": job_id, "status": queue.JobState.QUEUED}, status_code=202)


@router.get("/templates/{kind}.xlsx", response_class=Response)
async def template_file(kind: Annotated[str, Path(max_length=40)], actor: Importer) -> Response:
    """Download the XLSX template of a kind: Thai headers, English names, one example row."""
    return Response(
        template(kind),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="jitasa-{kind}.xlsx"'},
    )


async def own_job(session, actor, import_id: int) -> queue.Job:
    """Return an import job its starter (or an admin) asks about; 404 or 403 otherwise."""
    job = await queue.get(session, import_id)
    if job is None or job.kind != jobs.KIND:
        raise NotFound("imports.not_found", NO_IMPORT, {"id": import_id})
    if job.payload.get("actor_id") != actor.id and Role.ADMIN not in actor.roles:
        raise Forbidden("auth.forbidden", NOT_YOURS)
    return job


def view(job: queue.Job) -> dict:
    """Return what an import's starter sees of its job."""
    result = job.result or {}
    report = result.get("report") or {}
    return {
        "id": job.id,
        "status": job.state,
        "progress": job.progress,
        "kind": job.payload.get("kind"),
        "name": job.payload.get("name"),
        "dry_run": job.payload.get("dry_run"),
        "on_error": job.payload.get("on_error"),
        "rows_done": result.get("rows_done", 0),
        "rows_total": report.get("rows_total", result.get("rows_total")),
        "rows_ok": report.get("rows_ok", 0),
        "rows_failed": report.get("rows_failed", 0),
        "created": report.get("created", 0),
        "updated": report.get("updated", 0),
        "unchanged": report.get("unchanged", 0),
        "written": report.get("written", False),
        "columns": report.get("columns", {}),
        "errors": report.get("errors", []),
        "warnings": report.get("warnings", []),
        "refused": result.get("refused"),
    }


@router.get("/{import_id}", response_model=ImportRead)
async def import_status(import_id: RowId, session: SessionDep, actor: Importer) -> dict:
    """Show an import's progress and, once done, its report (its starter and admins)."""
    return view(await own_job(session, actor, import_id))


@router.post("/{import_id}/cancel", response_model=ImportRead)
async def cancel(import_id: RowId, session: WriteSessionDep, actor: Importer) -> dict:
    """Cancel an import: a queued one at once, a running one at its next batch (nothing kept)."""
    job = await own_job(session, actor, import_id)
    await queue.cancel(session, job.id)
    if job.state == queue.JobState.CANCELLED:  # never started: its file is not needed
        FilePath(job.payload["path"]).unlink(missing_ok=True)
    return view(job)


@router.get("/{import_id}/errors.csv", response_class=Response)
async def errors_csv(import_id: RowId, session: SessionDep, actor: Importer) -> Response:
    """The import's problems as CSV (UTF-8 with BOM, opens in Excel): row, the column's header
    in the file, the cell's value, why (English, Thai), the field in English and Thai."""
    data = view(await own_job(session, actor, import_id))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["row", "column", "value", "kind", "message", "message_th", "field_en", "field_th"]
    )
    for kind in ("errors", "warnings"):
        for p in data[kind]:
            value = p["value"]
            if value[:1] in ("=", "+", "-", "@"):  # never a formula in the report either
                value = "'" + value
            labels = [p.get("field_en", ""), p.get("field_th", "")]  # reports made before had none
            writer.writerow(
                [p["row"], p["column"], value, kind[:-1], p["message"], p["message_th"], *labels]
            )
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="import-{import_id}-errors.csv"'},
    )
