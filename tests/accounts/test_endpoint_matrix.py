"""Every API endpoint × every role × inside/outside the area: allowed or refused, as declared.

A new endpoint fails `test_every_api_endpoint_is_in_the_matrix` until it joins MATRIX.
"""

import itertools
from dataclasses import dataclass, field

import pytest

from jitasa.accounts import service as accounts_service
from jitasa.core import jobs as queue
from jitasa.core.db import utcnow
from jitasa.core.words import Role
from jitasa.vaccination.residents import add as add_resident
from jitasa.vaccination.schemas import ResidentCreate
from tests.facilities.helpers import make_facility
from tests.factories import bearer, make_user, make_volunteer

ANONYMOUS = "anonymous"
SIGNED_IN = {
    "requester",
    "volunteer",
    "coordinator_inside",
    "coordinator_outside",
    "province_coordinator",
    "admin",
}
EVERYONE = SIGNED_IN | {ANONYMOUS}
STAFF_INSIDE = {"coordinator_inside", "province_coordinator", "admin"}
HELPERS = {
    "volunteer",
    "coordinator_inside",
    "coordinator_outside",
    "province_coordinator",
    "admin",
}
ADMIN_PASSWORD = "admin password for the matrix"
ADMIN_PASSWORD_HASH = accounts_service.password_hasher.hash(ADMIN_PASSWORD)  # hash once, not 250×
SOS = {
    "category": "food_supplies",
    "urgency": "urgent",
    "lat": 18.7883,
    "lon": 98.9853,
    "people_count": 2,
    "description": "matrix",
}
PROFILE = {"kind": "vhv", "vehicle": "motorcycle", "home_lat": 18.79, "home_lon": 98.98}


@dataclass(frozen=True)
class Case:
    """One endpoint: how to call it, and who may."""

    method: str
    path: str
    allowed: set[str]
    body: dict | None = None
    params: dict = field(default_factory=dict)
    refusals: dict[str, str] = field(default_factory=dict)  # who → a more specific 403 code


