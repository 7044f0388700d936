"""The process-wide service container, built once per cold start.

Handlers call ``services()``; tests call ``reset()`` to rebuild it inside a
moto mock. Building creates the DynamoDB client but makes no AWS call. Each
service (and its module) is built on first use, so a function imports and
wires only what it serves: the stats function never loads the clock-in code.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from .config import Settings
from .dal import aws
from .dal.batch import BatchReader
from .dal.directory import DirectoryRepository
from .dal.entries import EntryRepository
from .dal.entry_counts import EntryCounts
from .dal.ids import IdAllocator
from .dal.limits import RateLimitCounters
from .dal.queue import ClockInQueue
from .dal.rollups import RollupRepository
from .dal.settings import SettingsRepository
from .dal.tracked_totals import TrackedTotals
from .services.auth import Authenticator
from .services.clock import Clock, utc_now
from .services.entries import TimeEntries
from .services.forwarding import ClockInForwarding
from .services.limits import RateLimiter

if TYPE_CHECKING:
    from .dal.workspaces import WorkspaceRepository
    from .services.accounts import Accounts
    from .services.aggregates import Aggregates
    from .services.cards import Cards
    from .services.clock_in import ClockIns
    from .services.health import Health
    from .services.idempotency import IdempotentRequests
    from .services.org_time_entries import OrgTimeEntries
    from .services.settings import SettingsService
    from .services.stats import StatsService
    from .services.time_logs import TimeLogs
    from .services.tokens import Tokens
    from .services.worker import ClockInEffects
    from .services.workspace_entries import WorkspaceEntries
    from .services.workspace_reports import WorkspaceReports
    from .services.workspaces import Workspaces

DIRECTORY_ID_KINDS = ("workspace", "client", "project", "contract", "task", "subtask")


class Services:
    def __init__(self, config: Settings, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.dynamodb = aws.client("dynamodb", config.aws_region)
        self._allocators: dict[str, IdAllocator] = {}
        # Task and subtask totals, kept in each entry's own transaction.
        self.tracked_totals = TrackedTotals(self.dynamodb, config.entries_table)
        self.entry_repo = EntryRepository(self.dynamodb, config.entries_table, projections=(self.tracked_totals,))
        # Every workspace entry write moves its per-day counts (the lists' totals)
        # and the aggregates' per-day rollups, whichever API makes it.
        self.entry_counts = EntryCounts(self.dynamodb, config.entries_table)
        self.entry_repo.add_projection(self.entry_counts.projection)
        self.rollups = RollupRepository(self.dynamodb, config.entries_table)
        self.entry_repo.add_projection(self.rollups.projection)
        self.settings_repo = SettingsRepository(self.dynamodb, config.settings_table)
        self.directory = DirectoryRepository(self.dynamodb, config.directory_table)
        region = config.aws_region
        queue = ClockInQueue(lambda: aws.client("sqs", region), config.clock_in_queue_url)  # client built on use
        self.entries = TimeEntries(
            self.entry_repo,
            self.settings_repo,
            self.ids("entry", block=20),
            clock,
            BatchReader(self.dynamodb),
            ClockInForwarding(queue),
        )
        self.auth = Authenticator(self.directory, self.ids("user", block=1), config, clock)
        self.limits = RateLimiter(
            RateLimitCounters(self.dynamodb, config.rate_limits_table),
            per_minute=config.rate_limit_per_minute,
            per_hour=config.rate_limit_per_hour,
            clock=clock,
        )

    def ids(self, kind: str, block: int = 5) -> IdAllocator:
        """One allocator per kind of id (see ``dal.ids``)."""
        if kind not in self._allocators:
            self._allocators[kind] = IdAllocator(self.dynamodb, self.config.directory_table, kind, block=block)
        return self._allocators[kind]

    @cached_property
    def stats(self) -> StatsService:
        from .services.stats import StatsService

        return StatsService(self.entry_repo, self.clock)

    @cached_property
    def settings(self) -> SettingsService:
        from .services.settings import SettingsService

        return SettingsService(self.settings_repo)

    @cached_property
    def accounts(self) -> Accounts:
        from .services.accounts import Accounts

        return Accounts(self.directory, self.ids("user", block=1), self.clock, self.tokens)

    @cached_property
    def tokens(self) -> Tokens:
        from .services.tokens import Tokens

        return Tokens(self.directory, self.ids("token"), self.auth, self.workspaces, self.clock)

    @cached_property
    def workspace_repo(self) -> WorkspaceRepository:
        from .dal.workspaces import WorkspaceRepository

        return WorkspaceRepository(self.dynamodb, self.config.directory_table)

    @cached_property
    def workspaces(self) -> Workspaces:
        from .services.workspaces import Workspaces

        ids = {kind: self.ids(kind) for kind in DIRECTORY_ID_KINDS}
        return Workspaces(self.workspace_repo, self.directory, ids, self.clock, self.entries, self.tracked_totals)

    @cached_property
    def cards(self) -> Cards:
        from .services.cards import Cards

        return Cards(self.workspaces, self.workspace_repo, self.ids("subtask"), self.tracked_totals, self.clock)

    @cached_property
    def workspace_entries(self) -> WorkspaceEntries:
        from .services.workspace_entries import WorkspaceEntries

        return WorkspaceEntries(self.workspaces, self.entries, self.entry_repo, self.entry_counts, self.clock)

    @cached_property
    def time_logs(self) -> TimeLogs:
        from .services.time_logs import TimeLogs

        return TimeLogs(self.workspaces, self.cards, self.workspace_entries, self.entries, self.directory)

    @cached_property
    def workspace_reports(self) -> WorkspaceReports:
        from .services.workspace_reports import WorkspaceReports

        return WorkspaceReports(
            self.workspace_entries, self.workspaces, self.clock, max_rows=self.config.export_max_rows
        )

    @cached_property
    def aggregates(self) -> Aggregates:
        from .services.aggregates import Aggregates

        return Aggregates(self.workspace_entries, self.entry_repo, self.rollups, self.settings_repo, self.clock)

    @cached_property
    def clock_ins(self) -> ClockIns:
        from .services.clock_in import ClockIns

        return ClockIns(self.workspaces, self.entries)

    @cached_property
    def clock_in_effects(self) -> ClockInEffects:
        from .services.worker import ClockInEffects

        return ClockInEffects(self.workspace_repo, self.entry_repo)

    @cached_property
    def org_time_entries(self) -> OrgTimeEntries:
        from .services.org_time_entries import OrgTimeEntries

        return OrgTimeEntries(
            self.workspace_entries, self.workspace_repo, self.directory, self.settings_repo, BatchReader(self.dynamodb)
        )

    @cached_property
    def idempotency(self) -> IdempotentRequests:
        from .dal.idempotency import IdempotencyRecords
        from .services.idempotency import IdempotentRequests

        return IdempotentRequests(
            IdempotencyRecords(self.dynamodb, self.config.idempotency_table),
            self.clock,
            in_flight_seconds=self.config.idempotency_in_flight_seconds,
            keep_seconds=self.config.idempotency_keep_seconds,
        )

    @cached_property
    def health(self) -> Health:
        from .services.health import Health

        return Health(self.directory)

    def after_restore(self) -> None:
        """SnapStart clones share memory: drop leased ids and cached lookups."""
        for allocator in self._allocators.values():
            allocator.reset()
        self.auth.reset()


def build(config: Settings | None = None, clock: Clock = utc_now) -> Services:
    return Services(config or Settings(), clock)


_current: Services | None = None


def services() -> Services:
    global _current
    if _current is None:
        _current = build()
    return _current


def reset(replacement: Services | None = None) -> None:
    """Forget the container (and the cached boto3 clients)."""
    global _current
    aws.client.cache_clear()
    _current = replacement
