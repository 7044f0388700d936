"""The versioned messages the clock-in API forwards to the background worker."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

STARTED = "clock_in.started"
STOPPED = "clock_in.stopped"
DELETED = "clock_in.deleted"  # through the personal API; the worker takes its minutes back


class ClockInEvent(BaseModel):
    """One clock-in entry's start, stop or deletion. ``event_id`` (entry id,
    type and entry version: ``41-stopped-v2``) deduplicates, in the queue and
    in the worker. The worker takes the entry's times from the entries table,
    not from the event: ``start_time``/``end_time`` say what the sender saw."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    type: Literal["clock_in.started", "clock_in.stopped", "clock_in.deleted"]
    version: Literal[1] = 1
    event_id: str
    entry_id: int
    workspace_id: int
    user_id: int
    contract_id: int
    project_id: int
    task_id: int | None = None
    start_time: dt.datetime
    end_time: dt.datetime | None = None
    actor_user_id: int
    request_id: str | None = None

    @property
    def group(self) -> str:
        """FIFO group: one user's starts and stops stay in order."""
        return f"user-{self.user_id}"
