"""A card (task) known by its id alone, as seed 003 addresses it: its
reference item names its workspace; members find it, anyone else is
refused, an unknown id is not found."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.conftest import join
from timetrack.errors import Forbidden, NotFound
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


def test_members_find_a_task_by_its_id_in_whichever_workspace_holds_it(services, boards):
    owner, member, tasks = boards
    assert services.workspaces.locate_task(owner, tasks["Acme"].id) == tasks["Acme"]
    assert services.workspaces.locate_task(owner, tasks["Beta"].id) == tasks["Beta"]
    assert services.workspaces.locate_task(member, tasks["Beta"].id) == tasks["Beta"]


def test_a_non_member_or_a_token_bound_elsewhere_is_refused_an_unknown_id_is_not_found(services, boards):
    owner, member, tasks = boards
    with pytest.raises(Forbidden):
        services.workspaces.locate_task(member, tasks["Acme"].id)
    with pytest.raises(Forbidden):
        services.workspaces.locate_task(Principal(owner, workspace_id=tasks["Beta"].workspace_id), tasks["Acme"].id)
    with pytest.raises(NotFound):
        services.workspaces.locate_task(owner, 999_999)


def test_a_task_made_before_references_is_found_among_the_actors_workspaces(services, boards):
    _, member, tasks = boards
    for task in tasks.values():
        reference = {"pk": {"S": f"TASK#{task.id}"}, "sk": {"S": "REF"}}
        services.dynamodb.delete_item(TableName=services.config.directory_table, Key=reference)
    assert services.workspaces.locate_task(member, tasks["Beta"].id) == tasks["Beta"]
    with pytest.raises(NotFound):  # without its reference, nothing tells it exists elsewhere
        services.workspaces.locate_task(member, tasks["Acme"].id)


def test_a_subtask_is_found_by_its_id_alone_by_members_until_it_is_deleted(services, boards):
    owner, member, tasks = boards
    cards = services.cards
    mine = cards.create_subtask(owner, tasks["Beta"].workspace_id, tasks["Beta"].id, "Create login form UI")
    elsewhere = cards.create_subtask(owner, tasks["Acme"].workspace_id, tasks["Acme"].id, "Add validation")
    assert cards.locate_subtask(member, mine.id) == mine
    with pytest.raises(Forbidden):
        cards.locate_subtask(member, elsewhere.id)
    cards.delete_subtask(owner, mine.workspace_id, mine.task_id, mine.id)
    with pytest.raises(NotFound):
        cards.locate_subtask(member, mine.id)
