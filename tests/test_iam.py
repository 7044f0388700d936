"""Every AWS call a Lambda function makes is allowed by its policy in template.yaml.

moto does not enforce IAM, so a permission missing from a function's
`Policies` only shows in a deployed stack. Here each sample event in events/
runs through its function's real handler (with the state tests/test_events.py
builds for it) while every botocore call of the process is recorded; each
call is turned into the IAM actions and resources it needs, and those must be
granted by the statements of that function (functions/<group>/) in the template.

Directory writes are conditioned on ``dynamodb:LeadingKeys`` (the partition
key written): each call's partition key is recorded too and checked against
the statement's condition, so a function that may only lease entry ids and
create users is shown to cover those calls and to be refused tokens,
memberships and other counters.
"""

from __future__ import annotations

import contextlib
import datetime as dt
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
SUB_ARN = re.compile(r"\$\{(\w+)\.Arn\}(?:/index/([\w*]+))?")


class Need(NamedTuple):
    """An IAM action on a resource of the template (a table's indexes are a resource of their own),
    and for an item-level DynamoDB call the partition key it touches (``dynamodb:LeadingKeys``)."""

    action: str
    resource: str  # logical id
    index: str = ""  # the index queried, if any
    key: str | None = None

    def __str__(self) -> str:
        where = f" (partition {self.key})" if self.key is not None else ""
        return f"{self.action} on {self.resource}{f'/index/{self.index}' if self.index else ''}{where}"


class Grant(NamedTuple):
    """An action on a resource that a statement allows, within its ``dynamodb:LeadingKeys`` condition if any."""

    action: str
    resource: str  # logical id, or "*"
    index: str = ""  # a pattern of index names (`*`, `ByWorkspace*`); empty: the table itself
    leading_keys: tuple[str, ...] | None = None  # IAM StringLike patterns; None: any key

    def __str__(self) -> str:
        keys = f" where partition is {' or '.join(self.leading_keys)}" if self.leading_keys is not None else ""
        return f"{self.action} on {self.resource}{f'/index/{self.index}' if self.index else ''}{keys}"

    def covers(self, need: Need) -> bool:
        if not fnmatchcase(need.action.lower(), self.action.lower()):
            return False
        if self.resource != "*" and (
            self.resource != need.resource
            or bool(self.index) != bool(need.index)
            or not fnmatchcase(need.index, self.index)
        ):
            return False
        if self.leading_keys is None:
            return True
        # IAM's StringLike: `*` and `?` wildcards, case-sensitive; no key in the request: no match here.
        return need.key is not None and any(fnmatchcase(need.key, pattern) for pattern in self.leading_keys)


# ------------------------------------------------------------ policies ---


def _resource(value: Any) -> tuple[str, str]:
    """`!GetAtt X.Arn` -> (X, ""), `!Sub ${X.Arn}/index/*` -> (X, "*") (or an index name pattern),
    "*" -> ("*", "")."""
    if value == "*":
        return "*", ""
    attribute = value.get("Fn::GetAtt") if isinstance(value, dict) else None
    if isinstance(attribute, list) and attribute[1] == "Arn":
        return attribute[0], ""
    sub = value.get("Fn::Sub") if isinstance(value, dict) else None
    if isinstance(sub, str) and (match := SUB_ARN.fullmatch(sub)):
        return match[1], match[2] or ""
    # !Ref gives a table's name or a queue's URL, never an ARN: IAM would match nothing.
    raise AssertionError(f"unrecognised IAM resource {value!r}: use !GetAtt X.Arn or !Sub ${{X.Arn}}/index/*")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _leading_keys(logical_id: str, statement: dict[str, Any]) -> tuple[str, ...] | None:
    """The LeadingKeys patterns of a statement's Condition (the only condition supported)."""
    condition = statement.get("Condition")
    if condition is None:
        return None
    unsupported = f"{logical_id}: unsupported Condition {condition!r}"
    assert len(condition) == 1, unsupported
    ((operator, keys),) = condition.items()
    assert set(keys) == {"dynamodb:LeadingKeys"}, unsupported
    # ForAllValues: every partition key of the request must match (ForAnyValue would let one match do).
    if operator == "ForAllValues:StringLike":
        return tuple(_listed(keys["dynamodb:LeadingKeys"]))
    if operator == "ForAllValues:StringEquals":
        return tuple(re.sub(r"([*?\[])", r"[\1]", value) for value in _listed(keys["dynamodb:LeadingKeys"]))
    raise AssertionError(unsupported)


