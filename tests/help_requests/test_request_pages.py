"""The request pages as a browser gets them: who is sent to sign in, who sees what."""

from sqlalchemy import select

from jitasa.accounts import service as accounts_service
from jitasa.accounts.models import User
from jitasa.core.words import Role
from jitasa.help_requests import lifecycle
from jitasa.incidents.models import Incident
from jitasa.web.incident_form import parse_category_lines
from tests.factories import next_phone
from tests.help_requests.helpers import make_request, volunteer

HTML = {"Accept": "text/html"}
PASSWORD = "a long test password"


async def sign_in(client, session, *, roles=(Role.REQUESTER,), area_code=None, **fields) -> User:
    """Create a user with a password and sign the client's cookie session in as them."""
    user = await accounts_service.save_user(
        session,
        phone=fields.pop("phone", None) or next_phone(),
        roles=set(roles),
        area_code=area_code,
        password=PASSWORD,
        **fields,
    )
    await session.commit()
    response = await client.post(
        "/api/v1/auth/login", json={"username": user.phone, "password": PASSWORD}
    )
    assert response.status_code == 200, response.text
    return user


async def csrf(client) -> str:
    """Return the signed-in session's CSRF token."""
    return (await client.get("/api/v1/auth/csrf")).json()["csrf_token"]


async def test_anonymous_visitors_are_sent_to_sign_in_and_back(client):
    for path in ("/sos", "/requests/mine", "/volunteer/nearby", "/volunteer/tasks"):
        response = await client.get(path, headers=HTML)
        assert response.status_code == 303, path
        assert response.headers["location"] == f"/signin?next={path}"
    response = await client.get("/admin/incidents", headers=HTML)
    assert response.headers["location"] == "/staff/signin?next=/admin/incidents"


async def test_sos_form_offers_the_active_incidents_categories_in_thai(client, session):
    await sign_in(client, session, display_name="สมชาย")
    page = (await client.get("/sos", headers=HTML)).text
    for words in ("ออกซิเจน", "รับส่งผู้ป่วย", 'data-medical="true"', "1669", "สมชาย"):
        assert words in page, words
    assert 'id="consent"' in page and "checked" not in page.split('id="consent"')[1][:40]


async def test_my_requests_shows_status_and_timeline_in_buddhist_era(client, session):
    requester = await sign_in(client, session)
    help_request = await make_request(session, requester=requester)
    page = (await client.get("/requests/mine", headers=HTML)).text
    assert help_request.code in page
    assert "รอความช่วยเหลือ" in page and "ส่งคำขอความช่วยเหลือแล้ว" in page
    assert str(help_request.created_at.year + 543) in page
    assert 'value="cancelled"' in page


async def test_public_detail_never_shows_phone_or_description(client, session):
    help_request = await make_request(session, contact_phone="0897654321", description="ป้ามาลี")
    page = (await client.get(f"/requests/{help_request.id}", headers=HTML)).text
    assert help_request.code in page
    assert (
        "ป้ามาลี" not in page and "897654321" not in page.replace(" ", "") and "tel:+66" not in page
    )


async def test_requester_sees_everything_on_the_detail_page(client, session):
    requester = await sign_in(client, session)
    help_request = await make_request(
        session, requester=requester, description="ป้ามาลี", contact_phone="0897654321"
    )
    page = (await client.get(f"/requests/{help_request.id}", headers=HTML)).text
    assert "ป้ามาลี" in page and "089 765 4321" in page and 'data-exact="true"' in page
    assert "tel:+66" not in page, "the requester is not offered to call themself"
    assert 'value="cancelled"' in page


async def test_a_requester_is_told_that_near_me_is_for_volunteers(client, session):
    await sign_in(client, session)
    response = await client.get("/volunteer/nearby", headers=HTML)
    assert response.status_code == 403
    assert 'href="/volunteer"' in response.text


async def test_volunteer_sees_their_tasks_with_phone_and_directions(client, session):
    profile, _headers = await volunteer(session)
    user = await session.get(User, profile.user_id)
    help_request = await make_request(session, contact_phone="0897654321")
    await lifecycle.claim(session, help_request=help_request, user=user)
    await session.commit()
    await accounts_service.save_user(session, phone=user.phone, roles=set(), password=PASSWORD)
    await session.commit()
    await client.post("/api/v1/auth/login", json={"username": user.phone, "password": PASSWORD})
    page = (await client.get("/volunteer/tasks", headers=HTML)).text
    assert 'href="tel:+66897654321"' in page and "089 765 4321" in page
    assert "google.com/maps/dir/" in page and 'value="resolved"' in page
    nearby = await client.get("/volunteer/nearby", headers=HTML)
    assert nearby.status_code == 200 and '"home": {"lat": 18.789' in nearby.text


