"""Cards (tasks) in the domain: subtasks, assignments, the status rules and
what a timer's start and stop do to them, and the task and subtask totals the
entries' own transactions keep. Each rule is tested once, here; the APIs test
that they pass it on."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from tests.conftest import join
from timetrack.dal.tracked_totals import completed_seconds
from timetrack.errors import Conflict, Forbidden, NotFound, UnfinishedSubtasks, ValidationFailed
from timetrack.models import Entry, EntrySource, PaymentStatus
from timetrack.workspaces import AssignmentStatus, SubtaskStatus, TaskStatus, TrackedTotal

OWNER, MEMBER, OTHER, OUTSIDER = 1, 2, 3, 4


@pytest.fixture
def board(services):
    """A workspace (owner, two members), a project and a card on it."""
    workspace, _ = services.workspaces.create(OWNER, "Acme")
    for user in (MEMBER, OTHER):
        join(services, workspace.id, user, by=OWNER)
    project = services.workspaces.create_project(OWNER, workspace.id, "Sprint 1", None)
    card = services.workspaces.create_task(OWNER, workspace.id, project.id, "Implement Login Feature")
    return SimpleNamespace(ws=workspace.id, project=project.id, card=card.id)


def status_of(services, board, task_id=None) -> TaskStatus:
    return services.workspaces.find_task(board.ws, task_id or board.card).status


# -- subtasks --------------------------------------------------------------------------


def test_subtasks_are_listed_by_position_and_found_by_id_alone(services, board, clock):
    cards = services.cards
    second = cards.create_subtask(OWNER, board.ws, board.card, "Add validation")
    first = cards.create_subtask(OWNER, board.ws, board.card, " Create login form UI ", position=0)
    clock.advance(minutes=5)
    moved = cards.update_subtask(OWNER, board.ws, board.card, second.id, {"name": "Validate input"})

    assert [s.name for s in cards.subtasks(MEMBER, board.ws, board.card)] == ["Create login form UI", "Validate input"]
    assert (first.status, first.position, second.position) == (SubtaskStatus.TODO, 0, 1)
    assert moved.updated_at == clock()
    assert moved.created_at == second.created_at
    assert cards.find_subtask(board.ws, second.id) == moved
    assert cards.subtask(MEMBER, board.ws, second.id) == moved


def test_only_managers_write_subtasks_and_outsiders_see_none(services, board):
    cards = services.cards
    subtask = cards.create_subtask(OWNER, board.ws, board.card, "UI")

    with pytest.raises(Forbidden):
        cards.create_subtask(MEMBER, board.ws, board.card, "Mine")
    with pytest.raises(Forbidden):
        cards.update_subtask(MEMBER, board.ws, board.card, subtask.id, {"name": "Mine"})
    with pytest.raises(Forbidden):
        cards.delete_subtask(MEMBER, board.ws, board.card, subtask.id)
    with pytest.raises(NotFound):
        cards.subtasks(OUTSIDER, board.ws, board.card)
    with pytest.raises(NotFound):
        cards.create_subtask(OWNER, board.ws, 999, "Nowhere")
    with pytest.raises(ValidationFailed) as blank:
        cards.create_subtask(OWNER, board.ws, board.card, "   ")
    assert blank.value.field == "name"


def test_a_subtask_is_reached_only_through_its_own_task(services, board):
    other = services.workspaces.create_task(OWNER, board.ws, board.project, "Another card")
    subtask = services.cards.create_subtask(OWNER, board.ws, board.card, "UI")

    with pytest.raises(NotFound):
        services.cards.update_subtask(OWNER, board.ws, other.id, subtask.id, {"name": "x"})
    with pytest.raises(NotFound):
        services.cards.delete_subtask(OWNER, board.ws, other.id, subtask.id)


def test_a_deleted_subtask_is_gone_and_no_longer_holds_its_task(services, board):
    cards = services.cards
    subtask = cards.create_subtask(OWNER, board.ws, board.card, "UI")

    assert cards.delete_subtask(OWNER, board.ws, board.card, subtask.id) == subtask
    assert cards.find_subtask(board.ws, subtask.id) is None
    assert cards.subtasks(OWNER, board.ws, board.card) == []
    assert cards.set_task_status(MEMBER, board.ws, board.card, TaskStatus.DONE).task.status is TaskStatus.DONE
    with pytest.raises(NotFound):
        cards.delete_subtask(OWNER, board.ws, board.card, subtask.id)


# -- the status rules --------------------------------------------------------------------


@pytest.mark.parametrize("closing", [TaskStatus.REVIEW, TaskStatus.DONE])
def test_a_card_closes_only_when_every_subtask_is_done(services, board, closing):
    cards = services.cards
    ui = cards.create_subtask(OWNER, board.ws, board.card, "Create login form UI")
    done = cards.create_subtask(OWNER, board.ws, board.card, "Write tests", status=SubtaskStatus.DONE)
    validation = cards.create_subtask(OWNER, board.ws, board.card, "Add validation")
    cards.set_subtask_status(MEMBER, board.ws, ui.id, SubtaskStatus.IN_PROGRESS)

    with pytest.raises(UnfinishedSubtasks) as refused:
        cards.set_task_status(MEMBER, board.ws, board.card, closing)

    assert refused.value.status is closing
    assert (refused.value.unfinished_subtasks_count, refused.value.total_subtasks) == (2, 3)
    assert [(s.id, s.name, s.status) for s in refused.value.unfinished_subtasks] == [
        (ui.id, "Create login form UI", SubtaskStatus.IN_PROGRESS),
        (validation.id, "Add validation", SubtaskStatus.TODO),
    ]
    assert status_of(services, board) is TaskStatus.TODO
    assert done.status is SubtaskStatus.DONE

    for subtask in (ui, validation):
        cards.set_subtask_status(MEMBER, board.ws, subtask.id, SubtaskStatus.DONE)
    moved = cards.set_task_status(MEMBER, board.ws, board.card, closing)
    assert (moved.task.status, moved.total_subtasks) == (closing, 3)


def test_the_rule_holds_for_every_way_a_card_changes_status(services, board):
    """The workspace API's task update goes through the same condition."""
    services.cards.create_subtask(OWNER, board.ws, board.card, "UI")

    with pytest.raises(UnfinishedSubtasks):
        services.workspaces.update_task(OWNER, board.ws, board.card, {"status": TaskStatus.DONE})
    assert services.workspaces.update_task(OWNER, board.ws, board.card, {"status": "in_progress"}).status == (
        TaskStatus.IN_PROGRESS
    )


