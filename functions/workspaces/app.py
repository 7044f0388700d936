"""Workspaces: the directory of members, clients, projects, contracts and tasks, and
the invitations through which members join.

Permissions live in the service: anyone not a member gets 404 for anything in
the workspace; owners and executive managers manage; members read. Scopes:
clients are `read:/write:clients`, projects and contracts
`read:/write:projects`, tasks (their subtasks and assignees too) `read:/write:tasks`,
the caller's workspaces and members `read:users`, and creating workspaces and
changing who is a member `admin:all`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from timetrack.api.app import create_app, lambda_handler
from timetrack.api.deps import requires
from timetrack.api.schemas import VALIDATION_ERRORS, ErrorBody, ForbiddenBody
from timetrack.api.workspace_schemas import (
    AssigneeCreate,
    AssignmentPublic,
    ClientCreate,
    ClientPublic,
    ClientUpdate,
    ContractCreate,
    ContractPublic,
    InvitationPublic,
    MemberCreate,
    MemberPublic,
    MemberUpdate,
    ProjectCreate,
    ProjectPublic,
    ProjectUpdate,
    SubtaskCreate,
    SubtaskPublic,
    SubtaskUpdate,
    TaskCreate,
    TaskDetail,
    TaskPublic,
    TaskUpdate,
    WorkspaceCreate,
    WorkspacePublic,
)
from timetrack.principal import Principal
from timetrack.runtime import services
from timetrack.services.workspaces import EMAIL_MAX_LENGTH, EMAIL_PATTERN
from timetrack.workspaces import TaskStatus

router = APIRouter(prefix="/api/v1/workspaces", tags=["workspaces"])
# The invitee's side: their pending invitations, across workspaces.
invitations = APIRouter(prefix="/api/v1/invitations", tags=["invitations"])

_403: dict[int | str, dict[str, Any]] = {
    403: {"model": ForbiddenBody, "description": "Needs an owner or executive manager, or the route's scope"}
}
_404: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown, or the caller is not a member of the workspace"}
}


def _409(description: str) -> dict[int | str, dict[str, Any]]:
    return {409: {"model": ErrorBody, "description": description}}


READ = VALIDATION_ERRORS | _404  # 400 and 401 as in the personal API
MANAGE = READ | _403


# -- workspaces -------------------------------------------------------------------


@router.post(
    "",
    response_model=WorkspacePublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="createWorkspace",
    responses=VALIDATION_ERRORS,
)
async def create_workspace(
    body: WorkspaceCreate, actor: Annotated[Principal, requires("admin:all")]
) -> WorkspacePublic:
    """A new workspace; the caller becomes its owner."""
    workspace, role = services().workspaces.create(actor, body.name)
    return WorkspacePublic.of(workspace, role)


@router.get("", response_model=list[WorkspacePublic], operation_id="listWorkspaces", responses=VALIDATION_ERRORS)
async def list_workspaces(actor: Annotated[Principal, requires("read:users")]) -> list[WorkspacePublic]:
    """The caller's workspaces, each with the caller's role."""
    return [WorkspacePublic.of(workspace, role) for workspace, role in services().workspaces.of_user(actor)]


# -- members --------------------------------------------------------------------


@router.post(
    "/{workspace_id}/members",
    response_model=MemberPublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="addWorkspaceMember",
    responses=MANAGE | _409("Already a member, or already invited"),
)
async def invite_member(
    workspace_id: int, body: MemberCreate, actor: Annotated[Principal, requires("admin:all")]
) -> MemberPublic:
    """Invite a `user_id` or an `email` (exactly one) with a role: `status: invited`
    until they accept. The answer is the same whether or not the user or email
    exists. Owners and executive managers invite; only an owner offers `owner`."""
    invitation = services().workspaces.invite(actor, workspace_id, body.role, user_id=body.user_id, email=body.email)
    return MemberPublic.of(invitation)


@router.get(
    "/{workspace_id}/members", response_model=list[MemberPublic], operation_id="listWorkspaceMembers", responses=READ
)
async def list_members(workspace_id: int, actor: Annotated[Principal, requires("read:users")]) -> list[MemberPublic]:
    """Members (`status: active`), then pending invitations (`status: invited`)."""
    return [MemberPublic.of(member) for member in services().workspaces.members(actor, workspace_id)]


@router.patch(
    "/{workspace_id}/members/{user_id}",
    response_model=MemberPublic,
    operation_id="updateWorkspaceMember",
    responses=MANAGE | _409("The last owner cannot be demoted"),
)
async def update_member(
    workspace_id: int, user_id: int, body: MemberUpdate, actor: Annotated[Principal, requires("admin:all")]
) -> MemberPublic:
    """Change a member's role; only an owner grants or removes `owner`."""
    return MemberPublic.of(services().workspaces.change_role(actor, workspace_id, user_id, body.role))


