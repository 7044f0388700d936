"""Nobody joins a workspace without saying yes: managers invite a user id or an
email, the invitee accepts or declines, and until then the invitee is no
member for anything. A removed member's clock-in stops and their contracts end."""

from __future__ import annotations

import json
from decimal import Decimal
from types import SimpleNamespace

import boto3
import pytest

from local import stack
from tests.conftest import join
from timetrack.errors import NotFound
from timetrack.workspaces import Role

API = "/api/v1/workspaces"
INVITATIONS = "/api/v1/invitations"
PERSONAL = "/api/v1/time-tracking"
CLOCK_IN = "/time-tracking"
NOON = "2024-01-22T09:00:00+00:00"  # the frozen clock's start


@pytest.fixture
def acme(client, services, make_user):
    """Workspace "Acme" of an owner, with an executive manager and a member who joined."""
    owner, manager, member = (make_user(f"{name}@example.com") for name in ("owner", "manager", "member"))
    ws = client.post(API, json={"name": "Acme"}, headers=owner["headers"]).json()["id"]
    join(services, ws, manager["user_id"], Role.EXECUTIVE_MANAGER, by=owner["user_id"])
    join(services, ws, member["user_id"], by=owner["user_id"])
    return SimpleNamespace(ws=ws, owner=owner, manager=manager, member=member)


def invite(client, acme, by: dict | None = None, **body):
    return client.post(f"{API}/{acme.ws}/members", json=body, headers=(by or acme.owner)["headers"])


def invitations(client, who: dict) -> list[dict]:
    response = client.get(INVITATIONS, headers=who["headers"])
    assert response.status_code == 200, response.text
    return response.json()


def members(client, acme) -> list[dict]:
    response = client.get(f"{API}/{acme.ws}/members", headers=acme.owner["headers"])
    assert response.status_code == 200, response.text
    return response.json()


def locs(response) -> list[list]:
    return [issue["loc"] for issue in response.json()["detail"]]


# -- inviting -------------------------------------------------------------------


def test_an_invitation_by_user_id_is_accepted_into_a_membership(client, acme, make_user, clock):
    ana = make_user("ana@example.com")

    invited = invite(client, acme, user_id=ana["user_id"], role="member")

    assert invited.status_code == 201, invited.text
    offer = {
        "workspace_id": acme.ws,
        "user_id": ana["user_id"],
        "email": None,
        "role": "member",
        "status": "invited",
        "joined_at": None,
        "invited_by": acme.owner["user_id"],
        "invited_at": NOON,
    }
    assert invited.json() == offer
    assert members(client, acme)[-1] == offer
    assert client.get(API, headers=ana["headers"]).json() == []
    assert invitations(client, ana) == [
        {
            "workspace_id": acme.ws,
            "workspace_name": "Acme",
            "role": "member",
            "invited_by": acme.owner["user_id"],
            "invited_at": NOON,
        }
    ]

    clock.advance(hours=2)
    accepted = client.post(f"{INVITATIONS}/{acme.ws}/accept", headers=ana["headers"])

    assert accepted.status_code == 200, accepted.text
    membership = offer | {
        "status": "active",
        "joined_at": "2024-01-22T11:00:00+00:00",
        "invited_by": None,
        "invited_at": None,
    }
    assert accepted.json() == membership
    assert invitations(client, ana) == []
    assert [(w["id"], w["role"]) for w in client.get(API, headers=ana["headers"]).json()] == [(acme.ws, "member")]
    assert membership in members(client, acme)
    assert [m["status"] for m in members(client, acme)] == ["active"] * 4


def test_the_answer_is_the_same_whether_or_not_the_user_or_email_exists(client, acme, make_user):
    known = make_user("known@example.com")

    by_known_id = invite(client, acme, user_id=known["user_id"], role="member")
    by_unknown_id = invite(client, acme, user_id=987654, role="member")
    by_known_email = invite(client, acme, email="known@example.com", role="member")
    by_unknown_email = invite(client, acme, email="nobody@example.com", role="member")

    assert {r.status_code for r in (by_known_id, by_unknown_id, by_known_email, by_unknown_email)} == {201}
    assert by_known_id.json() | {"user_id": 987654} == by_unknown_id.json()
    assert by_known_email.json() | {"email": "nobody@example.com"} == by_unknown_email.json()
    assert by_known_id.headers.keys() == by_unknown_id.headers.keys()


