"""A workspace list's total from per-day counts (dal/entry_counts.py): the same
number as counting the entries, for any start range, after creates, edits
that move an entry to another day, task or owner, and deletes; and whole days
are never read entry by entry."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest

from local import manage
from tests.conftest import join
from timetrack.workspaces import Role

UTC = dt.UTC


def at(day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 1, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def team(services, clock):
    clock.set("2024-01-31T12:00:00+00:00")
    accounts, workspaces = services.accounts, services.workspaces
    olga, mia = (accounts.create_user(f"{name}@example.com") for name in ("olga", "mia"))
    ws, _ = workspaces.create(olga, "Studio")
    join(services, ws.id, mia, Role.MEMBER, by=olga)
    project = workspaces.create_project(olga, ws.id, "Website", None)
    tasks = [workspaces.create_task(olga, ws.id, project.id, title).id for title in ("Design", "Build")]
    return {"ws": ws.id, "olga": olga, "mia": mia, "tasks": tasks}


@pytest.fixture
def entries(services, team) -> list:
    """Entries of both users on both tasks, at midnight, just before and after it, and mid-day."""
    we = services.workspace_entries
    made = []
    for (day, hour, minute), who, task in zip(
        [(3, 0, 0), (3, 23, 59), (4, 0, 0), (4, 12, 0), (5, 0, 1), (7, 9, 30), (7, 23, 0), (9, 6, 0)],
        itertools.cycle([team["olga"], team["mia"], team["mia"]]),
        itertools.cycle(team["tasks"]),
        strict=False,
    ):
        start = at(day, hour, minute)
        made.append(
            we.create(who, team["ws"], start_time=start, end_time=start + dt.timedelta(minutes=30), task_id=task)
        )
    return made


BOUNDS = [None, at(3), at(3, 23, 59), at(4), at(4, 6), at(5), at(7, 12), at(8), at(10)]


def assert_counts_agree(we, team) -> None:
    for user, task in itertools.product((None, team["mia"]), (None, *team["tasks"])):
        for start, end in itertools.product(BOUNDS, BOUNDS):
            if start is not None and end is not None and end < start:
                continue
            filters = {"user_id": user, "task_id": task, "start": start, "end": end}
            listed = we.list(team["olga"], team["ws"], **filters, limit=100)
            assert we.count(team["olga"], team["ws"], **filters) == len(listed), filters


def test_counts_agree_with_the_entries_for_every_range_and_filter(services, team, entries):
    assert_counts_agree(services.workspace_entries, team)


def test_counts_follow_edits_and_deletes(services, team, entries):
    we = services.workspace_entries
    moved = entries[0]
    we.update(team["olga"], team["ws"], moved.id, {"start_time": at(8, 22), "end_time": at(8, 23)})
    we.update(team["olga"], team["ws"], entries[1].id, {"task_id": team["tasks"][0]})
    we.update(team["olga"], team["ws"], entries[2].id, {"notes": "no move"})
    we.delete(team["olga"], team["ws"], entries[3].id)
    assert_counts_agree(we, team)


def test_whole_days_are_counted_from_their_counters(services, team, entries):
    calls: list[dict] = []

    def record(model, params, **_) -> None:
        if model.name == "Query":
            calls.append(json.loads(params["body"]))

    services.dynamodb.meta.events.register("before-call.dynamodb", record, unique_id="test-count-calls")
    try:
        assert services.workspace_entries.count(team["olga"], team["ws"], start=at(3), end=at(10)) == 8
        assert [call.get("IndexName") for call in calls] == [None]  # one Query of the day counters
        calls.clear()
        assert services.workspace_entries.count(team["olga"], team["ws"], start=at(3, 12), end=at(9, 12)) == 7
        counted_ranges = [call["ExpressionAttributeValues"] for call in calls if call.get("Select") == "COUNT"]
        assert [(r[":low"]["S"][:13], r[":high"]["S"][:13]) for r in counted_ranges] == [
            ("2024-01-03T12", "2024-01-04T00"),
            ("2024-01-09T00", "2024-01-09T12"),
        ]
    finally:
        services.dynamodb.meta.events.unregister("before-call.dynamodb", unique_id="test-count-calls")


def test_the_backfill_counts_entries_written_before_the_counters(services, team, entries, capsys):
    """Entries written straight into the table (as before the counts existed) are
    counted once `manage rebuild-counts` has run; running it again changes nothing."""
    we, ws = services.workspace_entries, team["ws"]
    for entry in entries:  # what a stack deployed before the counts holds: no counters
        services.dynamodb.transact_write_items(TransactItems=services.entry_counts.projection(entry, None))
    assert we.count(team["olga"], ws, start=at(1), end=at(31)) == 0

    # 5 days of the workspace, 3 + 5 of its users, 4 + 4 of its tasks, 2 + 1 + 2 + 3 of a user's task.
    for _ in range(2):
        assert manage.main(["rebuild-counts", "--workspace", str(ws)]) == 0
        assert json.loads(capsys.readouterr().out) == {"workspace_id": ws, "counters": 29}
        assert_counts_agree(we, team)
