"""Tokens: create, list and revoke personal access tokens (the token is shown once).

Rules live in the service (``timetrack.services.tokens``). Listing needs
`read:users`; creating and revoking need `admin:all`: a narrow token never
mints a credential that would outlive its own revocation.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Response, status

from timetrack.api.app import create_app, lambda_handler
from timetrack.api.deps import requires
from timetrack.api.schemas import VALIDATION_ERRORS, ErrorBody
from timetrack.api.token_schemas import TokenCreate, TokenCreated, TokenPublic
from timetrack.principal import Principal
from timetrack.runtime import services

router = APIRouter(prefix="/api/v1/tokens", tags=["tokens"], responses=VALIDATION_ERRORS)

_404: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown, or neither the caller's nor made by the caller"}
}


@router.post(
    "",
    response_model=TokenCreated,
    status_code=status.HTTP_201_CREATED,
    operation_id="createToken",
    responses={404: {"model": ErrorBody, "description": "The workspace, or the user as its member, is not found"}},
)
async def create_token(body: TokenCreate, caller: Annotated[Principal, requires("admin:all")]) -> TokenCreated:
    """A token for the caller, or (owners and executive managers of
    `workspace_id`) for a member, bound to that workspace. The token is in
    this answer only; it never holds scopes the caller's credential lacks."""
    issued = services().tokens.create(
        caller,
        name=body.name,
        description=body.description,
        scopes_requested=list(body.scopes),
        expires_in_days=body.expires_in_days,
        workspace_id=body.workspace_id,
        user_id=body.user_id,
    )
    return TokenCreated.of(issued)


@router.get("", response_model=list[TokenPublic], operation_id="listTokens")
async def list_tokens(caller: Annotated[Principal, requires("read:users")]) -> list[TokenPublic]:
    """The caller's tokens and those the caller made for others, oldest
    first, without the token or its hash; revoked ones are gone."""
    return [TokenPublic.of(record, usage) for record, usage in services().tokens.listed(caller)]


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="revokeToken", responses=_404)
async def revoke_token(token_id: int, caller: Annotated[Principal, requires("admin:all")]) -> Response:
    """Revoke: refused at once by this instance, by every other within the
    token cache time (30 s)."""
    services().tokens.revoke(caller, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


app = create_app(router)
handler = lambda_handler(app)
