"""A failing dependency gets an honest answer: DynamoDB that throttles (after
the SDK's retries) or cannot be reached is 503 with ``Retry-After`` on every
route of every API, in that API's format, and the worker retries instead of
losing the event. Faults are injected in the services' own DynamoDB client
(tests/faults.py), so each request runs the real handlers over HTTP."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from decimal import Decimal

import boto3
import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from local import stack
from local.poller import LambdaContext, to_event
from tests.conftest import join
from tests.faults import DynamoFaults, but_token_lookup, is_token_lookup, keyed, operation
from timetrack.api.integrations.errors import serves as integrations_path
from timetrack.dal.aws import is_throttled
from timetrack.workspaces import TaskStatus

API = "/api/v1/time-tracking"
WS = "/api/v1/workspaces"
INVITATIONS = "/api/v1/invitations"
TOKENS = "/api/v1/tokens"
CLOCK_IN = "/time-tracking"
TIME_LOGS = "/api/v1/time-logs"
ORG = "/api/v1/organizations/{workspace_id}/taskodex/time-entries"


@pytest.fixture
def faults(services) -> Iterator[DynamoFaults]:
    injected = DynamoFaults(services.dynamodb)
    yield injected
    injected.remove()


@pytest.fixture
def world(services, client, make_user) -> dict:
    """An owner with a workspace, a member with a contract and a task, and an entry of the owner's."""
    owner, member = make_user("owner@example.com"), make_user("member@example.com")
    ws = services.workspaces
    workspace, _ = ws.create(owner["user_id"], "Acme")
    join(services, workspace.id, member["user_id"], by=owner["user_id"])
    project = ws.create_project(owner["user_id"], workspace.id, "Website", Decimal("50"))
    task = ws.create_task(owner["user_id"], workspace.id, project.id, "Landing page")
    initech = ws.create_client(owner["user_id"], workspace.id, "Initech")
    contract = ws.create_contract(owner["user_id"], workspace.id, member["user_id"], project.id, Decimal("40"))
    subtask = services.cards.create_subtask(owner["user_id"], workspace.id, task.id, "Hero")
    entry = client.post(
        f"{API}/entries",
        json={"start_time": "2024-01-22T07:00:00", "end_time": "2024-01-22T08:00:00"},
        headers=owner["headers"],
    )
    assert entry.status_code == 201, entry.text
    return {
        "owner": owner,
        "member": member,
        "ids": {
            "workspace_id": workspace.id,
            "project_id": project.id,
            "task_id": task.id,
            "subtask_id": subtask.id,
            "client_id": initech.id,
            "contract_id": contract.id,
            "user_id": member["user_id"],
            "entry_id": entry.json()["id"],
            "time_log_id": entry.json()["id"],
            "card_id": task.id,
        },
    }


def clock_in_body(ids: dict) -> dict:
    return {"workspace_id": ids["workspace_id"], "user_id": ids["user_id"], "contract_id": ids["contract_id"]}


