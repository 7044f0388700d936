"""Time entries' workspace fields (project, task, billable, tags, source) and
the rate an entry on a project is fixed at, in the domain: the personal API
shows none of them (seed 001), the seed-002 dialect will."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.conftest import join
from timetrack.errors import ValidationFailed
from timetrack.models import EntrySource, normalise_tags
from timetrack.principal import Principal

UTC = dt.UTC
NINE = dt.datetime(2024, 1, 22, 9, 0, tzinfo=UTC)


@pytest.fixture
def world(services, make_user):
    owner = make_user("owner@example.com")["user_id"]
    member = make_user("member@example.com")["user_id"]
    ws = services.workspaces
    workspace, _ = ws.create(owner, "Acme")
    join(services, workspace.id, member, by=owner)
    return {"ws": workspace.id, "owner": owner, "member": member}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ([" client ", "urgent", "client", "", "  ", "Client"], ("client", "urgent", "Client")),
        ([], ()),
    ],
)
def test_tags_are_trimmed_deduplicated_and_keep_their_order(given, expected):
    assert normalise_tags(given) == expected


def test_an_entry_keeps_its_workspace_fields(services, world):
    entries = services.entries
    project = services.workspaces.create_project(world["owner"], world["ws"], "Website", None)
    caller = entries.caller(world["member"])

    made = entries.create(
        caller,
        start_time=NINE,
        end_time=NINE + dt.timedelta(hours=1),
        workspace_id=world["ws"],
        project_id=project.id,
        billable=False,
        tags=["design", " design ", "review"],
    )
    read = entries.get(entries.caller(world["member"]), made.id)

    assert (read.workspace_id, read.project_id, read.task_id) == (world["ws"], project.id, None)
    assert (read.billable, read.tags, read.source) == (False, ("design", "review"), EntrySource.MANUAL)


def test_personal_entries_are_billable_untagged_and_timers_are_timers(services, user, clock):
    entries = services.entries
    caller = entries.caller(user["user_id"])

    typed = entries.create(caller, start_time=NINE, end_time=NINE + dt.timedelta(hours=1))
    started = entries.start(caller)
    stopped = entries.stop(entries.caller(user["user_id"]), started.id)

    assert (typed.workspace_id, typed.billable, typed.tags, typed.source) == (None, True, (), EntrySource.MANUAL)
    assert stopped.source is EntrySource.TIMER
    assert entries.get(entries.caller(user["user_id"]), started.id).source is EntrySource.TIMER


def test_too_many_or_too_long_tags_are_refused_naming_tags(services, user):
    caller = services.entries.caller(user["user_id"])
    for tags in ([f"t{i}" for i in range(51)], ["x" * 101]):
        with pytest.raises(ValidationFailed) as refused:
            services.entries.create(caller, start_time=NINE, end_time=NINE + dt.timedelta(hours=1), tags=tags)
        assert refused.value.field == "tags"


def test_a_clock_in_takes_its_project_and_task_from_its_origin(services, world):
    ws = services.workspaces
    project = ws.create_project(world["owner"], world["ws"], "Website", None)
    task = ws.create_task(world["owner"], world["ws"], project.id, "Landing page")
    contract = ws.create_contract(world["owner"], world["ws"], world["member"], project.id, Decimal("60"))

    entry = services.clock_ins.start(
        world["owner"],
        workspace_id=world["ws"],
        user_id=world["member"],
        contract_id=contract.id,
        task_id=task.id,
        request_id="test",
    )

    assert (entry.workspace_id, entry.project_id, entry.task_id) == (world["ws"], project.id, task.id)
    assert entry.source is EntrySource.TIMER
    assert entry.hourly_rate == Decimal("60")


def test_the_entry_rate_is_the_contract_else_the_project_else_the_user_default(services, world):
    ws, owner, member, workspace = services.workspaces, world["owner"], world["member"], world["ws"]
    services.settings.update(member, {"default_hourly_rate": Decimal("25")})
    priced = ws.create_project(owner, workspace, "Priced", Decimal("80"))
    unpriced = ws.create_project(owner, workspace, "Unpriced", None)
    contracted = ws.create_project(owner, workspace, "Contracted", Decimal("80"))
    ended = ws.create_contract(owner, workspace, member, contracted.id, Decimal("50"))
    ws.create_contract(owner, workspace, member, contracted.id, Decimal("60"))
    ws.create_contract(owner, workspace, owner, priced.id, Decimal("99"))  # someone else's
    ws.end_contract(owner, workspace, ended.id)

    assert ws.entry_rate(workspace, member, contracted.id) == Decimal("60")
    assert ws.entry_rate(workspace, member, priced.id) == Decimal("80")
    assert ws.entry_rate(workspace, member, unpriced.id) == Decimal("25")


def test_a_rate_change_leaves_entries_already_made(services, world):
    ws, entries, workspace = services.workspaces, services.entries, world["ws"]
    project = ws.create_project(world["owner"], workspace, "Website", Decimal("80"))
    rate = ws.entry_rate(workspace, world["member"], project.id)
    made = entries.create(
        entries.caller(world["member"]),
        start_time=NINE,
        end_time=NINE + dt.timedelta(hours=2),
        hourly_rate=rate,
        workspace_id=workspace,
        project_id=project.id,
    )

    ws.update_project(Principal(world["owner"]), workspace, project.id, {"hourly_rate": Decimal("120")})

    assert ws.entry_rate(workspace, world["member"], project.id) == Decimal("120")
    entry = entries.get(entries.caller(world["member"]), made.id)
    assert (entry.hourly_rate, entry.total_earned) == (Decimal("80"), Decimal("160.00"))
