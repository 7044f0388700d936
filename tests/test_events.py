"""Every sample event in events/ through its function's real Lambda handler
(what `sam local invoke -e` does), and every route and queue consumer of
template.yaml has a sample event.

The events carry placeholder ids (see events/README.md); each test builds
the state an event needs and swaps the real ids in, by field name and
placeholder value, in the path, the query and the JSON body.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
import urllib.parse
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest

from local import stack
from local.template import load_template, resources_of_type
from tests.conftest import EVENTS, join, load_event
from tests.integrations_entry_event_checks import EXPECTATIONS as INTEGRATIONS_ENTRY_EXPECTATIONS
from tests.integrations_event_checks import EXPECTATIONS as INTEGRATIONS_EXPECTATIONS
from timetrack.errors import Unauthorized
from timetrack.models import PaymentStatus
from timetrack.principal import Principal
from timetrack.workspaces import Invitation, Role, SubtaskStatus, TaskStatus

EVENT_FILES = sorted(path.name for path in EVENTS.glob("*.json"))
UTC = dt.UTC
NOW_Z = "2024-01-22T09:00:00Z"  # the clock fixture's now, as the v2 API writes it
NOW = "2024-01-22T09:00:00+00:00"

# (field, placeholder in the events) -> the name of the real id in a test's context.
PLACEHOLDERS = {
    ("entry_id", 1): "entry",
    ("entry_id", 41): "entry",
    ("entry_id", 42): "entry_b",
    ("workspace_id", 1): "workspace",
    ("org_id", 1): "workspace",
    ("project_id", 1): "project",
    ("project_id", 285469): "project",
    ("contract_id", 1): "contract",
    ("contract_id", 560314): "contract",
    ("contract_id", 560315): "contract_b",
    ("task_id", 1): "task",
    ("task_id", 12345): "task",
    ("subtask_id", 1): "subtask",
    ("client_id", 1): "client",
    ("user_id", 2): "member",
    ("user_id", 100): "member",
    ("user_id", 101): "member_b",
    ("actor_user_id", 100): "member",
    ("token_id", 1): "token",
    ("time_log_id", 15): "entry",
    ("card_id", 5): "task",
    ("subtask_id", 2): "subtask",
}


class FakeContext:
    function_name = "timetrack-test"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:timetrack-test"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


# ------------------------------------------------------------ template ---


def _group(function: dict[str, Any]) -> str:
    return Path(function["Properties"]["CodeUri"]).name


def concrete_path(route_path: str, params: dict[str, Any]) -> str:
    """``/entries/{entry_id}`` or a greedy ``/time-tracking/{proxy+}`` with the event's
    path parameters (API Gateway names the greedy one ``proxy``)."""
    return re.sub(r"\{(\w+)\+\}", r"{\1}", route_path).format(**params)


def http_routes() -> dict[str, str]:
    """ "METHOD /path" -> function group (functions/<group>/), for every HttpApi event."""
    routes: dict[str, str] = {}
    for function in resources_of_type(load_template(), "AWS::Serverless::Function").values():
        for event in (function["Properties"].get("Events") or {}).values():
            if event["Type"] == "HttpApi":
                key = f"{event['Properties']['Method'].upper()} {event['Properties']['Path']}"
                assert key not in routes, f"route {key} is declared twice"
                routes[key] = _group(function)
    return routes


def _logical_id(ref: Any) -> str | None:
    """`!Ref Fn`, `!Ref Fn.Alias`, `!GetAtt Q.Arn` -> the logical id."""
    if isinstance(ref, dict):
        ref = ref.get("Ref") or ref.get("Fn::GetAtt")
    if isinstance(ref, list):
        ref = ref[0]
    return ref.split(".", 1)[0] if isinstance(ref, str) else None


def queue_consumers() -> dict[str, str]:
    """Queue logical id -> group of the function it feeds (SQS events and event source mappings)."""
    template = load_template()
    functions = resources_of_type(template, "AWS::Serverless::Function")
    consumers: dict[str, str] = {}
    for function in functions.values():
        for event in (function["Properties"].get("Events") or {}).values():
            if event["Type"] == "SQS":
                consumers[_logical_id(event["Properties"]["Queue"])] = _group(function)
    for mapping in resources_of_type(template, "AWS::Lambda::EventSourceMapping").values():
        properties = mapping["Properties"]
        queue = _logical_id(properties["EventSourceArn"])
        if queue in resources_of_type(template, "AWS::SQS::Queue"):
            consumers[queue] = _group(functions[_logical_id(properties["FunctionName"])])
    return consumers


def trigger_of(event: dict[str, Any]) -> str:
    """The route key of an HTTP event, or "sqs:<queue logical id>" of a queue batch."""
    if "routeKey" in event:
        return event["routeKey"]
    arns = {record["eventSourceARN"] for record in event["Records"]}
    assert len(arns) == 1
    (arn,) = arns
    name = arn.rsplit(":", 1)[1]
    matches = [queue for queue in queue_consumers() if name.startswith(f"timetrack-{queue}-") or queue in name]
    assert len(matches) == 1, f"{arn} matches no single queue of the template: {matches}"
    return f"sqs:{matches[0]}"


def group_of(event: dict[str, Any]) -> str:
    trigger = trigger_of(event)
    if trigger.startswith("sqs:"):
        return queue_consumers()[trigger.removeprefix("sqs:")]
    return http_routes()[trigger]


# ------------------------------------------------------------ invoking ---


def invoke(event: dict[str, Any]) -> tuple[int, Any]:
    handler = importlib.import_module(f"functions.{group_of(event)}.app").handler
    response = handler(event, FakeContext())
    if "statusCode" not in response:  # a queue batch: the batch response itself
        return 200, response
    body = response.get("body") or ""
    if not response.get("headers", {}).get("content-type", "application/json").startswith("application/json"):
        return response["statusCode"], body  # a page or an asset (Swagger UI)
    return response["statusCode"], json.loads(body) if body else None


def _real(field: str, value: Any, ctx: dict[str, Any]) -> Any:
    try:
        key = PLACEHOLDERS.get((field, int(value)))
    except (TypeError, ValueError):
        return value
    if key is None:
        return value
    assert key in ctx, f"the event's {field}={value} needs a {key!r} the test did not create"
    return type(value)(ctx[key]) if isinstance(value, str) else ctx[key]


def _real_body(body: str | None, ctx: dict[str, Any]) -> str | None:
    if not body:
        return body
    values = json.loads(body)
    if not isinstance(values, dict):
        return body
    return json.dumps({field: _real(field, value, ctx) for field, value in values.items()})


def with_real_ids(event: dict[str, Any], ctx: dict[str, Any]) -> dict[str, Any]:
    """The event with placeholder ids replaced by the ones in ``ctx``."""
    if "Records" in event:
        for record in event["Records"]:
            record["body"] = _real_body(record["body"], ctx)
        return event
    params = {name: _real(name, value, ctx) for name, value in (event.get("pathParameters") or {}).items()}
    if params:
        event["pathParameters"] = params
    path = concrete_path(event["routeKey"].split(" ", 1)[1], params)
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    query = {name: _real(name, value, ctx) for name, value in (event.get("queryStringParameters") or {}).items()}
    if query:
        event["queryStringParameters"] = query
        event["rawQueryString"] = urllib.parse.urlencode(query)
    event["body"] = _real_body(event.get("body"), ctx)
    return event


# ---------------------------------------------------------- state setup ---


def completed_entry(services, user_id: int, *, hours: int = 2, rate: str = "30", day: dt.date | int = 22, **fields):
    """A finished entry starting at 06:00 UTC on ``day`` (an int: that day of January 2024)."""
    entries = services.entries
    day = dt.date(2024, 1, day) if isinstance(day, int) else day
    start = dt.datetime.combine(day, dt.time(6), tzinfo=UTC)
    return entries.create(
        entries.caller(user_id),
        start_time=start,
        end_time=start + dt.timedelta(hours=hours),
        hourly_rate=Decimal(rate),
        **fields,
    )


def workspace_world(services, owner: int, *, members: bool = True) -> dict[str, Any]:
    """A workspace the demo user owns: two other users (members unless ``members`` is false),
    a project (rate 80) with a task, and each member's contract (60 and 45)."""
    accounts, ws = services.accounts, services.workspaces
    ctx: dict[str, Any] = {"owner": owner}
    ctx["member"] = accounts.create_user("member@example.com")
    ctx["member_b"] = accounts.create_user("member-b@example.com")
    workspace, _ = ws.create(owner, "Acme")
    ctx["workspace"] = workspace.id
    project = ws.create_project(owner, workspace.id, "Website", Decimal("80"))
    ctx["project"] = project.id
    ctx["task"] = ws.create_task(owner, workspace.id, project.id, "Landing page").id
    ctx["client"] = ws.create_client(owner, workspace.id, "Initech", email="ap@initech.example").id
    if members:
        join(services, workspace.id, ctx["member"], by=owner)
        join(services, workspace.id, ctx["member_b"], by=owner)
        ctx["contract"] = ws.create_contract(owner, workspace.id, ctx["member"], project.id, Decimal("60")).id
        ctx["contract_b"] = ws.create_contract(owner, workspace.id, ctx["member_b"], project.id, Decimal("45")).id
    return ctx


