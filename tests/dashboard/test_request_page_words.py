"""The request page as staff and requesters read it: names for staff, true words, own language."""

from datetime import timedelta

from jitasa.accounts.models import User
from jitasa.core.db import utcnow
from jitasa.core.words import Role
from jitasa.help_requests import assigning, jobs
from jitasa.help_requests.models import HelpRequest
from tests.dashboard.helpers import HTML
from tests.factories import make_user
from tests.help_requests.helpers import make_request, volunteer
from tests.help_requests.job_helpers import run_job
from tests.help_requests.test_request_pages import csrf, sign_in


async def _named_volunteer(session, name: str, **profile):
    """Make a verified volunteer with a display name."""
    profile_row, headers = await volunteer(session, **profile)
    user = await session.get(User, profile_row.user_id)
    user.display_name = name
    await session.commit()
    return profile_row, headers


async def test_staff_pick_a_volunteer_by_name_and_see_who_did_what(client, session):
    help_request = await make_request(session)
    await _named_volunteer(session, "สมศรี ใจดี", kind="vhv", vehicle="pickup")
    second, _ = await _named_volunteer(session, "นายแดง", home_lat=18.70, home_lon=98.95)
    await sign_in(
        client, session, roles=[Role.COORDINATOR], area_code="5001", display_name="ปลัดเอก"
    )

    page = (await client.get(f"/requests/{help_request.id}", headers=HTML)).text
    assert "สมศรี ใจดี" in page and "นายแดง" in page
    assert page.index("สมศรี ใจดี") < page.index("นายแดง")  # nearest first
    assert "อสม." in page and "กระบะ" in page and "รับเรื่องอยู่ 0 รายการ" in page
    assert "volunteer number" not in page and "หมายเลขอาสาสมัคร" not in page

    token = await csrf(client)
    assigned = await client.post(
        f"/api/v1/requests/{help_request.id}/assign",
        json={"volunteer_id": second.id},
        headers={"X-CSRF-Token": token},
    )
    assert assigned.status_code == 200, assigned.text
    page = (await client.get(f"/requests/{help_request.id}", headers=HTML)).text
    assert "นายแดง รับเรื่องอยู่" in page  # the holder, named
    assert "มอบให้ นายแดง" in page and "(ปลัดเอก)" in page  # the timeline names both
    assert 'name="reassign"' in page  # taking it back needs a tick


async def test_requesters_read_parts_not_names_on_the_timeline(client, session):
    requester = await sign_in(client, session)
    help_request = await make_request(session, requester=requester)
    helper, _ = await _named_volunteer(session, "นายแดง")
    staff = await make_user(session, roles=[Role.COORDINATOR], area_code="5001")
    staff.display_name = "ปลัดเอก"
    await assigning.assign(session, help_request=help_request, staff=staff, volunteer_id=helper.id)
    await session.commit()
    page = (await client.get(f"/requests/{help_request.id}", headers=HTML)).text
    timeline = page[page.index('<ol class="timeline"') :]
    timeline = timeline[: timeline.index("</ol>")]
    assert 'data-kind="assigned"' in timeline
    assert "นายแดง" not in timeline and "ปลัดเอก" not in timeline
    # Who is coming is told to the family by name, apart from the timeline (issue 13).
    assert "นายแดง" in page and "ปลัดเอก" not in page


async def test_past_sla_note_is_true_and_in_the_readers_language(client, session, engine):
    requester = await sign_in(client, session)
    help_request = await make_request(session, requester=requester, urgency="urgent")
    await session.execute(
        HelpRequest.__table__.update()
        .where(HelpRequest.id == help_request.id)
        .values(created_at=utcnow() - timedelta(hours=2))
    )
    await session.commit()
    assert await run_job(engine, jobs.flag_past_sla) == 1

    thai = (await client.get(f"/requests/{help_request.id}", headers=HTML)).text
    assert "รอนานเกินเวลาที่กำหนด" in thai
    assert "ยังไม่มีผู้รับเรื่องเกินเวลา 60 นาที" in thai and "ด่วน" in thai
    assert "แจ้งเจ้าหน้าที่แล้ว" not in thai and "Still open after" not in thai
    english = (await client.get(f"/requests/{help_request.id}?lang=en", headers=HTML)).text
    assert "Still open after the 60-minute limit for Urgent requests." in english
    assert "officials were alerted" not in english


async def test_staff_do_not_see_a_take_button_that_would_refuse_them(client, session):
    oxygen = await make_request(session, category="oxygen", urgency="red", consent=True)
    food = await make_request(session)
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="5001")
    # A coordinator is no verified volunteer: a medical request would answer 403.
    page = (await client.get(f"/requests/{oxygen.id}", headers=HTML)).text
    assert 'data-kind="claim"' not in page
    page = (await client.get(f"/requests/{food.id}", headers=HTML)).text
    assert 'data-kind="claim"' in page
