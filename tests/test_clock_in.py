"""Workspace clock-in, API v2 (seed 000): the HTTP surface, the envelope, the
permission matrix, the queue message, and the send-failure compensation.

The combined local app (``client``) serves these routes beside the personal
API, whose error handlers speak bare JSON: the clock-in routes must still
answer the envelope there. The Lambda handler (``functions.clock_in.app``)
is exercised with the sample events in events/.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import re
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from local import stack
from tests.conftest import join, load_event
from tests.racing import race
from timetrack import runtime
from timetrack.config import Settings
from timetrack.dal import aws as aws_clients
from timetrack.errors import TimerRunning
from timetrack.workspaces import Role

QUEUE_NAME = "timetrack-clock-in-queue.fifo"
PERSONAL = "/api/v1/time-tracking"
START = "/time-tracking/start"
STOP = "/time-tracking/stop"
ACTIVE = "/time-tracking/active"
NOW = dt.datetime(2024, 1, 22, 9, 0, tzinfo=dt.UTC)  # the clock fixture's start
CONCURRENT = 20


class FakeContext:
    function_name = "timetrack-clock-in-test"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:timetrack-clock-in-test"
    aws_request_id = "0f2b7c1e-1d2a-4c55-9d1b-2b5f0c1e9a77"


# -------------------------------------------------------------- fixtures ---


def clock_in_queue(sqs) -> str:
    """The clock-in FIFO queue: the template's, once it declares one; ours otherwise."""
    try:
        return sqs.get_queue_url(QueueName=QUEUE_NAME)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "false"}
        return sqs.create_queue(QueueName=QUEUE_NAME, Attributes=attributes)["QueueUrl"]


@pytest.fixture
def queue_url(aws) -> str:
    return clock_in_queue(boto3.client("sqs", region_name=stack.REGION))


@pytest.fixture
def services(aws, clock, queue_url) -> runtime.Services:
    """conftest's container, wired to the clock-in queue (``client``, ``make_user`` use it)."""
    runtime.reset()
    built = runtime.build(Settings(clock_in_queue_url=queue_url, token_cache_seconds=0), clock=clock)
    runtime.reset(built)
    return built


@pytest.fixture
def world(services, make_user) -> dict[str, Any]:
    """Workspace "Acme": owner, executive manager, two members; projects P1 (the
    contracts') and P2; a task in each; an ended contract; and an outsider
    who owns another workspace."""
    ws = services.workspaces
    owner, manager = make_user("owner@example.com"), make_user("manager@example.com")
    carol, dave = make_user("carol@example.com"), make_user("dave@example.com")
    outsider = make_user("erin@example.com")
    acme, _ = ws.create(owner["user_id"], "Acme")
    join(services, acme.id, manager["user_id"], Role.EXECUTIVE_MANAGER, by=owner["user_id"])
    join(services, acme.id, carol["user_id"], by=owner["user_id"])
    join(services, acme.id, dave["user_id"], by=owner["user_id"])
    p1 = ws.create_project(owner["user_id"], acme.id, "Website", Decimal("50"))
    p2 = ws.create_project(owner["user_id"], acme.id, "Mobile app", Decimal("80"))
    carol_contract = ws.create_contract(owner["user_id"], acme.id, carol["user_id"], p1.id, Decimal("42.50"))
    dave_contract = ws.create_contract(owner["user_id"], acme.id, dave["user_id"], p1.id, Decimal("30"))
    ended = ws.create_contract(owner["user_id"], acme.id, carol["user_id"], p2.id, Decimal("60"))
    ws.end_contract(owner["user_id"], acme.id, ended.id)
    t1 = ws.create_task(owner["user_id"], acme.id, p1.id, "Landing page")
    t2 = ws.create_task(owner["user_id"], acme.id, p2.id, "Login screen")
    other, _ = ws.create(outsider["user_id"], "Elsewhere")
    other_project = ws.create_project(outsider["user_id"], other.id, "Theirs", Decimal("1"))
    other_task = ws.create_task(outsider["user_id"], other.id, other_project.id, "Their task")
    return {
        "owner": owner,
        "manager": manager,
        "carol": carol,
        "dave": dave,
        "outsider": outsider,
        "workspace": acme.id,
        "other_workspace": other.id,
        "p1": p1.id,
        "p2": p2.id,
        "carol_contract": carol_contract.id,
        "dave_contract": dave_contract.id,
        "ended_contract": ended.id,
        "t1": t1.id,
        "t2": t2.id,
        "other_task": other_task.id,
    }


def start_body(world: dict[str, Any], **changes: Any) -> dict[str, Any]:
    body = {
        "workspace_id": world["workspace"],
        "user_id": world["carol"]["user_id"],
        "contract_id": world["carol_contract"],
        "task_id": world["t1"],
        "activity_description": "Working on API documentation",
    }
    return body | changes


def personal_active(client, who: dict[str, Any]) -> dict[str, Any] | None:
    response = client.get(f"{PERSONAL}/sessions/active", headers=who["headers"])
    assert response.status_code == 200, response.text
    return response.json()


def personal_entries(client, who: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(f"{PERSONAL}/entries", headers=who["headers"])
    assert response.status_code == 200, response.text
    return response.json()


def receive_all(queue_url: str) -> list[dict[str, Any]]:
    """Every message on the queue now (body parsed, FIFO attributes beside it)."""
    sqs = boto3.client("sqs", region_name=stack.REGION)
    found: list[dict[str, Any]] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            VisibilityTimeout=30,
        ).get("Messages", [])
        if not batch:
            return found
        for message in batch:
            found.append({"body": json.loads(message["Body"]), "attributes": message["Attributes"]})


