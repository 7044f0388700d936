"""Time logs (seed 003): the mobile app tracks time on cards (workspace tasks)
and their subtasks, under ``/api/v1/time-logs``.

Rules live in the domain (``timetrack.services.time_logs`` composing the
workspace entries and the cards); this module parses, calls and shapes the
document's bodies (``timetrack.api.time_logs``). Every answer, errors
included, is the document's format in the caller's language, also when these
routes are mounted in an app that maps errors another way (the local server).
Reading needs ``read:time_entries``; starting, stopping, editing and deleting
logs ``write:time_entries``; moving a card or subtask ``write:tasks``.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status

from timetrack.api.app import create_app, lambda_handler
from timetrack.api.deps import requires
from timetrack.api.time_logs import Language, render
from timetrack.api.time_logs import errors as dialect
from timetrack.api.time_logs.catalogue import message
from timetrack.api.time_logs.errors import PREFIX, CardOrSubtaskRequired, TimeLogsRoute
from timetrack.api.time_logs.schemas import (
    ERRORS,
    CardStatusAnswer,
    CardStatusUpdate,
    CardTotalAnswer,
    DeletedAnswer,
    OngoingAnswer,
    Refusal,
    StartedAnswer,
    StoppedAnswer,
    SubtaskStatusAnswer,
    SubtaskStatusUpdate,
    SubtaskTotalAnswer,
    TimeLogList,
    TimeLogStart,
    TimeLogStop,
    TimeLogUpdate,
    TimerRunningRefusal,
    UnfinishedRefusal,
    UpdatedAnswer,
)
from timetrack.models import MAX_ID
from timetrack.principal import Principal
from timetrack.runtime import services

router = APIRouter(prefix=PREFIX, tags=["time-logs"], route_class=TimeLogsRoute, responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=MAX_ID)]
FilterId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
Reader = Annotated[Principal, requires("read:time_entries")]
Writer = Annotated[Principal, requires("write:time_entries")]
BoardWriter = Annotated[Principal, requires("write:tasks")]

TIMER_RUNNING = {400: {"model": TimerRunningRefusal, "description": "A timer of the caller already runs (any API)"}}
STOPPED_ALREADY = {400: {"model": Refusal, "description": "The log has already stopped"}}
SUBTASKS_UNFINISHED = {
    400: {"model": UnfinishedRefusal, "description": "To review or done while some subtasks are not done"}
}


def _ok(text: str, data: Any = None) -> dict[str, Any]:
    return {"success": True, "message": text, "data": data}


# ------------------------------------------------------------------ logs ---


@router.get("", response_model=TimeLogList, operation_id="listTimeLogs", summary="Get All Time Logs")
async def list_time_logs(
    caller: Reader,
    lang: Language,
    status_: Annotated[Literal["ongoing", "completed"] | None, Query(alias="status")] = None,
    card_id: FilterId = None,
    subtask_id: FilterId = None,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> dict[str, Any]:
    """The caller's time logs in every workspace of theirs (or on one card or
    subtask), newest start first; ``meta`` counts all that match."""
    logs = services().time_logs
    found = logs.page(
        caller,
        running=None if status_ is None else status_ == "ongoing",
        task_id=card_id,
        subtask_id=subtask_id,
        skip=(page - 1) * per_page,
        limit=per_page,
    )
    placed, tz, name = logs.placements(found.logs), logs.time_zone(caller.user_id), logs.user_name(caller.user_id)
    data = [render.listed(entry, placed[entry.id], name, tz, lang) for entry in found.logs]
    meta = {
        "total": found.total,
        "ongoing_count": found.ongoing,
        "completed_count": found.completed,
        "current_page": page,
        "last_page": max(math.ceil(found.total / per_page), 1),
        "per_page": per_page,
    }
    return _ok(message("listed", lang), data) | {"meta": meta}


@router.get("/ongoing", response_model=OngoingAnswer, operation_id="getOngoingTimeLog", summary="Get Ongoing Timer")
async def ongoing_time_log(caller: Reader, lang: Language) -> dict[str, Any]:
    """The caller's running timer, or ``data: null``."""
    logs = services().time_logs
    running = logs.ongoing(caller)
    if running is None:
        return _ok(message("no_ongoing", lang))
    place, tz = logs.placements([running])[running.id], logs.time_zone(caller.user_id)
    return _ok(message("ongoing", lang), render.ongoing(running, place, tz, lang, services().clock()))


@router.post(
    "/start",
    response_model=StartedAnswer,
    status_code=status.HTTP_201_CREATED,
    operation_id="startTimeLog",
    summary="Start Time Tracking",
    responses=TIMER_RUNNING,
)
async def start_time_log(caller: Writer, lang: Language, body: TimeLogStart | None = None) -> dict[str, Any]:
    """Start the caller's timer on a card, or a subtask (alone: its card). The
    card (card only) or the subtask moves to in progress, not back from review
    or done; the caller's assignment is in progress, started the first time."""
    body = body or TimeLogStart()
    if body.card_id is None and body.subtask_id is None:
        raise CardOrSubtaskRequired()
    logs = services().time_logs
    entry = logs.start(caller, task_id=body.card_id, subtask_id=body.subtask_id, notes=body.description)
    place, tz = logs.placements([entry])[entry.id], logs.time_zone(caller.user_id)
    return _ok(message("started", lang), render.started(entry, place, tz))


