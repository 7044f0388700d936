"""Per-day rollups of a workspace's finished entries, for ``aggregate`` (seed 004).

One item per UTC day, user, task and project that has time, in the entries
table, one partition per workspace and UTC month::

    pk = ROLLUP#<w>#<yyyy-mm>      sk = <yyyy-mm-dd>#U#<user>#T#<task|->#P#<project|->

holding ``day``, ``user_id``, ``task_id``, ``project_id`` and ``q0`` … ``q95``:
the seconds worked in each quarter-hour of that UTC day (only the ones ever
touched; see ``timetrack.aggregates`` for why quarter-hours serve every time
zone), plus ``whole_days``: how many times the whole day was worked (an
entry over a whole day adds 1 there, not 900 to each of 96 slots). A month
of the whole workspace is one Query on the table's key. The
same partition is overloaded on the table's three local indexes, so a filter
on a user, a task or a project reads only its own rollups (strongly
consistent, and no extra item in any write):

===============  ==============================  ===================
index            sort key on a rollup            answers
===============  ==============================  ===================
(table)          ``sk``: day first               the whole workspace
``ByDate``       ``date_sort = U#<u>#<day>#…``   one user
``ByStatus``     ``status_sort = T#<t>#<day>#…`` one task
``ByEnd``        ``end_sort = P#<p>#<day>#…``    one project
===============  ==============================  ===================

``RollupRepository.projection`` keeps them: an entry's write carries one
``Update … ADD`` per rollup it changes (what ``before`` contributed out, what
``after`` contributes in), in the entry's own transaction. An entry lasts at
most 999 hours, so it touches at most 42 UTC days: a create adds at most 42
items to its transaction, an edit that moves an entry to other days at most
84. Running entries have no rollups (they count up to now, read apart).
Emptied rollups stay as zeros (a transaction cannot tell they are empty).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..aggregates import SLOTS_PER_DAY, WHOLE_DAY, day_slots, merge_slots
from ..models import Entry
from .codec import to_attr

SLOT_NAMES = {f"q{slot}": slot for slot in range(SLOTS_PER_DAY)} | {"whole_days": WHOLE_DAY}
ATTRIBUTE_OF = {slot: name for name, slot in SLOT_NAMES.items()}
AFTER_EVERYTHING = "~"  # sorts after every key character used here
BATCH = 25


@dataclass(frozen=True, slots=True)
class RollupKey:
    workspace_id: int
    day: dt.date  # UTC
    user_id: int
    task_id: int | None
    project_id: int | None

    @property
    def partition(self) -> str:
        return partition(self.workspace_id, self.day)

    @property
    def sort(self) -> str:
        return f"{self.day.isoformat()}#U#{self.user_id}#T#{_part(self.task_id)}#P#{_part(self.project_id)}"

    def attributes(self) -> dict[str, dict[str, Any]]:
        """Everything but the slots: the day, the ids and the local indexes' sort keys."""
        rest = self.sort
        values: dict[str, dict[str, Any]] = {
            "day": {"S": self.day.isoformat()},
            "user_id": {"N": str(self.user_id)},
            "date_sort": {"S": f"U#{self.user_id}#{rest}"},
        }
        if self.task_id is not None:
            values |= {"task_id": {"N": str(self.task_id)}, "status_sort": {"S": f"T#{self.task_id}#{rest}"}}
        if self.project_id is not None:
            values |= {"project_id": {"N": str(self.project_id)}, "end_sort": {"S": f"P#{self.project_id}#{rest}"}}
        return values


@dataclass(frozen=True, slots=True)
class Rollup:
    day: dt.date
    user_id: int
    task_id: int | None
    project_id: int | None
    slots: dict[int, Decimal]


def partition(workspace_id: int, day: dt.date) -> str:
    return f"ROLLUP#{workspace_id}#{day:%Y-%m}"


def _part(value: int | None) -> str:
    return "-" if value is None else str(value)


def contributions(entry: Entry | None) -> Iterator[tuple[RollupKey, dict[int, Decimal]]]:
    """The seconds a finished workspace entry adds to each rollup (none for others)."""
    if entry is None or entry.workspace_id is None or entry.end_time is None:
        return
    for day, slots in day_slots(entry.start_time, entry.end_time).items():
        yield RollupKey(entry.workspace_id, day, entry.user_id, entry.task_id, entry.project_id), slots


def rollups_of(entries: Iterable[Entry]) -> dict[RollupKey, dict[int, Decimal]]:
    """The rollups a set of entries makes (what the projection would have built)."""
    return merge_slots((key, slots, 1) for entry in entries for key, slots in contributions(entry))


def rollup_item(key: RollupKey, slots: dict[int, Decimal]) -> dict[str, Any]:
    """A whole rollup item (the backfill and the benchmark write these)."""
    item = {"pk": {"S": key.partition}, "sk": {"S": key.sort}} | key.attributes()
    return item | {ATTRIBUTE_OF[slot]: to_attr(value) for slot, value in sorted(slots.items())}


def _rollup_from_item(item: dict[str, Any]) -> Rollup:
    task, project = item.get("task_id"), item.get("project_id")
    return Rollup(
        day=dt.date.fromisoformat(item["day"]["S"]),
        user_id=int(item["user_id"]["N"]),
        task_id=int(task["N"]) if task else None,
        project_id=int(project["N"]) if project else None,
        slots={SLOT_NAMES[name]: Decimal(value["N"]) for name, value in item.items() if name in SLOT_NAMES},
    )


