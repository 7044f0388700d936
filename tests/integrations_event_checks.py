"""What each sample event of the integrations API's catalog and system functions
(seed 002; events/integrations_*.json) must do through its Lambda handler:
the setups and checks tests/test_events.py runs (its EXPECTATIONS include these)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.conftest import join

NOW_Z = "2024-01-22T09:00:00Z"  # the clock fixture's now


def catalog(services, owner: int, clock=None) -> dict[str, Any]:
    """The demo user's workspace (their default: the only one they own) with a client,
    a project of that client and a task on it, and a member."""
    ws, accounts = services.workspaces, services.accounts
    workspace, _ = ws.create(owner, "Acme")
    client = ws.create_client(owner, workspace.id, "Initech", email="ap@initech.example")
    project = ws.create_project(owner, workspace.id, "Website", Decimal("80"), client_id=client.id)
    task = ws.create_task(owner, workspace.id, project.id, "Landing page")
    member = accounts.create_user("member@example.com")
    join(services, workspace.id, member, by=owner)
    return {"workspace": workspace.id, "client": client.id, "project": project.id, "task": task.id, "member": member}


def _nothing(services, user_id, clock):
    return {}


def _info_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["api_version"] == "v1"
    assert body["documentation_url"] == "/api/docs"


def _health_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body == {"status": "healthy", "timestamp": NOW_Z, "checks": {"database": "ok"}}


def _me_check(status, body, ctx, services, user_id):
    assert status == 200
    user = body["user"]
    assert (user["id"], user["email"], user["role"], user["total_hours"]) == (user_id, "demo@example.com", "owner", 0)


def _docs_check(status, body, ctx, services, user_id):
    assert status == 200
    # Swagger UI from this function's own assets, over the whole API's document: no CDN.
    assert 'href="/api/docs/assets/swagger-ui.css"' in body
    assert "url: '/api/docs/openapi.json'" in body
    assert "cdn" not in body.lower()


def _docs_asset_check(status, body, ctx, services, user_id):
    assert status == 200
    assert ".swagger-ui" in body


def _docs_document_check(status, body, ctx, services, user_id):
    assert status == 200
    assert "/api/v1/projects" in body["paths"]


def _unknown_path_check(status, body, ctx, services, user_id):
    # API Gateway sends every path under /api/v1 that no function serves here: seed 002's format under its paths.
    assert status == 404
    assert body["error_code"] == "not_found"


def _projects_list_check(status, body, ctx, services, user_id):
    assert status == 200
    assert [p["id"] for p in body["projects"]] == [ctx["project"]]
    assert body["pagination"]["per_page"] == 20


def _projects_create_check(status, body, ctx, services, user_id):
    assert status == 201
    assert body["message"] == "Project created successfully"
    project = body["project"]
    assert (project["client_id"], project["hourly_rate"], project["estimated_hours"]) == (ctx["client"], 75.0, 100)
    assert services.workspaces.project(user_id, ctx["workspace"], project["id"]).name == "New Project"


def _projects_get_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["project"]["id"] == ctx["project"]


def _projects_update_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["project"]["description"] == "Complete website overhaul"
    assert body["project"]["name"] == "Website"  # not sent: kept


def _projects_delete_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body == {"message": "Project archived successfully"}
    assert services.workspaces.project(user_id, ctx["workspace"], ctx["project"]).archived


def _tasks_list_check(status, body, ctx, services, user_id):
    assert status == 200
    assert [t["id"] for t in body["tasks"]] == [ctx["task"]]


def _tasks_create_check(status, body, ctx, services, user_id):
    assert status == 201
    task = body["task"]
    assert (task["name"], task["project_id"], task["priority"], task["status"]) == (
        "Implement login feature",
        ctx["project"],
        "low",
        "todo",
    )


def _tasks_get_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["task"]["name"] == "Landing page"


def _tasks_update_check(status, body, ctx, services, user_id):
    assert status == 200
    assert (body["task"]["status"], body["task"]["priority"]) == ("in_progress", "high")


def _tasks_delete_check(status, body, ctx, services, user_id):
    assert status == 200
    assert services.workspaces.task(user_id, ctx["workspace"], ctx["task"]).status == "cancelled"


def _clients_list_check(status, body, ctx, services, user_id):
    assert status == 200
    assert [c["name"] for c in body["clients"]] == ["Initech"]


def _clients_create_check(status, body, ctx, services, user_id):
    assert status == 201
    assert body["client"]["name"] == "Acme Corp"
    assert body["client"]["company"] == "Acme Corporation"


def _clients_get_check(status, body, ctx, services, user_id):
    assert status == 200
    assert body["client"]["email"] == "ap@initech.example"


def _clients_update_check(status, body, ctx, services, user_id):
    assert status == 200
    assert (body["client"]["phone"], body["client"]["address"]) == ("+1-555-0199", "1 Main St")


def _unnamed_client(services, user_id, clock):
    """A client no project names (the catalog's is named by its project: it cannot go)."""
    ctx = catalog(services, user_id)
    ctx["client"] = services.workspaces.create_client(user_id, ctx["workspace"], "Globex").id
    return ctx


def _clients_delete_check(status, body, ctx, services, user_id):
    assert status == 200
    assert [c.name for c in services.workspaces.clients(user_id, ctx["workspace"])] == ["Initech"]


EXPECTATIONS = {
    "integrations_system_info.json": (_nothing, _info_check),
    "integrations_system_health.json": (_nothing, _health_check),
    "integrations_system_me.json": (_nothing, _me_check),
    "integrations_system_docs.json": (_nothing, _docs_check),
    "integrations_system_docs_asset.json": (_nothing, _docs_asset_check),
    "integrations_system_docs_document.json": (_nothing, _docs_document_check),
    "integrations_system_unknown_path.json": (_nothing, _unknown_path_check),
    "integrations_projects_list.json": (catalog, _projects_list_check),
    "integrations_projects_create.json": (catalog, _projects_create_check),
    "integrations_projects_get.json": (catalog, _projects_get_check),
    "integrations_projects_update.json": (catalog, _projects_update_check),
    "integrations_projects_patch.json": (catalog, _projects_update_check),
    "integrations_projects_delete.json": (catalog, _projects_delete_check),
    "integrations_tasks_list.json": (catalog, _tasks_list_check),
    "integrations_tasks_create.json": (catalog, _tasks_create_check),
    "integrations_tasks_get.json": (catalog, _tasks_get_check),
    "integrations_tasks_update.json": (catalog, _tasks_update_check),
    "integrations_tasks_patch.json": (catalog, _tasks_update_check),
    "integrations_tasks_delete.json": (catalog, _tasks_delete_check),
    "integrations_clients_list.json": (catalog, _clients_list_check),
    "integrations_clients_create.json": (catalog, _clients_create_check),
    "integrations_clients_get.json": (catalog, _clients_get_check),
    "integrations_clients_update.json": (catalog, _clients_update_check),
    "integrations_clients_patch.json": (catalog, _clients_update_check),
    "integrations_clients_delete.json": (_unnamed_client, _clients_delete_check),
}
