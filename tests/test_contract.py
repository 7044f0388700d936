"""Contract tests against the seed document 001 (the frontend's expectations).

The seed's JSON examples are parsed at test time, so the tests follow the
document: the Time Entry Object, the stats and settings responses, the POST
body and the session start body. Our responses must carry exactly the seed's
field names (settings: plus our documented ``timezone`` and ``week_start``)
with JSON types compatible with the example values.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

from local.app import build_app

API = "/api/v1/time-tracking"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
SEED_FILE = SEEDS / "001_8b503d9bc2feab8b.txt"

# Fields the seed's example shows as an integer but the frontend types as ``number``.
NUMBER_FIELDS = {"hourly_rate", "default_hourly_rate"}
# Null while the entry runs (no end_time yet), or when there are no notes.
NULLABLE_ENTRY_FIELDS = {"end_time", "total_hours", "total_earned", "notes"}
OUR_SETTINGS_ADDITIONS = {"timezone", "week_start"}

DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


# -- the seed document ------------------------------------------------------------------


class Seed:
    """The examples and lists of the seed document, found under their headings."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.blocks: list[tuple[str, Any]] = []  # (nearest heading above, parsed JSON)
        heading = ""
        for match in re.finditer(r"^(#+ [^\n]+|\*\*[^\n]+\*\*)$|^```json\n(.*?)^```", text, re.MULTILINE | re.DOTALL):
            if match.group(1):
                heading = match.group(1).strip("#* ").strip()
            else:
                self.blocks.append((heading, json.loads(match.group(2))))

    def example(self, heading: str) -> dict[str, Any]:
        found = [body for title, body in self.blocks if title == heading]
        if len(found) != 1:
            pytest.fail(f"seed {SEED_FILE.name}: expected one JSON example under {heading!r}, found {len(found)}")
        return found[0]

    def section(self, heading: str) -> str:
        match = re.search(rf"^#+ {re.escape(heading)}\n(.*?)(?=^#+ |\Z)", self.text, re.MULTILINE | re.DOTALL)
        if not match:
            pytest.fail(f"seed {SEED_FILE.name}: no section {heading!r}")
        return match.group(1)

    @property
    def entry(self) -> dict[str, Any]:
        return self.example("Time Entry Object")

    @property
    def create_body(self) -> dict[str, Any]:
        return self.example("POST /api/v1/time-tracking/entries")

    @property
    def start_body(self) -> dict[str, Any]:
        return self.example("POST /api/v1/time-tracking/sessions/start")

    @property
    def stats(self) -> dict[str, Any]:
        return self.example("GET /api/v1/time-tracking/stats")

    @property
    def settings(self) -> dict[str, Any]:
        return self.example("GET /api/v1/time-tracking/settings")

    @property
    def payment_statuses(self) -> list[str]:
        return re.findall(r'^- `"(\w+)"`', self.section("Payment Status Values"), re.MULTILINE)

    @property
    def status_codes(self) -> set[int]:
        codes: set[int] = set()
        for line in re.findall(r"^- ([\d/]+):", self.section("Error Handling"), re.MULTILINE):
            codes.update(int(code) for code in line.split("/"))
        return codes


@pytest.fixture(scope="module")
def seed() -> Seed:
    if not SEED_FILE.is_file():
        pytest.fail(f"seed contract missing: {SEED_FILE} (expected the shared seeds next to the repository)")
    return Seed(SEED_FILE.read_text(encoding="utf-8"))


# -- type compatibility -----------------------------------------------------------------


def assert_compatible(name: str, example: Any, ours: Any, *, nullable: bool = False) -> None:
    """``ours`` has a JSON type compatible with the seed's example value for ``name``."""
    if ours is None:
        assert nullable, f"{name}: null, but the seed shows {example!r}"
        return
    if isinstance(example, bool):
        assert isinstance(ours, bool), f"{name}: {ours!r} is not a boolean"
    elif isinstance(example, int) and name not in NUMBER_FIELDS:  # ids
        assert type(ours) is int, f"{name}: {ours!r} is not an integer"
    elif isinstance(example, int | float):  # money and hours: any JSON number
        assert type(ours) in (int, float), f"{name}: {ours!r} is not a number"
    elif isinstance(example, str) and DATETIME_RE.fullmatch(example[:19]) and "T" in example:
        assert isinstance(ours, str), f"{name}: {ours!r} is not a string"
        parsed = dt.datetime.fromisoformat(ours)
        assert parsed.utcoffset() is not None, f"{name}: {ours!r} has no explicit offset"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}", ours), ours
    elif isinstance(example, str) and DATE_RE.fullmatch(example):
        assert isinstance(ours, str), f"{name}: {ours!r} is not a string"
        assert DATE_RE.fullmatch(ours), f"{name}: {ours!r} is not YYYY-MM-DD"
        dt.date.fromisoformat(ours)
    elif isinstance(example, str):
        assert isinstance(ours, str), f"{name}: {ours!r} is not a string"
    else:  # pragma: no cover - the seed has only scalars
        raise AssertionError(f"{name}: unexpected example type {type(example).__name__}")


