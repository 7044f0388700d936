"""The entries endpoints over HTTP: creation and its totals, time zones,
validation (always 400), isolation between users, updates, deletes, the list's
filters and paging, and the one-running-timer rule for manual entries."""

from __future__ import annotations

import pytest

API = "/api/v1/time-tracking"
ENTRIES = f"{API}/entries"


def create(client, user, **fields):
    body = {"start_time": "2024-01-22T09:00:00", "end_time": "2024-01-22T17:00:00", "hourly_rate": 50} | fields
    response = client.post(ENTRIES, json=body, headers=user["headers"])
    assert response.status_code == 201, response.text
    return response.json()


def put_settings(client, user, **fields):
    response = client.put(f"{API}/settings", json=fields, headers=user["headers"])
    assert response.status_code == 200, response.text


def error_fields(response) -> list[str]:
    """The field names a 400 body blames (the last element of each ``loc``)."""
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, list)
    return [issue["loc"][-1] for issue in detail]


# -- create -----------------------------------------------------------------


def test_create_returns_201_with_the_seed_entry_object(client, user):
    response = client.post(
        ENTRIES,
        json={
            "date": "2024-01-22",
            "start_time": "2024-01-22T09:00:00",
            "end_time": "2024-01-22T17:00:00",
            "hourly_rate": 50,
            "payment_status": "not_paid",
            "notes": "Working on time tracking feature",
        },
        headers=user["headers"],
    )

    assert response.status_code == 201, response.text
    entry = response.json()
    assert set(entry) == {
        "id",
        "date",
        "start_time",
        "end_time",
        "hourly_rate",
        "total_hours",
        "total_earned",
        "payment_status",
        "notes",
        "created_at",
        "updated_at",
        "user_id",
    }
    assert isinstance(entry["id"], int)
    assert entry["id"] > 0
    assert entry["user_id"] == user["user_id"]
    assert isinstance(entry["user_id"], int)
    assert entry["date"] == "2024-01-22"
    assert entry["start_time"] == "2024-01-22T09:00:00+00:00"
    assert entry["end_time"] == "2024-01-22T17:00:00+00:00"
    assert entry["hourly_rate"] == 50.0
    assert entry["total_hours"] == 8.0
    assert entry["total_earned"] == 400.0
    assert entry["payment_status"] == "not_paid"
    assert entry["notes"] == "Working on time tracking feature"
    # The fixture clock says 2024-01-22T09:00Z.
    assert entry["created_at"] == "2024-01-22T09:00:00+00:00"
    assert entry["updated_at"] == "2024-01-22T09:00:00+00:00"


def test_created_entry_can_be_read_back(client, user):
    created = create(client, user, notes="read me")

    response = client.get(f"{ENTRIES}/{created['id']}", headers=user["headers"])

    assert response.status_code == 200
    assert response.json() == created


def test_ids_are_distinct(client, user):
    ids = {create(client, user)["id"] for _ in range(3)}
    assert len(ids) == 3


def test_eight_and_a_half_hours_at_50(client, user):
    entry = create(client, user, start_time="2024-01-22T09:00:00", end_time="2024-01-22T17:30:00", hourly_rate=50)
    assert entry["total_hours"] == 8.5
    assert entry["total_earned"] == 425.0


def test_earnings_are_computed_from_the_rounded_hours(client, user):
    # 1 h 20 min = 1.3333… h -> 1.33; 1.33 * 33.33 = 44.3289 -> 44.33
    # (the exact duration would give 44.44).
    entry = create(client, user, start_time="2024-01-22T09:00:00", end_time="2024-01-22T10:20:00", hourly_rate=33.33)
    assert entry["total_hours"] == 1.33
    assert entry["total_earned"] == 44.33


def test_hours_round_half_up_not_to_even(client, user):
    # 7 min 30 s = 0.125 h: half-up gives 0.13, banker's rounding 0.12.
    entry = create(client, user, start_time="2024-01-22T09:00:00", end_time="2024-01-22T09:07:30", hourly_rate=10)
    assert entry["total_hours"] == 0.13
    assert entry["total_earned"] == 1.3


def test_longer_hours_round_half_up_not_to_even(client, user):
    # 2 h 37 min 30 s = 2.625 h: half-up 2.63, banker's 2.62. 2.63 * 20 = 52.60.
    entry = create(client, user, start_time="2024-01-22T09:00:00", end_time="2024-01-22T11:37:30", hourly_rate=20)
    assert entry["total_hours"] == 2.63
    assert entry["total_earned"] == 52.6


