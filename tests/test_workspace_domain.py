"""The grown workspace domain over the directory API: clients (names unique in
the workspace), projects with a client, description, estimate and status,
tasks with name, description, priority, due date and assignee."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.conftest import join
from timetrack.dal.workspaces import WorkspaceRepository
from timetrack.workspaces import Project, ProjectStatus

API = "/api/v1/workspaces"


def locs(response) -> list[list]:
    return [issue["loc"] for issue in response.json()["detail"]]


@pytest.fixture
def team(client, services, make_user):
    """A workspace with an owner and a member, plus an outsider."""
    owner = make_user("owner@example.com")
    member = make_user("member@example.com")
    outsider = make_user("outsider@example.com")
    created = client.post(API, json={"name": "Acme"}, headers=owner["headers"])
    assert created.status_code == 201, created.text
    ws = created.json()["id"]
    join(services, ws, member["user_id"], by=owner["user_id"])
    return SimpleNamespace(ws=ws, owner=owner, member=member, outsider=outsider)


def new_client(client, team, **fields):
    response = client.post(f"{API}/{team.ws}/clients", json=fields, headers=team.owner["headers"])
    assert response.status_code == 201, response.text
    return response.json()


# -- clients ------------------------------------------------------------------------


def test_managers_create_clients_members_read_them_outsiders_see_nothing(client, team, clock):
    clock.set("2024-01-22T10:00:00+00:00")
    created = client.post(
        f"{API}/{team.ws}/clients",
        json={
            "name": "  Globex  ",
            "email": " Billing@Globex.example ",
            "company": "Globex Corp.",
            "phone": "+1 555 0100",
            "address": "1 Globex Way",
            "default_hourly_rate": 95.5,
        },
        headers=team.owner["headers"],
    )
    refused = client.post(f"{API}/{team.ws}/clients", json={"name": "Mine"}, headers=team.member["headers"])

    assert created.status_code == 201, created.text
    body = created.json()
    assert body == {
        "id": body["id"],
        "workspace_id": team.ws,
        "name": "Globex",
        "email": "billing@globex.example",
        "company": "Globex Corp.",
        "phone": "+1 555 0100",
        "address": "1 Globex Way",
        "default_hourly_rate": 95.5,
        "created_at": "2024-01-22T10:00:00+00:00",
        "updated_at": "2024-01-22T10:00:00+00:00",
    }
    assert refused.status_code == 403
    member = team.member["headers"]
    assert client.get(f"{API}/{team.ws}/clients", headers=member).json() == [body]
    assert client.get(f"{API}/{team.ws}/clients/{body['id']}", headers=member).json() == body
    outsider = team.outsider["headers"]
    assert client.get(f"{API}/{team.ws}/clients", headers=outsider).status_code == 404
    assert client.get(f"{API}/{team.ws}/clients/{body['id']}", headers=outsider).status_code == 404
    assert client.get(f"{API}/{team.ws}/clients/987654", headers=member).status_code == 404


def test_client_names_are_unique_in_the_workspace_ignoring_case_and_spaces(client, team, make_user):
    new_client(client, team, name="Globex Corp")

    again = client.post(f"{API}/{team.ws}/clients", json={"name": "globex   CORP"}, headers=team.owner["headers"])
    other_owner = make_user("other@example.com")
    elsewhere = client.post(API, json={"name": "Elsewhere"}, headers=other_owner["headers"]).json()["id"]
    same_name_elsewhere = client.post(
        f"{API}/{elsewhere}/clients", json={"name": "Globex Corp"}, headers=other_owner["headers"]
    )

    assert again.status_code == 409
    assert same_name_elsewhere.status_code == 201
    assert [c["name"] for c in client.get(f"{API}/{team.ws}/clients", headers=team.owner["headers"]).json()] == [
        "Globex Corp"
    ]


def test_renaming_a_client_moves_its_name(client, team, clock):
    globex = new_client(client, team, name="Globex")
    initech = new_client(client, team, name="Initech", phone="+1 555 0000")
    headers = team.owner["headers"]
    clock.advance(minutes=5)

    taken = client.put(f"{API}/{team.ws}/clients/{initech['id']}", json={"name": "GLOBEX"}, headers=headers)
    renamed = client.put(f"{API}/{team.ws}/clients/{globex['id']}", json={"name": "Globex Inc"}, headers=headers)
    cased = client.put(f"{API}/{team.ws}/clients/{globex['id']}", json={"name": "GLOBEX INC"}, headers=headers)
    cleared = client.put(f"{API}/{team.ws}/clients/{initech['id']}", json={"phone": None}, headers=headers)
    reused = client.post(f"{API}/{team.ws}/clients", json={"name": "Globex"}, headers=headers)

    assert taken.status_code == 409
    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == globex | {"name": "Globex Inc", "updated_at": "2024-01-22T09:05:00+00:00"}
    assert cased.json()["name"] == "GLOBEX INC"
    assert cleared.json() == initech | {"phone": None, "updated_at": "2024-01-22T09:05:00+00:00"}
    assert reused.status_code == 201  # the old name is free again
    assert client.post(f"{API}/{team.ws}/clients", json={"name": "globex inc"}, headers=headers).status_code == 409


def test_deleting_a_client_frees_its_name_but_not_while_a_project_names_it(client, team):
    headers = team.owner["headers"]
    globex = new_client(client, team, name="Globex")
    project = client.post(
        f"{API}/{team.ws}/projects", json={"name": "Website", "client_id": globex["id"]}, headers=headers
    ).json()
    url = f"{API}/{team.ws}/clients/{globex['id']}"

    in_use = client.delete(url, headers=headers)
    refused = client.delete(url, headers=team.member["headers"])
    moved = client.put(f"{API}/{team.ws}/projects/{project['id']}", json={"client_id": None}, headers=headers)
    deleted = client.delete(url, headers=headers)

    assert in_use.status_code == 409
    assert refused.status_code == 403
    assert moved.status_code == 200
    assert moved.json()["client_id"] is None
    assert deleted.status_code == 204
    assert client.get(url, headers=headers).status_code == 404
    assert client.post(f"{API}/{team.ws}/clients", json={"name": "globex"}, headers=headers).status_code == 201


def test_bad_client_fields_are_400_naming_the_field(client, team):
    headers = team.owner["headers"]
    cases = [
        ({"name": " "}, ["body", "name"]),
        ({"name": "A", "email": "not-an-email"}, ["body", "email"]),
        ({"name": "A", "default_hourly_rate": -1}, ["body", "default_hourly_rate"]),
        ({"name": "A", "phone": "9" * 501}, ["body", "phone"]),
    ]
    for body, loc in cases:
        response = client.post(f"{API}/{team.ws}/clients", json=body, headers=headers)
        assert response.status_code == 400, body
        assert locs(response) == [loc], body


# -- projects -----------------------------------------------------------------------


def test_projects_carry_client_description_estimate_and_status(client, team):
    headers = team.owner["headers"]
    globex = new_client(client, team, name="Globex")
    initech = new_client(client, team, name="Initech")

    created = client.post(
        f"{API}/{team.ws}/projects",
        json={"name": "Website", "client_id": globex["id"], "description": "The relaunch", "estimated_hours": 120.5},
        headers=headers,
    )
    body = created.json()
    url = f"{API}/{team.ws}/projects/{body['id']}"
    moved = client.put(url, json={"client_id": initech["id"], "status": "on_hold"}, headers=headers)

    assert created.status_code == 201, created.text
    assert (body["client_id"], body["description"], body["estimated_hours"]) == (globex["id"], "The relaunch", 120.5)
    assert (body["status"], body["archived"]) == ("active", False)
    assert moved.status_code == 200, moved.text
    assert moved.json() == body | {"client_id": initech["id"], "status": "on_hold"}
    # The project counts on its new client only: the old one can go, the new one cannot.
    assert client.delete(f"{API}/{team.ws}/clients/{globex['id']}", headers=headers).status_code == 204
    assert client.delete(f"{API}/{team.ws}/clients/{initech['id']}", headers=headers).status_code == 409
    archived = client.put(url, json={"status": "archived"}, headers=headers)
    assert (archived.json()["status"], archived.json()["archived"]) == ("archived", True)


def test_a_project_client_must_be_a_client_of_the_workspace(client, team, make_user):
    headers = team.owner["headers"]
    other_owner = make_user("other@example.com")
    elsewhere = client.post(API, json={"name": "Elsewhere"}, headers=other_owner["headers"]).json()["id"]
    foreign = client.post(f"{API}/{elsewhere}/clients", json={"name": "Theirs"}, headers=other_owner["headers"])
    project = client.post(f"{API}/{team.ws}/projects", json={"name": "P"}, headers=headers).json()

    for client_id in (foreign.json()["id"], 987654):
        created = client.post(f"{API}/{team.ws}/projects", json={"name": "Q", "client_id": client_id}, headers=headers)
        updated = client.put(
            f"{API}/{team.ws}/projects/{project['id']}", json={"client_id": client_id}, headers=headers
        )
        assert created.status_code == 400, created.text
        assert locs(created) == [["body", "client_id"]]
        assert updated.status_code == 400
        assert locs(updated) == [["body", "client_id"]]
    assert [p["name"] for p in client.get(f"{API}/{team.ws}/projects", headers=headers).json()] == ["P"]


def test_bad_project_fields_are_400_naming_the_field(client, team):
    headers = team.owner["headers"]
    for body, loc in [
        ({"name": "P", "estimated_hours": -1}, ["body", "estimated_hours"]),
        ({"name": "P", "status": "paused"}, ["body", "status"]),
        ({"name": "P", "description": "x" * 5001}, ["body", "description"]),
    ]:
        response = client.post(f"{API}/{team.ws}/projects", json=body, headers=headers)
        assert response.status_code == 400, body
        assert locs(response) == [loc], body


def test_projects_stored_with_the_old_archived_flag_read_as_archived(services, team):
    repo: WorkspaceRepository = services.workspace_repo
    table = services.config.directory_table
    for project_id, archived in ((900001, True), (900002, False)):
        services.dynamodb.put_item(
            TableName=table,
            Item={
                "pk": {"S": f"WS#{team.ws}"},
                "sk": {"S": f"PROJECT#{project_id}"},
                "id": {"N": str(project_id)},
                "workspace_id": {"N": str(team.ws)},
                "name": {"S": "Old"},
                "archived": {"BOOL": archived},
                "created_at": {"S": "2023-01-01T00:00:00.000000Z"},
            },
        )

    assert repo.get(Project, team.ws, 900001).status is ProjectStatus.ARCHIVED
    assert repo.get(Project, team.ws, 900002).status is ProjectStatus.ACTIVE


# -- tasks --------------------------------------------------------------------------


@pytest.fixture
def project(client, team) -> dict:
    created = client.post(f"{API}/{team.ws}/projects", json={"name": "Website"}, headers=team.owner["headers"])
    assert created.status_code == 201, created.text
    return created.json()


def test_tasks_take_name_or_title_priority_due_date_and_assignee(client, team, project):
    headers = team.owner["headers"]
    created = client.post(
        f"{API}/{team.ws}/tasks",
        json={
            "project_id": project["id"],
            "name": "Landing page",
            "description": "Hero and pricing",
            "priority": 3,
            "due_date": "2024-02-01",
            "assignee": team.member["user_id"],
        },
        headers=headers,
    )
    body = created.json()
    url = f"{API}/{team.ws}/tasks/{body['id']}"
    worded = client.patch(url, json={"priority": "urgent", "title": "Landing"}, headers=headers)
    cleared = client.patch(url, json={"assignee": None, "due_date": None, "priority": None}, headers=headers)

    assert created.status_code == 201, created.text
    assert (body["name"], body["title"], body["description"]) == ("Landing page", "Landing page", "Hero and pricing")
    assert (body["priority"], body["due_date"], body["assignee"]) == ("high", "2024-02-01", team.member["user_id"])
    assert body["status"] == "todo"
    assert worded.json() == body | {"priority": "urgent", "title": "Landing", "name": "Landing"}
    assert cleared.json() == body | {
        "priority": None,
        "title": "Landing",
        "name": "Landing",
        "due_date": None,
        "assignee": None,
    }
    shown = client.get(url, headers=team.member["headers"]).json()
    assert shown == cleared.json() | {"subtasks": [], "assignees": [], "actual_hours": 0, "logs_count": 0}


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"priority": 0}, "priority"),
        ({"priority": 5}, "priority"),
        ({"priority": "critical"}, "priority"),
        ({"due_date": "next week"}, "due_date"),
        ({"status": "blocked"}, "status"),
        ({"name": "A", "title": "B"}, "name"),
    ],
)
def test_bad_task_fields_are_400_naming_the_field(client, team, project, fields, field):
    body = {"project_id": project["id"], "title": "T"} | fields
    response = client.post(f"{API}/{team.ws}/tasks", json=body, headers=team.owner["headers"])

    assert response.status_code == 400, response.text
    assert {tuple(loc[:2]) for loc in locs(response)} == {("body", field)}


def test_a_task_assignee_must_be_an_active_member(client, team, project, services):
    headers = team.owner["headers"]
    task = client.post(f"{API}/{team.ws}/tasks", json={"project_id": project["id"], "title": "T"}, headers=headers)
    url = f"{API}/{team.ws}/tasks/{task.json()['id']}"

    outsider = team.outsider["user_id"]
    created = client.post(
        f"{API}/{team.ws}/tasks",
        json={"project_id": project["id"], "title": "U", "assignee": outsider},
        headers=headers,
    )
    assigned = client.patch(url, json={"assignee": outsider}, headers=headers)
    services.workspaces.remove_member(team.owner["user_id"], team.ws, team.member["user_id"])
    former = client.patch(url, json={"assignee": team.member["user_id"]}, headers=headers)

    for response in (created, assigned, former):
        assert response.status_code == 400, response.text
        assert locs(response) == [["body", "assignee"]]
    assert client.get(url, headers=headers).json()["assignee"] is None
    assert len(client.get(f"{API}/{team.ws}/tasks", headers=headers).json()) == 1
