"""Request and response schemas of the personal time-tracking API (seed 001).

Names and types follow the frontend's contract exactly. Money and hours are
``Decimal`` inside and JSON numbers on the wire (a 2-place decimal survives
the trip through a double exactly). Datetimes leave in the user's zone with
an explicit offset.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from decimal import Decimal
from importlib import resources
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from ..currencies import ISO_4217
from ..models import CENT, MAX_ID, Entry, PaymentStatus, UserSettings, WeekStart
from ..rules import MAX_RATE, NOTES_MAX_LENGTH
from ..services.stats import Stats

Number = Annotated[Decimal, PlainSerializer(float, return_type=float)]
OffsetDateTime = Annotated[dt.datetime, PlainSerializer(dt.datetime.isoformat, return_type=str)]


def utc(value: dt.datetime) -> dt.datetime:
    """An instant for APIs without a user time zone (workspaces, tokens): UTC, explicit offset."""
    return value.astimezone(dt.UTC)


def utc_or_none(value: dt.datetime | None) -> dt.datetime | None:
    return None if value is None else utc(value)


Notes = Annotated[str, Field(max_length=NOTES_MAX_LENGTH)]

# -- input types whose documented schema is exactly what the server accepts ---------

# A double cannot hold most cents exactly (29 * 0.01 is 0.29000000000000004): a JSON
# number this close to a whole cent is that cent; anything further has more decimals.
_CENT_TOLERANCE = Decimal("1e-9")


def _money(value: Any) -> Any:
    """A JSON number with at most 2 decimals, as a Decimal of whole cents. Strings and
    booleans are refused: the document says ``number``, as the seeds send."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError("decimal_type", "Input should be a number")
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite():
        raise PydanticCustomError("finite_number", "Input should be a finite number")
    if abs(amount) >= MAX_RATE:
        return amount  # out of range: the field's bounds answer it, with no quantizing overflow
    cents = amount.quantize(CENT)
    if abs(amount - cents) > _CENT_TOLERANCE:
        raise PydanticCustomError("decimal_max_places", "Decimal input should have no more than 2 decimal places")
    return cents


def _json_integer(value: Any) -> Any:
    """JSON Schema's ``integer``: a number without a fractional part (``7`` or ``7.0``),
    never a string or a boolean."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise PydanticCustomError(
                "int_from_float", "Input should be a valid integer, got a number with a fractional part"
            )
        return int(value)
    return value


Rate = Annotated[
    Decimal,
    BeforeValidator(_money),
    Field(ge=0, lt=MAX_RATE),
    WithJsonSchema({"type": "number", "minimum": 0, "exclusiveMaximum": int(MAX_RATE), "multipleOf": 0.01}),
    Field(examples=[50]),
]
JsonId = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_json_integer)]
"""An id in a request body: a JSON integer from 1 to 2**53 - 1."""


def _iso_text(pattern: str) -> Any:
    """Dates and datetimes only as ISO 8601 text: pydantic would also take a number
    (or a numeric string) as a Unix timestamp, which the document does not allow."""
    shape = re.compile(pattern)

    def check(value: Any) -> Any:
        if not isinstance(value, str) or not shape.match(value):
            raise PydanticCustomError("iso_8601", "Input should be ISO 8601 text")
        return value

    return BeforeValidator(check)


IsoDate = Annotated[dt.date, _iso_text(r"\d{4}-\d{2}-\d{2}$")]

# Instants are accepted from 1900 to 9998 in UTC (see ``rules.to_utc``); an offset moves the
# written year by at most a day, so the document promises the years 1901 to 9997 as written.
DateTime = Annotated[
    dt.datetime,
    _iso_text(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}"),
    Field(
        json_schema_extra={"pattern": r"^(190[1-9]|19[1-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-7])-"}
    ),
]

# The time zones of the shipped tzdata (not the machine's), so the document is the same everywhere.
TIME_ZONES = tuple(sorted(resources.files("tzdata").joinpath("zones").read_text().split()))


def _known_zone(name: str) -> str:
    if name not in TIME_ZONES:
        raise PydanticCustomError("time_zone", "unknown IANA time zone '{name}'", {"name": name})
    return name


TimeZoneName = Annotated[
    str,
    AfterValidator(_known_zone),
    WithJsonSchema({"type": "string", "enum": list(TIME_ZONES), "description": "IANA time zone name"}),
    Field(examples=["Europe/Berlin"]),
]
CurrencyCode = Annotated[
    str,
    Field(min_length=3, max_length=3),
    WithJsonSchema(
        {"type": "string", "enum": sorted(ISO_4217), "description": "ISO 4217 code (lower case is accepted too)"}
    ),
    Field(examples=["EUR"]),
]


class InputModel(BaseModel):
    """Request bodies: unknown fields are ignored (clients send whole objects back)."""

    # Unknown fields are ignored: the frontend sends whole objects back.
    model_config = ConfigDict(extra="ignore")


class EntryCreate(InputModel):
    date: IsoDate | None = Field(None, description="Defaults to the local date of start_time.")
    start_time: DateTime = Field(description="ISO 8601; without an offset it is in the user's time zone.")
    end_time: DateTime | None = Field(None, description="Absent or null: the entry is a running timer.")
    hourly_rate: Rate | None = Field(None, description="Defaults to the settings' default_hourly_rate.")
    payment_status: PaymentStatus = PaymentStatus.NOT_PAID
    notes: Notes | None = None


class EntryUpdate(InputModel):
    """Every field optional; only the fields sent change, with one rule from
    create: ``date`` follows a changed ``start_time`` (its local date) unless
    ``date`` is sent too. ``end_time: null`` turns the entry back into the
    running timer (409 if another runs)."""

    # Not nullable: omit them to keep their values.
    start_time: DateTime = None
    hourly_rate: Rate = None
    payment_status: PaymentStatus = None
    # Nullable: null clears notes, re-derives date, or makes the entry run.
    date: IsoDate | None = None
    end_time: DateTime | None = None
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
    currency: CurrencyCode = None
    timezone: TimeZoneName = None
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
    503: {
        "model": ErrorBody,
        "description": "A backing service is throttling or down: nothing was done; retry after `Retry-After`",
        "headers": {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}},
    },
}


def error_content(responses: dict[str, Any]) -> dict[str, Any]:
    """For a response the OpenAPI post-processing adds to an operation: the
    operation's error format, i.e. a copy of its 401's ``content`` (none if it has none)."""
    unauthorized = responses.get("401", {})
    return {"content": copy.deepcopy(unauthorized["content"])} if "content" in unauthorized else {}


NOT_FOUND = {404: {"model": ErrorBody, "description": "Not found, or not the caller's"}}
TIMER_CONFLICT = {409: {"model": TimerConflict, "description": "Another timer is already running"}}
