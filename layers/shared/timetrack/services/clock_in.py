"""Workspace clock-in (API v2): start/stop a member's timer.

The timer is an ordinary time entry (same one-running-timer rule, visible in
the personal API) with the contract's rate and an ``origin``; the entries
service forwards its start and stop to the worker (see ``forwarding``).
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from ..errors import Forbidden, NotFound, NotRunning, ValidationFailed
from ..models import Entry
from ..observability import metrics
from ..principal import Actor
from .entries import TimeEntries
from .workspaces import Workspaces


class ClockIns:
    def __init__(self, workspaces: Workspaces, entries: TimeEntries) -> None:
        self._workspaces = workspaces
        self._entries = entries

    def _authorize(self, actor: Actor, workspace_id: int, user_id: int) -> int:
        """The acting user's id, once allowed to act on ``user_id``'s timer here."""
        me = self._workspaces.membership(actor, workspace_id)
        if user_id != me.user_id and not me.role.manages:
            raise Forbidden("Members can only clock in themselves")
        if user_id != me.user_id and self._workspaces.member_of(workspace_id, user_id) is None:
            raise NotFound(f"User {user_id} is not a member of workspace {workspace_id}")
        return me.user_id

    def start(
        self,
        actor: Actor,
        *,
        workspace_id: int,
        user_id: int,
        contract_id: int,
        task_id: int | None = None,
        activity_description: str | None = None,
        request_id: str | None = None,
    ) -> Entry:
        acting = self._authorize(actor, workspace_id, user_id)
        contract = self._workspaces.find_contract(workspace_id, contract_id)
        if contract.user_id != user_id:
            raise NotFound(f"Contract {contract_id} not found for user {user_id}")
        if not contract.active:
            raise ValidationFailed("contract_id", "the contract has ended")
        if self._workspaces.find_project(workspace_id, contract.project_id).archived:
            raise ValidationFailed("contract_id", "the contract's project is archived")
        if task_id is not None:
            task = self._workspaces.find_task(workspace_id, task_id)
            if task.project_id != contract.project_id:
                raise ValidationFailed("task_id", "the task is not in the contract's project")
        caller = self._entries.caller(user_id, actor=acting, request_id=request_id)
        origin = {
            "workspace_id": workspace_id,
            "contract_id": contract_id,
            "project_id": contract.project_id,
            "task_id": task_id,
        }
        entry = self._entries.start(
            caller,
            hourly_rate=contract.hourly_rate,
            notes=activity_description,
            origin=origin,
            # Checked above, and again by the write itself: a removal landing in
            # between leaves no timer (the removal stops only what it can see).
            guards=(self._workspaces.still_member(workspace_id, user_id),),
        )
        metrics.add_metric(name="ClockIns", unit=MetricUnit.Count, value=1)
        return entry

    def stop(self, actor: Actor, *, workspace_id: int, user_id: int, request_id: str | None = None) -> Entry:
        acting = self._authorize(actor, workspace_id, user_id)
        caller = self._entries.caller(user_id, actor=acting, request_id=request_id)
        running = self._running_here(caller, workspace_id)
        if running is None:
            raise NotRunning(message=f"No timer clocked in workspace {workspace_id} is running for user {user_id}.")
        return self._entries.stop(caller, running.id)

    def active(self, actor: Actor, *, workspace_id: int, user_id: int) -> Entry | None:
        self._authorize(actor, workspace_id, user_id)
        return self._running_here(self._entries.caller(user_id), workspace_id)

    def _running_here(self, caller, workspace_id: int) -> Entry | None:
        """The user's timer, if it was clocked in this workspace."""
        running = self._entries.active(caller)
        if running is None or running.origin.get("workspace_id") != workspace_id:
            return None
        return running
