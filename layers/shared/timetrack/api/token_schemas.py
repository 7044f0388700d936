"""Request and response schemas of token management (plain JSON, like the personal API)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from .. import scopes
from ..dal.directory import TokenRecord, TokenUsage
from ..services.tokens import DESCRIPTION_MAX_LENGTH, MAX_EXPIRY_DAYS, NAME_MAX_LENGTH, IssuedToken
from .schemas import InputModel, JsonId, OffsetDateTime, utc, utc_or_none

ScopeName = Literal[(*scopes.KNOWN, *scopes.ALIASES)]


class TokenCreate(InputModel):
    name: str = Field(min_length=1, max_length=NAME_MAX_LENGTH, examples=["Invoicing export"])
    description: str | None = Field(None, max_length=DESCRIPTION_MAX_LENGTH, examples=["Reads hours nightly"])
    scopes: list[ScopeName] = Field(
        min_length=1,
        max_length=len(scopes.KNOWN) + len(scopes.ALIASES),
        description="Seed 002's names; seed 004's `time_entry:*` spellings are accepted and stored as seed 002's.",
        examples=[["read:time_entries", "read:projects"]],
    )
    expires_in_days: int | None = Field(None, ge=1, le=MAX_EXPIRY_DAYS, description="Absent: never expires.")
    workspace_id: JsonId | None = Field(None, description="Bind the token to this workspace: it sees nothing else.")
    user_id: JsonId | None = Field(
        None, description="Another member of `workspace_id` (owners and executive managers only); absent: the caller."
    )


class _TokenFields(BaseModel):
    """What both answers say of a token (never its hash)."""

    id: int
    name: str
    description: str | None
    token_prefix: str = Field(description="The token's first 8 characters.", examples=["tt_a1B2c"])
    scopes: list[str]
    workspace_id: int | None
    user_id: int = Field(description="Whom the token acts as.")
    created_by: int | None = Field(description="The manager who made it for the user; null: the user.")
    expires_at: OffsetDateTime | None
    created_at: OffsetDateTime

    @staticmethod
    def _fields(record: TokenRecord) -> dict[str, Any]:
        return {
            "id": record.id,
            "name": record.name,
            "description": record.description,
            "token_prefix": record.prefix,
            "scopes": list(record.scopes),
            "workspace_id": record.workspace_id,
            "user_id": record.user_id,
            "created_by": record.created_by,
            "expires_at": utc_or_none(record.expires_at),
            "created_at": utc(record.created_at),
        }


class TokenPublic(_TokenFields):
    last_used_at: OffsetDateTime | None = Field(description="Written at most once a minute per token and instance.")
    usage_count: int = Field(description="Requests made with it (a minute behind at most, per instance).")

    @classmethod
    def of(cls, record: TokenRecord, usage: TokenUsage) -> TokenPublic:
        return cls.model_construct(
            **cls._fields(record), last_used_at=utc_or_none(usage.last_used_at), usage_count=usage.usage_count
        )


class TokenCreated(_TokenFields):
    token: str = Field(description="Shown this once: only its hash is stored.", examples=["tt_" + "x" * 32])

    @classmethod
    def of(cls, issued: IssuedToken) -> TokenCreated:
        return cls.model_construct(**cls._fields(issued.record), token=issued.token)
