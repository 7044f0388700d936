"""Bodies of the integrations API's time entries, timer and reports (seed 002).

Requests take the seed's examples exactly as written: ``tags`` is its
comma-separated string (``"development,frontend"``; a JSON list of strings
is taken too), times are ISO 8601 (``Z`` or an offset: that instant; naive:
the entry owner's time zone). Unknown fields are ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from ...services.workspace_reports import ProjectHours, Summary
from ..schemas import InputModel, JsonId, Notes, Number
from .pagination import Pagination
from .schemas import TimeEntryOut
from .times import Instant, UtcZ


def _split_tags(value: Any) -> Any:
    """``"development, frontend"`` -> ``["development", " frontend"]`` (the domain
    trims and drops empty and repeated tags)."""
    return value.split(",") if isinstance(value, str) else value


Tags = Annotated[
    list[str],  # each tag's length and their number are the domain's rules
    BeforeValidator(_split_tags),
    WithJsonSchema(
        {
            "type": "string",
            "description": "Comma-separated (a JSON list of strings is taken too).",
            "examples": ["development,frontend"],
        }
    ),
]


class TimeEntryCreate(InputModel):
    project_id: JsonId = Field(examples=[1])
    task_id: JsonId | None = Field(None, description="A task of `project_id`.", examples=[5])
    start_time: Instant = Field(examples=["2024-01-15T09:00:00Z"])
    end_time: Instant | None = Field(
        None, description="Absent or null: the entry is the caller's running timer (409 if one runs).",
        examples=["2024-01-15T17:00:00Z"],
    )  # fmt: skip
    notes: Notes | None = Field(None, examples=["Worked on feature X"])
    tags: Tags | None = None
    billable: bool = True
    user_id: JsonId | None = Field(
        None, description="Owners and executive managers: make the entry for this member (default: the caller)."
    )

    def fields(self) -> dict[str, Any]:
        """``WorkspaceEntries.create``'s keyword arguments."""
        return self.model_dump() | {"tags": self.tags or ()}


class TimeEntryUpdate(InputModel):
    """Every field optional; only the fields sent change. ``start_time``,
    ``end_time``, ``project_id`` and ``billable`` cannot be null (a stopped
    entry does not run again: start a timer instead); null ``notes``,
    ``tags`` or ``task_id`` clear them."""

    project_id: JsonId = None
    task_id: JsonId | None = None
    start_time: Instant = None
    end_time: Instant = None
    notes: Notes | None = None
    tags: Tags | None = None
    billable: bool = None

    def changes(self) -> dict[str, Any]:
        """The fields sent, as the domain's changes."""
        sent = self.model_dump(include=self.model_fields_set)
        if "tags" in sent:
            sent["tags"] = sent["tags"] or ()
        return sent


class TimerStart(InputModel):
    project_id: JsonId = Field(examples=[1])
    task_id: JsonId | None = Field(None, examples=[5])
    notes: Notes | None = None


# -- answers ------------------------------------------------------------------------


class TimeEntryList(BaseModel):
    time_entries: list[TimeEntryOut]
    pagination: Pagination


class TimeEntryOne(BaseModel):
    time_entry: TimeEntryOut


class TimeEntryMessage(BaseModel):
    message: str = Field(examples=["Time entry created successfully"])
    time_entry: TimeEntryOut


class Message(BaseModel):
    message: str = Field(examples=["Time entry deleted successfully"])


class TimerStatus(BaseModel):
    active: bool
    timer: TimeEntryOut | None = Field(description="The caller's running timer in the workspace; null when none runs.")


class TimerStarted(BaseModel):
    message: str = Field(examples=["Timer started successfully"])
    timer: TimeEntryOut


class ProjectHoursOut(BaseModel):
    project_id: int | None = Field(description="Null for entries on no project.")
    project_name: str | None
    hours: Number = Field(examples=[85.5])
    entries: int = Field(examples=[45])

    @classmethod
    def of(cls, row: ProjectHours) -> ProjectHoursOut:
        return cls.model_construct(
            project_id=row.project_id, project_name=row.project_name, hours=row.hours, entries=row.entries
        )


class SummaryBody(BaseModel):
    start_date: UtcZ = Field(description="The first second counted.")
    end_date: UtcZ = Field(description="The last second counted (`2024-01-31T23:59:59Z` for `end_date=2024-01-31`).")
    total_hours: Number = Field(examples=[160.5])
    billable_hours: Number = Field(examples=[145.0])
    total_entries: int = Field(examples=[85])
    by_project: list[ProjectHoursOut] = Field(description="Most hours first; equal hours by name.")


class SummaryOut(BaseModel):
    summary: SummaryBody

    @classmethod
    def of(cls, summary: Summary) -> SummaryOut:
        body = SummaryBody.model_construct(
            start_date=summary.start,
            end_date=summary.end - dt.timedelta(seconds=1),  # the window's end is exclusive
            total_hours=summary.total_hours,
            billable_hours=summary.billable_hours,
            total_entries=summary.total_entries,
            by_project=[ProjectHoursOut.of(row) for row in summary.by_project],
        )
        return cls.model_construct(summary=body)
