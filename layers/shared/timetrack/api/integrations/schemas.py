"""Request and response schemas of the integrations API (seed 002): the field
names of its examples, datetimes as UTC with ``Z`` in whole seconds, money
and hours as JSON numbers (``Decimal`` inside), ids as integers.

Clients and projects take the workspace directory's own request bodies
(``ClientCreate``, ``ProjectUpdate``, ...: the same fields); tasks are
``name``d here (``title`` in the directory)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, Field

from ...models import Entry, EntrySource
from ...workspaces import Client, Project, ProjectStatus, Role, Task, TaskPriority, TaskStatus
from ..schemas import InputModel, IsoDate, JsonId, Number
from ..workspace_schemas import Description, Name
from .times import UtcZ

# -- time entries -------------------------------------------------------------


class TimeEntryOut(BaseModel):
    id: int
    user_id: int
    project_id: int | None
    task_id: int | None
    start_time: UtcZ
    end_time: UtcZ | None = Field(description="Null while the timer runs.")
    duration_seconds: int | None = Field(description="`end_time - start_time` as shown; null while running.")
    duration_hours: Number | None = Field(description="Hours, 2 places (half-up); null while running.")
    notes: str | None
    tags: str | None = Field(description="Comma-separated, as sent; null when none.", examples=["development,frontend"])
    tag_list: list[str] = Field(examples=[["development", "frontend"]])
    billable: bool
    source: EntrySource = Field(description="`timer` when started as a timer, else `manual`.")
    is_active: bool = Field(description="True while the timer runs.")
    hourly_rate: Number = Field(description="Fixed when the entry was created.")
    created_at: UtcZ
    updated_at: UtcZ

    @classmethod
    def of(cls, entry: Entry) -> TimeEntryOut:
        start = entry.start_time.replace(microsecond=0)
        end = None if entry.end_time is None else entry.end_time.replace(microsecond=0)
        return cls.model_construct(
            id=entry.id,
            user_id=entry.user_id,
            project_id=entry.project_id,
            task_id=entry.task_id,
            start_time=entry.start_time,
            end_time=entry.end_time,
            duration_seconds=None if end is None else int((end - start).total_seconds()),
            duration_hours=entry.total_hours,
            notes=entry.notes,
            tags=",".join(entry.tags) or None,
            tag_list=list(entry.tags),
            billable=entry.billable,
            source=entry.source,
            is_active=entry.running,
            hourly_rate=entry.hourly_rate,
            created_at=entry.created_at,
            updated_at=entry.updated_at,
        )


# -- clients, projects, tasks ---------------------------------------------------


class ClientOut(BaseModel):
    id: int
    name: str
    email: str | None
    company: str | None
    phone: str | None
    address: str | None
    default_hourly_rate: Number | None
    created_at: UtcZ
    updated_at: UtcZ

    @classmethod
    def of(cls, client: Client) -> ClientOut:
        return cls.model_construct(
            id=client.id,
            name=client.name,
            email=client.email,
            company=client.company,
            phone=client.phone,
            address=client.address,
            default_hourly_rate=client.default_hourly_rate,
            created_at=client.created_at,
            updated_at=client.updated_at,
        )


class ProjectOut(BaseModel):
    id: int
    name: str
    description: str | None
    client_id: int | None
    hourly_rate: Number | None = Field(examples=[75.0])
    estimated_hours: Number | None = Field(examples=[120])
    status: ProjectStatus
    created_at: UtcZ

    @classmethod
    def of(cls, project: Project) -> ProjectOut:
        return cls.model_construct(
            id=project.id,
            name=project.name,
            description=project.description,
            client_id=project.client_id,
            hourly_rate=project.hourly_rate,
            estimated_hours=project.estimated_hours,
            status=project.status,
            created_at=project.created_at,
        )


Priority = Annotated[
    Annotated[int, Field(strict=True, ge=1, le=4)] | TaskPriority,
    Field(description="1 (low) to 4 (urgent), or the word; answered as the word.", examples=[1]),
]
"""A JSON integer 1-4 (not ``true``, not ``"2"``) or the word."""


class TaskUpdateIn(InputModel):
    """Only the fields sent change; ``null`` clears one (not the name or status)."""

    name: Name | None = None
    description: Description | None = None
    status: TaskStatus | None = None
    priority: Priority | None = None
    due_date: IsoDate | None = None
    assignee: JsonId | None = Field(None, description="A member's user id, or null.")

    def changes(self) -> dict[str, Any]:
        """The fields sent, as the domain names them (``name`` is a task's ``title``)."""
        sent = self.model_dump(include=self.model_fields_set - {"project_id"})
        if "name" in sent:
            sent["title"] = sent.pop("name")
        return sent


class TaskCreateIn(TaskUpdateIn):
    name: Name = Field(examples=["Implement login feature"])
    project_id: JsonId = Field(description="A project of the workspace.", examples=[1])
    status: TaskStatus = TaskStatus.TODO


class TaskOut(BaseModel):
    id: int
    name: str
    description: str | None
    project_id: int
    status: TaskStatus
    priority: TaskPriority | None = Field(
        description="Sent as 1 (low) to 4 (urgent) or the word; answered as the word."
    )
    due_date: dt.date | None
    assignee: int | None = Field(description="The member's user id.")
    tracked_minutes: Number = Field(description="Minutes of stopped clock-ins on the task (API v2).")
    created_at: UtcZ

    @classmethod
    def of(cls, task: Task) -> TaskOut:
        return cls.model_construct(
            id=task.id,
            name=task.title,
            description=task.description,
            project_id=task.project_id,
            status=task.status,
            priority=task.priority,
            due_date=task.due_date,
            assignee=task.assignee,
            tracked_minutes=task.tracked_minutes,
            created_at=task.created_at,
        )


# -- users ------------------------------------------------------------------------


class UserOut(BaseModel):
    id: int
    email: str | None
    full_name: str | None = Field(description="Null: the service keeps no names, only the email.")
    role: Role = Field(description="The caller's role in the workspace the API acts in.")
    created_at: UtcZ
    is_active: bool = Field(description="Always true: a deactivated user cannot authenticate.")
    total_hours: Number = Field(description="Hours of all the user's completed entries, 2 places.")


class Message(BaseModel):
    """A delete's answer."""

    message: str = Field(examples=["Project archived successfully"])


# -- errors ---------------------------------------------------------------------


class ErrorOut(BaseModel):
    """Every error of this API."""

    error: str = Field(description="A short title.", examples=["Invalid token"])
    message: str = Field(description="What went wrong, for people.", examples=["The API token is unknown or revoked"])
    error_code: str = Field(
        description=(
            "For programs: validation_error, unauthorized, forbidden, not_found, method_not_allowed, conflict, "
            "timer_already_running, no_active_timer, idempotency_in_flight, idempotency_key_reused, "
            "payload_too_large, rate_limited, service_unavailable, internal_error"
        ),
        examples=["unauthorized"],
    )


class ValidationErrorOut(ErrorOut):
    errors: dict[str, list[str]] = Field(
        description="Each invalid field (or `body`) and its problems.",
        examples=[{"project_id": ["Field required"]}],
    )


class ForbiddenOut(ErrorOut):
    required_scope: str | None = Field(
        None, description="The scope the route requires (when that is what is missing)", examples=["write:projects"]
    )
    available_scopes: list[str] | None = Field(
        None, description="The scopes the credential holds (with `required_scope`)", examples=[["read:projects"]]
    )


class TimerConflictOut(ErrorOut):
    timer: TimeEntryOut | None = Field(description="The timer already running (whichever API started it).")
