"""The entries table: time entries, each user's running timer, all-time totals.

One item collection per user (``pk = USER#<id>``):

- ``ENTRY#<id>``  the entry; carries the sort keys of three local indexes:
  ``date_sort`` (ByDate), ``status_sort`` (ByStatus), ``end_sort`` (ByEnd,
  absent while running).
- ``ACTIVE``      a copy of the running entry. Its existence *is* the timer
  slot: every write that starts a timer puts it with ``attribute_not_exists``
  in the same transaction as the entry. ``end_sort = "~"`` sorts after every
  instant, so a ByEnd query "ended after X" also returns the running entry.
- ``TOTALS``      all-time earned amounts by payment status and ``hours`` of
  completed entries, moved with ``ADD``
  inside the transaction of every write that changes them.

Local (not global) indexes: strongly consistent reads, so a list or stats call
right after a write sees it.

An entry of a workspace also carries the keys of four sparse global indexes,
all sorted by ``ws_sort = <start utc>#<id>`` (personal entries have none):

=====================  ==============================  =====================
index                  partition                       lists
=====================  ==============================  =====================
``ByWorkspace``        ``ws_pk = WS#<w>``              the workspace's
``ByWorkspaceUser``    ``wsu_pk = WS#<w>#U#<user>``    one member's there
``ByWorkspaceProject`` ``wsp_pk = WS#<w>#P#<project>`` one project's
``ByWorkspaceTask``    ``wst_pk = WS#<w>#T#<task>``    one task's
=====================  ==============================  =====================

The ``ACTIVE`` item of a workspace's timer carries ``ws_pk =
WS#<w>#RUNNING`` (and its ``ws_sort``): that partition of ByWorkspace holds
exactly the workspace's running timers (``workspace_running``).

Global indexes are eventually consistent (a list may miss a write of the
last moment); the entry itself is read from the table.

An entry of a workspace also has a reference item ``pk = sk = ENTRYREF#<id>``
(its owner and workspace), so that a workspace's entry is found by its id
alone, strongly consistent, whoever owns it.

Projections: counters derived from entries (the all-time ``TOTALS`` and what
other modules register: see :data:`Projection`) move inside the transaction
of every entry write, so they are never stale and never half-written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from botocore.exceptions import ClientError

from ..errors import Conflict, StaleWrite, TimerRunning
from ..models import Entry, EntrySource, PaymentStatus
from .aws import cancellation_reasons, error_code
from .batch import KeyRead
from .codec import parse_utc, to_attr, to_item, utc_text
from .guards import Guard

# What a derived counter adds for one entry write: given the entry before the
# write (None: created) and after it (None: deleted), the TransactWriteItems
# that move the counter from the one's contribution to the other's (usually
# ``Update ... ADD``). Few items each: a transaction holds at most 100.
Projection = Callable[[Entry | None, Entry | None], list[dict[str, Any]]]

ACTIVE = "ACTIVE"
TOTALS = "TOTALS"
HOURS = "hours"  # on TOTALS, beside the amounts by payment status
AFTER_EVERY_INSTANT = "~"
PAGE_SIZE = 500


def _totals_of(entry: Entry | None) -> dict[str, Decimal]:
    """What an entry adds to ``TOTALS``: its earned amount under its payment status
    and its hours (a running entry: nothing)."""
    if entry is None:
        return {}
    contribution = {status.value: earned for status, earned in entry.earned_by_status().items()}
    if entry.total_hours:
        contribution[HOURS] = entry.total_hours
    return contribution


def user_key(user_id: int) -> str:
    return f"USER#{user_id}"


def entry_key(entry_id: int) -> str:
    return f"ENTRY#{entry_id}"


def entry_ref_key(entry_id: int) -> str:
    return f"ENTRYREF#{entry_id}"


def _date_sort(entry: Entry) -> str:
    return f"{entry.date.isoformat()}#{utc_text(entry.start_time)}#{entry.id:016d}"


def _entry_values(entry: Entry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "user_id": entry.user_id,
        "date": entry.date.isoformat(),
        "start_time": utc_text(entry.start_time),
        "end_time": utc_text(entry.end_time) if entry.end_time else None,
        "hourly_rate": entry.hourly_rate,
        "payment_status": entry.payment_status.value,
        "notes": entry.notes,
        "created_at": utc_text(entry.created_at),
        "updated_at": utc_text(entry.updated_at),
        "version": entry.version,
        "origin": entry.origin or None,
        "workspace_id": entry.workspace_id,
        "project_id": entry.project_id,
        "task_id": entry.task_id,
        "subtask_id": entry.subtask_id,
        "billable": entry.billable,
        "tags": list(entry.tags) or None,
        "source": entry.source.value,
    }


def _entry_item(entry: Entry) -> dict[str, Any]:
    date_sort = _date_sort(entry)
    item = to_item(_entry_values(entry))
    item |= {
        "pk": {"S": user_key(entry.user_id)},
        "sk": {"S": entry_key(entry.id)},
        "date_sort": {"S": date_sort},
        "status_sort": {"S": f"{entry.payment_status.value}#{date_sort}"},
    }
    if entry.end_time is not None:
        item["end_sort"] = {"S": f"{utc_text(entry.end_time)}#{entry.id:016d}"}
    if entry.workspace_id is not None:
        item |= {name: {"S": value} for name, value in _workspace_keys(entry).items()}
    return item


# The workspace indexes: (index, partition attribute) by the filter they answer.
WORKSPACE_INDEXES = {
    "workspace": ("ByWorkspace", "ws_pk"),
    "user": ("ByWorkspaceUser", "wsu_pk"),
    "project": ("ByWorkspaceProject", "wsp_pk"),
    "task": ("ByWorkspaceTask", "wst_pk"),
}


def _workspace_partition(workspace_id: int, kind: str, value: int | None = None) -> str:
    return f"WS#{workspace_id}" if kind == "workspace" else f"WS#{workspace_id}#{kind[0].upper()}#{value}"


def _workspace_keys(entry: Entry) -> dict[str, str]:
    keys = {"ws_sort": f"{utc_text(entry.start_time)}#{entry.id:016d}"}
    for kind, value in (
        ("workspace", entry.workspace_id),
        ("user", entry.user_id),
        ("project", entry.project_id),
        ("task", entry.task_id),
    ):
        if value is not None:
            keys[WORKSPACE_INDEXES[kind][1]] = _workspace_partition(entry.workspace_id, kind, value)
    return keys


def _running_partition(workspace_id: int) -> str:
    return f"WS#{workspace_id}#RUNNING"


def _active_item(entry: Entry) -> dict[str, Any]:
    item = {
        "pk": {"S": user_key(entry.user_id)},
        "sk": {"S": ACTIVE},
        "entry_id": {"N": str(entry.id)},
        "entry": {"M": to_item(_entry_values(entry))},
        "end_sort": {"S": AFTER_EVERY_INSTANT},
    }
    if entry.workspace_id is not None:
        # A workspace's running timers: their own partition of ByWorkspace.
        item["ws_pk"] = {"S": _running_partition(entry.workspace_id)}
        item["ws_sort"] = {"S": f"{utc_text(entry.start_time)}#{entry.id:016d}"}
    return item


def _entry_from_attrs(attrs: dict[str, Any]) -> Entry:
    """Straight from the attribute map: lists and stats parse hundreds per request."""
    end, notes, origin = attrs.get("end_time"), attrs.get("notes"), attrs.get("origin")
    workspace, project, task = attrs.get("workspace_id"), attrs.get("project_id"), attrs.get("task_id")
    subtask = attrs.get("subtask_id")
    billable, tags, source = attrs.get("billable"), attrs.get("tags"), attrs.get("source")
    return Entry(
        id=int(attrs["id"]["N"]),
        user_id=int(attrs["user_id"]["N"]),
        date=dt.date.fromisoformat(attrs["date"]["S"]),
        start_time=parse_utc(attrs["start_time"]["S"]),
        end_time=parse_utc(end["S"]) if end else None,
        hourly_rate=Decimal(attrs["hourly_rate"]["N"]),
        payment_status=PaymentStatus(attrs["payment_status"]["S"]),
        notes=notes["S"] if notes else None,
        created_at=parse_utc(attrs["created_at"]["S"]),
        updated_at=parse_utc(attrs["updated_at"]["S"]),
        version=int(attrs["version"]["N"]),
        origin={k: None if "NULL" in v else int(v["N"]) for k, v in origin["M"].items()} if origin else {},
        # Entries written before these fields: personal, billable, untagged, manual.
        workspace_id=int(workspace["N"]) if workspace else None,
        project_id=int(project["N"]) if project else None,
        task_id=int(task["N"]) if task else None,
        subtask_id=int(subtask["N"]) if subtask else None,
        billable=billable["BOOL"] if billable else True,
        tags=tuple(tag["S"] for tag in tags["L"]) if tags else (),
        source=EntrySource(source["S"]) if source else EntrySource.MANUAL,
    )


def _entry_from_item(item: dict[str, Any]) -> Entry:
    """An entry item, or the ``ACTIVE`` item's copy of the running entry."""
    return _entry_from_attrs(item["entry"]["M"] if item["sk"]["S"] == ACTIVE else item)


