"""Organization time entries (seed 004, the Taskodex product): an organization's
entries on its tasks, each with its task and person; the caller's timer.

An organization is a workspace (``org_id`` is its id); the entries are the
ones every other API sees, under the same rules (``WorkspaceEntries``):
owners and executive managers read and manage every entry of the
organization, members their own; anyone outside it gets 404. Permissions
are the seed's ``time_entry:read`` / ``time_entry:write`` /
``time_entry:delete``, the same scopes as ``read:time_entries`` /
``write:time_entries`` (``timetrack.scopes``). Every error is ``{"message"}``
(``timetrack.api.taskodex.errors``), also inside the local combined app.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from timetrack.aggregates import GroupBy
from timetrack.api.app import create_app, lambda_handler
from timetrack.api.deps import requires
from timetrack.api.taskodex import PREFIX, errors
from timetrack.api.taskodex.aggregates import TaskodexAggregation, aggregation_rows
from timetrack.api.taskodex.errors import ERROR_RESPONSES, TIMER_CONFLICT, MessageRoute
from timetrack.api.taskodex.schemas import (
    Id,
    Moment,
    TaskodexTimeEntry,
    TaskodexTimeEntryList,
    TaskodexTimeEntryRequest,
    TaskodexTimerStart,
    TaskodexTimerStop,
    listed,
    public,
)
from timetrack.principal import Principal
from timetrack.runtime import services
from timetrack.services.org_time_entries import SortKey

# Path ids are digits (``/running`` is no id); ``org_id`` is the workspace id.
router = APIRouter(
    prefix=PREFIX.replace("{org_id}", "{org_id:digits}"),
    tags=["organization time entries"],
    route_class=MessageRoute,
    responses=ERROR_RESPONSES,
)

Read = Annotated[Principal, requires("read:time_entries")]  # time_entry:read
Write = Annotated[Principal, requires("write:time_entries")]  # time_entry:write, and time_entry:delete
MAX_PAGE_SIZE = 100


def _clamped(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


@router.post(
    "",
    response_model=TaskodexTimeEntry,
    status_code=status.HTTP_201_CREATED,
    operation_id="createOrgTimeEntry",
    responses=TIMER_CONFLICT,
)
async def create_time_entry(org_id: Id, body: TaskodexTimeEntryRequest, actor: Write) -> TaskodexTimeEntry:
    """Your entry on a task. Without `end_time` and `duration_minutes` it is your
    running timer (409 if one runs already, from whichever app)."""
    view = services().org_time_entries.create(
        actor,
        org_id,
        task_id=body.task_id,
        start_time=body.start_time,
        end_time=body.end_time,
        duration_minutes=body.duration_minutes,
        description=body.description,
    )
    return public(view)


@router.get("", response_model=TaskodexTimeEntryList, operation_id="listOrgTimeEntries")
async def list_time_entries(
    org_id: Id,
    actor: Read,
    task_id: Id | None = None,
    user_id: Annotated[Id | None, Query(description="Someone else's: owners and executive managers only")] = None,
    start_after: Annotated[Moment | None, Query(description="Entries starting at or after this")] = None,
    start_before: Annotated[Moment | None, Query(description="Entries starting before this")] = None,
    is_running: bool | None = None,
    sort_by: SortKey = SortKey.START_TIME,
    sort_order: Literal["asc", "desc"] = "desc",
    page: Annotated[int, Query(description="From 1 (smaller counts as 1)")] = 1,
    page_size: Annotated[int, Query(description="1 to 100 (clamped)")] = 20,
) -> TaskodexTimeEntryList:
    """The organization's entries (a member: their own), filtered, sorted and paged."""
    page, page_size = max(page, 1), _clamped(page_size, 1, MAX_PAGE_SIZE)
    found = services().org_time_entries.page(
        actor,
        org_id,
        task_id=task_id,
        user_id=user_id,
        start_after=start_after,
        start_before=start_before,
        running=is_running,
        sort_by=sort_by,
        descending=sort_order == "desc",
        page=page,
        page_size=page_size,
    )
    return listed(found.views, found.total, page, page_size)


