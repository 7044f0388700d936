"""Seed 003's dialect: durations and languages, and every error the
time-logs API answers (the framework's included) in the document's format."""

from __future__ import annotations

import pytest

from tests.test_rate_limits import limited
from tests.test_time_logs import API, EN, build_board, stop
from timetrack.api.time_logs.catalogue import OPERATIONS, Lang, duration, language
from timetrack.services.time_logs import TimeLogs


@pytest.fixture
def board(services, make_user, clock):
    return build_board(services, make_user, clock)


# -- formatting and language ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "indonesian", "english"),
    [
        (0, "0 menit", "0 min"),
        (45, "45 menit", "45 min"),
        (60, "1 jam", "1 h"),
        (135, "2 jam 15 menit", "2 h 15 min"),
        (1500, "25 jam", "25 h"),
    ],
)
def test_durations_have_no_zero_parts_no_padding_and_hours_past_a_day(minutes, indonesian, english):
    assert duration(minutes, Lang.ID) == indonesian
    assert duration(minutes, Lang.EN) == english


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, Lang.ID),
        ("", Lang.ID),
        ("en", Lang.EN),
        ("en-US,en;q=0.9", Lang.EN),
        ("id-ID,id;q=0.9,en;q=0.8", Lang.ID),
        ("fr-FR, en;q=0.5", Lang.EN),
        ("id;q=0.4, en;q=0.6", Lang.EN),
        ("de", Lang.ID),
        ("en;q=0", Lang.ID),
    ],
)
def test_the_answer_is_english_only_when_preferred_over_indonesian(header, expected):
    assert language(header) is expected


def test_english_answers_say_the_same_in_english(client, board, clock):
    headers = board.owner["headers"] | EN
    log = client.post(f"{API}/start", json={"card_id": board.card}, headers=headers).json()
    clock.advance(hours=2, minutes=15)

    stopped = stop(client, board.owner, log["data"]["id"], headers=EN).json()
    total = client.get(f"{API}/card/{board.card}/total", headers=headers).json()
    refused = client.patch(f"{API}/card/status", json={"card_id": board.card, "status": "done"}, headers=headers)
    outsider = client.get(f"{API}/card/{board.card}/total", headers=board.outsider["headers"] | EN).json()
    invalid = client.post(f"{API}/start", json={}, headers=headers).json()

    assert log["message"] == "Time tracking started"
    assert (stopped["message"], stopped["data"]["duration_formatted"]) == ("Time tracking stopped", "2 h 15 min")
    assert (total["message"], total["data"]["formatted"]) == ("Total time calculated", "2 h 15 min")
    assert refused.json()["message"] == 'Cannot change the card status to "done" while some subtasks are not done'
    assert refused.json()["data"]["unfinished_subtasks"][0]["status"] == "to do"  # the document's words stay
    assert outsider == {"success": False, "message": "You are not allowed to track time on this card"}
    assert invalid["message"] == "Card ID or Subtask ID is required"


def test_every_route_has_its_500_message():
    from functions.time_logs.app import router

    assert sorted(route.operation_id for route in router.routes) == sorted(OPERATIONS)


# -- errors ---------------------------------------------------------------------------------------


def test_without_a_token_every_route_answers_laravels_401(client):
    for method, path in (("GET", API), ("POST", f"{API}/start"), ("PATCH", f"{API}/card/status")):
        response = client.request(method, path, json={})
        assert response.status_code == 401
        assert response.json() == {"message": "Unauthenticated."}
        assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("body", [{}, {"card_id": None, "subtask_id": None, "description": "x"}, None])
