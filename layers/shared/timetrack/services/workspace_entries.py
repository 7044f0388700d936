"""Time entries inside a workspace: the one set of rules every workspace API
(seed 002's integrations, seed 003's time logs, seed 004's organization
entries) speaks its own dialect of.

- Only members see anything (everything else is NotFound). Members see and
  change their own entries; owners and executive managers see and change
  everyone's, create entries for members and filter by any member. A member
  asking for someone else's entries is Forbidden.
- An entry sits on a project of the workspace, and optionally on a task of
  that project (a task alone implies its project) and a subtask of that task
  (a subtask alone implies its task). A timer starts only on an
  active project.
- The rate is fixed when the entry is made: the owner's contract on the
  project, else the project's rate, else the owner's default rate.
- One running timer per user across every API (the entries service's rule);
  the write also re-checks that the owner is still a member.

The entry itself is an ordinary time entry (the personal API and the stats
see it); naive times are the owner's own time zone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from ..dal.entries import EntryRepository
from ..dal.entry_counts import EntryCounts
from ..errors import Forbidden, NoActiveTimer, NotFound, ValidationFailed
from ..models import Entry
from ..principal import Actor
from ..workspaces import Member, Project, ProjectStatus
from .clock import Clock
from .entries import TimeEntries
from .workspaces import Workspaces


class WorkspaceEntries:
    def __init__(
        self, workspaces: Workspaces, entries: TimeEntries, repo: EntryRepository, counts: EntryCounts, clock: Clock
    ) -> None:
        self._workspaces = workspaces
        self._entries = entries
        self._repo = repo
        self._counts = counts
        self._clock = clock

    def member(self, actor: Actor, workspace_id: int) -> Member:
        return self._workspaces.membership(actor, workspace_id)

    # -- writes ----------------------------------------------------------------

    def create(
        self,
        actor: Actor,
        workspace_id: int,
        *,
        start_time: dt.datetime,
        end_time: dt.datetime | None = None,
        project_id: int | None = None,
        task_id: int | None = None,
        subtask_id: int | None = None,
        user_id: int | None = None,
        notes: str | None = None,
        tags: Iterable[str] = (),
        billable: bool = True,
        request_id: str | None = None,
    ) -> Entry:
        """Without ``end_time``: the owner's running timer (TimerRunning if any runs)."""
        me = self.member(actor, workspace_id)
        owner = self._owner(me, user_id)
        if subtask_id is not None:
            task_id = self._subtask_task(workspace_id, subtask_id, task_id)
        project = self._placement(workspace_id, project_id, task_id, timer=end_time is None)
        caller = self._entries.caller(owner, actor=me.user_id, request_id=request_id)
        return self._entries.create(
            caller,
            start_time=start_time,
            end_time=end_time,
            # The project and the owner's settings as already read (the entry needs both).
            hourly_rate=self._workspaces.rate_on(project, owner, caller.settings.default_hourly_rate),
            notes=notes,
            workspace_id=workspace_id,
            project_id=project.id,
            task_id=task_id,
            subtask_id=subtask_id,
            billable=billable,
            tags=tags,
            # Checked above and again by the write: a removal racing it leaves nothing.
            guards=(self._workspaces.still_member(workspace_id, owner),),
        )

    def start(
        self,
        actor: Actor,
        workspace_id: int,
        *,
        project_id: int | None = None,
        task_id: int | None = None,
        subtask_id: int | None = None,
        notes: str | None = None,
        tags: Iterable[str] = (),
        billable: bool = True,
        request_id: str | None = None,
    ) -> Entry:
        """Start the actor's timer now."""
        return self.create(
            actor,
            workspace_id,
            start_time=self._clock(),
            project_id=project_id,
            task_id=task_id,
            subtask_id=subtask_id,
            notes=notes,
            tags=tags,
            billable=billable,
            request_id=request_id,
        )

    def stop_running(self, actor: Actor, workspace_id: int, *, task_id: int | None = None) -> Entry:
        """Stop the actor's timer in this workspace (on ``task_id``, when given)."""
        me = self.member(actor, workspace_id)
        running = self._running(me)
        if running is None or (task_id is not None and running.task_id != task_id):
            where = f"task {task_id}" if task_id is not None else f"workspace {workspace_id}"
            raise NoActiveTimer(f"No timer is running on {where}.")
        return self._entries.stop(self._entries.caller(me.user_id), running.id)

    def stop(self, actor: Actor, workspace_id: int, entry_id: int, *, notes: str | None = None) -> Entry:
        """NotRunning if the entry has already stopped. ``notes``: when given, they
        replace the entry's notes in the same write."""
        me, entry = self._visible(actor, workspace_id, entry_id)
        return self._entries.stop(self._entries.caller(entry.user_id, actor=me.user_id), entry_id, notes=notes)

    def update(self, actor: Actor, workspace_id: int, entry_id: int, changes: dict[str, Any]) -> Entry:
        """Only the given fields change (see ``TimeEntries.update``); a new
        project or task is checked like a new entry's."""
        me, entry = self._visible(actor, workspace_id, entry_id)
        changes = dict(changes)
        if {"project_id", "task_id", "subtask_id"} & changes.keys():
            task_id = changes.get("task_id", entry.task_id)
            # Another task leaves the old task's subtask behind; a subtask brings its task.
            subtask_id = changes.get("subtask_id", entry.subtask_id if task_id == entry.task_id else None)
            if subtask_id is not None:
                task_id = self._subtask_task(workspace_id, subtask_id, changes.get("task_id"))
            # A new task without a project moves the entry to the task's project
            # (no task any more: it stays on its project).
            moved = task_id is not None and task_id != entry.task_id
            project_id = changes.get("project_id", None if moved else entry.project_id)
            changes["project_id"] = self._placement(workspace_id, project_id, task_id, timer=False).id
            changes["task_id"] = task_id
            changes["subtask_id"] = subtask_id
        return self._entries.update(self._entries.caller(entry.user_id, actor=me.user_id), entry_id, changes)

    def delete(self, actor: Actor, workspace_id: int, entry_id: int, *, running_allowed: bool = True) -> Entry:
        """Returns what was deleted. ``running_allowed=False``: a running timer
        is refused (400 on ``id``): stop it first."""
        me, entry = self._visible(actor, workspace_id, entry_id)
        if entry.running and not running_allowed:
            raise ValidationFailed("id", "a running timer cannot be deleted; stop it first")
        self._entries.delete(self._entries.caller(entry.user_id, actor=me.user_id), entry_id)
        return entry

    # -- reads -----------------------------------------------------------------

    def running(self, actor: Actor, workspace_id: int) -> Entry | None:
        """The actor's running timer, if it runs in this workspace."""
        return self._running(self.member(actor, workspace_id))

    def find(self, workspace_id: int, entry_id: int) -> Entry | None:
        """Any entry of the workspace by id, whoever owns it (no permission
        check: for APIs whose rule is their own)."""
        owner = self._repo.owner_of(entry_id)
        if owner is None or owner[1] != workspace_id:
            return None
        return self._repo.get(owner[0], entry_id)

    def locate(self, entry_id: int) -> Entry | None:
        """Any workspace's entry by its id alone, whoever owns it (no permission
        check: seed 003 addresses time logs so, and answers 403 to non-owners)."""
        owner = self._repo.owner_of(entry_id)
        return None if owner is None else self._repo.get(owner[0], entry_id)

    def get(self, actor: Actor, workspace_id: int, entry_id: int) -> Entry:
        return self._visible(actor, workspace_id, entry_id)[1]

    def list(
        self,
        actor: Actor,
        workspace_id: int,
        *,
        user_id: int | None = None,
        project_id: int | None = None,
        task_id: int | None = None,
        subtask_id: int | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        running: bool | None = None,
        billable: bool | None = None,
        newest_first: bool = True,
        skip: int = 0,
        limit: int = 50,
    ) -> list[Entry]:
        """Entries starting in [start, end), by start time: one Query on a key
        (``subtask_id``: the entries on that subtask, filtered on its task's)."""
        user_id = self.whose(actor, workspace_id, user_id)
        return self._repo.workspace_entries(
            workspace_id,
            user_id=user_id,
            project_id=project_id,
            task_id=task_id,
            subtask_id=subtask_id,
            start=start,
            end=end,
            running=running,
            billable=billable,
            newest_first=newest_first,
            skip=skip,
            limit=limit,
        )

    def pages(
        self,
        actor: Actor,
        workspace_id: int,
        *,
        user_id: int | None = None,
        project_id: int | None = None,
        task_id: int | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        running: bool | None = None,
        billable: bool | None = None,
        newest_first: bool = True,
    ) -> Iterator[list[Entry]]:
        """Every entry ``list`` would return, unpaged, a Query page at a time
        (reports and exports of any length, in constant memory). The checks run
        in this call, before any page is read."""
        user_id = self.whose(actor, workspace_id, user_id)
        return self._repo.workspace_entry_pages(
            workspace_id,
            user_id=user_id,
            project_id=project_id,
            task_id=task_id,
            start=start,
            end=end,
            running=running,
            billable=billable,
            newest_first=newest_first,
        )

    def count(
        self,
        actor: Actor,
        workspace_id: int,
        *,
        user_id: int | None = None,
        project_id: int | None = None,
        task_id: int | None = None,
        subtask_id: int | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        running: bool | None = None,
        billable: bool | None = None,
    ) -> int:
        """What ``list`` would return without paging, counted: by a workspace's,
        member's or task's per-day counts where the filters are those (a COUNT
        Query of the partial days at the ends), else by a COUNT Query of the range."""
        user_id = self.whose(actor, workspace_id, user_id)

        def counted(first: dt.datetime | None, last: dt.datetime | None) -> int:
            return self._repo.count_workspace_entries(
                workspace_id,
                user_id=user_id,
                project_id=project_id,
                task_id=task_id,
                subtask_id=subtask_id,
                start=first,
                end=last,
                running=running,
                billable=billable,
            )

        if project_id is None and subtask_id is None and running is None and billable is None:
            return self._counts.between(
                workspace_id, user_id=user_id, task_id=task_id, start=start, end=end, count_between=counted
            )
        return counted(start, end)

    # -- rules -----------------------------------------------------------------

    def whose(self, actor: Actor, workspace_id: int, user_id: int | None) -> int | None:
        """Whose entries the actor may list (or sum up: aggregates): managers
        anyone's (None: all), members their own; NotFound for outsiders."""
        me = self.member(actor, workspace_id)
        if me.role.manages:
            return user_id
        if user_id is not None and user_id != me.user_id:
            raise Forbidden("Only owners and executive managers see other members' entries")
        return me.user_id

    def _owner(self, me: Member, user_id: int | None) -> int:
        """Whose entry a new one is: the actor's, or (managers only) a member's."""
        if user_id is None or user_id == me.user_id:
            return me.user_id
        if not me.role.manages:
            raise Forbidden("Only owners and executive managers create entries for other members")
        if self._workspaces.member_of(me.workspace_id, user_id) is None:
            raise ValidationFailed("user_id", f"user {user_id} is not a member of this workspace")
        return user_id

    def _placement(self, workspace_id: int, project_id: int | None, task_id: int | None, *, timer: bool) -> Project:
        """The entry's project, checked: a project of the workspace (active for a
        timer), and the task, if any, one of that project's."""
        if task_id is not None:
            task = self._find(self._workspaces.find_task, workspace_id, task_id, "task_id")
            if project_id is not None and task.project_id != project_id:
                raise ValidationFailed("task_id", f"task {task_id} is not a task of project {project_id}")
            project_id = task.project_id
        if project_id is None:
            raise ValidationFailed("project_id", "is required")
        project = self._find(self._workspaces.find_project, workspace_id, project_id, "project_id")
        if timer and project.status is not ProjectStatus.ACTIVE:
            raise ValidationFailed("project_id", f"project {project_id} is not active")
        return project

    def _subtask_task(self, workspace_id: int, subtask_id: int, task_id: int | None) -> int:
        """The task a subtask implies; ValidationFailed on ``subtask_id`` if it is
        unknown or of another task than ``task_id`` (when given)."""
        subtask = self._find(self._workspaces.find_subtask, workspace_id, subtask_id, "subtask_id")
        if task_id is not None and subtask.task_id != task_id:
            raise ValidationFailed("subtask_id", f"subtask {subtask_id} is not a subtask of task {task_id}")
        return subtask.task_id

    @staticmethod
    def _find(lookup, workspace_id: int, item_id: int, field: str):
        """A referenced project or task: one missing is bad input, not a missing page."""
        try:
            return lookup(workspace_id, item_id)
        except NotFound as error:
            raise ValidationFailed(field, f"{error.message} in this workspace") from error

    def _visible(self, actor: Actor, workspace_id: int, entry_id: int) -> tuple[Member, Entry]:
        """The entry, if the actor may see it (theirs, or any for managers): else NotFound."""
        me = self.member(actor, workspace_id)
        entry = self.find(workspace_id, entry_id)
        if entry is None or (entry.user_id != me.user_id and not me.role.manages):
            raise NotFound(f"Time entry {entry_id} not found")
        return me, entry

    def _running(self, me: Member) -> Entry | None:
        running = self._entries.active(self._entries.caller(me.user_id))
        return running if running is not None and running.workspace_id == me.workspace_id else None
