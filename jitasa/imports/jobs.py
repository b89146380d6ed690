"""Imports as jobs of the queue: a web upload runs in the background, with progress and cancel.

The uploaded file waits in `<data_dir>/imports/`; the job (`import`) runs `run_import` on it as
its importer, records `{rows_done, rows_total}` and the progress fraction every batch, stops at
the first batch after a cancel (its one transaction rolled back: nothing written), and leaves
the report as the job's result. The file is removed when the job ends, however it ends.
"""

import codecs
import uuid
from pathlib import Path

from sqlalchemy import update

from jitasa.accounts import service as accounts_service
from jitasa.core import jobs as queue
from jitasa.core.db import transaction, utcnow
from jitasa.core.errors import DomainError
from jitasa.core.words import Role
from jitasa.imports.readers import format_of
from jitasa.imports.service import Options, run_import

KIND = "import"


def upload_dir(data_dir: Path) -> Path:
    """Return (and make) the directory uploads wait in."""
    path = data_dir / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def upload_path(data_dir: Path, name: str) -> Path:
    """Return a fresh path for an upload named `name` (its suffix kept: it says the format)."""
    return upload_dir(data_dir) / f"{uuid.uuid4().hex}.{format_of(name)}"


# A line break in each byte order a byte-order mark names (UTF-32's before UTF-16's).
NEWLINES = (
    (codecs.BOM_UTF32_LE, "\n".encode("utf-32-le")),
    (codecs.BOM_UTF32_BE, "\n".encode("utf-32-be")),
    (codecs.BOM_UTF16_LE, "\n".encode("utf-16-le")),
    (codecs.BOM_UTF16_BE, "\n".encode("utf-16-be")),
)


def count_lines(path: Path) -> int | None:
    """Estimate a CSV's rows by its line breaks (quick: bytes only); None for other formats.

    A UTF-16 or UTF-32 file's line break is counted as its own code unit, not as the byte
    0x0A, which is also half of characters such as Thai ช (U+0E0A)."""
    if path.suffix != ".csv":
        return None
    with path.open("rb") as stream:
        start = stream.read(4)
    newline = next((n for bom, n in NEWLINES if start.startswith(bom)), b"\n")
    lines = 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            lines += chunk.count(newline)
    return max(lines - 1, 1)


async def enqueue(
    session, user, *, path: Path, name: str, kind: str, dry_run: bool, on_error: str,
    mapping: dict[str, str], draft: str | None = None,
) -> int:  # fmt: skip
    """Queue the import of a stored file as `user` (rows outside their area refused, unless an
    admin); return the job's id. `draft` names the wizard's draft the file came from."""
    scope = None if Role.ADMIN in user.roles else user.area_code
    payload = {
        "path": str(path),
        "name": name,
        "kind": kind,
        "dry_run": dry_run,
        "on_error": on_error,
        "mapping": mapping,
        "scope": scope,
        "actor_id": user.id,
    }
    if draft:
        payload["draft"] = draft
    return await queue.enqueue(session, KIND, payload, max_attempts=1)


@queue.handles(KIND)
async def run(context: queue.JobContext) -> dict:
    """Run one uploaded import; its report (or its refusal, as a problem) is the result."""
    payload = context.payload
    path = Path(payload["path"])
    factory = context.session_factory
    estimate = count_lines(path)

    async def progress(done: int, total: int | None) -> None:
        total = total or estimate
        fraction = min(done / total, 0.99) if total else 0.0
        async with transaction(factory) as session:
            await session.execute(
                update(queue.Job)
                .where(queue.Job.id == context.job_id)
                .values(
                    progress=fraction,
                    result={"rows_done": done, "rows_total": total},
                    updated_at=utcnow(),
                )
            )
        await context.check_cancelled()

    try:
        async with factory() as session:
            actor = await accounts_service.get_or_raise(session, user_id=payload["actor_id"])
        options = Options(
            kind=payload["kind"],
            dry_run=payload["dry_run"],
            on_error=payload["on_error"],
            mapping=payload.get("mapping") or {},
            scope=payload.get("scope"),
        )
        report = await run_import(
            factory, path, options=options, actor=actor, name=payload["name"], progress=progress
        )
        return {"report": report.as_dict(), "rows_done": report.rows_total}
    except DomainError as refusal:  # the whole file refused: an answer, not a failure
        return {"refused": refusal.problem()}
    finally:
        path.unlink(missing_ok=True)
