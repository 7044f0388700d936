"""Clock-in timers moved through the personal API are forwarded like the
clock-in API's (and undone when the send fails); the undo's own failure is
reported; id leases shared by threads; a contract ends once.

A clock-in timer is an ordinary entry of the member, so the member can stop it
with POST sessions/{id}/stop or PUT entries/{id} {end_time}: the worker must
still hear of it, or the contract's and task's tracked minutes would miss it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import re
import threading
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto.dynamodb.responses import DynamoHandler

from local import stack
from tests.conftest import join, load_event
from tests.racing import race
from tests.test_clock_in import assert_error, failing_sqs, invoke, parse_utc, receive_all, with_body
from tests.test_worker import process
from timetrack.dal.ids import SHARDS, IdAllocator
from timetrack.errors import Conflict
from timetrack.observability import logger, metrics
from timetrack.workspaces import TaskStatus

PERSONAL = "/api/v1/time-tracking"
START = "/time-tracking/start"
UTC = dt.UTC
NOW = dt.datetime(2024, 1, 22, 9, 0, tzinfo=UTC)  # the clock fixture's start


# -------------------------------------------------------------- fixtures ---


@pytest.fixture
def queue_url(services) -> str:
    """The template's clock-in queue (conftest's ``aws`` created it and set its URL)."""
    assert services.config.clock_in_queue_url
    return services.config.clock_in_queue_url


@pytest.fixture
def sqs(aws):
    return boto3.client("sqs", region_name=stack.REGION)


@pytest.fixture
def worker(services):
    """The worker's handler module (imported inside the mock: it builds its clients at import)."""
    return importlib.import_module("functions.clock_in_worker.app")


@pytest.fixture
def team(services, demo_user, make_user) -> dict[str, Any]:
    """The events' demo user owns workspace "Acme"; Mia is a member with a contract
    on "Website" at 40/h and a task there."""
    ws = services.workspaces
    owner, member = demo_user, make_user("mia@example.com")
    workspace, _ = ws.create(owner["user_id"], "Acme")
    join(services, workspace.id, member["user_id"], by=owner["user_id"])
    project = ws.create_project(owner["user_id"], workspace.id, "Website", Decimal("50"))
    contract = ws.create_contract(owner["user_id"], workspace.id, member["user_id"], project.id, Decimal("40"))
    task = ws.create_task(owner["user_id"], workspace.id, project.id, "Landing page")
    return {
        "owner": owner,
        "member": member,
        "workspace": workspace.id,
        "project": project.id,
        "contract": contract.id,
        "task": task.id,
    }


def clock_in_member(client, team: dict[str, Any]) -> int:
    """The owner clocks the member in (at the clock's time); returns the entry id."""
    body = {
        "workspace_id": team["workspace"],
        "user_id": team["member"]["user_id"],
        "contract_id": team["contract"],
        "task_id": team["task"],
    }
    response = client.post(START, json=body, headers=team["owner"]["headers"])
    assert response.status_code == 200, response.text
    running = active(client, team["member"])
    assert running is not None
    return running["id"]


def active(client, who: dict[str, Any]) -> dict[str, Any] | None:
    response = client.get(f"{PERSONAL}/sessions/active", headers=who["headers"])
    assert response.status_code == 200, response.text
    return response.json()


def directory(client, team: dict[str, Any], what: str) -> dict[str, Any]:
    """The member's contract or task as the directory API shows it to the owner."""
    item_id = team["contract"] if what == "contracts" else team["task"]
    response = client.get(f"/api/v1/workspaces/{team['workspace']}/{what}/{item_id}", headers=team["owner"]["headers"])
    assert response.status_code == 200, response.text
    return response.json()


def bodies(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(record["body"]) for record in event["Records"]]


