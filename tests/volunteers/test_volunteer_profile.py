"""Registering and updating one's own volunteer profile: home area from the pin, bad input."""

import pytest

from jitasa.core.config import Settings
from jitasa.core.db import create_engine, create_session_factory
from jitasa.core.errors import Invalid
from jitasa.core.words import Role
from jitasa.migrate import upgrade
from jitasa.volunteers import service, verification
from tests.factories import make_user, make_volunteer, signed_in

CHIANG_MAI_CITY = {"home_lat": 18.789, "home_lon": 98.974}  # district 5001
GULF_OF_THAILAND = {"home_lat": 10.0, "home_lon": 101.5}
PARIS = {"home_lat": 48.85, "home_lon": 2.35}


def profile(**changes) -> dict:
    """Return a complete volunteer form for a village health volunteer in Chiang Mai city."""
    return {
        "kind": "vhv",
        "skills": ["first aid"],
        "vehicle": "motorcycle",
        "ppe_trained": True,
        **CHIANG_MAI_CITY,
        "service_radius_km": 5,
        "available_now": True,
        **changes,
    }


async def test_register_with_a_pin_in_chiang_mai_city_finds_its_district(client, session):
    user, headers = await signed_in(session, roles=[Role.REQUESTER])
    response = await client.post("/api/v1/volunteers", json=profile(), headers=headers)
    assert response.status_code == 201, response.text
    volunteer = response.json()
    assert volunteer["area_code"].startswith("5001")
    assert (volunteer["home_lat"], volunteer["home_lon"]) == (18.789, 98.974)
    assert volunteer["phone"] == user.phone
    assert volunteer["kind"] == "vhv"
    assert volunteer["verified"] is False
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert set(me["roles"]) == {"requester", "volunteer"}


async def test_saving_again_updates_the_profile_with_200(client, session):
    _user, headers = await signed_in(session)
    first = await client.post("/api/v1/volunteers", json=profile(), headers=headers)
    second = await client.post(
        "/api/v1/volunteers",
        json=profile(skills=["cooking"], vehicle="pickup", display_name="สมศรี ใจดี"),
        headers=headers,
    )
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["skills"] == ["cooking"]
    assert second.json()["vehicle"] == "pickup"
    assert second.json()["display_name"] == "สมศรี ใจดี"
    mine = await client.get("/api/v1/volunteers/me", headers=headers)
    assert mine.json() == second.json()


async def test_a_coordinator_who_registers_stays_a_coordinator(client, session):
    _user, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    await client.post("/api/v1/volunteers", json=profile(), headers=headers)
    me = (await client.get("/api/v1/me", headers=headers)).json()
    assert set(me["roles"]) >= {"coordinator", "volunteer"}
    assert me["area_code"] == "5001"


async def test_own_profile_is_404_before_registering(client, session):
    _user, headers = await signed_in(session)
    response = await client.get("/api/v1/volunteers/me", headers=headers)
    assert response.status_code == 404
    assert response.json()["code"] == "volunteers.not_found"
    assert response.json()["detail_th"] == "คุณยังไม่ได้ลงทะเบียนเป็นอาสาสมัคร"


@pytest.mark.parametrize(("method", "path"), [("post", ""), ("get", "/me")])
async def test_anonymous_cannot_register_or_see_a_profile(client, method, path):
    kwargs = {"json": profile()} if method == "post" else {}
    response = await getattr(client, method)(f"/api/v1/volunteers{path}", **kwargs)
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


