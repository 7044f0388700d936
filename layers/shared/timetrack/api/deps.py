"""FastAPI dependencies: the authenticated caller and the scope each route needs.

Every route takes its caller from ``requires("<scope>")`` (or, in the personal
API, ``requires_personal``), e.g.::

    async def create_entry(body: EntryCreate, principal: Annotated[Principal, requires("write:time_entries")]):

The scope is then checked on every request (403 ``MissingScope`` without it)
and declared in the OpenAPI document as the route's security requirement.
Authentication itself is one function, ``current_principal``, run once per
request whatever the route; it also counts the request against the caller's
rate limits (429 before anything runs). A POST's Idempotency-Key is claimed
once the scope is checked.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer, SecurityScopes

from ..principal import Principal
from ..runtime import services
from . import idempotency, limits

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A personal token `tt_…` or an OIDC JWT. The route's scopes are the ones it requires.",
)
_api_key = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="apiKey",
    description="A personal token `tt_…`. The route's scopes are the ones it requires.",
)


async def current_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """Who calls, or 401: the one authentication of every request, rate-limited."""
    principal = services().auth.authenticate(bearer.credentials if bearer else None, api_key)
    limits.count(request, principal.subject)  # 429 before anything runs
    return principal


async def _scoped(
    request: Request, security_scopes: SecurityScopes, principal: Annotated[Principal, Depends(current_principal)]
) -> Principal:
    for scope in security_scopes.scopes:
        principal.require(scope)
    await idempotency.begin(request, principal)  # a POST's Idempotency-Key
    return principal


async def _personal(principal: Annotated[Principal, Depends(_scoped)]) -> Principal:
    principal.require_unbound()
    return principal


def requires(scope: str) -> Any:
    """The caller, refused (403) unless its credential holds ``scope``."""
    return Security(_scoped, scopes=[scope])


def requires_personal(scope: str) -> Any:
    """As ``requires``, for the caller's own data (the personal API): a token
    bound to a workspace is refused too (403), as that data is in no workspace."""
    return Security(_personal, scopes=[scope])
