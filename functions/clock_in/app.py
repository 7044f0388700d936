"""Workspace clock-in, API v2 (seed 000): start, stop and read a member's timer.

Owners and executive managers clock in any member of their workspace, members
only themselves. Every answer is the v2 envelope, errors included, also when
these routes are mounted in an app that maps errors another way (the local
server): the router's route class converts them (see ``timetrack.api.envelope``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field, PlainSerializer

from timetrack.api import envelope
from timetrack.api.app import CLOCK_IN_PREFIX, create_app, lambda_handler
from timetrack.api.deps import requires
from timetrack.api.envelope import ERROR_RESPONSES, EnvelopeRoute, Meta
from timetrack.api.schemas import InputModel, JsonId
from timetrack.models import MAX_ID, Entry
from timetrack.principal import Principal
from timetrack.rules import NOTES_MAX_LENGTH
from timetrack.runtime import services

router = APIRouter(prefix=CLOCK_IN_PREFIX, tags=["clock-in"], route_class=EnvelopeRoute)

# JSON integers only (no "1" or true): the seed's fields are integers.
BodyId = JsonId
QueryId = Annotated[int, Query(ge=1, le=MAX_ID)]
UtcTime = Annotated[dt.datetime, PlainSerializer(envelope.utc_iso, return_type=str)]
Minutes = Annotated[float, Field(description="Duration in minutes, half-up to 2 places", examples=[90.5])]


# -------------------------------------------------------------- schemas ---


class ClockInStart(InputModel):
    workspace_id: BodyId = Field(description="ID of the workspace", examples=[1])
    user_id: BodyId = Field(description="ID of the user to start tracking for", examples=[100])
    contract_id: BodyId = Field(
        description="ID of the contract (must belong to the user and workspace)", examples=[560314]
    )
    task_id: BodyId | None = Field(None, description="ID of the task to track time for", examples=[12345])
    activity_description: str | None = Field(
        None,
        max_length=NOTES_MAX_LENGTH,
        description="Description of the activity being tracked",
        examples=["Working on API documentation"],
    )


class ClockInStop(InputModel):
    workspace_id: BodyId = Field(examples=[1])
    user_id: BodyId = Field(examples=[100])


class ClockInStarted(BaseModel):
    start_time: UtcTime = Field(examples=["2024-01-15T10:30:00Z"])
    contract_id: int = Field(examples=[560314])
    project_id: int = Field(examples=[285469])
    task_id: int | None = Field(examples=[12345])


class ClockInStopped(ClockInStarted):
    end_time: UtcTime = Field(examples=["2024-01-15T12:00:00Z"])
    duration_minutes: Minutes


class ClockInActive(ClockInStarted):
    activity_description: str | None = Field(examples=["Working on API documentation"])


class StartedEnvelope(BaseModel):
    success: bool = Field(examples=[True])
    message: str = Field(examples=["Time tracking started successfully"])
    data: ClockInStarted
    meta: Meta


class StoppedEnvelope(BaseModel):
    success: bool = Field(examples=[True])
    message: str = Field(examples=["Time tracking stopped successfully"])
    data: ClockInStopped
    meta: Meta


class ActiveEnvelope(BaseModel):
    success: bool = Field(examples=[True])
    message: str = Field(examples=["Active time tracking found"])
    data: ClockInActive | None = Field(description="The running clock-in in this workspace, or null")
    meta: Meta


# --------------------------------------------------------------- shaping ---


def _request_id(request: Request) -> str:
    """API Gateway's request id (Mangum passes the Lambda event in the scope), else a fresh one."""
    event = request.scope.get("aws.event") or {}
    request_id = (event.get("requestContext") or {}).get("requestId")
    return str(request_id) if request_id else str(uuid.uuid4())


def _started(entry: Entry) -> dict[str, Any]:
    origin = entry.origin
    return {
        "start_time": entry.start_time,
        "contract_id": origin["contract_id"],
        "project_id": origin["project_id"],
        "task_id": origin.get("task_id"),
    }


def _stopped(entry: Entry) -> dict[str, Any]:
    return {**_started(entry), "end_time": entry.end_time, "duration_minutes": float(entry.tracked_minutes)}


# ---------------------------------------------------------------- routes ---


@router.post(
    "/start",
    response_model=StartedEnvelope,
    operation_id="startTimeTracking",
    summary="Start Time Tracking",
    responses=ERROR_RESPONSES,
)
async def start_time_tracking(
    body: ClockInStart, actor: Annotated[Principal, requires("write:time_entries")], request: Request
) -> dict[str, Any]:
    """Clock in a workspace member on one of their contracts; the clock-in is
    forwarded to the background service. 400 if the user's timer already runs."""
    entry = services().clock_ins.start(
        actor,
        workspace_id=body.workspace_id,
        user_id=body.user_id,
        contract_id=body.contract_id,
        task_id=body.task_id,
        activity_description=body.activity_description,
        request_id=_request_id(request),
    )
    return envelope.ok("Time tracking started successfully", _started(entry))


@router.post(
    "/stop",
    response_model=StoppedEnvelope,
    operation_id="stopTimeTracking",
    summary="Stop Time Tracking",
    responses=ERROR_RESPONSES,
)
async def stop_time_tracking(
    body: ClockInStop, actor: Annotated[Principal, requires("write:time_entries")], request: Request
) -> dict[str, Any]:
    """Clock out: stops the member's timer clocked in this workspace (400 if none runs)."""
    entry = services().clock_ins.stop(
        actor, workspace_id=body.workspace_id, user_id=body.user_id, request_id=_request_id(request)
    )
    return envelope.ok("Time tracking stopped successfully", _stopped(entry))


@router.get(
    "/active",
    response_model=ActiveEnvelope,
    operation_id="getActiveTimeTracking",
    summary="Active Time Tracking",
    responses=ERROR_RESPONSES,
)
async def active_time_tracking(
    workspace_id: QueryId, user_id: QueryId, actor: Annotated[Principal, requires("read:time_entries")]
) -> dict[str, Any]:
    """The member's running clock-in in this workspace, or ``data: null``."""
    entry = services().clock_ins.active(actor, workspace_id=workspace_id, user_id=user_id)
    if entry is None:
        return envelope.ok("No active time tracking", None)
    return envelope.ok("Active time tracking found", {**_started(entry), "activity_description": entry.notes})


app = create_app(router, title="timetrack clock-in", install_errors=envelope.install)
handler = lambda_handler(app)
services().entries.prime_forwarding()  # the SQS client too is built at cold start