def assert_forwarded_stop(
    client, team, worker, sqs, queue_url, *, entry_id: int, end: dt.datetime, minutes: str
) -> None:
    """The queue holds the start (by the owner) and the member's stop; the worker
    applies both: the task and the contract gain ``minutes``."""
    event, response = process(worker, sqs, queue_url, 2)
    assert response == {"batchItemFailures": []}
    started, stopped = bodies(event)
    assert started["type"] == "clock_in.started"
    assert started["actor_user_id"] == team["owner"]["user_id"]
    assert stopped["type"] == "clock_in.stopped"
    assert stopped["entry_id"] == entry_id
    assert stopped["user_id"] == team["member"]["user_id"]
    assert stopped["actor_user_id"] == team["member"]["user_id"]
    assert stopped["request_id"] is None
    assert (stopped["workspace_id"], stopped["contract_id"], stopped["project_id"], stopped["task_id"]) == (
        team["workspace"],
        team["contract"],
        team["project"],
        team["task"],
    )
    assert parse_utc(stopped["start_time"]) == NOW
    assert parse_utc(stopped["end_time"]) == end
    assert stopped["event_id"] != started["event_id"]
    assert event["Records"][1]["attributes"]["MessageDeduplicationId"] == stopped["event_id"]
    assert event["Records"][1]["attributes"]["MessageGroupId"] == f"user-{team['member']['user_id']}"

    contract = directory(client, team, "contracts")
    task = directory(client, team, "tasks")
    assert Decimal(str(contract["tracked_minutes"])) == Decimal(minutes)
    assert Decimal(str(task["tracked_minutes"])) == Decimal(minutes)
    assert task["status"] == "in_progress"
    assert dt.datetime.fromisoformat(contract["last_activity_at"]) == end


# -------------------------------------- personal stops are forwarded ---


def test_member_stops_a_clock_in_through_sessions_stop(client, team, clock, worker, sqs, queue_url):
    entry_id = clock_in_member(client, team)
    clock.advance(minutes=90)

    response = client.post(f"{PERSONAL}/sessions/{entry_id}/stop", headers=team["member"]["headers"])

    assert response.status_code == 200, response.text
    assert response.json()["end_time"] == "2024-01-22T10:30:00+00:00"
    assert response.json()["total_hours"] == 1.5
    assert response.json()["total_earned"] == 60.0  # the contract's 40/h
    assert active(client, team["member"]) is None
    end = NOW + dt.timedelta(minutes=90)
    assert_forwarded_stop(client, team, worker, sqs, queue_url, entry_id=entry_id, end=end, minutes="90.00")


def test_member_stops_a_clock_in_through_put_end_time(client, team, clock, worker, sqs, queue_url):
    entry_id = clock_in_member(client, team)
    clock.set("2024-01-22T10:30:00+00:00")

    # Stopped at 10:15, a quarter of an hour before "now": 75 minutes.
    response = client.put(
        f"{PERSONAL}/entries/{entry_id}",
        json={"end_time": "2024-01-22T10:15:00+00:00"},
        headers=team["member"]["headers"],
    )

    assert response.status_code == 200, response.text
    assert response.json()["end_time"] == "2024-01-22T10:15:00+00:00"
    assert response.json()["total_hours"] == 1.25
    assert active(client, team["member"]) is None
    end = dt.datetime(2024, 1, 22, 10, 15, tzinfo=UTC)
    assert_forwarded_stop(client, team, worker, sqs, queue_url, entry_id=entry_id, end=end, minutes="75.00")


def test_put_that_keeps_a_clock_in_running_sends_nothing(client, team, clock, queue_url):
    entry_id = clock_in_member(client, team)
    response = client.put(
        f"{PERSONAL}/entries/{entry_id}", json={"notes": "still at it"}, headers=team["member"]["headers"]
    )
    assert response.status_code == 200, response.text
    assert response.json()["end_time"] is None
    assert [m["body"]["type"] for m in receive_all(queue_url)] == ["clock_in.started"]


# ------------------------------------------------- no resume of clock-ins ---


