"""The timer over HTTP: start, stop, the active session, and the rule of one
running timer per user."""

from __future__ import annotations

API = "/api/v1/time-tracking"
START = f"{API}/sessions/start"
ACTIVE = f"{API}/sessions/active"


def stop_url(entry_id: int) -> str:
    return f"{API}/sessions/{entry_id}/stop"


def start(client, user, **body):
    response = client.post(START, json=body, headers=user["headers"])
    assert response.status_code == 201, response.text
    return response.json()


# -- start --------------------------------------------------------------------


def test_start_without_a_body(client, user):
    response = client.post(START, headers=user["headers"])

    assert response.status_code == 201, response.text
    entry = response.json()
    assert entry["start_time"] == "2024-01-22T09:00:00+00:00"  # the fixture clock
    assert entry["date"] == "2024-01-22"
    assert entry["end_time"] is None
    assert entry["total_hours"] is None
    assert entry["total_earned"] is None
    assert entry["hourly_rate"] == 0.0
    assert entry["payment_status"] == "not_paid"
    assert entry["notes"] is None
    assert entry["user_id"] == user["user_id"]


def test_start_with_an_empty_object(client, user):
    entry = start(client, user)
    assert entry["end_time"] is None
    assert entry["total_hours"] is None
    assert entry["total_earned"] is None


def test_start_with_rate_and_notes(client, user):
    entry = start(client, user, hourly_rate=60, notes="client call")

    assert entry["hourly_rate"] == 60.0
    assert entry["notes"] == "client call"
    assert entry["end_time"] is None
    assert entry["total_hours"] is None
    assert entry["total_earned"] is None


def test_start_uses_the_default_rate_from_settings(client, user):
    client.put(f"{API}/settings", json={"default_hourly_rate": 75}, headers=user["headers"])
    assert start(client, user)["hourly_rate"] == 75.0


def test_start_renders_now_in_the_users_timezone(client, user, clock):
    client.put(f"{API}/settings", json={"timezone": "Asia/Tokyo"}, headers=user["headers"])
    clock.set("2024-01-22T20:00:00+00:00")

    entry = start(client, user)

    assert entry["start_time"] == "2024-01-23T05:00:00+09:00"
    assert entry["date"] == "2024-01-23"


def test_start_with_invalid_body_is_400(client, user):
    for body, field in (({"hourly_rate": -1}, "hourly_rate"), ({"hourly_rate": 1.234}, "hourly_rate")):
        response = client.post(START, json=body, headers=user["headers"])
        assert response.status_code == 400, body
        assert [issue["loc"][-1] for issue in response.json()["detail"]] == [field]
    response = client.post(START, json={"notes": "x" * 2001}, headers=user["headers"])
    assert response.status_code == 400
    assert client.get(ACTIVE, headers=user["headers"]).json() is None


def test_start_while_running_is_409_with_the_running_entry(client, user, clock):
    running = start(client, user, hourly_rate=60, notes="first")
    clock.advance(minutes=5)

    response = client.post(START, json={"hourly_rate": 10}, headers=user["headers"])

    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"detail", "active_entry"}
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["active_entry"] == running
    assert client.get(ACTIVE, headers=user["headers"]).json() == running


def test_409_active_entry_is_rendered_in_the_users_timezone(client, user):
    client.put(f"{API}/settings", json={"timezone": "Europe/Berlin"}, headers=user["headers"])
    running = start(client, user)

    response = client.post(START, headers=user["headers"])

    assert response.status_code == 409
    assert response.json()["active_entry"]["start_time"] == "2024-01-22T10:00:00+01:00"
    assert response.json()["active_entry"] == running


# -- active -------------------------------------------------------------------


def test_active_is_null_when_nothing_runs(client, user):
    response = client.get(ACTIVE, headers=user["headers"])

    assert response.status_code == 200
    assert response.text == "null"
    assert response.json() is None


def test_active_returns_the_running_entry(client, user):
    running = start(client, user, hourly_rate=60)

    response = client.get(ACTIVE, headers=user["headers"])

    assert response.status_code == 200
    assert response.json() == running


# -- stop ---------------------------------------------------------------------


def test_stop_sets_end_time_to_now_and_totals(client, user, clock):
    running = start(client, user, hourly_rate=60)
    clock.advance(hours=1, minutes=45)

    response = client.post(stop_url(running["id"]), headers=user["headers"])

    assert response.status_code == 200, response.text
    stopped = response.json()
    assert stopped["end_time"] == "2024-01-22T10:45:00+00:00"
    assert stopped["total_hours"] == 1.75
    assert stopped["total_earned"] == 105.0
    assert stopped["updated_at"] == "2024-01-22T10:45:00+00:00"
    for kept in ("id", "date", "start_time", "hourly_rate", "payment_status", "notes", "created_at", "user_id"):
        assert stopped[kept] == running[kept], kept
    assert client.get(ACTIVE, headers=user["headers"]).json() is None
    assert client.get(f"{API}/entries/{running['id']}", headers=user["headers"]).json() == stopped


