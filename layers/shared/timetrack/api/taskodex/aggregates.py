"""The aggregate of the organization time-entries API (seed 004): its row and
renderer. A row has ``total_duration_minutes`` (an integer, half-up on the
group's total) and only the keys the seed lists for its grouping: ``date``
(``YYYY-MM-DD``, the caller's day), ``week`` and ``year`` (ISO: the week of
2024-12-30 is week 1 of 2025), ``month`` and ``year``, ``year``, ``task_id``
or ``user_id`` (ids as JSON strings; ``task_id`` is ``null`` for the time of
entries made on no task through another API)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from ...aggregates import AggregateRow, GroupBy


class TaskodexAggregation(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"total_duration_minutes": 135, "date": "2024-01-15"}]})

    total_duration_minutes: int = Field(description="The group's time in minutes, rounded half-up")
    task_id: str | None = Field(None, description="If group_by=task")
    user_id: str | None = Field(None, description="If group_by=user")
    date: dt.date | None = Field(None, description="If group_by=day: your local day")
    week: int | None = Field(None, description="If group_by=week: the ISO week (1-53)")
    month: int | None = Field(None, description="If group_by=month (1-12)")
    year: int | None = Field(None, description="If group_by=week (the ISO year), month or year")


def aggregation_rows(group_by: GroupBy, rows: list[AggregateRow]) -> list[TaskodexAggregation]:
    """Each row with its total and its grouping's keys only (render with ``exclude_unset``)."""
    rendered = []
    for row in rows:
        keys = {field: getattr(row, field) for field in group_by.fields}
        for field in ("task_id", "user_id"):
            if field in keys and keys[field] is not None:
                keys[field] = str(keys[field])
        rendered.append(TaskodexAggregation(total_duration_minutes=row.total_minutes, **keys))
    return rendered
