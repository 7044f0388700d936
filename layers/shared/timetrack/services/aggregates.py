"""Aggregate a workspace's time by day, week, month, year, task or user (seed 004).

Reads the per-day rollups of the range asked for (``dal.rollups``: what the
range covers, never the history) plus the workspace's running timers (one
Query that reads only them), which count up to now. Who sees what is the
workspace entries' rule (``WorkspaceEntries.whose``): members their own time
(a ``user_id`` of someone else is Forbidden), owners and executive managers
everyone's; outsiders get NotFound.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..aggregates import AggregateRow, GroupBy, Totals, Window, check_window
from ..dal.entries import EntryRepository
from ..dal.rollups import RollupRepository
from ..dal.settings import SettingsRepository
from ..models import UserSettings
from ..principal import Actor, principal_of
from ..rules import zone
from .clock import Clock

if TYPE_CHECKING:
    from .workspace_entries import WorkspaceEntries


class Aggregates:
    def __init__(
        self,
        entries: WorkspaceEntries,
        repo: EntryRepository,
        rollups: RollupRepository,
        settings: SettingsRepository,
        clock: Clock,
    ) -> None:
        self._entries = entries
        self._repo = repo
        self._rollups = rollups
        self._settings = settings
        self._clock = clock

    def aggregate(
        self,
        actor: Actor,
        workspace_id: int,
        *,
        group_by: str = GroupBy.DAY,
        task_id: int | None = None,
        user_id: int | None = None,
        project_id: int | None = None,
        start_after: dt.datetime | dt.date | None = None,
        start_before: dt.datetime | dt.date | None = None,
        timezone: str | None = None,
    ) -> list[AggregateRow]:
        """The time in [start_after, start_before) by group, in ``timezone`` (else
        the caller's settings zone). Without bounds: the caller's current
        calendar year; a missing ``start_after`` is the first of January of
        ``start_before``'s year, a missing ``start_before`` the first of January
        after today."""
        user_id = self._entries.whose(actor, workspace_id, user_id)
        grouping = GroupBy.parse(group_by)
        if timezone is None:
            timezone = (self._settings.get(principal_of(actor).user_id) or UserSettings()).timezone
        window = self._window(start_after, start_before, zone(timezone))
        totals = Totals(grouping, window)
        days = window.utc_days()
        for rollup in self._rollups.read(
            workspace_id, days[0], days[-1], user_id=user_id, task_id=task_id, project_id=project_id
        ):
            totals.add_slots(rollup.day, rollup.user_id, rollup.task_id, rollup.slots)
        now = self._clock()
        for entry in self._repo.workspace_running(workspace_id):
            if all(
                wanted is None or wanted == have
                for wanted, have in ((user_id, entry.user_id), (task_id, entry.task_id), (project_id, entry.project_id))
            ):
                totals.add_interval(entry.start_time, now, entry.user_id, entry.task_id)
        return totals.rows()

    def _window(self, start: dt.datetime | dt.date | None, end: dt.datetime | dt.date | None, tz: ZoneInfo) -> Window:
        high = _instant(end, tz) if end is not None else _new_year(self._clock().astimezone(tz).year + 1, tz)
        if start is not None:
            low = _instant(start, tz)
        else:
            low = _new_year((high - dt.timedelta(microseconds=1)).astimezone(tz).year, tz)
        return check_window(low, high, tz)


def _instant(value: dt.datetime | dt.date, tz: ZoneInfo) -> dt.datetime:
    """A date is its local midnight; a naive time is local wall-clock time."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    return value if value.tzinfo else value.replace(tzinfo=tz)


def _new_year(year: int, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime(year, 1, 1, tzinfo=tz)
