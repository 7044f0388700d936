"""The organization time-entries API of seed 004 over HTTP: every route and
status, the permission matrix, the list's filters, sorts and pages, and the
same entries through the personal API. The rules themselves are the core's
(tests/test_workspace_entries_service.py); here is what this API makes of them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import join
from tests.test_auth import jwks_server, mint, oidc_app, signing_key  # noqa: F401  (JWT fixtures)
from tests.test_rate_limits import limited
from timetrack.scopes import parse
from timetrack.services import org_time_entries
from timetrack.workspaces import Role

PERSONAL = "/api/v1/time-tracking"
ENTRY_FIELDS = {
    "id",
    "task_id",
    "user_id",
    "start_time",
    "end_time",
    "duration_minutes",
    "description",
    "created_at",
    "updated_at",
    "task",
    "user",
}


def base(org_id: int) -> str:
    return f"/api/v1/organizations/{org_id}/taskodex/time-entries"


class Org:
    """Olga owns the organization, Max is its executive manager, Mia a member;
    Otto is outside. The Website project has the tasks Landing page and Checkout."""

    def __init__(self, services, client, make_user) -> None:
        self.services, self.client = services, client
        self.olga, self.max, self.mia, self.otto = (
            make_user(email)
            for email in ("olga.owner@example.com", "max.manager@example.com", "mia.member@example.com", "otto@x.io")
        )
        workspaces = services.workspaces
        workspace, _ = workspaces.create(self.olga["user_id"], "Studio")
        self.id = workspace.id
        join(services, self.id, self.mia["user_id"], by=self.olga["user_id"])
        join(services, self.id, self.max["user_id"], Role.EXECUTIVE_MANAGER, by=self.olga["user_id"])
        project = workspaces.create_project(self.olga["user_id"], self.id, "Website", None)
        self.landing = workspaces.create_task(self.olga["user_id"], self.id, project.id, "Landing page").id
        self.checkout = workspaces.create_task(self.olga["user_id"], self.id, project.id, "Checkout").id
        self.url = base(self.id)

    def request(self, who: dict, method: str, path: str = "", *, headers: dict | None = None, **kwargs: Any):
        return self.client.request(method, self.url + path, headers=who["headers"] | (headers or {}), **kwargs)

    def create(self, who: dict, start: str, end: str | None = None, task: int | None = None, **fields: Any) -> dict:
        body = {"task_id": str(task or self.landing), "start_time": start, **fields}
        if end is not None:
            body["end_time"] = end
        response = self.request(who, "POST", json=body)
        assert response.status_code == 201, response.text
        return response.json()

    def listed(self, who: dict, **params: Any) -> dict:
        response = self.request(who, "GET", params=params)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def org(services, client, make_user, clock) -> Org:
    clock.set("2024-01-15T18:00:00+00:00")
    return Org(services, client, make_user)


def ids(listing: dict) -> list[str]:
    return [entry["id"] for entry in listing["time_entries"]]


def assert_message(response, status: int, message: str | None = None) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"message"}, body
    assert isinstance(body["message"], str)
    assert "Traceback" not in body["message"]
    if message is not None:
        assert body["message"] == message
    return body["message"]


# ------------------------------------------------------------- create ---


def test_create_answers_201_with_the_entry_its_task_and_its_person(org):
    response = org.request(
        org.mia,
        "POST",
        json={
            "task_id": str(org.landing),
            "start_time": "2024-01-15T09:00:00Z",
            "end_time": "2024-01-15T10:30:00Z",
            "description": "Hero section",
        },
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == ENTRY_FIELDS
    assert isinstance(body["id"], str)
    assert body["id"].isdigit()
    assert body == {
        "id": body["id"],
        "task_id": str(org.landing),
        "user_id": str(org.mia["user_id"]),
        "start_time": "2024-01-15T09:00:00Z",
        "end_time": "2024-01-15T10:30:00Z",
        "duration_minutes": 90.0,
        "description": "Hero section",
        "created_at": "2024-01-15T18:00:00Z",
        "updated_at": "2024-01-15T18:00:00Z",
        "task": {"id": str(org.landing), "title": "Landing page", "status": "todo"},
        "user": {
            "id": str(org.mia["user_id"]),
            "email": "mia.member@example.com",
            "first_name": "Mia",
            "last_name": "Member",
        },
    }


def test_the_seed_example_body_with_every_field_is_accepted(org):
    body = org.create(
        org.mia, "2024-01-15T09:00:00Z", "2024-01-15T09:45:00Z", duration_minutes=45, description="Standup"
    )
    assert (body["duration_minutes"], body["description"]) == (45.0, "Standup")


def test_naive_times_are_the_owners_time_zone(org, client):
    client.put(f"{PERSONAL}/settings", json={"timezone": "Europe/Berlin"}, headers=org.mia["headers"])
    body = org.create(org.mia, "2024-01-15T10:00:00", "2024-01-15T11:00:00")
    assert (body["start_time"], body["end_time"]) == ("2024-01-15T09:00:00Z", "2024-01-15T10:00:00Z")


def test_a_duration_alone_sets_the_end_in_elapsed_minutes_across_a_dst_change(org, client, clock):
    client.put(f"{PERSONAL}/settings", json={"timezone": "Europe/Berlin"}, headers=org.mia["headers"])
    clock.set("2024-04-01T12:00:00+00:00")
    # 01:30 CET is 00:30 UTC; an hour later the clocks read 03:30 CEST.
    body = org.create(org.mia, "2024-03-31T01:30:00", duration_minutes=60)
    assert (body["start_time"], body["end_time"], body["duration_minutes"]) == (
        "2024-03-31T00:30:00Z",
        "2024-03-31T01:30:00Z",
        60.0,
    )
    assert org.create(org.mia, "2024-01-15T09:00:00Z", duration_minutes=0.5)["end_time"] == "2024-01-15T09:00:30Z"


@pytest.mark.parametrize(("end", "accepted"), [("10:31:00", True), ("10:29:00", True), ("10:31:01", False)])
def test_a_duration_with_an_end_must_agree_within_a_minute(org, end, accepted):
    body = {"task_id": str(org.landing), "start_time": "2024-01-15T09:00:00Z", "duration_minutes": 90}
    response = org.request(org.mia, "POST", json=body | {"end_time": f"2024-01-15T{end}Z"})
    if accepted:
        assert response.status_code == 201, response.text
        assert response.json()["end_time"] == f"2024-01-15T{end}Z"  # the end given wins
    else:
        message = assert_message(response, 400)
        assert message.startswith("duration_minutes: must agree with end_time - start_time (91.0166")


def test_an_end_before_the_start_is_400(org):
    response = org.request(
        org.mia,
        "POST",
        json={"task_id": str(org.landing), "start_time": "2024-01-15T09:00:00Z", "end_time": "2024-01-15T08:59:00Z"},
    )
    assert_message(response, 400, "end_time: must not be before start_time")


def test_without_end_or_duration_the_entry_is_the_running_timer_with_explicit_nulls(org):
    body = org.create(org.mia, "2024-01-15T17:30:00Z")
    assert body["end_time"] is None
    assert body["duration_minutes"] is None
    running = org.request(org.mia, "GET", "/running")
    assert running.status_code == 200
    assert [entry["id"] for entry in running.json()] == [body["id"]]
    assert running.json()[0]["end_time"] is None
    assert running.json()[0]["duration_minutes"] is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"start_time": "2024-01-15T09:00:00Z"}, "task_id: Field required"),
        ({"task_id": "1"}, "start_time: Field required"),
        (
            {"task_id": 7, "start_time": "2024-01-15T09:00:00Z"},
            "task_id: Input should be an id: a string of 1 to 16 digits",
        ),
        (
            {"task_id": "abc", "start_time": "2024-01-15T09:00:00Z"},
            "task_id: Input should be an id: a string of 1 to 16 digits",
        ),
        ({"task_id": "1", "start_time": "yesterday"}, "start_time: Input should be ISO 8601 text"),
        ({"task_id": "1", "start_time": "2024-01-15T09:00:00Z", "duration_minutes": -1}, None),
        ({"task_id": "1", "start_time": "2024-01-15T09:00:00Z", "duration_minutes": "90"}, None),
        ({"task_id": "1", "start_time": "2024-01-15T09:00:00Z", "description": "x" * 2001}, None),
    ],
)
def test_invalid_bodies_are_400_naming_the_field(org, body, message):
    response = org.request(org.mia, "POST", json=body)
    text = assert_message(response, 400, message)
    assert text.split(":")[0] in {"task_id", "start_time", "duration_minutes", "description"}


def test_malformed_json_is_400(org):
    response = org.request(org.mia, "POST", content=b'{"task_id": ', headers={"Content-Type": "application/json"})
    assert assert_message(response, 400).startswith("Invalid JSON body")


@pytest.mark.parametrize("route", ["", "/start"])
def test_an_unknown_task_or_one_of_another_organization_is_404(org, route, services):
    other, _ = services.workspaces.create(org.otto["user_id"], "Elsewhere")
    project = services.workspaces.create_project(org.otto["user_id"], other.id, "Other", None)
    foreign = services.workspaces.create_task(org.otto["user_id"], other.id, project.id, "Foreign").id
    for task_id in ("999999", str(foreign)):
        response = org.request(org.mia, "POST", route, json={"task_id": task_id, "start_time": "2024-01-15T09:00:00Z"})
        assert_message(response, 404, "Task not found")


# ------------------------------------------------------------- timers ---


def test_start_running_stop(org, clock):
    started = org.request(org.mia, "POST", "/start", json={"task_id": str(org.landing), "description": "Copy"})
    assert started.status_code == 200, started.text
    entry = started.json()
    assert set(entry) == ENTRY_FIELDS
    assert (entry["start_time"], entry["end_time"], entry["duration_minutes"]) == ("2024-01-15T18:00:00Z", None, None)
    assert entry["description"] == "Copy"
    assert [e["id"] for e in org.request(org.mia, "GET", "/running").json()] == [entry["id"]]

    clock.advance(minutes=25)
    other_task = org.request(org.mia, "POST", "/stop", json={"task_id": str(org.checkout)})
    assert_message(other_task, 404, "No running timer found for this task")
    stopped = org.request(org.mia, "POST", "/stop", json={"task_id": str(org.landing)})
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["id"] == entry["id"]
    assert (stopped.json()["end_time"], stopped.json()["duration_minutes"]) == ("2024-01-15T18:25:00Z", 25.0)

    assert org.request(org.mia, "GET", "/running").json() == []
    assert_message(org.request(org.mia, "POST", "/stop", json={"task_id": str(org.landing)}), 404)


def test_one_running_timer_across_every_api_names_the_running_task(org, client):
    org.request(org.mia, "POST", "/start", json={"task_id": str(org.landing)})
    for route, body in (("/start", {}), ("", {"start_time": "2024-01-15T17:00:00Z"})):
        refused = org.request(org.mia, "POST", route, json={"task_id": str(org.checkout)} | body)
        assert_message(refused, 409, f'You already have a running timer for task "Landing page" ({org.landing})')

    # A timer started elsewhere (the personal API: on no task) blocks too, and is not this organization's.
    personal = client.post(f"{PERSONAL}/sessions/start", headers=org.max["headers"]).json()
    refused = org.request(org.max, "POST", "/start", json={"task_id": str(org.landing)})
    assert_message(refused, 409, f"You already have a running timer (time entry {personal['id']}, on no task)")
    assert org.request(org.max, "GET", "/running").json() == []


def test_stop_body_needs_the_task(org):
    assert_message(org.request(org.mia, "POST", "/stop", json={}), 400, "task_id: Field required")


# ------------------------------------------------- get, replace, delete ---


def test_get_replace_and_delete(org):
    entry = org.create(org.mia, "2024-01-15T09:00:00Z", "2024-01-15T10:00:00Z", description="Draft")
    path = f"/{entry['id']}"
    assert org.request(org.mia, "GET", path).json() == entry

    replaced = org.request(
        org.mia,
        "PUT",
        path,
        json={"task_id": str(org.checkout), "start_time": "2024-01-15T11:00:00Z", "duration_minutes": 30},
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    assert (body["task_id"], body["task"]["title"]) == (str(org.checkout), "Checkout")
    assert (body["start_time"], body["end_time"], body["duration_minutes"]) == (
        "2024-01-15T11:00:00Z",
        "2024-01-15T11:30:00Z",
        30.0,
    )
    assert body["description"] == ""  # left out of the replacement: gone
    assert (body["created_at"], body["id"]) == (entry["created_at"], entry["id"])

    assert org.request(org.mia, "DELETE", path).status_code == 204
    assert_message(org.request(org.mia, "GET", path), 404, f"Time entry {entry['id']} not found")
    assert_message(org.request(org.mia, "DELETE", path), 404)
    assert_message(
        org.request(org.mia, "PUT", path, json={"task_id": str(org.landing), "start_time": "2024-01-15T09:00:00Z"}), 404
    )


def test_a_replacement_without_an_end_makes_the_entry_run(org):
    entry = org.create(org.mia, "2024-01-15T17:00:00Z", "2024-01-15T17:10:00Z")
    body = {"task_id": str(org.landing), "start_time": "2024-01-15T17:00:00Z"}
    running = org.request(org.mia, "PUT", f"/{entry['id']}", json=body)
    assert running.status_code == 200, running.text
    assert running.json()["end_time"] is None
    other = org.create(org.mia, "2024-01-15T15:00:00Z", "2024-01-15T16:00:00Z")
    assert_message(org.request(org.mia, "PUT", f"/{other['id']}", json=body), 409)


def test_a_replacement_with_an_unknown_task_is_404_and_changes_nothing(org):
    entry = org.create(org.mia, "2024-01-15T09:00:00Z", "2024-01-15T10:00:00Z")
    response = org.request(
        org.mia, "PUT", f"/{entry['id']}", json={"task_id": "999999", "start_time": "2024-01-15T09:00:00Z"}
    )
    assert_message(response, 404, "Task not found")
    assert org.request(org.mia, "GET", f"/{entry['id']}").json() == entry


# ------------------------------------------------------- permissions ---


def test_managers_see_and_manage_every_entry_members_only_their_own(org):
    mias = org.create(org.mia, "2024-01-15T09:00:00Z", "2024-01-15T10:00:00Z")
    maxs = org.create(org.max, "2024-01-15T11:00:00Z", "2024-01-15T12:00:00Z")

    for manager in (org.olga, org.max):
        assert set(ids(org.listed(manager))) == {mias["id"], maxs["id"]}
        assert org.request(manager, "GET", f"/{mias['id']}").status_code == 200
        assert ids(org.listed(manager, user_id=str(org.mia["user_id"]))) == [mias["id"]]
    assert ids(org.listed(org.mia)) == [mias["id"]]
    assert ids(org.listed(org.mia, user_id=str(org.mia["user_id"]))) == [mias["id"]]
    refused = org.request(org.mia, "GET", params={"user_id": str(org.max["user_id"])})
    assert_message(refused, 403, "Only owners and executive managers see other members' entries")
    for method, body in (
        ("GET", None),
        ("PUT", {"task_id": str(org.landing), "start_time": "2024-01-15T11:00:00Z"}),
        ("DELETE", None),
    ):
        assert_message(org.request(org.mia, method, f"/{maxs['id']}", json=body), 404)

    edited = org.request(
        org.max,
        "PUT",
        f"/{mias['id']}",
        json={"task_id": str(org.landing), "start_time": "2024-01-15T08:00:00Z", "duration_minutes": 15},
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["user"]["id"] == str(org.mia["user_id"])  # still Mia's
    assert org.request(org.olga, "DELETE", f"/{mias['id']}").status_code == 204


def every_route(org: Org, entry_id: str) -> list[tuple[str, str, dict | None]]:
    body = {"task_id": str(org.landing), "start_time": "2024-01-15T09:00:00Z", "end_time": "2024-01-15T10:00:00Z"}
    return [
        ("POST", "", body),
        ("GET", "", None),
        ("POST", "/start", {"task_id": str(org.landing)}),
        ("POST", "/stop", {"task_id": str(org.landing)}),
        ("GET", "/running", None),
        ("GET", "/aggregate", None),
        ("GET", f"/{entry_id}", None),
        ("PUT", f"/{entry_id}", body),
        ("DELETE", f"/{entry_id}", None),
    ]


def test_outside_the_organization_everything_is_404(org, services):
    entry = org.create(org.mia, "2024-01-15T09:00:00Z", "2024-01-15T10:00:00Z")
    bound_elsewhere, _ = services.workspaces.create(org.mia["user_id"], "Side project")
    bound = services.tokens.issue(org.mia["user_id"], name="side", workspace_id=bound_elsewhere.id).token
    for who in (org.otto, {"headers": {"Authorization": f"Bearer {bound}"}}):
        for method, path, body in every_route(org, entry["id"]):
            assert_message(org.request(who, method, path, json=body), 404, f"Workspace {org.id} not found")
    assert org.request(org.mia, "GET", f"/{entry['id']}").status_code == 200  # untouched


@pytest.mark.parametrize(
    ("held", "refused_methods", "named"),
    [
        pytest.param(("time_entry:write", "time_entry:delete"), {"GET"}, "time_entry:read", id="no read"),
        pytest.param(("time_entry:read",), {"POST", "PUT", "DELETE"}, None, id="no write, no delete"),
    ],
)
def test_each_missing_permission_is_403_naming_it(org, services, held, refused_methods, named):
    entry = org.create(org.mia, "2024-01-15T09:00:00Z", "2024-01-15T10:00:00Z")
    token = services.tokens.issue(org.mia["user_id"], name="narrow", granted=parse(held)).token
    who = {"headers": {"Authorization": f"Bearer {token}"}}
    for method, path, body in every_route(org, entry["id"]):
        response = org.request(who, method, path, json=body)
        if method not in refused_methods:
            assert response.status_code != 403, f"{method} {path}: {response.text}"
            continue
        needed = named or ("time_entry:delete" if method == "DELETE" else "time_entry:write")
        have = ", ".join(sorted({"time_entry:write" if "write" in h or "delete" in h else h for h in held}))
        message = f"This endpoint requires the {needed} permission; the credential has: {have}"
        assert_message(response, 403, message)


def test_time_entry_delete_in_either_spelling_deletes(org, services):
    for spelling in ("time_entry:delete", "write:time_entries"):
        entry = org.create(org.mia, "2024-01-15T09:00:00Z", "2024-01-15T10:00:00Z")
        token = services.tokens.issue(org.mia["user_id"], name=spelling, granted=parse([spelling])).token
        deleted = org.client.delete(f"{org.url}/{entry['id']}", headers={"X-API-Key": token})
        assert deleted.status_code == 204


def test_a_jwt_permissions_claim_is_the_seeds_permissions(oidc_app, mint, services, clock):  # noqa: F811
    client = oidc_app()
    owner = services.accounts.create_user("owner@example.com")
    workspace, _ = services.workspaces.create(owner, "Studio")
    reader = {"Authorization": f"Bearer {mint('reader-sub', permissions=['time_entry:read'])}"}
    assert client.get("/api/v1/time-tracking/settings", headers=reader).status_code == 403  # only what it names
    reader_id = services.directory.user_id_for_subject("https://issuer.test", "reader-sub")
    services.workspaces.invite(owner, workspace.id, Role.MEMBER, user_id=reader_id)
    services.workspaces.accept(reader_id, workspace.id)
    assert client.get(base(workspace.id), headers=reader).status_code == 200
    refused = client.post(f"{base(workspace.id)}/start", json={"task_id": "1"}, headers=reader)
    assert_message(
        refused, 403, "This endpoint requires the time_entry:write permission; the credential has: time_entry:read"
    )


# --------------------------------------------------------------- list ---


@pytest.fixture
def week(org, clock) -> dict[str, dict]:
    """Five finished entries of Mia and Max on two tasks and Mia's running timer,
    created a minute apart in this order; then Monday's is edited (updated last)."""
    made: dict[str, dict] = {}
    for day, who, start, end, task in (
        ("mon", org.mia, "2024-01-08T09:00:00Z", "2024-01-08T17:00:00Z", org.landing),
        ("tue", org.max, "2024-01-09T09:00:00Z", "2024-01-09T09:30:00Z", org.checkout),
        ("wed", org.mia, "2024-01-10T08:00:00Z", "2024-01-11T02:00:00Z", org.checkout),  # ends after Thursday's
        ("thu", org.max, "2024-01-11T00:00:00Z", "2024-01-11T01:00:00Z", org.landing),
        ("fri", org.mia, "2024-01-12T12:00:00Z", "2024-01-12T12:05:00Z", org.landing),
        ("now", org.mia, "2024-01-15T18:00:00Z", None, org.landing),
    ):
        made[day] = org.create(who, start, end, task=task)
        clock.advance(minutes=1)
    monday = made["mon"]
    body = {"task_id": str(org.landing), "start_time": monday["start_time"], "end_time": monday["end_time"]}
    made["mon"] = org.request(org.mia, "PUT", f"/{monday['id']}", json=body | {"description": "edited"}).json()
    return made


