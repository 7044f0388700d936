"""Entries: list, read, create, update and delete time entries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from timetrack.api.app import API_PREFIX, create_app, lambda_handler
from timetrack.api.deps import requires_personal
from timetrack.api.responses import respond
from timetrack.api.schemas import (
    NOT_FOUND,
    TIMER_CONFLICT,
    VALIDATION_ERRORS,
    EntryCreate,
    EntryPublic,
    EntryUpdate,
    IsoDate,
)
from timetrack.models import PaymentStatus
from timetrack.principal import Principal
from timetrack.runtime import services

router = APIRouter(prefix=f"{API_PREFIX}/entries", tags=["entries"], responses=VALIDATION_ERRORS)


@router.get("", response_model=list[EntryPublic], operation_id="listEntries")
async def list_entries(
    principal: Annotated[Principal, requires_personal("read:time_entries")],
    start_date: IsoDate | None = None,
    end_date: IsoDate | None = None,
    payment_status: PaymentStatus | None = None,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """The caller's entries, newest first; dates are inclusive and filter on ``date``."""
    entries = services().entries
    caller = entries.caller(principal.user_id)
    page = entries.page(
        caller, start_date=start_date, end_date=end_date, payment_status=payment_status, skip=skip, limit=limit
    )
    return respond([EntryPublic.of(entry, caller.tz) for entry in page])


@router.get("/{entry_id}", response_model=EntryPublic, operation_id="getEntry", responses=NOT_FOUND)
async def get_entry(entry_id: int, principal: Annotated[Principal, requires_personal("read:time_entries")]) -> Response:
    entries = services().entries
    caller = entries.caller(principal.user_id)
    return respond(EntryPublic.of(entries.get(caller, entry_id), caller.tz))


@router.post(
    "",
    response_model=EntryPublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="createEntry",
    responses=TIMER_CONFLICT,
)
async def create_entry(
    body: EntryCreate, principal: Annotated[Principal, requires_personal("write:time_entries")]
) -> Response:
    """Without ``end_time`` the entry is the running timer (409 if one runs)."""
    entries = services().entries
    caller = entries.caller(principal.user_id)
    return respond(EntryPublic.of(entries.create(caller, **body.model_dump()), caller.tz), status.HTTP_201_CREATED)


@router.put("/{entry_id}", response_model=EntryPublic, operation_id="updateEntry", responses=NOT_FOUND | TIMER_CONFLICT)
async def update_entry(
    entry_id: int, body: EntryUpdate, principal: Annotated[Principal, requires_personal("write:time_entries")]
) -> Response:
    entries = services().entries
    caller = entries.caller(principal.user_id)
    changes = body.model_dump(include=body.model_fields_set)
    return respond(EntryPublic.of(entries.update(caller, entry_id, changes), caller.tz))


@router.delete("/{entry_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="deleteEntry", responses=NOT_FOUND)
async def delete_entry(
    entry_id: int, principal: Annotated[Principal, requires_personal("write:time_entries")]
) -> Response:
    entries = services().entries
    entries.delete(entries.caller(principal.user_id), entry_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


app = create_app(router)
handler = lambda_handler(app)