def parse_utc(text: str) -> dt.datetime:
    assert text.endswith("Z"), text
    value = dt.datetime.fromisoformat(text)
    assert value.utcoffset() == dt.timedelta(0)
    return value


def assert_meta(meta: Any) -> None:
    assert isinstance(meta, dict)
    assert set(meta) == {"api_version", "timestamp"}
    assert meta["api_version"] == "2.0.0"
    assert isinstance(meta["timestamp"], str)
    parse_utc(meta["timestamp"])


def assert_error(response, status: int) -> dict[str, Any]:
    """The seed's error envelope with the given status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"success", "message", "error", "meta"}
    assert body["success"] is False
    assert isinstance(body["message"], str)
    assert body["message"]
    assert body["error"] is None or isinstance(body["error"], str)
    assert_meta(body["meta"])
    assert "Traceback" not in response.text
    return body


def assert_started(response, *, contract_id: int, project_id: int, task_id: int | None, at: dt.datetime = NOW):
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"success", "message", "data", "meta"}
    assert body["success"] is True
    assert body["message"] == "Time tracking started successfully"
    assert body["data"] == {
        "start_time": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "contract_id": contract_id,
        "project_id": project_id,
        "task_id": task_id,
    }
    assert_meta(body["meta"])
    return body


# ----------------------------------------------------- permission matrix ---

# name: (actor, body changes, expected status); body values are world keys or literals.
UNKNOWN = 987654321
MATRIX = {
    "owner for a member": ("owner", {}, 200),
    "executive manager for a member": ("manager", {}, 200),
    "member for self": ("carol", {}, 200),
    "member for self without task": ("carol", {"task_id": None}, 200),
    "member for another member": ("dave", {}, 403),
    "non-member actor": ("outsider", {}, 404),
    "unknown workspace": ("owner", {"workspace_id": UNKNOWN}, 404),
    "someone else's workspace": ("owner", {"workspace_id": "other_workspace"}, 404),
    "target user not a member": ("owner", {"user_id": "outsider"}, 404),
    "target user unknown": ("owner", {"user_id": UNKNOWN}, 404),
    "contract of another user": ("owner", {"contract_id": "dave_contract"}, 404),
    "unknown contract": ("owner", {"contract_id": UNKNOWN}, 404),
    "unknown task": ("owner", {"task_id": UNKNOWN}, 404),
    "task of another workspace": ("owner", {"task_id": "other_task"}, 404),
    "task in another project": ("owner", {"task_id": "t2"}, 400),
    "ended contract": ("owner", {"contract_id": "ended_contract", "task_id": "t2"}, 400),
}


def _resolve(world: dict[str, Any], value: Any) -> Any:
    if isinstance(value, str):
        found = world[value]
        return found["user_id"] if isinstance(found, dict) else found
    return value


@pytest.mark.parametrize("case", list(MATRIX), ids=list(MATRIX))
def test_start_permission_matrix(case, client, world):
    actor, changes, expected = MATRIX[case]
    body = start_body(world, **{field: _resolve(world, value) for field, value in changes.items()})
    response = client.post(START, json=body, headers=world[actor]["headers"])
    if expected == 200:
        assert_started(response, contract_id=world["carol_contract"], project_id=world["p1"], task_id=body["task_id"])
        running = personal_active(client, world["carol"])
        assert running is not None
        assert running["hourly_rate"] == 42.5
        return
    error = assert_error(response, expected)
    assert error["error"]  # every rejection says why
    # Nothing was clocked in, for the member or for whoever was named.
    assert personal_active(client, world["carol"]) is None
    assert personal_entries(client, world["carol"]) == []


def test_rejection_messages(client, world):
    forbidden = assert_error(client.post(START, json=start_body(world), headers=world["dave"]["headers"]), 403)
    assert "themselves" in forbidden["error"]
    wrong_task = start_body(world, task_id=world["t2"])
    invalid = assert_error(client.post(START, json=wrong_task, headers=world["owner"]["headers"]), 400)
    assert invalid["message"] == "Validation failed"
    assert invalid["error"].startswith("task_id: ")
    ended = start_body(world, contract_id=world["ended_contract"], task_id=None)
    invalid = assert_error(client.post(START, json=ended, headers=world["owner"]["headers"]), 400)
    assert invalid["error"].startswith("contract_id: ")
    assert "ended" in invalid["error"]


def test_member_can_stop_and_read_only_their_own(client, world):
    assert client.post(START, json=start_body(world), headers=world["carol"]["headers"]).status_code == 200
    target = {"workspace_id": world["workspace"], "user_id": world["carol"]["user_id"]}
    assert_error(client.post(STOP, json=target, headers=world["dave"]["headers"]), 403)
    assert_error(client.get(ACTIVE, params=target, headers=world["dave"]["headers"]), 403)
    assert_error(client.post(STOP, json=target, headers=world["outsider"]["headers"]), 404)
    assert_error(client.get(ACTIVE, params=target, headers=world["outsider"]["headers"]), 404)
    assert personal_active(client, world["carol"]) is not None  # still running
    manager = client.get(ACTIVE, params=target, headers=world["manager"]["headers"])
    assert manager.status_code == 200
    assert manager.json()["data"]["contract_id"] == world["carol_contract"]


# ---------------------------------------------------------------- auth ---


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer tt_" + "x" * 32},
        {"Authorization": "Bearer not-a-token"},
        {"X-API-Key": "tt_" + "y" * 32},
    ],
    ids=["no token", "unknown token", "malformed token", "unknown api key"],
)
def test_unauthenticated_requests_get_the_envelope_401(headers, client, world):
    for response in (
        client.post(START, json=start_body(world), headers=headers),
        client.post(STOP, json={"workspace_id": world["workspace"], "user_id": 1}, headers=headers),
        client.get(ACTIVE, params={"workspace_id": world["workspace"], "user_id": 1}, headers=headers),
    ):
        assert_error(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
    assert personal_active(client, world["carol"]) is None


def test_invalid_body_without_token_is_still_401(client, world):
    response = client.post(START, json={"workspace_id": "x"})
    assert_error(response, 401)


def test_revoked_token_is_401(client, world, services):
    services.accounts.revoke_token(world["carol"]["token"])
    assert_error(client.post(START, json=start_body(world), headers=world["carol"]["headers"]), 401)


def test_api_key_header_authenticates(client, world):
    response = client.post(START, json=start_body(world), headers={"X-API-Key": world["carol"]["token"]})
    assert_started(response, contract_id=world["carol_contract"], project_id=world["p1"], task_id=world["t1"])


# ----------------------------------------------------------- validation ---


def test_malformed_json_is_400(client, world):
    response = client.post(
        START,
        content=b'{"workspace_id": 1, "user_id":',
        headers={**world["carol"]["headers"], "Content-Type": "application/json"},
    )
    body = assert_error(response, 400)
    assert body["message"] == "Malformed JSON body"
    assert body["error"]
    assert personal_entries(client, world["carol"]) == []


def test_missing_fields_are_named(client, world):
    response = client.post(START, json={"task_id": world["t1"]}, headers=world["carol"]["headers"])
    body = assert_error(response, 400)
    assert body["message"] == "Validation failed"
    assert body["error"] == "workspace_id: Field required; user_id: Field required; contract_id: Field required"


def test_wrong_types_are_named(client, world):
    wrong = start_body(world, workspace_id="one", user_id=1.5, contract_id=True, task_id="x", activity_description=7)
    body = assert_error(client.post(START, json=wrong, headers=world["carol"]["headers"]), 400)
    problems = dict(part.split(": ", 1) for part in body["error"].split("; "))
    assert set(problems) == {"workspace_id", "user_id", "contract_id", "task_id", "activity_description"}
    assert problems["workspace_id"] == "Input should be a valid integer"
    assert problems["task_id"] == "Input should be a valid integer"
    assert problems["activity_description"] == "Input should be a valid string"


def test_numeric_strings_are_not_integers(client, world):
    as_strings = start_body(world, workspace_id=str(world["workspace"]), contract_id=str(world["carol_contract"]))
    body = assert_error(client.post(START, json=as_strings, headers=world["carol"]["headers"]), 400)
    assert (
        body["error"] == "workspace_id: Input should be a valid integer; contract_id: Input should be a valid integer"
    )


@pytest.mark.parametrize("value", [0, -1, 2**53, 10**40])
def test_ids_out_of_range_are_400(value, client, world):
    body = assert_error(
        client.post(START, json=start_body(world, contract_id=value), headers=world["carol"]["headers"]), 400
    )
    assert body["error"].startswith("contract_id: ")


def test_activity_description_is_bounded(client, world):
    too_long = start_body(world, activity_description="a" * 2001)
    body = assert_error(client.post(START, json=too_long, headers=world["carol"]["headers"]), 400)
    assert body["error"] == "activity_description: String should have at most 2000 characters"
    longest = start_body(world, activity_description="a" * 2000)
    assert client.post(START, json=longest, headers=world["carol"]["headers"]).status_code == 200


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"", "application/json"), (b"[1, 2]", "application/json"), (b'"start"', "application/json"), (b"{}", None)],
    ids=["empty body", "array", "string", "no content type"],
)
def test_body_that_is_not_an_object_is_400(content, content_type, client, world):
    headers = dict(world["carol"]["headers"])
    if content_type:
        headers["Content-Type"] = content_type
    body = assert_error(client.post(START, content=content, headers=headers), 400)
    assert body["error"]


def test_active_query_is_validated(client, world):
    headers = world["carol"]["headers"]
    body = assert_error(client.get(ACTIVE, params={"workspace_id": world["workspace"]}, headers=headers), 400)
    assert body["error"] == "user_id: Field required"
    body = assert_error(client.get(ACTIVE, params={"workspace_id": "abc", "user_id": 1}, headers=headers), 400)
    assert body["error"].startswith("workspace_id: ")
    body = assert_error(client.post(STOP, json={"user_id": 1}, headers=headers), 400)
    assert body["error"] == "workspace_id: Field required"


# ------------------------------------------ start, stop, active; personal ---


def test_clock_in_is_a_personal_entry_with_the_contract_rate(client, world, clock):
    response = client.post(START, json=start_body(world), headers=world["owner"]["headers"])
    assert_started(response, contract_id=world["carol_contract"], project_id=world["p1"], task_id=world["t1"])

    running = personal_active(client, world["carol"])
    assert running is not None
    assert running["user_id"] == world["carol"]["user_id"]
    assert running["start_time"] == "2024-01-22T09:00:00+00:00"
    assert running["end_time"] is None
    assert running["hourly_rate"] == 42.5
    assert running["notes"] == "Working on API documentation"
    assert [e["id"] for e in personal_entries(client, world["carol"])] == [running["id"]]
    assert personal_active(client, world["owner"]) is None  # the actor's own timer is untouched

    clock.advance(minutes=90)
    stats = client.get(f"{PERSONAL}/stats", headers=world["carol"]["headers"])
    assert stats.status_code == 200
    assert stats.json()["total_hours_today"] == 1.5
    assert stats.json()["total_earned_today"] == 63.75  # 1.5 h x 42.50


def test_clock_in_on_a_project_without_its_own_rate(client, world):
    """A project's own rate is optional; the contract's rate is what a clock-in uses."""
    ws = runtime.services().workspaces
    owner = world["owner"]["user_id"]
    project = ws.create_project(owner, world["workspace"], "Internal", None)
    contract = ws.create_contract(owner, world["workspace"], world["carol"]["user_id"], project.id, Decimal("25"))
    task = ws.create_task(owner, world["workspace"], project.id, "Chores")
    body = start_body(world, contract_id=contract.id, task_id=task.id)
    response = client.post(START, json=body, headers=world["carol"]["headers"])
    assert_started(response, contract_id=contract.id, project_id=project.id, task_id=task.id)
    assert personal_active(client, world["carol"])["hourly_rate"] == 25.0


def test_stop_completes_the_entry(client, world, clock):
    target = {"workspace_id": world["workspace"], "user_id": world["carol"]["user_id"]}
    assert client.post(START, json=start_body(world), headers=world["manager"]["headers"]).status_code == 200
    clock.advance(minutes=45, seconds=20)

    response = client.post(STOP, json=target, headers=world["manager"]["headers"])

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"success", "message", "data", "meta"}
    assert body["success"] is True
    assert body["message"] == "Time tracking stopped successfully"
    assert body["data"] == {
        "start_time": "2024-01-22T09:00:00Z",
        "end_time": "2024-01-22T09:45:20Z",
        "contract_id": world["carol_contract"],
        "project_id": world["p1"],
        "task_id": world["t1"],
        "duration_minutes": 45.33,
    }
    assert_meta(body["meta"])
    assert personal_active(client, world["carol"]) is None
    (entry,) = personal_entries(client, world["carol"])
    assert entry["end_time"] == "2024-01-22T09:45:20+00:00"
    assert entry["total_hours"] == 0.76  # 45 min 20 s = 0.7556 h
    assert entry["total_earned"] == 32.3  # 0.76 x 42.50

    again = assert_error(client.post(STOP, json=target, headers=world["manager"]["headers"]), 400)
    assert again["message"] == "No timer is running for this user"


def test_stop_when_nothing_runs_is_400(client, world):
    target = {"workspace_id": world["workspace"], "user_id": world["carol"]["user_id"]}
    body = assert_error(client.post(STOP, json=target, headers=world["carol"]["headers"]), 400)
    assert body["message"] == "No timer is running for this user"


def test_stop_leaves_a_personal_session_alone(client, world):
    started = client.post(f"{PERSONAL}/sessions/start", headers=world["carol"]["headers"])
    assert started.status_code == 201
    target = {"workspace_id": world["workspace"], "user_id": world["carol"]["user_id"]}
    assert_error(client.post(STOP, json=target, headers=world["owner"]["headers"]), 400)
    assert personal_active(client, world["carol"])["id"] == started.json()["id"]


def test_active_returns_the_clock_in_or_null(client, world, clock):
    query = {"workspace_id": world["workspace"], "user_id": world["carol"]["user_id"]}
    empty = client.get(ACTIVE, params=query, headers=world["carol"]["headers"])
    assert empty.status_code == 200
    assert empty.json()["success"] is True
    assert empty.json()["data"] is None
    assert_meta(empty.json()["meta"])

    assert client.post(START, json=start_body(world), headers=world["owner"]["headers"]).status_code == 200
    clock.advance(minutes=10)
    running = client.get(ACTIVE, params=query, headers=world["carol"]["headers"])
    assert running.status_code == 200
    assert running.json()["success"] is True
    assert running.json()["data"] == {
        "start_time": "2024-01-22T09:00:00Z",
        "contract_id": world["carol_contract"],
        "project_id": world["p1"],
        "task_id": world["t1"],
        "activity_description": "Working on API documentation",
    }
    # The same user's timer, asked for in another workspace, is not there.
    elsewhere = client.get(
        ACTIVE,
        params={"workspace_id": world["other_workspace"], "user_id": world["outsider"]["user_id"]},
        headers=world["outsider"]["headers"],
    )
    assert elsewhere.json()["data"] is None


def test_clock_in_while_a_personal_session_runs_is_400(client, world):
    started = client.post(f"{PERSONAL}/sessions/start", headers=world["carol"]["headers"])
    assert started.status_code == 201
    body = assert_error(client.post(START, json=start_body(world), headers=world["owner"]["headers"]), 400)
    assert body["message"] == "A timer is already running for this user"
    assert personal_active(client, world["carol"])["id"] == started.json()["id"]
    assert len(personal_entries(client, world["carol"])) == 1


def test_second_clock_in_is_400(client, world):
    assert client.post(START, json=start_body(world), headers=world["carol"]["headers"]).status_code == 200
    body = assert_error(client.post(START, json=start_body(world), headers=world["owner"]["headers"]), 400)
    assert body["message"] == "A timer is already running for this user"
    assert len(personal_entries(client, world["carol"])) == 1


def test_personal_start_while_a_clock_in_runs_is_409(client, world):
    assert client.post(START, json=start_body(world), headers=world["owner"]["headers"]).status_code == 200
    running = personal_active(client, world["carol"])
    response = client.post(f"{PERSONAL}/sessions/start", headers=world["carol"]["headers"])
    assert response.status_code == 409
    assert response.json()["active_entry"]["id"] == running["id"]


# ---------------------------------------------------------- the queue ---


def test_start_and_stop_are_forwarded(client, world, clock, queue_url):
    assert client.post(START, json=start_body(world), headers=world["owner"]["headers"]).status_code == 200
    entry_id = personal_active(client, world["carol"])["id"]
    clock.advance(minutes=30)
    target = {"workspace_id": world["workspace"], "user_id": world["carol"]["user_id"]}
    assert client.post(STOP, json=target, headers=world["carol"]["headers"]).status_code == 200

    started, stopped = receive_all(queue_url)

    common = {
        "version": 1,
        "entry_id": entry_id,
        "workspace_id": world["workspace"],
        "user_id": world["carol"]["user_id"],
        "contract_id": world["carol_contract"],
        "project_id": world["p1"],
        "task_id": world["t1"],
    }
    assert started["body"].items() >= common.items()
    assert started["body"]["type"] == "clock_in.started"
    assert started["body"]["actor_user_id"] == world["owner"]["user_id"]
    assert parse_utc(started["body"]["start_time"]) == NOW
    assert started["body"]["end_time"] is None
    assert stopped["body"].items() >= common.items()
    assert stopped["body"]["type"] == "clock_in.stopped"
    assert stopped["body"]["actor_user_id"] == world["carol"]["user_id"]
    assert parse_utc(stopped["body"]["start_time"]) == NOW
    assert parse_utc(stopped["body"]["end_time"]) == NOW + dt.timedelta(minutes=30)
    # No API Gateway event behind the test client: each request gets its own UUID.
    request_ids = {started["body"]["request_id"], stopped["body"]["request_id"]}
    assert len(request_ids) == 2
    for request_id in request_ids:
        uuid.UUID(request_id)
    # FIFO: one group per user (in order), one deduplication id per timer and kind.
    for message in (started, stopped):
        assert message["attributes"]["MessageGroupId"] == f"user-{world['carol']['user_id']}"
        assert message["attributes"]["MessageDeduplicationId"] == message["body"]["event_id"]
        assert str(entry_id) in message["body"]["event_id"]
    assert started["body"]["event_id"] != stopped["body"]["event_id"]


def test_each_timer_has_its_own_deduplication_id(client, world, clock, queue_url):
    target = {"workspace_id": world["workspace"], "user_id": world["carol"]["user_id"]}
    for _ in range(2):
        assert client.post(START, json=start_body(world), headers=world["carol"]["headers"]).status_code == 200
        clock.advance(minutes=5)
        assert client.post(STOP, json=target, headers=world["carol"]["headers"]).status_code == 200
    messages = receive_all(queue_url)
    assert [m["body"]["type"] for m in messages] == ["clock_in.started", "clock_in.stopped"] * 2
    assert len({m["attributes"]["MessageDeduplicationId"] for m in messages}) == 4
    assert len(personal_entries(client, world["carol"])) == 2


def test_rejected_clock_ins_send_nothing(client, world, queue_url):
    assert_error(client.post(START, json=start_body(world), headers=world["dave"]["headers"]), 403)
    assert_error(
        client.post(START, json=start_body(world, task_id=world["t2"]), headers=world["owner"]["headers"]), 400
    )
    assert receive_all(queue_url) == []


# ------------------------------------------------------- send failures ---


def failing_sqs(services) -> Stubber:
    """A stub on the services' own SQS client that fails the next send_message."""
    stubber = Stubber(aws_clients.client("sqs", services.config.aws_region))
    stubber.add_client_error(
        "send_message", service_error_code="InternalError", service_message="SQS is down", http_status_code=500
    )
    return stubber


