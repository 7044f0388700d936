"""Time totals grouped by day, week, month, year, task or user, in any time zone.

The arithmetic behind ``aggregate`` (seed 004), pure: no I/O.

Finished entries are kept as *rollups* (see ``dal.rollups``): for each UTC
day, user, task and project, the seconds worked in each of the day's 96
quarter-hours. Every time zone's offset is a whole number of quarter-hours,
so each quarter-hour lies inside one local day of any zone: a local day is
an exact sum of slots, and an entry across midnight falls into both days by
itself. A running timer is not in the rollups; it counts up to now, split at
local midnights (``add_interval``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from .errors import ValidationFailed

UTC = dt.UTC
SLOT = dt.timedelta(minutes=15)
SLOTS_PER_DAY = 96
SLOT_SECONDS = Decimal(900)
# A pseudo-slot: how many times every quarter-hour of the day was worked whole
# (an entry over a whole UTC day writes one number, not 96).
WHOLE_DAY = SLOTS_PER_DAY
DAY = dt.timedelta(days=1)
MICROSECONDS = Decimal(1_000_000)
# The longest range one aggregate may cover: its cost follows the range.
MAX_RANGE = dt.timedelta(days=5 * 366)


class GroupBy(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    TASK = "task"
    USER = "user"

    @classmethod
    def parse(cls, value: str) -> GroupBy:
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(g.value for g in cls)
            raise ValidationFailed("group_by", f"must be one of {choices}", location="query") from None

    @property
    def fields(self) -> tuple[str, ...]:
        """The keys of a row of this grouping (besides its total)."""
        return _FIELDS[self]


_FIELDS = {
    GroupBy.DAY: ("date",),
    GroupBy.WEEK: ("week", "year"),  # the ISO week and its ISO year
    GroupBy.MONTH: ("month", "year"),
    GroupBy.YEAR: ("year",),
    GroupBy.TASK: ("task_id",),
    GroupBy.USER: ("user_id",),
}


@dataclass(frozen=True, slots=True)
class AggregateRow:
    """One group's total; only the fields of ``GroupBy.fields`` are set."""

    total_minutes: int
    date: dt.date | None = None
    week: int | None = None
    month: int | None = None
    year: int | None = None
    task_id: int | None = None
    user_id: int | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """The instants an aggregate covers, [start, end), and the zone of its days."""

    start: dt.datetime
    end: dt.datetime
    tz: ZoneInfo

    def utc_days(self) -> list[dt.date]:
        """The UTC days the window touches (the rollups to read)."""
        first, last = self.start.astimezone(UTC).date(), (self.end - dt.timedelta(microseconds=1)).astimezone(UTC)
        return [first + dt.timedelta(days=n) for n in range((last.date() - first).days + 1)]


