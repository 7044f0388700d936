"""Times in the integrations API (seed 002).

In: ISO 8601 text. ``Z`` or an offset is that instant; a naive time is
wall-clock time in the user's own time zone (their settings, default UTC);
where a date filter allows it, a bare date is that whole local day.
Out: UTC in whole seconds with ``Z`` (``2024-01-15T09:00:00Z``), as the
seed's examples are written.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import PlainSerializer, WithJsonSchema

from ...errors import ValidationFailed
from ...rules import local_day_range, to_utc
from ...runtime import services
from ..schemas import DateTime

EXAMPLE = "2024-01-15T09:00:00Z"
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def utc_z(value: dt.datetime) -> str:
    """``2024-01-15T09:00:00Z``: UTC, fractions of a second dropped."""
    return value.astimezone(dt.UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


UtcZ = Annotated[
    dt.datetime,
    PlainSerializer(utc_z, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": [EXAMPLE], "description": "UTC"}),
]
"""A datetime in a response: rendered by :func:`utc_z`."""

Instant = DateTime
"""A datetime in a request body (ISO 8601 text only). Naive values stay naive:
the domain reads them in the entry owner's time zone."""


def user_zone(user_id: int) -> ZoneInfo:
    """The user's own time zone (their settings), for naive times and dates."""
    return services().entries.caller(user_id).tz


def parse_instant(
    value: str, field: str, tz: ZoneInfo, *, date_only: str | None = None, location: str = "query"
) -> dt.datetime:
    """An aware UTC instant from ISO 8601 text.

    ``date_only`` says what a bare date means where a filter allows one:
    ``"start"`` is the start of that local day, ``"end"`` the start of the next
    (an exclusive end: the range covers the whole day); None refuses dates.
    ValidationFailed naming ``field`` for anything else.
    """
    text = value.strip()
    if _DATE_ONLY.match(text):
        if date_only is None:
            raise ValidationFailed(field, "must be a date and time (ISO 8601)", location=location)
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValidationFailed(field, "is not a valid date", location=location) from None
        days = local_day_range(day, day + dt.timedelta(days=1), tz)
        return days.start if date_only == "start" else days.end
    try:
        parsed = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        example = "2024-01-15T09:00:00Z" if date_only is None else "2024-01-15 or 2024-01-15T09:00:00Z"
        raise ValidationFailed(field, f"must be ISO 8601, e.g. {example}", location=location) from None
    return to_utc(parsed, tz, field)
