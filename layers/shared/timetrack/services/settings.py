"""User settings: defaults created on first read, partial updates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..currencies import ISO_4217
from ..dal.settings import SettingsRepository
from ..errors import ValidationFailed
from ..models import UserSettings, WeekStart
from ..rules import check_rate, zone


class SettingsService:
    def __init__(self, settings: SettingsRepository) -> None:
        self._settings = settings

    def get(self, user_id: int) -> UserSettings:
        return self._settings.get(user_id) or self._settings.create_if_absent(user_id, UserSettings())

    def update(self, user_id: int, changes: dict[str, Any]) -> UserSettings:
        clean: dict[str, Any] = {}
        for name, value in changes.items():
            if value is None:
                raise ValidationFailed(name, "must not be null")
            if name == "default_hourly_rate":
                clean[name] = check_rate(name, Decimal(value))
            elif name == "currency":
                code = str(value).upper()
                if code not in ISO_4217:
                    raise ValidationFailed(name, f"{value!r} is not an ISO 4217 currency code")
                clean[name] = code
            elif name == "timezone":
                zone(value)
                clean[name] = value
            elif name == "week_start":
                clean[name] = WeekStart(value)
            else:
                raise ValidationFailed(name, "is not a setting")
        return self._settings.update(user_id, clean, UserSettings())
