"""Settings: default hourly rate, currency, time zone and first day of week."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from timetrack.api.app import API_PREFIX, create_app, lambda_handler
from timetrack.api.deps import requires_personal
from timetrack.api.responses import respond
from timetrack.api.schemas import VALIDATION_ERRORS, SettingsPublic, SettingsUpdate
from timetrack.principal import Principal
from timetrack.runtime import services

router = APIRouter(prefix=API_PREFIX, tags=["settings"], responses=VALIDATION_ERRORS)


@router.get("/settings", response_model=SettingsPublic, operation_id="getSettings")
async def get_settings(principal: Annotated[Principal, requires_personal("read:users")]) -> Response:
    """Created with the defaults on first access."""
    return respond(SettingsPublic.of(services().settings.get(principal.user_id)))


@router.put("/settings", response_model=SettingsPublic, operation_id="updateSettings")
async def update_settings(
    body: SettingsUpdate, principal: Annotated[Principal, requires_personal("write:users")]
) -> Response:
    """Fields left out keep their values."""
    changes = body.model_dump(include=body.model_fields_set)
    return respond(SettingsPublic.of(services().settings.update(principal.user_id, changes)))


app = create_app(router)
handler = lambda_handler(app)
