"""The integrations API's time entries over HTTP (seed 002): /api/v1/time-entries.

The rules underneath (who sees whose, placement, rates, one timer) are
WorkspaceEntries' and tested there; here: the seed's shapes, status codes,
scopes, filters and pagination, and that an entry is the same one the
personal API sees."""

from __future__ import annotations

import pytest

from tests.studio import ENTRY_FIELDS, PAGINATION_FIELDS, assert_error, build, day, token

URL = "/api/v1/time-entries"


@pytest.fixture
def studio(services):
    return build(services)


def create(client, person, project_id, start, end=None, **fields):
    body = {"project_id": project_id, "start_time": start, **({"end_time": end} if end else {}), **fields}
    response = client.post(URL, json=body, headers=person.headers)
    assert response.status_code == 201, response.text
    return response.json()["time_entry"]


def ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [entry["id"] for entry in response.json()["time_entries"]]


# -- create ------------------------------------------------------------------------


def test_the_seed_s_create_body_is_taken_as_written(client, studio):
    body = {
        "project_id": studio.website,
        "task_id": studio.design,
        "start_time": "2024-01-15T09:00:00Z",
        "end_time": "2024-01-15T17:00:00Z",
        "notes": "Worked on feature X",
        "tags": "development,frontend",
        "billable": True,
    }

    response = client.post(URL, json=body, headers=studio.mia.headers)

    assert response.status_code == 201, response.text
    answer = response.json()
    assert set(answer) == {"message", "time_entry"}
    entry = answer["time_entry"]
    assert set(entry) == ENTRY_FIELDS
    assert entry == {
        "id": entry["id"],
        "user_id": studio.mia.user_id,
        "project_id": studio.website,
        "task_id": studio.design,
        "start_time": "2024-01-15T09:00:00Z",
        "end_time": "2024-01-15T17:00:00Z",
        "duration_seconds": 8 * 3600,
        "duration_hours": 8.0,
        "notes": "Worked on feature X",
        "tags": "development,frontend",
        "tag_list": ["development", "frontend"],
        "billable": True,
        "source": "manual",
        "is_active": False,
        "hourly_rate": 80.0,  # the project's rate, fixed on the entry
        "created_at": "2024-01-22T09:00:00Z",
        "updated_at": "2024-01-22T09:00:00Z",
    }
    got = client.get(f"{URL}/{entry['id']}", headers=studio.mia.headers)
    assert got.status_code == 200
    assert got.json() == {"time_entry": entry}


def test_an_entry_made_here_is_the_one_the_personal_api_sees(client, studio):
    entry = create(client, studio.mia, studio.website, "2024-01-15T09:00:00Z", "2024-01-15T10:30:00Z", notes="Here")

    personal = client.get(f"/api/v1/time-tracking/entries/{entry['id']}", headers=studio.mia.personal)

    assert personal.status_code == 200, personal.text
    seen = personal.json()
    assert (seen["id"], seen["notes"], seen["total_hours"], seen["hourly_rate"]) == (entry["id"], "Here", 1.5, 80.0)
    assert seen["start_time"] == "2024-01-15T09:00:00+00:00"  # Mia's zone is UTC
    edited = client.put(
        f"/api/v1/time-tracking/entries/{entry['id']}", json={"notes": "There"}, headers=studio.mia.personal
    )
    assert edited.status_code == 200, edited.text
    assert client.get(f"{URL}/{entry['id']}", headers=studio.mia.headers).json()["time_entry"]["notes"] == "There"


def test_without_end_time_it_starts_the_timer_and_a_second_is_409_with_the_running_one(client, studio):
    response = client.post(
        URL, json={"project_id": studio.app, "start_time": "2024-01-22T08:30:00Z"}, headers=studio.mia.headers
    )

    assert response.status_code == 201, response.text
    timer = response.json()["time_entry"]
    assert (timer["is_active"], timer["end_time"], timer["source"]) == (True, None, "timer")
    assert (timer["duration_seconds"], timer["duration_hours"]) == (None, None)
    again = client.post(
        URL, json={"project_id": studio.website, "start_time": "2024-01-22T08:45:00Z"}, headers=studio.mia.headers
    )
    body = assert_error(again, 409, "timer_already_running")
    assert body["timer"] == timer


