"""Workspaces in the directory table, one item collection per workspace.

========================================  ===================================
pk / sk                                   holds
========================================  ===================================
``WS#<id>`` / ``META``                    the workspace, with its owner count
``WS#<id>`` / ``MEMBER#<user>``           a membership and its role
``USER#<user>`` / ``WS#<id>``             the same membership, seen from the
                                          user (lists "my workspaces")
``WS#<id>`` / ``INVITE#<invitee>``        an invitation; ``<invitee>`` is
                                          ``USER#<user>`` or ``EMAIL#<email>``
``INVITEE#<invitee>`` / ``WS#<id>``       the same invitation, seen from the
                                          invitee (lists "my invitations")
``WS#<id>`` / ``CLIENT#<id>``             a client, with how many projects
                                          name it (``project_count``)
``WS#<id>`` / ``CLIENTNAME#<name>``       a client's name taken (normalised,
                                          ``client_name_key``): names are unique
``WS#<id>`` / ``PROJECT#<id>``            a project
``WS#<id>`` / ``CONTRACT#<id>``           a member's assignment to a project
``WS#<id>`` / ``TASK#<id>``               a task in a project, with how many
                                          of its subtasks are not done
                                          (``open_subtasks``)
``WS#<id>`` / ``SUBTASK#<task>#<id>``     a subtask of a task
``WS#<id>`` / ``ASSIGNEE#<task>#<user>``  a member assigned to a task
``TASK#<id>`` / ``REF``                   the workspace of a task (written with it)
``SUBTASK#<id>`` / ``REF``                the workspace and task of a subtask
``USER#<user>`` / ``DEFAULTWS``           the workspace made for the user on
                                          first use of the integrations API
                                          (``workspace_id``): at most one at
                                          a time (a conditional put)
========================================  ===================================

Membership changes write both membership items and the owner count in one
transaction; the count's condition (``owners > 1``) keeps the last owner.
A client and its name item are written, moved and deleted in one
transaction (a name is taken by a conditional put); a project naming a
client counts itself on the client in the same transaction as the project,
so a client still named by a project cannot be deleted.
A subtask is written, moves between done and not done, and is deleted in one
transaction with its task's ``open_subtasks`` (conditioned on the status it
was read with), and a task moves to review or done only on the condition that
the count is zero: a subtask reopened meanwhile cannot slip past the rule.
An invitation is both its items; accepting deletes them and puts the
membership in one transaction, so nobody is half invited or half a member.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any, get_args, get_type_hints

from botocore.exceptions import ClientError

from ..errors import Conflict, DomainError, NotFound, UnfinishedSubtasks, ValidationFailed
from ..workspaces import (
    Assignment,
    AssignmentStatus,
    Client,
    Contract,
    Invitation,
    Member,
    Project,
    ProjectStatus,
    Role,
    Subtask,
    SubtaskStatus,
    Task,
    TaskStatus,
    Workspace,
    client_name_key,
)
from .aws import cancellation_reasons, error_code
from .batch import BatchReader, KeyRead
from .codec import from_item, key, parse_utc, to_attr, to_item, utc_text
from .guards import Guard


class DefaultWorkspaceMade(Conflict):
    """Another request made (or replaced) the user's default workspace meanwhile."""

    def __init__(self) -> None:
        super().__init__("The default workspace was made concurrently; read it again.")


class LastOwner(Conflict):
    def __init__(self) -> None:
        super().__init__("The last owner cannot leave or be demoted; make another member owner first.")


def _set_or_remove(assignments: dict[str, Any]) -> tuple[str, dict[str, str], dict[str, Any]]:
    """An update expression SETting the given attributes, REMOVing those given
    as None (absent means null), with its names and values."""
    names = {f"#a{i}": name for i, name in enumerate(assignments)}
    values = {f":v{i}": to_attr(value) for i, value in enumerate(assignments.values()) if value is not None}
    sets = [f"#a{i} = :v{i}" for i, value in enumerate(assignments.values()) if value is not None]
    removes = [f"#a{i}" for i, value in enumerate(assignments.values()) if value is None]
    clauses = []
    if sets:
        clauses.append("SET " + ", ".join(sets))
    if removes:
        clauses.append("REMOVE " + ", ".join(removes))
    return " ".join(clauses), names, values


def _not_member(user_id: int) -> ValidationFailed:
    return ValidationFailed("assignee", f"user {user_id} is not a member of the workspace")


def _name_taken(name: str) -> Conflict:
    return Conflict(f"A client named {name!r} already exists in the workspace")


def _no_client(client_id: int | None) -> ValidationFailed:
    return ValidationFailed("client_id", f"client {client_id} is not a client of the workspace")


BATCH_GET_MAX_KEYS = 100
DEFAULT_WORKSPACE = "DEFAULTWS"


class _FirstConditionFailed(DomainError):
    """The first write's condition failed; the caller reads why."""

    def __init__(self) -> None:
        super().__init__("condition failed")


def _ws(workspace_id: int) -> str:
    return f"WS#{workspace_id}"


def _invitee(user_id: int | None, email: str | None) -> str:
    """Whom an invitation is for: a user id, or an email nobody may have signed up with yet."""
    return f"USER#{user_id}" if user_id is not None else f"EMAIL#{email}"


