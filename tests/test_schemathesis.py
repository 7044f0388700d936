"""Property-based API tests: schemathesis over the combined app's own OpenAPI document.

In-process (ASGI), on a module-scoped moto stack (hypothesis runs many examples
per test, so the function-scoped ``aws`` fixture would not reset between them
anyway), authenticated as a real user with a personal token. A few entries are
seeded so that ``{entry_id}`` paths also hit existing entries, not only 404s.

Bounded and deterministic: at most 25 generated examples per operation (10 for
the status-code test), derandomized, no deadline, no example database.

The schema is loaded eagerly from the app's document (``from_dict``) and the
ASGI app is passed per call: the lazy ``schemathesis.pytest.from_fixture`` of
schemathesis 4.32.5 sets ``request.node._nodeid``, which pytest 9.2 no longer
has (AttributeError on every test).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import boto3
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from moto import mock_aws
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

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
# Undeclared statuses (400, 404, ...) show on the first few examples: fewer suffice.
BRIEF = settings(BOUNDED, max_examples=10)


@pytest.fixture(scope="module")
def stack_with_user() -> Iterator[dict]:
    """Tables from template.yaml in moto, the services on a fixed clock, one user with
    a token, and three of that user's entries (two finished, one running)."""
    with mock_aws():
        stack.create_resources(
            boto3.client("dynamodb", region_name=stack.REGION), boto3.client("sqs", region_name=stack.REGION)
        )
        runtime.reset()
        # One user, one frozen minute, hundreds of requests: limits high enough never to answer 429.
        limits = {"rate_limit_per_minute": 1_000_000, "rate_limit_per_hour": 1_000_000}
        services = runtime.build(Settings(token_cache_seconds=0, **limits), clock=lambda: NOW)
        runtime.reset(services)
        user_id = services.accounts.create_user("fuzz@example.com")
        token = services.accounts.issue_token(user_id).token
        caller = services.entries.caller(user_id)
        finished = [
            services.entries.create(
                caller,
                start_time=dt.datetime(2024, 1, day, 9, tzinfo=dt.UTC),
                end_time=dt.datetime(2024, 1, day, 17, tzinfo=dt.UTC),
            )
            for day in (19, 20)
        ]
        running = services.entries.start(caller)
        KNOWN_IDS[:] = [entry.id for entry in [*finished, running]]
        yield {
            "app": build_app(),
            "headers": {"Authorization": f"Bearer {token}"},
        }
    runtime.reset()
    KNOWN_IDS.clear()


def _openapi_document() -> dict:
    """The combined app's document. Building the app builds a service container
    (a boto3 client, no AWS call); forget it so the fixtures start clean."""
    document = build_app().openapi()
    runtime.reset()
    return document


schema = schemathesis.openapi.from_dict(_openapi_document())
KNOWN_IDS: list[int] = []  # the seeded entries' ids, filled by the fixture


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Half the time an entry that exists, so the 200/204/409 paths run too, not only 404."""
    if not path_parameters or "entry_id" not in path_parameters or not KNOWN_IDS:
        return st.just(path_parameters)
    existing = st.sampled_from(KNOWN_IDS).map(lambda entry_id: {**path_parameters, "entry_id": entry_id})
    return st.one_of(existing, st.just(path_parameters))


@schema.parametrize()
@BOUNDED
def test_no_server_errors_and_responses_match_schema(case, stack_with_user):
    """No 5xx for any input; every response that the document declares matches its schema."""
    case.call_and_validate(
        headers=stack_with_user["headers"],
        app=stack_with_user["app"],
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )


@schema.parametrize()
@BRIEF
def test_status_codes_are_declared(case, stack_with_user):
    """Every status the API answers is one the OpenAPI document declares for that operation."""
    case.call_and_validate(
        headers=stack_with_user["headers"], app=stack_with_user["app"], checks=[status_code_conformance]
    )
