"""Earnings statistics: today / this week / this month, and amounts by status."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from ..dal.entries import EntryRepository
from ..rules import Amounts, Totals, local_day_range, period_days, sum_by_status, totals_within
from .caller import Caller
from .clock import Clock


@dataclass(frozen=True, slots=True)
class Stats:
    today: Totals
    week: Totals
    month: Totals
    amounts: Amounts


class StatsService:
    def __init__(self, entries: EntryRepository, clock: Clock) -> None:
        self._entries = entries
        self._clock = clock

    def total_hours(self, user_id: int) -> Decimal:
        """All-time hours of the user's completed entries (every workspace and personal
        ones): one GetItem of the totals kept with every entry write."""
        return self._entries.total_hours(user_id)

    def stats(self, caller: Caller, period: str | None = None) -> Stats:
        """Reads only the current week/month's entries (one Query), plus the
        all-time totals item or, with ``period``, that period's entries."""
        user_id, settings, tz = caller.user_id, caller.settings, caller.tz
        now = self._clock()
        today = now.astimezone(tz).date()
        if period is not None:
            amount_days = period_days(period, today, settings.week_start)  # validates first
        day, week, month = (
            local_day_range(*period_days(kind, today, settings.week_start), tz) for kind in ("day", "week", "month")
        )
        recent = self._entries.ended_since(user_id, min(week.start, month.start))
        if period is None:
            amounts = Amounts.from_status_sums(self._entries.totals(user_id))
        else:
            first, last = amount_days[0], amount_days[1] - dt.timedelta(days=1)
            amounts = Amounts.from_status_sums(sum_by_status(self._entries.dated_between(user_id, first, last)))
        return Stats(
            today=totals_within(recent, day, now),
            week=totals_within(recent, week, now),
            month=totals_within(recent, month, now),
            amounts=amounts,
        )
