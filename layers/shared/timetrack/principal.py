"""Who calls, with what authority: the result of authenticating a request."""

from __future__ import annotations

from dataclasses import dataclass

from . import scopes
from .errors import Forbidden, MissingScope


@dataclass(frozen=True, slots=True)
class Principal:
    user_id: int
    scopes: frozenset[str] = scopes.ALL  # canonical names (see ``timetrack.scopes``)
    workspace_id: int | None = None  # a token bound to one workspace sees nothing else
    token_id: int | None = None  # None for a JWT
    subject: str = ""  # stable and not secret: ``token:<id>`` or ``jwt:<user id>`` (rate-limit key)

    def require(self, scope: str) -> None:
        """MissingScope unless the credential holds ``scope``."""
        if not scopes.grants(self.scopes, scope):
            raise MissingScope(scope, sorted(self.scopes))

    def require_unbound(self) -> None:
        """Personal data and token management are outside every workspace."""
        if self.workspace_id is not None:
            raise Forbidden(f"This token is bound to workspace {self.workspace_id}; this API is outside it")

    def sees_workspace(self, workspace_id: int) -> bool:
        return self.workspace_id is None or self.workspace_id == workspace_id


Actor = int | Principal
"""Who acts in a service call: a principal, or a bare user id (management code
and tests), which acts with every scope in every workspace."""


def principal_of(actor: Actor) -> Principal:
    return actor if isinstance(actor, Principal) else Principal(actor, subject=f"user:{actor}")
