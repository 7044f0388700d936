"""Unit tests of the pure rules: rounding, durations, time zones, periods, stats arithmetic.

Every expected value is worked out by hand in the test (UTC instants written out),
never by calling the code under test a second time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from timetrack.errors import ValidationFailed
from timetrack.models import Entry, PaymentStatus, WeekStart, hours_between, round_money
from timetrack.rules import (
    Amounts,
    Period,
    Totals,
    check_rate,
    check_times,
    local_day_range,
    minutes_until,
    period_days,
    stop_time,
    to_utc,
    totals_within,
    zone,
)

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
D = Decimal


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def entry(start: dt.datetime, end: dt.datetime | None, rate: str = "50", entry_id: int = 1, **kw) -> Entry:
    return Entry(
        id=entry_id,
        user_id=7,
        date=start.date(),
        start_time=start,
        end_time=end,
        hourly_rate=D(rate),
        payment_status=kw.pop("status", PaymentStatus.NOT_PAID),
        notes=None,
        created_at=start,
        updated_at=start,
        **kw,
    )


# -- round_money ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),  # half-up, not banker's (which gives 0.00)
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # banker's would give 0.02
        ("2.675", "2.68"),  # the float 2.675 rounds to 2.67; Decimal must not
        ("1.004999", "1.00"),
        ("8", "8.00"),
        ("-0.005", "-0.01"),  # half away from zero on the negative side too
    ],
)
def test_round_money_is_half_up_to_two_places(value, expected):
    rounded = round_money(D(value))
    assert str(rounded) == expected


# -- hours_between ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        (utc(2024, 1, 22, 10, 30), D("1.5")),
        (utc(2024, 1, 22, 9, 0, 0, 36), D("0.00000001")),  # 36 µs = 1e-8 h: microseconds are not dropped
        (utc(2024, 1, 22, 10, 0, 0, 18_000), D("1.000005")),  # 1 h 18 ms
        (utc(2024, 1, 24, 10, 0), D("49")),  # across days
        (utc(2024, 1, 22, 7, 30), D("-1.5")),  # negative timedelta (days = -1) handled exactly
    ],
)
def test_hours_between_is_exact_to_the_microsecond(end, expected):
    hours = hours_between(utc(2024, 1, 22, 9, 0), end)
    assert isinstance(hours, Decimal)
    assert hours == expected


def test_hours_between_across_a_dst_change_counts_elapsed_time():
    # Europe/Berlin 2024-03-31: 01:00 CET to 04:00 CEST is 2 hours of real time.
    start = dt.datetime(2024, 3, 31, 1, 0, tzinfo=BERLIN)
    end = dt.datetime(2024, 3, 31, 4, 0, tzinfo=BERLIN)
    assert hours_between(start.astimezone(UTC), end.astimezone(UTC)) == D("2")


# -- Entry totals ------------------------------------------------------------------


def test_entry_totals_for_the_seed_example():
    finished = entry(utc(2024, 1, 22, 9), utc(2024, 1, 22, 17), rate="50")
    assert finished.total_hours == D("8.00")
    assert finished.total_earned == D("400.00")
    assert not finished.running


def test_entry_totals_are_none_while_running():
    running = entry(utc(2024, 1, 22, 9), None)
    assert running.running
    assert running.total_hours is None
    assert running.total_earned is None
    assert running.earned_by_status() == {}


def test_entry_earned_is_rounded_hours_times_rate():
    # 20 minutes = 0.3333 h -> 0.33 h; earned = 0.33 * 50 = 16.50 (not 50/3 = 16.67)
    twenty_minutes = entry(utc(2024, 1, 22, 9), utc(2024, 1, 22, 9, 20), rate="50")
    assert twenty_minutes.total_hours == D("0.33")
    assert twenty_minutes.total_earned == D("16.50")


def test_entry_hours_round_half_up():
    # 90 seconds = 0.025 h exactly -> 0.03 (half-up)
    short = entry(utc(2024, 1, 22, 9), utc(2024, 1, 22, 9, 1, 30), rate="10")
    assert short.total_hours == D("0.03")
    assert short.total_earned == D("0.30")


def test_entry_earned_by_status_uses_its_payment_status():
    paid = entry(utc(2024, 1, 22, 9), utc(2024, 1, 22, 11), rate="12.5", status=PaymentStatus.PAID)
    assert paid.earned_by_status() == {PaymentStatus.PAID: D("25.00")}


# -- to_utc ------------------------------------------------------------------------


def test_to_utc_naive_is_wall_clock_in_the_users_zone():
    assert to_utc(dt.datetime(2024, 1, 22, 9, 0), BERLIN) == utc(2024, 1, 22, 8, 0)  # CET, +01:00
    assert to_utc(dt.datetime(2024, 7, 1, 9, 0), BERLIN) == utc(2024, 7, 1, 7, 0)  # CEST, +02:00


def test_to_utc_aware_keeps_its_own_offset():
    aware = dt.datetime(2024, 1, 22, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    converted = to_utc(aware, BERLIN)
    assert converted == utc(2024, 1, 22, 4, 0)
    assert converted.utcoffset() == dt.timedelta(0)


def test_to_utc_nonexistent_local_time_uses_the_offset_before_the_gap():
    """2024-03-31 02:30 does not exist in Berlin (02:00 CET jumps to 03:00 CEST).

    The code attaches the zone with fold=0, which (PEP 495) reads a time in the
    gap with the offset in force *before* the transition (+01:00): 01:30 UTC,
    which is 03:30 CEST on the wall clock."""
    converted = to_utc(dt.datetime(2024, 3, 31, 2, 30), BERLIN)
    assert converted == utc(2024, 3, 31, 1, 30)
    assert converted.astimezone(BERLIN).strftime("%H:%M%z") == "03:30+0200"


def test_to_utc_ambiguous_local_time_takes_the_first_occurrence():
    """2024-10-27 02:30 happens twice in Berlin (03:00 CEST falls back to 02:00 CET).

    fold=0, the default of a naive datetime, picks the first occurrence (CEST,
    +02:00): 00:30 UTC. A client that sets fold=1 gets the second, 01:30 UTC."""
    assert to_utc(dt.datetime(2024, 10, 27, 2, 30), BERLIN) == utc(2024, 10, 27, 0, 30)
    assert to_utc(dt.datetime(2024, 10, 27, 2, 30, fold=1), BERLIN) == utc(2024, 10, 27, 1, 30)


# -- zone ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", "../etc/passwd", "/etc/localtime", "zone.tab"])
def test_zone_rejects_unknown_names_naming_the_timezone_field(name):
    with pytest.raises(ValidationFailed) as raised:
        zone(name)
    assert raised.value.field == "timezone"


@pytest.mark.parametrize("name", ["America", "Europe", "Etc"])
def test_zone_rejects_a_tz_database_directory_as_a_validation_error(name):
    # "America" is a directory of the tz database, not a zone: it must be a 400,
    # not an IsADirectoryError that surfaces as a 500.
    with pytest.raises(ValidationFailed) as raised:
        zone(name)
    assert raised.value.field == "timezone"


# -- period_days ---------------------------------------------------------------------


def test_period_day():
    assert period_days("day", dt.date(2024, 1, 22), WeekStart.MONDAY) == (dt.date(2024, 1, 22), dt.date(2024, 1, 23))
    assert period_days("day", dt.date(2024, 12, 31), WeekStart.MONDAY) == (dt.date(2024, 12, 31), dt.date(2025, 1, 1))


@pytest.mark.parametrize(
    ("today", "week_start", "first"),
    [
        (dt.date(2024, 1, 24), WeekStart.MONDAY, dt.date(2024, 1, 22)),  # Wednesday
        (dt.date(2024, 1, 24), WeekStart.SUNDAY, dt.date(2024, 1, 21)),
        (dt.date(2024, 1, 22), WeekStart.MONDAY, dt.date(2024, 1, 22)),  # on the first day itself
        (dt.date(2024, 1, 21), WeekStart.SUNDAY, dt.date(2024, 1, 21)),
        (dt.date(2024, 1, 21), WeekStart.MONDAY, dt.date(2024, 1, 15)),  # Sunday is the last day
        (dt.date(2024, 1, 27), WeekStart.SUNDAY, dt.date(2024, 1, 21)),  # Saturday is the last day
        (dt.date(2024, 3, 1), WeekStart.MONDAY, dt.date(2024, 2, 26)),  # crosses into a leap February
        (dt.date(2025, 1, 1), WeekStart.MONDAY, dt.date(2024, 12, 30)),  # Wednesday: crosses the year
        (dt.date(2025, 1, 1), WeekStart.SUNDAY, dt.date(2024, 12, 29)),
        (dt.date(2024, 12, 30), WeekStart.SATURDAY, dt.date(2024, 12, 28)),
    ],
)
def test_period_week(today, week_start, first):
    assert period_days("week", today, week_start) == (first, first + dt.timedelta(days=7))


@pytest.mark.parametrize(
    ("today", "first", "last_exclusive"),
    [
        (dt.date(2024, 1, 31), dt.date(2024, 1, 1), dt.date(2024, 2, 1)),
        (dt.date(2024, 2, 29), dt.date(2024, 2, 1), dt.date(2024, 3, 1)),
        (dt.date(2023, 2, 1), dt.date(2023, 2, 1), dt.date(2023, 3, 1)),
        (dt.date(2024, 12, 15), dt.date(2024, 12, 1), dt.date(2025, 1, 1)),  # December -> January
        (dt.date(2024, 12, 31), dt.date(2024, 12, 1), dt.date(2025, 1, 1)),
    ],
)
def test_period_month(today, first, last_exclusive):
    assert period_days("month", today, WeekStart.MONDAY) == (first, last_exclusive)


def test_period_year():
    assert period_days("year", dt.date(2024, 2, 29), WeekStart.MONDAY) == (dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    assert period_days("year", dt.date(2024, 12, 31), WeekStart.SUNDAY) == (dt.date(2024, 1, 1), dt.date(2025, 1, 1))


def test_period_unknown_kind_is_a_query_validation_error():
    with pytest.raises(ValidationFailed) as raised:
        period_days("fortnight", dt.date(2024, 1, 22), WeekStart.MONDAY)
    assert raised.value.field == "period"
    assert raised.value.location == "query"


# -- local_day_range -----------------------------------------------------------------


def test_local_day_range_ordinary_day_in_berlin():
    day = local_day_range(dt.date(2024, 1, 22), dt.date(2024, 1, 23), BERLIN)
    assert (day.start, day.end) == (utc(2024, 1, 21, 23), utc(2024, 1, 22, 23))


def test_local_day_range_spring_forward_day_has_23_hours():
    day = local_day_range(dt.date(2024, 3, 31), dt.date(2024, 4, 1), BERLIN)
    assert (day.start, day.end) == (utc(2024, 3, 30, 23), utc(2024, 3, 31, 22))
    assert day.end - day.start == dt.timedelta(hours=23)


def test_local_day_range_fall_back_day_has_25_hours():
    day = local_day_range(dt.date(2024, 10, 27), dt.date(2024, 10, 28), BERLIN)
    assert (day.start, day.end) == (utc(2024, 10, 26, 22), utc(2024, 10, 27, 23))
    assert day.end - day.start == dt.timedelta(hours=25)


def test_local_day_range_of_a_month_spanning_the_change():
    march = local_day_range(dt.date(2024, 3, 1), dt.date(2024, 4, 1), BERLIN)
    assert (march.start, march.end) == (utc(2024, 2, 29, 23), utc(2024, 3, 31, 22))
    assert march.end - march.start == dt.timedelta(days=31, hours=-1)


# -- totals_within ---------------------------------------------------------------------

JAN_22 = Period(utc(2024, 1, 22), utc(2024, 1, 23))
NOW = utc(2024, 1, 22, 11, 30)


def test_totals_entry_wholly_inside():
    inside = entry(utc(2024, 1, 22, 9), utc(2024, 1, 22, 17), rate="50")
    assert totals_within([inside], JAN_22, NOW) == Totals(D("8.00"), D("400.00"))


def test_totals_entry_split_at_the_start_edge():
    # 22:00 the day before to 02:00: 2 of its 4 hours fall in the day
    overnight = entry(utc(2024, 1, 21, 22), utc(2024, 1, 22, 2), rate="10")
    assert totals_within([overnight], JAN_22, NOW) == Totals(D("2.00"), D("20.00"))


def test_totals_entry_split_at_the_end_edge():
    # 23:00 to 01:30 the next day: 1 hour in the day
    late = entry(utc(2024, 1, 22, 23), utc(2024, 1, 23, 1, 30), rate="10")
    assert totals_within([late], JAN_22, NOW) == Totals(D("1.00"), D("10.00"))


def test_totals_entry_spanning_both_edges():
    long = entry(utc(2024, 1, 21, 12), utc(2024, 1, 23, 12), rate="10")
    assert totals_within([long], JAN_22, NOW) == Totals(D("24.00"), D("240.00"))


def test_totals_split_entry_uses_the_exact_share_before_rounding():
    # 23:40 to 00:20: the 20 minutes inside are 1/3 h; earned 50/3 = 16.666.. -> 16.67
    split = entry(utc(2024, 1, 21, 23, 40), utc(2024, 1, 22, 0, 20), rate="50")
    assert totals_within([split], JAN_22, NOW) == Totals(D("0.33"), D("16.67"))


def test_totals_whole_entries_contribute_their_own_rounded_totals():
    # three 20-minute entries: 3 x 0.33 h and 3 x 16.50, as the list shows them
    entries = [
        entry(utc(2024, 1, 22, hour), utc(2024, 1, 22, hour, 20), rate="50", entry_id=hour) for hour in (6, 7, 8)
    ]
    assert totals_within(entries, JAN_22, NOW) == Totals(D("0.99"), D("49.50"))


def test_totals_running_entry_counts_up_to_now():
    running = entry(utc(2024, 1, 22, 10), None, rate="20")
    assert totals_within([running], JAN_22, NOW) == Totals(D("1.50"), D("30.00"))


def test_totals_running_entry_started_before_the_period():
    running = entry(utc(2024, 1, 21, 23), None, rate="20")
    assert totals_within([running], JAN_22, utc(2024, 1, 22, 1)) == Totals(D("1.00"), D("20.00"))


def test_totals_running_entry_starting_after_now_counts_nothing():
    running = entry(utc(2024, 1, 22, 12), None, rate="20")
    assert totals_within([running], JAN_22, NOW) == Totals(D("0"), D("0"))


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (utc(2024, 1, 20, 9), utc(2024, 1, 20, 17)),  # days before
        (utc(2024, 1, 21, 22), utc(2024, 1, 22, 0)),  # ends exactly at the start (exclusive)
        (utc(2024, 1, 23, 0), utc(2024, 1, 23, 2)),  # starts exactly at the end (exclusive)
    ],
)
def test_totals_entry_wholly_outside_counts_nothing(start, end):
    assert totals_within([entry(start, end)], JAN_22, NOW) == Totals(D("0.00"), D("0.00"))


def test_totals_mixed_entries_add_up():
    entries = [
        entry(utc(2024, 1, 22, 9), utc(2024, 1, 22, 10), rate="50", entry_id=1),  # 1.00 / 50.00
        entry(utc(2024, 1, 21, 23), utc(2024, 1, 22, 1), rate="30", entry_id=2),  # 1.00 / 30.00 inside
        entry(utc(2024, 1, 20, 9), utc(2024, 1, 20, 10), rate="99", entry_id=3),  # outside
        entry(utc(2024, 1, 22, 11), None, rate="40", entry_id=4),  # 0.50 / 20.00 up to now
    ]
    assert totals_within(entries, JAN_22, NOW) == Totals(D("2.50"), D("100.00"))


# -- Amounts ---------------------------------------------------------------------------


def test_amounts_from_status_sums_groups_the_invoiced_statuses():
    amounts = Amounts.from_status_sums(
        {
            PaymentStatus.NOT_PAID: D("3000.00"),
            PaymentStatus.INVOICED_NOT_APPROVED: D("1250.50"),
            PaymentStatus.INVOICED_APPROVED: D("749.50"),
            PaymentStatus.PAID: D("3000"),
        }
    )
    assert amounts == Amounts(unpaid=D("3000.00"), invoiced=D("2000.00"), paid=D("3000.00"))
    assert str(amounts.paid) == "3000.00"


def test_amounts_missing_statuses_are_zero():
    amounts = Amounts.from_status_sums({PaymentStatus.INVOICED_APPROVED: D("12.5")})
    assert (str(amounts.unpaid), str(amounts.invoiced), str(amounts.paid)) == ("0.00", "12.50", "0.00")
    assert Amounts.from_status_sums({}) == Amounts(D("0"), D("0"), D("0"))


# -- check_rate / check_times ---------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "expected"),
    [("50", "50.00"), ("0", "0.00"), ("12.5", "12.50"), ("12.340", "12.34"), ("999999.99", "999999.99")],
)
def test_check_rate_accepts_and_normalises(rate, expected):
    assert str(check_rate("hourly_rate", D(rate))) == expected


@pytest.mark.parametrize(
    ("rate", "problem"),
    [
        ("-0.01", "must be a non-negative number"),
        ("NaN", "must be a non-negative number"),
        ("Infinity", "must be a non-negative number"),
        ("-Infinity", "must be a non-negative number"),
        ("12.345", "must have at most 2 decimal places"),
        ("0.001", "must have at most 2 decimal places"),
        ("1000000", "must be less than 1000000"),
        ("1E+7", "must be less than 1000000"),
    ],
)
@pytest.mark.parametrize("field", ["hourly_rate", "default_hourly_rate"])
def test_check_rate_errors_name_the_field(field, rate, problem):
    with pytest.raises(ValidationFailed) as raised:
        check_rate(field, D(rate))
    error = raised.value
    assert error.field == field
    assert error.problem == problem
    assert error.location == "body"
    assert error.message == f"{field}: {problem}"


SERVER_NOW = utc(2024, 1, 22, 9)
HOUR = dt.timedelta(hours=1)
SECOND = dt.timedelta(seconds=1)


def test_check_times():
    check_times(utc(2024, 1, 22, 9), utc(2024, 1, 22, 9), SERVER_NOW)  # zero length is allowed
    check_times(utc(2024, 1, 22, 9), None, SERVER_NOW)  # running
    with pytest.raises(ValidationFailed) as raised:
        check_times(utc(2024, 1, 22, 9), utc(2024, 1, 22, 8, 59, 59), SERVER_NOW)
    assert raised.value.field == "end_time"


def test_check_times_accepts_the_limits_themselves():
    check_times(SERVER_NOW, SERVER_NOW + 24 * HOUR, SERVER_NOW)  # a day ahead
    check_times(SERVER_NOW + 24 * HOUR, None, SERVER_NOW)
    check_times(SERVER_NOW - 999 * HOUR, SERVER_NOW, SERVER_NOW)  # 999 hours
    check_times(SERVER_NOW - 999 * HOUR, None, SERVER_NOW)  # a timer running for 999 hours
    check_times(utc(1900, 1, 1), utc(1900, 1, 2), SERVER_NOW)  # long ago is fine


@pytest.mark.parametrize(
    ("start", "end", "field", "problem"),
    [
        (SERVER_NOW, SERVER_NOW + 24 * HOUR + SECOND, "end_time", "must not be more than 24 hours after now"),
        (SERVER_NOW + 24 * HOUR + SECOND, None, "start_time", "must not be more than 24 hours after now"),
        (SERVER_NOW - 999 * HOUR - SECOND, SERVER_NOW, "end_time", "the entry must not last more than 999 hours"),
        (utc(1900, 1, 1), SERVER_NOW, "end_time", "the entry must not last more than 999 hours"),
        (
            SERVER_NOW - 999 * HOUR - SECOND,
            None,
            "start_time",
            "a running entry must not have started more than 999 hours ago",
        ),
    ],
)
def test_check_times_refuses_the_far_future_and_long_durations(start, end, field, problem):
    with pytest.raises(ValidationFailed) as raised:
        check_times(start, end, SERVER_NOW)
    assert (raised.value.field, raised.value.problem) == (field, problem)


def test_a_stopped_timer_ends_now_but_never_past_its_999th_hour():
    assert stop_time(SERVER_NOW - HOUR, SERVER_NOW) == SERVER_NOW
    assert stop_time(SERVER_NOW + HOUR, SERVER_NOW) == SERVER_NOW + HOUR  # a start ahead of the clock: zero length
    assert stop_time(SERVER_NOW - 2000 * HOUR, SERVER_NOW) == SERVER_NOW - 1001 * HOUR


def test_minutes_until_counts_nothing_after_a_contracts_end():
    assert minutes_until(SERVER_NOW, SERVER_NOW + HOUR, None) == D("60.00")
    assert minutes_until(SERVER_NOW, SERVER_NOW + HOUR, SERVER_NOW + HOUR) == D("60.00")  # ended at the stop
    assert minutes_until(SERVER_NOW, SERVER_NOW + HOUR, SERVER_NOW + 15 * dt.timedelta(minutes=1)) == D("15.00")
    assert minutes_until(SERVER_NOW, SERVER_NOW + HOUR, SERVER_NOW - HOUR) == D("0.00")  # started after the end
