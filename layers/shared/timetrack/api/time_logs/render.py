"""Domain objects in the time-logs API's words: a task is a card, its project
the board; statuses spelled as the document does (``in progress``, ``to
do``); times in the user's own offset, whole seconds; durations in whole
minutes (truncated) and formatted in the caller's language."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ...errors import NotFound
from ...models import Entry
from ...runtime import services
from ...services.time_logs import Placement
from ...workspaces import Subtask, SubtaskStatus, TaskStatus
from .catalogue import Lang, duration

CARD_STATUSES = {
    TaskStatus.TODO: "todo",
    TaskStatus.IN_PROGRESS: "in progress",
    TaskStatus.REVIEW: "review",
    TaskStatus.DONE: "done",
    TaskStatus.CANCELLED: "cancelled",
}
SUBTASK_STATUSES = {SubtaskStatus.TODO: "to do", SubtaskStatus.IN_PROGRESS: "in progress", SubtaskStatus.DONE: "done"}
CARD_STATUS_OF = {word: status for status, word in CARD_STATUSES.items()}
SUBTASK_STATUS_OF = {word: status for status, word in SUBTASK_STATUSES.items()}

# The domain's field names in this API's words.
_FIELDS = {"task_id": "card_id", "project_id": "card_id", "notes": "description"}


def field_name(domain_field: str) -> str:
    return _FIELDS.get(domain_field, domain_field)


def local_time(value: dt.datetime, tz: ZoneInfo) -> str:
    """``2025-10-31T08:30:00+07:00``: the user's offset, whole seconds."""
    return value.astimezone(tz).replace(microsecond=0).isoformat()


def whole_minutes(start: dt.datetime, end: dt.datetime) -> int:
    """Minutes between two instants, truncated."""
    return max(int((end - start) // dt.timedelta(minutes=1)), 0)


def hours(minutes: int) -> float | int:
    """450 -> 7.5, 180 -> 3: half-up to 2 places, without decimals when whole."""
    value = (Decimal(minutes) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return int(value) if value == value.to_integral_value() else float(value)


def card_fields(where: Placement) -> dict[str, Any]:
    return {
        "card_id": where.card.id if where.card else None,
        "card_title": where.card.title if where.card else None,
        "board_name": where.board.name if where.board else None,
        "subtask_id": where.subtask.id if where.subtask else None,
        "subtask_name": where.subtask.name if where.subtask else None,
    }


def started(entry: Entry, where: Placement, tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": entry.id,
        **card_fields(where),
        "start_time": local_time(entry.start_time, tz),
        "description": entry.notes,
    }


def stopped(entry: Entry, where: Placement, tz: ZoneInfo, lang: Lang) -> dict[str, Any]:
    assert entry.end_time is not None
    minutes = whole_minutes(entry.start_time, entry.end_time)
    return {
        "id": entry.id,
        **card_fields(where),
        "start_time": local_time(entry.start_time, tz),
        "end_time": local_time(entry.end_time, tz),
        "duration_minutes": minutes,
        "duration_formatted": duration(minutes, lang),
        "description": entry.notes,
    }


def ongoing(entry: Entry, where: Placement, tz: ZoneInfo, lang: Lang, now: dt.datetime) -> dict[str, Any]:
    minutes = whole_minutes(entry.start_time, now)
    return {
        "id": entry.id,
        **card_fields(where),
        "start_time": local_time(entry.start_time, tz),
        "elapsed_minutes": minutes,
        "elapsed_formatted": duration(minutes, lang),
        "description": entry.notes,
    }


def listed(entry: Entry, where: Placement, user_name: str, tz: ZoneInfo, lang: Lang) -> dict[str, Any]:
    minutes = None if entry.end_time is None else whole_minutes(entry.start_time, entry.end_time)
    return {
        "id": entry.id,
        **card_fields(where),
        "user_id": entry.user_id,
        "user_name": user_name,
        "start_time": local_time(entry.start_time, tz),
        "end_time": None if entry.end_time is None else local_time(entry.end_time, tz),
        "duration_minutes": minutes,
        "duration_formatted": None if minutes is None else duration(minutes, lang),
        "description": entry.notes,
        "is_ongoing": entry.end_time is None,
        "created_at": local_time(entry.created_at, tz),
        "updated_at": local_time(entry.updated_at, tz),
    }


def total(minutes: int, logs_count: int, lang: Lang) -> dict[str, Any]:
    return {
        "total_minutes": minutes,
        "total_hours": hours(minutes),
        "formatted": duration(minutes, lang),
        "logs_count": logs_count,
    }


def unfinished(subtasks: list[Subtask], total_subtasks: int) -> dict[str, Any]:
    return {
        "unfinished_subtasks_count": len(subtasks),
        "total_subtasks": total_subtasks,
        "unfinished_subtasks": [
            {"id": subtask.id, "name": subtask.name, "status": SUBTASK_STATUSES[subtask.status]} for subtask in subtasks
        ],
    }


def timer_running_data(entry: Entry | None) -> dict[str, Any] | None:
    """The running timer that blocks a start: its id and its card's title (null on no card)."""
    if entry is None:
        return None
    title = None
    if entry.workspace_id is not None and entry.task_id is not None:
        try:
            title = services().workspaces.find_task(entry.workspace_id, entry.task_id).title
        except NotFound:
            title = None  # the card was deleted meanwhile
    return {"ongoing_timer_id": entry.id, "card_title": title}
