"""The demo's Chiang Mai scenario: staff, volunteers and requests made through the services."""

from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from jitasa import demo_register
from jitasa.accounts import policy
from jitasa.accounts.models import User
from jitasa.accounts.policy import Action
from jitasa.core.config import Settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.demo import demo_settings, load_packaged_boundaries, seed_scenario
from jitasa.demo_scenario import REQUESTS, STAFF, VOLUNTEERS
from jitasa.help_requests.models import HelpRequest, RequestEvent
from jitasa.migrate import upgrade
from jitasa.volunteers.models import Volunteer


def test_demo_always_uses_its_own_sqlite_file(tmp_path):
    settings = Settings(
        _env_file=None, data_dir=tmp_path, database_url="postgresql://somewhere/else"
    )
    assert demo_settings(settings).sqlalchemy_url == (
        f"sqlite+aiosqlite:///{tmp_path.resolve()}/demo.db"
    )


async def test_scenario_is_seeded_once_with_requests_in_every_state(fresh_database_url, tmp_path):
    engine = create_engine(
        Settings(_env_file=None, data_dir=tmp_path, database_url=fresh_database_url)
    )
    try:
        await upgrade(engine)
        assert await load_packaged_boundaries(engine) == 77 + 928
        added = await seed_scenario(engine)
        assert added == {
            "staff": len(STAFF),
            "volunteers": len(VOLUNTEERS),
            "requests": len(REQUESTS),
            "facilities": 25 + 3 + 4,
            "transports": 1,
            "residents": len(demo_register.PEOPLE),
            "doses": sum(person[-1] for person in demo_register.PEOPLE),
            "coverage_rows": 25 * 4,  # Chiang Mai's districts on four dates: a trend
        }
        assert await seed_scenario(engine) == {}
        async with create_session_factory(engine, mode="read")() as session:
            requests = (await session.scalars(select(HelpRequest))).all()
            timeline = select(RequestEvent.request_id, RequestEvent.kind, RequestEvent.at)
            timelines: dict[int, list] = {}
            for request_id, kind, at in await session.execute(timeline.order_by(RequestEvent.id)):
                timelines.setdefault(request_id, []).append((kind, at))
            volunteers = (await session.scalars(select(Volunteer))).all()
            staff = (
                await session.scalars(select(User).where(User.phone.in_([s.phone for s in STAFF])))
            ).all()
        # Every demo official reaches the import wizard (linked from their desk) for their area.
        for user in staff:
            assert policy.require(user, Action.IMPORT_DATA, area_code=user.area_code) is user
        # The transport on its way, a yellow bed held for its patient, besides the listed ones.
        expected = Counter(s.value for *_, s in REQUESTS) + Counter({"claimed": 1})
        assert Counter(r.status for r in requests) == expected
        held = [r for r in requests if r.bed_state == "reserved"]
        assert [(r.category, r.triage_colour, r.mobility) for r in held] == [
            ("patient_transport", "yellow", "wheelchair")
        ]
        assert all(r.province_code == "50" and r.district_code for r in requests)
        # A request's own times agree with its timeline, which the dashboard reads too (the
        # demo ages requests by hours; a step's own stamps differ by milliseconds).
        for r in requests:
            takes = [at for kind, at in timelines[r.id] if kind in ("claimed", "assigned")]
            if r.claimed_at is not None and takes:
                assert abs(r.claimed_at - takes[0]) < timedelta(seconds=1), r.code
            if r.closed_at is not None:
                assert abs(r.closed_at - timelines[r.id][-1][1]) < timedelta(seconds=1), r.code
        verified = sum(1 for *_, ok in VOLUNTEERS if ok) + 1  # and the register's อสม.
        assert sum(v.is_verified for v in volunteers) == verified
        assert [v.area_code for v in volunteers if v.area_code == demo_register.VILLAGE] == [
            demo_register.VILLAGE
        ]
    finally:
        await engine.dispose()