def days(listing: dict, week: dict) -> list[str]:
    by_id = {entry["id"]: day for day, entry in week.items()}
    return [by_id[entry_id] for entry_id in ids(listing)]


def test_list_defaults_newest_start_first_with_pagination(org, week):
    listing = org.listed(org.olga)
    assert days(listing, week) == ["now", "fri", "thu", "wed", "tue", "mon"]
    assert listing["pagination"] == {"total": 6, "page": 1, "page_size": 20, "total_pages": 1}
    assert all(set(entry) == ENTRY_FIELDS for entry in listing["time_entries"])
    people = {entry["user"]["first_name"] for entry in listing["time_entries"]}
    assert people == {"Mia", "Max"}
    assert {entry["task"]["title"] for entry in listing["time_entries"]} == {"Landing page", "Checkout"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"task_id": "checkout"}, ["wed", "tue"]),
        ({"user_id": "max"}, ["thu", "tue"]),
        ({"user_id": "max", "task_id": "landing"}, ["thu"]),
        ({"is_running": "true"}, ["now"]),
        ({"is_running": "false"}, ["fri", "thu", "wed", "tue", "mon"]),
        ({"start_after": "2024-01-10T08:00:00Z"}, ["now", "fri", "thu", "wed"]),  # at or after
        ({"start_before": "2024-01-10T08:00:00Z"}, ["tue", "mon"]),  # strictly before
        ({"start_after": "2024-01-09", "start_before": "2024-01-11"}, ["wed", "tue"]),  # dates: their midnight
        ({"start_after": "2024-01-11T01:00:00+01:00"}, ["now", "fri", "thu"]),  # 00:00 UTC
        ({"start_after": "2024-01-16"}, []),
    ],
)
def test_list_filters(org, week, params, expected):
    named = {"checkout": org.checkout, "landing": org.landing, "max": org.max["user_id"]}
    query = {name: str(named.get(value, value)) for name, value in params.items()}
    assert days(org.listed(org.olga, **query), week) == expected