def _fields(response) -> list[str]:
    """Return the fields a 422 problem names."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [error["field"] for error in response.json()["errors"]]


async def test_pin_at_sea_without_area_is_422_naming_home_lat(client, session):
    _user, headers = await signed_in(session)
    response = await client.post(
        "/api/v1/volunteers", json=profile(**GULF_OF_THAILAND), headers=headers
    )
    assert _fields(response) == ["home_lat"]
    assert "หมุดบ้าน" in response.json()["errors"][0]["message_th"]


async def test_pin_at_sea_with_a_chosen_area_near_it_keeps_both(client, session):
    _user, headers = await signed_in(session)
    off_pattaya = {"home_lat": 12.93, "home_lon": 100.86}  # a houseboat 500 m off the beach
    response = await client.post(
        "/api/v1/volunteers", json=profile(**off_pattaya, area_code="2004"), headers=headers
    )
    assert response.status_code == 201, response.text
    volunteer = response.json()
    assert volunteer["area_code"] == "2004"
    assert (volunteer["home_lat"], volunteer["home_lon"]) == (12.93, 100.86)


async def test_pin_mid_gulf_named_into_an_area_far_away_is_422_naming_home_lat(client, session):
    _user, headers = await signed_in(session)
    response = await client.post(
        "/api/v1/volunteers", json=profile(**GULF_OF_THAILAND, area_code="8401"), headers=headers
    )
    assert _fields(response) == ["home_lat"]
    assert "outside area 8401" in response.json()["errors"][0]["message"]


async def test_pin_outside_thailand_is_422_naming_home_lat_whatever_the_area(client, session):
    _user, headers = await signed_in(session)
    response = await client.post(
        "/api/v1/volunteers", json=profile(**PARIS, area_code="10"), headers=headers
    )
    assert _fields(response) == ["home_lat"]


async def test_unknown_chosen_area_is_422_naming_area_code(client, session):
    _user, headers = await signed_in(session)
    response = await client.post(
        "/api/v1/volunteers", json=profile(**GULF_OF_THAILAND, area_code="9999"), headers=headers
    )
    assert _fields(response) == ["area_code"]


@pytest.mark.parametrize(
    ("area_code", "kept"),
    [("500101", "500101"), ("5002", "5001"), ("50", "5001"), (None, "5001")],
)
async def test_a_chosen_area_refines_the_located_district_but_never_contradicts_it(
    client, session, area_code, kept
):
    _user, headers = await signed_in(session)
    response = await client.post(
        "/api/v1/volunteers", json=profile(area_code=area_code), headers=headers
    )
    assert response.json()["area_code"] == kept


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "doctor"}, "kind"),
        ({"vehicle": "horse"}, "vehicle"),
        ({"service_radius_km": 0.1}, "service_radius_km"),
        ({"service_radius_km": 101}, "service_radius_km"),
        ({"service_radius_km": "far"}, "service_radius_km"),
        ({"home_lat": 91}, "home_lat"),
        ({"home_lon": -181}, "home_lon"),
        ({"home_lon": "abc"}, "home_lon"),
        ({"home_lon": None}, "home_lon"),
        ({"skills": ["first aid"] * 21}, "skills"),
        ({"skills": ["x" * 41]}, "skills.0"),
        ({"skills": ["ok", "  "]}, "skills.1"),
        ({"area_code": "5"}, "area_code"),
        ({"display_name": "ก" * 121}, "display_name"),
        ({"ppe_trained": "maybe"}, "ppe_trained"),
    ],
)
async def test_bad_profile_is_a_422_naming_the_field(client, session, changes, field):
    _user, headers = await signed_in(session)
    response = await client.post("/api/v1/volunteers", json=profile(**changes), headers=headers)
    assert _fields(response) == [field]
    assert response.json()["errors"][0]["message_th"]


async def test_missing_pin_is_a_422_naming_both_coordinates(client, session):
    _user, headers = await signed_in(session)
    form = {k: v for k, v in profile().items() if k not in ("home_lat", "home_lon")}
    response = await client.post("/api/v1/volunteers", json=form, headers=headers)
    assert _fields(response) == ["home_lat", "home_lon"]


async def test_non_finite_coordinates_are_refused(client, session):
    _user, headers = await signed_in(session)
    body = '{"kind": "vhv", "home_lat": NaN, "home_lon": 98.9}'
    response = await client.post(
        "/api/v1/volunteers",
        content=body,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422


async def test_skills_are_trimmed_and_kept_once(client, session):
    _user, headers = await signed_in(session)
    response = await client.post(
        "/api/v1/volunteers",
        json=profile(skills=[" first aid ", "First Aid", "ขับรถ"]),
        headers=headers,
    )
    assert response.json()["skills"] == ["first aid", "ขับรถ"]


async def test_without_boundaries_the_volunteer_must_choose_an_area(tmp_path, fresh_database_url):
    settings = Settings(_env_file=None, data_dir=tmp_path, database_url=fresh_database_url)
    engine = create_engine(settings)
    try:
        await upgrade(engine)
        async with create_session_factory(engine)() as session:
            with pytest.raises(Invalid) as refused:
                await service.home_area(
                    session, lat=18.789, lon=98.974, area_code=None, refresh_seconds=0
                )
            assert [e.field for e in refused.value.errors] == ["area_code"]
            chosen = await service.home_area(
                session, lat=18.789, lon=98.974, area_code="500101", refresh_seconds=0
            )
            assert chosen == "500101"
    finally:
        await engine.dispose()


async def test_only_verified_volunteers_may_help_with_medical_requests(session):
    volunteer = await make_volunteer(session)
    assert service.may_help_medical(volunteer) is False
    coordinator = await make_user(session, roles=[Role.COORDINATOR], area_code="5001")
    await verification.verify(session, volunteer=volunteer, coordinator=coordinator, client_ip="")
    assert service.may_help_medical(volunteer) is True
