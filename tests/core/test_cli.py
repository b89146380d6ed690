"""The command line: `db upgrade` (idempotent), `db recount-map`, `areas load-boundaries`."""

import asyncio
import json
import socket

import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from jitasa.cli import app
from jitasa.cli_support import database_shown, fail
from jitasa.core.config import Settings, get_settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.core.errors import NotReady
from jitasa.web.report_pdf import PDF_MISSING
from tests.conftest import boundary_files
from tests.help_requests.helpers import make_request

runner = CliRunner()
COUNT_AREAS = "SELECT count(*), max(updated_at) FROM areas"
COUNT_BOUNDARIES = "SELECT count(*) FROM areas WHERE boundary IS NOT NULL"
COUNT_CELLS = "SELECT count(*), sum(count) FROM map_cells WHERE count > 0"


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
    assert f"Database: {configured.sqlalchemy_url}" in first.output.replace("\n", "")
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


def test_users_create_prints_json_and_tokens_create_prints_a_working_token(configured):
    runner.invoke(app, ["db", "upgrade"])
    created = runner.invoke(
        app,
        [
            "users",
            "create",
            "--phone",
            "081-234-5678",
            "--role",
            "coordinator,volunteer",
            "--area",
            "5001",
            "--name",
            "สมศรี",
        ],
    )
    assert created.exit_code == 0, created.output
    user = json.loads(created.output)
    assert user["phone"] == "+66812345678"
    assert user["roles"] == ["coordinator", "requester", "volunteer"]
    assert user["area_code"] == "5001"

    token = runner.invoke(app, ["tokens", "create", "--phone", "+66 81 234 5678"])
    assert token.exit_code == 0, token.output
    secret = token.output.strip()
    assert secret.startswith("jts_")
    hashes = query(configured, "SELECT count(*) FROM api_tokens WHERE token_hash != ''")
    assert hashes == (1,)


def test_users_create_refuses_bad_input_clearly(configured):
    runner.invoke(app, ["db", "upgrade"])
    bad_phone = runner.invoke(app, ["users", "create", "--phone", "12", "--role", "admin"])
    assert bad_phone.exit_code == 1
    assert "not a valid Thai phone number" in bad_phone.output
    bad_role = runner.invoke(app, ["users", "create", "--phone", "0812345678", "--role", "king"])
    assert bad_role.exit_code == 2
    assert "Unknown role king" in bad_role.output
    no_user = runner.invoke(app, ["tokens", "create", "--phone", "0899999999"])
    assert no_user.exit_code == 1
    assert "No user has the phone number" in no_user.output


@pytest.mark.parametrize(
    "command",
    [["jobs", "list"], ["users", "create", "--phone", "0897777777", "--role", "volunteer"]],
)
def test_a_database_never_upgraded_is_named_plainly_not_with_a_traceback(configured, command):
    result = runner.invoke(app, command)
    assert result.exit_code == 1, result.output
    said = "".join(result.output.split())  # a terminal wraps a long path anywhere
    expected = f"{database_shown()} has not been upgraded yet: run `jitasa db upgrade` first"
    assert "".join(expected.split()) in said
    assert "ยังไม่ได้อัปเกรดฐานข้อมูล" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_users_and_tokens_are_checked_with_the_apis_own_schemas(configured):
    runner.invoke(app, ["db", "upgrade"])
    long_name = runner.invoke(
        app,
        ["users", "create", "--phone", "0812345678", "--role", "volunteer", "--name", "ก" * 121],
    )
    assert long_name.exit_code == 1
    assert "display_name" in long_name.output and "120" in long_name.output
    assert (
        runner.invoke(
            app, ["users", "create", "--phone", "0812345678", "--role", "volunteer"]
        ).exit_code
        == 0
    )
    long_token = runner.invoke(
        app, ["tokens", "create", "--phone", "0812345678", "--name", "x" * 121]
    )
    assert long_token.exit_code == 1
    assert "name" in long_token.output and "120" in long_token.output


def test_control_characters_are_refused_by_field_before_the_database(configured):
    """PostgreSQL cannot store them and SQLite would: both refuse them alike, by field."""
    runner.invoke(app, ["db", "upgrade"])
    command = ["users", "create", "--phone", "0812345678", "--role", "volunteer"]
    bad_name = runner.invoke(app, [*command, "--name", "Somchai\x1b[31m"])
    assert bad_name.exit_code == 1, bad_name.output
    assert "display_name holds a control character" in bad_name.output
    assert "ชื่อที่แสดง มีอักขระควบคุม" in bad_name.output  # the field in Thai words
    assert runner.invoke(app, command).exit_code == 0
    bad_token = runner.invoke(
        app, ["tokens", "create", "--phone", "0812345678", "--name", "cron\x00"]
    )
    assert bad_token.exit_code == 1, bad_token.output
    assert "name holds a control character" in bad_token.output


@pytest.mark.parametrize("command", [["serve"], ["demo"]])
@pytest.mark.parametrize("port", ["0", "65536", "99999999999999999999"])
def test_a_port_outside_the_range_is_refused_before_listening(command, port):
    result = runner.invoke(app, [*command, "--port", port])
    assert result.exit_code == 2
    assert "--port" in result.output


def test_a_job_id_beyond_the_column_is_refused_before_the_database(configured):
    result = runner.invoke(app, ["jobs", "cancel", "99999999999999999999999"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)


async def delete_cells(settings: Settings) -> None:
    """Empty the map's counts, as a bulk load that bypasses Jitasa would leave them."""
    engine = create_engine(settings)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DELETE FROM map_cells"))
    finally:
        await engine.dispose()


def test_recount_map_rebuilds_the_cluster_counts(configured):
    runner.invoke(app, ["db", "upgrade"])

    async def post_requests() -> None:
        engine = create_engine(configured)
        try:
            async with create_session_factory(engine)() as session:
                for _ in range(3):  # no boundaries loaded here: the area is chosen
                    await make_request(session, area_code="5001")
        finally:
            await engine.dispose()

    asyncio.run(post_requests())
    kept = query(configured, COUNT_CELLS)
    assert kept[0] > 0
    asyncio.run(delete_cells(configured))
    recounted = runner.invoke(app, ["db", "recount-map"])
    assert recounted.exit_code == 0, recounted.output
    assert "Map counts rebuilt" in recounted.output
    assert query(configured, COUNT_CELLS) == kept


@pytest.mark.parametrize("command", [["serve", "--host", "127.0.0.1"], ["demo"]])
def test_a_busy_port_is_named_with_a_hint_not_a_raw_errno(command):
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = runner.invoke(app, [*command, "--port", str(port)])
    assert result.exit_code == 1, result.output
    assert f"Port {port} is already in use" in result.output
    assert f"--port {port + 1}" in result.output and "พอร์ต" in result.output
    assert "Errno" not in result.output


def test_an_error_keeps_its_brackets_on_the_terminal(capsys):
    # Rich reads "[pdf]" as markup and drops it: the install hint lost its extra.
    with pytest.raises(typer.Exit):
        fail(NotReady("report.pdf_unavailable", PDF_MISSING))
    assert "pip install 'jitasa[pdf]'" in capsys.readouterr().err.replace("\n", " ")


def test_serve_refuses_a_database_not_upgraded_yet(configured):
    # It served 503 to all but /healthz, each worker logging a traceback a second.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = runner.invoke(app, ["serve", "--host", "127.0.0.1", "--port", str(port)])
    assert result.exit_code == 1, result.output
    assert "jitasa db upgrade" in result.output.replace("\n", " ")
