"""The integrations API's dialect (seed 002): one error format for everything
(the framework's errors too), pagination, times, and the tenancy rule (which
workspace a request acts in), over HTTP where it is an API behaviour."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from tests.conftest import join
from tests.faults import DynamoFaults, but_token_lookup
from tests.racing import race
from timetrack.api.app import create_app
from timetrack.api.integrations import errors
from timetrack.api.integrations.errors import IntegrationsRoute
from timetrack.api.integrations.times import parse_instant, utc_z
from timetrack.errors import RateLimited, TimerRunning, ValidationFailed
from timetrack.principal import Principal
from timetrack.services.limits import RateLimit
from timetrack.workspaces import Role

UTC = dt.UTC


def assert_error(response, status: int, code: str) -> dict:
    """Seed 002's error body: error, message, error_code (and only the extras that apply)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code, body
    assert isinstance(body["error"], str)
    assert body["error"]
    assert isinstance(body["message"], str)
    assert body["message"]
    assert "Traceback" not in response.text
    return body


# -------------------------------------------------------------- errors ---


def test_an_unknown_path_under_the_api_is_404_in_its_format(client):
    assert_error(client.get("/api/v1/projects/1/nothing"), 404, "not_found")
    assert_error(client.get("/api/v1/users/nobody"), 404, "not_found")


def test_a_wrong_method_is_405_in_its_format_listing_the_allowed_ones(client):
    response = client.delete("/api/v1/info")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET"


def test_other_apis_keep_their_own_format(client):
    assert client.get("/api/v1/time-tracking/nothing").json() == {"detail": "Not Found"}


def test_no_credential_is_401_and_a_bad_one_says_invalid_token(client):
    missing = assert_error(client.get("/api/v1/projects"), 401, "unauthorized")
    wrong = client.get("/api/v1/projects", headers={"Authorization": "Bearer tt_" + "x" * 32})
    assert missing["error"] == "Authentication required"
    assert assert_error(wrong, 401, "unauthorized")["error"] == "Invalid token"
    assert wrong.headers["www-authenticate"] == "Bearer"


def test_a_missing_scope_is_403_in_the_seeds_words(client, services, user):
    token = services.tokens.issue(user["user_id"], name="ro", granted=("read:projects", "read:time_entries")).token
    response = client.post("/api/v1/projects", json={"name": "X"}, headers={"X-API-Key": token})
    body = assert_error(response, 403, "forbidden")
    assert body == {
        "error": "Insufficient permissions",
        "message": "This endpoint requires the 'write:projects' scope",
        "error_code": "forbidden",
        "required_scope": "write:projects",
        "available_scopes": ["read:projects", "read:time_entries"],
    }


def test_malformed_json_is_400_validation_error_on_the_body(client, user):
    response = client.post(
        "/api/v1/clients", content=b'{"name": ', headers=user["headers"] | {"Content-Type": "application/json"}
    )
    body = assert_error(response, 400, "validation_error")
    assert list(body["errors"]) == ["body"]
    assert body["errors"]["body"][0].startswith("Invalid JSON")


def test_invalid_fields_are_400_naming_each_field_never_422(client, user):
    response = client.post("/api/v1/tasks", json={"name": 5, "priority": 9}, headers=user["headers"])
    body = assert_error(response, 400, "validation_error")
    assert set(body["errors"]) == {"name", "project_id", "priority"}
    assert body["errors"]["project_id"] == ["Field required"]
    assert all(isinstance(messages, list) and messages for messages in body["errors"].values())


def test_a_path_id_of_the_wrong_type_is_400_naming_it(client, user):
    body = assert_error(client.get("/api/v1/projects/abc", headers=user["headers"]), 400, "validation_error")
    assert list(body["errors"]) == ["project_id"]


def test_a_domain_rule_is_400_naming_its_field(client, user):
    response = client.post("/api/v1/projects", json={"name": "X", "client_id": 5}, headers=user["headers"])
    body = assert_error(response, 400, "validation_error")
    assert body["errors"] == {"client_id": ["client 5 is not a client of the workspace"]}


