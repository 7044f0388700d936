"""The integrations API's summary report over HTTP (seed 002):
/api/v1/reports/summary, with every figure worked out by hand below."""

from __future__ import annotations

import pytest

from tests.studio import assert_error, build, token

URL = "/api/v1/reports/summary"
JANUARY = {"start_date": "2024-01-01", "end_date": "2024-01-31"}


@pytest.fixture
def studio(services):
    return build(services)


@pytest.fixture
def january(client, clock, studio):
    """Mia: Website 2 h (billable) and 1 h 30 (not billable), App 45 min;
    Max: App 3 h, Website 20 min (0.33 h). Not in January's report: Mia's
    1 h 30 starting on 31 December, her 1 h on 1 February, and her running
    timer. Now is 2 February, 09:00 UTC."""
    clock.set("2024-02-02T09:00:00+00:00")

    def make(person, project, start, end=None, billable=True):
        body = {"project_id": project, "start_time": start, "end_time": end, "billable": billable}
        response = client.post("/api/v1/time-entries", json=body, headers=person.headers)
        assert response.status_code == 201, response.text

    make(studio.mia, studio.website, "2024-01-10T09:00:00Z", "2024-01-10T11:00:00Z")
    make(studio.mia, studio.website, "2024-01-11T13:00:00Z", "2024-01-11T14:30:00Z", billable=False)
    make(studio.mia, studio.app, "2024-01-12T10:00:00Z", "2024-01-12T10:45:00Z")
    make(studio.max, studio.app, "2024-01-15T08:00:00Z", "2024-01-15T11:00:00Z")
    make(studio.max, studio.website, "2024-01-16T09:00:00Z", "2024-01-16T09:20:00Z")
    make(studio.mia, studio.website, "2023-12-31T23:00:00Z", "2024-01-01T00:30:00Z")
    make(studio.mia, studio.app, "2024-02-01T00:00:00Z", "2024-02-01T01:00:00Z")
    make(studio.mia, studio.app, "2024-02-02T08:00:00Z")  # running


def summary(client, person, **params) -> dict:
    response = client.get(URL, params=params, headers=person.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"summary"}
    return body["summary"]


def test_an_admin_s_summary_of_january_across_two_projects(client, studio, january):
    assert summary(client, studio.olga, **JANUARY) == {
        "start_date": "2024-01-01T00:00:00Z",
        "end_date": "2024-01-31T23:59:59Z",
        "total_hours": 7.58,  # 2 + 1.5 + 0.75 + 3 + 0.33
        "billable_hours": 6.08,  # all but Mia's 1.5
        "total_entries": 5,
        "by_project": [
            {"project_id": studio.website, "project_name": "Website", "hours": 3.83, "entries": 3},  # 2 + 1.5 + 0.33
            {"project_id": studio.app, "project_name": "App", "hours": 3.75, "entries": 2},  # 0.75 + 3
        ],
    }


def test_a_member_s_summary_is_their_own(client, studio, january):
    mine = summary(client, studio.mia, **JANUARY)

    assert (mine["total_hours"], mine["billable_hours"], mine["total_entries"]) == (4.25, 2.75, 3)
    assert mine["by_project"] == [
        {"project_id": studio.website, "project_name": "Website", "hours": 3.5, "entries": 2},
        {"project_id": studio.app, "project_name": "App", "hours": 0.75, "entries": 1},
    ]
    assert summary(client, studio.mia, user_id=studio.mia.user_id, **JANUARY) == mine
    assert_error(client.get(URL, params={"user_id": studio.max.user_id}, headers=studio.mia.headers), 403, "forbidden")


def test_an_admin_filters_by_member_and_by_project(client, studio, january):
    max_ = summary(client, studio.olga, user_id=studio.max.user_id, **JANUARY)
    app = summary(client, studio.max, project_id=studio.app, **JANUARY)

    assert (max_["total_hours"], max_["billable_hours"], max_["total_entries"]) == (3.33, 3.33, 2)
    assert [(row["project_name"], row["hours"]) for row in max_["by_project"]] == [("App", 3.0), ("Website", 0.33)]
    assert (app["total_hours"], app["total_entries"]) == (3.75, 2)
    assert app["by_project"] == [{"project_id": studio.app, "project_name": "App", "hours": 3.75, "entries": 2}]


def test_the_default_window_is_the_last_30_days(client, studio, january):
    recent = summary(client, studio.mia)

    assert (recent["start_date"], recent["end_date"]) == ("2024-01-03T09:00:00Z", "2024-02-02T09:00:00Z")
    assert (recent["total_hours"], recent["total_entries"]) == (5.25, 4)  # January's 4.25 and 1 February's 1


def test_date_times_bound_the_window_to_the_second(client, studio, january):
    window = {"start_date": "2024-01-10T09:00:00Z", "end_date": "2024-01-12T10:00:00Z"}

    found = summary(client, studio.mia, **window)

    assert (found["start_date"], found["end_date"]) == ("2024-01-10T09:00:00Z", "2024-01-12T10:00:00Z")
    assert (found["total_hours"], found["total_entries"]) == (4.25, 3)  # the 12th's entry starts at 10:00:00


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "January"}, "start_date"),
        ({"end_date": "2024-13-01"}, "end_date"),
        ({"start_date": "2024-02-01", "end_date": "2024-01-31"}, "end_date"),
        ({"project_id": "0"}, "project_id"),
    ],
)
def test_bad_parameters_are_400_naming_them(client, studio, params, field):
    answer = assert_error(client.get(URL, params=params, headers=studio.olga.headers), 400, "validation_error")
    assert list(answer["errors"]) == [field]


def test_it_needs_read_reports(client, services, studio):
    headers = token(services, studio.mia.user_id, ["read:time_entries"], workspace_id=studio.ws)

    refused = assert_error(client.get(URL, headers=headers), 403, "forbidden")

    assert (refused["required_scope"], refused["available_scopes"]) == ("read:reports", ["read:time_entries"])
    allowed = token(services, studio.mia.user_id, ["read:reports"], workspace_id=studio.ws)
    assert client.get(URL, headers=allowed).status_code == 200
    assert_error(client.get(URL), 401, "unauthorized")
