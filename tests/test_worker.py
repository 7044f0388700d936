"""The clock-in worker: real SQS events (from messages the clock-in flow sent
to the moto FIFO queue, or events/clock_in_worker_batch.json) through the
real Lambda handler, and the local poller that feeds it."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import json
import re
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal

import boto3
import pytest

from local import stack
from local.poller import LambdaContext, QueuePoller, to_event
from tests.conftest import join, load_event
from timetrack.dal.queue import ClockInQueue
from timetrack.errors import ForwardingFailed
from timetrack.messages import ClockInEvent
from timetrack.models import Entry
from timetrack.workspaces import TaskStatus

UTC = dt.UTC


@dataclass
class Team:
    owner: int
    member: int
    workspace: int
    project: int
    task: int
    contract: int  # the member's
    owner_task: int
    owner_contract: int


@pytest.fixture
def worker(services):
    """The worker's handler module, imported inside the mock (it builds its clients at import)."""
    return importlib.import_module("functions.clock_in_worker.app")


@pytest.fixture
def sqs(aws):
    return boto3.client("sqs", region_name=stack.REGION)


@pytest.fixture
def queue_url(services) -> str:
    return services.config.clock_in_queue_url


@pytest.fixture
def team(services) -> Team:
    accounts, ws = services.accounts, services.workspaces
    owner = accounts.create_user("owner@example.com")
    member = accounts.create_user("member@example.com")
    workspace, _ = ws.create(owner, "Acme")
    join(services, workspace.id, member, by=owner)
    project = ws.create_project(owner, workspace.id, "Website", Decimal("50"))
    task = ws.create_task(owner, workspace.id, project.id, "Landing page")
    owner_task = ws.create_task(owner, workspace.id, project.id, "Review")
    contract = ws.create_contract(owner, workspace.id, member, project.id, Decimal("40"))
    owner_contract = ws.create_contract(owner, workspace.id, owner, project.id, Decimal("60"))
    return Team(owner, member, workspace.id, project.id, task.id, contract.id, owner_task.id, owner_contract.id)


def receive(sqs, url: str, expected: int) -> list[dict]:
    """Exactly the messages the clock-in flow sent (bounded: a few empty receives end it)."""
    messages: list[dict] = []
    for _ in range(5):
        got = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        messages += got
        if len(messages) >= expected:
            break
    assert len(messages) == expected
    return messages


def event_of(sqs, url: str, messages: list[dict]) -> dict:
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return to_event(messages, arn, stack.REGION)


def invoke(worker, event: dict) -> dict:
    return worker.handler(event, LambdaContext("clock-in-worker-test", 30, stack.REGION))


def process(worker, sqs, url: str, expected: int) -> tuple[dict, dict]:
    """What the event source mapping does: receive, invoke, delete what succeeded (a FIFO
    group's later messages are not delivered while earlier ones are in flight)."""
    messages = receive(sqs, url, expected)
    event = event_of(sqs, url, messages)
    response = invoke(worker, event)
    failed = set(failures(response))
    for message in messages:
        if message["MessageId"] not in failed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return event, response


def failures(response: dict) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


def clock_in(services, team: Team, *, user: str = "member", task: bool = True):
    user_id = getattr(team, user)
    contract = team.contract if user == "member" else team.owner_contract
    task_id = (team.task if user == "member" else team.owner_task) if task else None
    entry = services.clock_ins.start(
        team.owner, workspace_id=team.workspace, user_id=user_id, contract_id=contract, task_id=task_id
    )
    return entry


def clock_out(services, team: Team, *, user: str = "member"):
    return services.clock_ins.stop(team.owner, workspace_id=team.workspace, user_id=getattr(team, user))


def contract_of(services, team: Team, contract_id: int | None = None):
    return services.workspaces.contract(team.owner, team.workspace, contract_id or team.contract)