def test_earnings_round_half_up_not_to_even(client, user):
    # 1.5 h * 10.35 = 15.525: half-up 15.53, banker's 15.52.
    entry = create(client, user, start_time="2024-01-22T09:00:00", end_time="2024-01-22T10:30:00", hourly_rate=10.35)
    assert entry["total_hours"] == 1.5
    assert entry["total_earned"] == 15.53


def test_zero_length_entry_has_zero_totals(client, user):
    entry = create(client, user, start_time="2024-01-22T09:00:00", end_time="2024-01-22T09:00:00")
    assert entry["total_hours"] == 0.0
    assert entry["total_earned"] == 0.0


def test_naive_datetimes_are_in_the_users_timezone(client, user):
    put_settings(client, user, timezone="Europe/Berlin")

    entry = create(client, user, start_time="2024-01-22T09:00:00", end_time="2024-01-22T17:00:00")

    assert entry["start_time"] == "2024-01-22T09:00:00+01:00"
    assert entry["end_time"] == "2024-01-22T17:00:00+01:00"
    assert entry["total_hours"] == 8.0
    # created_at (2024-01-22T09:00Z) is rendered in Berlin too.
    assert entry["created_at"] == "2024-01-22T10:00:00+01:00"


def test_explicit_utc_input_is_rendered_in_the_users_timezone(client, user):
    put_settings(client, user, timezone="Europe/Berlin")

    entry = create(client, user, start_time="2024-01-22T08:00:00Z", end_time="2024-01-22T16:30:00+00:00")

    assert entry["start_time"] == "2024-01-22T09:00:00+01:00"
    assert entry["end_time"] == "2024-01-22T17:30:00+01:00"
    assert entry["total_hours"] == 8.5


def test_timezone_change_rerenders_stored_entries(client, user):
    created = create(client, user, start_time="2024-01-22T09:00:00", end_time="2024-01-22T10:00:00")
    put_settings(client, user, timezone="America/New_York")

    entry = client.get(f"{ENTRIES}/{created['id']}", headers=user["headers"]).json()

    assert entry["start_time"] == "2024-01-22T04:00:00-05:00"
    assert entry["end_time"] == "2024-01-22T05:00:00-05:00"
    assert entry["date"] == "2024-01-22"


def test_naive_datetimes_are_utc_by_default(client, user):
    entry = create(client, user, start_time="2024-01-22T09:00:00", end_time="2024-01-22T10:00:00")
    assert entry["start_time"] == "2024-01-22T09:00:00+00:00"


def test_date_defaults_to_the_local_date_of_start(client, user):
    put_settings(client, user, timezone="Asia/Tokyo")

    # 23:30 UTC on the 22nd is 08:30 on the 23rd in Tokyo.
    entry = create(client, user, start_time="2024-01-22T23:30:00Z", end_time="2024-01-23T00:30:00Z")

    assert entry["date"] == "2024-01-23"
    assert entry["start_time"] == "2024-01-23T08:30:00+09:00"


def test_date_defaults_to_the_utc_date_without_a_timezone_setting(client, user):
    entry = create(client, user, start_time="2024-01-22T23:30:00Z", end_time="2024-01-23T00:30:00Z")
    assert entry["date"] == "2024-01-22"


def test_given_date_is_kept(client, user):
    put_settings(client, user, timezone="Asia/Tokyo")

    entry = create(client, user, date="2024-01-20", start_time="2024-01-22T23:30:00Z", end_time="2024-01-23T00:30:00Z")

    assert entry["date"] == "2024-01-20"


def test_hourly_rate_defaults_to_the_settings_rate(client, user):
    put_settings(client, user, default_hourly_rate=42.5)
    body = {"start_time": "2024-01-22T09:00:00", "end_time": "2024-01-22T11:00:00"}

    response = client.post(ENTRIES, json=body, headers=user["headers"])

    assert response.status_code == 201
    assert response.json()["hourly_rate"] == 42.5
    assert response.json()["total_earned"] == 85.0