def test_date_filters_are_the_callers_days(org, week, client):
    client.put(f"{PERSONAL}/settings", json={"timezone": "America/New_York"}, headers=org.olga["headers"])
    # The 10th in New York is 05:00 UTC on the 10th to 05:00 UTC on the 11th.
    assert days(org.listed(org.olga, start_after="2024-01-10", start_before="2024-01-11"), week) == ["thu", "wed"]


@pytest.mark.parametrize(
    ("sort_by", "ascending"),
    [
        ("start_time", ["mon", "tue", "wed", "thu", "fri", "now"]),
        ("end_time", ["mon", "tue", "thu", "wed", "fri", "now"]),  # the running one ends last
        ("created_at", ["mon", "tue", "wed", "thu", "fri", "now"]),
        ("updated_at", ["tue", "wed", "thu", "fri", "now", "mon"]),
    ],
)
def test_list_sorts_both_ways_and_pages_through_the_order(org, week, sort_by, ascending):
    assert days(org.listed(org.olga, sort_by=sort_by, sort_order="asc"), week) == ascending
    assert days(org.listed(org.olga, sort_by=sort_by, sort_order="desc"), week) == ascending[::-1]
    second = org.listed(org.olga, sort_by=sort_by, sort_order="asc", page=2, page_size=4)
    assert days(second, week) == ascending[4:]
    assert second["pagination"] == {"total": 6, "page": 2, "page_size": 4, "total_pages": 2}


