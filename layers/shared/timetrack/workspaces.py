"""Workspace models: members with roles, invitations, clients, projects, contracts, tasks,
their subtasks and the members assigned to them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from .models import ZERO, round_money


class Role(StrEnum):
    OWNER = "owner"
    EXECUTIVE_MANAGER = "executive_manager"
    MEMBER = "member"

    @property
    def manages(self) -> bool:
        """Owners and executive managers manage the workspace and clock in anyone."""
        return self is not Role.MEMBER


class TaskStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    REVIEW = "review"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def closes(self) -> bool:
        """A task moves to review or done only when every subtask of it is done."""
        return self in (TaskStatus.REVIEW, TaskStatus.DONE)


@dataclass(frozen=True, slots=True)
class Workspace:
    id: int
    name: str
    created_at: dt.datetime
    created_by: int


@dataclass(frozen=True, slots=True)
class Member:
    workspace_id: int
    user_id: int
    role: Role
    joined_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Invitation:
    """An offer to join a workspace with a role, to a user id or to an email
    (which may sign up later). Nobody is a member until they accept."""

    workspace_id: int
    workspace_name: str
    role: Role
    invited_by: int
    invited_at: dt.datetime
    user_id: int | None = None
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Client:
    """Whom the workspace works for; ``name`` is unique in the workspace
    (compared by :func:`client_name_key`)."""

    id: int
    workspace_id: int
    name: str
    created_at: dt.datetime
    updated_at: dt.datetime
    email: str | None = None
    company: str | None = None
    phone: str | None = None
    address: str | None = None
    default_hourly_rate: Decimal | None = None
    # How many projects name the client: it cannot be deleted while any does.
    project_count: int = 0


def client_name_key(name: str) -> str:
    """What makes two client names the same: case and runs of spaces are ignored."""
    return " ".join(name.split()).casefold()


class ProjectStatus(StrEnum):
    ACTIVE = "active"
    ON_HOLD = "on_hold"
    ARCHIVED = "archived"


class TaskPriority(StrEnum):
    """Stored as the word; seed 002's clients send 1 (low) to 4 (urgent)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"

    @classmethod
    def parse(cls, value: int | str) -> TaskPriority:
        """1-4 or the word; ValueError for anything else."""
        if isinstance(value, int) and not isinstance(value, bool):
            if not 1 <= value <= len(cls):
                raise ValueError(value)
            return list(cls)[value - 1]
        return cls(value)


@dataclass(frozen=True, slots=True)
class Project:
    id: int
    workspace_id: int
    name: str
    hourly_rate: Decimal | None
    status: ProjectStatus
    created_at: dt.datetime
    description: str | None = None
    client_id: int | None = None
    estimated_hours: Decimal | None = None

    @property
    def archived(self) -> bool:
        return self.status is ProjectStatus.ARCHIVED


@dataclass(frozen=True, slots=True)
class Contract:
    """One member assigned to one project at an hourly rate."""

    id: int
    workspace_id: int
    user_id: int
    project_id: int
    hourly_rate: Decimal
    created_at: dt.datetime
    ended_at: dt.datetime | None = None
    first_started_at: dt.datetime | None = None
    last_activity_at: dt.datetime | None = None
    tracked_minutes: Decimal = ZERO

    @property
    def active(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True, slots=True)
class Task:
    """``title`` is the task's name (seed 002 calls it ``name``).
    ``tracked_minutes``: of all members' completed entries on it, from its
    ``TrackedTotal`` (services fill it in when they read tasks)."""

    id: int
    workspace_id: int
    project_id: int
    title: str
    status: TaskStatus
    created_at: dt.datetime
    tracked_minutes: Decimal = ZERO
    description: str | None = None
    priority: TaskPriority | None = None
    due_date: dt.date | None = None
    assignee: int | None = None

    def with_total(self, total: TrackedTotal) -> Task:
        return dataclasses.replace(self, tracked_minutes=total.tracked_minutes)


def entry_rate(user_id: int, project: Project, contracts: Iterable[Contract], default_rate: Decimal) -> Decimal:
    """The hourly rate of a new entry of ``user_id`` on ``project``: their active
    contract on it (the newest, if several), else the project's rate, else
    their default rate. It is fixed on the entry: later changes leave it."""
    theirs = [
        contract
        for contract in contracts
        if contract.active and contract.user_id == user_id and contract.project_id == project.id
    ]
    if theirs:
        return max(theirs, key=lambda contract: (contract.created_at, contract.id)).hourly_rate
    return project.hourly_rate if project.hourly_rate is not None else default_rate


class SubtaskStatus(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


@dataclass(frozen=True, slots=True)
class Subtask:
    """A step of a task (seed 003: of a card); ``position`` orders a task's subtasks."""

    id: int
    workspace_id: int
    task_id: int
    name: str
    status: SubtaskStatus
    position: int
    created_at: dt.datetime
    updated_at: dt.datetime


class AssignmentStatus(StrEnum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


@dataclass(frozen=True, slots=True)
class Assignment:
    """A member assigned to a task (seed 003's card assignment). Their first
    timer start on the task sets ``started_at``; each stop sets ``completed_at``."""

    workspace_id: int
    task_id: int
    user_id: int
    assignment_status: AssignmentStatus
    assigned_at: dt.datetime
    assigned_by: int
    started_at: dt.datetime | None = None
    completed_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class TrackedTotal:
    """What all members' time entries on one task (or one subtask) add up to:
    ``seconds`` of the completed ones, ``logs_count`` of all (running ones too)."""

    seconds: Decimal = ZERO
    logs_count: int = 0

    @property
    def minutes(self) -> int:
        """Whole minutes, truncated."""
        return int(self.seconds // 60)

    @property
    def hours(self) -> Decimal:
        """Hours, half-up to 2 places (a task's ``actual_hours``)."""
        return round_money(self.seconds / 3600)

    @property
    def tracked_minutes(self) -> Decimal:
        """Minutes, half-up to 2 places (a task's ``tracked_minutes``)."""
        return round_money(self.seconds / 60)