def test_hourly_rate_defaults_to_zero_without_settings(client, user):
    body = {"start_time": "2024-01-22T09:00:00", "end_time": "2024-01-22T11:00:00"}

    entry = client.post(ENTRIES, json=body, headers=user["headers"]).json()

    assert entry["hourly_rate"] == 0.0
    assert entry["total_hours"] == 2.0
    assert entry["total_earned"] == 0.0


def test_explicit_zero_rate_is_not_replaced_by_the_default(client, user):
    put_settings(client, user, default_hourly_rate=42)
    entry = create(client, user, hourly_rate=0)
    assert entry["hourly_rate"] == 0.0
    assert entry["total_earned"] == 0.0


def test_payment_status_defaults_to_not_paid(client, user):
    body = {"start_time": "2024-01-22T09:00:00", "end_time": "2024-01-22T11:00:00"}
    entry = client.post(ENTRIES, json=body, headers=user["headers"]).json()
    assert entry["payment_status"] == "not_paid"
    assert entry["notes"] is None


@pytest.mark.parametrize("status", ["not_paid", "invoiced_not_approved", "invoiced_approved", "paid"])
def test_every_payment_status_is_accepted(client, user, status):
    assert create(client, user, payment_status=status)["payment_status"] == status


# -- create: validation -----------------------------------------------------


def test_end_before_start_is_400_naming_end_time(client, user):
    body = {"start_time": "2024-01-22T17:00:00", "end_time": "2024-01-22T09:00:00", "hourly_rate": 50}
    response = client.post(ENTRIES, json=body, headers=user["headers"])
    assert error_fields(response) == ["end_time"]


# The clock fixture stands at 2024-01-22T09:00 UTC.
OUT_OF_BOUNDS = [
    pytest.param({"start_time": "1900-01-01T00:00:00", "end_time": "2024-01-22T09:00:00"}, "end_time", id="from-1900"),
    pytest.param({"start_time": "2024-01-22T09:00:00", "end_time": "9998-12-31T00:00:00"}, "end_time", id="to-9998"),
    pytest.param({"start_time": "2023-12-01T00:00:00", "end_time": "2024-01-11T16:00:00"}, "end_time", id="1000h"),
    pytest.param({"start_time": "2024-01-23T09:00:00", "end_time": "2024-01-23T09:00:01"}, "end_time", id="24h+1s"),
    pytest.param({"start_time": "1900-01-01T00:00:00", "end_time": None}, "start_time", id="running-since-1900"),
]


@pytest.mark.parametrize(("times", "field"), OUT_OF_BOUNDS)
def test_create_far_ahead_or_longer_than_999_hours_is_400(client, user, times, field):
    response = client.post(ENTRIES, json={"hourly_rate": 50} | times, headers=user["headers"])
    assert error_fields(response) == [field]
    assert client.get(ENTRIES, headers=user["headers"]).json() == []


@pytest.mark.parametrize(("times", "field"), OUT_OF_BOUNDS)
def test_update_far_ahead_or_longer_than_999_hours_is_400_and_changes_nothing(client, user, times, field):
    entry = create(client, user)
    response = client.put(f"{ENTRIES}/{entry['id']}", json=times, headers=user["headers"])
    assert error_fields(response) == [field]
    assert client.get(f"{ENTRIES}/{entry['id']}", headers=user["headers"]).json() == entry


def test_the_limits_themselves_are_accepted(client, user):
    """999 hours exactly, ending exactly 24 hours from now."""
    entry = create(client, user, start_time="2023-12-12T18:00:00", end_time="2024-01-23T09:00:00")
    assert entry["total_hours"] == 999.0


def test_invalid_payment_status_is_400(client, user):
    body = {"start_time": "2024-01-22T09:00:00", "end_time": "2024-01-22T10:00:00", "payment_status": "overdue"}
    response = client.post(ENTRIES, json=body, headers=user["headers"])
    assert error_fields(response) == ["payment_status"]


def test_rate_with_three_decimals_is_400(client, user):
    body = {"start_time": "2024-01-22T09:00:00", "end_time": "2024-01-22T10:00:00", "hourly_rate": 50.125}
    response = client.post(ENTRIES, json=body, headers=user["headers"])
    assert error_fields(response) == ["hourly_rate"]


def test_negative_rate_is_400(client, user):
    body = {"start_time": "2024-01-22T09:00:00", "end_time": "2024-01-22T10:00:00", "hourly_rate": -1}
    response = client.post(ENTRIES, json=body, headers=user["headers"])
    assert error_fields(response) == ["hourly_rate"]


