"""What the import wizard's pages show: the kinds, a file's columns, an import's report."""

from jitasa.core.i18n import translate
from jitasa.imports.drafts import Draft
from jitasa.imports.kinds import kind_names, kind_of
from jitasa.imports.service import Columns

SHOWN_PROBLEMS = 200  # rows of problems a page lists; the error report has them all
# English message ids; Thai in th.po. A kind added later shows its title alone.
KIND_NOTES = {
    "facilities": "Hospitals, field hospitals, community isolation and vaccination points: "
    "name, place, kind and beds.",
    "facility_capacity": "Beds in all and beds free at facilities already imported, "
    "found by their code.",
    "requests": "Requests for help taken by a hotline or an office, with the caller's place.",
    "volunteers": "Volunteers, such as the village health volunteers of a subdistrict.",
}
# Where the imported rows are seen once written.
KIND_PAGES = {
    "facilities": "/facilities",
    "facility_capacity": "/facilities",
    "requests": "/desk",
    "volunteers": "/roster",
}
RUNNING = ("queued", "running")


def kind_choices(language: str) -> list[dict]:
    """Return each import kind: name, title, what it holds, its template's address."""
    return [
        {
            "name": name,
            "title": translate(kind_of(name).title, language),
            "note": translate(KIND_NOTES[name], language) if name in KIND_NOTES else "",
            "template": f"/api/v1/imports/templates/{name}.xlsx",
        }
        for name in kind_names()
    ]


def mapping_context(draft: Draft, found: Columns, language: str) -> dict:
    """Return the columns step's content: each header, its first cells and its field."""
    kind = kind_of(draft.kind)
    choices = [(c.field, c.th if language == "th" else c.en) for c in kind.columns]
    rows = [
        {
            "header": header,
            "field": field,
            "cells": [row[i] for row in found.samples if i < len(row) and row[i]],
        }
        for i, (header, field) in enumerate(zip(found.headers, found.fields, strict=True))
        if header
    ]
    return {
        "token": draft.token,
        "name": draft.name,
        "kind_title": translate(kind.title, language),
        "found": found,
        "rows": rows,
        "choices": choices,
    }


def _in_language(problems: list[dict], language: str) -> list[dict]:
    """Return the first problems with their reason and field name in the page language."""
    return [
        {
            **p,
            "reason": p["message_th"] if language == "th" else p["message"],
            "label": p.get("field_th" if language == "th" else "field_en", ""),
        }
        for p in problems[:SHOWN_PROBLEMS]
    ]


def job_context(view: dict, token: str | None, language: str) -> dict:
    """Return an import's page content: progress, or the preview's or the result's report."""
    refused = view["refused"] or None
    if refused:
        details = [
            e["message_th" if language == "th" else "message"] for e in refused.get("errors", [])
        ]
        refused = [refused["detail_th" if language == "th" else "detail"], *details]
    kind = view["kind"] or ""
    title = translate(kind_of(kind).title, language) if kind in kind_names() else kind
    return {
        "job": view,
        "running": view["status"] in RUNNING,
        "preview": bool(view["dry_run"]),
        "percent": round(100 * (view["progress"] or 0)),
        "kind_title": title,
        "refused": refused,
        "errors": _in_language(view["errors"], language),
        "warnings": _in_language(view["warnings"], language),
        "more_problems": max(len(view["errors"]), len(view["warnings"])) > SHOWN_PROBLEMS,
        "token": token,
        "next_page": KIND_PAGES.get(kind, "/desk"),
    }
