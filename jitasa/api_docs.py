"""The API's documentation: OpenAPI with problem+json answers, and Swagger UI from a package.

FastAPI documents its own validation error shape, which Jitasa never sends, and no 401, 403,
404, 409 or 429; its /docs page loads Swagger UI from a CDN (a blank page offline). Here the
schema documents RFC 9457 problem documents for every error an operation can give, Swagger UI
is served from the `swagger-ui-bundle-v2` package with a script of our own (no inline script),
and `JITASA_PUBLIC_API_DOCS` decides whether /docs and /openapi.json are served (default: in
development only). GET routes also answer HEAD.
"""

import re
import warnings

import swagger_ui_bundle
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from jitasa.core.config import Settings

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem document, in English and Thai.",
    "required": ["type", "title", "status", "code", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "title_th": {"type": "string"},
        "status": {"type": "integer"},
        "code": {"type": "string", "description": "Stable, such as `request.not_open`."},
        "detail": {"type": "string"},
        "detail_th": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "message_th": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}
ERRORS = {
    "401": "Not signed in, or the token or session has ended (where the operation needs it).",
    "403": "Not allowed for this user, area or form (CSRF).",
    "404": "Nothing at this address (an unknown id or code).",
    "409": "Conflicts with the current state (taken, changed meanwhile, already exists).",
    "413": "The body is larger than the operation accepts.",
    "422": "Invalid input; `errors` names each field.",
    "429": "Too many; `Retry-After` says how many seconds to wait.",
    "503": "Busy or not ready; nothing was saved.",
}
WITH_BODY = {"post", "put", "patch"}
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Jitasa API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui" data-url="/openapi.json"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script src="/static/js/api-docs.js"></script></body></html>"""


def install(app: FastAPI, settings: Settings) -> None:
    """Answer HEAD on GET routes; serve the schema and the docs page when settings say so."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        for served in contexts() if contexts else [route]:
            methods = getattr(served, "methods", None)
            if methods and "GET" in methods:
                methods.add("HEAD")
    app.openapi = lambda: _openapi(app)
    if not settings.api_docs_are_public:
        return
    app.add_route("/openapi.json", _schema(app), include_in_schema=False)
    app.mount("/docs/static", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path))
    app.add_route("/docs", _docs_page, include_in_schema=False)


def _schema(app: FastAPI):
    """Return the endpoint answering the OpenAPI schema."""

    async def openapi_json(_request) -> JSONResponse:
        return JSONResponse(app.openapi())

    return openapi_json


async def _docs_page(_request) -> HTMLResponse:
    """Show Swagger UI, served from the package."""
    return HTMLResponse(DOCS_PAGE)


def _openapi(app: FastAPI) -> dict:
    """Build the schema once: problem documents for errors, no HEAD duplicates."""
    if app.openapi_schema:
        return app.openapi_schema
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # HEAD shares each GET's operation id; dropped below
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for fastapi_shape in ("HTTPValidationError", "ValidationError"):
        components.pop(fastapi_shape, None)
    components["Problem"] = PROBLEM
    for path, operations in schema.get("paths", {}).items():
        operations.pop("head", None)
        for method, operation in operations.items():
            _document_errors(path, method, operation)
    app.openapi_schema = schema
    return schema


def _document_errors(path: str, method: str, operation: dict) -> None:
    """Give an operation the problem answers it can give."""
    responses = operation.setdefault("responses", {})
    codes = {"401", "403", "429", "503"}
    if re.search(r"{\w+}", path):
        codes.add("404")
    if method in WITH_BODY or "parameters" in operation or "422" in responses:
        codes.add("422")
    if method in WITH_BODY:
        codes |= {"409", "413"}
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for code in sorted(codes):
        if code in responses and code != "422":
            continue  # the operation documents this answer itself (readiness's 503)
        responses[code] = {"description": ERRORS[code], "content": problem}