def test_missing_start_time_is_400_naming_start_time(client, user):
    body = {"end_time": "2024-01-22T10:00:00", "hourly_rate": 50}
    response = client.post(ENTRIES, json=body, headers=user["headers"])
    assert error_fields(response) == ["start_time"]
    issue = response.json()["detail"][0]
    assert issue["loc"] == ["body", "start_time"]
    assert set(issue) == {"loc", "msg", "type"}


def test_unparseable_start_time_is_400(client, user):
    body = {"start_time": "yesterday morning", "hourly_rate": 50}
    response = client.post(ENTRIES, json=body, headers=user["headers"])
    assert error_fields(response) == ["start_time"]


def test_notes_longer_than_2000_characters_are_400(client, user):
    body = {"start_time": "2024-01-22T09:00:00", "end_time": "2024-01-22T10:00:00", "notes": "x" * 2001}
    response = client.post(ENTRIES, json=body, headers=user["headers"])
    assert error_fields(response) == ["notes"]


def test_notes_of_exactly_2000_characters_are_accepted(client, user):
    assert create(client, user, notes="x" * 2000)["notes"] == "x" * 2000


def test_malformed_json_is_400_not_422(client, user):
    response = client.post(
        ENTRIES,
        content=b'{"start_time": "2024-01-22T09:00:00",',
        headers=user["headers"] | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], list)


def test_rejected_create_stores_nothing(client, user):
    body = {"start_time": "2024-01-22T17:00:00", "end_time": "2024-01-22T09:00:00"}
    assert client.post(ENTRIES, json=body, headers=user["headers"]).status_code == 400
    assert client.get(ENTRIES, headers=user["headers"]).json() == []


# -- isolation and not found -------------------------------------------------


def test_another_users_entry_is_404_for_get_put_and_delete(client, user, make_user):
    entry = create(client, user, notes="mine")
    mallory = make_user("mallory@example.com")
    url = f"{ENTRIES}/{entry['id']}"

    assert client.get(url, headers=mallory["headers"]).status_code == 404
    assert client.put(url, json={"notes": "hijacked"}, headers=mallory["headers"]).status_code == 404
    assert client.delete(url, headers=mallory["headers"]).status_code == 404

    assert client.get(url, headers=user["headers"]).json() == entry
    assert client.get(ENTRIES, headers=mallory["headers"]).json() == []


def test_unknown_id_is_404(client, user):
    url = f"{ENTRIES}/999999"
    assert client.get(url, headers=user["headers"]).status_code == 404
    assert client.put(url, json={"notes": "x"}, headers=user["headers"]).status_code == 404
    assert client.delete(url, headers=user["headers"]).status_code == 404
    assert isinstance(client.get(url, headers=user["headers"]).json()["detail"], str)


# -- update -----------------------------------------------------------------


def test_update_recomputes_totals_and_keeps_omitted_fields(client, user, clock):
    entry = create(
        client,
        user,
        date="2024-01-22",
        start_time="2024-01-22T09:00:00",
        end_time="2024-01-22T17:00:00",
        hourly_rate=50,
        payment_status="invoiced_not_approved",
        notes="keep me",
    )
    clock.advance(hours=1)

    response = client.put(f"{ENTRIES}/{entry['id']}", json={"end_time": "2024-01-22T12:30:00"}, headers=user["headers"])

    assert response.status_code == 200, response.text
    updated = response.json()
    assert updated["end_time"] == "2024-01-22T12:30:00+00:00"
    assert updated["total_hours"] == 3.5
    assert updated["total_earned"] == 175.0
    for kept in ("id", "date", "start_time", "hourly_rate", "payment_status", "notes", "created_at", "user_id"):
        assert updated[kept] == entry[kept], kept
    assert updated["updated_at"] == "2024-01-22T10:00:00+00:00"
    assert client.get(f"{ENTRIES}/{entry['id']}", headers=user["headers"]).json() == updated


def test_update_rate_recomputes_earnings(client, user):
    entry = create(client, user, start_time="2024-01-22T09:00:00", end_time="2024-01-22T17:00:00", hourly_rate=50)

    updated = client.put(f"{ENTRIES}/{entry['id']}", json={"hourly_rate": 62.5}, headers=user["headers"]).json()

    assert updated["total_hours"] == 8.0
    assert updated["total_earned"] == 500.0


