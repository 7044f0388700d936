"""The one place that maps errors to the clock-in API's HTTP responses.

Style of seed 000 (API v2): every answer is an envelope. Success:
``{"success": true, "message", "data", "meta"}``; failure:
``{"success": false, "message", "error", "meta"}`` where ``message`` is
human-readable and ``error`` carries the detail (every invalid field, or a
short reason, or null). ``meta`` is ``{"api_version": "2.0.0", "timestamp"}``.

The seed knows no 409 and no 503: a timer conflict is a 400 and a clock-in
that could not be forwarded to the queue the seed's 500 — never with a stack
trace. A dependency that is throttling or down (DynamoDB after the SDK's
retries, the issuer's keys) is 503 with ``Retry-After``, whose ``error``
names the problem: the honest answer, for a client that retries.

Two ways in, one mapping (:func:`error_response`):

- :class:`EnvelopeRoute`, the route class of the clock-in router, converts
  whatever its handler raises (validation, auth in a dependency, domain
  errors, anything else), so the routes answer the envelope even inside an
  app whose exception handlers speak another style (the local combined app);
- :func:`install` registers the same mapping app-wide, for what the
  framework raises outside any route (unknown path 404, wrong method 405).

Each error answered by a clock-in route counts one ``ClockInsRejected``
metric by ``reason`` (validation, malformed_body, unauthorized, missing_scope, forbidden,
not_found, timer_running, not_running, forwarding_failed, internal, ...).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from ..errors import (
    Conflict,
    DomainError,
    Forbidden,
    ForwardingFailed,
    IdempotencyInFlight,
    IdempotencyKeyReused,
    MissingScope,
    NotFound,
    NotRunning,
    PayloadTooLarge,
    RateLimited,
    TimerRunning,
    Unauthorized,
    Unavailable,
    ValidationFailed,
)
from ..observability import logger, metrics
from .dialect import DialectRoute

API_VERSION = "2.0.0"
REJECTED_METRIC = "ClockInsRejected"


def utc_iso(value: dt.datetime) -> str:
    """UTC ISO 8601 with ``Z``, as in the seed: ``2024-01-15T10:30:00Z``
    (fractional seconds only when there are any)."""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


# ------------------------------------------------------------- schemas ---


class Meta(BaseModel):
    api_version: str = Field(examples=[API_VERSION])
    timestamp: str = Field(examples=["2024-01-15T10:30:00Z"], description="UTC, ISO 8601")


class ErrorEnvelope(BaseModel):
    success: Literal[False] = Field(description="Always false on an error.")
    message: str = Field(description="What went wrong, for people.", examples=["Validation failed"])
    error: str | None = Field(
        description="Details: each invalid field and its problem, or a short reason.",
        examples=["workspace_id: Field required"],
    )
    meta: Meta


def meta() -> dict[str, str]:
    return {"api_version": API_VERSION, "timestamp": utc_iso(dt.datetime.now(dt.UTC))}


def ok(message: str, data: Any) -> dict[str, Any]:
    """A success envelope (the route's ``response_model`` validates and serializes it)."""
    return {"success": True, "message": message, "data": data, "meta": meta()}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorEnvelope, "description": "Invalid request, or a timer conflict"},
    401: {"model": ErrorEnvelope, "description": "Missing or invalid credentials"},
    403: {
        "model": ErrorEnvelope,
        "description": "Not allowed for this user, or the credential lacks the route's scope",
    },
    404: {"model": ErrorEnvelope, "description": "Workspace, member, contract or task not found"},
    500: {"model": ErrorEnvelope, "description": "Internal error (e.g. the clock-in could not be forwarded)"},
    503: {
        "model": ErrorEnvelope,
        "description": "A backing service is throttling or unreachable; retry after `Retry-After` seconds",
        "headers": {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}},
    },
}
"""The seed's error statuses, for a route's ``responses=``."""


# ------------------------------------------------------------- mapping ---


def _where(loc: tuple[Any, ...] | list[Any]) -> str:
    """("body", "task_id") -> "task_id"; ("query", "user_id") -> "user_id"; ("body",) -> "body"."""
    parts = [str(part) for part in loc]
    if len(parts) > 1 and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "request"


def _invalid_request(error: RequestValidationError) -> tuple[int, str, str | None, str]:
    problems = error.errors()
    malformed = [p for p in problems if p.get("type") == "json_invalid"]
    if malformed:
        first = malformed[0]
        reason = (first.get("ctx") or {}).get("error") or first.get("msg", "JSON decode error")
        loc = list(first.get("loc", ()))
        at = f" at position {loc[-1]}" if len(loc) > 1 else ""
        return 400, "Malformed JSON body", f"{reason}{at}", "malformed_body"
    detail = "; ".join(f"{_where(p.get('loc', ()))}: {p.get('msg', 'invalid')}" for p in problems)
    return 400, "Validation failed", detail or None, "validation"


