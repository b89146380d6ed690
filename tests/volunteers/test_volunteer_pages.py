"""The volunteer profile form and the coordinator's verification queue, as pages."""

import re

import pytest
from sqlalchemy import select

from jitasa.audit.models import AuditEntry
from jitasa.core.db import utcnow
from jitasa.core.words import Role
from jitasa.volunteers.models import Volunteer
from tests.factories import make_volunteer, signed_in

HTML = {"Accept": "text/html"}
PROFILE_FORM = {
    "display_name": "สมศรี ใจดี",
    "kind": "vhv",
    "home_lat": "18.789",
    "home_lon": "98.974",
    "skills": "ปฐมพยาบาล, ขับรถ,  ",
    "vehicle": "motorcycle",
    "ppe_trained": "1",
    "service_radius_km": "10",
    "available_now": "1",
}


def errors_of(page) -> list[str]:
    """Return the messages shown under the form's fields."""
    return re.findall(r'class="field-error"[^>]*>([^<]*)<', page.text)


async def test_a_new_volunteer_sees_the_registration_form_with_the_eleven_kinds(client, session):
    _user, headers = await signed_in(session)
    page = await client.get("/volunteer", headers={**HTML, **headers})
    assert page.status_code == 200
    assert "<h1>สมัครเป็นอาสาสมัคร</h1>" in page.text
    kinds = re.findall(r'<option value="(\w+)" >([^<]+)</option>', page.text.split('id="kind"')[1])
    # Kinds name people, flood forces included (thai.md).
    assert [label for _value, label in kinds[:11]] == [
        "อสม. (ในกรุงเทพฯ: อสส.)",
        "กำนัน",
        "ผู้ใหญ่บ้าน",
        "เจ้าหน้าที่ อปท.",
        "นักเรียน/นักศึกษาจิตอาสา",
        "ผู้นำอาสาพัฒนาชุมชน (ผู้นำ อช.)",
        "สมาชิกกองทุนพัฒนาบทบาทสตรี",
        "อาสาสมัครท้องถิ่นรักโลก (อถล.)",
        "อาสาสมัครป้องกันภัยฝ่ายพลเรือน (อปพร.)",
        "อาสาสมัครกู้ชีพกู้ภัย / มูลนิธิ",
        "อาสาสมัครทั่วไป",
    ]
    # Without the map script, the pin is typed as two numbers.
    assert 'name="home_lat" type="number"' in page.text
    assert 'id="home-map" class="pin-map" hidden' in page.text


async def test_registering_by_the_form_finds_the_area_and_waits_for_verification(client, session):
    user, headers = await signed_in(session)
    saved = await client.post("/volunteer", data=PROFILE_FORM, headers={**HTML, **headers})
    assert saved.status_code == 303 and saved.headers["location"] == "/volunteer"

    volunteer = await session.scalar(select(Volunteer).where(Volunteer.user_id == user.id))
    assert volunteer.kind == "vhv" and volunteer.area_code == "5001"
    assert volunteer.skills == ["ปฐมพยาบาล", "ขับรถ"]
    assert (volunteer.ppe_trained, volunteer.available_now, volunteer.service_radius_km) == (
        True,
        True,
        10,
    )
    page = await client.get("/volunteer", headers={**HTML, **headers})
    assert "รอเจ้าหน้าที่รับรอง" in page.text
    assert "อ.เมืองเชียงใหม่ จ.เชียงใหม่" in page.text
    assert 'value="18.789000"' in page.text
    # The district's subdistricts are offered to make the area more precise.
    assert '<option value="500101" >ศรีภูมิ</option>' in page.text


async def test_choosing_a_subdistrict_of_the_pins_district_keeps_it(client, session):
    user, headers = await signed_in(session)
    form = {**PROFILE_FORM, "area_code": "500101"}
    saved = await client.post("/volunteer", data=form, headers={**HTML, **headers})
    assert saved.status_code == 303
    volunteer = await session.scalar(select(Volunteer).where(Volunteer.user_id == user.id))
    assert volunteer.area_code == "500101"
    page = await client.get("/volunteer?lang=en", headers={**HTML, **headers})
    assert "Si Phum, Mueang Chiang Mai, Chiang Mai" in page.text


