"""The `jitasa import` command: a file of facilities, capacity, volunteers or requests, checked
row by row, written all or nothing (or skipping bad rows), with a progress bar on a terminal."""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

from jitasa.cli_support import console, errors_console, fail, file_errors, run
from jitasa.core.config import get_settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.core.errors import DomainError
from jitasa.core.i18n import thai
from jitasa.imports.columns import parse_mapping
from jitasa.imports.service import Options, Report, run_import

SUMMARY = "{rows_ok} of {rows_total} rows fine, {rows_failed} refused; {what}."
KEPT = "written: {created} new, {updated} changed, {unchanged} unchanged"
NOT_KEPT = "nothing was written"
SHOWN_PROBLEMS = 20
KINDS_HELP = (
    "facilities, facility_capacity, volunteers, requests, vaccination_coverage, residents or "
    "vaccination_doses"
)


async def _import(path: Path, options: Options, *, show_progress: bool) -> Report:
    engine = create_engine(get_settings())
    try:
        factory = create_session_factory(engine)
        if not show_progress:
            return await run_import(factory, path, options=options)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,} rows"),
            console=errors_console,
            transient=True,
        ) as bar:
            task = bar.add_task(path.name, total=None)

            async def progress(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)

            return await run_import(factory, path, options=options, progress=progress)
    finally:
        await engine.dispose()


def _print(report: Report) -> None:
    """Print the problems (the first few) and the summary, in English and Thai."""
    for kind, problems in (("error", report.errors), ("warning", report.warnings)):
        for problem in problems[:SHOWN_PROBLEMS]:
            colour = "red" if kind == "error" else "yellow"
            field = f" ({problem.field_en} / {problem.field_th})" if problem.field_th else ""
            errors_console.print(
                f"[{colour}]row {problem.row}[/] {problem.column}{field} “{problem.value}”: "
                f"{problem.message}\n  {problem.message_th}",
                soft_wrap=True,
                highlight=False,
            )
        if len(problems) > SHOWN_PROBLEMS:
            errors_console.print(f"… {len(problems) - SHOWN_PROBLEMS} more {kind}s (--json)")
    what = KEPT if report.written else NOT_KEPT
    params = report.as_dict()
    console.print(SUMMARY.format(**params, what=what.format(**params)), highlight=False)
    console.print(thai(SUMMARY, **params, what=thai(what, **params)), highlight=False)


def import_file(
    kind: Annotated[str, typer.Argument(help=KINDS_HELP)],
    file: Annotated[Path, typer.Argument(help="CSV, XLSX, GeoJSON, KML or KMZ file")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only; write nothing")] = False,
    on_error: Annotated[
        str, typer.Option("--on-error", help="abort: all or nothing; skip: leave bad rows out")
    ] = "abort",
    mapping: Annotated[
        list[str] | None,
        typer.Option("--map", help='Column to field, such as "ชื่อหน่วย=name_th"; repeatable'),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON, as the last line")
    ] = False,
) -> None:
    """Import a file; exit 0 only if no row failed (or with --on-error skip)."""
    with file_errors(file, option="FILE", writing=False):
        file.open("rb").close()  # missing, a folder, not ours to read: told before any work
    try:
        options = Options(
            kind=kind, dry_run=dry_run, on_error=on_error, mapping=parse_mapping(mapping or [])
        )
        report = run(
            _import(file, options, show_progress=not as_json and errors_console.is_terminal)
        )
    except DomainError as error:
        if as_json:
            print(json.dumps({"error": error.problem()}, ensure_ascii=False))
        fail(error)
    if as_json:
        print(json.dumps(report.as_dict(), ensure_ascii=False))
    else:
        _print(report)
    if report.rows_failed and on_error != "skip":
        raise typer.Exit(1)
