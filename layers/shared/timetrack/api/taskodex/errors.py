"""The one place that maps errors to the organization time-entries API's answers.

Style of seed 004: every error is ``{"message": "..."}`` with its status,
the framework's own too (unknown path 404, wrong method 405 with ``Allow``,
a malformed body 400), never a stack trace. Validation is 400 (not FastAPI's
422) and names each field; a missing permission is 403 naming it in the
seed's spelling (``time_entry:read`` / ``write`` / ``delete``); a timer
already running is 409 naming that timer's task; no running timer to stop is
404; 413, 422 and 409 of an Idempotency-Key, 429 and 503 (both with
``Retry-After``) as everywhere.

Two ways in, one mapping (:func:`error_response`), as for the clock-in
envelope (``timetrack.api.envelope``):

- :class:`MessageRoute`, the route class of the router, converts whatever its
  handler raises, so its routes answer this style even inside an app whose
  handlers speak another (the local combined app);
- :func:`install` registers the mapping app-wide (the function's own app), and
  :func:`install_under` for the paths under the prefix in another app, for what
  the framework raises outside any route (unknown path, wrong method).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from ...errors import (
    Conflict,
    DomainError,
    Forbidden,
    ForwardingFailed,
    IdempotencyKeyReused,
    MissingScope,
    NoActiveTimer,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    TimerRunning,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from ...observability import logger
from ...runtime import services
from .. import limits
from ..dialect import DialectRoute
from . import PREFIX


class TaskodexError(BaseModel):
    message: str = Field(description="What went wrong, for people.", examples=["Time entry not found"])


RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": TaskodexError, "description": "Invalid request body or query (the field is named)"},
    401: {"model": TaskodexError, "description": "Missing or invalid credentials"},
    403: {"model": TaskodexError, "description": "The credential lacks the permission, or the entries are not yours"},
    404: {"model": TaskodexError, "description": "Organization, time entry or task not found"},
    503: {
        "model": TaskodexError,
        "description": "A backing service is throttling or down: nothing was done; retry after `Retry-After`",
        "headers": RETRY_AFTER,
    },
}
"""The error answers of every route, for its ``responses=``."""

TIMER_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": TaskodexError, "description": "You already have a running timer (its task is named)"}
}

# The seed's permission names, by the canonical scope a route requires (a
# DELETE names time_entry:delete, the alias of write:time_entries it requires).
PERMISSIONS = {"read:time_entries": "time_entry:read", "write:time_entries": "time_entry:write"}
NO_RUNNING_TIMER = "No running timer found for this task"


# ------------------------------------------------------------- mapping ---


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    """("body", "task_id") -> "task_id"; ("query", "page") -> "page"; ("body",) -> "body"."""
    parts = [str(part) for part in loc]
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "request"


def _invalid_request(error: RequestValidationError) -> str:
    problems = error.errors()
    malformed = next((p for p in problems if p.get("type") == "json_invalid"), None)
    if malformed is not None:
        reason = (malformed.get("ctx") or {}).get("error") or "JSON decode error"
        return f"Invalid JSON body: {reason}"
    return "; ".join(f"{_where(p.get('loc', ()))}: {p.get('msg', 'invalid')}" for p in problems) or "Invalid request"


def _missing_permission(request: Request, error: MissingScope) -> str:
    needed = "time_entry:delete" if request.method == "DELETE" else PERMISSIONS.get(error.required, error.required)
    held = ", ".join(PERMISSIONS.get(scope, scope) for scope in error.available) or "none"
    return f"This endpoint requires the {needed} permission; the credential has: {held}"


def _timer_running(error: TimerRunning) -> str:
    """The seed's message, naming the task of the timer that runs (from whichever API)."""
    entry = error.entry
    if entry is None:
        return "You already have a running timer"
    if entry.task_id is None or entry.workspace_id is None:
        return f"You already have a running timer (time entry {entry.id}, on no task)"
    try:
        title = services().workspaces.find_task(entry.workspace_id, entry.task_id).title
    except DomainError:  # the 409 stands without the title (the task gone, the directory busy)
        return f"You already have a running timer for task {entry.task_id}"
    return f'You already have a running timer for task "{title}" ({entry.task_id})'