@pytest.mark.parametrize(
    ("params", "pagination", "expected"),
    [
        ({"page_size": "4"}, {"total": 6, "page": 1, "page_size": 4, "total_pages": 2}, ["now", "fri", "thu", "wed"]),
        ({"page_size": "4", "page": "2"}, {"total": 6, "page": 2, "page_size": 4, "total_pages": 2}, ["tue", "mon"]),
        ({"page_size": "4", "page": "3"}, {"total": 6, "page": 3, "page_size": 4, "total_pages": 2}, []),
        ({"page_size": "0"}, {"total": 6, "page": 1, "page_size": 1, "total_pages": 6}, ["now"]),
        ({"page_size": "1000"}, {"total": 6, "page": 1, "page_size": 100, "total_pages": 1}, None),
        ({"page": "0", "page_size": "5"}, {"total": 6, "page": 1, "page_size": 5, "total_pages": 2}, None),
        ({"page": "-3", "page_size": "-1"}, {"total": 6, "page": 1, "page_size": 1, "total_pages": 6}, ["now"]),
        ({"task_id": "999999"}, {"total": 0, "page": 1, "page_size": 20, "total_pages": 0}, []),
    ],
)
def test_pages_echo_the_effective_values(org, week, params, pagination, expected):
    listing = org.listed(org.olga, **params)
    assert listing["pagination"] == pagination
    if expected is not None:
        assert days(listing, week) == expected
    else:
        assert len(listing["time_entries"]) == min(6, pagination["page_size"])


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort_by": "duration"}, "sort_by"),
        ({"sort_order": "up"}, "sort_order"),
        ({"page": "two"}, "page"),
        ({"page_size": "1.5"}, "page_size"),
        ({"is_running": "maybe"}, "is_running"),
        ({"start_after": "last week"}, "start_after"),
        ({"start_before": "1705000000"}, "start_before"),
        ({"task_id": "-1"}, "task_id"),
        ({"user_id": "me"}, "user_id"),
        ({"start_after": "2024-01-12", "start_before": "2024-01-10"}, "start_before"),
    ],
)
def test_bad_list_queries_are_400_naming_the_parameter(org, params, field):
    response = org.request(org.olga, "GET", params=params)
    assert assert_message(response, 400).startswith(f"{field}: ")


