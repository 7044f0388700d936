"""Property-based API tests: schemathesis with every check over the combined app's document.

Every built-in check runs (``call_and_validate`` without ``checks=``: server errors,
status codes, content types, headers, response schemas, negative data rejected,
positive data accepted, auth not ignored, and the stateful use-after-free and
resource-availability checks), first per operation, then as a state machine that
follows the document's OpenAPI links (create an entry, then read, update, delete it;
create a workspace, then its projects, contracts and tasks).

In-process (ASGI), on a module-scoped moto stack (hypothesis runs many examples
per test, so the function-scoped ``aws`` fixture would not reset between them
anyway), authenticated as a real user with a personal token. Existing resources are
reached through the links (the state machine), not seeded ids.

Bounded and reproducible: a fixed number of examples, derandomized, no deadline,
no example database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import boto3
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from moto import mock_aws

from local import stack
from local.app import build_app
from timetrack import runtime
from timetrack.config import Settings

NOW = dt.datetime(2024, 1, 22, 9, 0, tzinfo=dt.UTC)
BOUNDED = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
STATEFUL = settings(BOUNDED, max_examples=30, stateful_step_count=6)

# The app reads its services at request time, so the one built here serves each
# fixture's stack. Building it builds a service container (a boto3 client, no AWS
# call); forget that one so the fixtures start clean.
APP = build_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
runtime.reset()
TOKEN: list[str] = []  # the fuzzing user's token, set by the fixture


@pytest.fixture(scope="module")
def fuzzing_user() -> Iterator[None]:
    """Tables from template.yaml in moto, the services on a fixed clock, one user with
    a token, and three of that user's entries (two finished, one running)."""
    with mock_aws():
        stack.create_resources(
            boto3.client("dynamodb", region_name=stack.REGION), boto3.client("sqs", region_name=stack.REGION)
        )
        runtime.reset()
        services = runtime.build(Settings(token_cache_seconds=0), clock=lambda: NOW)
        runtime.reset(services)
        user_id = services.accounts.create_user("fuzz@example.com")
        TOKEN[:] = [services.accounts.issue_token(user_id).token]
        yield
    runtime.reset()
    TOKEN.clear()


@schema.auth()
class PersonalToken:
    """Schemathesis' own auth, so it knows which header authenticates: it leaves the
    header out to check that auth is not ignored, and never mistakes it for input."""

    def get(self, case, context):
        return None  # the token is the fixture's, read when a request is made

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {TOKEN[0]}"}


@schema.parametrize()
@BOUNDED
def test_every_operation_passes_every_check(case, fuzzing_user):
    """Valid input is accepted, invalid input is a 4xx, never a 5xx; every answer is
    documented (status, content type, headers, body)."""
    case.call_and_validate()


def test_linked_call_sequences_pass_every_check(fuzzing_user):
    """Sequences that follow the links: what one call creates, the next ones read,
    change and delete; a deleted resource is gone, a created one is there."""
    schema.as_state_machine().run(settings=STATEFUL)
