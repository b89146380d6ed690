"""Driving the import wizard's pages as a browser posts them: upload, columns, check, import."""

import html
import re
from pathlib import Path

from jitasa.core import jobs as queue
from tests.help_requests.test_request_pages import HTML, csrf

SELECT = re.compile(r'<select name="field"[^>]*>(.*?)</select>', re.S)
CHOSEN = re.compile(r'<option value="([^"]*)" selected>')
COLUMN = re.compile(r'name="column" value="([^"]*)"')
FIGURE = re.compile(r'<p class="figure[^"]*"><strong>(\d+)</strong>')
FIGURES = ("rows_total", "rows_ok", "rows_failed", "created", "updated", "unchanged")


async def run_jobs(factory) -> None:
    """Run every queued job, as the worker would."""
    while await queue.run_one(factory, "test-worker"):
        pass


def form_of(page: str) -> tuple[list[str], list[str]]:
    """Return the columns step's headers and the field chosen for each ("-": not imported)."""
    headers = [html.unescape(h) for h in COLUMN.findall(page)]
    fields = []
    for block in SELECT.findall(page):
        chosen = CHOSEN.findall(block)
        fields.append(html.unescape(chosen[0]) if chosen else "-")
    assert len(headers) == len(fields)
    return headers, fields


def figures_of(page: str) -> dict[str, int]:
    """Return the counts an import's page shows, by name."""
    return dict(zip(FIGURES, map(int, FIGURE.findall(page)), strict=True))


async def upload(client, path: Path, kind: str, *, name: str | None = None, lang="en"):
    """Post the first step: the kind and the file."""
    return await client.post(
        f"/imports?lang={lang}",
        data={"csrf_token": await csrf(client), "kind": kind},
        files={"file": (name or path.name, path.read_bytes())},
        headers=HTML,
    )


async def choose(client, draft: str, headers: list[str], fields: list[str], lang="en"):
    """Post the columns step: each header and the field it goes to."""
    return await client.post(
        f"{draft}?lang={lang}",
        data={"csrf_token": await csrf(client), "column": headers, "field": fields},
        headers=HTML,
    )


async def preview(client, factory, path: Path, kind: str, changes=None) -> tuple[str, str]:
    """Upload a file, keep (or change) the columns found, check it; return its page's address
    and text once checked."""
    uploaded = await upload(client, path, kind)
    assert uploaded.status_code == 303, uploaded.text
    draft = uploaded.headers["location"]
    headers, fields = form_of((await client.get(draft, headers=HTML)).text)
    for header, field in (changes or {}).items():
        fields[headers.index(header)] = field
    checked = await choose(client, draft, headers, fields)
    assert checked.status_code == 303, checked.text
    job = checked.headers["location"]
    await run_jobs(factory)
    page = await client.get(f"{job}?lang=en", headers=HTML)
    assert page.status_code == 200
    return job, page.text


async def run(client, factory, job: str, on_error: str) -> tuple[str, str]:
    """Press Import on a checked file's page; return the import's address and text once done."""
    answer = await client.post(
        f"{job}/run", data={"csrf_token": await csrf(client), "on_error": on_error}, headers=HTML
    )
    assert answer.status_code == 303, answer.text
    done = answer.headers["location"]
    await run_jobs(factory)
    return done, (await client.get(f"{done}?lang=en", headers=HTML)).text