def policies() -> dict[str, tuple[str, set[Grant]]]:
    """Function group (functions/<group>/) -> (logical id, the grants of its Policies)."""
    found: dict[str, tuple[str, set[Grant]]] = {}
    for logical_id, function in resources_of_type(load_template(), "AWS::Serverless::Function").items():
        grants: set[Grant] = set()
        for policy in function["Properties"].get("Policies") or []:
            unsupported = f"{logical_id}: only inline Statement policies are supported, not {policy!r}"
            assert isinstance(policy, dict), unsupported
            assert set(policy) == {"Statement"}, unsupported
            for statement in _listed(policy["Statement"]):
                assert statement["Effect"] == "Allow", f"{logical_id}: only Allow statements are supported"
                keys = _leading_keys(logical_id, statement)
                for action in _listed(statement["Action"]):
                    grants |= {Grant(action, *_resource(value), keys) for value in _listed(statement["Resource"])}
        found[Path(function["Properties"]["CodeUri"]).name] = (logical_id, grants)
    return found


def allowed(need: Need, grants: set[Grant]) -> bool:
    return any(grant.covers(need) for grant in grants)


# ------------------------------------------------------------ recording ---


def partition_key_names() -> dict[tuple[str, str], str]:
    """(table logical id, index name or "") -> the name of its partition (HASH) key attribute."""
    names: dict[tuple[str, str], str] = {}
    for logical_id, table in resources_of_type(load_template(), "AWS::DynamoDB::Table").items():
        properties = table["Properties"]
        indexes = [*properties.get("GlobalSecondaryIndexes", []), *properties.get("LocalSecondaryIndexes", [])]
        for index, schema in [("", properties["KeySchema"]), *((i["IndexName"], i["KeySchema"]) for i in indexes)]:
            names[logical_id, index] = next(key["AttributeName"] for key in schema if key["KeyType"] == "HASH")
    return names


def _partition(table: str, request: dict[str, Any]) -> str:
    """The partition key value a request for one item (Key or Item) or a Query (of the
    table or an index: that index's own partition key) touches."""
    name = partition_key_names()[table, request.get("IndexName", "")]
    item = request.get("Key") or request.get("Item")
    if item is None:
        match = re.search(rf"(?<![#\w]){name}\s*=\s*(:\w+)", request.get("KeyConditionExpression", ""))
        assert match, f"no partition key in {request!r}: extend tests/test_iam.py"
        item = {name: request["ExpressionAttributeValues"][match[1]]}
    ((_, value),) = item[name].items()
    return str(value)


def needs(service: str, operation: str, params: dict[str, Any]) -> Iterator[Need]:
    """The IAM actions one API call is authorised against."""
    tables, queues = ({name: logical for logical, name in names.items()} for names in stack.resource_names())
    if service == "sqs" and operation in ("SendMessage", "SendMessageBatch"):
        yield Need("sqs:SendMessage", queues[params["QueueUrl"].rsplit("/", 1)[1]])
    elif service == "dynamodb" and operation in ("TransactWriteItems", "TransactGetItems"):
        for item in params["TransactItems"]:
            ((kind, request),) = item.items()
            table = tables[request["TableName"]]
            yield Need(f"dynamodb:{TRANSACT_ACTIONS[kind]}", table, key=_partition(table, request))
    elif service == "dynamodb" and operation == "BatchGetItem":
        for name, request in params["RequestItems"].items():
            for key in request["Keys"]:
                yield Need("dynamodb:BatchGetItem", tables[name], key=_partition(tables[name], {"Key": key}))
    elif service == "dynamodb" and operation == "BatchWriteItem":
        for name, requests in params["RequestItems"].items():
            for request in requests:
                ((_, write),) = request.items()  # PutRequest {Item} or DeleteRequest {Key}
                yield Need("dynamodb:BatchWriteItem", tables[name], key=_partition(tables[name], write))
    elif service == "dynamodb" and operation == "Scan":
        yield Need("dynamodb:Scan", tables[params["TableName"]], params.get("IndexName", ""))
    elif service == "dynamodb" and operation in SINGLE_TABLE:
        table = tables[params["TableName"]]
        yield Need(f"dynamodb:{operation}", table, params.get("IndexName", ""), _partition(table, params))
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


