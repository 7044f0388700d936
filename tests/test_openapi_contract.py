"""What the OpenAPI document promises holds at the edge: the API answers as documented
for the inputs a generated client sends, every path under /time-tracking/ speaks the v2
envelope, a 405 names every method of the path, and browsers may read the back-off headers."""

from __future__ import annotations

import pytest

from local.app import EXPOSED_HEADERS
from local.template import load_template, resources_of_type

ENTRIES = "/api/v1/time-tracking/entries"
SETTINGS = "/api/v1/time-tracking/settings"
ORIGIN = "http://localhost:3000"  # the default CORS_ORIGINS


def rate_of(client, user, rate) -> tuple[int, dict]:
    response = client.put(SETTINGS, json={"default_hourly_rate": rate}, headers=user["headers"])
    return response.status_code, response.json()


def test_money_is_a_number_of_whole_cents_even_as_a_double(client, user):
    """29 * 0.01 is 0.29000000000000004 in a double: a client computing cents sends that."""
    assert rate_of(client, user, 29 * 0.01) == (200, rate_of(client, user, 0.29)[1])
    assert rate_of(client, user, 0.29)[1]["default_hourly_rate"] == 0.29


@pytest.mark.parametrize("rate", ["50", True, 0.005, -1, 1e26, 1_000_000])
def test_money_outside_the_documented_number_is_a_400_naming_the_field(client, user, rate):
    status, body = rate_of(client, user, rate)
    assert status == 400
    assert [issue["loc"] for issue in body["detail"]] == [["body", "default_hourly_rate"]]


def test_dates_are_iso_text_not_timestamps(client, user):
    response = client.get(ENTRIES, params={"start_date": "0"}, headers=user["headers"])
    assert response.status_code == 400
    assert response.json()["detail"][0]["loc"] == ["query", "start_date"]
    created = client.post(ENTRIES, json={"start_time": 0, "end_time": 3600}, headers=user["headers"])
    assert created.status_code == 400
    assert {tuple(issue["loc"]) for issue in created.json()["detail"]} == {
        ("body", "start_time"),
        ("body", "end_time"),
    }


def test_time_zone_and_currency_are_the_documented_values(client, user):
    document = client.get("/openapi.json").json()
    update = document["components"]["schemas"]["SettingsUpdate"]["properties"]
    assert "Europe/Berlin" in update["timezone"]["enum"]
    assert "EUR" in update["currency"]["enum"]
    assert client.put(SETTINGS, json={"timezone": "Europe/Berlin"}, headers=user["headers"]).status_code == 200
    wrong = client.put(SETTINGS, json={"timezone": "Mars/Olympus_Mons"}, headers=user["headers"])
    assert wrong.status_code == 400
    assert wrong.json()["detail"] == [
        {"loc": ["body", "timezone"], "msg": "unknown IANA time zone 'Mars/Olympus_Mons'", "type": "time_zone"}
    ]


def test_clock_in_ids_are_json_integers(client, user):
    """JSON Schema's integer includes 7.0; a string or a boolean is no integer."""
    stop = "/time-tracking/stop"
    as_float = client.post(stop, json={"workspace_id": 7.0, "user_id": 1.0}, headers=user["headers"])
    assert as_float.status_code == 404  # valid input; no such workspace
    for bad in ("7", True, 7.5):
        response = client.post(stop, json={"workspace_id": bad, "user_id": 1}, headers=user["headers"])
        assert response.status_code == 400
        assert response.json()["error"].startswith("workspace_id: ")


def test_create_links_lead_to_the_created_resource(client):
    responses = {
        operation["operationId"]: operation["responses"]
        for path in client.get("/openapi.json").json()["paths"].values()
        for operation in path.values()
    }
    get_entry = responses["createEntry"]["201"]["links"]["getEntry"]
    assert get_entry == {"operationId": "getEntry", "parameters": {"entry_id": "$response.body#/id"}}
    assert set(responses["createWorkspace"]["201"]["links"]) >= {"createProject", "createTask", "createContract"}
    assert responses["startTimeTracking"]["200"]["links"]["stopTimeTracking"]["requestBody"] == {
        "workspace_id": "$request.body#/workspace_id",
        "user_id": "$request.body#/user_id",
    }


# -- routing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", f"{ENTRIES}/1", "DELETE, GET, PUT"),
        ("DELETE", ENTRIES, "GET, POST"),
        ("PATCH", SETTINGS, "GET, PUT"),
        ("PUT", "/api/v1/workspaces/1/tasks/1", "GET, PATCH"),
    ],
)
def test_405_lists_every_method_of_the_path(client, user, method, path, allowed):
    response = client.request(method, path, headers=user["headers"])
    assert response.status_code == 405
    assert response.headers["allow"] == allowed
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("method", "path", "status", "allowed"),
    [
        ("GET", "/time-tracking/start", 405, "POST"),
        ("DELETE", "/time-tracking/active", 405, "GET"),
        ("GET", "/time-tracking/timesheets", 404, None),
        ("POST", "/time-tracking/start/now", 404, None),
    ],
)
def test_every_path_under_time_tracking_answers_the_envelope(client, user, method, path, status, allowed):
    response = client.request(method, path, headers=user["headers"])
    assert response.status_code == status
    assert response.headers.get("allow") == allowed
    body = response.json()
    assert body["success"] is False
    assert set(body) == {"success", "message", "error", "meta"}


def test_aws_routes_the_whole_clock_in_prefix_to_the_clock_in_function():
    functions = resources_of_type(load_template(), "AWS::Serverless::Function")
    routes = {
        (event["Properties"]["Method"], event["Properties"]["Path"]): name
        for name, function in functions.items()
        for event in (function["Properties"].get("Events") or {}).values()
        if event["Type"] == "HttpApi"
    }
    assert routes[("ANY", "/time-tracking/{proxy+}")] == "ClockInFunction"


# -- CORS ----------------------------------------------------------------------------


def test_browsers_may_read_the_back_off_headers_and_send_an_idempotency_key(client, user):
    answer = client.get(SETTINGS, headers={**user["headers"], "Origin": ORIGIN})
    exposed = {name.strip().lower() for name in answer.headers["access-control-expose-headers"].split(",")}
    assert exposed == {
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "idempotent-replayed",
    }
    preflight = client.options(
        ENTRIES,
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert preflight.status_code == 200


def test_aws_cors_exposes_and_allows_the_same_headers_as_the_local_server():
    api = resources_of_type(load_template(), "AWS::Serverless::HttpApi")["HttpApi"]
    cors = api["Properties"]["CorsConfiguration"]
    assert cors["ExposeHeaders"] == EXPOSED_HEADERS
    assert "Idempotency-Key" in cors["AllowHeaders"]
