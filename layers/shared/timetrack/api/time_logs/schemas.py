"""Request and response schemas of the time-logs API (seed 003), named and
typed as the document's bodies: integer ids, times in the user's own offset
(``2025-10-31T08:30:00+07:00``), statuses spelled ``in progress``, ``to do``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from ...rules import NOTES_MAX_LENGTH
from ..schemas import InputModel, JsonId

Description = Annotated[str, Field(max_length=NOTES_MAX_LENGTH, examples=["Working on login feature"])]
LocalTime = Annotated[
    str, Field(description="ISO 8601 in the user's time zone", examples=["2025-10-31T08:30:00+07:00"])
]
CardStatus = Literal["todo", "in progress", "review", "done"]
SubtaskStatus = Literal["to do", "in progress", "done"]
Hours = Annotated[float | int, Field(description="Hours, 2 places; a whole number without decimals", examples=[7.5])]

# -- requests ------------------------------------------------------------------------


class TimeLogStart(InputModel):
    card_id: JsonId | None = Field(None, description="Required without subtask_id", examples=[5])
    subtask_id: JsonId | None = Field(None, description="A subtask of the card (alone: its card)", examples=[2])
    description: Description | None = None


class TimeLogStop(InputModel):
    description: Description | None = Field(None, description="Replaces the log's description when given")


class TimeLogUpdate(InputModel):
    description: Description | None = Field(description="The new description (null clears it)")


class SubtaskStatusUpdate(InputModel):
    subtask_id: JsonId = Field(examples=[2])
    status: SubtaskStatus = Field(examples=["done"])


class CardStatusUpdate(InputModel):
    card_id: JsonId = Field(examples=[5])
    status: CardStatus = Field(examples=["review"])


# -- answers -------------------------------------------------------------------------


CardId = Annotated[int | None, Field(examples=[5])]
CardTitle = Annotated[str | None, Field(examples=["Implement Login Feature"])]
BoardName = Annotated[str | None, Field(examples=["Sprint 1"])]
SubtaskId = Annotated[int | None, Field(examples=[None])]
SubtaskName = Annotated[str | None, Field(examples=[None])]


class TimeLogPublic(BaseModel):
    id: int = Field(examples=[1])
    card_id: CardId
    card_title: CardTitle
    board_name: BoardName
    subtask_id: SubtaskId
    subtask_name: SubtaskName
    user_id: int = Field(examples=[1])
    user_name: str = Field(examples=["john_doe"], description="The part of the user's email before the @")
    start_time: LocalTime
    end_time: LocalTime | None
    duration_minutes: int | None = Field(examples=[135], description="Whole minutes (truncated); null while running")
    duration_formatted: str | None = Field(examples=["2 jam 15 menit"])
    description: str | None = Field(examples=["Working on login authentication"])
    is_ongoing: bool
    created_at: LocalTime
    updated_at: LocalTime


class ListMeta(BaseModel):
    total: int = Field(examples=[10])
    ongoing_count: int = Field(examples=[1])
    completed_count: int = Field(examples=[9])
    current_page: int = Field(examples=[1])
    last_page: int = Field(examples=[1])
    per_page: int = Field(examples=[20])


class OngoingTimer(BaseModel):
    id: int = Field(examples=[15])
    card_id: CardId
    card_title: CardTitle
    board_name: BoardName
    subtask_id: SubtaskId
    subtask_name: SubtaskName
    start_time: LocalTime
    elapsed_minutes: int = Field(examples=[45])
    elapsed_formatted: str = Field(examples=["45 menit"])
    description: str | None


class StartedLog(BaseModel):
    id: int = Field(examples=[20])
    card_id: CardId
    card_title: CardTitle
    board_name: BoardName
    subtask_id: SubtaskId
    subtask_name: SubtaskName
    start_time: LocalTime
    description: str | None


class StoppedLog(BaseModel):
    id: int = Field(examples=[15])
    card_id: CardId
    card_title: CardTitle
    board_name: BoardName
    subtask_id: SubtaskId
    subtask_name: SubtaskName
    start_time: LocalTime
    end_time: LocalTime
    duration_minutes: int = Field(examples=[135])
    duration_formatted: str = Field(examples=["2 jam 15 menit"])
    description: str | None


class UpdatedLog(BaseModel):
    id: int = Field(examples=[15])
    description: str | None = Field(examples=["Updated work description"])


class CardTotal(BaseModel):
    card_id: int = Field(examples=[5])
    card_title: str = Field(examples=["Implement Login Feature"])
    total_minutes: int = Field(examples=[450])
    total_hours: Hours
    formatted: str = Field(examples=["7 jam 30 menit"])
    logs_count: int = Field(examples=[5], description="Every log on the card, running ones too")


class SubtaskTotal(BaseModel):
    subtask_id: int = Field(examples=[2])
    subtask_name: str = Field(examples=["Create login form UI"])
    total_minutes: int = Field(examples=[180])
    total_hours: Hours
    formatted: str = Field(examples=["3 jam"])
    logs_count: int = Field(examples=[3])


class SubtaskStatusChanged(BaseModel):
    subtask_id: int = Field(examples=[2])
    subtask_name: str = Field(examples=["Create login form UI"])
    status: SubtaskStatus
    card_id: int = Field(examples=[5])
    card_title: str = Field(examples=["Implement Login Feature"])


class CardStatusChanged(BaseModel):
    card_id: int = Field(examples=[5])
    card_title: str = Field(examples=["Implement Login Feature"])
    status: CardStatus | Literal["cancelled"]
    all_subtasks_done: bool
    total_subtasks: int = Field(examples=[3])


class _Answer(BaseModel):
    success: bool = Field(examples=[True])
    message: str


class TimeLogList(_Answer):
    data: list[TimeLogPublic]
    meta: ListMeta


class OngoingAnswer(_Answer):
    data: OngoingTimer | None = Field(description="The caller's running timer, or null")


class StartedAnswer(_Answer):
    data: StartedLog


class StoppedAnswer(_Answer):
    data: StoppedLog


class UpdatedAnswer(_Answer):
    data: UpdatedLog


class DeletedAnswer(_Answer):
    pass


class CardTotalAnswer(_Answer):
    data: CardTotal


class SubtaskTotalAnswer(_Answer):
    data: SubtaskTotal


class SubtaskStatusAnswer(_Answer):
    data: SubtaskStatusChanged


class CardStatusAnswer(_Answer):
    data: CardStatusChanged


# -- errors ---------------------------------------------------------------------------


class Refusal(BaseModel):
    success: Literal[False]
    message: str = Field(examples=["Resource not found"])


class Invalid(Refusal):
    errors: dict[str, list[str]] = Field(
        examples=[{"card_id": ["The card_id field is required when subtask_id is not present."]}]
    )


class Unauthenticated(BaseModel):
    message: str = Field(examples=["Unauthenticated."])


class RunningTimer(BaseModel):
    ongoing_timer_id: int = Field(examples=[15])
    card_title: str | None = Field(examples=["Previous Task"], description="null when the timer is on no card")


class TimerRunningRefusal(Refusal):
    data: RunningTimer


class UnfinishedSubtask(BaseModel):
    id: int = Field(examples=[1])
    name: str = Field(examples=["Create login form UI"])
    status: SubtaskStatus


class Unfinished(BaseModel):
    unfinished_subtasks_count: int = Field(examples=[2])
    total_subtasks: int = Field(examples=[3])
    unfinished_subtasks: list[UnfinishedSubtask]


class UnfinishedRefusal(Refusal):
    data: Unfinished


class ScopeRefusal(Refusal):
    required_scope: str | None = Field(None, examples=["write:time_entries"])
    available_scopes: list[str] | None = Field(None, examples=[["read:time_entries"]])


def _retry(description: str) -> dict:
    header = {"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}}
    return {"model": Refusal, "description": description, "headers": header}


ERRORS: dict[int | str, dict] = {
    401: {"model": Unauthenticated, "description": "Missing, unknown, expired or revoked token"},
    403: {"model": ScopeRefusal, "description": "Not the log's owner, or the token lacks the route's scope"},
    404: {"model": Refusal, "description": "Unknown id, or outside the caller's workspaces"},
    413: {"model": Refusal, "description": "Request body too large"},
    422: {"model": Invalid, "description": "Validation failed: each invalid field and its messages"},
    500: {"model": Refusal, "description": 'What failed, never why ("Gagal memulai time tracking: ...")'},
    503: _retry("A backing service is busy or down: nothing was done; retry after `Retry-After`"),
}
"""Every route's error answers, for its ``responses=``."""