RESIDENT = {
    "subdistrict_code": "500101",
    "village_number": 3,
    "household": "12/1",
    "name": "บุญมี ใจงาม",
    "birth_year": 2490,
    "sex": "female",
    "national_id": "1101700230708",
}
MATRIX = [
    Case(
        "POST",
        "/api/v1/auth/login",
        EVERYONE,
        {"username": "0819990006", "password": ADMIN_PASSWORD},
    ),
    Case("POST", "/api/v1/auth/logout", EVERYONE),
    Case("GET", "/api/v1/auth/csrf", EVERYONE),
    Case("POST", "/api/v1/auth/otp", EVERYONE, {"phone": "0819990001"}),
    Case("POST", "/api/v1/auth/otp/verify", EVERYONE, {"phone": "0819990001", "code": "000000"}),
    Case("GET", "/api/v1/me", SIGNED_IN),
    Case("GET", "/api/v1/tokens", SIGNED_IN),
    Case("POST", "/api/v1/tokens", SIGNED_IN, {"name": "matrix"}),
    Case("DELETE", "/api/v1/tokens/{token_id}", SIGNED_IN),
    Case("POST", "/api/v1/users", {"admin"}, {"phone": "0819990099", "roles": ["volunteer"]}),
    Case("GET", "/api/v1/users", {"admin"}, params={"phone": "0819990001"}),
    Case("GET", "/api/v1/audit", STAFF_INSIDE, params={"area": "5001"}),
    Case("GET", "/api/v1/areas", EVERYONE, params={"q": "เชียงใหม่"}),
    Case("GET", "/api/v1/areas/locate", EVERYONE, params={"lat": 18.79, "lon": 98.98}),
    Case("GET", "/api/v1/areas/{code}", EVERYONE),
    Case("GET", "/api/v1/areas/{code}/boundary", EVERYONE),
    Case("GET", "/api/v1/incidents", EVERYONE),
    Case("GET", "/api/v1/incidents/{code}", EVERYONE),
    Case(
        "POST",
        "/api/v1/incidents",
        {"admin"},
        {
            "code": "matrix-floods",
            "name_th": "น้ำท่วม",
            "name_en": "Floods",
            "categories": [{"code": "evacuation", "name_th": "อพยพ", "name_en": "Evacuation"}],
        },
    ),
    Case("POST", "/api/v1/incidents/{code}/default", {"admin"}),
    Case("POST", "/api/v1/incidents/{code}/close", {"admin"}),
    Case("POST", "/api/v1/incidents/{code}/reopen", {"admin"}),
    Case("POST", "/api/v1/incidents/{code}/archive", {"admin"}),
    Case("POST", "/api/v1/volunteers", SIGNED_IN, PROFILE),
    Case("GET", "/api/v1/volunteers/me", SIGNED_IN),
    Case("GET", "/api/v1/volunteers", STAFF_INSIDE, params={"area": "5001"}),
    Case("GET", "/api/v1/volunteers/{volunteer_id}", STAFF_INSIDE),
    Case("POST", "/api/v1/volunteers/{volunteer_id}/verify", STAFF_INSIDE),
    # The matrix's volunteer is no อสม.: area staff get a 409 (tests/vaccination).
    Case(
        "PUT",
        "/api/v1/volunteers/{volunteer_id}/village",
        STAFF_INSIDE,
        {"village_code": "50010103"},
    ),
    Case("POST", "/api/v1/requests", SIGNED_IN, SOS),
    Case("GET", "/api/v1/requests", EVERYONE, params={"area": "5001"}),
    Case("GET", "/api/v1/requests/mine", SIGNED_IN),
    Case("GET", "/api/v1/requests/tasks", HELPERS),
    Case("GET", "/api/v1/requests/nearby", HELPERS, params={"lat": 18.79, "lon": 98.98}),
    Case("GET", "/api/v1/requests/duplicates", SIGNED_IN, params={"lat": 18.79, "lon": 98.98}),
    Case("GET", "/api/v1/requests/{request_id}", EVERYONE),
    Case("GET", "/api/v1/map", EVERYONE, params={"bbox": "98.9,18.7,99.1,18.9", "zoom": 12}),
    # `follow=false` ends the stream once the events since the given id are sent.
    Case("GET", "/api/v1/events/stream", EVERYONE, params={"last_event_id": 0, "follow": False}),
    Case("POST", "/api/v1/requests/{request_id}/claim", HELPERS),
    Case("POST", "/api/v1/requests/{request_id}/transition", {"requester"}, {"to": "cancelled"}),
    Case("POST", "/api/v1/requests/{request_id}/withdraw", {"requester"}),
    Case(
        "POST",
        "/api/v1/requests/{request_id}/assign",
        STAFF_INSIDE,
        {"volunteer_id": "{volunteer_id}"},
    ),
    Case(
        "POST",
        "/api/v1/requests/{request_id}/merge",
        STAFF_INSIDE,
        {"keep_id": "{other_request_id}"},
    ),
    Case("GET", "/api/v1/requests/{request_id}/events", {"requester", *STAFF_INSIDE}),
    Case("GET", "/api/v1/facilities/types", EVERYONE),
    Case("GET", "/api/v1/facilities", EVERYONE, params={"near": "18.79,98.98"}),
    Case("GET", "/api/v1/facilities/{facility_id}", EVERYONE),
    Case(
        "POST",
        "/api/v1/facilities",
        STAFF_INSIDE,
        {"type": "hospital", "name_th": "โรงพยาบาลทดสอบ", "lat": 18.79, "lon": 98.98},
    ),
    Case("PATCH", "/api/v1/facilities/{facility_id}", STAFF_INSIDE, {"status": "full"}),
    Case(
        "PUT",
        "/api/v1/facilities/{facility_id}/capacity",
        STAFF_INSIDE,
        {"beds_green": {"total": 5, "available": 1}},
    ),
    Case("GET", "/api/v1/facilities/{facility_id}/history", STAFF_INSIDE),
    Case("GET", "/api/v1/requests/{request_id}/notifications", STAFF_INSIDE),
    Case("GET", "/api/v1/me/notifications", SIGNED_IN),
    Case("PUT", "/api/v1/me/notifications", SIGNED_IN, {"channels": ["sms"]}),
    Case("POST", "/api/v1/me/notifications/line-code", SIGNED_IN),
    Case("GET", "/api/v1/requests/{request_id}/candidates", STAFF_INSIDE),
    # A transport's driver and area staff only (the matrix's request is no transport: a 409).
    # A volunteer who does not hold it is told who chooses (take it first).
    Case(
        "GET",
        "/api/v1/requests/{request_id}/destinations",
        STAFF_INSIDE,
        refusals={"volunteer": "transport.not_holder"},
    ),
    Case(
        "POST",
        "/api/v1/requests/{request_id}/destination",
        STAFF_INSIDE,
        {"facility_id": "{facility_id}"},
        refusals={"volunteer": "transport.not_holder"},
    ),
    # Any staff may send a bulk close; each request is then refused outside their area.
    Case(
        "POST",
        "/api/v1/requests/bulk-close",
        {"coordinator_outside", *STAFF_INSIDE},
        {"request_ids": [999999], "reason": "unreachable"},
    ),
    Case(
        "POST", "/api/v1/volunteers/{volunteer_id}/refuse", STAFF_INSIDE, {"reason": "other_area"}
    ),
    Case("GET", "/api/v1/stats", STAFF_INSIDE, params={"area": "5001"}),
    Case("GET", "/api/v1/vaccination/coverage", EVERYONE, params={"area": "5001"}),
    # Filled as the staff dataset `requests.csv`; the public datasets are open to anyone
    # (tests/exports/test_exports_api.py).
    Case("GET", "/api/v1/exports/{dataset}.{fmt}", STAFF_INSIDE, params={"area": "5001"}),
    # Imports: staff of any area start them (rows outside their area are refused one by one);
    # an import is seen only by who started it (the world's is the admin's).
    Case("POST", "/api/v1/imports", {"coordinator_outside", *STAFF_INSIDE}, {"kind": "facilities"}),
    Case("GET", "/api/v1/imports/templates/{kind}.xlsx", {"coordinator_outside", *STAFF_INSIDE}),
    Case("GET", "/api/v1/imports/{import_id}", {"admin"}),
    Case("GET", "/api/v1/imports/{import_id}/errors.csv", {"admin"}),
    Case("POST", "/api/v1/imports/{import_id}/cancel", {"admin"}),
    Case("GET", "/api/v1/vaccination/followups", STAFF_INSIDE, params={"area": "50010103"}),
    Case("GET", "/api/v1/vaccination/residents", STAFF_INSIDE, params={"area": "50010103"}),
    Case("POST", "/api/v1/vaccination/residents", STAFF_INSIDE, RESIDENT),
    Case(
        "POST",
        "/api/v1/vaccination/residents/{resident_id}/doses",
        STAFF_INSIDE,
        {"number": 1, "vaccine": "Sinovac", "given_on": "2021-08-01"},
    ),
    Case("DELETE", "/api/v1/vaccination/residents/{resident_id}/doses/{number}", STAFF_INSIDE),
    Case("GET", "/api/v1/vaccination/register-figures", STAFF_INSIDE, params={"area": "5001"}),
]


