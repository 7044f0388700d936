"""Rate limits over HTTP: counted in the authentication dependency (so only
authenticated requests count, and a refused one never reaches its route),
reported on the answer by :class:`RateLimitHeaders`.

``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset`` (Unix seconds) describe
the tighter window; a 429 adds ``Retry-After`` (each API's error mapper).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import RateLimited
from ..runtime import services
from ..services.limits import RateLimit
from .schemas import error_content

STATE_KEY = "rate_limit"  # on request.state: the request's RateLimit
HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def count(request: Request, subject: str) -> None:
    """Count the request against ``subject``'s limits (RateLimited past them)."""
    try:
        setattr(request.state, STATE_KEY, services().limits.hit(subject))
    except RateLimited as limited:
        setattr(request.state, STATE_KEY, limited.limit)  # the 429 reports the window too
        raise


def _encoded(limit: RateLimit) -> list[tuple[bytes, bytes]]:
    values = (limit.limit, limit.remaining, limit.reset)
    return [(name.lower().encode(), str(value).encode()) for name, value in zip(HEADERS, values, strict=True)]


def standing(request: Request) -> dict[str, str]:
    """The request's headers, if it was counted, for an answer that does not pass
    :class:`RateLimitHeaders`: an unhandled error's 500 is sent from outside every middleware."""
    limit = getattr(request.state, STATE_KEY, None)
    return {} if limit is None else {name.decode(): value.decode() for name, value in _encoded(limit)}


class RateLimitHeaders:
    """Adds the request's rate-limit standing, if it was counted, to its answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and (limit := state.get(STATE_KEY)) is not None:
                message = {**message, "headers": [*message.get("headers", []), *_encoded(limit)]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def document(schema: dict[str, Any]) -> None:
    """In the OpenAPI document: the headers on every answer of an authenticated
    operation, and its 429 (in the error format of the operation's 401)."""
    components = schema.setdefault("components", {}).setdefault("headers", {})
    descriptions = (
        "Requests allowed in the tighter window (a minute or an hour)",
        "Requests left in that window",
        "When that window starts afresh, Unix seconds",
    )
    for name, description in zip(HEADERS, descriptions, strict=True):
        components[name] = {"description": description, "schema": {"type": "integer"}}
    components["Retry-After"] = {
        "description": "Seconds to wait before retrying",
        "required": True,
        "schema": {"type": "integer"},
    }
    refs = {name: {"$ref": f"#/components/headers/{name}"} for name in HEADERS}
    for operation in _authenticated_operations(schema):
        responses = operation["responses"]
        for status, response in responses.items():
            if status != "401":
                response.setdefault("headers", {}).update(refs)
        responses["429"] = {
            "description": "Rate limit exceeded: nothing was done; retry after `Retry-After` seconds",
            "headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}, **refs},
            **error_content(responses),
        }


def _authenticated_operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        operation
        for path in schema.get("paths", {}).values()
        for operation in path.values()
        if isinstance(operation, dict) and operation.get("security")
    ]
