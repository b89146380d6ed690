"""What each status set decides, status by status: who is forgotten, who expires, who is on the map.

The sets are written here from product.md (P3 and the retention rule), not copied from
`states.FINAL` / `ACTIVE` / `TAKEN`, and every status is tried, so leaving one out of a set or
adding one to it fails: a resolved request kept forever, an active one anonymised, an
in-progress one that never expires.
"""

from datetime import timedelta

import pytest

from jitasa.accounts.models import User
from jitasa.core.words import Role
from jitasa.help_requests import jobs, lifecycle
from jitasa.help_requests.models import HelpRequest
from jitasa.help_requests.states import Actor, CloseReason, Status
from tests.factories import bearer, make_user
from tests.help_requests.job_helpers import (
    PHONE,
    age,
    claimed_request,
    new_request,
    reload,
    run_job,
)

FINISHED = {"resolved", "cancelled", "closed", "expired"}
STILL_ACTIVE = {"open", "claimed", "in_progress"}
HELD_BY_A_VOLUNTEER = {"claimed", "in_progress"}
THAILAND = "97.3,5.6,105.7,20.5"


def test_every_status_is_either_finished_or_still_active():
    assert {s.value for s in Status} == FINISHED | STILL_ACTIVE
    assert HELD_BY_A_VOLUNTEER <= STILL_ACTIVE


# How each status is reached, through the state machine (so map counts and timelines follow).
ROUTE = {
    "open": [],
    "claimed": [],
    "in_progress": [(Status.IN_PROGRESS, Actor.CLAIMER)],
    "resolved": [(Status.RESOLVED, Actor.CLAIMER)],
    "cancelled": [(Status.CANCELLED, Actor.REQUESTER)],
    "closed": [(Status.CLOSED, Actor.AREA_STAFF)],
    "expired": [(Status.EXPIRED, Actor.SYSTEM)],
}


async def request_in(session, status: str) -> tuple[HelpRequest, User]:
    """Create a request, have a volunteer claim it unless it stays open, and move it on."""
    if status == "open":
        return await new_request(session), await make_user(session, roles=[Role.VOLUNTEER])
    help_request = await claimed_request(session)
    claimer = await session.get(User, help_request.claimed_by_id)
    for to, actor in ROUTE[status]:
        await lifecycle.transition(
            session,
            help_request=help_request,
            user=None,
            to=to,
            reason=CloseReason.UNREACHABLE if to == Status.CLOSED else None,
            actors={actor},
        )
    await session.commit()
    assert help_request.status == status
    return help_request, claimer


@pytest.mark.parametrize("status", sorted(FINISHED | STILL_ACTIVE))
async def test_only_finished_requests_lose_their_personal_data(session, engine, status):
    help_request, _claimer = await request_in(session, status)
    long_ago = timedelta(days=400)
    await age(session, help_request, created_at=long_ago, updated_at=long_ago, closed_at=long_ago)

    anonymised = await run_job(engine, jobs.anonymise_closed, retention_days=90)

    help_request = await reload(session, help_request)
    if status in FINISHED:
        assert anonymised == 1
        assert (help_request.contact_phone, help_request.contact_name) == ("", "")
        assert help_request.anonymised_at is not None
    else:  # whoever is helping still needs the phone number, however old the request
        assert anonymised == 0
        assert (help_request.contact_phone, help_request.anonymised_at) == (PHONE, None)


@pytest.mark.parametrize("status", sorted(FINISHED | STILL_ACTIVE))
async def test_every_active_request_expires_and_no_finished_one_moves(session, engine, status):
    help_request, _claimer = await request_in(session, status)
    await age(session, help_request, updated_at=timedelta(days=30))

    expired = await run_job(engine, jobs.expire)

    help_request = await reload(session, help_request)
    if status in STILL_ACTIVE:
        assert (expired, help_request.status) == (1, "expired")
    else:
        assert (expired, help_request.status) == (0, status)


@pytest.mark.parametrize("status", sorted(FINISHED | STILL_ACTIVE))
async def test_the_map_shows_active_requests_only(client, session, status):
    await request_in(session, status)

    response = await client.get("/api/v1/map", params={"bbox": THAILAND, "zoom": 6})

    assert response.status_code == 200, response.text
    assert response.json()["totals"] == {"requests": 1 if status in STILL_ACTIVE else 0}


@pytest.mark.parametrize("status", sorted(FINISHED | STILL_ACTIVE))
async def test_my_tasks_are_the_requests_i_hold(client, session, status):
    help_request, claimer = await request_in(session, status)
    response = await client.get("/api/v1/requests/tasks", headers=await bearer(session, claimer))

    assert response.status_code == 200, response.text
    listed = [task["id"] for task in response.json()]
    assert (help_request.id in listed) is (status in HELD_BY_A_VOLUNTEER)