def clocked_in(services, owner: int, clock, minutes: int) -> dict[str, Any]:
    """The owner clocked the member in at 09:00 on their contract and task; ``minutes`` later now."""
    ctx = workspace_world(services, owner)
    entry = services.clock_ins.start(
        owner,
        workspace_id=ctx["workspace"],
        user_id=ctx["member"],
        contract_id=ctx["contract"],
        task_id=ctx["task"],
        activity_description="Writing the docs",
        request_id="setup",
    )
    ctx["entry"] = entry.id
    clock.advance(minutes=minutes)
    return ctx


def queued(services) -> list[dict[str, Any]]:
    """The clock-in events waiting on the queue."""
    sqs = boto3.client("sqs", region_name=stack.REGION)
    url = services.config.clock_in_queue_url
    messages: list[dict[str, Any]] = []
    for _ in range(3):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        messages += got
    return [json.loads(message["Body"]) for message in messages]


def assert_envelope(body: dict[str, Any], message: str) -> Any:
    assert body["success"] is True
    assert body["message"] == message
    assert body["meta"]["api_version"] == "2.0.0"
    return body["data"]


# ----------------------------------------------------- personal API (001) ---

Setup = Callable[[Any, int, Any], dict[str, Any]]
Check = Callable[[int, Any, dict[str, Any], Any, int], None]


def _nothing(services, user_id, clock):
    return {}


def _entry_setup(services, user_id, clock):
    return {"entry": completed_entry(services, user_id).id}


def _running_setup(services, user_id, clock):
    entries = services.entries
    running = entries.start(entries.caller(user_id), hourly_rate=Decimal("40"))
    clock.advance(minutes=45)
    return {"entry": running.id}


def _entries_list_setup(services, user_id, clock):
    # The event asks for not_paid entries dated in January 2024.
    newer = completed_entry(services, user_id, day=15)
    older = completed_entry(services, user_id, day=10, rate="1")
    completed_entry(services, user_id, day=16, payment_status=PaymentStatus.PAID)
    today = clock.now
    clock.set("2024-02-01T12:00:00+00:00")  # no entry ends more than a day after the server's clock
    completed_entry(services, user_id, day=dt.date(2024, 2, 1))
    clock.set(today)
    completed_entry(services, user_id, day=dt.date(2023, 12, 31))
    return {"ids": [newer.id, older.id]}


def _entries_list_check(status, body, ctx, services, user_id):
    assert status == 200
    # Newest first; the paid entry and those outside January are filtered out.
    assert [e["id"] for e in body] == ctx["ids"]
    assert [e["date"] for e in body] == ["2024-01-15", "2024-01-10"]
    assert [e["payment_status"] for e in body] == ["not_paid", "not_paid"]
    assert [e["total_earned"] for e in body] == [60.0, 2.0]
    assert all(e["user_id"] == user_id for e in body)


def _entries_get_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["id"] == ctx["entry"]
    assert body["user_id"] == user_id
    assert body["date"] == "2024-01-22"
    assert body["start_time"] == "2024-01-22T06:00:00+00:00"
    assert body["end_time"] == "2024-01-22T08:00:00+00:00"
    assert body["total_hours"] == 2.0
    assert body["total_earned"] == 60.0


def _entries_create_check(status, body, ctx, services, user_id):
    assert status == 201
    assert isinstance(body["id"], int)
    assert body["user_id"] == user_id
    assert body["date"] == "2024-01-22"
    assert body["start_time"] == "2024-01-22T09:00:00+00:00"
    assert body["end_time"] == "2024-01-22T17:00:00+00:00"
    assert body["hourly_rate"] == 50.0
    assert body["total_hours"] == 8.0
    assert body["total_earned"] == 400.0
    assert body["payment_status"] == "not_paid"
    assert body["notes"] == "Working on time tracking feature"
    caller = services.entries.caller(user_id)
    assert [e.id for e in services.entries.page(caller)] == [body["id"]]


def _entries_update_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["id"] == ctx["entry"]
    assert body["payment_status"] == "invoiced_not_approved"
    assert body["notes"] == "Invoice #42"
    assert body["total_earned"] == 60.0  # unchanged fields keep their values
    stats = services.stats.stats(services.entries.caller(user_id))
    assert stats.amounts.invoiced == Decimal("60")
    assert stats.amounts.unpaid == Decimal("0")


