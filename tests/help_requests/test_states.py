"""The state machine, walked exhaustively: every (from, to) pair for every kind of person.

The expectations are written here from product.md P3, not copied from `states.TRANSITIONS`,
so that this test can disagree with the code.
"""

import itertools

import pytest

from jitasa.core.words import Role
from jitasa.help_requests.states import Status
from tests.factories import bearer, make_user, make_volunteer
from tests.help_requests.helpers import events_of, field_names, make_request, put_in_status, reload

REQUESTER, CLAIMER, STAFF, VOLUNTEER, ANONYMOUS = (
    "requester",
    "claimer",
    "area_staff",
    "other_volunteer",
    "anonymous",
)
ACTORS = [REQUESTER, CLAIMER, STAFF, VOLUNTEER, ANONYMOUS]

# Who may move a request by POST /transition (P3: the requester cancels or confirms it was
# resolved; the claiming volunteer starts, releases or resolves; area staff do all but cancel).
BY_HAND = {
    ("open", "cancelled"): {REQUESTER},
    ("open", "closed"): {STAFF},
    ("claimed", "in_progress"): {CLAIMER, STAFF},
    ("claimed", "open"): {CLAIMER, STAFF},
    ("claimed", "resolved"): {CLAIMER, STAFF, REQUESTER},
    ("claimed", "cancelled"): {REQUESTER},
    ("claimed", "closed"): {STAFF},
    ("in_progress", "open"): {CLAIMER, STAFF},
    ("in_progress", "resolved"): {CLAIMER, STAFF, REQUESTER},
    ("in_progress", "cancelled"): {REQUESTER},
    ("in_progress", "closed"): {STAFF},
}
# Moves that exist but nobody makes by hand: only the system lets a request expire.
BY_THE_SYSTEM = {("open", "expired"), ("claimed", "expired"), ("in_progress", "expired")}
# Claiming is its own endpoint (atomic, with its own checks), never a /transition.
CLAIM_ONLY = {("open", "claimed")}
FINISHED = {"resolved", "cancelled", "closed", "expired"}
STATUSES = [s.value for s in Status]


def expected_answer(from_status: str, to_status: str, actor: str) -> tuple[int, str | None]:
    """Return the status code (and problem code) the table above expects."""
    if actor == ANONYMOUS:
        return 401, "auth.required"
    move = (from_status, to_status)
    if move in BY_HAND:
        return (200, None) if actor in BY_HAND[move] else (403, "auth.forbidden")
    if move in BY_THE_SYSTEM:
        return 403, "auth.forbidden"
    return 409, "request.illegal_move"


def test_the_table_covers_every_status_of_the_code():
    assert set(STATUSES) == {"open", "claimed", "in_progress", "resolved"} | FINISHED
    moves = set(BY_HAND) | BY_THE_SYSTEM | CLAIM_ONLY
    assert all(a in STATUSES and b in STATUSES for a, b in moves)
    assert not any(a in FINISHED for a, _b in moves), "finished requests never move again"


async def people(session, actor: str):
    """Create the request's people; return requester, claimer and the actor's headers."""
    requester = await make_user(session, roles=[Role.REQUESTER])
    claimer = await make_user(session, roles=[Role.VOLUNTEER])
    acting = {REQUESTER: requester, CLAIMER: claimer, ANONYMOUS: None}.get(actor)
    if actor == STAFF:
        acting = await make_user(session, roles=[Role.COORDINATOR], area_code="5001")
    elif actor == VOLUNTEER:
        acting = await make_user(session, roles=[Role.VOLUNTEER])
    headers = await bearer(session, acting) if acting is not None else {}
    return requester, claimer, acting, headers


@pytest.mark.parametrize(
    ("from_status", "to_status", "actor"),
    list(itertools.product(STATUSES, STATUSES, ACTORS)),
    ids=lambda value: value,
)
async def test_every_move_for_every_actor(client, session, from_status, to_status, actor):
    requester, claimer, acting, headers = await people(session, actor)
    help_request = await make_request(session, requester=requester)
    # An open request has no claimer (a release forgets them); every other one has one.
    await put_in_status(
        session, help_request, from_status, claimed_by=None if from_status == "open" else claimer
    )
    events_before = len(await events_of(session, help_request.id))
    body = {"to": to_status, "note": f"{actor} moves it"}
    if to_status == "closed":
        body["reason"] = "unreachable"

    response = await client.post(
        f"/api/v1/requests/{help_request.id}/transition", json=body, headers=headers
    )

    status_code, problem_code = expected_answer(from_status, to_status, actor)
    assert response.status_code == status_code, response.text
    stored = await reload(session, help_request.id)
    events = await events_of(session, help_request.id)
    if status_code != 200:
        assert response.json()["code"] == problem_code
        assert stored.status == from_status
        assert len(events) == events_before
        return
    assert response.json()["status"] == to_status
    assert stored.status == to_status
    (event,) = events[events_before:]
    assert (event.from_status, event.to_status, event.actor_id) == (
        from_status,
        to_status,
        acting.id,
    )
    assert event.note == f"{actor} moves it"
    assert event.kind == ("released" if to_status == "open" else to_status)
    if to_status == "open":
        assert (stored.claimed_by_id, stored.claimed_at) == (None, None)
    if to_status in FINISHED:
        assert stored.closed_at is not None
    if to_status == "closed":
        assert (stored.close_reason, event.reason) == ("unreachable", "unreachable")