def _domain(error: DomainError) -> tuple[int, str, str | None, str]:
    if isinstance(error, ValidationFailed):
        return 400, "Validation failed", error.message, "validation"
    if isinstance(error, TimerRunning):
        return 400, "A timer is already running for this user", error.message, "timer_running"
    if isinstance(error, NotRunning):
        return 400, "No timer is running for this user", error.message, "not_running"
    if isinstance(error, IdempotencyInFlight):
        return 409, "A request with this Idempotency-Key is in progress", error.message, "idempotency_in_flight"
    if isinstance(error, Conflict):
        return 400, "The request conflicts with the current state", error.message, "conflict"
    if isinstance(error, Unauthorized):
        return 401, "Authentication required", error.message, "unauthorized"
    if isinstance(error, MissingScope):
        held = ", ".join(error.available) or "none"
        return 403, "Insufficient scope", f"required_scope: {error.required}; available_scopes: {held}", "missing_scope"
    if isinstance(error, Forbidden):
        return 403, "Not allowed", error.message, "forbidden"
    if isinstance(error, NotFound):
        return 404, "Not found", error.message, "not_found"
    if isinstance(error, PayloadTooLarge):
        return 413, "Request body too large", error.message, "payload_too_large"
    if isinstance(error, IdempotencyKeyReused):
        return 422, "Idempotency-Key reused for a different request", error.message, "idempotency_key_reused"
    if isinstance(error, RateLimited):
        return 429, "Too many requests", error.message, "rate_limited"
    if isinstance(error, ForwardingFailed):
        return 500, "The clock-in could not be forwarded", error.message, "forwarding_failed"
    if isinstance(error, Unavailable):
        return 503, "A backing service is unavailable", error.message, "unavailable"
    return 500, "An error occurred", "Internal Server Error", "internal"


_HTTP_MESSAGES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
}


def _http(error: HTTPException) -> tuple[int, str, str | None, str]:
    status = error.status_code
    message = _HTTP_MESSAGES.get(status, "An error occurred" if status >= 500 else "Request rejected")
    detail = error.detail if isinstance(error.detail, str) else None
    return status, message, detail, f"http_{status}"


def _classify(error: Exception) -> tuple[int, str, str | None, str]:
    """(status, message, error detail, metric reason)."""
    if isinstance(error, RequestValidationError):
        return _invalid_request(error)
    if isinstance(error, DomainError):
        return _domain(error)
    if isinstance(error, HTTPException):
        return _http(error)
    return 500, "An error occurred", "Internal Server Error", "internal"


def _count_rejection(reason: str) -> None:
    try:
        with single_metric(
            name=REJECTED_METRIC, unit=MetricUnit.Count, value=1, namespace=metrics.namespace or "Timetrack"
        ) as metric:
            metric.add_dimension(name="reason", value=reason)
    except Exception:  # a metric must never turn an answer into another error
        logger.exception("Could not emit the rejection metric")


def error_response(request: Request, error: Exception, *, count: bool = True) -> JSONResponse:
    """The envelope for ``error``; 500s are logged with their trace (never sent).
    ``count``: one ClockInsRejected metric by reason."""
    status, message, detail, reason = _classify(error)
    if status == 503:  # an expected outage, not a bug: a warning naming its cause, no stack trace
        cause = str(error.__cause__)
        logger.warning("Clock-in request failed", extra={"path": request.url.path, "reason": reason, "cause": cause})
    elif status >= 500:
        logger.exception("Clock-in request failed", extra={"path": request.url.path, "reason": reason}, exc_info=error)
    else:
        logger.info("Clock-in request rejected", extra={"path": request.url.path, "reason": reason, "status": status})
    if count:
        _count_rejection(reason)
    headers: dict[str, str] | None = None
    if status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    elif isinstance(error, RateLimited) or (isinstance(error, Unavailable) and status == 503):
        headers = {"Retry-After": str(error.retry_after)}
    elif isinstance(error, HTTPException) and error.headers:
        headers = dict(error.headers)  # e.g. Allow on a 405
    body = {"success": False, "message": message, "error": detail, "meta": meta()}
    return JSONResponse(body, status_code=status, headers=headers)


class EnvelopeRoute(DialectRoute):
    """Route class whose handler answers every error with the envelope: the
    errors never reach the app's handlers, whatever style those speak."""

    def render(self, request: Request, error: Exception) -> Response:
        return error_response(request, error)


def install(app: FastAPI) -> None:
    """Register the envelope mapping app-wide (the clock-in Lambda's app):
    the framework's own 404/405 and anything outside a route answer it too.
    A path or method that is no route is not a rejected clock-in (SnapStart's
    priming request is one): those are not counted."""

    async def handle(request: Request, error: Exception) -> Response:
        return error_response(request, error, count=not isinstance(error, HTTPException))

    for kind in (RequestValidationError, DomainError, HTTPException, Exception):
        app.add_exception_handler(kind, handle)


def install_under(app: FastAPI, prefix: str) -> None:
    """In an app whose handlers speak another style (the local combined app), answer the
    envelope for every path under ``prefix`` (unknown paths and wrong methods too), as the
    clock-in function does on AWS, where API Gateway routes the whole prefix to it."""
    for kind, other_style in list(app.exception_handlers.items()):

        async def handle(request: Request, error: Exception, other_style: Any = other_style) -> Response:
            path = request.url.path
            if path == prefix or path.startswith(f"{prefix}/"):
                return error_response(request, error, count=not isinstance(error, HTTPException))
            return await other_style(request, error)

        app.add_exception_handler(kind, handle)