def task_of(services, team: Team, task_id: int | None = None):
    return services.workspaces.task(team.owner, team.workspace, task_id or team.task)


def body_record(template: dict, event: ClockInEvent, message_id: str | None = None) -> dict:
    """A record of the sample batch carrying ``event`` (ids of this test's stack)."""
    record = json.loads(json.dumps(template))
    body = event.model_dump_json()
    record["messageId"] = message_id or str(uuid.uuid4())
    record["body"] = body
    record["md5OfBody"] = hashlib.md5(body.encode()).hexdigest()  # noqa: S324  (SQS's checksum is MD5)
    record["attributes"]["MessageGroupId"] = event.group
    record["attributes"]["MessageDeduplicationId"] = event.event_id
    return record


def recorded(
    services, team: Team, *, user: str = "member", start: str = "09:00", minutes: int | None = None, task: bool = False
) -> Entry:
    """A clock-in entry of ``user`` on their contract, written straight to the entries table (running
    unless ``minutes`` is given): the worker acts only on events whose entry the table shows."""
    user_id = getattr(team, user)
    contract = team.contract if user == "member" else team.owner_contract
    task_id = (team.task if user == "member" else team.owner_task) if task else None
    start_time = dt.datetime.fromisoformat(f"2024-01-22T{start}:00+00:00")
    end_time = None if minutes is None else start_time + dt.timedelta(minutes=minutes)
    origin = {"workspace_id": team.workspace, "contract_id": contract, "project_id": team.project, "task_id": task_id}
    entries = services.entries
    return entries.create(entries.caller(user_id), start_time=start_time, end_time=end_time, origin=origin)


def event_for(kind: str, entry: Entry, team: Team, **changes) -> ClockInEvent:
    """The event the clock-in API sends for ``entry`` as it is now (``changes`` override fields)."""
    origin = entry.origin
    event = ClockInEvent(
        type=f"clock_in.{kind}",
        event_id=f"{entry.id}-{kind}-v{entry.version}",
        entry_id=entry.id,
        workspace_id=origin["workspace_id"],
        user_id=entry.user_id,
        contract_id=origin["contract_id"],
        project_id=origin["project_id"],
        task_id=origin["task_id"],
        start_time=entry.start_time,
        end_time=entry.end_time if kind == "stopped" else None,
        actor_user_id=team.owner,
    )
    return event.model_copy(update=changes)


def started(entry: Entry, team: Team, **changes) -> ClockInEvent:
    return event_for("started", entry, team, **changes)


def stopped(entry: Entry, team: Team, **changes) -> ClockInEvent:
    return event_for("stopped", entry, team, **changes)


@pytest.fixture
def lost_reply(monkeypatch):
    """``lost_reply()``: the next send reaches the queue but the API sees it fail (say, SQS's answer
    timed out), so the API undoes the clock-in while the worker still gets its event."""
    send = ClockInQueue.send
    armed: list[bool] = []

    def send_then_fail(self, event):
        send(self, event)
        if armed:
            armed.pop()
            raise ForwardingFailed()

    monkeypatch.setattr(ClockInQueue, "send", send_then_fail)
    return lambda: armed.append(True)


def queue_is_empty(sqs, url: str) -> bool:
    counts = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=counts)["Attributes"]
    return [attributes[name] for name in counts] == ["0", "0"]


# ------------------------------------------------------------- effects ---


def test_start_moves_task_to_in_progress_and_records_contract_activity(services, team, worker, sqs, queue_url):
    clock_in(services, team)
    response = process(worker, sqs, queue_url, 1)[1]

    assert response == {"batchItemFailures": []}
    assert task_of(services, team).status is TaskStatus.IN_PROGRESS
    contract = contract_of(services, team)
    assert contract.first_started_at == dt.datetime(2024, 1, 22, 9, 0, tzinfo=UTC)
    assert contract.last_activity_at == dt.datetime(2024, 1, 22, 9, 0, tzinfo=UTC)
    assert contract.tracked_minutes == 0
    # The owner's task and contract are untouched.
    assert task_of(services, team, team.owner_task).status is TaskStatus.TODO
    assert contract_of(services, team, team.owner_contract).first_started_at is None