def test_a_stopped_clock_in_cannot_be_resumed_but_a_personal_entry_can(client, team, clock, queue_url):
    member = team["member"]
    entry_id = clock_in_member(client, team)
    clock.advance(minutes=30)
    assert client.post(f"{PERSONAL}/sessions/{entry_id}/stop", headers=member["headers"]).status_code == 200

    response = client.put(f"{PERSONAL}/entries/{entry_id}", json={"end_time": None}, headers=member["headers"])

    assert response.status_code == 400, response.text
    (problem,) = response.json()["detail"]
    assert problem["loc"] == ["body", "end_time"]
    assert "clock" in problem["msg"]
    entry = client.get(f"{PERSONAL}/entries/{entry_id}", headers=member["headers"]).json()
    assert entry["end_time"] == "2024-01-22T09:30:00+00:00"
    assert active(client, member) is None
    assert [m["body"]["type"] for m in receive_all(queue_url)] == ["clock_in.started", "clock_in.stopped"]

    # A personal session of the same user resumes as before.
    started = client.post(f"{PERSONAL}/sessions/start", headers=member["headers"])
    assert started.status_code == 201, started.text
    personal_id = started.json()["id"]
    clock.advance(minutes=10)
    assert client.post(f"{PERSONAL}/sessions/{personal_id}/stop", headers=member["headers"]).status_code == 200

    resumed = client.put(f"{PERSONAL}/entries/{personal_id}", json={"end_time": None}, headers=member["headers"])

    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["end_time"] is None
    assert resumed.json()["total_hours"] is None
    assert active(client, member)["id"] == personal_id
    assert receive_all(queue_url) == []  # a personal timer is never forwarded


# ---------------------------------------------------- send failures ---


def test_personal_stop_that_cannot_be_forwarded_is_503_and_the_timer_runs(
    client, team, services, clock, worker, sqs, queue_url
):
    member = team["member"]
    entry_id = clock_in_member(client, team)
    clock.advance(minutes=20)

    with failing_sqs(services) as stubber:
        response = client.post(f"{PERSONAL}/sessions/{entry_id}/stop", headers=member["headers"])
        stubber.assert_no_pending_responses()

    assert response.status_code == 503, response.text
    assert isinstance(response.json()["detail"], str)
    assert "SQS is down" not in response.text
    running = active(client, member)
    assert running is not None
    assert running["id"] == entry_id
    assert running["end_time"] is None
    assert running["total_hours"] is None

    # The same through PUT end_time.
    with failing_sqs(services) as stubber:
        response = client.put(
            f"{PERSONAL}/entries/{entry_id}", json={"end_time": "2024-01-22T09:15:00+00:00"}, headers=member["headers"]
        )
        stubber.assert_no_pending_responses()
    assert response.status_code == 503, response.text
    assert active(client, member)["id"] == entry_id

    # Nothing of the failed stops reached the worker; a later stop counts once, in full.
    clock.advance(minutes=10)
    assert client.post(f"{PERSONAL}/sessions/{entry_id}/stop", headers=member["headers"]).status_code == 200
    event, response = process(worker, sqs, queue_url, 2)
    assert response == {"batchItemFailures": []}
    assert [body["type"] for body in bodies(event)] == ["clock_in.started", "clock_in.stopped"]
    assert parse_utc(bodies(event)[1]["end_time"]) == NOW + dt.timedelta(minutes=30)
    assert Decimal(str(directory(client, team, "contracts")["tracked_minutes"])) == Decimal("30.00")


def test_a_failed_personal_stop_leaves_only_the_start_on_the_queue(client, team, services, clock, queue_url):
    """The queue read directly after a failed personal stop: the start alone."""
    entry_id = clock_in_member(client, team)
    clock.advance(minutes=20)
    with failing_sqs(services):
        response = client.post(f"{PERSONAL}/sessions/{entry_id}/stop", headers=team["member"]["headers"])
    assert response.status_code == 503
    messages = receive_all(queue_url)
    assert [m["body"]["type"] for m in messages] == ["clock_in.started"]