@router.delete(
    "/{workspace_id}/members/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="removeWorkspaceMember",
    responses=MANAGE | _409("The last owner cannot leave"),
)
async def remove_member(
    workspace_id: int, user_id: int, actor: Annotated[Principal, requires("admin:all")]
) -> Response:
    """Managers remove members or revoke an invitation to a user id (only an
    owner removes an owner); anyone may leave. A removed member's running
    clock-in in the workspace is stopped and their contracts there end."""
    services().workspaces.remove_member(actor, workspace_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/{workspace_id}/members",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="revokeEmailInvitation",
    responses=MANAGE,
)
async def revoke_email_invitation(
    workspace_id: int,
    email: Annotated[str, Query(max_length=EMAIL_MAX_LENGTH, pattern=EMAIL_PATTERN)],
    actor: Annotated[Principal, requires("admin:all")],
) -> Response:
    """Revoke the invitation to `email` (managers; an invitation as owner only an owner)."""
    services().workspaces.revoke_email_invitation(actor, workspace_id, email)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- clients ----------------------------------------------------------------------


@router.post(
    "/{workspace_id}/clients",
    response_model=ClientPublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="createClient",
    responses=MANAGE | _409("Another client of the workspace has the name"),
)
async def create_client(
    workspace_id: int, body: ClientCreate, actor: Annotated[Principal, requires("write:clients")]
) -> ClientPublic:
    details = body.model_dump(include=body.model_fields_set - {"name"})
    return ClientPublic.of(services().workspaces.create_client(actor, workspace_id, body.name, **details))


@router.get("/{workspace_id}/clients", response_model=list[ClientPublic], operation_id="listClients", responses=READ)
async def list_clients(workspace_id: int, actor: Annotated[Principal, requires("read:clients")]) -> list[ClientPublic]:
    return [ClientPublic.of(client) for client in services().workspaces.clients(actor, workspace_id)]


@router.get(
    "/{workspace_id}/clients/{client_id}", response_model=ClientPublic, operation_id="getClient", responses=READ
)
async def get_client(
    workspace_id: int, client_id: int, actor: Annotated[Principal, requires("read:clients")]
) -> ClientPublic:
    return ClientPublic.of(services().workspaces.client(actor, workspace_id, client_id))


@router.put(
    "/{workspace_id}/clients/{client_id}",
    response_model=ClientPublic,
    operation_id="updateClient",
    responses=MANAGE | _409("Another client of the workspace has the name"),
)
async def update_client(
    workspace_id: int, client_id: int, body: ClientUpdate, actor: Annotated[Principal, requires("write:clients")]
) -> ClientPublic:
    """Only the fields sent change; `null` clears one (not the name)."""
    changes = body.model_dump(include=body.model_fields_set)
    return ClientPublic.of(services().workspaces.update_client(actor, workspace_id, client_id, changes))


