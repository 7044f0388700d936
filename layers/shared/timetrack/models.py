"""Domain models: plain dataclasses, Decimal money, aware UTC datetimes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
ZERO = Decimal("0")
SECONDS_PER_HOUR = Decimal(3600)


def round_money(value: Decimal) -> Decimal:
    """Half-up to 2 places: the rounding for hours and money everywhere."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


MAX_ID = 2**53 - 1  # ids are integers JavaScript holds exactly


def hours_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Exact duration in hours (microsecond precision, no float)."""
    delta = end - start
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Decimal(micros) / Decimal(1_000_000) / SECONDS_PER_HOUR


def minutes_between(start: dt.datetime, end: dt.datetime) -> Decimal:
    """Duration in minutes, half-up to 2 places: what clock-ins add to tasks and contracts."""
    return round_money(hours_between(start, end) * 60)


class PaymentStatus(StrEnum):
    NOT_PAID = "not_paid"
    INVOICED_NOT_APPROVED = "invoiced_not_approved"
    INVOICED_APPROVED = "invoiced_approved"
    PAID = "paid"


class EntrySource(StrEnum):
    """How an entry was made: typed in whole, or by a timer (started, later stopped)."""

    MANUAL = "manual"
    TIMER = "timer"


def normalise_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Each tag trimmed, empty ones dropped, repeats dropped (the first kept,
    compared exactly), in the order given."""
    return tuple(dict.fromkeys(tag.strip() for tag in tags if tag.strip()))


class WeekStart(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def weekday(self) -> int:
        """Python's weekday number (Monday is 0)."""
        return list(WeekStart).index(self)


@dataclass(frozen=True, slots=True)
class UserSettings:
    default_hourly_rate: Decimal = ZERO
    currency: str = "USD"
    timezone: str = "UTC"
    week_start: WeekStart = WeekStart.MONDAY


@dataclass(frozen=True, slots=True)
class Entry:
    """A time entry. ``end_time`` is None while it runs (the user's timer)."""

    id: int
    user_id: int
    date: dt.date
    start_time: dt.datetime
    end_time: dt.datetime | None
    hourly_rate: Decimal
    payment_status: PaymentStatus
    notes: str | None
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = 1
    # Where a clock-in came from (workspace API); empty for personal entries.
    origin: dict[str, int | None] = field(default_factory=dict)
    # The workspace the entry belongs to (None: a personal entry), and its
    # project and task there.
    workspace_id: int | None = None
    project_id: int | None = None
    task_id: int | None = None
    # A subtask of ``task_id`` (seed 003's time logs track time on subtasks).
    subtask_id: int | None = None
    billable: bool = True
    tags: tuple[str, ...] = ()
    source: EntrySource = EntrySource.MANUAL

    @property
    def running(self) -> bool:
        return self.end_time is None

    @property
    def total_hours(self) -> Decimal | None:
        if self.end_time is None:
            return None
        return round_money(hours_between(self.start_time, self.end_time))

    @property
    def total_earned(self) -> Decimal | None:
        """Rounded hours x rate, so that hours x rate on screen gives the amount."""
        hours = self.total_hours
        return None if hours is None else round_money(hours * self.hourly_rate)

    @property
    def tracked_minutes(self) -> Decimal | None:
        return None if self.end_time is None else minutes_between(self.start_time, self.end_time)

    def earned_by_status(self) -> dict[PaymentStatus, Decimal]:
        """This entry's contribution to the all-time amounts (running: none)."""
        earned = self.total_earned
        return {} if not earned else {self.payment_status: earned}