def test_orders_no_index_has_are_sorted_within_a_bounded_range(org, week, monkeypatch):
    monkeypatch.setattr(org_time_entries, "SORT_WINDOW", 5)
    refused = org.request(org.olga, "GET", params={"sort_by": "end_time"})
    assert assert_message(refused, 400).startswith("sort_by: sorting by end_time reads the whole range, which holds 6")
    narrowed = org.listed(org.olga, sort_by="end_time", start_after="2024-01-09")
    assert days(narrowed, week) == ["now", "fri", "wed", "thu", "tue"]


def test_a_start_time_page_must_end_within_the_depth_limit(org, week, monkeypatch):
    monkeypatch.setattr(org_time_entries, "MAX_DEPTH", 4)
    assert days(org.listed(org.olga, page_size=2, page=2), week) == ["thu", "wed"]
    refused = org.request(org.olga, "GET", params={"page_size": 2, "page": 3})
    assert assert_message(refused, 400).startswith("page: a page must end within the first 4 entries")
    assert days(org.listed(org.olga, page_size=2, page=1, sort_order="asc", start_after="2024-01-11"), week) == [
        "thu",
        "fri",
    ]


@pytest.fixture
def dynamodb_calls(services) -> list[tuple[str, dict]]:
    """(operation, request) of every DynamoDB call from now on."""
    calls: list[tuple[str, dict]] = []

    def record(model, params, **_: Any) -> None:
        calls.append((model.name, json.loads(params["body"] or b"{}")))

    services.dynamodb.meta.events.register("before-call.dynamodb", record, unique_id="test-calls")
    yield calls
    services.dynamodb.meta.events.unregister("before-call.dynamodb", unique_id="test-calls")