def _entries_delete_check(status, body, ctx, services, user_id):
    assert status == 204
    assert body is None
    assert services.entries.page(services.entries.caller(user_id)) == []


def _sessions_start_check(status, body, ctx, services, user_id):
    assert status == 201
    assert body["user_id"] == user_id
    assert body["start_time"] == NOW  # the clock's now
    assert body["end_time"] is None
    assert body["total_hours"] is None
    assert body["total_earned"] is None
    assert body["hourly_rate"] == 50.0
    active = services.entries.active(services.entries.caller(user_id))
    assert active is not None
    assert active.id == body["id"]


def _sessions_stop_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["id"] == ctx["entry"]
    assert body["start_time"] == NOW
    assert body["end_time"] == "2024-01-22T09:45:00+00:00"
    assert body["total_hours"] == 0.75
    assert body["total_earned"] == 30.0
    assert services.entries.active(services.entries.caller(user_id)) is None


def _sessions_active_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["id"] == ctx["entry"]
    assert body["end_time"] is None
    assert body["hourly_rate"] == 40.0


def _stats_setup(services, user_id, clock):
    completed_entry(services, user_id, hours=2, rate="50", day=22)  # today (Monday)
    completed_entry(services, user_id, hours=3, rate="20", day=5)  # this month, an earlier week
    return {}


def _stats_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body == {
        "total_hours_today": 2.0,
        "total_earned_today": 100.0,
        "total_hours_week": 2.0,
        "total_earned_week": 100.0,
        "total_hours_month": 5.0,
        "total_earned_month": 160.0,
        "unpaid_amount": 160.0,
        "invoiced_amount": 0.0,
        "paid_amount": 0.0,
    }


def _settings_get_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body == {"default_hourly_rate": 0.0, "currency": "USD", "timezone": "UTC", "week_start": "monday"}


def _settings_put_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body == {"default_hourly_rate": 50.0, "currency": "EUR", "timezone": "UTC", "week_start": "monday"}
    assert services.settings.get(user_id).currency == "EUR"


# ---------------------------------------------------------- workspaces ---


def _world(services, user_id, clock):
    return workspace_world(services, user_id)


def _world_without_members(services, user_id, clock):
    return workspace_world(services, user_id, members=False)


def _workspaces_create_check(status, body, ctx, services, user_id):
    assert status == 201
    assert body["name"] == "Acme Consulting"
    assert body["role"] == "owner"
    assert body["created_by"] == user_id
    assert body["created_at"] == NOW
    assert [w.id for w, _ in services.workspaces.of_user(user_id)] == [body["id"]]


def _workspaces_list_setup(services, user_id, clock):
    ctx = workspace_world(services, user_id)
    services.workspaces.create(ctx["member"], "Not the demo user's")
    return ctx


def _workspaces_list_check(status, body, ctx, services, user_id):
    assert status == 200
    assert [(w["id"], w["name"], w["role"]) for w in body] == [(ctx["workspace"], "Acme", "owner")]


def _members_add_check(status, body, ctx, services, user_id):
    assert status == 201
    assert body == {
        "workspace_id": ctx["workspace"],
        "user_id": ctx["member"],
        "email": None,
        "role": "member",
        "status": "invited",
        "joined_at": None,
        "invited_by": user_id,
        "invited_at": NOW,
    }
    assert services.workspaces.member_of(ctx["workspace"], ctx["member"]) is None  # until they accept
    assert [i.workspace_id for i in services.workspaces.invitations_of(ctx["member"])] == [ctx["workspace"]]


def _members_list_check(status, body, ctx, services, user_id):
    assert status == 200
    expected = sorted([(user_id, "owner"), (ctx["member"], "member"), (ctx["member_b"], "member")])
    assert [(m["user_id"], m["role"]) for m in body] == expected
    assert {m["workspace_id"] for m in body} == {ctx["workspace"]}


def _members_update_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["user_id"] == ctx["member"]
    assert body["role"] == "executive_manager"
    assert services.workspaces.member_of(ctx["workspace"], ctx["member"]).role is Role.EXECUTIVE_MANAGER


def _members_remove_setup(services, user_id, clock):
    return clocked_in(services, user_id, clock, minutes=30)


def _members_remove_check(status, body, ctx, services, user_id):
    # The member leaves the workspace, their clock-in there stops (and is forwarded), their contract ends.
    assert status == 204
    assert body is None
    ws = services.workspaces
    assert ws.member_of(ctx["workspace"], ctx["member"]) is None
    assert ws.member_of(ctx["workspace"], ctx["member_b"]) is not None
    entry = services.entries.get(services.entries.caller(ctx["member"]), ctx["entry"])
    assert entry.end_time == dt.datetime(2024, 1, 22, 9, 30, tzinfo=UTC)
    assert [m["type"] for m in queued(services)] == ["clock_in.started", "clock_in.stopped"]
    assert ws.contract(user_id, ctx["workspace"], ctx["contract"]).ended_at == entry.end_time
    assert ws.contract(user_id, ctx["workspace"], ctx["contract_b"]).active


def _members_revoke_setup(services, user_id, clock):
    ctx = workspace_world(services, user_id)
    services.workspaces.invite(user_id, ctx["workspace"], Role.MEMBER, email="invitee@example.com")
    services.workspaces.invite(user_id, ctx["workspace"], Role.MEMBER, email="other@example.com")
    return ctx


def _members_revoke_check(status, body, ctx, services, user_id):
    assert status == 204
    assert body is None
    invited = [m for m in services.workspaces.members(user_id, ctx["workspace"]) if isinstance(m, Invitation)]
    assert [i.email for i in invited] == ["other@example.com"]


def _projects_create_check(status, body, ctx, services, user_id):
    assert status == 201
    assert body["workspace_id"] == ctx["workspace"]
    assert body["name"] == "Website relaunch"
    assert body["hourly_rate"] == 85.0
    assert body["archived"] is False
    projects = services.workspaces.projects(user_id, ctx["workspace"])
    assert sorted(p.id for p in projects) == sorted([ctx["project"], body["id"]])


def _projects_list_check(status, body, ctx, services, user_id):
    assert status == 200
    assert [(p["id"], p["name"], p["hourly_rate"], p["archived"]) for p in body] == [
        (ctx["project"], "Website", 80.0, False)
    ]


def _projects_get_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["id"] == ctx["project"]
    assert body["workspace_id"] == ctx["workspace"]
    assert body["name"] == "Website"
    assert body["hourly_rate"] == 80.0


def _projects_update_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["id"] == ctx["project"]
    assert body["name"] == "Website relaunch 2024"
    assert body["hourly_rate"] == 90.5
    assert services.workspaces.project(user_id, ctx["workspace"], ctx["project"]).hourly_rate == Decimal("90.5")