def test_an_email_invitation_waits_for_that_email_to_sign_up(client, acme, make_user):
    invited = invite(client, acme, email="  New.Person@Example.COM ", role="executive_manager")

    assert invited.status_code == 201, invited.text
    assert invited.json()["email"] == "new.person@example.com"
    assert invited.json()["user_id"] is None
    assert members(client, acme)[-1]["email"] == "new.person@example.com"

    newcomer = make_user("new.person@example.com")  # signs up afterwards
    assert [(i["workspace_id"], i["role"]) for i in invitations(client, newcomer)] == [(acme.ws, "executive_manager")]
    accepted = client.post(f"{INVITATIONS}/{acme.ws}/accept", headers=newcomer["headers"])

    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["user_id"] == newcomer["user_id"]
    assert accepted.json()["role"] == "executive_manager"
    assert (newcomer["user_id"], "active") in [(m["user_id"], m["status"]) for m in members(client, acme)]
    assert all(m["email"] is None for m in members(client, acme))  # the email invitation is gone


def test_declining_removes_the_invitation(client, acme, make_user):
    bea = make_user("bea@example.com")
    invite(client, acme, user_id=bea["user_id"], role="member")
    invite(client, acme, email="bea@example.com", role="member")

    declined = client.delete(f"{INVITATIONS}/{acme.ws}", headers=bea["headers"])

    assert declined.status_code == 204
    assert declined.content == b""
    assert invitations(client, bea) == []
    assert [m["status"] for m in members(client, acme)] == ["active"] * 3
    assert client.post(f"{INVITATIONS}/{acme.ws}/accept", headers=bea["headers"]).status_code == 404
    assert client.delete(f"{INVITATIONS}/{acme.ws}", headers=bea["headers"]).status_code == 404
    assert client.get(f"{API}/{acme.ws}/projects", headers=bea["headers"]).status_code == 404


def test_without_an_invitation_accept_and_decline_are_404(client, acme, make_user):
    stranger = make_user("stranger@example.com")

    for path in (f"{INVITATIONS}/{acme.ws}", f"{INVITATIONS}/987654"):
        accepted = client.post(f"{path}/accept", headers=stranger["headers"])
        declined = client.delete(path, headers=stranger["headers"])
        assert accepted.status_code == declined.status_code == 404, path
        assert isinstance(accepted.json()["detail"], str)
    assert client.get(API, headers=stranger["headers"]).json() == []
    assert client.get(INVITATIONS).status_code == 401


def test_the_invitation_to_the_user_id_wins_over_the_one_to_their_email(client, acme, make_user):
    cid = make_user("cid@example.com")
    invite(client, acme, email="cid@example.com", role="member")
    invite(client, acme, user_id=cid["user_id"], role="executive_manager")

    listed = invitations(client, cid)
    accepted = client.post(f"{INVITATIONS}/{acme.ws}/accept", headers=cid["headers"])

    assert [(i["workspace_id"], i["role"]) for i in listed] == [(acme.ws, "executive_manager")]
    assert accepted.json()["role"] == "executive_manager"
    assert invitations(client, cid) == []
    assert [m["status"] for m in members(client, acme)] == ["active"] * 4


# -- who may invite, and whom ----------------------------------------------------------


def test_only_managers_invite_and_only_owners_offer_owner(client, acme, make_user):
    dee = make_user("dee@example.com")

    by_member = invite(client, acme, by=acme.member, user_id=dee["user_id"], role="member")
    by_stranger = invite(client, acme, by=dee, user_id=dee["user_id"], role="member")
    owner_by_manager = invite(client, acme, by=acme.manager, user_id=dee["user_id"], role="owner")
    by_manager = invite(client, acme, by=acme.manager, user_id=dee["user_id"], role="member")

    assert by_member.status_code == 403
    assert by_stranger.status_code == 404
    assert owner_by_manager.status_code == 403
    assert by_manager.status_code == 201
    assert by_manager.json()["invited_by"] == acme.manager["user_id"]
    assert [i["role"] for i in invitations(client, dee)] == ["member"]


