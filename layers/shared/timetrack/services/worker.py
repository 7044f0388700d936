"""What the background worker does with each forwarded clock-in.

The minutes are reconciled, not added: whatever the event says, the worker
brings the contract's ``tracked_minutes`` in line with the entry as the
entries table shows it *now* (completed: its duration; running,
undone or deleted: nothing). A per-entry ledger (``Counted``) remembers what
was counted, so each event moves the counters by the difference, in one
transaction conditioned on the ledger's revision. Duplicates, reorders and
events about an entry that changed since are therefore harmless.

A task's minutes are not counted here: every entry on a task, from any API,
moves the task's total in its own transaction (``dal.tracked_totals``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from aws_lambda_powertools.metrics import MetricUnit

from ..dal.entries import EntryRepository
from ..dal.workspaces import Counted, WorkspaceRepository
from ..errors import Conflict, NotFound
from ..messages import STARTED, ClockInEvent
from ..models import ZERO, Entry
from ..observability import logger, metrics
from ..rules import minutes_until
from ..workspaces import Contract

RECOUNT_ATTEMPTS = 3


class ClockInEffects:
    def __init__(self, repo: WorkspaceRepository, entries: EntryRepository) -> None:
        self._repo = repo
        self._entries = entries

    def apply(self, event: ClockInEvent) -> None:
        """Start (if its entry still exists): the task leaves ``todo``; the
        contract records its first and last activity. Every event: recount the
        entry's minutes. Each step is safe to repeat."""
        if event.type == STARTED:
            # The API undoes a start it could not forward (deletes the entry);
            # if SQS had accepted the message anyway, it reports nothing real.
            if self._entries.get(event.user_id, event.entry_id) is None:
                logger.info("Skipped the start of an entry that no longer exists", extra={"event_id": event.event_id})
                metrics.add_metric(name="ClockInEventsSkipped", unit=MetricUnit.Count, value=1)
                return
            # Contract first: a start whose contract is missing fails before
            # it changes anything (the task update cannot fail that way).
            self._repo.record_contract_start(event.workspace_id, event.contract_id, event.start_time)
            if event.task_id is not None:
                self._repo.mark_task_started(event.workspace_id, event.task_id)
        self._recount(event)

    def _recount(self, event: ClockInEvent) -> None:
        for attempt in range(RECOUNT_ATTEMPTS):
            # The ledger before the entry: a revision we read was computed from
            # an entry state no newer than the one we read next.
            before = self._repo.counted(event.workspace_id, event.entry_id)
            entry = self._entries.get(event.user_id, event.entry_id)
            done = entry if entry is not None and not entry.running else None
            if before is None and done is None:
                return  # nothing to count yet
            contract_id = before.contract_id if before else event.contract_id
            contract = self._repo.get(Contract, event.workspace_id, contract_id)
            if contract is None:
                raise NotFound(f"Contract {contract_id} not found in workspace {event.workspace_id}")
            after = Counted(
                contract_id=contract_id,
                contract_minutes=_contract_minutes(done, contract),
                revision=before.revision + 1 if before else 1,
            )
            if before is not None and before.contract_minutes == after.contract_minutes:
                return  # counted already
            try:
                self._repo.recount(
                    event.workspace_id,
                    event.entry_id,
                    before,
                    after,
                    contract_ended_at=contract.ended_at,
                    last_activity_at=None if done is None else _last_activity(done, contract),
                )
                return
            except Conflict:
                if attempt == RECOUNT_ATTEMPTS - 1:
                    raise


def _contract_minutes(done: Entry | None, contract: Contract) -> Decimal:
    if done is None or done.end_time is None:
        return ZERO
    return minutes_until(done.start_time, done.end_time, contract.ended_at)


def _last_activity(done: Entry, contract: Contract) -> dt.datetime | None:
    """The entry's end (not past the contract's end), if later than what the contract shows."""
    at = done.end_time or done.start_time
    if contract.ended_at is not None:
        at = min(at, contract.ended_at)
    if contract.last_activity_at is not None and contract.last_activity_at >= at:
        return None
    return at
