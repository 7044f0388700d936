"""What every app does at its edge, around its routes: refuse request bodies
over ``MAX_BODY_BYTES`` (413, in the app's own error format) and gzip answers
for clients that accept them.

Lambda takes at most 6 MB each way; API Gateway would pass up to 10 MB.
Nothing this API accepts comes near 1 MiB (a note is at most 2000
characters), so a bigger body is refused before anything parses it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import PayloadTooLarge
from .schemas import error_content

MAX_BODY_BYTES = 1024 * 1024

# Answers are gzipped (Starlette's GZipMiddleware) for clients that send
# ``Accept-Encoding: gzip``; Mangum base64-encodes the compressed body for API
# Gateway (it is not text). Smaller answers gain too little; level 6
# compresses the largest list (responses.LIST_BODY_BUDGET) in tens of ms.
GZIP_MINIMUM_BYTES = 1024
GZIP_LEVEL = 6

Reject = Callable[[Request, PayloadTooLarge], Awaitable[Response]]


class BodySizeLimit:
    """Pure ASGI: a declared ``Content-Length`` over the limit is refused
    unread; otherwise the body is read first (at most limit + one chunk) and
    counted, whatever length was declared or none, then handed on whole.
    ``reject`` renders the 413 (the app's DomainError handler, so each API
    answers in its own format). Under Mangum the body is one message anyway."""

    def __init__(self, app: ASGIApp, *, reject: Reject, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.reject = reject
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(scope, receive, send)
            return
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break  # the client went away: let the app see it
            size += len(message.get("body", b""))
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.reject(Request(scope, receive), PayloadTooLarge(self.limit))
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None  # not a number: count what arrives instead


def document(schema: dict[str, Any]) -> None:
    """In the OpenAPI document: the 413 of every operation that takes a body
    (in the error format of the operation's 401)."""
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            responses = operation["responses"]
            responses["413"] = {
                "description": f"The request body is larger than {MAX_BODY_BYTES} bytes",
                **error_content(responses),
            }