def test_a_member_cannot_be_invited_again_nor_an_invitation_repeated(client, acme, make_user):
    eve = make_user("eve@example.com")
    first = invite(client, acme, user_id=eve["user_id"], role="member")

    again = invite(client, acme, user_id=eve["user_id"], role="executive_manager")
    member = invite(client, acme, user_id=acme.member["user_id"], role="member")
    invite(client, acme, email="later@example.com", role="member")
    same_email = invite(client, acme, email="LATER@example.com", role="member")

    assert first.status_code == 201
    assert again.status_code == member.status_code == same_email.status_code == 409
    assert isinstance(again.json()["detail"], str)
    assert [i["role"] for i in invitations(client, eve)] == ["member"]  # the first offer stands


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "member"}, "user_id"),
        ({"user_id": 5, "email": "a@example.com", "role": "member"}, "email"),
        ({"email": "not-an-email", "role": "member"}, "email"),
        ({"email": "a@example.com", "role": "admin"}, "role"),
    ],
)
def test_an_invitation_needs_exactly_one_of_user_id_and_email(client, acme, body, field):
    response = invite(client, acme, **body)

    assert response.status_code == 400, response.text
    assert locs(response) == [["body", field]]
    assert [m["status"] for m in members(client, acme)] == ["active"] * 3


# -- an invitee is no member -------------------------------------------------------------


def test_an_invited_person_is_no_member_for_anything(client, acme, make_user):
    fay = make_user("fay@example.com")
    invite(client, acme, user_id=fay["user_id"], role="executive_manager")
    project = client.post(f"{API}/{acme.ws}/projects", json={"name": "Web"}, headers=acme.owner["headers"]).json()
    member_contract = client.post(
        f"{API}/{acme.ws}/contracts",
        json={"user_id": acme.member["user_id"], "project_id": project["id"], "hourly_rate": 50},
        headers=acme.owner["headers"],
    ).json()

    contract = client.post(
        f"{API}/{acme.ws}/contracts",
        json={"user_id": fay["user_id"], "project_id": project["id"], "hourly_rate": 50},
        headers=acme.owner["headers"],
    )
    clocked = client.post(
        f"{CLOCK_IN}/start",
        json={"workspace_id": acme.ws, "user_id": fay["user_id"], "contract_id": member_contract["id"]},
        headers=acme.owner["headers"],
    )
    own_clock_in = client.post(
        f"{CLOCK_IN}/start",
        json={"workspace_id": acme.ws, "user_id": fay["user_id"], "contract_id": member_contract["id"]},
        headers=fay["headers"],
    )
    manage = client.post(f"{API}/{acme.ws}/projects", json={"name": "Mine"}, headers=fay["headers"])
    role_change = client.patch(
        f"{API}/{acme.ws}/members/{fay['user_id']}", json={"role": "member"}, headers=acme.owner["headers"]
    )

    assert contract.status_code == 404
    assert clocked.status_code == 404
    assert clocked.json()["success"] is False
    assert own_clock_in.status_code == 404
    assert manage.status_code == 404
    assert role_change.status_code == 404
    assert client.get(f"{PERSONAL}/sessions/active", headers=fay["headers"]).json() is None
    assert [(m["user_id"], m["status"]) for m in members(client, acme)][-1] == (fay["user_id"], "invited")

    # accepting makes the role effective
    assert client.post(f"{INVITATIONS}/{acme.ws}/accept", headers=fay["headers"]).status_code == 200
    assert client.post(f"{API}/{acme.ws}/projects", json={"name": "Mine"}, headers=fay["headers"]).status_code == 201