def test_stops_add_tracked_minutes_and_first_start_is_kept(services, team, worker, sqs, queue_url, clock):
    clock_in(services, team)  # 09:00
    clock.set("2024-01-22T10:30:00+00:00")
    clock_out(services, team)  # 90 minutes
    assert process(worker, sqs, queue_url, 2)[1] == {"batchItemFailures": []}

    contract = contract_of(services, team)
    assert contract.tracked_minutes == Decimal("90.00")
    assert task_of(services, team).tracked_minutes == Decimal("90.00")
    assert contract.last_activity_at == dt.datetime(2024, 1, 22, 10, 30, tzinfo=UTC)

    clock.set("2024-01-22T13:00:00+00:00")
    clock_in(services, team)
    clock.set("2024-01-22T13:30:20+00:00")  # 30 min 20 s = 30.33 minutes
    clock_out(services, team)
    assert process(worker, sqs, queue_url, 2)[1] == {"batchItemFailures": []}

    contract = contract_of(services, team)
    assert contract.tracked_minutes == Decimal("120.33")
    assert task_of(services, team).tracked_minutes == Decimal("120.33")
    assert contract.first_started_at == dt.datetime(2024, 1, 22, 9, 0, tzinfo=UTC)
    assert contract.last_activity_at == dt.datetime(2024, 1, 22, 13, 30, 20, tzinfo=UTC)
    assert task_of(services, team).status is TaskStatus.IN_PROGRESS


def test_stop_without_task_counts_on_the_contract_only(services, team, worker, sqs, queue_url, clock):
    clock_in(services, team, task=False)
    clock.advance(minutes=45)
    clock_out(services, team)
    assert process(worker, sqs, queue_url, 2)[1] == {"batchItemFailures": []}

    assert contract_of(services, team).tracked_minutes == Decimal("45.00")
    task = task_of(services, team)
    assert task.tracked_minutes == 0
    assert task.status is TaskStatus.TODO


def test_start_leaves_a_task_that_moved_on_alone(services, team, worker, sqs, queue_url):
    services.workspaces.update_task(team.owner, team.workspace, team.task, {"status": "review"})
    clock_in(services, team)
    assert process(worker, sqs, queue_url, 1)[1] == {"batchItemFailures": []}

    assert task_of(services, team).status is TaskStatus.REVIEW


def test_effects_show_in_the_directory_api(services, team, worker, sqs, queue_url, client, clock):
    token = services.accounts.issue_token(team.owner).token
    clock_in(services, team)
    clock.advance(minutes=90)
    clock_out(services, team)
    process(worker, sqs, queue_url, 2)

    headers = {"Authorization": f"Bearer {token}"}
    task = client.get(f"/api/v1/workspaces/{team.workspace}/tasks/{team.task}", headers=headers)
    contract = client.get(f"/api/v1/workspaces/{team.workspace}/contracts/{team.contract}", headers=headers)
    assert task.status_code == 200, task.text
    assert contract.status_code == 200, contract.text
    assert task.json()["status"] == "in_progress"
    assert Decimal(str(task.json()["tracked_minutes"])) == Decimal("90.00")
    assert Decimal(str(contract.json()["tracked_minutes"])) == Decimal("90.00")