def _plain(value: Any) -> Any:
    """A model value as stored: datetimes as UTC text, enums as their value."""
    if isinstance(value, dt.datetime):
        return utc_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _values(obj: Any) -> dict[str, Any]:
    return {field.name: _plain(getattr(obj, field.name)) for field in dataclasses.fields(obj)}


@cache
def _field_types(cls: type) -> dict[str, tuple[type, bool]]:
    """Each field's type, and whether it may be None (from the resolved annotations)."""
    types = {}
    for name, hint in get_type_hints(cls).items():
        args = [arg for arg in get_args(hint) if arg is not type(None)]
        types[name] = (args[0] if args else hint, type(None) in get_args(hint))
    return types


def _parse(cls: type, values: dict[str, Any]) -> Any:
    """A model from its item: an absent attribute is None; text, numbers and
    enum values become the field's own type."""
    if cls is Project and "status" not in values:
        # Projects written before statuses carried an ``archived`` flag.
        values = values | {"status": ProjectStatus.ARCHIVED if values.get("archived") else ProjectStatus.ACTIVE}
    kwargs = {}
    for field in dataclasses.fields(cls):
        kind, nullable = _field_types(cls)[field.name]
        value = values.get(field.name)
        if value is None:
            if nullable and field.default is dataclasses.MISSING:
                kwargs[field.name] = None
            continue
        if kind is dt.datetime:
            value = parse_utc(value)
        elif kind is dt.date:
            value = dt.date.fromisoformat(value)
        elif kind is int or (isinstance(kind, type) and issubclass(kind, Enum)):
            value = kind(value)
        kwargs[field.name] = value
    return cls(**kwargs)