def test_start_that_cannot_be_forwarded_is_500_and_leaves_no_timer(client, world, services, queue_url):
    with failing_sqs(services) as stubber:
        response = client.post(START, json=start_body(world), headers=world["owner"]["headers"])
        stubber.assert_no_pending_responses()

    body = assert_error(response, 500)
    assert "SQS is down" not in response.text
    assert "InternalError" not in response.text
    assert body["message"] == "The clock-in could not be forwarded"
    assert personal_active(client, world["carol"]) is None
    assert personal_entries(client, world["carol"]) == []
    assert receive_all(queue_url) == []

    # Nothing half-exists: the same request succeeds once the queue is back.
    retried = client.post(START, json=start_body(world), headers=world["owner"]["headers"])
    assert_started(retried, contract_id=world["carol_contract"], project_id=world["p1"], task_id=world["t1"])
    assert [m["body"]["type"] for m in receive_all(queue_url)] == ["clock_in.started"]


def test_stop_that_cannot_be_forwarded_is_500_and_the_timer_runs_again(client, world, services, clock, queue_url):
    target = {"workspace_id": world["workspace"], "user_id": world["carol"]["user_id"]}
    assert client.post(START, json=start_body(world), headers=world["owner"]["headers"]).status_code == 200
    entry_id = personal_active(client, world["carol"])["id"]
    clock.advance(minutes=20)

    with failing_sqs(services) as stubber:
        response = client.post(STOP, json=target, headers=world["owner"]["headers"])
        stubber.assert_no_pending_responses()

    assert_error(response, 500)
    running = personal_active(client, world["carol"])
    assert running is not None
    assert running["id"] == entry_id
    assert running["end_time"] is None
    assert running["total_hours"] is None
    active = client.get(ACTIVE, params=target, headers=world["owner"]["headers"])
    assert active.json()["data"]["contract_id"] == world["carol_contract"]
    assert [m["body"]["type"] for m in receive_all(queue_url)] == ["clock_in.started"]

    clock.advance(minutes=10)
    stopped = client.post(STOP, json=target, headers=world["owner"]["headers"])
    assert stopped.status_code == 200
    assert stopped.json()["data"]["duration_minutes"] == 30.0


