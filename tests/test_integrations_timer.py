"""The integrations API's timer over HTTP (seed 002): /api/v1/timer/status,
/start and /stop. One timer per user across every API (WorkspaceEntries and
the entries service hold the rule; here: the seed's shapes and codes)."""

from __future__ import annotations

import pytest

from tests.studio import ENTRY_FIELDS, assert_error, build, token

TIMER = "/api/v1/timer"
PERSONAL = "/api/v1/time-tracking"


@pytest.fixture
def studio(services):
    return build(services)


def test_no_timer_then_start_status_and_stop(client, clock, studio):
    idle = client.get(f"{TIMER}/status", headers=studio.mia.headers)
    assert idle.status_code == 200, idle.text
    assert idle.json() == {"active": False, "timer": None}

    started = client.post(
        f"{TIMER}/start", json={"project_id": studio.website, "task_id": studio.design}, headers=studio.mia.headers
    )  # fmt: skip  (the seed's JavaScript example's body)

    assert started.status_code == 201, started.text
    answer = started.json()
    assert set(answer) == {"message", "timer"}
    timer = answer["timer"]
    assert set(timer) == ENTRY_FIELDS
    assert (timer["start_time"], timer["end_time"], timer["is_active"], timer["source"]) == (
        "2024-01-22T09:00:00Z", None, True, "timer",
    )  # fmt: skip
    assert (timer["project_id"], timer["task_id"], timer["hourly_rate"]) == (studio.website, studio.design, 80.0)
    assert client.get(f"{TIMER}/status", headers=studio.mia.headers).json() == {"active": True, "timer": timer}

    clock.advance(minutes=90)
    stopped = client.post(f"{TIMER}/stop", headers=studio.mia.headers)

    assert stopped.status_code == 200, stopped.text
    assert set(stopped.json()) == {"message", "time_entry"}
    entry = stopped.json()["time_entry"]
    assert (entry["id"], entry["end_time"], entry["is_active"]) == (timer["id"], "2024-01-22T10:30:00Z", False)
    assert (entry["duration_seconds"], entry["duration_hours"]) == (5400, 1.5)
    assert client.get(f"{TIMER}/status", headers=studio.mia.headers).json() == {"active": False, "timer": None}
    assert_error(client.post(f"{TIMER}/stop", headers=studio.mia.headers), 400, "no_active_timer")


def test_a_second_start_is_409_with_the_running_timer(client, studio):
    first = client.post(
        f"{TIMER}/start", json={"project_id": studio.app, "notes": "Standup"}, headers=studio.mia.headers
    )

    again = client.post(f"{TIMER}/start", json={"project_id": studio.website}, headers=studio.mia.headers)

    body = assert_error(again, 409, "timer_already_running")
    assert body["timer"] == first.json()["timer"]
    assert body["timer"]["notes"] == "Standup"


def test_a_timer_started_in_the_personal_api_blocks_a_start_here_and_is_not_this_workspace_s(client, studio):
    personal = client.post(f"{PERSONAL}/sessions/start", json={"notes": "Personal"}, headers=studio.mia.personal)
    assert personal.status_code == 201, personal.text

    refused = client.post(f"{TIMER}/start", json={"project_id": studio.app}, headers=studio.mia.headers)

    body = assert_error(refused, 409, "timer_already_running")
    assert (body["timer"]["id"], body["timer"]["notes"], body["timer"]["project_id"]) == (
        personal.json()["id"], "Personal", None,
    )  # fmt: skip
    assert client.get(f"{TIMER}/status", headers=studio.mia.headers).json() == {"active": False, "timer": None}
    assert_error(client.post(f"{TIMER}/stop", headers=studio.mia.headers), 400, "no_active_timer")


def test_a_timer_started_here_is_the_personal_api_s_running_session(client, studio):
    started = client.post(f"{TIMER}/start", json={"project_id": studio.app}, headers=studio.mia.headers).json()

    active = client.get(f"{PERSONAL}/sessions/active", headers=studio.mia.personal)

    assert active.status_code == 200, active.text
    assert active.json()["id"] == started["timer"]["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "project_id"),
        ({"project_id": "OLD"}, "project_id"),  # archived
        ({"project_id": 999_999}, "project_id"),
        ({"project_id": "APP", "task_id": "DESIGN"}, "task_id"),  # a task of the website
        ({"project_id": "APP", "notes": "x" * 2001}, "notes"),
    ],
)
def test_a_start_on_a_bad_project_or_task_is_400(client, studio, body, field):
    names = {"OLD": studio.old, "APP": studio.app, "DESIGN": studio.design}
    body = {key: names.get(value, value) if isinstance(value, str) else value for key, value in body.items()}

    answer = assert_error(client.post(f"{TIMER}/start", json=body, headers=studio.mia.headers), 400, "validation_error")

    assert list(answer["errors"]) == [field]
    assert client.get(f"{TIMER}/status", headers=studio.mia.headers).json()["active"] is False


@pytest.mark.parametrize(
    ("method", "path", "scope"),
    [
        ("GET", "/status", "read:time_entries"),
        ("POST", "/start", "write:time_entries"),
        ("POST", "/stop", "write:time_entries"),
    ],
)
def test_each_route_needs_its_scope(client, services, studio, method, path, scope):
    other = "write:time_entries" if scope.startswith("read") else "read:time_entries"
    headers = token(services, studio.mia.user_id, [other], workspace_id=studio.ws)

    refused = client.request(method, TIMER + path, json={"project_id": studio.app}, headers=headers)

    assert assert_error(refused, 403, "forbidden")["required_scope"] == scope
    assert_error(client.request(method, TIMER + path), 401, "unauthorized")