def test_an_unexpected_error_is_500_internal_error_without_a_trace(client, user, services, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(type(services.workspaces), "clients", broken)
    response = client.get("/api/v1/clients", headers=user["headers"])
    body = assert_error(response, 500, "internal_error")
    assert "secret" not in response.text
    assert body["error"] == "Internal server error"
    assert "x-ratelimit-remaining" in response.headers


def test_rate_limited_is_429_with_retry_after(client, user, services, monkeypatch):
    def refuse(subject):
        raise RateLimited(RateLimit(limit=100, remaining=0, reset=1705914060, window="minute"), retry_after=17)

    monkeypatch.setattr(services.limits, "hit", refuse)
    response = client.get("/api/v1/projects", headers=user["headers"])
    assert_error(response, 429, "rate_limited")
    assert response.headers["retry-after"] == "17"
    assert response.headers["x-ratelimit-remaining"] == "0"


def test_a_throttled_database_is_503_with_retry_after(client, user, services):
    faults = DynamoFaults(services.dynamodb)
    try:
        faults.throttle(but_token_lookup)
        response = client.get("/api/v1/clients", headers=user["headers"])
    finally:
        faults.remove()
    assert_error(response, 503, "service_unavailable")
    assert int(response.headers["retry-after"]) >= 1


def test_idempotency_key_replays_and_refuses_another_body_in_the_format(client, user):
    headers = user["headers"] | {"Idempotency-Key": "client-1"}
    first = client.post("/api/v1/clients", json={"name": "Globex"}, headers=headers)
    again = client.post("/api/v1/clients", json={"name": "Globex"}, headers=headers)
    other = client.post("/api/v1/clients", json={"name": "Initech"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert_error(other, 422, "idempotency_key_reused")
    assert [c["name"] for c in client.get("/api/v1/clients", headers=user["headers"]).json()["clients"]] == ["Globex"]


def test_a_running_timer_conflict_is_409_carrying_the_timer_as_an_entry(services, user, clock):
    """The mapper alone (the timer routes live elsewhere): TimerRunning from any
    route of this API answers 409 ``timer_already_running`` with the running
    entry in seed 002's shape."""
    entries = services.entries
    running = entries.create(
        entries.caller(user["user_id"]), start_time=clock.now, notes="Deep work", tags=("dev", "api")
    )
    router = APIRouter(route_class=IntegrationsRoute)

    @router.post("/api/v1/timer/start")
    async def start() -> None:
        raise TimerRunning(running)

    app = create_app(router, install_errors=errors.install)
    response = TestClient(app).post("/api/v1/timer/start")
    body = assert_error(response, 409, "timer_already_running")
    assert body["timer"] == {
        "id": running.id,
        "user_id": user["user_id"],
        "project_id": None,
        "task_id": None,
        "start_time": "2024-01-22T09:00:00Z",
        "end_time": None,
        "duration_seconds": None,
        "duration_hours": None,
        "notes": "Deep work",
        "tags": "dev,api",
        "tag_list": ["dev", "api"],
        "billable": True,
        "source": "timer",
        "is_active": True,
        "hourly_rate": 0.0,
        "created_at": "2024-01-22T09:00:00Z",
        "updated_at": "2024-01-22T09:00:00Z",
    }


# ---------------------------------------------------------- pagination ---


def _clients(client, headers, count: int) -> None:
    for i in range(count):
        assert client.post("/api/v1/clients", json={"name": f"Client {i}"}, headers=headers).status_code == 201


def _page(client, headers, query: str) -> dict:
    response = client.get(f"/api/v1/clients?{query}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_an_empty_list_has_no_pages(client, user):
    assert _page(client, user["headers"], "") == {
        "clients": [],
        "pagination": {
            "page": 1,
            "per_page": 50,
            "total": 0,
            "pages": 0,
            "has_next": False,
            "has_prev": False,
            "next_page": None,
            "prev_page": None,
        },
    }


def test_pages_of_an_exact_multiple_and_past_the_end(client, user):
    _clients(client, user["headers"], 4)
    first = _page(client, user["headers"], "per_page=2")
    last = _page(client, user["headers"], "per_page=2&page=2")
    past = _page(client, user["headers"], "per_page=2&page=3")
    assert [c["name"] for c in first["clients"]] == ["Client 0", "Client 1"]
    assert [c["name"] for c in last["clients"]] == ["Client 2", "Client 3"]
    assert first["pagination"] | {} == {
        "page": 1,
        "per_page": 2,
        "total": 4,
        "pages": 2,
        "has_next": True,
        "has_prev": False,
        "next_page": 2,
        "prev_page": None,
    }
    assert (last["pagination"]["has_next"], last["pagination"]["next_page"], last["pagination"]["prev_page"]) == (
        False,
        None,
        1,
    )
    assert past["clients"] == []
    assert past["pagination"]["total"] == 4
    assert (past["pagination"]["has_prev"], past["pagination"]["prev_page"]) == (True, 2)


def test_per_page_above_the_maximum_is_served_as_100(client, user):
    _clients(client, user["headers"], 1)
    assert _page(client, user["headers"], "per_page=500")["pagination"]["per_page"] == 100


@pytest.mark.parametrize(("query", "field"), [("page=0", "page"), ("per_page=0", "per_page"), ("page=x", "page")])
def test_page_and_per_page_below_one_are_400(client, user, query, field):
    response = client.get(f"/api/v1/clients?{query}", headers=user["headers"])
    assert list(assert_error(response, 400, "validation_error")["errors"]) == [field]


# --------------------------------------------------------------- times ---

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-15T09:00:00Z", dt.datetime(2024, 1, 15, 9, tzinfo=UTC)),
        ("2024-01-15T09:00:00+02:00", dt.datetime(2024, 1, 15, 7, tzinfo=UTC)),
        ("2024-01-15T09:00:00", dt.datetime(2024, 1, 15, 8, tzinfo=UTC)),  # naive: the user's zone (UTC+1)
        ("2024-07-15", dt.datetime(2024, 7, 14, 22, tzinfo=UTC)),  # a date starts at local midnight (UTC+2)
    ],
)
def test_request_times(text, expected):
    assert parse_instant(text, "start_date", BERLIN, date_only="start") == expected


def test_a_date_only_end_covers_that_whole_local_day():
    assert parse_instant("2024-01-15", "end_date", BERLIN, date_only="end") == dt.datetime(2024, 1, 15, 23, tzinfo=UTC)


@pytest.mark.parametrize(("text", "date_only"), [("yesterday", "start"), ("2024-02-30", "start"), ("2024-01-15", None)])
def test_bad_request_times_name_the_field(text, date_only):
    with pytest.raises(ValidationFailed) as refused:
        parse_instant(text, "start_date", BERLIN, date_only=date_only)
    assert refused.value.field == "start_date"


def test_response_times_are_utc_whole_seconds_with_z():
    assert utc_z(dt.datetime(2024, 1, 15, 10, 0, 0, 999_999, tzinfo=BERLIN)) == "2024-01-15T09:00:00Z"


# ------------------------------------------------------------- tenancy ---


def test_a_first_request_makes_a_default_workspace_named_after_the_caller(client, services, user):
    created = client.post("/api/v1/projects", json={"name": "Website"}, headers=user["headers"])
    listed = client.get("/api/v1/projects", headers=user["headers"])
    assert created.status_code == 201, created.text
    assert [p["id"] for p in listed.json()["projects"]] == [created.json()["project"]["id"]]
    mine = services.workspaces.of_user(user["user_id"])
    assert [(w.name, role) for w, role in mine] == [("alice@example.com's workspace", Role.OWNER)]
    me = client.get("/api/v1/users/me", headers=user["headers"]).json()["user"]
    assert me["role"] == "owner"


def test_the_default_workspace_is_the_oldest_one_the_caller_owns(client, services, user, make_user, clock):
    other = make_user("bob@example.com")
    theirs, _ = services.workspaces.create(other["user_id"], "Bob's")
    join(services, theirs.id, user["user_id"], Role.EXECUTIVE_MANAGER, by=other["user_id"])
    clock.advance(minutes=1)
    first, _ = services.workspaces.create(user["user_id"], "First")
    clock.advance(minutes=1)
    services.workspaces.create(user["user_id"], "Second")
    services.workspaces.create_project(user["user_id"], first.id, "In the first", None)

    listed = client.get("/api/v1/projects", headers=user["headers"]).json()["projects"]

    assert [p["name"] for p in listed] == ["In the first"]
    assert len(services.workspaces.of_user(user["user_id"])) == 3  # none made


def test_a_bound_token_acts_in_its_workspace_with_the_callers_role(client, services, user, make_user):
    member = make_user("member@example.com")
    team, _ = services.workspaces.create(user["user_id"], "Team")
    join(services, team.id, member["user_id"], by=user["user_id"])
    services.workspaces.create_project(user["user_id"], team.id, "Team project", None)
    bound = services.tokens.create(
        Principal(user["user_id"]),
        name="sync",
        scopes_requested=["read:projects", "write:projects", "read:users"],
        workspace_id=team.id,
        user_id=member["user_id"],
    ).token
    headers = {"Authorization": f"Bearer {bound}"}

    listed = client.get("/api/v1/projects", headers=headers)
    refused = client.post("/api/v1/projects", json={"name": "Mine"}, headers=headers)
    me = client.get("/api/v1/users/me", headers=headers).json()["user"]

    assert [p["name"] for p in listed.json()["projects"]] == ["Team project"]
    body = assert_error(refused, 403, "forbidden")
    assert "required_scope" not in body  # the role refuses, not the scope
    assert (me["id"], me["role"]) == (member["user_id"], "member")
    assert services.workspaces.of_user(member["user_id"]) == [(team, Role.MEMBER)]  # no workspace made


def test_a_bound_token_of_a_workspace_left_sees_nothing(client, services, user, make_user):
    member = make_user("member@example.com")
    team, _ = services.workspaces.create(user["user_id"], "Team")
    join(services, team.id, member["user_id"], by=user["user_id"])
    bound = services.tokens.create(
        Principal(user["user_id"]),
        name="sync",
        scopes_requested=["read:projects"],
        workspace_id=team.id,
        user_id=member["user_id"],
    ).token
    services.workspaces.remove_member(user["user_id"], team.id, member["user_id"])

    response = client.get("/api/v1/projects", headers={"Authorization": f"Bearer {bound}"})

    assert_error(response, 404, "not_found")


def test_concurrent_first_requests_make_one_default_workspace(served):
    user_id = served.accounts.create_user("racer@example.com")

    outcomes = race(8, lambda i: served.workspaces.default_workspace(user_id))

    made = {value.id for kind, value in outcomes if kind == "ok"}
    assert [value for kind, value in outcomes if kind == "error"] == []
    assert len(made) == 1
    assert [w.id for w, _ in served.workspaces.of_user(user_id)] == list(made)


def test_a_user_who_gave_away_their_default_workspace_gets_a_new_one(services, make_user):
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    first = services.workspaces.default_workspace(alice["user_id"])
    join(services, first.id, bob["user_id"], Role.OWNER, by=alice["user_id"])
    services.workspaces.remove_member(alice["user_id"], first.id, alice["user_id"])

    second = services.workspaces.default_workspace(alice["user_id"])

    assert second.id != first.id
    assert services.workspaces.default_workspace(alice["user_id"]) == second


# -------------------------------------------------------------- system ---


def test_info_needs_no_credential(client):
    body = client.get("/api/v1/info").json()
    assert (body["api_version"], body["app_version"], body["documentation_url"]) == ("v1", "1.0.0", "/api/docs")
    assert body["endpoints"]["time_entries"] == "/api/v1/time-entries"


def test_health_reads_the_database_and_says_when_it_cannot(client, services):
    healthy = client.get("/api/v1/health")
    faults = DynamoFaults(services.dynamodb)
    try:
        faults.throttle()
        unhealthy = client.get("/api/v1/health")
    finally:
        faults.remove()
    assert healthy.status_code == 200
    assert healthy.json() == {"status": "healthy", "timestamp": "2024-01-22T09:00:00Z", "checks": {"database": "ok"}}
    assert unhealthy.status_code == 503
    assert unhealthy.json()["status"] == "unhealthy"
    assert unhealthy.json()["checks"] == {"database": "unreachable"}


def test_users_me_counts_all_completed_hours(client, services, user, clock):
    entries = services.entries
    caller = entries.caller(user["user_id"])
    start = dt.datetime(2024, 1, 22, 6, tzinfo=UTC)
    entries.create(caller, start_time=start, end_time=start + dt.timedelta(hours=1, minutes=30))
    edited = entries.create(caller, start_time=start - dt.timedelta(days=3), end_time=start - dt.timedelta(days=3))
    entries.update(caller, edited.id, {"end_time": start - dt.timedelta(days=3) + dt.timedelta(minutes=45)})
    entries.start(caller, hourly_rate=Decimal(10))  # running: not counted

    body = client.get("/api/v1/users/me", headers=user["headers"]).json()

    assert body == {
        "user": {
            "id": user["user_id"],
            "email": "alice@example.com",
            "full_name": None,
            "role": "owner",
            "created_at": "2024-01-22T09:00:00Z",
            "is_active": True,
            "total_hours": 2.25,
        }
    }


def test_swagger_ui_is_served_with_its_assets_for_the_whole_api(client):
    page = client.get("/api/docs")
    document = client.get("/api/docs/openapi.json")
    assert page.status_code == 200
    assert 'src="/api/docs/assets/swagger-ui-bundle.js"' in page.text
    assert "cdn" not in page.text.lower()
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200
    paths = document.json()["paths"]
    assert {"/api/v1/projects", "/api/v1/time-tracking/entries", "/api/v1/workspaces"} <= set(paths)
