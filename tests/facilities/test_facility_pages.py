"""The facility pages: list and search, detail with history, the capacity form and its 409."""

import re

from jitasa.core.words import Role
from jitasa.help_requests.states import STATUS_WORDS
from jitasa.web import facility_pages
from tests.facilities.helpers import CHOM_THONG, make_facility
from tests.factories import signed_in

HTML = {"Accept": "text/html"}


def form_of(beds: dict[str, tuple[int, int]], version: int, action: str = "save") -> dict:
    """Return the capacity form as a browser posts it."""
    data = {"version": str(version), "action": action, "resource": list(beds)}
    for resource, (total, available) in beds.items():
        data[f"{resource}.total"] = str(total)
        data[f"{resource}.available"] = str(available)
    return data


async def test_the_list_finds_free_beds_of_a_colour_in_thai(client, session):
    await make_facility(session, name_th="โรงพยาบาลเต็ม", beds={"beds_yellow": (10, 0)})
    await make_facility(
        session, name_th="โรงพยาบาลจอมทอง", beds={"beds_yellow": (10, 3)}, **CHOM_THONG
    )
    page = await client.get("/facilities", params={"free_beds": "yellow"}, headers=HTML)
    assert page.status_code == 200
    assert "โรงพยาบาลจอมทอง" in page.text and "โรงพยาบาลเต็ม" not in page.text
    assert "อัปเดตเมื่อสักครู่" in page.text
    near = await client.get("/facilities", params={"near": "18.42,98.68", "lang": "en"})
    names = re.findall(r"<strong>([^<]+)</strong></a>", near.text)
    assert names[0] == "Test Hospital" and "km away" in near.text


async def test_the_list_refuses_a_kind_or_colour_it_does_not_know(client):
    for params, words in [({"type": "castle"}, "hospital"), ({"free_beds": "purple"}, "yellow")]:
        page = await client.get("/facilities", params=params, headers=HTML)
        assert page.status_code == 422
        assert "ต้องเป็นค่าใดค่าหนึ่งต่อไปนี้" in page.text and words in page.text
    every = await client.get("/facilities", params={"type": "", "free_beds": ""}, headers=HTML)
    assert every.status_code == 200


async def test_staff_update_beds_with_the_thumb_form_and_see_the_history(client, session):
    facility = await make_facility(session, beds={"beds_yellow": (10, 4)})
    _staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    form = await client.get(f"/facilities/{facility.id}/capacity", headers={**HTML, **headers})
    assert form.status_code == 200
    assert 'name="beds_yellow.available"' in form.text and 'data-step="1"' in form.text
    saved = await client.post(
        f"/facilities/{facility.id}/capacity",
        data=form_of({"beds_yellow": (10, 2), "beds_red": (4, 1)}, version=0),
        headers={**HTML, **headers},
    )
    assert saved.status_code == 303, saved.text
    detail = await client.get(f"/facilities/{facility.id}?lang=en", headers={**HTML, **headers})
    assert "Numbers saved." in detail.text
    assert "Numbers changed" in detail.text and "4/10 → 2/10" in detail.text
    checked = await client.post(
        f"/facilities/{facility.id}/capacity",
        data=form_of({"beds_yellow": (10, 2), "beds_red": (4, 1)}, version=1, action="checked"),
        headers={**HTML, **headers},
    )
    assert checked.status_code == 303
    detail = await client.get(f"/facilities/{facility.id}?lang=en", headers={**HTML, **headers})
    assert "Numbers checked, still right" in detail.text
    full = await client.post(
        f"/facilities/{facility.id}/capacity",
        data={**form_of({"beds_yellow": (10, 0)}, version=1), "status": "full"},
        headers={**HTML, **headers},
    )
    assert full.status_code == 303
    api = (await client.get(f"/api/v1/facilities/{facility.id}")).json()
    assert (api["status"], api["free_beds"]["yellow"]) == ("full", 0)
    # The colours the form offers but the hospital does not have are not added at zero.
    untouched = await client.post(
        f"/facilities/{facility.id}/capacity",
        data=form_of({"beds_yellow": (10, 0), "beds_green": (0, 0)}, version=2),
        headers={**HTML, **headers},
    )
    assert untouched.status_code == 303
    api = (await client.get(f"/api/v1/facilities/{facility.id}")).json()
    assert [c["resource"] for c in api["capacity"]] == ["beds_red", "beds_yellow"]


