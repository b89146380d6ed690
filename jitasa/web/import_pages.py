"""The import wizard of area staff: kind and file → columns → preview → run → result.

Each step is a page with a form (CSRF like every page); the work is the import service's and
its jobs': the columns are matched by `imports.service.read_columns`, the preview is a dry run
on the job queue and the run a real one, each watched live by `static/js/import-progress.js`
through `GET /api/v1/imports/{id}` and cancelled with a button. Between the steps the file waits
as a draft (`imports.drafts`). A step refused (no file, a kind or field that does not exist, a
file too large or not what its name says) shows its page again with the reason, writing nothing.
"""

from pathlib import Path as FilePath

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from jitasa.accounts import policy
from jitasa.accounts.deps import OptionalUser
from jitasa.accounts.policy import Action
from jitasa.core.body_limit import BODY_LIMIT_KEY
from jitasa.core.db import SessionDep, WriteSessionDep
from jitasa.core.errors import DomainError, Invalid
from jitasa.core.fields import RowId
from jitasa.imports import drafts, jobs
from jitasa.imports import router as imports_api
from jitasa.imports.columns import SKIP
from jitasa.imports.kinds import kind_of
from jitasa.imports.readers import MAX_FILE_BYTES
from jitasa.imports.service import ON_ERROR, Options, missing_columns, read_columns
from jitasa.web.account_views import go_to, sign_in_first
from jitasa.web.import_views import job_context, kind_choices, mapping_context
from jitasa.web.rendering import error_text, language_of, render

router = APIRouter(include_in_schema=False)
NO_KIND = "Choose what the file holds."
NO_FILE = "Choose the file to upload."
NOT_A_PREVIEW = "Only a checked file waiting to be imported can be imported."
Token = Path(pattern=r"^[0-9a-f]{32}$", description="the draft's token")


def staff_only(request: Request, user) -> Response | None:
    """Send an anonymous visitor to sign in; refuse anyone who may not import (403)."""
    if user is None:
        return sign_in_first(request, staff=True)
    policy.require(user, Action.IMPORT_DATA, area_code=user.area_code)
    return None


def messages_of(error: DomainError, language: str) -> list[str]:
    """Return what a refusal says, in the page language: its detail, then each field's."""
    text = error_text(error, language)
    return [text, *[e.message_th if language == "th" else e.message for e in error.errors]]


def start_page(request: Request, *, chosen: str = "", problems=(), status_code=200) -> Response:
    """Render the first step: what the file holds (with its template) and the file."""
    return render(
        request,
        "imports/start.html",
        status_code=status_code,
        kinds=kind_choices(language_of(request)),
        chosen=chosen,
        problems=list(problems),
        limit_mb=MAX_FILE_BYTES // 2**20,
    )


@router.get("/imports", response_class=HTMLResponse)
async def start(request: Request, user: OptionalUser) -> Response:
    """Show the wizard's first step: choose the kind of data, download its template, upload."""
    return staff_only(request, user) or start_page(request)


@router.post(
    "/imports",
    response_class=HTMLResponse,
    openapi_extra={BODY_LIMIT_KEY: MAX_FILE_BYTES + imports_api.CHUNK},
)
async def upload(request: Request, user: OptionalUser, _session: WriteSessionDep) -> Response:
    """Keep the uploaded file as a draft and go on to its columns, or say what is wrong.

    It writes files, not rows; it declares a write session as every form post does."""
    if refused := staff_only(request, user):
        return refused
    form = await request.form()
    kind, upload = str(form.get("kind") or "")[:40], form.get("file")
    data_dir = request.app.state.settings.data_dir
    try:
        if not kind:
            raise Invalid("imports.no_kind", NO_KIND)
        kind_of(kind)
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Invalid("imports.no_file", NO_FILE)
        stored, name = await imports_api.store_upload(request, upload)
        draft = drafts.create(
            data_dir, stored=FilePath(stored), actor_id=user.id, kind=kind, name=name
        )
        try:
            read_columns(draft.path(data_dir), options=Options(kind), name=name)
        except DomainError:
            drafts.remove(data_dir, draft)
            raise
    except DomainError as error:
        problems = messages_of(error, language_of(request))
        return start_page(request, chosen=kind, problems=problems, status_code=error.status)
    return go_to(f"/imports/drafts/{draft.token}")