# Every route of every API: (method, path template, JSON body or None), each a valid request.
ROUTES = [
    ("GET", f"{API}/entries", None),
    ("POST", f"{API}/entries", {"start_time": "2024-01-22T09:00:00", "end_time": "2024-01-22T10:00:00"}),
    ("GET", f"{API}/entries/{{entry_id}}", None),
    ("PUT", f"{API}/entries/{{entry_id}}", {"notes": "edited"}),
    ("DELETE", f"{API}/entries/{{entry_id}}", None),
    ("POST", f"{API}/sessions/start", None),
    ("POST", f"{API}/sessions/{{entry_id}}/stop", None),
    ("GET", f"{API}/sessions/active", None),
    ("GET", f"{API}/stats", None),
    ("GET", f"{API}/settings", None),
    ("PUT", f"{API}/settings", {"currency": "EUR"}),
    ("POST", WS, {"name": "Other"}),
    ("GET", WS, None),
    ("POST", f"{WS}/{{workspace_id}}/members", {"user_id": 999, "role": "member"}),
    ("GET", f"{WS}/{{workspace_id}}/members", None),
    ("DELETE", f"{WS}/{{workspace_id}}/members?email=someone@example.com", None),
    ("PATCH", f"{WS}/{{workspace_id}}/members/{{user_id}}", {"role": "executive_manager"}),
    ("DELETE", f"{WS}/{{workspace_id}}/members/{{user_id}}", None),
    ("POST", f"{WS}/{{workspace_id}}/projects", {"name": "Mobile"}),
    ("GET", f"{WS}/{{workspace_id}}/projects", None),
    ("GET", f"{WS}/{{workspace_id}}/projects/{{project_id}}", None),
    ("PUT", f"{WS}/{{workspace_id}}/projects/{{project_id}}", {"name": "Web"}),
    ("DELETE", f"{WS}/{{workspace_id}}/projects/{{project_id}}", None),
    ("POST", f"{WS}/{{workspace_id}}/contracts", {"user_id": 1, "project_id": 1, "hourly_rate": 10}),
    ("GET", f"{WS}/{{workspace_id}}/contracts", None),
    ("GET", f"{WS}/{{workspace_id}}/contracts/{{contract_id}}", None),
    ("DELETE", f"{WS}/{{workspace_id}}/contracts/{{contract_id}}", None),
    ("POST", f"{WS}/{{workspace_id}}/tasks", {"project_id": 1, "title": "Footer"}),
    ("GET", f"{WS}/{{workspace_id}}/tasks", None),
    ("GET", f"{WS}/{{workspace_id}}/tasks/{{task_id}}", None),
    ("PATCH", f"{WS}/{{workspace_id}}/tasks/{{task_id}}", {"status": "done"}),
    ("POST", f"{WS}/{{workspace_id}}/tasks/{{task_id}}/subtasks", {"name": "Form UI"}),
    ("GET", f"{WS}/{{workspace_id}}/tasks/{{task_id}}/subtasks", None),
    ("PATCH", f"{WS}/{{workspace_id}}/tasks/{{task_id}}/subtasks/{{subtask_id}}", {"status": "done"}),
    ("DELETE", f"{WS}/{{workspace_id}}/tasks/{{task_id}}/subtasks/{{subtask_id}}", None),
    ("POST", f"{WS}/{{workspace_id}}/tasks/{{task_id}}/assignees", {"user_id": 1}),
    ("GET", f"{WS}/{{workspace_id}}/tasks/{{task_id}}/assignees", None),
    ("DELETE", f"{WS}/{{workspace_id}}/tasks/{{task_id}}/assignees/{{user_id}}", None),
    ("POST", f"{WS}/{{workspace_id}}/clients", {"name": "Globex"}),
    ("GET", f"{WS}/{{workspace_id}}/clients", None),
    ("GET", f"{WS}/{{workspace_id}}/clients/{{client_id}}", None),
    ("PUT", f"{WS}/{{workspace_id}}/clients/{{client_id}}", {"phone": "+1 555 0100"}),
    ("DELETE", f"{WS}/{{workspace_id}}/clients/{{client_id}}", None),
    ("GET", INVITATIONS, None),
    ("POST", f"{INVITATIONS}/{{workspace_id}}/accept", None),
    ("DELETE", f"{INVITATIONS}/{{workspace_id}}", None),
    ("POST", TOKENS, {"name": "Export", "scopes": ["read:time_entries"]}),
    ("GET", TOKENS, None),
    ("DELETE", f"{TOKENS}/1", None),
    ("POST", f"{CLOCK_IN}/start", "clock-in"),
    ("POST", f"{CLOCK_IN}/stop", "clock-in"),
    ("GET", f"{CLOCK_IN}/active", "clock-in"),
    ("GET", TIME_LOGS, None),
    ("GET", f"{TIME_LOGS}/ongoing", None),
    ("POST", f"{TIME_LOGS}/start", {"subtask_id": 1, "description": "Hero image"}),
    ("POST", f"{TIME_LOGS}/{{time_log_id}}/stop", {"description": "Done"}),
    ("PUT", f"{TIME_LOGS}/{{time_log_id}}", {"description": "Edited"}),
    ("DELETE", f"{TIME_LOGS}/{{time_log_id}}", None),
    ("GET", f"{TIME_LOGS}/card/{{card_id}}/total", None),
    ("GET", f"{TIME_LOGS}/subtask/{{subtask_id}}/total", None),
    ("PATCH", f"{TIME_LOGS}/subtask/status", {"subtask_id": 1, "status": "done"}),
    ("PATCH", f"{TIME_LOGS}/card/status", {"card_id": 1, "status": "review"}),
    ("GET", "/api/v1/users/me", None),
    ("GET", "/api/v1/projects", None),
    ("POST", "/api/v1/projects", {"name": "Mobile", "hourly_rate": 60}),
    ("GET", "/api/v1/projects/{project_id}", None),
    ("PUT", "/api/v1/projects/{project_id}", {"name": "Web"}),
    ("PATCH", "/api/v1/projects/{project_id}", {"status": "on_hold"}),
    ("DELETE", "/api/v1/projects/{project_id}", None),
    ("GET", "/api/v1/tasks", None),
    ("POST", "/api/v1/tasks", {"name": "Footer", "project_id": 1, "priority": 2}),
    ("GET", "/api/v1/tasks/{task_id}", None),
    ("PUT", "/api/v1/tasks/{task_id}", {"status": "done"}),
    ("PATCH", "/api/v1/tasks/{task_id}", {"priority": "urgent"}),
    ("DELETE", "/api/v1/tasks/{task_id}", None),
    ("GET", "/api/v1/clients", None),
    ("POST", "/api/v1/clients", {"name": "Globex"}),
    ("GET", "/api/v1/clients/{client_id}", None),
    ("PUT", "/api/v1/clients/{client_id}", {"phone": "+1 555 0100"}),
    ("PATCH", "/api/v1/clients/{client_id}", {"company": "Initech Inc."}),
    ("DELETE", "/api/v1/clients/{client_id}", None),
    ("GET", "/api/v1/time-entries", None),
    (
        "POST",
        "/api/v1/time-entries",
        {"project_id": 1, "start_time": "2024-01-22T08:00:00Z", "end_time": "2024-01-22T09:00:00Z"},
    ),
    ("GET", "/api/v1/time-entries/export", None),
    ("GET", "/api/v1/time-entries/{entry_id}", None),
    ("PUT", "/api/v1/time-entries/{entry_id}", {"notes": "edited"}),
    ("PATCH", "/api/v1/time-entries/{entry_id}", {"billable": False}),
    ("DELETE", "/api/v1/time-entries/{entry_id}", None),
    ("GET", "/api/v1/timer/status", None),
    ("POST", "/api/v1/timer/start", {"project_id": 1}),
    ("POST", "/api/v1/timer/stop", None),
    ("GET", "/api/v1/reports/summary", None),
    ("POST", ORG, {"task_id": "{task_id}", "start_time": "2024-01-22T09:00:00Z", "duration_minutes": 30}),
    ("GET", ORG, None),
    ("POST", f"{ORG}/start", {"task_id": "{task_id}"}),
    ("POST", f"{ORG}/stop", {"task_id": "{task_id}"}),
    ("GET", f"{ORG}/running", None),
    ("GET", f"{ORG}/aggregate", None),
    ("GET", f"{ORG}/{{entry_id}}", None),
    ("PUT", f"{ORG}/{{entry_id}}", {"task_id": "{task_id}", "start_time": "2024-01-22T07:00:00Z"}),
    ("DELETE", f"{ORG}/{{entry_id}}", None),
]
# Seed 002's info and health read no credential; health reports an outage itself
# (tests/test_integrations_dialect.py).
PUBLIC_ROUTES = {("GET", "/api/v1/info"), ("GET", "/api/v1/health")}


