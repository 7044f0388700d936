"""Integrations API (seed 002): tasks of the workspace the request acts in
(see ``timetrack.api.integrations.tenancy``).

Members read; owners and executive managers write (the workspace
directory's rule, in the domain). Scopes: `read:tasks` / `write:tasks`.
`DELETE` cancels the task (status `cancelled`): time entries may name it,
so it stays, as a deleted project stays archived.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from timetrack.api.app import create_app, lambda_handler
from timetrack.api.integrations import errors
from timetrack.api.integrations.errors import ERROR_RESPONSES, NOT_FOUND, IntegrationsRoute
from timetrack.api.integrations.pagination import PageParams, Pagination, page_of
from timetrack.api.integrations.schemas import Message, TaskCreateIn, TaskOut, TaskUpdateIn
from timetrack.api.integrations.tenancy import Tenant, in_workspace
from timetrack.runtime import services
from timetrack.workspaces import TaskStatus

router = APIRouter(
    prefix="/api/v1/tasks",
    tags=["integrations: tasks"],
    route_class=IntegrationsRoute,
    responses=ERROR_RESPONSES,
)


class TaskList(BaseModel):
    tasks: list[TaskOut]
    pagination: Pagination


class TaskOne(BaseModel):
    task: TaskOut


class TaskSaved(BaseModel):
    message: str
    task: TaskOut


@router.get("", response_model=TaskList, operation_id="integrationsListTasks")
async def list_tasks(
    tenant: Annotated[Tenant, in_workspace("read:tasks")],
    page: PageParams,
    project_id: Annotated[int | None, Query(description="Only this project's tasks.")] = None,
    task_status: Annotated[TaskStatus | None, Query(alias="status")] = None,
) -> dict:
    """The workspace's tasks, oldest first."""
    found = services().workspaces.tasks(tenant.principal, tenant.workspace_id, project_id, task_status)
    return page_of("tasks", [TaskOut.of(task) for task in found], page)


@router.post(
    "",
    response_model=TaskSaved,
    status_code=status.HTTP_201_CREATED,
    operation_id="integrationsCreateTask",
    responses=NOT_FOUND,
)
async def create_task(body: TaskCreateIn, tenant: Annotated[Tenant, in_workspace("write:tasks")]) -> dict:
    """A task in a project of the workspace (owners and executive managers); status `todo` unless given."""
    details = body.changes()
    task = services().workspaces.create_task(
        tenant.principal, tenant.workspace_id, body.project_id, details.pop("title"), **details
    )
    return {"message": "Task created successfully", "task": TaskOut.of(task)}


@router.get("/{task_id}", response_model=TaskOne, operation_id="integrationsGetTask", responses=NOT_FOUND)
async def get_task(task_id: int, tenant: Annotated[Tenant, in_workspace("read:tasks")]) -> dict:
    return {"task": TaskOut.of(services().workspaces.task(tenant.principal, tenant.workspace_id, task_id))}


async def _update(task_id: int, body: TaskUpdateIn, tenant: Tenant) -> dict:
    task = services().workspaces.update_task(tenant.principal, tenant.workspace_id, task_id, body.changes())
    return {"message": "Task updated successfully", "task": TaskOut.of(task)}


@router.put("/{task_id}", response_model=TaskSaved, operation_id="integrationsUpdateTask", responses=NOT_FOUND)
async def update_task(task_id: int, body: TaskUpdateIn, tenant: Annotated[Tenant, in_workspace("write:tasks")]) -> dict:
    """Only the fields sent change; `null` clears one (not the name or status). A task stays in its project."""
    return await _update(task_id, body, tenant)


@router.patch("/{task_id}", response_model=TaskSaved, operation_id="integrationsPatchTask", responses=NOT_FOUND)
async def patch_task(task_id: int, body: TaskUpdateIn, tenant: Annotated[Tenant, in_workspace("write:tasks")]) -> dict:
    """The same as PUT."""
    return await _update(task_id, body, tenant)


@router.delete("/{task_id}", response_model=Message, operation_id="integrationsCancelTask", responses=NOT_FOUND)
async def cancel_task(task_id: int, tenant: Annotated[Tenant, in_workspace("write:tasks")]) -> dict:
    """Cancels the task (status `cancelled`); it is not deleted, so entries naming it keep it."""
    services().workspaces.update_task(tenant.principal, tenant.workspace_id, task_id, {"status": TaskStatus.CANCELLED})
    return {"message": "Task cancelled successfully"}


app = create_app(router, install_errors=errors.install)
handler = lambda_handler(app)
