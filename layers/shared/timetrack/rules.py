"""Pure business rules: time zones, periods, and the arithmetic of stats."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ValidationFailed
from .models import ZERO, Entry, PaymentStatus, WeekStart, hours_between, minutes_between, round_money

UTC = dt.UTC
NOTES_MAX_LENGTH = 2000
MAX_RATE = Decimal("1000000")


def zone(name: str) -> ZoneInfo:
    """The IANA zone, or ValidationFailed naming the ``timezone`` field."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a tz folder such as "America"
        raise ValidationFailed("timezone", f"unknown IANA time zone {name!r}") from None


# Instants are kept where every time zone can still render them.
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=UTC)
LATEST = dt.datetime(9999, 1, 1, tzinfo=UTC)


def to_utc(value: dt.datetime, tz: dt.tzinfo, field: str = "start_time") -> dt.datetime:
    """A naive datetime is wall-clock time in the user's zone ``tz``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    try:
        instant = value.astimezone(UTC)
    except OverflowError:
        instant = None
    if instant is None or not EARLIEST <= instant < LATEST:
        raise ValidationFailed(field, "must lie between the years 1900 and 9998")
    return instant


def check_rate(field: str, rate: Decimal) -> Decimal:
    if not rate.is_finite() or rate < 0:
        raise ValidationFailed(field, "must be a non-negative number")
    if rate.as_tuple().exponent < -2 and rate != round_money(rate):
        raise ValidationFailed(field, "must have at most 2 decimal places")
    if rate >= MAX_RATE:
        raise ValidationFailed(field, f"must be less than {MAX_RATE}")
    return round_money(rate)


# Every entry, whichever API writes it: nothing ends (or starts) more than a
# day ahead of the server's clock, and nothing lasts longer than 999 hours.
MAX_AHEAD = dt.timedelta(hours=24)
MAX_DURATION = dt.timedelta(hours=999)


def check_times(start: dt.datetime, end: dt.datetime | None, now: dt.datetime) -> None:
    """The entry's instants against each other and the server's clock ``now``.

    A running entry's duration is its time so far: a timer cannot be
    started (or moved) more than 999 hours back.
    """
    if end is not None and end < start:
        raise ValidationFailed("end_time", "must not be before start_time")
    latest = now + MAX_AHEAD
    if end is not None and end > latest:
        raise ValidationFailed("end_time", "must not be more than 24 hours after now")
    if start > latest:
        raise ValidationFailed("start_time", "must not be more than 24 hours after now")
    if end is not None and end - start > MAX_DURATION:
        raise ValidationFailed("end_time", "the entry must not last more than 999 hours")
    if end is None and now - start > MAX_DURATION:
        raise ValidationFailed("start_time", "a running entry must not have started more than 999 hours ago")


def minutes_until(start: dt.datetime, end: dt.datetime, ended_at: dt.datetime | None) -> Decimal:
    """The minutes of [start, end] a contract ended at ``ended_at`` counts:
    none of the time after its end."""
    if ended_at is not None:
        end = max(start, min(end, ended_at))
    return minutes_between(start, end)


def stop_time(start: dt.datetime, now: dt.datetime) -> dt.datetime:
    """When a timer stopped ``now`` ends: now, but never before its start nor
    after its 999th hour (a timer forgotten for six weeks stays stoppable)."""
    return min(max(now, start), start + MAX_DURATION)


@dataclass(frozen=True, slots=True)
class Period:
    start: dt.datetime  # UTC, inclusive
    end: dt.datetime  # UTC, exclusive


def _local_midnight(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).astimezone(UTC)


def local_day_range(first: dt.date, last_exclusive: dt.date, tz: dt.tzinfo) -> Period:
    return Period(_local_midnight(first, tz), _local_midnight(last_exclusive, tz))


def period_days(kind: str, today: dt.date, week_start: WeekStart) -> tuple[dt.date, dt.date]:
    """[first, last) local dates of the current day / week / month / year."""
    if kind == "day":
        return today, today + dt.timedelta(days=1)
    if kind == "week":
        first = today - dt.timedelta(days=(today.weekday() - week_start.weekday) % 7)
        return first, first + dt.timedelta(days=7)
    if kind == "month":
        first = today.replace(day=1)
        return first, (first + dt.timedelta(days=32)).replace(day=1)
    if kind == "year":
        return today.replace(month=1, day=1), today.replace(year=today.year + 1, month=1, day=1)
    raise ValidationFailed("period", "must be one of day, week, month, year", location="query")


@dataclass(frozen=True, slots=True)
class Totals:
    hours: Decimal = ZERO
    earned: Decimal = ZERO


def totals_within(entries: Iterable[Entry], period: Period, now: dt.datetime) -> Totals:
    """Hours and earnings inside ``period``, each entry clipped to it.

    A running entry counts up to ``now``. An entry wholly inside the period
    contributes its own rounded totals, so the stats agree with the list;
    a split entry contributes the exact share of its duration.
    """
    hours = earned = ZERO
    for entry in entries:
        end = entry.end_time or now
        start, stop = max(entry.start_time, period.start), min(end, period.end)
        if stop <= start:
            continue
        if entry.end_time is not None and (start, stop) == (entry.start_time, end):
            part_hours, part_earned = entry.total_hours, entry.total_earned
        else:
            exact = hours_between(start, stop)
            part_hours, part_earned = exact, exact * entry.hourly_rate
        hours += part_hours
        earned += part_earned
    return Totals(round_money(hours), round_money(earned))


@dataclass(frozen=True, slots=True)
class Amounts:
    unpaid: Decimal = ZERO
    invoiced: Decimal = ZERO
    paid: Decimal = ZERO

    @classmethod
    def from_status_sums(cls, sums: dict[PaymentStatus, Decimal]) -> Amounts:
        get = lambda status: round_money(sums.get(status, ZERO))  # noqa: E731
        return cls(
            unpaid=get(PaymentStatus.NOT_PAID),
            invoiced=get(PaymentStatus.INVOICED_NOT_APPROVED) + get(PaymentStatus.INVOICED_APPROVED),
            paid=get(PaymentStatus.PAID),
        )


def sum_by_status(entries: Iterable[Entry]) -> dict[PaymentStatus, Decimal]:
    sums: dict[PaymentStatus, Decimal] = {}
    for entry in entries:
        for status, earned in entry.earned_by_status().items():
            sums[status] = sums.get(status, ZERO) + earned
    return sums
