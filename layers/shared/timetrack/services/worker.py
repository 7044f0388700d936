"""What the background worker does with each forwarded clock-in."""

from __future__ import annotations

from ..dal.workspaces import WorkspaceRepository
from ..messages import STARTED, ClockInEvent
from ..models import hours_between, round_money


class ClockInEffects:
    def __init__(self, repo: WorkspaceRepository) -> None:
        self._repo = repo

    def apply(self, event: ClockInEvent) -> None:
        """Start: the task leaves ``todo``; the contract records its first and
        last activity. Stop: task and contract gain the tracked minutes.
        Each is safe to repeat except the stop's ADD, which the worker's
        idempotency layer runs once per event."""
        if event.type == STARTED:
            # Contract first: a start whose contract is missing fails before
            # it changes anything (the task update cannot fail that way).
            self._repo.record_contract_activity(event.workspace_id, event.contract_id, event.start_time, started=True)
            if event.task_id is not None:
                self._repo.mark_task_started(event.workspace_id, event.task_id)
            return
        if event.end_time is None:
            raise ValueError(f"stop event {event.event_id} has no end_time")
        minutes = round_money(hours_between(event.start_time, event.end_time) * 60)
        self._repo.record_stop(event.workspace_id, event.contract_id, event.task_id, minutes, event.end_time)
