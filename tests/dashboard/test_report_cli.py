"""`jitasa report`: the daily report written to a file, in Thai with the BE date."""

from jitasa.cli import app
from tests.core.test_cli import configured, runner  # noqa: F401 (the fixture is used by name)


def test_report_writes_a_printable_thai_page(configured, tmp_path):  # noqa: F811
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    out = tmp_path / "report.html"
    result = runner.invoke(
        app, ["report", "--area", "5001", "--date", "2026-11-25", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "รายงานสถานการณ์ประจำวัน: เมืองเชียงใหม่" in page
    assert "25 พฤศจิกายน 2569" in page
    assert "@media print" in page and "<link" not in page  # self-contained


def test_report_refuses_a_bad_date_and_an_unknown_area(configured, tmp_path):  # noqa: F811
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    out = tmp_path / "report.html"
    bad = runner.invoke(app, ["report", "--area", "5001", "--date", "25/11", "--out", str(out)])
    assert bad.exit_code == 1 and "date" in bad.output
    unknown = runner.invoke(app, ["report", "--area", "5099", "--out", str(out)])
    assert unknown.exit_code == 1 and "5099" in unknown.output
    assert not out.exists()
