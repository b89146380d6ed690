"""Reads of personal data are audited by the services, so the API, the pages and scripts agree."""

from sqlalchemy import select

from jitasa.audit.models import AuditEntry
from jitasa.core.words import Role
from jitasa.help_requests import reads
from jitasa.volunteers import service as volunteers_service
from tests.factories import make_user, make_volunteer, signed_in
from tests.help_requests.helpers import make_request

HTML = {"Accept": "text/html"}
PERSONAL = {"contact_name": "คุณยายสมศรี", "contact_phone": "089 765 4321"}


async def personal_data_reads(session) -> list[AuditEntry]:
    """Return the audit log's personal data reads, oldest first."""
    statement = (
        select(AuditEntry).where(AuditEntry.action == "personal_data.read").order_by(AuditEntry.id)
    )
    return list((await session.scalars(statement)).all())


async def test_staff_reading_a_request_page_is_audited_like_the_api(client, session):
    help_request = await make_request(session, **PERSONAL)
    staff_user, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    page = await client.get(f"/requests/{help_request.id}", headers={**HTML, **headers})
    assert page.status_code == 200 and "คุณยายสมศรี" in page.text
    api = await client.get(f"/api/v1/requests/{help_request.id}", headers=headers)
    assert api.json()["contact_name"] == "คุณยายสมศรี"
    page_read, api_read = await personal_data_reads(session)
    for read in (page_read, api_read):
        assert (read.actor_id, read.subject_type) == (staff_user.id, "help_request")
        assert (read.subject_id, read.area_code) == (str(help_request.id), "5001")


async def test_the_requesters_own_page_is_not_a_personal_data_read(client, session):
    requester, headers = await signed_in(session)
    help_request = await make_request(session, requester=requester, **PERSONAL)
    page = await client.get(f"/requests/{help_request.id}", headers={**HTML, **headers})
    assert "คุณยายสมศรี" in page.text
    assert await personal_data_reads(session) == []


async def test_a_read_through_the_service_alone_is_audited(session):
    help_request = await make_request(session, **PERSONAL)
    staff_user = await make_user(session, roles=[Role.COORDINATOR], area_code="50")
    shown = await reads.read_one(
        session, help_request=help_request, reader=staff_user, client_ip="cli"
    )
    await session.commit()
    assert shown["contact_phone"] == "+66897654321"
    (read,) = await personal_data_reads(session)
    assert (read.actor_id, read.client_ip) == (staff_user.id, "cli")


async def test_an_admins_list_of_everywhere_is_full_and_audited(client, session):
    await make_request(session, **PERSONAL)
    admin, headers = await signed_in(session, roles=[Role.ADMIN])
    listed = await client.get("/api/v1/requests", headers=headers)
    assert listed.json()["items"][0]["contact_phone"] == "+66897654321"
    (read,) = await personal_data_reads(session)
    assert (read.actor_id, read.area_code, read.details["count"]) == (admin.id, None, 1)


async def test_a_coordinators_list_of_everywhere_is_public_and_not_audited(client, session):
    await make_request(session, **PERSONAL)
    _staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    listed = await client.get("/api/v1/requests", headers=headers)
    assert "contact_phone" not in listed.json()["items"][0]
    assert await personal_data_reads(session) == []


async def test_a_volunteer_list_through_the_service_alone_is_audited(session):
    await make_volunteer(session)
    coordinator = await make_user(session, roles=[Role.COORDINATOR], area_code="5001")
    found, _cursor = await volunteers_service.list_volunteers(
        session,
        reader=coordinator,
        client_ip="cli",
        area_prefix="5001",
        verified=None,
        limit=10,
        cursor=None,
    )
    await session.commit()
    assert len(found) == 1
    (read,) = await personal_data_reads(session)
    assert (read.actor_id, read.subject_type, read.details["count"]) == (
        coordinator.id,
        "volunteers",
        1,
    )