@pytest.fixture
async def world(session, client):
    """Users of every role, a volunteer and two requests in Mueang Chiang Mai (5001)."""
    people = {
        "requester": await make_user(session, roles=[Role.REQUESTER]),
        "volunteer": await make_user(session, roles=[Role.VOLUNTEER]),
        "coordinator_inside": await make_user(session, roles=[Role.COORDINATOR], area_code="5001"),
        "coordinator_outside": await make_user(session, roles=[Role.COORDINATOR], area_code="5002"),
        "province_coordinator": await make_user(session, roles=[Role.COORDINATOR], area_code="50"),
        "admin": await make_user(session, roles=[Role.ADMIN], phone="+66819990006"),
    }
    people["admin"].password_hash = ADMIN_PASSWORD_HASH
    helper = await make_volunteer(session, user=people["volunteer"])
    helper.verified_at = utcnow()
    # Claims keep within the helper's reach: outside their area, staff claim as a volunteer
    # at home near the request (tests/help_requests/test_claim_limits.py tests the reach).
    await make_volunteer(session, user=people["coordinator_outside"])
    target = await make_volunteer(session)
    await session.commit()
    headers = {name: await bearer(session, user) for name, user in people.items()}
    own_tokens = {}
    for name, user in people.items():
        token, _ = await accounts_service.create_token(session, user=user, name="own")
        own_tokens[name] = token.id
    await session.commit()
    requests = []
    for _ in range(2):
        response = await client.post("/api/v1/requests", json=SOS, headers=headers["requester"])
        assert response.status_code == 201, response.text
        requests.append(response.json()["id"])
    facility = await make_facility(session)
    import_id = await queue.enqueue(
        session,
        "import",
        {"actor_id": people["admin"].id, "kind": "facilities", "path": "/nonexistent"},
        max_attempts=1,
    )
    await session.commit()
    resident = await add_resident(
        session,
        resident_in=ResidentCreate.model_validate(
            {**RESIDENT, "national_id": "3100600123450"}, strict=False
        ),
        actor_id=None,
    )
    await session.commit()
    return {
        "resident_id": resident.id,
        "import_id": import_id,
        "facility_id": facility.id,
        "headers": headers,
        "own_tokens": own_tokens,
        "volunteer_id": target.id,
        "request_id": requests[0],
        "other_request_id": requests[1],
    }


