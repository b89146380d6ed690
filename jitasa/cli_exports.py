"""`jitasa export`: a dataset streamed to a file (or standard output) on the server itself."""

import errno
import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from jitasa.cli_support import errors_console, fail, file_errors, run
from jitasa.core.config import Settings, get_settings
from jitasa.core.db import create_engine, create_session_factory, transaction
from jitasa.core.errors import DomainError
from jitasa.core.files import FILE_FULL, file_error
from jitasa.core.map_params import parse_bbox
from jitasa.exports import service
from jitasa.exports.datasets import DATASETS

STANDARD_OUTPUT = Path("standard output")  # as a full or closed standard output is named
# What writing the output fails with part way: a full disk or quota, or a reader gone (a pipe).
OUTPUT_LOST = FILE_FULL | {errno.EPIPE}

Values = Annotated[list[str] | None, typer.Option(help="Repeat or separate with commas")]


async def _export(
    settings: Settings, out: BinaryIO, *, name: str, fmt: str, area: str | None, hxl: bool, **raw
) -> int:
    """Check everything first (nothing is written on a refusal), log it, then stream rows."""
    engine = create_engine(settings)
    try:
        async with transaction(create_session_factory(engine)) as session:
            dataset = service.dataset_named(name)
            file_format = service.format_named(fmt)
            box = parse_bbox(raw.pop("bbox"))
            filters = await service.check_filters(session, dataset, **raw)
            shown = await service.area_for(
                session, dataset=dataset, user=None, area=area, operator=True
            )
            await service.audit(
                session, dataset=dataset, user=None, area=shown, client_ip="", via="cli"
            )
        filters = replace(filters, area=shown, bbox=box)
        rows = 0

        def count(n: int) -> None:
            nonlocal rows
            rows += n

        read = create_session_factory(engine, mode="read")
        chunks = service.content(read, dataset, filters, file_format, hxl=hxl, counted=count)
        async for chunk in chunks:
            out.write(chunk)
        return rows
    finally:
        await engine.dispose()


def export(
    dataset: Annotated[str, typer.Argument(help=f"One of: {', '.join(DATASETS)}")],
    format: Annotated[str, typer.Option("--format", help="csv, xlsx or geojson")] = "csv",
    area: Annotated[str | None, typer.Option(help="Area code (DOPA), such as 50 or 5001")] = None,
    out: Annotated[
        Path | None, typer.Option(help="File to write (default: standard output)")
    ] = None,
    hxl: Annotated[bool, typer.Option(help="Add an HXL hashtag row under the header")] = False,
    bbox: Annotated[str | None, typer.Option(help="min_lon,min_lat,max_lon,max_lat")] = None,
    status: Values = None,
    category: Values = None,
    urgency: Values = None,
    type: Values = None,
    free_beds: Values = None,
    verified: Annotated[bool | None, typer.Option("--verified/--unverified")] = None,
) -> None:
    """Export a dataset as CSV, XLSX or GeoJSON, streamed; personal data exports are audited."""
    filters = {
        "bbox": bbox,
        "status": status,
        "category": category,
        "urgency": urgency,
        "type": type,
        "free_beds": free_beds,
        "verified": verified,
    }
    if out is not None and out.is_symlink():
        out = out.resolve()  # written where the link points; the link stays
    # A new or regular file is written whole beside it, then put in its place; anything else
    # (a device, a pipe) is written as it is, never replaced by a file of ours.
    whole = out is not None and (out.is_file() or not out.exists())
    target = out.with_name(out.name + ".part") if whole else out
    if target:
        with file_errors(out, option="--out", writing=True):
            if whole and out.exists() and not os.access(out, os.W_OK):
                raise PermissionError(errno.EACCES, "read-only", str(out))
            sink = target.open("wb")
    else:
        sink = open(sys.stdout.fileno(), "wb", closefd=False)  # noqa: SIM115 (the with below)
    try:
        with sink as f:
            rows = run(
                _export(get_settings(), f, name=dataset, fmt=format, area=area, hxl=hxl, **filters)
            )
    except DomainError as error:
        _discard(target, whole)
        fail(error)
    except OSError as error:
        _discard(target, whole)
        if error.errno not in OUTPUT_LOST:  # the database's, say: not the output's
            raise
        fail(file_error(error, path=out or STANDARD_OUTPUT, option="--out", writing=True))
    except BaseException:
        _discard(target, whole)
        raise
    if whole:
        try:
            target.replace(out)
        except OSError as error:
            target.unlink(missing_ok=True)
            fail(file_error(error, path=out, option="--out", writing=True))
    errors_console.print(f"{rows} rows → {out or 'standard output'}", highlight=False)


def _discard(target: Path | None, whole: bool) -> None:
    """Remove the part written of a file that was to be put in place (never a device's)."""
    if target is not None and whole:
        target.unlink(missing_ok=True)
