"""Claiming, releasing and assigning requests: one winner of any race, and who may take what."""

import asyncio

import pytest

from jitasa.core.thai import format_moment
from jitasa.core.words import Role
from tests.factories import signed_in
from tests.help_requests.helpers import CHOM_THONG, events_of, make_request, reload, volunteer

CLAIMERS = 200


async def claim(client, request_id: int, headers: dict[str, str]):
    """Claim a request as the signed-in volunteer."""
    return await client.post(f"/api/v1/requests/{request_id}/claim", headers=headers)


async def test_of_200_simultaneous_claims_exactly_one_wins(client, session):
    help_request = await make_request(session)
    volunteers = [await volunteer(session) for _ in range(CLAIMERS)]

    responses = await asyncio.gather(
        *(claim(client, help_request.id, headers) for _profile, headers in volunteers)
    )

    codes = [r.status_code for r in responses]
    assert (codes.count(200), codes.count(409)) == (1, CLAIMERS - 1), sorted(set(codes))
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"request.not_open"}
    winner = next(i for i, r in enumerate(responses) if r.status_code == 200)
    winner_user_id = volunteers[winner][0].user_id
    assert responses[winner].json()["claimed_by_id"] == winner_user_id
    stored = await reload(session, help_request.id)
    assert (stored.status, stored.claimed_by_id) == ("claimed", winner_user_id)
    claimed = [e for e in await events_of(session, help_request.id) if e.kind == "claimed"]
    assert [(e.actor_id, e.from_status, e.to_status) for e in claimed] == [
        (winner_user_id, "open", "claimed")
    ]


async def test_second_claim_of_a_claimed_request_gets_conflict(client, session):
    help_request = await make_request(session)
    (_first, first_headers), (_second, second_headers) = [await volunteer(session) for _ in "ab"]
    assert (await claim(client, help_request.id, first_headers)).status_code == 200
    second = await claim(client, help_request.id, second_headers)
    assert second.status_code == 409
    assert second.json()["code"] == "request.not_open"


@pytest.mark.parametrize(
    ("category", "urgency"),
    [("oxygen", "red"), ("medicine", "yellow"), ("patient_transport", "red")],
)
async def test_unverified_volunteer_cannot_claim_medical_or_transport(
    client, session, category, urgency
):
    help_request = await make_request(session, category=category, urgency=urgency)
    _profile, headers = await volunteer(session, verified=False)
    response = await claim(client, help_request.id, headers)
    assert response.status_code == 403
    assert response.json()["code"] == "auth.unverified_volunteer"
    assert (await reload(session, help_request.id)).status == "open"


async def test_unverified_volunteer_cannot_claim_body_transport(client, session):
    help_request = await make_request(session, category="body_transport", urgency="urgent")
    _profile, headers = await volunteer(session, verified=False)
    response = await claim(client, help_request.id, headers)
    assert response.status_code == 403
    assert response.json()["code"] == "auth.unverified_volunteer"


async def test_unverified_volunteer_may_claim_food_and_supplies(client, session):
    help_request = await make_request(session, category="food_supplies")
    profile, headers = await volunteer(session, verified=False)
    response = await claim(client, help_request.id, headers)
    assert response.status_code == 200, response.text
    assert response.json()["claimed_by_id"] == profile.user_id