@router.post(
    "/{time_log_id:int}/stop",
    response_model=StoppedAnswer,
    operation_id="stopTimeLog",
    summary="Stop Time Tracking",
    responses=STOPPED_ALREADY,
)
async def stop_time_log(
    time_log_id: Id, caller: Writer, lang: Language, body: TimeLogStop | None = None
) -> dict[str, Any]:
    """Stop the caller's own running log (whole minutes, truncated); a
    ``description`` replaces the old one; the caller's assignment is completed.
    Statuses do not change."""
    logs = services().time_logs
    entry = logs.stop(caller, time_log_id, notes=None if body is None else body.description)
    place, tz = logs.placements([entry])[entry.id], logs.time_zone(caller.user_id)
    return _ok(message("stopped", lang), render.stopped(entry, place, tz, lang))


@router.put("/{time_log_id:int}", response_model=UpdatedAnswer, operation_id="updateTimeLog", summary="Update Time Log")
async def update_time_log(time_log_id: Id, body: TimeLogUpdate, caller: Writer, lang: Language) -> dict[str, Any]:
    """Replace the description of the caller's own log."""
    entry = services().time_logs.describe(caller, time_log_id, body.description)
    return _ok(message("updated", lang), {"id": entry.id, "description": entry.notes})


@router.delete(
    "/{time_log_id:int}", response_model=DeletedAnswer, operation_id="deleteTimeLog", summary="Delete Time Log"
)
async def delete_time_log(time_log_id: Id, caller: Writer, lang: Language) -> dict[str, Any]:
    """Delete the caller's own log (a running one too)."""
    services().time_logs.delete(caller, time_log_id)
    return {"success": True, "message": message("deleted", lang)}


# ----------------------------------------------------------- cards and subtasks ---


@router.get(
    "/card/{card_id:int}/total",
    response_model=CardTotalAnswer,
    operation_id="getCardTotal",
    summary="Get Total Time by Card",
)
async def card_total(card_id: Id, caller: Reader, lang: Language) -> dict[str, Any]:
    """The completed logs of every member on the card (its subtasks' too); ``logs_count`` counts running ones too."""
    card, tracked = services().time_logs.card_total(caller, card_id)
    data = {"card_id": card.id, "card_title": card.title, **render.total(tracked.minutes, tracked.logs_count, lang)}
    return _ok(message("total", lang), data)


@router.get(
    "/subtask/{subtask_id:int}/total",
    response_model=SubtaskTotalAnswer,
    operation_id="getSubtaskTotal",
    summary="Get Total Time by Subtask",
)
async def subtask_total(subtask_id: Id, caller: Reader, lang: Language) -> dict[str, Any]:
    subtask, tracked = services().time_logs.subtask_total(caller, subtask_id)
    total = render.total(tracked.minutes, tracked.logs_count, lang)
    return _ok(message("total", lang), {"subtask_id": subtask.id, "subtask_name": subtask.name, **total})


@router.patch(
    "/subtask/status",
    response_model=SubtaskStatusAnswer,
    operation_id="updateSubtaskStatus",
    summary="Update Subtask Status",
)
async def update_subtask_status(body: SubtaskStatusUpdate, caller: BoardWriter, lang: Language) -> dict[str, Any]:
    """Any status, without rules."""
    subtask, card = services().time_logs.set_subtask_status(
        caller, body.subtask_id, render.SUBTASK_STATUS_OF[body.status]
    )
    word = render.SUBTASK_STATUSES[subtask.status]
    data = {
        "subtask_id": subtask.id,
        "subtask_name": subtask.name,
        "status": word,
        "card_id": card.id,
        "card_title": card.title,
    }
    return _ok(message("subtask_status", lang, status=word), data)


@router.patch(
    "/card/status",
    response_model=CardStatusAnswer,
    operation_id="updateCardStatus",
    summary="Update Card Status",
    responses=SUBTASKS_UNFINISHED,
)
async def update_card_status(body: CardStatusUpdate, caller: BoardWriter, lang: Language) -> dict[str, Any]:
    """To review or done only when every subtask is done (else 400 listing the
    unfinished ones); a card without subtasks moves freely."""
    moved = services().time_logs.set_card_status(caller, body.card_id, render.CARD_STATUS_OF[body.status])
    word = render.CARD_STATUSES[moved.task.status]
    data = {
        "card_id": moved.task.id,
        "card_title": moved.task.title,
        "status": word,
        "all_subtasks_done": moved.all_subtasks_done,
        "total_subtasks": moved.total_subtasks,
    }
    return _ok(message("card_status", lang, status=word), data)


app = create_app(router, title="timetrack time logs", install_errors=dialect.install)
handler = lambda_handler(app)
