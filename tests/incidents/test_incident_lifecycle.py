"""Incidents: a default chosen on purpose (exactly one), closing, reopening and archiving.

Until now the newest active incident silently became the default: one stray incident made every
SOS without `incident` fail with 422, and no incident could be closed.
"""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from jitasa.core.words import Role
from jitasa.incidents.models import Incident
from tests.factories import signed_in
from tests.help_requests.helpers import sos

STRAY = {
    "code": "stray-test",
    "name_th": "ทดลอง",
    "name_en": "Test",
    "categories": [{"code": "evacuation", "name_th": "อพยพ", "name_en": "Evacuation"}],
}


async def admin(session) -> dict[str, str]:
    """Return the Authorization header of a new admin."""
    _user, headers = await signed_in(session, roles=[Role.ADMIN])
    return headers


async def defaults(session) -> list[str]:
    """Return the codes of the incidents flagged default."""
    rows = await session.scalars(select(Incident.code).where(Incident.is_default.is_(True)))
    return list(rows)


async def test_a_new_incident_does_not_take_the_default_and_sos_keep_working(client, session):
    headers = await admin(session)
    created = await client.post("/api/v1/incidents", json=STRAY, headers=headers)
    assert created.status_code == 201
    assert created.json()["is_default"] is False and created.json()["state"] == "active"
    _requester, asker = await signed_in(session)
    response = await client.post("/api/v1/requests", json=sos(), headers=asker)
    assert response.status_code == 201, response.text
    session.expire_all()
    assert await defaults(session) == ["covid-19"]


async def test_admin_moves_the_default_and_sos_without_incident_follow_it(client, session):
    headers = await admin(session)
    await client.post("/api/v1/incidents", json=STRAY, headers=headers)
    moved = await client.post("/api/v1/incidents/stray-test/default", headers=headers)
    assert moved.status_code == 200 and moved.json()["is_default"] is True
    session.expire_all()
    assert await defaults(session) == ["stray-test"]
    listed = (await client.get("/api/v1/incidents")).json()
    assert [i["code"] for i in listed if i["is_default"]] == ["stray-test"]
    _requester, asker = await signed_in(session)
    wrong = await client.post("/api/v1/requests", json=sos(), headers=asker)
    assert wrong.status_code == 422  # food_supplies is not a category of the new default
    right = await client.post("/api/v1/requests", json=sos(category="evacuation"), headers=asker)
    assert right.status_code == 201, right.text


async def test_a_new_incident_can_be_made_the_default_when_created(client, session):
    headers = await admin(session)
    body = {**STRAY, "is_default": True}
    assert (await client.post("/api/v1/incidents", json=body, headers=headers)).status_code == 201
    session.expire_all()
    assert await defaults(session) == ["stray-test"]


async def test_the_database_refuses_a_second_default(session):
    session.add(Incident(code="second-default", name_th="ก", name_en="A", is_default=True))
    with pytest.raises(IntegrityError):
        await session.flush()
    await session.rollback()


async def test_closed_incident_takes_no_sos_in_thai_and_english(client, session):
    headers = await admin(session)
    await client.post("/api/v1/incidents", json=STRAY, headers=headers)
    closed = await client.post("/api/v1/incidents/stray-test/close", headers=headers)
    assert closed.status_code == 200
    assert closed.json()["state"] == "closed" and closed.json()["closed_at"]
    _requester, asker = await signed_in(session)
    body = sos(incident="stray-test", category="evacuation")
    refused = await client.post("/api/v1/requests", json=body, headers=asker)
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["code"] == "incidents.closed"
    assert "closed" in problem["detail"] and "stray-test" in problem["detail"]
    assert "ปิดแล้ว" in problem["detail_th"] and "1669" in problem["detail_th"]
    assert problem["errors"][0]["field"] == "incident"
    active = (await client.get("/api/v1/incidents", params={"active": "true"})).json()
    assert "stray-test" not in [i["code"] for i in active]
    reopened = await client.post("/api/v1/incidents/stray-test/reopen", headers=headers)
    assert reopened.json()["state"] == "active" and reopened.json()["closed_at"] is None
    again = await client.post("/api/v1/requests", json=body, headers=asker)
    assert again.status_code == 201, again.text


async def test_the_default_cannot_be_closed_until_another_is_chosen(client, session):
    headers = await admin(session)
    refused = await client.post("/api/v1/incidents/covid-19/close", headers=headers)
    assert refused.status_code == 409
    assert refused.json()["code"] == "incidents.close_default"
    assert "ค่าเริ่มต้น" in refused.json()["detail_th"]
    await client.post("/api/v1/incidents", json=STRAY, headers=headers)
    await client.post("/api/v1/incidents/stray-test/default", headers=headers)
    closed = await client.post("/api/v1/incidents/covid-19/close", headers=headers)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    # A closed incident cannot become the default again before it is reopened.
    back = await client.post("/api/v1/incidents/covid-19/default", headers=headers)
    assert back.status_code == 409 and back.json()["code"] == "incidents.default_closed"


