"""Reading boundary files: OCHA and DOPA codes, and every kind of bad file refused whole."""

import gzip
import json

import pytest

from jitasa.areas.boundaries import parse_boundaries, read_boundary_file
from jitasa.core.errors import Invalid

KNOWN = {"50", "5001", "500101", "10", "1001"}
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[98.9, 18.7], [99.0, 18.7], [99.0, 18.8], [98.9, 18.8], [98.9, 18.7]]],
}


def collection(*features: dict) -> dict:
    """Wrap features in a FeatureCollection."""
    return {"type": "FeatureCollection", "features": list(features)}


def feature(properties: dict, geometry: dict | None = None) -> dict:
    """Build one GeoJSON feature."""
    return {"type": "Feature", "properties": properties, "geometry": geometry or SQUARE}


def test_ocha_codes_are_read_as_dopa_codes():
    boundaries = parse_boundaries(
        collection(feature({"ADM1_PCODE": "TH50", "ADM2_PCODE": "TH5001"})), KNOWN
    )
    assert [b.code for b in boundaries] == ["5001"]


def test_ocha_subdistrict_level_wins_over_its_parents():
    properties = {"ADM1_PCODE": "TH50", "ADM2_PCODE": "TH5001", "ADM3_PCODE": "TH500101"}
    assert parse_boundaries(collection(feature(properties)), KNOWN)[0].code == "500101"


def test_plain_dopa_code_property_is_read():
    assert parse_boundaries(collection(feature({"code": "500101"})), KNOWN)[0].code == "500101"


def test_gzipped_file_is_read(tmp_path):
    path = tmp_path / "b.geojson.gz"
    path.write_bytes(gzip.compress(json.dumps(collection(feature({"code": "50"}))).encode()))
    assert [b.code for b in read_boundary_file(path, KNOWN)] == ["50"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "not valid GeoJSON"),
        (b"{not json", "not valid GeoJSON"),
        (b"\xff\xfe\x00garbage", "not valid GeoJSON"),
        (b"[1, 2, 3]", "FeatureCollection"),
        (b'{"type": "Feature"}', "FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": []}', "no features"),
    ],
)
def test_malformed_file_is_refused_with_a_clear_message(tmp_path, content, expected):
    path = tmp_path / "bad.geojson"
    path.write_bytes(content)
    with pytest.raises(Invalid) as refused:
        read_boundary_file(path, KNOWN)
    assert expected in refused.value.detail
    assert refused.value.code == "areas.bad_boundary_file"
    assert refused.value.detail_th != refused.value.detail  # Thai message exists


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(Invalid) as refused:
        read_boundary_file(tmp_path / "nowhere.geojson", KNOWN)
    missing = tmp_path / "nowhere.geojson"
    assert refused.value.detail == f"FILE: there is no file {missing}."
    assert refused.value.detail_th == f"FILE: ไม่มีไฟล์ {missing}"


def test_file_of_another_country_is_refused_as_not_thai():
    laos = collection(
        feature({"ADM1_PCODE": "LA01", "ADM1_EN": "Vientiane Capital"}),
        feature({"ADM1_PCODE": "LA02"}),
    )
    with pytest.raises(Invalid) as refused:
        parse_boundaries(laos, KNOWN)
    assert "boundary file of Thailand" in refused.value.detail
    assert refused.value.errors[0].field == "features[1].code"


def test_one_bad_feature_refuses_the_whole_file_and_names_it():
    outside = {"type": "Polygon", "coordinates": [[[2, 48], [3, 48], [3, 49], [2, 48]]]}
    document = collection(
        feature({"code": "50"}),
        feature({"code": "5001"}, outside),
        feature({"code": "99"}),
        feature({"code": "1001"}, {"type": "Point", "coordinates": [100.5, 13.7]}),
        feature({"code": "10"}, {"type": "Polygon", "coordinates": [[["a", "b"]]]}),
    )
    with pytest.raises(Invalid) as refused:
        parse_boundaries(document, KNOWN)
    problems = {e.field: e.message for e in refused.value.errors}
    assert "4 of 5 features" in refused.value.detail
    assert problems == {
        "features[2].geometry": "The geometry lies outside Thailand.",
        "features[3].code": "99 is not a Thai area code.",
        "features[4].geometry": "The geometry must be a Polygon or MultiPolygon.",
        "features[5].geometry": "The geometry's coordinates are malformed.",
    }
    assert all(e.message_th and e.message_th != e.message for e in refused.value.errors)


def test_feature_without_any_code_is_named():
    with pytest.raises(Invalid) as refused:
        parse_boundaries(collection(feature({"code": "50"}), feature({"name": "x"})), KNOWN)
    assert refused.value.errors[0].field == "features[2].code"