def test_a_naive_time_is_the_owner_s_own_time_zone(client, services, studio):
    services.settings.update(studio.mia.user_id, {"timezone": "Europe/Berlin"})

    entry = create(client, studio.mia, studio.app, "2024-01-15T09:00:00", "2024-01-15T10:00:00+01:00")

    assert (entry["start_time"], entry["end_time"]) == ("2024-01-15T08:00:00Z", "2024-01-15T09:00:00Z")


def test_billable_defaults_to_true_and_tags_may_be_absent_or_a_list(client, studio):
    plain = create(client, studio.mia, studio.app, "2024-01-15T09:00:00Z", "2024-01-15T10:00:00Z")
    listed = create(client, studio.mia, studio.app, day("2024-01-16", 9), day("2024-01-16", 10), tags=["a", " b", "a"])

    assert (plain["billable"], plain["tags"], plain["tag_list"]) == (True, None, [])
    assert (listed["tags"], listed["tag_list"]) == ("a,b", ["a", "b"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start_time": "2024-01-15T09:00:00Z"}, "project_id"),
        ({"project_id": "WEBSITE"}, "start_time"),
        ({"project_id": "WEBSITE", "start_time": "yesterday"}, "start_time"),
        (
            {"project_id": "WEBSITE", "start_time": "2024-01-15T09:00:00Z", "end_time": "2024-01-15T08:00:00Z"},
            "end_time",
        ),
        ({"project_id": 999_999, "start_time": "2024-01-15T09:00:00Z"}, "project_id"),
        ({"project_id": "APP", "task_id": "DESIGN", "start_time": "2024-01-15T09:00:00Z"}, "task_id"),
        ({"project_id": "WEBSITE", "start_time": "2024-01-15T09:00:00Z", "billable": "maybe"}, "billable"),
        ({"project_id": "WEBSITE", "start_time": "2024-01-15T09:00:00Z", "user_id": "OTTO"}, "user_id"),
    ],
)
def test_bad_input_is_400_naming_the_field(client, studio, body, field):
    names = {"WEBSITE": studio.website, "APP": studio.app, "DESIGN": studio.design, "OTTO": studio.otto.user_id}
    body = {key: names.get(value, value) if isinstance(value, str) else value for key, value in body.items()}

    response = client.post(URL, json=body, headers=studio.olga.headers)

    answer = assert_error(response, 400, "validation_error")
    assert list(answer["errors"]) == [field]


def test_admins_create_for_members_members_only_for_themselves(client, studio):
    made = create(
        client, studio.max, studio.app, "2024-01-15T09:00:00Z", "2024-01-15T10:00:00Z", user_id=studio.mia.user_id
    )
    assert made["user_id"] == studio.mia.user_id

    refused = client.post(
        URL,
        json={"project_id": studio.app, "start_time": "2024-01-15T09:00:00Z", "user_id": studio.max.user_id},
        headers=studio.mia.headers,
    )
    assert_error(refused, 403, "forbidden")


# -- list ----------------------------------------------------------------------------


@pytest.fixture
def history(client, studio):
    """Mia: Website 9-10 (15th), App 9-10 (16th, not billable), a running timer
    on App (22nd, 08:00); Max: Website 9-10 (17th)."""
    return {
        "mia_web": create(client, studio.mia, studio.website, day("2024-01-15", 9), day("2024-01-15", 10))["id"],
        "mia_app": create(client, studio.mia, studio.app, day("2024-01-16", 9), day("2024-01-16", 10), billable=False)[
            "id"
        ],
        "max_web": create(client, studio.max, studio.website, day("2024-01-17", 9), day("2024-01-17", 10))["id"],
        "mia_timer": create(client, studio.mia, studio.app, day("2024-01-22", 8))["id"],
    }


