"""Integrations API (seed 002): reports over the caller's workspace.

`GET /api/v1/reports/summary` (`read:reports`): hours of completed entries
in a window (by default the last 30 days), billable hours and a row per
project. Members see their own; owners and executive managers everyone's
unless `user_id` is given.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from timetrack.api.app import create_app, lambda_handler
from timetrack.api.integrations import errors
from timetrack.api.integrations.entry_filters import DATE_DESCRIPTION, window
from timetrack.api.integrations.entry_schemas import SummaryOut
from timetrack.api.integrations.errors import ERROR_RESPONSES, IntegrationsRoute
from timetrack.api.integrations.tenancy import Tenant, in_workspace
from timetrack.api.responses import respond
from timetrack.runtime import services

router = APIRouter(
    prefix="/api/v1/reports", tags=["integrations: reports"], route_class=IntegrationsRoute, responses=ERROR_RESPONSES
)


@router.get("/summary", response_model=SummaryOut, operation_id="integrationsSummaryReport")
async def summary_report(
    tenant: Annotated[Tenant, in_workspace("read:reports")],
    start_date: Annotated[str | None, Query(description=DATE_DESCRIPTION, examples=["2024-01-01"])] = None,
    end_date: Annotated[str | None, Query(description=DATE_DESCRIPTION, examples=["2024-01-31"])] = None,
    project_id: Annotated[int | None, Query(ge=1)] = None,
    user_id: Annotated[
        int | None, Query(ge=1, description="Owners and executive managers: any member's; others: only their own.")
    ] = None,
) -> Response:
    """Completed entries that start in the window, each counted with its own
    rounded hours: `start_date` (default: 30 days before `end_date`) to
    `end_date` (default: now), both included. Hours are rounded half-up to 2
    places; `by_project` has the most hours first."""
    span = window(tenant.principal.user_id, start_date, end_date)
    summary = services().workspace_reports.summary(
        tenant.principal, tenant.workspace_id, start=span.start, end=span.end, project_id=project_id, user_id=user_id
    )
    return respond(SummaryOut.of(summary))


app = create_app(router, install_errors=errors.install)
handler = lambda_handler(app)
