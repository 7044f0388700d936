"""The time-entry export of the integrations API: CSV or XLSX, one row per
entry under a header row, with the project, task and client names beside
their ids. Values are the JSON API's (``TimeEntryOut``): UTC times with
``Z``, hours to 2 places, tags comma-separated.

Both writers take the rows as an iterator (read from the workspace index page
by page) and hold only a chunk of output at a time: CSV is yielded as it is
written; XLSX (a zip, complete only at its end) is written row by row to a
temporary file by XlsxWriter in ``constant_memory`` mode, then read back in
chunks.

Spreadsheets run cells that start with ``=``, ``+``, ``-`` or ``@`` as
formulas: a CSV text cell (a name, a note, tags) starting with one of those
is prefixed with ``'`` (so a member's note cannot run in a manager's
spreadsheet); XLSX cells are typed (a text is always a string, never a
formula), so they are written as they are.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Iterator
from typing import Any

from ...services.workspace_reports import ExportRow
from .schemas import TimeEntryOut

COLUMNS = (
    "id",
    "user_id",
    "project_id",
    "project_name",
    "task_id",
    "task_name",
    "client_name",
    "start_time",
    "end_time",
    "duration_seconds",
    "duration_hours",
    "billable",
    "tags",
    "notes",
    "hourly_rate",
    "source",
)
TEXT_COLUMNS = frozenset({"project_name", "task_name", "client_name", "tags", "notes"})
TIME_COLUMNS = frozenset({"start_time", "end_time"})
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_BYTES = 64 * 1024

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _values(row: ExportRow) -> dict[str, Any]:
    shown = TimeEntryOut.of(row.entry).model_dump(mode="json")
    shown |= {"project_name": row.project_name, "task_name": row.task_name, "client_name": row.client_name}
    return {column: shown[column] for column in COLUMNS}


def _csv_cell(column: str, value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if column in TEXT_COLUMNS and str(value).startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_chunks(rows: Iterator[ExportRow]) -> Iterator[bytes]:
    """UTF-8 CSV (RFC 4180: CRLF line ends, quoted where needed), about
    ``CHUNK_BYTES`` at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        values = _values(row)
        writer.writerow([_csv_cell(column, values[column]) for column in COLUMNS])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def xlsx_chunks(rows: Iterator[ExportRow]) -> Iterator[bytes]:
    """One worksheet, "Time entries": typed cells (numbers, booleans, times as
    UTC date-times), the header row frozen."""
    import xlsxwriter  # only the export loads it

    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        book = xlsxwriter.Workbook(path, {"constant_memory": True})
        sheet = book.add_worksheet("Time entries")
        when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        sheet.freeze_panes(1, 0)
        for column, name in enumerate(COLUMNS):
            sheet.write_string(0, column, name)
        for number, row in enumerate(rows, start=1):
            for column, (name, value) in enumerate(_values(row).items()):
                _write_cell(sheet, number, column, name, value, when)
        book.close()
        with open(path, "rb") as written:
            while chunk := written.read(CHUNK_BYTES):
                yield chunk
    finally:
        os.remove(path)


def _write_cell(sheet: Any, row: int, column: int, name: str, value: Any, when: Any) -> None:
    """Typed writes only: ``sheet.write`` would turn a text starting with ``=`` into a formula."""
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, int | float):
        sheet.write_number(row, column, value)
    elif name in TIME_COLUMNS:
        instant = dt.datetime.fromisoformat(value).replace(tzinfo=None)  # UTC; Excel has no zones
        sheet.write_datetime(row, column, instant, when)
    else:
        sheet.write_string(row, column, str(value))
