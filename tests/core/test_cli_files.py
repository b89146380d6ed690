"""Every command that reads or writes a file it is given says plainly, in English and Thai, why
it cannot (a missing folder, a folder for a file, no permission), and leaves nothing behind."""

import errno
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jitasa.cli import app
from jitasa.core.files import file_error
from tests.core.test_cli import configured  # noqa: F401 (the fixture)

runner = CliRunner()


def squeezed(text: str) -> str:
    """Return the text without white space: a terminal wraps long lines, mid-path too."""
    return "".join(text.split())


def refused_plainly(arguments: list[str], english: str, thai: str) -> None:
    """Run a command; check it ends with 1 and the message, never with a traceback."""
    result = runner.invoke(app, arguments)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert squeezed(english) in squeezed(result.output), result.output
    assert squeezed(thai) in squeezed(result.output), result.output


def test_a_report_or_export_into_a_missing_folder_a_folder_or_under_a_file(
    configured,  # noqa: F811
    tmp_path: Path,
):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    missing = tmp_path / "no" / "such"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    for command in (["report", "--area", "50"], ["export", "requests"]):
        for out in (missing / "x.pdf", missing / "x.html", missing / "x.csv"):
            refused_plainly(
                [*command, "--out", str(out)],
                f"--out: the folder {tmp_path / 'no'} does not exist; create it first",
                f"ไม่มีโฟลเดอร์ {tmp_path / 'no'}",
            )
        refused_plainly(
            [*command, "--out", str(tmp_path)],
            f"--out: {tmp_path} is a folder; give the name of a file.",
            "เป็นโฟลเดอร์ ให้ระบุชื่อไฟล์",
        )
        refused_plainly(
            [*command, "--out", str(a_file / "x.html")],
            f"--out: {a_file} is a file, not a folder",
            "เป็นไฟล์ ไม่ใช่โฟลเดอร์",
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["fresh.db", "notes.txt"]) or (
        sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # PostgreSQL: no file
    )
    written = runner.invoke(app, ["report", "--area", "50", "--out", str(tmp_path / "r.html")])
    assert written.exit_code == 0, written.output
    assert "<html" in (tmp_path / "r.html").read_text()


def test_an_import_or_boundary_file_that_is_missing_or_a_folder(configured, tmp_path):  # noqa: F811
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    for command in (["import", "facilities"], ["areas", "load-boundaries"]):
        refused_plainly(
            [*command, str(tmp_path / "gone.csv")],
            f"FILE: there is no file {tmp_path / 'gone.csv'}.",
            f"ไม่มีไฟล์ {tmp_path / 'gone.csv'}",
        )
        refused_plainly(
            [*command, str(tmp_path)],
            f"FILE: {tmp_path} is a folder; give the name of a file.",
            "เป็นโฟลเดอร์ ให้ระบุชื่อไฟล์",
        )


def test_a_database_file_in_a_missing_folder_is_named_with_the_setting(monkeypatch, tmp_path):
    from jitasa.core.config import get_settings

    url = f"sqlite:///{tmp_path / 'gone' / 'jitasa.db'}"
    monkeypatch.setenv("JITASA_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        for command in (["db", "upgrade"], ["report", "--area", "50", "--out", "r.pdf"]):
            refused_plainly(
                command,
                f"The database file of {url} cannot be opened",
                "เปิดไฟล์ฐานข้อมูลของ",
            )
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("error", "writing", "english"),
    [
        (PermissionError(errno.EACCES, "denied"), True, "you may not write /srv/x.pdf"),
        (PermissionError(errno.EACCES, "denied"), False, "you may not read /srv/x.pdf"),
        (OSError(errno.ENOSPC, "full"), True, "the disk is full; /srv/x.pdf could not be"),
        (OSError(errno.EIO, "i/o"), False, f"/srv/x.pdf could not be read (error {errno.EIO})"),
    ],
)
def test_what_the_system_refuses_is_told_in_both_languages(error, writing, english):
    told = file_error(error, path=Path("/srv/x.pdf"), option="--out", writing=writing)
    assert told.code == "files.unusable"
    assert told.detail == f"--out: {english}" + told.detail.split(english, 1)[1]
    assert told.detail_th != told.detail and "/srv/x.pdf" in told.detail_th


def test_an_export_never_replaces_a_device_or_a_link(configured, tmp_path):  # noqa: F811
    """`--out` naming a device is written as it is (a full one told plainly), never replaced by
    a plain file; a symbolic link keeps pointing where it did, at the file now written."""
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    written = runner.invoke(app, ["export", "requests", "--out", "/dev/null"])
    assert written.exit_code == 0, written.output
    refused_plainly(
        ["export", "requests", "--out", "/dev/full"],
        "--out: the disk is full; /dev/full could not be written.",
        "/dev/full",
    )
    for device in ("/dev/null", "/dev/full"):
        assert Path(device).is_char_device(), device
    (tmp_path / "exports").mkdir()
    link = tmp_path / "latest.csv"
    link.symlink_to(tmp_path / "exports" / "requests.csv")
    written = runner.invoke(app, ["export", "requests", "--out", str(link)])
    assert written.exit_code == 0, written.output
    assert link.is_symlink() and link.read_text(encoding="utf-8-sig").startswith("id,code,")


def test_an_export_to_a_full_standard_output_is_told_plainly(configured):  # noqa: F811
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    jitasa = Path(sys.executable).with_name("jitasa")
    with open("/dev/full", "wb") as full:
        ended = subprocess.run(
            [str(jitasa), "export", "requests"], stdout=full, stderr=subprocess.PIPE, check=False
        )
    told = ended.stderr.decode()
    assert ended.returncode == 1, told
    assert "the disk is full; standard output could not be written" in squeezed_out(told)
    assert "Traceback" not in told


def squeezed_out(text: str) -> str:
    """Return the text with its runs of white space made one space (a terminal wraps it)."""
    return " ".join(text.split())
