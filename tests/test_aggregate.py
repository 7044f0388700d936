"""Aggregates of a workspace's time (services/aggregates.py over the per-day
rollups of dal/rollups.py): each grouping against hand-computed totals, the
caller's days across midnight, the new year and a DST change, running timers,
the rollups following every write, who sees what, bad input, and the cost."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from local import manage
from tests.conftest import join
from tests.test_dal import QueryMeter
from tests.test_org_time_entries import Org, assert_message
from timetrack.aggregates import AggregateRow
from timetrack.dal.entries import _entry_item
from timetrack.dal.rollups import rollup_item, rollups_of
from timetrack.errors import Forbidden, NotFound, ValidationFailed
from timetrack.models import Entry, PaymentStatus
from timetrack.principal import Principal
from timetrack.workspaces import Role

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def berlin(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN)


@pytest.fixture
def team(services, clock):
    """Olga owns workspace ``ws``: project website with tasks design and copy,
    project app with task build; Mia is a member, Max an executive manager,
    Otto an outsider. Today is 2025-01-10."""
    clock.set("2025-01-10T12:00:00+00:00")
    accounts, workspaces = services.accounts, services.workspaces
    olga, mia, max_, otto = (accounts.create_user(f"{n}@example.com") for n in ("olga", "mia", "max", "otto"))
    ws, _ = workspaces.create(olga, "Studio")
    join(services, ws.id, mia, by=olga)
    join(services, ws.id, max_, Role.EXECUTIVE_MANAGER, by=olga)
    website = workspaces.create_project(olga, ws.id, "Website", hourly_rate=None)
    app = workspaces.create_project(olga, ws.id, "App", hourly_rate=None)
    design = workspaces.create_task(olga, ws.id, website.id, "Design")
    copy = workspaces.create_task(olga, ws.id, website.id, "Copy")
    build = workspaces.create_task(olga, ws.id, app.id, "Build")
    return dict(
        ws=ws.id, olga=olga, mia=mia, max=max_, otto=otto, website=website.id, app=app.id,
        design=design.id, copy=copy.id, build=build.id,
    )  # fmt: skip


@pytest.fixture
def add(services, team):
    """add(who, start, end, task=...): a finished entry through the workspace entries service."""

    def create(who: str, start: dt.datetime, end: dt.datetime | None, task: str = "design") -> Entry:
        return services.workspace_entries.create(
            team[who], team["ws"], start_time=start, end_time=end, task_id=team[task]
        )

    return create


@pytest.fixture
def aggregate(services, team):
    """aggregate(who, **query) -> [(key..., minutes)], the rows as tuples of their own fields."""

    def run(who: str = "olga", **query) -> list[tuple]:
        rows = services.aggregates.aggregate(team[who], team["ws"], **query)
        return [_row(query.get("group_by", "day"), row) for row in rows]

    return run


def _row(group_by: str, row: AggregateRow) -> tuple:
    fields = {"day": ("date",), "week": ("year", "week"), "month": ("year", "month"), "year": ("year",)}
    names = fields.get(group_by, (f"{group_by}_id",))
    return (*(getattr(row, name) for name in names), row.total_minutes)


D = dt.date


# -- the groupings ------------------------------------------------------------


def test_an_entry_across_midnight_is_split_between_the_caller_s_days(services, team, add, aggregate):
    # 22:30 -> 01:15 UTC: 90 min on the 10th and 75 on the 11th in UTC; in Berlin
    # (UTC+2 in June) it is 00:30 -> 03:15 on the 11th: 165 min that day.
    add("olga", utc("2024-06-10T22:30"), utc("2024-06-11T01:15"))
    june = {"start_after": D(2024, 6, 1), "start_before": D(2024, 7, 1)}

    assert aggregate(**june) == [(D(2024, 6, 10), 90), (D(2024, 6, 11), 75)]  # Olga's settings: UTC
    assert aggregate(**june, timezone="Europe/Berlin") == [(D(2024, 6, 11), 165)]
    services.settings.update(team["olga"], {"timezone": "America/New_York"})  # UTC-4: 18:30 -> 21:15 on the 10th
    assert aggregate(**june) == [(D(2024, 6, 10), 165)]


def test_weeks_months_and_years_at_the_new_year(add, aggregate):
    add("olga", utc("2024-12-29T09:00"), utc("2024-12-29T10:00"))  # Sunday: ISO week 52 of 2024
    add("olga", utc("2024-12-30T09:00"), utc("2024-12-30T11:00"))  # Monday: ISO week 1 of 2025
    add("olga", utc("2025-01-01T09:00"), utc("2025-01-01T12:00"))  # week 1 of 2025
    add("olga", utc("2025-01-06T09:00"), utc("2025-01-06T09:30"))  # week 2
    span = {"start_after": D(2024, 12, 1), "start_before": D(2025, 2, 1)}

    assert aggregate(group_by="week", **span) == [(2024, 52, 60), (2025, 1, 300), (2025, 2, 30)]
    assert aggregate(group_by="month", **span) == [(2024, 12, 180), (2025, 1, 210)]
    assert aggregate(group_by="year", **span) == [(2024, 180), (2025, 210)]
    assert aggregate(group_by="day", **span) == [
        (D(2024, 12, 29), 60), (D(2024, 12, 30), 120), (D(2025, 1, 1), 180), (D(2025, 1, 6), 30)
    ]  # fmt: skip


def test_days_around_the_dst_changes_in_berlin(add, aggregate):
    # Spring: 23:00 CET -> 04:00 CEST is 4 real hours, 1 on the 30th and 3 on the
    # 31st (00:00-02:00 CET, then 03:00-04:00 CEST).
    add("olga", berlin("2024-03-30T23:00"), berlin("2024-03-31T04:00"))
    # Autumn: 2024-10-27 has 25 hours; an entry over the whole local day is 1500 min.
    add("olga", berlin("2024-10-27T00:00"), berlin("2024-10-28T00:00"))
    query = {"timezone": "Europe/Berlin", "start_after": D(2024, 3, 1), "start_before": D(2024, 11, 1)}

    assert aggregate(**query) == [(D(2024, 3, 30), 60), (D(2024, 3, 31), 180), (D(2024, 10, 27), 1500)]
    assert aggregate(group_by="month", **query) == [(2024, 3, 240), (2024, 10, 1500)]


def test_by_task_and_by_user_with_filters(add, aggregate, team):
    add("olga", utc("2025-01-02T09:00"), utc("2025-01-02T10:00"), task="design")
    add("mia", utc("2025-01-02T10:00"), utc("2025-01-02T10:45"), task="design")
    add("mia", utc("2025-01-03T09:00"), utc("2025-01-03T11:00"), task="copy")
    add("max", utc("2025-01-03T13:00"), utc("2025-01-03T13:20"), task="build")
    jan = {"start_after": D(2025, 1, 1), "start_before": D(2025, 2, 1)}
    t, u = team, team

    assert aggregate(group_by="task", **jan) == [(t["design"], 105), (t["copy"], 120), (t["build"], 20)]
    assert aggregate(group_by="user", **jan) == sorted([(u["olga"], 60), (u["mia"], 165), (u["max"], 20)])
    assert aggregate(group_by="user", task_id=t["design"], **jan) == sorted([(u["olga"], 60), (u["mia"], 45)])
    assert aggregate(group_by="task", project_id=t["website"], **jan) == [(t["design"], 105), (t["copy"], 120)]
    assert aggregate(group_by="task", user_id=u["mia"], project_id=t["website"], **jan) == [
        (t["design"], 45), (t["copy"], 120)
    ]  # fmt: skip
    assert aggregate(user_id=u["mia"], task_id=t["copy"], **jan) == [(D(2025, 1, 3), 120)]
    assert aggregate(project_id=t["app"], **jan) == [(D(2025, 1, 3), 20)]


def test_the_range_cuts_time_at_its_bounds_and_defaults_to_this_year(add, aggregate):
    add("olga", utc("2025-01-02T09:00"), utc("2025-01-02T12:00"))
    add("olga", utc("2024-12-31T23:00"), utc("2025-01-01T01:00"))

    # Only [10:00, 11:30) of the first entry is inside the range.
    assert aggregate(start_after=utc("2025-01-02T10:00"), start_before=utc("2025-01-02T11:30")) == [(D(2025, 1, 2), 90)]
    # No bounds: the caller's current year (2025, today being 2025-01-10), so 2024's hour is out.
    assert aggregate() == [(D(2025, 1, 1), 60), (D(2025, 1, 2), 180)]
    assert aggregate(group_by="year", start_after=D(2024, 1, 1)) == [(2024, 60), (2025, 240)]


def test_minutes_are_the_group_s_total_rounded_half_up(add, aggregate):
    for n in range(3):  # three entries of 20 s: 0 min each, 1 min together
        add("olga", utc(f"2025-01-02T09:0{n}:00"), utc(f"2025-01-02T09:0{n}:20"))
    add("olga", utc("2025-01-03T09:00:00"), utc("2025-01-03T09:01:30"))  # 1.5 min -> 2
    add("olga", utc("2025-01-04T09:00:00"), utc("2025-01-04T09:01:29.999"))  # just under -> 1

    assert aggregate(start_after=D(2025, 1, 1), start_before=D(2025, 1, 5)) == [
        (D(2025, 1, 2), 1), (D(2025, 1, 3), 2), (D(2025, 1, 4), 1)
    ]  # fmt: skip


def test_a_running_timer_counts_up_to_now(services, team, clock, add, aggregate):
    add("mia", utc("2025-01-09T09:00"), utc("2025-01-09T10:00"))
    clock.set("2025-01-09T23:30:00+00:00")
    services.workspace_entries.start(team["mia"], team["ws"], task_id=team["copy"])
    clock.set("2025-01-10T00:45:00+00:00")
    jan = {"start_after": D(2025, 1, 1), "start_before": D(2025, 2, 1)}

    assert aggregate(**jan) == [(D(2025, 1, 9), 90), (D(2025, 1, 10), 45)]  # split at midnight too
    assert aggregate("mia", group_by="task", **jan) == [(team["design"], 60), (team["copy"], 75)]
    assert aggregate(task_id=team["design"], **jan) == [(D(2025, 1, 9), 60)]  # not on the design task
    clock.advance(minutes=15)
    assert aggregate(**jan) == [(D(2025, 1, 9), 90), (D(2025, 1, 10), 60)]


# -- the rollups follow every write ---------------------------------------------


def test_rollups_follow_create_edit_stop_and_delete(services, team, clock, add, aggregate):
    we, ws, mia = services.workspace_entries, team["ws"], team["mia"]
    jan = {"start_after": D(2025, 1, 1), "start_before": D(2025, 2, 1)}
    entry = add("mia", utc("2025-01-02T09:00"), utc("2025-01-02T10:00"))
    assert aggregate(**jan) == [(D(2025, 1, 2), 60)]

    # Moved to another day, another task, and longer.
    we.update(mia, ws, entry.id, {"start_time": utc("2025-01-05T22:00"), "end_time": utc("2025-01-06T00:30")})
    assert aggregate(**jan) == [(D(2025, 1, 5), 120), (D(2025, 1, 6), 30)]
    we.update(mia, ws, entry.id, {"task_id": team["build"]})
    assert aggregate(group_by="task", **jan) == [(team["build"], 150)]
    assert aggregate(project_id=team["website"], **jan) == []

    clock.set("2025-01-08T09:00:00+00:00")
    timer = we.start(mia, ws, task_id=team["copy"])
    assert sum(1 for _ in services.rollups.read(ws, D(2025, 1, 8), D(2025, 1, 8))) == 0  # running: not rolled up
    clock.set("2025-01-08T09:40:00+00:00")
    we.stop(mia, ws, timer.id)
    clock.set("2025-01-10T12:00:00+00:00")
    assert aggregate(**jan) == [(D(2025, 1, 5), 120), (D(2025, 1, 6), 30), (D(2025, 1, 8), 40)]

    we.delete(mia, ws, entry.id)
    assert aggregate(**jan) == [(D(2025, 1, 8), 40)]


def test_an_entry_of_999_hours_moves_in_one_transaction(services, team, clock, add, aggregate):
    """42 UTC days out and 42 in: under the 100 writes of a transaction with the rest."""
    clock.set("2025-06-01T00:00:00+00:00")
    start = utc("2025-01-01T00:00")
    entry = add("mia", start, start + dt.timedelta(hours=999))
    later = start + dt.timedelta(hours=2000)
    services.workspace_entries.update(
        team["mia"], team["ws"], entry.id, {"start_time": later, "end_time": later + dt.timedelta(hours=999)}
    )

    totals = aggregate(group_by="year", start_after=D(2025, 1, 1), start_before=D(2026, 1, 1))
    assert totals == [(2025, 999 * 60)]
    assert aggregate(start_after=D(2025, 1, 1), start_before=later.date()) == []


# -- who sees what -------------------------------------------------------------


def test_members_see_their_own_time_managers_everyone_s(services, team, add, aggregate):
    add("olga", utc("2025-01-02T09:00"), utc("2025-01-02T10:00"))
    add("mia", utc("2025-01-02T09:00"), utc("2025-01-02T09:30"))
    jan = {"start_after": D(2025, 1, 1), "start_before": D(2025, 2, 1), "group_by": "user"}

    assert aggregate("mia", **jan) == [(team["mia"], 30)]
    assert aggregate("mia", user_id=team["mia"], **jan) == [(team["mia"], 30)]
    with pytest.raises(Forbidden):
        aggregate("mia", user_id=team["olga"], **jan)
    assert aggregate("max", **jan) == sorted([(team["olga"], 60), (team["mia"], 30)])
    assert aggregate("max", user_id=team["olga"], **jan) == [(team["olga"], 60)]
    with pytest.raises(NotFound):
        aggregate("otto", **jan)
    bound_elsewhere = Principal(team["olga"], workspace_id=team["ws"] + 1)
    with pytest.raises(NotFound):
        services.aggregates.aggregate(bound_elsewhere, team["ws"])


# -- bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"group_by": "quarter"}, "group_by"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"start_after": D(2025, 2, 1), "start_before": D(2025, 1, 1)}, "start_before"),
        ({"start_after": D(2025, 1, 1), "start_before": D(2025, 1, 1)}, "start_before"),
        ({"start_after": utc("2025-01-01T10:07")}, "start_after"),
        ({"start_before": utc("2025-01-01T10:00:01")}, "start_before"),
        ({"start_after": D(2015, 1, 1), "start_before": D(2025, 1, 1)}, "start_before"),
    ],
)
def test_bad_input_names_its_field(aggregate, query, field):
    with pytest.raises(ValidationFailed) as error:
        aggregate(**query)
    assert error.value.field == field


# -- cost and backfill -------------------------------------------------------------


def _history(team: dict, count: int, last_day: dt.date) -> list[Entry]:
    """``count`` one-hour entries of Mia's, a few a day back from ``last_day``."""
    entries = []
    for n in range(count):
        start = dt.datetime.combine(last_day - dt.timedelta(days=n // 4), dt.time(8 + 2 * (n % 4)), UTC)
        entries.append(
            Entry(
                id=10_000_000 + n, user_id=team["mia"], date=start.date(), start_time=start,
                end_time=start + dt.timedelta(hours=1), hourly_rate=Decimal(0),
                payment_status=PaymentStatus.NOT_PAID, notes=None, created_at=start, updated_at=start,
                workspace_id=team["ws"], project_id=team["website"], task_id=team["design"],
            )
        )  # fmt: skip
    return entries


def test_a_month_reads_the_same_rollups_whatever_the_history(services, team, add, aggregate):
    for day in range(1, 32):
        add("mia", utc(f"2024-12-{day:02d}T09:00"), utc(f"2024-12-{day:02d}T17:00"), task="copy")
    december = {"start_after": D(2024, 12, 1), "start_before": D(2025, 1, 1), "timezone": "Europe/Berlin"}
    meter = QueryMeter(services.dynamodb)
    before = aggregate(**december)
    read_before = meter.scanned

    history = _history(team, 1200, D(2024, 11, 29))  # 300 days back from the end of November
    items = [_entry_item(e) for e in history] + [rollup_item(k, s) for k, s in rollups_of(history).items()]
    services.rollups.write_batches([{"PutRequest": {"Item": item}} for item in items])
    meter.reset()
    after = aggregate(**december)

    assert after == before
    assert len(after) == 31
    assert meter.scanned == read_before == 31  # December's 31 rollups (no running timer to read)
    # The year covers the history: 1200 hours from February to November, and December's 31 x 8 hours.
    assert aggregate(group_by="year", start_after=D(2024, 1, 1), start_before=D(2025, 1, 1)) == [(2024, 86_880)]


def test_the_backfill_rebuilds_rollups_from_the_entries(services, team, aggregate, capsys):
    """Entries written before the rollups existed (straight into the table) are
    counted once `manage rebuild-rollups` has run; running it again changes nothing."""
    history = _history(team, 12, D(2025, 1, 3))  # Jan 1-3, four hours a day
    services.rollups.write_batches([{"PutRequest": {"Item": _entry_item(e)}} for e in history])
    jan = {"start_after": D(2025, 1, 1), "start_before": D(2025, 2, 1)}
    assert aggregate(**jan) == []

    for _ in range(2):
        assert manage.main(["rebuild-rollups", "--workspace", str(team["ws"])]) == 0
        assert json.loads(capsys.readouterr().out) == {"workspace_id": team["ws"], "rollups": 3}
        assert aggregate(**jan) == [(D(2025, 1, 1), 240), (D(2025, 1, 2), 240), (D(2025, 1, 3), 240)]


# -- over HTTP (seed 004) ------------------------------------------------------------


@pytest.fixture
def org(services, client, make_user, clock) -> Org:
    """Olga owns it, Max manages it, Mia is a member (see test_org_time_entries); today is 2024-01-15, 18:00 UTC.
    Olga: 23:00 -> 01:30 across midnight on Landing page; Mia: 09:00 -> 10:15 on Checkout, and her timer
    on Landing page since 17:30."""
    org = Org(services, client, make_user)
    org.create(org.olga, "2024-01-14T23:00:00Z", "2024-01-15T01:30:00Z", task=org.landing)
    org.create(org.mia, "2024-01-15T09:00:00Z", "2024-01-15T10:15:00Z", task=org.checkout)
    clock.set("2024-01-15T17:30:00+00:00")
    assert org.request(org.mia, "POST", "/start", json={"task_id": str(org.landing)}).status_code == 200
    clock.set("2024-01-15T18:00:00+00:00")
    return org


def aggregated(org: Org, who: dict, **params: str) -> list[dict]:
    response = org.request(who, "GET", "/aggregate", params={"start_after": "2024-01-01", **params})
    assert response.status_code == 200, response.text
    return response.json()


def test_each_grouping_over_http_has_only_its_keys(org):
    olga, mia = str(org.olga["user_id"]), str(org.mia["user_id"])
    landing, checkout = str(org.landing), str(org.checkout)

    # Olga (UTC): 60 min on the 14th, 90 on the 15th; Mia 75 + 30 (the running timer) on the 15th.
    assert aggregated(org, org.olga) == [
        {"total_duration_minutes": 60, "date": "2024-01-14"},
        {"total_duration_minutes": 195, "date": "2024-01-15"},
    ]
    # Sunday the 14th is ISO week 2, Monday the 15th week 3.
    assert aggregated(org, org.olga, group_by="week") == [
        {"total_duration_minutes": 60, "week": 2, "year": 2024},
        {"total_duration_minutes": 195, "week": 3, "year": 2024},
    ]
    assert aggregated(org, org.olga, group_by="month") == [{"total_duration_minutes": 255, "month": 1, "year": 2024}]
    assert aggregated(org, org.olga, group_by="year") == [{"total_duration_minutes": 255, "year": 2024}]
    by_task = {landing: 180, checkout: 75}
    assert aggregated(org, org.olga, group_by="task") == [
        {"total_duration_minutes": by_task[task], "task_id": task} for task in sorted(by_task, key=int)
    ]
    by_user = {olga: 150, mia: 105}
    assert aggregated(org, org.max, group_by="user") == [
        {"total_duration_minutes": by_user[user], "user_id": user} for user in sorted(by_user, key=int)
    ]
    # In Berlin (UTC+1) Olga's entry is 00:00 -> 02:30 on the 15th.
    assert aggregated(org, org.olga, timezone="Europe/Berlin") == [
        {"total_duration_minutes": 255, "date": "2024-01-15"}
    ]
    assert aggregated(org, org.olga, task_id=checkout, start_before="2024-01-16T00:00:00Z") == [
        {"total_duration_minutes": 75, "date": "2024-01-15"}
    ]


def test_members_aggregate_their_own_time_over_http(org):
    assert aggregated(org, org.mia, group_by="user") == [
        {"total_duration_minutes": 105, "user_id": str(org.mia["user_id"])}
    ]
    mias = {str(org.landing): 30, str(org.checkout): 75}
    assert aggregated(org, org.max, user_id=str(org.mia["user_id"]), group_by="task") == [
        {"total_duration_minutes": mias[task], "task_id": task} for task in sorted(mias, key=int)
    ]
    response = org.request(org.mia, "GET", "/aggregate", params={"user_id": str(org.olga["user_id"])})
    assert_message(response, 403)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "quarter"}, "group_by"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"start_after": "2024-02-01", "start_before": "2024-01-01"}, "start_before"),
        ({"start_after": "2024-01-01T10:07:00Z"}, "start_after"),
        ({"start_after": "yesterday"}, "start_after"),
        ({"project_id": "12a"}, "project_id"),
    ],
)
def test_bad_aggregate_queries_are_400_naming_the_parameter(org, params, field):
    message = assert_message(org.request(org.olga, "GET", "/aggregate", params=params), 400)
    assert field in message
