"""The areas API: children, search by Thai/English name or postal code, locate, bad input."""

import pytest


async def test_top_level_lists_all_77_provinces(client):
    first = await client.get("/api/v1/areas", params={"limit": 50})
    second = await client.get(
        "/api/v1/areas", params={"limit": 50, "cursor": first.json()["next_cursor"]}
    )
    items = first.json()["items"] + second.json()["items"]
    assert len(items) == 77
    assert second.json()["next_cursor"] is None
    assert {
        "code": "50",
        "level": "province",
        "parent_code": None,
        "name_th": "เชียงใหม่",
        "name_en": "Chiang Mai",
        "postal_codes": [],
        "parents": [],
    } in items


async def test_children_of_chiang_mai_are_its_25_districts(client):
    response = await client.get("/api/v1/areas", params={"parent": "50", "limit": 500})
    items = response.json()["items"]
    assert len(items) == 25
    assert all(a["code"].startswith("50") and a["level"] == "district" for a in items)


async def test_subdistricts_carry_postal_codes(client):
    response = await client.get("/api/v1/areas", params={"parent": "5001", "limit": 500})
    si_phum = next(a for a in response.json()["items"] if a["code"] == "500101")
    assert si_phum["postal_codes"] == ["50200"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("เมืองเชียงใหม่", "5001"),
        ("อ.เมืองเชียงใหม่", "5001"),
        ("อำเภอเมืองเชียงใหม่", "5001"),
        ("Mueang Chiang Mai", "5001"),
        ("amphoe mueang chiang mai", "5001"),
        ("ต.ศรีภูมิ", "500101"),
        ("Si Phum", "500101"),
        ("50200", "500101"),
        ("๕๐๒๐๐", "500101"),
        ("จ.เชียงใหม่", "50"),
        ("chiang mai", "50"),
    ],
)
async def test_search_finds_areas_by_name_or_postal_code(client, query, code):
    response = await client.get("/api/v1/areas", params={"q": query, "limit": 500})
    assert response.status_code == 200
    assert code in [a["code"] for a in response.json()["items"]]


async def test_search_wildcards_are_literal(client):
    response = await client.get("/api/v1/areas", params={"q": "%_%"})
    assert response.json()["items"] == []


async def test_one_area_by_code(client):
    response = await client.get("/api/v1/areas/500101")
    assert response.json()["name_en"] == "Si Phum"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/areas/99",
        "/api/v1/areas/12345",
        "/api/v1/areas?parent=9999",
        "/api/v1/areas/9999/boundary",
    ],
)
async def test_unknown_area_code_is_a_404_problem(client, path):
    response = await client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "areas.not_found"
    assert problem["status"] == 404
    assert "ไม่พบพื้นที่" in problem["detail_th"]


async def test_boundary_of_a_district_is_a_geojson_feature(client):
    feature = (await client.get("/api/v1/areas/5001/boundary")).json()
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert feature["properties"]["name_th"] == "เมืองเชียงใหม่"


async def test_subdistrict_without_boundary_is_a_404_problem(client):
    response = await client.get("/api/v1/areas/500101/boundary")
    assert response.status_code == 404
    assert response.json()["code"] == "areas.no_boundary"


async def test_locate_names_province_and_district(client):
    response = await client.get("/api/v1/areas/locate", params={"lat": 18.789, "lon": 98.974})
    assert response.json() == {
        "province": {"code": "50", "name_th": "เชียงใหม่", "name_en": "Chiang Mai"},
        "district": {"code": "5001", "name_th": "เมืองเชียงใหม่", "name_en": "Mueang Chiang Mai"},
        "subdistrict": None,
    }


async def test_locate_in_the_sea_finds_nothing(client):
    response = await client.get("/api/v1/areas/locate", params={"lat": 10.0, "lon": 101.5})
    assert response.json() == {"province": None, "district": None, "subdistrict": None}


async def test_names_come_from_geothai_not_the_truncated_boundary_file(client):
    response = await client.get("/api/v1/areas/8001")
    assert response.json()["name_th"] == "เมืองนครศรีธรรมราช"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 91, "lon": 100}, "lat"),
        ({"lat": -90.5, "lon": 100}, "lat"),
        ({"lat": 13, "lon": 181}, "lon"),
        ({"lat": "abc", "lon": 100}, "lat"),
        ({"lat": 13, "lon": "๑๒x"}, "lon"),
        ({"lat": "nan", "lon": 100}, "lat"),
        ({"lat": 13, "lon": "inf"}, "lon"),
        ({"lon": 100}, "lat"),
    ],
)
async def test_bad_coordinates_are_a_422_naming_the_field(client, params, field):
    response = await client.get("/api/v1/areas/locate", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation.invalid"
    assert [e["field"] for e in problem["errors"]] == [field]
    assert problem["errors"][0]["message_th"]


async def test_search_results_name_their_district_and_province(client):
    response = await client.get("/api/v1/areas", params={"q": "สันทราย", "limit": 50})
    found = {a["code"]: a for a in response.json()["items"]}
    san_sai_luang = found["501401"]
    assert [p["name_th"] for p in san_sai_luang["parents"]] == ["เชียงใหม่", "สันทราย"]
    district = found["5014"]
    assert [p["code"] for p in district["parents"]] == ["50"]


async def test_postal_code_search_finds_every_subdistrict_it_serves(client):
    response = await client.get("/api/v1/areas", params={"q": "50290", "limit": 50})
    found = {a["code"]: a for a in response.json()["items"]}
    assert {"501401", "501412", "500116"} <= set(found)
    assert found["501401"]["parents"][-1]["name_th"] == "สันทราย"