def test_a_strangers_invitation_does_nothing_until_accepted(client, make_user):
    victim, stranger = make_user("victim@example.com"), make_user("stranger@example.com")
    ws = client.post(API, json={"name": "Trap"}, headers=stranger["headers"]).json()["id"]
    project = client.post(f"{API}/{ws}/projects", json={"name": "P"}, headers=stranger["headers"]).json()
    own = client.post(
        f"{API}/{ws}/contracts",
        json={"user_id": stranger["user_id"], "project_id": project["id"], "hourly_rate": 1},
        headers=stranger["headers"],
    ).json()
    assert (
        client.post(
            f"{API}/{ws}/members", json={"user_id": victim["user_id"], "role": "member"}, headers=stranger["headers"]
        ).status_code
        == 201
    )

    contract = client.post(
        f"{API}/{ws}/contracts",
        json={"user_id": victim["user_id"], "project_id": project["id"], "hourly_rate": 1},
        headers=stranger["headers"],
    )
    clocked = client.post(
        f"{CLOCK_IN}/start",
        json={"workspace_id": ws, "user_id": victim["user_id"], "contract_id": own["id"]},
        headers=stranger["headers"],
    )
    timer = client.post(f"{PERSONAL}/sessions/start", json={"notes": "mine"}, headers=victim["headers"])

    assert contract.status_code == 404
    assert clocked.status_code == 404
    assert timer.status_code == 201, timer.text
    assert client.get(f"{PERSONAL}/sessions/active", headers=victim["headers"]).json()["notes"] == "mine"
    assert client.get(API, headers=victim["headers"]).json() == []


def test_accepting_an_invitation_as_owner_adds_an_owner(client, acme, make_user):
    gil = make_user("gil@example.com")
    assert invite(client, acme, user_id=gil["user_id"], role="owner").status_code == 201
    me = f"{API}/{acme.ws}/members/{acme.owner['user_id']}"
    assert client.delete(me, headers=acme.owner["headers"]).status_code == 409  # still the last owner

    accepted = client.post(f"{INVITATIONS}/{acme.ws}/accept", headers=gil["headers"])

    assert accepted.json()["role"] == "owner"
    assert client.delete(me, headers=acme.owner["headers"]).status_code == 204
    assert [w["role"] for w in client.get(API, headers=gil["headers"]).json()] == ["owner"]


# -- revoking ---------------------------------------------------------------------------


def test_managers_revoke_invitations_by_user_id_and_by_email(client, acme, make_user):
    hal = make_user("hal@example.com")
    invite(client, acme, user_id=hal["user_id"], role="member")
    invite(client, acme, email="ivy@example.com", role="member")
    invite(client, acme, email="boss@example.com", role="owner")
    by_email = f"{API}/{acme.ws}/members"

    by_member = client.delete(f"{API}/{acme.ws}/members/{hal['user_id']}", headers=acme.member["headers"])
    owner_offer_by_manager = client.delete(
        by_email, params={"email": "boss@example.com"}, headers=acme.manager["headers"]
    )
    revoked = client.delete(f"{API}/{acme.ws}/members/{hal['user_id']}", headers=acme.manager["headers"])
    revoked_email = client.delete(by_email, params={"email": " IVY@example.com"}, headers=acme.manager["headers"])
    again = client.delete(by_email, params={"email": "ivy@example.com"}, headers=acme.manager["headers"])
    malformed = client.delete(by_email, params={"email": "ivy"}, headers=acme.manager["headers"])
    missing = client.delete(by_email, headers=acme.manager["headers"])

    assert by_member.status_code == 403
    assert owner_offer_by_manager.status_code == 403
    assert revoked.status_code == revoked_email.status_code == 204
    assert again.status_code == 404
    assert malformed.status_code == missing.status_code == 400
    assert locs(malformed) == locs(missing) == [["query", "email"]]
    assert invitations(client, hal) == []
    assert client.post(f"{INVITATIONS}/{acme.ws}/accept", headers=hal["headers"]).status_code == 404
    assert [m["email"] for m in members(client, acme) if m["status"] == "invited"] == ["boss@example.com"]


# -- removal ----------------------------------------------------------------------------