def test_reopening_a_done_subtask_holds_the_card_again(services, board):
    cards = services.cards
    subtask = cards.create_subtask(OWNER, board.ws, board.card, "UI", status=SubtaskStatus.DONE)
    cards.set_task_status(MEMBER, board.ws, board.card, TaskStatus.REVIEW)

    cards.set_subtask_status(MEMBER, board.ws, subtask.id, SubtaskStatus.TODO)  # subtasks move freely
    with pytest.raises(UnfinishedSubtasks):
        cards.set_task_status(MEMBER, board.ws, board.card, TaskStatus.DONE)
    assert cards.set_task_status(MEMBER, board.ws, board.card, TaskStatus.TODO).task.status is TaskStatus.TODO


def test_a_subtask_write_from_a_stale_read_is_refused_and_the_open_count_stays_exact(services, board):
    subtask = services.cards.create_subtask(OWNER, board.ws, board.card, "UI")
    services.cards.set_subtask_status(MEMBER, board.ws, subtask.id, SubtaskStatus.DONE)

    with pytest.raises(Conflict):  # read while it was todo: moving it to done again would count it twice
        services.workspace_repo.update_subtask(subtask, {"status": SubtaskStatus.DONE})

    assert services.cards.set_task_status(MEMBER, board.ws, board.card, TaskStatus.DONE).task.status is TaskStatus.DONE


