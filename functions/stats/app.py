"""Stats: hours and earnings today / this week / this month, amounts by status."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Response

from timetrack.api.app import API_PREFIX, create_app, lambda_handler
from timetrack.api.deps import requires_personal
from timetrack.api.responses import respond
from timetrack.api.schemas import VALIDATION_ERRORS, StatsPublic
from timetrack.principal import Principal
from timetrack.runtime import services

router = APIRouter(prefix=API_PREFIX, tags=["stats"], responses=VALIDATION_ERRORS)


@router.get("/stats", response_model=StatsPublic, operation_id="getStats")
async def get_stats(
    principal: Annotated[Principal, requires_personal("read:reports")],
    period: Literal["day", "week", "month", "year"] | None = None,
) -> Response:
    """Periods are the caller's local ones. Without ``period`` the amounts are
    all-time; with it, they cover entries dated in the current period."""
    svc = services()
    return respond(StatsPublic.of(svc.stats.stats(svc.entries.caller(principal.user_id), period)))


app = create_app(router)
handler = lambda_handler(app)
