"""Time logs: tracking time on cards (tasks) and their subtasks addressed by
their ids alone, as seed 003's mobile app does; the rules are the domain's
(``WorkspaceEntries`` for entries, ``Cards`` for subtasks, statuses, what a
start and a stop do, totals), composed here once.

- A log is a time entry of a workspace: the same entry the personal API, the
  stats and every other API see, under the one-running-timer rule. Entries
  outside any workspace are no logs (not listed, not found here).
- Members of a card's workspace start timers on its cards and subtasks and
  read their totals and statuses; anyone else is Forbidden; an unknown id is
  NotFound. A subtask alone means its card; a subtask of another card is
  ValidationFailed (``subtask_id``).
- Only a log's owner stops, edits or deletes it: anyone else is Forbidden,
  manager or not.
- A start moves the card or subtask to in progress and the starter's
  assignment (``Cards.started``); a stop completes the assignment
  (``Cards.stopped``). Statuses are never moved by a stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from ..dal.directory import DirectoryRepository
from ..errors import Forbidden, NotFound
from ..models import Entry
from ..principal import Actor, principal_of
from ..workspaces import Project, Subtask, SubtaskStatus, Task, TaskStatus, TrackedTotal
from .cards import CardMove, Cards
from .entries import TimeEntries
from .workspace_entries import WorkspaceEntries
from .workspaces import Workspaces


@dataclass(frozen=True, slots=True)
class Placement:
    """What a log is on: its card and the card's board (project), and subtask (None: none)."""

    card: Task | None = None
    board: Project | None = None
    subtask: Subtask | None = None


@dataclass(frozen=True, slots=True)
class LogPage:
    """One page of the caller's logs (newest start first) and the counts of all
    the logs the filters match: ``ongoing`` (0 or 1) and ``completed``."""

    logs: list[Entry]
    total: int
    ongoing: int
    completed: int


