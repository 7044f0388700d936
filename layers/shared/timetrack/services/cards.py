"""Tasks as cards on a board (seed 003's model, usable by every API): their
subtasks, the members assigned to them, their status rules, what a timer
start and stop do to them, and the time tracked on them.

Rules (tested once, in tests/test_cards_domain.py):

- A task moves to review or done only when every subtask of it is done
  (``UnfinishedSubtasks`` otherwise, naming them); without subtasks it moves
  freely. The condition is part of the status write (``open_subtasks`` on the
  task), so a subtask reopened at the same moment cannot slip past it.
  Subtask statuses change without rules.
- A timer started on a task alone moves the task from todo to in progress
  (review, done and cancelled stay); one started on a subtask moves the
  subtask from todo to in progress (done stays) and leaves the task.
- The starter's assignment to the task (if any: starting never assigns)
  becomes in progress, ``started_at`` set the first time only; a stop makes
  it completed at the stop.
- Totals (``TrackedTotal``) are all members' entries on the task or subtask,
  kept in each entry's own transaction (``dal.tracked_totals``).

Who may act: managers (owners, executive managers) create, rename, reorder
and delete subtasks and assign members, like they create tasks; every member
reads them, reads the totals and moves task and subtask statuses (the board's
everyday work, done by whoever works on the card).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..dal.ids import IdAllocator
from ..dal.tracked_totals import TrackedTotals
from ..dal.workspaces import WorkspaceRepository
from ..errors import Conflict, NotFound, ValidationFailed
from ..models import Entry
from ..principal import Actor
from ..workspaces import (
    Assignment,
    AssignmentStatus,
    Subtask,
    SubtaskStatus,
    Task,
    TaskStatus,
    TrackedTotal,
)
from .clock import Clock
from .workspaces import Workspaces, _name

MAX_POSITION = 1_000_000
UPDATE_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class CardMove:
    """A task after a status change, and how many subtasks it has (all done
    when it moved to review or done)."""

    task: Task
    total_subtasks: int


@dataclass(frozen=True, slots=True)
class CardDetail:
    """A task with its subtasks (by position), its assignees (by user id) and its total."""

    task: Task
    subtasks: list[Subtask]
    assignments: list[Assignment]
    total: TrackedTotal


class Cards:
    def __init__(
        self,
        workspaces: Workspaces,
        repo: WorkspaceRepository,
        subtask_ids: IdAllocator,
        totals: TrackedTotals,
        clock: Clock,
    ) -> None:
        self._workspaces = workspaces
        self._repo = repo
        self._ids = subtask_ids
        self._totals = totals
        self._clock = clock

    def card(self, actor: Actor, workspace_id: int, task_id: int) -> CardDetail:
        """Members read a task with its subtasks, assignees and tracked total."""
        self._workspaces.membership(actor, workspace_id)
        task = self._workspaces.find_task(workspace_id, task_id)
        total = self._totals.task_total(workspace_id, task_id)
        return CardDetail(
            task=task.with_total(total),
            subtasks=self._repo.subtasks(workspace_id, task_id),
            assignments=sorted(self._repo.assignments(workspace_id, task_id), key=lambda a: a.user_id),
            total=total,
        )

    # -- subtasks ----------------------------------------------------------------

    def create_subtask(
        self,
        actor: Actor,
        workspace_id: int,
        task_id: int,
        name: str,
        *,
        status: SubtaskStatus = SubtaskStatus.TODO,
        position: int | None = None,
    ) -> Subtask:
        """Managers only. ``position`` defaults to after the task's last subtask."""
        self._workspaces.manager(actor, workspace_id)
        self._workspaces.find_task(workspace_id, task_id)
        if position is None:
            position = max((s.position for s in self._repo.subtasks(workspace_id, task_id)), default=0) + 1
        now = self._clock()
        subtask = Subtask(
            id=self._ids.next_id(),
            workspace_id=workspace_id,
            task_id=task_id,
            name=_name(name),
            status=SubtaskStatus(status),
            position=_position(position),
            created_at=now,
            updated_at=now,
        )
        self._repo.create_subtask(subtask)
        return subtask

    def subtasks(self, actor: Actor, workspace_id: int, task_id: int) -> list[Subtask]:
        """The task's subtasks by position; members read them."""
        self._workspaces.membership(actor, workspace_id)
        self._workspaces.find_task(workspace_id, task_id)
        return self._repo.subtasks(workspace_id, task_id)

    def subtask(self, actor: Actor, workspace_id: int, subtask_id: int, *, task_id: int | None = None) -> Subtask:
        """A subtask by its id (``task_id``: it must be of that task, else NotFound)."""
        self._workspaces.membership(actor, workspace_id)
        return self._subtask(workspace_id, subtask_id, task_id)

    def update_subtask(
        self, actor: Actor, workspace_id: int, task_id: int, subtask_id: int, changes: dict[str, Any]
    ) -> Subtask:
        """Managers only; ``changes``: name, status, position (None is ignored)."""
        self._workspaces.manager(actor, workspace_id)
        return self._change_subtask(workspace_id, subtask_id, task_id, _subtask_fields(changes))

    def set_subtask_status(self, actor: Actor, workspace_id: int, subtask_id: int, status: SubtaskStatus) -> Subtask:
        """Any member; no rules."""
        self._workspaces.membership(actor, workspace_id)
        return self._change_subtask(workspace_id, subtask_id, None, {"status": SubtaskStatus(status)})

    def delete_subtask(self, actor: Actor, workspace_id: int, task_id: int, subtask_id: int) -> Subtask:
        """Managers only; returns what was deleted (its tracked total stays with its entries)."""
        self._workspaces.manager(actor, workspace_id)
        for attempt in range(UPDATE_ATTEMPTS):
            subtask = self._subtask(workspace_id, subtask_id, task_id)
            try:
                self._repo.delete_subtask(subtask)
                return subtask
            except Conflict:  # its status moved between the read and the delete
                if attempt == UPDATE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def find_subtask(self, workspace_id: int, subtask_id: int) -> Subtask | None:
        """Raw lookup (no permission check): two GetItems (its task, then it)."""
        try:
            return self._workspaces.find_subtask(workspace_id, subtask_id)
        except NotFound:
            return None

    def _subtask(self, workspace_id: int, subtask_id: int, task_id: int | None) -> Subtask:
        subtask = self.find_subtask(workspace_id, subtask_id)
        if subtask is None or (task_id is not None and subtask.task_id != task_id):
            raise NotFound(f"Subtask {subtask_id} not found")
        return subtask

    def _change_subtask(
        self, workspace_id: int, subtask_id: int, task_id: int | None, changes: dict[str, Any]
    ) -> Subtask:
        """Read, write conditioned on the status read, retry if it moved meanwhile."""
        for attempt in range(UPDATE_ATTEMPTS):
            before = self._subtask(workspace_id, subtask_id, task_id)
            if all(getattr(before, name) == value for name, value in changes.items()):
                return before
            try:
                return self._repo.update_subtask(before, changes | {"updated_at": self._clock()})
            except Conflict:
                if attempt == UPDATE_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    # -- task status -----------------------------------------------------------------

    def set_task_status(self, actor: Actor, workspace_id: int, task_id: int, status: TaskStatus) -> CardMove:
        """Any member. Review or done only when every subtask is done, else
        UnfinishedSubtasks (with them); a task without subtasks moves freely."""
        self._workspaces.membership(actor, workspace_id)
        self._workspaces.find_task(workspace_id, task_id)
        task = self._repo.update(Task, workspace_id, task_id, {"status": TaskStatus(status)})
        return CardMove(self._workspaces.tracked(task), len(self._repo.subtasks(workspace_id, task_id)))

    # -- what a timer does to its task ---------------------------------------------------

    def started(self, entry: Entry) -> None:
        """After ``entry`` (a timer on a task, or a subtask of it) started: the
        subtask, else the task, leaves todo; the starter's assignment (if any)
        is in progress, started the first time. Each step is a conditional write,
        safe to repeat."""
        if entry.workspace_id is None or entry.task_id is None:
            return
        subtask = None if entry.subtask_id is None else self.find_subtask(entry.workspace_id, entry.subtask_id)
        if subtask is not None:
            self._repo.mark_subtask_started(subtask)
        elif entry.subtask_id is None:
            self._repo.mark_task_started(entry.workspace_id, entry.task_id)
        self._repo.assignment_started(entry.workspace_id, entry.task_id, entry.user_id, entry.start_time)

    def stopped(self, entry: Entry) -> None:
        """After ``entry`` stopped: the owner's assignment to its task (if any) is
        completed at the entry's end. Statuses stay."""
        if entry.workspace_id is None or entry.task_id is None or entry.end_time is None:
            return
        self._repo.assignment_completed(entry.workspace_id, entry.task_id, entry.user_id, entry.end_time)

    # -- assignments ------------------------------------------------------------------

    def assign(self, actor: Actor, workspace_id: int, task_id: int, user_id: int) -> Assignment:
        """Managers only; the user must be a member (400 naming ``user_id``);
        Conflict if assigned already."""
        me = self._workspaces.manager(actor, workspace_id)
        self._workspaces.find_task(workspace_id, task_id)
        assignment = Assignment(
            workspace_id=workspace_id,
            task_id=task_id,
            user_id=user_id,
            assignment_status=AssignmentStatus.ASSIGNED,
            assigned_at=self._clock(),
            assigned_by=me.user_id,
        )
        self._repo.assign(assignment)
        return assignment

    def assignments(self, actor: Actor, workspace_id: int, task_id: int) -> list[Assignment]:
        """The task's assignees by user id; members read them."""
        self._workspaces.membership(actor, workspace_id)
        self._workspaces.find_task(workspace_id, task_id)
        return sorted(self._repo.assignments(workspace_id, task_id), key=lambda a: a.user_id)

    def assignment(self, workspace_id: int, task_id: int, user_id: int) -> Assignment | None:
        """Raw lookup of one user's assignment (no permission check)."""
        return self._repo.get_assignment(workspace_id, task_id, user_id)

    def unassign(self, actor: Actor, workspace_id: int, task_id: int, user_id: int) -> None:
        """Managers only; NotFound if the user is not assigned."""
        self._workspaces.manager(actor, workspace_id)
        self._workspaces.find_task(workspace_id, task_id)
        self._repo.unassign(workspace_id, task_id, user_id)

    # -- tracked totals -----------------------------------------------------------------

    def task_total(self, actor: Actor, workspace_id: int, task_id: int) -> tuple[Task, TrackedTotal]:
        """All members' entries on the task (its subtasks' too); members read it."""
        self._workspaces.membership(actor, workspace_id)
        task = self._workspaces.find_task(workspace_id, task_id)
        total = self._totals.task_total(workspace_id, task_id)
        return task.with_total(total), total

    def subtask_total(self, actor: Actor, workspace_id: int, subtask_id: int) -> tuple[Subtask, TrackedTotal]:
        self._workspaces.membership(actor, workspace_id)
        subtask = self._subtask(workspace_id, subtask_id, None)
        return subtask, self._totals.subtask_total(workspace_id, subtask_id)

    def task_totals(self, workspace_id: int, task_ids: list[int]) -> dict[int, TrackedTotal]:
        """Raw (no permission check): several tasks' totals in one BatchGetItem per 100."""
        return self._totals.task_totals(workspace_id, task_ids)

    def subtask_totals(self, workspace_id: int, subtask_ids: list[int]) -> dict[int, TrackedTotal]:
        return self._totals.subtask_totals(workspace_id, subtask_ids)


def _position(value: int) -> int:
    if not 0 <= value <= MAX_POSITION:
        raise ValidationFailed("position", f"must be between 0 and {MAX_POSITION}")
    return value


def _subtask_fields(values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if values.get("name") is not None:
        clean["name"] = _name(values["name"])
    if values.get("status") is not None:
        clean["status"] = SubtaskStatus(values["status"])
    if values.get("position") is not None:
        clean["position"] = _position(values["position"])
    return clean