def test_card_without_subtasks_moves_freely_and_members_move_it(services, board):
    moved = services.cards.set_task_status(MEMBER, board.ws, board.card, TaskStatus.DONE)

    assert (moved.task.status, moved.total_subtasks) == (TaskStatus.DONE, 0)
    with pytest.raises(NotFound):
        services.cards.set_task_status(OUTSIDER, board.ws, board.card, TaskStatus.TODO)


# -- what a timer does --------------------------------------------------------------------


def timer(board, user, *, subtask_id=None, start="2024-01-22T09:00:00+00:00", end=None, entry_id=None) -> Entry:
    """An entry as the core writes it (the effects read only what it says)."""
    start_time = dt.datetime.fromisoformat(start)
    entry = Entry(
        id=entry_id or 100 + user,
        user_id=user,
        date=start_time.date(),
        start_time=start_time,
        end_time=None if end is None else dt.datetime.fromisoformat(end),
        hourly_rate=Decimal(0),
        payment_status=PaymentStatus.NOT_PAID,
        notes=None,
        created_at=start_time,
        updated_at=start_time,
        workspace_id=board.ws,
        project_id=board.project,
        task_id=board.card,
        source=EntrySource.TIMER,
    )
    return entry if subtask_id is None else dataclasses.replace(entry, subtask_id=subtask_id)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (TaskStatus.TODO, TaskStatus.IN_PROGRESS),
        (TaskStatus.IN_PROGRESS, TaskStatus.IN_PROGRESS),
        (TaskStatus.REVIEW, TaskStatus.REVIEW),
        (TaskStatus.DONE, TaskStatus.DONE),
    ],
)
def test_a_start_on_the_card_alone_moves_it_to_in_progress_but_not_back(services, board, before, after):
    services.cards.set_task_status(OWNER, board.ws, board.card, before)

    services.cards.started(timer(board, MEMBER))

    assert status_of(services, board) is after


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (SubtaskStatus.TODO, SubtaskStatus.IN_PROGRESS),
        (SubtaskStatus.IN_PROGRESS, SubtaskStatus.IN_PROGRESS),
        (SubtaskStatus.DONE, SubtaskStatus.DONE),
    ],
)
def test_a_start_on_a_subtask_moves_the_subtask_and_leaves_the_card(services, board, before, after):
    subtask = services.cards.create_subtask(OWNER, board.ws, board.card, "UI", status=before)

    services.cards.started(timer(board, MEMBER, subtask_id=subtask.id))

    assert services.cards.find_subtask(board.ws, subtask.id).status is after
    assert status_of(services, board) is TaskStatus.TODO


def test_the_assignment_starts_once_and_completes_at_each_stop(services, board, clock):
    cards = services.cards
    clock.set("2024-01-22T08:00:00+00:00")
    assigned = cards.assign(OWNER, board.ws, board.card, MEMBER)
    assert (assigned.assignment_status, assigned.started_at, assigned.completed_at) == (
        AssignmentStatus.ASSIGNED,
        None,
        None,
    )

    first = timer(board, MEMBER, start="2024-01-22T09:00:00+00:00", end="2024-01-22T10:00:00+00:00")
    cards.started(dataclasses.replace(first, end_time=None))
    started = cards.assignment(board.ws, board.card, MEMBER)
    cards.stopped(first)
    completed = cards.assignment(board.ws, board.card, MEMBER)
    cards.started(timer(board, MEMBER, start="2024-01-22T11:00:00+00:00", entry_id=300))
    again = cards.assignment(board.ws, board.card, MEMBER)

    assert (started.assignment_status, started.started_at) == (AssignmentStatus.IN_PROGRESS, first.start_time)
    assert (completed.assignment_status, completed.completed_at) == (AssignmentStatus.COMPLETED, first.end_time)
    assert (again.assignment_status, again.started_at) == (AssignmentStatus.IN_PROGRESS, first.start_time)
    assert again.assigned_at == dt.datetime.fromisoformat("2024-01-22T08:00:00+00:00")


