"""A workspace to test the integrations API's entries, timer, reports and
export over HTTP (seed 002).

Olga owns the studio (her unbound token acts in it: it is the workspace she
owns), Max is its executive manager and Mia a member (their tokens are bound
to it). The studio has client Acme, projects Website (80/h, Acme's), App (no
rate) and Old (archived), and task Design on the website. Otto is in no
workspace but his own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from tests.conftest import join
from timetrack.principal import Principal
from timetrack.runtime import Services
from timetrack.workspaces import ProjectStatus, Role

ENTRY_FIELDS = {
    "id", "user_id", "project_id", "task_id", "start_time", "end_time", "duration_seconds", "duration_hours", "notes",
    "tags", "tag_list", "billable", "source", "is_active", "hourly_rate", "created_at", "updated_at",
}  # fmt: skip
PAGINATION_FIELDS = {"page", "per_page", "total", "pages", "has_next", "has_prev", "next_page", "prev_page"}


@dataclass(frozen=True)
class Person:
    user_id: int
    headers: dict[str, str]  # their token for the integrations API
    personal: dict[str, str]  # an unbound token, for the personal API


@dataclass(frozen=True)
class Studio:
    ws: int
    olga: Person
    max: Person
    mia: Person
    otto: Person
    acme: int
    website: int
    app: int
    old: int
    design: int


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token(services: Services, user_id: int, scopes: Iterable[str] = ("*",), workspace_id: int | None = None) -> dict:
    """Headers with a token of ``user_id`` holding ``scopes`` (bound to ``workspace_id`` if given)."""
    issued = services.tokens.create(
        Principal(user_id), name="test", scopes_requested=list(scopes), workspace_id=workspace_id
    )
    return bearer(issued.token)


def build(services: Services) -> Studio:
    accounts, workspaces = services.accounts, services.workspaces
    olga, max_, mia, otto = (accounts.create_user(f"{name}@example.com") for name in ("olga", "max", "mia", "otto"))
    ws, _ = workspaces.create(olga, "Studio")
    join(services, ws.id, max_, Role.EXECUTIVE_MANAGER, by=olga)
    join(services, ws.id, mia, by=olga)
    acme = workspaces.create_client(olga, ws.id, "Acme")
    website = workspaces.create_project(olga, ws.id, "Website", hourly_rate=Decimal("80"), client_id=acme.id)
    app = workspaces.create_project(olga, ws.id, "App", hourly_rate=None)
    old = workspaces.create_project(olga, ws.id, "Old", hourly_rate=None, status=ProjectStatus.ARCHIVED)
    design = workspaces.create_task(olga, ws.id, website.id, "Design")

    def person(user_id: int, bound: bool) -> Person:
        return Person(
            user_id, token(services, user_id, workspace_id=ws.id if bound else None), token(services, user_id)
        )

    return Studio(
        ws=ws.id,
        olga=person(olga, bound=False),
        max=person(max_, bound=True),
        mia=person(mia, bound=True),
        otto=person(otto, bound=False),
        acme=acme.id,
        website=website.id,
        app=app.id,
        old=old.id,
        design=design.id,
    )


def assert_error(response, status: int, code: str) -> dict:
    """An error in the integrations API's format."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code, body
    assert body["error"]
    assert body["message"]
    return body


def day(date: str, hour: int, minute: int = 0) -> str:
    """``2024-01-15``, 9 -> ``2024-01-15T09:00:00Z``."""
    return dt.datetime.fromisoformat(date).replace(hour=hour, minute=minute).strftime("%Y-%m-%dT%H:%M:%SZ")