def test_the_sample_batch_applies_to_its_users(services, team, worker):
    """events/clock_in_worker_batch.json with this stack's ids: two users' messages, one batch.
    Its entries as the table shows them after the batch: 41 (user 100) ran 09:00-10:30 on the
    task, 42 (user 101) runs since 09:05 without one."""
    event = load_event("clock_in_worker_batch.json")
    owner_entry = recorded(services, team, user="owner", start="09:00", minutes=90, task=True)
    member_entry = recorded(services, team, user="member", start="09:05")
    ids = {
        1: team.workspace,
        100: team.owner,
        101: team.member,
        560314: team.owner_contract,
        560315: team.contract,
        285469: team.project,
        12345: team.owner_task,
    }
    entries = {41: owner_entry.id, 42: member_entry.id}
    for record in event["Records"]:
        body = json.loads(record["body"])
        for field in ("workspace_id", "user_id", "contract_id", "project_id", "task_id", "actor_user_id"):
            if body[field] is not None:
                body[field] = ids[body[field]]
        # The API's form: "<entry>-<started|stopped>-v<the entry's version after the transition>".
        sample_entry, kind, version = re.fullmatch(r"(\d+)-(started|stopped)-(v\d+)", body["event_id"]).groups()
        assert int(sample_entry) == body["entry_id"]
        body["entry_id"] = entries[body["entry_id"]]
        body["event_id"] = record["attributes"]["MessageDeduplicationId"] = f"{body['entry_id']}-{kind}-{version}"
        record["body"] = json.dumps(body)

    response = invoke(worker, event)

    assert response == {"batchItemFailures": []}
    owner_contract = contract_of(services, team, team.owner_contract)
    assert owner_contract.tracked_minutes == Decimal("90.00")  # 09:00 -> 10:30
    assert owner_contract.first_started_at == dt.datetime(2024, 1, 22, 9, 0, tzinfo=UTC)
    assert owner_contract.last_activity_at == dt.datetime(2024, 1, 22, 10, 30, tzinfo=UTC)
    owner_task = task_of(services, team, team.owner_task)
    assert owner_task.status is TaskStatus.IN_PROGRESS
    assert owner_task.tracked_minutes == Decimal("90.00")
    member_contract = contract_of(services, team)
    assert member_contract.first_started_at == dt.datetime(2024, 1, 22, 9, 5, tzinfo=UTC)
    assert member_contract.tracked_minutes == 0


def test_converted_messages_have_the_shape_of_the_sample_event(services, team, sqs, queue_url):
    clock_in(services, team)
    (record,) = event_of(sqs, queue_url, receive(sqs, queue_url, 1))["Records"]
    (sample, *_) = load_event("clock_in_worker_batch.json")["Records"]

    assert record.keys() == sample.keys()
    assert record["attributes"].keys() == sample["attributes"].keys()
    assert record["attributes"]["MessageGroupId"] == f"user-{team.member}"
    assert record["eventSourceARN"].endswith(":timetrack-clock-in-queue.fifo")
    assert record["md5OfBody"] == hashlib.md5(record["body"].encode()).hexdigest()  # noqa: S324
    # The sample's event ids have the form the API sends.
    form = re.compile(r"\d+-(started|stopped)-v\d+")
    assert form.fullmatch(json.loads(record["body"])["event_id"])
    for sample_record in load_event("clock_in_worker_batch.json")["Records"]:
        assert form.fullmatch(json.loads(sample_record["body"])["event_id"])


# --------------------------------------------------------- idempotency ---


def test_a_redelivered_stop_counts_once(services, team, worker, sqs, queue_url, clock):
    clock_in(services, team)
    clock.advance(minutes=90)
    clock_out(services, team)
    event = event_of(sqs, queue_url, receive(sqs, queue_url, 2))

    assert invoke(worker, event) == {"batchItemFailures": []}
    assert invoke(worker, event) == {"batchItemFailures": []}  # e.g. the delete after success was lost

    assert contract_of(services, team).tracked_minutes == Decimal("90.00")
    assert task_of(services, team).tracked_minutes == Decimal("90.00")


