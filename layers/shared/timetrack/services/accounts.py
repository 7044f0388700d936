"""Users: creating them and issuing/revoking personal API tokens (management
only), and a user's own profile."""

from __future__ import annotations

import datetime as dt

from ..dal.directory import AlreadyExists, DirectoryRepository, Profile
from ..dal.ids import IdAllocator
from ..errors import Conflict, NotFound
from .clock import Clock
from .tokens import IssuedToken, Tokens


class Accounts:
    def __init__(self, directory: DirectoryRepository, user_ids: IdAllocator, clock: Clock, tokens: Tokens) -> None:
        self._directory = directory
        self._user_ids = user_ids
        self._clock = clock
        self._tokens = tokens

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

    def profile(self, user_id: int) -> Profile:
        profile = self._directory.profile(user_id)
        if profile is None:
            raise NotFound(f"User {user_id} not found")
        return profile

    def user_id_for_email(self, email: str) -> int | None:
        return self._directory.user_id_for_email(email.strip().lower())

    def issue_token(
        self, user_id: int, *, name: str = "cli", expires_in: dt.timedelta | None = None, token: str | None = None
    ) -> IssuedToken:
        """A new token for ``user_id`` with every scope, bound to no workspace;
        ``token`` fixes its value (local demo only)."""
        if not self._directory.user_exists(user_id):
            raise NotFound(f"User {user_id} not found")
        return self._tokens.issue(user_id, name=name, expires_in=expires_in, token=token)

    def revoke_token(self, token: str) -> None:
        self._tokens.revoke_token(token)
