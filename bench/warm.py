"""Warm latency: each route through its real Lambda handler, DynamoDB stubbed.

``functions.<group>.app.handler(event, context)`` with the events of
``events/*.json``; botocore's ``Stubber`` on the services' DynamoDB client
answers, for every iteration and in order, exactly the calls the route makes
(the token GetItem only on the first call: the auth cache holds it; a counter
UpdateItem every 20th create: the id allocator leases blocks of 20). Response
items come from the DAL's own serialisation helpers, so they parse as stored
items do. ``assert_no_pending_responses`` after each route checks that the
route made exactly those calls.

What the figure includes: Powertools decorators (logger context, correlation
id, metrics flush to stdout), Mangum, FastAPI routing/validation/dependencies,
auth, services, the DAL, botocore's parameter validation and serialisation.
What it leaves out: request signing, HTTP and response parsing (the Stubber
answers before the request is sent), and X-Ray (Tracer disabled).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import importlib
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from .env import EVENTS, GROUPS

BLOCK = 20  # entry ids are leased in blocks of 20 (timetrack.runtime.build)
USER_ID = 7
TIMEZONE = "Europe/Berlin"
LIST_PAGE = 20  # entries the list route returns (about a month of work)

Call = tuple[str, dict[str, Any]]  # (client method, its response)


class LambdaContext:
    function_name = "bench"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:bench"
    aws_request_id = "bench"


@dataclass(frozen=True)
class Route:
    name: str
    group: str
    event: str
    status: int
    calls: Callable[[int], list[Call]]  # the responses iteration i needs (after the token)


class Data:
    """Stored items for the demo user, built with the DAL's own helpers."""

    def __init__(self) -> None:
        from local.stack import DEMO_TOKEN
        from timetrack.config import Settings
        from timetrack.dal.codec import to_item, utc_text
        from timetrack.dal.entries import _active_item, _entry_item
        from timetrack.dal.settings import _item as settings_item
        from timetrack.models import Entry, PaymentStatus, UserSettings, WeekStart
        from timetrack.services.auth import hash_token

        tz = ZoneInfo(TIMEZONE)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        today = now.astimezone(tz).date()

        def entry(entry_id: int, day: dt.date, start_h: float, hours: float | None, status=PaymentStatus.NOT_PAID):
            start = dt.datetime.combine(day, dt.time(), tz) + dt.timedelta(hours=start_h)
            start = start.astimezone(dt.UTC)
            end = start + dt.timedelta(hours=hours) if hours is not None else None
            return Entry(
                id=entry_id,
                user_id=USER_ID,
                date=day,
                start_time=start,
                end_time=end,
                hourly_rate=Decimal("50.00"),
                payment_status=status,
                notes="Working on time tracking feature",
                created_at=start,
                updated_at=end or start,
            )

        # Two entries per weekday over the last 40 days, newest first.
        recent = []
        for back in range(1, 41):
            day = today - dt.timedelta(days=back)
            if day.weekday() < 5:
                recent += [entry(1000 + 2 * back, day, 13.5, 4.0), entry(1001 + 2 * back, day, 9.0, 3.5)]
        finished = entry(1, today - dt.timedelta(days=1), 9.0, 8.0)
        running = entry(1, today, 0.0, None)  # stop and active: the timer started at local midnight

        settings = UserSettings(Decimal("50.00"), "EUR", TIMEZONE, WeekStart.MONDAY)
        self.token = {
            "Item": {"pk": {"S": f"TOKEN#{hash_token(DEMO_TOKEN)}"}, "sk": {"S": "TOKEN"}}
            | to_item(
                {
                    "user_id": USER_ID,
                    "token_id": 1,
                    "scopes": "*",
                    "name": "demo",
                    "created_at": utc_text(now - dt.timedelta(days=30)),
                }
            )
        }
        self.settings = {"Item": settings_item(USER_ID, settings)}
        tables = Settings()

        def with_settings(item: dict) -> dict:
            """A BatchGetItem answer: the item and the settings, read together."""
            return {"Responses": {tables.entries_table: [item], tables.settings_table: [self.settings["Item"]]}}

        self.with_settings = with_settings
        self.settings_after_put = {"Attributes": settings_item(USER_ID, settings)}
        self.finished = {"Item": _entry_item(finished)}
        self.running = {"Item": _entry_item(running)}
        self.active = {"Item": _active_item(running)}
        page = [_entry_item(e) for e in recent[:LIST_PAGE]]
        self.list_page = {"Items": page, "Count": len(page), "ScannedCount": len(page)}
        # stats: entries ended since the start of this week or month, plus the timer; this month's by date.
        since = min(today - dt.timedelta(days=today.weekday()), today.replace(day=1))
        since_utc = dt.datetime.combine(since, dt.time(), tz).astimezone(dt.UTC)
        ended = [_entry_item(e) for e in recent if e.end_time >= since_utc] + [_active_item(running)]
        dated = [_entry_item(e) for e in recent if e.date >= today.replace(day=1)] + [_entry_item(running)]
        self.by_end = {"Items": ended, "Count": len(ended), "ScannedCount": len(ended)}
        self.by_date = {"Items": dated, "Count": len(dated), "ScannedCount": len(dated)}
        self.described = (
            f"list returns {len(page)} entries; stats reads {len(ended)} (ByEnd) + {len(dated)} (ByDate) items"
        )

    @staticmethod
    def lease(i: int) -> list[Call]:
        """The counter UpdateItem of the id allocator, on the calls that need a new block."""
        if i % BLOCK:
            return []
        return [("update_item", {"Attributes": {"next": {"N": str(BLOCK * (i // BLOCK + 1))}}})]


def routes(d: Data) -> list[Route]:
    """Every route, with the DynamoDB calls it makes, in order."""
    done: Call = ("transact_write_items", {})
    settings: Call = ("get_item", d.settings)
    finished: Call = ("get_item", d.finished)
    finished_and_settings: Call = ("batch_get_item", d.with_settings(d.finished["Item"]))
    running_and_settings: Call = ("batch_get_item", d.with_settings(d.running["Item"]))
    active_and_settings: Call = ("batch_get_item", d.with_settings(d.active["Item"]))
    return [
        Route("entries list", "entries", "entries_list.json", 200, lambda i: [("query", d.list_page), settings]),
        Route("entries get", "entries", "entries_get.json", 200, lambda i: [finished_and_settings]),
        Route("entries create", "entries", "entries_create.json", 201, lambda i: [settings, *d.lease(i), done]),
        Route("entries update", "entries", "entries_update.json", 200, lambda i: [finished_and_settings, done]),
        Route("entries delete", "entries", "entries_delete.json", 204, lambda i: [finished, done]),
        Route("sessions start", "sessions", "sessions_start.json", 201, lambda i: [settings, *d.lease(i), done]),
        Route("sessions stop", "sessions", "sessions_stop.json", 200, lambda i: [running_and_settings, done]),
        Route("sessions active", "sessions", "sessions_active.json", 200, lambda i: [active_and_settings]),
        Route(
            "stats ?period=month",
            "stats",
            "stats_get.json",
            200,
            lambda i: [settings, ("query", d.by_end), ("query", d.by_date)],
        ),
        Route("settings get", "settings", "settings_get.json", 200, lambda i: [settings]),
        Route("settings put", "settings", "settings_put.json", 200, lambda i: [("update_item", d.settings_after_put)]),
    ]


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """stdout and stderr to /dev/null at the descriptor level (EMF, log lines, warnings)."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


@dataclass
class Timing:
    name: str
    samples_ns: list[int]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ns) / 1000

    @property
    def fastest(self) -> float:
        return min(self.samples_ns) / 1000

    @property
    def p99(self) -> float:
        return statistics.quantiles(self.samples_ns, n=100, method="inclusive")[98] / 1000


def _load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def _drive(
    name: str,
    handler: Callable,
    stubber,
    event: dict[str, Any],
    status: int,
    calls: Callable[[int], list[Call]],
    first: list[Call],
    warmup: int,
    count: int,
    profiler=None,
) -> list[int]:
    """Call ``handler`` warmup + count times; the timings of the last ``count``.
    With a profiler, it profiles the handler calls only (not the stubbing)."""
    context = LambdaContext()
    samples: list[int] = []
    clock = time.perf_counter_ns
    for i in range(warmup + count):
        for method, response in (first if i == 0 else []) + calls(i):
            stubber.add_response(method, response)
        request = copy.deepcopy(event)
        if profiler is not None:
            profiler.enable()
        started = clock()
        response = handler(request, context)
        elapsed = clock() - started
        if profiler is not None:
            profiler.disable()
        if response["statusCode"] != status:
            raise RuntimeError(f"{name}: status {response['statusCode']} (expected {status}): {response.get('body')}")
        if i >= warmup:
            samples.append(elapsed)
    stubber.assert_no_pending_responses()
    return samples


class Bench:
    """The handlers, the shared client's Stubber and the stored items."""

    def __init__(self) -> None:
        from botocore.stub import Stubber

        from timetrack import runtime
        from timetrack.dal import aws

        self.handlers = {g: importlib.import_module(f"functions.{g}.app").handler for g in GROUPS}
        self.services = runtime.services()
        self.stubber = Stubber(aws.client("dynamodb", self.services.config.aws_region))
        self.stubber.activate()
        self.data = Data()
        self.routes = {r.name: r for r in routes(self.data)}

    def run(self, route: Route, warmup: int, count: int, profiler=None) -> Timing:
        self.services.after_restore()  # empty auth cache and id lease: the first call reads the token
        first = [("get_item", self.data.token), ("update_item", {})]  # and writes its usage (then once a minute)
        with quiet():
            samples = _drive(
                route.name,
                self.handlers[route.group],
                self.stubber,
                _load_event(route.event),
                route.status,
                route.calls,
                first,
                warmup,
                count,
                profiler,
            )
        return Timing(route.name, samples)

    def run_baseline(self, warmup: int, count: int) -> Timing:
        from botocore.stub import Stubber

        from bench import baseline_app

        stubber = Stubber(baseline_app.dynamodb)
        stubber.activate()
        with quiet():
            samples = _drive(
                "baseline",
                baseline_app.handler,
                stubber,
                _load_event("entries_get.json"),
                200,
                lambda i: [("get_item", self.data.finished)],
                [],
                warmup,
                count,
            )
        stubber.deactivate()
        return Timing("baseline: Powertools resolver, 1 GetItem", samples)

    def profile(self, name: str, count: int, top: int = 20) -> list[str]:
        """cProfile of one route's handler calls: time by package, then the top functions."""
        import cProfile
        import pstats

        if name not in self.routes:
            raise SystemExit(f"unknown route {name!r}; one of: {', '.join(self.routes)}")
        route = self.routes[name]
        self.run(route, 200, 0)  # warm
        profiler = cProfile.Profile()
        self.run(route, 0, count, profiler)
        stats = pstats.Stats(profiler)
        by_package: dict[str, float] = {}
        for (filename, _, _), (_, _, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
            by_package[_package(filename)] = by_package.get(_package(filename), 0.0) + own
        total = sum(by_package.values())
        lines = [f"cProfile of '{name}', {count} calls: own time by package ({total / count * 1e6:.0f} µs per call)"]
        for package, own in sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)[:15]:
            lines.append(f"  {own / total:6.1%}  {own / count * 1e6:7.0f} µs  {package}")
        for order, restriction in (("tottime", ()), ("cumulative", ("layers/shared|functions/",))):
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(*restriction, top)
            table = out.getvalue().split("ncalls", 1)[1].replace(str(_ROOT_DIR), "")
            where = " (timetrack and functions only)" if restriction else ""
            lines.append(f"top {top} by {order}{where}:")
            lines.append("   ncalls" + table.rstrip())
        return lines


_ROOT_DIR = EVENTS.parent


def _package(filename: str) -> str:
    """A profiled function's package: the site-packages distribution, our module, or the stdlib module."""
    if filename.startswith(("~", "<")):
        return "builtins / frozen"
    path = filename.replace("\\", "/")
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    for marker in ("/layers/shared/", str(_ROOT_DIR) + "/"):
        if marker in path:
            return path.split(marker, 1)[1].removesuffix(".py").replace("/", ".")
    return "stdlib " + path.rsplit("/", 1)[-1].removesuffix(".py")


def measure(warmup: int = 200, count: int = 2000, progress=print) -> tuple[list[Timing], Timing, str]:
    bench = Bench()
    timings = []
    for route in bench.routes.values():
        progress(f"  warm: {route.name:<24}", end="\r", flush=True)
        timings.append(bench.run(route, warmup, count))
    progress(" " * 40, end="\r")
    baseline = bench.run_baseline(warmup, count)
    bench.stubber.deactivate()
    return timings, baseline, bench.data.described


def report(timings: list[Timing], baseline: Timing, described: str, count: int) -> list[str]:
    lines = [
        f"Warm requests through the Lambda handler, DynamoDB stubbed, {count} timed calls per route (µs)",
        f"  ({described})",
        f"  {'route':<24} {'p50':>8} {'p99':>8} {'fastest':>8}",
    ]
    for t in timings:
        flag = "" if t.p50 <= 500 else "  (target p50 <= 500)"
        lines.append(f"  {t.name:<24} {t.p50:8.0f} {t.p99:8.0f} {t.fastest:8.0f}{flag}")
    lines.append(f"  {'(' + baseline.name + ')':<24} {baseline.p50:8.0f} {baseline.p99:8.0f} {baseline.fastest:8.0f}")
    lines.append("  (fastest: the one call least disturbed by other load on the machine)")
    return lines