def test_each_applied_event_leaves_one_expiring_idempotency_record(services, team, worker, sqs, queue_url, clock):
    clock_in(services, team)
    clock.advance(minutes=90)
    clock_out(services, team)
    process(worker, sqs, queue_url, 2)

    dynamodb = boto3.client("dynamodb", region_name=stack.REGION)
    table = services.config.idempotency_table
    ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expiration")
    items = dynamodb.scan(TableName=table)["Items"]  # test only: the worker reads by key
    assert len(items) == 2
    assert {item["status"]["S"] for item in items} == {"COMPLETED"}
    day_from_now = time.time() + 24 * 3600
    assert all(abs(int(item["expiration"]["N"]) - day_from_now) < 600 for item in items)


def test_the_same_event_resent_as_a_new_message_acts_once(services, team, worker, sqs, queue_url, clock):
    clock_in(services, team)
    clock.advance(minutes=90)
    clock_out(services, team)
    event = event_of(sqs, queue_url, receive(sqs, queue_url, 2))
    invoke(worker, event)

    resent = json.loads(json.dumps(event))
    for record in resent["Records"]:
        record["messageId"] = str(uuid.uuid4())
        record["receiptHandle"] = "AQEB" + uuid.uuid4().hex
        record["attributes"]["SequenceNumber"] = str(int(record["attributes"]["SequenceNumber"]) + 10**6)
    assert invoke(worker, resent) == {"batchItemFailures": []}

    assert contract_of(services, team).tracked_minutes == Decimal("90.00")
    assert task_of(services, team).tracked_minutes == Decimal("90.00")


def test_a_failed_message_is_applied_when_it_is_received_again(services, team, worker, sqs, queue_url, clock):
    """Failure leaves no idempotency record behind that would swallow the retry."""
    clock_in(services, team)
    clock.advance(minutes=90)
    clock_out(services, team)
    event = event_of(sqs, queue_url, receive(sqs, queue_url, 2))

    effects = services.clock_in_effects
    original = effects.apply
    calls = []

    def flaky(message):
        calls.append(message.type)
        if message.type == "clock_in.stopped" and calls.count("clock_in.stopped") == 1:
            raise RuntimeError("DynamoDB throttled")
        return original(message)

    object.__setattr__(effects, "apply", flaky)
    first = invoke(worker, event)
    assert failures(first) == [event["Records"][1]["messageId"]]
    assert contract_of(services, team).tracked_minutes == 0

    second = invoke(worker, event)
    assert second == {"batchItemFailures": []}
    assert contract_of(services, team).tracked_minutes == Decimal("90.00")
    assert calls == ["clock_in.started", "clock_in.stopped", "clock_in.stopped"]  # the start was not re-applied


# ------------------------------------------------------ undone events ---
# The API undoes a clock-in it could not forward; if SQS had taken the message anyway,
# the worker gets an event for what was undone: it skips it (acked, not failed).


def test_a_start_that_was_undone_is_skipped_not_failed(services, team, worker, sqs, queue_url, clock, lost_reply):
    lost_reply()
    with pytest.raises(ForwardingFailed):
        clock_in(services, team)
    caller = services.entries.caller(team.member)
    assert services.entries.page(caller) == []  # the API deleted the entry ...

    event, response = process(worker, sqs, queue_url, 1)  # ... but the queue has its start

    assert [json.loads(r["body"])["type"] for r in event["Records"]] == ["clock_in.started"]
    assert response == {"batchItemFailures": []}
    assert task_of(services, team).status is TaskStatus.TODO
    contract = contract_of(services, team)
    assert contract.first_started_at is None
    assert contract.last_activity_at is None
    assert queue_is_empty(sqs, queue_url)  # acked: not retried, not dead-lettered

    # The clock-in the caller retries is a new entry, and it applies.
    clock.advance(minutes=5)
    clock_in(services, team)
    assert process(worker, sqs, queue_url, 1)[1] == {"batchItemFailures": []}
    assert task_of(services, team).status is TaskStatus.IN_PROGRESS
    assert contract_of(services, team).first_started_at == dt.datetime(2024, 1, 22, 9, 5, tzinfo=UTC)


