from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from ..models import UserSettings
from ..rules import zone


class Caller:
    """The user a request acts for, with their settings read at most once
    (or read together with the first key the request needs: ``preload``)."""

    __slots__ = ("_load", "_settings", "_tz", "actor", "request_id", "user_id")

    def __init__(
        self,
        user_id: int,
        load_settings: Callable[[int], UserSettings | None],
        *,
        actor: int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.user_id = user_id
        self.actor = user_id if actor is None else actor  # who acts for the user (a workspace manager)
        self.request_id = request_id
        self._load = load_settings
        self._settings: UserSettings | None = None
        self._tz: ZoneInfo | None = None

    @property
    def has_settings(self) -> bool:
        return self._settings is not None

    def preload(self, settings: UserSettings | None) -> None:
        self._settings = settings or UserSettings()

    @property
    def settings(self) -> UserSettings:
        if self._settings is None:
            self.preload(self._load(self.user_id))
        return self._settings

    @property
    def tz(self) -> ZoneInfo:
        if self._tz is None:
            self._tz = zone(self.settings.timezone)
        return self._tz
