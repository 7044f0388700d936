"""An organization's time entries as a task product sees them (seed 004).

The rules of entries in a workspace are the core's (``WorkspaceEntries``:
visibility, the one running timer, project and task checks, times); an
organization is a workspace. This adds what a task product asks on top,
with no rule of its own about entries:

- every entry comes with its task and its person, read for a whole page in
  one BatchGetItem (the tasks and the profiles; 100 keys a call);
- a create or a replacement may give its end as a duration (``start +
  minutes``), or both, which must then agree within a minute; naive times
  are the entry owner's wall-clock time (their settings' zone);
- a page in four orders. By ``start_time`` it is the workspace indexes' own
  order (``WorkspaceEntries.list``, either direction): a page reads the
  page, and skipping reads the skipped keys, so a page must end within the
  first ``MAX_DEPTH`` entries of its range. By ``end_time``, ``created_at``
  or ``updated_at`` no index has the order: the range (at most
  ``SORT_WINDOW`` entries, else 400 asking for a narrower one) is read and
  sorted. ``total`` is ``WorkspaceEntries.count`` (per-day counts, see
  ``dal.entry_counts``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from ..dal.batch import BatchReader
from ..dal.directory import DirectoryRepository, Profile
from ..dal.settings import SettingsRepository
from ..dal.workspaces import WorkspaceRepository
from ..errors import NotFound, ValidationFailed
from ..models import Entry, UserSettings
from ..principal import Actor, principal_of
from ..rules import to_utc, zone
from ..workspaces import Task

if TYPE_CHECKING:
    from .workspace_entries import WorkspaceEntries

AGREEMENT = dt.timedelta(minutes=1)  # how far duration_minutes may be from end_time - start_time
SORT_WINDOW = 1000  # the most entries sorted in memory (orders no index has)
MAX_DEPTH = 10_000  # a start_time page ends within this many entries of its range


class SortKey(StrEnum):
    START_TIME = "start_time"
    END_TIME = "end_time"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


@dataclass(frozen=True, slots=True)
class EntryView:
    """An entry with its task (None: on no task, e.g. a clock-in without one) and its person."""

    entry: Entry
    task: Task | None
    person: Profile


@dataclass(frozen=True, slots=True)
class Page:
    views: list[EntryView]
    total: int  # entries matching the filters, all pages


class OrgTimeEntries:
    def __init__(
        self,
        core: WorkspaceEntries,
        workspaces: WorkspaceRepository,
        directory: DirectoryRepository,
        settings: SettingsRepository,
        reader: BatchReader,
    ) -> None:
        self._core = core
        self._workspaces = workspaces
        self._directory = directory
        self._settings = settings
        self._reader = reader

    # -- writes ----------------------------------------------------------------

    def create(
        self,
        actor: Actor,
        org_id: int,
        *,
        task_id: int,
        start_time: dt.datetime,
        end_time: dt.datetime | None = None,
        duration_minutes: Decimal | None = None,
        description: str | None = None,
    ) -> EntryView:
        """The caller's entry on a task; no end and no duration: the caller's timer starts."""
        user_id = principal_of(actor).user_id
        self._core.member(actor, org_id)  # an outsider learns nothing of the organization's tasks
        task, person, settings = self._task_person_settings(org_id, task_id, user_id)
        start, end = _span(start_time, end_time, duration_minutes, settings)
        entry = self._core.create(actor, org_id, start_time=start, end_time=end, task_id=task.id, notes=description)
        return EntryView(entry, task, person)

    def start(self, actor: Actor, org_id: int, *, task_id: int, description: str | None = None) -> EntryView:
        user_id = principal_of(actor).user_id
        self._core.member(actor, org_id)
        task, person, _ = self._task_person_settings(org_id, task_id, user_id)
        entry = self._core.start(actor, org_id, task_id=task.id, notes=description)
        return EntryView(entry, task, person)

    def stop(self, actor: Actor, org_id: int, *, task_id: int) -> EntryView:
        """Stop the caller's timer running on ``task_id`` here (NoActiveTimer if none does)."""
        return self._described(org_id, [self._core.stop_running(actor, org_id, task_id=task_id)])[0]

    def replace(
        self,
        actor: Actor,
        org_id: int,
        entry_id: int,
        *,
        task_id: int,
        start_time: dt.datetime,
        end_time: dt.datetime | None = None,
        duration_minutes: Decimal | None = None,
        description: str | None = None,
    ) -> EntryView:
        """Every field as given; no end and no duration: the entry runs (TimerRunning
        if another timer of its owner runs)."""
        before = self._core.get(actor, org_id, entry_id)
        task, person, settings = self._task_person_settings(org_id, task_id, before.user_id)
        start, end = _span(start_time, end_time, duration_minutes, settings)
        changes: dict[str, Any] = {"task_id": task.id, "start_time": start, "end_time": end, "notes": description}
        entry = self._core.update(actor, org_id, entry_id, changes)
        return EntryView(entry, task, person)

    def delete(self, actor: Actor, org_id: int, entry_id: int) -> None:
        self._core.delete(actor, org_id, entry_id)

    # -- reads -----------------------------------------------------------------

    def get(self, actor: Actor, org_id: int, entry_id: int) -> EntryView:
        return self._described(org_id, [self._core.get(actor, org_id, entry_id)])[0]

    def running(self, actor: Actor, org_id: int) -> list[EntryView]:
        """The caller's running timer in the organization: zero or one."""
        entry = self._core.running(actor, org_id)
        return [] if entry is None else self._described(org_id, [entry])

    def page(
        self,
        actor: Actor,
        org_id: int,
        *,
        task_id: int | None = None,
        user_id: int | None = None,
        start_after: dt.datetime | None = None,
        start_before: dt.datetime | None = None,
        running: bool | None = None,
        sort_by: SortKey = SortKey.START_TIME,
        descending: bool = True,
        page: int = 1,
        page_size: int = 20,
    ) -> Page:
        """Entries that start in [start_after, start_before), in the order asked;
        ``page`` counts from 1."""
        start, end = self._range(actor, start_after, start_before)
        filters: dict[str, Any] = {"user_id": user_id, "task_id": task_id, "start": start, "end": end}
        filters["running"] = running
        total = self._core.count(actor, org_id, **filters)
        skip = (page - 1) * page_size
        if skip >= total:
            return Page([], total)
        if sort_by is SortKey.START_TIME:
            if skip + page_size > MAX_DEPTH:
                raise ValidationFailed(
                    "page",
                    f"a page must end within the first {MAX_DEPTH} entries of its range; "
                    "narrow it with start_after or start_before",
                    location="query",
                )
            listed = self._core.list(actor, org_id, **filters, newest_first=descending, skip=skip, limit=page_size)
        else:
            if total > SORT_WINDOW:
                raise ValidationFailed(
                    "sort_by",
                    f"sorting by {sort_by} reads the whole range, which holds {total} entries; "
                    f"narrow it to at most {SORT_WINDOW} with start_after and start_before, or sort by start_time",
                    location="query",
                )
            everything = self._core.list(actor, org_id, **filters, skip=0, limit=total)
            listed = sorted(everything, key=_sort_key(sort_by), reverse=descending)[skip : skip + page_size]
        return Page(self._described(org_id, listed), total)

    # -- helpers ---------------------------------------------------------------

    def _range(
        self, actor: Actor, after: dt.datetime | None, before: dt.datetime | None
    ) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The bounds as instants: naive ones are the caller's wall-clock time (settings read only then)."""
        settings = UserSettings()
        if any(bound is not None and bound.tzinfo is None for bound in (after, before)):
            settings = self._settings.get(principal_of(actor).user_id) or settings
        start = None if after is None else _instant(after, settings, "start_after")
        end = None if before is None else _instant(before, settings, "start_before")
        if start is not None and end is not None and end < start:
            raise ValidationFailed("start_before", "must not be before start_after", location="query")
        return start, end

    def _task_person_settings(self, org_id: int, task_id: int, user_id: int) -> tuple[Task, Profile, UserSettings]:
        """The task (else NotFound), the entry owner's profile and settings: one BatchGetItem."""
        task, person, settings = self._reader.read(
            self._workspaces.read(Task, org_id, task_id),
            self._directory.read_profile(user_id),
            self._settings.read(user_id),
        )
        if task is None:
            raise NotFound("Task not found")
        return task, person or Profile(user_id), settings or UserSettings()

    def _described(self, org_id: int, entries: list[Entry]) -> list[EntryView]:
        """Each entry with its task and person: one BatchGetItem per 100 distinct keys."""
        task_ids = sorted({entry.task_id for entry in entries if entry.task_id is not None})
        user_ids = sorted({entry.user_id for entry in entries})
        found = self._reader.read(
            *(self._workspaces.read(Task, org_id, task_id) for task_id in task_ids),
            *(self._directory.read_profile(user_id) for user_id in user_ids),
        )
        tasks = dict(zip(task_ids, found[: len(task_ids)], strict=True))
        people = dict(zip(user_ids, found[len(task_ids) :], strict=True))
        return [
            EntryView(
                entry,
                tasks.get(entry.task_id) if entry.task_id is not None else None,
                people[entry.user_id] or Profile(entry.user_id),
            )
            for entry in entries
        ]