def _projects_archive_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["id"] == ctx["project"]
    assert body["archived"] is True
    assert [p.archived for p in services.workspaces.projects(user_id, ctx["workspace"])] == [True]


def _contracts_create_check(status, body, ctx, services, user_id):
    assert status == 201
    assert body["workspace_id"] == ctx["workspace"]
    assert body["user_id"] == ctx["member"]
    assert body["project_id"] == ctx["project"]
    assert body["hourly_rate"] == 75.0
    assert body["active"] is True
    assert body["ended_at"] is None
    assert body["tracked_minutes"] == 0.0
    assert body["id"] not in (ctx["contract"], ctx["contract_b"])


def _contracts_list_check(status, body, ctx, services, user_id):
    assert status == 200
    assert [(c["id"], c["user_id"], c["hourly_rate"]) for c in body] == [(ctx["contract"], ctx["member"], 60.0)]


def _contracts_get_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["id"] == ctx["contract"]
    assert body["user_id"] == ctx["member"]
    assert body["project_id"] == ctx["project"]
    assert body["hourly_rate"] == 60.0
    assert body["active"] is True


def _contracts_end_setup(services, user_id, clock):
    ctx = workspace_world(services, user_id)
    clock.advance(hours=1)
    return ctx


def _contracts_end_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["id"] == ctx["contract"]
    assert body["active"] is False
    assert body["ended_at"] == "2024-01-22T10:00:00+00:00"
    assert services.workspaces.contract(user_id, ctx["workspace"], ctx["contract_b"]).active is True


def _tasks_create_check(status, body, ctx, services, user_id):
    assert status == 201
    assert body["workspace_id"] == ctx["workspace"]
    assert body["project_id"] == ctx["project"]
    assert body["title"] == "Design the landing page"
    assert body["status"] == "todo"
    assert body["tracked_minutes"] == 0.0


def _tasks_list_setup(services, user_id, clock):
    # The event asks for the project's tasks still to do.
    ctx = workspace_world(services, user_id)
    ws = services.workspaces
    done = ws.create_task(user_id, ctx["workspace"], ctx["project"], "Old work")
    ws.update_task(user_id, ctx["workspace"], done.id, {"status": TaskStatus.DONE})
    other = ws.create_project(user_id, ctx["workspace"], "Elsewhere", None)
    ws.create_task(user_id, ctx["workspace"], other.id, "Another project's task")
    return ctx


def _tasks_list_check(status, body, ctx, services, user_id):
    assert status == 200
    assert [(t["id"], t["title"], t["status"]) for t in body] == [(ctx["task"], "Landing page", "todo")]


def _tasks_get_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["id"] == ctx["task"]
    assert body["project_id"] == ctx["project"]
    assert body["title"] == "Landing page"
    assert body["status"] == "todo"


def _tasks_update_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["id"] == ctx["task"]
    assert body["status"] == "review"
    assert body["title"] == "Landing page"  # unchanged


def _card_setup(services, user_id, clock):
    """The world, and a subtask of its task."""
    ctx = workspace_world(services, user_id)
    ctx["subtask"] = services.cards.create_subtask(user_id, ctx["workspace"], ctx["task"], "Hero section").id
    return ctx


def _assigned_setup(services, user_id, clock):
    """The world, with the member assigned to its task."""
    ctx = workspace_world(services, user_id)
    services.cards.assign(user_id, ctx["workspace"], ctx["task"], ctx["member"])
    return ctx


def _subtasks_create_check(status, body, ctx, services, user_id):
    assert status == 201
    assert (body["task_id"], body["name"], body["status"], body["position"]) == (
        ctx["task"],
        "Create login form UI",
        "todo",
        1,
    )
    assert [s.id for s in services.cards.subtasks(user_id, ctx["workspace"], ctx["task"])] == [body["id"]]


def _subtasks_list_check(status, body, ctx, services, user_id):
    assert status == 200
    assert [(s["id"], s["name"]) for s in body] == [(ctx["subtask"], "Hero section")]


def _subtasks_update_check(status, body, ctx, services, user_id):
    assert status == 200
    assert (body["id"], body["name"], body["status"]) == (ctx["subtask"], "Hero section", "done")


def _subtasks_delete_check(status, body, ctx, services, user_id):
    assert status == 204
    assert services.cards.find_subtask(ctx["workspace"], ctx["subtask"]) is None


def _assignees_add_check(status, body, ctx, services, user_id):
    assert status == 201
    assert (body["task_id"], body["user_id"], body["assignment_status"]) == (ctx["task"], ctx["member"], "assigned")
    assert body["assigned_by"] == user_id


def _assignees_list_check(status, body, ctx, services, user_id):
    assert status == 200
    assert [(a["user_id"], a["assignment_status"]) for a in body] == [(ctx["member"], "assigned")]


def _assignees_remove_check(status, body, ctx, services, user_id):
    assert status == 204
    assert services.cards.assignments(user_id, ctx["workspace"], ctx["task"]) == []


def _clients_create_check(status, body, ctx, services, user_id):
    assert status == 201
    assert body["workspace_id"] == ctx["workspace"]
    assert body["id"] != ctx["client"]
    assert (body["name"], body["email"], body["company"]) == (
        "Globex Corporation",
        "billing@globex.example",
        "Globex Corp.",
    )
    assert (body["phone"], body["address"], body["default_hourly_rate"]) == (
        "+1 555 0100",
        "1 Globex Way, Springfield",
        95.0,
    )
    assert body["created_at"] == body["updated_at"] == "2024-01-22T09:00:00+00:00"


def _clients_list_check(status, body, ctx, services, user_id):
    assert status == 200
    assert [(c["id"], c["name"], c["email"]) for c in body] == [(ctx["client"], "Initech", "ap@initech.example")]


def _clients_get_check(status, body, ctx, services, user_id):
    assert status == 200
    assert (body["id"], body["name"], body["phone"]) == (ctx["client"], "Initech", None)


def _clients_update_check(status, body, ctx, services, user_id):
    assert status == 200
    assert (body["name"], body["email"]) == ("Initech", "ap@initech.example")  # unchanged
    assert (body["phone"], body["default_hourly_rate"]) == ("+1 555 0199", 110.0)
    assert services.workspaces.client(user_id, ctx["workspace"], ctx["client"]).phone == "+1 555 0199"


def _clients_delete_check(status, body, ctx, services, user_id):
    assert status == 204
    assert services.workspaces.clients(user_id, ctx["workspace"]) == []


# ------------------------------------------------- the invitee's invitations ---


