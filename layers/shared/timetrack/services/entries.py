"""Time entries and the timer: create, edit, delete, start, stop."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from functools import partial
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from ..dal.batch import BatchReader, KeyRead
from ..dal.entries import EntryRepository
from ..dal.guards import Guard
from ..dal.ids import IdAllocator
from ..dal.settings import SettingsRepository
from ..errors import ForwardingFailed, NotFound, NotRunning, StaleWrite, ValidationFailed
from ..messages import DELETED, STARTED, STOPPED
from ..models import Entry, EntrySource, PaymentStatus, normalise_tags
from ..observability import metrics
from ..rules import NOTES_MAX_LENGTH, check_rate, check_times, stop_time, to_utc
from .caller import Caller
from .clock import Clock
from .forwarding import ClockInForwarding

WRITE_ATTEMPTS = 3
EDITABLE = ("date", "start_time", "end_time", "hourly_rate", "payment_status", "notes", "billable", "tags")
# Where a workspace entry sits: changed only through WorkspaceEntries, which checks them.
PLACEMENT = ("project_id", "task_id", "subtask_id")
MAX_TAGS = 50
TAG_MAX_LENGTH = 100
NOT_NULLABLE = ("start_time", "hourly_rate", "payment_status")
# A workspace clock-in keeps the server's clock and its contract's rate: through
# the personal API only its notes and payment status change.
CLOCK_IN_FIXED = {
    "start_time": "a workspace clock-in keeps the server's clock; it cannot be edited",
    "end_time": "a workspace clock-in keeps the server's clock; stop it with sessions/{id}/stop",
    "date": "a workspace clock-in is dated by the server's clock; it cannot be edited",
    "hourly_rate": "a workspace clock-in is paid at its contract's rate; it cannot be edited",
    "project_id": "a workspace clock-in stays on its contract's project",
    "task_id": "a workspace clock-in's task is counted by the clock-in worker; it cannot be moved",
}


class TimeEntries:
    def __init__(
        self,
        entries: EntryRepository,
        settings: SettingsRepository,
        ids: IdAllocator,
        clock: Clock,
        reader: BatchReader,
        forwarding: ClockInForwarding,
    ) -> None:
        self._entries = entries
        self._settings = settings
        self._ids = ids
        self._clock = clock
        self._reader = reader
        self._forwarding = forwarding

    def prime_forwarding(self) -> None:
        self._forwarding.prime()

    def caller(self, user_id: int, *, actor: int | None = None, request_id: str | None = None) -> Caller:
        return Caller(user_id, self._settings.get, actor=actor, request_id=request_id)

    # -- reads ---------------------------------------------------------------

    def get(self, caller: Caller, entry_id: int) -> Entry:
        return _found(self._with_settings(caller, self._entries.read_entry(caller.user_id, entry_id)), entry_id)

    def active(self, caller: Caller) -> Entry | None:
        """The running entry: one key read (with the settings, if not yet read)."""
        return self._with_settings(caller, self._entries.read_active(caller.user_id))

    def _with_settings(self, caller: Caller, read: KeyRead):
        """Read one key; the caller's settings ride along in the same round trip."""
        if caller.has_settings:
            return self._reader.read(read)[0]
        value, settings = self._reader.read(read, self._settings.read(caller.user_id))
        caller.preload(settings)
        return value

    def page(
        self,
        caller: Caller,
        *,
        start_date: dt.date | None = None,
        end_date: dt.date | None = None,
        payment_status: PaymentStatus | None = None,
        skip: int = 0,
        limit: int = 100,
    ) -> list[Entry]:
        if start_date and end_date and end_date < start_date:
            raise ValidationFailed("end_date", "must not be before start_date", location="query")
        return self._entries.page(
            caller.user_id,
            first_date=start_date,
            last_date=end_date,
            status=payment_status,
            skip=skip,
            limit=limit,
        )

    # -- writes --------------------------------------------------------------

    def create(
        self,
        caller: Caller,
        *,
        start_time: dt.datetime,
        end_time: dt.datetime | None = None,
        date: dt.date | None = None,
        hourly_rate: Decimal | None = None,
        payment_status: PaymentStatus = PaymentStatus.NOT_PAID,
        notes: str | None = None,
        origin: dict[str, int | None] | None = None,
        workspace_id: int | None = None,
        project_id: int | None = None,
        task_id: int | None = None,
        subtask_id: int | None = None,
        billable: bool = True,
        tags: Iterable[str] = (),
        guards: tuple[Guard, ...] = (),
    ) -> Entry:
        """Without ``end_time`` the entry is the user's running timer (source
        ``timer``). A clock-in's ``origin`` gives its workspace, project and
        task. The workspace's own rules (project, task, rate) are the caller's;
        ``guards`` re-check them atomically in the write."""
        settings, tz = caller.settings, caller.tz
        start = to_utc(start_time, tz)
        end = to_utc(end_time, tz, "end_time") if end_time is not None else None
        now = self._clock()
        check_times(start, end, now)
        rate = check_rate("hourly_rate", settings.default_hourly_rate if hourly_rate is None else hourly_rate)
        entry = Entry(
            id=self._ids.next_id(),
            user_id=caller.user_id,
            date=date or start.astimezone(tz).date(),
            start_time=start,
            end_time=end,
            hourly_rate=rate,
            payment_status=payment_status,
            notes=_check_notes(notes),
            created_at=now,
            updated_at=now,
            origin=origin or {},
            workspace_id=(origin or {}).get("workspace_id", workspace_id),
            project_id=(origin or {}).get("project_id", project_id),
            task_id=(origin or {}).get("task_id", task_id),
            subtask_id=subtask_id,
            billable=billable,
            tags=_check_tags(tags),
            source=EntrySource.TIMER if end is None else EntrySource.MANUAL,
        )
        self._entries.create(entry, guards)
        if entry.origin and entry.running:
            self._forward(STARTED, entry, caller, undo=partial(self._entries.delete, entry))
        metrics.add_metric(name="EntriesCreated", unit=MetricUnit.Count, value=1)
        if entry.running:
            metrics.add_metric(name="SessionsStarted", unit=MetricUnit.Count, value=1)
        return entry

    def start(
        self,
        caller: Caller,
        *,
        hourly_rate: Decimal | None = None,
        notes: str | None = None,
        origin: dict[str, int | None] | None = None,
        guards: tuple[Guard, ...] = (),
    ) -> Entry:
        """Start the user's timer now; TimerRunning if one already runs."""
        return self.create(
            caller, start_time=self._clock(), hourly_rate=hourly_rate, notes=notes, origin=origin, guards=guards
        )

    def stop(self, caller: Caller, entry_id: int) -> Entry:
        def change(entry: Entry) -> Entry:
            if not entry.running:
                raise NotRunning(entry)
            return dataclasses.replace(entry, end_time=stop_time(entry.start_time, self._clock()))

        return self._rewrite(caller, entry_id, change)

    def update(self, caller: Caller, entry_id: int, changes: dict[str, Any]) -> Entry:
        """Apply the given fields (PUT with all fields optional)."""
        unknown = changes.keys() - set(EDITABLE) - set(PLACEMENT)
        if unknown:
            raise ValidationFailed(sorted(unknown)[0], "is not an editable field")
        for name in NOT_NULLABLE:
            if name in changes and changes[name] is None:
                raise ValidationFailed(name, "must not be null")

        def change(entry: Entry) -> Entry:
            tz = caller.tz
            values: dict[str, Any] = {}
            if "start_time" in changes:
                values["start_time"] = to_utc(changes["start_time"], tz)
            if "end_time" in changes:
                end = changes["end_time"]
                values["end_time"] = None if end is None else to_utc(end, tz, "end_time")
            start = values.get("start_time", entry.start_time)
            if changes.get("date") is not None:
                values["date"] = changes["date"]
            elif "start_time" in changes or "date" in changes:
                values["date"] = start.astimezone(tz).date()
            if "hourly_rate" in changes:
                values["hourly_rate"] = check_rate("hourly_rate", changes["hourly_rate"])
            if "payment_status" in changes:
                values["payment_status"] = PaymentStatus(changes["payment_status"])
            if "notes" in changes:
                values["notes"] = _check_notes(changes["notes"])
            if changes.get("billable") is not None:
                values["billable"] = bool(changes["billable"])
            if "tags" in changes:
                values["tags"] = _check_tags(changes["tags"] or ())
            values |= {name: changes[name] for name in PLACEMENT if name in changes}
            if entry.origin:
                # A field sent back unchanged is fine (an edit form sends every field).
                for name, problem in CLOCK_IN_FIXED.items():
                    if name in changes and values[name] != getattr(entry, name):
                        raise ValidationFailed(name, problem.format(id=entry.id))
            updated = dataclasses.replace(entry, **values)
            if "start_time" in changes or "end_time" in changes:
                check_times(updated.start_time, updated.end_time, self._clock())
            return updated

        return self._rewrite(caller, entry_id, change)

    def delete(self, caller: Caller, entry_id: int) -> None:
        for attempt in range(WRITE_ATTEMPTS):
            entry = _found(self._entries.get(caller.user_id, entry_id), entry_id)  # no settings needed
            try:
                self._entries.delete(entry)
            except StaleWrite:
                if attempt == WRITE_ATTEMPTS - 1:
                    raise
                continue
            if entry.origin:
                # Put back as a later version: deleting it again is a new event.
                restored = dataclasses.replace(entry, version=entry.version + 1, updated_at=self._clock())
                self._forward(DELETED, entry, caller, undo=partial(self._entries.create, restored))
            return

    def _rewrite(self, caller: Caller, entry_id: int, change: Callable[[Entry], Entry]) -> Entry:
        """Read, change, write conditionally on the version read; retry on races."""
        for attempt in range(WRITE_ATTEMPTS):
            entry = self.get(caller, entry_id)
            updated = change(entry)
            updated = dataclasses.replace(updated, version=entry.version + 1, updated_at=self._clock())
            try:
                self._entries.replace(entry, updated)
            except StaleWrite:
                if attempt == WRITE_ATTEMPTS - 1:
                    raise
                continue
            if entry.running and not updated.running:
                if entry.origin:
                    restored = dataclasses.replace(entry, version=updated.version + 1, updated_at=self._clock())
                    self._forward(STOPPED, updated, caller, undo=partial(self._entries.replace, updated, restored))
                metrics.add_metric(name="SessionsStopped", unit=MetricUnit.Count, value=1)
            return updated
        raise AssertionError("unreachable")

    def _forward(self, kind: str, entry: Entry, caller: Caller, undo: Callable[[], None]) -> None:
        """Send a clock-in timer's start, stop or deletion; if that fails, ``undo`` the write."""
        try:
            self._forwarding.send(kind, entry, caller)
        except ForwardingFailed:
            try:
                undo()
            except Exception as error:
                self._forwarding.undo_failed(entry)
                raise ForwardingFailed(undone=False) from error
            raise


def _found(entry: Entry | None, entry_id: int) -> Entry:
    if entry is None:  # also when it is another user's: keys include the user
        raise NotFound(f"Time entry {entry_id} not found")
    return entry


def _check_notes(notes: str | None) -> str | None:
    if notes is not None and len(notes) > NOTES_MAX_LENGTH:
        raise ValidationFailed("notes", f"must be at most {NOTES_MAX_LENGTH} characters")
    return notes or None


def _check_tags(tags: Iterable[str]) -> tuple[str, ...]:
    clean = normalise_tags(tags)
    if len(clean) > MAX_TAGS:
        raise ValidationFailed("tags", f"must be at most {MAX_TAGS} tags")
    if any(len(tag) > TAG_MAX_LENGTH for tag in clean):
        raise ValidationFailed("tags", f"each tag must be at most {TAG_MAX_LENGTH} characters")
    return clean