async def test_only_admins_open_the_incidents_page(client, session):
    await sign_in(client, session, roles=[Role.COORDINATOR], area_code="5001")
    response = await client.get("/admin/incidents", headers=HTML)
    assert response.status_code == 403


async def test_admin_adds_floods_with_categories_from_the_form(client, session):
    await sign_in(client, session, roles=[Role.ADMIN])
    page = await client.get("/admin/incidents", headers=HTML)
    assert page.status_code == 200 and "covid-19" in page.text
    form = {
        "csrf_token": await csrf(client),
        "code": "floods-2026-cm",
        "name_th": "น้ำท่วมเชียงใหม่",
        "name_en": "Chiang Mai floods",
        "kind": "flood",
        "expiry_hours": "48",
        "sla_red": "10",
        "active": "on",
        "categories": (
            "evacuation, อพยพ, Evacuation, no\nmedical_help | ช่วยทางการแพทย์ | Medical | ใช่"
        ),
    }
    response = await client.post("/admin/incidents", data=form, headers=HTML)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/admin/incidents?created=floods-2026-cm"
    incident = await session.scalar(select(Incident).where(Incident.code == "floods-2026-cm"))
    assert [(c.code, c.medical) for c in incident.categories] == [
        ("evacuation", False),
        ("medical_help", True),
    ]
    assert (incident.expiry_hours, incident.sla_for("red"), incident.kind) == (48, 10, "flood")


async def test_admin_gives_an_incident_its_hotlines_or_gets_its_kinds(client, session):
    await sign_in(client, session, roles=[Role.ADMIN])
    form = {
        "csrf_token": await csrf(client),
        "name_th": "น้ำท่วม",
        "name_en": "Floods",
        "kind": "flood",
        "active": "on",
        "categories": "evacuation, อพยพ, Evacuation, no",
    }
    given = form | {
        "code": "floods-a",
        "hotlines": "\n1669, เจ็บป่วยฉุกเฉิน, Medical emergency\n1784 | ปภ. | DDPM",
    }
    assert (await client.post("/admin/incidents", data=given, headers=HTML)).status_code == 303
    assert (
        await client.post("/admin/incidents", data=form | {"code": "floods-b"}, headers=HTML)
    ).status_code == 303
    by_code = {i.code: i for i in await session.scalars(select(Incident))}
    assert [h["number"] for h in by_code["floods-a"].hotlines] == ["1669", "1784"]
    assert by_code["floods-b"].hotlines[1]["number"] == "1784"  # the flood kind's numbers
    bad = form | {"code": "floods-c", "hotlines": "1669, a, b\n\n16 69, เบอร์, Number"}
    page = await client.post("/admin/incidents", data=bad, headers=HTML)
    assert page.status_code == 422
    assert "เบอร์ฉุกเฉินบรรทัดที่ 3: เบอร์" in page.text  # its real line, the column's label
    assert "hotlines.1.number" not in page.text


async def test_bad_category_lines_are_named_by_line_number(client, session):
    await sign_in(client, session, roles=[Role.ADMIN])
    form = {
        "csrf_token": await csrf(client),
        "code": "floods-bad",
        "name_th": "น้ำท่วม",
        "name_en": "Floods",
        "categories": "evacuation, อพยพ, Evacuation, no\nBad Code, ชื่อ, Name, no\nx, y",
    }
    response = await client.post("/admin/incidents", data=form, headers=HTML)
    assert response.status_code == 422
    assert "บรรทัด 2" in response.text and "บรรทัด 3" in response.text
    assert await session.scalar(select(Incident).where(Incident.code == "floods-bad")) is None


def test_category_lines_accept_commas_bars_tabs_and_thai_yes():
    categories, errors = parse_category_lines(
        "food, อาหาร, Food, no\n\noxygen|ออกซิเจน|Oxygen|ใช่\nride\tรับส่ง\tRide\tno\tyes", "en"
    )
    assert errors == []
    assert [(c["code"], c["medical"], c["transport"], c["line"]) for c in categories] == [
        ("food", False, False, 1),
        ("oxygen", True, False, 3),
        ("ride", False, True, 4),
    ]
    _categories, errors = parse_category_lines("food, อาหาร, Food, maybe", "en")
    assert errors == ["Line 1: medical must be yes or no."]