def _invited_setup(services, user_id, clock):
    """Two workspaces of another user invite the demo user: Acme by user id, Beta by email."""
    ws, owner = services.workspaces, services.accounts.create_user("owner@example.com")
    acme, _ = ws.create(owner, "Acme")
    beta, _ = ws.create(owner, "Beta")
    ws.invite(owner, acme.id, Role.EXECUTIVE_MANAGER, user_id=user_id)
    ws.invite(owner, beta.id, Role.MEMBER, email=stack.DEMO_EMAIL.upper())
    return {"owner": owner, "workspace": acme.id, "beta": beta.id}


def _invitations_list_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body == [
        {
            "workspace_id": ctx["workspace"],
            "workspace_name": "Acme",
            "role": "executive_manager",
            "invited_by": ctx["owner"],
            "invited_at": NOW,
        },
        {
            "workspace_id": ctx["beta"],
            "workspace_name": "Beta",
            "role": "member",
            "invited_by": ctx["owner"],
            "invited_at": NOW,
        },
    ]


def _invitations_accept_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["workspace_id"] == ctx["workspace"]
    assert body["user_id"] == user_id
    assert body["role"] == "executive_manager"
    assert body["status"] == "active"
    assert services.workspaces.member_of(ctx["workspace"], user_id).role is Role.EXECUTIVE_MANAGER
    assert [i.workspace_id for i in services.workspaces.invitations_of(user_id)] == [ctx["beta"]]


def _invitations_decline_check(status, body, ctx, services, user_id):
    assert status == 204
    assert body is None
    assert services.workspaces.member_of(ctx["workspace"], user_id) is None
    assert [i.workspace_id for i in services.workspaces.invitations_of(user_id)] == [ctx["beta"]]


# ----------------------------------------------------- clock-in API (000) ---


def _clock_in_start_check(status, body, ctx, services, user_id):
    assert status == 200
    data = assert_envelope(body, "Time tracking started successfully")
    assert data == {
        "start_time": NOW_Z,
        "contract_id": ctx["contract"],
        "project_id": ctx["project"],
        "task_id": ctx["task"],
    }
    running = services.entries.active(services.entries.caller(ctx["member"]))
    assert running is not None
    assert running.hourly_rate == Decimal("60")  # the contract's rate
    assert running.notes == "Working on API documentation"
    [message] = queued(services)
    assert message["type"] == "clock_in.started"
    assert message["entry_id"] == running.id
    assert message["actor_user_id"] == user_id


def _clock_in_stop_setup(services, user_id, clock):
    return clocked_in(services, user_id, clock, minutes=90)


def _clock_in_stop_check(status, body, ctx, services, user_id):
    assert status == 200
    data = assert_envelope(body, "Time tracking stopped successfully")
    assert data == {
        "start_time": NOW_Z,
        "end_time": "2024-01-22T10:30:00Z",
        "duration_minutes": 90.0,
        "contract_id": ctx["contract"],
        "project_id": ctx["project"],
        "task_id": ctx["task"],
    }
    caller = services.entries.caller(ctx["member"])
    assert services.entries.active(caller) is None
    entry = services.entries.get(caller, ctx["entry"])
    assert entry.total_earned == Decimal("90")  # 1.5 h at the contract's 60
    assert [m["type"] for m in queued(services)] == ["clock_in.started", "clock_in.stopped"]


def _clock_in_active_setup(services, user_id, clock):
    return clocked_in(services, user_id, clock, minutes=10)


def _clock_in_active_check(status, body, ctx, services, user_id):
    assert status == 200
    data = assert_envelope(body, "Active time tracking found")
    assert data == {
        "start_time": NOW_Z,
        "contract_id": ctx["contract"],
        "project_id": ctx["project"],
        "task_id": ctx["task"],
        "activity_description": "Writing the docs",
    }


# --------------------------------------------------------------- tokens ---


def _tokens_create_check(status, body, ctx, services, user_id):
    assert status == 201
    assert body["user_id"] == ctx["member"]
    assert body["workspace_id"] == ctx["workspace"]
    assert body["created_by"] == user_id
    assert body["scopes"] == ["read:time_entries", "write:time_entries", "read:projects"]
    assert body["expires_at"] == "2024-04-21T09:00:00+00:00"  # 90 days after the clock's now
    assert body["token_prefix"] == body["token"][:8]
    principal = services.auth.authenticate(body["token"], None)
    assert (principal.user_id, principal.workspace_id, principal.token_id) == (
        ctx["member"],
        ctx["workspace"],
        body["id"],
    )


def _tokens_setup(services, user_id, clock):
    ctx = workspace_world(services, user_id)
    mine = services.tokens.create(Principal(user_id), name="Read only", scopes_requested=["read:*"])
    services.tokens.create(
        Principal(user_id),
        name="For the member",
        scopes_requested=["read:tasks"],
        workspace_id=ctx["workspace"],
        user_id=ctx["member"],
    )
    return ctx | {"token": mine.record.id, "secret": mine.token}


def _tokens_list_check(status, body, ctx, services, user_id):
    assert status == 200
    assert [(t["name"], t["user_id"], t["scopes"]) for t in body] == [
        ("demo", user_id, ["*"]),
        ("Read only", user_id, ["read:*"]),
        ("For the member", ctx["member"], ["read:tasks"]),
    ]
    assert body[0]["usage_count"] == 1  # this very request, with the demo token
    assert all("token" not in t and t["token_prefix"].startswith("tt_") for t in body)


def _tokens_revoke_check(status, body, ctx, services, user_id):
    assert status == 204
    with pytest.raises(Unauthorized):
        services.auth.authenticate(ctx["secret"], None)
    assert "Read only" not in [record.name for record, _ in services.tokens.listed(Principal(user_id))]


# ------------------------------------------------------ time logs (003) ---


def _board(services, user_id, clock) -> dict[str, Any]:
    """The demo user's workspace, its task (the card) with a subtask."""
    ctx = workspace_world(services, user_id)
    ctx["subtask"] = services.cards.create_subtask(user_id, ctx["workspace"], ctx["task"], "Create login form UI").id
    return ctx


def _logged(services, user_id, clock, *, minutes: int | None, **on) -> dict[str, Any]:
    """The board and the demo user's log on the card (or ``on`` its subtask), started at
    09:00; ``minutes`` later it stops (None: still running) and the clock is there."""
    ctx = _board(services, user_id, clock)
    target = {"subtask_id": ctx["subtask"]} if on.get("subtask") else {"task_id": ctx["task"]}
    ctx["entry"] = services.time_logs.start(user_id, notes="Working on login", **target).id
    clock.advance(minutes=minutes or 45)
    if minutes is not None:
        services.time_logs.stop(user_id, ctx["entry"])
    return ctx


def _time_logs_list_setup(services, user_id, clock):
    ctx = _logged(services, user_id, clock, minutes=30)
    ctx["running"] = services.time_logs.start(user_id, task_id=ctx["task"]).id
    return ctx


