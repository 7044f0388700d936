"""Rate limits over HTTP: per caller, N a minute and M an hour, counted in
DynamoDB (shared by every function), reported in X-RateLimit-* headers, and
answered 429 with Retry-After in each API's own error format."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient

from local import stack
from local.app import build_app
from tests.conftest import load_event
from tests.faults import DynamoFaults
from tests.test_events import invoke
from timetrack import runtime
from timetrack.config import Settings
from timetrack.observability import metrics

ENTRIES = "/api/v1/time-tracking/entries"
START = "/api/v1/time-tracking/sessions/start"
ACTIVE = "/api/v1/time-tracking/sessions/active"
CLOCK_IN_ACTIVE = "/time-tracking/active"
NOW = dt.datetime(2024, 1, 22, 9, 0, tzinfo=dt.UTC)  # the clock fixture's start
NEXT_MINUTE = int((NOW + dt.timedelta(minutes=1)).timestamp())
NEXT_HOUR = int((NOW + dt.timedelta(hours=1)).timestamp())


def limited(clock, **limits: int) -> runtime.Services:
    """The process's container rebuilt with these limits (on the same tables)."""
    runtime.reset()
    built = runtime.build(Settings(token_cache_seconds=0, **limits), clock=clock)
    runtime.reset(built)
    return built


def standing(response) -> tuple[int, int, int]:
    headers = response.headers
    return (
        int(headers["X-RateLimit-Limit"]),
        int(headers["X-RateLimit-Remaining"]),
        int(headers["X-RateLimit-Reset"]),
    )


def test_the_101st_request_in_a_minute_is_429_by_default(client, user):
    for count in range(1, 101):
        response = client.get(ENTRIES, headers=user["headers"])
        assert response.status_code == 200
        assert standing(response) == (100, 100 - count, NEXT_MINUTE)

    refused = client.get(ENTRIES, headers=user["headers"])

    assert refused.status_code == 429
    assert refused.json() == {"detail": "Rate limit exceeded: 100 requests per minute; retry in 60 s."}
    assert refused.headers["Retry-After"] == "60"
    assert standing(refused) == (100, 0, NEXT_MINUTE)


def test_a_refused_request_does_not_run_nor_count(client, user, clock):
    limited(clock, rate_limit_per_minute=2)
    assert client.get(ENTRIES, headers=user["headers"]).status_code == 200
    assert client.get(ENTRIES, headers=user["headers"]).status_code == 200

    refused = client.post(START, json={"notes": "too many"}, headers=user["headers"])
    assert refused.status_code == 429

    clock.advance(seconds=45)  # still the same minute: Retry-After counts down
    assert client.get(ENTRIES, headers=user["headers"]).headers["Retry-After"] == "15"
    clock.advance(seconds=15)
    after = client.get(ACTIVE, headers=user["headers"])
    assert after.status_code == 200
    assert after.json() is None  # the refused start did not run
    assert standing(after) == (2, 1, NEXT_MINUTE + 60)  # nor did the refused requests count


def test_the_hour_is_reported_once_it_is_the_tighter_window(client, user, clock):
    limited(clock, rate_limit_per_minute=5, rate_limit_per_hour=7)
    for _ in range(5):
        assert client.get(ENTRIES, headers=user["headers"]).status_code == 200
    assert client.get(ENTRIES, headers=user["headers"]).status_code == 429

    clock.advance(minutes=1)
    first = client.get(ENTRIES, headers=user["headers"])
    assert standing(first) == (7, 1, NEXT_HOUR)  # 4 left this minute, 1 this hour
    second = client.get(ENTRIES, headers=user["headers"])
    assert standing(second) == (7, 0, NEXT_HOUR)

    refused = client.get(ENTRIES, headers=user["headers"])
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == str(NEXT_HOUR - int(clock().timestamp()))
    assert refused.json()["detail"] == "Rate limit exceeded: 7 requests per hour; retry in 3540 s."
    assert standing(refused) == (7, 0, NEXT_HOUR)

    clock.advance(hours=1)
    assert client.get(ENTRIES, headers=user["headers"]).status_code == 200


def test_the_clock_in_api_answers_429_in_its_envelope(client, user, clock):
    limited(clock, rate_limit_per_minute=1)
    query = {"workspace_id": 1, "user_id": user["user_id"]}
    assert client.get(CLOCK_IN_ACTIVE, params=query, headers=user["headers"]).status_code == 404  # no such workspace

    refused = client.get(CLOCK_IN_ACTIVE, params=query, headers=user["headers"])

    assert refused.status_code == 429
    body = refused.json()
    assert {key: body[key] for key in ("success", "message", "error")} == {
        "success": False,
        "message": "Too many requests",
        "error": "Rate limit exceeded: 1 requests per minute; retry in 60 s.",
    }
    assert body["meta"]["api_version"] == "2.0.0"
    assert refused.headers["Retry-After"] == "60"
    assert standing(refused) == (1, 0, NEXT_MINUTE)