def fill(text: str, world: dict, who: str) -> str:
    """Put the world's ids into a path or body value."""
    values = {
        "volunteer_id": world["volunteer_id"],
        "request_id": world["request_id"],
        "other_request_id": world["other_request_id"],
        "code": "covid-19" if "/incidents/" in text else "50",
        "token_id": world["own_tokens"].get(who, 1),
        "facility_id": world["facility_id"],
        "dataset": "requests",
        "fmt": "csv",
        "import_id": world["import_id"],
        "resident_id": world["resident_id"],
        "number": 1,
        "kind": "facilities",
    }
    return text.format(**values)


def fill_body(body: dict | None, world: dict, who: str) -> dict | None:
    """Put the world's ids into a request body."""
    if body is None:
        return None
    return {
        k: int(fill(v, world, who)) if isinstance(v, str) and v.startswith("{") else v
        for k, v in body.items()
    }


@pytest.mark.parametrize(
    ("case", "who"),
    list(itertools.product(MATRIX, sorted(EVERYONE))),
    ids=lambda value: value if isinstance(value, str) else f"{value.method} {value.path}",
)
async def test_endpoint_matrix(client, world, case, who):
    headers = world["headers"].get(who, {})
    response = await client.request(
        case.method,
        fill(case.path, world, who),
        params=case.params,
        json=fill_body(case.body, world, who),
        headers=headers,
    )
    if who in case.allowed:
        assert response.status_code not in (401, 403), response.text
    elif who == ANONYMOUS:
        assert response.status_code == 401, response.text
    else:
        assert response.status_code == 403, response.text
        expected = case.refusals.get(who) or (
            "auth.out_of_area"
            if who == "coordinator_outside"
            and (case.allowed >= STAFF_INSIDE and "coordinator_inside" in case.allowed)
            else "auth.forbidden"
        )
        assert response.json()["code"] == expected, response.text
    assert response.status_code < 500


def test_every_api_endpoint_is_in_the_matrix(app):
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/")
        for method in operations
    }
    assert routes == {(case.method, case.path) for case in MATRIX}
