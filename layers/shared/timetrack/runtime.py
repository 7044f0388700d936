"""The process-wide service container, built once per cold start.

Handlers call ``services()``; tests call ``reset()`` to rebuild it inside a
moto mock. Building creates the boto3 client but makes no AWS call.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import Settings
from .dal import aws
from .dal.directory import DirectoryRepository
from .dal.entries import EntryRepository
from .dal.ids import IdAllocator
from .dal.queue import ClockInQueue
from .dal.settings import SettingsRepository
from .dal.workspaces import WorkspaceRepository
from .services.accounts import Accounts
from .services.auth import Authenticator
from .services.clock import Clock, utc_now
from .services.clock_in import ClockIns
from .services.entries import TimeEntries
from .services.settings import SettingsService
from .services.stats import StatsService
from .services.worker import ClockInEffects
from .services.workspaces import Workspaces


@dataclass(frozen=True)
class Services:
    config: Settings
    entries: TimeEntries
    stats: StatsService
    settings: SettingsService
    auth: Authenticator
    accounts: Accounts
    workspaces: Workspaces
    clock_ins: ClockIns
    clock_in_effects: ClockInEffects
    allocators: tuple[IdAllocator, ...]

    def after_restore(self) -> None:
        """SnapStart clones share memory: drop leased ids and cached lookups."""
        for allocator in self.allocators:
            allocator.reset()
        self.auth.reset()


def build(config: Settings | None = None, clock: Clock = utc_now) -> Services:
    config = config or Settings()
    dynamodb = aws.client("dynamodb", config.aws_region)
    entry_repo = EntryRepository(dynamodb, config.entries_table)
    settings_repo = SettingsRepository(dynamodb, config.settings_table)
    directory = DirectoryRepository(dynamodb, config.directory_table)
    entry_ids = IdAllocator(dynamodb, config.directory_table, "entry", block=20)
    user_ids = IdAllocator(dynamodb, config.directory_table, "user", block=1)
    directory_ids = {
        kind: IdAllocator(dynamodb, config.directory_table, kind, block=5)
        for kind in ("workspace", "project", "contract", "task")
    }
    workspace_repo = WorkspaceRepository(dynamodb, config.directory_table)
    entries = TimeEntries(entry_repo, settings_repo, entry_ids, clock)
    workspaces = Workspaces(workspace_repo, directory, directory_ids, clock)
    queue = ClockInQueue(lambda: aws.client("sqs", config.aws_region), config.clock_in_queue_url)
    return Services(
        config=config,
        entries=entries,
        stats=StatsService(entry_repo, clock),
        settings=SettingsService(settings_repo),
        auth=Authenticator(directory, user_ids, config, clock),
        accounts=Accounts(directory, user_ids, clock),
        workspaces=workspaces,
        clock_ins=ClockIns(workspaces, entries, queue),
        clock_in_effects=ClockInEffects(workspace_repo),
        allocators=(entry_ids, user_ids, *directory_ids.values()),
    )


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
