"""A JSON body with a field the API does not know is refused (422 naming it), not ignored.

A ratchet: `ACCEPTS_UNKNOWN` lists the bodies that still ignore unknown fields (they predate
`core.fields.StrictInput`); it may only shrink. A new body must refuse them.
"""

ACCEPTS_UNKNOWN = {
    "AssignIn",
    "BulkCloseIn",
    "CapacityUpdate",
    "CodeRequestIn",
    "CodeVerifyIn",
    "FacilityCreate",
    "HelpRequestCreate",
    "IncidentCreate",
    "LoginIn",
    "MergeIn",
    "RefuseIn",
    "TokenCreate",
    "TransitionIn",
    "UserSave",
    "VolunteerSave",
}


def _json_bodies(spec: dict) -> dict[str, dict]:
    """Return each JSON request body's schema by its name."""
    schemas = spec["components"]["schemas"]
    bodies = {}
    for operations in spec["paths"].values():
        for operation in operations.values():
            content = (operation.get("requestBody") or {}).get("content", {})
            ref = content.get("application/json", {}).get("schema", {}).get("$ref")
            if ref:
                name = ref.rsplit("/", 1)[-1]
                bodies[name] = schemas[name]
    return bodies


async def test_new_json_bodies_refuse_unknown_fields(app):
    bodies = _json_bodies(app.openapi())
    lenient = {
        name for name, schema in bodies.items() if schema.get("additionalProperties") is not False
    }
    assert lenient <= ACCEPTS_UNKNOWN, (
        f"make these refuse unknown fields: {lenient - ACCEPTS_UNKNOWN}"
    )
    assert "PreferencesIn" in bodies and "PreferencesIn" not in lenient
    fixed = ACCEPTS_UNKNOWN - lenient
    assert not fixed, f"these refuse unknown fields now: take them off ACCEPTS_UNKNOWN: {fixed}"
