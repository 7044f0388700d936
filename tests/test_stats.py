"""The stats endpoint over HTTP: hours and earnings for the caller's local
today / week / month (entries split at the boundaries, a running timer counted
up to now), and the amounts by payment status, all-time or for a period.

"Now" is set with the clock fixture; unless a test says otherwise it is
Wednesday 2024-01-24 15:00 UTC, so the (Monday) week is 22-28 January.
"""

from __future__ import annotations

import pytest

API = "/api/v1/time-tracking"
STATS = f"{API}/stats"
WEDNESDAY = "2024-01-24T15:00:00+00:00"

ZEROS = {
    "total_hours_today": 0.0,
    "total_earned_today": 0.0,
    "total_hours_week": 0.0,
    "total_earned_week": 0.0,
    "total_hours_month": 0.0,
    "total_earned_month": 0.0,
    "unpaid_amount": 0.0,
    "invoiced_amount": 0.0,
    "paid_amount": 0.0,
}


@pytest.fixture
def now(clock):
    clock.set(WEDNESDAY)
    return clock


def add_later(client, user, clock, start, end, rate):
    """An entry more than a day ahead of ``clock``: written on its own day (no entry ends
    more than 24 hours after the server's clock), then the clock goes back."""
    today = clock.now
    clock.set(f"{end}+00:00")
    add(client, user, start, end, rate)
    clock.set(today)


def add(client, user, start, end, rate, **fields):
    """A completed entry; naive times are UTC unless the user set a zone."""
    body = {"start_time": start, "end_time": end, "hourly_rate": rate} | fields
    response = client.post(f"{API}/entries", json=body, headers=user["headers"])
    assert response.status_code == 201, response.text
    return response.json()


def stats(client, user, period=None):
    params = {"period": period} if period else None
    response = client.get(STATS, params=params, headers=user["headers"])
    assert response.status_code == 200, response.text
    return response.json()


def periods(body):
    """The today/week/month part of a stats body."""
    return {key: value for key, value in body.items() if key.startswith("total_")}


def amounts(body):
    return (body["unpaid_amount"], body["invoiced_amount"], body["paid_amount"])


def settings(client, user, **fields):
    response = client.put(f"{API}/settings", json=fields, headers=user["headers"])
    assert response.status_code == 200, response.text


# -- shape --------------------------------------------------------------------


def test_new_user_has_all_zero_stats(client, user, now):
    body = stats(client, user)
    assert body == ZEROS
    assert all(isinstance(value, float) for value in body.values())


# -- today / week / month -----------------------------------------------------


def test_today_week_and_month_sums(client, user, now):
    add(client, user, "2024-01-24T09:00:00", "2024-01-24T11:00:00", 50)  # today: 2 h, 100
    add(client, user, "2024-01-22T09:00:00", "2024-01-22T12:00:00", 40)  # Monday: 3 h, 120
    add(client, user, "2024-01-21T09:00:00", "2024-01-21T10:00:00", 10)  # last Sunday: 1 h, 10
    add(client, user, "2024-01-10T09:00:00", "2024-01-10T10:30:00", 20)  # this month: 1.5 h, 30
    add(client, user, "2023-12-31T10:00:00", "2023-12-31T12:00:00", 100)  # last month: 2 h, 200

    body = stats(client, user)

    assert periods(body) == {
        "total_hours_today": 2.0,
        "total_earned_today": 100.0,
        "total_hours_week": 5.0,
        "total_earned_week": 220.0,
        "total_hours_month": 7.5,
        "total_earned_month": 260.0,
    }


def test_period_totals_agree_with_the_rounded_entry_totals(client, user, now):
    # Each entry: 1 h 20 min -> 1.33 h; 1.33 * 33.33 -> 44.33 (the list shows these).
    add(client, user, "2024-01-24T09:00:00", "2024-01-24T10:20:00", 33.33)
    add(client, user, "2024-01-24T11:00:00", "2024-01-24T12:20:00", 33.33)

    body = stats(client, user)

    assert body["total_hours_today"] == 2.66
    assert body["total_earned_today"] == 88.66
    assert body["unpaid_amount"] == 88.66


def test_future_entries_of_today_count(client, user, now):
    add(client, user, "2024-01-24T18:00:00", "2024-01-24T19:00:00", 10)
    assert stats(client, user)["total_hours_today"] == 1.0


def test_entry_crossing_midnight_is_split_between_days(client, user, now):
    add(client, user, "2024-01-23T22:00:00", "2024-01-24T02:00:00", 30)

    body = stats(client, user)

    assert body["total_hours_today"] == 2.0
    assert body["total_earned_today"] == 60.0
    assert body["total_hours_week"] == 4.0
    assert body["total_earned_week"] == 120.0
    assert body["total_hours_month"] == 4.0