def check_window(start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> Window:
    """Bounds on whole quarter-hours (the rollups' resolution), in order, not too far apart."""
    for field, instant in (("start_after", start), ("start_before", end)):
        if (instant - dt.datetime(2000, 1, 1, tzinfo=UTC)) % SLOT:
            raise ValidationFailed(
                field, "must be a date or a time on a quarter-hour (:00, :15, :30, :45)", location="query"
            )
    if end <= start:
        raise ValidationFailed("start_before", "must be after start_after", location="query")
    if end - start > MAX_RANGE:
        raise ValidationFailed("start_before", "the range must not exceed 5 years", location="query")
    return Window(start.astimezone(UTC), end.astimezone(UTC), tz)


def seconds(delta: dt.timedelta) -> Decimal:
    """Exact seconds of a timedelta (microseconds kept, no float)."""
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return Decimal(micros) / MICROSECONDS


def day_slots(start: dt.datetime, end: dt.datetime) -> dict[dt.date, dict[int, Decimal]]:
    """The seconds of [start, end) in each quarter-hour of each UTC day it touches
    (only the quarter-hours it touches; a whole day is ``{WHOLE_DAY: 1}``)."""
    result: dict[dt.date, dict[int, Decimal]] = {}
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    midnight = dt.datetime.combine(start.date(), dt.time(), UTC)
    slot = int((start - midnight) // SLOT)
    slot_start = midnight + slot * SLOT
    while slot_start < end:
        slot_end = slot_start + SLOT
        part = min(end, slot_end) - max(start, slot_start)
        if part:
            day = slot_start.date()
            result.setdefault(day, {})[(slot_start - dt.datetime.combine(day, dt.time(), UTC)) // SLOT] = seconds(part)
        slot_start = slot_end
    for day, slots in result.items():
        if len(slots) == SLOTS_PER_DAY and all(value == SLOT_SECONDS for value in slots.values()):
            result[day] = {WHOLE_DAY: Decimal(1)}
    return result


def group_key(group_by: GroupBy, local_day: dt.date, user_id: int, task_id: int | None) -> tuple:
    if group_by is GroupBy.DAY:
        return (local_day,)
    if group_by is GroupBy.WEEK:
        iso = local_day.isocalendar()
        return (iso.year, iso.week)
    if group_by is GroupBy.MONTH:
        return (local_day.year, local_day.month)
    if group_by is GroupBy.YEAR:
        return (local_day.year,)
    if group_by is GroupBy.TASK:
        return (task_id is None, task_id or 0)  # entries without a task sort last
    return (user_id,)


class Totals:
    """Seconds per group, added from rollups and running entries."""

    def __init__(self, group_by: GroupBy, window: Window) -> None:
        self.group_by = group_by
        self.window = window
        self._seconds: dict[tuple, Decimal] = {}
        self._segments: dict[dt.date, list[tuple[int, int, dt.date]]] = {}

    def _day_segments(self, utc_day: dt.date) -> list[tuple[int, int, dt.date]]:
        """[first slot, last slot) runs of a UTC day inside the window, each in one local day."""
        if utc_day not in self._segments:
            runs: list[tuple[int, int, dt.date]] = []
            midnight = dt.datetime.combine(utc_day, dt.time(), UTC)
            for slot in range(SLOTS_PER_DAY):
                instant = midnight + slot * SLOT
                if not self.window.start <= instant < self.window.end:
                    continue
                local_day = instant.astimezone(self.window.tz).date()
                if runs and runs[-1][1] == slot and runs[-1][2] == local_day:
                    runs[-1] = (runs[-1][0], slot + 1, local_day)
                else:
                    runs.append((slot, slot + 1, local_day))
            self._segments[utc_day] = runs
        return self._segments[utc_day]

    def add_slots(self, utc_day: dt.date, user_id: int, task_id: int | None, slots: Mapping[int, Decimal]) -> None:
        """One rollup: the seconds of ``utc_day``'s quarter-hours."""
        whole = slots.get(WHOLE_DAY, 0) * SLOT_SECONDS
        for first, last, local_day in self._day_segments(utc_day):
            part = sum((value for slot, value in slots.items() if first <= slot < last), whole * (last - first))
            if part:
                key = group_key(self.group_by, local_day, user_id, task_id)
                self._seconds[key] = self._seconds.get(key, Decimal(0)) + part

    def add_interval(self, start: dt.datetime, end: dt.datetime, user_id: int, task_id: int | None) -> None:
        """An interval (a running timer up to now), clipped to the window, split at local midnights."""
        start, end = max(start, self.window.start), min(end, self.window.end)
        tz = self.window.tz
        while start < end:
            local_day = start.astimezone(tz).date()
            next_midnight = dt.datetime.combine(local_day + DAY, dt.time(), tz).astimezone(UTC)
            stop = min(end, next_midnight)
            key = group_key(self.group_by, local_day, user_id, task_id)
            self._seconds[key] = self._seconds.get(key, Decimal(0)) + seconds(stop - start)
            start = stop

    def rows(self) -> list[AggregateRow]:
        """Sorted by key; groups without any time left out; minutes half-up on the group's total."""
        return [
            _row(self.group_by, key, total)
            for key, total in sorted(self._seconds.items())
            if total > 0  # a rollup emptied by edits or deletions adds zeros
        ]


def round_minutes(total_seconds: Decimal) -> int:
    return int((total_seconds / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _row(group_by: GroupBy, key: tuple, total: Decimal) -> AggregateRow:
    minutes = round_minutes(total)
    values: dict[str, Any]
    if group_by is GroupBy.DAY:
        values = {"date": key[0]}
    elif group_by is GroupBy.WEEK:
        values = {"year": key[0], "week": key[1]}
    elif group_by is GroupBy.MONTH:
        values = {"year": key[0], "month": key[1]}
    elif group_by is GroupBy.YEAR:
        values = {"year": key[0]}
    elif group_by is GroupBy.TASK:
        values = {"task_id": None if key[0] else key[1]}
    else:
        values = {"user_id": key[0]}
    return AggregateRow(total_minutes=minutes, **values)


def merge_slots(parts: Iterable[tuple[Any, dict[int, Decimal], int]]) -> dict[Any, dict[int, Decimal]]:
    """Sum slot maps by key, each with a sign (+1 adds, -1 removes); zero slots dropped."""
    merged: dict[Any, dict[int, Decimal]] = {}
    for key, slots, sign in parts:
        target = merged.setdefault(key, {})
        for slot, value in slots.items():
            target[slot] = target.get(slot, Decimal(0)) + sign * value
    return {key: {s: v for s, v in slots.items() if v} for key, slots in merged.items() if any(slots.values())}
