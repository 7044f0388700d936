"""Runtime configuration, read once per cold start from the environment.

A plain pydantic model filled from ``os.environ`` (each field from its
upper-case name): the same validation as pydantic-settings without its
~30 ms of imports on every cold start.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class Settings(BaseModel):
    """What the functions need. ``Settings(field=value)`` overrides the environment."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    entries_table: str = "timetrack-entries"
    settings_table: str = "timetrack-settings"
    directory_table: str = "timetrack-directory"
    idempotency_table: str = "timetrack-idempotency"
    clock_in_queue_url: str = ""
    aws_region: str = "us-east-1"

    # OIDC bearer JWTs (a Cognito user pool in the template). Empty issuer: JWTs off.
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_url: str = ""
    jwks_cache_seconds: int = 3600

    # How long a warm function trusts a personal-token lookup (revocation delay).
    token_cache_seconds: float = 30.0

    # Only the local server adds CORS headers; on AWS the HTTP API does it.
    cors_origins: list[str] = ["http://localhost:3000"]

    def __init__(self, **overrides: Any) -> None:
        environ = {name: os.environ[name.upper()] for name in type(self).model_fields if name.upper() in os.environ}
        super().__init__(**(environ | overrides))

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value