def test_a_stop_that_was_undone_adds_no_minutes(services, team, worker, sqs, queue_url, clock, lost_reply):
    entry = clock_in(services, team)  # 09:00
    clock.advance(minutes=20)
    lost_reply()
    with pytest.raises(ForwardingFailed):
        clock_out(services, team)
    running = services.entries.active(services.entries.caller(team.member))
    assert (running.id, running.end_time) == (entry.id, None)  # the timer runs again

    event, response = process(worker, sqs, queue_url, 2)

    bodies = [json.loads(r["body"]) for r in event["Records"]]
    assert [b["type"] for b in bodies] == ["clock_in.started", "clock_in.stopped"]
    assert bodies[1]["end_time"].startswith("2024-01-22T09:20:00")
    assert response == {"batchItemFailures": []}
    contract, task = contract_of(services, team), task_of(services, team)
    assert contract.tracked_minutes == 0
    assert task.tracked_minutes == 0
    assert contract.last_activity_at == dt.datetime(2024, 1, 22, 9, 0, tzinfo=UTC)  # the start's, not 09:20
    assert task.status is TaskStatus.IN_PROGRESS  # the start did apply
    assert queue_is_empty(sqs, queue_url)


def test_a_stop_whose_end_time_the_entry_no_longer_shows_adds_no_minutes(services, team, worker):
    template = load_event("clock_in_worker_batch.json")["Records"][0]
    entry = recorded(services, team, start="09:00", minutes=30, task=True)  # ended 09:30
    stale = body_record(template, stopped(entry, team, end_time=dt.datetime(2024, 1, 22, 10, 0, tzinfo=UTC)))

    assert invoke(worker, {"Records": [stale]}) == {"batchItemFailures": []}

    assert contract_of(services, team).tracked_minutes == 0
    assert task_of(services, team).tracked_minutes == 0
    assert contract_of(services, team).last_activity_at is None


def test_a_redone_stop_is_a_new_event_and_counts_once(services, team, worker, sqs, queue_url, clock, lost_reply):
    entry = clock_in(services, team)  # 09:00
    clock.advance(minutes=20)
    lost_reply()
    with pytest.raises(ForwardingFailed):
        clock_out(services, team)  # 09:20, undone
    clock.advance(minutes=10)
    redone = clock_out(services, team)  # 09:30
    assert redone.end_time == dt.datetime(2024, 1, 22, 9, 30, tzinfo=UTC)

    event, response = process(worker, sqs, queue_url, 3)  # the queue kept both stops

    bodies = [json.loads(r["body"]) for r in event["Records"]]
    assert [b["type"] for b in bodies] == ["clock_in.started", "clock_in.stopped", "clock_in.stopped"]
    first, second = bodies[1], bodies[2]
    assert first["entry_id"] == second["entry_id"] == entry.id
    assert first["event_id"] != second["event_id"]
    assert len({r["attributes"]["MessageDeduplicationId"] for r in event["Records"]}) == 3
    assert response == {"batchItemFailures": []}
    contract, task = contract_of(services, team), task_of(services, team)
    assert contract.tracked_minutes == Decimal("30.00")  # the entry's 09:00-09:30, not 20 + 30
    assert task.tracked_minutes == Decimal("30.00")
    assert contract.last_activity_at == dt.datetime(2024, 1, 22, 9, 30, tzinfo=UTC)

    # Delivered again (the deletes were lost): still once.
    assert invoke(worker, event) == {"batchItemFailures": []}
    assert contract_of(services, team).tracked_minutes == Decimal("30.00")
    assert task_of(services, team).tracked_minutes == Decimal("30.00")


