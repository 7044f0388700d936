"""The rules of time entries inside a workspace (services/workspace_entries.py),
tested once here for every API that speaks a dialect of them (seeds 002-004)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import join
from timetrack.errors import Forbidden, NoActiveTimer, NotFound, NotRunning, TimerRunning, ValidationFailed
from timetrack.principal import Principal
from timetrack.workspaces import Role

UTC = dt.UTC


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 1, 15, hour, minute, tzinfo=UTC)


@pytest.fixture
def team(services, clock):
    """Olga owns workspace ``ws`` with projects website (rate 80) and app, a
    design task on the website; Mia is a member, Max an executive manager,
    Otto an outsider."""
    clock.set("2024-01-15T18:00:00Z")
    accounts, workspaces = services.accounts, services.workspaces
    olga, mia, max_, otto = (accounts.create_user(f"{n}@example.com") for n in ("olga", "mia", "max", "otto"))
    ws, _ = workspaces.create(olga, "Studio")
    join(services, ws.id, mia, by=olga)
    join(services, ws.id, max_, Role.EXECUTIVE_MANAGER, by=olga)
    website = workspaces.create_project(olga, ws.id, "Website", hourly_rate=Decimal("80"))
    app = workspaces.create_project(olga, ws.id, "App", hourly_rate=None)
    design = workspaces.create_task(olga, ws.id, website.id, "Design")
    return dict(ws=ws.id, olga=olga, mia=mia, max=max_, otto=otto, website=website.id, app=app.id, design=design.id)


@pytest.fixture
def we(services):
    return services.workspace_entries


def test_an_entry_is_placed_on_a_project_and_task_of_the_workspace(we, team):
    entry = we.create(team["mia"], team["ws"], start_time=at(9), end_time=at(11), task_id=team["design"])

    assert (entry.workspace_id, entry.project_id, entry.task_id) == (team["ws"], team["website"], team["design"])
    assert entry.hourly_rate == Decimal("80")  # the project's rate, fixed on the entry
    with pytest.raises(ValidationFailed) as error:
        we.create(team["mia"], team["ws"], start_time=at(9), project_id=team["app"], task_id=team["design"])
    assert error.value.field == "task_id"
    for unknown in ({"project_id": 999_999}, {"task_id": 999_999}, {}):
        with pytest.raises(ValidationFailed) as error:
            we.create(team["mia"], team["ws"], start_time=at(9), end_time=at(10), **unknown)
        assert error.value.field == next(iter(unknown), "project_id")


def test_a_timer_starts_only_on_an_active_project_and_only_one_runs_across_apis(services, we, team):
    services.workspaces.archive_project(team["olga"], team["ws"], team["app"])
    with pytest.raises(ValidationFailed) as error:
        we.start(team["mia"], team["ws"], project_id=team["app"])
    assert error.value.field == "project_id"

    personal = services.entries.start(services.entries.caller(team["mia"]))
    with pytest.raises(TimerRunning) as running:
        we.start(team["mia"], team["ws"], project_id=team["website"])
    assert running.value.entry.id == personal.id
    assert we.running(team["mia"], team["ws"]) is None  # a personal timer is not this workspace's


def test_managers_create_for_members_and_members_only_for_themselves(we, team):
    made = we.create(
        team["max"], team["ws"], user_id=team["mia"], start_time=at(9), end_time=at(10), project_id=team["app"]
    )
    assert made.user_id == team["mia"]

    with pytest.raises(Forbidden):
        we.create(
            team["mia"], team["ws"], user_id=team["max"], start_time=at(9), end_time=at(10), project_id=team["app"]
        )
    with pytest.raises(ValidationFailed) as error:
        we.create(
            team["olga"], team["ws"], user_id=team["otto"], start_time=at(9), end_time=at(10), project_id=team["app"]
        )
    assert error.value.field == "user_id"
    with pytest.raises(NotFound):
        we.create(team["otto"], team["ws"], start_time=at(9), end_time=at(10), project_id=team["app"])


def test_members_see_their_own_entries_managers_everyone_s(we, team):
    mine = we.create(team["mia"], team["ws"], start_time=at(9), end_time=at(10), project_id=team["app"])
    his = we.create(team["max"], team["ws"], start_time=at(11), end_time=at(12), project_id=team["app"])

    assert [e.id for e in we.list(team["mia"], team["ws"])] == [mine.id]
    assert [e.id for e in we.list(team["olga"], team["ws"])] == [his.id, mine.id]
    assert [e.id for e in we.list(team["olga"], team["ws"], user_id=team["mia"])] == [mine.id]
    assert we.count(team["olga"], team["ws"]) == 2
    assert we.count(team["mia"], team["ws"]) == 1
    with pytest.raises(Forbidden):
        we.list(team["mia"], team["ws"], user_id=team["max"])
    with pytest.raises(NotFound):
        we.get(team["mia"], team["ws"], his.id)
    assert we.get(team["olga"], team["ws"], mine.id) == mine
    with pytest.raises(NotFound):
        we.list(team["otto"], team["ws"])
    bound_elsewhere = Principal(team["olga"], workspace_id=team["ws"] + 1)
    with pytest.raises(NotFound):
        we.get(bound_elsewhere, team["ws"], mine.id)


def test_find_reads_any_entry_of_the_workspace_by_id_and_nothing_once_deleted(we, team):
    entry = we.create(team["mia"], team["ws"], start_time=at(9), end_time=at(10), project_id=team["app"])

    assert we.find(team["ws"], entry.id) == entry
    assert we.find(team["ws"] + 1, entry.id) is None
    assert we.delete(team["olga"], team["ws"], entry.id) == entry
    assert we.find(team["ws"], entry.id) is None


def test_list_filters_by_time_running_and_billable_in_either_order(we, team, clock):
    early = we.create(team["mia"], team["ws"], start_time=at(8), end_time=at(9), project_id=team["app"], billable=False)
    late = we.create(team["mia"], team["ws"], start_time=at(10), end_time=at(11), project_id=team["app"])
    running = we.start(team["mia"], team["ws"], project_id=team["website"])

    def ids(**filters):
        return [e.id for e in we.list(team["mia"], team["ws"], **filters)]

    assert ids() == [running.id, late.id, early.id]
    assert ids(newest_first=False) == [early.id, late.id, running.id]
    assert ids(running=True) == [running.id]
    assert ids(running=False, billable=True) == [late.id]
    assert ids(billable=False) == [early.id]
    assert ids(start=at(9), end=at(10)) == []
    assert ids(start=at(8), end=at(10)) == [early.id]  # the end is excluded
    assert we.count(team["mia"], team["ws"], running=False) == 2


def test_stopping_the_running_timer_on_a_task_or_by_id(we, team):
    timer = we.start(team["mia"], team["ws"], task_id=team["design"])

    with pytest.raises(NoActiveTimer):
        we.stop_running(team["mia"], team["ws"], task_id=team["design"] + 1)
    with pytest.raises(NoActiveTimer):
        we.stop_running(team["max"], team["ws"])
    stopped = we.stop_running(team["mia"], team["ws"], task_id=team["design"])
    assert stopped.id == timer.id
    assert not stopped.running
    with pytest.raises(NotRunning):
        we.stop(team["mia"], team["ws"], timer.id)


def test_an_edit_moves_an_entry_to_another_task_and_is_checked_like_a_new_one(services, we, team):
    other = services.workspaces.create_task(team["olga"], team["ws"], team["app"], "Release")
    entry = we.create(team["mia"], team["ws"], start_time=at(9), end_time=at(10), project_id=team["website"])

    moved = we.update(team["mia"], team["ws"], entry.id, {"task_id": other.id, "notes": "moved"})
    assert (moved.project_id, moved.task_id, moved.notes) == (team["app"], other.id, "moved")
    with pytest.raises(ValidationFailed) as error:
        we.update(team["mia"], team["ws"], entry.id, {"project_id": team["website"], "task_id": other.id})
    assert error.value.field == "task_id"
    with pytest.raises(NotFound):
        we.update(team["max"] + 1000, team["ws"], entry.id, {"notes": "x"})


def test_a_running_timer_is_deleted_only_where_the_api_allows_it(we, team):
    timer = we.start(team["mia"], team["ws"], project_id=team["app"])

    with pytest.raises(ValidationFailed):
        we.delete(team["mia"], team["ws"], timer.id, running_allowed=False)
    assert we.delete(team["mia"], team["ws"], timer.id).id == timer.id


def test_projections_move_in_the_entry_s_own_transaction(services, we, team):
    """A registered projection sees every write's before and after state."""
    seen = []
    services.entry_repo.add_projection(lambda before, after: seen.append((before, after)) or [])
    entry = we.create(team["mia"], team["ws"], start_time=at(9), end_time=at(10), project_id=team["app"])
    edited = we.update(team["mia"], team["ws"], entry.id, {"notes": "n"})
    we.delete(team["mia"], team["ws"], entry.id)

    assert seen == [(None, entry), (entry, edited), (edited, None)]


def test_a_removed_member_s_timer_in_the_workspace_stops(services, we, team):
    timer = we.start(team["mia"], team["ws"], project_id=team["website"])

    services.workspaces.remove_member(team["olga"], team["ws"], team["mia"])

    stopped = services.entries.get(services.entries.caller(team["mia"]), timer.id)
    assert stopped.end_time is not None
