"""Request and response schemas of the workspace directory API.

Plain JSON like the personal API (seed 001 style): integer ids, money and
minutes as JSON numbers (``Decimal`` inside), datetimes in UTC with an
explicit offset (a workspace has no single time zone).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ..errors import ValidationFailed
from ..models import round_money
from ..services.cards import MAX_POSITION, CardDetail
from ..services.workspaces import (
    CONTACT_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    EMAIL_PATTERN,
    MAX_ESTIMATED_HOURS,
    NAME_MAX_LENGTH,
)
from ..workspaces import (
    Assignment,
    AssignmentStatus,
    Client,
    Contract,
    Invitation,
    Member,
    Project,
    ProjectStatus,
    Role,
    Subtask,
    SubtaskStatus,
    Task,
    TaskPriority,
    TaskStatus,
    Workspace,
)
from .schemas import InputModel, JsonId, Number, OffsetDateTime, Rate, utc, utc_or_none

Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX_LENGTH, examples=["Acme"])]
Id = JsonId
Email = Annotated[str, Field(max_length=EMAIL_MAX_LENGTH, pattern=EMAIL_PATTERN, examples=["ana@example.com"])]
Contact = Annotated[str, Field(max_length=CONTACT_MAX_LENGTH)]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX_LENGTH)]
Hours = Annotated[Decimal, Field(ge=0, lt=MAX_ESTIMATED_HOURS, examples=[120])]
Priority = Annotated[
    Annotated[int, Field(ge=1, le=4)] | TaskPriority,
    Field(description="1 (low) to 4 (urgent), or the word; answered as the word."),
]


# -- workspaces -------------------------------------------------------------------


class WorkspaceCreate(InputModel):
    name: Name


class WorkspacePublic(BaseModel):
    id: int
    name: str
    role: Role = Field(description="The caller's role in the workspace.")
    created_at: OffsetDateTime
    created_by: int

    @classmethod
    def of(cls, workspace: Workspace, role: Role) -> WorkspacePublic:
        return cls.model_construct(
            id=workspace.id,
            name=workspace.name,
            role=role,
            created_at=utc(workspace.created_at),
            created_by=workspace.created_by,
        )


# -- members and invitations ----------------------------------------------------


class MemberCreate(InputModel):
    """An invitation: exactly one of ``user_id`` and ``email`` (400 naming the field otherwise)."""

    user_id: Id | None = Field(None, description="The user to invite.")
    email: Email | None = Field(
        None, description="The email to invite (case and surrounding spaces ignored); it may sign up later."
    )
    role: Role = Field(description="The role on accepting; only an owner can offer `owner`.")


class MemberUpdate(InputModel):
    role: Role = Field(description="Only an owner can grant or remove `owner`; the last owner stays.")


class MemberPublic(BaseModel):
    """A member (``status: active``) or a pending invitation (``status: invited``)."""

    workspace_id: int
    user_id: int | None = Field(description="Null for an invitation to an email.")
    email: str | None = Field(description="Set only for an invitation to an email.")
    role: Role
    status: Literal["active", "invited"]
    joined_at: OffsetDateTime | None = Field(description="Null while invited.")
    invited_by: int | None = Field(description="Who invited; set only while invited.")
    invited_at: OffsetDateTime | None = Field(description="Set only while invited.")

    @classmethod
    def of(cls, member: Member | Invitation) -> MemberPublic:
        if isinstance(member, Invitation):
            return cls.model_construct(
                workspace_id=member.workspace_id,
                user_id=member.user_id,
                email=member.email,
                role=member.role,
                status="invited",
                joined_at=None,
                invited_by=member.invited_by,
                invited_at=utc(member.invited_at),
            )
        return cls.model_construct(
            workspace_id=member.workspace_id,
            user_id=member.user_id,
            email=None,
            role=member.role,
            status="active",
            joined_at=utc(member.joined_at),
            invited_by=None,
            invited_at=None,
        )


class InvitationPublic(BaseModel):
    """An invitation as its invitee sees it."""

    workspace_id: int
    workspace_name: str
    role: Role = Field(description="The role on accepting.")
    invited_by: int
    invited_at: OffsetDateTime

    @classmethod
    def of(cls, invitation: Invitation) -> InvitationPublic:
        return cls.model_construct(
            workspace_id=invitation.workspace_id,
            workspace_name=invitation.workspace_name,
            role=invitation.role,
            invited_by=invitation.invited_by,
            invited_at=utc(invitation.invited_at),
        )


# -- clients --------------------------------------------------------------------


class ClientUpdate(InputModel):
    """Only the fields sent change; ``null`` (or an empty text) clears one, except the name."""

    name: Name | None = Field(None, description="Unique in the workspace (case and spaces ignored).")
    email: Email | None = None
    company: Contact | None = None
    phone: Contact | None = None
    address: Contact | None = None
    default_hourly_rate: Rate | None = None


class ClientCreate(ClientUpdate):
    name: Name = Field(description="Unique in the workspace (case and spaces ignored).")


class ClientPublic(BaseModel):
    id: int
    workspace_id: int
    name: str
    email: str | None
    company: str | None
    phone: str | None
    address: str | None
    default_hourly_rate: Number | None
    created_at: OffsetDateTime
    updated_at: OffsetDateTime

    @classmethod
    def of(cls, client: Client) -> ClientPublic:
        return cls.model_construct(
            id=client.id,
            workspace_id=client.workspace_id,
            name=client.name,
            email=client.email,
            company=client.company,
            phone=client.phone,
            address=client.address,
            default_hourly_rate=client.default_hourly_rate,
            created_at=utc(client.created_at),
            updated_at=utc(client.updated_at),
        )


# -- projects -------------------------------------------------------------------


class ProjectUpdate(InputModel):
    """Only the fields sent change; ``null`` clears one (``hourly_rate: null`` clears the rate)."""

    name: Name | None = None
    hourly_rate: Rate | None = None
    description: Description | None = None
    client_id: Id | None = Field(None, description="A client of the workspace (400 otherwise).")
    estimated_hours: Hours | None = None
    status: ProjectStatus | None = Field(None, description="`archived` is what DELETE sets.")


class ProjectCreate(ProjectUpdate):
    name: Name
    hourly_rate: Rate | None = Field(None, description="The project's usual rate; contracts carry their own.")
    status: ProjectStatus = ProjectStatus.ACTIVE


class ProjectPublic(BaseModel):
    id: int
    workspace_id: int
    name: str
    hourly_rate: Number | None
    description: str | None
    client_id: int | None
    estimated_hours: Number | None
    status: ProjectStatus
    archived: bool = Field(description="`status == archived`, for clients that predate statuses.")
    created_at: OffsetDateTime

    @classmethod
    def of(cls, project: Project) -> ProjectPublic:
        return cls.model_construct(
            id=project.id,
            workspace_id=project.workspace_id,
            name=project.name,
            hourly_rate=project.hourly_rate,
            description=project.description,
            client_id=project.client_id,
            estimated_hours=project.estimated_hours,
            status=project.status,
            archived=project.archived,
            created_at=utc(project.created_at),
        )


# -- contracts ------------------------------------------------------------------


class ContractCreate(InputModel):
    user_id: Id = Field(description="A member of the workspace.")
    project_id: Id = Field(description="A project of the workspace that is not archived.")
    hourly_rate: Rate


class ContractPublic(BaseModel):
    id: int
    workspace_id: int
    user_id: int
    project_id: int
    hourly_rate: Number
    active: bool = Field(description="False once the contract has ended; an ended contract cannot be clocked in.")
    created_at: OffsetDateTime
    ended_at: OffsetDateTime | None
    first_started_at: OffsetDateTime | None
    last_activity_at: OffsetDateTime | None
    tracked_minutes: Number = Field(description="Minutes of stopped clock-ins, 2 decimal places.")

    @classmethod
    def of(cls, contract: Contract) -> ContractPublic:
        return cls.model_construct(
            id=contract.id,
            workspace_id=contract.workspace_id,
            user_id=contract.user_id,
            project_id=contract.project_id,
            hourly_rate=contract.hourly_rate,
            active=contract.active,
            created_at=utc(contract.created_at),
            ended_at=utc_or_none(contract.ended_at),
            first_started_at=utc_or_none(contract.first_started_at),
            last_activity_at=utc_or_none(contract.last_activity_at),
            tracked_minutes=round_money(contract.tracked_minutes),
        )


# -- tasks ----------------------------------------------------------------------


class TaskUpdate(InputModel):
    """Only the fields sent change; ``null`` clears one (not the name or status).
    ``name`` and ``title`` are the same field: send either."""

    title: Name | None = None
    name: Name | None = Field(None, description="The same as `title`.")
    status: TaskStatus | None = None
    description: Description | None = None
    priority: Priority | None = None
    due_date: dt.date | None = None
    assignee: Id | None = Field(None, description="An active member's user id, or null.")

    def changes(self) -> dict:
        """The fields sent, ``name`` given as ``title``; 400 if both differ."""
        sent = self.model_dump(include=self.model_fields_set)
        name = sent.pop("name", None)
        if name is not None:
            if sent.get("title") not in (None, name):
                raise ValidationFailed("name", "name and title are the same field; send one")
            sent["title"] = name
        return sent


class TaskCreate(TaskUpdate):
    project_id: Id
    status: TaskStatus = TaskStatus.TODO

    def changes(self) -> dict:
        sent = super().changes()
        if sent.get("title") is None:
            raise ValidationFailed("title", "give a title (or a name)")
        sent.pop("project_id")
        return sent


class TaskPublic(BaseModel):
    id: int
    workspace_id: int
    project_id: int
    title: str
    name: str = Field(description="The same as `title`.")
    description: str | None
    status: TaskStatus
    priority: TaskPriority | None
    due_date: dt.date | None
    assignee: int | None
    tracked_minutes: Number = Field(description="Minutes of stopped clock-ins on the task, 2 decimal places.")
    created_at: OffsetDateTime

    @classmethod
    def of(cls, task: Task) -> TaskPublic:
        return cls.model_construct(
            id=task.id,
            workspace_id=task.workspace_id,
            project_id=task.project_id,
            title=task.title,
            name=task.title,
            description=task.description,
            status=task.status,
            priority=task.priority,
            due_date=task.due_date,
            assignee=task.assignee,
            tracked_minutes=round_money(task.tracked_minutes),
            created_at=utc(task.created_at),
        )


# -- subtasks and assignees ------------------------------------------------------------

Position = Annotated[int, Field(ge=0, le=MAX_POSITION, description="Orders the task's subtasks (ascending).")]


class SubtaskUpdate(InputModel):
    name: Name | None = None
    status: SubtaskStatus | None = None
    position: Position | None = None

    def changes(self) -> dict:
        return self.model_dump(include=self.model_fields_set)


class SubtaskCreate(InputModel):
    name: Name
    status: SubtaskStatus = SubtaskStatus.TODO
    position: Position | None = Field(None, description="Default: after the task's last subtask.")


class SubtaskPublic(BaseModel):
    id: int
    workspace_id: int
    task_id: int
    name: str
    status: SubtaskStatus
    position: int
    created_at: OffsetDateTime
    updated_at: OffsetDateTime

    @classmethod
    def of(cls, subtask: Subtask) -> SubtaskPublic:
        return cls.model_construct(
            id=subtask.id,
            workspace_id=subtask.workspace_id,
            task_id=subtask.task_id,
            name=subtask.name,
            status=subtask.status,
            position=subtask.position,
            created_at=utc(subtask.created_at),
            updated_at=utc(subtask.updated_at),
        )


class AssigneeCreate(InputModel):
    user_id: Id = Field(description="A member of the workspace.")


class AssignmentPublic(BaseModel):
    workspace_id: int
    task_id: int
    user_id: int
    assignment_status: AssignmentStatus
    assigned_at: OffsetDateTime
    assigned_by: int
    started_at: OffsetDateTime | None = Field(description="Their first timer start on the task.")
    completed_at: OffsetDateTime | None = Field(description="Their latest timer stop on the task.")

    @classmethod
    def of(cls, assignment: Assignment) -> AssignmentPublic:
        return cls.model_construct(
            workspace_id=assignment.workspace_id,
            task_id=assignment.task_id,
            user_id=assignment.user_id,
            assignment_status=assignment.assignment_status,
            assigned_at=utc(assignment.assigned_at),
            assigned_by=assignment.assigned_by,
            started_at=utc_or_none(assignment.started_at),
            completed_at=utc_or_none(assignment.completed_at),
        )


class TaskDetail(TaskPublic):
    """One task as ``GET .../tasks/{id}`` shows it: with its subtasks, its
    assignees and the time all members' entries on it add up to."""

    subtasks: list[SubtaskPublic]
    assignees: list[AssignmentPublic]
    actual_hours: Number = Field(description="Hours of all members' completed entries on the task, 2 places.")
    logs_count: int = Field(description="How many entries are on the task, running ones included.")

    @classmethod
    def of_card(cls, card: CardDetail) -> TaskDetail:
        task = TaskPublic.of(card.task)
        return cls.model_construct(
            **dict(task),
            subtasks=[SubtaskPublic.of(subtask) for subtask in card.subtasks],
            assignees=[AssignmentPublic.of(assignment) for assignment in card.assignments],
            actual_hours=card.total.hours,
            logs_count=card.total.logs_count,
        )
