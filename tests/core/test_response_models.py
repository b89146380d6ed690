"""Every API endpoint declares the shape of its answer, for clients and for schemathesis."""

import types
import typing

from fastapi import routing
from pydantic import BaseModel

# Endpoints whose answer is not one JSON document, each with the reason.
WITHOUT_RESPONSE_MODEL = {
    ("GET", "/api/v1/events/stream"): "a text/event-stream of events, documented in its own text",
    ("GET", "/metrics"): "Prometheus' text exposition format",
    ("GET", "/api/v1/exports/{dataset}.{fmt}"): "a file (CSV, XLSX or GeoJSON), streamed",
    ("GET", "/api/v1/imports/templates/{kind}.xlsx"): "an XLSX template file",
    ("GET", "/api/v1/imports/{import_id}/errors.csv"): "the import's problems as a CSV file",
}
API_PREFIXES = ("/api/", "/healthz", "/readyz", "/metrics")


def declares_a_shape(model: object) -> bool:
    """Tell whether a response model is, or is a list or union of, pydantic models."""
    if isinstance(model, type) and issubclass(model, BaseModel):
        return True
    if isinstance(model, types.UnionType) or typing.get_origin(model) in (list, typing.Union):
        return all(declares_a_shape(arg) for arg in typing.get_args(model) if arg is not None)
    return False


def api_routes(app) -> list[tuple[str, str, object]]:
    """Return (method, path, route) for every API and operations route of the app."""
    found = []
    for context in routing.iter_route_contexts(app.routes):
        if not isinstance(context.original_route, routing.APIRoute):
            continue
        if context.path.startswith(API_PREFIXES):
            # HEAD is every GET's twin (api_docs.install), answered and documented as the GET.
            methods = sorted(context.methods - {"HEAD"})
            found += [(method, context.path, context) for method in methods]
    return found


def test_every_api_endpoint_has_a_response_model(app):
    missing = [
        f"{method} {path}"
        for method, path, route in api_routes(app)
        if (method, path) not in WITHOUT_RESPONSE_MODEL
        and route.status_code != 204  # No Content has no body to describe
        and not declares_a_shape(route.response_model)
    ]
    assert missing == [], "add a response_model (a pydantic schema) to these endpoints"


def test_the_exceptions_are_real_endpoints(app):
    present = {(method, path) for method, path, _route in api_routes(app)}
    assert set(WITHOUT_RESPONSE_MODEL) <= present


def test_a_dict_or_no_model_is_not_a_shape():
    assert not declares_a_shape(None)
    assert not declares_a_shape(dict)
    assert not declares_a_shape(dict[str, str])
    assert not declares_a_shape(list[dict])
    assert declares_a_shape(list[BaseModel])
