"""Thai error messages name fields in Thai and join them with Thai words, across the API."""

import re

import pytest

from jitasa.core.errors import invalid_field
from jitasa.core.field_names import FIELD_NAMES, join_th, thai_choices, thai_field
from jitasa.core.i18n import _catalogue, thai
from tests.factories import signed_in

LATIN_WORD = re.compile(r"\b(or|and)\b")


def _inputs(spec: dict) -> set[str]:
    """Return the name of every input the API reads: parameters, and body fields at any depth."""
    schemas = spec["components"]["schemas"]
    names: set[str] = set()
    seen: set[str] = set()

    def walk(schema: dict) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                seen.add(name)
                walk(schemas[name])
            return
        for prop, sub in schema.get("properties", {}).items():
            names.add(prop)
            walk(sub)
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                walk(sub)
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                walk(schema[key])

    for operations in spec["paths"].values():
        for operation in operations.values():
            names.update(p["name"] for p in operation.get("parameters", []))
            for content in (operation.get("requestBody") or {}).get("content", {}).values():
                if content["schema"].get("$ref", "").startswith("#/components/schemas/Body_"):
                    continue  # multipart uploads: read by hand, their fields named by the importer
                walk(content["schema"])
    return names


async def test_every_input_of_the_api_has_a_name_in_thai(app):
    missing = sorted(_inputs(app.openapi()) - FIELD_NAMES.keys())
    assert not missing, f"add these to jitasa/core/field_names.py FIELD_NAMES: {missing}"
    untranslated = sorted({v for v in FIELD_NAMES.values() if v not in _catalogue("th")})
    assert not untranslated, f"add their Thai to locales/th.po: {untranslated}"


def test_names_and_choices_read_in_thai():
    assert thai_field("quiet_start") == "งดแจ้งตั้งแต่"
    assert thai_field("channels.0") == "ช่องทาง รายการที่ 1"
    assert thai_field("not_a_field") == "not_a_field"
    assert thai_choices("'th' or 'en'") == "'th' หรือ 'en'"
    assert thai_choices("'red', 'yellow' or 'green'") == "'red', 'yellow' หรือ 'green'"
    assert thai_choices("'only'") == "'only'"
    assert join_th(["ก", "ข", "ค"]) == "ก, ข และ ค"


def test_a_domain_error_names_its_field_in_thai():
    error = invalid_field("people_count", "{field} must be at least {ge}.", ge=1)
    assert error.errors[0].message == "people_count must be at least 1."
    assert error.errors[0].message_th == "จำนวนคน ต้องไม่น้อยกว่า 1"
    assert "people_count" not in error.detail_th


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/requests", {"urgency": "purple", "lat": "x", "people_count": 0}),
        ("/api/v1/volunteers", {"kind": "wizard", "home_lat": "north"}),
    ],
)
async def test_validation_answers_across_the_api_have_no_english_keys_or_joins_in_thai(
    client, session, path, body
):
    _user, headers = await signed_in(session)
    answer = await client.post(path, json=body, headers=headers)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    for error in problem["errors"]:
        top = error["field"].split(".")[0]
        assert top not in error["message_th"], error
        assert not LATIN_WORD.search(error["message_th"]), error
    assert not LATIN_WORD.search(problem["detail_th"])
    assert not re.search(r"[a-z]_[a-z]", problem["detail_th"]), problem["detail_th"]


def test_a_status_in_a_thai_message_is_told_in_thai_words():
    from jitasa.core.errors import Conflict
    from jitasa.core.field_names import STATUS_WORDS
    from jitasa.help_requests.states import Status
    from jitasa.web.request_views import STATUS_LABELS

    assert (
        {str(k): v for k, v in STATUS_LABELS.items()}
        == STATUS_WORDS
        == {s.value: STATUS_WORDS[s.value] for s in Status}
    )
    error = Conflict(
        "request.bad_transition",
        "A request cannot go from {from_status} to {to_status}.",
        {"from_status": "in_progress", "to_status": "open"},
    )
    assert error.detail == "A request cannot go from in_progress to open."
    assert "in_progress" not in error.detail_th and "open" not in error.detail_th
    assert thai(STATUS_WORDS["in_progress"]) in error.detail_th
