"""Exports over HTTP: personal data only for the area's staff, filters, HXL, formula cells."""

import pytest
from sqlalchemy import select

from jitasa.audit.models import AuditEntry
from jitasa.core.words import Role
from tests.exports.helpers import csv_dicts, csv_rows, features, xlsx_sheets
from tests.facilities.helpers import make_facility
from tests.factories import make_user, make_volunteer, signed_in
from tests.help_requests.helpers import CHOM_THONG, make_request

PHONE = "0891234567"
NAME = "สมชาย ลับมาก"


async def private_request(session, **fields):
    """A request in Mueang Chiang Mai (5001) with a name, phone, address and description."""
    return await make_request(
        session,
        contact_name=NAME,
        contact_phone=PHONE,
        address_text="บ้านเลขที่ 99 ซอยลับ",
        description="ยายเป็นเบาหวาน",
        **fields,
    )


def assert_no_personal_data(text: str, help_request) -> None:
    """Fail when the text holds the requester's name, phone (any form), address or exact pin."""
    for secret in (NAME, PHONE, "089 123 4567", "+66891234567", "ซอยลับ", "เบาหวาน"):
        assert secret not in text
    assert str(help_request.lat) not in text and str(help_request.lon) not in text


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson"])
async def test_public_requests_hold_no_personal_data(client, session, fmt):
    help_request = await private_request(session)
    assert (help_request.lat, help_request.lon) != (
        help_request.public_lat,
        help_request.public_lon,
    )

    response = await client.get(f"/api/v1/exports/public-requests.{fmt}?hxl=true")

    assert response.status_code == 200
    if fmt == "xlsx":
        sheet = xlsx_sheets(response).active
        text = repr([[c.value for c in row] for row in sheet.iter_rows()])
    else:
        text = response.content.decode("utf-8-sig")
    assert_no_personal_data(text, help_request)
    assert help_request.code in text and str(help_request.public_lat) in text


async def test_public_export_by_staff_is_still_public(client, session):
    help_request = await private_request(session)
    _, headers = await signed_in(session, roles=[Role.ADMIN])

    response = await client.get("/api/v1/exports/public-requests.csv", headers=headers)

    assert_no_personal_data(response.content.decode("utf-8-sig"), help_request)


async def test_staff_export_holds_contacts_and_exact_pins_and_is_audited(client, session):
    help_request = await private_request(session)
    await make_request(session, **CHOM_THONG)  # district 5002: outside the coordinator's area
    staff, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")

    response = await client.get("/api/v1/exports/requests.csv", headers=headers)

    assert response.status_code == 200
    assert response.headers["content-disposition"] == (
        'attachment; filename="jitasa-requests-5001.csv"'
    )
    assert response.headers["cache-control"] == "no-store"
    (row,) = csv_dicts(response)
    assert row["code"] == help_request.code and row["contact_name"] == NAME
    assert row["contact_phone"] == "089 123 4567"
    assert (float(row["lat"]), float(row["lon"])) == (help_request.lat, help_request.lon)
    assert row["created_at"].endswith("+07:00")
    entry = await session.scalar(
        select(AuditEntry).where(AuditEntry.action == "personal_data.export")
    )
    assert (entry.actor_id, entry.subject_type, entry.area_code) == (staff.id, "requests", "5001")


@pytest.mark.parametrize("dataset", ["requests", "facilities", "volunteers"])
async def test_staff_datasets_are_scoped_to_the_area(client, session, dataset):
    _, coordinator = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")
    _, requester = await signed_in(session)
    url = f"/api/v1/exports/{dataset}.csv"

    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=requester)).status_code == 403
    outside = await client.get(f"{url}?area=5002", headers=coordinator)
    assert outside.status_code == 403 and outside.json()["code"] == "auth.out_of_area"
    unknown = await client.get(f"{url}?area=9999", headers=coordinator)
    assert unknown.status_code == 404 and unknown.json()["detail_th"]
    assert (await client.get(f"{url}?area=500101", headers=coordinator)).status_code == 200


async def test_volunteers_export_lists_the_area_only_with_contacts(client, session):
    person = await make_user(session, display_name="อาสา ใจดี")
    mine = await make_volunteer(session, user=person, skills=["first aid", "=cmd"])
    await make_volunteer(session, home_lat=CHOM_THONG["lat"], home_lon=CHOM_THONG["lon"])
    _, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="5001")

    response = await client.get("/api/v1/exports/volunteers.csv?verified=false", headers=headers)

    (row,) = csv_dicts(response)
    assert (row["id"], row["name"], row["district_code"]) == (str(mine.id), "อาสา ใจดี", "5001")
    assert row["phone"].startswith("0") and row["skills"] == "first aid; =cmd"
    verified = await client.get("/api/v1/exports/volunteers.csv?verified=true", headers=headers)
    assert csv_dicts(verified) == []


