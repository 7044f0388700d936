"""Request and response schemas of the organization time-entries API (seed 004),
and its renderer of entries.

Names and shapes as the seed's. Ids are JSON strings (the seed types them as
opaque ids; the numbers are the same as in every other API). Instants leave in
UTC with ``Z``; a naive time sent is the entry owner's wall-clock time (their
settings' zone). ``duration_minutes`` is minutes as a JSON number (half-up to
2 places), ``null`` with ``end_time`` while the entry runs. ``description`` is
``""`` when there is none. An entry made through another API may be on no
task: its ``task_id`` and ``task`` are ``null``.

The directory keeps no names, only emails, so a person's ``first_name`` and
``last_name`` come from the email's local part (:func:`names_of`):
``ana.maria.silva@example.com`` is "Ana" "Maria Silva", ``bob@example.com``
"Bob" ""; a user without an email has ``email: null`` and empty names.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError
from starlette.convertors import Convertor, register_url_convertor

from ...dal.directory import Profile
from ...rules import MAX_DURATION, NOTES_MAX_LENGTH
from ...services.org_time_entries import EntryView
from ...workspaces import TaskStatus
from ..schemas import DateTime, InputModel

ID_PATTERN = r"^[0-9]{1,16}$"
_ID = re.compile(ID_PATTERN)
MAX_MINUTES = int(MAX_DURATION.total_seconds()) // 60


def _id_text(value: Any) -> Any:
    """An id as the seed sends it: a JSON string of digits (never a number)."""
    if not isinstance(value, str) or not _ID.match(value):
        raise PydanticCustomError("id_text", "Input should be an id: a string of 1 to 16 digits")
    return int(value)


class _Digits(Convertor[str]):
    """Path segments that can be an id: ``/{entry_id:digits}`` leaves ``/running`` and
    ``/aggregate`` to their own routes, whatever the order the routes are declared in."""

    regex = "[0-9]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("digits", _Digits())

Id = Annotated[
    int,
    BeforeValidator(_id_text),
    WithJsonSchema({"type": "string", "pattern": ID_PATTERN, "examples": ["1234"]}),
]
"""An id in a request (body or query): a string of digits, an integer inside."""

_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}.*)?$")


def _moment_text(value: Any) -> Any:
    if not isinstance(value, str) or not _MOMENT.match(value):
        raise PydanticCustomError("moment", "Input should be an RFC 3339 date-time or a date (YYYY-MM-DD)")
    return value


Moment = Annotated[
    dt.datetime,
    BeforeValidator(_moment_text),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?)?$",
            "description": "RFC 3339 date-time, or a date (its midnight); without an offset, in your time zone",
            "examples": ["2024-01-15T00:00:00Z"],
        }
    ),
]
"""A filter bound in a query: a date-time or a date."""


def _json_number(value: Any) -> Any:
    """A JSON number (never a string or a boolean), finite."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("decimal_type", "Input should be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("finite_number", "Input should be a finite number")
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


Minutes = Annotated[
    Decimal,
    BeforeValidator(_json_number),
    Field(ge=0, le=MAX_MINUTES),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": MAX_MINUTES, "examples": [90]}),
]
Description = Annotated[str, Field(max_length=NOTES_MAX_LENGTH, examples=["Reviewing the landing page"])]


def _utc_text(value: dt.datetime) -> str:
    """``2024-01-15T10:30:00Z`` (fractional seconds only when there are any)."""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


UtcTime = Annotated[dt.datetime, PlainSerializer(_utc_text, return_type=str)]
OutMinutes = Annotated[Decimal, PlainSerializer(float, return_type=float)]


# ------------------------------------------------------------ requests ---


class TaskodexTimeEntryRequest(InputModel):
    """Create, and PUT (a full replacement: what is left out is gone)."""

    task_id: Id = Field(description="The task (in this organization)")
    start_time: DateTime = Field(description="RFC 3339; without an offset it is in your time zone")
    end_time: DateTime | None = Field(None, description="Not before start_time; leave out (and the duration) to run")
    duration_minutes: Minutes | None = Field(
        None, description="Sets the end alone (start + minutes); with end_time it must agree within a minute"
    )
    description: Description | None = None


class TaskodexTimerStart(InputModel):
    task_id: Id
    description: Description | None = None


class TaskodexTimerStop(InputModel):
    task_id: Id = Field(description="The task your running timer is on")


# ----------------------------------------------------------- responses ---


class TaskodexTask(BaseModel):
    id: str = Field(examples=["1234"])
    title: str = Field(examples=["Landing page"])
    status: TaskStatus


class TaskodexUser(BaseModel):
    id: str = Field(examples=["77"])
    email: str | None = Field(examples=["ana.silva@example.com"], description="null: the user has no email")
    first_name: str = Field(examples=["Ana"], description="From the email's local part")
    last_name: str = Field(examples=["Silva"], description="From the email's local part")


class TaskodexTimeEntry(BaseModel):
    id: str = Field(examples=["98765"])
    task_id: str | None = Field(examples=["1234"], description="null: an entry made elsewhere on no task")
    user_id: str = Field(examples=["77"])
    start_time: UtcTime
    end_time: UtcTime | None = Field(description="null while the timer runs")
    duration_minutes: OutMinutes | None = Field(description="null while the timer runs", examples=[90])
    description: str
    created_at: UtcTime
    updated_at: UtcTime
    task: TaskodexTask | None
    user: TaskodexUser


class TaskodexPagination(BaseModel):
    total: int = Field(description="Entries matching the filters, on every page")
    page: int = Field(description="The page answered (counted from 1)")
    page_size: int = Field(description="The page size used (1 to 100)")
    total_pages: int = Field(description="0 when nothing matches")


class TaskodexTimeEntryList(BaseModel):
    time_entries: list[TaskodexTimeEntry]
    pagination: TaskodexPagination


# ------------------------------------------------------------ renderer ---


def names_of(email: str | None) -> tuple[str, str]:
    """(first name, last name) from an email's local part, split at dots,
    underscores and hyphens, each word capitalised; a ``+tag`` is dropped."""
    local = (email or "").split("@", 1)[0].split("+", 1)[0]
    words = [word.capitalize() for word in re.split(r"[._-]+", local) if word]
    return (words[0], " ".join(words[1:])) if words else ("", "")


def _user(person: Profile) -> TaskodexUser:
    first, last = names_of(person.email)
    return TaskodexUser(id=str(person.user_id), email=person.email, first_name=first, last_name=last)


def public(view: EntryView) -> TaskodexTimeEntry:
    entry, task = view.entry, view.task
    return TaskodexTimeEntry(
        id=str(entry.id),
        task_id=None if entry.task_id is None else str(entry.task_id),
        user_id=str(entry.user_id),
        start_time=entry.start_time,
        end_time=entry.end_time,
        duration_minutes=entry.tracked_minutes,
        description=entry.notes or "",
        created_at=entry.created_at,
        updated_at=entry.updated_at,
        task=None if task is None else TaskodexTask(id=str(task.id), title=task.title, status=task.status),
        user=_user(view.person),
    )


def listed(views: list[EntryView], total: int, page: int, page_size: int) -> TaskodexTimeEntryList:
    return TaskodexTimeEntryList(
        time_entries=[public(view) for view in views],
        pagination=TaskodexPagination(total=total, page=page, page_size=page_size, total_pages=-(-total // page_size)),
    )
