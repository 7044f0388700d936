"""Which workspace a request of the integrations API acts in.

Seed 002's paths name no workspace, so each request acts inside one: the
token's workspace if it is bound to one, else the caller's default workspace
(the first one they own; one named after them is made on first use if they
own none). The rule is the domain's (``Workspaces.default_workspace``);
routes take it as a dependency, after authentication and the scope check::

    async def list_projects(tenant: Annotated[Tenant, in_workspace("read:projects")]): ...
"""

# No ``from __future__ import annotations``: FastAPI must see the dependency
# built from ``scope`` in ``resolve``'s signature, not a string naming a local.
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends

from ...principal import Principal
from ...runtime import services
from ..deps import requires


@dataclass(frozen=True, slots=True)
class Tenant:
    """The caller and the workspace the request acts in."""

    principal: Principal
    workspace_id: int


def in_workspace(scope: str) -> Any:
    """The caller (refused with 403 unless its credential holds ``scope``) and
    their workspace for this API."""

    async def resolve(principal: Annotated[Principal, requires(scope)]) -> Tenant:
        return Tenant(principal, services().workspaces.default_workspace(principal).id)

    return Depends(resolve)