def _queued_types(services) -> list[str]:
    sqs = boto3.client("sqs", region_name=stack.REGION)
    messages = sqs.receive_message(QueueUrl=services.config.clock_in_queue_url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"])["type"] for m in messages.get("Messages", [])]


@pytest.mark.parametrize("removed_by", ["manager", "member"])
def test_removal_stops_the_running_clock_in_and_ends_the_contracts(client, services, acme, clock, removed_by):
    owner, member = acme.owner, acme.member
    project = client.post(f"{API}/{acme.ws}/projects", json={"name": "P"}, headers=owner["headers"]).json()
    contracts = [
        client.post(
            f"{API}/{acme.ws}/contracts",
            json={"user_id": who["user_id"], "project_id": project["id"], "hourly_rate": 40},
            headers=owner["headers"],
        ).json()
        for who in (member, member, acme.manager)
    ]
    started = client.post(
        f"{CLOCK_IN}/start",
        json={"workspace_id": acme.ws, "user_id": member["user_id"], "contract_id": contracts[0]["id"]},
        headers=owner["headers"],
    )
    assert started.status_code == 200, started.text
    clock.advance(minutes=45)

    who = acme.manager if removed_by == "manager" else member
    removed = client.delete(f"{API}/{acme.ws}/members/{member['user_id']}", headers=who["headers"])

    assert removed.status_code == 204, removed.text
    assert client.get(f"{PERSONAL}/sessions/active", headers=member["headers"]).json() is None
    [entry] = client.get(f"{PERSONAL}/entries", headers=member["headers"]).json()
    assert (entry["start_time"], entry["end_time"]) == (NOON, "2024-01-22T09:45:00+00:00")
    assert _queued_types(services) == ["clock_in.started", "clock_in.stopped"]
    ended = [client.get(f"{API}/{acme.ws}/contracts/{c['id']}", headers=owner["headers"]).json() for c in contracts]
    assert [(c["active"], c["ended_at"]) for c in ended] == [
        (False, "2024-01-22T09:45:00+00:00"),
        (False, "2024-01-22T09:45:00+00:00"),
        (True, None),  # another member's
    ]


def test_removal_leaves_a_clock_in_of_another_workspace_running(client, services, acme, make_user):
    member = acme.member
    other = client.post(API, json={"name": "Other"}, headers=acme.manager["headers"]).json()["id"]
    join(services, other, member["user_id"], by=acme.manager["user_id"])
    project = client.post(f"{API}/{other}/projects", json={"name": "P"}, headers=acme.manager["headers"]).json()
    contract = client.post(
        f"{API}/{other}/contracts",
        json={"user_id": member["user_id"], "project_id": project["id"], "hourly_rate": 40},
        headers=acme.manager["headers"],
    ).json()
    started = client.post(
        f"{CLOCK_IN}/start",
        json={"workspace_id": other, "user_id": member["user_id"], "contract_id": contract["id"]},
        headers=member["headers"],
    )
    assert started.status_code == 200, started.text

    removed = client.delete(f"{API}/{acme.ws}/members/{member['user_id']}", headers=acme.owner["headers"])

    assert removed.status_code == 204
    assert client.get(f"{PERSONAL}/sessions/active", headers=member["headers"]).json()["end_time"] is None
    got = client.get(f"{API}/{other}/contracts/{contract['id']}", headers=member["headers"])
    assert got.json()["active"] is True


def test_a_member_removed_while_being_clocked_in_is_left_with_no_timer(services, monkeypatch):
    """The removal lands between the clock-in's checks and its write: the write's
    own membership check refuses it (404 as for a non-member), so no timer runs
    that the removal could not see and stop."""
    owner = services.accounts.create_user("owner@example.com")
    member = services.accounts.create_user("member@example.com")
    workspace, _ = services.workspaces.create(owner, "Acme")
    project = services.workspaces.create_project(owner, workspace.id, "Website", Decimal("80"))
    join(services, workspace.id, member, by=owner)
    contract = services.workspaces.create_contract(owner, workspace.id, member, project.id, Decimal("60"))
    read_contract = services.workspaces.find_contract

    def removed_meanwhile(workspace_id: int, contract_id: int):
        found = read_contract(workspace_id, contract_id)  # read while the member still is one
        services.workspaces.remove_member(owner, workspace_id, member)
        return found

    monkeypatch.setattr(services.workspaces, "find_contract", removed_meanwhile)
    with pytest.raises(NotFound):
        services.clock_ins.start(owner, workspace_id=workspace.id, user_id=member, contract_id=contract.id)
    assert services.entries.active(services.entries.caller(member)) is None
