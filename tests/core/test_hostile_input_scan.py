"""The hostile-input scan: every input of every route refuses what the databases cannot hold.

Each route (API and pages, included routers and routes added later alike) is called once per
input it declares — path, query, header, JSON body field at any depth, form field — with a
value no database stores alike: an integer past 64 bits, past 32 bits, below the smallest
64-bit one, an infinite or undefined number, text holding NUL or another control character or
a lone surrogate. Each call must answer 422 naming that input, on SQLite and PostgreSQL alike
(PostgreSQL refused NUL with a 500 while SQLite stored it; integers overflowed both); an
infinite or undefined number is told as not finite ("radius_km=nan" was answered "must be at
most 100"). Inputs a route reads by hand (a page's form, `?lang=`) are covered by an
undeclared probe field.
"""

import json
import re
import types
import typing
from dataclasses import dataclass
from enum import Enum
from urllib.parse import quote

import pytest
from pydantic import BaseModel

from jitasa.core.words import Role
from tests.core.test_read_and_write_sessions import served_routes
from tests.factories import make_volunteer, signed_in
from tests.help_requests.helpers import make_request

BAD_INTEGERS = [2**63, 2**31, -(2**63) - 1]
BAD_NUMBERS = ["1e999", "-1e999", "NaN"]  # read as infinite or undefined floats
BAD_TEXTS = ["a\x00b", "\x1b[31m", "\x7f", "\x85"]
LONE_SURROGATE = "\ud800"  # only JSON can carry it: a URL or form is UTF-8 by then
ENDLESS = {"/api/v1/events/stream"}  # answered before it streams; `follow=false` ends a replay
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass(frozen=True)
class Input:
    """One input a route declares: where it goes, its name (a path inside a body), its kind."""

    where: str  # path, query, header, json, form
    name: tuple
    kind: str  # int, float, text

    @property
    def field(self) -> str:
        """Return the name a problem document gives it."""
        return ".".join(str(part) for part in self.name)


def _plain(annotation) -> list:
    """Return the types an annotation allows, without Annotated and None."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _plain(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _plain(arg)]
    return [] if annotation is type(None) else [annotation]


def _leaves(annotation, name: tuple) -> list[tuple[tuple, str]]:
    """Return (name, kind) for every integer, number and text inside an annotation."""
    found = []
    for kind in _plain(annotation):
        origin = typing.get_origin(kind)
        if origin in (list, tuple, set, frozenset):
            found += _leaves(typing.get_args(kind)[0], (*name, 0))
        elif origin is dict:
            found += _leaves(typing.get_args(kind)[1], (*name, "red"))
        elif isinstance(kind, type) and issubclass(kind, BaseModel):
            for field_name, field in kind.model_fields.items():
                found += _leaves(field.annotation, (*name, field.alias or field_name))
        elif kind is bool or (isinstance(kind, type) and issubclass(kind, Enum)):
            continue
        elif kind is int:
            found.append((name, "int"))
        elif kind is float:
            found.append((name, "float"))
        elif kind is str:
            found.append((name, "text"))
    return list(dict.fromkeys(found))


def inputs_of(route) -> list[Input]:
    """Return every input a route and its dependencies declare."""
    found: list[Input] = []

    def walk(dependant) -> None:
        for where, params in (
            ("path", dependant.path_params),
            ("query", dependant.query_params),
            ("header", dependant.header_params),
        ):
            for param in params:
                found.extend(
                    Input(where, (param.alias,), kind)
                    for _, kind in _leaves(param.field_info.annotation, ())
                )
        for param in dependant.body_params:
            where = "form" if type(param.field_info).__name__ == "Form" else "json"
            embedded = where == "form" or len(dependant.body_params) > 1
            for name, kind in _leaves(param.field_info.annotation, ()):
                found.append(Input(where, ((param.alias,) if embedded else ()) + name, kind))
        for sub in dependant.dependencies:
            walk(sub)

    walk(route.dependant)
    return list(dict.fromkeys(found))


def _nest(name: tuple, value) -> object:
    """Return a JSON body holding the value at this name."""
    if not name:
        return value
    head, rest = name[0], name[1:]
    return [_nest(rest, value)] if isinstance(head, int) else {head: _nest(rest, value)}


def _url(path: str, ids: dict[str, int], bad: Input | None, value) -> str:
    """Fill a path's parameters with real ids, or the bad value for the input under test."""

    def fill(found: re.Match) -> str:
        if bad is not None and bad.where == "path" and bad.name == (found[1],):
            return quote(str(value), safe="")
        return str(ids.get(found[1], 1))

    return re.sub(r"{(\w+)(?::\w+)?}", fill, path)


