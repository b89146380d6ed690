"""The command line: `db upgrade` (idempotent) and `areas load-boundaries` (all or nothing)."""

import asyncio
import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from jitasa.cli import app
from jitasa.config import Settings, get_settings
from jitasa.db import create_engine
from tests.conftest import boundary_files

runner = CliRunner()
COUNT_AREAS = "SELECT count(*), max(updated_at) FROM areas"
COUNT_BOUNDARIES = "SELECT count(*) FROM areas WHERE boundary IS NOT NULL"


@pytest.fixture
def configured(monkeypatch, tmp_path, fresh_database_url):
    """Point the command line at a fresh database through JITASA_* variables."""
    monkeypatch.setenv("JITASA_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("JITASA_DATABASE_URL", fresh_database_url)
    get_settings.cache_clear()
    yield Settings(_env_file=None, data_dir=tmp_path, database_url=fresh_database_url)
    get_settings.cache_clear()


def query(settings: Settings, sql: str) -> tuple:
    """Run one SQL query on the configured database and return its first row."""

    async def run() -> tuple:
        engine = create_engine(settings)
        try:
            async with engine.connect() as connection:
                return tuple((await connection.execute(text(sql))).one())
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_db_upgrade_twice_is_a_no_op(configured):
    first = runner.invoke(app, ["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert "8441 areas added" in first.output
    count, updated_at = query(configured, COUNT_AREAS)
    assert count == 77 + 928 + 7436

    second = runner.invoke(app, ["db", "upgrade"])
    assert second.exit_code == 0, second.output
    assert "up to date" in second.output
    assert query(configured, COUNT_AREAS) == (count, updated_at)


def test_load_boundaries_from_the_shared_files(configured):
    runner.invoke(app, ["db", "upgrade"])
    for path in boundary_files():
        loaded = runner.invoke(app, ["areas", "load-boundaries", str(path)])
        assert loaded.exit_code == 0, loaded.output
    assert query(configured, COUNT_BOUNDARIES) == (77 + 928,)


def test_bad_boundary_file_loads_nothing_and_says_why(configured, tmp_path):
    runner.invoke(app, ["db", "upgrade"])
    square = [[[98.9, 18.7], [99.0, 18.7], [99.0, 18.8], [98.9, 18.7]]]
    features = [
        {
            "type": "Feature",
            "properties": {"ADM2_PCODE": "TH5001"},
            "geometry": {"type": "Polygon", "coordinates": square},
        },
        {
            "type": "Feature",
            "properties": {"ADM2_PCODE": "TH9999"},
            "geometry": {"type": "Polygon", "coordinates": square},
        },
    ]
    path = tmp_path / "half-bad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    result = runner.invoke(app, ["areas", "load-boundaries", str(path)])
    assert result.exit_code == 1
    assert "1 of 2 features are not valid" in result.output
    assert "features[2].code" in result.output
    assert query(configured, COUNT_BOUNDARIES) == (0,)