def test_update_payment_status(client, user):
    entry = create(client, user)

    response = client.put(f"{ENTRIES}/{entry['id']}", json={"payment_status": "paid"}, headers=user["headers"])

    assert response.status_code == 200
    assert response.json()["payment_status"] == "paid"
    assert response.json()["total_earned"] == entry["total_earned"]
    assert client.get(f"{ENTRIES}/{entry['id']}", headers=user["headers"]).json()["payment_status"] == "paid"


def test_update_naive_time_is_in_the_users_timezone(client, user):
    put_settings(client, user, timezone="Europe/Berlin")
    entry = create(client, user, start_time="2024-01-22T09:00:00", end_time="2024-01-22T10:00:00")

    updated = client.put(
        f"{ENTRIES}/{entry['id']}", json={"end_time": "2024-01-22T11:00:00"}, headers=user["headers"]
    ).json()

    assert updated["end_time"] == "2024-01-22T11:00:00+01:00"
    assert updated["total_hours"] == 2.0


def test_update_end_before_start_is_400_and_changes_nothing(client, user):
    entry = create(client, user)

    response = client.put(f"{ENTRIES}/{entry['id']}", json={"end_time": "2024-01-22T08:00:00"}, headers=user["headers"])

    assert error_fields(response) == ["end_time"]
    assert client.get(f"{ENTRIES}/{entry['id']}", headers=user["headers"]).json() == entry


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"payment_status": "overdue"}, "payment_status"),
        ({"hourly_rate": 1.005}, "hourly_rate"),
        ({"hourly_rate": -5}, "hourly_rate"),
        ({"notes": "x" * 2001}, "notes"),
        ({"start_time": None}, "start_time"),
    ],
)
def test_invalid_update_is_400(client, user, body, field):
    entry = create(client, user)
    response = client.put(f"{ENTRIES}/{entry['id']}", json=body, headers=user["headers"])
    assert error_fields(response) == [field]
    assert client.get(f"{ENTRIES}/{entry['id']}", headers=user["headers"]).json() == entry


