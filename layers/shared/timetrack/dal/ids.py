"""Integer ids without a global counter item (hi/lo over sharded counters).

An allocator leases a block of ``block`` numbers from one of ``SHARDS``
counter items, chosen at random, with one atomic ``ADD``. The id of lease
number ``n`` on shard ``s`` is ``n * SHARDS + s``: unique across shards and
processes, never reused, and far below 2**53 (JavaScript's exact integers).
Writes spread over ``SHARDS`` items, so there is no single hot key; a cold
process that dies wastes at most one block.

Leases are taken lazily on first use, never at import, so SnapStart clones of
one snapshot never share a block (``reset`` runs again after restore).
"""

from __future__ import annotations

import secrets
import threading

from ..models import MAX_ID

SHARDS = 16


class IdAllocator:
    def __init__(self, dynamodb, table: str, kind: str, block: int = 20) -> None:
        self._db = dynamodb
        self._table = table
        self._kind = kind
        self._block = block
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._shard = 0
            self._next = 1
            self._last = 0  # empty lease

    def next_id(self) -> int:
        with self._lock:  # the number and its shard come from the same lease
            if self._next > self._last:
                self._lease()
            number, self._next = self._next, self._next + 1
            new_id = number * SHARDS + self._shard
        if new_id > MAX_ID:  # pragma: no cover - 2**49 leases away
            raise OverflowError("id space exhausted")
        return new_id

    def _lease(self) -> None:
        shard = secrets.randbelow(SHARDS)
        result = self._db.update_item(
            TableName=self._table,
            Key={"pk": {"S": f"COUNTER#{self._kind}"}, "sk": {"S": f"SHARD#{shard:02d}"}},
            UpdateExpression="ADD #n :block",
            ExpressionAttributeNames={"#n": "next"},
            ExpressionAttributeValues={":block": {"N": str(self._block)}},
            ReturnValues="UPDATED_NEW",
        )
        high = int(result["Attributes"]["next"]["N"])
        self._shard, self._next, self._last = shard, high - self._block + 1, high