def _months(first: dt.date, last: dt.date) -> Iterator[tuple[dt.date, dt.date]]:
    """[first, last] cut at month ends."""
    while first <= last:
        next_month = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        yield first, min(last, next_month - dt.timedelta(days=1))
        first = next_month


class RollupRepository:
    def __init__(self, dynamodb, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def projection(self, before: Entry | None, after: Entry | None) -> list[dict[str, Any]]:
        """The writes that move the rollups from ``before`` to ``after`` (an
        ``EntryRepository`` projection): one ``Update`` per rollup whose seconds change."""
        deltas = merge_slots(
            [(key, slots, -1) for key, slots in contributions(before)]
            + [(key, slots, 1) for key, slots in contributions(after)]
        )
        return [self._add(key, slots) for key, slots in deltas.items()]

    def _add(self, key: RollupKey, slots: dict[int, Decimal]) -> dict[str, Any]:
        attributes = key.attributes()
        names = {f"#a{i}": name for i, name in enumerate(attributes)}
        values = {f":a{i}": value for i, value in enumerate(attributes.values())}
        values |= {f":s{slot}": to_attr(delta) for slot, delta in slots.items()}
        expression = "SET " + ", ".join(f"#a{i} = :a{i}" for i in range(len(attributes)))
        expression += " ADD " + ", ".join(f"{ATTRIBUTE_OF[slot]} :s{slot}" for slot in slots)
        return {
            "Update": {
                "TableName": self._table,
                "Key": {"pk": {"S": key.partition}, "sk": {"S": key.sort}},
                "UpdateExpression": expression,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    def read(
        self,
        workspace_id: int,
        first: dt.date,
        last: dt.date,
        *,
        user_id: int | None = None,
        task_id: int | None = None,
        project_id: int | None = None,
    ) -> Iterator[Rollup]:
        """The rollups of UTC days [first, last]: one Query per month, on the
        index of the narrowest filter (a user, else a task, else a project);
        the other filters are filter expressions on what it reads."""
        filters = {"user_id": user_id, "task_id": task_id, "project_id": project_id}
        if user_id is not None:
            index, attr, prefix, keyed = "ByDate", "date_sort", f"U#{user_id}#", "user_id"
        elif task_id is not None:
            index, attr, prefix, keyed = "ByStatus", "status_sort", f"T#{task_id}#", "task_id"
        elif project_id is not None:
            index, attr, prefix, keyed = "ByEnd", "end_sort", f"P#{project_id}#", "project_id"
        else:
            index, attr, prefix, keyed = None, "sk", "", None
        filtered = {name: value for name, value in filters.items() if value is not None and name != keyed}
        for low, high in _months(first, last):
            request: dict[str, Any] = {
                "TableName": self._table,
                "KeyConditionExpression": f"pk = :pk AND {attr} BETWEEN :low AND :high",
                "ExpressionAttributeValues": {
                    ":pk": {"S": partition(workspace_id, low)},
                    ":low": {"S": f"{prefix}{low.isoformat()}"},
                    ":high": {"S": f"{prefix}{high.isoformat()}#{AFTER_EVERYTHING}"},
                },
                "ConsistentRead": True,
            }
            if index:
                request["IndexName"] = index
            if filtered:
                request["FilterExpression"] = " AND ".join(f"{name} = :{name}" for name in filtered)
                request["ExpressionAttributeValues"] |= {f":{name}": {"N": str(v)} for name, v in filtered.items()}
            yield from (_rollup_from_item(item) for item in self._pages(request))

    def _pages(self, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        while True:
            response = self._db.query(**request)
            yield from response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def rebuild(self, workspace_id: int, entries: Iterable[Entry]) -> int:
        """Backfill: the rollups of the months the entries span, recomputed from
        them (what was there before in those months is replaced). Returns how many
        rollups it wrote. Not atomic with entry writes: run it when a workspace's
        entries predate the rollups (right after deploying them); rerunning is safe."""
        built = {key: slots for key, slots in rollups_of(entries).items() if key.workspace_id == workspace_id}
        if not built:
            return 0
        days = sorted(key.day for key in built)
        wanted = {(key.partition, key.sort) for key in built}
        stale = [
            {"DeleteRequest": {"Key": {"pk": {"S": partition(workspace_id, low)}, "sk": item["sk"]}}}
            for low, _ in _months(days[0], days[-1])
            for item in self._pages(
                {
                    "TableName": self._table,
                    "KeyConditionExpression": "pk = :pk",
                    "ExpressionAttributeValues": {":pk": {"S": partition(workspace_id, low)}},
                    "ProjectionExpression": "sk",
                }
            )
            if (partition(workspace_id, low), item["sk"]["S"]) not in wanted
        ]
        puts = [{"PutRequest": {"Item": rollup_item(key, slots)}} for key, slots in built.items()]
        self.write_batches(stale + puts)
        return len(puts)

    def write_batches(self, requests: list[dict[str, Any]]) -> None:
        """BatchWriteItem in batches of 25, retrying what comes back unprocessed."""
        for start in range(0, len(requests), BATCH):
            batch = {self._table: requests[start : start + BATCH]}
            while batch:
                batch = self._db.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}
