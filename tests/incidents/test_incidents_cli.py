"""`jitasa incidents`: an admin at the shell chooses the default, closes and archives."""

import asyncio

from sqlalchemy import text
from typer.testing import CliRunner

from jitasa.cli import app
from jitasa.core.db import create_engine
from tests.core.test_cli import configured, query  # noqa: F401 - the fixture is used by name

runner = CliRunner()
DEFAULTS = "SELECT count(*), max(code) FROM incidents WHERE is_default"
FLOODS = (
    "INSERT INTO incidents (code, name_th, name_en, kind, active, is_default, sla_minutes,"
    " expiry_hours, hotlines, created_at) VALUES ('floods-cli', 'น้ำท่วม', 'Floods',"
    " 'flood', true, false, '{}', 72, '[]', CURRENT_TIMESTAMP)"
)


def execute(settings, sql: str) -> None:
    """Run one SQL statement on the configured database and commit it."""

    async def run() -> None:
        engine = create_engine(settings)
        try:
            async with engine.begin() as connection:
                await connection.execute(text(sql))
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_incidents_commands_move_the_default_close_and_archive(configured):  # noqa: F811
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert query(configured, DEFAULTS) == (1, "covid-19")
    listed = runner.invoke(app, ["incidents", "list"])
    assert listed.exit_code == 0 and "covid-19" in listed.output and "default" in listed.output

    refused = runner.invoke(app, ["incidents", "close", "covid-19"])
    assert refused.exit_code == 1
    assert "make another incident the default first" in refused.output.replace("\n", " ")
    assert "ตั้งเหตุการณ์อื่นเป็นค่าเริ่มต้นก่อน" in refused.output.replace("\n", "")

    missing = runner.invoke(app, ["incidents", "default", "no-such"])
    assert missing.exit_code == 1 and "no-such" in missing.output
    assert query(configured, DEFAULTS) == (1, "covid-19")


def test_incidents_close_reopen_and_archive_print_the_state(configured):  # noqa: F811
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    execute(configured, FLOODS)
    made = runner.invoke(app, ["incidents", "default", "floods-cli"])
    assert made.exit_code == 0 and "floods-cli: active, default" in made.output
    assert query(configured, DEFAULTS) == (1, "floods-cli")
    assert "covid-19: closed" in runner.invoke(app, ["incidents", "close", "covid-19"]).output
    assert "covid-19: active" in runner.invoke(app, ["incidents", "reopen", "covid-19"]).output
    runner.invoke(app, ["incidents", "close", "covid-19"])
    archived = runner.invoke(app, ["incidents", "archive", "covid-19"])
    assert archived.exit_code == 0 and "covid-19: archived" in archived.output
    assert runner.invoke(app, ["incidents", "reopen", "covid-19"]).exit_code == 1
