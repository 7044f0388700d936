"""Run one action on many threads released at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def race(count: int, action: Callable[[int], Any]) -> list[tuple[str, Any]]:
    """action(i) on ``count`` threads released together: ("ok", result) or ("error", exception) each."""
    barrier = threading.Barrier(count)
    outcomes: list[tuple[str, Any] | None] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = ("ok", action(i))
        except Exception as error:
            outcomes[i] = ("error", error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(outcome is not None for outcome in outcomes)
    return outcomes  # type: ignore[return-value]
