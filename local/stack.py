"""The in-memory AWS for `make run`, tests and benchmarks: names, env, resources, demo user."""

from __future__ import annotations

import os
import re

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
