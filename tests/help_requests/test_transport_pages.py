"""The transport's page: the driver's destinations and stage buttons, the requester's stage."""

import re

from jitasa.accounts import service as accounts_service
from jitasa.help_requests import transport
from jitasa.help_requests.models import HelpRequest
from tests.facilities.helpers import make_facility
from tests.factories import make_user
from tests.help_requests.helpers import make_request, put_in_status, sos, volunteer
from tests.help_requests.test_request_pages import HTML, PASSWORD, csrf, sign_in

NEAR = {"lat": 18.79, "lon": 98.99}


async def test_the_driver_sees_where_to_go_and_the_requester_sees_where_and_which_stage(
    client, session
):
    hospital = await make_facility(
        session, name_th="โรงพยาบาลนครพิงค์", beds={"beds_yellow": (10, 3)}, **NEAR
    )
    await make_facility(session, name_th="ไม่มีเตียงเหลือง", beds={"beds_red": (4, 4)}, **NEAR)
    requester = await make_user(session)
    patient = await make_request(
        session,
        requester=requester,
        category="patient_transport",
        urgency="yellow",
        mobility="wheelchair",
    )
    driver = await sign_in(client, session)
    profile, _headers = await volunteer(session, vehicle="pickup")
    await put_in_status(session, patient, "claimed", claimed_by=driver)

    page = (await client.get(f"/requests/{patient.id}", headers=HTML)).text

    assert "driver-destinations" in page
    assert "โรงพยาบาลนครพิงค์" in page and "ไม่มีเตียงเหลือง" not in page
    assert "เตียงว่าง 3 จาก 10 เตียง" in page and "ใช้รถเข็น" in page
    assert "รับขึ้นรถแล้ว" in page  # the stage button
    assert profile.vehicle == "pickup"

    await transport.choose(session, help_request=patient, user=driver, facility_id=hospital.id)
    await session.commit()
    client.cookies.clear()
    await sign_in_as(client, session, requester)
    seen = (await client.get(f"/requests/{patient.id}", headers=HTML)).text
    assert "โรงพยาบาลนครพิงค์" in seen and "จองเตียงไว้แล้ว" in seen
    assert "ผู้ขับกำลังมารับ" in seen
    assert "driver-destinations" not in seen  # the requester does not choose


async def sign_in_as(client, session, user):
    """Give an existing user a password and sign the client in as them."""
    user.password_hash = accounts_service.password_hasher.hash(PASSWORD)
    await session.commit()
    response = await client.post(
        "/api/v1/auth/login", json={"username": user.phone, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text


async def test_the_sos_form_asks_how_a_transported_patient_moves_and_the_post_stores_it(
    client, session
):
    await sign_in(client, session)
    form = (await client.get("/sos", headers=HTML)).text

    # The mobility step starts hidden; only the patient transport's radio opens it (sos.js).
    assert re.search(r'id="mobility-box"[^>]*hidden disabled', form)
    assert re.findall(r'name="mobility" value="(\w+)"', form) == [
        "walks",
        "wheelchair",
        "stretcher",
    ]
    assert all(word in form for word in ("เดินได้เอง", "ใช้รถเข็น", "ต้องใช้เปลหาม"))
    opens = dict(
        re.findall(r'value="(\w+)"\s+data-medical="\w+"\s+data-patient-transport="(\w+)"', form)
    )
    assert opens["patient_transport"] == "true"
    assert opens["body_transport"] == opens["food_supplies"] == opens["oxygen"] == "false"

    # The body sos.js builds for a patient transport on a stretcher.
    body = sos(category="patient_transport", urgency="red", mobility="stretcher", consent=True)
    headers = {"X-CSRF-Token": await csrf(client), "Idempotency-Key": "mobility-form-1"}
    created = await client.post("/api/v1/requests", json=body, headers=headers)
    assert created.status_code == 201, created.text
    stored = await session.get(HelpRequest, created.json()["id"])
    await session.refresh(stored)
    assert stored.mobility == "stretcher"
    page = (await client.get(f"/requests/{stored.id}", headers=HTML)).text
    assert re.search(r'<dd class="mobility">ต้องใช้เปลหาม</dd>', page)