async def test_archiving_needs_a_closed_incident_and_is_final(client, session):
    headers = await admin(session)
    await client.post("/api/v1/incidents", json=STRAY, headers=headers)
    early = await client.post("/api/v1/incidents/stray-test/archive", headers=headers)
    assert early.status_code == 409 and early.json()["code"] == "incidents.archive_active"
    await client.post("/api/v1/incidents/stray-test/close", headers=headers)
    archived = await client.post("/api/v1/incidents/stray-test/archive", headers=headers)
    assert archived.status_code == 200 and archived.json()["state"] == "archived"
    for action in ("reopen", "default", "close"):
        response = await client.post(f"/api/v1/incidents/stray-test/{action}", headers=headers)
        assert response.status_code == 409, action
        assert response.json()["code"] == "incidents.archived"
    kept = (await client.get("/api/v1/incidents", params={"archived": "false"})).json()
    assert "stray-test" not in [i["code"] for i in kept]
    home = await client.get("/?lang=en")
    assert "Evacuation" not in home.text.split("<main", 1)[-1].split("</main>")[0]


async def test_only_admins_change_incidents_and_unknown_codes_are_404(client, session):
    _coordinator, staff = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")
    refused = await client.post("/api/v1/incidents/covid-19/close", headers=staff)
    assert refused.status_code == 403
    headers = await admin(session)
    missing = await client.post("/api/v1/incidents/no-such/default", headers=headers)
    assert missing.status_code == 404
    count = await session.scalar(select(func.count()).where(Incident.is_default.is_(True)))
    assert count == 1


async def map_total(client, status: str, zoom: int = 12) -> int:
    """Return how many requests of this status the map counts around Chiang Mai city."""
    params = {"bbox": "98.9,18.7,99.1,18.9", "zoom": zoom, "status": status}
    body = (await client.get("/api/v1/map", params=params)).json()
    return body["totals"].get("requests", 0)


async def test_an_archived_incident_and_its_requests_leave_the_map(client, session):
    headers = await admin(session)
    await client.post("/api/v1/incidents", json=STRAY, headers=headers)
    _requester, asker = await signed_in(session)
    body = sos(incident="stray-test", category="evacuation")
    ids = [(await client.post("/api/v1/requests", json=body, headers=asker)).json()["id"]]
    ids.append((await client.post("/api/v1/requests", json=sos(), headers=asker)).json()["id"])
    await client.post("/api/v1/incidents/stray-test/close", headers=headers)
    # A closed incident keeps its dots; one still open keeps it from being archived.
    assert await map_total(client, "open") == 2
    early = await client.post("/api/v1/incidents/stray-test/archive", headers=headers)
    assert early.status_code == 409 and early.json()["code"] == "incidents.requests_active"
    assert "1" in early.json()["detail"] and "เก็บเข้าคลัง" in early.json()["detail_th"]
    cancel = {"to": "cancelled"}
    for request_id in ids:
        moved = await client.post(
            f"/api/v1/requests/{request_id}/transition", json=cancel, headers=asker
        )
        assert moved.status_code == 200, moved.text
    assert await map_total(client, "cancelled") == 2
    archived = await client.post("/api/v1/incidents/stray-test/archive", headers=headers)
    assert archived.status_code == 200
    for zoom in (5, 12, 17):
        assert await map_total(client, "cancelled", zoom) == 1, zoom
    # A recount from scratch agrees with the counts the archive took away.
    from jitasa.clusters import service as clusters
    from jitasa.help_requests.map_layer import REQUESTS

    await clusters.replace_layer(session, REQUESTS)
    await session.commit()
    assert await map_total(client, "cancelled") == 1

    # Every public reader drops them the same way: the anonymous list, the public export, and
    # the dashboard's counts (the default incident's request stays in each).
    listed = (await client.get("/api/v1/requests?status=cancelled")).json()["items"]
    assert [item["id"] for item in listed] == [ids[1]]
    exported = await client.get("/api/v1/exports/public-requests.csv?status=cancelled")
    assert exported.status_code == 200
    assert len(exported.text.strip().splitlines()) == 2  # the header and one request
    figures = (await client.get("/api/v1/stats", headers=headers)).json()
    assert figures["requests"]["by_status"]["cancelled"] == 1
    assert "evacuation" not in figures["requests"]["by_category"]