# One read-only event per HTTP function: a JWT of an unknown subject creates its user on the way.
FIRST_SIGHT_EVENTS = [
    "entries_list.json",
    "sessions_active.json",
    "stats_get.json",
    "settings_get.json",
    "workspaces_list.json",
    "clock_in_active.json",
    "tokens_list.json",
    "org_time_entries_running.json",
]


def needs_of_first_sight(name: str, key: rsa.RSAPrivateKey, jwks_url: str) -> set[Need]:
    """The event with a JWT of a subject never seen: its user is created on the way."""
    issuer, audience = "https://issuer.test", "timetrack-web"
    config = {"oidc_issuer": issuer, "oidc_audience": audience, "oidc_jwks_url": jwks_url}
    with fresh_stack(**config) as (services, _):
        now = int(time.time())  # PyJWT checks exp against the wall clock
        claims = {"iss": issuer, "aud": audience, "sub": f"new-{name}", "iat": now, "exp": now + 600}
        event = load_event(name)
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})
        event["headers"]["authorization"] = f"Bearer {token}"
        status, _, used = handled(event)
        assert status != 401, f"{name}: the JWT was refused"
        assert services.directory.user_id_for_subject(issuer, f"new-{name}") is not None
    return used


class Recorded(NamedTuple):
    events: set[Need]  # the success paths of the function's sample events
    first_sight: set[Need]  # an OIDC token of a new user (HTTP functions)


@pytest.fixture(scope="module")
def recorded() -> dict[str, Recorded]:
    """Function group -> what its calls needed, recorded once for the module's tests."""
    found = {group: Recorded(set(), set()) for group in policies()}
    for name in EVENT_FILES:
        found[group_of(load_event(name))].events.update(needs_of_event(name))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True) | {"kid": "k1", "alg": "RS256", "use": "sig"}
    with pytest.MonkeyPatch.context() as patch:
        for variable in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
            patch.delenv(variable, raising=False)
        server = JwksServer({"keys": [jwk]})
        try:
            for name in FIRST_SIGHT_EVENTS:
                found[group_of(load_event(name))].first_sight.update(needs_of_first_sight(name, key, server.url))
        finally:
            server.stop()
    return found


# ---------------------------------------------------------------- tests ---


@pytest.mark.parametrize("group", sorted(policies()))
def test_policy_allows_every_call_of_the_function(group, recorded):
    assert any(group_of(load_event(name)) == group for name in EVENT_FILES), (
        f"no event in events/ exercises functions/{group}/"
    )
    used = recorded[group].events
    assert used, f"functions/{group}/ made no AWS call: the recording is broken"
    assert missing_report(group, used) == ""


@pytest.mark.parametrize("name", FIRST_SIGHT_EVENTS)
def test_jwt_user_creation_is_allowed_in_every_http_function(name, recorded):
    group = group_of(load_event(name))
    # The rest of the route's calls is test_policy_allows_every_call_of_the_function's.
    used = {need for need in recorded[group].first_sight if need.resource == "DirectoryTable"}
    assert {need.key for need in used if need.action == "dynamodb:UpdateItem"} >= {"COUNTER#user"}
    assert {need.key.split("#", 1)[0] for need in used if need.action == "dynamodb:PutItem"} == {"USER", "SUBJECT"}
    assert missing_report(group, used) == ""


