"""DynamoDB cost per request: calls and items read, with 100 and 20,000 entries.

In-process moto (``mock_aws``), tables from template.yaml, two users in the
same tables: one with 100 entries, one with 20,000, spread over two years.
Both share the same recent entries (the last 40 days, a running timer), so a
request whose cost depends only on the size of its answer reads the same for
both; only the older history differs. Entries are written straight into the
table with the DAL's own item builders, plus the TOTALS item consistent with
them. Requests go through the real Lambda handlers with the events of
``events/``; botocore ``after-call`` hooks on the services' client count the
calls and the items read (a Query's ``ScannedCount``, 1 per GetItem that finds
an item). The token lookup is primed first (the auth cache holds it for 30 s
in production), so the figures show the steady state.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .env import EVENTS
from .warm import LambdaContext, quiet

NOW = dt.datetime(2024, 6, 19, 15, 0, tzinfo=dt.UTC)  # a Wednesday, 17:00 in Berlin
TIMEZONE = "Europe/Berlin"
SIZES = (100, 20_000)
RECENT_DAYS = 40
HISTORY_DAYS = 730


@dataclass(frozen=True)
class Request:
    name: str
    group: str
    event: str
    query: dict[str, str]
    by_design: bool = False  # reads what the answer covers, which grows with the history


REQUESTS = (
    Request("stats (all-time amounts)", "stats", "stats_get.json", {}),
    Request("stats ?period=month", "stats", "stats_get.json", {"period": "month"}),
    Request("entries list (default page, limit 100)", "entries", "entries_list.json", {}),
    Request(
        "entries list, this month, not_paid",
        "entries",
        "entries_list.json",
        {"start_date": "2024-06-01", "end_date": "2024-06-30", "payment_status": "not_paid"},
    ),
    Request("stats ?period=year (reads the year)", "stats", "stats_get.json", {"period": "year"}, by_design=True),
)


@dataclass
class Cost:
    calls: Counter = field(default_factory=Counter)  # operation -> calls
    items: int = 0

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def describe(self) -> str:
        return ", ".join(f"{op} {n}" for op, n in sorted(self.calls.items()))


class Meter:
    """after-call hooks on a client: what each request costs."""

    def __init__(self, client) -> None:
        self.cost: Cost | None = None
        client.meta.events.register("after-call.dynamodb.*", self._after_call)

    def _after_call(self, parsed: dict[str, Any], model, **_: Any) -> None:
        if self.cost is None:
            return
        self.cost.calls[model.name] += 1
        if model.name == "Query":
            self.cost.items += parsed.get("ScannedCount", parsed.get("Count", 0))
        elif model.name == "GetItem" and "Item" in parsed:
            self.cost.items += 1


def _entries(user_id: int, total: int) -> tuple[list, Any]:
    """(finished entries, the running one): the same recent 40 days for every size."""
    from timetrack.models import Entry, PaymentStatus

    tz = ZoneInfo(TIMEZONE)
    today = NOW.astimezone(tz).date()
    rate = Decimal("50.00")

    def make(entry_id: int, start: dt.datetime, end: dt.datetime | None, status: PaymentStatus) -> Entry:
        return Entry(
            id=entry_id,
            user_id=user_id,
            date=start.astimezone(tz).date(),
            start_time=start,
            end_time=end,
            hourly_rate=rate,
            payment_status=status,
            notes="bench",
            created_at=start,
            updated_at=end or start,
        )

    recent_slots = []
    for back in range(RECENT_DAYS, 0, -1):
        day = today - dt.timedelta(days=back)
        if day.weekday() < 5:
            for start_h, hours in ((9.0, 3.5), (13.5, 4.0)):
                start = (dt.datetime.combine(day, dt.time(), tz) + dt.timedelta(hours=start_h)).astimezone(dt.UTC)
                status = PaymentStatus.NOT_PAID if back <= 30 else PaymentStatus.INVOICED_NOT_APPROVED
                recent_slots.append((start, start + dt.timedelta(hours=hours), status))
    morning = (dt.datetime.combine(today, dt.time(9), tz)).astimezone(dt.UTC)
    recent_slots.append((morning, morning + dt.timedelta(hours=3), PaymentStatus.NOT_PAID))

    history_count = total - len(recent_slots) - 1
    first = NOW - dt.timedelta(days=HISTORY_DAYS)
    last = dt.datetime.combine(today - dt.timedelta(days=RECENT_DAYS + 1), dt.time(), tz).astimezone(dt.UTC)
    step = (last - first) / history_count
    finished = []
    for n in range(history_count):
        start = first + step * n
        status = PaymentStatus.PAID if n < history_count * 0.9 else PaymentStatus.INVOICED_APPROVED
        finished.append(make(n + 1, start, start + min(step, dt.timedelta(minutes=45)), status))
    for start, end, status in recent_slots:
        finished.append(make(len(finished) + 1, start, end, status))
    timer_start = dt.datetime.combine(today, dt.time(16, 30), tz).astimezone(dt.UTC)
    running = make(len(finished) + 1, timer_start, None, PaymentStatus.NOT_PAID)
    return finished, running


def _seed(seeder, services, email: str, total: int) -> dict[str, Any]:
    """A user with ``total`` entries (one of them running), settings and TOTALS."""
    from timetrack.dal.codec import to_item
    from timetrack.dal.entries import TOTALS, _active_item, _entry_item, user_key
    from timetrack.dal.settings import _item as settings_item
    from timetrack.models import UserSettings, WeekStart

    config = services.config
    user_id = services.accounts.create_user(email)
    token = services.accounts.issue_token(user_id).token
    seeder.put_item(
        TableName=config.settings_table,
        Item=settings_item(user_id, UserSettings(Decimal("50.00"), "EUR", TIMEZONE, WeekStart.MONDAY)),
    )
    finished, running = _entries(user_id, total)
    sums: dict[str, Decimal] = {}
    for entry in finished:
        for status, earned in entry.earned_by_status().items():
            sums[status.value] = sums.get(status.value, Decimal(0)) + earned
    items = [_entry_item(e) for e in (*finished, running)] + [_active_item(running)]
    items.append({"pk": {"S": user_key(user_id)}, "sk": {"S": TOTALS}} | to_item(sums))
    for chunk in range(0, len(items), 25):
        batch = {config.entries_table: [{"PutRequest": {"Item": i}} for i in items[chunk : chunk + 25]]}
        while batch:
            batch = seeder.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}
    return {"user_id": user_id, "token": token, "entries": len(finished) + 1}


def _event(request: Request, token: str) -> dict[str, Any]:
    event = json.loads((EVENTS / request.event).read_text())
    event["headers"]["authorization"] = f"Bearer {token}"
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in request.query.items())
    if request.query:
        event["queryStringParameters"] = dict(request.query)
    else:
        event.pop("queryStringParameters", None)
    return event


def measure(progress=print) -> dict[str, dict[int, tuple[Cost, int]]]:
    """request name -> size -> (cost, entries returned or -1)."""
    import boto3
    from moto import mock_aws

    from local import stack
    from timetrack import runtime
    from timetrack.config import Settings
    from timetrack.dal import aws

    results: dict[str, dict[int, tuple[Cost, int]]] = {r.name: {} for r in REQUESTS}
    with mock_aws():
        seeder = boto3.client("dynamodb", region_name=stack.REGION)
        stack.create_resources(seeder)
        runtime.reset()
        built = runtime.build(Settings(token_cache_seconds=3600), clock=lambda: NOW)
        client = aws.client("dynamodb", built.config.aws_region)  # built's own: reset() clears the cache
        runtime.reset(built)
        try:
            handlers = {g: importlib.import_module(f"functions.{g}.app").handler for g in ("entries", "stats")}
            meter = Meter(client)
            for size in SIZES:
                progress(f"  cost: seeding {size:,} entries", end="\r", flush=True)
                user = _seed(seeder, built, f"user{size}@example.com", size)
                assert user["entries"] == size
                with quiet():  # EMF lines and Powertools' warnings
                    handlers["stats"](_event(REQUESTS[0], user["token"]), LambdaContext())  # caches the token
                for request in REQUESTS:
                    meter.cost = Cost()
                    with quiet():
                        response = handlers[request.group](_event(request, user["token"]), LambdaContext())
                    cost, meter.cost = meter.cost, None
                    if response["statusCode"] != 200:
                        raise RuntimeError(f"{request.name}: {response['statusCode']} {response['body']}")
                    body = json.loads(response["body"])
                    results[request.name][size] = (cost, len(body) if isinstance(body, list) else -1)
        finally:
            runtime.reset()
    progress(" " * 40, end="\r")
    return results


def report(results: dict[str, dict[int, tuple[Cost, int]]]) -> list[str]:
    small, large = SIZES
    lines = [
        "DynamoDB cost per request (moto), one user with 100 and one with 20,000 entries over 2 years",
        "  (token lookup cached; +1 GetItem per container every 30 s in production)",
        f"  {'request':<40} {'100: calls':>10} {'items':>6} {'20,000: calls':>14} {'items':>6}  same",
    ]
    for request in REQUESTS:
        (a, na), (b, nb) = results[request.name][small], results[request.name][large]
        same = "yes" if (a.total_calls, a.items) == (b.total_calls, b.items) else "NO"
        if request.by_design:
            same += " (by design)" if same == "NO" else ""
        lines.append(f"  {request.name:<40} {a.total_calls:>10} {a.items:>6} {b.total_calls:>14} {b.items:>6}  {same}")
        returned = f"; returned {na} / {nb} entries" if na >= 0 else ""
        lines.append(f"    100: {a.describe()} | 20,000: {b.describe()}{returned}")
    return lines
