"""Request and response schemas of the personal time-tracking API (seed 001).

Names and types follow the frontend's contract exactly. Money and hours are
``Decimal`` inside and JSON numbers on the wire (a 2-place decimal survives
the trip through a double exactly). Datetimes leave in the user's zone with
an explicit offset.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from ..models import Entry, PaymentStatus, UserSettings, WeekStart
from ..rules import MAX_RATE, NOTES_MAX_LENGTH
from ..services.stats import Stats

Number = Annotated[Decimal, PlainSerializer(float, return_type=float)]
OffsetDateTime = Annotated[dt.datetime, PlainSerializer(dt.datetime.isoformat, return_type=str)]
Rate = Annotated[Decimal, Field(ge=0, lt=MAX_RATE, decimal_places=2, examples=[50])]
Notes = Annotated[str, Field(max_length=NOTES_MAX_LENGTH)]


class InputModel(BaseModel):
    """Request bodies: unknown fields are ignored (clients send whole objects back)."""

    # Unknown fields are ignored: the frontend sends whole objects back.
    model_config = ConfigDict(extra="ignore")


class EntryCreate(InputModel):
    date: dt.date | None = Field(None, description="Defaults to the local date of start_time.")
    start_time: dt.datetime = Field(description="ISO 8601; without an offset it is in the user's time zone.")
    end_time: dt.datetime | None = Field(None, description="Absent or null: the entry is a running timer.")
    hourly_rate: Rate | None = Field(None, description="Defaults to the settings' default_hourly_rate.")
    payment_status: PaymentStatus = PaymentStatus.NOT_PAID
    notes: Notes | None = None


class EntryUpdate(InputModel):
    """Every field optional; only the fields sent change, with one rule from
    create: ``date`` follows a changed ``start_time`` (its local date) unless
    ``date`` is sent too. ``end_time: null`` turns the entry back into the
    running timer (409 if another runs)."""

    # Not nullable: omit them to keep their values.
    start_time: dt.datetime = None
    hourly_rate: Rate = None
    payment_status: PaymentStatus = None
    # Nullable: null clears notes, re-derives date, or makes the entry run.
    date: dt.date | None = None
    end_time: dt.datetime | None = None
    notes: Notes | None = None


class SessionStart(InputModel):
    hourly_rate: Rate | None = None
    notes: Notes | None = None


class EntryPublic(BaseModel):
    id: int
    date: dt.date
    start_time: OffsetDateTime
    end_time: OffsetDateTime | None
    hourly_rate: Number
    total_hours: Number | None
    total_earned: Number | None
    payment_status: PaymentStatus
    notes: str | None
    created_at: OffsetDateTime
    updated_at: OffsetDateTime
    user_id: int

    @classmethod
    def of(cls, entry: Entry, tz: ZoneInfo) -> EntryPublic:
        return cls.model_construct(
            id=entry.id,
            date=entry.date,
            start_time=entry.start_time.astimezone(tz),
            end_time=entry.end_time.astimezone(tz) if entry.end_time else None,
            hourly_rate=entry.hourly_rate,
            total_hours=entry.total_hours,
            total_earned=entry.total_earned,
            payment_status=entry.payment_status,
            notes=entry.notes,
            created_at=entry.created_at.astimezone(tz),
            updated_at=entry.updated_at.astimezone(tz),
            user_id=entry.user_id,
        )


class TimerConflict(BaseModel):
    detail: str
    active_entry: EntryPublic | None


class StatsPublic(BaseModel):
    total_hours_today: Number
    total_earned_today: Number
    total_hours_week: Number
    total_earned_week: Number
    total_hours_month: Number
    total_earned_month: Number
    unpaid_amount: Number
    invoiced_amount: Number
    paid_amount: Number

    @classmethod
    def of(cls, stats: Stats) -> StatsPublic:
        return cls.model_construct(
            total_hours_today=stats.today.hours,
            total_earned_today=stats.today.earned,
            total_hours_week=stats.week.hours,
            total_earned_week=stats.week.earned,
            total_hours_month=stats.month.hours,
            total_earned_month=stats.month.earned,
            unpaid_amount=stats.amounts.unpaid,
            invoiced_amount=stats.amounts.invoiced,
            paid_amount=stats.amounts.paid,
        )


class SettingsPublic(BaseModel):
    default_hourly_rate: Number
    currency: str = Field(examples=["USD"])
    timezone: str = Field(examples=["Europe/Berlin"], description="IANA time zone name")
    week_start: WeekStart

    @classmethod
    def of(cls, settings: UserSettings) -> SettingsPublic:
        return cls.model_construct(
            default_hourly_rate=settings.default_hourly_rate,
            currency=settings.currency,
            timezone=settings.timezone,
            week_start=settings.week_start,
        )


class SettingsUpdate(InputModel):
    """The seed's two fields, plus ``timezone`` and ``week_start``; fields left
    out keep their values."""

    # Omit a field to keep its value; null is not a value.
    default_hourly_rate: Rate = None
    currency: str = Field(None, min_length=3, max_length=3, description="ISO 4217 code", examples=["EUR"])
    timezone: str = Field(None, max_length=64, examples=["Europe/Berlin"])
    week_start: WeekStart = None


class ValidationIssue(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorBody(BaseModel):
    detail: list[ValidationIssue]


class ErrorBody(BaseModel):
    detail: str


class ForbiddenBody(BaseModel):
    detail: str
    required_scope: str | None = Field(
        None,
        description="The scope the route requires (only when that is what is missing)",
        examples=["write:projects"],
    )
    available_scopes: list[str] | None = Field(
        None, description="The scopes the credential holds (with `required_scope`)", examples=[["read:projects"]]
    )


FORBIDDEN_DESCRIPTION = "The credential lacks the route's scope, or is a token bound to a workspace"

# OpenAPI documentation of the error answers (FastAPI's 422 is never sent).
VALIDATION_ERRORS = {
    400: {"model": ValidationErrorBody, "description": "Validation failed (every field named)"},
    401: {"model": ErrorBody, "description": "Missing, malformed, unknown, expired or revoked token"},
    403: {"model": ForbiddenBody, "description": FORBIDDEN_DESCRIPTION},
}
NOT_FOUND = {404: {"model": ErrorBody, "description": "Not found, or not the caller's"}}
TIMER_CONFLICT = {409: {"model": TimerConflict, "description": "Another timer is already running"}}
