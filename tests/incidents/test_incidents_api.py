"""Incidents: the default COVID-19 incident with P3's categories, and adding a flood."""

from jitasa.accounts import service as accounts_service
from jitasa.core.words import Role

FLOOD = {
    "code": "floods-2025-hatyai",
    "name_th": "น้ำท่วมหาดใหญ่ 2568",
    "name_en": "Hat Yai floods 2025",
    "kind": "flood",
    "sla_minutes": {"urgent": 30},
    "expiry_hours": 48,
    "categories": [
        {"code": "evacuation", "name_th": "อพยพ", "name_en": "Evacuation"},
        {"code": "drinking_water", "name_th": "น้ำดื่ม", "name_en": "Drinking water"},
        {"code": "medical_help", "name_th": "การแพทย์", "name_en": "Medical help", "medical": True},
    ],
}


async def admin_headers(session) -> dict[str, str]:
    """Return headers of a signed-in admin."""
    admin = await accounts_service.save_user(session, phone="+66812349999", roles={Role.ADMIN})
    _, token = await accounts_service.create_token(session, user=admin, name="t")
    await session.commit()
    return {"Authorization": f"Bearer {token}"}


async def test_default_covid_incident_has_the_categories_of_p3(client):
    incidents = (await client.get("/api/v1/incidents", params={"active": "true"})).json()
    covid = next(i for i in incidents if i["code"] == "covid-19")
    codes = [c["code"] for c in covid["categories"]]
    assert codes == [
        "food_supplies",
        "medicine",
        "oxygen",
        "medical_help",
        "patient_transport",
        "body_transport",
        "covid_test",
        "vaccination_help",
        "bed_admission",
        "other",
    ]
    medical = {c["code"] for c in covid["categories"] if c["medical"]}
    assert {"medical_help", "oxygen", "patient_transport"} <= medical
    assert "food_supplies" not in medical
    assert covid["sla_minutes"]["red"] == 15 and covid["sla_minutes"]["yellow"] == 60
    assert covid["categories"][0]["name_th"] == "อาหารและของใช้จำเป็น"


async def test_admin_adds_a_flood_incident_with_its_own_categories(client, session):
    headers = await admin_headers(session)
    response = await client.post("/api/v1/incidents", json=FLOOD, headers=headers)
    assert response.status_code == 201
    flood = response.json()
    assert [c["code"] for c in flood["categories"]] == [
        "evacuation",
        "drinking_water",
        "medical_help",
    ]
    assert flood["sla_minutes"]["urgent"] == 30 and flood["sla_minutes"]["red"] == 15
    again = await client.post("/api/v1/incidents", json=FLOOD, headers=headers)
    assert again.status_code == 409
    assert again.json()["code"] == "incidents.code_taken"
    assert (await client.get("/api/v1/incidents/floods-2025-hatyai")).status_code == 200


async def test_bad_incident_input_names_the_field(client, session):
    headers = await admin_headers(session)
    for change, field in [
        ({"code": "Bad Code!"}, "code"),
        ({"categories": []}, "categories"),
        ({"sla_minutes": {"purple": 5}}, "sla_minutes"),
        ({"expiry_hours": 0}, "expiry_hours"),
    ]:
        response = await client.post("/api/v1/incidents", json={**FLOOD, **change}, headers=headers)
        assert response.status_code == 422, change
        assert response.json()["errors"][0]["field"] == field


async def test_only_admins_add_incidents(client):
    response = await client.post("/api/v1/incidents", json=FLOOD)
    assert response.status_code == 401


async def test_unknown_incident_is_404(client):
    assert (await client.get("/api/v1/incidents/nothing")).json()["code"] == "incidents.not_found"
