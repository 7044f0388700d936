"""Listing a workspace's entries (dal/entries.py ``workspace_entries``): one
Query on a sparse global index by workspace, member, project or task, newest
start first, reading only the page asked for (counted on the wire)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from tests.test_dal import QueryMeter
from timetrack.dal.entries import EntryRepository
from timetrack.models import Entry, PaymentStatus

UTC = dt.UTC
WS, OTHER_WS = 7, 8
ANA, BEN = 101, 102
WEBSITE, APP = 31, 32
DESIGN = 41


def entry(entry_id: int, hour: int, *, user: int = ANA, workspace: int | None = WS, **fields) -> Entry:
    """A one-hour entry starting at ``hour`` o'clock UTC on 2024-01-22 (hours past 23 roll on)."""
    start = dt.datetime(2024, 1, 22, tzinfo=UTC) + dt.timedelta(hours=hour)
    return Entry(
        id=entry_id,
        user_id=user,
        date=start.date(),
        start_time=start,
        end_time=start + dt.timedelta(hours=1),
        hourly_rate=Decimal("10"),
        payment_status=PaymentStatus.NOT_PAID,
        notes=None,
        created_at=start,
        updated_at=start,
        workspace_id=workspace,
        **fields,
    )


@pytest.fixture
def repo(services) -> EntryRepository:
    return services.entry_repo


@pytest.fixture
def history(repo):
    """Ana: 1-10 on the website (2, 4, 6 on its design task), 11-12 on the app;
    Ben: 13-15 on the website; 16 Ana's personal entry; 17 in another workspace."""
    for n in range(1, 11):
        repo.create(entry(n, n, project_id=WEBSITE, task_id=DESIGN if n in (2, 4, 6) else None))
    for n in (11, 12):
        repo.create(entry(n, n, project_id=APP))
    for n in (13, 14, 15):
        repo.create(entry(n, n, user=BEN, project_id=WEBSITE))
    repo.create(entry(16, 16, workspace=None))
    repo.create(entry(17, 17, workspace=OTHER_WS, project_id=WEBSITE))


def ids(entries: list[Entry]) -> list[int]:
    return [e.id for e in entries]


def test_the_workspace_s_entries_newest_first_a_page_at_a_time(services, repo, history):
    meter = QueryMeter(services.dynamodb)

    first = repo.workspace_entries(WS, limit=4)
    third = repo.workspace_entries(WS, skip=8, limit=4)
    last = repo.workspace_entries(WS, skip=12, limit=4)

    assert ids(first) == [15, 14, 13, 12]
    assert ids(third) == [7, 6, 5, 4]
    assert ids(last) == [3, 2, 1]  # personal and other workspaces' entries are not in it
    assert [r["IndexName"] for r in meter.requests] == ["ByWorkspace"] * 3
    assert [r["ScannedCount"] for r in meter.responses] == [4, 12, 15]  # skip + limit at most
    assert repo.workspace_entries(WS, skip=15, limit=4) == []


def test_pages_read_every_entry_once_a_query_page_at_a_time(services, repo, history):
    meter = QueryMeter(services.dynamodb)

    pages = repo.workspace_entry_pages(WS, page_size=4)
    first = next(pages)

    assert ids(first) == [15, 14, 13, 12]
    assert len(meter.requests) == 1  # the next page is read only when it is asked for
    rest = [ids(page) for page in pages]
    assert rest == [[11, 10, 9, 8], [7, 6, 5, 4], [3, 2, 1]]
    assert [r["ScannedCount"] for r in meter.responses] == [4, 4, 4, 3]  # nothing read twice


@pytest.mark.parametrize(
    ("filters", "index", "expected"),
    [
        ({"user_id": BEN}, "ByWorkspaceUser", [15, 14, 13]),
        ({"project_id": APP}, "ByWorkspaceProject", [12, 11]),
        ({"task_id": DESIGN}, "ByWorkspaceTask", [6, 4, 2]),
    ],
)
def test_by_member_project_or_task_reads_only_theirs(services, repo, history, filters, index, expected):
    meter = QueryMeter(services.dynamodb)

    found = repo.workspace_entries(WS, limit=10, **filters)

    assert ids(found) == expected
    assert {r["IndexName"] for r in meter.requests} == {index}
    assert meter.scanned == len(expected)


def test_a_time_range_reads_only_the_range(services, repo, history):
    meter = QueryMeter(services.dynamodb)
    start = dt.datetime(2024, 1, 22, 5, tzinfo=UTC)

    found = repo.workspace_entries(WS, project_id=WEBSITE, start=start, end=start + dt.timedelta(hours=4), limit=50)

    assert ids(found) == [8, 7, 6, 5]  # starts in [05:00, 09:00)
    assert meter.scanned == 4


def test_a_member_s_entries_on_a_project(services, repo, history):
    found = repo.workspace_entries(WS, user_id=ANA, project_id=WEBSITE, limit=3)
    assert ids(found) == [10, 9, 8]
    assert ids(repo.workspace_entries(WS, user_id=BEN, project_id=APP, limit=3)) == []


def test_the_index_follows_edits_and_deletes(repo, history):
    moved = entry(12, 12, project_id=APP)
    repo.replace(moved, dataclasses.replace(moved, project_id=WEBSITE, start_time=moved.start_time, version=2))
    repo.delete(entry(11, 11, project_id=APP))

    assert repo.workspace_entries(WS, project_id=APP, limit=10) == []
    assert ids(repo.workspace_entries(WS, project_id=WEBSITE, limit=2)) == [15, 14]
    assert 12 in ids(repo.workspace_entries(WS, user_id=ANA, project_id=WEBSITE, limit=20))


def test_the_workspace_s_running_timers_are_read_alone(services, repo, history):
    def timer(entry_id: int, hour: int, **fields) -> Entry:
        return dataclasses.replace(entry(entry_id, hour, **fields), end_time=None)

    ana, ben = timer(20, 30), timer(21, 31, user=BEN)
    repo.create(ana)
    repo.create(ben)
    repo.create(timer(22, 32, user=103, workspace=OTHER_WS))
    meter = QueryMeter(services.dynamodb)

    assert sorted(ids(repo.workspace_running(WS))) == [20, 21]
    assert meter.scanned == 2  # the running timers only, not the history

    repo.replace(ana, dataclasses.replace(ana, end_time=ana.start_time + dt.timedelta(hours=1), version=2))
    repo.delete(ben)
    assert repo.workspace_running(WS) == []