def test_unexpected_error_is_a_500_envelope_without_details(client, world, services, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services.clock_ins, "start", broken)
    response = client.post(START, json=start_body(world), headers=world["owner"]["headers"])
    body = assert_error(response, 500)
    assert "secret internals" not in response.text
    assert body["error"] == "Internal Server Error"


# ------------------------------------------------------------ metrics ---


def emitted_rejections(output: str) -> list[str]:
    """The ``reason`` of every ClockInsRejected EMF record printed."""
    reasons = []
    for line in output.splitlines():
        if line.startswith("{") and "ClockInsRejected" in line:
            record = json.loads(line)
            (directive,) = record["_aws"]["CloudWatchMetrics"]
            assert directive["Namespace"] == "Timetrack"
            assert [m["Name"] for m in directive["Metrics"]] == ["ClockInsRejected"]
            assert "reason" in directive["Dimensions"][0]
            reasons.append(record["reason"])
    return reasons


def test_rejections_are_counted_by_reason(client, world, capsys):
    capsys.readouterr()
    client.post(START, json=start_body(world), headers=world["dave"]["headers"])
    client.post(START, json={}, headers=world["carol"]["headers"])
    client.post(START, json=start_body(world))
    client.post(START, json=start_body(world, contract_id=UNKNOWN), headers=world["owner"]["headers"])
    assert client.post(START, json=start_body(world), headers=world["owner"]["headers"]).status_code == 200
    client.post(START, json=start_body(world), headers=world["owner"]["headers"])
    assert emitted_rejections(capsys.readouterr().out) == [
        "forbidden",
        "validation",
        "unauthorized",
        "not_found",
        "timer_running",
    ]


