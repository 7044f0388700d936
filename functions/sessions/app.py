"""Sessions: the timer. Start, stop, and the running entry (polled every 30 s)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Response, status

from timetrack.api.app import API_PREFIX, create_app, lambda_handler
from timetrack.api.deps import requires_personal
from timetrack.api.responses import respond
from timetrack.api.schemas import NOT_FOUND, TIMER_CONFLICT, VALIDATION_ERRORS, EntryPublic, ErrorBody, SessionStart
from timetrack.principal import Principal
from timetrack.runtime import services

router = APIRouter(prefix=f"{API_PREFIX}/sessions", tags=["sessions"], responses=VALIDATION_ERRORS)


@router.post(
    "/start",
    response_model=EntryPublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="startSession",
    responses=TIMER_CONFLICT,
)
async def start_session(
    principal: Annotated[Principal, requires_personal("write:time_entries")], body: SessionStart | None = Body(None)
) -> Response:
    """Start the timer now. The body, and each of its fields, is optional."""
    entries = services().entries
    caller = entries.caller(principal.user_id)
    body = body or SessionStart()
    entry = entries.start(caller, hourly_rate=body.hourly_rate, notes=body.notes)
    return respond(EntryPublic.of(entry, caller.tz), status.HTTP_201_CREATED)


@router.post(
    "/{entry_id}/stop",
    response_model=EntryPublic,
    operation_id="stopSession",
    responses=NOT_FOUND | {409: {"model": ErrorBody, "description": "The entry is not running"}},
)
async def stop_session(
    entry_id: int, principal: Annotated[Principal, requires_personal("write:time_entries")]
) -> Response:
    """Stop the timer at the server's now; the entry gets its totals."""
    entries = services().entries
    caller = entries.caller(principal.user_id)
    return respond(EntryPublic.of(entries.stop(caller, entry_id), caller.tz))


@router.get("/active", response_model=EntryPublic | None, operation_id="getActiveSession")
async def active_session(principal: Annotated[Principal, requires_personal("read:time_entries")]) -> Response:
    """The running entry or ``null``: one key read."""
    entries = services().entries
    caller = entries.caller(principal.user_id)
    entry = entries.active(caller)
    return respond(EntryPublic.of(entry, caller.tz) if entry else None)


app = create_app(router)
handler = lambda_handler(app)
