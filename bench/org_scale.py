"""An organization at scale: aggregates and list pages at 20,000 and 200,000 entries.

One workspace of 200 members (an owner and 199 members, 10 projects of 5
tasks), built in in-process moto (``mock_aws``, tables from template.yaml),
one fresh AWS per size. Both sizes share the same last 110 days (one entry
of 3.5 hours a workday per member, Berlin mornings, and 10 running timers):
the month, the quarter and a page of the list cover only those, so whatever
reads only what it covers reads the same at both sizes. The older history,
back two years, makes up the rest (4,600 or 184,600 entries).

Entries are written straight into the table with the DAL's own item builder
(``_entry_item``) and their rollups with the rollup DAL's
(``rollups_of`` + ``rollup_item``: exactly what the projection would have
built write by write), by ``batch_write_item``; members, projects and tasks
go through the services. Requests are service calls (the use case and the
DAL, no HTTP): ``Aggregates.aggregate`` for Olga the owner (and for one
member) and ``WorkspaceEntries.list``. botocore hooks count the calls and the
items each reads (a Query's ``ScannedCount``) and the time spent inside
them; "app" is the rest (our code: sums, parsing). moto answers every Query
by walking the whole table, so its time grows with the table whatever the
key; DynamoDB reads only the key range. Medians of ``RUNS`` runs (the year:
one run, as moto takes minutes to serialise its rollups).
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

SIZES = (20_000, 200_000)
MEMBERS = 200
PROJECTS, TASKS_PER_PROJECT = 10, 5
RUNNING = 10
RUNS = 3
NOW = dt.datetime(2025, 1, 15, 11, 0, tzinfo=dt.UTC)
TZ = ZoneInfo("Europe/Berlin")
RECENT_FROM = dt.date(2024, 9, 27)  # a few days before the quarter, in every size
HISTORY_FROM = NOW.date() - dt.timedelta(days=730)
MONTH = (dt.date(2024, 12, 1), dt.date(2025, 1, 1))
QUARTER = (dt.date(2024, 10, 1), dt.date(2025, 1, 1))
YEAR = (dt.date(2024, 1, 1), dt.date(2025, 1, 1))


@dataclass(frozen=True)
class Request:
    name: str
    run: Callable[[Any, dict], Any]  # (services, org) -> result
    by_design: bool = False  # covers the older history, so reads more of it at 200,000


def _aggregate(period: tuple[dt.date, dt.date], who: str = "owner", group_by: str = "day", one_task: bool = False):
    def run(services, org):
        return services.aggregates.aggregate(
            org[who],
            org["ws"],
            start_after=period[0],
            start_before=period[1],
            timezone="Europe/Berlin",
            group_by=group_by,
            task_id=org["tasks"][0][1] if one_task else None,
        )

    return run


def _list(who: str = "owner", page: int = 1, size: int = 20):
    def run(services, org):
        return services.workspace_entries.list(org[who], org["ws"], skip=(page - 1) * size, limit=size)

    return run


REQUESTS = (
    Request("aggregate a month by day", _aggregate(MONTH)),
    Request("aggregate a month by day, one member's own", _aggregate(MONTH, "member")),
    Request("aggregate a month by user, one task", _aggregate(MONTH, group_by="user", one_task=True)),
    Request("aggregate a quarter by week", _aggregate(QUARTER, group_by="week")),
    Request("aggregate a year by month", _aggregate(YEAR, group_by="month"), by_design=True),
    Request("list, first page (20)", _list()),
    Request("list, page 10 (20)", _list(page=10)),
    Request("list, a member's first page (20)", _list("member")),
)


@dataclass
class Cost:
    calls: int = 0
    items: int = 0
    aws_seconds: float = 0.0


@dataclass
class Result:
    cost: Cost
    total_ms: list[float] = field(default_factory=list)
    app_ms: list[float] = field(default_factory=list)
    rows: int = 0


class Meter:
    """Counts each DynamoDB call, the items it read, and the time inside it."""

    def __init__(self, client) -> None:
        self.cost: Cost | None = None
        self._started = 0.0
        client.meta.events.register("before-call.dynamodb.*", self._before)
        client.meta.events.register("after-call.dynamodb.*", self._after)

    def _before(self, **_: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, parsed: dict[str, Any], model, **_: Any) -> None:
        if self.cost is None:
            return
        self.cost.aws_seconds += time.perf_counter() - self._started
        self.cost.calls += 1
        if model.name == "Query":
            self.cost.items += parsed.get("ScannedCount", parsed.get("Count", 0))
        elif model.name == "GetItem" and "Item" in parsed:
            self.cost.items += 1
        elif model.name == "BatchGetItem":
            self.cost.items += sum(len(items) for items in parsed.get("Responses", {}).values())


def _organization(services) -> dict[str, Any]:
    """The workspace, its people and its tasks, through the services."""
    from timetrack.workspaces import Role

    workspaces = services.workspaces
    owner = services.accounts.create_user("olga@example.com")
    workspace, _ = workspaces.create(owner, "Big organization")
    people = [owner]
    for n in range(1, MEMBERS):
        user = services.accounts.create_user(f"member{n}@example.com")
        workspaces.invite(owner, workspace.id, Role.MEMBER, user_id=user)
        workspaces.accept(user, workspace.id)
        people.append(user)
    tasks = []
    for p in range(PROJECTS):
        project = workspaces.create_project(owner, workspace.id, f"Project {p}", hourly_rate=Decimal(60))
        for t in range(TASKS_PER_PROJECT):
            tasks.append((project.id, workspaces.create_task(owner, workspace.id, project.id, f"Task {p}.{t}").id))
    return {"ws": workspace.id, "owner": owner, "member": people[1], "people": people, "tasks": tasks}


def _entries(org: dict[str, Any], total: int) -> list:
    """``total`` entries: the shared recent days (and running timers) plus older history."""
    from timetrack.models import Entry, EntrySource, PaymentStatus

    people, tasks = org["people"], org["tasks"]
    next_id = iter(range(1, 10**9))

    def make(user_index: int, start: dt.datetime, end: dt.datetime | None, task_index: int) -> Entry:
        project_id, task_id = tasks[task_index % len(tasks)]
        return Entry(
            id=next(next_id) * 16,
            user_id=people[user_index],
            date=start.astimezone(TZ).date(),
            start_time=start,
            end_time=end,
            hourly_rate=Decimal(60),
            payment_status=PaymentStatus.NOT_PAID,
            notes="bench",
            created_at=start,
            updated_at=end or start,
            workspace_id=org["ws"],
            project_id=project_id,
            task_id=task_id,
            source=EntrySource.MANUAL if end else EntrySource.TIMER,
        )

    entries = []
    day = RECENT_FROM
    while day < NOW.date():
        if day.weekday() < 5:
            start = dt.datetime.combine(day, dt.time(9), TZ).astimezone(dt.UTC)
            for person in range(len(people)):
                entries.append(make(person, start, start + dt.timedelta(hours=3.5), person + day.toordinal() % 2))
        day += dt.timedelta(days=1)
    running_start = dt.datetime.combine(NOW.date(), dt.time(10), TZ).astimezone(dt.UTC)
    entries += [make(person, running_start, None, person) for person in range(RUNNING)]
    history = total - len(entries)
    first = dt.datetime.combine(HISTORY_FROM, dt.time(), TZ).astimezone(dt.UTC)
    step = (dt.datetime.combine(RECENT_FROM, dt.time(), TZ).astimezone(dt.UTC) - first) / history
    for n in range(history):
        start = first + step * n
        entries.append(make(n % len(people), start, start + dt.timedelta(minutes=45 + 15 * (n % 6)), n))
    return entries


def _write(services, entries: list) -> int:
    """Entry items, the ACTIVE items of the running ones, and the rollups: batch writes."""
    from timetrack.dal.entries import _active_item, _entry_item
    from timetrack.dal.rollups import rollup_item, rollups_of

    items = [_entry_item(e) for e in entries] + [_active_item(e) for e in entries if e.running]
    rollups = rollups_of(entries)
    items += [rollup_item(key, slots) for key, slots in rollups.items()]
    services.rollups.write_batches([{"PutRequest": {"Item": item}} for item in items])
    return len(rollups)


def measure(progress=print) -> dict[str, Any]:
    """size -> {"build_s", "rollups", results: request name -> Result}."""
    import boto3
    from moto import mock_aws

    from local import stack
    from timetrack import runtime
    from timetrack.config import Settings

    measured: dict[int, dict[str, Any]] = {}
    for size in SIZES:
        with mock_aws():
            stack.create_resources(boto3.client("dynamodb", region_name=stack.REGION))
            runtime.reset()
            built = runtime.build(Settings(), clock=lambda: NOW)
            runtime.reset(built)
            try:
                started = time.perf_counter()
                progress(f"  org: {size:,} entries: members and tasks", end="\r", flush=True)
                org = _organization(built)
                progress(f"  org: {size:,} entries: writing entries and rollups", end="\r", flush=True)
                entries = _entries(org, size)
                rollups = _write(built, entries)
                build_s = time.perf_counter() - started
                meter = Meter(built.dynamodb)
                results: dict[str, Result] = {}
                for request in REQUESTS:
                    progress(f"  org: {size:,} entries: {request.name}" + " " * 20, end="\r", flush=True)
                    result = None
                    for _ in range(1 if request.by_design else RUNS):  # the year: one run (minutes in moto)
                        meter.cost = Cost()
                        started = time.perf_counter()
                        answer = request.run(built, org)
                        total = time.perf_counter() - started
                        cost, meter.cost = meter.cost, None
                        result = result or Result(cost, rows=len(answer))
                        result.total_ms.append(total * 1000)
                        result.app_ms.append((total - cost.aws_seconds) * 1000)
                    results[request.name] = result
                measured[size] = {"build_s": build_s, "rollups": rollups, "entries": len(entries), "results": results}
            finally:
                runtime.reset()
    progress(" " * 80, end="\r")
    return measured


def report(measured: dict[int, dict[str, Any]]) -> list[str]:
    small, large = SIZES
    lines = [
        f"An organization of {MEMBERS} members: {small:,} vs {large:,} entries over two years (moto; service calls)",
    ]
    for size in SIZES:
        m = measured[size]
        lines.append(f"  {size:,} entries ({m['rollups']:,} rollups) built in {m['build_s']:.0f} s")
    lines.append(f"  {'request':<46} {'calls':>5} {'items':>7} {'app ms':>7} {'moto ms':>8} | 200k: same as 20k?")
    for request in REQUESTS:
        a, b = (measured[size]["results"][request.name] for size in SIZES)
        same = (a.cost.calls, a.cost.items) == (b.cost.calls, b.cost.items)
        verdict = "yes" if same else ("NO (by design: it covers the history)" if request.by_design else "NO")
        for size, r in ((small, a), (large, b)):
            app, total = statistics.median(r.app_ms), statistics.median(r.total_ms)
            label = f"{request.name} @{size // 1000}k"
            lines.append(
                f"  {label:<46} {r.cost.calls:>5} {r.cost.items:>7} {app:>7.1f} {total - app:>8.0f}"
                + (f" | {verdict}" if size == large else "")
            )
    return lines


def markdown(measured: dict[int, dict[str, Any]]) -> list[str]:
    a_k, b_k = (f"{size // 1000}k" for size in SIZES)
    rows = [
        f"Organization of {MEMBERS} members, {SIZES[0]:,} vs {SIZES[1]:,} entries over two years (moto; items"
        f" read = Query ScannedCount; ms = median of {RUNS} service calls, app = outside DynamoDB calls):",
        "",
        f"| request | items read {a_k} | {b_k} | calls {a_k} / {b_k} | ms {a_k} (app) | ms {b_k} (app) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for request in REQUESTS:
        a, b = (measured[size]["results"][request.name] for size in SIZES)
        name = request.name + (" (covers the history)" if request.by_design else "")
        times = [f"{statistics.median(r.total_ms):.0f} ({statistics.median(r.app_ms):.0f})" for r in (a, b)]
        calls = f"{a.cost.calls} / {b.cost.calls}"
        rows.append(f"| {name} | {a.cost.items:,} | {b.cost.items:,} | {calls} | {times[0]} | {times[1]} |")
    build = ", ".join(
        f"{size:,} entries + {measured[size]['rollups']:,} rollups in {measured[size]['build_s']:.0f} s"
        for size in SIZES
    )
    rows += ["", f"Built: {build}.", ""]
    return rows