def test_an_admin_sees_everyone_s_entries_a_member_only_their_own(client, studio, history):
    assert ids(client.get(URL, headers=studio.olga.headers)) == [
        history["max_web"],
        history["mia_app"],
        history["mia_web"],
    ]
    assert ids(client.get(URL, headers=studio.mia.headers)) == [history["mia_app"], history["mia_web"]]
    mine = client.get(URL, params={"user_id": studio.mia.user_id}, headers=studio.max.headers)
    assert ids(mine) == [history["mia_app"], history["mia_web"]]
    assert ids(client.get(URL, params={"user_id": studio.mia.user_id}, headers=studio.mia.headers)) == ids(mine)

    assert_error(client.get(URL, params={"user_id": studio.max.user_id}, headers=studio.mia.headers), 403, "forbidden")
    assert_error(client.get(f"{URL}/{history['max_web']}", headers=studio.mia.headers), 404, "not_found")
    assert client.get(f"{URL}/{history['mia_web']}", headers=studio.max.headers).status_code == 200


def test_running_timers_are_listed_only_with_include_active_true(client, studio, history):
    def listed(**params):
        return ids(client.get(URL, params=params, headers=studio.mia.headers))

    completed = [history["mia_app"], history["mia_web"]]
    assert listed() == completed
    assert listed(include_active="false") == completed
    assert listed(include_active="true") == [history["mia_timer"], *completed]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"project_id": "WEBSITE"}, ["max_web", "mia_web"]),
        ({"billable": "false"}, ["mia_app"]),
        ({"billable": "true"}, ["max_web", "mia_web"]),
        ({"start_date": "2024-01-16"}, ["max_web", "mia_app"]),
        ({"end_date": "2024-01-16"}, ["mia_app", "mia_web"]),  # a date covers that whole day
        ({"start_date": "2024-01-16", "end_date": "2024-01-16"}, ["mia_app"]),
        ({"end_date": "2024-01-16T09:00:00Z"}, ["mia_app", "mia_web"]),  # that second included
        ({"end_date": "2024-01-16T08:59:59Z"}, ["mia_web"]),
        ({"start_date": "2024-01-16T09:00:01Z"}, ["max_web"]),
    ],
)
def test_filters(client, studio, history, params, expected):
    names = {"WEBSITE": studio.website}
    params = {key: names.get(value, value) for key, value in params.items()}

    assert ids(client.get(URL, params=params, headers=studio.olga.headers)) == [history[name] for name in expected]


def test_a_date_is_a_day_in_the_caller_s_time_zone(client, services, studio):
    late = create(
        client, studio.mia, studio.app, "2024-01-16T02:00:00Z", "2024-01-16T03:00:00Z"
    )  # the 15th in New York
    services.settings.update(studio.olga.user_id, {"timezone": "America/New_York"})  # UTC-5 in January
    on_the_15th = {"start_date": "2024-01-15", "end_date": "2024-01-15"}

    assert ids(client.get(URL, params=on_the_15th, headers=studio.olga.headers)) == [late["id"]]
    assert ids(client.get(URL, params=on_the_15th, headers=studio.mia.headers)) == []  # Mia's days are UTC ones


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "someday"}, "start_date"),
        ({"end_date": "2024-02-30"}, "end_date"),
        ({"start_date": "2024-01-17", "end_date": "2024-01-16"}, "end_date"),
        ({"project_id": "x"}, "project_id"),
        ({"include_active": "perhaps"}, "include_active"),
        ({"page": "0"}, "page"),
        ({"per_page": "0"}, "per_page"),
    ],
)
def test_bad_filters_are_400_naming_them(client, studio, params, field):
    answer = assert_error(client.get(URL, params=params, headers=studio.olga.headers), 400, "validation_error")
    assert list(answer["errors"]) == [field]


