"""Uploads waiting in the import wizard, between their upload and their run.

The wizard's first step keeps the file as `<data_dir>/imports/drafts/<token>.<format>` beside
`<token>.json` (`{actor_id, kind, name, mapping}`). The token (128 random bits, 32 hex digits)
names the draft in the wizard's addresses; only its uploader or an admin may use it. Each job
of a draft (the preview, then the real run) reads a link of its own to the file, which the job
removes when it ends, so the draft outlives its preview. Drafts older than a day are removed
when a new one is made.
"""

import json
import os
import re
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from jitasa.core.errors import Forbidden, NotFound
from jitasa.core.words import Role
from jitasa.imports.jobs import upload_dir, upload_path

TOKEN = re.compile(r"[0-9a-f]{32}")
KEPT_SECONDS = 24 * 3600
NO_DRAFT = "This upload is no longer kept; upload the file again."
NOT_YOURS = "Only the person who started this import can see it."


@dataclass
class Draft:
    """An upload in the wizard: its file, uploader, kind, name as uploaded and column choices."""

    token: str
    actor_id: int
    kind: str
    name: str
    suffix: str
    mapping: dict[str, str] = field(default_factory=dict)

    def path(self, data_dir: Path) -> Path:
        """Return where the draft's file is kept."""
        return drafts_dir(data_dir) / f"{self.token}.{self.suffix}"


def path_of(data_dir: Path, token: str) -> Path:
    """Return where a draft's choices are kept (it exists while the draft is kept)."""
    return drafts_dir(data_dir) / f"{token}.json"


def drafts_dir(data_dir: Path) -> Path:
    """Return (and make) the directory drafts are kept in."""
    path = upload_dir(data_dir) / "drafts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _save(data_dir: Path, draft: Draft) -> None:
    path_of(data_dir, draft.token).write_text(json.dumps(asdict(draft)), "utf-8")


def create(data_dir: Path, *, stored: Path, actor_id: int, kind: str, name: str) -> Draft:
    """Keep an upload already stored at `stored` (moved, not copied) as a new draft."""
    sweep(data_dir)
    draft = Draft(uuid.uuid4().hex, actor_id, kind, name, stored.suffix.lstrip("."))
    stored.replace(draft.path(data_dir))
    _save(data_dir, draft)
    return draft


def load(data_dir: Path, token: str, user) -> Draft:
    """Return a draft its uploader (or an admin) asks for; raise `NotFound` or `Forbidden`."""
    meta = path_of(data_dir, token)
    if not TOKEN.fullmatch(token) or not meta.exists():
        raise NotFound("imports.no_draft", NO_DRAFT)
    draft = Draft(**json.loads(meta.read_text("utf-8")))
    if not draft.path(data_dir).exists():
        raise NotFound("imports.no_draft", NO_DRAFT)
    if draft.actor_id != user.id and Role.ADMIN not in user.roles:
        raise Forbidden("auth.forbidden", NOT_YOURS)
    return draft


def choose(data_dir: Path, draft: Draft, mapping: dict[str, str]) -> None:
    """Keep the column choices made for a draft (the wizard shows them again)."""
    draft.mapping = mapping
    _save(data_dir, draft)


def remove(data_dir: Path, draft: Draft) -> None:
    """Forget a draft: its file and its choices."""
    draft.path(data_dir).unlink(missing_ok=True)
    path_of(data_dir, draft.token).unlink(missing_ok=True)


def job_file(data_dir: Path, draft: Draft) -> Path:
    """Return a file of the draft's for one job to read and remove (a hard link, or a copy)."""
    target = upload_path(data_dir, draft.name)
    try:
        os.link(draft.path(data_dir), target)
    except OSError:  # a file system without hard links
        shutil.copyfile(draft.path(data_dir), target)
    return target


def sweep(data_dir: Path, *, kept_seconds: float = KEPT_SECONDS) -> int:
    """Remove drafts (file and choices) older than `kept_seconds`; return how many files."""
    limit = time.time() - kept_seconds
    removed = 0
    for path in drafts_dir(data_dir).iterdir():
        if path.stat().st_mtime < limit:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
