"""`make demo`: the README's curl walkthrough, end to end, on the running stack.

Creates two fresh users (so it can run again on the same stack), then walks
the personal API (settings, a session, entries, stats) and the workspace
flow: the owner creates a workspace and invites the member, the member
accepts, the owner adds a project, a contract and a task and clocks the
member in; the worker moves the task to ``in_progress``; after the stop the
task's ``tracked_minutes`` equal the clock-in's duration. Prints each step
and its status; exits 1 at the first unexpected status.
"""

from __future__ import annotations

import os
import sys
import time
import uuid
from decimal import Decimal
from typing import Any

import httpx

from local import runstate, stack

PERSONAL = "/api/v1/time-tracking"
WORKSPACES = "/api/v1/workspaces"
WORKER_WAIT_SECONDS = 10  # the poller hands clock-ins to the worker within about a second


class Unexpected(Exception):
    pass


class Walkthrough:
    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10)

    def call(self, who: dict[str, Any], method: str, path: str, expected: int, note: str, body: Any = None) -> Any:
        response = self.http.request(method, path, json=body, headers={"Authorization": f"Bearer {who['token']}"})
        shown = response.text if len(response.text) <= 110 else response.text[:107] + "..."
        mark = "ok" if response.status_code == expected else "!!"
        print(f"{mark} {response.status_code} {method:6} {path}  ({who['name']}: {note})\n        {shown}")
        if response.status_code != expected:
            raise Unexpected(f"{method} {path}: expected {expected}, got {response.status_code}")
        return response.json() if response.content else None

    def wait_for_task(self, who: dict[str, Any], path: str, done, what: str) -> dict[str, Any]:
        """Read the task until ``done(task)``: the worker acts after the API has answered."""
        deadline = time.monotonic() + WORKER_WAIT_SECONDS
        while True:
            task = self.http.get(path, headers={"Authorization": f"Bearer {who['token']}"}).json()
            if done(task):
                print(f"ok     worker: {what}  (task {task['id']}: {task['status']}, {task['tracked_minutes']} min)")
                return task
            if time.monotonic() > deadline:
                raise Unexpected(f"the worker did not act within {WORKER_WAIT_SECONDS} s: {what}; task is {task}")
            time.sleep(0.2)


def _new_user(name: str, email: str) -> dict[str, Any]:
    from timetrack.runtime import services

    accounts = services().accounts
    user_id = accounts.create_user(email)
    return {"name": name, "id": user_id, "token": accounts.issue_token(user_id, name="demo").token}


def walk(demo: Walkthrough, owner: dict[str, Any], member: dict[str, Any]) -> None:
    call = demo.call
    print("\n-- the personal API (the owner's own timer and entries)")
    call(
        owner,
        "PUT",
        f"{PERSONAL}/settings",
        200,
        "settings",
        {"default_hourly_rate": 50, "currency": "EUR", "timezone": "Europe/Berlin"},
    )
    session = call(owner, "POST", f"{PERSONAL}/sessions/start", 201, "start a timer", {"notes": "Morning: API design"})
    call(owner, "GET", f"{PERSONAL}/sessions/active", 200, "the running timer")
    call(owner, "POST", f"{PERSONAL}/sessions/start", 409, "a second timer is refused")
    call(owner, "POST", f"{PERSONAL}/sessions/{session['id']}/stop", 200, "stop it")
    entry = call(
        owner,
        "POST",
        f"{PERSONAL}/entries",
        201,
        "an entry by hand",
        {"start_time": "2024-01-22T13:00:00", "end_time": "2024-01-22T17:30:00", "notes": "Afternoon"},
    )
    call(
        owner,
        "PUT",
        f"{PERSONAL}/entries/{entry['id']}",
        200,
        "mark it invoiced",
        {"payment_status": "invoiced_not_approved"},
    )
    call(
        owner, "GET", f"{PERSONAL}/entries?start_date=2024-01-01&end_date=2024-01-31&limit=20", 200, "January's entries"
    )
    call(owner, "GET", f"{PERSONAL}/stats", 200, "today, week, month, all time")
    call(owner, "GET", f"{PERSONAL}/stats?period=month", 200, "this month")
    call(owner, "DELETE", f"{PERSONAL}/entries/{entry['id']}", 204, "delete the entry")

    print("\n-- a workspace: invitation, contract, task, clock-in through API v2, the worker")
    w = call(owner, "POST", WORKSPACES, 201, "create a workspace", {"name": "Acme"})["id"]
    invited = call(
        owner,
        "POST",
        f"{WORKSPACES}/{w}/members",
        201,
        "invite the member",
        {"user_id": member["id"], "role": "member"},
    )
    if invited.get("status") != "invited":
        raise Unexpected(f"the invitation answered {invited}")
    call(member, "GET", "/api/v1/invitations", 200, "the member's invitations")
    call(member, "POST", f"/api/v1/invitations/{w}/accept", 200, "the member accepts")
    p = call(owner, "POST", f"{WORKSPACES}/{w}/projects", 201, "a project", {"name": "Website", "hourly_rate": 80})[
        "id"
    ]
    c = call(
        owner,
        "POST",
        f"{WORKSPACES}/{w}/contracts",
        201,
        "the member's contract",
        {"user_id": member["id"], "project_id": p, "hourly_rate": 60},
    )["id"]
    task = call(owner, "POST", f"{WORKSPACES}/{w}/tasks", 201, "a task", {"project_id": p, "title": "Landing page"})
    task_path = f"{WORKSPACES}/{w}/tasks/{task['id']}"
    call(
        owner,
        "POST",
        "/time-tracking/start",
        200,
        "clock the member in",
        {
            "workspace_id": w,
            "user_id": member["id"],
            "contract_id": c,
            "task_id": task["id"],
            "activity_description": "Hero section",
        },
    )
    call(member, "GET", f"{PERSONAL}/sessions/active", 200, "the member sees the timer, rate 60")
    demo.wait_for_task(owner, task_path, lambda t: t["status"] == "in_progress", "the task moved to in_progress")
    stopped = call(
        owner, "POST", "/time-tracking/stop", 200, "clock the member out", {"workspace_id": w, "user_id": member["id"]}
    )
    minutes = Decimal(str(stopped["data"]["duration_minutes"]))
    demo.wait_for_task(
        owner, task_path, lambda t: Decimal(str(t["tracked_minutes"])) == minutes, f"the task gained {minutes} min"
    )
    call(owner, "GET", f"/time-tracking/active?workspace_id={w}&user_id={member['id']}", 200, "nothing runs now")


def main() -> int:
    try:
        running = runstate.running()
    except runstate.NoStack as error:
        print(error, file=sys.stderr)
        return 1
    os.environ["AWS_ENDPOINT_URL"] = running.aws_url
    stack.configure_environment()
    run = uuid.uuid4().hex[:8]  # fresh users on every run
    owner = _new_user("owner", f"owner-{run}@example.com")
    member = _new_user("member", f"member-{run}@example.com")
    print(f"make demo on {running.api_url}: owner is user {owner['id']}, member is user {member['id']}")
    try:
        walk(Walkthrough(running.api_url), owner, member)
    except Unexpected as error:
        print(f"\nmake demo failed: {error}", file=sys.stderr)
        return 1
    except httpx.TransportError as error:
        print(f"\nmake demo failed: cannot reach {running.api_url} ({error})", file=sys.stderr)
        return 1
    print("\nmake demo: every step answered as expected")
    return 0


if __name__ == "__main__":
    sys.exit(main())
