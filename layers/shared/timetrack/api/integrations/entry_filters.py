"""The query filters of the integrations API's entry lists, export and
summary report (seed 002), read into the domain's terms.

- ``start_date``: from then on (a date: from the start of that day).
- ``end_date``: up to and including it (a date: that whole day; a date-time:
  that second).
- Dates are days in the caller's own time zone (their settings); a date-time
  with ``Z`` or an offset is that instant, a naive one the caller's zone.
- An entry is in the range when it starts in it.
- ``include_active``: running timers are listed only when it is ``true``;
  absent or ``false``, only completed entries are.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query

from ...errors import ValidationFailed
from .times import parse_instant, user_zone

DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # a bare date: ``parse_instant`` reads it as a whole day
DATE_DESCRIPTION = "ISO 8601 date (`2024-01-31`: that whole day, in your time zone) or date-time."


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end): None is open on that side."""

    start: dt.datetime | None
    end: dt.datetime | None


def window(user_id: int, start_date: str | None, end_date: str | None) -> Window:
    """The range the dates name, for the caller ``user_id``; 400 on either date
    (or on ``end_date`` when it ends before ``start_date`` begins)."""
    tz = user_zone(user_id) if start_date or end_date else dt.UTC
    start = parse_instant(start_date, "start_date", tz, date_only="start") if start_date else None
    end = None
    if end_date:
        end = parse_instant(end_date, "end_date", tz, date_only="end")
        if not DATE_ONLY.match(end_date.strip()):
            end = end.replace(microsecond=0) + dt.timedelta(seconds=1)  # that second included
    if start is not None and end is not None and end <= start:
        raise ValidationFailed("end_date", "must not be before start_date", location="query")
    return Window(start, end)


@dataclass(frozen=True, slots=True)
class EntryQuery:
    """The raw filters of a time-entry list or export."""

    project_id: int | None
    user_id: int | None
    start_date: str | None
    end_date: str | None
    billable: bool | None
    include_active: bool

    def filters(self, caller_id: int) -> dict[str, Any]:
        """``WorkspaceEntries.list``'s keyword arguments (without paging)."""
        span = window(caller_id, self.start_date, self.end_date)
        return {
            "project_id": self.project_id,
            "user_id": self.user_id,
            "start": span.start,
            "end": span.end,
            "billable": self.billable,
            "running": None if self.include_active else False,
        }


async def _entry_query(
    project_id: Annotated[int | None, Query(ge=1)] = None,
    user_id: Annotated[
        int | None, Query(ge=1, description="Owners and executive managers: any member's; others: only their own.")
    ] = None,
    start_date: Annotated[str | None, Query(description=DATE_DESCRIPTION, examples=["2024-01-01"])] = None,
    end_date: Annotated[str | None, Query(description=DATE_DESCRIPTION, examples=["2024-01-31"])] = None,
    billable: bool | None = None,
    include_active: Annotated[
        bool, Query(description="`true`: running timers too; absent or `false`: completed entries only.")
    ] = False,
) -> EntryQuery:
    return EntryQuery(project_id, user_id, start_date, end_date, billable, include_active)


EntryQueryParams = Annotated[EntryQuery, Depends(_entry_query)]
"""A route parameter: the entry filters of the query string."""