async def test_verified_volunteer_may_claim_oxygen(client, session):
    help_request = await make_request(session, category="oxygen", urgency="red")
    _profile, headers = await volunteer(session)
    response = await claim(client, help_request.id, headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "claimed"


async def test_requester_without_volunteer_role_cannot_claim(client, session):
    help_request = await make_request(session)
    _requester, headers = await signed_in(session)
    response = await claim(client, help_request.id, headers)
    assert response.status_code == 403
    assert response.json()["code"] == "auth.forbidden"


async def test_anonymous_cannot_claim(client, session):
    help_request = await make_request(session)
    response = await client.post(f"/api/v1/requests/{help_request.id}/claim")
    assert response.status_code == 401


async def test_claiming_an_unknown_request_is_not_found(client, session):
    _profile, headers = await volunteer(session)
    response = await claim(client, 999999, headers)
    assert response.status_code == 404
    assert response.json()["code"] == "request.not_found"


async def test_claim_replayed_with_its_idempotency_key_gets_the_same_answer(client, session):
    help_request = await make_request(session)
    _profile, headers = await volunteer(session)
    keyed = {**headers, "Idempotency-Key": "claim-once"}
    first = await claim(client, help_request.id, keyed)
    second = await claim(client, help_request.id, keyed)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json() == first.json()
    claimed = [e for e in await events_of(session, help_request.id) if e.kind == "claimed"]
    assert len(claimed) == 1


async def test_released_request_is_open_again_and_another_volunteer_may_claim(client, session):
    help_request = await make_request(session)
    (first, first_headers), (second, second_headers) = [await volunteer(session) for _ in "ab"]
    assert (await claim(client, help_request.id, first_headers)).status_code == 200

    released = await client.post(
        f"/api/v1/requests/{help_request.id}/transition",
        json={"to": "open", "note": "my motorbike broke down"},
        headers=first_headers,
    )
    assert released.status_code == 200, released.text
    assert released.json()["status"] == "open"
    stored = await reload(session, help_request.id)
    assert (stored.status, stored.claimed_by_id, stored.claimed_at) == ("open", None, None)

    again = await claim(client, help_request.id, second_headers)
    assert again.status_code == 200, again.text
    assert again.json()["claimed_by_id"] == second.user_id
    kinds = [(e.kind, e.actor_id) for e in await events_of(session, help_request.id)]
    assert kinds[1:] == [
        ("claimed", first.user_id),
        ("released", first.user_id),
        ("claimed", second.user_id),
    ]


async def test_area_coordinator_assigns_then_reassigns_a_request(client, session):
    help_request = await make_request(session, category="oxygen", urgency="red")
    (first, first_headers), (second, _) = [await volunteer(session) for _ in "ab"]
    coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")

    assigned = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": first.id},
        headers=headers,
    )
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["status"], assigned.json()["claimed_by_id"]) == (
        "claimed",
        first.user_id,
    )
    reassigned = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": second.id, "note": "closer to the patient", "reassign": True},
        headers=headers,
    )
    assert reassigned.status_code == 200, reassigned.text
    assert (reassigned.json()["status"], reassigned.json()["claimed_by_id"]) == (
        "claimed",
        second.user_id,
    )
    assigned_events = [e for e in await events_of(session, help_request.id) if "assigned" in e.kind]
    assert [(e.kind, e.actor_id, e.from_status, e.to_status) for e in assigned_events] == [
        ("assigned", coordinator.id, "open", "claimed"),
        ("assigned", coordinator.id, "claimed", "claimed"),
    ]
    assert assigned_events[1].note == "closer to the patient"
    assert assigned_events[1].details == {
        "to_user_id": second.user_id,
        "from_user_id": first.user_id,
    }
    no_longer_theirs = await client.post(
        f"/api/v1/requests/{help_request.id}/transition",
        json={"to": "resolved"},
        headers=first_headers,
    )
    assert no_longer_theirs.status_code == 403


async def test_assigning_over_a_claim_made_meanwhile_is_a_conflict_not_a_lost_claim(
    client, session
):
    """The coordinator opened an open request; a volunteer claimed it; the coordinator, not
    knowing, assigns it to someone else: 409 saying who holds it since when, claim kept."""
    help_request = await make_request(session)
    (claimer, claimer_headers), (other, _) = [await volunteer(session) for _ in "ab"]
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    assert (await client.get(f"/api/v1/requests/{help_request.id}", headers=headers)).json()[
        "status"
    ] == "open"
    claim = await client.post(f"/api/v1/requests/{help_request.id}/claim", headers=claimer_headers)
    assert claim.status_code == 200, claim.text

    stale = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": other.id},
        headers=headers,
    )
    assert stale.status_code == 409, stale.text
    problem = stale.json()
    assert problem["code"] == "request.taken"
    assert problem["current"]["claimed_by_id"] == claimer.user_id
    assert problem["current"]["status"] == "claimed" and problem["current"]["claimed_at"]
    assert problem["current"]["claimed_at"] not in problem["detail"]  # a time people read:
    claimed_at = (await reload(session, help_request.id)).claimed_at
    assert format_moment(claimed_at, "en") in problem["detail"]  # "30 Nov 2026 16:00"
    assert f"รับคำขอนี้ไว้ตั้งแต่ {format_moment(claimed_at, 'th')}" in problem["detail_th"]
    kept = await reload(session, help_request.id)
    assert kept.claimed_by_id == claimer.user_id

    again = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": claimer.id},
        headers=headers,
    )
    # To the one who holds it: nothing is taken from anyone, and the coordinator is told so.
    assert (again.status_code, again.json()["code"]) == (409, "assign.already_theirs")


