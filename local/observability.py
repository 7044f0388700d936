"""What API Gateway and Lambda give each request on AWS, for the local app.

On AWS each endpoint group is its own function: Powertools' logger carries
that function's name and the Lambda request id, and API Gateway writes an
access log. Locally one app serves every group, so this middleware does it:
a fresh request id per request (answered in ``X-Request-Id``), the logger's
``function_name`` (the endpoint group whose route serves the request:
entries, sessions, ..., clock_in), ``function_request_id`` and ``correlation_id``,
and one access log line per request on the ``timetrack.access`` logger.
"""

from __future__ import annotations

import logging
import time
import uuid

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from timetrack.observability import logger

access_log = logging.getLogger("timetrack.access")

REQUEST_ID_HEADER = "X-Request-Id"


class RequestContext:
    """Pure ASGI middleware (no extra task or thread hop per request).

    ``routes`` pairs each route with the name of the function that serves it
    on AWS; a request no route matches (docs, 404) is logged as ``local``.
    """

    def __init__(self, app: ASGIApp, routes: list[tuple[BaseRoute, str]]) -> None:
        self.app = app
        self.routes = routes

    def _function_name(self, scope: Scope) -> str:
        partial = None
        for route, function_name in self.routes:
            match, _ = route.matches(scope)
            if match is Match.FULL:
                return function_name
            if match is Match.PARTIAL and partial is None:  # the path matches, the method does not (405)
                partial = function_name
        return partial or "local"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        function_name = self._function_name(scope)
        # Set per request, left in place at the end: the app-wide error handler,
        # outside this middleware, logs an unhandled error with them.
        logger.thread_safe_clear_keys()
        logger.thread_safe_append_keys(
            function_name=function_name, function_request_id=request_id, correlation_id=request_id
        )
        started = time.perf_counter()
        status = 500  # if the app fails before it answers

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((REQUEST_ID_HEADER.lower().encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            milliseconds = (time.perf_counter() - started) * 1000
            query = scope.get("query_string", b"").decode("latin-1")
            path = scope["path"] + (f"?{query}" if query else "")
            access_log.info(
                "%s %s %d %.1f ms  %s %s", scope["method"], path, status, milliseconds, function_name, request_id
            )