# -- pagination at the edges ---------------------------------------------------------


def page(client, studio, **params) -> dict:
    response = client.get(URL, params=params, headers=studio.mia.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"time_entries", "pagination"}
    assert set(body["pagination"]) == PAGINATION_FIELDS
    return body


def test_an_empty_list(client, studio):
    assert page(client, studio) == {
        "time_entries": [],
        "pagination": {
            "page": 1, "per_page": 50, "total": 0, "pages": 0,
            "has_next": False, "has_prev": False, "next_page": None, "prev_page": None,
        },
    }  # fmt: skip


def test_an_exact_multiple_of_per_page_and_the_page_past_the_end(client, studio):
    made = [create(client, studio.mia, studio.app, day(f"2024-01-{d:02d}", 9), day(f"2024-01-{d:02d}", 10))["id"]
            for d in (1, 2, 3, 4)]  # fmt: skip

    first, last, beyond = (page(client, studio, page=n, per_page=2) for n in (1, 2, 3))

    assert [e["id"] for e in first["time_entries"]] == [made[3], made[2]]
    assert first["pagination"] == {
        "page": 1, "per_page": 2, "total": 4, "pages": 2,
        "has_next": True, "has_prev": False, "next_page": 2, "prev_page": None,
    }  # fmt: skip
    assert [e["id"] for e in last["time_entries"]] == [made[1], made[0]]
    assert last["pagination"] == {
        "page": 2, "per_page": 2, "total": 4, "pages": 2,
        "has_next": False, "has_prev": True, "next_page": None, "prev_page": 1,
    }  # fmt: skip
    assert beyond["time_entries"] == []
    assert (beyond["pagination"]["total"], beyond["pagination"]["has_next"]) == (4, False)
    assert beyond["pagination"]["prev_page"] == 2
    assert page(client, studio, per_page=500)["pagination"]["per_page"] == 100


# -- update and delete --------------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_an_update_changes_only_the_fields_sent(client, studio, method):
    entry = create(client, studio.mia, studio.website, day("2024-01-15", 9), day("2024-01-15", 10), tags="a,b")

    response = client.request(
        method,
        f"{URL}/{entry['id']}",
        json={"notes": "Edited", "end_time": "2024-01-15T11:00:00Z", "billable": False},
        headers=studio.mia.headers,
    )

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["message"] == "Time entry updated successfully"
    updated = answer["time_entry"]
    assert (updated["notes"], updated["end_time"], updated["duration_hours"], updated["billable"]) == (
        "Edited", "2024-01-15T11:00:00Z", 2.0, False,
    )  # fmt: skip
    assert (updated["tags"], updated["start_time"], updated["hourly_rate"]) == ("a,b", entry["start_time"], 80.0)
    cleared = client.request(method, f"{URL}/{entry['id']}", json={"tags": None}, headers=studio.mia.headers)
    assert cleared.json()["time_entry"]["tag_list"] == []


def test_a_null_task_id_takes_the_entry_off_its_task_and_leaves_its_project(client, studio):
    entry = create(
        client, studio.mia, studio.website, day("2024-01-15", 9), day("2024-01-15", 10), task_id=studio.design
    )

    cleared = client.patch(f"{URL}/{entry['id']}", json={"task_id": None}, headers=studio.mia.headers)

    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["time_entry"]["project_id"], cleared.json()["time_entry"]["task_id"]) == (
        studio.website,
        None,
    )


