"""The in-memory AWS for `make run`, tests and benchmarks: names, env, resources,
the demo user and the demo workspace."""

from __future__ import annotations

import os
import re
from decimal import Decimal

from local.template import create_queues, create_tables, load_template, queue_env_vars, table_env_vars

DEMO_EMAIL = "demo@example.com"
DEMO_TOKEN = "tt_demo" + "0" * 28  # local only: the in-memory stack never leaves this machine
REGION = "us-east-1"


def _physical(logical_id: str) -> str:
    """EntriesTable -> timetrack-entries, ClockInQueue -> timetrack-clock-in-queue."""
    words = re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower().removesuffix("-table")
    return f"timetrack-{words}"


def resource_names() -> tuple[dict[str, str], dict[str, str]]:
    """(table names, queue names) by logical id, for every one in the template."""
    template = load_template()
    tables = {logical: _physical(logical) for logical in table_env_vars(template)}
    queues = {}
    for logical, resource in template["Resources"].items():
        if resource["Type"] == "AWS::SQS::Queue":
            fifo = resource.get("Properties", {}).get("FifoQueue")
            queues[logical] = _physical(logical) + (".fifo" if fifo else "")
    return tables, queues


def configure_environment() -> None:
    """Point the app's configuration at the local resource names."""
    template = load_template()
    tables, _ = resource_names()
    for logical, env_var in table_env_vars(template).items():
        os.environ[env_var] = tables[logical]
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    os.environ.setdefault("AWS_REGION", REGION)
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Timetrack")
    os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "timetrack-local")


def create_resources(dynamodb, sqs=None) -> dict[str, str]:
    """Tables (and queues, given an SQS client) as template.yaml declares them.
    Sets each queue's URL in its env var; returns logical id -> queue URL."""
    tables, queues = resource_names()
    create_tables(dynamodb, tables)
    if sqs is None or not queues:
        return {}
    urls = create_queues(sqs, queues)
    for logical, env_var in queue_env_vars(load_template()).items():
        os.environ[env_var] = urls[logical]
    return urls


def seed_demo_user(services) -> int:
    """The demo user with the documented demo token (idempotent)."""
    accounts = services.accounts
    user_id = accounts.user_id_for_email(DEMO_EMAIL)
    if user_id is None:
        user_id = accounts.create_user(DEMO_EMAIL)
        accounts.issue_token(user_id, name="demo", token=DEMO_TOKEN)
    return user_id


# The seed documents' examples name these ids (seed 002: project 1, task 5,
# client 5; seed 003: card 5 and its subtasks; seed 004: organization 1).
# The id allocator never hands out ids below 16 (``dal.ids``: lease numbers
# start at 1), so they can be given to the demo workspace without a clash.
DEMO_IDS = {"workspace": [1], "client": [5], "project": [1], "task": [5]}


class _PresetIds:
    """An allocator that hands out the given ids, in order."""

    def __init__(self, ids: list[int]) -> None:
        self._ids = list(ids)

    def next_id(self) -> int:
        return self._ids.pop(0)


def seed_demo_workspace(services, owner: int) -> None:
    """The demo user's workspace 1 (their default), with what the seed
    documents' examples refer to: client 5 "Acme Corp", project 1 "Website
    Redesign" of that client, task (card) 5 "Implement login feature" on it.
    Made through the domain's own rules, with preset ids (idempotent)."""
    from timetrack.services.workspaces import Workspaces

    if services.workspace_repo.get_workspace(DEMO_IDS["workspace"][0]) is not None:
        return
    ids = {kind: _PresetIds(preset) for kind, preset in DEMO_IDS.items()}
    workspaces = Workspaces(services.workspace_repo, services.directory, ids, services.clock, services.entries)
    workspace, _ = workspaces.create(owner, "Demo workspace")
    client = workspaces.create_client(
        owner, workspace.id, "Acme Corp", email="contact@acme.com", company="Acme Corporation"
    )
    project = workspaces.create_project(
        owner,
        workspace.id,
        "Website Redesign",
        hourly_rate=Decimal("75.00"),
        description="Complete website overhaul",
        client_id=client.id,
        estimated_hours=Decimal(120),
    )
    workspaces.create_task(
        owner, workspace.id, project.id, "Implement login feature", description="Add user authentication", priority=1
    )