def test_split_share_of_earnings_is_exact_then_rounded(client, user, now):
    # 23:20 -> 00:40: 40 min today = 0.6666… h; 0.6666… * 33.33 = 22.22 (half-up).
    add(client, user, "2024-01-23T23:20:00", "2024-01-24T00:40:00", 33.33)

    body = stats(client, user)

    assert body["total_hours_today"] == 0.67
    assert body["total_earned_today"] == 22.22
    # Wholly inside the week: the entry's own totals (1.33 h, 44.33).
    assert body["total_hours_week"] == 1.33
    assert body["total_earned_week"] == 44.33


def test_week_starts_on_monday_by_default(client, user, now):
    add(client, user, "2024-01-21T09:00:00", "2024-01-21T10:00:00", 10)  # Sunday
    add(client, user, "2024-01-22T09:00:00", "2024-01-22T11:00:00", 10)  # Monday
    add_later(client, user, now, "2024-01-28T09:00:00", "2024-01-28T12:00:00", 10)  # next Sunday (still this week)

    body = stats(client, user)

    assert body["total_hours_week"] == 5.0
    assert body["total_earned_week"] == 50.0
    assert body["total_hours_month"] == 6.0


def test_entry_crossing_into_monday_counts_only_its_monday_part(client, user, now):
    add(client, user, "2024-01-21T22:00:00", "2024-01-22T01:00:00", 10)

    body = stats(client, user)

    assert body["total_hours_week"] == 1.0
    assert body["total_earned_week"] == 10.0
    assert body["total_hours_month"] == 3.0


def test_week_start_sunday(client, user, now):
    settings(client, user, week_start="sunday")
    add(client, user, "2024-01-20T09:00:00", "2024-01-20T10:00:00", 10)  # Saturday before: out
    add(client, user, "2024-01-21T09:00:00", "2024-01-21T11:00:00", 10)  # Sunday: in
    add(client, user, "2024-01-22T09:00:00", "2024-01-22T12:00:00", 10)  # Monday: in
    add_later(client, user, now, "2024-01-28T09:00:00", "2024-01-28T13:00:00", 10)  # next Sunday: out

    body = stats(client, user)

    assert body["total_hours_week"] == 5.0
    assert body["total_earned_week"] == 50.0


def test_on_sunday_the_monday_week_reaches_back_six_days(client, user, clock):
    clock.set("2024-01-28T15:00:00+00:00")  # a Sunday
    add(client, user, "2024-01-22T09:00:00", "2024-01-22T11:00:00", 10)  # Monday of this week
    add(client, user, "2024-01-28T09:00:00", "2024-01-28T10:00:00", 10)  # today

    assert stats(client, user)["total_hours_week"] == 3.0
    settings(client, user, week_start="sunday")
    assert stats(client, user)["total_hours_week"] == 1.0


def test_month_boundary(client, user, clock):
    clock.set("2024-02-01T12:00:00+00:00")  # Thursday; the week began Monday 29 January
    add(client, user, "2024-01-31T22:00:00", "2024-02-01T02:00:00", 10)
    add(client, user, "2024-01-30T09:00:00", "2024-01-30T10:00:00", 10)
    add(client, user, "2024-01-28T09:00:00", "2024-01-28T10:00:00", 10)  # previous week, previous month

    body = stats(client, user)

    assert periods(body) == {
        "total_hours_today": 2.0,
        "total_earned_today": 20.0,
        "total_hours_week": 5.0,
        "total_earned_week": 50.0,
        "total_hours_month": 2.0,
        "total_earned_month": 20.0,
    }


def test_week_spanning_two_months_counts_both(client, user, clock):
    clock.set("2024-02-01T12:00:00+00:00")
    add(client, user, "2024-01-29T09:00:00", "2024-01-29T12:00:00", 10)  # Monday, January
    add(client, user, "2024-02-01T09:00:00", "2024-02-01T10:00:00", 10)  # today

    body = stats(client, user)

    assert body["total_hours_week"] == 4.0
    assert body["total_hours_month"] == 1.0


