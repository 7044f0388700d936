"""The one place that maps errors to the time-logs API's HTTP responses (seed 003).

The document's shapes, in the caller's language (``catalogue``):

- 422 ``{"success": false, "message": "Validasi gagal", "errors": {field: [messages]}}``
  for every invalid field (query, path, body, malformed JSON, a domain rule on
  a field); neither ``card_id`` nor ``subtask_id``: message "Card ID atau
  Subtask ID harus diisi" and ``errors.card_id``;
- 401 ``{"message": "Unauthenticated."}`` (with ``WWW-Authenticate: Bearer``);
- 400, 403, 404, 409, 413, 429, 500, 503 ``{"success": false, "message"}``;
  a timer already running adds ``data: {ongoing_timer_id, card_title}``, a card
  refused ``review``/``done`` adds the unfinished subtasks as ``data``, a
  missing scope adds ``required_scope`` and ``available_scopes`` (as every API
  does); 429 and 503 carry ``Retry-After``;
- a 500 names what failed ("Gagal memulai time tracking: Internal server
  error"), never the cause; it is logged with its trace.

Two ways in, one mapping (:func:`error_response`), as ``api.envelope`` does:
:class:`TimeLogsRoute` converts whatever a route raises (so the routes answer
this dialect inside the local app, whose handlers speak another), and
:func:`install` / :func:`install_under` register it for what the framework
raises outside any route (unknown path, wrong method, a body too large).
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
    UnfinishedSubtasks,
    ValidationFailed,
)
from ...observability import logger
from ...workspaces import TaskStatus
from .. import limits
from ..dialect import DialectRoute
from .catalogue import Lang, failed, language, message
from .render import CARD_STATUSES, field_name, timer_running_data, unfinished

PREFIX = "/api/v1/time-logs"


class CardOrSubtaskRequired(ValidationFailed):
    """A start names neither a card nor a subtask (Laravel's ``required_without``)."""

    def __init__(self) -> None:
        super().__init__("card_id", "The card_id field is required when subtask_id is not present.")


# ------------------------------------------------------------ validation ---

# Laravel's English validation messages (the document shows them in its 422), by pydantic error type.
_FIELD_MESSAGES = {
    "missing": "The {field} field is required.",
    "int_type": "The {field} field must be an integer.",
    "int_parsing": "The {field} field must be an integer.",
    "int_from_float": "The {field} field must be an integer.",
    "string_type": "The {field} field must be a string.",
    "string_too_long": "The {field} field must not be greater than {max_length} characters.",
    "greater_than_equal": "The {field} field must be at least {ge}.",
    "greater_than": "The {field} field must be greater than {gt}.",
    "less_than_equal": "The {field} field must not be greater than {le}.",
    "literal_error": "The selected {field} is invalid.",
    "enum": "The selected {field} is invalid.",
    "json_invalid": "The request body must be valid JSON.",
    "model_attributes_type": "The request body must be a JSON object.",
    "dict_type": "The request body must be a JSON object.",
}


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    """("body", "card_id") -> "card_id"; ("query", "per_page") -> "per_page"; a body that
    is not JSON or not an object -> "body"."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _invalid_fields(error: RequestValidationError) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for problem in error.errors():
        kind = problem.get("type", "")
        name = "body" if kind == "json_invalid" else _field(problem.get("loc", ()))
        try:
            text = _FIELD_MESSAGES[kind].format_map({**(problem.get("ctx") or {}), "field": name})
        except KeyError:  # a type without a message of its own, or one whose context lacks a value
            text = f"The {name} field is invalid."
        fields.setdefault(name, []).append(text)
    return fields


# --------------------------------------------------------------- mapping ---


class _Answer:
    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self.status, self.body, self.headers = status, body, headers


def _refused(status: int, text: str, **extra: Any) -> _Answer:
    return _Answer(status, {"success": False, "message": text, **extra})


def _invalid(text: str, fields: dict[str, list[str]]) -> _Answer:
    return _refused(422, text, errors=fields)


def _domain(error: DomainError, lang: Lang, operation_id: str | None) -> _Answer:
    if isinstance(error, CardOrSubtaskRequired):
        return _invalid(message("card_or_subtask", lang), {error.field: [error.problem]})
    if isinstance(error, ValidationFailed):
        return _invalid(message("validation", lang), {field_name(error.field): [error.problem]})
    if isinstance(error, TimerRunning):
        return _refused(400, message("timer_running", lang), data=timer_running_data(error.entry))
    if isinstance(error, UnfinishedSubtasks):
        text = message("subtasks_unfinished", lang, status=CARD_STATUSES[TaskStatus(error.status)])
        return _refused(400, text, data=unfinished(error.unfinished_subtasks, error.total_subtasks))
    if isinstance(error, NotRunning):
        return _refused(400, message("not_running", lang))
    if isinstance(error, IdempotencyInFlight):
        return _refused(409, message("idempotency_in_flight", lang))
    if isinstance(error, Conflict):
        return _refused(409, message("conflict", lang))
    if isinstance(error, Unauthorized):
        return _Answer(401, {"message": message("unauthenticated", lang)}, {"WWW-Authenticate": "Bearer"})
    if isinstance(error, MissingScope):
        text = message("missing_scope", lang, scope=error.required)
        return _refused(403, text, required_scope=error.required, available_scopes=error.available)
    if isinstance(error, Forbidden):
        return _refused(403, message("forbidden", lang))
    if isinstance(error, NotFound):
        return _refused(404, message("not_found", lang))
    if isinstance(error, PayloadTooLarge):
        return _refused(413, message("too_large", lang))
    if isinstance(error, IdempotencyKeyReused):
        return _invalid(message("idempotency_reused", lang), {"Idempotency-Key": [error.message]})
    if isinstance(error, RateLimited):
        text = message("rate_limited", lang, seconds=error.retry_after)
        return _Answer(429, {"success": False, "message": text}, {"Retry-After": str(error.retry_after)})
    if isinstance(error, Unavailable):
        text = message("unavailable", lang, seconds=error.retry_after)
        return _Answer(503, {"success": False, "message": text}, {"Retry-After": str(error.retry_after)})
    return _refused(500, failed(operation_id, lang))


_HTTP_MESSAGES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}


def _http(error: HTTPException, lang: Lang, operation_id: str | None) -> _Answer:
    status = error.status_code
    if status == 401:
        return _Answer(401, {"message": message("unauthenticated", lang)}, {"WWW-Authenticate": "Bearer"})
    if status >= 500:
        return _refused(status, failed(operation_id, lang))
    if status == 400:  # a body the framework could not read (not UTF-8): bad JSON like any other
        return _invalid(message("validation", lang), {"body": [_FIELD_MESSAGES["json_invalid"]]})
    key = _HTTP_MESSAGES.get(status, "bad_request")
    return _Answer(status, {"success": False, "message": message(key, lang)}, dict(error.headers or {}) or None)


def _classify(error: Exception, lang: Lang, operation_id: str | None) -> _Answer:
    if isinstance(error, RequestValidationError):
        return _invalid(message("validation", lang), _invalid_fields(error))
    if isinstance(error, DomainError):
        return _domain(error, lang, operation_id)
    if isinstance(error, HTTPException):
        return _http(error, lang, operation_id)
    return _refused(500, failed(operation_id, lang))


def error_response(request: Request, error: Exception, operation_id: str | None = None) -> JSONResponse:
    """The answer for ``error`` in the caller's language; 500s are logged with their trace
    (never sent), 503s as a warning naming the cause."""
    answer = _classify(error, language(request.headers.get("accept-language")), operation_id)
    where = {"path": request.url.path, "status": answer.status, "error": type(error).__name__}
    headers = answer.headers
    if answer.status == 503:
        logger.warning("Time-logs request failed", extra=where | {"cause": str(error.__cause__)})
    elif answer.status >= 500:
        logger.exception("Time-logs request failed", extra=where, exc_info=error)
        headers = {**limits.standing(request), **(headers or {})}  # sent from outside RateLimitHeaders
    else:
        logger.info("Time-logs request rejected", extra=where)
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


class TimeLogsRoute(DialectRoute):
    """Route class whose handler answers every error in this dialect, whatever
    style the app's own handlers speak."""

    def render(self, request: Request, error: Exception) -> Response:
        return error_response(request, error, self.operation_id)


def install(app: FastAPI) -> None:
    """Register the mapping app-wide (the time-logs Lambda's app): the framework's
    own 404/405 and a body too large answer it too."""

    async def handle(request: Request, error: Exception) -> Response:
        return error_response(request, error)

    for kind in (RequestValidationError, DomainError, HTTPException, Exception):
        app.add_exception_handler(kind, handle)


def install_under(app: FastAPI, prefix: str = PREFIX) -> None:
    """In an app whose handlers speak another style (the local combined app), answer
    this dialect for every path under ``prefix``, as the function does on AWS."""
    for kind, other_style in list(app.exception_handlers.items()):

        async def handle(request: Request, error: Exception, other_style: Any = other_style) -> Response:
            path = request.url.path
            if path == prefix or path.startswith(f"{prefix}/"):
                return error_response(request, error)
            return await other_style(request, error)

        app.add_exception_handler(kind, handle)