def test_a_page_reads_its_items_and_one_batch_of_tasks_and_people(org, week, dynamodb_calls):
    dynamodb_calls.clear()
    listing = org.listed(org.olga, page_size=3)
    assert len(listing["time_entries"]) == 3
    queries = [request for operation, request in dynamodb_calls if operation == "Query"]
    # The total from the per-day counts (no COUNT of the entries), then the page, not the history.
    assert [(q.get("IndexName"), q.get("Limit"), q.get("Select")) for q in queries] == [
        (None, None, None),
        ("ByWorkspace", 3, None),
    ]
    assert queries[0]["ExpressionAttributeValues"][":pk"] == {"S": f"COUNT#{org.id}"}
    batches = [request for operation, request in dynamodb_calls if operation == "BatchGetItem"]
    assert len(batches) == 1
    keys = [key["sk"]["S"] for table in batches[0]["RequestItems"].values() for key in table["Keys"]]
    assert sorted(keys) == sorted(["PROFILE", "PROFILE", "TASK#" + str(org.landing)])  # Mia, Max; one task
    profile_or_task_gets = [
        r
        for operation, r in dynamodb_calls
        if operation == "GetItem" and r["Key"]["sk"]["S"].startswith(("PROFILE", "TASK#"))
    ]
    assert profile_or_task_gets == []


