"""The residents page of area staff: a village's register, adding a resident, the figures per
village of a subdistrict; who may see it and what it logs."""

import pytest
from sqlalchemy import func, select

from jitasa.audit.models import AuditEntry
from jitasa.core.words import Role
from tests.factories import signed_in
from tests.vaccination.helpers import VILLAGE, national_id, resident

HTML = {"Accept": "text/html"}
PAGE = "/vaccination/residents"


def form(serial: int, **changes) -> dict:
    """Return the page form of a new resident of the village."""
    body = resident(serial)
    del body["subdistrict_code"], body["village_number"]
    return {"village_code": VILLAGE, **body, "chronic_disease": "on", **changes}


async def staff(session, area: str = "5001") -> dict[str, str]:
    _user, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code=area)
    return {**HTML, **headers}


async def test_staff_add_a_resident_and_see_the_village_masked_with_a_logged_read(client, session):
    headers = await staff(session)
    spaced = form(1, national_id=f" {national_id(1)} ")
    added = await client.post(PAGE, data=spaced, headers=headers)
    assert added.status_code == 303, added.text
    assert added.headers["location"] == f"{PAGE}?area={VILLAGE}"
    page = await client.get(f"{PAGE}?area={VILLAGE}", headers=headers)
    assert page.status_code == 200
    digits = national_id(1)
    assert "ผู้อยู่อาศัย 1" in page.text and digits not in page.text
    assert f"{digits[0]}-{digits[1:5]}-xxxxx-xx-{digits[12]}" in page.text
    assert "โรคเรื้อรัง" in page.text and "2490" in page.text  # flags, and the BE birth year
    assert "ผู้อยู่อาศัย 1 ถูกเพิ่มในทะเบียนแล้ว" in page.text  # the flash
    assert 'href="/imports"' in page.text
    actions = list(await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["residents.add", "residents.read"]


async def test_a_refused_resident_keeps_the_form_and_names_the_field(client, session):
    headers = await staff(session)
    await client.post(PAGE, data=form(1), headers=headers)
    bad = await client.post(PAGE, data=form(2, birth_year="1850", household=""), headers=headers)
    assert bad.status_code == 422
    assert "ผู้อยู่อาศัย 2" in bad.text and 'aria-invalid="true"' in bad.text
    twice = await client.post(f"{PAGE}?lang=en", data=form(1), headers=headers)
    assert twice.status_code == 422
    assert "This person is already registered (village 50010103)." in twice.text
    listed = await session.scalar(select(func.count()).where(AuditEntry.action == "residents.add"))
    assert listed == 1  # nothing half-written


async def test_a_subdistrict_shows_the_register_figures_per_village(client, session):
    headers = await staff(session)
    await client.post(PAGE, data=form(1), headers=headers)
    await client.post(PAGE, data=form(2, village_code="50010105"), headers=headers)
    page = await client.get(f"{PAGE}?area=500101&lang=en", headers=headers)
    assert page.status_code == 200
    assert f'<tr data-code="{VILLAGE}">' in page.text and '<tr data-code="50010105">' in page.text
    assert "Village 3" in page.text and "ผู้อยู่อาศัย 1" not in page.text  # nobody named
    reads = await session.scalar(select(func.count()).where(AuditEntry.action == "residents.read"))
    assert reads == 0


@pytest.mark.parametrize(
    ("roles", "area_code"), [([Role.VOLUNTEER], None), ([Role.COORDINATOR], "5002")]
)
async def test_only_the_areas_staff_may_see_or_add(client, session, roles, area_code):
    _user, headers = await signed_in(session, roles=roles, area_code=area_code)
    headers = {**HTML, **headers}
    page = await client.get(f"{PAGE}?area={VILLAGE}", headers=headers)
    figures = await client.get(f"{PAGE}?area=500101", headers=headers)
    added = await client.post(PAGE, data=form(1), headers=headers)
    assert (page.status_code, figures.status_code, added.status_code) == (403, 403, 403)
    signed_out = await client.get(f"{PAGE}?area={VILLAGE}", headers=HTML)
    assert signed_out.status_code == 303


async def test_a_bad_village_is_a_422_or_404_never_a_500(client, session):
    headers = await staff(session)
    assert (await client.get(f"{PAGE}?area=50010100", headers=headers)).status_code == 422
    assert (await client.get(f"{PAGE}?area=99999901", headers=headers)).status_code == 404
    bad = await client.post(PAGE, data=form(1, village_code="5001"), headers=headers)
    assert bad.status_code == 422


async def test_the_coverage_page_and_the_desk_link_to_it(client, session):
    headers = await staff(session)
    desk = await client.get("/desk?area=5001", headers=headers)
    assert f'href="{PAGE}?area=5001"' in desk.text
    coverage = await client.get("/vaccination?area=5001")
    assert f'href="{PAGE}?area=5001"' in coverage.text
