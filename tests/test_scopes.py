"""Scopes: the grants rule once, in the domain, then every route of every API
over HTTP: each declares a scope, enforces it with a 403 in its API's format,
and authenticates once."""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from fastapi.routing import APIRoute

from local.app import GROUPS, build_app
from timetrack.api.envelope import EnvelopeRoute
from timetrack.api.taskodex.errors import MessageRoute
from timetrack.errors import MissingScope, ValidationFailed
from timetrack.principal import Principal
from timetrack.scopes import canonical, grants, parse
from timetrack.services.auth import Authenticator, scopes_from_claims

WRITES = ("POST", "PUT", "PATCH", "DELETE")
ALL_CONCRETE = {
    "read:projects",
    "write:projects",
    "read:time_entries",
    "write:time_entries",
    "read:tasks",
    "write:tasks",
    "read:clients",
    "write:clients",
    "read:reports",
    "read:users",
    "write:users",
    "admin:all",
}

# ------------------------------------------------------------- the rule ---


@pytest.mark.parametrize(
    ("held", "required", "allowed"),
    [
        ({"read:projects"}, "read:projects", True),
        ({"read:projects"}, "read:tasks", False),
        ({"write:projects"}, "read:projects", False),  # write does not imply read
        ({"read:projects"}, "write:projects", False),
        ({"read:*"}, "read:time_entries", True),
        ({"read:*"}, "read:users", True),
        ({"read:*"}, "write:time_entries", False),
        ({"read:*"}, "admin:all", False),
        ({"write:*"}, "write:users", True),
        ({"write:*"}, "read:reports", False),
        ({"admin:all"}, "write:clients", True),
        ({"admin:all"}, "admin:all", True),
        ({"*"}, "admin:all", True),
        ({"*"}, "read:reports", True),
        ({"read:tasks", "write:tasks"}, "write:tasks", True),
        (set(), "read:projects", False),
    ],
)
def test_grants(held, required, allowed):
    assert grants(held, required) is allowed


def test_everything_grants_every_concrete_scope_and_read_wildcard_only_reads():
    assert all(grants({"*"}, scope) and grants({"admin:all"}, scope) for scope in ALL_CONCRETE)
    assert {scope for scope in ALL_CONCRETE if grants({"read:*"}, scope)} == {
        s for s in ALL_CONCRETE if s.startswith("read:")
    }


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("time_entry:read", "read:time_entries"),
        ("time_entry:write", "write:time_entries"),
        ("time_entry:delete", "write:time_entries"),
        ("read:time_entries", "read:time_entries"),
        ("write:*", "write:*"),
        ("*", "*"),
        ("read:widgets", None),
        ("READ:projects", None),
        ("time_entries:read", None),
        ("", None),
    ],
)
def test_canonical_spelling(spelling, expected):
    assert canonical(spelling) == expected


def test_parse_canonicalises_and_drops_duplicates_in_order():
    assert parse(["time_entry:write", "read:projects", "write:time_entries", "time_entry:delete"]) == (
        "write:time_entries",
        "read:projects",
    )


@pytest.mark.parametrize("names", [["read:projects", "read:widgets"], [], ["admin"]])
def test_parse_refuses_unknown_or_no_scopes_naming_the_field(names):
    with pytest.raises(ValidationFailed) as refused:
        parse(names)
    assert refused.value.field == "scopes"


def test_missing_scope_names_required_and_available():
    with pytest.raises(MissingScope) as refused:
        Principal(7, frozenset({"read:tasks", "read:projects"})).require("write:tasks")
    assert refused.value.required == "write:tasks"
    assert refused.value.available == ["read:projects", "read:tasks"]


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        ({}, {"*"}),  # a sign-in without scopes: everything
        ({"scope": "openid email profile"}, {"*"}),
        ({"scope": "aws.cognito.signin.user.admin"}, {"*"}),
        ({"scope": "openid read:projects time_entry:read"}, {"read:projects", "read:time_entries"}),
        ({"scope": "https://api.example.com/write:tasks"}, {"write:tasks"}),
        ({"permissions": ["time_entry:read", "time_entry:delete"]}, {"read:time_entries", "write:time_entries"}),
        ({"permissions": []}, set()),  # an explicit, empty grant is no scope at all
        ({"permissions": ["organization:read"]}, set()),
        ({"scope": "read:tasks", "permissions": ["read:reports"]}, {"read:tasks", "read:reports"}),
        ({"scope": 42, "permissions": "read:tasks"}, {"*"}),  # malformed claims name nothing
    ],
)
def test_scopes_from_jwt_claims(claims, expected):
    assert scopes_from_claims(claims) == expected