def test_running_session_counts_up_to_now(client, user, clock):
    clock.set("2024-01-24T13:00:00+00:00")
    started = client.post(f"{API}/sessions/start", json={"hourly_rate": 30}, headers=user["headers"])
    assert started.status_code == 201
    clock.set("2024-01-24T15:30:00+00:00")

    body = stats(client, user)

    assert body["total_hours_today"] == 2.5
    assert body["total_earned_today"] == 75.0
    assert body["total_hours_week"] == 2.5
    assert body["total_hours_month"] == 2.5
    # Not earned yet: no amount until it stops.
    assert amounts(body) == (0.0, 0.0, 0.0)

    clock.advance(minutes=30)
    assert stats(client, user)["total_hours_today"] == 3.0


def test_running_session_started_yesterday_counts_from_midnight_today(client, user, clock):
    clock.set("2024-01-23T23:00:00+00:00")
    assert client.post(f"{API}/sessions/start", json={"hourly_rate": 10}, headers=user["headers"]).status_code == 201
    clock.set("2024-01-24T01:30:00+00:00")

    body = stats(client, user)

    assert body["total_hours_today"] == 1.5
    assert body["total_earned_today"] == 15.0
    assert body["total_hours_week"] == 2.5


def test_timezone_decides_which_day_an_entry_falls_in(client, user, now):
    # 01:00-03:00 UTC on the 24th is 20:00-22:00 on the 23rd in New York.
    add(client, user, "2024-01-24T01:00:00Z", "2024-01-24T03:00:00Z", 10)
    assert stats(client, user)["total_hours_today"] == 2.0

    settings(client, user, timezone="America/New_York")  # now: 10:00 on the 24th there

    body = stats(client, user)
    assert body["total_hours_today"] == 0.0
    assert body["total_hours_week"] == 2.0


def test_timezone_can_move_an_entry_into_today(client, user, clock):
    clock.set("2024-01-24T10:00:00+00:00")  # 19:00 on the 24th in Tokyo
    # 20:00-22:00 UTC on the 23rd is 05:00-07:00 on the 24th in Tokyo.
    add(client, user, "2024-01-23T20:00:00Z", "2024-01-23T22:00:00Z", 10)
    assert stats(client, user)["total_hours_today"] == 0.0

    settings(client, user, timezone="Asia/Tokyo")

    assert stats(client, user)["total_hours_today"] == 2.0


def test_midnight_split_happens_at_local_midnight(client, user, now):
    settings(client, user, timezone="Europe/Berlin")
    # 22:00Z on the 23rd -> 02:00Z on the 24th is 23:00 -> 03:00 in Berlin: 3 h today.
    add(client, user, "2024-01-23T22:00:00Z", "2024-01-24T02:00:00Z", 10)

    body = stats(client, user)

    assert body["total_hours_today"] == 3.0
    assert body["total_earned_today"] == 30.0


def test_stats_are_per_user(client, user, make_user, now):
    add(client, user, "2024-01-24T09:00:00", "2024-01-24T11:00:00", 50)
    bob = make_user("bob@example.com")
    assert stats(client, bob) == ZEROS


# -- amounts ------------------------------------------------------------------


@pytest.fixture
def ledger(client, user, clock):
    """Entries of every status on Wednesday 2024-03-13 (week 11-17 March)."""
    clock.set("2024-03-13T15:00:00+00:00")
    add(client, user, "2023-06-01T09:00:00", "2023-06-01T11:00:00", 50)  # 100 unpaid, last year
    add(client, user, "2024-03-13T09:00:00", "2024-03-13T10:00:00", 25)  # 25 unpaid, today
    add(client, user, "2024-03-11T09:00:00", "2024-03-11T12:00:00", 10, payment_status="invoiced_not_approved")  # 30
    add(client, user, "2024-03-02T09:00:00", "2024-03-02T10:30:00", 20, payment_status="invoiced_approved")  # 30
    add(client, user, "2024-01-05T09:00:00", "2024-01-05T13:00:00", 12.5, payment_status="paid")  # 50
    add(client, user, "2023-12-15T09:00:00", "2023-12-15T10:00:00", 7, payment_status="paid")  # 7


def test_all_time_amounts_by_status(client, user, ledger):
    body = stats(client, user)
    assert body["unpaid_amount"] == 125.0
    assert body["invoiced_amount"] == 60.0  # both invoiced states
    assert body["paid_amount"] == 57.0


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("day", (25.0, 0.0, 0.0)),
        ("week", (25.0, 30.0, 0.0)),
        ("month", (25.0, 60.0, 0.0)),
        ("year", (25.0, 60.0, 50.0)),
    ],
)
def test_amounts_for_a_period(client, user, ledger, period, expected):
    assert amounts(stats(client, user, period)) == expected


