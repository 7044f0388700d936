"""Reading keys of several tables in one round trip (BatchGetItem)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MAX_ATTEMPTS = 5
MAX_KEYS = 100  # BatchGetItem's limit per request


@dataclass(frozen=True, slots=True)
class KeyRead:
    """One item to read: where, and how to turn the item into a value."""

    table: str
    key: dict[str, Any]
    parse: Callable[[dict[str, Any]], Any]


class BatchReader:
    def __init__(self, dynamodb) -> None:
        self._db = dynamodb

    def read(self, *reads: KeyRead) -> list[Any]:
        """The parsed items, in order (None where absent); strongly consistent.
        One BatchGetItem per 100 keys (each key read once, however often asked)."""
        keys = list({(read.table, _identity(read.key)): read for read in reads}.values())
        found: dict[str, list[dict[str, Any]]] = {}
        for first in range(0, len(keys), MAX_KEYS):
            self._read_chunk(keys[first : first + MAX_KEYS], found)
        values = []
        for read in reads:
            candidates = found.get(read.table, [])
            item = next((i for i in candidates if all(i.get(k) == v for k, v in read.key.items())), None)
            values.append(read.parse(item) if item is not None else None)
        return values

    def _read_chunk(self, reads: list[KeyRead], found: dict[str, list[dict[str, Any]]]) -> None:
        request: dict[str, Any] = {}
        for read in reads:
            request.setdefault(read.table, {"Keys": [], "ConsistentRead": True})["Keys"].append(read.key)
        for _ in range(MAX_ATTEMPTS):
            response = self._db.batch_get_item(RequestItems=request)
            for table, items in response.get("Responses", {}).items():
                found.setdefault(table, []).extend(items)
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return
        raise RuntimeError("BatchGetItem kept returning unprocessed keys")


def _identity(key: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """A key as something hashable: its attribute names and values."""
    return tuple(sorted((name, repr(value)) for name, value in key.items()))
