"""`make run`'s demo workspace: the ids the seed documents' examples use exist
for the demo token, so those examples run unchanged."""

from __future__ import annotations

from local import stack


def test_the_demo_workspace_holds_what_the_seed_examples_name(client, services, demo_user):
    stack.seed_demo_workspace(services, demo_user["user_id"])
    stack.seed_demo_workspace(services, demo_user["user_id"])  # a restart seeds nothing twice

    headers = demo_user["headers"]
    workspaces = client.get("/api/v1/workspaces", headers=headers).json()
    projects = client.get("/api/v1/workspaces/1/projects", headers=headers).json()
    task = client.get("/api/v1/workspaces/1/tasks/5", headers=headers).json()
    clients = client.get("/api/v1/workspaces/1/clients", headers=headers).json()

    assert [(w["id"], w["role"]) for w in workspaces] == [(1, "owner")]
    assert [(p["id"], p["name"], p["client_id"]) for p in projects] == [(1, "Website Redesign", 5)]
    assert (task["id"], task["project_id"], task["name"]) == (5, 1, "Implement login feature")
    assert [(c["id"], c["name"]) for c in clients] == [(5, "Acme Corp")]
    # New ids never collide with the preset ones.
    created = client.post("/api/v1/workspaces/1/projects", headers=headers, json={"name": "Next"}).json()
    assert created["id"] >= 16