def _time_logs_list_check(status, body, ctx, services, user_id):
    # The event asks for the ongoing logs, 10 a page.
    assert status == 200
    assert [log["id"] for log in body["data"]] == [ctx["running"]]
    assert body["data"][0]["is_ongoing"] is True
    assert body["meta"] == {
        "total": 1,
        "ongoing_count": 1,
        "completed_count": 1,
        "current_page": 1,
        "last_page": 1,
        "per_page": 10,
    }


def _time_logs_ongoing_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["message"] == "Ongoing timer ditemukan"
    assert body["data"] == {
        "id": ctx["entry"],
        "card_id": ctx["task"],
        "card_title": "Landing page",
        "board_name": "Website",
        "subtask_id": None,
        "subtask_name": None,
        "start_time": NOW,
        "elapsed_minutes": 45,
        "elapsed_formatted": "45 menit",
        "description": "Working on login",
    }


def _time_logs_start_check(status, body, ctx, services, user_id):
    assert status == 201
    assert body["message"] == "Time tracking dimulai"
    assert body["data"]["card_id"] == ctx["task"]
    assert body["data"]["description"] == "Starting work on login feature"
    assert services.time_logs.ongoing(user_id).id == body["data"]["id"]
    assert services.workspaces.find_task(ctx["workspace"], ctx["task"]).status is TaskStatus.IN_PROGRESS


def _time_logs_running_setup(services, user_id, clock):
    return _logged(services, user_id, clock, minutes=None)


def _time_logs_stop_setup(services, user_id, clock):
    ctx = _logged(services, user_id, clock, minutes=None)
    clock.advance(minutes=90)  # 135 minutes in all
    return ctx


def _time_logs_stop_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["message"] == "Time tracking dihentikan"
    data = body["data"]
    assert (data["id"], data["start_time"], data["end_time"]) == (ctx["entry"], NOW, "2024-01-22T11:15:00+00:00")
    assert (data["duration_minutes"], data["duration_formatted"]) == (135, "2 jam 15 menit")
    assert data["description"] == "Completed login authentication"
    assert services.time_logs.ongoing(user_id) is None


def _time_logs_completed_setup(services, user_id, clock):
    return _logged(services, user_id, clock, minutes=135)


def _time_logs_update_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body == {
        "success": True,
        "message": "Time log berhasil diupdate",
        "data": {"id": ctx["entry"], "description": "Updated work description"},
    }


def _time_logs_delete_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body == {"success": True, "message": "Time log berhasil dihapus"}
    assert services.time_logs.page(user_id).logs == []


def _time_logs_card_total_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["data"] == {
        "card_id": ctx["task"],
        "card_title": "Landing page",
        "total_minutes": 135,
        "total_hours": 2.25,
        "formatted": "2 jam 15 menit",
        "logs_count": 1,
    }


def _time_logs_subtask_total_setup(services, user_id, clock):
    return _logged(services, user_id, clock, minutes=180, subtask=True)


def _time_logs_subtask_total_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["data"] == {
        "subtask_id": ctx["subtask"],
        "subtask_name": "Create login form UI",
        "total_minutes": 180,
        "total_hours": 3,
        "formatted": "3 jam",
        "logs_count": 1,
    }


def _time_logs_subtask_status_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["message"] == "Status subtask berhasil diupdate ke done"
    assert body["data"] == {
        "subtask_id": ctx["subtask"],
        "subtask_name": "Create login form UI",
        "status": "done",
        "card_id": ctx["task"],
        "card_title": "Landing page",
    }


def _time_logs_card_status_setup(services, user_id, clock):
    ctx = _board(services, user_id, clock)
    services.cards.set_subtask_status(user_id, ctx["workspace"], ctx["subtask"], SubtaskStatus.DONE)
    return ctx


def _time_logs_card_status_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["data"] == {
        "card_id": ctx["task"],
        "card_title": "Landing page",
        "status": "review",
        "all_subtasks_done": True,
        "total_subtasks": 1,
    }
    assert services.workspaces.find_task(ctx["workspace"], ctx["task"]).status is TaskStatus.REVIEW


def _time_logs_unknown_path_check(status, body, ctx, services, user_id):
    # API Gateway sends every path under /api/v1/time-logs/ to the function: its format answers.
    assert status == 404
    assert body == {"success": False, "message": "Resource not found"}


# --------------------------------------------- organization time entries ---


def _org_entry(services, owner: int, ctx: dict[str, Any], start: str, end: str | None) -> int:
    return services.workspace_entries.create(
        owner,
        ctx["workspace"],
        task_id=ctx["task"],
        start_time=dt.datetime.fromisoformat(start),
        end_time=None if end is None else dt.datetime.fromisoformat(end),
    ).id


def _org_world_with_entry(services, user_id, clock):
    ctx = workspace_world(services, user_id)
    ctx["entry"] = _org_entry(services, user_id, ctx, "2024-01-22T07:00:00+00:00", "2024-01-22T08:00:00+00:00")
    return ctx


def _org_world_with_timer(services, user_id, clock):
    ctx = workspace_world(services, user_id)
    ctx["entry"] = services.workspace_entries.start(user_id, ctx["workspace"], task_id=ctx["task"]).id
    clock.advance(minutes=30)
    return ctx


def _org_list_setup(services, user_id, clock):
    # The event asks for the task's entries that start in January 2024, newest first.
    ctx = workspace_world(services, user_id)
    older = _org_entry(services, user_id, ctx, "2024-01-10T09:00:00+00:00", "2024-01-10T10:00:00+00:00")
    newer = _org_entry(services, user_id, ctx, "2024-01-15T09:00:00+00:00", "2024-01-15T09:45:00+00:00")
    _org_entry(services, user_id, ctx, "2023-12-31T09:00:00+00:00", "2023-12-31T10:00:00+00:00")
    return ctx | {"ids": [str(newer), str(older)]}


def _assert_org_entry(body: dict[str, Any], ctx: dict[str, Any], user_id: int) -> None:
    assert body["task_id"] == str(ctx["task"])
    assert body["task"] == {"id": str(ctx["task"]), "title": "Landing page", "status": "todo"}
    assert body["user"] == {"id": str(user_id), "email": "demo@example.com", "first_name": "Demo", "last_name": ""}


def _org_create_check(status, body, ctx, services, user_id):
    assert status == 201
    _assert_org_entry(body, ctx, user_id)
    assert (body["start_time"], body["end_time"], body["duration_minutes"]) == (
        "2024-01-22T07:00:00Z",
        "2024-01-22T08:30:00Z",
        90.0,
    )
    assert body["description"] == "Landing page copy"
    assert services.workspace_entries.get(user_id, ctx["workspace"], int(body["id"])).task_id == ctx["task"]


