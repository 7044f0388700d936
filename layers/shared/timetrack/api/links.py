"""OpenAPI links: which answer feeds which next call (create an entry, then read,
update or delete it by its id). Generated clients and stateful fuzzers follow them."""

from __future__ import annotations

from typing import Any

_ENTRY_ID = {"entry_id": "$response.body#/id"}
_WORKSPACE_ID = {"workspace_id": "$response.body#/id"}
_IN_WORKSPACE = {"workspace_id": "$response.body#/workspace_id"}
_THE_ENTRY = {"getEntry": _ENTRY_ID, "updateEntry": _ENTRY_ID, "deleteEntry": _ENTRY_ID, "stopSession": _ENTRY_ID}
_ORG_ENTRY = {"org_id": "$request.path.org_id", "entry_id": "$response.body#/id"}
_THE_ORG_ENTRY = {"getOrgTimeEntry": _ORG_ENTRY, "replaceOrgTimeEntry": _ORG_ENTRY, "deleteOrgTimeEntry": _ORG_ENTRY}
_THE_MEMBER = {"workspace_id": "$request.body#/workspace_id", "user_id": "$request.body#/user_id"}

# operationId -> status -> (target operationId -> its parameters, or a request body)
LINKS: dict[str, dict[str, dict[str, dict[str, Any]]]] = {
    "createEntry": {"201": _THE_ENTRY},
    "startSession": {"201": _THE_ENTRY},
    "createWorkspace": {
        "201": {
            "createClient": _WORKSPACE_ID,
            "listClients": _WORKSPACE_ID,
            "createProject": _WORKSPACE_ID,
            "listProjects": _WORKSPACE_ID,
            "createContract": _WORKSPACE_ID,
            "listContracts": _WORKSPACE_ID,
            "createTask": _WORKSPACE_ID,
            "listTasks": _WORKSPACE_ID,
        }
    },
    "createClient": {
        "201": {
            "getClient": {**_IN_WORKSPACE, "client_id": "$response.body#/id"},
            "updateClient": {**_IN_WORKSPACE, "client_id": "$response.body#/id"},
            "deleteClient": {**_IN_WORKSPACE, "client_id": "$response.body#/id"},
        }
    },
    "createProject": {
        "201": {
            "getProject": {**_IN_WORKSPACE, "project_id": "$response.body#/id"},
            "updateProject": {**_IN_WORKSPACE, "project_id": "$response.body#/id"},
            "archiveProject": {**_IN_WORKSPACE, "project_id": "$response.body#/id"},
        }
    },
    "createContract": {
        "201": {
            "getContract": {**_IN_WORKSPACE, "contract_id": "$response.body#/id"},
            "endContract": {**_IN_WORKSPACE, "contract_id": "$response.body#/id"},
        }
    },
    "createTask": {
        "201": {
            "getTask": {**_IN_WORKSPACE, "task_id": "$response.body#/id"},
            "updateTask": {**_IN_WORKSPACE, "task_id": "$response.body#/id"},
        }
    },
    "createOrgTimeEntry": {"201": _THE_ORG_ENTRY},
    "startOrgTimer": {"200": _THE_ORG_ENTRY},
    "startTimeTracking": {
        "200": {"stopTimeTracking": {"requestBody": _THE_MEMBER}, "getActiveTimeTracking": _THE_MEMBER},
    },
}


def add_links(document: dict[str, Any]) -> None:
    """Add :data:`LINKS` to ``document`` where both operations are in it."""
    operations = {
        operation["operationId"]: operation
        for path in document.get("paths", {}).values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    for source, by_status in LINKS.items():
        for status, targets in by_status.items():
            response = operations.get(source, {}).get("responses", {}).get(status)
            if response is None:
                continue
            for target, values in targets.items():
                if target not in operations:
                    continue
                link: dict[str, Any] = {"operationId": target}
                if "requestBody" in values:
                    link["requestBody"] = values["requestBody"]
                else:
                    link["parameters"] = values
                response.setdefault("links", {})[target] = link
