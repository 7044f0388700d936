"""Races against a real (moto) server over HTTP: the one-timer rule and the
all-time totals hold when many requests for one user arrive at once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.racing import race
from timetrack.errors import StaleWrite, TimerRunning
from timetrack.models import PaymentStatus

STARTS = 50
UPDATES = 20


def test_concurrent_starts_yield_exactly_one_timer(served):
    user_id = served.accounts.create_user("racer@example.com")
    entries = served.entries

    outcomes = race(STARTS, lambda i: entries.start(entries.caller(user_id), notes=f"start {i}"))

    winners = [value for kind, value in outcomes if kind == "ok"]
    errors = [value for kind, value in outcomes if kind == "error"]
    unexpected = [error for error in errors if not isinstance(error, TimerRunning)]
    assert unexpected == []
    assert len(winners) == 1, f"{len(winners)} timers started: {sorted(w.id for w in winners)}"
    assert len(errors) == STARTS - 1
    winner = winners[0]
    assert {error.entry.id for error in errors} == {winner.id}

    caller = entries.caller(user_id)
    active = entries.active(caller)
    assert active is not None
    assert active.id == winner.id
    assert active.notes == winner.notes
    stored = entries.page(caller)
    assert [entry.id for entry in stored] == [winner.id]
    assert [entry.id for entry in stored if entry.running] == [winner.id]


def test_concurrent_edits_keep_all_time_amounts_exact(served):
    user_id = served.accounts.create_user("editor@example.com")
    entries = served.entries
    start = dt.datetime(2024, 1, 22, 6, 0, tzinfo=dt.UTC)
    entry = entries.create(
        entries.caller(user_id),
        start_time=start,
        end_time=start + dt.timedelta(hours=2),
        hourly_rate=Decimal("10"),
    )
    statuses = list(PaymentStatus)
    # Thread i sets rate 11 + i and a status cycling through all four.
    wanted = {i: (statuses[i % len(statuses)], Decimal(11 + i)) for i in range(UPDATES)}

    def edit(i: int):
        status, rate = wanted[i]
        return entries.update(entries.caller(user_id), entry.id, {"payment_status": status, "hourly_rate": rate})

    outcomes = race(UPDATES, edit)

    errors = [value for kind, value in outcomes if kind == "error"]
    assert [e for e in errors if not isinstance(e, StaleWrite)] == []
    applied = [value for kind, value in outcomes if kind == "ok"]
    assert applied, "no update went through"

    caller = entries.caller(user_id)
    final = entries.get(caller, entry.id)
    assert (final.payment_status, final.hourly_rate) in wanted.values()
    assert final.version == 1 + len(applied)  # every accepted write is one version step
    earned = Decimal(2) * final.hourly_rate  # a 2-hour entry
    expected = {"unpaid": Decimal(0), "invoiced": Decimal(0), "paid": Decimal(0)}
    bucket = {
        PaymentStatus.NOT_PAID: "unpaid",
        PaymentStatus.INVOICED_NOT_APPROVED: "invoiced",
        PaymentStatus.INVOICED_APPROVED: "invoiced",
        PaymentStatus.PAID: "paid",
    }[final.payment_status]
    expected[bucket] = earned

    amounts = served.stats.stats(caller).amounts
    assert {"unpaid": amounts.unpaid, "invoiced": amounts.invoiced, "paid": amounts.paid} == expected
