"""Every AWS call a Lambda function makes is allowed by its policy in template.yaml.

moto does not enforce IAM, so a permission missing from a function's
`Policies` only shows in a deployed stack. Here each sample event in events/
runs through its function's real handler (with the state tests/test_events.py
builds for it) while every botocore call of the process is recorded; each
call is turned into the IAM actions and resources it needs, and those must be
granted by the statements of that function (functions/<group>/) in the template.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, NamedTuple
from unittest import mock

import boto3
import jwt
import pytest
from botocore.client import BaseClient
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from moto import mock_aws

from local import stack
from local.template import load_template, resources_of_type
from tests.conftest import FrozenClock, load_event
from tests.test_auth import JwksServer
from tests.test_events import EVENT_FILES, EXPECTATIONS, clocked_in, group_of, invoke, with_real_ids
from timetrack import runtime
from timetrack.config import Settings

DYNAMODB_WRITES = ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "PartiQLInsert", "PartiQLUpdate")
# TransactWriteItems / TransactGetItems are authorised per contained request.
TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
    "Get": "GetItem",
}
SINGLE_TABLE = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan")
SUB_ARN = re.compile(r"\$\{(\w+)\.Arn\}(/index/\*)?")


class Need(NamedTuple):
    """An IAM action on a resource of the template (a table's indexes are a resource of their own)."""

    action: str
    resource: str  # logical id, or "*" in a grant
    index: bool = False

    def __str__(self) -> str:
        return f"{self.action} on {self.resource}{'/index/*' if self.index else ''}"


# ------------------------------------------------------------ policies ---


def _resource(value: Any) -> tuple[str, bool]:
    """`!GetAtt X.Arn` -> (X, False), `!Sub ${X.Arn}/index/*` -> (X, True), "*" -> ("*", False)."""
    if value == "*":
        return "*", False
    attribute = value.get("Fn::GetAtt") if isinstance(value, dict) else None
    if isinstance(attribute, list) and attribute[1] == "Arn":
        return attribute[0], False
    sub = value.get("Fn::Sub") if isinstance(value, dict) else None
    if isinstance(sub, str) and (match := SUB_ARN.fullmatch(sub)):
        return match[1], bool(match[2])
    # !Ref gives a table's name or a queue's URL, never an ARN: IAM would match nothing.
    raise AssertionError(f"unrecognised IAM resource {value!r}: use !GetAtt X.Arn or !Sub ${{X.Arn}}/index/*")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def policies() -> dict[str, tuple[str, set[Need]]]:
    """Function group (functions/<group>/) -> (logical id, the grants of its Policies)."""
    found: dict[str, tuple[str, set[Need]]] = {}
    for logical_id, function in resources_of_type(load_template(), "AWS::Serverless::Function").items():
        grants: set[Need] = set()
        for policy in function["Properties"].get("Policies") or []:
            unsupported = f"{logical_id}: only inline Statement policies are supported, not {policy!r}"
            assert isinstance(policy, dict), unsupported
            assert set(policy) == {"Statement"}, unsupported
            for statement in _listed(policy["Statement"]):
                assert statement["Effect"] == "Allow", f"{logical_id}: only Allow statements are supported"
                for action in _listed(statement["Action"]):
                    grants |= {Need(action, *_resource(value)) for value in _listed(statement["Resource"])}
        found[Path(function["Properties"]["CodeUri"]).name] = (logical_id, grants)
    return found


def allowed(need: Need, grants: set[Need]) -> bool:
    return any(
        fnmatchcase(need.action.lower(), grant.action.lower())
        and (grant.resource == "*" or (grant.resource, grant.index) == (need.resource, need.index))
        for grant in grants
    )


# ------------------------------------------------------------ recording ---


def needs(service: str, operation: str, params: dict[str, Any]) -> Iterator[Need]:
    """The IAM actions one API call is authorised against."""
    tables, queues = ({name: logical for logical, name in names.items()} for names in stack.resource_names())
    if service == "sqs" and operation in ("SendMessage", "SendMessageBatch"):
        yield Need("sqs:SendMessage", queues[params["QueueUrl"].rsplit("/", 1)[1]])
    elif service == "dynamodb" and operation in ("TransactWriteItems", "TransactGetItems"):
        for item in params["TransactItems"]:
            ((kind, request),) = item.items()
            yield Need(f"dynamodb:{TRANSACT_ACTIONS[kind]}", tables[request["TableName"]])
    elif service == "dynamodb" and operation in ("BatchGetItem", "BatchWriteItem"):
        for table in params["RequestItems"]:
            yield Need(f"dynamodb:{operation}", tables[table])
    elif service == "dynamodb" and operation in SINGLE_TABLE:
        yield Need(f"dynamodb:{operation}", tables[params["TableName"]], "IndexName" in params)
    else:
        raise AssertionError(f"{service}.{operation}: no IAM mapping in tests/test_iam.py, add one")


@contextlib.contextmanager
def recording() -> Iterator[list[tuple[str, str, dict[str, Any]]]]:
    """Every API call made meanwhile, on any botocore client (the layer's cached clients, Powertools', ...)."""
    calls: list[tuple[str, str, dict[str, Any]]] = []
    real = BaseClient._make_api_call

    def record(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append((client.meta.service_model.service_name, operation, params))
        return real(client, operation, params)

    with mock.patch.object(BaseClient, "_make_api_call", record):
        yield calls


@contextlib.contextmanager
def fresh_stack(**config: Any) -> Iterator[tuple[runtime.Services, FrozenClock]]:
    """What the `services` fixture gives, anew for each event of a test."""
    clock = FrozenClock(dt.datetime(2024, 1, 22, 9, 0, tzinfo=dt.UTC))
    with mock_aws():
        region = stack.REGION
        stack.create_resources(boto3.client("dynamodb", region_name=region), boto3.client("sqs", region_name=region))
        runtime.reset(runtime.build(Settings(token_cache_seconds=0, **config), clock=clock))
        try:
            yield runtime.services(), clock
        finally:
            runtime.reset()


def handled(event: dict[str, Any]) -> tuple[int, Any, set[Need]]:
    """The event through its function's handler: (status, body, what the handler's calls needed)."""
    with recording() as calls:
        status, body = invoke(event)
    return status, body, {need for call in calls for need in needs(*call)}


def needs_of_event(name: str) -> set[Need]:
    """What the event's function needs to handle it (its success path: test_events' check must pass)."""
    setup, check = EXPECTATIONS[name]
    with fresh_stack() as (services, clock):
        user_id = stack.seed_demo_user(services)
        ctx = setup(services, user_id, clock)
        status, body, used = handled(with_real_ids(load_event(name), ctx))
        check(status, body, ctx, services, user_id)
    return used


def missing_report(group: str, used: set[Need]) -> str:
    logical_id, grants = policies()[group]
    missing = sorted(str(need) for need in used if not allowed(need, grants))
    return f"{logical_id} (functions/{group}/) lacks: {', '.join(missing)}" if missing else ""


# ---------------------------------------------------------------- tests ---


@pytest.mark.parametrize("group", sorted(policies()))
def test_policy_allows_every_call_of_the_function(group):
    names = [name for name in EVENT_FILES if group_of(load_event(name)) == group]
    assert names, f"no event in events/ exercises functions/{group}/"
    used: set[Need] = set()
    for name in names:
        used |= needs_of_event(name)
    assert used, f"functions/{group}/ made no AWS call: the recording is broken"
    assert missing_report(group, used) == ""


# One read-only event per HTTP function: a JWT of an unknown subject creates its user on the way.
FIRST_SIGHT_EVENTS = [
    "entries_list.json",
    "sessions_active.json",
    "stats_get.json",
    "settings_get.json",
    "workspaces_list.json",
    "clock_in_active.json",
    "tokens_list.json",
]


def test_jwt_user_creation_is_allowed_in_every_http_function(monkeypatch):
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": "k1", "alg": "RS256", "use": "sig"}
    server = JwksServer({"keys": [jwk]})
    issuer, audience = "https://issuer.test", "timetrack-web"
    reports = []
    try:
        for name in FIRST_SIGHT_EVENTS:
            config = {"oidc_issuer": issuer, "oidc_audience": audience, "oidc_jwks_url": server.url}
            with fresh_stack(**config) as (services, _):
                now = int(time.time())  # PyJWT checks exp against the wall clock
                claims = {"iss": issuer, "aud": audience, "sub": f"new-{name}", "iat": now, "exp": now + 600}
                event = load_event(name)
                token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
                event["headers"]["authorization"] = f"Bearer {token}"
                status, _, used = handled(event)
                assert status != 401, f"{name}: the JWT was refused"
                assert services.directory.user_id_for_subject(issuer, f"new-{name}") is not None
            # The rest of the route's calls is test_policy_allows_every_call_of_the_function's.
            used = {need for need in used if need.resource == "DirectoryTable"}
            assert any(need.action in ("dynamodb:PutItem", "dynamodb:UpdateItem") for need in used), name
            reports.append(missing_report(group_of(event), used))
    finally:
        server.stop()
    assert [report for report in reports if report] == []


@pytest.mark.parametrize(
    ("name", "body"),
    [("sessions_stop.json", None), ("entries_update.json", {"end_time": "2024-01-22T09:30:00+00:00"})],
)
def test_clock_in_timer_stopped_through_the_personal_api_is_forwarded(name, body):
    """A workspace clock-in stopped by its user outside the clock-in API still reaches the worker."""
    with fresh_stack() as (services, clock):
        ctx = clocked_in(services, stack.seed_demo_user(services), clock, minutes=30)
        event = with_real_ids(load_event(name), ctx)
        event["headers"]["authorization"] = f"Bearer {services.accounts.issue_token(ctx['member']).token}"
        if body is not None:
            event["body"] = json.dumps(body)
        status, response, used = handled(event)
    assert status == 200
    assert response["end_time"] == "2024-01-22T09:30:00+00:00"
    assert Need("sqs:SendMessage", "ClockInQueue") in used
    assert missing_report(group_of(event), used) == ""


def test_stats_function_cannot_write_entries_or_settings():
    logical_id, grants = policies()["stats"]
    writes = [
        str(grant)
        for grant in grants
        for action in DYNAMODB_WRITES
        if grant.resource in ("EntriesTable", "SettingsTable", "*")
        and fnmatchcase(f"dynamodb:{action}".lower(), grant.action.lower())
    ]
    assert writes == [], f"{logical_id} is read only, yet may: {', '.join(sorted(set(writes)))}"
