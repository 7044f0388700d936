"""The integrations API's dialect (seed 002) over HTTP: one error format for
everything (the framework's errors too), pagination, times, and the tenancy
rule (which workspace a request acts in)."""

from __future__ import annotations


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code, body
    assert body["error"], body
    assert body["message"], body
    return body


def test_info_needs_no_credential(client):
    response = client.get("/api/v1/info")
    assert response.status_code == 200
    body = response.json()
    assert body["api_version"] == "v1"
    assert body["documentation_url"] == "/api/docs"
    assert body["endpoints"]["projects"] == "/api/v1/projects"


def test_health_reads_the_database_without_a_credential(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "healthy"
    assert body["timestamp"] == "2024-01-22T09:00:00Z"


def test_an_unknown_path_under_the_api_is_404_in_its_format(client):
    assert_error(client.get("/api/v1/projects/1/nothing"), 404, "not_found")
    assert_error(client.get("/api/v1/users/nobody"), 404, "not_found")


def test_a_wrong_method_is_405_in_its_format_with_allow(client):
    response = client.delete("/api/v1/info")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET"


def test_other_apis_keep_their_own_format(client):
    assert client.get("/api/v1/time-tracking/nothing").json() == {"detail": "Not Found"}