# One directory item of each kind (dal/directory.py, dal/workspaces.py, dal/ids.py), by partition key.
DIRECTORY_KEYS = {
    "token": "TOKEN#" + "ab" * 32,
    "email": "EMAIL#someone@example.com",
    "subject": "SUBJECT#https://issuer.test#someone",
    "user": "USER#7",  # a profile, or a member's copy of a membership
    "workspace": "WS#3",  # the workspace, its memberships, invitations, clients, projects, contracts, tasks
    "invitee": "INVITEE#EMAIL#someone@example.com",  # an invitee's copy of an invitation
    "task reference": "TASK#5",  # the workspace of a task, found by its id alone
    "subtask reference": "SUBTASK#6",  # the workspace and task of a subtask
    "token listing": "TOKENS#7",  # a token in its owner's (and creator's) list
    "token usage": "USAGE#5",  # a token's usage_count and last_used_at
    **{
        f"{kind} ids": f"COUNTER#{kind}"
        for kind in ("entry", "user", "workspace", "client", "project", "contract", "task", "token")
    },
}
# Every HTTP function may create a user on first sight of an OIDC token and count a token's use.
USER_CREATION = {"user", "subject", "user ids", "token usage"}
# What each function may write in the directory; everything else there it may only read.
DIRECTORY_WRITES = {
    "entries": USER_CREATION | {"entry ids"},
    "sessions": USER_CREATION | {"entry ids"},
    "clock_in": USER_CREATION | {"entry ids", "workspace"},  # workspace: a ConditionCheck of membership only
    "stats": USER_CREATION,
    "settings": USER_CREATION,
    "workspaces": USER_CREATION
    | {
        "workspace",
        "invitee",
        "task reference",
        "subtask reference",
        "workspace ids",
        "client ids",
        "project ids",
        "contract ids",
        "task ids",
    },
    "tokens": USER_CREATION | {"token", "token listing", "token ids"},
    # workspace: card, subtask and assignment moves, and the membership check of an entry's write
    "time_logs": USER_CREATION | {"entry ids", "workspace"},
    "org_time_entries": USER_CREATION | {"entry ids", "workspace"},  # workspace: the membership ConditionCheck
    "clock_in_worker": {"workspace"},
    # Seed 002: each function makes the caller's default workspace on first use.
    "integrations_system": USER_CREATION | {"workspace", "workspace ids"},
    "integrations_projects": USER_CREATION | {"workspace", "workspace ids", "project ids"},
    "integrations_tasks": USER_CREATION | {"workspace", "workspace ids", "task ids", "task reference"},
    "integrations_clients": USER_CREATION | {"workspace", "workspace ids", "client ids"},
    # workspace: the default workspace, and the membership ConditionCheck of an entry's write
    "integrations_time_entries": USER_CREATION | {"workspace", "workspace ids", "entry ids"},
    "integrations_timer": USER_CREATION | {"workspace", "workspace ids", "entry ids"},
    "integrations_reports": USER_CREATION | {"workspace", "workspace ids"},
}
WRITES = (
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "ConditionCheckItem",
    "PartiQLInsert",
    "PartiQLUpdate",
)


def test_every_directory_write_is_limited_by_partition_key():
    unlimited = [
        f"{logical_id}: {grant}"
        for logical_id, grants in policies().values()
        for grant in grants
        if grant.resource in ("DirectoryTable", "*")
        and grant.leading_keys is None
        and any(fnmatchcase(f"dynamodb:{action}".lower(), grant.action.lower()) for action in WRITES)
    ]
    assert unlimited == []


@pytest.mark.parametrize("group", sorted(DIRECTORY_WRITES))
def test_function_writes_only_its_own_directory_items(group):
    """E.g. no function can write a token, and only the workspaces function a membership, an
    invitation or a workspace id."""
    _, grants = policies()[group]
    writable = {
        kind
        for kind, key in DIRECTORY_KEYS.items()
        if any(allowed(Need(f"dynamodb:{action}", "DirectoryTable", key=key), grants) for action in WRITES)
    }
    assert sorted(writable) == sorted(DIRECTORY_WRITES[group])
    assert set(DIRECTORY_WRITES) == set(policies())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sessions_stop.json", 200),
        ("entries_delete.json", 204),
        ("org_time_entries_stop.json", 200),
        ("org_time_entries_delete.json", 204),
    ],
)
def test_clock_in_timer_stopped_or_deleted_outside_the_clock_in_api_is_forwarded(name, expected):
    """A workspace clock-in stopped or deleted by its user outside the clock-in API still reaches the worker."""
    with fresh_stack() as (services, clock):
        ctx = clocked_in(services, stack.seed_demo_user(services), clock, minutes=30)
        event = with_real_ids(load_event(name), ctx)
        event["headers"]["authorization"] = f"Bearer {services.accounts.issue_token(ctx['member']).token}"
        status, _, used = handled(event)
    assert status == expected
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
