"""Personal access tokens: issue, list and revoke.

Rules (the issue's and ours where it was silent):

- A token is the caller's unless ``user_id`` names another user; then it must
  be bound to a workspace (``workspace_id``) that the caller owns or manages
  as executive manager, and the user must be a member of it (anyone else:
  404, as for any member lookup).
- A token never holds more than the credential that creates it: its scopes
  are covered by the creator's. Token management needs a credential bound to
  no workspace (a workspace-bound token manages no tokens).
- Owner and creator both see the token in their list and may revoke it;
  anyone else's token id is 404.
- Revocation takes effect at once in this process and within the
  authentication cache time (``token_cache_seconds``) in every other.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .. import scopes
from ..dal.directory import DirectoryRepository, TokenRecord, TokenUsage
from ..dal.ids import IdAllocator
from ..errors import Forbidden, NotFound, ValidationFailed
from ..principal import Principal
from .auth import Authenticator, hash_token, new_token
from .clock import Clock
from .workspaces import Workspaces

NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 1000
MAX_EXPIRY_DAYS = 3650
PREFIX_LENGTH = 8


@dataclass(frozen=True, slots=True)
class IssuedToken:
    record: TokenRecord
    token: str  # shown this once; only its hash is stored

    @property
    def user_id(self) -> int:
        return self.record.user_id

    @property
    def expires_at(self) -> dt.datetime | None:
        return self.record.expires_at


class Tokens:
    def __init__(
        self,
        directory: DirectoryRepository,
        ids: IdAllocator,
        auth: Authenticator,
        workspaces: Workspaces,
        clock: Clock,
    ) -> None:
        self._directory = directory
        self._ids = ids
        self._auth = auth
        self._workspaces = workspaces
        self._clock = clock

    def create(
        self,
        creator: Principal,
        *,
        name: str,
        scopes_requested: list[str],
        description: str | None = None,
        expires_in_days: int | None = None,
        workspace_id: int | None = None,
        user_id: int | None = None,
    ) -> IssuedToken:
        creator.require_unbound()
        granted = scopes.parse(scopes_requested)
        name = _text("name", name, NAME_MAX_LENGTH)
        description = _text("description", description, DESCRIPTION_MAX_LENGTH) if description else None
        if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
            raise ValidationFailed("expires_in_days", f"must be between 1 and {MAX_EXPIRY_DAYS}")
        owner = creator.user_id if user_id is None else user_id
        if owner != creator.user_id and workspace_id is None:
            raise ValidationFailed("workspace_id", "required to create a token for another user")
        beyond = scopes.expand(granted) - scopes.expand(creator.scopes)
        if beyond:
            raise Forbidden(f"A token cannot hold scopes its creator lacks: {', '.join(sorted(beyond))}")
        if workspace_id is not None:
            me = self._workspaces.membership(creator, workspace_id)
            if owner != creator.user_id:
                if not me.role.manages:
                    raise Forbidden("Only owners and executive managers create tokens for members")
                if self._workspaces.member_of(workspace_id, owner) is None:
                    raise NotFound(f"User {owner} is not a member of workspace {workspace_id}")
        return self.issue(
            owner,
            name=name,
            description=description,
            granted=granted,
            expires_in=dt.timedelta(days=expires_in_days) if expires_in_days else None,
            workspace_id=workspace_id,
            created_by=creator.user_id if owner != creator.user_id else None,
        )

    def issue(
        self,
        user_id: int,
        *,
        name: str,
        granted: tuple[str, ...] = (scopes.EVERYTHING,),
        description: str | None = None,
        expires_in: dt.timedelta | None = None,
        workspace_id: int | None = None,
        created_by: int | None = None,
        token: str | None = None,
    ) -> IssuedToken:
        """Store a new token, no questions asked (callers check). ``token``
        fixes its value (the local demo token only)."""
        token = token or new_token()
        now = self._clock()
        record = TokenRecord(
            user_id=user_id,
            name=name,
            created_at=now,
            expires_at=now + expires_in if expires_in else None,
            id=self._ids.next_id(),
            scopes=granted,
            workspace_id=workspace_id,
            description=description,
            created_by=created_by,
            prefix=token[:PREFIX_LENGTH],
            token_hash=hash_token(token),
        )
        self._directory.put_token(record.token_hash, record)
        return IssuedToken(record, token)

    def listed(self, caller: Principal) -> list[tuple[TokenRecord, TokenUsage]]:
        """The caller's tokens and those the caller made for others, oldest first."""
        caller.require_unbound()
        return self._directory.tokens_listed_for(caller.user_id)

    def revoke(self, caller: Principal, token_id: int) -> None:
        caller.require_unbound()
        record = self._directory.listed_token(caller.user_id, token_id)
        if record is None:
            raise NotFound(f"Token {token_id} not found")
        self.revoke_record(record)

    def revoke_token(self, token: str) -> None:
        """Revoke by the token itself (management)."""
        record = self._directory.get_token(hash_token(token))
        if record is None:
            raise NotFound("Token not found")
        self.revoke_record(record)

    def revoke_record(self, record: TokenRecord) -> None:
        if not self._directory.revoke_token(record, self._clock()):
            raise NotFound("Token not found")
        self._auth.forget(record.token_hash)


def _text(field: str, value: str, max_length: int) -> str:
    value = value.strip()
    if not value:
        raise ValidationFailed(field, "must not be empty")
    if len(value) > max_length:
        raise ValidationFailed(field, f"must be at most {max_length} characters")
    return value