def test_a_start_never_assigns(services, board):
    services.cards.started(timer(board, OTHER))
    services.cards.stopped(timer(board, OTHER, end="2024-01-22T10:00:00+00:00"))

    assert services.cards.assignment(board.ws, board.card, OTHER) is None
    assert services.cards.assignments(OWNER, board.ws, board.card) == []


# -- assignments ---------------------------------------------------------------------------


def test_managers_assign_members_once_and_unassign_them(services, board):
    cards = services.cards
    cards.assign(OWNER, board.ws, board.card, OTHER)
    cards.assign(OWNER, board.ws, board.card, MEMBER)

    assert [a.user_id for a in cards.assignments(MEMBER, board.ws, board.card)] == [MEMBER, OTHER]
    with pytest.raises(Conflict):
        cards.assign(OWNER, board.ws, board.card, MEMBER)
    with pytest.raises(ValidationFailed) as outsider:
        cards.assign(OWNER, board.ws, board.card, OUTSIDER)
    assert outsider.value.field == "user_id"
    with pytest.raises(Forbidden):
        cards.assign(MEMBER, board.ws, board.card, MEMBER)
    with pytest.raises(Forbidden):
        cards.unassign(MEMBER, board.ws, board.card, OTHER)

    cards.unassign(OWNER, board.ws, board.card, OTHER)
    assert [a.user_id for a in cards.assignments(OWNER, board.ws, board.card)] == [MEMBER]
    with pytest.raises(NotFound):
        cards.unassign(OWNER, board.ws, board.card, OTHER)


# -- totals ---------------------------------------------------------------------------------


def project(services, before, after):
    """Apply the totals projection of one entry write, as the entry's transaction does."""
    writes = services.tracked_totals(before, after)
    if writes:
        services.dynamodb.transact_write_items(TransactItems=writes)


def test_totals_count_completed_seconds_and_every_log(services, board):
    subtask = services.cards.create_subtask(OWNER, board.ws, board.card, "UI")
    mine = timer(board, MEMBER, subtask_id=subtask.id)
    theirs = timer(board, OTHER)

    project(services, None, mine)
    project(services, None, theirs)
    running = services.tracked_totals.task_total(board.ws, board.card)
    mine_done = dataclasses.replace(mine, end_time=mine.start_time + dt.timedelta(hours=2, minutes=15))
    project(services, mine, mine_done)
    theirs_done = dataclasses.replace(theirs, end_time=theirs.start_time + dt.timedelta(minutes=45, seconds=30))
    project(services, theirs, theirs_done)

    assert running == TrackedTotal(Decimal(0), 2)
    card = services.tracked_totals.task_total(board.ws, board.card)
    assert card == TrackedTotal(Decimal(135 * 60 + 45 * 60 + 30), 2)
    assert (card.minutes, card.hours) == (180, Decimal("3.01"))
    assert services.tracked_totals.subtask_total(board.ws, subtask.id) == TrackedTotal(Decimal(135 * 60), 1)

    edited = dataclasses.replace(mine_done, end_time=mine.start_time + dt.timedelta(minutes=30), subtask_id=None)
    project(services, mine_done, edited)
    assert services.tracked_totals.task_total(board.ws, board.card) == TrackedTotal(Decimal(30 * 60 + 45 * 60 + 30), 2)
    assert services.tracked_totals.subtask_total(board.ws, subtask.id) == TrackedTotal(Decimal(0), 0)

    project(services, theirs_done, None)
    assert services.tracked_totals.task_total(board.ws, board.card) == TrackedTotal(Decimal(30 * 60), 1)


