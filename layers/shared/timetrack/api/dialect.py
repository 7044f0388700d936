"""The route class every API dialect's routers use: whatever a handler raises
(validation, auth in a dependency, domain errors, anything else) answers in
that dialect's format, even inside an app whose exception handlers speak
another (the local combined app)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from .idempotency import IdempotentReplay


class DialectRoute(APIRoute):
    """Subclasses say how their dialect renders an error (:meth:`render`)."""

    def render(self, request: Request, error: Exception) -> Response:
        raise NotImplementedError

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def answered(request: Request) -> Response:
            try:
                return await handle(request)
            except IdempotentReplay:
                raise  # the kept answer: IdempotencyMiddleware sends it as it was
            except Exception as error:
                return self.render(request, error)

        return answered
