"""The integrations API's projects, tasks and clients (seed 002) over HTTP:
the seed's example bodies as written, the answers' shapes, filters and order,
who may write, and what DELETE does. Scope refusals of every route are in
tests/test_scopes.py; the error format and pagination in
tests/test_integrations_dialect.py."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from tests.conftest import join
from timetrack.principal import Principal

PROJECTS, TASKS, CLIENTS = "/api/v1/projects", "/api/v1/tasks", "/api/v1/clients"


@dataclass
class Team:
    """An owner's workspace (their default) and a member's token bound to it."""

    workspace: int
    owner: dict
    member: dict
    member_headers: dict


@pytest.fixture
def team(services, user, make_user) -> Team:
    member = make_user("member@example.com")
    workspace, _ = services.workspaces.create(user["user_id"], "Team")
    join(services, workspace.id, member["user_id"], by=user["user_id"])
    bound = services.tokens.create(
        Principal(user["user_id"]),
        name="member",
        scopes_requested=["read:*", "write:*"],
        workspace_id=workspace.id,
        user_id=member["user_id"],
    ).token
    return Team(workspace.id, user, member, {"Authorization": f"Bearer {bound}"})


def created(response, key: str) -> dict:
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"message", key}
    return body[key]


def error_code(response, status: int) -> str:
    assert response.status_code == status, response.text
    return response.json()["error_code"]


# ------------------------------------------------------------ projects ---


def test_the_seeds_project_body_is_accepted_as_written(client, team):
    headers = team.owner["headers"]
    seed_body = {
        "name": "New Project",
        "description": "Project description",
        "client_id": 5,
        "hourly_rate": 75.00,
        "estimated_hours": 100,
        "status": "active",
    }
    no_client = client.post(PROJECTS, json=seed_body, headers=headers)
    acme = created(client.post(CLIENTS, json={"name": "Acme Corp"}, headers=headers), "client")

    response = client.post(PROJECTS, json=seed_body | {"client_id": acme["id"]}, headers=headers)

    assert error_code(no_client, 400) == "validation_error"
    assert list(no_client.json()["errors"]) == ["client_id"]
    assert response.json()["message"] == "Project created successfully"
    project = created(response, "project")
    assert project == {
        "id": project["id"],
        "name": "New Project",
        "description": "Project description",
        "client_id": acme["id"],
        "hourly_rate": 75.0,
        "estimated_hours": 100,
        "status": "active",
        "created_at": "2024-01-22T09:00:00Z",
    }
    assert client.get(f"{PROJECTS}/{project['id']}", headers=headers).json() == {"project": project}


def test_projects_list_active_ones_by_name_unless_status_says_otherwise(client, team):
    headers = team.owner["headers"]
    acme = created(client.post(CLIENTS, json={"name": "Acme"}, headers=headers), "client")
    for name, status, client_id in [
        ("website", "active", acme["id"]),
        ("Apps", "active", None),
        ("Paused", "on_hold", acme["id"]),
        ("Old", "archived", None),
    ]:
        created(
            client.post(PROJECTS, json={"name": name, "status": status, "client_id": client_id}, headers=headers),
            "project",
        )

    def names(query: str) -> list[str]:
        response = client.get(f"{PROJECTS}{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [p["name"] for p in response.json()["projects"]]

    assert names("") == ["Apps", "website"]  # by name, case ignored
    assert names("?status=all") == ["Apps", "Old", "Paused", "website"]
    assert names("?status=on_hold") == ["Paused"]
    assert names("?status=archived") == ["Old"]
    assert names(f"?status=all&client_id={acme['id']}") == ["Paused", "website"]
    assert names(f"?client_id={acme['id']}") == ["website"]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_updating_a_project_changes_only_the_fields_sent(client, team, method):
    headers = team.owner["headers"]
    project = created(client.post(PROJECTS, json={"name": "Web", "hourly_rate": 50}, headers=headers), "project")

    response = client.request(
        method, f"{PROJECTS}/{project['id']}", json={"estimated_hours": 40, "status": "on_hold"}, headers=headers
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "message": "Project updated successfully",
        "project": project | {"estimated_hours": 40, "status": "on_hold"},
    }


def test_deleting_a_project_archives_it(client, team):
    headers = team.owner["headers"]
    project = created(client.post(PROJECTS, json={"name": "Web"}, headers=headers), "project")

    response = client.delete(f"{PROJECTS}/{project['id']}", headers=headers)

    assert response.status_code == 200
    assert response.json() == {"message": "Project archived successfully"}
    assert client.get(PROJECTS, headers=headers).json()["projects"] == []
    assert client.get(f"{PROJECTS}/{project['id']}", headers=headers).json()["project"]["status"] == "archived"


def test_members_read_projects_and_managers_write_them(client, team):
    project = created(client.post(PROJECTS, json={"name": "Web"}, headers=team.owner["headers"]), "project")
    headers = team.member_headers

    assert client.get(f"{PROJECTS}/{project['id']}", headers=headers).status_code == 200
    assert error_code(client.post(PROJECTS, json={"name": "Mine"}, headers=headers), 403) == "forbidden"
    assert (
        error_code(client.put(f"{PROJECTS}/{project['id']}", json={"name": "X"}, headers=headers), 403) == "forbidden"
    )
    assert error_code(client.delete(f"{PROJECTS}/{project['id']}", headers=headers), 403) == "forbidden"


def test_another_workspaces_project_is_not_found(client, team, make_user):
    project = created(client.post(PROJECTS, json={"name": "Web"}, headers=team.owner["headers"]), "project")
    stranger = make_user("stranger@example.com")["headers"]

    assert error_code(client.get(f"{PROJECTS}/{project['id']}", headers=stranger), 404) == "not_found"
    assert error_code(client.put(f"{PROJECTS}/{project['id']}", json={}, headers=stranger), 404) == "not_found"
    assert error_code(client.delete(f"{PROJECTS}/{project['id']}", headers=stranger), 404) == "not_found"
    assert client.get(PROJECTS, headers=stranger).json()["projects"] == []


# --------------------------------------------------------------- tasks ---


@pytest.fixture
def project(client, team) -> dict:
    return created(client.post(PROJECTS, json={"name": "Web"}, headers=team.owner["headers"]), "project")


def test_the_seeds_task_body_is_accepted_as_written(client, team, project):
    seed_body = {
        "name": "Implement login feature",
        "description": "Add user authentication",
        "project_id": project["id"],
        "status": "todo",
        "priority": 1,
    }

    response = client.post(TASKS, json=seed_body, headers=team.owner["headers"])

    assert response.json()["message"] == "Task created successfully"
    task = created(response, "task")
    assert task == {
        "id": task["id"],
        "name": "Implement login feature",
        "description": "Add user authentication",
        "project_id": project["id"],
        "status": "todo",
        "priority": "low",
        "due_date": None,
        "assignee": None,
        "tracked_minutes": 0,
        "created_at": "2024-01-22T09:00:00Z",
    }
    assert client.get(f"{TASKS}/{task['id']}", headers=team.member_headers).json() == {"task": task}


@pytest.mark.parametrize(("sent", "stored"), [(4, "urgent"), ("high", "high"), (2, "medium")])
def test_task_priority_is_one_to_four_or_the_word(client, team, project, sent, stored):
    body = {"name": "T", "project_id": project["id"], "priority": sent}
    assert created(client.post(TASKS, json=body, headers=team.owner["headers"]), "task")["priority"] == stored


@pytest.mark.parametrize("priority", [0, 5, "highest", True])
def test_another_priority_is_400_naming_it(client, team, project, priority):
    body = {"name": "T", "project_id": project["id"], "priority": priority}
    response = client.post(TASKS, json=body, headers=team.owner["headers"])
    assert error_code(response, 400) == "validation_error"
    assert list(response.json()["errors"]) == ["priority"]


def test_a_task_needs_a_project_of_the_workspace(client, team, make_user):
    theirs = make_user("other@example.com")["headers"]
    other = created(client.post(PROJECTS, json={"name": "Theirs"}, headers=theirs), "project")

    response = client.post(TASKS, json={"name": "T", "project_id": other["id"]}, headers=team.owner["headers"])

    assert error_code(response, 404) == "not_found"


def test_tasks_filter_by_project_and_status(client, team, project):
    headers = team.owner["headers"]
    other = created(client.post(PROJECTS, json={"name": "Other"}, headers=headers), "project")
    a = created(client.post(TASKS, json={"name": "A", "project_id": project["id"]}, headers=headers), "task")
    b = created(
        client.post(TASKS, json={"name": "B", "project_id": project["id"], "status": "done"}, headers=headers), "task"
    )
    c = created(client.post(TASKS, json={"name": "C", "project_id": other["id"]}, headers=headers), "task")

    def ids(query: str) -> list[int]:
        return [t["id"] for t in client.get(f"{TASKS}{query}", headers=headers).json()["tasks"]]

    assert ids("") == sorted([a["id"], b["id"], c["id"]])
    assert ids(f"?project_id={project['id']}") == sorted([a["id"], b["id"]])
    assert ids(f"?project_id={project['id']}&status=done") == [b["id"]]
    assert error_code(client.get(f"{TASKS}?status=finished", headers=headers), 400) == "validation_error"


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_updating_a_task_changes_only_the_fields_sent(client, team, project, method):
    headers = team.owner["headers"]
    task = created(client.post(TASKS, json={"name": "A", "project_id": project["id"]}, headers=headers), "task")

    response = client.request(
        method,
        f"{TASKS}/{task['id']}",
        json={"name": "Renamed", "status": "in_progress", "assignee": team.member["user_id"]},
        headers=headers,
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "message": "Task updated successfully",
        "task": task | {"name": "Renamed", "status": "in_progress", "assignee": team.member["user_id"]},
    }


def test_deleting_a_task_cancels_it(client, team, project):
    headers = team.owner["headers"]
    task = created(client.post(TASKS, json={"name": "A", "project_id": project["id"]}, headers=headers), "task")

    response = client.delete(f"{TASKS}/{task['id']}", headers=headers)

    assert response.status_code == 200
    assert response.json() == {"message": "Task cancelled successfully"}
    assert client.get(f"{TASKS}/{task['id']}", headers=headers).json()["task"]["status"] == "cancelled"


def test_members_read_tasks_and_managers_write_them(client, team, project):
    task = created(
        client.post(TASKS, json={"name": "A", "project_id": project["id"]}, headers=team.owner["headers"]), "task"
    )
    headers = team.member_headers

    assert [t["id"] for t in client.get(TASKS, headers=headers).json()["tasks"]] == [task["id"]]
    body = {"name": "Mine", "project_id": project["id"]}
    assert error_code(client.post(TASKS, json=body, headers=headers), 403) == "forbidden"
    assert (
        error_code(client.patch(f"{TASKS}/{task['id']}", json={"status": "done"}, headers=headers), 403) == "forbidden"
    )
    assert error_code(client.delete(f"{TASKS}/{task['id']}", headers=headers), 403) == "forbidden"


# ------------------------------------------------------------- clients ---


def test_the_seeds_client_body_is_accepted_as_written(client, team):
    seed_body = {
        "name": "Acme Corp",
        "email": "contact@acme.com",
        "company": "Acme Corporation",
        "phone": "+1-555-0123",
    }

    response = client.post(CLIENTS, json=seed_body, headers=team.owner["headers"])

    assert response.json()["message"] == "Client created successfully"
    acme = created(response, "client")
    assert acme == {
        "id": acme["id"],
        "name": "Acme Corp",
        "email": "contact@acme.com",
        "company": "Acme Corporation",
        "phone": "+1-555-0123",
        "address": None,
        "default_hourly_rate": None,
        "created_at": "2024-01-22T09:00:00Z",
        "updated_at": "2024-01-22T09:00:00Z",
    }
    assert client.get(f"{CLIENTS}/{acme['id']}", headers=team.member_headers).json() == {"client": acme}


def test_client_names_are_unique_in_the_workspace(client, team):
    headers = team.owner["headers"]
    created(client.post(CLIENTS, json={"name": "Acme Corp"}, headers=headers), "client")
    globex = created(client.post(CLIENTS, json={"name": "Globex"}, headers=headers), "client")

    assert error_code(client.post(CLIENTS, json={"name": " acme  corp"}, headers=headers), 409) == "conflict"
    assert error_code(client.put(f"{CLIENTS}/{globex['id']}", json={"name": "ACME CORP"}, headers=headers), 409) == (
        "conflict"
    )


def test_clients_are_listed_by_name(client, team):
    headers = team.owner["headers"]
    for name in ("initech", "Globex", "Acme"):
        created(client.post(CLIENTS, json={"name": name}, headers=headers), "client")

    assert [c["name"] for c in client.get(CLIENTS, headers=headers).json()["clients"]] == ["Acme", "Globex", "initech"]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_updating_a_client_changes_only_the_fields_sent(client, team, clock, method):
    headers = team.owner["headers"]
    acme = created(client.post(CLIENTS, json={"name": "Acme", "phone": "1"}, headers=headers), "client")
    clock.advance(hours=1)

    response = client.request(
        method, f"{CLIENTS}/{acme['id']}", json={"address": "1 Main St", "default_hourly_rate": 90}, headers=headers
    )

    assert response.status_code == 200, response.text
    assert response.json() == {
        "message": "Client updated successfully",
        "client": acme | {"address": "1 Main St", "default_hourly_rate": 90, "updated_at": "2024-01-22T10:00:00Z"},
    }


def test_a_client_a_project_names_cannot_be_deleted(client, team, services):
    headers = team.owner["headers"]
    acme = created(client.post(CLIENTS, json={"name": "Acme"}, headers=headers), "client")
    globex = created(client.post(CLIENTS, json={"name": "Globex"}, headers=headers), "client")
    created(client.post(PROJECTS, json={"name": "Web", "client_id": acme["id"]}, headers=headers), "project")

    refused = client.delete(f"{CLIENTS}/{acme['id']}", headers=headers)
    deleted = client.delete(f"{CLIENTS}/{globex['id']}", headers=headers)

    assert error_code(refused, 409) == "conflict"
    assert deleted.status_code == 200
    assert deleted.json() == {"message": "Client deleted successfully"}
    assert error_code(client.get(f"{CLIENTS}/{globex['id']}", headers=headers), 404) == "not_found"
    assert [c["name"] for c in client.get(CLIENTS, headers=headers).json()["clients"]] == ["Acme"]


def test_members_read_clients_and_managers_write_them(client, team):
    acme = created(client.post(CLIENTS, json={"name": "Acme"}, headers=team.owner["headers"]), "client")
    headers = team.member_headers

    assert [c["id"] for c in client.get(CLIENTS, headers=headers).json()["clients"]] == [acme["id"]]
    assert error_code(client.post(CLIENTS, json={"name": "Mine"}, headers=headers), 403) == "forbidden"
    assert error_code(client.put(f"{CLIENTS}/{acme['id']}", json={"phone": "2"}, headers=headers), 403) == "forbidden"
    assert error_code(client.delete(f"{CLIENTS}/{acme['id']}", headers=headers), 403) == "forbidden"


def test_the_catalog_is_the_workspace_directorys_own(client, team, services):
    """One domain: what this API creates the workspace API shows, and the other way round."""
    headers = team.owner["headers"]
    project = created(client.post(PROJECTS, json={"name": "Web", "hourly_rate": 80}, headers=headers), "project")
    task = services.workspaces.create_task(team.owner["user_id"], team.workspace, project["id"], "From the directory")

    directory = client.get(f"/api/v1/workspaces/{team.workspace}/projects/{project['id']}", headers=headers).json()

    assert (directory["name"], directory["hourly_rate"]) == ("Web", 80)
    assert client.get(f"{TASKS}/{task.id}", headers=headers).json()["task"]["name"] == "From the directory"
    assert services.workspaces.project(team.owner["user_id"], team.workspace, project["id"]).hourly_rate == Decimal(80)