def test_stop_rounds_half_up(client, user, clock):
    running = start(client, user, hourly_rate=10)
    clock.advance(minutes=7, seconds=30)  # 0.125 h

    stopped = client.post(stop_url(running["id"]), headers=user["headers"]).json()

    assert stopped["total_hours"] == 0.13
    assert stopped["total_earned"] == 1.3


def test_a_timer_forgotten_past_999_hours_still_stops_at_its_999th_hour(client, user, clock):
    running = start(client, user, hourly_rate=10)
    clock.advance(hours=1200)

    response = client.post(stop_url(running["id"]), headers=user["headers"])

    assert response.status_code == 200, response.text
    stopped = response.json()
    assert stopped["end_time"] == "2024-03-04T00:00:00+00:00"  # 09:00 on Jan 22 + 999 h
    assert (stopped["total_hours"], stopped["total_earned"]) == (999.0, 9990.0)
    assert client.get(ACTIVE, headers=user["headers"]).json() is None


def test_stopping_twice_is_409(client, user, clock):
    running = start(client, user)
    clock.advance(minutes=30)
    first = client.post(stop_url(running["id"]), headers=user["headers"])
    clock.advance(minutes=30)

    second = client.post(stop_url(running["id"]), headers=user["headers"])

    assert second.status_code == 409
    assert isinstance(second.json()["detail"], str)
    stored = client.get(f"{API}/entries/{running['id']}", headers=user["headers"]).json()
    assert stored == first.json()
    assert stored["end_time"] == "2024-01-22T09:30:00+00:00"


def test_stopping_a_manual_completed_entry_is_409(client, user):
    body = {"start_time": "2024-01-22T07:00:00", "end_time": "2024-01-22T08:00:00"}
    entry = client.post(f"{API}/entries", json=body, headers=user["headers"]).json()

    response = client.post(stop_url(entry["id"]), headers=user["headers"])

    assert response.status_code == 409


def test_stopping_another_users_entry_is_404(client, user, make_user, clock):
    running = start(client, user)
    mallory = make_user("mallory@example.com")
    clock.advance(minutes=10)

    response = client.post(stop_url(running["id"]), headers=mallory["headers"])

    assert response.status_code == 404
    assert client.get(ACTIVE, headers=user["headers"]).json() == running


def test_stopping_an_unknown_entry_is_404(client, user):
    assert client.post(stop_url(999999), headers=user["headers"]).status_code == 404


def test_stop_after_a_timezone_change_uses_the_stored_instant(client, user, clock):
    running = start(client, user, hourly_rate=20)
    client.put(f"{API}/settings", json={"timezone": "America/New_York"}, headers=user["headers"])
    clock.advance(hours=2)

    stopped = client.post(stop_url(running["id"]), headers=user["headers"]).json()

    assert stopped["start_time"] == "2024-01-22T04:00:00-05:00"
    assert stopped["end_time"] == "2024-01-22T06:00:00-05:00"
    assert stopped["total_hours"] == 2.0
    assert stopped["total_earned"] == 40.0


# -- the one-timer rule -------------------------------------------------------


def test_start_stop_list_cycle(client, user, clock):
    started = start(client, user, hourly_rate=60)
    clock.advance(minutes=90)

    stopped = client.post(stop_url(started["id"]), headers=user["headers"])

    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["total_hours"] == 1.5
    assert stopped.json()["total_earned"] == 90.0
    listed = client.get(f"{API}/entries", headers=user["headers"])
    assert listed.json() == [stopped.json()]


def test_a_new_session_can_start_after_stop(client, user, clock):
    first = start(client, user)
    clock.advance(minutes=30)
    client.post(stop_url(first["id"]), headers=user["headers"])
    clock.advance(minutes=5)

    second = start(client, user)

    assert second["id"] != first["id"]
    assert second["start_time"] == "2024-01-22T09:35:00+00:00"
    assert client.get(ACTIVE, headers=user["headers"]).json() == second


def test_deleting_the_running_session_frees_the_slot(client, user):
    running = start(client, user)

    assert client.delete(f"{API}/entries/{running['id']}", headers=user["headers"]).status_code == 204

    assert client.get(ACTIVE, headers=user["headers"]).json() is None
    assert client.post(stop_url(running["id"]), headers=user["headers"]).status_code == 404
    again = client.post(START, headers=user["headers"])
    assert again.status_code == 201


def test_one_users_timer_does_not_block_another(client, user, make_user):
    bob = make_user("bob@example.com")
    alices = start(client, user)

    bobs = client.post(START, headers=bob["headers"])

    assert bobs.status_code == 201
    assert bobs.json()["id"] != alices["id"]
    assert client.get(ACTIVE, headers=user["headers"]).json() == alices
    assert client.get(ACTIVE, headers=bob["headers"]).json() == bobs.json()


def test_sessions_require_authentication(client):
    assert client.post(START).status_code == 401
    assert client.get(ACTIVE).status_code == 401
    assert client.post(stop_url(1)).status_code == 401