async def test_an_incomplete_form_says_what_is_missing_and_keeps_what_was_typed(client, session):
    _user, headers = await signed_in(session)
    form = {**PROFILE_FORM, "display_name": "", "kind": "", "home_lat": "", "home_lon": ""}
    page = await client.post("/volunteer", data=form, headers={**HTML, **headers})
    assert page.status_code == 422
    assert errors_of(page) == [
        "กรุณาใส่ชื่อของคุณ เพื่อให้เจ้าหน้าที่ในพื้นที่ทราบว่าคุณเป็นใคร",
        "ต้องระบุ ประเภทอาสาสมัคร",
        "แตะแผนที่เพื่อปักหมุดบ้านของคุณ หรือพิมพ์ละติจูดและลองจิจูด",
    ]
    assert 'value="ปฐมพยาบาล, ขับรถ,"' in page.text
    assert '<option value="motorcycle" selected>' in page.text


async def test_a_pin_outside_thailand_is_refused_under_the_map_in_english(client, session):
    _user, headers = await signed_in(session, display_name="Somsri")
    form = {**PROFILE_FORM, "home_lat": "48.85", "home_lon": "2.35"}
    page = await client.post("/volunteer?lang=en", data=form, headers={**HTML, **headers})
    assert page.status_code == 422
    assert errors_of(page) == ["The home pin is outside Thailand; move it to where you live."]
    assert await session.scalar(select(Volunteer)) is None


async def test_a_verified_volunteer_sees_so_on_their_profile(client, session):
    _user, headers = await signed_in(session)
    await client.post("/volunteer", data=PROFILE_FORM, headers={**HTML, **headers})
    volunteer = await session.scalar(select(Volunteer))
    volunteer.verified_at = utcnow()
    await session.commit()
    page = await client.get("/volunteer", headers={**HTML, **headers})
    assert "✓ รับรองแล้ว" in page.text
    assert "<h1>ข้อมูลอาสาสมัครของฉัน</h1>" in page.text


async def test_the_queue_lists_the_unverified_volunteers_of_the_coordinators_area(client, session):
    coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    waiting = await make_volunteer(session, kind="kamnan", vehicle="pickup")
    waiting.user.display_name = "ประยุทธ ขยัน"
    elsewhere = await make_volunteer(session, home_lat=18.58, home_lon=99.01)  # Lamphun city
    done = await make_volunteer(session)
    done.verified_at = utcnow()
    await session.commit()

    page = await client.get("/coordinator/volunteers", headers={**HTML, **headers})
    assert page.status_code == 200
    assert f'id="volunteer-{waiting.id}"' in page.text
    assert f'id="volunteer-{done.id}"' not in page.text
    assert elsewhere.area_code.startswith("51")
    assert f'id="volunteer-{elsewhere.id}"' not in page.text
    card = page.text.split(f'id="volunteer-{waiting.id}"')[1].split("</li>")[0]
    assert "ประยุทธ ขยัน" in card and "กำนัน" in card and "รถกระบะ" in card
    assert "อ.เมืองเชียงใหม่ จ.เชียงใหม่" in card
    assert re.search(r"\d{1,2} [ก-๛.]+ 25\d\d", card), "registered date in Buddhist Era"
    read = await session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "personal_data.read", AuditEntry.actor_id == coordinator.id
        )
    )
    assert read is not None


async def test_verifying_from_the_queue_marks_the_volunteer_verified(client, session):
    coordinator, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    waiting = await make_volunteer(session)
    done = await client.post(
        f"/coordinator/volunteers/{waiting.id}/verify",
        data={"back": "/coordinator/volunteers?area=5001"},
        headers={**HTML, **headers},
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/coordinator/volunteers?area=5001"
    await session.refresh(waiting)
    assert waiting.is_verified and waiting.verified_by_id == coordinator.id
    again = await client.post(
        f"/coordinator/volunteers/{waiting.id}/verify", headers={**HTML, **headers}
    )
    assert again.status_code == 303  # already verified: said on the queue page, not an error


@pytest.mark.parametrize(
    ("roles", "area_code"), [([Role.VOLUNTEER], None), ([Role.COORDINATOR], "5002")]
)
async def test_only_the_areas_staff_may_see_the_queue_or_verify(client, session, roles, area_code):
    _user, headers = await signed_in(session, roles=roles, area_code=area_code)
    waiting = await make_volunteer(session)
    queue = await client.get("/coordinator/volunteers?area=5001", headers={**HTML, **headers})
    verify = await client.post(
        f"/coordinator/volunteers/{waiting.id}/verify", headers={**HTML, **headers}
    )
    assert (queue.status_code, verify.status_code) == (403, 403)
    await session.refresh(waiting)
    assert not waiting.is_verified
