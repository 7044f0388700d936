"""Property-based API tests: schemathesis with every check over the combined app's document.

In-process (ASGI), on a module-scoped moto stack (hypothesis runs many examples
per test, so the function-scoped ``aws`` fixture would not reset between them
anyway), authenticated as a real user with a personal token.
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
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(scope="module")
def stack_with_user() -> Iterator[dict]:
    with mock_aws():
        stack.create_resources(
            boto3.client("dynamodb", region_name=stack.REGION), boto3.client("sqs", region_name=stack.REGION)
        )
        runtime.reset()
        services = runtime.build(Settings(token_cache_seconds=0), clock=lambda: NOW)
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
    document = build_app().openapi()
    runtime.reset()
    return document


schema = schemathesis.openapi.from_dict(_openapi_document())
KNOWN_IDS: list[int] = []


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    if not path_parameters or "entry_id" not in path_parameters or not KNOWN_IDS:
        return st.just(path_parameters)
    existing = st.sampled_from(KNOWN_IDS).map(lambda entry_id: {**path_parameters, "entry_id": entry_id})
    return st.one_of(existing, st.just(path_parameters))


@schema.parametrize()
@BOUNDED
def test_every_check(case, stack_with_user):
    case.call_and_validate(headers=stack_with_user["headers"], app=stack_with_user["app"])