def _instant(moment: dt.datetime, settings: UserSettings, field: str) -> dt.datetime:
    """A naive time is wall-clock time in the settings' zone."""
    try:
        return to_utc(moment, zone(settings.timezone), field)
    except ValidationFailed as error:
        raise ValidationFailed(field, error.problem, location="query") from None


def _span(
    start: dt.datetime, end: dt.datetime | None, duration_minutes: Decimal | None, settings: UserSettings
) -> tuple[dt.datetime, dt.datetime | None]:
    """Start and end as instants; a duration alone sets the end, and with an
    end too the two must agree within ``AGREEMENT``."""
    tz = zone(settings.timezone)
    start = to_utc(start, tz, "start_time")
    end = None if end is None else to_utc(end, tz, "end_time")
    if duration_minutes is None:
        return start, end
    duration = dt.timedelta(microseconds=int(duration_minutes * 60_000_000))
    if end is None:
        return start, start + duration
    if abs((end - start) - duration) > AGREEMENT:
        actual = Decimal((end - start).total_seconds()) / 60
        raise ValidationFailed(
            "duration_minutes",
            f"must agree with end_time - start_time ({actual.normalize():f} minutes) within a minute",
        )
    return start, end


def _sort_key(sort_by: SortKey):
    """Ascending order of the attribute; a running entry ends after every finished one."""
    latest = dt.datetime.max.replace(tzinfo=dt.UTC)
    if sort_by is SortKey.END_TIME:
        return lambda entry: (entry.end_time or latest, entry.id)
    return lambda entry: (getattr(entry, sort_by.value), entry.id)
