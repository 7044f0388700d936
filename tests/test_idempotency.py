"""Idempotency-Key over HTTP, on every authenticated POST of every API: a
repeat answers the kept status and body and changes nothing; another request
under the same key is 422, a repeat while the first runs 409; 5xx answers are
not kept; keys are per user and stored hashed."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from fastapi.testclient import TestClient

from local import stack
from local.app import build_app
from tests.conftest import load_event
from tests.racing import race
from tests.test_events import EVENT_FILES, EXPECTATIONS, group_of, queued, with_real_ids, workspace_world
from tests.test_iam import fresh_stack, handled, missing_report
from timetrack.dal import aws as aws_clients
from timetrack.services.idempotency import request_hash

ENTRIES = "/api/v1/time-tracking/entries"
START = "/api/v1/time-tracking/sessions/start"
ACTIVE = "/api/v1/time-tracking/sessions/active"
CLOCK_IN = "/time-tracking/start"
CONCURRENT = 20


def keyed(who: dict[str, Any], key: str) -> dict[str, str]:
    return {**who["headers"], "Idempotency-Key": key}


def entries_of(client: TestClient, who: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(ENTRIES, headers=who["headers"])
    assert response.status_code == 200
    return response.json()


# ------------------------------------------------------------- replay ---


def test_a_retried_start_is_one_timer_and_the_same_201(client, user):
    first = client.post(START, json={"notes": "On the train"}, headers=keyed(user, "start-1"))
    retried = client.post(START, json={"notes": "On the train"}, headers=keyed(user, "start-1"))

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    assert retried.status_code == 201
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert retried.content == first.content
    assert [entry["id"] for entry in entries_of(client, user)] == [first.json()["id"]]
    assert client.get(ACTIVE, headers=user["headers"]).json()["id"] == first.json()["id"]
    # Without the key the same request is a second start: refused, the timer runs.
    assert client.post(START, json={"notes": "On the train"}, headers=user["headers"]).status_code == 409


def test_a_retried_create_adds_one_entry(client, user, clock):
    body = {"start_time": "2024-01-22T07:00:00", "end_time": "2024-01-22T08:30:00", "notes": "Standup"}
    first = client.post(ENTRIES, json=body, headers=keyed(user, "create-1"))
    clock.advance(minutes=5)  # the retry comes later: the kept answer, not a new one
    retried = client.post(ENTRIES, json=body, headers=keyed(user, "create-1"))

    assert (first.status_code, retried.status_code) == (201, 201)
    assert retried.json() == first.json()
    assert len(entries_of(client, user)) == 1


def test_the_same_json_spelled_differently_is_the_same_request(client, user):
    first = client.post(
        START,
        content=b'{"notes": "x", "hourly_rate": 10}',
        headers=keyed(user, "k") | {"Content-Type": "application/json"},
    )
    retried = client.post(
        START,
        content=b'{"hourly_rate":10,"notes":"x"}',
        headers=keyed(user, "k") | {"Content-Type": "application/json"},
    )

    assert first.status_code == 201
    assert (retried.status_code, retried.headers["Idempotent-Replayed"]) == (201, "true")


def test_client_errors_are_kept_too(client, user):
    first = client.post(ENTRIES, json={"start_time": "soon"}, headers=keyed(user, "bad-1"))
    retried = client.post(ENTRIES, json={"start_time": "soon"}, headers=keyed(user, "bad-1"))

    assert first.status_code == 400
    assert (retried.status_code, retried.headers["Idempotent-Replayed"]) == (400, "true")
    assert retried.json() == first.json()


def test_keys_are_per_user(client, make_user):
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    mine = client.post(START, json={}, headers=keyed(alice, "same-key"))
    theirs = client.post(START, json={}, headers=keyed(bob, "same-key"))

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in theirs.headers
    assert theirs.json()["user_id"] == bob["user_id"]


def test_a_workspace_bound_token_never_replays_another_workspaces_answer(client, user, services):
    """The replay comes before any workspace check: a token bound to one
    workspace has keys of its own, or it would read the kept answer of a
    request its user made in another."""
    mine, other = (services.workspaces.create(user["user_id"], name)[0].id for name in ("Mine", "Other"))
    bound = services.tokens.issue(user["user_id"], name="bound", granted=("write:projects",), workspace_id=mine)
    path, body = f"/api/v1/workspaces/{other}/projects", {"name": "Secret plan"}
    assert client.post(path, json=body, headers=keyed(user, "k-1")).status_code == 201

    replay = client.post(path, json=body, headers={"Authorization": f"Bearer {bound.token}", "Idempotency-Key": "k-1"})

    assert replay.status_code == 404
    assert "Idempotent-Replayed" not in replay.headers
    assert "Secret plan" not in replay.text


def test_the_key_is_stored_hashed_with_the_user(client, user, services):
    key = "my-secret-looking-key-123"
    assert client.post(START, json={}, headers=keyed(user, key)).status_code == 201

    items = boto3.client("dynamodb", region_name=stack.REGION).scan(TableName=services.config.idempotency_table)[
        "Items"
    ]
    assert len(items) == 1
    assert items[0]["id"]["S"].startswith("request#")
    assert len(items[0]["id"]["S"]) == len("request#") + 64
    assert key not in json.dumps(items, default=str)


# ----------------------------------------------------------- refusals ---


def test_the_same_key_with_another_body_is_422(client, user):
    assert client.post(START, json={"notes": "a"}, headers=keyed(user, "k1")).status_code == 201

    other_body = client.post(START, json={"notes": "b"}, headers=keyed(user, "k1"))
    other_route = client.post(ENTRIES, json={"start_time": "2024-01-22T07:00:00"}, headers=keyed(user, "k1"))

    for response in (other_body, other_route):
        assert response.status_code == 422
        assert response.json() == {"detail": "This Idempotency-Key was used for a different request; use a new key."}
    assert len(entries_of(client, user)) == 1


@pytest.mark.parametrize("key", ["", "x" * 129, " leading", "trailing ", "caf\xe9", "tab\tinside"])
def test_a_malformed_key_is_400_naming_the_header(client, user, key):
    headers = {**user["headers"], "Idempotency-Key": key.encode("latin-1")}
    response = client.post(START, json={}, headers=headers)

    assert response.status_code == 400
    (issue,) = response.json()["detail"]
    assert issue["loc"] == ["header", "Idempotency-Key"]
    assert "printable ASCII" in issue["msg"]
    assert client.get(ACTIVE, headers=user["headers"]).json() is None


def test_a_key_of_128_printable_characters_is_accepted(client, user):
    key = "".join(chr(32 + i % 95) for i in range(1, 129))
    assert client.post(START, json={}, headers=keyed(user, key)).status_code == 201


def test_a_repeat_while_the_first_runs_is_409(client, user, services, monkeypatch):
    start = services.entries.start
    repeats = []

    def start_and_meanwhile_repeat(*args: Any, **kwargs: Any):
        repeats.append(client.post(START, json={"notes": "slow"}, headers=keyed(user, "slow-1")))
        return start(*args, **kwargs)

    monkeypatch.setattr(services.entries, "start", start_and_meanwhile_repeat)
    first = client.post(START, json={"notes": "slow"}, headers=keyed(user, "slow-1"))

    (repeat,) = repeats
    assert repeat.status_code == 409
    assert repeat.json() == {"detail": "A request with this Idempotency-Key is still in progress; retry shortly."}
    assert first.status_code == 201
    monkeypatch.undo()
    later = client.post(START, json={"notes": "slow"}, headers=keyed(user, "slow-1"))
    assert (later.status_code, later.content) == (201, first.content)


def test_a_crashed_request_frees_its_key_when_its_claim_lapses(client, user, services, clock):
    body = b'{"notes": "crashed"}'
    # What a request that died after claiming its key (a killed Lambda) leaves behind.
    services.idempotency.begin(user["user_id"], "crash-1", request_hash("POST", START, "", body))
    headers = keyed(user, "crash-1") | {"Content-Type": "application/json"}

    assert client.post(START, content=body, headers=headers).status_code == 409
    clock.advance(seconds=services.config.idempotency_in_flight_seconds)
    retried = client.post(START, content=body, headers=headers)

    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried.headers


def test_a_kept_answer_is_forgotten_after_24_hours(client, user, clock):
    first = client.post(START, json={}, headers=keyed(user, "day-1"))
    client.post(f"/api/v1/time-tracking/sessions/{first.json()['id']}/stop", headers=user["headers"])
    clock.advance(hours=24)

    again = client.post(START, json={}, headers=keyed(user, "day-1"))

    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]


# ----------------------------------------------------------- clock-in ---


@pytest.fixture
def world(services, demo_user) -> dict[str, Any]:
    ctx = workspace_world(services, demo_user["user_id"])
    return ctx | {"owner_headers": demo_user["headers"]}


def clock_in_body(world: dict[str, Any]) -> dict[str, Any]:
    return {"workspace_id": world["workspace"], "user_id": world["member"], "contract_id": world["contract"]}


def test_a_retried_clock_in_is_one_timer_and_one_message(client, world, services):
    headers = world["owner_headers"] | {"Idempotency-Key": "clock-in-1"}
    first = client.post(CLOCK_IN, json=clock_in_body(world), headers=headers)
    retried = client.post(CLOCK_IN, json=clock_in_body(world), headers=headers)

    assert first.status_code == 200
    assert first.json()["success"] is True
    assert (retried.status_code, retried.content) == (200, first.content)
    assert retried.headers["Idempotent-Replayed"] == "true"
    assert [message["type"] for message in queued(services)] == ["clock_in.started"]
    assert len(services.entries.page(services.entries.caller(world["member"]))) == 1


def test_clock_in_refusals_are_in_its_envelope(client, world):
    headers = world["owner_headers"] | {"Idempotency-Key": "clock-in-2"}
    assert client.post(CLOCK_IN, json=clock_in_body(world), headers=headers).status_code == 200

    mismatch = client.post(CLOCK_IN, json=clock_in_body(world) | {"activity_description": "x"}, headers=headers)
    malformed = client.post(CLOCK_IN, json=clock_in_body(world), headers=headers | {"Idempotency-Key": ""})

    assert mismatch.status_code == 422
    assert mismatch.json()["message"] == "Idempotency-Key reused for a different request"
    assert malformed.status_code == 400
    assert malformed.json()["success"] is False
    assert malformed.json()["error"].startswith("Idempotency-Key: must be 1-128 printable ASCII")


def test_a_failed_clock_in_is_not_kept_so_its_retry_runs(client, world, services):
    headers = world["owner_headers"] | {"Idempotency-Key": "clock-in-3"}
    with Stubber(aws_clients.client("sqs", services.config.aws_region)) as stubber:
        stubber.add_client_error("send_message", service_error_code="InternalError", http_status_code=500)
        failed = client.post(CLOCK_IN, json=clock_in_body(world), headers=headers)

    retried = client.post(CLOCK_IN, json=clock_in_body(world), headers=headers)

    assert failed.status_code == 500
    assert retried.status_code == 200
    assert "Idempotent-Replayed" not in retried.headers
    assert [message["type"] for message in queued(services)] == ["clock_in.started"]


# --------------------------------------------------------------- race ---


def test_twenty_concurrent_identical_starts_with_one_key_make_one_timer(served):
    user_id = served.accounts.create_user("racer@example.com")
    headers = {"Authorization": f"Bearer {served.accounts.issue_token(user_id).token}", "Idempotency-Key": "race"}
    client = TestClient(build_app(), raise_server_exceptions=False)

    outcomes = race(CONCURRENT, lambda i: client.post(START, json={"notes": "race"}, headers=headers))

    responses = [value for kind, value in outcomes if kind == "ok"]
    assert len(responses) == CONCURRENT
    assert {response.status_code for response in responses} <= {201, 409}
    created = [r for r in responses if r.status_code == 201 and "Idempotent-Replayed" not in r.headers]
    assert len(created) == 1
    assert all(r.content == created[0].content for r in responses if r.status_code == 201)
    in_flight = [r for r in responses if r.status_code == 409]
    assert all("still in progress" in r.json()["detail"] for r in in_flight)
    caller = served.entries.caller(user_id)
    assert [entry.id for entry in served.entries.page(caller)] == [created[0].json()["id"]]
    later = client.post(START, json={"notes": "race"}, headers=headers)
    assert (later.status_code, later.content) == (201, created[0].content)


# ---------------------------------------------------- contract and IAM ---


def test_openapi_declares_the_header_on_every_post(client):
    document = client.get("/openapi.json").json()
    posts = {path: item["post"] for path, item in document["paths"].items() if "post" in item}
    assert len(posts) >= 9
    for path, operation in posts.items():
        (parameter,) = [p for p in operation.get("parameters", []) if p["name"] == "Idempotency-Key"]
        assert parameter["in"] == "header"
        assert parameter["required"] is False
        assert parameter["schema"]["maxLength"] == 128
        assert {"409", "422"} <= set(operation["responses"]), path
    others = [op for item in document["paths"].values() for method, op in item.items() if method != "post"]
    assert not any(p["name"] == "Idempotency-Key" for op in others for p in op.get("parameters", []))


POST_EVENTS = [
    name for name in EVENT_FILES if load_event(name).get("requestContext", {}).get("http", {}).get("method") == "POST"
]


@pytest.mark.parametrize("name", POST_EVENTS)
def test_each_function_may_claim_and_keep_keys(name):
    """Every POST event with a key, sent twice, through its function's handler:
    its policy allows the idempotency calls (moto does not enforce IAM)."""
    setup, _ = EXPECTATIONS[name]
    with fresh_stack() as (services, clock):
        ctx = setup(services, stack.seed_demo_user(services), clock)
        event = with_real_ids(load_event(name), ctx)
        event["headers"]["idempotency-key"] = "iam-check"
        status, body, used = handled(event)
        replay_status, replay_body, replayed = handled(event)

    assert status < 500
    assert (replay_status, replay_body) == (status, body)
    assert any(
        (need.action, need.resource) == ("dynamodb:PutItem", "IdempotencyTable") and need.key.startswith("request#")
        for need in used
    )
    assert missing_report(group_of(event), used | replayed) == ""
