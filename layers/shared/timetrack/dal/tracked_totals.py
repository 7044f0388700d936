"""All-time totals of the time entries on each task and each subtask.

A projection of the entries table (see ``EntryRepository(projections=...)``):
every write of an entry carries, in its own transaction, the ADDs that move
these counters from what the entry contributed before to what it contributes
after, so a total is never stale and costs one GetItem to read.

==============================================  ==========================
pk / sk (entries table)                          holds
==============================================  ==========================
``TASKTOTAL#<workspace>#<task>`` / ``TOTAL``         ``seconds`` of the completed
``SUBTASKTOTAL#<workspace>#<subtask>`` / ``TOTAL``   entries on it (all users),
                                                 ``logs`` counts all (running too)
==============================================  ==========================

An entry on a subtask counts on the subtask and on its task. Seconds are exact
(microseconds), so edits and deletes subtract exactly what was added.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ..models import ZERO, Entry
from ..workspaces import TrackedTotal
from .batch import BatchReader, KeyRead
from .codec import key, to_attr

TOTAL = "TOTAL"
BATCH_GET_MAX_KEYS = 100
MICROSECOND = dt.timedelta(microseconds=1)


def task_total_key(workspace_id: int, task_id: int) -> str:
    return f"TASKTOTAL#{workspace_id}#{task_id}"


def subtask_total_key(workspace_id: int, subtask_id: int) -> str:
    return f"SUBTASKTOTAL#{workspace_id}#{subtask_id}"


def completed_seconds(entry: Entry) -> Decimal:
    """The entry's exact duration in seconds (a running one: none yet)."""
    if entry.end_time is None:
        return ZERO
    return Decimal((entry.end_time - entry.start_time) // MICROSECOND).scaleb(-6)


def _contributions(entry: Entry | None) -> dict[str, tuple[Decimal, int]]:
    """What the entry adds to each total it counts on: (seconds, logs)."""
    if entry is None or entry.workspace_id is None:
        return {}
    seconds = completed_seconds(entry)
    counted = {}
    if entry.task_id is not None:
        counted[task_total_key(entry.workspace_id, entry.task_id)] = (seconds, 1)
    if entry.subtask_id is not None:
        counted[subtask_total_key(entry.workspace_id, entry.subtask_id)] = (seconds, 1)
    return counted


def _parse_total(item: dict[str, Any]) -> TrackedTotal:
    return TrackedTotal(seconds=Decimal(item["seconds"]["N"]), logs_count=int(item["logs"]["N"]))


class TrackedTotals:
    def __init__(self, dynamodb, table: str) -> None:
        self._db = dynamodb
        self._table = table
        self._batch = BatchReader(dynamodb)

    def __call__(self, before: Entry | None, after: Entry | None) -> list[dict[str, Any]]:
        """The projection: one ADD per total whose share changes (a total the
        entry stays on moves by the difference, in one item of the transaction)."""
        was, now = _contributions(before), _contributions(after)
        writes = []
        for pk in sorted(was.keys() | now.keys()):
            seconds = now.get(pk, (ZERO, 0))[0] - was.get(pk, (ZERO, 0))[0]
            logs = now.get(pk, (ZERO, 0))[1] - was.get(pk, (ZERO, 0))[1]
            if not seconds and not logs:
                continue
            writes.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": key(pk, TOTAL),
                        "UpdateExpression": "ADD seconds :s, logs :n",
                        "ExpressionAttributeValues": {":s": to_attr(seconds), ":n": to_attr(logs)},
                    }
                }
            )
        return writes

    def task_total(self, workspace_id: int, task_id: int) -> TrackedTotal:
        """One strongly consistent GetItem."""
        return self._read(task_total_key(workspace_id, task_id))

    def subtask_total(self, workspace_id: int, subtask_id: int) -> TrackedTotal:
        return self._read(subtask_total_key(workspace_id, subtask_id))

    def task_totals(self, workspace_id: int, task_ids: list[int]) -> dict[int, TrackedTotal]:
        """Several tasks' totals in BatchGetItem calls of up to 100 keys."""
        return self._read_many({task_id: task_total_key(workspace_id, task_id) for task_id in task_ids})

    def subtask_totals(self, workspace_id: int, subtask_ids: list[int]) -> dict[int, TrackedTotal]:
        return self._read_many({sid: subtask_total_key(workspace_id, sid) for sid in subtask_ids})

    def _read(self, pk: str) -> TrackedTotal:
        item = self._db.get_item(TableName=self._table, Key=key(pk, TOTAL), ConsistentRead=True).get("Item")
        return _parse_total(item) if item else TrackedTotal()

    def _read_many(self, keys: dict[int, str]) -> dict[int, TrackedTotal]:
        ids = list(dict.fromkeys(keys))
        totals: dict[int, TrackedTotal] = {}
        for first in range(0, len(ids), BATCH_GET_MAX_KEYS):
            chunk = ids[first : first + BATCH_GET_MAX_KEYS]
            found = self._batch.read(*(KeyRead(self._table, key(keys[i], TOTAL), _parse_total) for i in chunk))
            totals |= {i: total or TrackedTotal() for i, total in zip(chunk, found, strict=True)}
        return totals
