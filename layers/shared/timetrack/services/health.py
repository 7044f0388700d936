"""What a health check reports: whether the database answers."""

from __future__ import annotations

from ..dal.directory import DirectoryRepository


class Health:
    def __init__(self, directory: DirectoryRepository) -> None:
        self._directory = directory

    def database_reachable(self) -> bool:
        """One cheap GetItem on the directory table (every request needs that table first)."""
        return self._directory.reachable()
