"""FastAPI dependencies: the authenticated caller."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from ..runtime import services

_bearer = HTTPBearer(auto_error=False, description="A personal token `tt_…` or an OIDC JWT.")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="A personal token `tt_…`.")


async def current_user_id(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> int:
    return services().auth.authenticate(bearer.credentials if bearer else None, api_key)


CurrentUserId = Annotated[int, Depends(current_user_id)]
