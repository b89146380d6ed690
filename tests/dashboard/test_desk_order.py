"""The desk's queue, read group by group, is the area's requests in `queue_order`, counted."""

import random

from sqlalchemy import func, select

from jitasa.core.words import Role
from jitasa.help_requests import desk
from jitasa.help_requests.models import HelpRequest
from tests.dashboard.helpers import aged
from tests.factories import make_user
from tests.help_requests.helpers import CHOM_THONG

KINDS = [("food_supplies", "urgent"), ("food_supplies", "normal"), ("oxygen", "red")]
KINDS += [("oxygen", "yellow"), ("oxygen", "green")]
STATUSES = ["open", "open", "claimed", "in_progress", "resolved", "closed"]


async def test_queue_equals_one_ordered_query_for_any_limit_and_filter(session):
    rng = random.Random(5)
    for _ in range(45):
        category, urgency = rng.choice(KINDS)
        status = rng.choice(STATUSES)
        await aged(
            session,
            minutes=rng.choice([5, 30, 30, 600, 2000]),  # ties on age are ordered by id
            past_sla=status == "open" and rng.random() < 0.4,
            status=status,
            category=category,
            urgency=urgency,
            **(CHOM_THONG if rng.random() < 0.3 else {}),
        )
    staff = await make_user(session, roles=[Role.ADMIN])
    checked = 0
    for area in (None, "50", "5002"):
        for statuses, categories, urgencies in (
            ([], [], []),
            (["open"], [], []),
            (["claimed", "in_progress", "resolved"], ["oxygen"], []),
            ([], [], ["red", "normal"]),
        ):
            expected = select(HelpRequest)
            if area:
                expected = expected.where(HelpRequest.area_code.startswith(area))
            expected = desk.service.kind_filters(
                expected,
                statuses=statuses or ["open", "claimed", "in_progress"],
                categories=categories,
                urgencies=urgencies,
            )
            size = await session.scalar(select(func.count()).select_from(expected.subquery()))
            for limit in (1, 4, 200):
                order = expected.order_by(*desk.queue_order()).limit(limit)
                wanted = [r.code for r in await session.scalars(order)]
                found, total = await desk.queue(
                    session,
                    staff=staff,
                    area=area,
                    statuses=statuses,
                    categories=categories,
                    urgencies=urgencies,
                    client_ip="127.0.0.1",
                    limit=limit,
                )
                assert ([r.code for r in found], total) == (wanted, size), (area, limit)
                checked += len(wanted)
    assert checked > 100