FINITE = "must be a finite number"  # what a number's error says of NaN and ±infinity


def calls(route, ids: dict[str, int]) -> list[tuple[str, dict, str, bool]]:
    """Return (method, request arguments, field to be named, whether the value is a number
    that is not finite) for every bad value of a route."""
    method = sorted(route.methods - {"HEAD"})[0]
    found = []
    for given in inputs_of(route):
        values = {
            "int": BAD_INTEGERS,
            "float": BAD_NUMBERS,
            "text": BAD_TEXTS + ([LONE_SURROGATE] if given.where == "json" else []),
        }[given.kind]
        if given.where == "header" and given.kind == "text":
            continue  # servers refuse control characters in headers before any app sees them
        for value in values:
            arguments: dict = {"url": _url(route.path, ids, given, value)}
            if given.where == "query":
                arguments["params"] = {given.field: str(value)}
            elif given.where == "header":
                arguments["headers"] = {given.name[0]: str(value)}
            elif given.where == "form":
                arguments["data"] = {given.field: str(value)}
            elif given.where == "json":
                number = given.kind == "float"
                body = json.dumps(_nest(given.name, float(value) if number else value))
                arguments["content"] = body.encode()
                arguments["headers"] = {"content-type": "application/json"}
            found.append((method, arguments, given.field, given.kind == "float"))
    probe = {"url": _url(route.path, ids, None, None)}
    if method in MUTATING:
        found.append((method, {**probe, "data": {"probe": "a\x00b"}}, "probe", False))
        body = json.dumps({"probe": ["ok", "\x00"]}).encode()
        json_probe = {"content": body, "headers": {"content-type": "application/json"}}
        found.append((method, {**probe, **json_probe}, "probe.1", False))
    else:
        found.append((method, {**probe, "params": {"probe": "a\x00b"}}, "probe", False))
    return found


@pytest.fixture
async def everyone(session) -> tuple[dict[str, str], dict[str, int]]:
    """Headers of an admin who is also a volunteer, past every role check; ids that exist."""
    user, headers = await signed_in(session, roles=[Role.ADMIN, Role.VOLUNTEER])
    profile = await make_volunteer(session, user=user)
    help_request = await make_request(session)
    return headers, {"request_id": help_request.id, "volunteer_id": profile.id}


def test_the_scan_finds_every_kind_of_input(app):
    found = {
        (route.path, given.where, given.field, given.kind)
        for route in served_routes(app)
        for given in inputs_of(route)
    }
    assert ("/api/v1/requests/{request_id}", "path", "request_id", "int") in found
    assert ("/api/v1/requests", "query", "category", "text") in found
    assert ("/api/v1/requests", "json", "people_count", "int") in found
    assert ("/api/v1/incidents", "json", "categories.0.name_th", "text") in found
    assert ("/api/v1/incidents", "json", "sla_minutes.red", "int") in found
    assert ("/api/v1/events/stream", "header", "Last-Event-ID", "int") in found
    assert ("/signin", "form", "phone", "text") in found
    assert ("/api/v1/volunteers", "json", "home_lat", "float") in found


async def test_every_input_of_every_route_refuses_what_cannot_be_stored(client, app, everyone):
    headers, ids = everyone
    wrong = []
    for route in served_routes(app):
        for method, arguments, field, not_finite in calls(route, ids):
            arguments["headers"] = {**headers, **arguments.get("headers", {})}
            if route.path in ENDLESS:
                arguments["params"] = {"follow": "false", **arguments.get("params", {})}
            response = await client.request(method, **arguments)
            problem = "problem+json" in response.headers.get("content-type", "")
            errors = response.json().get("errors", []) if problem else []
            top = field.split(".")[0]
            mine = [e for e in errors if e["field"] == field or e["field"].split(".")[0] == top]
            named = [e["field"] for e in errors]
            if response.status_code != 422 or not mine:
                wrong.append(f"{method} {arguments} → {response.status_code} {named}")
            elif not_finite and not all(FINITE in e["message"] for e in mine):
                wrong.append(f"{method} {arguments} → {[e['message'] for e in mine]}")
    assert wrong == [], "\n".join(wrong)
