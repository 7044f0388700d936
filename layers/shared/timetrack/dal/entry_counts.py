"""How many entries of a workspace start on each UTC day: a list's total
without reading the entries.

In the entries table, one item per partition and UTC day of the entry's start:

======================================  ============  ==========================
pk                                      sk            ``n`` counts the entries
======================================  ============  ==========================
``COUNT#<w>``                           ``<day>``     of the workspace
``COUNT#<w>#U#<user>``                  ``<day>``     of one member there
``COUNT#<w>#T#<task>``                  ``<day>``     on one task
``COUNT#<w>#T#<task>#U#<user>``         ``<day>``     of one member on one task
======================================  ============  ==========================

:meth:`EntryCounts.projection` keeps them in each entry's own transaction
(``ADD n``: at most four items out and four in, none when an edit keeps the
day, the user and the task). :meth:`EntryCounts.between` answers a start range
by one Query of the day items its whole days cover (two years are 730 small
items: one call) and a COUNT Query of the entries of the partial days at its
ends (a day's entries at most each).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from ..models import Entry

COUNT_PREFIX = "COUNT#"
AFTER_EVERY_DAY = "~"
BATCH = 25  # BatchWriteItem's limit

CountBetween = Callable[[dt.datetime | None, dt.datetime | None], int]
"""Entries starting in [start, end), counted from the entries themselves."""


def _partition(workspace_id: int, user_id: int | None = None, task_id: int | None = None) -> str:
    partition = f"{COUNT_PREFIX}{workspace_id}"
    if task_id is not None:
        partition += f"#T#{task_id}"
    if user_id is not None:
        partition += f"#U#{user_id}"
    return partition


def _keys(entry: Entry) -> list[tuple[str, str]]:
    """The counters an entry adds one to: (partition, UTC day of its start)."""
    if entry.workspace_id is None:
        return []
    day = entry.start_time.astimezone(dt.UTC).date().isoformat()
    workspace, user, task = entry.workspace_id, entry.user_id, entry.task_id
    partitions = [_partition(workspace), _partition(workspace, user_id=user)]
    if task is not None:
        partitions += [_partition(workspace, task_id=task), _partition(workspace, user_id=user, task_id=task)]
    return [(partition, day) for partition in partitions]


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _day_from(instant: dt.datetime) -> dt.date:
    """The first whole UTC day at or after ``instant``."""
    day = instant.date()
    return day if instant == _midnight(day) else day + dt.timedelta(days=1)


class EntryCounts:
    def __init__(self, dynamodb, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def projection(self, before: Entry | None, after: Entry | None) -> list[dict[str, Any]]:
        """The counter updates of one entry write (see ``dal.entries.Projection``)."""
        deltas: Counter[tuple[str, str]] = Counter()
        for entry, sign in ((before, -1), (after, 1)):
            for key in _keys(entry) if entry is not None else ():
                deltas[key] += sign
        return [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": {"pk": {"S": partition}, "sk": {"S": day}},
                    "UpdateExpression": "ADD n :delta",
                    "ExpressionAttributeValues": {":delta": {"N": str(delta)}},
                }
            }
            for (partition, day), delta in sorted(deltas.items())
            if delta
        ]

    def rebuild(self, entries: Iterable[Entry]) -> int:
        """Backfill: the counters of the entries' partitions and days, set to
        what the entries add up to (each written whole; rerunning is safe).
        Not atomic with entry writes: run it when entries predate the counts
        (right after deploying them, before traffic). Returns how many it wrote."""
        counts: Counter[tuple[str, str]] = Counter(key for entry in entries for key in _keys(entry))
        puts = [
            {"PutRequest": {"Item": {"pk": {"S": partition}, "sk": {"S": day}, "n": {"N": str(n)}}}}
            for (partition, day), n in sorted(counts.items())
        ]
        for first in range(0, len(puts), BATCH):
            batch = {self._table: puts[first : first + BATCH]}
            while batch:
                batch = self._db.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}
        return len(puts)

    def between(
        self,
        workspace_id: int,
        *,
        user_id: int | None = None,
        task_id: int | None = None,
        start: dt.datetime | None,
        end: dt.datetime | None,
        count_between: CountBetween,
    ) -> int:
        """Entries (of ``user_id``, on ``task_id``) starting in
        [start, end): whole UTC days from their counters, the partial days at
        the ends by ``count_between``."""
        first = None if start is None else start.astimezone(dt.UTC)
        last = None if end is None else end.astimezone(dt.UTC)
        first_whole = None if first is None else _day_from(first)
        end_whole = None if last is None else last.date()  # the whole days end before this one
        if first_whole is not None and end_whole is not None and first_whole >= end_whole:
            return count_between(first, last)  # within a day or two: no whole day between
        total = self._days(_partition(workspace_id, user_id, task_id), first_whole, end_whole)
        if first is not None and first != _midnight(first_whole):
            total += count_between(first, _midnight(first_whole))
        if last is not None and last != _midnight(end_whole):
            total += count_between(_midnight(end_whole), last)
        return total

    def _days(self, partition: str, first: dt.date | None, end: dt.date | None) -> int:
        """The sum of the partition's counters of the days in [first, end)."""
        low = first.isoformat() if first else "0"
        high = (end - dt.timedelta(days=1)).isoformat() if end else AFTER_EVERY_DAY
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": {":pk": {"S": partition}, ":low": {"S": low}, ":high": {"S": high}},
            "ProjectionExpression": "n",
            "ConsistentRead": True,
        }
        total = 0
        while True:
            response = self._db.query(**request)
            total += sum(int(item["n"]["N"]) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return total
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
