"""Workspace models: members with roles, invitations, projects, contracts and tasks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from .models import ZERO


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
class Project:
    id: int
    workspace_id: int
    name: str
    hourly_rate: Decimal | None
    archived: bool
    created_at: dt.datetime


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
    id: int
    workspace_id: int
    project_id: int
    title: str
    status: TaskStatus
    created_at: dt.datetime
    tracked_minutes: Decimal = ZERO
