"""Lists in the integrations API (seed 002): ``page`` and ``per_page`` in,
``{"<resource>": [...], "pagination": {...}}`` out.

``page`` counts from 1 (default 1); ``per_page`` defaults to 50. A
``per_page`` above 100 is served as 100 (the seed's maximum: a client asking
for more gets the most there is per page, and ``pagination.per_page`` says
100); ``page`` or ``per_page`` below 1 (or not an integer) is 400
``validation_error`` naming it. A page after the last is an empty list with
the same totals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page:
    number: int
    per_page: int

    @property
    def skip(self) -> int:
        return (self.number - 1) * self.per_page

    def of(self, items: Sequence[T]) -> Sequence[T]:
        """This page of a list held whole (a workspace's projects, tasks, clients)."""
        return items[self.skip : self.skip + self.per_page]

    def pagination(self, total: int) -> Pagination:
        pages = -(-total // self.per_page)  # ceiling; 0 when there is nothing
        has_next = self.number < pages
        has_prev = self.number > 1
        return Pagination(
            page=self.number,
            per_page=self.per_page,
            total=total,
            pages=pages,
            has_next=has_next,
            has_prev=has_prev,
            next_page=self.number + 1 if has_next else None,
            prev_page=self.number - 1 if has_prev else None,
        )


class Pagination(BaseModel):
    page: int = Field(examples=[1])
    per_page: int = Field(examples=[50])
    total: int = Field(examples=[150], description="Items across all pages")
    pages: int = Field(examples=[3], description="0 when there are no items")
    has_next: bool
    has_prev: bool
    next_page: int | None = Field(examples=[2])
    prev_page: int | None = Field(examples=[None])


async def _page(
    page: Annotated[int, Query(ge=1, description="Page number, from 1.")] = 1,
    per_page: Annotated[
        int, Query(ge=1, description=f"Items per page; above {MAX_PER_PAGE} is served as {MAX_PER_PAGE}.")
    ] = DEFAULT_PER_PAGE,
) -> Page:
    return Page(page, min(per_page, MAX_PER_PAGE))


PageParams = Annotated[Page, Depends(_page)]
"""A route parameter: the page asked for (``page``, ``per_page`` query parameters)."""


def paginated(key: str, items: Sequence[Any], total: int, page: Page) -> dict[str, Any]:
    """The seed's list body: ``items`` (already this page's) under ``key``."""
    return {key: list(items), "pagination": page.pagination(total)}


def page_of(key: str, every: Sequence[Any], page: Page) -> dict[str, Any]:
    """The list body for a list held whole: this page of ``every``."""
    return paginated(key, page.of(every), len(every), page)