# ------------------------------------------------------- every route ---


def api_routes() -> list[tuple[str, APIRoute]]:
    """(method, route) for every route of every group the local app mounts (docs aside)."""
    return [
        (method, route)
        for group in GROUPS
        for router in importlib.import_module(f"functions.{group}.app").app.state.routers  # every router it serves
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in sorted(route.methods)
    ]


def concrete_path(route: APIRoute) -> str:
    return re.sub(r"\{[^}]+\}", "1", route.path_format)


def send(client, method: str, route: APIRoute, headers: dict[str, str]):
    query = "?workspace_id=1&user_id=1" if route.path == "/time-tracking/active" else ""
    body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
    return client.request(method, concrete_path(route) + query, json=body, headers=headers)


def declared_scope(document: dict[str, Any], method: str, route: APIRoute) -> str:
    requirements = document["paths"][route.path_format][method.lower()]["security"]
    assert requirements == [{"bearer": requirements[0]["bearer"]}, {"apiKey": requirements[0]["bearer"]}]
    (scope,) = requirements[0]["bearer"]
    return scope


def test_every_route_declares_one_scope_for_both_schemes():
    document = build_app().openapi()
    assert set(document["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    routes = api_routes()
    assert len(routes) >= 40  # the invitations router included
    for method, route in routes:
        assert declared_scope(document, method, route) in ALL_CONCRETE, f"{method} {route.path}"


@pytest.fixture
def authentications(monkeypatch) -> list[int]:
    """One item per Authenticator.authenticate call."""
    calls: list[int] = []
    original = Authenticator.authenticate

    def counted(self, bearer, api_key):
        calls.append(1)
        return original(self, bearer, api_key)

    monkeypatch.setattr(Authenticator, "authenticate", counted)
    return calls


def assert_refused_for_scope(response, route: APIRoute, required: str, held: list[str]) -> None:
    label = f"{route.path}: {response.text}"
    assert response.status_code == 403, label
    body = response.json()
    if isinstance(route, EnvelopeRoute):  # the clock-in API's v2 envelope
        assert body["success"] is False, label
        assert body["message"] == "Insufficient scope"
        assert body["error"] == f"required_scope: {required}; available_scopes: {', '.join(held)}"
    elif isinstance(route, MessageRoute):  # seed 004's {"message"}, naming its permission
        permission = {"read:time_entries": "time_entry:read", "write:time_entries": "time_entry:write"}[required]
        if "DELETE" in route.methods:
            permission = "time_entry:delete"
        assert body == {"message": f"This endpoint requires the {permission} permission; the credential has: {held[0]}"}
    else:
        assert body["required_scope"] == required, label
        assert body["available_scopes"] == held
        assert required in body["detail"]


@pytest.mark.parametrize(
    ("held", "methods"),
    [
        pytest.param("read:*", WRITES, id="read-only token on every write route"),
        pytest.param("write:*", ("GET",), id="write-only token on every read route"),
    ],
)
def test_a_token_without_the_scope_is_refused_on_every_route(client, services, user, authentications, held, methods):
    token = services.tokens.issue(user["user_id"], name="narrow", granted=(held,)).token
    document = build_app().openapi()
    checked = 0
    for method, route in api_routes():
        if method not in methods:
            continue
        required = declared_scope(document, method, route)
        action = "read:" if method == "GET" else "write:"
        assert required == "admin:all" or required.startswith(action), f"{method} {route.path} requires {required}"
        authentications.clear()
        response = send(client, method, route, {"Authorization": f"Bearer {token}"})
        assert_refused_for_scope(response, route, required, [held])
        assert len(authentications) == 1, f"{method} {route.path} authenticated {len(authentications)} times"
        checked += 1
    assert checked >= 15


def test_a_token_with_the_route_scope_gets_past_the_check_on_every_route(client, services, user):
    """The same requests, each with a token holding exactly the declared scope: no 403
    (the answers may be 400 or 404: the ids and bodies are placeholders)."""
    document = build_app().openapi()
    for method, route in api_routes():
        required = declared_scope(document, method, route)
        token = services.tokens.issue(user["user_id"], name=required, granted=(required,)).token
        response = send(client, method, route, {"X-API-Key": token})
        assert response.status_code in (200, 201, 204, 400, 404, 409), f"{method} {route.path}: {response.text}"
