from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from ..models import UserSettings
from ..rules import zone


class Caller:
    """The user a request acts for, with their settings read at most once."""

    __slots__ = ("_load", "_settings", "user_id")

    def __init__(self, user_id: int, load_settings: Callable[[int], UserSettings | None]) -> None:
        self.user_id = user_id
        self._load = load_settings
        self._settings: UserSettings | None = None

    @property
    def settings(self) -> UserSettings:
        if self._settings is None:
            self._settings = self._load(self.user_id) or UserSettings()
        return self._settings

    @property
    def tz(self) -> ZoneInfo:
        return zone(self.settings.timezone)