STATUSES: tuple[tuple[type[DomainError], int], ...] = (
    (ValidationFailed, 400),
    (Unauthorized, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (PayloadTooLarge, 413),
    (IdempotencyKeyReused, 422),
    (RateLimited, 429),
    (Unavailable, 503),
)


def _classify(request: Request, error: Exception) -> tuple[int, str]:
    """(status, message)."""
    if isinstance(error, RequestValidationError):
        return 400, _invalid_request(error)
    if isinstance(error, HTTPException):
        return error.status_code, error.detail if isinstance(error.detail, str) else "Request rejected"
    if not isinstance(error, DomainError):
        return 500, "Internal server error"
    status = next((status for kind, status in STATUSES if isinstance(error, kind)), 500)
    if isinstance(error, MissingScope):
        return status, _missing_permission(request, error)
    if isinstance(error, TimerRunning):
        return status, _timer_running(error)
    if isinstance(error, NoActiveTimer):
        return status, NO_RUNNING_TIMER
    return status, error.message


def error_response(request: Request, error: Exception, *, outside_middleware: bool = False) -> JSONResponse:
    """The ``{"message"}`` answer for ``error``. 500s are logged with their trace
    (never sent); an outage (503) is a warning naming its cause. ``outside_middleware``:
    an unhandled error's 500 is sent from outside RateLimitHeaders, so it adds them."""
    status, message = _classify(request, error)
    headers: dict[str, str] = {}
    if status == 503:
        logger.warning("Dependency unavailable", extra={"path": request.url.path, "cause": str(error.__cause__)})
    elif status >= 500:
        logger.exception("Unhandled error", extra={"path": request.url.path}, exc_info=error)
        if outside_middleware:
            headers |= limits.standing(request)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    elif isinstance(error, RateLimited) or (isinstance(error, Unavailable) and status == 503):
        undo_failed = isinstance(error, ForwardingFailed) and not error.undone  # a retry cannot help then
        if not undo_failed:
            headers["Retry-After"] = str(error.retry_after)
    elif isinstance(error, HTTPException) and error.headers:
        headers |= error.headers  # e.g. Allow on a 405
    return JSONResponse({"message": message}, status_code=status, headers=headers or None)


class MessageRoute(DialectRoute):
    """Route class whose handler answers every error in this API's style: the
    errors never reach the app's handlers, whatever style those speak."""

    def render(self, request: Request, error: Exception) -> Response:
        return error_response(request, error)


def _handler(error_type: type[Exception]) -> Callable[[Request, Exception], Coroutine[Any, Any, Response]]:
    async def handle(request: Request, error: Exception) -> Response:
        return error_response(request, error, outside_middleware=error_type is Exception)

    return handle


def install(app: FastAPI) -> None:
    """Register the mapping app-wide (the function's own app): the framework's
    404/405 and anything outside a route answer it too."""
    for kind in (RequestValidationError, DomainError, HTTPException, Exception):
        app.add_exception_handler(kind, _handler(kind))


PATH = re.compile("^" + re.escape(PREFIX).replace(re.escape("{org_id}"), "[^/]+") + "(/.*)?$")
"""Every path under the prefix, whatever the organization."""


def install_under(app: FastAPI) -> None:
    """In an app whose handlers speak another style (the local combined app), answer
    this style for every path under the prefix (unknown paths and wrong methods too),
    as the function does on AWS, where API Gateway routes the whole prefix to it."""
    for kind, other_style in list(app.exception_handlers.items()):
        ours = _handler(kind if isinstance(kind, type) else Exception)

        async def handle(request: Request, error: Exception, other_style: Any = other_style, ours: Any = ours) -> Any:
            if PATH.match(request.url.path):
                return await ours(request, error)
            return await other_style(request, error)

        app.add_exception_handler(kind, handle)
