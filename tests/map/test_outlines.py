"""The packaged outlines the maps draw when the tile server cannot be reached."""

import pytest


@pytest.mark.parametrize(("level", "count"), [("provinces", 77), ("districts", 928)])
async def test_the_outlines_are_thailands_provinces_and_districts(client, level, count):
    response = await client.get(f"/map/{level}.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/geo+json")
    assert response.headers["content-encoding"] == "gzip"  # sent as packaged, 22 and 187 kB
    document = response.json()
    assert document["type"] == "FeatureCollection"
    assert len(document["features"]) == count
    for feature in document["features"]:
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
