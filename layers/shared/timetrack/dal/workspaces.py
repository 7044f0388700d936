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
``WS#<id>`` / ``PROJECT#<id>``            a project
``WS#<id>`` / ``CONTRACT#<id>``           a member's assignment to a project
``WS#<id>`` / ``TASK#<id>``               a task in a project
========================================  ===================================

Membership changes write both membership items and the owner count in one
transaction; the count's condition (``owners > 1``) keeps the last owner.
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

from ..errors import Conflict, DomainError, NotFound
from ..workspaces import Contract, Invitation, Member, Project, Role, Task, TaskStatus, Workspace
from .aws import cancellation_reasons, error_code
from .codec import from_item, key, parse_utc, to_attr, to_item, utc_text


class LastOwner(Conflict):
    def __init__(self) -> None:
        super().__init__("The last owner cannot leave or be demoted; make another member owner first.")


def _ws(workspace_id: int) -> str:
    return f"WS#{workspace_id}"


def _invitee(user_id: int | None, email: str | None) -> str:
    """Whom an invitation is for: a user id, or an email nobody may have signed up with yet."""
    return f"USER#{user_id}" if user_id is not None else f"EMAIL#{email}"


def _plain(value: Any) -> Any:
    """A model value as stored: datetimes as UTC text, enums as their value."""
    if isinstance(value, dt.datetime):
        return utc_text(value)
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
        names = {f"#a{i}": name for i, name in enumerate(assignments)}
        values = {f":v{i}": to_attr(value) for i, value in enumerate(assignments.values()) if value is not None}
        sets = [f"#a{i} = :v{i}" for i, value in enumerate(assignments.values()) if value is not None]
        removes = [f"#a{i}" for i, value in enumerate(assignments.values()) if value is None]
        clauses = []
        if sets:
            clauses.append("SET " + ", ".join(sets))
        if removes:
            clauses.append("REMOVE " + ", ".join(removes))
        request: dict[str, Any] = {
            "TableName": self._table,
            "Key": key(pk, sk),
            "UpdateExpression": " ".join(clauses),
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
        meta = self._put_new(_ws(workspace.id), "META", workspace)
        meta["Put"]["Item"]["owners"] = {"N": "1"}
        self._transact([meta, *self._membership_puts(owner, workspace)])

    def get_workspace(self, workspace_id: int) -> Workspace | None:
        values = self._get(_ws(workspace_id), "META")
        return _parse(Workspace, values) if values else None

    def workspaces_of(self, user_id: int) -> list[tuple[Workspace, Role]]:
        """One Query: each membership item carries a copy of its workspace."""
        return [
            (_parse(Workspace, {k.removeprefix("workspace_"): v for k, v in values.items()}), Role(values["role"]))
            for values in self._query(f"USER#{user_id}", "WS#")
        ]

    def get_member(self, workspace_id: int, user_id: int) -> Member | None:
        values = self._get(_ws(workspace_id), f"MEMBER#{user_id}")
        return _parse(Member, values) if values else None

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

    # -- projects, contracts, tasks ------------------------------------------

    def put_new(self, obj: Project | Contract | Task) -> None:
        kind = type(obj).__name__.upper()
        put = self._put_new(_ws(obj.workspace_id), f"{kind}#{obj.id}", obj)
        self._db.put_item(**put["Put"])

    def get(self, cls: type, workspace_id: int, object_id: int) -> Any:
        values = self._get(_ws(workspace_id), f"{cls.__name__.upper()}#{object_id}")
        return _parse(cls, values) if values else None

    def all(self, cls: type, workspace_id: int) -> list[Any]:
        return [_parse(cls, v) for v in self._query(_ws(workspace_id), f"{cls.__name__.upper()}#")]

    def update(self, cls: type, workspace_id: int, object_id: int, changes: dict[str, Any]) -> Any:
        values = {name: _plain(value) for name, value in changes.items()}
        return _parse(cls, self._update(_ws(workspace_id), f"{cls.__name__.upper()}#{object_id}", values))

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

    # -- the clock-in worker's effects (each idempotent per message upstream) --

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

    def record_contract_activity(self, workspace_id: int, contract_id: int, at: dt.datetime, started: bool) -> None:
        expression = "SET last_activity_at = :at"
        if started:
            expression += ", first_started_at = if_not_exists(first_started_at, :at)"
        self._db.update_item(
            TableName=self._table,
            Key=key(_ws(workspace_id), f"CONTRACT#{contract_id}"),
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":at": {"S": utc_text(at)}},
        )

    def record_stop(
        self, workspace_id: int, contract_id: int, task_id: int | None, minutes: Decimal, at: dt.datetime
    ) -> None:
        """Both counters grow in one transaction: a retry never double-counts one of them."""
        writes = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": key(_ws(workspace_id), f"CONTRACT#{contract_id}"),
                    "UpdateExpression": "ADD tracked_minutes :m SET last_activity_at = :at",
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": {":m": {"N": str(minutes)}, ":at": {"S": utc_text(at)}},
                }
            }
        ]
        if task_id is not None:
            writes.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": key(_ws(workspace_id), f"TASK#{task_id}"),
                        "UpdateExpression": "ADD tracked_minutes :m",
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeValues": {":m": {"N": str(minutes)}},
                    }
                }
            )
        self._db.transact_write_items(TransactItems=writes)
