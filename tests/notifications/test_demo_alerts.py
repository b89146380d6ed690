"""The demo shows notifications: an overdue red request alerts its coordinators on the console."""

import json

from sqlalchemy import select

from jitasa import jobs
from jitasa.core.config import Settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.demo import load_packaged_boundaries, seed_scenario
from jitasa.demo_scenario import REQUESTS, STAFF
from jitasa.help_requests.models import HelpRequest
from jitasa.migrate import upgrade
from jitasa.notifications.channels.console import MESSAGES_FILE
from jitasa.notifications.models import Delivery, Notification


async def test_the_demos_overdue_request_alerts_its_coordinators_through_the_console(
    fresh_database_url, tmp_path
):
    settings = Settings(
        _env_file=None, data_dir=tmp_path, database_url=fresh_database_url, log_json=True
    )
    engine = create_engine(settings)
    try:
        await upgrade(engine)
        await load_packaged_boundaries(engine)
        await seed_scenario(engine)
        await jobs.run_once(create_session_factory(engine), settings=settings)
        async with create_session_factory(engine, mode="read")() as session:
            first = await session.scalar(select(HelpRequest).order_by(HelpRequest.id).limit(1))
            told = list(
                await session.scalars(
                    select(Notification).where(Notification.kind == "request.escalated")
                )
            )
            kinds = set(await session.scalars(select(Notification.kind)))
    finally:
        await engine.dispose()
    assert REQUESTS[0][1] == "red" and first.sla_breached_at is not None
    staff_50 = {s.phone for s in STAFF if s.area_code in ("50", "5001")}
    about_first = [n for n in told if n.request_id == first.id]
    assert {n.address for n in about_first} == staff_50
    assert all(n.channel == "console" and n.state == Delivery.SENT for n in about_first)
    console = [json.loads(line) for line in (tmp_path / MESSAGES_FILE).read_text().splitlines()]
    assert {m["to"] for m in console if first.code in m["text"]} >= staff_50
    assert {"request.claimed", "volunteer.verified", "request.nearby"} <= kinds