def test_update_with_malformed_json_is_400(client, user):
    entry = create(client, user)
    response = client.put(
        f"{ENTRIES}/{entry['id']}",
        content=b"{not json",
        headers=user["headers"] | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400


# -- delete -----------------------------------------------------------------


def test_delete_is_204_then_404(client, user):
    entry = create(client, user)
    url = f"{ENTRIES}/{entry['id']}"

    response = client.delete(url, headers=user["headers"])

    assert response.status_code == 204
    assert response.content == b""
    assert client.get(url, headers=user["headers"]).status_code == 404
    assert client.delete(url, headers=user["headers"]).status_code == 404
    assert client.get(ENTRIES, headers=user["headers"]).json() == []


# -- list -------------------------------------------------------------------


def test_list_is_empty_for_a_new_user(client, user):
    response = client.get(ENTRIES, headers=user["headers"])
    assert response.status_code == 200
    assert response.json() == []


def test_list_filters_on_date_inclusively(client, user):
    by_date = {}
    for day in ("2024-01-19", "2024-01-20", "2024-01-21", "2024-01-22", "2024-01-23"):
        by_date[day] = create(client, user, date=day)["id"]

    response = client.get(
        ENTRIES, params={"start_date": "2024-01-20", "end_date": "2024-01-22"}, headers=user["headers"]
    )

    assert response.status_code == 200
    assert [e["id"] for e in response.json()] == [by_date["2024-01-22"], by_date["2024-01-21"], by_date["2024-01-20"]]


def test_list_filters_on_date_not_start_time(client, user):
    # Started on the 22nd, but dated the 20th by the user.
    entry = create(client, user, date="2024-01-20")

    on_date = client.get(
        ENTRIES, params={"start_date": "2024-01-20", "end_date": "2024-01-20"}, headers=user["headers"]
    )
    on_start = client.get(
        ENTRIES, params={"start_date": "2024-01-22", "end_date": "2024-01-22"}, headers=user["headers"]
    )

    assert [e["id"] for e in on_date.json()] == [entry["id"]]
    assert on_start.json() == []


def test_list_with_only_start_or_only_end_date(client, user):
    early = create(client, user, date="2024-01-10")["id"]
    late = create(client, user, date="2024-01-30")["id"]

    since = client.get(ENTRIES, params={"start_date": "2024-01-11"}, headers=user["headers"]).json()
    until = client.get(ENTRIES, params={"end_date": "2024-01-29"}, headers=user["headers"]).json()

    assert [e["id"] for e in since] == [late]
    assert [e["id"] for e in until] == [early]


def test_list_filters_on_payment_status(client, user):
    paid = create(client, user, payment_status="paid", date="2024-01-20")["id"]
    create(client, user, payment_status="not_paid", date="2024-01-21")
    paid_later = create(client, user, payment_status="paid", date="2024-01-22")["id"]
    create(client, user, payment_status="invoiced_approved", date="2024-01-23")

    response = client.get(ENTRIES, params={"payment_status": "paid"}, headers=user["headers"])

    assert [e["id"] for e in response.json()] == [paid_later, paid]
    assert {e["payment_status"] for e in response.json()} == {"paid"}


def test_list_combines_status_and_date_filters(client, user):
    create(client, user, payment_status="paid", date="2024-01-20")
    wanted = create(client, user, payment_status="paid", date="2024-01-22")["id"]
    create(client, user, payment_status="not_paid", date="2024-01-22")

    response = client.get(
        ENTRIES, params={"payment_status": "paid", "start_date": "2024-01-21"}, headers=user["headers"]
    )

    assert [e["id"] for e in response.json()] == [wanted]


def test_list_with_invalid_payment_status_is_400(client, user):
    response = client.get(ENTRIES, params={"payment_status": "overdue"}, headers=user["headers"])
    assert error_fields(response) == ["payment_status"]


def test_list_is_newest_first(client, user):
    # Created out of order; listed by date, then start time, newest first.
    a = create(client, user, date="2024-01-19", start_time="2024-01-19T09:00:00", end_time="2024-01-19T10:00:00")
    b = create(client, user, date="2024-01-21", start_time="2024-01-21T09:00:00", end_time="2024-01-21T10:00:00")
    c = create(client, user, date="2024-01-20", start_time="2024-01-20T14:00:00", end_time="2024-01-20T15:00:00")
    d = create(client, user, date="2024-01-20", start_time="2024-01-20T08:00:00", end_time="2024-01-20T09:00:00")

    listed = client.get(ENTRIES, headers=user["headers"]).json()

    assert [e["id"] for e in listed] == [b["id"], c["id"], d["id"], a["id"]]
    assert listed[0] == b


def test_list_pages_with_skip_and_limit(client, user):
    ids = [create(client, user, date=f"2024-01-{day:02d}")["id"] for day in range(10, 15)]
    newest_first = ids[::-1]

    page = client.get(ENTRIES, params={"skip": 2, "limit": 2}, headers=user["headers"])
    last = client.get(ENTRIES, params={"skip": 4, "limit": 2}, headers=user["headers"])
    beyond = client.get(ENTRIES, params={"skip": 5, "limit": 2}, headers=user["headers"])

    assert page.status_code == 200
    assert [e["id"] for e in page.json()] == newest_first[2:4]
    assert [e["id"] for e in last.json()] == newest_first[4:]
    assert beyond.json() == []


def test_list_limit_applies_after_filters(client, user):
    for day in range(10, 15):
        create(client, user, date=f"2024-01-{day:02d}")

    response = client.get(
        ENTRIES, params={"start_date": "2024-01-11", "end_date": "2024-01-13", "limit": 2}, headers=user["headers"]
    )

    assert [e["date"] for e in response.json()] == ["2024-01-13", "2024-01-12"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"skip": -1}, "skip"),
        ({"limit": "many"}, "limit"),
        ({"start_date": "2024-13-01"}, "start_date"),
    ],
)
def test_list_with_invalid_query_is_400(client, user, params, field):
    response = client.get(ENTRIES, params=params, headers=user["headers"])
    assert error_fields(response) == [field]
    assert response.json()["detail"][0]["loc"] == ["query", field]


def test_list_accepts_limit_1000(client, user):
    create(client, user)
    response = client.get(ENTRIES, params={"limit": 1000}, headers=user["headers"])
    assert response.status_code == 200
    assert len(response.json()) == 1


def test_list_with_end_date_before_start_date_is_400(client, user):
    response = client.get(
        ENTRIES, params={"start_date": "2024-01-22", "end_date": "2024-01-21"}, headers=user["headers"]
    )
    assert error_fields(response) == ["end_date"]