# ------------------------------------------------------ across the APIs ---


def test_the_same_entry_through_the_personal_api(org, client):
    made = org.create(org.mia, "2024-01-15T09:00:00Z", "2024-01-15T10:15:00Z", description="Pairing")
    personal = client.get(f"{PERSONAL}/entries/{made['id']}", headers=org.mia["headers"])
    assert personal.status_code == 200, personal.text
    seen = personal.json()
    assert (seen["id"], seen["notes"], seen["total_hours"]) == (int(made["id"]), "Pairing", 1.25)
    assert seen["start_time"] == "2024-01-15T09:00:00+00:00"

    client.put(f"{PERSONAL}/entries/{made['id']}", json={"notes": "Pair review"}, headers=org.mia["headers"])
    assert org.request(org.mia, "GET", f"/{made['id']}").json()["description"] == "Pair review"

    started = client.post(f"{PERSONAL}/sessions/start", headers=org.max["headers"])
    assert started.status_code == 201
    assert org.request(org.max, "POST", "/start", json={"task_id": str(org.landing)}).status_code == 409


# ------------------------------------------------- the framework's errors ---


@pytest.mark.parametrize(
    ("method", "path", "status", "allow"),
    [
        ("GET", "/aggregates", 404, None),
        ("GET", "/1/stop", 404, None),
        ("PATCH", "/1", 405, "DELETE, GET, PUT"),
        ("POST", "/running", 405, "GET"),
        ("DELETE", "", 405, "GET, POST"),
    ],
)
def test_unknown_paths_and_methods_answer_a_message(org, method, path, status, allow):
    response = org.request(org.mia, method, path)
    assert_message(response, status)
    assert response.headers.get("Allow") == allow


