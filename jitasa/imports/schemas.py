"""Shapes of the imports API's answers (the upload itself is multipart form data)."""

from typing import Any

from pydantic import BaseModel


class ImportQueued(BaseModel):
    """An upload accepted: its job's id and state (`queued`)."""

    id: int
    status: str


class ImportRead(BaseModel):
    """An import as its starter sees it: progress, then the report once the job has run.

    `errors` and `warnings` hold one entry per problem: `{row, column, field, field_en,
    field_th, value, message, message_th}` (the spreadsheet's row number, the header as the
    file has it, the field's key and name in English and Thai, the cell's value clipped to 80
    characters, the reason in English and Thai); `refused` is the problem document when the
    whole file was refused.
    """

    id: int
    status: str
    progress: float
    kind: str | None
    name: str | None
    dry_run: bool | None
    on_error: str | None
    rows_done: int
    rows_total: int | None
    rows_ok: int
    rows_failed: int
    created: int
    updated: int
    unchanged: int
    written: bool
    columns: dict[str, Any]
    errors: list[dict[str, Any]]
    warnings: list[dict[str, Any]]
    refused: dict[str, Any] | None