class EntryRepository:
    def __init__(self, dynamodb, table: str, projections: tuple[Projection, ...] = ()) -> None:
        self._db = dynamodb
        self._table = table
        self._projections = (self._totals_projection, self._reference_projection, *projections)

    def add_projection(self, projection: Projection) -> None:
        """Register a derived counter (at wiring time, before any write)."""
        self._projections = (*self._projections, projection)

    # -- reads ---------------------------------------------------------------

    def get(self, user_id: int, entry_id: int) -> Entry | None:
        item = self._get(user_id, entry_key(entry_id))
        return _entry_from_item(item) if item else None

    def active(self, user_id: int) -> Entry | None:
        """The running entry: one strongly consistent GetItem."""
        item = self._get(user_id, ACTIVE)
        return _entry_from_item(item) if item else None

    def read_entry(self, user_id: int, entry_id: int) -> KeyRead:
        """``get`` as one read of a batch."""
        return KeyRead(self._table, self._key(user_id, entry_key(entry_id)), _entry_from_item)

    def read_active(self, user_id: int) -> KeyRead:
        """``active`` as one read of a batch."""
        return KeyRead(self._table, self._key(user_id, ACTIVE), _entry_from_item)

    def owner_of(self, entry_id: int) -> tuple[int, int] | None:
        """(user id, workspace id) of a workspace's entry, from its reference item."""
        key = {"pk": {"S": entry_ref_key(entry_id)}, "sk": {"S": entry_ref_key(entry_id)}}
        item = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=True).get("Item")
        return (int(item["user_id"]["N"]), int(item["workspace_id"]["N"])) if item else None

    def totals(self, user_id: int) -> dict[PaymentStatus, Decimal]:
        item = self._get(user_id, TOTALS) or {}
        return {status: Decimal(item[status.value]["N"]) for status in PaymentStatus if status.value in item}

    def total_hours(self, user_id: int) -> Decimal:
        """Hours of all the user's completed entries (each rounded as shown), kept in ``TOTALS``."""
        item = self._get(user_id, TOTALS) or {}
        return Decimal(item[HOURS]["N"]) if HOURS in item else Decimal(0)

    def page(
        self,
        user_id: int,
        *,
        first_date: dt.date | None,
        last_date: dt.date | None,
        status: PaymentStatus | None,
        skip: int,
        limit: int,
    ) -> list[Entry]:
        """Newest first by date, reading exactly ``skip + limit`` items at most."""
        low = first_date.isoformat() if first_date else "0"  # key values cannot be empty
        high = f"{last_date.isoformat()}#{AFTER_EVERY_INSTANT}" if last_date else AFTER_EVERY_INSTANT
        if status is None:
            index, attr = "ByDate", "date_sort"
        else:
            index, attr = "ByStatus", "status_sort"
            low, high = f"{status.value}#{low}", f"{status.value}#{high}"
        items = self._query(
            index,
            f"pk = :pk AND {attr} BETWEEN :low AND :high",
            {":pk": {"S": user_key(user_id)}, ":low": {"S": low}, ":high": {"S": high}},
            newest_first=True,
            max_items=skip + limit,
        )
        return [_entry_from_item(item) for item in items][skip:]

    def ended_since(self, user_id: int, since: dt.datetime) -> list[Entry]:
        """Entries that end at or after ``since``, plus the running one."""
        items = self._query(
            "ByEnd",
            "pk = :pk AND end_sort >= :since",
            {":pk": {"S": user_key(user_id)}, ":since": {"S": utc_text(since)}},
        )
        return [_entry_from_item(item) for item in items]

    def dated_between(self, user_id: int, first: dt.date, last: dt.date) -> list[Entry]:
        """Entries whose ``date`` lies in [first, last]."""
        items = self._query(
            "ByDate",
            "pk = :pk AND date_sort BETWEEN :low AND :high",
            {
                ":pk": {"S": user_key(user_id)},
                ":low": {"S": first.isoformat()},
                ":high": {"S": f"{last.isoformat()}#{AFTER_EVERY_INSTANT}"},
            },
        )
        return [_entry_from_item(item) for item in items]

    def workspace_entries(
        self,
        workspace_id: int,
        *,
        user_id: int | None = None,
        project_id: int | None = None,
        task_id: int | None = None,
        subtask_id: int | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        running: bool | None = None,
        billable: bool | None = None,
        newest_first: bool = True,
        skip: int = 0,
        limit: int = 50,
    ) -> list[Entry]:
        """A workspace's entries that start in [start, end), by start (newest
        first unless told), one Query on the narrowest index (task, else
        project, else user, else the workspace's), reading at most ``skip +
        limit`` matching items. A task implies its project. With a user and a
        project or task, the user is a filter on that project's or task's
        entries, as ``subtask_id``, ``running`` and ``billable`` are: the Query reads on until
        the page fills."""
        request = self._workspace_request(
            workspace_id,
            user_id=user_id,
            project_id=project_id,
            task_id=task_id,
            subtask_id=subtask_id,
            start=start,
            end=end,
            running=running,
            billable=billable,
            newest_first=newest_first,
        )
        wanted = skip + limit
        items: list[dict[str, Any]] = []
        while len(items) < wanted:
            request["Limit"] = min(PAGE_SIZE, wanted - len(items))
            response = self._db.query(**request)
            items += response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                break
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return [_entry_from_item(item) for item in items[skip:wanted]]

    def workspace_running(self, workspace_id: int) -> list[Entry]:
        """Every running timer of the workspace: one Query on the ``ACTIVE``
        items' own partition of ByWorkspace (it reads only running timers)."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": WORKSPACE_INDEXES["workspace"][0],
            "KeyConditionExpression": "ws_pk = :pk",
            "ExpressionAttributeValues": {":pk": {"S": _running_partition(workspace_id)}},
        }
        items: list[dict[str, Any]] = []
        while True:
            response = self._db.query(**request)
            items += response.get("Items", [])
            if "LastEvaluatedKey" not in response:
                return [_entry_from_item(item) for item in items]
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def workspace_entry_pages(
        self,
        workspace_id: int,
        *,
        user_id: int | None = None,
        project_id: int | None = None,
        task_id: int | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        running: bool | None = None,
        billable: bool | None = None,
        newest_first: bool = True,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[list[Entry]]:
        """Every entry ``workspace_entries`` would list, unpaged, as the Query
        reads them: one list per Query page of at most ``page_size`` items (a
        filter may leave one empty), each Query continuing where the last
        stopped. A report or an export of any length holds one page at a time,
        and nothing is read twice."""
        request = self._workspace_request(
            workspace_id,
            user_id=user_id,
            project_id=project_id,
            task_id=task_id,
            start=start,
            end=end,
            running=running,
            billable=billable,
            newest_first=newest_first,
        )
        request["Limit"] = page_size
        while True:
            response = self._db.query(**request)
            yield [_entry_from_item(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def count_workspace_entries(
        self,
        workspace_id: int,
        *,
        user_id: int | None = None,
        project_id: int | None = None,
        task_id: int | None = None,
        subtask_id: int | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        running: bool | None = None,
        billable: bool | None = None,
    ) -> int:
        """How many entries ``workspace_entries`` would list without paging:
        a ``Select=COUNT`` Query over the same key range (nothing is returned,
        but the range is read)."""
        request = self._workspace_request(
            workspace_id,
            user_id=user_id,
            project_id=project_id,
            task_id=task_id,
            subtask_id=subtask_id,
            start=start,
            end=end,
            running=running,
            billable=billable,
        )
        request["Select"] = "COUNT"
        total = 0
        while True:
            response = self._db.query(**request)
            total += response.get("Count", 0)
            if "LastEvaluatedKey" not in response:
                return total
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _workspace_request(
        self,
        workspace_id: int,
        *,
        user_id: int | None = None,
        project_id: int | None = None,
        task_id: int | None = None,
        subtask_id: int | None = None,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        running: bool | None = None,
        billable: bool | None = None,
        newest_first: bool = True,
    ) -> dict[str, Any]:
        if task_id is not None:
            kind, value = "task", task_id
        elif project_id is not None:
            kind, value = "project", project_id
        elif user_id is not None:
            kind, value = "user", user_id
        else:
            kind, value = "workspace", None
        index, partition = WORKSPACE_INDEXES[kind]
        low = utc_text(start) if start else "0"  # key values cannot be empty
        # ``<instant>#<id>`` sorts after ``<instant>``: ``end`` itself is excluded.
        high = utc_text(end) if end else AFTER_EVERY_INSTANT
        values: dict[str, Any] = {
            ":pk": {"S": _workspace_partition(workspace_id, kind, value)},
            ":low": {"S": low},
            ":high": {"S": high},
        }
        filters = []
        if user_id is not None and kind in ("project", "task"):
            filters.append("user_id = :user")
            values[":user"] = {"N": str(user_id)}
        if subtask_id is not None:  # on its task's index (the caller gives the task)
            filters.append("subtask_id = :subtask")
            values[":subtask"] = {"N": str(subtask_id)}
        if running is not None:
            filters.append("attribute_not_exists(end_time)" if running else "attribute_exists(end_time)")
        if billable is not None:
            # Entries written before ``billable`` existed are billable.
            filters.append(
                "billable = :billable" if not billable else "(billable = :billable OR attribute_not_exists(billable))"
            )
            values[":billable"] = {"BOOL": billable}
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": f"{partition} = :pk AND ws_sort BETWEEN :low AND :high",
            "ExpressionAttributeValues": values,
            "ScanIndexForward": not newest_first,
        }
        if filters:
            request["FilterExpression"] = " AND ".join(filters)
        return request

    # -- writes (each one transaction: whole or absent) ----------------------

    def create(self, entry: Entry, guards: tuple[Guard, ...] = ()) -> None:
        """``guards``: conditions on other items the write must hold (see ``guards``)."""
        writes = [self._put_entry(entry, "attribute_not_exists(pk)", {})]
        if entry.running:
            writes.append(self._claim_timer(entry))
        writes += self._projected(None, entry)
        self._transact(writes, timer_index=1 if entry.running else None, user_id=entry.user_id, guards=guards)

    def replace(self, old: Entry, new: Entry) -> None:
        """Write ``new`` over ``old``; fails with StaleWrite if ``old`` changed."""
        writes = [self._put_entry(new, "version = :v", {":v": {"N": str(old.version)}})]
        timer_index = None
        if old.running and new.running:
            writes.append(self._timer_write(new, "Put"))
        elif old.running:
            writes.append(self._timer_write(old, "Delete"))
        elif new.running:
            timer_index = len(writes)
            writes.append(self._claim_timer(new))
        writes += self._projected(old, new)
        self._transact(writes, timer_index=timer_index, user_id=new.user_id)

    def delete(self, entry: Entry) -> None:
        writes: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": self._key(entry.user_id, entry_key(entry.id)),
                    "ConditionExpression": "version = :v",
                    "ExpressionAttributeValues": {":v": {"N": str(entry.version)}},
                }
            }
        ]
        if entry.running:
            writes.append(self._timer_write(entry, "Delete"))
        writes += self._projected(entry, None)
        self._transact(writes, timer_index=None, user_id=entry.user_id)

    # -- helpers -------------------------------------------------------------

    def _key(self, user_id: int, sort_key: str) -> dict[str, Any]:
        return {"pk": {"S": user_key(user_id)}, "sk": {"S": sort_key}}

    def _get(self, user_id: int, sort_key: str) -> dict[str, Any] | None:
        response = self._db.get_item(TableName=self._table, Key=self._key(user_id, sort_key), ConsistentRead=True)
        return response.get("Item")

    def _query(
        self,
        index: str,
        condition: str,
        values: dict[str, Any],
        *,
        newest_first: bool = False,
        max_items: int | None = None,
    ) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": index,
            "KeyConditionExpression": condition,
            "ExpressionAttributeValues": values,
            "ConsistentRead": True,
            "ScanIndexForward": not newest_first,
        }
        items: list[dict[str, Any]] = []
        while True:
            if max_items is not None:
                request["Limit"] = min(PAGE_SIZE, max_items - len(items))
            response = self._db.query(**request)
            items += response.get("Items", [])
            last_key = response.get("LastEvaluatedKey")
            if not last_key or (max_items is not None and len(items) >= max_items):
                return items
            request["ExclusiveStartKey"] = last_key

    def _put_entry(self, entry: Entry, condition: str, values: dict[str, Any]) -> dict[str, Any]:
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": _entry_item(entry),
            "ConditionExpression": condition,
        }
        if values:
            put["ExpressionAttributeValues"] = values
        return {"Put": put}

    def _claim_timer(self, entry: Entry) -> dict[str, Any]:
        """Take the user's single timer slot, or fail the whole transaction."""
        return {
            "Put": {
                "TableName": self._table,
                "Item": _active_item(entry),
                "ConditionExpression": "attribute_not_exists(pk)",
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def _timer_write(self, entry: Entry, kind: str) -> dict[str, Any]:
        """Refresh (Put) or release (Delete) the slot this entry holds."""
        body: dict[str, Any] = {
            "TableName": self._table,
            "ConditionExpression": "entry_id = :id",
            "ExpressionAttributeValues": {":id": {"N": str(entry.id)}},
        }
        if kind == "Put":
            body["Item"] = _active_item(entry)
        else:
            body["Key"] = self._key(entry.user_id, ACTIVE)
        return {kind: body}

    def _projected(self, before: Entry | None, after: Entry | None) -> list[dict[str, Any]]:
        return [item for projection in self._projections for item in projection(before, after)]

    def _totals_projection(self, before: Entry | None, after: Entry | None) -> list[dict[str, Any]]:
        """The owner's all-time earned amounts by payment status and hours."""
        user_id = (after or before).user_id
        return self._totals_delta(user_id, _totals_of(before), _totals_of(after))

    def _reference_projection(self, before: Entry | None, after: Entry | None) -> list[dict[str, Any]]:
        """A workspace entry's id -> owner reference: written with it, deleted with it."""
        if (before is None) == (after is None):
            return []  # an edit: the owner and the workspace never change
        entry = after or before
        if entry.workspace_id is None:
            return []
        key = {"pk": {"S": entry_ref_key(entry.id)}, "sk": {"S": entry_ref_key(entry.id)}}
        if after is None:
            return [{"Delete": {"TableName": self._table, "Key": key}}]
        item = key | {"user_id": {"N": str(entry.user_id)}, "workspace_id": {"N": str(entry.workspace_id)}}
        return [{"Put": {"TableName": self._table, "Item": item}}]

    def _totals_delta(
        self, user_id: int, before: dict[str, Decimal], after: dict[str, Decimal]
    ) -> list[dict[str, Any]]:
        deltas = {s: after.get(s, 0) - before.get(s, 0) for s in before.keys() | after.keys()}
        deltas = {s: d for s, d in sorted(deltas.items()) if d}
        if not deltas:
            return []
        names = {f"#s{i}": name for i, name in enumerate(deltas)}
        values = {f":d{i}": to_attr(delta) for i, delta in enumerate(deltas.values())}
        expression = "ADD " + ", ".join(f"#s{i} :d{i}" for i in range(len(deltas)))
        return [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": self._key(user_id, TOTALS),
                    "UpdateExpression": expression,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }
        ]

    def _transact(
        self, writes: list[dict[str, Any]], *, timer_index: int | None, user_id: int, guards: tuple[Guard, ...] = ()
    ) -> None:
        """``guards`` are appended to ``writes``; a failed one raises its own error."""
        first_guard = len(writes)
        try:
            self._db.transact_write_items(TransactItems=[*writes, *(guard.check for guard in guards)])
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise
            reasons = cancellation_reasons(error)
            codes = [reason.get("Code") for reason in reasons]
            if timer_index is not None and len(codes) > timer_index and codes[timer_index] == "ConditionalCheckFailed":
                old = reasons[timer_index].get("Item")
                running = _entry_from_item(old) if old else self.active(user_id)
                raise TimerRunning(running) from error
            for guard, code in zip(guards, codes[first_guard:], strict=False):
                if code == "ConditionalCheckFailed":
                    raise guard.error from error
            if "ConditionalCheckFailed" in codes or "TransactionConflict" in codes:
                raise StaleWrite() from error
            raise Conflict("The write could not be completed; retry.") from error