def _org_list_check(status, body, ctx, services, user_id):
    assert status == 200
    assert [entry["id"] for entry in body["time_entries"]] == ctx["ids"]
    assert body["pagination"] == {"total": 2, "page": 1, "page_size": 20, "total_pages": 1}


def _org_start_check(status, body, ctx, services, user_id):
    assert status == 200
    _assert_org_entry(body, ctx, user_id)
    assert (body["start_time"], body["end_time"], body["duration_minutes"]) == (NOW_Z, None, None)
    assert services.workspace_entries.running(user_id, ctx["workspace"]).id == int(body["id"])


def _org_stop_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["id"] == str(ctx["entry"])
    assert (body["end_time"], body["duration_minutes"]) == ("2024-01-22T09:30:00Z", 30.0)
    assert services.workspace_entries.running(user_id, ctx["workspace"]) is None


def _org_running_check(status, body, ctx, services, user_id):
    assert status == 200
    assert [entry["id"] for entry in body] == [str(ctx["entry"])]
    assert body[0]["end_time"] is None


def _org_aggregate_check(status, body, ctx, services, user_id):
    # January's entries on the task: 60 + 45 minutes (December's hour is outside the range).
    assert status == 200
    assert body == [{"total_duration_minutes": 105, "task_id": str(ctx["task"])}]


def _org_get_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["id"] == str(ctx["entry"])
    _assert_org_entry(body, ctx, user_id)
    assert (body["start_time"], body["end_time"], body["duration_minutes"]) == (
        "2024-01-22T07:00:00Z",
        "2024-01-22T08:00:00Z",
        60.0,
    )


def _org_update_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["id"] == str(ctx["entry"])
    assert (body["start_time"], body["end_time"], body["duration_minutes"]) == (
        "2024-01-22T06:00:00Z",
        "2024-01-22T08:30:00Z",
        150.0,
    )
    assert body["description"] == "Reviewed"


def _org_delete_check(status, body, ctx, services, user_id):
    assert status == 204
    assert body is None
    assert services.workspace_entries.find(ctx["workspace"], ctx["entry"]) is None


def _org_unknown_path_check(status, body, ctx, services, user_id):
    # API Gateway sends every path under the prefix to the function: {"message"} answers.
    assert status == 404
    assert body == {"message": "Not Found"}


# --------------------------------------------------------------- worker ---


def _clock_in_unknown_path_check(status, body, ctx, services, user_id):
    # API Gateway sends every path under /time-tracking/ to the function: the envelope answers.
    assert status == 404
    assert body["success"] is False
    assert body["message"] == "Not found"
    assert body["meta"]["api_version"] == "2.0.0"


def _worker_setup(services, user_id, clock):
    """The workspace, and the batch's entries as the table shows them after it (the worker acts
    only on events whose entry it finds): the member's 09:00-10:30 on the task, member_b's since 09:05."""
    ctx = workspace_world(services, user_id)
    entries = services.entries

    def entry(user: str, contract: str, task: int | None, start: dt.datetime, end: dt.datetime | None) -> int:
        origin = {"workspace_id": ctx["workspace"], "contract_id": ctx[contract], "project_id": ctx["project"]}
        return entries.create(
            entries.caller(ctx[user]), start_time=start, end_time=end, origin=origin | {"task_id": task}
        ).id

    at = dt.datetime(2024, 1, 22, 9, 0, tzinfo=UTC)
    ctx["entry"] = entry("member", "contract", ctx["task"], at, at + dt.timedelta(minutes=90))
    ctx["entry_b"] = entry("member_b", "contract_b", None, at + dt.timedelta(minutes=5), None)
    return ctx


def _worker_check(status, body, ctx, services, user_id):
    # The batch: member starts at 09:00 on the task, member_b at 09:05 without one, member stops at 10:30.
    assert body == {"batchItemFailures": []}
    ws, workspace = services.workspaces, ctx["workspace"]
    task = ws.task(user_id, workspace, ctx["task"])
    assert task.status is TaskStatus.IN_PROGRESS
    assert task.tracked_minutes == Decimal("90")
    contract = ws.contract(user_id, workspace, ctx["contract"])
    assert contract.tracked_minutes == Decimal("90")
    assert contract.first_started_at == dt.datetime(2024, 1, 22, 9, 0, tzinfo=UTC)
    assert contract.last_activity_at == dt.datetime(2024, 1, 22, 10, 30, tzinfo=UTC)
    other = ws.contract(user_id, workspace, ctx["contract_b"])
    assert other.tracked_minutes == Decimal("0")
    assert other.first_started_at == dt.datetime(2024, 1, 22, 9, 5, tzinfo=UTC)


