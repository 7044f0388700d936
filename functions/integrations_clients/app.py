"""Integrations API (seed 002): clients of the workspace the request acts in
(see ``timetrack.api.integrations.tenancy``).

Members read; owners and executive managers write (the workspace
directory's rule, in the domain). Scopes: `read:clients` / `write:clients`.
Names are unique in the workspace (409 `conflict`); a client that a project
(archived ones too) names cannot be deleted (409 `conflict`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel

from timetrack.api.app import create_app, lambda_handler
from timetrack.api.integrations import errors
from timetrack.api.integrations.errors import ERROR_RESPONSES, NOT_FOUND, IntegrationsRoute, conflict
from timetrack.api.integrations.pagination import PageParams, Pagination, page_of
from timetrack.api.integrations.schemas import ClientOut, Message
from timetrack.api.integrations.tenancy import Tenant, in_workspace
from timetrack.api.workspace_schemas import ClientCreate, ClientUpdate
from timetrack.runtime import services

router = APIRouter(
    prefix="/api/v1/clients",
    tags=["integrations: clients"],
    route_class=IntegrationsRoute,
    responses=ERROR_RESPONSES,
)

NAME_TAKEN = conflict("Another client of the workspace has the name")


class ClientList(BaseModel):
    clients: list[ClientOut]
    pagination: Pagination


class ClientOne(BaseModel):
    client: ClientOut


class ClientSaved(BaseModel):
    message: str
    client: ClientOut


@router.get("", response_model=ClientList, operation_id="integrationsListClients")
async def list_clients(tenant: Annotated[Tenant, in_workspace("read:clients")], page: PageParams) -> dict:
    """The workspace's clients by name."""
    found = services().workspaces.clients(tenant.principal, tenant.workspace_id)
    by_name = sorted(found, key=lambda client: (client.name.casefold(), client.id))
    return page_of("clients", [ClientOut.of(client) for client in by_name], page)


@router.post(
    "",
    response_model=ClientSaved,
    status_code=status.HTTP_201_CREATED,
    operation_id="integrationsCreateClient",
    responses=NAME_TAKEN,
)
async def create_client(body: ClientCreate, tenant: Annotated[Tenant, in_workspace("write:clients")]) -> dict:
    """A client (owners and executive managers)."""
    details = body.model_dump(include=body.model_fields_set - {"name"})
    client = services().workspaces.create_client(tenant.principal, tenant.workspace_id, body.name, **details)
    return {"message": "Client created successfully", "client": ClientOut.of(client)}


@router.get("/{client_id}", response_model=ClientOne, operation_id="integrationsGetClient", responses=NOT_FOUND)
async def get_client(client_id: int, tenant: Annotated[Tenant, in_workspace("read:clients")]) -> dict:
    return {"client": ClientOut.of(services().workspaces.client(tenant.principal, tenant.workspace_id, client_id))}


async def _update(client_id: int, body: ClientUpdate, tenant: Tenant) -> dict:
    changes = body.model_dump(include=body.model_fields_set)
    client = services().workspaces.update_client(tenant.principal, tenant.workspace_id, client_id, changes)
    return {"message": "Client updated successfully", "client": ClientOut.of(client)}


@router.put(
    "/{client_id}",
    response_model=ClientSaved,
    operation_id="integrationsUpdateClient",
    responses=NOT_FOUND | NAME_TAKEN,
)
async def update_client(
    client_id: int, body: ClientUpdate, tenant: Annotated[Tenant, in_workspace("write:clients")]
) -> dict:
    """Only the fields sent change; `null` clears one (not the name)."""
    return await _update(client_id, body, tenant)


@router.patch(
    "/{client_id}",
    response_model=ClientSaved,
    operation_id="integrationsPatchClient",
    responses=NOT_FOUND | NAME_TAKEN,
)
async def patch_client(
    client_id: int, body: ClientUpdate, tenant: Annotated[Tenant, in_workspace("write:clients")]
) -> dict:
    """The same as PUT."""
    return await _update(client_id, body, tenant)


@router.delete(
    "/{client_id}",
    response_model=Message,
    operation_id="integrationsDeleteClient",
    responses=NOT_FOUND | conflict("A project (archived ones too) still names the client"),
)
async def delete_client(client_id: int, tenant: Annotated[Tenant, in_workspace("write:clients")]) -> dict:
    """Deletes the client and frees its name."""
    services().workspaces.delete_client(tenant.principal, tenant.workspace_id, client_id)
    return {"message": "Client deleted successfully"}


app = create_app(router, install_errors=errors.install)
handler = lambda_handler(app)
