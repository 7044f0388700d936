"""The workspace directory API: workspaces, members and roles, projects,
contracts and tasks, with the permission rules (owners and executive managers
manage, members read, non-members see nothing)."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest

from functions.workspaces.app import handler, router
from tests.conftest import EVENTS, join, load_event
from timetrack.workspaces import Role, SubtaskStatus

API = "/api/v1/workspaces"
# What GET task adds to a task without subtasks, assignees or entries.
NO_CARD = {"subtasks": [], "assignees": [], "actual_hours": 0, "logs_count": 0}
NOON = "2024-01-22T09:00:00+00:00"  # the frozen clock's start


def locs(response) -> list[list]:
    return [issue["loc"] for issue in response.json()["detail"]]


@pytest.fixture
def team(client, services, make_user):
    """A workspace with an owner, an executive manager and a member (both joined
    by invitation), plus an outsider (a user who belongs to no workspace)."""
    owner = make_user("owner@example.com")
    manager = make_user("manager@example.com")
    member = make_user("member@example.com")
    outsider = make_user("outsider@example.com")
    created = client.post(API, json={"name": "Acme"}, headers=owner["headers"])
    assert created.status_code == 201, created.text
    ws = created.json()["id"]
    join(services, ws, manager["user_id"], Role.EXECUTIVE_MANAGER, by=owner["user_id"])
    join(services, ws, member["user_id"], by=owner["user_id"])
    return SimpleNamespace(ws=ws, owner=owner, manager=manager, member=member, outsider=outsider)


def active(workspace_id: int, user_id: int, role: str, joined_at: str = NOON) -> dict:
    """A member as the API shows them."""
    return {
        "workspace_id": workspace_id,
        "user_id": user_id,
        "email": None,
        "role": role,
        "status": "active",
        "joined_at": joined_at,
        "invited_by": None,
        "invited_at": None,
    }


@pytest.fixture
def project(client, team) -> dict:
    created = client.post(
        f"{API}/{team.ws}/projects", json={"name": "Website", "hourly_rate": 80}, headers=team.owner["headers"]
    )
    assert created.status_code == 201, created.text
    return created.json()


# -- workspaces -------------------------------------------------------------------


def test_create_workspace_makes_the_caller_its_owner(client, make_user):
    alice = make_user("alice@example.com")
    bob = make_user("bob@example.com")

    created = client.post(API, json={"name": "  Acme Consulting  "}, headers=alice["headers"])

    assert created.status_code == 201, created.text
    body = created.json()
    assert isinstance(body["id"], int)
    assert body == {
        "id": body["id"],
        "name": "Acme Consulting",
        "role": "owner",
        "created_at": NOON,
        "created_by": alice["user_id"],
    }
    assert client.get(API, headers=alice["headers"]).json() == [body]
    assert client.get(API, headers=bob["headers"]).json() == []
    members = client.get(f"{API}/{body['id']}/members", headers=alice["headers"]).json()
    assert members == [active(body["id"], alice["user_id"], "owner")]


def test_list_shows_each_workspace_once_with_the_callers_role(client, team):
    other = client.post(API, json={"name": "Side project"}, headers=team.member["headers"]).json()

    listed = client.get(API, headers=team.member["headers"])

    assert listed.status_code == 200
    assert [(w["id"], w["name"], w["role"]) for w in listed.json()] == [
        (team.ws, "Acme", "member"),
        (other["id"], "Side project", "owner"),
    ]
    assert [w["role"] for w in client.get(API, headers=team.manager["headers"]).json()] == ["executive_manager"]


def test_workspace_routes_need_a_token(client, team):
    assert client.get(API).status_code == 401
    assert client.post(API, json={"name": "x"}).status_code == 401
    assert client.get(f"{API}/{team.ws}/members").status_code == 401
    assert client.get(API, headers={"Authorization": "Bearer tt_" + "x" * 32}).status_code == 401


# -- members --------------------------------------------------------------------


def test_executive_manager_manages_members_but_not_owners(client, team, make_user):
    newcomer = make_user("newcomer@example.com")
    hopeful = make_user("hopeful@example.com")
    headers = team.manager["headers"]

    added = client.post(
        f"{API}/{team.ws}/members", json={"user_id": newcomer["user_id"], "role": "member"}, headers=headers
    )
    as_owner = client.post(
        f"{API}/{team.ws}/members", json={"user_id": hopeful["user_id"], "role": "owner"}, headers=headers
    )
    promote_to_owner = client.patch(
        f"{API}/{team.ws}/members/{team.member['user_id']}", json={"role": "owner"}, headers=headers
    )
    demote_owner = client.patch(
        f"{API}/{team.ws}/members/{team.owner['user_id']}", json={"role": "member"}, headers=headers
    )
    remove_owner = client.delete(f"{API}/{team.ws}/members/{team.owner['user_id']}", headers=headers)

    assert added.status_code == 201, added.text
    assert client.post(f"/api/v1/invitations/{team.ws}/accept", headers=newcomer["headers"]).status_code == 200
    assert as_owner.status_code == 403
    assert promote_to_owner.status_code == 403
    assert demote_owner.status_code == 403
    assert remove_owner.status_code == 403
    roles = {m["user_id"]: m["role"] for m in client.get(f"{API}/{team.ws}/members", headers=headers).json()}
    assert roles[team.owner["user_id"]] == "owner"
    assert roles[team.member["user_id"]] == "member"
    assert hopeful["user_id"] not in roles
    removed = client.delete(f"{API}/{team.ws}/members/{newcomer['user_id']}", headers=headers)
    assert removed.status_code == 204
    assert removed.content == b""
    assert client.get(API, headers=newcomer["headers"]).json() == []


def test_member_cannot_manage_members(client, team, make_user):
    newcomer = make_user("newcomer@example.com")
    headers = team.member["headers"]

    added = client.post(
        f"{API}/{team.ws}/members", json={"user_id": newcomer["user_id"], "role": "member"}, headers=headers
    )
    promoted = client.patch(
        f"{API}/{team.ws}/members/{team.member['user_id']}", json={"role": "owner"}, headers=headers
    )
    removed = client.delete(f"{API}/{team.ws}/members/{team.manager['user_id']}", headers=headers)

    assert added.status_code == 403
    assert added.json() == {"detail": "Only owners and executive managers can do this"}
    assert promoted.status_code == 403
    assert removed.status_code == 403
    assert len(client.get(f"{API}/{team.ws}/members", headers=headers).json()) == 3


def test_patch_changes_a_members_role(client, team):
    changed = client.patch(
        f"{API}/{team.ws}/members/{team.member['user_id']}",
        json={"role": "executive_manager"},
        headers=team.owner["headers"],
    )

    assert changed.status_code == 200, changed.text
    assert changed.json() == active(team.ws, team.member["user_id"], "executive_manager")
    roles = {
        m["user_id"]: m["role"] for m in client.get(f"{API}/{team.ws}/members", headers=team.owner["headers"]).json()
    }
    assert roles[team.member["user_id"]] == "executive_manager"
    # the promotion is real: the former member can now create projects
    made = client.post(f"{API}/{team.ws}/projects", json={"name": "New"}, headers=team.member["headers"])
    assert made.status_code == 201
    unknown = client.patch(f"{API}/{team.ws}/members/987654", json={"role": "member"}, headers=team.owner["headers"])
    assert unknown.status_code == 404


def test_the_last_owner_cannot_leave_or_be_demoted_until_another_owner_exists(client, team):
    me = f"{API}/{team.ws}/members/{team.owner['user_id']}"
    headers = team.owner["headers"]

    leave = client.delete(me, headers=headers)
    demote = client.patch(me, json={"role": "member"}, headers=headers)

    assert leave.status_code == 409
    assert demote.status_code == 409
    assert isinstance(leave.json()["detail"], str)
    assert [w["role"] for w in client.get(API, headers=headers).json()] == ["owner"]

    promoted = client.patch(
        f"{API}/{team.ws}/members/{team.manager['user_id']}", json={"role": "owner"}, headers=headers
    )
    assert promoted.status_code == 200
    assert client.patch(me, json={"role": "executive_manager"}, headers=headers).status_code == 200
    # now the former manager is the last owner
    last = f"{API}/{team.ws}/members/{team.manager['user_id']}"
    assert client.delete(last, headers=team.manager["headers"]).status_code == 409
    assert client.delete(me, headers=headers).status_code == 204
    assert client.get(API, headers=headers).json() == []
    assert client.get(f"{API}/{team.ws}/members", headers=headers).status_code == 404


def test_a_member_can_leave(client, team):
    left = client.delete(f"{API}/{team.ws}/members/{team.member['user_id']}", headers=team.member["headers"])

    assert left.status_code == 204
    assert client.get(API, headers=team.member["headers"]).json() == []
    assert client.get(f"{API}/{team.ws}/projects", headers=team.member["headers"]).status_code == 404
    remaining = client.get(f"{API}/{team.ws}/members", headers=team.owner["headers"]).json()
    assert team.member["user_id"] not in {m["user_id"] for m in remaining}


def test_owner_removes_another_owner(client, team):
    client.patch(
        f"{API}/{team.ws}/members/{team.manager['user_id']}", json={"role": "owner"}, headers=team.owner["headers"]
    )

    removed = client.delete(f"{API}/{team.ws}/members/{team.manager['user_id']}", headers=team.owner["headers"])

    assert removed.status_code == 204
    # one owner left again: the count of owners followed the removal
    assert (
        client.delete(f"{API}/{team.ws}/members/{team.owner['user_id']}", headers=team.owner["headers"]).status_code
        == 409
    )


# -- who sees what ----------------------------------------------------------------


def _workspace_routes(ws: int, project: int, contract: int, task: int, user: int) -> list[tuple[str, str, dict | None]]:
    return [
        ("GET", f"{API}/{ws}/members", None),
        ("POST", f"{API}/{ws}/members", {"user_id": user, "role": "member"}),
        ("PATCH", f"{API}/{ws}/members/{user}", {"role": "member"}),
        ("DELETE", f"{API}/{ws}/members/{user}", None),
        ("DELETE", f"{API}/{ws}/members?email=someone@example.com", None),
        ("GET", f"{API}/{ws}/projects", None),
        ("POST", f"{API}/{ws}/projects", {"name": "Mine now"}),
        ("GET", f"{API}/{ws}/projects/{project}", None),
        ("PUT", f"{API}/{ws}/projects/{project}", {"name": "Mine now"}),
        ("DELETE", f"{API}/{ws}/projects/{project}", None),
        ("GET", f"{API}/{ws}/contracts", None),
        ("POST", f"{API}/{ws}/contracts", {"user_id": user, "project_id": project, "hourly_rate": 10}),
        ("GET", f"{API}/{ws}/contracts/{contract}", None),
        ("DELETE", f"{API}/{ws}/contracts/{contract}", None),
        ("GET", f"{API}/{ws}/tasks", None),
        ("POST", f"{API}/{ws}/tasks", {"project_id": project, "title": "Mine now"}),
        ("GET", f"{API}/{ws}/tasks/{task}", None),
        ("PATCH", f"{API}/{ws}/tasks/{task}", {"status": "done"}),
    ]


def test_non_members_get_404_for_everything_in_the_workspace(client, team, project):
    headers = team.owner["headers"]
    contract = client.post(
        f"{API}/{team.ws}/contracts",
        json={"user_id": team.member["user_id"], "project_id": project["id"], "hourly_rate": 50},
        headers=headers,
    ).json()["id"]
    task = client.post(f"{API}/{team.ws}/tasks", json={"project_id": project["id"], "title": "Do"}, headers=headers)
    routes = _workspace_routes(team.ws, project["id"], contract, task.json()["id"], team.member["user_id"])

    for method, path, body in routes:
        response = client.request(method, path, json=body, headers=team.outsider["headers"])
        assert response.status_code == 404, (method, path, response.text)
        assert response.json() == {"detail": f"Workspace {team.ws} not found"}, (method, path)

    # nothing changed
    assert client.get(f"{API}/{team.ws}/projects/{project['id']}", headers=headers).json() == project
    assert client.get(f"{API}/{team.ws}/contracts/{contract}", headers=headers).json()["active"] is True
    assert len(client.get(f"{API}/{team.ws}/members", headers=headers).json()) == 3


def test_an_unknown_workspace_looks_like_a_foreign_one(client, team, project):
    routes = _workspace_routes(team.ws + 1000, project["id"], 1, 1, team.member["user_id"])

    for method, path, body in routes:
        response = client.request(method, path, json=body, headers=team.owner["headers"])
        assert response.status_code == 404, (method, path, response.text)
        assert response.json() == {"detail": f"Workspace {team.ws + 1000} not found"}


def test_unknown_ids_inside_a_workspace_are_404(client, team):
    headers = team.member["headers"]
    for kind in ("projects", "contracts", "tasks"):
        response = client.get(f"{API}/{team.ws}/{kind}/987654", headers=headers)
        assert response.status_code == 404, kind
    assert (
        client.put(f"{API}/{team.ws}/projects/987654", json={"name": "x"}, headers=team.owner["headers"]).status_code
        == 404
    )
    assert client.delete(f"{API}/{team.ws}/contracts/987654", headers=team.owner["headers"]).status_code == 404
    assert (
        client.patch(f"{API}/{team.ws}/tasks/987654", json={"title": "x"}, headers=team.owner["headers"]).status_code
        == 404
    )


# -- projects -------------------------------------------------------------------


def test_managers_create_projects_and_members_read_them(client, team, clock):
    clock.set("2024-01-22T10:15:00+00:00")

    created = client.post(
        f"{API}/{team.ws}/projects", json={"name": "Website", "hourly_rate": 85.5}, headers=team.manager["headers"]
    )
    plain = client.post(f"{API}/{team.ws}/projects", json={"name": "Internal"}, headers=team.owner["headers"])
    refused = client.post(f"{API}/{team.ws}/projects", json={"name": "Mine"}, headers=team.member["headers"])

    assert created.status_code == 201, created.text
    body = created.json()
    assert body == {
        "id": body["id"],
        "workspace_id": team.ws,
        "name": "Website",
        "hourly_rate": 85.5,
        "description": None,
        "client_id": None,
        "estimated_hours": None,
        "status": "active",
        "archived": False,
        "created_at": "2024-01-22T10:15:00+00:00",
    }
    assert plain.status_code == 201
    assert plain.json()["hourly_rate"] is None
    assert refused.status_code == 403
    listed = client.get(f"{API}/{team.ws}/projects", headers=team.member["headers"])
    assert listed.status_code == 200
    assert listed.json() == [body, plain.json()]
    got = client.get(f"{API}/{team.ws}/projects/{body['id']}", headers=team.member["headers"])
    assert got.status_code == 200
    assert got.json() == body


def test_put_updates_only_the_fields_sent(client, team, project):
    url = f"{API}/{team.ws}/projects/{project['id']}"

    renamed = client.put(url, json={"name": "Website 2024"}, headers=team.manager["headers"])
    repriced = client.put(url, json={"hourly_rate": 92.25}, headers=team.owner["headers"])
    refused = client.put(url, json={"name": "Mine"}, headers=team.member["headers"])

    assert renamed.status_code == 200, renamed.text
    assert renamed.json() == project | {"name": "Website 2024"}
    assert repriced.status_code == 200
    assert repriced.json() == project | {"name": "Website 2024", "hourly_rate": 92.25}
    assert refused.status_code == 403
    assert client.get(url, headers=team.member["headers"]).json() == repriced.json()


def test_put_with_a_null_rate_clears_it(client, team, project):
    url = f"{API}/{team.ws}/projects/{project['id']}"

    cleared = client.put(url, json={"hourly_rate": None}, headers=team.owner["headers"])

    assert cleared.status_code == 200, cleared.text
    assert cleared.json() == project | {"hourly_rate": None}
    assert client.get(url, headers=team.owner["headers"]).json()["hourly_rate"] is None


def test_delete_archives_the_project(client, team, project):
    url = f"{API}/{team.ws}/projects/{project['id']}"

    refused = client.delete(url, headers=team.member["headers"])
    archived = client.delete(url, headers=team.owner["headers"])

    assert refused.status_code == 403
    assert archived.status_code == 200, archived.text
    assert archived.json() == project | {"status": "archived", "archived": True}
    assert client.get(f"{API}/{team.ws}/projects", headers=team.member["headers"]).json() == [archived.json()]
    contract = client.post(
        f"{API}/{team.ws}/contracts",
        json={"user_id": team.member["user_id"], "project_id": project["id"], "hourly_rate": 50},
        headers=team.owner["headers"],
    )
    assert contract.status_code == 400
    assert locs(contract) == [["body", "project_id"]]
    assert client.get(f"{API}/{team.ws}/contracts", headers=team.owner["headers"]).json() == []


# -- contracts ------------------------------------------------------------------


def test_create_contract_for_a_member(client, team, project, clock):
    clock.set("2024-01-23T08:00:00+00:00")

    created = client.post(
        f"{API}/{team.ws}/contracts",
        json={"user_id": team.member["user_id"], "project_id": project["id"], "hourly_rate": 62.5},
        headers=team.manager["headers"],
    )

    assert created.status_code == 201, created.text
    body = created.json()
    assert body == {
        "id": body["id"],
        "workspace_id": team.ws,
        "user_id": team.member["user_id"],
        "project_id": project["id"],
        "hourly_rate": 62.5,
        "active": True,
        "created_at": "2024-01-23T08:00:00+00:00",
        "ended_at": None,
        "first_started_at": None,
        "last_activity_at": None,
        "tracked_minutes": 0,
    }
    got = client.get(f"{API}/{team.ws}/contracts/{body['id']}", headers=team.member["headers"])
    assert got.status_code == 200
    assert got.json() == body


def test_contract_refusals(client, team, project):
    url = f"{API}/{team.ws}/contracts"
    member = team.member["user_id"]

    def create(headers=team.owner["headers"], **fields):
        return client.post(
            url, json={"user_id": member, "project_id": project["id"], "hourly_rate": 50} | fields, headers=headers
        )

    assert create(user_id=team.outsider["user_id"]).status_code == 404
    assert create(user_id=987654).status_code == 404
    assert create(project_id=987654).status_code == 404
    negative = create(hourly_rate=-1)
    assert negative.status_code == 400
    assert locs(negative) == [["body", "hourly_rate"]]
    fine_grained = create(hourly_rate=10.125)
    assert fine_grained.status_code == 400
    assert locs(fine_grained) == [["body", "hourly_rate"]]
    assert create(headers=team.member["headers"]).status_code == 403
    assert client.get(url, headers=team.owner["headers"]).json() == []


def test_list_contracts_filters_by_user(client, team, project):
    headers = team.owner["headers"]
    made = [
        client.post(
            f"{API}/{team.ws}/contracts",
            json={"user_id": who["user_id"], "project_id": project["id"], "hourly_rate": rate},
            headers=headers,
        ).json()
        for who, rate in ((team.member, 40), (team.manager, 70), (team.member, 45))
    ]

    everyone = client.get(f"{API}/{team.ws}/contracts", headers=team.member["headers"])
    members = client.get(f"{API}/{team.ws}/contracts", params={"user_id": team.member["user_id"]}, headers=headers)
    nobody = client.get(f"{API}/{team.ws}/contracts", params={"user_id": team.outsider["user_id"]}, headers=headers)

    assert everyone.status_code == 200
    assert [c["hourly_rate"] for c in everyone.json()] == [40, 70, 45]
    assert members.json() == [made[0], made[2]]
    assert nobody.json() == []


def test_delete_ends_a_contract_once(client, team, project, clock):
    headers = team.owner["headers"]
    contract = client.post(
        f"{API}/{team.ws}/contracts",
        json={"user_id": team.member["user_id"], "project_id": project["id"], "hourly_rate": 50},
        headers=headers,
    ).json()
    url = f"{API}/{team.ws}/contracts/{contract['id']}"
    clock.set("2024-02-01T17:30:00+00:00")

    refused = client.delete(url, headers=team.member["headers"])
    ended = client.delete(url, headers=team.manager["headers"])
    again = client.delete(url, headers=headers)

    assert refused.status_code == 403
    assert ended.status_code == 200, ended.text
    assert ended.json() == contract | {"active": False, "ended_at": "2024-02-01T17:30:00+00:00"}
    assert again.status_code == 409
    assert client.get(url, headers=team.member["headers"]).json() == ended.json()
    assert client.get(f"{API}/{team.ws}/contracts", headers=headers).json() == [ended.json()]


# -- tasks ----------------------------------------------------------------------


def test_create_task(client, team, project, clock):
    clock.set("2024-01-22T11:00:00+00:00")

    created = client.post(
        f"{API}/{team.ws}/tasks",
        json={"project_id": project["id"], "title": "Landing page"},
        headers=team.manager["headers"],
    )
    unknown_project = client.post(
        f"{API}/{team.ws}/tasks", json={"project_id": 987654, "title": "Nowhere"}, headers=team.owner["headers"]
    )
    refused = client.post(
        f"{API}/{team.ws}/tasks", json={"project_id": project["id"], "title": "Mine"}, headers=team.member["headers"]
    )

    assert created.status_code == 201, created.text
    body = created.json()
    assert body == {
        "id": body["id"],
        "workspace_id": team.ws,
        "project_id": project["id"],
        "title": "Landing page",
        "name": "Landing page",
        "description": None,
        "status": "todo",
        "priority": None,
        "due_date": None,
        "assignee": None,
        "tracked_minutes": 0,
        "created_at": "2024-01-22T11:00:00+00:00",
    }
    assert unknown_project.status_code == 404
    assert refused.status_code == 403
    assert client.get(f"{API}/{team.ws}/tasks/{body['id']}", headers=team.member["headers"]).json() == body | NO_CARD
    assert client.get(f"{API}/{team.ws}/tasks", headers=team.member["headers"]).json() == [body]


def test_list_tasks_filters_by_project_and_status(client, team, project):
    headers = team.owner["headers"]
    other = client.post(f"{API}/{team.ws}/projects", json={"name": "Other"}, headers=headers).json()
    a = client.post(f"{API}/{team.ws}/tasks", json={"project_id": project["id"], "title": "A"}, headers=headers).json()
    b = client.post(f"{API}/{team.ws}/tasks", json={"project_id": project["id"], "title": "B"}, headers=headers).json()
    c = client.post(f"{API}/{team.ws}/tasks", json={"project_id": other["id"], "title": "C"}, headers=headers).json()
    b = client.patch(f"{API}/{team.ws}/tasks/{b['id']}", json={"status": "review"}, headers=headers).json()

    def titles(**params) -> list[str]:
        response = client.get(f"{API}/{team.ws}/tasks", params=params, headers=team.member["headers"])
        assert response.status_code == 200, response.text
        return [t["title"] for t in response.json()]

    assert titles() == ["A", "B", "C"]
    assert titles(project_id=project["id"]) == ["A", "B"]
    assert titles(project_id=other["id"]) == ["C"]
    assert titles(status="todo") == ["A", "C"]
    assert titles(status="review") == ["B"]
    assert titles(project_id=project["id"], status="todo") == ["A"]
    assert titles(status="done") == []
    assert a["status"] == c["status"] == "todo"
    bad = client.get(f"{API}/{team.ws}/tasks", params={"status": "finished"}, headers=headers)
    assert bad.status_code == 400
    assert locs(bad) == [["query", "status"]]


def test_patch_task_changes_title_and_status(client, team, project):
    headers = team.owner["headers"]
    task = client.post(
        f"{API}/{team.ws}/tasks", json={"project_id": project["id"], "title": "Draft"}, headers=headers
    ).json()
    url = f"{API}/{team.ws}/tasks/{task['id']}"

    retitled = client.patch(url, json={"title": "Final copy"}, headers=team.manager["headers"])
    moved = client.patch(url, json={"status": "in_progress"}, headers=headers)
    both = client.patch(url, json={"title": "Shipped", "status": "done"}, headers=headers)
    invalid = client.patch(url, json={"status": "finished"}, headers=headers)
    refused = client.patch(url, json={"status": "cancelled"}, headers=team.member["headers"])

    assert retitled.status_code == 200, retitled.text
    assert retitled.json() == task | {"title": "Final copy", "name": "Final copy"}
    assert moved.json() == task | {"title": "Final copy", "name": "Final copy", "status": "in_progress"}
    assert both.json() == task | {"title": "Shipped", "name": "Shipped", "status": "done"}
    assert invalid.status_code == 400
    assert locs(invalid) == [["body", "status"]]
    assert refused.status_code == 403
    assert client.get(url, headers=team.member["headers"]).json() == both.json() | NO_CARD


# -- validation -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "   "])
def test_an_empty_name_is_400_naming_the_field(client, team, name):
    headers = team.owner["headers"]

    for path, body, field in (
        (API, {"name": name}, "name"),
        (f"{API}/{team.ws}/projects", {"name": name}, "name"),
    ):
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 400, (path, response.text)
        assert locs(response) == [["body", field]]
    assert [w["name"] for w in client.get(API, headers=headers).json()] == ["Acme"]


def test_an_empty_task_title_is_400_naming_the_field(client, team, project):
    headers = team.owner["headers"]
    created = client.post(f"{API}/{team.ws}/tasks", json={"project_id": project["id"], "title": " "}, headers=headers)
    assert created.status_code == 400
    assert locs(created) == [["body", "title"]]
    task = client.post(f"{API}/{team.ws}/tasks", json={"project_id": project["id"], "title": "T"}, headers=headers)
    renamed = client.patch(f"{API}/{team.ws}/tasks/{task.json()['id']}", json={"title": ""}, headers=headers)
    assert renamed.status_code == 400
    assert locs(renamed) == [["body", "title"]]


@pytest.mark.parametrize(
    ("route", "body", "missing"),
    [
        ("", {}, [["body", "name"]]),
        ("/{ws}/members", {"role": "member"}, [["body", "user_id"]]),
        ("/{ws}/members", {"user_id": 5}, [["body", "role"]]),
        ("/{ws}/projects", {"hourly_rate": 10}, [["body", "name"]]),
        ("/{ws}/contracts", {"user_id": 5}, [["body", "project_id"], ["body", "hourly_rate"]]),
        ("/{ws}/tasks", {"title": "T"}, [["body", "project_id"]]),
    ],
)
def test_missing_fields_are_400_never_422(client, team, route, body, missing):
    response = client.post(API + route.format(ws=team.ws), json=body, headers=team.owner["headers"])

    assert response.status_code == 400, response.text
    assert locs(response) == missing


def test_malformed_requests_are_400(client, team):
    headers = team.owner["headers"]
    assert client.get(f"{API}/abc/projects", headers=headers).status_code == 400
    assert locs(client.get(f"{API}/abc/projects", headers=headers)) == [["path", "workspace_id"]]
    assert client.get(f"{API}/{team.ws}/contracts", params={"user_id": "me"}, headers=headers).status_code == 400
    broken = client.post(API, content=b"{not json", headers=headers | {"Content-Type": "application/json"})
    assert broken.status_code == 400
    role = client.post(f"{API}/{team.ws}/members", json={"user_id": 5, "role": "admin"}, headers=headers)
    assert role.status_code == 400
    assert locs(role) == [["body", "role"]]
    assert client.get(API, headers=headers).json()[0]["name"] == "Acme"


# -- Lambda events ----------------------------------------------------------------

EVENT_STATUS = {
    "workspaces_create.json": 201,
    "workspaces_list.json": 200,
    "workspaces_members_add.json": 201,
    "workspaces_members_list.json": 200,
    "workspaces_members_update.json": 200,
    "workspaces_members_remove.json": 204,
    "workspaces_members_revoke.json": 204,
    "workspaces_projects_create.json": 201,
    "workspaces_projects_list.json": 200,
    "workspaces_projects_get.json": 200,
    "workspaces_projects_update.json": 200,
    "workspaces_projects_archive.json": 200,
    "workspaces_contracts_create.json": 201,
    "workspaces_contracts_list.json": 200,
    "workspaces_contracts_get.json": 200,
    "workspaces_contracts_end.json": 200,
    "workspaces_tasks_create.json": 201,
    "workspaces_tasks_list.json": 200,
    "workspaces_tasks_get.json": 200,
    "workspaces_tasks_update.json": 200,
    "workspaces_subtasks_create.json": 201,
    "workspaces_subtasks_list.json": 200,
    "workspaces_subtasks_update.json": 200,
    "workspaces_subtasks_delete.json": 204,
    "workspaces_assignees_add.json": 201,
    "workspaces_assignees_list.json": 200,
    "workspaces_assignees_remove.json": 204,
    "workspaces_clients_create.json": 201,
    "workspaces_clients_list.json": 200,
    "workspaces_clients_get.json": 200,
    "workspaces_clients_update.json": 200,
    "workspaces_clients_delete.json": 204,
}


class _Context:
    function_name = "WorkspacesFunction"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:WorkspacesFunction"
    aws_request_id = "test-request"


def test_every_route_has_an_event_and_the_events_are_consistent():
    files = sorted(path.name for path in Path(EVENTS).glob("workspaces_*.json"))
    assert files == sorted(EVENT_STATUS)
    served = {f"{method} {route.path}" for route in router.routes for method in route.methods}
    assert {load_event(name)["routeKey"] for name in files} == served
    for name in files:
        event = load_event(name)
        method, template = event["routeKey"].split(" ", 1)
        assert event["requestContext"]["routeKey"] == event["routeKey"], name
        assert event["requestContext"]["http"]["method"] == method, name
        assert event["rawPath"] == event["requestContext"]["http"]["path"], name
        assert event["rawPath"] == template.format(**event.get("pathParameters", {})), name
        assert event["rawQueryString"] == urlencode(event.get("queryStringParameters", {})), name


def _retarget(event: dict, ids: dict[str, int], body_ids: dict[str, int]) -> dict:
    """The event with the seeded ids in place of its 1s and 2s."""
    event = copy.deepcopy(event)
    template = event["routeKey"].split(" ", 1)[1]
    if "pathParameters" in event:
        event["pathParameters"] = {key: str(ids[key]) for key in event["pathParameters"]}
    path = template.format(**event.get("pathParameters", {}))
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    if "queryStringParameters" in event:
        event["queryStringParameters"] = {
            key: str(ids[key]) if key in ids else value for key, value in event["queryStringParameters"].items()
        }
        event["rawQueryString"] = urlencode(event["queryStringParameters"])
    if event.get("body"):
        body = json.loads(event["body"])
        event["body"] = json.dumps({key: body_ids.get(key, value) for key, value in body.items()})
    return event


@pytest.mark.parametrize("name", sorted(EVENT_STATUS))
def test_event_runs_through_the_lambda_handler(name, services, demo_user, make_user):
    directory = services.workspaces
    demo = demo_user["user_id"]
    bob = make_user("bob@example.com")["user_id"]
    carol = make_user("carol@example.com")["user_id"]
    workspace, _ = directory.create(demo, "Demo workspace")
    join(services, workspace.id, bob, by=demo)
    project = directory.create_project(demo, workspace.id, "Demo project", Decimal("80"))
    contract = directory.create_contract(demo, workspace.id, bob, project.id, Decimal("60"))
    task = directory.create_task(demo, workspace.id, project.id, "Demo task")
    acme = directory.create_client(demo, workspace.id, "Demo client")
    directory.invite(demo, workspace.id, Role.MEMBER, email="invitee@example.com")  # the revoke event's
    # Done: the task update event moves the task to review.
    subtask = services.cards.create_subtask(demo, workspace.id, task.id, "Demo subtask", status=SubtaskStatus.DONE)
    if name in ("workspaces_assignees_list.json", "workspaces_assignees_remove.json"):
        services.cards.assign(demo, workspace.id, task.id, bob)
    ids = {
        "workspace_id": workspace.id,
        "project_id": project.id,
        "contract_id": contract.id,
        "task_id": task.id,
        "subtask_id": subtask.id,
        "client_id": acme.id,
        "user_id": bob,
    }
    body_ids = ids | {"user_id": carol} if name == "workspaces_members_add.json" else ids

    response = handler(_retarget(load_event(name), ids, body_ids), _Context())

    assert response["statusCode"] == EVENT_STATUS[name], response.get("body")
    if response["statusCode"] == 204:
        assert not response.get("body")
        if name == "workspaces_clients_delete.json":
            assert directory.clients(demo, workspace.id) == []
        elif name == "workspaces_members_revoke.json":  # the email invitation is gone, bob stays
            assert {m.user_id for m in directory.members(demo, workspace.id)} == {demo, bob}
        elif name == "workspaces_subtasks_delete.json":
            assert services.cards.subtasks(demo, workspace.id, task.id) == []
        elif name == "workspaces_assignees_remove.json":
            assert services.cards.assignments(demo, workspace.id, task.id) == []
        else:
            assert directory.member_of(workspace.id, bob) is None
        return
    body = json.loads(response["body"])
    assert response["headers"]["content-type"] == "application/json"
    items = body if isinstance(body, list) else [body]
    assert items, name
    for item in items:
        for key in ("workspace_id", "project_id"):
            if key in item:
                assert item[key] == ids[key], (key, item)
    if name == "workspaces_members_add.json":
        assert body["user_id"] == carol
