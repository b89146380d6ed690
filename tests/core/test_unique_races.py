"""A unique rule broken by simultaneous writers is a 409 naming the field, never a 500."""

import asyncio

import httpx
from sqlalchemy import func, select

from jitasa.accounts.models import User
from jitasa.core.db import WriteSessionDep
from jitasa.core.words import Role
from jitasa.incidents.models import Incident
from jitasa.main import create_app
from tests.factories import make_user, next_phone, signed_in

WRITERS = 6
INCIDENT = {
    "code": "storm-2026-surat",
    "name_th": "พายุสุราษฎร์ธานี 2569",
    "name_en": "Surat Thani storm 2026",
    "categories": [{"code": "shelter", "name_th": "ที่พักพิง", "name_en": "Shelter"}],
}


async def test_of_simultaneous_incidents_with_one_code_one_is_created(client, session):
    _admin, headers = await signed_in(session, roles=[Role.ADMIN])
    responses = await asyncio.gather(
        *(client.post("/api/v1/incidents", json=INCIDENT, headers=headers) for _ in range(WRITERS))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (WRITERS - 1), [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"incidents.code_taken"}
    count = select(func.count()).select_from(Incident).where(Incident.code == INCIDENT["code"])
    assert await session.scalar(count) == 1


async def test_simultaneous_saves_of_a_new_phone_make_one_user(client, session):
    _admin, headers = await signed_in(session, roles=[Role.ADMIN])
    phone = next_phone()
    body = {"phone": phone, "roles": ["volunteer"]}
    responses = await asyncio.gather(
        *(client.post("/api/v1/users", json=body, headers=headers) for _ in range(WRITERS))
    )
    assert {r.status_code for r in responses} <= {200, 409}, [r.text for r in responses]
    for conflict in (r.json() for r in responses if r.status_code == 409):
        assert conflict["code"] == "users.phone_taken"
        assert [e["field"] for e in conflict["errors"]] == ["phone"]
    assert await session.scalar(select(func.count()).where(User.phone == phone)) == 1


async def test_a_broken_unique_rule_is_the_same_409_on_every_database(settings, engine, session):
    taken = await make_user(session, roles=[Role.REQUESTER])
    app = create_app(settings)

    @app.post("/api/v1/probe/duplicate-user")
    async def add_duplicate(session: WriteSessionDep) -> dict:
        """Insert a second user with a phone already taken, as a lost race would."""
        session.add(User(phone=taken.phone))
        await session.flush()
        return {}

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post("/api/v1/probe/duplicate-user")
    await app.state.message_sender.aclose()
    await app.state.throttle.aclose()
    await app.state.engine.dispose()

    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == "users.phone_taken"
    assert problem["detail"] == "Another record already has this phone; reload and try again."
    # Named in Thai words, not by the column's key.
    assert problem["detail_th"].startswith("มีข้อมูลอื่นที่ใช้ หมายเลขโทรศัพท์")
    assert problem["errors"][0]["field"] == "phone"