def test_list_includes_the_running_entry(client, user):
    running = create(client, user, end_time=None)

    listed = client.get(ENTRIES, headers=user["headers"]).json()

    assert [e["id"] for e in listed] == [running["id"]]
    assert listed[0]["end_time"] is None


# -- the one running timer ----------------------------------------------------


def test_entry_without_end_time_is_running(client, user):
    body = {"start_time": "2024-01-22T09:00:00", "hourly_rate": 50}

    response = client.post(ENTRIES, json=body, headers=user["headers"])

    assert response.status_code == 201
    entry = response.json()
    assert entry["end_time"] is None
    assert entry["total_hours"] is None
    assert entry["total_earned"] is None
    assert client.get(f"{API}/sessions/active", headers=user["headers"]).json() == entry


def test_second_running_entry_is_409(client, user):
    first = create(client, user, end_time=None)

    response = client.post(ENTRIES, json={"start_time": "2024-01-22T10:00:00"}, headers=user["headers"])

    assert response.status_code == 409
    assert response.json()["active_entry"] == first
    assert [e["id"] for e in client.get(ENTRIES, headers=user["headers"]).json()] == [first["id"]]


def test_completed_entries_may_be_added_while_one_runs(client, user):
    create(client, user, end_time=None)
    done = create(client, user, start_time="2024-01-21T09:00:00", end_time="2024-01-21T10:00:00")
    assert done["total_hours"] == 1.0


def test_put_end_time_stops_the_running_entry_and_frees_the_slot(client, user):
    running = create(client, user, start_time="2024-01-22T09:00:00", end_time=None, hourly_rate=40)

    response = client.put(
        f"{ENTRIES}/{running['id']}", json={"end_time": "2024-01-22T11:15:00"}, headers=user["headers"]
    )

    assert response.status_code == 200, response.text
    assert response.json()["total_hours"] == 2.25
    assert response.json()["total_earned"] == 90.0
    active = client.get(f"{API}/sessions/active", headers=user["headers"])
    assert active.status_code == 200
    assert active.json() is None
    started = client.post(f"{API}/sessions/start", headers=user["headers"])
    assert started.status_code == 201, started.text


def test_put_on_the_running_entry_keeps_it_running(client, user):
    running = create(client, user, end_time=None)

    updated = client.put(f"{ENTRIES}/{running['id']}", json={"notes": "still going"}, headers=user["headers"]).json()

    assert updated["end_time"] is None
    assert client.get(f"{API}/sessions/active", headers=user["headers"]).json() == updated
    assert client.post(f"{API}/sessions/start", headers=user["headers"]).status_code == 409


def test_put_end_time_null_while_another_runs_is_409(client, user):
    done = create(client, user, start_time="2024-01-21T09:00:00", end_time="2024-01-21T10:00:00")
    running = create(client, user, start_time="2024-01-22T09:00:00", end_time=None)

    response = client.put(f"{ENTRIES}/{done['id']}", json={"end_time": None}, headers=user["headers"])

    assert response.status_code == 409
    assert client.get(f"{ENTRIES}/{done['id']}", headers=user["headers"]).json() == done
    assert client.get(f"{API}/sessions/active", headers=user["headers"]).json() == running


def test_put_end_time_null_reopens_a_completed_entry_when_nothing_runs(client, user):
    done = create(client, user, start_time="2024-01-22T09:00:00", end_time="2024-01-22T10:00:00")

    response = client.put(f"{ENTRIES}/{done['id']}", json={"end_time": None}, headers=user["headers"])

    assert response.status_code == 200
    assert response.json()["end_time"] is None
    assert response.json()["total_hours"] is None
    assert client.get(f"{API}/sessions/active", headers=user["headers"]).json()["id"] == done["id"]


def test_deleting_the_running_entry_frees_the_slot(client, user):
    running = create(client, user, end_time=None)

    assert client.delete(f"{ENTRIES}/{running['id']}", headers=user["headers"]).status_code == 204

    assert client.get(f"{API}/sessions/active", headers=user["headers"]).json() is None
    assert client.post(ENTRIES, json={"start_time": "2024-01-22T10:00:00"}, headers=user["headers"]).status_code == 201


def test_entries_require_authentication(client):
    assert client.get(ENTRIES).status_code == 401
    assert client.post(ENTRIES, json={"start_time": "2024-01-22T09:00:00"}).status_code == 401
