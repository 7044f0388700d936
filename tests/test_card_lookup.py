"""A card (task) known by its id alone, as seed 003 addresses it: found in
whichever of the caller's workspaces holds it, and in no other."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import join
from timetrack.errors import NotFound
from timetrack.principal import Principal


@pytest.fixture
def boards(services, make_user):
    """Two workspaces of one owner, each with a task; a member of the second only."""
    owner, member = make_user("owner@example.com")["user_id"], make_user("member@example.com")["user_id"]
    ws = services.workspaces
    tasks = {}
    for name in ("Acme", "Beta"):
        workspace, _ = ws.create(owner, name)
        project = ws.create_project(owner, workspace.id, "Sprint 1", Decimal("10"))
        tasks[name] = ws.create_task(owner, workspace.id, project.id, f"{name} card")
    join(services, tasks["Beta"].workspace_id, member, by=owner)
    return owner, member, tasks


def test_a_task_is_found_in_whichever_of_the_actors_workspaces_holds_it(services, boards):
    owner, member, tasks = boards
    assert services.workspaces.locate_task(owner, tasks["Acme"].id) == tasks["Acme"]
    assert services.workspaces.locate_task(owner, tasks["Beta"].id) == tasks["Beta"]
    assert services.workspaces.locate_task(member, tasks["Beta"].id) == tasks["Beta"]


def test_a_task_outside_the_actors_workspaces_or_a_bound_tokens_is_not_found(services, boards):
    owner, member, tasks = boards
    with pytest.raises(NotFound):
        services.workspaces.locate_task(member, tasks["Acme"].id)  # not a member there
    bound = Principal(owner, workspace_id=tasks["Beta"].workspace_id)
    with pytest.raises(NotFound):
        services.workspaces.locate_task(bound, tasks["Acme"].id)
    with pytest.raises(NotFound):
        services.workspaces.locate_task(owner, 999_999)
