"""What tests/test_events.py expects of the sample events of the integrations
API's time entries, timer and reports (events/integrations_time_entries_*,
integrations_timer_*, integrations_reports_*): the state each needs and the
check of its answer. The demo user owns the workspace (so it is the one his
unbound token acts in): project 1 (Website, 80/h) with task 1."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

UTC = dt.UTC


def _world(services, user_id, clock) -> dict[str, Any]:
    workspaces = services.workspaces
    workspace, _ = workspaces.create(user_id, "Acme")
    project = workspaces.create_project(user_id, workspace.id, "Website", Decimal("80"))
    task = workspaces.create_task(user_id, workspace.id, project.id, "Landing page")
    return {"workspace": workspace.id, "project": project.id, "task": task.id}


def _with_entry(services, user_id, clock) -> dict[str, Any]:
    """The world and a completed entry: 2024-01-15, 09:00-17:00 UTC on the task."""
    ctx = _world(services, user_id, clock)
    start = dt.datetime(2024, 1, 15, 9, tzinfo=UTC)
    entry = services.workspace_entries.create(
        user_id, ctx["workspace"], task_id=ctx["task"], start_time=start, end_time=start + dt.timedelta(hours=8),
        notes="Worked on feature X", tags=("development",),
    )  # fmt: skip
    return ctx | {"entry": entry.id}


def _with_timer(services, user_id, clock) -> dict[str, Any]:
    """The world and the demo user's timer on the project, started at 08:00 (now is 09:00)."""
    ctx = _world(services, user_id, clock)
    clock.advance(hours=-1)
    timer = services.workspace_entries.start(user_id, ctx["workspace"], project_id=ctx["project"])
    clock.advance(hours=1)
    return ctx | {"entry": timer.id}


def _list_check(status, body, ctx, services, user_id):
    assert status == 200, body
    assert [entry["id"] for entry in body["time_entries"]] == [ctx["entry"]]
    assert body["pagination"]["total"] == 1


def _create_check(status, body, ctx, services, user_id):
    assert status == 201, body
    entry = body["time_entry"]
    assert body["message"] == "Time entry created successfully"
    assert (entry["user_id"], entry["project_id"], entry["task_id"]) == (user_id, ctx["project"], ctx["task"])
    assert (entry["start_time"], entry["end_time"], entry["duration_hours"]) == (
        "2024-01-15T09:00:00Z", "2024-01-15T17:00:00Z", 8.0,
    )  # fmt: skip
    assert (entry["tags"], entry["tag_list"], entry["hourly_rate"]) == (
        "development,frontend",
        ["development", "frontend"],
        80.0,
    )


def _export_check(status, body, ctx, services, user_id):
    assert status == 200, body
    header, *rows = list(csv.reader(io.StringIO(body, newline="")))
    assert header[:4] == ["id", "user_id", "project_id", "project_name"]
    assert [(row[0], row[3], row[5]) for row in rows] == [(str(ctx["entry"]), "Website", "Landing page")]


def _get_check(status, body, ctx, services, user_id):
    assert status == 200, body
    assert body["time_entry"]["id"] == ctx["entry"]
    assert body["time_entry"]["notes"] == "Worked on feature X"


def _update_check(status, body, ctx, services, user_id):
    assert status == 200, body
    entry = body["time_entry"]
    assert (entry["notes"], entry["tag_list"], entry["billable"]) == (
        "Reviewed with the client", ["development", "review"], False,
    )  # fmt: skip
    assert entry["end_time"] == "2024-01-15T17:00:00Z"


def _patch_check(status, body, ctx, services, user_id):
    assert status == 200, body
    entry = body["time_entry"]
    assert (entry["id"], entry["is_active"], entry["end_time"], entry["duration_hours"]) == (
        ctx["entry"], False, "2024-01-22T08:30:00Z", 0.5,
    )  # fmt: skip


def _delete_check(status, body, ctx, services, user_id):
    assert status == 200, body
    assert body == {"message": "Time entry deleted successfully"}
    assert services.workspace_entries.find(ctx["workspace"], ctx["entry"]) is None


def _status_check(status, body, ctx, services, user_id):
    assert status == 200, body
    assert body["active"] is True
    assert (body["timer"]["id"], body["timer"]["start_time"]) == (ctx["entry"], "2024-01-22T08:00:00Z")


def _start_check(status, body, ctx, services, user_id):
    assert status == 201, body
    timer = body["timer"]
    assert (timer["project_id"], timer["task_id"], timer["is_active"]) == (ctx["project"], ctx["task"], True)
    assert timer["start_time"] == "2024-01-22T09:00:00Z"


def _stop_check(status, body, ctx, services, user_id):
    assert status == 200, body
    entry = body["time_entry"]
    assert (entry["id"], entry["end_time"], entry["duration_hours"]) == (ctx["entry"], "2024-01-22T09:00:00Z", 1.0)


def _summary_check(status, body, ctx, services, user_id):
    assert status == 200, body
    assert body["summary"] == {
        "start_date": "2024-01-01T00:00:00Z",
        "end_date": "2024-01-31T23:59:59Z",
        "total_hours": 8.0,
        "billable_hours": 8.0,
        "total_entries": 1,
        "by_project": [{"project_id": ctx["project"], "project_name": "Website", "hours": 8.0, "entries": 1}],
    }


EXPECTATIONS = {
    "integrations_time_entries_list.json": (_with_entry, _list_check),
    "integrations_time_entries_create.json": (_world, _create_check),
    "integrations_time_entries_export.json": (_with_entry, _export_check),
    "integrations_time_entries_get.json": (_with_entry, _get_check),
    "integrations_time_entries_update.json": (_with_entry, _update_check),
    "integrations_time_entries_patch.json": (_with_timer, _patch_check),
    "integrations_time_entries_delete.json": (_with_entry, _delete_check),
    "integrations_timer_status.json": (_with_timer, _status_check),
    "integrations_timer_start.json": (_world, _start_check),
    "integrations_timer_stop.json": (_with_timer, _stop_check),
    "integrations_reports_summary.json": (_with_entry, _summary_check),
}