def test_forwarding_failure_is_counted(client, world, services, capsys):
    capsys.readouterr()
    with failing_sqs(services):
        client.post(START, json=start_body(world), headers=world["owner"]["headers"])
    assert emitted_rejections(capsys.readouterr().out) == ["forwarding_failed"]


# ------------------------------------------------------- seed contract ---

SEED_FILE = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_eeb3c802e16f6ae5.txt"
SEED_TYPES = {"boolean": bool, "string": str, "integer": int, "object": dict, "null": type(None)}


class Seed:
    """Seed 000 ("Start Time Tracking"): its endpoint, version and the field
    lists of the request and of each response, as written in the document."""

    def __init__(self, text: str) -> None:
        self.text = " ".join(text.split())
        self.sections: dict[str, dict[str, tuple[set[type], bool]]] = {}
        for section in re.split(r"(?:^| )## ", self.text)[1:]:
            title = section.split(" (", 1)[0].split(":", 1)[0]
            fields = {}
            for name, spec in re.findall(r"- `([\w.]+)` \(([^)]*)\)", section):
                kinds = [part.strip() for part in spec.split(",")]
                types = {SEED_TYPES[kind] for kind in kinds if kind != "required"}
                fields[name] = (types, "required" in kinds)
            self.sections[title] = fields

    @property
    def endpoint(self) -> str:
        return re.search(r"Endpoint: (\w+ \S+)", self.text).group(1)

    @property
    def version(self) -> str:
        return re.search(r"Version: (\S+)", self.text).group(1)

    def fields(self, title: str) -> dict[str, tuple[set[type], bool]]:
        if title not in self.sections:
            pytest.fail(f"seed {SEED_FILE.name}: no section {title!r} (found {sorted(self.sections)})")
        return self.sections[title]