async def test_a_stale_form_shows_both_numbers_and_keeps_the_newer(client, session):
    facility = await make_facility(session, beds={"beds_yellow": (10, 4)})
    _staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    path = f"/facilities/{facility.id}/capacity"
    first = await client.post(
        path, data=form_of({"beds_yellow": (10, 1)}, version=0), headers={**HTML, **headers}
    )
    assert first.status_code == 303
    late = await client.post(
        path + "?lang=en",
        data=form_of({"beds_yellow": (10, 9)}, version=0),
        headers={**HTML, **headers},
    )
    assert late.status_code == 409
    assert "Someone changed these numbers" in late.text
    assert "<td>1/10</td>" in late.text and "<td>9/10</td>" in late.text
    assert 'name="version" value="1"' in late.text
    api = (await client.get(f"/api/v1/facilities/{facility.id}")).json()
    assert api["free_beds"]["yellow"] == 1


async def test_bad_numbers_in_the_form_are_named(client, session):
    facility = await make_facility(session, beds={"beds_yellow": (10, 4)})
    _staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    page = await client.post(
        f"/facilities/{facility.id}/capacity?lang=en",
        data=form_of({"beds_yellow": (3, 5)}, version=0),
        headers={**HTML, **headers},
    )
    assert page.status_code == 422
    assert 'id="beds_yellow.available-error"' in page.text
    assert "Yellow beds (moderate): free (5) must not be more than the total (3)." in page.text
    negative = await client.post(
        f"/facilities/{facility.id}/capacity?lang=th",
        data=form_of({"beds_yellow": (10, -1)}, version=0),
        headers={**HTML, **headers},
    )
    assert negative.status_code == 422
    assert "ว่าง ต้องไม่น้อยกว่า 0" in negative.text  # named as the form names it


async def test_a_form_reporting_nothing_is_refused_unless_it_changes_the_status(client, session):
    facility = await make_facility(session)  # keeps no numbers: every row shows 0 of 0
    _staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    zeros = {colour: (0, 0) for colour in ("beds_red", "beds_yellow", "beds_green")}
    path = f"/facilities/{facility.id}/capacity"
    checked = await client.post(
        path + "?lang=en",
        data={**form_of(zeros, version=0, action="checked"), "status": "open"},
        headers={**HTML, **headers},
    )
    assert checked.status_code == 422
    assert "Nothing was reported: give the total and free numbers" in checked.text
    assert "Please correct what is marked below." not in checked.text
    history = await client.get(f"/api/v1/facilities/{facility.id}/history", headers=headers)
    assert [entry["kind"] for entry in history.json()["items"]] == ["created"]
    full = await client.post(
        path, data={**form_of(zeros, version=0), "status": "full"}, headers={**HTML, **headers}
    )
    assert full.status_code == 303
    assert (await client.get(f"/api/v1/facilities/{facility.id}")).json()["status"] == "full"


async def test_the_form_is_for_the_areas_staff_only(client, session):
    facility = await make_facility(session)
    path = f"/facilities/{facility.id}/capacity"
    anonymous = await client.get(path, headers=HTML)
    assert anonymous.status_code == 303 and "/staff/signin" in anonymous.headers["location"]
    _outside, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5002")
    assert (await client.get(path, headers={**HTML, **headers})).status_code == 403
    posted = await client.post(path, data=form_of({"beds_red": (1, 1)}, 0), headers=headers)
    assert posted.status_code == 403
    detail = await client.get(f"/facilities/{facility.id}", headers={**HTML, **headers})
    assert "update-numbers" not in detail.text and "History" not in detail.text


def test_a_facility_status_never_reads_as_a_request_status():
    # "Closed" read ปิดเรื่องแล้ว (a request's "case closed") on a closed hospital.
    assert not set(facility_pages.STATUS_LABELS.values()) & set(STATUS_WORDS.values())


async def test_the_history_names_who_changed_it_to_those_who_may_read_it(client, session):
    facility = await make_facility(session, beds={"beds_yellow": (10, 4)})
    _staff, headers = await signed_in(
        session, roles=[Role.COORDINATOR], area_code="5001", display_name="สมศรี ผู้ประสาน"
    )
    saved = await client.post(
        f"/facilities/{facility.id}/capacity",
        data=form_of({"beds_yellow": (10, 2)}, version=0),
        headers={**HTML, **headers},
    )
    assert saved.status_code == 303
    detail = await client.get(f"/facilities/{facility.id}", headers={**HTML, **headers})
    assert "โดย สมศรี ผู้ประสาน" in detail.text and "ผู้ใช้หมายเลข" not in detail.text
    english = await client.get(f"/facilities/{facility.id}?lang=en", headers={**HTML, **headers})
    assert "by สมศรี ผู้ประสาน" in english.text and "by user" not in english.text
    anonymous = await client.get(f"/facilities/{facility.id}", headers=HTML)
    assert "สมศรี" not in anonymous.text