def test_answers_after_authentication_carry_the_headers_whatever_their_status(client, user):
    not_found = client.get(f"{ENTRIES}/123456", headers=user["headers"])
    invalid = client.post(ENTRIES, json={"start_time": "yesterday"}, headers=user["headers"])

    assert (not_found.status_code, invalid.status_code) == (404, 400)
    assert standing(not_found) == (100, 99, NEXT_MINUTE)
    assert standing(invalid) == (100, 98, NEXT_MINUTE)


def test_an_unexpected_500_carries_the_headers_too(client, user, monkeypatch):
    def broken(user_id):
        raise RuntimeError("a bug")

    monkeypatch.setattr(runtime.services().settings, "get", broken)

    response = client.get("/api/v1/time-tracking/settings", headers=user["headers"])

    assert response.status_code == 500
    assert standing(response) == (100, 99, NEXT_MINUTE)


def test_unauthenticated_requests_and_the_docs_are_neither_limited_nor_counted(user, clock):
    limited(clock, rate_limit_per_minute=2)
    client = TestClient(build_app(), raise_server_exceptions=False)
    for _ in range(5):
        for response in (
            client.get(ENTRIES),
            client.get(ENTRIES, headers={"Authorization": "Bearer tt_" + "x" * 32}),
            client.get("/docs"),
            client.get("/openapi.json"),
        ):
            assert response.status_code in (200, 401)
            assert "X-RateLimit-Limit" not in response.headers

    assert client.get(ENTRIES, headers=user["headers"]).status_code == 200
    assert client.get(ENTRIES, headers=user["headers"]).status_code == 200
    assert client.get(ENTRIES, headers=user["headers"]).status_code == 429


def test_each_caller_has_their_own_count(client, make_user, clock):
    limited(clock, rate_limit_per_minute=1)
    alice, bob = make_user("alice@example.com"), make_user("bob@example.com")
    assert client.get(ENTRIES, headers=alice["headers"]).status_code == 200
    assert client.get(ENTRIES, headers=alice["headers"]).status_code == 429

    assert client.get(ENTRIES, headers=bob["headers"]).status_code == 200


def _lambda_request(name: str) -> dict[str, Any]:
    event = load_event(name)
    event["headers"]["authorization"] = f"Bearer {stack.DEMO_TOKEN}"
    return event


def test_the_counts_are_shared_between_functions(services, clock):
    """Two functions, each with its own service container (as two Lambdas
    are), count the same caller's requests in the same table."""
    stack.seed_demo_user(services)
    limited(clock, rate_limit_per_minute=5)
    for _ in range(3):
        status, _ = invoke(_lambda_request("entries_list.json"))
        assert status == 200

    limited(clock, rate_limit_per_minute=5)  # another function's own container
    for _ in range(2):
        status, _ = invoke(_lambda_request("stats_get.json"))
        assert status == 200
    status, body = invoke(_lambda_request("stats_get.json"))
    assert status == 429
    assert body == {"detail": "Rate limit exceeded: 5 requests per minute; retry in 60 s."}

    status, _ = invoke(_lambda_request("entries_list.json"))
    assert status == 429


@pytest.fixture
def throttled_counters(services):
    """DynamoDB answers every UpdateItem on the rate-limits table with throttling."""
    faults = DynamoFaults(services.dynamodb)
    table = services.config.rate_limits_table
    faults.throttle(lambda call: call["operation"] == "UpdateItem" and call["params"]["TableName"] == table)
    yield
    faults.remove()


def test_throttled_counters_let_requests_through_and_are_counted(client, user, throttled_counters):
    metrics.clear_metrics()

    response = client.get(ENTRIES, headers=user["headers"])

    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers  # unknown: nothing was counted
    assert "RateLimiterUnavailable" in metrics.metric_set
    metrics.clear_metrics()


def test_openapi_documents_the_headers_and_429_on_every_authenticated_operation(client):
    document = client.get("/openapi.json").json()
    operations = [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]
    assert len(operations) > 20
    public = {"GET /api/v1/info", "GET /api/v1/health"}  # seed 002's: no credential, no rate limit
    for name, operation in operations:
        if name in public:
            assert "security" not in operation, name
            assert "429" not in operation["responses"], name
            continue
        assert operation.get("security"), f"{name} is not authenticated"
        responses = operation["responses"]
        assert responses["429"]["headers"]["Retry-After"] == {"$ref": "#/components/headers/Retry-After"}, name
        assert responses["429"]["content"] == responses["401"]["content"], name  # the API's own error format
        for status, response in responses.items():
            if status != "401":
                assert set(response["headers"]) >= {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"}
    assert set(document["components"]["headers"]) >= {"X-RateLimit-Reset", "Retry-After"}