def test_clock_in_on_an_archived_project_is_400(services, team, client, sqs, queue_url):
    headers = {"Authorization": f"Bearer {services.accounts.issue_token(team.owner).token}"}
    archived = client.delete(f"/api/v1/workspaces/{team.workspace}/projects/{team.project}", headers=headers)
    assert archived.status_code == 200, archived.text
    assert archived.json()["archived"] is True

    body = {"workspace_id": team.workspace, "user_id": team.member, "contract_id": team.contract, "task_id": team.task}
    response = client.post("/time-tracking/start", json=body, headers=headers)

    assert response.status_code == 400, response.text
    error = response.json()
    assert set(error) == {"success", "message", "error", "meta"}
    assert error["success"] is False
    assert error["message"] == "Validation failed"
    assert error["error"].startswith("contract_id: ")
    assert "archived" in error["error"]
    assert error["meta"]["api_version"] == "2.0.0"
    # Nothing was clocked in or forwarded.
    query = {"workspace_id": team.workspace, "user_id": team.member}
    active = client.get("/time-tracking/active", params=query, headers=headers)
    assert active.status_code == 200, active.text
    assert active.json()["data"] is None
    assert services.entries.page(services.entries.caller(team.member)) == []
    assert receive(sqs, queue_url, 0) == []


# -------------------------------------------------------- partial batch ---
# Failures are injected with events of real entries (the worker skips events whose entry the
# table does not show) that name a contract the workspace does not have.

UNKNOWN_CONTRACT = 999_999


def test_a_bad_message_fails_alone_and_holds_back_only_its_own_users_later_messages(services, team, worker):
    template = load_event("clock_in_worker_batch.json")["Records"][0]
    earlier = recorded(services, team, start="07:00", minutes=60)
    unknown_contract = body_record(template, started(earlier, team, contract_id=UNKNOWN_CONTRACT))
    running = recorded(services, team, task=True)
    same_user_later = body_record(template, started(running, team))  # valid, but after the bad one
    owners = recorded(services, team, user="owner", task=True)
    other_user = body_record(template, started(owners, team))
    poison = body_record(template, started(owners, team), message_id="poison-pill")
    poison["body"] = json.dumps({"type": "clock_in.paused", "event_id": "903-paused"})
    poison["attributes"]["MessageGroupId"] = "user-404"

    response = invoke(worker, {"Records": [unknown_contract, same_user_later, other_user, poison]})

    assert failures(response) == [unknown_contract["messageId"], same_user_later["messageId"], "poison-pill"]
    assert task_of(services, team).status is TaskStatus.TODO  # the later message was not applied out of order
    assert contract_of(services, team).first_started_at is None
    assert task_of(services, team, team.owner_task).status is TaskStatus.IN_PROGRESS
    assert contract_of(services, team, team.owner_contract).first_started_at == dt.datetime(2024, 1, 22, 9, tzinfo=UTC)


def test_a_start_that_fails_changes_nothing(services, team, worker):
    """A start for a contract that does not exist fails whole: its task is not moved either."""
    template = load_event("clock_in_worker_batch.json")["Records"][0]
    entry = recorded(services, team, task=True)
    bad = body_record(template, started(entry, team, contract_id=UNKNOWN_CONTRACT))

    assert failures(invoke(worker, {"Records": [bad]})) == [bad["messageId"]]
    assert task_of(services, team).status is TaskStatus.TODO
    assert contract_of(services, team).first_started_at is None


def test_a_batch_that_fails_entirely_is_reported_not_raised(services, team, worker):
    template = load_event("clock_in_worker_batch.json")["Records"][0]
    bad = body_record(template, started(recorded(services, team), team, contract_id=UNKNOWN_CONTRACT))

    assert failures(invoke(worker, {"Records": [bad]})) == [bad["messageId"]]


