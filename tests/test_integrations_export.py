"""The time-entry export over HTTP: /api/v1/time-entries/export?format=csv|xlsx,
parsed back (CSV by the csv module, XLSX by openpyxl)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.studio import assert_error, build, token
from timetrack.services.workspace_reports import WorkspaceReports

URL = "/api/v1/time-entries/export"
HEADER = [
    "id", "user_id", "project_id", "project_name", "task_id", "task_name", "client_name", "start_time", "end_time",
    "duration_seconds", "duration_hours", "billable", "tags", "notes", "hourly_rate", "source",
]  # fmt: skip


@pytest.fixture
def studio(services):
    return build(services)


@pytest.fixture
def made(client, studio):
    """Mia: a Website/Design entry with a non-ASCII, comma and newline note; an
    App entry (not billable); a running timer on App. Max: an App entry."""

    def make(person, **body):
        response = client.post("/api/v1/time-entries", json=body, headers=person.headers)
        assert response.status_code == 201, response.text
        return response.json()["time_entry"]["id"]

    return {
        "design": make(studio.mia, project_id=studio.website, task_id=studio.design, tags="ux,café",
                       start_time="2024-01-15T09:00:00Z", end_time="2024-01-15T10:30:00Z",
                       notes="Maquette « accueil », v2\nsecond line"),
        "app": make(studio.mia, project_id=studio.app, start_time="2024-01-16T09:00:00Z",
                    end_time="2024-01-16T09:45:00Z", billable=False),
        "timer": make(studio.mia, project_id=studio.app, start_time="2024-01-22T08:00:00Z"),
        "max": make(studio.max, project_id=studio.app, start_time="2024-01-17T09:00:00Z",
                    end_time="2024-01-17T10:00:00Z"),
    }  # fmt: skip


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="time-entries.csv"'
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
    assert table[0] == HEADER
    return [dict(zip(HEADER, row, strict=True)) for row in table[1:]]


def test_csv_has_the_header_and_one_row_per_entry_with_names(client, studio, made):
    found = rows(client.get(URL, headers=studio.mia.headers))

    assert [int(row["id"]) for row in found] == [made["app"], made["design"]]  # newest first, no running timer
    assert found[1] == {
        "id": str(made["design"]), "user_id": str(studio.mia.user_id), "project_id": str(studio.website),
        "project_name": "Website", "task_id": str(studio.design), "task_name": "Design", "client_name": "Acme",
        "start_time": "2024-01-15T09:00:00Z", "end_time": "2024-01-15T10:30:00Z", "duration_seconds": "5400",
        "duration_hours": "1.5", "billable": "true", "tags": "ux,café",
        "notes": "Maquette « accueil », v2\nsecond line", "hourly_rate": "80.0", "source": "manual",
    }  # fmt: skip
    assert (found[0]["project_name"], found[0]["client_name"], found[0]["billable"]) == ("App", "", "false")


def test_the_export_takes_the_list_s_filters(client, studio, made):
    def exported(person, **params):
        return [int(row["id"]) for row in rows(client.get(URL, params=params, headers=person.headers))]

    assert exported(studio.olga) == [made["max"], made["app"], made["design"]]
    assert exported(studio.olga, user_id=studio.mia.user_id, include_active="true") == [
        made["timer"], made["app"], made["design"],
    ]  # fmt: skip
    assert exported(studio.olga, project_id=studio.website) == [made["design"]]
    assert exported(studio.olga, billable="false") == [made["app"]]
    assert exported(studio.olga, start_date="2024-01-16", end_date="2024-01-16") == [made["app"]]
    running = rows(client.get(URL, params={"include_active": "true"}, headers=studio.mia.headers))[0]
    assert (running["end_time"], running["duration_seconds"], running["source"]) == ("", "", "timer")


def test_xlsx_opens_back_with_the_same_rows(client, studio, made):
    response = client.get(URL, params={"format": "xlsx"}, headers=studio.olga.headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["content-disposition"] == 'attachment; filename="time-entries.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content), read_only=True)["Time entries"]
    header, *table = sheet.iter_rows(values_only=True)
    assert list(header) == HEADER
    assert [row[0] for row in table] == [made["max"], made["app"], made["design"]]
    design = dict(zip(HEADER, table[2], strict=True))
    assert (design["project_name"], design["task_name"], design["client_name"]) == ("Website", "Design", "Acme")
    assert (design["duration_hours"], design["billable"], design["notes"]) == (
        1.5, True, "Maquette « accueil », v2\nsecond line",
    )  # fmt: skip


def test_an_empty_export_is_the_header_alone(client, studio):
    assert rows(client.get(URL, headers=studio.mia.headers)) == []


def test_refusals_come_before_the_file_in_the_api_s_format(client, services, clock, studio, made):
    assert_error(client.get(URL, params={"user_id": studio.max.user_id}, headers=studio.mia.headers), 403, "forbidden")
    bad_format = assert_error(
        client.get(URL, params={"format": "pdf"}, headers=studio.mia.headers), 400, "validation_error"
    )
    assert list(bad_format["errors"]) == ["format"]
    no_scope = token(services, studio.mia.user_id, ["read:reports"], workspace_id=studio.ws)
    assert assert_error(client.get(URL, headers=no_scope), 403, "forbidden")["required_scope"] == "read:time_entries"
    assert_error(client.get(URL), 401, "unauthorized")

    services.__dict__["workspace_reports"] = WorkspaceReports(
        services.workspace_entries, services.workspaces, clock, max_rows=2
    )  # an export of at most 2 rows
    too_many = assert_error(client.get(URL, headers=studio.olga.headers), 400, "validation_error")
    assert list(too_many["errors"]) == ["end_date"]
    assert "3 entries match" in too_many["message"]
    assert len(rows(client.get(URL, params={"end_date": "2024-01-16"}, headers=studio.olga.headers))) == 2
