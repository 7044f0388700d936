"""The settings endpoints over HTTP: defaults on first access, partial updates,
validation (always 400, naming the field), and isolation between users."""

from __future__ import annotations

import boto3
import pytest

API = "/api/v1/time-tracking"
SETTINGS = f"{API}/settings"
DEFAULTS = {"default_hourly_rate": 0.0, "currency": "USD", "timezone": "UTC", "week_start": "monday"}


def get(client, user):
    response = client.get(SETTINGS, headers=user["headers"])
    assert response.status_code == 200, response.text
    return response.json()


def put(client, user, body):
    return client.put(SETTINGS, json=body, headers=user["headers"])


def error_fields(response) -> list[str]:
    assert response.status_code == 400, response.text
    return [issue["loc"][-1] for issue in response.json()["detail"]]


def test_first_get_returns_the_defaults(client, user):
    body = get(client, user)
    assert body == DEFAULTS
    assert isinstance(body["default_hourly_rate"], float)


def test_defaults_are_stored_on_first_access(client, user, services):
    table = boto3.client("dynamodb", region_name=services.config.aws_region)
    key = {"TableName": services.config.settings_table, "Key": {"pk": {"S": f"USER#{user['user_id']}"}}}
    assert "Item" not in table.get_item(**key)

    get(client, user)

    stored = table.get_item(**key)["Item"]
    assert stored["currency"] == {"S": "USD"}
    assert stored["timezone"] == {"S": "UTC"}
    assert stored["week_start"] == {"S": "monday"}
    assert get(client, user) == DEFAULTS


def test_put_all_fields(client, user):
    body = {"default_hourly_rate": 85.5, "currency": "EUR", "timezone": "Europe/Berlin", "week_start": "sunday"}

    response = put(client, user, body)

    assert response.status_code == 200, response.text
    assert response.json() == body
    assert get(client, user) == body


def test_put_seed_fields_only(client, user):
    response = put(client, user, {"default_hourly_rate": 50.0, "currency": "USD"})
    assert response.status_code == 200
    assert response.json() == DEFAULTS | {"default_hourly_rate": 50.0}


def test_put_before_any_get_fills_in_defaults(client, user):
    response = put(client, user, {"currency": "GBP"})
    assert response.status_code == 200
    assert response.json() == DEFAULTS | {"currency": "GBP"}
    assert get(client, user) == DEFAULTS | {"currency": "GBP"}


def test_put_only_currency_keeps_the_rate(client, user):
    assert put(client, user, {"default_hourly_rate": 50, "timezone": "Asia/Tokyo"}).status_code == 200

    response = put(client, user, {"currency": "EUR"})

    assert response.status_code == 200
    expected = {"default_hourly_rate": 50.0, "currency": "EUR", "timezone": "Asia/Tokyo", "week_start": "monday"}
    assert response.json() == expected
    assert get(client, user) == expected


def test_put_only_rate_keeps_the_currency(client, user):
    put(client, user, {"currency": "JPY"})
    assert put(client, user, {"default_hourly_rate": 3000}).json()["currency"] == "JPY"


def test_empty_put_changes_nothing(client, user):
    put(client, user, {"currency": "CHF"})
    response = put(client, user, {})
    assert response.status_code == 200
    assert response.json() == DEFAULTS | {"currency": "CHF"}


def test_currency_is_stored_upper_case(client, user):
    response = put(client, user, {"currency": "eur"})
    assert response.status_code == 200
    assert response.json()["currency"] == "EUR"
    assert get(client, user)["currency"] == "EUR"


def test_rate_with_two_decimals_is_kept_exactly(client, user):
    assert put(client, user, {"default_hourly_rate": 33.33}).json()["default_hourly_rate"] == 33.33


def test_zero_rate_is_accepted(client, user):
    put(client, user, {"default_hourly_rate": 10})
    assert put(client, user, {"default_hourly_rate": 0}).json()["default_hourly_rate"] == 0.0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currency": "ABC"}, "currency"),
        ({"currency": "US"}, "currency"),
        ({"currency": "DOLLAR"}, "currency"),
        ({"default_hourly_rate": 50.125}, "default_hourly_rate"),
        ({"default_hourly_rate": -1}, "default_hourly_rate"),
        ({"default_hourly_rate": "lots"}, "default_hourly_rate"),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"week_start": "someday"}, "week_start"),
        ({"currency": None}, "currency"),
        ({"default_hourly_rate": None}, "default_hourly_rate"),
        ({"timezone": None}, "timezone"),
        ({"week_start": None}, "week_start"),
    ],
)
def test_invalid_value_is_400_naming_the_field(client, user, body, field):
    put(client, user, {"default_hourly_rate": 20, "currency": "EUR"})

    response = put(client, user, body)

    assert error_fields(response) == [field]
    assert response.json()["detail"][0]["loc"] == ["body", field]
    assert get(client, user) == DEFAULTS | {"default_hourly_rate": 20.0, "currency": "EUR"}


def test_invalid_field_rejects_the_whole_update(client, user):
    response = put(client, user, {"currency": "EUR", "timezone": "Nowhere/Land"})

    assert error_fields(response) == ["timezone"]
    assert get(client, user) == DEFAULTS


def test_malformed_json_is_400(client, user):
    response = client.put(
        SETTINGS, content=b"{currency: EUR", headers=user["headers"] | {"Content-Type": "application/json"}
    )
    assert response.status_code == 400


def test_settings_are_per_user(client, user, make_user):
    bob = make_user("bob@example.com")
    put(
        client, user, {"default_hourly_rate": 99, "currency": "EUR", "timezone": "Europe/Paris", "week_start": "sunday"}
    )

    assert get(client, bob) == DEFAULTS
    put(client, bob, {"currency": "GBP"})
    assert get(client, user)["currency"] == "EUR"
    assert get(client, bob) == DEFAULTS | {"currency": "GBP"}


def test_settings_require_authentication(client):
    assert client.get(SETTINGS).status_code == 401
    assert client.put(SETTINGS, json={"currency": "EUR"}).status_code == 401