def test_period_does_not_change_the_hour_totals(client, user, ledger):
    expected = {
        "total_hours_today": 1.0,
        "total_earned_today": 25.0,
        "total_hours_week": 4.0,
        "total_earned_week": 55.0,
        "total_hours_month": 5.5,
        "total_earned_month": 85.0,
    }
    assert periods(stats(client, user)) == expected
    assert periods(stats(client, user, "year")) == expected


def test_period_amounts_follow_the_entry_date_not_its_time(client, user, now):
    # Worked today, but dated (by the user) in December.
    add(client, user, "2024-01-24T09:00:00", "2024-01-24T10:00:00", 40, date="2023-12-29")

    assert stats(client, user, "day")["unpaid_amount"] == 0.0
    assert stats(client, user, "year")["unpaid_amount"] == 0.0
    body = stats(client, user)
    assert body["unpaid_amount"] == 40.0
    assert body["total_hours_today"] == 1.0


def test_period_day_uses_the_users_local_date(client, user, clock):
    clock.set("2024-01-24T10:00:00+00:00")
    settings(client, user, timezone="Asia/Tokyo")  # 19:00 on the 24th there
    add(client, user, "2024-01-24T08:00:00", "2024-01-24T09:00:00", 10)  # naive: Tokyo, dated the 24th
    add(client, user, "2024-01-23T20:00:00Z", "2024-01-23T21:00:00Z", 20)  # 05:00 on the 24th in Tokyo

    assert stats(client, user, "day")["unpaid_amount"] == 30.0


def test_unknown_period_is_400(client, user, now):
    response = client.get(STATS, params={"period": "decade"}, headers=user["headers"])

    assert response.status_code == 400
    assert [issue["loc"] for issue in response.json()["detail"]] == [["query", "period"]]


def test_amounts_follow_creates_updates_and_deletes(client, user, now):
    entry = add(client, user, "2024-01-22T09:00:00", "2024-01-22T11:00:00", 50)
    url = f"{API}/entries/{entry['id']}"
    assert amounts(stats(client, user)) == (100.0, 0.0, 0.0)

    assert client.put(url, json={"payment_status": "invoiced_approved"}, headers=user["headers"]).status_code == 200
    assert amounts(stats(client, user)) == (0.0, 100.0, 0.0)

    assert client.put(url, json={"end_time": "2024-01-22T12:00:00"}, headers=user["headers"]).status_code == 200
    assert amounts(stats(client, user)) == (0.0, 150.0, 0.0)

    assert client.put(url, json={"hourly_rate": 40}, headers=user["headers"]).status_code == 200
    assert amounts(stats(client, user)) == (0.0, 120.0, 0.0)

    assert client.put(url, json={"payment_status": "paid"}, headers=user["headers"]).status_code == 200
    assert amounts(stats(client, user)) == (0.0, 0.0, 120.0)

    assert client.delete(url, headers=user["headers"]).status_code == 204
    assert amounts(stats(client, user)) == (0.0, 0.0, 0.0)
    assert periods(stats(client, user)) == periods(ZEROS)


def test_amounts_follow_a_session_stop_and_reopen(client, user, clock):
    started = client.post(f"{API}/sessions/start", json={"hourly_rate": 30}, headers=user["headers"]).json()
    clock.advance(hours=2)
    client.post(f"{API}/sessions/{started['id']}/stop", headers=user["headers"])
    assert amounts(stats(client, user)) == (60.0, 0.0, 0.0)

    reopened = client.put(f"{API}/entries/{started['id']}", json={"end_time": None}, headers=user["headers"])
    assert reopened.status_code == 200
    assert amounts(stats(client, user)) == (0.0, 0.0, 0.0)


def test_rejected_update_leaves_amounts_alone(client, user, now):
    entry = add(client, user, "2024-01-22T09:00:00", "2024-01-22T11:00:00", 50)

    response = client.put(
        f"{API}/entries/{entry['id']}", json={"end_time": "2024-01-22T08:00:00"}, headers=user["headers"]
    )

    assert response.status_code == 400
    assert amounts(stats(client, user)) == (100.0, 0.0, 0.0)


def test_amounts_sum_the_rounded_entry_earnings(client, user, now):
    # Three entries of 1 h 20 min at 33.33: 44.33 each (not 3 * 44.44).
    for day in ("2024-01-22", "2024-01-23", "2023-11-02"):
        add(client, user, f"{day}T09:00:00", f"{day}T10:20:00", 33.33, payment_status="invoiced_not_approved")
    assert stats(client, user)["invoiced_amount"] == 132.99
    assert stats(client, user, "week")["invoiced_amount"] == 88.66


def test_stats_require_authentication(client):
    assert client.get(STATS).status_code == 401
