"""What the background worker does with each forwarded clock-in."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from ..dal.entries import EntryRepository
from ..dal.workspaces import WorkspaceRepository
from ..messages import STARTED, ClockInEvent
from ..models import minutes_between
from ..observability import logger, metrics


class ClockInEffects:
    def __init__(self, repo: WorkspaceRepository, entries: EntryRepository) -> None:
        self._repo = repo
        self._entries = entries

    def _still_true(self, event: ClockInEvent) -> bool:
        """Whether the entries table still shows what the event reports.

        The API undoes a start (deletes the entry) or a stop (the timer runs
        again) when it cannot forward it; if SQS had accepted the message
        anyway, the event describes something that did not happen.
        """
        entry = self._entries.get(event.user_id, event.entry_id)
        if event.type == STARTED:
            return entry is not None
        return entry is not None and entry.end_time == event.end_time

    def apply(self, event: ClockInEvent) -> None:
        """Start: the task leaves ``todo``; the contract records its first and
        last activity. Stop: task and contract gain the tracked minutes.
        Each is safe to repeat except the stop's ADD, which the worker's
        idempotency layer runs once per event."""
        if not self._still_true(event):
            logger.info("Skipped an event that was undone", extra={"event_id": event.event_id})
            metrics.add_metric(name="ClockInEventsSkipped", unit=MetricUnit.Count, value=1)
            return
        if event.type == STARTED:
            # Contract first: a start whose contract is missing fails before
            # it changes anything (the task update cannot fail that way).
            self._repo.record_contract_activity(event.workspace_id, event.contract_id, event.start_time, started=True)
            if event.task_id is not None:
                self._repo.mark_task_started(event.workspace_id, event.task_id)
            return
        if event.end_time is None:
            raise ValueError(f"stop event {event.event_id} has no end_time")
        minutes = minutes_between(event.start_time, event.end_time)
        self._repo.record_stop(event.workspace_id, event.contract_id, event.task_id, minutes, event.end_time)
