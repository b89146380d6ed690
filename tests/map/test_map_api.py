"""The map endpoint's contract: GeoJSON shape, layers, filters and bad input."""

import pytest

from tests.help_requests.helpers import CHOM_THONG, field_names, make_request

THAILAND = "97.3,5.6,105.7,20.5"


async def test_answer_is_a_feature_collection_of_active_requests(client, session):
    await make_request(session)
    await make_request(session, **CHOM_THONG)
    response = await client.get("/api/v1/map", params={"bbox": THAILAND, "zoom": 6})
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "FeatureCollection"
    assert body["totals"] == {"requests": 2}
    for feature in body["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        assert feature["properties"]["layer"] == "requests"


async def test_province_and_district_filters_count_only_their_requests(client, session):
    await make_request(session)  # 5001
    await make_request(session, **CHOM_THONG)  # 5002
    await make_request(session, lat=13.7563, lon=100.5018)  # Bangkok

    async def total(**params) -> int:
        response = await client.get("/api/v1/map", params={"bbox": THAILAND, "zoom": 5, **params})
        assert response.status_code == 200, response.text
        return response.json()["totals"]["requests"]

    assert [await total(), await total(area="50"), await total(area="5002")] == [3, 2, 1]
    assert await total(area="10") == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"bbox": "1,2,3", "zoom": 5}, "bbox"),
        ({"bbox": "a,b,c,d", "zoom": 5}, "bbox"),
        ({"bbox": "100,20,99,21", "zoom": 5}, "bbox"),
        ({"bbox": "-200,0,10,10", "zoom": 5}, "bbox"),
        ({"bbox": "nan,0,10,10", "zoom": 5}, "bbox"),
        ({"zoom": 5}, "bbox"),
        ({"bbox": THAILAND, "zoom": 21}, "zoom"),
        ({"bbox": THAILAND, "zoom": -1}, "zoom"),
        ({"bbox": THAILAND, "zoom": "near"}, "zoom"),
        ({"bbox": THAILAND}, "zoom"),
        ({"bbox": THAILAND, "zoom": 5, "layers": "requests,unicorns"}, "layers"),
        ({"bbox": THAILAND, "zoom": 5, "layers": ","}, "layers"),
        ({"bbox": THAILAND, "zoom": 5, "category": "pizza"}, "category"),
        ({"bbox": THAILAND, "zoom": 5, "urgency": "purple"}, "urgency"),
        ({"bbox": THAILAND, "zoom": 5, "status": "lost"}, "status"),
        ({"bbox": THAILAND, "zoom": 5, "area": "99"}, "area"),
        ({"bbox": THAILAND, "zoom": 5, "area": "5o"}, "area"),
    ],
)
async def test_bad_viewports_and_filters_are_422_naming_the_field(client, params, field):
    response = await client.get("/api/v1/map", params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in field_names(response)
    assert response.json()["errors"][0]["message_th"]
