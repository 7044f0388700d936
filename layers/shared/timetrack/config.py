"""Runtime configuration, read once per cold start from the environment.

A plain pydantic model filled from ``os.environ`` (each field from its
upper-case name): the same validation as pydantic-settings without its
~30 ms of imports on every cold start.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Settings(BaseModel):
    """What the functions need. ``Settings(field=value)`` overrides the environment."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    entries_table: str = "timetrack-entries"
    settings_table: str = "timetrack-settings"
    directory_table: str = "timetrack-directory"
    idempotency_table: str = "timetrack-idempotency"
    rate_limits_table: str = "timetrack-rate-limits"
    clock_in_queue_url: str = ""
    aws_region: str = "us-east-1"

    # OIDC bearer JWTs (a Cognito user pool in the template). Empty issuer: JWTs off.
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_url: str = ""
    jwks_cache_seconds: int = 3600

    # How long a warm function trusts a personal-token lookup (revocation delay).
    token_cache_seconds: float = 30.0

    # Requests per rate-limit subject (a token, or a JWT's user) and window; 0 turns a window off.
    rate_limit_per_minute: int = Field(100, ge=0)
    rate_limit_per_hour: int = Field(1000, ge=0)

    # Idempotency-Key: a first request holds its key at most this long (a crashed
    # one frees it then); its answer is kept this long.
    idempotency_in_flight_seconds: int = Field(30, ge=1)
    idempotency_keep_seconds: int = Field(24 * 60 * 60, ge=1)

    # The most entries one time-entry export holds: on Lambda its answer is
    # buffered whole and must stay under 6 MB (see docs/integrations-api.md).
    export_max_rows: int = Field(10_000, ge=1)

    # Only the local server adds CORS headers; on AWS the HTTP API does it.
    cors_origins: list[str] = ["http://localhost:3000"]

    def __init__(self, **overrides: Any) -> None:
        environ = {name: os.environ[name.upper()] for name in type(self).model_fields if name.upper() in os.environ}
        super().__init__(**(environ | overrides))

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return [part.strip() for part in value.split(",") if part.strip()] if isinstance(value, str) else value