@router.delete(
    "/{workspace_id}/clients/{client_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteClient",
    responses=MANAGE | _409("A project (archived ones too) still names the client"),
)
async def delete_client(
    workspace_id: int, client_id: int, actor: Annotated[Principal, requires("write:clients")]
) -> Response:
    """Deletes the client and frees its name; 409 while a project names it."""
    services().workspaces.delete_client(actor, workspace_id, client_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- projects -------------------------------------------------------------------


@router.post(
    "/{workspace_id}/projects",
    response_model=ProjectPublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="createProject",
    responses=MANAGE,
)
async def create_project(
    workspace_id: int, body: ProjectCreate, actor: Annotated[Principal, requires("write:projects")]
) -> ProjectPublic:
    details = body.model_dump(include=body.model_fields_set - {"name", "hourly_rate"})
    project = services().workspaces.create_project(actor, workspace_id, body.name, body.hourly_rate, **details)
    return ProjectPublic.of(project)


@router.get("/{workspace_id}/projects", response_model=list[ProjectPublic], operation_id="listProjects", responses=READ)
async def list_projects(
    workspace_id: int, actor: Annotated[Principal, requires("read:projects")]
) -> list[ProjectPublic]:
    """Every project, archived ones included."""
    return [ProjectPublic.of(project) for project in services().workspaces.projects(actor, workspace_id)]


@router.get(
    "/{workspace_id}/projects/{project_id}", response_model=ProjectPublic, operation_id="getProject", responses=READ
)
async def get_project(
    workspace_id: int, project_id: int, actor: Annotated[Principal, requires("read:projects")]
) -> ProjectPublic:
    return ProjectPublic.of(services().workspaces.project(actor, workspace_id, project_id))


@router.put(
    "/{workspace_id}/projects/{project_id}",
    response_model=ProjectPublic,
    operation_id="updateProject",
    responses=MANAGE,
)
async def update_project(
    workspace_id: int, project_id: int, body: ProjectUpdate, actor: Annotated[Principal, requires("write:projects")]
) -> ProjectPublic:
    """Only the fields sent change; `null` clears one (`hourly_rate: null` clears the rate)."""
    changes = body.model_dump(include=body.model_fields_set)
    return ProjectPublic.of(services().workspaces.update_project(actor, workspace_id, project_id, changes))


@router.delete(
    "/{workspace_id}/projects/{project_id}",
    response_model=ProjectPublic,
    operation_id="archiveProject",
    responses=MANAGE,
)
async def archive_project(
    workspace_id: int, project_id: int, actor: Annotated[Principal, requires("write:projects")]
) -> ProjectPublic:
    """Archives the project (it stays listed; no new contracts on it) and returns it."""
    return ProjectPublic.of(services().workspaces.archive_project(actor, workspace_id, project_id))


# -- contracts ------------------------------------------------------------------


@router.post(
    "/{workspace_id}/contracts",
    response_model=ContractPublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="createContract",
    responses=MANAGE,
)
async def create_contract(
    workspace_id: int, body: ContractCreate, actor: Annotated[Principal, requires("write:projects")]
) -> ContractPublic:
    """Assign a member to a project at an hourly rate."""
    contract = services().workspaces.create_contract(
        actor, workspace_id, body.user_id, body.project_id, body.hourly_rate
    )
    return ContractPublic.of(contract)


@router.get(
    "/{workspace_id}/contracts", response_model=list[ContractPublic], operation_id="listContracts", responses=READ
)
async def list_contracts(
    workspace_id: int, actor: Annotated[Principal, requires("read:projects")], user_id: int | None = None
) -> list[ContractPublic]:
    """Every contract, ended ones included; `user_id` filters to one member's."""
    contracts = services().workspaces.contracts(actor, workspace_id, user_id)
    return [ContractPublic.of(contract) for contract in contracts]


@router.get(
    "/{workspace_id}/contracts/{contract_id}",
    response_model=ContractPublic,
    operation_id="getContract",
    responses=READ,
)
async def get_contract(
    workspace_id: int, contract_id: int, actor: Annotated[Principal, requires("read:projects")]
) -> ContractPublic:
    return ContractPublic.of(services().workspaces.contract(actor, workspace_id, contract_id))


@router.delete(
    "/{workspace_id}/contracts/{contract_id}",
    response_model=ContractPublic,
    operation_id="endContract",
    responses=MANAGE | _409("The contract has already ended"),
)
async def end_contract(
    workspace_id: int, contract_id: int, actor: Annotated[Principal, requires("write:projects")]
) -> ContractPublic:
    """Ends the contract (it stays listed, inactive) and returns it."""
    return ContractPublic.of(services().workspaces.end_contract(actor, workspace_id, contract_id))


# -- tasks ----------------------------------------------------------------------


@router.post(
    "/{workspace_id}/tasks",
    response_model=TaskPublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="createTask",
    responses=MANAGE,
)
async def create_task(
    workspace_id: int, body: TaskCreate, actor: Annotated[Principal, requires("write:tasks")]
) -> TaskPublic:
    """A task in a project of the workspace, status `todo` unless given; `name` or `title`."""
    details = body.changes()
    task = services().workspaces.create_task(actor, workspace_id, body.project_id, details.pop("title"), **details)
    return TaskPublic.of(task)


@router.get("/{workspace_id}/tasks", response_model=list[TaskPublic], operation_id="listTasks", responses=READ)
async def list_tasks(
    workspace_id: int,
    actor: Annotated[Principal, requires("read:tasks")],
    project_id: int | None = None,
    task_status: Annotated[TaskStatus | None, Query(alias="status")] = None,
) -> list[TaskPublic]:
    """Every task; `project_id` and `status` filter."""
    tasks = services().workspaces.tasks(actor, workspace_id, project_id, task_status)
    return [TaskPublic.of(task) for task in tasks]


@router.get("/{workspace_id}/tasks/{task_id}", response_model=TaskDetail, operation_id="getTask", responses=READ)
async def get_task(workspace_id: int, task_id: int, actor: Annotated[Principal, requires("read:tasks")]) -> TaskDetail:
    """The task with its subtasks, its assignees and the hours all members' entries on it add up to."""
    return TaskDetail.of_card(services().cards.card(actor, workspace_id, task_id))


_UNFINISHED = _409("Review or done while a subtask is not done (`unfinished_subtasks` lists them)")


@router.patch(
    "/{workspace_id}/tasks/{task_id}",
    response_model=TaskPublic,
    operation_id="updateTask",
    responses=MANAGE | _UNFINISHED,
)
async def update_task(
    workspace_id: int, task_id: int, body: TaskUpdate, actor: Annotated[Principal, requires("write:tasks")]
) -> TaskPublic:
    """Only the fields sent change; `null` clears one (not the title or status). Review and done
    only when every subtask is done."""
    return TaskPublic.of(services().workspaces.update_task(actor, workspace_id, task_id, body.changes()))


# -- subtasks and assignees of a task --------------------------------------------------


@router.post(
    "/{workspace_id}/tasks/{task_id}/subtasks",
    response_model=SubtaskPublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="createSubtask",
    responses=MANAGE,
)
async def create_subtask(
    workspace_id: int, task_id: int, body: SubtaskCreate, actor: Annotated[Principal, requires("write:tasks")]
) -> SubtaskPublic:
    """A subtask of the task, status `todo` unless given, after the last one unless `position` is given."""
    subtask = services().cards.create_subtask(
        actor, workspace_id, task_id, body.name, status=body.status, position=body.position
    )
    return SubtaskPublic.of(subtask)


@router.get(
    "/{workspace_id}/tasks/{task_id}/subtasks",
    response_model=list[SubtaskPublic],
    operation_id="listSubtasks",
    responses=READ,
)
async def list_subtasks(
    workspace_id: int, task_id: int, actor: Annotated[Principal, requires("read:tasks")]
) -> list[SubtaskPublic]:
    """The task's subtasks by position."""
    return [SubtaskPublic.of(subtask) for subtask in services().cards.subtasks(actor, workspace_id, task_id)]


@router.patch(
    "/{workspace_id}/tasks/{task_id}/subtasks/{subtask_id}",
    response_model=SubtaskPublic,
    operation_id="updateSubtask",
    responses=MANAGE,
)
async def update_subtask(
    workspace_id: int,
    task_id: int,
    subtask_id: int,
    body: SubtaskUpdate,
    actor: Annotated[Principal, requires("write:tasks")],
) -> SubtaskPublic:
    """Only the fields sent change (`null` changes nothing); a subtask's status moves freely."""
    subtask = services().cards.update_subtask(actor, workspace_id, task_id, subtask_id, body.changes())
    return SubtaskPublic.of(subtask)


@router.delete(
    "/{workspace_id}/tasks/{task_id}/subtasks/{subtask_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteSubtask",
    responses=MANAGE,
)
async def delete_subtask(
    workspace_id: int, task_id: int, subtask_id: int, actor: Annotated[Principal, requires("write:tasks")]
) -> Response:
    services().cards.delete_subtask(actor, workspace_id, task_id, subtask_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{workspace_id}/tasks/{task_id}/assignees",
    response_model=AssignmentPublic,
    status_code=status.HTTP_201_CREATED,
    operation_id="assignTask",
    responses=MANAGE | _409("The user is assigned to the task already"),
)
async def assign_task(
    workspace_id: int, task_id: int, body: AssigneeCreate, actor: Annotated[Principal, requires("write:tasks")]
) -> AssignmentPublic:
    """Assign a member to the task (status `assigned`); their timer starts and stops on it
    set `started_at` (the first time), `completed_at` and the status."""
    return AssignmentPublic.of(services().cards.assign(actor, workspace_id, task_id, body.user_id))


@router.get(
    "/{workspace_id}/tasks/{task_id}/assignees",
    response_model=list[AssignmentPublic],
    operation_id="listTaskAssignees",
    responses=READ,
)
async def list_assignees(
    workspace_id: int, task_id: int, actor: Annotated[Principal, requires("read:tasks")]
) -> list[AssignmentPublic]:
    """The task's assignees by user id."""
    return [AssignmentPublic.of(a) for a in services().cards.assignments(actor, workspace_id, task_id)]


@router.delete(
    "/{workspace_id}/tasks/{task_id}/assignees/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="unassignTask",
    responses=MANAGE,
)
async def unassign_task(
    workspace_id: int, task_id: int, user_id: int, actor: Annotated[Principal, requires("write:tasks")]
) -> Response:
    services().cards.unassign(actor, workspace_id, task_id, user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# -- the invitee's invitations ------------------------------------------------------

_NO_INVITATION: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No invitation of the caller's to the workspace"}
}


@invitations.get(
    "", response_model=list[InvitationPublic], operation_id="listMyInvitations", responses=VALIDATION_ERRORS
)
async def list_invitations(actor: Annotated[Principal, requires("read:users")]) -> list[InvitationPublic]:
    """The caller's pending invitations, to their user id or their email: one per workspace."""
    return [InvitationPublic.of(invitation) for invitation in services().workspaces.invitations_of(actor)]


@invitations.post(
    "/{workspace_id}/accept",
    response_model=MemberPublic,
    operation_id="acceptInvitation",
    responses=VALIDATION_ERRORS | _NO_INVITATION | _409("Already a member"),
)
async def accept_invitation(workspace_id: int, actor: Annotated[Principal, requires("write:users")]) -> MemberPublic:
    """Join the workspace with the role offered; returns the membership."""
    return MemberPublic.of(services().workspaces.accept(actor, workspace_id))


@invitations.delete(
    "/{workspace_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="declineInvitation",
    responses=VALIDATION_ERRORS | _NO_INVITATION,
)
async def decline_invitation(workspace_id: int, actor: Annotated[Principal, requires("write:users")]) -> Response:
    services().workspaces.decline(actor, workspace_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


app = create_app(router, invitations)
handler = lambda_handler(app)
