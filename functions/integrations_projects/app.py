"""Integrations API (seed 002): projects of the workspace the request acts in
(see ``timetrack.api.integrations.tenancy``).

Members read; owners and executive managers write (the workspace
directory's rule, in the domain). Scopes: `read:projects` / `write:projects`.
`DELETE` archives the project (its entries and tasks stay).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from timetrack.api.app import create_app, lambda_handler
from timetrack.api.integrations import errors
from timetrack.api.integrations.errors import ERROR_RESPONSES, NOT_FOUND, IntegrationsRoute
from timetrack.api.integrations.pagination import PageParams, Pagination, page_of
from timetrack.api.integrations.schemas import Message, ProjectOut
from timetrack.api.integrations.tenancy import Tenant, in_workspace
from timetrack.api.workspace_schemas import ProjectCreate, ProjectUpdate
from timetrack.runtime import services
from timetrack.workspaces import ProjectStatus


class StatusFilter(StrEnum):
    """A project status, or every status."""

    ACTIVE = ProjectStatus.ACTIVE.value
    ON_HOLD = ProjectStatus.ON_HOLD.value
    ARCHIVED = ProjectStatus.ARCHIVED.value
    ALL = "all"


router = APIRouter(
    prefix="/api/v1/projects",
    tags=["integrations: projects"],
    route_class=IntegrationsRoute,
    responses=ERROR_RESPONSES,
)


class ProjectList(BaseModel):
    projects: list[ProjectOut]
    pagination: Pagination


class ProjectOne(BaseModel):
    project: ProjectOut


class ProjectSaved(BaseModel):
    message: str
    project: ProjectOut


@router.get("", response_model=ProjectList, operation_id="integrationsListProjects")
async def list_projects(
    tenant: Annotated[Tenant, in_workspace("read:projects")],
    page: PageParams,
    project_status: Annotated[
        StatusFilter, Query(alias="status", description="`all` for every status.")
    ] = StatusFilter.ACTIVE,
    client_id: Annotated[int | None, Query(description="Only this client's projects.")] = None,
) -> dict:
    """The workspace's projects by name: the active ones unless `status` says otherwise."""
    statuses = None if project_status is StatusFilter.ALL else {ProjectStatus(project_status)}
    found = services().workspaces.projects(
        tenant.principal, tenant.workspace_id, statuses=statuses, client_id=client_id
    )
    by_name = sorted(found, key=lambda project: (project.name.casefold(), project.id))
    return page_of("projects", [ProjectOut.of(project) for project in by_name], page)


@router.post(
    "",
    response_model=ProjectSaved,
    status_code=status.HTTP_201_CREATED,
    operation_id="integrationsCreateProject",
)
async def create_project(body: ProjectCreate, tenant: Annotated[Tenant, in_workspace("write:projects")]) -> dict:
    """A project (owners and executive managers); `client_id` must be a client of the workspace."""
    details = body.model_dump(include=body.model_fields_set - {"name", "hourly_rate"})
    project = services().workspaces.create_project(
        tenant.principal, tenant.workspace_id, body.name, body.hourly_rate, **details
    )
    return {"message": "Project created successfully", "project": ProjectOut.of(project)}


@router.get("/{project_id}", response_model=ProjectOne, operation_id="integrationsGetProject", responses=NOT_FOUND)
async def get_project(project_id: int, tenant: Annotated[Tenant, in_workspace("read:projects")]) -> dict:
    return {"project": ProjectOut.of(services().workspaces.project(tenant.principal, tenant.workspace_id, project_id))}


async def _update(project_id: int, body: ProjectUpdate, tenant: Tenant) -> dict:
    changes = body.model_dump(include=body.model_fields_set)
    project = services().workspaces.update_project(tenant.principal, tenant.workspace_id, project_id, changes)
    return {"message": "Project updated successfully", "project": ProjectOut.of(project)}


@router.put("/{project_id}", response_model=ProjectSaved, operation_id="integrationsUpdateProject", responses=NOT_FOUND)
async def update_project(
    project_id: int, body: ProjectUpdate, tenant: Annotated[Tenant, in_workspace("write:projects")]
) -> dict:
    """Only the fields sent change; `null` clears one (`hourly_rate: null` clears the rate)."""
    return await _update(project_id, body, tenant)


@router.patch(
    "/{project_id}", response_model=ProjectSaved, operation_id="integrationsPatchProject", responses=NOT_FOUND
)
async def patch_project(
    project_id: int, body: ProjectUpdate, tenant: Annotated[Tenant, in_workspace("write:projects")]
) -> dict:
    """The same as PUT."""
    return await _update(project_id, body, tenant)


@router.delete("/{project_id}", response_model=Message, operation_id="integrationsArchiveProject", responses=NOT_FOUND)
async def archive_project(project_id: int, tenant: Annotated[Tenant, in_workspace("write:projects")]) -> dict:
    """Archives the project (status `archived`); it is not deleted."""
    services().workspaces.archive_project(tenant.principal, tenant.workspace_id, project_id)
    return {"message": "Project archived successfully"}


app = create_app(router, install_errors=errors.install)
handler = lambda_handler(app)