async def test_a_reassignment_is_audited_for_the_volunteer_who_lost_the_task(client, session):
    help_request = await make_request(session)
    (claimer, claimer_headers), (other, _) = [await volunteer(session) for _ in "ab"]
    coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    await client.post(f"/api/v1/requests/{help_request.id}/claim", headers=claimer_headers)
    taken = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": other.id, "reassign": True},
        headers=headers,
    )
    assert taken.status_code == 200, taken.text
    audit = await client.get(
        "/api/v1/audit", params={"action": "request.reassigned"}, headers=headers
    )
    (entry,) = audit.json()
    assert (entry["actor_id"], entry["subject_type"], entry["subject_id"]) == (
        coordinator.id,
        "user",
        str(claimer.user_id),
    )
    tasks = await client.get("/api/v1/requests/tasks", headers=claimer_headers)
    assert tasks.json() == []
    timeline = await client.get(f"/api/v1/requests/{help_request.id}/events", headers=headers)
    last = timeline.json()[-1]
    assert (last["kind"], last["details"]["from_user_id"]) == ("assigned", claimer.user_id)


async def test_province_coordinator_may_assign_in_its_districts(client, session):
    help_request = await make_request(session)
    profile, _headers = await volunteer(session)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")
    response = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": profile.id},
        headers=headers,
    )
    assert response.status_code == 200, response.text


async def test_coordinator_outside_the_area_cannot_assign(client, session):
    help_request = await make_request(session)
    profile, _headers = await volunteer(session)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5002")
    response = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": profile.id},
        headers=headers,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "auth.out_of_area"
    assert (await reload(session, help_request.id)).status == "open"


async def test_volunteer_cannot_assign(client, session):
    help_request = await make_request(session)
    profile, headers = await volunteer(session)
    response = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": profile.id},
        headers=headers,
    )
    assert response.status_code == 403


async def test_coordinator_cannot_assign_to_an_unverified_volunteer(client, session):
    help_request = await make_request(session, category="oxygen", urgency="red")
    profile, _headers = await volunteer(session, verified=False)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": profile.id},
        headers=headers,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "assign.unverified_volunteer"


async def test_assigning_an_unknown_volunteer_is_not_found(client, session):
    help_request = await make_request(session)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": 999999},
        headers=headers,
    )
    assert response.status_code == 404


@pytest.mark.parametrize("volunteer_id", [0, -3, "x"])
async def test_assign_with_a_bad_volunteer_id_names_it(client, session, volunteer_id):
    help_request = await make_request(session)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": volunteer_id},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "volunteer_id"


async def test_finished_request_cannot_be_assigned(client, session):
    help_request = await make_request(session)
    profile, _headers = await volunteer(session)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    closed = await client.post(
        f"/api/v1/requests/{help_request.id}/transition",
        json={"to": "closed", "reason": "unreachable"},
        headers=headers,
    )
    assert closed.status_code == 200, closed.text
    response = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": profile.id},
        headers=headers,
    )
    assert response.status_code == 409


async def test_request_in_another_district_is_out_of_area_for_a_district_coordinator(
    client, session
):
    help_request = await make_request(session, **CHOM_THONG)
    assert help_request.district_code == "5002"
    profile, _headers = await volunteer(session)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    response = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": profile.id},
        headers=headers,
    )
    assert response.status_code == 403
    assert response.json()["code"] == "auth.out_of_area"


async def test_claim_sent_twice_at_once_with_one_key_gets_the_same_answer(client, session):
    help_request = await make_request(session)
    _profile, headers = await volunteer(session)
    await client.get("/api/v1/me", headers=headers)  # the token is fresh: no write to sign in
    keyed = {**headers, "Idempotency-Key": "claim-from-offline-queue"}
    first, second = await asyncio.gather(*(claim(client, help_request.id, keyed) for _ in "ab"))
    assert (first.status_code, second.status_code) == (200, 200), second.text
    assert first.json() == second.json()


@pytest.mark.parametrize("ending", ["resolved", "cancelled"])
async def test_a_volunteer_sees_personal_data_only_while_holding_the_request(
    client, session, ending
):
    requester, requester_headers = await signed_in(session)
    help_request = await make_request(session, requester=requester)
    _volunteer, headers = await volunteer(session)
    assert (await claim(client, help_request.id, headers)).status_code == 200
    url = f"/api/v1/requests/{help_request.id}"
    assert (await client.get(url, headers=headers)).json()["contact_phone"] is not None

    who = headers if ending == "resolved" else requester_headers
    ended = await client.post(f"{url}/transition", json={"to": ending}, headers=who)
    assert ended.status_code == 200, ended.text

    after = await client.get(url, headers=headers)
    assert after.status_code == 200
    assert "contact_phone" not in after.json() or after.json()["contact_phone"] is None
    assert (await client.get(f"{url}/events", headers=headers)).status_code == 403
