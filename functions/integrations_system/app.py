"""Integrations API (seed 002), system routes: what the API is, whether it is
up, who calls, and its interactive documentation.

`GET /api/v1/info` and `GET /api/v1/health` need no credential (and count
against no rate limit). `GET /api/v1/users/me` needs `read:users`.
`/api/docs` is Swagger UI over the OpenAPI document of the whole API, its
assets served from here (no CDN: it works offline). The document is
`docs/openapi.json` (`make openapi`), which this function ships as a file:
`openapi.json` here is a symbolic link to it, and `sam build` copies the
file it points to.

On AWS this function also answers every path under `/api/v1` that no
function serves (the template's `ANY /api/v1/{proxy+}`): 404, or 405 with
`Allow`, in the format of the API the path belongs to (seed 002's under its
paths, the personal API's bare `detail` elsewhere).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, status
from fastapi.responses import FileResponse, JSONResponse
from pydantic import BaseModel, Field

from timetrack.api import docs
from timetrack.api import errors as personal_errors
from timetrack.api.app import create_app, lambda_handler
from timetrack.api.integrations import errors
from timetrack.api.integrations.errors import ERROR_RESPONSES, IntegrationsRoute
from timetrack.api.integrations.schemas import UserOut
from timetrack.api.integrations.tenancy import Tenant, in_workspace
from timetrack.api.integrations.times import UtcZ
from timetrack.runtime import services

API_VERSION = "v1"
APP_VERSION = "1.0.0"
DOCS_PATH = "/api/docs"
DOCUMENT = Path(__file__).resolve().parent / "openapi.json"
ENDPOINTS = {
    "projects": "/api/v1/projects",
    "time_entries": "/api/v1/time-entries",
    "timer": "/api/v1/timer",
    "tasks": "/api/v1/tasks",
    "clients": "/api/v1/clients",
    "reports": "/api/v1/reports",
    "users": "/api/v1/users",
    "health": "/api/v1/health",
}

router = APIRouter(prefix="/api/v1", tags=["integrations: system"], route_class=IntegrationsRoute)
# Swagger UI and the document it shows (not part of the document itself).
documentation = APIRouter(route_class=IntegrationsRoute)


class Info(BaseModel):
    api_version: str = Field(examples=[API_VERSION])
    app_version: str = Field(examples=[APP_VERSION])
    documentation_url: str = Field(examples=[DOCS_PATH])
    endpoints: dict[str, str] = Field(examples=[ENDPOINTS])


class HealthOut(BaseModel):
    status: Literal["healthy", "unhealthy"]
    timestamp: UtcZ
    checks: dict[str, str] = Field(examples=[{"database": "ok"}], description="`ok` or `unreachable` per dependency")


class Me(BaseModel):
    user: UserOut


@router.get("/info", response_model=Info, operation_id="integrationsInfo")
async def info() -> Info:
    """The API's version and where its parts are. No credential needed."""
    return Info(api_version=API_VERSION, app_version=APP_VERSION, documentation_url=DOCS_PATH, endpoints=ENDPOINTS)


@router.get(
    "/health",
    response_model=HealthOut,
    operation_id="integrationsHealth",
    responses={503: {"model": HealthOut, "description": "The database does not answer"}},
)
async def health() -> Any:
    """Whether the API can serve: one cheap read of the database. No credential needed."""
    reachable = services().health.database_reachable()
    body = HealthOut(
        status="healthy" if reachable else "unhealthy",
        timestamp=services().clock(),
        checks={"database": "ok" if reachable else "unreachable"},
    )
    if reachable:
        return body
    return JSONResponse(body.model_dump(mode="json"), status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


@router.get("/users/me", response_model=Me, operation_id="integrationsCurrentUser", responses=ERROR_RESPONSES)
async def current_user(tenant: Annotated[Tenant, in_workspace("read:users")]) -> Me:
    """The caller, with their role in the workspace this API acts in."""
    user_id = tenant.principal.user_id
    profile = services().accounts.profile(user_id)
    member = services().workspaces.membership(tenant.principal, tenant.workspace_id)
    user = UserOut(
        id=user_id,
        email=profile.email,
        full_name=None,
        role=member.role,
        created_at=profile.created_at,
        is_active=True,
        total_hours=services().stats.total_hours(user_id),
    )
    return Me(user=user)


docs.install(documentation, path=DOCS_PATH, openapi_url=f"{DOCS_PATH}/openapi.json", title="timetrack API")


@documentation.get(f"{DOCS_PATH}/openapi.json", include_in_schema=False)
async def openapi_document() -> FileResponse:
    return FileResponse(DOCUMENT, media_type="application/json")


def _install_errors(app: FastAPI) -> None:
    personal_errors.install(app)
    errors.install_under(app)


app = create_app(router, documentation, install_errors=_install_errors)
handler = lambda_handler(app)