def call(client, ids: dict, headers: dict, method: str, path: str, body):
    """One of ROUTES; the clock-in routes get the member's workspace, user and contract."""
    url = path.format(**ids)
    if isinstance(body, dict):  # string ids (seed 004) name their placeholder
        body = {name: value.format(**ids) if isinstance(value, str) else value for name, value in body.items()}
    if body == "clock-in":
        body = clock_in_body(ids)
        if method == "GET":
            return client.get(url, params={k: body[k] for k in ("workspace_id", "user_id")}, headers=headers)
    return client.request(method, url, json=body, headers=headers)


def assert_unavailable(response) -> dict:
    """503 with Retry-After, in the personal/workspace format, the clock-in envelope or
    the time-logs format, by path."""
    """503 with Retry-After, in the personal/workspace format, the clock-in envelope or seed 004's
    message by path."""
    assert response.status_code == 503, response.text
    assert int(response.headers["Retry-After"]) >= 1
    assert "WWW-Authenticate" not in response.headers  # nobody is signed out
    body = response.json()
    if "/taskodex/" in response.request.url.path:
        assert set(body) == {"message"}
        assert body["message"]
    elif response.request.url.path.startswith(CLOCK_IN):
        assert set(body) == {"success", "message", "error", "meta"}
        assert body["success"] is False
        assert body["meta"]["api_version"] == "2.0.0"
        assert body["error"]
    elif response.request.url.path.startswith(TIME_LOGS):
        assert set(body) == {"success", "message"}
        assert body["success"] is False
    elif integrations_path(response.request.url.path):  # seed 002's format
        assert set(body) == {"error", "message", "error_code"}
        assert body["error_code"] == "service_unavailable"
    else:
        assert set(body) == {"detail"}
        assert isinstance(body["detail"], str)
    return body