def assert_entry_shape(seed: Seed, body: Any) -> None:
    assert isinstance(body, dict), body
    assert set(body) == set(seed.entry), f"fields differ: {sorted(set(body) ^ set(seed.entry))}"
    for name, example in seed.entry.items():
        assert_compatible(name, example, body[name], nullable=name in NULLABLE_ENTRY_FIELDS)
    running = body["end_time"] is None
    assert (body["total_hours"] is None) == running
    assert (body["total_earned"] is None) == running
    assert body["payment_status"] in seed.payment_statuses


def assert_stats_shape(seed: Seed, body: Any) -> None:
    assert isinstance(body, dict), body
    assert set(body) == set(seed.stats), f"fields differ: {sorted(set(body) ^ set(seed.stats))}"
    for name, example in seed.stats.items():
        assert_compatible(name, example, body[name])


def assert_settings_shape(seed: Seed, body: Any) -> None:
    expected = set(seed.settings) | OUR_SETTINGS_ADDITIONS
    assert isinstance(body, dict), body
    assert set(body) == expected, f"fields differ: {sorted(set(body) ^ expected)}"
    for name, example in seed.settings.items():
        assert_compatible(name, example, body[name])
    assert isinstance(body["timezone"], str)
    assert isinstance(body["week_start"], str)


def as_utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def validation_error(response) -> list[dict]:
    assert response.status_code == 400, (response.status_code, response.text)
    detail = response.json()["detail"]
    assert isinstance(detail, list)
    assert detail
    assert all(set(issue) == {"loc", "msg", "type"} for issue in detail), detail
    return detail


# -- the seed itself --------------------------------------------------------------------


def test_seed_examples_are_present(seed):
    assert seed.entry["id"] == 1
    assert set(seed.create_body) < set(seed.entry)  # the POST body is a subset of the entry
    assert seed.start_body == {"hourly_rate": 50}
    assert {"unpaid_amount", "invoiced_amount", "paid_amount"} <= set(seed.stats)
    assert set(seed.settings) == {"default_hourly_rate", "currency"}


def test_payment_statuses_are_exactly_the_openapi_enum(services, seed):
    document = build_app().openapi()
    enum = document["components"]["schemas"]["PaymentStatus"]["enum"]
    assert seed.payment_statuses == ["not_paid", "invoiced_not_approved", "invoiced_approved", "paid"]
    assert sorted(enum) == sorted(seed.payment_statuses)
    listed = next(p for p in document["paths"][f"{API}/entries"]["get"]["parameters"] if p["name"] == "payment_status")
    assert "PaymentStatus" in json.dumps(listed["schema"])


def test_seed_names_the_status_codes_we_use(seed):
    assert {200, 201, 204, 400, 404, 409} <= seed.status_codes


# -- entries ------------------------------------------------------------------------------


