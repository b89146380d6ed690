"""The roster of an area's volunteers, and refusing a volunteer from the verification queue."""

from sqlalchemy import select

from jitasa.accounts.models import User
from jitasa.audit.models import AuditEntry
from jitasa.core.words import Role
from jitasa.volunteers.models import Volunteer
from tests.dashboard.helpers import HTML
from tests.factories import signed_in
from tests.help_requests.helpers import CHOM_THONG, make_request, volunteer
from tests.help_requests.test_request_pages import csrf, sign_in


async def test_roster_shows_verification_kind_activity_and_tasks(client, session):
    busy, _ = await volunteer(session, kind="vhv", vehicle="pickup", skills=["first aid"])
    user = await session.get(User, busy.user_id)
    user.display_name = "สมศรี ใจดี"
    for status in ("claimed", "in_progress", "resolved"):
        r = await make_request(session)
        r.status, r.claimed_by_id = status, busy.user_id
    waiting, _ = await volunteer(session, verified=False)
    elsewhere, _ = await volunteer(session, home_lat=CHOM_THONG["lat"], home_lon=CHOM_THONG["lon"])
    await session.commit()
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="5001")

    page = await client.get("/roster", headers=HTML)

    assert page.status_code == 200
    text = page.text
    row = text.split(f'data-volunteer-id="{busy.id}"')[1].split("</tr>")[0]
    assert "สมศรี ใจดี" in row and "รับรองแล้ว" in row and "first aid" in row
    assert "อสม." in row and "กระบะ" in row
    assert '<td class="n">2</td><td class="n">1</td>' in row  # open and done
    assert f'data-volunteer-id="{waiting.id}"' in text
    assert f'data-volunteer-id="{elsewhere.id}"' not in text
    assert (await client.get("/roster?area=5002", headers=HTML)).status_code == 403


async def test_refused_volunteer_leaves_the_queue_with_the_reason(client, session):
    profile, _ = await volunteer(session, verified=False)
    coordinator = await sign_in(client, session, roles=[Role.COORDINATOR], area_code="5001")
    queue = await client.get("/coordinator/volunteers", headers=HTML)
    assert f"/coordinator/volunteers/{profile.id}/refuse" in queue.text

    refused = await client.post(
        f"/coordinator/volunteers/{profile.id}/refuse",
        data={"csrf_token": await csrf(client), "reason": "unreachable"},
        headers=HTML,
    )
    assert refused.status_code == 303
    queue = await client.get("/coordinator/volunteers", headers=HTML)
    assert f"/coordinator/volunteers/{profile.id}/refuse" not in queue.text
    stored = await session.get(Volunteer, profile.id, populate_existing=True)
    assert (stored.refusal_reason, stored.refused_by_id) == ("unreachable", coordinator.id)
    entry = await session.scalar(select(AuditEntry).where(AuditEntry.action == "volunteer.refused"))
    assert entry is not None and entry.actor_id == coordinator.id
    roster = (await client.get("/roster", headers=HTML)).text
    assert "ติดต่อทางโทรศัพท์ไม่ได้" in roster


async def test_refusing_by_api_names_a_bad_reason_and_a_verified_volunteer(client, session):
    profile, _ = await volunteer(session, verified=False)
    done, _ = await volunteer(session)
    _coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    bad = await client.post(
        f"/api/v1/volunteers/{profile.id}/refuse", json={"reason": "nope"}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "reason"
    ok = await client.post(
        f"/api/v1/volunteers/{profile.id}/refuse", json={"reason": "other_area"}, headers=headers
    )
    assert ok.status_code == 200 and ok.json()["refusal_reason"] == "other_area"
    again = await client.post(
        f"/api/v1/volunteers/{done.id}/refuse", json={"reason": "other_area"}, headers=headers
    )
    assert again.status_code == 409
    verified = await client.post(f"/api/v1/volunteers/{profile.id}/verify", headers=headers)
    assert verified.status_code == 200 and verified.json()["refused_at"] is None