async def mapping_page(request, draft, *, mapping=None, problems=(), status_code=200) -> Response:
    """Render the columns step: each header, a few of its cells and the field it goes to."""
    data_dir = request.app.state.settings.data_dir
    options = Options(draft.kind, mapping=draft.mapping if mapping is None else mapping)
    try:
        found = read_columns(draft.path(data_dir), options=options, name=draft.name)
    except DomainError:  # the choices posted name no such field: show the file's own columns
        found = read_columns(draft.path(data_dir), options=Options(draft.kind), name=draft.name)
    language = language_of(request)
    return render(
        request,
        "imports/mapping.html",
        status_code=status_code,
        **mapping_context(draft, found, language),
        problems=list(problems)
        or [m.message_th if language == "th" else m.message for m in found.missing],
    )


@router.get("/imports/drafts/{draft}", response_class=HTMLResponse)
async def columns(request: Request, user: OptionalUser, draft: str = Token) -> Response:
    """Show the file's columns and the field each goes to, every one changeable."""
    if refused := staff_only(request, user):
        return refused
    return await mapping_page(
        request, drafts.load(request.app.state.settings.data_dir, draft, user)
    )


@router.post("/imports/drafts/{draft}", response_class=HTMLResponse)
async def check(
    request: Request, user: OptionalUser, session: WriteSessionDep, draft: str = Token
) -> Response:
    """Keep the column choices and check every row in the background (a dry run)."""
    if refused := staff_only(request, user):
        return refused
    data_dir = request.app.state.settings.data_dir
    draft = drafts.load(data_dir, draft, user)  # the token, then what it names
    form = await request.form()
    headers, fields = form.getlist("column"), form.getlist("field")
    mapping = {str(h): str(f) or SKIP for h, f in zip(headers, fields, strict=False) if h}
    try:
        options = Options(draft.kind, mapping=mapping)
        found = read_columns(draft.path(data_dir), options=options, name=draft.name)
        if found.missing:
            raise missing_columns(found.missing)
    except DomainError as error:
        problems = messages_of(error, language_of(request))
        return await mapping_page(
            request, draft, mapping=mapping, problems=problems, status_code=error.status
        )
    drafts.choose(data_dir, draft, mapping)
    job_id = await jobs.enqueue(
        session, user, path=drafts.job_file(data_dir, draft), name=draft.name, kind=draft.kind,
        dry_run=True, on_error="skip", mapping=mapping, draft=draft.token,
    )  # fmt: skip
    return go_to(f"/imports/{job_id}")


@router.get("/imports/{import_id}", response_class=HTMLResponse)
async def job_page(request: Request, import_id: RowId, user: OptionalUser, session: SessionDep):
    """Show an import: its progress while it runs, then its preview or its result."""
    if refused := staff_only(request, user):
        return refused
    job = await imports_api.own_job(session, user, import_id)
    data_dir = request.app.state.settings.data_dir
    token = job.payload.get("draft")
    kept = bool(token) and drafts.path_of(data_dir, token).exists()
    return render(
        request,
        "imports/job.html",
        **job_context(imports_api.view(job), token if kept else None, language_of(request)),
    )


@router.post("/imports/{import_id}/run", response_class=HTMLResponse)
async def run(request: Request, import_id: RowId, user: OptionalUser, session: WriteSessionDep):
    """Import for real the file a preview checked, all or nothing or skipping bad rows."""
    if refused := staff_only(request, user):
        return refused
    preview = await imports_api.own_job(session, user, import_id)
    form = await request.form()
    on_error = str(form.get("on_error") or "")
    if on_error not in ON_ERROR:
        raise Invalid("imports.bad_on_error", "on_error must be abort or skip.")
    if not (preview.payload.get("dry_run") and preview.payload.get("draft")):
        raise Invalid("imports.not_a_preview", NOT_A_PREVIEW)
    data_dir = request.app.state.settings.data_dir
    draft = drafts.load(data_dir, preview.payload["draft"], user)
    new_id = await jobs.enqueue(
        session, user, path=drafts.job_file(data_dir, draft), name=draft.name, kind=draft.kind,
        dry_run=False, on_error=on_error, mapping=draft.mapping, draft=draft.token,
    )  # fmt: skip
    return go_to(f"/imports/{new_id}")


@router.post("/imports/{import_id}/cancel", response_class=HTMLResponse)
async def cancel(request: Request, import_id: RowId, user: OptionalUser, session: WriteSessionDep):
    """Cancel an import (nothing of it is kept) and show it again."""
    if refused := staff_only(request, user):
        return refused
    await imports_api.cancel(import_id, session, user)
    return go_to(f"/imports/{import_id}")
