"""A file the command line reads or writes that cannot be: told plainly, in English and Thai.

`file_error` turns the operating system's `OSError` into a `DomainError` naming the option that
gave the path (`--out`, `FILE`) and what to do, instead of a traceback.
"""

from __future__ import annotations

import errno
from pathlib import Path

from jitasa.core.errors import Invalid

NO_FOLDER = "{option}: the folder {folder} does not exist; create it first, or choose another."
NOT_A_FOLDER = "{option}: {folder} is a file, not a folder; choose another path."
IS_A_FOLDER = "{option}: {path} is a folder; give the name of a file."
NO_FILE = "{option}: there is no file {path}."
MAY_NOT_WRITE = "{option}: you may not write {path}; choose a folder you may write to."
MAY_NOT_READ = "{option}: you may not read {path}; check who may read it."
DISK_FULL = "{option}: the disk is full; {path} could not be written."
CANNOT_WRITE = "{option}: {path} could not be written (error {number})."
CANNOT_READ = "{option}: {path} could not be read (error {number})."
# What a write fails with part way: the disk, the user's quota, or the file size limit is full.
FILE_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def file_error(error: OSError, *, path: Path, option: str, writing: bool) -> Invalid:
    """Return the error (422 `files.unusable`, params option, path, folder) telling why the
    file at `path`, given by `option`, could not be written (`writing`) or read."""
    folder = _first_missing_or_file(path.parent) if writing else path.parent
    params: dict[str, object] = {"option": option, "path": str(path), "folder": str(folder)}
    if isinstance(error, IsADirectoryError):
        message = IS_A_FOLDER
    elif isinstance(error, NotADirectoryError):
        message = NOT_A_FOLDER
    elif isinstance(error, FileNotFoundError):
        message = NO_FOLDER if writing else NO_FILE
    elif isinstance(error, PermissionError):
        message = MAY_NOT_WRITE if writing else MAY_NOT_READ
    elif error.errno in FILE_FULL:
        message = DISK_FULL
    else:
        message = CANNOT_WRITE if writing else CANNOT_READ
        params["number"] = error.errno or 0
    return Invalid("files.unusable", message, params)


def _first_missing_or_file(folder: Path) -> Path:
    """Return the outermost missing folder of `folder`, or the file standing in its way."""
    found = folder
    for parent in [folder, *folder.parents]:
        if parent.is_dir():
            break
        found = parent
        if parent.exists():  # a file where a folder should be
            break
    return found