class TimeLogs:
    def __init__(
        self,
        workspaces: Workspaces,
        cards: Cards,
        entries: WorkspaceEntries,
        timers: TimeEntries,
        directory: DirectoryRepository,
    ) -> None:
        self._workspaces = workspaces
        self._cards = cards
        self._entries = entries
        self._timers = timers
        self._directory = directory

    # -- the timer -------------------------------------------------------------------

    def start(
        self,
        actor: Actor,
        *,
        task_id: int | None = None,
        subtask_id: int | None = None,
        notes: str | None = None,
        request_id: str | None = None,
    ) -> Entry:
        """Start the actor's timer on a card, or a subtask (of that card, if both
        are given), then move the card or subtask and the actor's assignment."""
        if task_id is not None:
            workspace_id = self._workspaces.locate_task(actor, task_id).workspace_id
        else:
            workspace_id = self._cards.locate_subtask(actor, subtask_id).workspace_id
        entry = self._entries.start(
            actor, workspace_id, task_id=task_id, subtask_id=subtask_id, notes=notes, request_id=request_id
        )
        self._cards.started(entry)
        return entry

    def ongoing(self, actor: Actor) -> Entry | None:
        """The actor's running timer if it is a log (of a workspace the credential
        sees); one read."""
        who = principal_of(actor)
        running = self._timers.active(self._timers.caller(who.user_id))
        if running is None or running.workspace_id is None or not who.sees_workspace(running.workspace_id):
            return None
        return running

    def stop(self, actor: Actor, entry_id: int, *, notes: str | None = None) -> Entry:
        """The owner's running log stops (NotRunning if it has); ``notes`` replace
        the old ones in the same write; the owner's assignment completes."""
        entry = self._own(actor, entry_id)
        stopped = self._entries.stop(actor, entry.workspace_id, entry_id, notes=notes)
        self._cards.stopped(stopped)
        return stopped

    def describe(self, actor: Actor, entry_id: int, notes: str | None) -> Entry:
        """The owner replaces a log's notes (None clears them)."""
        entry = self._own(actor, entry_id)
        return self._entries.update(actor, entry.workspace_id, entry_id, {"notes": notes})

    def delete(self, actor: Actor, entry_id: int) -> Entry:
        entry = self._own(actor, entry_id)
        return self._entries.delete(actor, entry.workspace_id, entry_id)

    def _own(self, actor: Actor, entry_id: int) -> Entry:
        entry = self._entries.locate(entry_id)
        if entry is None:
            raise NotFound(f"Time log {entry_id} not found")
        if entry.user_id != principal_of(actor).user_id:
            raise Forbidden("Only the log's owner can change it")
        return entry

    # -- the actor's logs --------------------------------------------------------------

    def page(
        self,
        actor: Actor,
        *,
        running: bool | None = None,
        task_id: int | None = None,
        subtask_id: int | None = None,
        skip: int = 0,
        limit: int = 20,
    ) -> LogPage:
        """The actor's logs, in every workspace of theirs or on one card or subtask.
        Per workspace: one COUNT Query and one Query reading ``skip + limit``; the
        running timer is the one ``ongoing`` read."""
        me = principal_of(actor).user_id
        scopes = self._scopes(actor, task_id, subtask_id)
        ongoing = self.ongoing(actor)
        if ongoing is not None and not any(_on(ongoing, *scope) for scope in scopes):
            ongoing = None
        count = sum(
            self._entries.count(actor, workspace_id, user_id=me, task_id=task, subtask_id=subtask)
            for workspace_id, task, subtask in scopes
        )
        found = 0 if ongoing is None else 1
        completed = max(count - found, 0)
        if running:
            logs = [] if ongoing is None else [ongoing]
            return LogPage(logs[skip : skip + limit], found, found, completed)
        merged = [
            entry
            for workspace_id, task, subtask in scopes
            for entry in self._entries.list(
                actor,
                workspace_id,
                user_id=me,
                task_id=task,
                subtask_id=subtask,
                running=running,
                skip=0,
                limit=skip + limit,
            )
        ]
        merged.sort(key=lambda entry: (entry.start_time, entry.id), reverse=True)
        total = completed if running is False else found + completed
        return LogPage(merged[skip : skip + limit], total, found, completed)

    def _scopes(
        self, actor: Actor, task_id: int | None, subtask_id: int | None
    ) -> list[tuple[int, int | None, int | None]]:
        """(workspace, task, subtask) ranges to read: the card's or subtask's, else every
        workspace of the actor's (a bound token's only); none when the subtask is not
        of the card."""
        if subtask_id is not None:
            subtask = self._cards.locate_subtask(actor, subtask_id)
            if task_id is not None and self._workspaces.locate_task(actor, task_id).id != subtask.task_id:
                return []
            return [(subtask.workspace_id, subtask.task_id, subtask.id)]
        if task_id is not None:
            task = self._workspaces.locate_task(actor, task_id)
            return [(task.workspace_id, task.id, None)]
        return [(workspace.id, None, None) for workspace, _ in self._workspaces.of_user(actor)]

    # -- cards and subtasks ------------------------------------------------------------------

    def card_total(self, actor: Actor, task_id: int) -> tuple[Task, TrackedTotal]:
        task = self._workspaces.locate_task(actor, task_id)
        return self._cards.task_total(actor, task.workspace_id, task_id)

    def subtask_total(self, actor: Actor, subtask_id: int) -> tuple[Subtask, TrackedTotal]:
        subtask = self._cards.locate_subtask(actor, subtask_id)
        return self._cards.subtask_total(actor, subtask.workspace_id, subtask_id)

    def set_subtask_status(self, actor: Actor, subtask_id: int, status: SubtaskStatus) -> tuple[Subtask, Task]:
        """The subtask moved (no rules), and its card."""
        subtask = self._cards.locate_subtask(actor, subtask_id)
        moved = self._cards.set_subtask_status(actor, subtask.workspace_id, subtask_id, status)
        return moved, self._workspaces.find_task(subtask.workspace_id, subtask.task_id)

    def set_card_status(self, actor: Actor, task_id: int, status: TaskStatus) -> CardMove:
        """Review or done only when every subtask is done (UnfinishedSubtasks)."""
        task = self._workspaces.locate_task(actor, task_id)
        return self._cards.set_task_status(actor, task.workspace_id, task_id, status)

    # -- for answers ------------------------------------------------------------------------

    def placements(self, entries: list[Entry]) -> dict[int, Placement]:
        """Each entry's card, board and subtask (gone ones: None), each read once."""
        seen: dict[tuple[str, int, int], Any] = {}

        def lookup(kind: str, workspace_id: int, item_id: int | None, read) -> Any:
            if item_id is None:
                return None
            if (kind, workspace_id, item_id) not in seen:
                try:
                    seen[kind, workspace_id, item_id] = read(workspace_id, item_id)
                except NotFound:
                    seen[kind, workspace_id, item_id] = None
            return seen[kind, workspace_id, item_id]

        placed: dict[int, Placement] = {}
        for entry in entries:
            if entry.workspace_id is None:
                placed[entry.id] = Placement()
                continue
            ws = entry.workspace_id
            placed[entry.id] = Placement(
                card=lookup("task", ws, entry.task_id, self._workspaces.find_task),
                board=lookup("project", ws, entry.project_id, self._workspaces.find_project),
                subtask=lookup("subtask", ws, entry.subtask_id, self._workspaces.find_subtask),
            )
        return placed

    def time_zone(self, user_id: int) -> ZoneInfo:
        """The user's own zone (settings): their logs' times are answered in it."""
        return self._timers.caller(user_id).tz

    def user_name(self, user_id: int) -> str:
        """What the app shows as the user's name: their email's local part (``john_doe``),
        else ``user<id>``."""
        email = self._directory.email_of(user_id)
        return email.split("@", 1)[0] if email else f"user{user_id}"


def _on(entry: Entry, workspace_id: int, task_id: int | None, subtask_id: int | None) -> bool:
    return (
        entry.workspace_id == workspace_id
        and (task_id is None or entry.task_id == task_id)
        and (subtask_id is None or entry.subtask_id == subtask_id)
    )
