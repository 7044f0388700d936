"""Integrations API (seed 002): the caller's timer in their workspace.

`GET /api/v1/timer/status` (`read:time_entries`), `POST /api/v1/timer/start`
and `POST /api/v1/timer/stop` (`write:time_entries`). One timer runs per
user whichever API started it: a start while one runs is 409
`timer_already_running` with that timer in the body.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response, status

from timetrack.api.app import create_app, lambda_handler
from timetrack.api.integrations import errors
from timetrack.api.integrations.entry_schemas import TimeEntryMessage, TimerStart, TimerStarted, TimerStatus
from timetrack.api.integrations.errors import ERROR_RESPONSES, TIMER_CONFLICT, IntegrationsRoute
from timetrack.api.integrations.schemas import ErrorOut, TimeEntryOut
from timetrack.api.integrations.tenancy import Tenant, in_workspace
from timetrack.api.responses import respond
from timetrack.runtime import services

READ, WRITE = "read:time_entries", "write:time_entries"

router = APIRouter(
    prefix="/api/v1/timer", tags=["integrations: timer"], route_class=IntegrationsRoute, responses=ERROR_RESPONSES
)


@router.get("/status", response_model=TimerStatus, operation_id="integrationsTimerStatus")
async def timer_status(tenant: Annotated[Tenant, in_workspace(READ)]) -> Response:
    """The caller's running timer in the workspace (a timer running elsewhere,
    e.g. a personal one, is not shown here, though it blocks a start)."""
    running = services().workspace_entries.running(tenant.principal, tenant.workspace_id)
    return respond({"active": running is not None, "timer": None if running is None else TimeEntryOut.of(running)})


@router.post(
    "/start",
    response_model=TimerStarted,
    status_code=status.HTTP_201_CREATED,
    operation_id="integrationsStartTimer",
    responses=TIMER_CONFLICT,
)
async def start_timer(body: TimerStart, tenant: Annotated[Tenant, in_workspace(WRITE)]) -> Response:
    """Start the caller's timer now on an active project (and a task of it):
    else 400 naming `project_id` or `task_id`."""
    timer = services().workspace_entries.start(tenant.principal, tenant.workspace_id, **body.model_dump())
    return respond({"message": "Timer started successfully", "timer": TimeEntryOut.of(timer)}, status.HTTP_201_CREATED)


@router.post(
    "/stop",
    response_model=TimeEntryMessage,
    operation_id="integrationsStopTimer",
    responses={
        400: {"model": ErrorOut, "description": "`no_active_timer`: none of the caller's runs in the workspace"}
    },
)
async def stop_timer(tenant: Annotated[Tenant, in_workspace(WRITE)]) -> Response:
    """Stop the caller's running timer in the workspace; 400 `no_active_timer` when none runs."""
    entry = services().workspace_entries.stop_running(tenant.principal, tenant.workspace_id)
    return respond({"message": "Timer stopped successfully", "time_entry": TimeEntryOut.of(entry)})


app = create_app(router, install_errors=errors.install)
handler = lambda_handler(app)