def test_an_entry_moved_to_another_task_moves_its_share(services, board):
    other = services.workspaces.create_task(OWNER, board.ws, board.project, "Another card")
    done = timer(board, MEMBER, end="2024-01-22T10:00:00.250000+00:00")
    project(services, None, done)
    project(services, done, dataclasses.replace(done, task_id=other.id))

    totals = services.tracked_totals.task_totals(board.ws, [board.card, other.id, 999])
    assert totals == {
        board.card: TrackedTotal(Decimal(0), 0),
        other.id: TrackedTotal(Decimal("3600.25"), 1),
        999: TrackedTotal(),
    }


def test_an_unchanged_share_writes_nothing_and_personal_entries_count_nowhere(services, board):
    done = timer(board, MEMBER, end="2024-01-22T10:00:00+00:00")

    assert services.tracked_totals(done, dataclasses.replace(done, notes="renamed")) == []
    assert services.tracked_totals(None, dataclasses.replace(done, workspace_id=None, task_id=None)) == []
    assert completed_seconds(done) == Decimal(3600)


# -- through the entries every API writes ----------------------------------------------------


def test_totals_across_two_users_after_start_stop_edit_and_delete(services, board, clock):
    entries, cards = services.workspace_entries, services.cards
    subtask = cards.create_subtask(OWNER, board.ws, board.card, "UI")

    def totals():
        return cards.task_total(MEMBER, board.ws, board.card)[1], cards.subtask_total(OTHER, board.ws, subtask.id)[1]

    mine = entries.start(MEMBER, board.ws, subtask_id=subtask.id)
    theirs = entries.start(OTHER, board.ws, task_id=board.card)
    assert totals() == (TrackedTotal(Decimal(0), 2), TrackedTotal(Decimal(0), 1))

    clock.advance(minutes=135)
    entries.stop(MEMBER, board.ws, mine.id)
    assert totals() == (TrackedTotal(Decimal(135 * 60), 2), TrackedTotal(Decimal(135 * 60), 1))

    clock.advance(minutes=45)
    entries.stop(OTHER, board.ws, theirs.id)  # ran 180 minutes
    assert totals()[0] == TrackedTotal(Decimal(315 * 60), 2)
    assert totals()[0].hours == Decimal("5.25")

    entries.update(MEMBER, board.ws, mine.id, {"end_time": mine.start_time + dt.timedelta(minutes=60)})
    assert totals() == (TrackedTotal(Decimal(240 * 60), 2), TrackedTotal(Decimal(60 * 60), 1))

    entries.delete(OTHER, board.ws, theirs.id)
    assert totals() == (TrackedTotal(Decimal(60 * 60), 1), TrackedTotal(Decimal(60 * 60), 1))


def test_an_entry_s_subtask_is_one_of_its_task_and_implies_it(services, board):
    entries = services.workspace_entries
    other = services.workspaces.create_task(OWNER, board.ws, board.project, "Another card")
    subtask = services.cards.create_subtask(OWNER, board.ws, board.card, "UI")

    started = entries.start(MEMBER, board.ws, subtask_id=subtask.id)
    assert (started.task_id, started.project_id, started.subtask_id) == (board.card, board.project, subtask.id)
    entries.stop(MEMBER, board.ws, started.id)
    for task_id, subtask_id in ((other.id, subtask.id), (None, 999)):
        with pytest.raises(ValidationFailed) as refused:
            entries.start(OTHER, board.ws, task_id=task_id, subtask_id=subtask_id)
        assert refused.value.field == "subtask_id"

    moved = entries.update(MEMBER, board.ws, started.id, {"task_id": other.id})
    assert (moved.task_id, moved.subtask_id) == (other.id, None)  # the old card's subtask stays behind
    back = entries.update(MEMBER, board.ws, started.id, {"subtask_id": subtask.id})
    assert (back.task_id, back.subtask_id) == (board.card, subtask.id)
