"""The incidents admin page: make default, close, reopen and archive with one button each."""

from sqlalchemy import select

from jitasa.core.words import Role
from jitasa.incidents.models import Incident
from jitasa.incidents.schemas import IncidentCreate
from jitasa.incidents.service import create
from tests.help_requests.test_request_pages import HTML, csrf, sign_in

FLOODS = IncidentCreate(
    code="floods-page",
    name_th="น้ำท่วม",
    name_en="Floods",
    categories=[{"code": "evacuation", "name_th": "อพยพ", "name_en": "Evacuation"}],
)


async def state_of(session, code: str) -> tuple[str, bool]:
    """Return an incident's state and default flag as the database has them."""
    session.expire_all()
    incident = await session.scalar(select(Incident).where(Incident.code == code))
    return incident.state, incident.is_default


async def test_admin_moves_the_default_closes_and_archives_from_the_page(client, session):
    await create(session, incident_in=FLOODS)
    await session.commit()
    await sign_in(client, session, roles=[Role.ADMIN])
    page = await client.get("/admin/incidents?lang=en", headers=HTML)
    assert 'value="default"' in page.text and "Default incident" in page.text

    async def press(code: str, action: str):
        form = {"csrf_token": await csrf(client), "code": code, "action": action}
        return await client.post("/admin/incidents/change?lang=en", data=form, headers=HTML)

    refused = await press("covid-19", "close")
    assert refused.status_code == 409
    assert "make another incident the default first" in refused.text
    moved = await press("floods-page", "default")
    assert moved.status_code == 303
    assert moved.headers["location"] == "/admin/incidents?changed=floods-page"
    assert await state_of(session, "floods-page") == ("active", True)
    assert (await press("covid-19", "close")).status_code == 303
    assert await state_of(session, "covid-19") == ("closed", False)
    assert (await press("covid-19", "archive")).status_code == 303
    assert await state_of(session, "covid-19") == ("archived", False)
    unknown = await press("covid-19", "explode")
    assert unknown.status_code == 422 and "Choose what to do" in unknown.text


async def test_only_admins_change_incidents_from_the_page(client, session):
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="50")
    form = {"csrf_token": await csrf(client), "code": "covid-19", "action": "close"}
    refused = await client.post("/admin/incidents/change", data=form, headers=HTML)
    assert refused.status_code == 403
    assert await state_of(session, "covid-19") == ("active", True)


async def test_the_page_says_why_in_thai(client, session):
    await sign_in(client, session, roles=[Role.ADMIN])
    form = {"csrf_token": await csrf(client), "code": "covid-19", "action": "close"}
    thai = await client.post("/admin/incidents/change?lang=th", data=form, headers=HTML)
    assert thai.status_code == 409 and "ตั้งเหตุการณ์อื่นเป็นค่าเริ่มต้นก่อน" in thai.text