def test_create_with_the_seed_body_gives_the_seed_entry(client, user, seed):
    response = client.post(f"{API}/entries", json=seed.create_body, headers=user["headers"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert_entry_shape(seed, body)
    # The seed's Time Entry Object is this very entry: same values where they are not server-made.
    for name in ("date", "hourly_rate", "total_hours", "total_earned", "payment_status"):
        assert body[name] == seed.entry[name], name
    assert body["notes"] == seed.create_body["notes"]
    assert body["user_id"] == user["user_id"]
    # Naive times are in the user's zone (UTC by default); responses carry the offset.
    assert body["start_time"] == "2024-01-22T09:00:00+00:00"
    assert body["end_time"] == "2024-01-22T17:00:00+00:00"


def test_times_are_rendered_in_the_users_zone(client, user, seed):
    assert client.put(f"{API}/settings", json={"timezone": "Europe/Berlin"}, headers=user["headers"]).status_code == 200
    response = client.post(f"{API}/entries", json=seed.create_body, headers=user["headers"])
    assert response.status_code == 201, response.text
    body = response.json()
    assert_entry_shape(seed, body)
    assert body["start_time"] == "2024-01-22T09:00:00+01:00"
    assert body["end_time"] == "2024-01-22T17:00:00+01:00"
    assert body["created_at"] == "2024-01-22T10:00:00+01:00"  # the clock's 09:00 UTC
    assert body["total_hours"] == 8.0


def test_list_is_an_array_of_entries(client, user, seed):
    assert client.get(f"{API}/entries", headers=user["headers"]).json() == []
    first = client.post(f"{API}/entries", json=seed.create_body, headers=user["headers"]).json()
    second = client.post(
        f"{API}/entries",
        json={**seed.create_body, "date": "2024-01-23", "start_time": "2024-01-23T08:00:00",
              "end_time": "2024-01-23T09:00:00", "payment_status": "paid"},
        headers=user["headers"],
    ).json()  # fmt: skip

    response = client.get(f"{API}/entries", headers=user["headers"])
    assert response.status_code == 200
    listed = response.json()
    assert isinstance(listed, list)
    assert [e["id"] for e in listed] == [second["id"], first["id"]]  # newest first
    for body in listed:
        assert_entry_shape(seed, body)

    query = {"start_date": "2024-01-22", "end_date": "2024-01-22", "payment_status": "not_paid", "skip": 0, "limit": 10}
    filtered = client.get(f"{API}/entries", params=query, headers=user["headers"])
    assert filtered.status_code == 200
    assert [e["id"] for e in filtered.json()] == [first["id"]]
    paged = client.get(f"{API}/entries", params={"skip": 1, "limit": 1}, headers=user["headers"])
    assert [e["id"] for e in paged.json()] == [first["id"]]


def test_get_an_entry(client, user, make_user, seed):
    created = client.post(f"{API}/entries", json=seed.create_body, headers=user["headers"]).json()
    response = client.get(f"{API}/entries/{created['id']}", headers=user["headers"])
    assert response.status_code == 200
    assert_entry_shape(seed, response.json())
    assert response.json() == created

    assert client.get(f"{API}/entries/{created['id'] + 1}", headers=user["headers"]).status_code == 404
    stranger = make_user("mallory@example.com")
    assert client.get(f"{API}/entries/{created['id']}", headers=stranger["headers"]).status_code == 404


def test_put_with_a_subset_of_the_seed_body(client, user, clock, seed):
    created = client.post(f"{API}/entries", json=seed.create_body, headers=user["headers"]).json()
    clock.advance(minutes=5)

    response = client.put(
        f"{API}/entries/{created['id']}",
        json={"payment_status": "invoiced_approved", "hourly_rate": 60},
        headers=user["headers"],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert_entry_shape(seed, body)
    assert body["payment_status"] == "invoiced_approved"
    assert body["hourly_rate"] == 60
    assert body["total_earned"] == 480.0  # 8 h x 60
    for unchanged in ("id", "date", "start_time", "end_time", "notes", "created_at", "user_id", "total_hours"):
        assert body[unchanged] == created[unchanged], unchanged
    assert as_utc(body["updated_at"]) - as_utc(created["updated_at"]) == dt.timedelta(minutes=5)

    # every field of the seed body, as-is, is accepted by PUT too
    whole = client.put(f"{API}/entries/{created['id']}", json=seed.create_body, headers=user["headers"])
    assert whole.status_code == 200, whole.text
    assert whole.json()["total_earned"] == seed.entry["total_earned"]

    bad = client.put(f"{API}/entries/{created['id']}", json={"payment_status": "maybe"}, headers=user["headers"])
    assert ["body", "payment_status"] in [issue["loc"] for issue in validation_error(bad)]
    assert client.put(f"{API}/entries/999999", json={"notes": "x"}, headers=user["headers"]).status_code == 404


def test_delete_is_204_with_an_empty_body(client, user, seed):
    created = client.post(f"{API}/entries", json=seed.create_body, headers=user["headers"]).json()
    response = client.delete(f"{API}/entries/{created['id']}", headers=user["headers"])
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(f"{API}/entries/{created['id']}", headers=user["headers"]).status_code == 404
    assert client.delete(f"{API}/entries/{created['id']}", headers=user["headers"]).status_code == 404


# -- sessions -------------------------------------------------------------------------------


def test_session_start_stop_and_active(client, user, clock, seed):
    headers = user["headers"]
    assert client.get(f"{API}/sessions/active", headers=headers).json() is None

    started = client.post(f"{API}/sessions/start", json=seed.start_body, headers=headers)
    assert started.status_code == 201, started.text
    running = started.json()
    assert_entry_shape(seed, running)
    assert running["end_time"] is None
    assert running["total_hours"] is None
    assert running["total_earned"] is None
    assert running["hourly_rate"] == seed.start_body["hourly_rate"]
    assert running["start_time"] == "2024-01-22T09:00:00+00:00"

    active = client.get(f"{API}/sessions/active", headers=headers)
    assert active.status_code == 200
    assert active.json() == running

    again = client.post(f"{API}/sessions/start", json=seed.start_body, headers=headers)
    assert again.status_code == 409
    assert isinstance(again.json()["detail"], str)
    assert again.json()["active_entry"] == running

    clock.advance(minutes=90)
    stopped = client.post(f"{API}/sessions/{running['id']}/stop", headers=headers)
    assert stopped.status_code == 200, stopped.text
    body = stopped.json()
    assert_entry_shape(seed, body)
    assert body["end_time"] == "2024-01-22T10:30:00+00:00"
    assert (body["total_hours"], body["total_earned"]) == (1.5, 75.0)

    assert client.get(f"{API}/sessions/active", headers=headers).json() is None
    assert client.post(f"{API}/sessions/{running['id']}/stop", headers=headers).status_code == 409
    assert client.post(f"{API}/sessions/999999/stop", headers=headers).status_code == 404


def test_session_start_without_a_body(client, user, seed):
    started = client.post(f"{API}/sessions/start", headers=user["headers"])
    assert started.status_code == 201, started.text
    assert_entry_shape(seed, started.json())
    assert started.json()["hourly_rate"] == 0  # the default settings' rate


# -- stats --------------------------------------------------------------------------------


@pytest.mark.parametrize("period", [None, "day", "week", "month", "year"])
def test_stats_shape_and_values(client, user, clock, seed, period):
    clock.set("2024-01-22T18:00:00+00:00")
    created = client.post(f"{API}/entries", json=seed.create_body, headers=user["headers"])
    assert created.status_code == 201
    params = {"period": period} if period else {}
    response = client.get(f"{API}/stats", params=params, headers=user["headers"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert_stats_shape(seed, body)
    # one 8-hour entry at 50 today (Monday 2024-01-22), not paid
    assert body == {
        "total_hours_today": 8.0,
        "total_earned_today": 400.0,
        "total_hours_week": 8.0,
        "total_earned_week": 400.0,
        "total_hours_month": 8.0,
        "total_earned_month": 400.0,
        "unpaid_amount": 400.0,
        "invoiced_amount": 0.0,
        "paid_amount": 0.0,
    }


def test_stats_unknown_period_is_400(client, user):
    detail = validation_error(client.get(f"{API}/stats", params={"period": "decade"}, headers=user["headers"]))
    assert detail[0]["loc"][:2] == ["query", "period"]


# -- settings -------------------------------------------------------------------------------


def test_settings_get_and_put_with_the_seed_body(client, user, seed):
    first = client.get(f"{API}/settings", headers=user["headers"])
    assert first.status_code == 200
    assert_settings_shape(seed, first.json())
    assert first.json() == {"default_hourly_rate": 0.0, "currency": "USD", "timezone": "UTC", "week_start": "monday"}

    put = client.put(f"{API}/settings", json=seed.settings, headers=user["headers"])
    assert put.status_code == 200, put.text
    assert_settings_shape(seed, put.json())
    assert put.json() == {**seed.settings, "timezone": "UTC", "week_start": "monday"}
    assert client.get(f"{API}/settings", headers=user["headers"]).json() == put.json()

    # the new default rate applies to entries created without one
    body = {k: v for k, v in seed.create_body.items() if k != "hourly_rate"}
    created = client.post(f"{API}/entries", json=body, headers=user["headers"]).json()
    assert created["hourly_rate"] == seed.settings["default_hourly_rate"]


def test_settings_put_invalid_currency_is_400(client, user):
    detail = validation_error(client.put(f"{API}/settings", json={"currency": "XXY"}, headers=user["headers"]))
    assert detail[0]["loc"] == ["body", "currency"]


# -- validation failures are 400, never 500 -------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b"{not json",
        b"[1, 2]",
        b"T\xff(\xdf",  # not UTF-8: still a validation failure with the usual body
    ],
)
@pytest.mark.parametrize("path", ["/entries", "/sessions/start"])
def test_malformed_bodies_are_400_with_the_validation_body(client, user, path, raw):
    headers = {**user["headers"], "Content-Type": "application/json"}
    detail = validation_error(client.post(f"{API}{path}", content=raw, headers=headers))
    assert detail[0]["loc"][0] == "body"


@pytest.mark.parametrize("timezone", ["Mars/Base", "America", "Europe"])
def test_settings_put_unknown_timezone_is_400(client, user, timezone):
    # "America" and "Europe" are directories of the tz database, not zones
    response = client.put(f"{API}/settings", json={"timezone": timezone}, headers=user["headers"])
    detail = validation_error(response)
    assert detail[0]["loc"] == ["body", "timezone"]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("0001-01-01T00:30:00+01:00", "0001-01-01T01:00:00+01:00"),  # before year 1 in UTC
        ("9999-12-31T23:00:00-05:00", "9999-12-31T23:30:00-05:00"),  # after year 9999 in UTC
    ],
)
def test_create_with_times_outside_the_representable_range_is_400(client, user, start, end):
    response = client.post(f"{API}/entries", json={"start_time": start, "end_time": end}, headers=user["headers"])
    validation_error(response)


def test_entries_stay_readable_after_a_timezone_change(client, user, clock):
    """An entry accepted in one zone must still render after the user moves to another."""
    clock.set("9998-12-31T00:00:00+00:00")  # entries end at most a day after the server's clock
    created = client.post(
        f"{API}/entries",
        json={"start_time": "9998-12-31T20:00:00+00:00", "end_time": "9998-12-31T21:00:00+00:00"},
        headers=user["headers"],
    )
    assert created.status_code == 201, created.text  # the latest year accepted
    moved = client.put(f"{API}/settings", json={"timezone": "Pacific/Kiritimati"}, headers=user["headers"])
    assert moved.status_code == 200
    listed = client.get(f"{API}/entries", headers=user["headers"])
    assert listed.status_code == 200, listed.text
    assert [e["start_time"] for e in listed.json()] == ["9999-01-01T10:00:00+14:00"]


# -- the checker itself rejects what the frontend could not read -----------------------------


@pytest.mark.parametrize(
    ("name", "example", "ours", "nullable"),
    [
        ("id", 1, "1", False),  # an id as a string
        ("id", 1, 1.0, False),  # an id as a float
        ("user_id", 123, True, False),
        ("total_hours", 8.0, "8.0", False),  # a number as a string
        ("total_hours", 8.0, None, False),  # null where the field is never null
        ("start_time", "2024-01-22T09:00:00", "2024-01-22T09:00:00", True),  # no offset
        ("start_time", "2024-01-22T09:00:00", "22/01/2024 09:00", True),
        ("date", "2024-01-22", "2024-01-22T00:00:00+00:00", False),
        ("currency", "USD", 840, False),
    ],
)
def test_compatibility_check_rejects_wrong_types(name, example, ours, nullable):
    with pytest.raises((AssertionError, ValueError)):
        assert_compatible(name, example, ours, nullable=nullable)


@pytest.mark.parametrize(
    ("name", "example", "ours"),
    [
        ("hourly_rate", 50, 50.5),  # the seed's int 50 is a `number` for the frontend
        ("hourly_rate", 50, 50),
        ("total_hours", 8.0, 8),
        ("start_time", "2024-01-22T09:00:00", "2024-01-22T09:00:00+01:00"),
        ("start_time", "2024-01-22T09:00:00", "2024-01-22T09:00:00.250000-05:00"),
    ],
)
def test_compatibility_check_accepts_compatible_types(name, example, ours):
    assert_compatible(name, example, ours)
