"""Integrations API (seed 002): time entries of the caller's workspace, and
their export.

`GET|POST /api/v1/time-entries`, `GET|PUT|PATCH|DELETE
/api/v1/time-entries/{id}` and `GET /api/v1/time-entries/export` (CSV or
XLSX). Reads need `read:time_entries`, writes `write:time_entries`. Members
see and change their own entries; owners and executive managers everyone's
(`WorkspaceEntries`' rules). An entry made here is the same entry the
personal API, the stats and the other workspace APIs see.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import StreamingResponse

from timetrack.api.app import create_app, lambda_handler
from timetrack.api.integrations import errors, export
from timetrack.api.integrations.entry_filters import EntryQueryParams
from timetrack.api.integrations.entry_schemas import (
    Message,
    TimeEntryCreate,
    TimeEntryList,
    TimeEntryMessage,
    TimeEntryOne,
    TimeEntryUpdate,
)
from timetrack.api.integrations.errors import ERROR_RESPONSES, NOT_FOUND, TIMER_CONFLICT, IntegrationsRoute
from timetrack.api.integrations.pagination import PageParams, paginated
from timetrack.api.integrations.schemas import TimeEntryOut
from timetrack.api.integrations.tenancy import Tenant, in_workspace
from timetrack.api.responses import respond
from timetrack.runtime import services

PREFIX = "/api/v1/time-entries"
READ, WRITE = "read:time_entries", "write:time_entries"
# `:int`: only digits are an entry id, so `/export` is no entry's path (nor in a 405's Allow).
ENTRY = "/{entry_id:int}"

router = APIRouter(
    prefix=PREFIX, tags=["integrations: time entries"], route_class=IntegrationsRoute, responses=ERROR_RESPONSES
)

_FILE = {"schema": {"type": "string", "format": "binary"}}
EXPORTED = {
    200: {
        "description": "The file: a header row, then one row per entry (newest first), UTF-8.",
        "content": {media_type: _FILE for media_type in export.MEDIA_TYPES.values()},
    }
}


@router.get("", response_model=TimeEntryList, operation_id="integrationsListTimeEntries")
async def list_time_entries(
    tenant: Annotated[Tenant, in_workspace(READ)], query: EntryQueryParams, page: PageParams
) -> Response:
    """The workspace's entries, newest start first: the caller's own, or
    (owners and executive managers) everyone's unless `user_id` is given.
    Running timers only with `include_active=true`."""
    entries = services().workspace_entries
    filters = query.filters(tenant.principal.user_id)
    found = entries.list(tenant.principal, tenant.workspace_id, **filters, skip=page.skip, limit=page.per_page)
    total = entries.count(tenant.principal, tenant.workspace_id, **filters)
    return respond(paginated("time_entries", [TimeEntryOut.of(entry) for entry in found], total, page))


@router.get(
    "/export", operation_id="integrationsExportTimeEntries", response_class=StreamingResponse, responses=EXPORTED
)
async def export_time_entries(
    tenant: Annotated[Tenant, in_workspace(READ)],
    query: EntryQueryParams,
    format: Annotated[Literal["csv", "xlsx"], Query(description="`csv` (default) or `xlsx`.")] = "csv",
) -> StreamingResponse:
    """The entries `GET /time-entries` lists for the same filters, all of them
    (no paging), with their project, task and client names: at most
    `export_max_rows` (10000) per file, else 400 asking for narrower dates."""
    rows = services().workspace_reports.export(
        tenant.principal, tenant.workspace_id, **query.filters(tenant.principal.user_id)
    )
    chunks = export.csv_chunks(rows) if format == "csv" else export.xlsx_chunks(rows)
    return StreamingResponse(
        chunks,
        media_type=export.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="time-entries.{format}"'},
    )


@router.post(
    "",
    response_model=TimeEntryMessage,
    status_code=status.HTTP_201_CREATED,
    operation_id="integrationsCreateTimeEntry",
    responses=TIMER_CONFLICT,
)
async def create_time_entry(body: TimeEntryCreate, tenant: Annotated[Tenant, in_workspace(WRITE)]) -> Response:
    """Without `end_time` the entry is the running timer (409
    `timer_already_running` if one runs, from any API). Owners and executive
    managers may make it for a member (`user_id`)."""
    entry = services().workspace_entries.create(tenant.principal, tenant.workspace_id, **body.fields())
    message = "Timer started successfully" if entry.running else "Time entry created successfully"
    return respond({"message": message, "time_entry": TimeEntryOut.of(entry)}, status.HTTP_201_CREATED)


@router.get(ENTRY, response_model=TimeEntryOne, operation_id="integrationsGetTimeEntry", responses=NOT_FOUND)
async def get_time_entry(entry_id: int, tenant: Annotated[Tenant, in_workspace(READ)]) -> Response:
    entry = services().workspace_entries.get(tenant.principal, tenant.workspace_id, entry_id)
    return respond({"time_entry": TimeEntryOut.of(entry)})


@router.put(
    ENTRY,
    response_model=TimeEntryMessage,
    operation_id="integrationsUpdateTimeEntry",
    responses=NOT_FOUND | TIMER_CONFLICT,
)
@router.patch(
    ENTRY,
    response_model=TimeEntryMessage,
    operation_id="integrationsPatchTimeEntry",
    responses=NOT_FOUND | TIMER_CONFLICT,
)
async def update_time_entry(
    entry_id: int, body: TimeEntryUpdate, tenant: Annotated[Tenant, in_workspace(WRITE)]
) -> Response:
    """Only the fields sent change (PUT and PATCH alike)."""
    entry = services().workspace_entries.update(tenant.principal, tenant.workspace_id, entry_id, body.changes())
    return respond({"message": "Time entry updated successfully", "time_entry": TimeEntryOut.of(entry)})


@router.delete(ENTRY, response_model=Message, operation_id="integrationsDeleteTimeEntry", responses=NOT_FOUND)
async def delete_time_entry(entry_id: int, tenant: Annotated[Tenant, in_workspace(WRITE)]) -> Response:
    """A running timer is not deleted (400): stop it first."""
    services().workspace_entries.delete(tenant.principal, tenant.workspace_id, entry_id, running_allowed=False)
    return respond({"message": "Time entry deleted successfully"})


app = create_app(router, install_errors=errors.install)
handler = lambda_handler(app)