def logged_errors(output: str) -> list[dict]:
    """The ERROR records (and any with a stack trace) of the JSON log lines printed."""
    records = [json.loads(line) for line in output.splitlines() if line.startswith('{"level"')]
    return [r for r in records if r["level"] in ("ERROR", "CRITICAL") or "exception" in r]


def test_routes_cover_every_api_route(client):
    document = client.get("/openapi.json").json()
    served = {(method.upper(), path) for path, operations in document["paths"].items() for method in operations}
    listed = {
        (
            method,
            path.split("?")[0]
            .replace(f"{TOKENS}/1", f"{TOKENS}/{{token_id}}")
            .replace("{workspace_id}/taskodex", "{org_id}/taskodex"),
        )
        for method, path, _ in ROUTES
    }
    assert listed | PUBLIC_ROUTES == served, "add the new route to ROUTES"


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_throttling_is_503_with_retry_after_on_every_route(client, world, faults, capsys, method, path, body):
    capsys.readouterr()
    faults.throttle(but_token_lookup)
    response = call(client, world["ids"], world["owner"]["headers"], method, path, body)
    assert faults.failed, "the route made no DynamoDB call"
    body = assert_unavailable(response)
    assert "ThrottlingException" not in json.dumps(body)  # the client is told what, not the SDK's internals
    assert logged_errors(capsys.readouterr().out) == []  # an outage, not a bug: a warning, no stack trace


@pytest.mark.parametrize("path", [f"{API}/settings", WS, f"{CLOCK_IN}/active?workspace_id=1&user_id=1"])
def test_throttled_token_lookup_is_503_not_401(client, user, faults, path):
    faults.throttle(is_token_lookup)
    response = client.get(path, headers=user["headers"])
    assert_unavailable(response)
    assert faults.failed == ["GetItem"]
    faults.heal()
    assert client.get(path, headers=user["headers"]).status_code != 503


def test_throttled_batch_read_is_503(client, user, faults):
    assert client.post(f"{API}/sessions/start", headers=user["headers"]).status_code == 201
    faults.throttle(operation("BatchGetItem"))
    assert_unavailable(client.get(f"{API}/sessions/active", headers=user["headers"]))
    assert faults.failed == ["BatchGetItem"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (f"{API}/entries", {"start_time": "2024-01-22T09:00:00", "end_time": "2024-01-22T10:00:00"}),
        (f"{API}/sessions/start", None),
        (WS, {"name": "Acme"}),
    ],
)
def test_throttled_id_allocation_is_503_and_writes_nothing(client, user, faults, path, body):
    faults.throttle(keyed("COUNTER#"))
    assert_unavailable(client.post(path, json=body, headers=user["headers"]))
    assert faults.failed == ["UpdateItem"]
    faults.heal()
    assert client.get(f"{API}/entries", headers=user["headers"]).json() == []
    assert client.get(f"{API}/sessions/active", headers=user["headers"]).json() is None
    assert client.get(WS, headers=user["headers"]).json() == []


