"""What the core gained for seed 003's time logs, tested once in the domain: a
workspace entry found by its id alone, a stop that replaces the notes in its
own write, lists and counts by subtask, and the owner-only rule of TimeLogs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import join
from timetrack.errors import Forbidden, NotFound
from timetrack.workspaces import Role

UTC = dt.UTC


@pytest.fixture
def card(services, clock):
    """Olga owns a workspace with a card and its subtask; Max manages it, Mia is a member."""
    clock.set("2024-01-15T09:00:00Z")
    accounts, ws = services.accounts, services.workspaces
    olga, mia, max_ = (accounts.create_user(f"{name}@example.com") for name in ("olga", "mia", "max"))
    workspace, _ = ws.create(olga, "Studio")
    join(services, workspace.id, mia, by=olga)
    join(services, workspace.id, max_, Role.EXECUTIVE_MANAGER, by=olga)
    project = ws.create_project(olga, workspace.id, "Website", Decimal("80"))
    task = ws.create_task(olga, workspace.id, project.id, "Login")
    subtask = services.cards.create_subtask(olga, workspace.id, task.id, "Form")
    return dict(ws=workspace.id, task=task.id, subtask=subtask.id, olga=olga, mia=mia, max=max_)


def test_a_workspace_entry_is_located_by_its_id_alone_a_personal_one_is_not(services, card):
    mine = services.workspace_entries.start(card["mia"], card["ws"], task_id=card["task"])
    entries = services.entries
    personal = entries.create(
        entries.caller(card["olga"]),
        start_time=dt.datetime(2024, 1, 15, 7, tzinfo=UTC),
        end_time=dt.datetime(2024, 1, 15, 8, tzinfo=UTC),
    )

    assert services.workspace_entries.locate(mine.id) == mine
    assert services.workspace_entries.locate(personal.id) is None


def test_a_stop_replaces_the_notes_in_its_own_write_or_keeps_them(services, card, clock):
    we = services.workspace_entries
    running = we.start(card["mia"], card["ws"], task_id=card["task"], notes="Started")
    clock.advance(minutes=30)

    stopped = we.stop(card["mia"], card["ws"], running.id, notes="Finished")

    assert (stopped.notes, stopped.end_time) == ("Finished", clock.now)
    assert stopped.version == running.version + 1  # one write
    again = we.start(card["mia"], card["ws"], task_id=card["task"], notes="Second")
    assert we.stop(card["mia"], card["ws"], again.id).notes == "Second"


def test_lists_and_counts_by_subtask(services, card, clock):
    we = services.workspace_entries
    on_subtask = we.start(card["mia"], card["ws"], subtask_id=card["subtask"])
    clock.advance(minutes=10)
    we.stop(card["mia"], card["ws"], on_subtask.id)
    we.start(card["mia"], card["ws"], task_id=card["task"])

    listed = we.list(card["mia"], card["ws"], task_id=card["task"], subtask_id=card["subtask"])

    assert [entry.id for entry in listed] == [on_subtask.id]
    assert we.count(card["mia"], card["ws"], task_id=card["task"], subtask_id=card["subtask"]) == 1
    assert we.count(card["mia"], card["ws"], task_id=card["task"]) == 2


def test_only_a_logs_owner_changes_it_not_even_a_manager(services, card, clock):
    logs = services.time_logs
    log = logs.start(card["mia"], task_id=card["task"])
    clock.advance(minutes=15)
    for other in (card["olga"], card["max"]):
        for change in (
            lambda who: logs.stop(who, log.id),
            lambda who: logs.describe(who, log.id, "x"),
            lambda who: logs.delete(who, log.id),
        ):
            with pytest.raises(Forbidden):
                change(other)
    with pytest.raises(NotFound):
        logs.stop(card["mia"], log.id + 1_000_000)
    assert logs.stop(card["mia"], log.id, notes="Done").notes == "Done"