class WorkspaceRepository:
    def __init__(self, dynamodb, table: str) -> None:
        self._db = dynamodb
        self._table = table

    # -- generic -------------------------------------------------------------

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        item = self._db.get_item(TableName=self._table, Key=key(pk, sk), ConsistentRead=True).get("Item")
        return from_item(item) if item else None

    def _query(self, pk: str, prefix: str) -> list[dict[str, Any]]:
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": prefix}},
            "ConsistentRead": True,
        }
        items: list[dict[str, Any]] = []
        while True:
            response = self._db.query(**request)
            items += [from_item(item) for item in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return items
            request["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def _put_new(self, pk: str, sk: str, obj: Any) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": key(pk, sk) | to_item(_values(obj)),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _transact(self, writes: list[dict[str, Any]], failures: dict[int, DomainError] | None = None) -> None:
        """``failures``: the error a failed condition of the write at that index means
        (the first in request order wins); any other cancellation is a concurrent change."""
        try:
            self._db.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise
            codes = [reason.get("Code") for reason in cancellation_reasons(error)]
            for index, failure in sorted((failures or {}).items()):
                if len(codes) > index and codes[index] == "ConditionalCheckFailed":
                    raise failure from error
            raise Conflict("The workspace changed concurrently; retry.") from error

    def _update(self, pk: str, sk: str, assignments: dict[str, Any]) -> Any:
        """SET the given attributes; a None value REMOVEs it (absent means null)."""
        expression, names, values = _set_or_remove(assignments)
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": key(pk, sk),
            "UpdateExpression": expression,
            "ConditionExpression": "attribute_exists(pk)",
            "ExpressionAttributeNames": names,
            "ReturnValues": "ALL_NEW",
        }
        if values:
            request["ExpressionAttributeValues"] = values
        try:
            response = self._db.update_item(**request)
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise NotFound("Not found") from error
            raise
        return from_item(response["Attributes"])

    # -- workspaces and members ----------------------------------------------

    def create_workspace(self, workspace: Workspace, owner: Member) -> None:
        self._transact(self._new_workspace(workspace, owner))

    def _new_workspace(self, workspace: Workspace, owner: Member) -> list[dict[str, Any]]:
        meta = self._put_new(_ws(workspace.id), "META", workspace)
        meta["Put"]["Item"]["owners"] = {"N": "1"}
        return [meta, *self._membership_puts(owner, workspace)]

    def default_workspace_id(self, user_id: int) -> int | None:
        """The workspace last made for the user as their default (None: never)."""
        values = self._get(f"USER#{user_id}", DEFAULT_WORKSPACE)
        return int(values["workspace_id"]) if values else None

    def create_default_workspace(self, workspace: Workspace, owner: Member, *, replacing: int | None) -> None:
        """The workspace (as ``create_workspace``) and the user's marker naming it, in
        one transaction, only if the marker still names ``replacing`` (None: no marker):
        two first requests at once make one workspace. DefaultWorkspaceMade otherwise."""
        marker: dict[str, Any] = {
            "TableName": self._table,
            "Item": key(f"USER#{owner.user_id}", DEFAULT_WORKSPACE) | {"workspace_id": to_attr(workspace.id)},
        }
        if replacing is None:
            marker["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            marker["ConditionExpression"] = "workspace_id = :seen"
            marker["ExpressionAttributeValues"] = {":seen": to_attr(replacing)}
        self._transact([{"Put": marker}, *self._new_workspace(workspace, owner)], {0: DefaultWorkspaceMade()})

    def get_workspace(self, workspace_id: int) -> Workspace | None:
        values = self._get(_ws(workspace_id), "META")
        return _parse(Workspace, values) if values else None

    def workspaces_of(self, user_id: int) -> list[tuple[Workspace, Role]]:
        """One Query: each membership item carries a copy of its workspace."""
        return [
            (_parse(Workspace, {k.removeprefix("workspace_"): v for k, v in values.items()}), Role(values["role"]))
            for values in self._query(f"USER#{user_id}", "WS#")
        ]

    def find_in(self, cls: type, workspace_ids: list[int], object_id: int) -> Any:
        """The object with this id in whichever of the workspaces holds it (ids are unique
        across workspaces), or None: BatchGetItem of one key per workspace (100 a call),
        strongly consistent."""
        sk = f"{cls.__name__.upper()}#{object_id}"
        reader = BatchReader(self._db)
        for first in range(0, len(workspace_ids), BATCH_GET_MAX_KEYS):
            chunk = workspace_ids[first : first + BATCH_GET_MAX_KEYS]
            reads = [KeyRead(self._table, key(_ws(workspace_id), sk), from_item) for workspace_id in chunk]
            found = next((values for values in reader.read(*reads) if values is not None), None)
            if found is not None:
                return _parse(cls, found)
        return None

    def get_member(self, workspace_id: int, user_id: int) -> Member | None:
        values = self._get(_ws(workspace_id), f"MEMBER#{user_id}")
        return _parse(Member, values) if values else None

    def membership_guard(self, workspace_id: int, user_id: int) -> Guard:
        """The user is (still) a member: for another table's write to hold atomically."""
        check = {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": key(_ws(workspace_id), f"MEMBER#{user_id}"),
                "ConditionExpression": "attribute_exists(pk)",
            }
        }
        return Guard(check, NotFound(f"User {user_id} is not a member of workspace {workspace_id}"))

    def members(self, workspace_id: int) -> list[Member]:
        return [_parse(Member, v) for v in self._query(_ws(workspace_id), "MEMBER#")]

    # -- invitations -------------------------------------------------------------

    def invite(self, invitation: Invitation) -> None:
        """Both invitation items; Conflict if already invited, or (by user id) already a member."""
        invitee = _invitee(invitation.user_id, invitation.email)
        writes = [
            self._put_new(_ws(invitation.workspace_id), f"INVITE#{invitee}", invitation),
            self._put_new(f"INVITEE#{invitee}", _ws(invitation.workspace_id), invitation),
        ]
        whom = f"User {invitation.user_id}" if invitation.user_id is not None else invitation.email
        failures: dict[int, DomainError] = {0: Conflict(f"{whom} is already invited")}
        if invitation.user_id is not None:
            failures[len(writes)] = Conflict(f"User {invitation.user_id} is already a member")
            writes.append(
                {
                    "ConditionCheck": {
                        "TableName": self._table,
                        "Key": key(_ws(invitation.workspace_id), f"MEMBER#{invitation.user_id}"),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        self._transact(writes, failures)

    def get_invitation(
        self, workspace_id: int, *, user_id: int | None = None, email: str | None = None
    ) -> Invitation | None:
        values = self._get(_ws(workspace_id), f"INVITE#{_invitee(user_id, email)}")
        return _parse(Invitation, values) if values else None

    def invitations(self, workspace_id: int) -> list[Invitation]:
        return [_parse(Invitation, v) for v in self._query(_ws(workspace_id), "INVITE#")]

    def invitations_to(self, *, user_id: int | None = None, email: str | None = None) -> list[Invitation]:
        return [_parse(Invitation, v) for v in self._query(f"INVITEE#{_invitee(user_id, email)}", "WS#")]

    def accept(self, invitations: list[Invitation], member: Member, workspace: Workspace) -> None:
        """The invitations go and the membership comes, in one transaction. Each
        invitation must still be as read (not revoked meanwhile); Conflict if
        the user is a member already."""
        writes = [write for invitation in invitations for write in self._invitation_deletes(invitation, as_read=True)]
        failures: dict[int, DomainError] = {len(writes): Conflict(f"User {member.user_id} is already a member")}
        writes += self._membership_puts(member, workspace)
        if member.role is Role.OWNER:
            writes.append(self._owner_count(member.workspace_id, +1))
        self._transact(writes, failures)

    def delete_invitations(self, invitations: list[Invitation]) -> None:
        """Declined or revoked: gone whole (deleting what is already gone is no error)."""
        self._transact([write for invitation in invitations for write in self._invitation_deletes(invitation)])

    def _invitation_deletes(self, invitation: Invitation, *, as_read: bool = False) -> list[dict[str, Any]]:
        invitee = _invitee(invitation.user_id, invitation.email)
        deletes: list[dict[str, Any]] = [
            {"Delete": {"TableName": self._table, "Key": key(_ws(invitation.workspace_id), f"INVITE#{invitee}")}},
            {"Delete": {"TableName": self._table, "Key": key(f"INVITEE#{invitee}", _ws(invitation.workspace_id))}},
        ]
        if as_read:  # the role accepted is the role offered
            deletes[0]["Delete"] |= {
                "ConditionExpression": "#r = :role",
                "ExpressionAttributeNames": {"#r": "role"},
                "ExpressionAttributeValues": {":role": {"S": invitation.role.value}},
            }
        return deletes

    # -- members -------------------------------------------------------------------

    def change_role(self, member: Member, new_role: Role) -> Member:
        changed = dataclasses.replace(member, role=new_role)
        writes = [
            self._role_update(_ws(member.workspace_id), f"MEMBER#{member.user_id}", member.role, new_role),
            self._role_update(f"USER#{member.user_id}", _ws(member.workspace_id), member.role, new_role),
        ]
        failures: dict[int, DomainError] = {}
        if member.role is Role.OWNER and new_role is not Role.OWNER:
            failures[len(writes)] = LastOwner()
            writes.append(self._owner_count(member.workspace_id, -1))
        elif new_role is Role.OWNER and member.role is not Role.OWNER:
            writes.append(self._owner_count(member.workspace_id, +1))
        self._transact(writes, failures)
        return changed

    def remove_member(self, member: Member) -> None:
        condition = {
            "ConditionExpression": "#r = :role",
            "ExpressionAttributeNames": {"#r": "role"},
            "ExpressionAttributeValues": {":role": {"S": member.role.value}},
        }
        writes = [
            {
                "Delete": {"TableName": self._table, "Key": key(_ws(member.workspace_id), f"MEMBER#{member.user_id}")}
                | condition
            },
            {"Delete": {"TableName": self._table, "Key": key(f"USER#{member.user_id}", _ws(member.workspace_id))}},
        ]
        failures: dict[int, DomainError] = {}
        if member.role is Role.OWNER:
            failures[len(writes)] = LastOwner()
            writes.append(self._owner_count(member.workspace_id, -1))
        self._transact(writes, failures)

    def _membership_puts(self, member: Member, workspace: Workspace) -> list[dict[str, Any]]:
        mine = self._put_new(_ws(member.workspace_id), f"MEMBER#{member.user_id}", member)
        theirs = self._put_new(f"USER#{member.user_id}", _ws(member.workspace_id), member)
        # The user's copy carries the workspace (it never changes): "my workspaces" is one Query.
        theirs["Put"]["Item"] |= {f"workspace_{k}": v for k, v in to_item(_values(workspace)).items()}
        return [mine, theirs]

    def _role_update(self, pk: str, sk: str, old: Role, new: Role) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table,
                "Key": key(pk, sk),
                "UpdateExpression": "SET #r = :new",
                "ConditionExpression": "#r = :old",
                "ExpressionAttributeNames": {"#r": "role"},
                "ExpressionAttributeValues": {":new": {"S": new.value}, ":old": {"S": old.value}},
            }
        }

    def _owner_count(self, workspace_id: int, delta: int) -> dict[str, Any]:
        update: dict[str, Any] = {
            "TableName": self._table,
            "Key": key(_ws(workspace_id), "META"),
            "UpdateExpression": "ADD owners :d",
            "ExpressionAttributeValues": {":d": {"N": str(delta)}},
        }
        if delta < 0:  # never below one owner
            update["ConditionExpression"] = "owners > :one"
            update["ExpressionAttributeValues"][":one"] = {"N": "1"}
        return {"Update": update}

    # -- clients -----------------------------------------------------------------

    def create_client(self, client: Client) -> None:
        """The client and its name item; Conflict if the name is taken."""
        writes = [
            self._put_new(_ws(client.workspace_id), f"CLIENT#{client.id}", client),
            self._name_put(client.workspace_id, client.name, client.id),
        ]
        self._transact(writes, {1: _name_taken(client.name)})

    def update_client(self, before: Client, changes: dict[str, Any]) -> Client:
        """Apply ``changes`` (None clears) to the client as read; a new name
        takes its name item and frees the old one in the same transaction.
        Conflict if the name is taken or the client was renamed meanwhile."""
        values = {name: _plain(value) for name, value in changes.items()}
        update = self._update_item(_ws(before.workspace_id), f"CLIENT#{before.id}", "", {})
        update["UpdateExpression"], names, update["ExpressionAttributeValues"] = _set_or_remove(values)
        update["ExpressionAttributeNames"] = names | {"#n": "name"}
        update["ExpressionAttributeValues"][":old"] = {"S": before.name}
        update["ConditionExpression"] = "#n = :old"
        writes: list[dict[str, Any]] = [{"Update": update}]
        failures: dict[int, DomainError] = {0: NotFound(f"Client {before.id} not found")}
        new_name = changes.get("name")
        if new_name is not None and client_name_key(new_name) != client_name_key(before.name):
            failures[len(writes)] = _name_taken(new_name)
            writes.append(self._name_put(before.workspace_id, new_name, before.id))
            writes.append(self._name_delete(before.workspace_id, before.name))
        self._transact(writes, failures)
        return dataclasses.replace(before, **changes)

    def delete_client(self, client: Client) -> None:
        """The client and its name item; Conflict while a project names it."""
        delete = {
            "TableName": self._table,
            "Key": key(_ws(client.workspace_id), f"CLIENT#{client.id}"),
            "ConditionExpression": "attribute_not_exists(project_count) OR project_count = :zero",
            "ExpressionAttributeValues": {":zero": {"N": "0"}},
        }
        in_use = Conflict(f"Client {client.id} still has projects; move or delete them first")
        self._transact([{"Delete": delete}, self._name_delete(client.workspace_id, client.name)], {0: in_use})

    def _name_put(self, workspace_id: int, name: str, client_id: int) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self._table,
                "Item": key(_ws(workspace_id), f"CLIENTNAME#{client_name_key(name)}")
                | {"client_id": {"N": str(client_id)}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def _name_delete(self, workspace_id: int, name: str) -> dict[str, Any]:
        return {
            "Delete": {"TableName": self._table, "Key": key(_ws(workspace_id), f"CLIENTNAME#{client_name_key(name)}")}
        }

    def _client_count(self, workspace_id: int, client_id: int, delta: int) -> dict[str, Any]:
        """Count a project on (or off) its client; the client must exist."""
        update = self._update_item(
            _ws(workspace_id), f"CLIENT#{client_id}", "ADD project_count :d", {":d": {"N": str(delta)}}
        )
        update["ConditionExpression"] = "attribute_exists(pk)"
        return {"Update": update}

    # -- projects --------------------------------------------------------------

    def create_project(self, project: Project) -> None:
        """The project, counted on its client (which must exist: else NotFound) in one transaction."""
        writes = [self._put_new(_ws(project.workspace_id), f"PROJECT#{project.id}", project)]
        if project.client_id is not None:
            writes.append(self._client_count(project.workspace_id, project.client_id, +1))
        self._transact(writes, {1: _no_client(project.client_id)})

    def update_project(self, before: Project, changes: dict[str, Any]) -> Project:
        """Apply ``changes`` to the project as read; moving it to another
        client moves its count in the same transaction. NotFound if the new
        client is gone, Conflict if the project changed client meanwhile."""
        values = {name: _plain(value) for name, value in changes.items()}
        client_id = changes.get("client_id", before.client_id)
        if client_id == before.client_id:
            return self.update(Project, before.workspace_id, before.id, changes)
        update = self._update_item(_ws(before.workspace_id), f"PROJECT#{before.id}", "", {})
        update["UpdateExpression"], names, update["ExpressionAttributeValues"] = _set_or_remove(values)
        update["ExpressionAttributeNames"] = names | {"#c": "client_id"}
        if before.client_id is None:
            update["ConditionExpression"] = "attribute_exists(pk) AND attribute_not_exists(#c)"
        else:
            update["ConditionExpression"] = "#c = :old"
            update["ExpressionAttributeValues"][":old"] = to_attr(before.client_id)
        writes: list[dict[str, Any]] = [{"Update": update}]
        failures: dict[int, DomainError] = {}
        if client_id is not None:
            failures[len(writes)] = _no_client(client_id)
            writes.append(self._client_count(before.workspace_id, client_id, +1))
        if before.client_id is not None:
            writes.append(self._client_count(before.workspace_id, before.client_id, -1))
        self._transact(writes, failures)
        return dataclasses.replace(before, **changes)

    # -- projects, contracts, tasks ------------------------------------------

    def put_new(self, obj: Project | Contract | Task, *, member: int | None = None) -> None:
        """``member``: a user the object names (a task's assignee), who must be a
        member of the workspace as it is written (else 400 naming ``assignee``)."""
        kind = type(obj).__name__.upper()
        writes = [self._put_new(_ws(obj.workspace_id), f"{kind}#{obj.id}", obj)]
        if isinstance(obj, Task):  # found by its id alone (seed 003's cards)
            reference = key(f"TASK#{obj.id}", "REF") | {"workspace_id": to_attr(obj.workspace_id)}
            writes.append({"Put": {"TableName": self._table, "Item": reference}})
        failures: dict[int, DomainError] = {}
        if member is not None:
            failures[len(writes)] = _not_member(member)
            writes.append(self._is_member(obj.workspace_id, member))
        if len(writes) == 1:
            self._db.put_item(**writes[0]["Put"])
        else:
            self._transact(writes, failures)

    def task_workspace(self, task_id: int) -> int | None:
        """The workspace of a task, from its reference item (None: none, or a task
        made before references were written)."""
        values = self._get(f"TASK#{task_id}", "REF")
        return int(values["workspace_id"]) if values else None

    def get(self, cls: type, workspace_id: int, object_id: int) -> Any:
        values = self._get(_ws(workspace_id), f"{cls.__name__.upper()}#{object_id}")
        return _parse(cls, values) if values else None

    def read(self, cls: type, workspace_id: int, object_id: int) -> KeyRead:
        """``get`` as one read of a batch."""
        sk = f"{cls.__name__.upper()}#{object_id}"
        return KeyRead(self._table, key(_ws(workspace_id), sk), lambda item: _parse(cls, from_item(item)))

    def all(self, cls: type, workspace_id: int) -> list[Any]:
        return [_parse(cls, v) for v in self._query(_ws(workspace_id), f"{cls.__name__.upper()}#")]

    def update(
        self, cls: type, workspace_id: int, object_id: int, changes: dict[str, Any], *, member: int | None = None
    ) -> Any:
        """``member`` as in :meth:`put_new`. A task moving to review or done
        moves only while none of its subtasks is open (else UnfinishedSubtasks)."""
        values = {name: _plain(value) for name, value in changes.items()}
        sk = f"{cls.__name__.upper()}#{object_id}"
        closes = cls is Task and changes.get("status") is not None and TaskStatus(changes["status"]).closes
        if member is None and not closes:
            return _parse(cls, self._update(_ws(workspace_id), sk, values))
        expression, names, attributes = _set_or_remove(values)
        update = self._update_item(_ws(workspace_id), sk, expression, attributes)
        update |= {"ExpressionAttributeNames": names, "ConditionExpression": "attribute_exists(pk)"}
        if closes:
            update["ConditionExpression"] += " AND (attribute_not_exists(open_subtasks) OR open_subtasks = :zero)"
            update["ExpressionAttributeValues"][":zero"] = {"N": "0"}
        writes: list[dict[str, Any]] = [{"Update": update}]
        failures: dict[int, DomainError] = {0: _FirstConditionFailed()}
        if member is not None:
            failures[1] = _not_member(member)
            writes.append(self._is_member(workspace_id, member))
        try:
            self._transact(writes, failures)
        except _FirstConditionFailed as error:
            if closes and self.get(Task, workspace_id, object_id) is not None:
                raise self._unfinished(workspace_id, object_id, TaskStatus(changes["status"])) from error
            raise NotFound("Not found") from error
        return self.get(cls, workspace_id, object_id)

    def _unfinished(self, workspace_id: int, task_id: int, status: TaskStatus) -> DomainError:
        """Why a task could not close: its open subtasks as they are now."""
        subtasks = self.subtasks(workspace_id, task_id)
        unfinished = [subtask for subtask in subtasks if subtask.status is not SubtaskStatus.DONE]
        if not unfinished:  # reopened and done again between the write and this read
            return Conflict("The task's subtasks changed concurrently; retry.")
        return UnfinishedSubtasks(status, unfinished, len(subtasks))

    def _is_member(self, workspace_id: int, user_id: int) -> dict[str, Any]:
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": key(_ws(workspace_id), f"MEMBER#{user_id}"),
                "ConditionExpression": "attribute_exists(pk)",
            }
        }

    def end_contract(self, workspace_id: int, contract_id: int, at: dt.datetime) -> Contract | None:
        """Set ``ended_at`` once; None if the contract had already ended (a conditional write)."""
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=key(_ws(workspace_id), f"CONTRACT#{contract_id}"),
                UpdateExpression="SET ended_at = :at",
                ConditionExpression="attribute_exists(pk) AND attribute_not_exists(ended_at)",
                ExpressionAttributeValues={":at": {"S": utc_text(at)}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return None
            raise
        return _parse(Contract, from_item(response["Attributes"]))

    # -- subtasks ----------------------------------------------------------------

    def create_subtask(self, subtask: Subtask) -> None:
        """The subtask, its reference by id alone and its task's open count, in
        one transaction; NotFound if the task does not exist."""
        reference = {
            "Put": {
                "TableName": self._table,
                "Item": _subtask_place(subtask),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        writes = [
            self._open_count(subtask.workspace_id, subtask.task_id, _open(subtask.status)),
            self._put_new(_ws(subtask.workspace_id), f"SUBTASK#{subtask.task_id}#{subtask.id}", subtask),
            reference,
        ]
        self._transact(writes, {0: NotFound(f"Task {subtask.task_id} not found")})

    def subtask_task(self, workspace_id: int, subtask_id: int) -> int | None:
        """The task the subtask is of (None: no such subtask in this workspace)."""
        place = self.subtask_place(subtask_id)
        return place[1] if place is not None and place[0] == workspace_id else None

    def subtask_place(self, subtask_id: int) -> tuple[int, int] | None:
        """(workspace, task) of a subtask known by its id alone (seed 003), from its
        global reference item; None: no such subtask."""
        values = self._get(f"SUBTASK#{subtask_id}", "REF")
        return (int(values["workspace_id"]), int(values["task_id"])) if values else None

    def get_subtask(self, workspace_id: int, task_id: int, subtask_id: int) -> Subtask | None:
        values = self._get(_ws(workspace_id), f"SUBTASK#{task_id}#{subtask_id}")
        return _parse(Subtask, values) if values else None

    def subtasks(self, workspace_id: int, task_id: int) -> list[Subtask]:
        """A task's subtasks by position (then id): one Query."""
        found = [_parse(Subtask, v) for v in self._query(_ws(workspace_id), f"SUBTASK#{task_id}#")]
        return sorted(found, key=lambda subtask: (subtask.position, subtask.id))

    def update_subtask(self, before: Subtask, changes: dict[str, Any]) -> Subtask:
        """Apply ``changes`` to the subtask as read; a move between done and not
        done moves its task's open count in the same transaction. Conflict if
        the subtask's status changed meanwhile, NotFound if it is gone."""
        values = {name: _plain(value) for name, value in changes.items()}
        expression, names, attributes = _set_or_remove(values)
        update = self._update_item(
            _ws(before.workspace_id), f"SUBTASK#{before.task_id}#{before.id}", expression, attributes
        )
        update["ExpressionAttributeNames"] = names | {"#status": "status"}
        update["ExpressionAttributeValues"][":read"] = {"S": before.status.value}
        update["ConditionExpression"] = "#status = :read"
        writes: list[dict[str, Any]] = [{"Update": update}]
        delta = _open(changes.get("status", before.status)) - _open(before.status)
        if delta:
            writes.append(self._open_count(before.workspace_id, before.task_id, delta))
        try:
            self._transact(writes, {0: _FirstConditionFailed()})
        except _FirstConditionFailed as error:
            if self.get_subtask(before.workspace_id, before.task_id, before.id) is None:
                raise NotFound(f"Subtask {before.id} not found") from error
            raise Conflict(f"Subtask {before.id} changed concurrently; retry.") from error
        return dataclasses.replace(before, **changes)

    def delete_subtask(self, subtask: Subtask) -> None:
        """The subtask and its reference, off its task's open count, in one
        transaction; Conflict if its status changed since it was read."""
        workspace = _ws(subtask.workspace_id)
        delete = {
            "TableName": self._table,
            "Key": key(workspace, f"SUBTASK#{subtask.task_id}#{subtask.id}"),
            "ConditionExpression": "#status = :read",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":read": {"S": subtask.status.value}},
        }
        writes: list[dict[str, Any]] = [
            {"Delete": delete},
            {"Delete": {"TableName": self._table, "Key": key(f"SUBTASK#{subtask.id}", "REF")}},
        ]
        if _open(subtask.status):
            writes.append(self._open_count(subtask.workspace_id, subtask.task_id, -1))
        self._transact(writes, {0: Conflict(f"Subtask {subtask.id} changed concurrently; retry.")})

    def mark_subtask_started(self, subtask: Subtask) -> bool:
        """todo -> in_progress (both open: the task's count stays); False if it had moved on."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=key(_ws(subtask.workspace_id), f"SUBTASK#{subtask.task_id}#{subtask.id}"),
                UpdateExpression="SET #s = :in_progress",
                ConditionExpression="#s = :todo",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":in_progress": {"S": SubtaskStatus.IN_PROGRESS.value},
                    ":todo": {"S": SubtaskStatus.TODO.value},
                },
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _open_count(self, workspace_id: int, task_id: int, delta: int) -> dict[str, Any]:
        """ADD ``delta`` to the task's open subtasks (0: only check the task exists)."""
        if not delta:
            return {
                "ConditionCheck": {
                    "TableName": self._table,
                    "Key": key(_ws(workspace_id), f"TASK#{task_id}"),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            }
        update = self._update_item(
            _ws(workspace_id), f"TASK#{task_id}", "ADD open_subtasks :d", {":d": {"N": str(delta)}}
        )
        update["ConditionExpression"] = "attribute_exists(pk)"
        return {"Update": update}

    # -- assignments --------------------------------------------------------------

    def assign(self, assignment: Assignment) -> None:
        """Conflict if the user is assigned already; NotFound if the task is
        gone; 400 naming ``user_id`` unless the user is a member as it is written."""
        workspace_id, task_id = assignment.workspace_id, assignment.task_id
        task_exists = {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": key(_ws(workspace_id), f"TASK#{task_id}"),
                "ConditionExpression": "attribute_exists(pk)",
            }
        }
        writes = [
            self._put_new(_ws(workspace_id), f"ASSIGNEE#{task_id}#{assignment.user_id}", assignment),
            task_exists,
            self._is_member(workspace_id, assignment.user_id),
        ]
        failures: dict[int, DomainError] = {
            0: Conflict(f"User {assignment.user_id} is already assigned to task {task_id}"),
            1: NotFound(f"Task {task_id} not found"),
            2: ValidationFailed("user_id", f"user {assignment.user_id} is not a member of the workspace"),
        }
        self._transact(writes, failures)

    def assignments(self, workspace_id: int, task_id: int) -> list[Assignment]:
        """A task's assignees by user id: one Query."""
        return [_parse(Assignment, v) for v in self._query(_ws(workspace_id), f"ASSIGNEE#{task_id}#")]

    def get_assignment(self, workspace_id: int, task_id: int, user_id: int) -> Assignment | None:
        values = self._get(_ws(workspace_id), f"ASSIGNEE#{task_id}#{user_id}")
        return _parse(Assignment, values) if values else None

    def unassign(self, workspace_id: int, task_id: int, user_id: int) -> None:
        """NotFound if the user is not assigned to the task."""
        try:
            self._db.delete_item(
                TableName=self._table,
                Key=key(_ws(workspace_id), f"ASSIGNEE#{task_id}#{user_id}"),
                ConditionExpression="attribute_exists(pk)",
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                raise NotFound(f"User {user_id} is not assigned to task {task_id}") from error
            raise

    def assignment_started(self, workspace_id: int, task_id: int, user_id: int, at: dt.datetime) -> Assignment | None:
        """In progress; ``started_at`` is set the first time only. None if the user is not assigned."""
        return self._move_assignment(
            workspace_id,
            task_id,
            user_id,
            "SET assignment_status = :status, started_at = if_not_exists(started_at, :at)",
            AssignmentStatus.IN_PROGRESS,
            at,
        )

    def assignment_completed(self, workspace_id: int, task_id: int, user_id: int, at: dt.datetime) -> Assignment | None:
        """Completed at ``at``; None if the user is not assigned."""
        return self._move_assignment(
            workspace_id,
            task_id,
            user_id,
            "SET assignment_status = :status, completed_at = :at",
            AssignmentStatus.COMPLETED,
            at,
        )

    def _move_assignment(
        self,
        workspace_id: int,
        task_id: int,
        user_id: int,
        expression: str,
        status: AssignmentStatus,
        at: dt.datetime,
    ) -> Assignment | None:
        try:
            response = self._db.update_item(
                TableName=self._table,
                Key=key(_ws(workspace_id), f"ASSIGNEE#{task_id}#{user_id}"),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":status": {"S": status.value}, ":at": {"S": utc_text(at)}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return None
            raise
        return _parse(Assignment, from_item(response["Attributes"]))

    # -- the clock-in worker's effects ----------------------------------------
    # ``WS#<id>`` / ``COUNTED#<entry>``: the minutes last counted for one
    # clock-in entry (a Counted), the ledger that makes recounting exact.

    def mark_task_started(self, workspace_id: int, task_id: int) -> bool:
        """todo -> in_progress; False if the task had moved on already."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=key(_ws(workspace_id), f"TASK#{task_id}"),
                UpdateExpression="SET #s = :in_progress",
                ConditionExpression="#s = :todo",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":in_progress": {"S": TaskStatus.IN_PROGRESS.value},
                    ":todo": {"S": TaskStatus.TODO.value},
                },
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def record_contract_start(self, workspace_id: int, contract_id: int, at: dt.datetime) -> None:
        """The contract's earliest start and latest activity take ``at`` if it is
        earlier / later than what they show (whatever order events come in);
        NotFound if the contract does not exist."""
        for attribute, moves in (("first_started_at", ">"), ("last_activity_at", "<")):
            try:
                self._db.update_item(
                    TableName=self._table,
                    Key=key(_ws(workspace_id), f"CONTRACT#{contract_id}"),
                    UpdateExpression="SET #a = :at",
                    # UTC text is fixed-width: comparing it compares the instants.
                    ConditionExpression=f"attribute_exists(pk) AND (attribute_not_exists(#a) OR #a {moves} :at)",
                    ExpressionAttributeNames={"#a": attribute},
                    ExpressionAttributeValues={":at": {"S": utc_text(at)}},
                )
            except ClientError as error:
                if error_code(error) != "ConditionalCheckFailedException":
                    raise
                if self._get(_ws(workspace_id), f"CONTRACT#{contract_id}") is None:
                    raise NotFound(f"Contract {contract_id} not found") from error

    def counted(self, workspace_id: int, entry_id: int) -> Counted | None:
        """What the worker last counted for a clock-in entry (None: nothing yet)."""
        values = self._get(_ws(workspace_id), f"COUNTED#{entry_id}")
        return _parse(Counted, values) if values else None

    def recount(
        self,
        workspace_id: int,
        entry_id: int,
        before: Counted | None,
        after: Counted,
        *,
        contract_ended_at: dt.datetime | None,
        last_activity_at: dt.datetime | None,
    ) -> None:
        """Move the entry's ledger item from ``before`` to ``after`` and ADD the
        difference to its contract's ``tracked_minutes``, in one transaction.
        It holds only if the ledger is still ``before`` and the contract's
        ``ended_at`` still what the minutes were computed from; otherwise
        Conflict (read again and retry)."""
        ledger = self._update_item(
            _ws(workspace_id),
            f"COUNTED#{entry_id}",
            "SET contract_id = :c, contract_minutes = :cm, revision = :rev",
            {
                ":c": to_attr(after.contract_id),
                ":cm": to_attr(after.contract_minutes),
                ":rev": to_attr(after.revision),
            },
        )
        if before is None:
            ledger["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            ledger["ConditionExpression"] = "revision = :old"
            ledger["ExpressionAttributeValues"][":old"] = to_attr(before.revision)
        contract_minutes = after.contract_minutes - (before.contract_minutes if before else 0)
        contract = self._update_item(
            _ws(workspace_id),
            f"CONTRACT#{after.contract_id}",
            "ADD tracked_minutes :m",
            {":m": to_attr(contract_minutes)},
        )
        if last_activity_at is not None:
            contract["UpdateExpression"] += " SET last_activity_at = :at"
            contract["ExpressionAttributeValues"][":at"] = {"S": utc_text(last_activity_at)}
        if contract_ended_at is None:
            contract["ConditionExpression"] = "attribute_exists(pk) AND attribute_not_exists(ended_at)"
        else:
            contract["ConditionExpression"] = "attribute_exists(pk) AND ended_at = :ended"
            contract["ExpressionAttributeValues"][":ended"] = {"S": utc_text(contract_ended_at)}
        self._transact([{"Update": ledger}, {"Update": contract}])

    def _update_item(self, pk: str, sk: str, expression: str, values: dict[str, Any]) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Key": key(pk, sk),
            "UpdateExpression": expression,
            "ExpressionAttributeValues": values,
        }


def _subtask_place(subtask: Subtask) -> dict[str, Any]:
    """The global reference of a subtask: its workspace and task, by its id alone."""
    return key(f"SUBTASK#{subtask.id}", "REF") | {
        "workspace_id": to_attr(subtask.workspace_id),
        "task_id": to_attr(subtask.task_id),
    }


def _open(status: SubtaskStatus) -> int:
    """1 if a subtask in ``status`` keeps its task from review and done."""
    return 0 if SubtaskStatus(status) is SubtaskStatus.DONE else 1


@dataclasses.dataclass(frozen=True, slots=True)
class Counted:
    """The minutes the worker has added for one clock-in entry to its contract;
    ``revision`` orders the ledger's writes."""

    contract_id: int
    contract_minutes: Decimal
    revision: int