def test_worker_failures_metric_counts_failed_messages(services, team, worker, capsys):
    template = load_event("clock_in_worker_batch.json")["Records"][0]
    earlier = recorded(services, team, start="07:00", minutes=60)
    bad = body_record(template, started(earlier, team, contract_id=UNKNOWN_CONTRACT))
    held_back = body_record(template, started(recorded(services, team), team))  # same user: deferred, not failed
    capsys.readouterr()

    invoke(worker, {"Records": [bad, held_back]})

    emf = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{") and '"_aws"' in line
    ]
    (doc,) = [doc for doc in emf if "WorkerFailures" in doc]
    (directive,) = doc["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Timetrack"
    assert {"Name": "WorkerFailures", "Unit": "Count"} in directive["Metrics"]
    assert doc["WorkerFailures"] == [1.0]  # the deferred message is not counted


# -------------------------------------------------------- dead letters ---


def test_a_message_that_keeps_failing_is_dead_lettered_after_three_receives(services, team, worker, sqs, queue_url):
    owners = recorded(services, team, user="owner", start="07:00", minutes=60)
    bad = started(owners, team, contract_id=UNKNOWN_CONTRACT)  # the owner has no such contract
    sqs.send_message(
        QueueUrl=queue_url,
        MessageBody=bad.model_dump_json(),
        MessageGroupId=bad.group,
        MessageDeduplicationId=bad.event_id,
    )
    clock_in(services, team)  # the member's start, in the same batch
    poller = QueuePoller(sqs, queue_url, worker.handler, region=stack.REGION, wait_seconds=0)

    for receives in range(1, 4):
        messages = poller.receive()
        bodies = {json.loads(m["Body"])["event_id"]: m for m in messages}
        assert bad.event_id in bodies
        assert bodies[bad.event_id]["Attributes"]["ApproximateReceiveCount"] == str(receives)
        failed = poller.deliver(messages)
        assert failed == [bodies[bad.event_id]["MessageId"]]
        # Make it visible again now instead of after the 180 s visibility timeout.
        sqs.change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=bodies[bad.event_id]["ReceiptHandle"], VisibilityTimeout=0
        )
        if receives == 1:
            assert len(messages) == 2  # the member's start came in the same batch ...
            assert task_of(services, team).status is TaskStatus.IN_PROGRESS  # ... and was applied

    assert poller.receive() == []  # a 4th receive finds it moved
    dlq_url = sqs.get_queue_url(QueueName="timetrack-clock-in-dead-letter-queue.fifo")["QueueUrl"]
    dead = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=60).get("Messages", [])
    assert [json.loads(m["Body"])["event_id"] for m in dead] == [bad.event_id]
    # The member's message was deleted after its first, successful delivery.
    assert queue_is_empty(sqs, queue_url)


# -------------------------------------------------------------- poller ---


def test_the_poller_thread_feeds_clock_ins_to_the_worker(services, team, worker, sqs, queue_url):
    poller = QueuePoller(sqs, queue_url, worker.handler, region=stack.REGION)
    poller.start()
    try:
        clock_in(services, team)
        status = task_of(services, team).status
        for _ in range(200):  # bounded: ~10 s at most
            if status is TaskStatus.IN_PROGRESS:
                break
            time.sleep(0.05)
            status = task_of(services, team).status
    finally:
        poller.stop()

    assert status is TaskStatus.IN_PROGRESS
    assert contract_of(services, team).first_started_at == dt.datetime(2024, 1, 22, 9, 0, tzinfo=UTC)
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"  # deleted after success
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_the_poller_leaves_a_batch_whose_handler_crashed(services, sqs, queue_url):
    def crash(event, context):
        raise RuntimeError("worker broke")

    sqs.send_message(QueueUrl=queue_url, MessageBody="{}", MessageGroupId="user-1", MessageDeduplicationId="x")
    poller = QueuePoller(sqs, queue_url, crash, region=stack.REGION, wait_seconds=0)
    messages = poller.receive()

    assert poller.deliver(messages) == [messages[0]["MessageId"]]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"  # not deleted: redelivered later