def emf_records(output: str, metric: str) -> list[dict[str, Any]]:
    """The EMF records printed that carry ``metric``."""
    found = []
    for line in output.splitlines():
        if not line.startswith("{") or "_aws" not in line:
            continue
        record = json.loads(line)
        names = [m["Name"] for d in record["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]
        if metric in names:
            found.append(record)
    return found


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged():
    """The records the services' (Powertools) logger emits during the test: it writes to the
    stream it was built with, which capsys does not see."""
    handler = Collect()
    logger.addHandler(handler)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)


def log_records(records: list[logging.LogRecord], message: str) -> list[logging.LogRecord]:
    return [record for record in records if record.getMessage() == message]


UNDO_FAILED_LOG = "Could not undo a clock-in write after a forwarding failure"


def test_start_whose_send_and_undo_fail_is_a_500_saying_so(
    team, services, client, capsys, logged, monkeypatch, queue_url
):
    """Through the clock-in Lambda (whose metrics flush at the end of each invocation)."""

    def broken_delete(entry):
        raise RuntimeError("DynamoDB went away too")

    monkeypatch.setattr(services.entry_repo, "delete", broken_delete)
    metrics.clear_metrics()
    capsys.readouterr()
    event = with_body(
        load_event("clock_in_start.json"),
        workspace_id=team["workspace"],
        user_id=team["member"]["user_id"],
        contract_id=team["contract"],
        task_id=team["task"],
    )

    with failing_sqs(services) as stubber:
        status, _, body = invoke(event)
        stubber.assert_no_pending_responses()

    output = capsys.readouterr().out
    assert status == 500, body
    assert set(body) == {"success", "message", "error", "meta"}
    assert body["success"] is False
    assert body["message"] == "The clock-in could not be forwarded"
    assert re.search(r"undo\w* (it )?failed", body["error"], re.IGNORECASE), body["error"]
    assert "DynamoDB went away too" not in json.dumps(body)

    (emitted,) = emf_records(output, "ClockInUndoFailures")
    assert emitted["ClockInUndoFailures"] in (1, [1])
    (record,) = log_records(logged, UNDO_FAILED_LOG)
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "DynamoDB went away too"

    # The start could not be undone: the timer runs, with the contract's rate, though the
    # worker never heard of it (which is why it is logged and counted).
    running = active(client, team["member"])
    assert running is not None
    assert running["hourly_rate"] == 40.0
    assert record.entry_id == running["id"]
    assert receive_all(queue_url) == []


def test_personal_stop_whose_send_and_undo_fail_is_a_503_saying_so(
    client, team, services, clock, capsys, logged, monkeypatch
):
    member = team["member"]
    entry_id = clock_in_member(client, team)
    clock.advance(minutes=20)
    replace = services.entry_repo.replace
    calls: list[int] = []

    def replace_then_break(old, new):
        calls.append(1)
        if len(calls) > 1:  # the stop is written; its undo fails
            raise RuntimeError("DynamoDB went away too")
        replace(old, new)

    monkeypatch.setattr(services.entry_repo, "replace", replace_then_break)
    metrics.clear_metrics()
    capsys.readouterr()

    with failing_sqs(services) as stubber:
        response = client.post(f"{PERSONAL}/sessions/{entry_id}/stop", headers=member["headers"])
        stubber.assert_no_pending_responses()
    metrics.flush_metrics()  # what the Lambda's log_metrics does after each invocation

    output = capsys.readouterr().out
    assert response.status_code == 503, response.text
    assert re.search(r"undo\w* (it )?failed", response.json()["detail"], re.IGNORECASE), response.text
    assert len(calls) == 2
    assert len(emf_records(output, "ClockInUndoFailures")) == 1
    (record,) = log_records(logged, UNDO_FAILED_LOG)
    assert record.entry_id == entry_id
    assert record.exc_info is not None
    # The stop stays written (its undo failed).
    assert active(client, member) is None


# ------------------------------------------------------------- id leases ---


def test_threads_sharing_one_allocator_get_unique_ids_from_their_leases(services):
    block, threads, each = 3, 8, 200
    table = services.config.directory_table
    allocator = IdAllocator(services.dynamodb, table, "forwarding-test", block=block)

    outcomes = race(threads, lambda _: [allocator.next_id() for _ in range(each)])

    assert [kind for kind, _ in outcomes] == ["ok"] * threads
    ids = [value for _, values in outcomes for value in values]
    assert len(ids) == threads * each
    assert len(set(ids)) == threads * each
    assert all(0 < value < 2**53 for value in ids)
    # Each id is (number in its shard's leases) * SHARDS + shard: every number was
    # leased from that very shard, i.e. is at most the shard's counter.
    counters = {}
    for shard in range(SHARDS):
        item = services.dynamodb.get_item(
            TableName=table,
            Key={"pk": {"S": "COUNTER#forwarding-test"}, "sk": {"S": f"SHARD#{shard:02d}"}},
            ConsistentRead=True,
        ).get("Item")
        counters[shard] = int(item["next"]["N"]) if item else 0
    for value in ids:
        number, shard = divmod(value, SHARDS)
        assert 1 <= number <= counters[shard], (value, number, shard, counters[shard])
    # Leases are whole blocks, and no more were taken than the ids need (one partly used per thread at most).
    assert all(counter % block == 0 for counter in counters.values())
    assert threads * each <= sum(counters.values()) < threads * each + block


# -------------------------------------------------------- ending contracts ---


def test_a_contract_ends_once(client, team, clock, services):
    url = f"/api/v1/workspaces/{team['workspace']}/contracts/{team['contract']}"
    headers = team["owner"]["headers"]
    clock.set("2024-02-01T12:00:00+00:00")

    first = client.delete(url, headers=headers)
    clock.advance(hours=1)
    second = client.delete(url, headers=headers)

    assert first.status_code == 200, first.text
    assert first.json()["active"] is False
    assert dt.datetime.fromisoformat(first.json()["ended_at"]) == dt.datetime(2024, 2, 1, 12, tzinfo=UTC)
    assert second.status_code == 409, second.text
    assert isinstance(second.json()["detail"], str)
    # The second end changed nothing.
    shown = client.get(url, headers=headers).json()
    assert dt.datetime.fromisoformat(shown["ended_at"]) == dt.datetime(2024, 2, 1, 12, tzinfo=UTC)


def test_repository_end_contract_is_a_single_conditional_write(services, team):
    repo = services.workspace_repo
    at = dt.datetime(2024, 2, 1, 12, tzinfo=UTC)

    ended = repo.end_contract(team["workspace"], team["contract"], at)
    again = repo.end_contract(team["workspace"], team["contract"], at + dt.timedelta(hours=1))

    assert ended is not None
    assert ended.id == team["contract"]
    assert ended.ended_at == at
    assert not ended.active
    assert again is None
    contract = services.workspaces.contract(team["owner"]["user_id"], team["workspace"], team["contract"])
    assert contract.ended_at == at
    # An unknown contract is not created by the write.
    assert repo.end_contract(team["workspace"], 999_999, at) is None
    assert repo.get(type(contract), team["workspace"], 999_999) is None


@pytest.fixture
def atomic_dynamodb(monkeypatch):
    """Each in-memory DynamoDB request atomic, as DynamoDB's conditional writes are
    (moto checks and applies without a lock); the race stays between requests."""
    lock = threading.Lock()
    call_action = DynamoHandler.call_action

    def atomic(self):
        with lock:
            return call_action(self)

    monkeypatch.setattr(DynamoHandler, "call_action", atomic)


def test_racing_ends_of_one_contract_end_it_once(services, team, atomic_dynamodb, clock):
    owner = team["owner"]["user_id"]
    outcomes = race(8, lambda _: services.workspaces.end_contract(owner, team["workspace"], team["contract"]))

    ok = [value for kind, value in outcomes if kind == "ok"]
    errors = [value for kind, value in outcomes if kind == "error"]
    assert len(ok) == 1
    assert len(errors) == 7
    assert all(isinstance(error, Conflict) for error in errors), errors
    assert ok[0].ended_at == NOW


def test_an_ended_contract_cannot_be_clocked_in(client, team):
    url = f"/api/v1/workspaces/{team['workspace']}/contracts/{team['contract']}"
    assert client.delete(url, headers=team["owner"]["headers"]).status_code == 200
    body = {"workspace_id": team["workspace"], "user_id": team["member"]["user_id"], "contract_id": team["contract"]}
    assert_error(client.post(START, json=body, headers=team["owner"]["headers"]), 400)
    assert active(client, team["member"]) is None
    assert directory(client, team, "tasks")["status"] == TaskStatus.TODO.value
