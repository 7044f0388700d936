API = "/api/v1/time-tracking"


def test_start_stop_cycle(client, user, clock):
    started = client.post(f"{API}/sessions/start", json={"hourly_rate": 60}, headers=user["headers"])
    assert started.status_code == 201, started.text
    clock.advance(minutes=90)
    stopped = client.post(f"{API}/sessions/{started.json()['id']}/stop", headers=user["headers"])
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["total_hours"] == 1.5
    assert stopped.json()["total_earned"] == 90.0
    listed = client.get(f"{API}/entries", headers=user["headers"])
    assert [e["id"] for e in listed.json()] == [started.json()["id"]]