@pytest.mark.parametrize("from_status", ["open", "claimed", "in_progress"])
async def test_closing_without_a_reason_names_reason(client, session, from_status):
    claimer = await make_user(session, roles=[Role.VOLUNTEER])
    help_request = await make_request(session)
    await put_in_status(
        session, help_request, from_status, claimed_by=None if from_status == "open" else claimer
    )
    staff = await make_user(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await client.post(
        f"/api/v1/requests/{help_request.id}/transition",
        json={"to": "closed"},
        headers=await bearer(session, staff),
    )
    assert response.status_code == 422, response.text
    assert field_names(response) == {"reason"}
    assert (await reload(session, help_request.id)).status == from_status


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"to": "closed", "reason": "bored"}, "reason"),
        ({"to": "teleported"}, "to"),
        ({}, "to"),
        ({"to": "resolved", "note": "x" * 1001}, "note"),
    ],
)
async def test_bad_transition_body_names_the_field(client, session, body, field):
    help_request = await make_request(session)
    staff = await make_user(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await client.post(
        f"/api/v1/requests/{help_request.id}/transition",
        json=body,
        headers=await bearer(session, staff),
    )
    assert response.status_code == 422, response.text
    assert field in field_names(response)


async def test_every_close_reason_of_the_spec_is_accepted(client, session):
    staff = await make_user(session, roles=[Role.COORDINATOR], area_code="5001")
    headers = await bearer(session, staff)
    reasons = ["duplicate", "unreachable", "out_of_scope", "done_by_others", "no_longer_needed"]
    for reason in reasons:
        help_request = await make_request(session)
        response = await client.post(
            f"/api/v1/requests/{help_request.id}/transition",
            json={"to": "closed", "reason": reason},
            headers=headers,
        )
        assert response.status_code == 200, (reason, response.text)
        assert response.json()["close_reason"] == reason


async def test_coordinator_of_another_district_may_not_move_the_request(client, session):
    help_request = await make_request(session)
    staff = await make_user(session, roles=[Role.COORDINATOR], area_code="5002")
    response = await client.post(
        f"/api/v1/requests/{help_request.id}/transition",
        json={"to": "closed", "reason": "unreachable"},
        headers=await bearer(session, staff),
    )
    assert response.status_code == 403
    assert (await reload(session, help_request.id)).status == "open"


async def test_moving_an_unknown_request_is_not_found(client, session):
    staff = await make_user(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await client.post(
        "/api/v1/requests/999999/transition",
        json={"to": "closed", "reason": "unreachable"},
        headers=await bearer(session, staff),
    )
    assert response.status_code == 404


async def test_whole_life_of_a_request_is_on_its_timeline(client, session):
    requester = await make_user(session)
    help_request = await make_request(session, requester=requester)
    claimer = await make_user(session, roles=[Role.VOLUNTEER])
    await make_volunteer(session, user=claimer)  # at home near the request
    claimer_headers = await bearer(session, claimer)
    url = f"/api/v1/requests/{help_request.id}"
    assert (await client.post(f"{url}/claim", headers=claimer_headers)).status_code == 200
    for to_status in ("in_progress", "resolved"):
        moved = await client.post(
            f"{url}/transition",
            json={"to": to_status, "note": "on my way"},
            headers=claimer_headers,
        )
        assert moved.status_code == 200, moved.text
    timeline = await client.get(f"{url}/events", headers=await bearer(session, requester))
    assert timeline.status_code == 200, timeline.text
    assert [(e["kind"], e["from_status"], e["to_status"]) for e in timeline.json()] == [
        ("created", None, "open"),
        ("claimed", "open", "claimed"),
        ("in_progress", "claimed", "in_progress"),
        ("resolved", "in_progress", "resolved"),
    ]
    assert {e["actor_id"] for e in timeline.json()[1:]} == {claimer.id}
