"""The one place that maps errors to the integrations API's answers (seed 002).

Every error, whatever raised it (a domain rule, authentication, a scope,
the rate limit, request validation, the framework's unknown path or wrong
method, a bug), answers ``{"error", "message", "error_code"}``:

=========================  ======  ==========================================
error_code                 status  extra fields
=========================  ======  ==========================================
``validation_error``       400     ``errors: {field: [messages]}`` (never 422)
``no_active_timer``        400
``unauthorized``           401     (``WWW-Authenticate: Bearer``)
``forbidden``              403     ``required_scope``, ``available_scopes``
                                   when a scope is missing
``not_found``              404
``method_not_allowed``     405     (``Allow``)
``timer_already_running``  409     ``timer``: the running entry
``conflict``               409     (e.g. a client name taken)
``idempotency_in_flight``  409
``payload_too_large``      413
``idempotency_key_reused`` 422
``rate_limited``           429     (``Retry-After``)
``internal_error``         500     never a stack trace
``service_unavailable``    503     (``Retry-After``)
=========================  ======  ==========================================

Two ways in, one mapping (:func:`error_response`), as ``api.envelope`` does
for the clock-in API: :class:`IntegrationsRoute` (the route class of this
API's routers) answers whatever its handler raises, so the routes speak this
format inside an app whose handlers speak another; :func:`install` (a
function's own app) and :func:`install_under` (the local combined app)
answer what the framework raises outside any route.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ...errors import (
    Conflict,
    DomainError,
    Forbidden,
    ForwardingFailed,
    IdempotencyInFlight,
    IdempotencyKeyReused,
    MissingScope,
    NoActiveTimer,
    NotFound,
    NotRunning,
    PayloadTooLarge,
    RateLimited,
    TimerRunning,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from ...observability import logger
from .. import limits
from ..dialect import DialectRoute
from .schemas import ErrorOut, ForbiddenOut, TimeEntryOut, TimerConflictOut, ValidationErrorOut

PREFIXES = (
    "/api/v1/projects",
    "/api/v1/time-entries",
    "/api/v1/timer",
    "/api/v1/tasks",
    "/api/v1/clients",
    "/api/v1/reports",
    "/api/v1/users",
    "/api/v1/info",
    "/api/v1/health",
    "/api/docs",
)
"""The paths this API answers (on AWS each of its functions serves some of them)."""

_LOCATIONS = ("body", "query", "path", "header", "cookie")


def _body(status: int, error: str, message: str, code: str, **extra: Any) -> tuple[int, dict[str, Any]]:
    return status, {"error": error, "message": message, "error_code": code, **extra}


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    """("body", "project_id") -> "project_id"; ("query", "per_page") -> "per_page";
    a nested problem is named by its top-level field; ("body",) -> "body"."""
    parts = [str(part) for part in loc]
    if len(parts) > 1 and parts[0] in _LOCATIONS:
        return parts[1]
    return parts[0] if parts else "request"


def _invalid(problems: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
    summary = "; ".join(f"{field}: {', '.join(messages)}" for field, messages in problems.items())
    return _body(400, "Validation failed", summary or "Invalid request", "validation_error", errors=problems)


def _request_validation(error: RequestValidationError) -> tuple[int, dict[str, Any]]:
    problems: dict[str, list[str]] = {}
    for problem in error.errors():
        if problem.get("type") == "json_invalid":
            reason = (problem.get("ctx") or {}).get("error") or problem.get("msg", "JSON decode error")
            loc = list(problem.get("loc", ()))
            at = f" at position {loc[-1]}" if len(loc) > 1 else ""
            field, message = "body", f"Invalid JSON: {reason}{at}"
        else:
            field, message = _field(problem.get("loc", ())), problem.get("msg", "Invalid value")
        if message not in problems.setdefault(field, []):
            problems[field].append(message)
    return _invalid(problems)


def _unauthorized(request: Request, error: Unauthorized) -> tuple[int, dict[str, Any]]:
    sent = "authorization" in request.headers or "x-api-key" in request.headers
    return _body(401, "Invalid token" if sent else "Authentication required", error.message, "unauthorized")


def _domain(request: Request, error: DomainError) -> tuple[int, dict[str, Any]]:
    if isinstance(error, ValidationFailed):
        return _invalid({error.field: [error.problem]})
    if isinstance(error, NoActiveTimer | NotRunning):
        return _body(400, "No active timer", error.message, "no_active_timer")
    if isinstance(error, Unauthorized):
        return _unauthorized(request, error)
    if isinstance(error, MissingScope):  # the seed's own words
        message = f"This endpoint requires the '{error.required}' scope"
        return _body(
            403,
            "Insufficient permissions",
            message,
            "forbidden",
            required_scope=error.required,
            available_scopes=error.available,
        )
    if isinstance(error, Forbidden):
        return _body(403, "Forbidden", error.message, "forbidden")
    if isinstance(error, NotFound):
        return _body(404, "Not found", error.message, "not_found")
    if isinstance(error, TimerRunning):
        timer = None if error.entry is None else TimeEntryOut.of(error.entry).model_dump(mode="json")
        return _body(409, "Timer already running", error.message, "timer_already_running", timer=timer)
    if isinstance(error, IdempotencyInFlight):
        return _body(409, "Request in progress", error.message, "idempotency_in_flight")
    if isinstance(error, Conflict):
        return _body(409, "Conflict", error.message, "conflict")
    if isinstance(error, PayloadTooLarge):
        return _body(413, "Payload too large", error.message, "payload_too_large")
    if isinstance(error, IdempotencyKeyReused):
        return _body(422, "Idempotency-Key reused", error.message, "idempotency_key_reused")
    if isinstance(error, RateLimited):
        return _body(429, "Rate limit exceeded", error.message, "rate_limited")
    if isinstance(error, Unavailable):
        return _body(503, "Service unavailable", error.message, "service_unavailable")
    return _internal()


def _internal() -> tuple[int, dict[str, Any]]:
    return _body(500, "Internal server error", "An unexpected error occurred; it has been logged.", "internal_error")


_HTTP = {
    401: ("Authentication required", "unauthorized"),
    403: ("Forbidden", "forbidden"),
    413: ("Payload too large", "payload_too_large"),
}


def _http(request: Request, error: HTTPException) -> tuple[int, dict[str, Any]]:
    status = error.status_code
    detail = error.detail if isinstance(error.detail, str) else ""
    if status == 400:  # e.g. a body that is not UTF-8
        return _invalid({"body": [detail or "Invalid request body"]})
    if status == 404:
        return _body(404, "Not found", f"No resource at {request.url.path}", "not_found")
    if status == 405:
        return _body(
            405, "Method not allowed", f"{request.method} is not allowed on {request.url.path}", "method_not_allowed"
        )
    if status >= 500:
        return _internal()
    title, code = _HTTP.get(status, ("Request rejected", f"http_{status}"))
    return _body(status, title, detail or title, code)


def _classify(request: Request, error: Exception) -> tuple[int, dict[str, Any]]:
    if isinstance(error, RequestValidationError):
        return _request_validation(error)
    if isinstance(error, DomainError):
        return _domain(request, error)
    if isinstance(error, HTTPException):
        return _http(request, error)
    return _internal()


def error_response(request: Request, error: Exception, *, outermost: bool = False) -> JSONResponse:
    """This API's answer to ``error``. A 500 is logged with its trace (never sent);
    a 503 is logged as the expected outage it is. ``outermost``: the answer is
    sent from outside every middleware (an unhandled error), so it carries the
    rate-limit headers itself."""
    status, body = _classify(request, error)
    headers: dict[str, str] = {}
    if status == 503:
        logger.warning("Dependency unavailable", extra={"path": request.url.path, "cause": str(error.__cause__)})
    elif status >= 500:
        logger.exception("Unhandled error", extra={"path": request.url.path}, exc_info=error)
        if outermost:
            headers |= limits.standing(request)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(error, RateLimited):
        headers["Retry-After"] = str(error.retry_after)
    elif isinstance(error, Unavailable) and not (isinstance(error, ForwardingFailed) and not error.undone):
        headers["Retry-After"] = str(error.retry_after)  # (a retry cannot mend a failed undo)
    if isinstance(error, HTTPException) and error.headers:
        headers |= dict(error.headers)  # e.g. Allow on a 405
    return JSONResponse(body, status_code=status, headers=headers or None)


class IntegrationsRoute(DialectRoute):
    """Route class of this API's routers: every error its handler raises answers
    in this API's format, whatever style the app's own handlers speak."""

    def render(self, request: Request, error: Exception) -> Response:
        return error_response(request, error)


async def _handle(request: Request, error: Exception) -> Response:
    # Anything else reaches only the app's outermost handler (Starlette's ServerErrorMiddleware).
    outermost = not isinstance(error, DomainError | HTTPException | RequestValidationError)
    return error_response(request, error, outermost=outermost)


def install(app: FastAPI) -> None:
    """This API's format app-wide (one of its functions): the framework's 404 and
    405, and anything raised outside a route, answer it too."""
    for kind in (RequestValidationError, DomainError, HTTPException, Exception):
        app.add_exception_handler(kind, _handle)


def serves(path: str) -> bool:
    return any(path == prefix or path.startswith(f"{prefix}/") for prefix in PREFIXES)


def install_under(app: FastAPI) -> None:
    """In an app whose handlers speak another style (the local combined app), answer
    in this format every path of this API (:data:`PREFIXES`), unknown ones too."""
    for kind, other_style in list(app.exception_handlers.items()):

        async def handle(request: Request, error: Exception, other_style: Any = other_style) -> Response:
            if serves(request.url.path):
                return await _handle(request, error)
            return await other_style(request, error)

        app.add_exception_handler(kind, handle)


def _doc(model: type, description: str, **extra: Any) -> dict[str, Any]:
    return {"model": model, "description": description, **extra}


_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc(ValidationErrorOut, "Validation failed: `errors` names each field (never 422)"),
    401: _doc(ErrorOut, "Missing, malformed, unknown, expired or revoked token"),
    403: _doc(ForbiddenOut, "The credential lacks the route's scope, or the caller's role does not allow it"),
    503: _doc(ErrorOut, "A backing service is throttling or down: nothing was done", headers=_RETRY_AFTER),
}
"""For every router of this API (``responses=``); the idempotency and rate-limit
answers (409, 422, 429) are added to the document in the 401's format."""

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: _doc(ErrorOut, "Not found in the workspace")}
TIMER_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: _doc(TimerConflictOut, "A timer is already running (from any API): `timer` is it")
}


def conflict(description: str) -> dict[int | str, dict[str, Any]]:
    """A route's own 409 (``conflict``), for its ``responses=``."""
    return {409: _doc(ErrorOut, description)}