def test_a_start_without_card_or_subtask_is_the_documents_422(client, board, body):
    response = client.post(f"{API}/start", json=body, headers=board.owner["headers"])

    assert response.status_code == 422
    assert response.json() == {
        "success": False,
        "message": "Card ID atau Subtask ID harus diisi",
        "errors": {"card_id": ["The card_id field is required when subtask_id is not present."]},
    }


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "errors"),
    [
        ("POST", "/start", {"json": {"card_id": "5"}}, {"card_id": ["The card_id field must be an integer."]}),
        ("POST", "/start", {"json": {"card_id": 0}}, {"card_id": ["The card_id field must be at least 1."]}),
        (
            "POST",
            "/start",
            {"json": {"card_id": 5, "description": "x" * 2001}},
            {"description": ["The description field must not be greater than 2000 characters."]},
        ),
        ("POST", "/start", {"content": b'{"card_id": 5', "headers": {"Content-Type": "application/json"}}, None),
        ("POST", "/start", {"content": b'{"card_id": "\xff"}', "headers": {"Content-Type": "application/json"}}, None),
        ("POST", "/start", {"json": [5]}, {"body": ["The request body must be a JSON object."]}),
        ("GET", "", {"params": {"per_page": 101}}, {"per_page": ["The per_page field must not be greater than 100."]}),
        ("GET", "", {"params": {"status": "paused"}}, {"status": ["The selected status is invalid."]}),
        ("GET", "", {"params": {"page": "one"}}, {"page": ["The page field must be an integer."]}),
        (
            "PATCH",
            "/card/status",
            {"json": {"card_id": 5, "status": "in_progress"}},
            {"status": ["The selected status is invalid."]},
        ),
        (
            "PATCH",
            "/subtask/status",
            {"json": {"status": "done"}},
            {"subtask_id": ["The subtask_id field is required."]},
        ),
        ("PUT", "/1", {"json": {}}, {"description": ["The description field is required."]}),
    ],
)
def test_invalid_input_is_422_naming_each_field(client, board, method, path, kwargs, errors):
    kwargs.setdefault("headers", {})
    kwargs["headers"] |= board.owner["headers"]

    response = client.request(method, f"{API}{path}", **kwargs)

    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["success"], body["message"]) == (False, "Validasi gagal")
    if errors is None:  # malformed JSON, or not UTF-8
        assert body["errors"] == {"body": ["The request body must be valid JSON."]}
    else:
        assert body["errors"] == errors


def test_unknown_paths_and_methods_answer_in_the_documents_format(client, board):
    headers = board.owner["headers"]
    unknown = client.get(f"{API}/reports", headers=headers)
    not_an_id = client.delete(f"{API}/abc", headers=headers)
    wrong_method = client.get(f"{API}/start", headers=headers)

    assert (unknown.status_code, unknown.json()) == (404, {"success": False, "message": "Resource not found"})
    assert not_an_id.status_code == 404
    assert wrong_method.status_code == 405
    assert wrong_method.json() == {"success": False, "message": "Metode tidak diizinkan untuk endpoint ini"}
    assert wrong_method.headers["Allow"] == "POST"


def test_a_token_without_the_scope_is_refused_naming_it(client, services, board):
    token = services.tokens.issue(board.owner["user_id"], name="reader", granted=("read:time_entries",)).token

    response = client.post(f"{API}/start", json={"card_id": board.card}, headers={"X-API-Key": token})

    assert response.status_code == 403
    assert response.json() == {
        "success": False,
        "message": "Token ini tidak memiliki scope write:time_entries yang dibutuhkan endpoint ini",
        "required_scope": "write:time_entries",
        "available_scopes": ["read:time_entries"],
    }


def test_a_body_too_large_is_413(client, board):
    response = client.post(
        f"{API}/start", content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=board.owner["headers"]
    )
    assert (response.status_code, response.json()) == (
        413,
        {"success": False, "message": "Body permintaan terlalu besar"},
    )


def test_past_the_rate_limit_is_429_with_retry_after(client, board, clock):
    limited(clock, rate_limit_per_minute=1)
    assert client.get(f"{API}/ongoing", headers=board.owner["headers"]).status_code == 200

    response = client.get(f"{API}/ongoing", headers=board.owner["headers"])

    assert response.status_code == 429
    assert response.json()["success"] is False
    assert f"{response.headers['Retry-After']} detik" in response.json()["message"]


@pytest.mark.parametrize(
    ("method", "path", "body", "use_case", "what"),
    [
        ("POST", "/start", {"card_id": 5}, "start", "Gagal memulai time tracking"),
        ("GET", "", None, "page", "Gagal mengambil time logs"),
    ],
)
def test_an_unexpected_error_is_500_naming_what_failed_never_why(
    client, board, monkeypatch, caplog, method, path, body, use_case, what
):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(TimeLogs, use_case, broken)

    response = client.request(method, f"{API}{path}", json=body, headers=board.owner["headers"])

    assert response.status_code == 500
    assert response.json() == {"success": False, "message": f"{what}: Internal server error"}
    logged = [record.exc_info[1] for record in caplog.records if record.exc_info]
    assert [str(error) for error in logged] == ["secret internals"]  # logged with its trace, for us
    assert "X-RateLimit-Limit" in response.headers


def test_a_start_repeated_with_its_idempotency_key_is_the_same_201(client, board):
    headers = board.owner["headers"] | {"Idempotency-Key": "start-1"}
    first = client.post(f"{API}/start", json={"card_id": board.card}, headers=headers)
    again = client.post(f"{API}/start", json={"card_id": board.card}, headers=headers)
    other = client.post(f"{API}/start", json={"card_id": board.other}, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert other.json()["success"] is False
    assert list(other.json()["errors"]) == ["Idempotency-Key"]