def test_update_refusals(client, studio):
    mine = create(client, studio.mia, studio.website, day("2024-01-15", 9), day("2024-01-15", 10))
    his = create(client, studio.max, studio.website, day("2024-01-15", 11), day("2024-01-15", 12))
    put = lambda entry_id, body, who=studio.mia: client.put(f"{URL}/{entry_id}", json=body, headers=who.headers)  # noqa: E731

    assert list(assert_error(put(mine["id"], {"end_time": None}), 400, "validation_error")["errors"]) == ["end_time"]
    moved = put(mine["id"], {"project_id": studio.app, "task_id": studio.design})
    assert list(assert_error(moved, 400, "validation_error")["errors"]) == ["task_id"]
    assert_error(put(his["id"], {"notes": "mine now"}), 404, "not_found")
    assert_error(put(999_999, {"notes": "x"}), 404, "not_found")
    assert put(mine["id"], {"notes": "checked"}, who=studio.olga).status_code == 200  # an admin edits anyone's


def test_delete_answers_a_message_and_refuses_a_running_timer(client, studio):
    done = create(client, studio.mia, studio.website, day("2024-01-15", 9), day("2024-01-15", 10))
    timer = create(client, studio.mia, studio.app, day("2024-01-22", 8))

    deleted = client.delete(f"{URL}/{done['id']}", headers=studio.mia.headers)

    assert deleted.status_code == 200, deleted.text
    assert deleted.json() == {"message": "Time entry deleted successfully"}
    assert_error(client.get(f"{URL}/{done['id']}", headers=studio.mia.headers), 404, "not_found")
    assert_error(client.delete(f"{URL}/{done['id']}", headers=studio.mia.headers), 404, "not_found")
    refused = assert_error(client.delete(f"{URL}/{timer['id']}", headers=studio.mia.headers), 400, "validation_error")
    assert "stop it first" in refused["message"]
    assert client.get(f"{URL}/{timer['id']}", headers=studio.mia.headers).status_code == 200


# -- credentials ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "scope", "status"),
    [
        ("GET", "", None, "read:time_entries", 200),
        ("GET", "/ENTRY", None, "read:time_entries", 200),
        ("GET", "/export", None, "read:time_entries", 200),
        ("POST", "", {"project_id": "APP", "start_time": "2024-01-15T11:00:00Z"}, "write:time_entries", 201),
        ("PUT", "/ENTRY", {"notes": "x"}, "write:time_entries", 200),
        ("PATCH", "/ENTRY", {"notes": "x"}, "write:time_entries", 200),
        ("DELETE", "/ENTRY", None, "write:time_entries", 200),
    ],
)
def test_each_route_needs_its_scope(client, services, studio, method, path, body, scope, status):
    entry = create(client, studio.mia, studio.app, day("2024-01-15", 9), day("2024-01-15", 10))
    url = URL + path.replace("ENTRY", str(entry["id"]))
    body = body and {key: studio.app if value == "APP" else value for key, value in body.items()}
    other = "write:time_entries" if scope.startswith("read") else "read:time_entries"
    without = token(services, studio.mia.user_id, [other, "read:projects"], workspace_id=studio.ws)
    only = token(services, studio.mia.user_id, [scope], workspace_id=studio.ws)

    refused = assert_error(client.request(method, url, json=body, headers=without), 403, "forbidden")

    assert refused["required_scope"] == scope
    assert refused["available_scopes"] == sorted([other, "read:projects"])
    assert client.request(method, url, json=body, headers=only).status_code == status


def test_no_token_is_401(client):
    assert_error(client.get(URL), 401, "unauthorized")
    assert_error(client.post(URL, json={}), 401, "unauthorized")


def test_a_create_retried_with_its_idempotency_key_makes_one_entry(client, studio):
    body = {"project_id": studio.app, "start_time": "2024-01-15T09:00:00Z", "end_time": "2024-01-15T10:00:00Z"}
    headers = studio.mia.headers | {"Idempotency-Key": "sync-2024-01-15"}

    first = client.post(URL, json=body, headers=headers)
    again = client.post(URL, json=body, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert int(first.headers["X-RateLimit-Remaining"]) < int(first.headers["X-RateLimit-Limit"])
    assert ids(client.get(URL, headers=studio.mia.headers)) == [first.json()["time_entry"]["id"]]