async def test_filters_narrow_the_export(client, session):
    kept = await make_request(session, category="oxygen", urgency="red")
    await make_request(session, category="food_supplies", urgency="urgent")
    elsewhere = await make_request(session, category="oxygen", urgency="red", **CHOM_THONG)

    by_kind = await client.get(
        "/api/v1/exports/public-requests.csv?category=oxygen&urgency=red&area=5001"
    )
    assert [r["code"] for r in csv_dicts(by_kind)] == [kept.code]
    south, west = elsewhere.public_lat - 0.01, elsewhere.public_lon - 0.01
    box = f"{west},{south},{west + 0.02},{south + 0.02}"
    in_view = await client.get(f"/api/v1/exports/public-requests.geojson?bbox={box}")
    assert [f["properties"]["code"] for f in features(in_view)] == [elsewhere.code]
    closed = await client.get("/api/v1/exports/public-requests.csv?status=closed")
    assert csv_dicts(closed) == []


async def test_public_facilities_filter_by_type_and_free_beds(client, session):
    with_beds = await make_facility(session, beds={"beds_red": (5, 2)})
    await make_facility(session, name_th="ศูนย์พักคอยเต็ม", type="community_isolation")

    response = await client.get("/api/v1/exports/public-facilities.csv?free_beds=red")

    (row,) = csv_dicts(response)
    assert (row["id"], row["free_beds_red"], row["name_th"]) == (
        str(with_beds.id),
        "2",
        "โรงพยาบาลทดสอบ",
    )
    assert "updated_by_id" not in row
    by_type = await client.get("/api/v1/exports/public-facilities.csv?type=community_isolation")
    assert [r["name_th"] for r in csv_dicts(by_type)] == ["ศูนย์พักคอยเต็ม"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/exports/public-requests.csv?status=lost", "status"),
        ("/api/v1/exports/public-requests.csv?urgency=purple", "urgency"),
        ("/api/v1/exports/public-requests.csv?category=pizza", "category"),
        ("/api/v1/exports/public-requests.csv?bbox=1,2,3", "bbox"),
        ("/api/v1/exports/public-facilities.csv?urgency=red", "urgency"),
        ("/api/v1/exports/public-facilities.csv?type=castle", "type"),
        ("/api/v1/exports/public-requests.pdf", "format"),
        ("/api/v1/exports/public-requests.csv?hxl=maybe", "hxl"),
        ("/api/v1/exports/public-requests.csv?area=50x", "area"),
    ],
)
async def test_bad_filters_are_422_in_thai_and_english(client, session, url, field):
    response = await client.get(url)

    assert response.status_code == 422
    problem = response.json()
    assert problem["detail"] and problem["detail_th"] != problem["detail"]
    assert [e["field"] for e in problem["errors"]] == [field]
    assert all(e["message_th"] for e in problem["errors"])


async def test_unknown_dataset_is_404_naming_the_datasets(client):
    response = await client.get("/api/v1/exports/patients.csv")

    assert response.status_code == 404
    assert "public-requests" in response.json()["detail"]
    assert "public-requests" in response.json()["detail_th"]


async def test_hxl_row_follows_the_header(client, session):
    await make_request(session)

    rows = csv_rows(await client.get("/api/v1/exports/public-requests.csv?hxl=true"))

    header, tags = rows[0], rows[1]
    tag_of = dict(zip(header, tags, strict=True))
    assert tag_of["lat"] == "#geo+lat" and tag_of["lon"] == "#geo+lon"
    assert tag_of["province_code"] == "#adm1+code" and tag_of["district_code"] == "#adm2+code"
    assert all(t.startswith("#") for t in tags) and len(rows) == 3
    plain = csv_rows(await client.get("/api/v1/exports/public-requests.csv"))
    assert not any(cell.startswith("#") for cell in plain[1])


FORMULAS = ['=HYPERLINK("http://x")', "+66 81", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


async def test_formula_cells_are_neutralised_in_csv_and_xlsx(client, session):
    for name in FORMULAS:
        await make_facility(session, name_th=name, name_en="plain")
    _, headers = await signed_in(session, roles=[Role.COORDINATOR], area_code="50")

    text_rows = csv_dicts(await client.get("/api/v1/exports/facilities.csv", headers=headers))
    assert sorted(r["name_th"] for r in text_rows) == sorted("'" + n for n in FORMULAS)
    sheet = xlsx_sheets(await client.get("/api/v1/exports/facilities.xlsx?hxl=1", headers=headers))
    cells = [row[2] for row in sheet["data"].iter_rows(min_row=3)]
    assert {c.data_type for c in cells} == {"s"}  # text cells: none is a formula
    # XML reads a carriage return back as a line feed; the text is otherwise kept as it was.
    assert sorted(c.value for c in cells) == sorted(n.replace("\r", "\n") for n in FORMULAS)
