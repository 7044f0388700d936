"""Creating users and issuing/revoking personal API tokens (management only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..dal.directory import AlreadyExists, DirectoryRepository, TokenRecord
from ..dal.ids import IdAllocator
from ..errors import Conflict, NotFound
from .auth import hash_token, new_token
from .clock import Clock


@dataclass(frozen=True, slots=True)
class IssuedToken:
    user_id: int
    token: str  # shown once; only its hash is stored
    expires_at: dt.datetime | None


class Accounts:
    def __init__(self, directory: DirectoryRepository, user_ids: IdAllocator, clock: Clock) -> None:
        self._directory = directory
        self._user_ids = user_ids
        self._clock = clock

    def create_user(self, email: str) -> int:
        email = email.strip().lower()
        if self._directory.user_id_for_email(email) is not None:
            raise Conflict(f"A user with email {email} already exists")
        user_id = self._user_ids.next_id()
        try:
            self._directory.create_user(user_id, self._clock(), email=email)
        except AlreadyExists:
            raise Conflict(f"A user with email {email} already exists") from None
        return user_id

    def user_id_for_email(self, email: str) -> int | None:
        return self._directory.user_id_for_email(email.strip().lower())

    def issue_token(
        self, user_id: int, *, name: str = "cli", expires_in: dt.timedelta | None = None, token: str | None = None
    ) -> IssuedToken:
        """A new token for ``user_id``; ``token`` fixes its value (local demo only)."""
        if not self._directory.user_exists(user_id):
            raise NotFound(f"User {user_id} not found")
        token = token or new_token()
        now = self._clock()
        expires_at = now + expires_in if expires_in else None
        self._directory.put_token(hash_token(token), TokenRecord(user_id, name, now, expires_at))
        return IssuedToken(user_id, token, expires_at)

    def revoke_token(self, token: str) -> None:
        if not self._directory.revoke_token(hash_token(token), self._clock()):
            raise NotFound("Token not found")