@pytest.mark.parametrize(
    "code", ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"]
)
def test_every_throttling_code_is_503(client, user, faults, code):
    faults.throttle(but_token_lookup, code=code)
    assert_unavailable(client.get(f"{API}/stats", headers=user["headers"]))


def test_transaction_cancelled_for_throttling_is_503_and_writes_nothing(client, user, faults):
    faults.cancel_transactions("None", "ThrottlingError", "None")
    assert_unavailable(client.post(f"{API}/sessions/start", headers=user["headers"]))
    assert faults.failed == ["TransactWriteItems"]
    faults.heal()
    assert client.get(f"{API}/sessions/active", headers=user["headers"]).json() is None


@pytest.mark.parametrize(
    ("reasons", "throttled"),
    [
        (["ThrottlingError"], True),
        (["None", "ProvisionedThroughputExceeded"], True),
        (["None", "ThrottlingError", "ConditionalCheckFailed"], False),  # the condition is the answer
        (["ConditionalCheckFailed", "None"], False),
        (["TransactionConflict"], False),
        ([], False),
    ],
)
def test_a_cancelled_transaction_is_throttled_only_for_throttling_reasons(reasons, throttled):
    parsed = {
        "Error": {"Code": "TransactionCanceledException"},
        "CancellationReasons": [{"Code": reason} for reason in reasons],
    }
    assert is_throttled(parsed) is throttled


def test_other_errors_are_not_taken_for_throttling():
    assert not is_throttled({"Error": {"Code": "ConditionalCheckFailedException"}})
    assert not is_throttled({"Error": {"Code": "ValidationException"}})


@pytest.mark.parametrize(
    "error",
    [
        EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com/"),
        ConnectTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com/"),
        ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com/"),
    ],
    ids=lambda error: type(error).__name__,
)
@pytest.mark.parametrize("path", [f"{API}/entries", f"{CLOCK_IN}/active?workspace_id=1&user_id=1"])
def test_unreachable_database_is_503(client, user, faults, capsys, error, path):
    faults.unreachable(error)
    capsys.readouterr()
    body = assert_unavailable(client.get(path, headers=user["headers"]))
    assert "cannot be reached" in json.dumps(body)
    assert logged_errors(capsys.readouterr().out) == []


# ------------------------------------------------------------ the worker ---


def test_throttled_worker_reports_the_record_failed_and_applies_it_when_retried(services, world, faults):
    """A throttled event is not lost: it is reported as a batch item failure
    (received again, and after 3 receives dead-lettered), and applies once
    DynamoDB answers again."""
    worker = importlib.import_module("functions.clock_in_worker.app")
    ids, owner = world["ids"], world["owner"]["user_id"]
    services.clock_ins.start(
        owner,
        workspace_id=ids["workspace_id"],
        user_id=ids["user_id"],
        contract_id=ids["contract_id"],
        task_id=ids["task_id"],
    )
    sqs = boto3.client("sqs", region_name=stack.REGION)
    url = services.config.clock_in_queue_url
    messages = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], MessageSystemAttributeNames=["All"]
    )["Messages"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    event = to_event(messages, arn, stack.REGION)
    idempotency_table = services.config.idempotency_table

    faults.throttle(lambda call: call["params"].get("TableName") != idempotency_table)
    response = worker.handler(event, LambdaContext("clock-in-worker-test", 30, stack.REGION))
    assert faults.failed
    assert response["batchItemFailures"] == [{"itemIdentifier": messages[0]["MessageId"]}]

    faults.heal()
    task = services.workspaces.task(owner, ids["workspace_id"], ids["task_id"])
    assert task.status == TaskStatus.TODO  # nothing applied by the failed attempt
    response = worker.handler(event, LambdaContext("clock-in-worker-test", 30, stack.REGION))
    assert response["batchItemFailures"] == []
    task = services.workspaces.task(owner, ids["workspace_id"], ids["task_id"])
    assert task.status == TaskStatus.IN_PROGRESS
