"""Runtime configuration, read once per cold start from the environment."""

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What every function needs. Field names map to upper-case env vars."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    entries_table: str = "timetrack-entries"
    settings_table: str = "timetrack-settings"
    directory_table: str = "timetrack-directory"
    clock_in_queue_url: str = ""
    idempotency_table: str = "timetrack-idempotency"
    aws_region: str = Field(default="us-east-1", validation_alias="AWS_REGION")

    # OIDC bearer JWTs (a Cognito user pool in the template). Empty issuer: JWTs off.
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_url: str = ""
    jwks_cache_seconds: int = 3600

    # How long a warm function trusts a personal-token lookup (revocation delay).
    token_cache_seconds: float = 30.0

    # Only the local server adds CORS headers; on AWS the HTTP API does it.
    cors_origins: list[str] = ["http://localhost:3000"]
