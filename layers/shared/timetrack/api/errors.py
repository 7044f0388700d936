"""The one place that maps domain errors to the personal API's HTTP responses.

Style of seed 001: a bare JSON body ``{"detail": ...}`` (a 403 for a missing
scope adds seed 002's ``required_scope`` and ``available_scopes``). Every validation
failure is 400 (the frontend expects 400, not FastAPI's 422), listing each
field and its problem; a 500 never carries a stack trace. A dependency that
is throttling or down (``Unavailable``) is 503 with ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from ..errors import (
    Conflict,
    DomainError,
    Forbidden,
    ForwardingFailed,
    IdempotencyKeyReused,
    MissingScope,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    TimerRunning,
    Unauthorized,
    Unavailable,
    UnfinishedSubtasks,
    ValidationFailed,
)
from ..observability import logger
from ..runtime import services
from . import limits
from .schemas import EntryPublic


def validation_issues(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """FastAPI's error list without ``input``/``ctx``/``url`` (no echo of input)."""
    return [
        {"loc": list(e.get("loc", ())), "msg": e.get("msg", "invalid"), "type": e.get("type", "value_error")}
        for e in errors
    ]


def _status_of(error: DomainError) -> int:
    for kind, status in (
        (ValidationFailed, 400),
        (Unauthorized, 401),
        (Forbidden, 403),
        (NotFound, 404),
        (Conflict, 409),
        (PayloadTooLarge, 413),
        (IdempotencyKeyReused, 422),
        (RateLimited, 429),
        (Unavailable, 503),
    ):
        if isinstance(error, kind):
            return status
    return 500


def _running_entry(error: TimerRunning) -> dict[str, Any] | None:
    """The timer already running, so the client can show it beside the 409."""
    if error.entry is None:
        return None
    caller = services().entries.caller(error.entry.user_id)
    return EntryPublic.of(error.entry, caller.tz).model_dump(mode="json")


def _log_unavailable(request: Request, error: Unavailable) -> None:
    """An expected outage, not a bug: one warning naming its cause, no stack trace."""
    logger.warning("Dependency unavailable", extra={"path": request.url.path, "cause": str(error.__cause__)})


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": validation_issues(error.errors())}, status_code=400)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, error: DomainError) -> JSONResponse:
        status = _status_of(error)
        if isinstance(error, ValidationFailed):
            body: dict[str, Any] = {
                "detail": [{"loc": [error.location, error.field], "msg": error.problem, "type": "value_error"}]
            }
        else:
            body = {"detail": error.message}
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(error, Unavailable):
            _log_unavailable(request, error)
            undo_failed = isinstance(error, ForwardingFailed) and not error.undone  # a retry cannot help then
            if not undo_failed:
                headers = {"Retry-After": str(error.retry_after)}
        if isinstance(error, RateLimited):
            headers = {"Retry-After": str(error.retry_after)}
        if isinstance(error, TimerRunning):
            body["active_entry"] = _running_entry(error)
        if isinstance(error, UnfinishedSubtasks):
            body |= {
                "unfinished_subtasks": [
                    {"id": subtask.id, "name": subtask.name, "status": subtask.status.value}
                    for subtask in error.unfinished_subtasks
                ],
                "total_subtasks": error.total_subtasks,
            }
        if isinstance(error, MissingScope):  # seed 002's names
            body |= {"required_scope": error.required, "available_scopes": error.available}
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        detail = error.detail
        if error.status_code == 400:  # e.g. a body that is not UTF-8: same shape as every 400
            detail = [{"loc": ["body"], "msg": str(detail), "type": "value_error"}]
        return JSONResponse({"detail": detail}, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        logger.exception("Unhandled error", extra={"path": request.url.path})
        return JSONResponse({"detail": "Internal server error"}, status_code=500, headers=limits.standing(request))
