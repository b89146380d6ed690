"""`jitasa import KIND FILE`: every sample file through the command line, counts by hand."""

import json

import pytest
from typer.testing import CliRunner

from jitasa.cli import app
from jitasa.core.config import get_settings
from tests.imports.conftest import sample

runner = CliRunner()
# (kind, file, rows, created, warnings) — counted by hand in the files
SAMPLES = [
    ("facilities", "facilities_chiangmai.csv", 25, 25, 0),
    ("facilities", "vaccination_points_cp874.csv", 15, 15, 4),  # 4 columns not imported
    ("facilities", "field_hospitals.kml", 2, 2, 1),  # เตียงว่าง: free beds without a total
    ("facilities", "facilities.geojson", 8, 8, 0),
    ("volunteers", "volunteers_vhv.csv", 40, 40, 0),
    ("requests", "requests_hotline.csv", 30, 30, 6),  # 5 colourless medical, 1 coloured food
    ("vaccination_coverage", "vaccine_coverage_chiangmai.xlsx", 25, 25, 0),  # a title row
]


@pytest.fixture
def cli_database(settings, engine, monkeypatch):
    """Point the command line at the test database."""
    monkeypatch.setenv("JITASA_DATABASE_URL", settings.sqlalchemy_url)
    monkeypatch.setenv("JITASA_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def last_json(output: str) -> dict:
    return json.loads(output.strip().splitlines()[-1])


@pytest.mark.parametrize(("kind", "name", "rows", "created", "warnings"), SAMPLES)
def test_every_sample_file_imports_through_the_cli(
    cli_database, kind, name, rows, created, warnings
):
    result = runner.invoke(app, ["import", kind, str(sample(name)), "--json"])
    assert result.exit_code == 0, result.output
    summary = last_json(result.stdout)
    assert (summary["rows_total"], summary["rows_ok"], summary["rows_failed"]) == (rows, rows, 0)
    assert (summary["created"], len(summary["warnings"])) == (created, warnings)
    again = last_json(runner.invoke(app, ["import", kind, str(sample(name)), "--json"]).stdout)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, rows)


def test_a_dry_run_writes_nothing_and_a_failed_row_exits_1(cli_database, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text('ชื่อ,ประเภท,พิกัด\nรพ.ก,hospital,"18.79, 98.97"\nรพ.ข,hospital,London\n')
    dry = runner.invoke(app, ["import", "facilities", str(path), "--dry-run"])
    assert dry.exit_code == 1
    assert "row 3" in dry.output and "nothing was written" in dry.output
    assert "ไม่ได้บันทึกสิ่งใด" in dry.output
    skipped = runner.invoke(
        app, ["import", "facilities", str(path), "--on-error", "skip", "--json"]
    )
    assert skipped.exit_code == 0
    # created, not unchanged: the dry run had written nothing
    summary = last_json(skipped.stdout)
    assert (summary["created"], summary["rows_failed"], summary["written"]) == (1, 1, True)


def test_a_mapping_names_a_column_the_synonyms_do_not_know(cli_database, tmp_path):
    path = tmp_path / "mapped.csv"
    path.write_text("ชื่อหน่วย,ประเภท,ละติจูด,ลองจิจูด\nหน่วยหนึ่ง,hospital,18.79,98.97\n")
    unmapped = runner.invoke(app, ["import", "facilities", str(path), "--json"])
    assert unmapped.exit_code == 1
    assert last_json(unmapped.stdout)["error"]["code"] == "imports.missing_columns"
    mapped = runner.invoke(
        app, ["import", "facilities", str(path), "--map", "ชื่อหน่วย=name_th", "--json"]
    )
    assert mapped.exit_code == 0, mapped.output
    assert last_json(mapped.stdout)["columns"]["ชื่อหน่วย"] == "name_th"
