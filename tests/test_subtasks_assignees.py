"""The workspace API's subtasks and assignees of a task, over HTTP: every
route and status code; the rules themselves are tested in test_cards_domain."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.conftest import join

API = "/api/v1/workspaces"


@pytest.fixture
def card(client, services, make_user, clock):
    """A workspace with an owner, a member and an outsider; a project and a task."""
    clock.set("2024-01-22T10:00:00+00:00")
    owner = make_user("owner@example.com")
    member = make_user("member@example.com")
    outsider = make_user("outsider@example.com")
    ws = client.post(API, json={"name": "Acme"}, headers=owner["headers"]).json()["id"]
    join(services, ws, member["user_id"], by=owner["user_id"])
    project = client.post(f"{API}/{ws}/projects", json={"name": "Sprint 1"}, headers=owner["headers"]).json()
    task = client.post(
        f"{API}/{ws}/tasks", json={"project_id": project["id"], "title": "Login"}, headers=owner["headers"]
    ).json()
    base = f"{API}/{ws}/tasks/{task['id']}"
    return SimpleNamespace(ws=ws, task=task["id"], base=base, owner=owner, member=member, outsider=outsider)


def add_subtask(client, card, **fields):
    response = client.post(f"{card.base}/subtasks", json=fields, headers=card.owner["headers"])
    assert response.status_code == 201, response.text
    return response.json()


def locs(response) -> list[list]:
    return [issue["loc"] for issue in response.json()["detail"]]


# -- subtasks ------------------------------------------------------------------------------


def test_managers_add_subtasks_members_read_them_in_position_order(client, card):
    created = client.post(f"{card.base}/subtasks", json={"name": "Add validation"}, headers=card.owner["headers"])
    first = add_subtask(client, card, name="Create login form UI", position=0, status="in_progress")

    assert created.status_code == 201
    assert created.json() == {
        "id": created.json()["id"],
        "workspace_id": card.ws,
        "task_id": card.task,
        "name": "Add validation",
        "status": "todo",
        "position": 1,
        "created_at": "2024-01-22T10:00:00+00:00",
        "updated_at": "2024-01-22T10:00:00+00:00",
    }
    listed = client.get(f"{card.base}/subtasks", headers=card.member["headers"])
    assert listed.status_code == 200
    assert listed.json() == [first, created.json()]


def test_a_manager_renames_reorders_and_moves_a_subtask_and_deletes_it(client, card, clock):
    subtask = add_subtask(client, card, name="UI")
    clock.advance(minutes=10)

    patched = client.patch(
        f"{card.base}/subtasks/{subtask['id']}",
        json={"name": "Form UI", "status": "done", "position": 7},
        headers=card.owner["headers"],
    )
    deleted = client.delete(f"{card.base}/subtasks/{subtask['id']}", headers=card.owner["headers"])

    assert patched.status_code == 200, patched.text
    assert patched.json() == subtask | {
        "name": "Form UI",
        "status": "done",
        "position": 7,
        "updated_at": "2024-01-22T10:10:00+00:00",
    }
    assert deleted.status_code == 204
    assert client.get(f"{card.base}/subtasks", headers=card.owner["headers"]).json() == []
    gone = client.patch(f"{card.base}/subtasks/{subtask['id']}", json={"name": "x"}, headers=card.owner["headers"])
    assert gone.status_code == 404


def test_subtask_refusals(client, card):
    subtask = add_subtask(client, card, name="UI")
    one = f"{card.base}/subtasks/{subtask['id']}"

    assert client.post(f"{card.base}/subtasks", json={"name": "x"}, headers=card.member["headers"]).status_code == 403
    assert client.patch(one, json={"name": "x"}, headers=card.member["headers"]).status_code == 403
    assert client.delete(one, headers=card.member["headers"]).status_code == 403
    assert client.get(f"{card.base}/subtasks", headers=card.outsider["headers"]).status_code == 404
    assert client.get(f"{card.base}/subtasks").status_code == 401
    unknown_task = client.get(f"{API}/{card.ws}/tasks/999/subtasks", headers=card.owner["headers"])
    assert unknown_task.status_code == 404
    assert client.delete(f"{card.base}/subtasks/999", headers=card.owner["headers"]).status_code == 404

    invalid = client.post(
        f"{card.base}/subtasks", json={"name": "", "status": "later", "position": -1}, headers=card.owner["headers"]
    )
    assert invalid.status_code == 400
    assert locs(invalid) == [["body", "name"], ["body", "status"], ["body", "position"]]
    blank = client.patch(one, json={"name": "   "}, headers=card.owner["headers"])
    assert blank.status_code == 400
    assert locs(blank) == [["body", "name"]]


# -- the status rule as the workspace API shows it ------------------------------------------------


def test_a_task_goes_to_review_only_when_its_subtasks_are_done(client, card):
    ui = add_subtask(client, card, name="Create login form UI", status="in_progress")
    add_subtask(client, card, name="Write tests", status="done")

    refused = client.patch(card.base, json={"status": "review"}, headers=card.owner["headers"])

    assert refused.status_code == 409
    assert refused.json()["unfinished_subtasks"] == [
        {"id": ui["id"], "name": "Create login form UI", "status": "in_progress"}
    ]
    assert refused.json()["total_subtasks"] == 2
    client.patch(f"{card.base}/subtasks/{ui['id']}", json={"status": "done"}, headers=card.owner["headers"])
    allowed = client.patch(card.base, json={"status": "review"}, headers=card.owner["headers"])
    assert allowed.status_code == 200
    assert allowed.json()["status"] == "review"


def test_a_task_shows_its_subtasks_assignees_and_hours(client, card):
    subtask = add_subtask(client, card, name="UI")
    client.post(f"{card.base}/assignees", json={"user_id": card.member["user_id"]}, headers=card.owner["headers"])

    shown = client.get(card.base, headers=card.member["headers"])

    assert shown.status_code == 200
    body = shown.json()
    assert body["subtasks"] == [subtask]
    assert [(a["user_id"], a["assignment_status"]) for a in body["assignees"]] == [(card.member["user_id"], "assigned")]
    assert (body["actual_hours"], body["logs_count"]) == (0, 0)


# -- assignees ------------------------------------------------------------------------------------


def test_managers_assign_members_who_then_show_and_unassign_them(client, card):
    created = client.post(
        f"{card.base}/assignees", json={"user_id": card.member["user_id"]}, headers=card.owner["headers"]
    )

    assert created.status_code == 201, created.text
    assert created.json() == {
        "workspace_id": card.ws,
        "task_id": card.task,
        "user_id": card.member["user_id"],
        "assignment_status": "assigned",
        "assigned_at": "2024-01-22T10:00:00+00:00",
        "assigned_by": card.owner["user_id"],
        "started_at": None,
        "completed_at": None,
    }
    listed = client.get(f"{card.base}/assignees", headers=card.member["headers"])
    assert listed.status_code == 200
    assert listed.json() == [created.json()]
    removed = client.delete(f"{card.base}/assignees/{card.member['user_id']}", headers=card.owner["headers"])
    assert removed.status_code == 204
    assert client.get(f"{card.base}/assignees", headers=card.owner["headers"]).json() == []


def test_assignee_refusals(client, card):
    url = f"{card.base}/assignees"
    member = {"user_id": card.member["user_id"]}
    assert client.post(url, json=member, headers=card.owner["headers"]).status_code == 201

    twice = client.post(url, json=member, headers=card.owner["headers"])
    assert twice.status_code == 409
    outsider = client.post(url, json={"user_id": card.outsider["user_id"]}, headers=card.owner["headers"])
    assert outsider.status_code == 400
    assert locs(outsider) == [["body", "user_id"]]
    missing = client.post(url, json={}, headers=card.owner["headers"])
    assert missing.status_code == 400
    assert locs(missing) == [["body", "user_id"]]
    assert client.post(url, json=member, headers=card.member["headers"]).status_code == 403
    assert client.delete(f"{url}/{card.member['user_id']}", headers=card.member["headers"]).status_code == 403
    assert client.get(url, headers=card.outsider["headers"]).status_code == 404
    assert client.get(url).status_code == 401
    assert client.delete(f"{url}/{card.outsider['user_id']}", headers=card.owner["headers"]).status_code == 404
    assert (
        client.post(f"{API}/{card.ws}/tasks/999/assignees", json=member, headers=card.owner["headers"]).status_code
        == 404
    )