@pytest.fixture(scope="module")
def seed() -> Seed:
    if not SEED_FILE.is_file():
        pytest.fail(f"seed contract missing: {SEED_FILE} (expected the shared seeds next to the repository)")
    return Seed(SEED_FILE.read_text(encoding="utf-8"))


def flatten(body: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in body.items():
        flat[prefix + key] = value
        if isinstance(value, dict):
            flat |= flatten(value, f"{prefix}{key}.")
    return flat


def assert_matches_seed(body: dict[str, Any], fields: dict[str, tuple[set[type], bool]]) -> None:
    """Exactly the seed's field names, each of a type the seed allows; required ones present."""
    flat = flatten(body)
    assert set(flat) == set(fields), f"fields {sorted(flat)} differ from the seed's {sorted(fields)}"
    for name, (types, _required) in fields.items():
        value = flat[name]
        if isinstance(value, bool):
            assert bool in types, f"{name}: {value!r} is a boolean, the seed says {types}"
        else:
            assert isinstance(value, tuple(types)), f"{name}: {value!r} is not one of {types}"


def test_seed_is_what_we_serve(seed):
    assert seed.endpoint == f"POST {START}"
    assert seed.version == "2.0.0"
    assert set(seed.fields("Request fields")) == {
        "workspace_id",
        "user_id",
        "contract_id",
        "task_id",
        "activity_description",
    }
    for status in (400, 401, 403, 404, 500):
        required = {name for name, (_, needed) in seed.fields(f"Response {status} fields").items() if needed}
        assert required == {"success", "message", "meta"}


def test_contract_request_matches_the_seed(client, seed):
    document = client.get("/openapi.json").json()
    operation = document["paths"][START]["post"]
    ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    wanted = seed.fields("Request fields")
    assert set(schema["properties"]) == set(wanted)
    assert set(schema.get("required", [])) == {name for name, (_, needed) in wanted.items() if needed}
    json_types = {bool: "boolean", str: "string", int: "integer", type(None): "null"}
    for name, (types, _) in wanted.items():
        prop = schema["properties"][name]
        ours = {option["type"] for option in prop.get("anyOf", [prop])}
        assert ours == {json_types[t] for t in types}, name


def test_contract_200_matches_the_seed(client, world, seed):
    response = client.post(START, json=start_body(world), headers=world["carol"]["headers"])
    assert response.status_code == 200
    body = response.json()
    assert_matches_seed(body, seed.fields("Response 200 fields"))
    assert body["meta"]["api_version"] == seed.version
    assert body["data"]["start_time"] == "2024-01-22T09:00:00Z"  # the form of the seed's "2024-01-15T10:30:00Z"

    stop = {"workspace_id": world["workspace"], "user_id": world["carol"]["user_id"]}
    assert client.post(STOP, json=stop, headers=world["carol"]["headers"]).status_code == 200
    response = client.post(START, json=start_body(world, task_id=None), headers=world["carol"]["headers"])
    assert_matches_seed(response.json(), seed.fields("Response 200 fields"))
    assert response.json()["data"]["task_id"] is None


def test_contract_errors_match_the_seed(client, world, services, seed):
    owner = world["owner"]["headers"]
    responses = {
        400: client.post(START, json={}, headers=owner),
        401: client.post(START, json=start_body(world)),
        403: client.post(START, json=start_body(world), headers=world["dave"]["headers"]),
        404: client.post(START, json=start_body(world, workspace_id=UNKNOWN), headers=owner),
    }
    with failing_sqs(services):
        responses[500] = client.post(START, json=start_body(world), headers=owner)
    for status, response in responses.items():
        assert response.status_code == status
        assert_matches_seed(response.json(), seed.fields(f"Response {status} fields"))
        assert response.json()["success"] is False
        assert response.json()["meta"]["api_version"] == seed.version


def test_openapi_documents_the_envelope(client):
    document = client.get("/openapi.json").json()
    for path, method in ((START, "post"), (STOP, "post"), (ACTIVE, "get")):
        operation = document["paths"][path][method]
        # The seed's (no validation 422), 503 (with Retry-After) when a backing service throttles or is
        # down, 429 (rate limit) and on a POST 409/422 (Idempotency-Key) and 413 (body over 1 MiB).
        added = {"409", "413", "422", "429"} if method == "post" else {"429"}
        assert set(operation["responses"]) == {"200", "400", "401", "403", "404", "500", "503"} | added
        assert "Retry-After" in operation["responses"]["503"]["headers"]
        for status in ("400", "401", "403", "404", "500", "503", *added):
            schema = operation["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}
    envelope = document["components"]["schemas"]["ErrorEnvelope"]
    assert set(envelope["required"]) >= {"success", "message", "meta"}
    request = document["components"]["schemas"]["ClockInStart"]
    assert set(request["properties"]) == {"workspace_id", "user_id", "contract_id", "task_id", "activity_description"}
    assert set(request["required"]) == {"workspace_id", "user_id", "contract_id"}


# ----------------------------------------------- the Lambda and events ---


def invoke(event: dict[str, Any]) -> tuple[int, dict[str, str], Any]:
    handler = importlib.import_module("functions.clock_in.app").handler
    response = handler(event, FakeContext())
    body = response.get("body") or ""
    return response["statusCode"], response.get("headers") or {}, json.loads(body) if body else None


def with_body(event: dict[str, Any], **values: Any) -> dict[str, Any]:
    event["body"] = json.dumps(json.loads(event["body"]) | values)
    return event


def with_query(event: dict[str, Any], **values: Any) -> dict[str, Any]:
    query = {k: str(v) for k, v in values.items()}
    event["queryStringParameters"] = query
    event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
    return event


@pytest.fixture
def demo_world(services, demo_user, make_user) -> dict[str, Any]:
    """The events' demo user owns a workspace and clocks in a member, Frank."""
    ws = services.workspaces
    demo = demo_user["user_id"]
    frank = make_user("frank@example.com")
    workspace, _ = ws.create(demo, "Demo")
    join(services, workspace.id, frank["user_id"], by=demo)
    project = ws.create_project(demo, workspace.id, "API", Decimal("70"))
    contract = ws.create_contract(demo, workspace.id, frank["user_id"], project.id, Decimal("55"))
    task = ws.create_task(demo, workspace.id, project.id, "Documentation")
    return {
        "demo": demo_user,
        "frank": frank,
        "ids": {
            "workspace_id": workspace.id,
            "user_id": frank["user_id"],
            "contract_id": contract.id,
            "task_id": task.id,
        },
        "project_id": project.id,
    }


def test_events_carry_the_seed_example():
    event = load_event("clock_in_start.json")
    assert event["routeKey"] == "POST /time-tracking/start"
    assert json.loads(event["body"]) == {
        "workspace_id": 1,
        "user_id": 100,
        "contract_id": 560314,
        "task_id": 12345,
        "activity_description": "Working on API documentation",
    }
    assert load_event("clock_in_stop.json")["routeKey"] == "POST /time-tracking/stop"
    assert load_event("clock_in_active.json")["routeKey"] == "GET /time-tracking/active"


def test_events_through_the_lambda_handler(demo_world, clock, client, queue_url):
    ids = demo_world["ids"]
    start_event = with_body(load_event("clock_in_start.json"), **ids)
    status, _, body = invoke(start_event)
    assert status == 200, body
    assert body["success"] is True
    assert body["data"] == {
        "start_time": "2024-01-22T09:00:00Z",
        "contract_id": ids["contract_id"],
        "project_id": demo_world["project_id"],
        "task_id": ids["task_id"],
    }
    assert_meta(body["meta"])
    running = personal_active(client, demo_world["frank"])
    assert running["hourly_rate"] == 55.0
    assert running["notes"] == "Working on API documentation"

    active_event = with_query(
        load_event("clock_in_active.json"), workspace_id=ids["workspace_id"], user_id=ids["user_id"]
    )
    status, _, body = invoke(active_event)
    assert status == 200, body
    assert body["data"]["contract_id"] == ids["contract_id"]
    assert body["data"]["start_time"] == "2024-01-22T09:00:00Z"

    clock.advance(hours=2)
    stop_event = with_body(load_event("clock_in_stop.json"), workspace_id=ids["workspace_id"], user_id=ids["user_id"])
    status, _, body = invoke(stop_event)
    assert status == 200, body
    assert body["data"]["end_time"] == "2024-01-22T11:00:00Z"
    assert body["data"]["duration_minutes"] == 120.0
    assert personal_active(client, demo_world["frank"]) is None

    status, _, body = invoke(active_event)
    assert status == 200
    assert body["data"] is None

    # The API Gateway request id of each event travels with its message.
    messages = receive_all(queue_url)
    assert [(m["body"]["type"], m["body"]["request_id"]) for m in messages] == [
        ("clock_in.started", start_event["requestContext"]["requestId"]),
        ("clock_in.stopped", stop_event["requestContext"]["requestId"]),
    ]
    assert all(m["body"]["actor_user_id"] == demo_world["demo"]["user_id"] for m in messages)


@pytest.mark.parametrize("name", ["clock_in_start.json", "clock_in_stop.json", "clock_in_active.json"])
def test_events_without_token_are_401_envelopes(name, services, demo_user):
    event = load_event(name)
    del event["headers"]["authorization"]
    status, headers, body = invoke(event)
    assert status == 401
    assert body["success"] is False
    assert body["meta"]["api_version"] == "2.0.0"
    assert headers.get("www-authenticate") == "Bearer"


@pytest.mark.parametrize("name", ["clock_in_start.json", "clock_in_stop.json", "clock_in_active.json"])
def test_events_as_they_are_name_an_unknown_workspace(name, services, demo_user):
    """The seed's example ids exist nowhere: 404 in the envelope."""
    status, _, body = invoke(load_event(name))
    assert status == 404
    assert body["success"] is False
    assert isinstance(body["message"], str)


def test_lambda_answers_framework_errors_with_the_envelope(services, demo_user, capsys):
    unknown = load_event("clock_in_active.json")
    unknown["rawPath"] = unknown["requestContext"]["http"]["path"] = "/time-tracking/nowhere"
    status, _, body = invoke(unknown)
    assert status == 404
    assert set(body) == {"success", "message", "error", "meta"}
    assert body["success"] is False
    assert_meta(body["meta"])

    wrong_method = load_event("clock_in_start.json")
    wrong_method["requestContext"]["http"]["method"] = "GET"
    status, headers, body = invoke(wrong_method)
    assert status == 405
    assert body["success"] is False
    assert body["message"] == "Method not allowed"
    assert headers.get("allow") == "POST"

    malformed = load_event("clock_in_start.json")
    malformed["body"] = '{"workspace_id": '
    status, _, body = invoke(malformed)
    assert status == 400
    assert body["message"] == "Malformed JSON body"
    # A path or method that is no route is not a rejected clock-in; the bad body is.
    assert emitted_rejections(capsys.readouterr().out) == ["malformed_body"]


def test_lambda_unexpected_error_is_a_500_envelope(services, demo_world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(services.clock_ins, "start", broken)
    status, _, body = invoke(with_body(load_event("clock_in_start.json"), **demo_world["ids"]))
    assert status == 500
    assert body == {
        "success": False,
        "message": "An error occurred",
        "error": "Internal Server Error",
        "meta": body["meta"],
    }
    assert_meta(body["meta"])


# ------------------------------------------------------ concurrency ---


@pytest.fixture
def served(moto_server, clock) -> tuple[runtime.Services, str]:
    """The services over HTTP against a moto server (real concurrency), with the queue."""
    stack.create_resources(boto3.client("dynamodb", endpoint_url=moto_server, region_name=stack.REGION))
    queue = clock_in_queue(boto3.client("sqs", endpoint_url=moto_server, region_name=stack.REGION))
    runtime.reset()
    built = runtime.build(Settings(clock_in_queue_url=queue, token_cache_seconds=0), clock=clock)
    runtime.reset(built)
    return built, queue


def test_concurrent_clock_ins_for_one_user_yield_exactly_one(served):
    services, queue = served
    owner = services.accounts.create_user("owner@example.com")
    member = services.accounts.create_user("member@example.com")
    workspace, _ = services.workspaces.create(owner, "Race")
    join(services, workspace.id, member, by=owner)
    project = services.workspaces.create_project(owner, workspace.id, "P", Decimal("10"))
    contract = services.workspaces.create_contract(owner, workspace.id, member, project.id, Decimal("10"))

    def clock_in(i: int):
        entry = services.clock_ins.start(
            owner if i % 2 else member,  # the owner and the member race each other too
            workspace_id=workspace.id,
            user_id=member,
            contract_id=contract.id,
            activity_description=f"attempt {i}",
            request_id=f"request-{i}",
        )
        return entry

    outcomes = race(CONCURRENT, clock_in)
    winners = [value for kind, value in outcomes if kind == "ok"]
    errors = [value for kind, value in outcomes if kind == "error"]
    assert [e for e in errors if not isinstance(e, TimerRunning)] == []
    assert len(winners) == 1, f"{len(winners)} clock-ins accepted"
    (winner,) = winners
    caller = services.entries.caller(member)
    assert services.entries.active(caller).id == winner.id
    assert [e.id for e in services.entries.page(caller)] == [winner.id]

    sqs = boto3.client("sqs", region_name=stack.REGION)
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    assert len(messages) == 1
    message = json.loads(messages[0]["Body"])
    assert message["entry_id"] == winner.id
    assert message["request_id"] == f"request-{outcomes.index(('ok', winner))}"
