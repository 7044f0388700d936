"""Personal access tokens over HTTP: created once, listed without the secret,
expiring, revoked at once, bound to a workspace, made by managers for members,
and counted without a write per request."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from fastapi.testclient import TestClient

from local import stack
from local.app import build_app
from tests.faults import DynamoFaults, keyed
from timetrack import runtime
from timetrack.config import Settings
from timetrack.errors import Forbidden
from timetrack.principal import Principal

TOKENS = "/api/v1/tokens"
WORKSPACES = "/api/v1/workspaces"
PERSONAL = "/api/v1/time-tracking"
TOKEN_SHAPE = re.compile(r"tt_[A-Za-z0-9]{32}")
LISTED_FIELDS = {
    "id",
    "name",
    "description",
    "token_prefix",
    "scopes",
    "workspace_id",
    "user_id",
    "created_by",
    "expires_at",
    "created_at",
    "last_used_at",
    "usage_count",
}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create_token(client, headers: dict[str, str], expected: int = 201, **body: Any) -> dict[str, Any]:
    response = client.post(TOKENS, json={"name": "integration", "scopes": ["read:*"]} | body, headers=headers)
    assert response.status_code == expected, response.text
    return response.json()


def listed(client, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(TOKENS, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def make_member(client, manager: dict[str, Any], workspace_id: int, member: dict[str, Any], role: str = "member"):
    """``member`` joins the workspace with ``role``: the manager invites, the member accepts."""
    invited = client.post(
        f"{WORKSPACES}/{workspace_id}/members",
        json={"user_id": member["user_id"], "role": role},
        headers=manager["headers"],
    )
    assert invited.status_code == 201, invited.text
    accepted = client.post(f"/api/v1/invitations/{workspace_id}/accept", headers=member["headers"])
    assert accepted.status_code == 200, accepted.text


def directory_items() -> list[dict[str, Any]]:
    """Every item of the directory table, raw (a test may scan)."""
    dynamodb = boto3.client("dynamodb", region_name=stack.REGION)
    table = runtime.services().config.directory_table
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": table}
    while True:
        page = dynamodb.scan(**request)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


@pytest.fixture
def team(client, make_user) -> SimpleNamespace:
    """Workspace Acme (owner, executive manager, member) and Globex (the owner's and the member's),
    plus an outsider in neither."""
    owner, manager = make_user("owner@example.com"), make_user("manager@example.com")
    member, outsider = make_user("member@example.com"), make_user("outsider@example.com")
    acme = client.post(WORKSPACES, json={"name": "Acme"}, headers=owner["headers"]).json()["id"]
    globex = client.post(WORKSPACES, json={"name": "Globex"}, headers=owner["headers"]).json()["id"]
    make_member(client, owner, acme, manager, "executive_manager")
    make_member(client, owner, acme, member)
    make_member(client, owner, globex, member)
    return SimpleNamespace(acme=acme, globex=globex, owner=owner, manager=manager, member=member, outsider=outsider)


# -------------------------------------------------------------- creating ---


def test_created_token_is_shown_once_and_stored_only_as_its_hash(client, user, clock):
    created = create_token(client, user["headers"], name="Invoicing", description="Nightly export")
    token = created["token"]
    assert TOKEN_SHAPE.fullmatch(token)
    assert created["token_prefix"] == token[:8]
    assert created["user_id"] == user["user_id"]
    assert created["workspace_id"] is None
    assert created["created_by"] is None
    assert created["expires_at"] is None
    assert created["created_at"] == "2024-01-22T09:00:00+00:00"
    assert (created["name"], created["description"], created["scopes"]) == ("Invoicing", "Nightly export", ["read:*"])

    tokens = listed(client, user["headers"])
    assert [t["id"] for t in tokens][-1] == created["id"]
    mine = tokens[-1]
    assert set(mine) == LISTED_FIELDS
    assert mine["token_prefix"] == token[:8]
    assert (mine["usage_count"], mine["last_used_at"]) == (0, None)

    raw = json.dumps(directory_items())
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert token not in raw
    assert token.removeprefix("tt_") not in raw
    assert digest in raw  # the lookup key
    assert digest not in client.get(TOKENS, headers=user["headers"]).text


def test_new_token_reads_and_is_refused_writes(client, user):
    token = create_token(client, user["headers"], scopes=["read:time_entries"])["token"]
    assert client.get(f"{PERSONAL}/entries", headers=bearer(token)).status_code == 200
    entry = {"start_time": "2024-01-22T07:00:00", "end_time": "2024-01-22T08:00:00"}
    refused = client.post(f"{PERSONAL}/entries", json=entry, headers={"X-API-Key": token})
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": refused.json()["detail"],
        "required_scope": "write:time_entries",
        "available_scopes": ["read:time_entries"],
    }
    assert client.get(f"{PERSONAL}/entries", headers=user["headers"]).json() == []


def test_seed_004_spellings_are_stored_in_seed_002s(client, user):
    created = create_token(client, user["headers"], scopes=["time_entry:read", "time_entry:delete", "time_entry:write"])
    assert created["scopes"] == ["read:time_entries", "write:time_entries"]
    entry = client.post(
        f"{PERSONAL}/entries",
        json={"start_time": "2024-01-22T07:00:00", "end_time": "2024-01-22T08:00:00"},
        headers=bearer(created["token"]),
    )
    assert entry.status_code == 201, entry.text
    deleted = client.delete(f"{PERSONAL}/entries/{entry.json()['id']}", headers=bearer(created["token"]))
    assert deleted.status_code == 204


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scopes": ["read:widgets"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"scopes": "read:*"}, "scopes"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"expires_in_days": 0}, "expires_in_days"),
        ({"expires_in_days": 3651}, "expires_in_days"),
        ({"workspace_id": 0}, "workspace_id"),
    ],
)
def test_invalid_creation_is_400_naming_the_field(client, user, body, field):
    response = client.post(TOKENS, json={"name": "x", "scopes": ["read:*"]} | body, headers=user["headers"])
    assert response.status_code == 400, response.text
    assert field in [issue["loc"][1] for issue in response.json()["detail"]]
    assert listed(client, user["headers"])[-1]["name"] != "x"


def test_a_token_for_another_user_needs_a_workspace(client, user, make_user):
    other = make_user("other@example.com")
    response = client.post(
        TOKENS, json={"name": "x", "scopes": ["read:*"], "user_id": other["user_id"]}, headers=user["headers"]
    )
    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"] == ["body", "workspace_id"]


def test_only_admin_all_credentials_create_and_revoke_tokens(client, user):
    """A narrow token cannot mint a credential that would outlive its own revocation."""
    reader = create_token(client, user["headers"], scopes=["read:*", "write:*"])
    refused = client.post(TOKENS, json={"name": "more", "scopes": ["read:tasks"]}, headers=bearer(reader["token"]))
    assert refused.status_code == 403
    assert refused.json()["required_scope"] == "admin:all"
    assert client.delete(f"{TOKENS}/{reader['id']}", headers=bearer(reader["token"])).status_code == 403
    assert [t["name"] for t in listed(client, bearer(reader["token"]))][-1] == "integration"


def test_a_token_never_holds_scopes_its_creator_lacks(services, user):
    creator = Principal(user["user_id"], frozenset({"admin:all"}))
    services.tokens.create(creator, name="ok", scopes_requested=["read:*", "write:users"])
    narrow = Principal(user["user_id"], frozenset({"read:projects", "read:tasks"}))
    services.tokens.create(narrow, name="narrower", scopes_requested=["read:tasks"])
    with pytest.raises(Forbidden, match="read:time_entries"):
        services.tokens.create(narrow, name="wider", scopes_requested=["read:*"])


# ---------------------------------------------------------------- expiry ---


def test_token_expires_after_its_days(client, user, clock):
    created = create_token(client, user["headers"], expires_in_days=1)
    assert created["expires_at"] == "2024-01-23T09:00:00+00:00"
    assert client.get(f"{PERSONAL}/entries", headers=bearer(created["token"])).status_code == 200
    clock.advance(days=1)
    expired = client.get(f"{PERSONAL}/entries", headers=bearer(created["token"]))
    assert expired.status_code == 401
    assert expired.headers["WWW-Authenticate"] == "Bearer"
    assert client.get(f"{PERSONAL}/entries", headers=user["headers"]).status_code == 200


# ------------------------------------------------------------ revocation ---


@pytest.fixture
def caching_client(aws, clock) -> Iterator[TestClient]:
    """The app with the deployed token cache time (30 s), as on Lambda."""
    runtime.reset()
    runtime.reset(runtime.build(Settings(token_cache_seconds=30), clock=clock))
    yield TestClient(build_app(), raise_server_exceptions=False)
    runtime.reset()


def test_revoked_token_stops_working_at_once_in_this_process(caching_client):
    services = runtime.services()
    owner = services.accounts.create_user("owner@example.com")
    admin = bearer(services.accounts.issue_token(owner).token)
    created = create_token(caching_client, admin)
    assert caching_client.get(f"{PERSONAL}/entries", headers=bearer(created["token"])).status_code == 200  # cached

    assert caching_client.delete(f"{TOKENS}/{created['id']}", headers=admin).status_code == 204
    assert caching_client.get(f"{PERSONAL}/entries", headers=bearer(created["token"])).status_code == 401
    assert created["id"] not in [t["id"] for t in listed(caching_client, admin)]
    assert caching_client.delete(f"{TOKENS}/{created['id']}", headers=admin).status_code == 404


def test_another_users_token_is_404_and_unlisted(client, user, make_user):
    other = make_user("other@example.com")
    theirs = create_token(client, other["headers"])
    assert theirs["id"] not in [t["id"] for t in listed(client, user["headers"])]
    assert client.delete(f"{TOKENS}/{theirs['id']}", headers=user["headers"]).status_code == 404
    assert client.delete(f"{TOKENS}/999999", headers=user["headers"]).status_code == 404
    assert client.get(f"{PERSONAL}/entries", headers=bearer(theirs["token"])).status_code == 200


# ------------------------------------------------------------------ usage ---


def test_usage_is_counted_and_written_at_most_once_a_minute(client, user, clock, monkeypatch):
    created = create_token(client, user["headers"], scopes=["read:users"])
    writes: list[int] = []
    directory = runtime.services().directory
    record_usage = directory.record_usage
    monkeypatch.setattr(
        directory,
        "record_usage",
        lambda token_id, uses, when: writes.append(uses) or record_usage(token_id, uses, when),
    )
    for _ in range(3):
        assert client.get(f"{PERSONAL}/settings", headers=bearer(created["token"])).status_code == 200
    assert writes == [1]  # the first use is written; the next two wait for the minute
    mine = listed(client, user["headers"])[-1]
    assert (mine["usage_count"], mine["last_used_at"]) == (1, "2024-01-22T09:00:00+00:00")

    clock.advance(seconds=59)
    client.get(f"{PERSONAL}/settings", headers=bearer(created["token"]))
    assert writes == [1]
    clock.advance(seconds=1)
    client.get(f"{PERSONAL}/settings", headers=bearer(created["token"]))
    assert writes == [1, 4]
    mine = listed(client, user["headers"])[-1]
    assert (mine["usage_count"], mine["last_used_at"]) == (5, "2024-01-22T09:01:00+00:00")


def test_a_throttled_usage_write_does_not_fail_the_request_and_is_written_later(client, user, clock):
    created = create_token(client, user["headers"], scopes=["read:users"])
    faults = DynamoFaults(runtime.services().dynamodb)
    faults.throttle(keyed("USAGE#"))
    try:
        assert client.get(f"{PERSONAL}/settings", headers=bearer(created["token"])).status_code == 200
        assert faults.failed == ["UpdateItem"]
    finally:
        faults.remove()
    clock.advance(seconds=60)
    client.get(f"{PERSONAL}/settings", headers=bearer(created["token"]))
    assert listed(client, user["headers"])[-1]["usage_count"] == 2  # the first use was kept for the next write


def test_management_and_demo_tokens_hold_every_scope(client, user, demo_user):
    assert [t["scopes"] for t in listed(client, user["headers"])] == [["*"]]
    assert [t["scopes"] for t in listed(client, demo_user["headers"])] == [["*"]]


# ------------------------------------------------- bound to a workspace ---


def test_workspace_bound_token_is_blind_to_every_other_workspace(client, team):
    token = create_token(client, team.member["headers"], scopes=["*"], workspace_id=team.acme)["token"]
    bound = bearer(token)
    assert [w["id"] for w in client.get(WORKSPACES, headers=bound).json()] == [team.acme]
    assert client.get(f"{WORKSPACES}/{team.acme}/projects", headers=bound).status_code == 200
    assert client.get(f"{WORKSPACES}/{team.globex}/projects", headers=team.member["headers"]).status_code == 200
    for path in ("projects", "members", "tasks", "contracts"):
        hidden = client.get(f"{WORKSPACES}/{team.globex}/{path}", headers=bound)
        assert hidden.status_code == 404, path
        assert hidden.json() == {"detail": f"Workspace {team.globex} not found"}  # as for an unknown one
    clock_in = client.get(
        "/time-tracking/active", params={"workspace_id": team.globex, "user_id": team.member["user_id"]}, headers=bound
    )
    assert clock_in.status_code == 404
    assert clock_in.json()["success"] is False
    assert client.post(WORKSPACES, json={"name": "Another"}, headers=bound).status_code == 403


def test_workspace_bound_token_has_no_personal_api_and_manages_no_tokens(client, team):
    """A member's personal entries, settings and stats are in no workspace (and a token a manager made
    for a member must not read them); nor are token lists."""
    bound = bearer(create_token(client, team.member["headers"], scopes=["*"], workspace_id=team.acme)["token"])
    for method, path in [
        ("GET", f"{PERSONAL}/entries"),
        ("GET", f"{PERSONAL}/sessions/active"),
        ("GET", f"{PERSONAL}/stats"),
        ("GET", f"{PERSONAL}/settings"),
        ("GET", TOKENS),
    ]:
        response = client.request(method, path, headers=bound)
        assert response.status_code == 403, path
        assert f"bound to workspace {team.acme}" in response.json()["detail"]
    assert client.post(TOKENS, json={"name": "x", "scopes": ["read:*"]}, headers=bound).status_code == 403


def test_a_token_bound_to_a_workspace_the_creator_is_not_in_is_404(client, team):
    response = client.post(
        TOKENS, json={"name": "x", "scopes": ["read:*"], "workspace_id": team.acme}, headers=team.outsider["headers"]
    )
    assert response.status_code == 404


# ------------------------------------------- managers, for their members ---


@pytest.mark.parametrize("maker", ["owner", "manager"])
def test_manager_creates_a_workspace_bound_token_for_a_member(client, team, maker):
    creator = getattr(team, maker)
    created = create_token(
        client,
        creator["headers"],
        name="Timesheet sync",
        scopes=["read:projects", "read:time_entries"],
        workspace_id=team.acme,
        user_id=team.member["user_id"],
    )
    assert (created["user_id"], created["workspace_id"], created["created_by"]) == (
        team.member["user_id"],
        team.acme,
        creator["user_id"],
    )
    bound = bearer(created["token"])
    assert client.get(f"{WORKSPACES}/{team.acme}/projects", headers=bound).status_code == 200
    active = client.get(
        "/time-tracking/active", params={"workspace_id": team.acme, "user_id": team.member["user_id"]}, headers=bound
    )
    assert active.status_code == 200, active.text  # acts as the member: their own clock-in
    assert client.get(f"{WORKSPACES}/{team.globex}/projects", headers=bound).status_code == 404

    assert created["id"] in [t["id"] for t in listed(client, creator["headers"])]
    assert created["id"] in [t["id"] for t in listed(client, team.member["headers"])]
    assert created["id"] not in [t["id"] for t in listed(client, team.outsider["headers"])]
    assert client.delete(f"{TOKENS}/{created['id']}", headers=team.member["headers"]).status_code == 204
    assert client.get(f"{WORKSPACES}/{team.acme}/projects", headers=bound).status_code == 401


def test_tokens_for_others_are_refused_to_members_and_for_non_members(client, team):
    def for_user(maker: dict[str, Any], user_id: int, workspace_id: int) -> int:
        body = {"name": "x", "scopes": ["read:*"], "workspace_id": workspace_id, "user_id": user_id}
        return client.post(TOKENS, json=body, headers=maker["headers"]).status_code

    assert for_user(team.member, team.manager["user_id"], team.acme) == 403  # a plain member
    assert for_user(team.owner, team.outsider["user_id"], team.acme) == 404  # not a member
    assert for_user(team.manager, team.member["user_id"], team.globex) == 404  # not the manager's workspace
    assert for_user(team.outsider, team.member["user_id"], team.acme) == 404
    assert [t["name"] for t in listed(client, team.outsider["headers"])] == ["cli"]


def test_no_token_is_made_for_an_invited_person_until_they_accept(client, team):
    invited = client.post(
        f"{WORKSPACES}/{team.acme}/members",
        json={"user_id": team.outsider["user_id"], "role": "member"},
        headers=team.owner["headers"],
    )
    assert invited.status_code == 201, invited.text
    for_them = {"name": "x", "scopes": ["read:*"], "workspace_id": team.acme, "user_id": team.outsider["user_id"]}
    for_themselves = {"name": "x", "scopes": ["read:*"], "workspace_id": team.acme}

    assert client.post(TOKENS, json=for_them, headers=team.owner["headers"]).status_code == 404
    assert client.post(TOKENS, json=for_themselves, headers=team.outsider["headers"]).status_code == 404
    assert [t["name"] for t in listed(client, team.outsider["headers"])] == ["cli"]