@router.post("/start", response_model=TaskodexTimeEntry, operation_id="startOrgTimer", responses=TIMER_CONFLICT)
async def start_timer(org_id: Id, body: TaskodexTimerStart, actor: Write) -> TaskodexTimeEntry:
    """Start your timer on a task now (409 if one runs already, from whichever app)."""
    return public(services().org_time_entries.start(actor, org_id, task_id=body.task_id, description=body.description))


@router.post("/stop", response_model=TaskodexTimeEntry, operation_id="stopOrgTimer")
async def stop_timer(org_id: Id, body: TaskodexTimerStop, actor: Write) -> TaskodexTimeEntry:
    """Stop your timer running on this task (404 if none does)."""
    return public(services().org_time_entries.stop(actor, org_id, task_id=body.task_id))


@router.get("/running", response_model=list[TaskodexTimeEntry], operation_id="listOrgRunningTimers")
async def running_timers(org_id: Id, actor: Read) -> list[TaskodexTimeEntry]:
    """Your running timer in this organization, as a list of zero or one entry."""
    return [public(view) for view in services().org_time_entries.running(actor, org_id)]


@router.get(
    "/aggregate",
    response_model=list[TaskodexAggregation],
    response_model_exclude_unset=True,
    operation_id="aggregateOrgTimeEntries",
)
async def aggregate_time_entries(
    org_id: Id,
    actor: Read,
    task_id: Id | None = None,
    user_id: Annotated[Id | None, Query(description="Someone else's: owners and executive managers only")] = None,
    project_id: Id | None = None,
    start_after: Annotated[Moment | None, Query(description="From this instant or date (default: 1 January)")] = None,
    start_before: Annotated[
        Moment | None, Query(description="Up to this one, excluded (default: next 1 January)")
    ] = None,
    group_by: GroupBy = GroupBy.DAY,
    timezone: Annotated[str | None, Query(description="IANA zone of the days (default: your settings')")] = None,
) -> list[TaskodexAggregation]:
    """Your time (owners and executive managers: everyone's) in a range, by day,
    week, month, year, task or person, in your days: an entry across midnight
    counts in both, a running timer up to now. Bounds on quarter-hours, at most
    5 years apart."""
    rows = services().aggregates.aggregate(
        actor,
        org_id,
        group_by=group_by,
        task_id=task_id,
        user_id=user_id,
        project_id=project_id,
        start_after=start_after,
        start_before=start_before,
        timezone=timezone,
    )
    return aggregation_rows(group_by, rows)


@router.get("/{entry_id:digits}", response_model=TaskodexTimeEntry, operation_id="getOrgTimeEntry")
async def get_time_entry(org_id: Id, entry_id: Id, actor: Read) -> TaskodexTimeEntry:
    """One entry: yours, or any of the organization's for owners and executive managers."""
    return public(services().org_time_entries.get(actor, org_id, entry_id))


@router.put(
    "/{entry_id:digits}", response_model=TaskodexTimeEntry, operation_id="replaceOrgTimeEntry", responses=TIMER_CONFLICT
)
async def replace_time_entry(
    org_id: Id, entry_id: Id, body: TaskodexTimeEntryRequest, actor: Write
) -> TaskodexTimeEntry:
    """Replace the entry with the body: every field as given, `task_id` too; a
    field left out is gone (no end and no duration: the entry runs, 409 if
    another timer of its owner does)."""
    view = services().org_time_entries.replace(
        actor,
        org_id,
        entry_id,
        task_id=body.task_id,
        start_time=body.start_time,
        end_time=body.end_time,
        duration_minutes=body.duration_minutes,
        description=body.description,
    )
    return public(view)


@router.delete("/{entry_id:digits}", status_code=status.HTTP_204_NO_CONTENT, operation_id="deleteOrgTimeEntry")
async def delete_time_entry(org_id: Id, entry_id: Id, actor: Write) -> Response:
    """Delete the entry (`time_entry:delete`)."""
    services().org_time_entries.delete(actor, org_id, entry_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


app = create_app(router, title="timetrack organization time entries", install_errors=errors.install)
handler = lambda_handler(app)
