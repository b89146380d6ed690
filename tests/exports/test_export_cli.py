"""`jitasa export`: a dataset streamed to a file, checked first, audited, nothing half-written."""

import asyncio
import csv
import json

from jitasa.cli import app
from jitasa.core.db import create_engine, create_session_factory
from tests.core.test_cli import configured, query, runner  # noqa: F401 (fixture used by name)
from tests.help_requests.helpers import make_request


def seed_requests(settings, count: int) -> list[str]:
    """Make `count` requests in Mueang Chiang Mai with a contact; return their codes."""

    async def make() -> list[str]:
        engine = create_engine(settings)
        try:
            async with create_session_factory(engine)() as session:
                made = [
                    await make_request(
                        session, area_code="500101", contact_name="ลับ", contact_phone="0891234567"
                    )
                    for _ in range(count)
                ]
                return [r.code for r in made]
        finally:
            await engine.dispose()

    return asyncio.run(make())


def test_export_writes_the_file_and_logs_personal_data(configured, tmp_path):  # noqa: F811
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    codes = seed_requests(configured, 3)
    out = tmp_path / "requests.csv"

    result = runner.invoke(
        app, ["export", "requests", "--format", "csv", "--area", "5001", "--hxl", "--out", str(out)]
    )

    assert result.exit_code == 0, result.output
    assert "3 rows" in result.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0]["lat"] == "#geo+lat"
    assert [r["code"] for r in rows[1:]] == codes and rows[1]["contact_name"] == "ลับ"
    assert query(
        configured, "SELECT count(*) FROM audit_log WHERE action = 'personal_data.export'"
    ) == (1,)


def test_public_geojson_export_holds_no_contacts(configured, tmp_path):  # noqa: F811
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    seed_requests(configured, 2)
    out = tmp_path / "public.geojson"

    result = runner.invoke(
        app, ["export", "public-requests", "--format", "geojson", "--out", str(out)]
    )

    assert result.exit_code == 0, result.output
    body = json.loads(out.read_text(encoding="utf-8"))
    assert len(body["features"]) == 2
    assert "0891234567" not in out.read_text() and "ลับ" not in out.read_text(encoding="utf-8")


def test_export_refuses_bad_input_and_writes_nothing(configured, tmp_path):  # noqa: F811
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    out = tmp_path / "x.csv"

    for args, named in (
        (["export", "patients"], "patients"),
        (["export", "requests", "--format", "pdf"], "format"),
        (["export", "requests", "--area", "5099"], "5099"),
        (["export", "public-requests", "--urgency", "purple"], "urgency"),
        (["export", "public-facilities", "--urgency", "red"], "urgency"),
    ):
        result = runner.invoke(app, [*args, "--out", str(out)])
        assert result.exit_code == 1 and named in result.output, (args, result.output)
    assert list(tmp_path.glob("x.csv*")) == []
