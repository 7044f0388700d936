"""DAL-level tests on moto: the codec, the id allocator, and what the entries
repository reads (counted on the wire with botocore event hooks), plus a
whole HTTP flow that must never issue a Scan."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from decimal import Decimal

import boto3
import pytest

from timetrack.config import Settings
from timetrack.dal import aws as dal_aws
from timetrack.dal.codec import from_item, to_attr, to_item
from timetrack.dal.entries import EntryRepository
from timetrack.dal.ids import MAX_ID, SHARDS, IdAllocator
from timetrack.models import Entry, PaymentStatus
from timetrack.services.caller import Caller
from timetrack.services.stats import StatsService

API = "/api/v1/time-tracking"
UTC = dt.UTC
USER = 4242


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


@pytest.fixture
def dynamodb(aws):
    return boto3.client("dynamodb", region_name="us-east-1")


@pytest.fixture
def tables() -> Settings:
    return Settings()


class QueryMeter:
    """Every Query on a client: its request and what DynamoDB says it read."""

    def __init__(self, client) -> None:
        self.requests: list[dict] = []
        self.responses: list[dict] = []
        client.meta.events.register("before-parameter-build.dynamodb.Query", self._before)
        client.meta.events.register("after-call.dynamodb.Query", self._after)

    def _before(self, params, **_) -> None:
        self.requests.append(dict(params))

    def _after(self, parsed, **_) -> None:
        self.responses.append(parsed)

    def reset(self) -> None:
        self.requests.clear()
        self.responses.clear()

    @property
    def count(self) -> int:
        return sum(r.get("Count", 0) for r in self.responses)

    @property
    def scanned(self) -> int:
        return sum(r.get("ScannedCount", 0) for r in self.responses)

    def scanned_by_index(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for request, response in zip(self.requests, self.responses, strict=True):
            totals[request.get("IndexName", "")] += response.get("ScannedCount", 0)
        return dict(totals)


def make_entry(
    entry_id: int,
    start: dt.datetime,
    end: dt.datetime | None,
    *,
    rate: str = "10",
    status: PaymentStatus = PaymentStatus.NOT_PAID,
) -> Entry:
    return Entry(
        id=entry_id,
        user_id=USER,
        date=start.date(),
        start_time=start,
        end_time=end,
        hourly_rate=Decimal(rate),
        payment_status=status,
        notes=f"entry {entry_id}",
        created_at=start,
        updated_at=start,
    )


# -- codec ---------------------------------------------------------------------------


def test_codec_round_trip_through_dynamodb(dynamodb, tables):
    values = {
        "money": Decimal("1234.50"),
        "tiny": Decimal("0.000001"),
        "count": 7,
        "text": "héllo",
        "flag": False,
        "nested": {"rate": Decimal("50.00"), "deeper": {"name": "x", "gone": None}, "n": 3},
        "absent": None,
    }
    item = to_item(values)
    assert "absent" not in item  # top-level None is left out: absent means null
    assert item["money"] == {"N": "1234.50"}
    assert item["nested"]["M"]["deeper"]["M"]["gone"] == {"NULL": True}  # inside a map it is kept as NULL

    key = {"pk": {"S": "CODEC#1"}, "sk": {"S": "CODEC"}}
    dynamodb.put_item(TableName=tables.directory_table, Item=key | item)
    stored = dynamodb.get_item(TableName=tables.directory_table, Key=key, ConsistentRead=True)["Item"]
    back = from_item({k: v for k, v in stored.items() if k not in key})

    assert back == {
        "money": Decimal("1234.50"),
        "tiny": Decimal("0.000001"),
        "count": Decimal(7),
        "text": "héllo",
        "flag": False,
        "nested": {"rate": Decimal("50.00"), "deeper": {"name": "x", "gone": None}, "n": Decimal(3)},
    }
    assert all(type(v) is Decimal for v in (back["money"], back["tiny"], back["count"], back["nested"]["n"]))


def test_codec_keeps_decimal_digits_exactly():
    for text in ("0.1", "2.675", "99999999999999999999.99", "1E-20"):
        assert from_item(to_item({"v": Decimal(text)})) == {"v": Decimal(text)}
        assert to_attr(Decimal(text)) == {"N": text}


def test_codec_refuses_floats():
    # money never travels as a float: storing one is a programming error
    with pytest.raises(TypeError):
        to_attr(0.1)


def test_codec_booleans_are_not_numbers():
    assert to_attr(True) == {"BOOL": True}
    assert from_item(to_item({"b": True, "i": 1})) == {"b": True, "i": Decimal(1)}


# -- IdAllocator ---------------------------------------------------------------------


def counter_items(dynamodb, table: str, kind: str) -> dict[int, int]:
    """shard -> counter value, read key by key (GetItem on each possible shard)."""
    found = {}
    for shard in range(SHARDS):
        item = dynamodb.get_item(
            TableName=table,
            Key={"pk": {"S": f"COUNTER#{kind}"}, "sk": {"S": f"SHARD#{shard:02d}"}},
            ConsistentRead=True,
        ).get("Item")
        if item:
            found[shard] = int(item["next"]["N"])
    return found


def test_ids_unique_across_two_allocators_on_one_table(dynamodb, tables):
    first = IdAllocator(dynamodb, tables.directory_table, "entry", block=3)
    second = IdAllocator(dynamodb, tables.directory_table, "entry", block=3)
    ids = []
    for _ in range(150):  # interleaved: 50 leases each
        ids.append(first.next_id())
        ids.append(second.next_id())
    assert len(set(ids)) == len(ids) == 300
    assert all(0 < new_id <= MAX_ID < 2**53 for new_id in ids)


def test_ids_spread_over_shards_and_counters_add_up(dynamodb, tables):
    block = 4
    allocators = [IdAllocator(dynamodb, tables.directory_table, "entry", block=block) for _ in range(8)]
    ids = [allocator.next_id() for _ in range(40) for allocator in allocators]  # 8 x 10 leases
    assert len(set(ids)) == len(ids) == 320

    counters = counter_items(dynamodb, tables.directory_table, "entry")
    # 80 leases picked at random among 16 shards: many counter items, not one hot key
    assert len(counters) >= 4, counters
    # every lease added exactly one block to one shard
    assert sum(counters.values()) == 80 * block
    # the low bits of an id name the shard it came from, and that shard's counter exists
    assert {new_id % SHARDS for new_id in ids} == set(counters)
    # no id is beyond what its shard's counter has handed out
    assert all(new_id // SHARDS <= counters[new_id % SHARDS] for new_id in ids)


def test_ids_of_different_kinds_use_different_counters(dynamodb, tables):
    entries = IdAllocator(dynamodb, tables.directory_table, "entry", block=5)
    users = IdAllocator(dynamodb, tables.directory_table, "user", block=1)
    entries.next_id()
    users.next_id()
    users.next_id()
    assert sum(counter_items(dynamodb, tables.directory_table, "entry").values()) == 5
    assert sum(counter_items(dynamodb, tables.directory_table, "user").values()) == 2


def test_reset_takes_a_new_lease_and_never_reuses_ids(dynamodb, tables):
    leases = []
    dynamodb.meta.events.register("before-call.dynamodb.UpdateItem", lambda params, **_: leases.append(params))
    allocator = IdAllocator(dynamodb, tables.directory_table, "entry", block=20)
    assert leases == []  # lazily: no AWS call when built

    before = [allocator.next_id() for _ in range(3)]
    assert len(leases) == 1  # one lease serves up to 20 ids

    allocator.reset()
    assert len(leases) == 1  # reset itself makes no call
    after = [allocator.next_id() for _ in range(3)]
    assert len(leases) == 2  # the first id after reset takes a new lease
    assert set(before).isdisjoint(after)
    assert len(set(before + after)) == 6
    # the counters handed out two whole blocks: the rest of the first is abandoned, not reused
    assert sum(counter_items(dynamodb, tables.directory_table, "entry").values()) == 40


def test_a_block_is_used_up_before_the_next_lease(dynamodb, tables):
    leases = []
    dynamodb.meta.events.register("before-call.dynamodb.UpdateItem", lambda params, **_: leases.append(params))
    allocator = IdAllocator(dynamodb, tables.directory_table, "entry", block=5)
    ids = [allocator.next_id() for _ in range(11)]
    assert len(leases) == 3  # 5 + 5 + 1
    assert len(set(ids)) == 11


# -- EntryRepository: what a list reads -------------------------------------------------


@pytest.fixture
def repo(dynamodb, tables) -> EntryRepository:
    return EntryRepository(dynamodb, tables.entries_table)


@pytest.fixture
def twenty_entries(repo) -> list[Entry]:
    """Entries on 20 consecutive days (Jan 1..20, 2024), 09:00-10:00, alternating paid/unpaid."""
    stored = []
    for day in range(1, 21):
        status = PaymentStatus.PAID if day % 2 == 0 else PaymentStatus.NOT_PAID
        entry = make_entry(day, utc(2024, 1, day, 9), utc(2024, 1, day, 10), status=status)
        repo.create(entry)
        stored.append(entry)
    return stored


def test_list_page_reads_no_more_than_it_returns(dynamodb, repo, twenty_entries):
    meter = QueryMeter(dynamodb)
    page = repo.page(USER, first_date=None, last_date=None, status=None, skip=0, limit=5)
    assert [e.id for e in page] == [20, 19, 18, 17, 16]  # newest first
    assert meter.scanned <= 5
    assert meter.count <= 5
    assert all(r.get("Limit", 0) <= 5 for r in meter.requests)


def test_list_page_with_skip_reads_skip_plus_limit(dynamodb, repo, twenty_entries):
    meter = QueryMeter(dynamodb)
    page = repo.page(USER, first_date=None, last_date=None, status=None, skip=5, limit=5)
    assert [e.id for e in page] == [15, 14, 13, 12, 11]
    assert meter.scanned <= 10


def test_list_page_by_status_reads_only_that_status(dynamodb, repo, twenty_entries):
    meter = QueryMeter(dynamodb)
    page = repo.page(USER, first_date=None, last_date=None, status=PaymentStatus.PAID, skip=0, limit=3)
    assert [e.id for e in page] == [20, 18, 16]
    assert meter.scanned <= 3
    assert {r["IndexName"] for r in meter.requests} == {"ByStatus"}


def test_list_page_date_range_reads_only_the_range(dynamodb, repo, twenty_entries):
    meter = QueryMeter(dynamodb)
    page = repo.page(
        USER, first_date=dt.date(2024, 1, 3), last_date=dt.date(2024, 1, 6), status=None, skip=0, limit=100
    )
    assert [e.id for e in page] == [6, 5, 4, 3]
    assert meter.scanned == 4


def test_list_page_is_per_user(dynamodb, repo, twenty_entries):
    other = make_entry(99, utc(2024, 1, 21, 9), utc(2024, 1, 21, 10))
    repo.create(dataclasses.replace(other, user_id=USER + 1))
    meter = QueryMeter(dynamodb)
    page = repo.page(USER + 1, first_date=None, last_date=None, status=None, skip=0, limit=5)
    assert [e.id for e in page] == [99]
    assert meter.scanned == 1


# -- EntryRepository / stats: what a month's stats read -----------------------------------


@pytest.fixture
def history(repo) -> dict[str, int]:
    """Entries from November 2023 to January 2024 and a running timer.

    Returns how many items a stats call on 2024-01-22 09:00 UTC (a Monday;
    week and month windows start 2024-01-22 and 2024-01-01) should read."""
    entry_id = 0

    def add(start: dt.datetime, end: dt.datetime | None, **kw) -> None:
        nonlocal entry_id
        entry_id += 1
        repo.create(make_entry(entry_id, start, end, **kw))

    for day in (3, 10, 17):  # November: outside every window
        add(utc(2023, 11, day, 9), utc(2023, 11, day, 17))
    for day in (1, 8, 15, 22):  # December: outside too
        add(utc(2023, 12, day, 9), utc(2023, 12, day, 17))
    add(utc(2023, 12, 31, 23), utc(2024, 1, 1, 1))  # dated Dec 31, ends in January's window
    for day in (2, 5, 9, 15, 19):  # January, finished
        add(utc(2024, 1, day, 9), utc(2024, 1, day, 11), rate="20")
    add(utc(2024, 1, 22, 8), None, rate="20")  # the running timer (its ENTRY item and ACTIVE)
    return {
        "ending_in_window": 5 + 1,  # January's five + the overnight one
        "running": 1,  # the ACTIVE item sorts after every instant on ByEnd
        "dated_in_january": 5 + 1,  # January's five + the running entry (dated Jan 22)
    }


def test_ended_since_reads_only_the_window(dynamodb, repo, history):
    meter = QueryMeter(dynamodb)
    recent = repo.ended_since(USER, utc(2024, 1, 1))
    assert meter.scanned == history["ending_in_window"] + history["running"]
    assert len(recent) == 7
    assert sum(1 for e in recent if e.running) == 1


def test_month_stats_read_only_the_months_entries(dynamodb, repo, history):
    stats = StatsService(repo, lambda: utc(2024, 1, 22, 9))
    caller = Caller(USER, lambda _: None)  # default settings: UTC, weeks start Monday
    meter = QueryMeter(dynamodb)

    result = stats.stats(caller, None)
    assert meter.scanned_by_index() == {"ByEnd": history["ending_in_window"] + history["running"]}
    # January: 5 x 2 h + 1 h (after midnight) + 1 h running, at 20 or 10 per hour
    assert (result.month.hours, result.month.earned) == (Decimal("12.00"), Decimal("230.00"))
    assert (result.today.hours, result.today.earned) == (Decimal("1.00"), Decimal("20.00"))

    meter.reset()
    stats.stats(caller, "month")
    assert meter.scanned_by_index() == {
        "ByEnd": history["ending_in_window"] + history["running"],
        "ByDate": history["dated_in_january"],
    }


# -- the app never scans -----------------------------------------------------------------


def test_a_whole_flow_issues_no_scan(client, user, clock, services):
    dynamodb = dal_aws.client("dynamodb", services.config.aws_region)
    scans, operations = [], []
    dynamodb.meta.events.register("before-call.dynamodb.Scan", lambda params, **_: scans.append(params))
    dynamodb.meta.events.register("before-call.dynamodb", lambda model, **_: operations.append(model.name))
    headers = user["headers"]

    statuses = []
    created = client.post(
        f"{API}/entries",
        json={"start_time": "2024-01-22T07:00:00", "end_time": "2024-01-22T08:00:00", "hourly_rate": 50},
        headers=headers,
    )
    statuses.append(created.status_code)
    entry_id = created.json()["id"]
    for response in (
        client.get(f"{API}/entries", headers=headers),
        client.get(f"{API}/entries?payment_status=not_paid&start_date=2024-01-01&end_date=2024-01-31", headers=headers),
        client.get(f"{API}/entries/{entry_id}", headers=headers),
        client.put(f"{API}/entries/{entry_id}", json={"payment_status": "paid"}, headers=headers),
        client.get(f"{API}/stats", headers=headers),
        client.get(f"{API}/stats?period=month", headers=headers),
        client.get(f"{API}/settings", headers=headers),
        client.put(f"{API}/settings", json={"default_hourly_rate": 40, "currency": "eur"}, headers=headers),
    ):
        statuses.append(response.status_code)
    started = client.post(f"{API}/sessions/start", json={"hourly_rate": 50}, headers=headers)
    statuses.append(started.status_code)
    clock.advance(minutes=30)
    statuses.append(client.get(f"{API}/sessions/active", headers=headers).status_code)
    statuses.append(client.post(f"{API}/sessions/{started.json()['id']}/stop", headers=headers).status_code)
    statuses.append(client.delete(f"{API}/entries/{entry_id}", headers=headers).status_code)

    assert statuses == [201, 200, 200, 200, 200, 200, 200, 200, 200, 201, 200, 200, 204]
    assert scans == []
    assert "Scan" not in operations
    assert set(operations) <= {"GetItem", "Query", "PutItem", "UpdateItem", "TransactWriteItems"}, set(operations)
