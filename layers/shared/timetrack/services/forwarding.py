"""Forwarding clock-in timers to the background worker, whichever API moves them.

A clock-in timer is an entry with an ``origin`` (its workspace, contract,
project and task). When one starts, stops or is deleted — through the
clock-in API or the personal API (sessions stop, DELETE entries/{id}) — the
event goes to the FIFO queue right after the entry is written. If the send
fails, the write is undone and the caller gets ForwardingFailed: no clock-in
half exists.
"""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit

from ..dal.queue import ClockInQueue
from ..messages import ClockInEvent
from ..models import Entry
from ..observability import logger, metrics
from .caller import Caller


class ClockInForwarding:
    def __init__(self, queue: ClockInQueue) -> None:
        self._queue = queue

    def prime(self) -> None:
        """Build the SQS client now (at cold start) rather than on the first clock-in."""
        self._queue.prime()

    def send(self, kind: str, entry: Entry, caller: Caller) -> None:
        """Raises ForwardingFailed."""
        origin = entry.origin
        self._queue.send(
            ClockInEvent(
                type=kind,
                # One id per transition: a later stop or deletion of the same
                # entry (a later version) is a new event, not a duplicate.
                event_id=f"{entry.id}-{kind.rsplit('.', 1)[1]}-v{entry.version}",
                entry_id=entry.id,
                workspace_id=origin["workspace_id"],
                user_id=entry.user_id,
                contract_id=origin["contract_id"],
                project_id=origin["project_id"],
                task_id=origin.get("task_id"),
                start_time=entry.start_time,
                end_time=entry.end_time,
                actor_user_id=caller.actor,
                request_id=caller.request_id,
            )
        )

    @staticmethod
    def undo_failed(entry: Entry) -> None:
        """The write stays although its event was not sent: say so loudly."""
        logger.exception("Could not undo a clock-in write after a forwarding failure", extra={"entry_id": entry.id})
        metrics.add_metric(name="ClockInUndoFailures", unit=MetricUnit.Count, value=1)
