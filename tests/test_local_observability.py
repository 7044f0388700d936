"""The local app gives each request what API Gateway and Lambda give it on
AWS: a request id (answered in X-Request-Id), the serving function's name,
and one access log line."""

from __future__ import annotations

import logging

import pytest


@pytest.fixture
def access_log(caplog) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="timetrack.access")
    return caplog


@pytest.mark.parametrize(
    ("method", "path", "status", "function_name"),
    [
        ("GET", "/api/v1/time-tracking/settings", 200, "settings"),
        ("GET", "/api/v1/time-tracking/sessions/active", 200, "sessions"),
        ("GET", "/api/v1/time-tracking/entries?limit=5", 200, "entries"),
        ("GET", "/api/v1/workspaces", 200, "workspaces"),
        ("GET", "/time-tracking/active?workspace_id=1&user_id=1", 404, "clock_in"),
        ("DELETE", "/api/v1/time-tracking/settings", 405, "settings"),
        ("GET", "/docs", 200, "local"),
        ("GET", "/nowhere", 404, "local"),
    ],
)
def test_one_access_line_per_request_names_function_and_request_id(
    client, user, access_log, method, path, status, function_name
):
    response = client.request(method, path, headers=user["headers"])
    assert response.status_code == status
    request_id = response.headers["x-request-id"]
    (line,) = [message for message in access_log.messages if request_id in message]
    assert line.startswith(f"{method} {path} {status} ")
    assert line.split()[-2:] == [function_name, request_id]


def test_every_request_gets_its_own_id(client, user):
    ids = {
        client.get("/api/v1/time-tracking/settings", headers=user["headers"]).headers["x-request-id"] for _ in range(3)
    }
    assert len(ids) == 3