def test_no_credentials_is_401_and_a_non_numeric_organization_404(org, client):
    response = client.get(org.url)
    assert_message(response, 401, "Not authenticated")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert_message(client.get(base(0).replace("/0/", "/acme/"), headers=org.mia["headers"]), 404)


def test_a_body_too_large_is_413(org):
    response = org.request(org.mia, "POST", content=b"{" + b" " * (1024 * 1024) + b"}")
    assert_message(response, 413)


def test_the_rate_limit_is_429_with_retry_after(org, clock):
    limited(clock, rate_limit_per_minute=1)
    assert org.request(org.mia, "GET", "/running").status_code == 200
    refused = org.request(org.mia, "GET", "/running")
    assert_message(refused, 429, "Rate limit exceeded: 1 requests per minute; retry in 60 s.")
    assert refused.headers["Retry-After"] == "60"


def test_an_idempotency_key_replays_a_start_and_refuses_another_body(org):
    headers = {"Idempotency-Key": "start-1"}
    body = {"task_id": str(org.landing)}
    first = org.client.post(f"{org.url}/start", json=body, headers=org.mia["headers"] | headers)
    again = org.client.post(f"{org.url}/start", json=body, headers=org.mia["headers"] | headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = org.client.post(
        f"{org.url}/start", json={"task_id": str(org.checkout)}, headers=org.mia["headers"] | headers
    )
    assert_message(other, 422)
