"""The report rules (services/workspace_reports.py) and the export writers
(api/integrations/export.py), without HTTP. Every expected number is worked
out by hand in the test."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from tests.conftest import join
from timetrack.api.integrations import export
from timetrack.errors import Forbidden, ValidationFailed
from timetrack.models import Entry, PaymentStatus
from timetrack.services.workspace_reports import ExportRow, ProjectHours, WorkspaceReports, summarize

UTC = dt.UTC
D = Decimal
START, END = dt.datetime(2024, 1, 1, tzinfo=UTC), dt.datetime(2024, 2, 1, tzinfo=UTC)
WEBSITE, APP, ZEBRA = 31, 32, 33


def entry(entry_id: int, minutes: int | None, *, project: int | None = WEBSITE, billable: bool = True, **kw) -> Entry:
    """``minutes`` long from 2024-01-15 09:00 UTC; None: still running."""
    start = dt.datetime(2024, 1, 15, 9, tzinfo=UTC)
    return Entry(
        id=entry_id,
        user_id=7,
        date=start.date(),
        start_time=start,
        end_time=None if minutes is None else start + dt.timedelta(minutes=minutes),
        hourly_rate=D("75"),
        payment_status=PaymentStatus.NOT_PAID,
        notes=kw.pop("notes", None),
        created_at=start,
        updated_at=start,
        workspace_id=5,
        project_id=project,
        billable=billable,
        **kw,
    )


NAMES = {WEBSITE: "Website", APP: "app", ZEBRA: "Zebra"}


def test_a_summary_adds_each_entry_s_rounded_hours_by_project_most_first():
    entries = [
        entry(1, 90, project=WEBSITE),  # 1.50
        entry(2, 20, project=WEBSITE, billable=False),  # 0.333.. -> 0.33
        entry(3, 125, project=APP),  # 2.0833.. -> 2.08
        entry(4, 10, project=None),  # 0.1666.. -> 0.17
        entry(5, None, project=ZEBRA),  # running: not counted
    ]

    summary = summarize(entries, NAMES, START, END)

    assert (summary.start, summary.end) == (START, END)
    assert summary.total_entries == 4
    assert summary.total_hours == D("4.08")  # 1.50 + 0.33 + 2.08 + 0.17
    assert summary.billable_hours == D("3.75")  # 1.50 + 2.08 + 0.17
    assert summary.by_project == (
        ProjectHours(APP, "app", D("2.08"), 1),
        ProjectHours(WEBSITE, "Website", D("1.83"), 2),
        ProjectHours(None, None, D("0.17"), 1),
    )


def test_projects_with_equal_hours_are_ordered_by_name_ignoring_case_and_no_project_last():
    entries = [entry(1, 60, project=ZEBRA), entry(2, 60, project=None), entry(3, 60, project=APP)]
    entries.append(entry(4, 60, project=WEBSITE))

    rows = summarize(entries, NAMES, START, END).by_project

    assert [row.project_name for row in rows] == ["app", "Website", "Zebra", None]


def test_a_summary_of_nothing_is_zero():
    summary = summarize([], NAMES, START, END)

    assert (summary.total_hours, summary.billable_hours, summary.total_entries, summary.by_project) == (0, 0, 0, ())


# -- the export writers ------------------------------------------------------------

ROWS = [
    ExportRow(
        entry(11, 90, notes='Déploiement, "v2"\nsecond line', tags=("development", "frontend"), task_id=41),
        "Website",
        "Design",
        "Acme Corp",
    ),
    ExportRow(entry(12, None, project=None, notes='=HYPERLINK("http://evil")', billable=False), None, None, None),
]


def test_csv_has_a_header_row_and_one_row_per_entry_in_utf8():
    data = b"".join(export.csv_chunks(iter(ROWS)))

    table = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))

    assert list(table[0]) == list(export.COLUMNS)
    assert table[0] == {
        "id": "11", "user_id": "7", "project_id": str(WEBSITE), "project_name": "Website", "task_id": "41",
        "task_name": "Design", "client_name": "Acme Corp", "start_time": "2024-01-15T09:00:00Z",
        "end_time": "2024-01-15T10:30:00Z", "duration_seconds": "5400", "duration_hours": "1.5",
        "billable": "true", "tags": "development,frontend", "notes": "Déploiement, \"v2\"\nsecond line",
        "hourly_rate": "75.0", "source": "manual",
    }  # fmt: skip
    running = table[1]
    assert (running["end_time"], running["duration_seconds"], running["project_name"]) == ("", "", "")
    assert running["billable"] == "false"
    assert running["notes"] == '\'=HYPERLINK("http://evil")'  # never a formula in a spreadsheet
    assert len(table) == 2


def test_xlsx_opens_with_typed_cells():
    data = b"".join(export.xlsx_chunks(iter(ROWS)))

    sheet = load_workbook(io.BytesIO(data), read_only=True)["Time entries"]
    header, first, second = list(sheet.iter_rows(values_only=True))

    assert header == export.COLUMNS
    values = dict(zip(header, first, strict=True))
    assert values["start_time"] == dt.datetime(2024, 1, 15, 9)  # UTC
    assert (values["duration_hours"], values["billable"], values["hourly_rate"]) == (1.5, True, 75)
    assert values["notes"] == 'Déploiement, "v2"\nsecond line'
    assert (values["project_name"], values["task_name"], values["client_name"]) == ("Website", "Design", "Acme Corp")
    running = dict(zip(header, second, strict=True))
    assert running["end_time"] is None
    assert running["notes"] == '=HYPERLINK("http://evil")'  # a string cell, not a formula


def test_an_export_of_nothing_is_the_header_row_alone():
    assert b"".join(export.csv_chunks(iter([]))).decode() == ",".join(export.COLUMNS) + "\r\n"


# -- the service, on the workspace index ----------------------------------------


@pytest.fixture
def studio(services, clock):
    """Olga owns a workspace: client Acme, projects Website (Acme's) and App, task
    Design on the website; Mia is a member."""
    clock.set("2024-03-01T12:00:00Z")
    olga, mia = (services.accounts.create_user(f"{name}@example.com") for name in ("olga", "mia"))
    ws, _ = services.workspaces.create(olga, "Studio")
    join(services, ws.id, mia, by=olga)
    acme = services.workspaces.create_client(olga, ws.id, "Acme")
    website = services.workspaces.create_project(olga, ws.id, "Website", hourly_rate=D("80"), client_id=acme.id)
    app = services.workspaces.create_project(olga, ws.id, "App", hourly_rate=None)
    design = services.workspaces.create_task(olga, ws.id, website.id, "Design")
    return dict(ws=ws.id, olga=olga, mia=mia, website=website.id, app=app.id, design=design.id)


def test_the_default_window_is_the_30_days_up_to_now_and_running_timers_do_not_count(services, studio, clock):
    made = services.workspace_entries
    now = clock()
    for days_ago, hours in ((31, 5), (29, 2), (0, 1)):
        start = now - dt.timedelta(days=days_ago, hours=hours)
        made.create(studio["mia"], studio["ws"], project_id=studio["app"], start_time=start,
                    end_time=start + dt.timedelta(hours=hours))  # fmt: skip
    made.start(studio["mia"], studio["ws"], project_id=studio["website"])

    summary = services.workspace_reports.summary(studio["mia"], studio["ws"])

    assert summary.end == dt.datetime(2024, 3, 1, 12, 0, 1, tzinfo=UTC)  # now's second included
    assert summary.start == dt.datetime(2024, 1, 31, 12, tzinfo=UTC)  # 30 days before now (2024 is a leap year)
    assert (summary.total_hours, summary.total_entries) == (D("3.00"), 2)  # 2 h 29 days ago + 1 h today
    assert summary.by_project == (ProjectHours(studio["app"], "App", D("3.00"), 2),)


def test_a_window_ending_before_it_starts_is_refused_naming_end_date(services, studio):
    with pytest.raises(ValidationFailed) as refused:
        services.workspace_reports.summary(
            studio["olga"],
            studio["ws"],
            start=dt.datetime(2024, 2, 1, tzinfo=UTC),
            end=dt.datetime(2024, 2, 1, tzinfo=UTC),
        )
    assert refused.value.field == "end_date"


def test_export_rows_name_project_task_and_client_and_are_capped(services, studio, clock):
    made = services.workspace_entries
    day = dt.datetime(2024, 2, 20, 9, tzinfo=UTC)
    on_task = made.create(studio["mia"], studio["ws"], task_id=studio["design"], start_time=day,
                          end_time=day + dt.timedelta(hours=1))  # fmt: skip
    on_app = made.create(studio["mia"], studio["ws"], project_id=studio["app"], start_time=day + dt.timedelta(hours=2),
                         end_time=day + dt.timedelta(hours=3))  # fmt: skip

    rows = list(services.workspace_reports.export(studio["olga"], studio["ws"]))

    assert rows == [ExportRow(on_app, "App", None, None), ExportRow(on_task, "Website", "Design", "Acme")]
    capped = WorkspaceReports(made, services.workspaces, clock, max_rows=1)
    with pytest.raises(ValidationFailed) as refused:
        capped.export(studio["olga"], studio["ws"])  # refused at the call, before any row
    assert refused.value.field == "end_date"
    assert [row.entry for row in capped.export(studio["olga"], studio["ws"], project_id=studio["app"])] == [on_app]
    with pytest.raises(Forbidden):
        services.workspace_reports.export(studio["mia"], studio["ws"], user_id=studio["olga"])
