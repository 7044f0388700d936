"""FastAPI dependencies: the authenticated caller, rate-limited, with a POST's Idempotency-Key claimed."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from ..runtime import services
from . import idempotency, limits

_bearer = HTTPBearer(auto_error=False, description="A personal token `tt_…` or an OIDC JWT.")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="A personal token `tt_…`.")


def rate_limit_subject(user_id: int) -> str:
    """Whose requests are counted together: a stable, non-secret name of the caller."""
    return f"user:{user_id}"


async def current_user_id(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> int:
    user_id = services().auth.authenticate(bearer.credentials if bearer else None, api_key)
    limits.count(request, rate_limit_subject(user_id))  # 429 before anything runs
    await idempotency.begin(request, user_id)  # a POST's Idempotency-Key
    return user_id


CurrentUserId = Annotated[int, Depends(current_user_id)]
