"""Reports over a workspace's entries: the hours summary (seed 002's
``/reports/summary``) and the export rows (``/time-entries/export``).

Both read the entries through ``WorkspaceEntries.pages``: its visibility
rules (members see their own, managers everyone's) and one Query on the
narrowest workspace index, page after page, so a year of entries is never in
memory at once and nothing is scanned.

An entry belongs to the window its start falls in (as in the lists); it
counts whole, never clipped. Each entry counts its own rounded hours (its
``duration_hours`` in the lists), so a report adds up to the entries it
counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..errors import ValidationFailed
from ..models import ZERO, Entry
from ..principal import Actor
from .clock import Clock

if TYPE_CHECKING:
    from .workspace_entries import WorkspaceEntries
    from .workspaces import Workspaces

DEFAULT_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True, slots=True)
class ProjectHours:
    """One project's share of a summary; entries without a project share one
    row with ``project_id`` and ``project_name`` None."""

    project_id: int | None
    project_name: str | None
    hours: Decimal
    entries: int


@dataclass(frozen=True, slots=True)
class Summary:
    start: dt.datetime  # inclusive
    end: dt.datetime  # exclusive
    total_hours: Decimal
    billable_hours: Decimal
    total_entries: int
    by_project: tuple[ProjectHours, ...]  # most hours first; ties by name


def summarize(
    entries: Iterable[Entry], project_names: Mapping[int, str], start: dt.datetime, end: dt.datetime
) -> Summary:
    """The summary of completed ``entries`` (running ones are skipped)."""
    total = billable = ZERO
    count = 0
    hours: dict[int | None, Decimal] = {}
    counts: dict[int | None, int] = {}
    for entry in entries:
        if entry.total_hours is None:
            continue
        count += 1
        total += entry.total_hours
        if entry.billable:
            billable += entry.total_hours
        hours[entry.project_id] = hours.get(entry.project_id, ZERO) + entry.total_hours
        counts[entry.project_id] = counts.get(entry.project_id, 0) + 1
    rows = [
        ProjectHours(project, project_names.get(project) if project is not None else None, spent, counts[project])
        for project, spent in hours.items()
    ]
    rows.sort(
        key=lambda row: (-row.hours, row.project_name is None, (row.project_name or "").casefold(), row.project_id or 0)
    )
    return Summary(start, end, total, billable, count, tuple(rows))


@dataclass(frozen=True, slots=True)
class ExportRow:
    """An entry with the names an export shows beside its ids (None: no such
    project/task/client, or one deleted since)."""

    entry: Entry
    project_name: str | None
    task_name: str | None
    client_name: str | None


class WorkspaceReports:
    def __init__(self, entries: WorkspaceEntries, workspaces: Workspaces, clock: Clock, *, max_rows: int) -> None:
        self._entries = entries
        self._workspaces = workspaces
        self._clock = clock
        self._max_rows = max_rows

    def summary(
        self,
        actor: Actor,
        workspace_id: int,
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        project_id: int | None = None,
        user_id: int | None = None,
    ) -> Summary:
        """Completed entries starting in [start, end): ``end`` defaults to the
        end of the current second, ``start`` to 30 days before ``end`` (or
        before now). ``user_id`` of someone else: managers only (Forbidden)."""
        now = self._clock().replace(microsecond=0)
        if start is None:
            start = (now if end is None else end) - DEFAULT_WINDOW
        if end is None:
            end = now + dt.timedelta(seconds=1)  # this second included
        if end <= start:
            raise ValidationFailed("end_date", "must be after start_date", location="query")
        pages = self._entries.pages(
            actor, workspace_id, user_id=user_id, project_id=project_id, start=start, end=end, running=False
        )
        names = {project.id: project.name for project in self._workspaces.projects(actor, workspace_id)}
        return summarize(_each(pages), names, start, end)

    def export(self, actor: Actor, workspace_id: int, **filters: Any) -> Iterator[ExportRow]:
        """Every entry ``WorkspaceEntries.list`` gives for ``filters`` (its
        keyword arguments but ``skip`` and ``limit``), newest first, with their
        project, task and client names. The checks (membership, whose entries,
        at most ``max_rows`` of them: else ValidationFailed on ``end_date``, so
        a narrower range is asked for) run in this call, before the first row;
        the entries are read a page at a time as the rows are consumed."""
        matching = self._entries.count(actor, workspace_id, **filters)
        if matching > self._max_rows:
            raise ValidationFailed(
                "end_date",
                f"{matching} entries match; an export holds at most {self._max_rows}: narrow the dates",
                location="query",
            )
        pages = self._entries.pages(actor, workspace_id, **filters)
        projects = {project.id: project for project in self._workspaces.projects(actor, workspace_id)}
        tasks = {task.id: task.title for task in self._workspaces.tasks(actor, workspace_id)}
        clients = {client.id: client.name for client in self._workspaces.clients(actor, workspace_id)}

        def rows() -> Iterator[ExportRow]:
            for entry in _each(pages):
                project = projects.get(entry.project_id) if entry.project_id is not None else None
                yield ExportRow(
                    entry,
                    project.name if project else None,
                    tasks.get(entry.task_id) if entry.task_id is not None else None,
                    clients.get(project.client_id) if project and project.client_id is not None else None,
                )

        return rows()


def _each(pages: Iterator[list[Entry]]) -> Iterator[Entry]:
    for page in pages:
        yield from page