EXPECTATIONS: dict[str, tuple[Setup, Check]] = {
    "entries_list.json": (_entries_list_setup, _entries_list_check),
    "entries_get.json": (_entry_setup, _entries_get_check),
    "entries_create.json": (_nothing, _entries_create_check),
    "entries_update.json": (_entry_setup, _entries_update_check),
    "entries_delete.json": (_entry_setup, _entries_delete_check),
    "sessions_start.json": (_nothing, _sessions_start_check),
    "sessions_stop.json": (_running_setup, _sessions_stop_check),
    "sessions_active.json": (_running_setup, _sessions_active_check),
    "stats_get.json": (_stats_setup, _stats_check),
    "settings_get.json": (_nothing, _settings_get_check),
    "settings_put.json": (_nothing, _settings_put_check),
    "workspaces_create.json": (_nothing, _workspaces_create_check),
    "workspaces_list.json": (_workspaces_list_setup, _workspaces_list_check),
    "workspaces_members_add.json": (_world_without_members, _members_add_check),
    "workspaces_members_list.json": (_world, _members_list_check),
    "workspaces_members_update.json": (_world, _members_update_check),
    "workspaces_members_remove.json": (_members_remove_setup, _members_remove_check),
    "workspaces_members_revoke.json": (_members_revoke_setup, _members_revoke_check),
    "invitations_list.json": (_invited_setup, _invitations_list_check),
    "invitations_accept.json": (_invited_setup, _invitations_accept_check),
    "invitations_decline.json": (_invited_setup, _invitations_decline_check),
    "workspaces_projects_create.json": (_world, _projects_create_check),
    "workspaces_projects_list.json": (_world, _projects_list_check),
    "workspaces_projects_get.json": (_world, _projects_get_check),
    "workspaces_projects_update.json": (_world, _projects_update_check),
    "workspaces_projects_archive.json": (_world, _projects_archive_check),
    "workspaces_contracts_create.json": (_world, _contracts_create_check),
    "workspaces_contracts_list.json": (_world, _contracts_list_check),
    "workspaces_contracts_get.json": (_world, _contracts_get_check),
    "workspaces_contracts_end.json": (_contracts_end_setup, _contracts_end_check),
    "workspaces_tasks_create.json": (_world, _tasks_create_check),
    "workspaces_tasks_list.json": (_tasks_list_setup, _tasks_list_check),
    "workspaces_tasks_get.json": (_world, _tasks_get_check),
    "workspaces_tasks_update.json": (_world, _tasks_update_check),
    "workspaces_subtasks_create.json": (_world, _subtasks_create_check),
    "workspaces_subtasks_list.json": (_card_setup, _subtasks_list_check),
    "workspaces_subtasks_update.json": (_card_setup, _subtasks_update_check),
    "workspaces_subtasks_delete.json": (_card_setup, _subtasks_delete_check),
    "workspaces_assignees_add.json": (_world, _assignees_add_check),
    "workspaces_assignees_list.json": (_assigned_setup, _assignees_list_check),
    "workspaces_assignees_remove.json": (_assigned_setup, _assignees_remove_check),
    "workspaces_clients_create.json": (_world, _clients_create_check),
    "workspaces_clients_list.json": (_world, _clients_list_check),
    "workspaces_clients_get.json": (_world, _clients_get_check),
    "workspaces_clients_update.json": (_world, _clients_update_check),
    "workspaces_clients_delete.json": (_world, _clients_delete_check),
    "clock_in_start.json": (_world, _clock_in_start_check),
    "clock_in_stop.json": (_clock_in_stop_setup, _clock_in_stop_check),
    "clock_in_active.json": (_clock_in_active_setup, _clock_in_active_check),
    "clock_in_unknown_path.json": (_nothing, _clock_in_unknown_path_check),
    "clock_in_worker_batch.json": (_worker_setup, _worker_check),
    "tokens_create.json": (_world, _tokens_create_check),
    "tokens_list.json": (_tokens_setup, _tokens_list_check),
    "tokens_revoke.json": (_tokens_setup, _tokens_revoke_check),
    "time_logs_list.json": (_time_logs_list_setup, _time_logs_list_check),
    "time_logs_ongoing.json": (_time_logs_running_setup, _time_logs_ongoing_check),
    "time_logs_start.json": (_board, _time_logs_start_check),
    "time_logs_stop.json": (_time_logs_stop_setup, _time_logs_stop_check),
    "time_logs_update.json": (_time_logs_completed_setup, _time_logs_update_check),
    "time_logs_delete.json": (_time_logs_completed_setup, _time_logs_delete_check),
    "time_logs_card_total.json": (_time_logs_completed_setup, _time_logs_card_total_check),
    "time_logs_subtask_total.json": (_time_logs_subtask_total_setup, _time_logs_subtask_total_check),
    "time_logs_subtask_status.json": (_board, _time_logs_subtask_status_check),
    "time_logs_card_status.json": (_time_logs_card_status_setup, _time_logs_card_status_check),
    "time_logs_unknown_path.json": (_nothing, _time_logs_unknown_path_check),
    **INTEGRATIONS_EXPECTATIONS,
    **INTEGRATIONS_ENTRY_EXPECTATIONS,
    "org_time_entries_create.json": (_world, _org_create_check),
    "org_time_entries_list.json": (_org_list_setup, _org_list_check),
    "org_time_entries_start.json": (_world, _org_start_check),
    "org_time_entries_stop.json": (_org_world_with_timer, _org_stop_check),
    "org_time_entries_running.json": (_org_world_with_timer, _org_running_check),
    "org_time_entries_aggregate.json": (_org_list_setup, _org_aggregate_check),
    "org_time_entries_get.json": (_org_world_with_entry, _org_get_check),
    "org_time_entries_update.json": (_org_world_with_entry, _org_update_check),
    "org_time_entries_delete.json": (_org_world_with_entry, _org_delete_check),
    "org_time_entries_unknown_path.json": (_world, _org_unknown_path_check),
}

HTTP_EVENTS = [name for name in EVENT_FILES if "routeKey" in load_event(name)]
# Routes of an operation: a path that is no operation answers 404 before any authentication.
# Seed 002's info, health and docs need no credential: their events carry none.
OPERATION_EVENTS = [
    name
    for name in HTTP_EVENTS
    if "+}" not in load_event(name)["routeKey"] and "authorization" in load_event(name)["headers"]
]


# ---------------------------------------------------------------- tests ---


@pytest.mark.parametrize("name", EVENT_FILES)
def test_event_through_lambda_handler(name, services, demo_user, clock):
    assert name in EXPECTATIONS, f"events/{name} has no expectations in tests/test_events.py"
    setup, check = EXPECTATIONS[name]
    event = load_event(name)
    ctx = setup(services, demo_user["user_id"], clock)
    status, body = invoke(with_real_ids(event, ctx))
    check(status, body, ctx, services, demo_user["user_id"])


@pytest.mark.parametrize("name", OPERATION_EVENTS)
def test_event_without_token_is_401(name, services, demo_user):
    event = load_event(name)
    del event["headers"]["authorization"]
    status, body = invoke(event)
    assert status == 401
    if group_of(event) == "clock_in":  # the v2 envelope
        assert body["success"] is False
        assert isinstance(body["message"], str)
    elif group_of(event) == "time_logs":  # seed 003's (Laravel's) 401
        assert body == {"message": "Unauthenticated."}
    elif group_of(event).startswith("integrations_"):  # seed 002's format
        assert body["error_code"] == "unauthorized"
    elif group_of(event) == "org_time_entries":  # seed 004's {"message"}
        assert body == {"message": "Not authenticated"}
    else:
        assert isinstance(body["detail"], str)


def test_every_event_belongs_to_the_template():
    routes = http_routes()
    for name in EVENT_FILES:
        event = load_event(name)
        trigger = trigger_of(event)  # fails for a queue the template does not have
        if trigger.startswith("sqs:"):
            assert all(record["eventSource"] == "aws:sqs" for record in event["Records"])
            continue
        assert event["version"] == "2.0"
        assert trigger in routes, f"events/{name}: {trigger} is not a route of template.yaml"
        assert event["requestContext"]["routeKey"] == trigger
        method, path = trigger.split(" ", 1)
        assert method in ("ANY", event["requestContext"]["http"]["method"])
        assert event["rawPath"] == event["requestContext"]["http"]["path"]
        params = event.get("pathParameters") or {}
        assert event["rawPath"] == concrete_path(path, params), f"events/{name}: rawPath and pathParameters disagree"


def test_every_route_and_queue_consumer_has_an_event():
    routes, consumers = http_routes(), queue_consumers()
    assert len(routes) >= 11
    covered = {trigger_of(load_event(name)) for name in EVENT_FILES}
    missing = sorted(set(routes) - covered) + sorted(f"sqs:{q}" for q in consumers if f"sqs:{q}" not in covered)
    assert missing == [], f"without a sample event in events/: {missing}"
