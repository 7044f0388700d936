"""The workspace directory: members and roles, clients, projects, contracts, tasks.

Permissions are checked here, on the server: anyone who is not a member gets
NotFound for anything in the workspace (its existence is not revealed);
owners and executive managers manage; members read; only an owner grants or
removes the owner role; the last owner stays.

Nobody joins without saying yes: managers invite a user id or an email, and
the invitee becomes a member only by accepting. Until then they are no member
for anything (no clock-in, no contract). A removed member's clock-in in the
workspace is stopped and their contracts there end.

A token bound to a workspace is no member of any other (``membership``), lists
only its own workspace and creates none. ``actor`` is the authenticated
Principal, or a bare user id (every scope, no binding) for management code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from contextlib import suppress
from decimal import Decimal
from typing import Any

from ..dal.directory import DirectoryRepository
from ..dal.guards import Guard
from ..dal.ids import IdAllocator
from ..dal.tracked_totals import TrackedTotals
from ..dal.workspaces import DefaultWorkspaceMade, WorkspaceRepository
from ..errors import Conflict, Forbidden, NotFound, NotRunning, ValidationFailed
from ..principal import Actor, principal_of
from ..rules import check_rate
from ..workspaces import (
    Client,
    Contract,
    Invitation,
    Member,
    Project,
    ProjectStatus,
    Role,
    Subtask,
    Task,
    TaskPriority,
    TaskStatus,
    Workspace,
    entry_rate,
)
from .clock import Clock
from .entries import TimeEntries

NAME_MAX_LENGTH = 200
DEFAULT_WORKSPACE_ATTEMPTS = 3
DESCRIPTION_MAX_LENGTH = 5000
CONTACT_MAX_LENGTH = 500  # a client's company, phone, address
MAX_ESTIMATED_HOURS = Decimal(1_000_000)
EMAIL_MAX_LENGTH = 254
# Something@somewhere, surrounding spaces allowed (they are stripped): a typo
# check, not a proof that the address exists.
EMAIL_PATTERN = r"^\s*[^@\s]+@[^@\s]+\s*$"


class Workspaces:
    def __init__(
        self,
        repo: WorkspaceRepository,
        directory: DirectoryRepository,
        ids: dict[str, IdAllocator],
        clock: Clock,
        entries: TimeEntries,
        totals: TrackedTotals,
    ) -> None:
        self._repo = repo
        self._directory = directory
        self._ids = ids
        self._clock = clock
        self._entries = entries
        self._totals = totals

    # -- access ----------------------------------------------------------------

    def membership(self, actor: Actor, workspace_id: int) -> Member:
        """The actor's membership, or NotFound (unknown, foreign and outside the
        token's workspace look alike)."""
        who = principal_of(actor)
        member = self._repo.get_member(workspace_id, who.user_id) if who.sees_workspace(workspace_id) else None
        if member is None:
            raise NotFound(f"Workspace {workspace_id} not found")
        return member

    def manager(self, actor: Actor, workspace_id: int) -> Member:
        member = self.membership(actor, workspace_id)
        if not member.role.manages:
            raise Forbidden("Only owners and executive managers can do this")
        return member

    # -- workspaces and members --------------------------------------------------

    def create(self, actor: Actor, name: str) -> tuple[Workspace, Role]:
        who = principal_of(actor)
        if who.workspace_id is not None:
            raise Forbidden(f"This token is bound to workspace {who.workspace_id}; it creates no other")
        now = self._clock()
        workspace = Workspace(self._ids["workspace"].next_id(), _name(name), now, who.user_id)
        self._repo.create_workspace(workspace, Member(workspace.id, who.user_id, Role.OWNER, now))
        return workspace, Role.OWNER

    def default_workspace(self, actor: Actor) -> Workspace:
        """The one workspace an API without workspace ids in its paths (seed 002)
        acts in: a bound token's workspace; else the first workspace the user
        owns (the oldest); else one named after them, made now. Two first
        requests at once make one workspace: making it is conditional on the
        user's marker item (``WorkspaceRepository.create_default_workspace``)."""
        who = principal_of(actor)
        if who.workspace_id is not None:
            return self._workspace(who.workspace_id)
        for _ in range(DEFAULT_WORKSPACE_ATTEMPTS):
            if owned := self._first_owned(who.user_id):
                return owned
            made = self._repo.default_workspace_id(who.user_id)
            # A marker read after the memberships may name a workspace made in between: look again.
            if made is not None and (owned := self._first_owned(who.user_id)):
                return owned
            now = self._clock()
            workspace = Workspace(self._ids["workspace"].next_id(), self._default_name(who.user_id), now, who.user_id)
            owner = Member(workspace.id, who.user_id, Role.OWNER, now)
            try:
                self._repo.create_default_workspace(workspace, owner, replacing=made)
            except DefaultWorkspaceMade:
                continue  # another request made it: read it
            return workspace
        raise Conflict("The default workspace is being changed concurrently; retry.")

    def _first_owned(self, user_id: int) -> Workspace | None:
        owned = [workspace for workspace, role in self._repo.workspaces_of(user_id) if role is Role.OWNER]
        return min(owned, key=lambda workspace: (workspace.created_at, workspace.id), default=None)

    def _default_name(self, user_id: int) -> str:
        email = self._directory.email_of(user_id)
        return _name(f"{email or f'User {user_id}'}'s workspace"[:NAME_MAX_LENGTH])

    def _workspace(self, workspace_id: int) -> Workspace:
        workspace = self._repo.get_workspace(workspace_id)
        if workspace is None:
            raise NotFound(f"Workspace {workspace_id} not found")
        return workspace

    def of_user(self, actor: Actor) -> list[tuple[Workspace, Role]]:
        who = principal_of(actor)
        mine = (pair for pair in self._repo.workspaces_of(who.user_id) if who.sees_workspace(pair[0].id))
        return sorted(mine, key=lambda pair: pair[0].id)

    def locate_task(self, actor: Actor, task_id: int) -> Task:
        """A task known by its id alone (seed 003's card): NotFound if there is none,
        Forbidden if the actor is no member of its workspace (or holds a token bound
        to another). Its reference item names the workspace; a task made before
        references were written is looked for in the actor's workspaces instead
        (one Query of memberships, one BatchGetItem)."""
        workspace_id = self._repo.task_workspace(task_id)
        if workspace_id is None:
            mine = [workspace.id for workspace, _ in self.of_user(actor)]
            task = self._repo.find_in(Task, mine, task_id)
            if task is None:
                raise NotFound(f"Task {task_id} not found")
            return task
        try:
            self.membership(actor, workspace_id)
        except NotFound:
            raise Forbidden(f"Not a member of the workspace of task {task_id}") from None
        return self.find_task(workspace_id, task_id)

    def members(self, actor: Actor, workspace_id: int) -> list[Member | Invitation]:
        """The members (by user id), then the pending invitations (oldest first)."""
        self.membership(actor, workspace_id)
        members = sorted(self._repo.members(workspace_id), key=lambda m: m.user_id)
        invited = sorted(self._repo.invitations(workspace_id), key=lambda i: i.invited_at)
        return [*members, *invited]

    def change_role(self, actor: Actor, workspace_id: int, user_id: int, role: Role) -> Member:
        me = self.manager(actor, workspace_id)
        target = self._member(workspace_id, user_id)
        if Role.OWNER in (role, target.role) and me.role is not Role.OWNER:
            raise Forbidden("Only an owner can grant or remove the owner role")
        if target.role is role:
            return target
        return self._repo.change_role(target, role)

    def remove_member(self, actor: Actor, workspace_id: int, user_id: int) -> None:
        """Managers remove members and revoke invitations to a user id; anyone
        may leave; owners (and invitations as owner) only by owners. The
        removed member's clock-in here stops, then their contracts here end."""
        me = self.membership(actor, workspace_id)
        target = me
        if user_id != me.user_id:
            if not me.role.manages:
                raise Forbidden("Only owners and executive managers can remove members")
            target = self._repo.get_member(workspace_id, user_id)
            if target is None:
                invitation = self._repo.get_invitation(workspace_id, user_id=user_id)
                if invitation is None:
                    raise NotFound(f"User {user_id} is neither a member of nor invited to workspace {workspace_id}")
                self._revoke(me, invitation)
                return
            if target.role is Role.OWNER and me.role is not Role.OWNER:
                raise Forbidden("Only an owner can remove an owner")
        # The membership goes first: from then on nobody can clock them in here
        # or give them a contract, so what follows cannot be raced.
        self._repo.remove_member(target)
        self._settle_departure(me.user_id, target)

    def _settle_departure(self, actor: int, member: Member) -> None:
        """The former member's running timer in the workspace (a clock-in, or
        one started through any other workspace API) stops through the entries
        service, so the worker hears of a clock-in's stop like any other; then
        their active contracts there end, even if the stop failed."""
        try:
            caller = self._entries.caller(member.user_id, actor=actor)
            running = self._entries.active(caller)
            if running is not None and running.workspace_id == member.workspace_id:
                with suppress(NotRunning):  # stopped meanwhile: nothing left to do
                    self._entries.stop(caller, running.id)
        finally:
            now = self._clock()
            for contract in self._repo.all(Contract, member.workspace_id):
                if contract.user_id == member.user_id and contract.active:
                    self._repo.end_contract(member.workspace_id, contract.id, now)

    # -- invitations ---------------------------------------------------------------

    def invite(
        self, actor: Actor, workspace_id: int, role: Role, *, user_id: int | None = None, email: str | None = None
    ) -> Invitation:
        """Invite a user id or an email (exactly one). Nothing is looked up: the
        answer is the same whether or not anyone has that id or email, and an
        email invitation waits for that email to sign up."""
        me = self.manager(actor, workspace_id)
        if user_id is None and email is None:
            raise ValidationFailed("user_id", "give a user_id or an email")
        if user_id is not None and email is not None:
            raise ValidationFailed("email", "give either a user_id or an email, not both")
        if role is Role.OWNER and me.role is not Role.OWNER:
            raise Forbidden("Only an owner can make someone an owner")
        workspace = self._repo.get_workspace(workspace_id)
        invitation = Invitation(
            workspace_id=workspace_id,
            workspace_name=workspace.name,
            role=role,
            invited_by=me.user_id,
            invited_at=self._clock(),
            user_id=user_id,
            email=None if email is None else _email(email),
        )
        self._repo.invite(invitation)
        return invitation

    def revoke_email_invitation(self, actor: Actor, workspace_id: int, email: str) -> None:
        me = self.manager(actor, workspace_id)
        invitation = self._repo.get_invitation(workspace_id, email=_email(email, location="query"))
        if invitation is None:
            raise NotFound(f"No invitation for this email to workspace {workspace_id}")
        self._revoke(me, invitation)

    def _revoke(self, me: Member, invitation: Invitation) -> None:
        if invitation.role is Role.OWNER and me.role is not Role.OWNER:
            raise Forbidden("Only an owner can revoke an invitation as owner")
        self._repo.delete_invitations([invitation])

    def invitations_of(self, actor: Actor) -> list[Invitation]:
        """The caller's pending invitations, to their user id or their email,
        one per workspace (the one to their user id first)."""
        user_id = _invitee(actor)
        email = self._directory.email_of(user_id)
        found = self._repo.invitations_to(user_id=user_id)
        if email is not None:
            found += self._repo.invitations_to(email=email)
        first: dict[int, Invitation] = {}
        for invitation in found:
            first.setdefault(invitation.workspace_id, invitation)
        return sorted(first.values(), key=lambda i: i.workspace_id)

    def accept(self, actor: Actor, workspace_id: int) -> Member:
        """The caller becomes a member with the offered role (the invitation to
        their user id wins over one to their email); every invitation of theirs
        to the workspace goes in the same transaction."""
        user_id = _invitee(actor)
        invitations = self._invitations_to(user_id, workspace_id)
        workspace = self._repo.get_workspace(workspace_id)
        member = Member(workspace_id, user_id, invitations[0].role, self._clock())
        self._repo.accept(invitations, member, workspace)
        return member

    def decline(self, actor: Actor, workspace_id: int) -> None:
        self._repo.delete_invitations(self._invitations_to(_invitee(actor), workspace_id))

    def _invitations_to(self, user_id: int, workspace_id: int) -> list[Invitation]:
        """The user's invitations to the workspace: to their user id, then to their email."""
        email = self._directory.email_of(user_id)
        found = [self._repo.get_invitation(workspace_id, user_id=user_id)]
        if email is not None:
            found.append(self._repo.get_invitation(workspace_id, email=email))
        invitations = [invitation for invitation in found if invitation is not None]
        if not invitations:
            raise NotFound(f"No invitation to workspace {workspace_id}")
        return invitations

    def member_of(self, workspace_id: int, user_id: int) -> Member | None:
        return self._repo.get_member(workspace_id, user_id)

    def still_member(self, workspace_id: int, user_id: int) -> Guard:
        """For a write that needs the user to be a member when it lands (a clock-in
        racing the member's removal): NotFound otherwise, and nothing written."""
        return self._repo.membership_guard(workspace_id, user_id)

    def _member(self, workspace_id: int, user_id: int) -> Member:
        member = self._repo.get_member(workspace_id, user_id)
        if member is None:
            raise NotFound(f"User {user_id} is not a member of workspace {workspace_id}")
        return member

    # -- clients ---------------------------------------------------------------

    def create_client(self, actor: Actor, workspace_id: int, name: str, **details: Any) -> Client:
        """``details``: email, company, phone, address, default_hourly_rate (each
        optional). Conflict if another client of the workspace has the name."""
        self.manager(actor, workspace_id)
        now = self._clock()
        fields = _client_fields({"name": name} | details)
        client = Client(
            id=self._ids["client"].next_id(), workspace_id=workspace_id, created_at=now, updated_at=now, **fields
        )
        self._repo.create_client(client)
        return client

    def clients(self, actor: Actor, workspace_id: int) -> list[Client]:
        self.membership(actor, workspace_id)
        return sorted(self._repo.all(Client, workspace_id), key=lambda c: c.id)

    def client(self, actor: Actor, workspace_id: int, client_id: int) -> Client:
        self.membership(actor, workspace_id)
        return self._client(workspace_id, client_id)

    def update_client(self, actor: Actor, workspace_id: int, client_id: int, changes: dict[str, Any]) -> Client:
        """Only the fields given change; None clears one (not the name)."""
        self.manager(actor, workspace_id)
        before = self._client(workspace_id, client_id)
        clean = _client_fields(changes)
        if not clean:
            return before
        return self._repo.update_client(before, clean | {"updated_at": self._clock()})

    def delete_client(self, actor: Actor, workspace_id: int, client_id: int) -> None:
        """Conflict while a project (archived ones too) names the client."""
        self.manager(actor, workspace_id)
        self._repo.delete_client(self._client(workspace_id, client_id))

    def _client(self, workspace_id: int, client_id: int) -> Client:
        client = self._repo.get(Client, workspace_id, client_id)
        if client is None:
            raise NotFound(f"Client {client_id} not found")
        return client

    # -- projects --------------------------------------------------------------

    def create_project(
        self, actor: Actor, workspace_id: int, name: str, hourly_rate: Decimal | None, **details: Any
    ) -> Project:
        """``details``: description, client_id (a client of the workspace, else
        400 naming it), estimated_hours, status (default active)."""
        self.manager(actor, workspace_id)
        fields = _project_fields({"name": name, "hourly_rate": hourly_rate} | details)
        fields.setdefault("status", ProjectStatus.ACTIVE)
        project = Project(
            id=self._ids["project"].next_id(), workspace_id=workspace_id, created_at=self._clock(), **fields
        )
        self._repo.create_project(project)
        return project

    def projects(
        self,
        actor: Actor,
        workspace_id: int,
        *,
        statuses: Collection[ProjectStatus] | None = None,
        client_id: int | None = None,
    ) -> list[Project]:
        """By id; ``statuses`` and ``client_id`` filter (None: any)."""
        self.membership(actor, workspace_id)
        found = self._repo.all(Project, workspace_id)
        return sorted(
            (
                p
                for p in found
                if (statuses is None or p.status in statuses) and (client_id is None or p.client_id == client_id)
            ),
            key=lambda p: p.id,
        )

    def project(self, actor: Actor, workspace_id: int, project_id: int) -> Project:
        self.membership(actor, workspace_id)
        return self._project(workspace_id, project_id)

    def update_project(self, actor: Actor, workspace_id: int, project_id: int, changes: dict[str, Any]) -> Project:
        """Only the fields given change; None clears one (a name or status of None is ignored)."""
        self.manager(actor, workspace_id)
        before = self._project(workspace_id, project_id)
        clean = _project_fields(changes)
        if not clean:
            return before
        return self._repo.update_project(before, clean)

    def archive_project(self, actor: Actor, workspace_id: int, project_id: int) -> Project:
        self.manager(actor, workspace_id)
        self._project(workspace_id, project_id)
        return self._repo.update(Project, workspace_id, project_id, {"status": ProjectStatus.ARCHIVED})

    def entry_rate(self, workspace_id: int, user_id: int, project_id: int) -> Decimal:
        """The rate a new entry of the user on the project is fixed at (see
        :func:`timetrack.workspaces.entry_rate`); NotFound for an unknown project."""
        default = self._entries.caller(user_id).settings.default_hourly_rate
        return self.rate_on(self._project(workspace_id, project_id), user_id, default)

    def rate_on(self, project: Project, user_id: int, default_rate: Decimal) -> Decimal:
        """``entry_rate`` for a project and a default rate the caller has already read."""
        return entry_rate(user_id, project, self._repo.all(Contract, project.workspace_id), default_rate)

    def find_project(self, workspace_id: int, project_id: int) -> Project:
        return self._project(workspace_id, project_id)

    def _project(self, workspace_id: int, project_id: int) -> Project:
        project = self._repo.get(Project, workspace_id, project_id)
        if project is None:
            raise NotFound(f"Project {project_id} not found")
        return project

    # -- contracts -------------------------------------------------------------

    def create_contract(
        self, actor: Actor, workspace_id: int, user_id: int, project_id: int, hourly_rate: Decimal
    ) -> Contract:
        self.manager(actor, workspace_id)
        self._member(workspace_id, user_id)
        project = self._project(workspace_id, project_id)
        if project.archived:
            raise ValidationFailed("project_id", "the project is archived")
        contract = Contract(
            id=self._ids["contract"].next_id(),
            workspace_id=workspace_id,
            user_id=user_id,
            project_id=project_id,
            hourly_rate=check_rate("hourly_rate", hourly_rate),
            created_at=self._clock(),
        )
        self._repo.put_new(contract)
        return contract

    def contracts(self, actor: Actor, workspace_id: int, user_id: int | None = None) -> list[Contract]:
        self.membership(actor, workspace_id)
        found = self._repo.all(Contract, workspace_id)
        return sorted((c for c in found if user_id is None or c.user_id == user_id), key=lambda c: c.id)

    def contract(self, actor: Actor, workspace_id: int, contract_id: int) -> Contract:
        self.membership(actor, workspace_id)
        return self.find_contract(workspace_id, contract_id)

    def end_contract(self, actor: Actor, workspace_id: int, contract_id: int) -> Contract:
        self.manager(actor, workspace_id)
        self.find_contract(workspace_id, contract_id)
        ended = self._repo.end_contract(workspace_id, contract_id, self._clock())
        if ended is None:
            raise Conflict(f"Contract {contract_id} has already ended")
        return ended

    def find_contract(self, workspace_id: int, contract_id: int) -> Contract:
        contract = self._repo.get(Contract, workspace_id, contract_id)
        if contract is None:
            raise NotFound(f"Contract {contract_id} not found")
        return contract

    # -- tasks -----------------------------------------------------------------

    def create_task(self, actor: Actor, workspace_id: int, project_id: int, title: str, **details: Any) -> Task:
        """``details``: description, priority (1-4 or the word), due_date,
        assignee (an active member, else 400 naming it), status (default todo)."""
        self.manager(actor, workspace_id)
        self._project(workspace_id, project_id)
        fields = _task_fields({"title": title} | details)
        fields.setdefault("status", TaskStatus.TODO)
        task = Task(
            id=self._ids["task"].next_id(),
            workspace_id=workspace_id,
            project_id=project_id,
            created_at=self._clock(),
            **fields,
        )
        self._repo.put_new(task, member=task.assignee)
        return task

    def tasks(
        self, actor: Actor, workspace_id: int, project_id: int | None = None, status: TaskStatus | None = None
    ) -> list[Task]:
        self.membership(actor, workspace_id)
        found = self._repo.all(Task, workspace_id)
        chosen = sorted(
            (
                t
                for t in found
                if (project_id is None or t.project_id == project_id) and (status is None or t.status == status)
            ),
            key=lambda t: t.id,
        )
        totals = self._totals.task_totals(workspace_id, [task.id for task in chosen]) if chosen else {}
        return [task.with_total(totals[task.id]) for task in chosen]

    def task(self, actor: Actor, workspace_id: int, task_id: int) -> Task:
        self.membership(actor, workspace_id)
        return self.tracked(self.find_task(workspace_id, task_id))

    def tracked(self, task: Task) -> Task:
        """The task with the minutes of its entries (one GetItem on its total)."""
        return task.with_total(self._totals.task_total(task.workspace_id, task.id))

    def update_task(self, actor: Actor, workspace_id: int, task_id: int, changes: dict[str, Any]) -> Task:
        """Only the fields given change; None clears one (a title or status of None is ignored)."""
        self.manager(actor, workspace_id)
        self.find_task(workspace_id, task_id)
        clean = _task_fields(changes)
        if not clean:
            return self.tracked(self.find_task(workspace_id, task_id))
        return self.tracked(self._repo.update(Task, workspace_id, task_id, clean, member=clean.get("assignee")))

    def find_task(self, workspace_id: int, task_id: int) -> Task:
        task = self._repo.get(Task, workspace_id, task_id)
        if task is None:
            raise NotFound(f"Task {task_id} not found")
        return task

    def find_subtask(self, workspace_id: int, subtask_id: int) -> Subtask:
        """A subtask by its id alone (two GetItems: its task, then it); NotFound if none."""
        task_id = self._repo.subtask_task(workspace_id, subtask_id)
        subtask = None if task_id is None else self._repo.get_subtask(workspace_id, task_id, subtask_id)
        if subtask is None:
            raise NotFound(f"Subtask {subtask_id} not found")
        return subtask


def _email(value: str, location: str = "body") -> str:
    """Stripped and lower-cased, as accounts store them."""
    if len(value) > EMAIL_MAX_LENGTH or not re.fullmatch(EMAIL_PATTERN, value):
        raise ValidationFailed("email", "must be an email address", location=location)
    return value.strip().lower()


def _invitee(actor: Actor) -> int:
    """Answering an invitation is the person's own act: a token bound to a
    workspace (made by a manager for them) cannot do it."""
    who = principal_of(actor)
    who.require_unbound()
    return who.user_id


def _name(value: str, field: str = "name") -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(field, "must not be empty")
    if len(value) > NAME_MAX_LENGTH:
        raise ValidationFailed(field, f"must be at most {NAME_MAX_LENGTH} characters")
    return value


def _text(value: str | None, field: str, max_length: int) -> str | None:
    """Stripped; empty is None (cleared)."""
    value = (value or "").strip()
    if len(value) > max_length:
        raise ValidationFailed(field, f"must be at most {max_length} characters")
    return value or None


def _client_fields(values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if values.get("name") is not None:
        clean["name"] = _name(values["name"])
    if "email" in values:
        clean["email"] = None if not values["email"] else _email(values["email"])
    for field in ("company", "phone", "address"):
        if field in values:
            clean[field] = _text(values[field], field, CONTACT_MAX_LENGTH)
    if "default_hourly_rate" in values:
        rate = values["default_hourly_rate"]
        clean["default_hourly_rate"] = None if rate is None else check_rate("default_hourly_rate", rate)
    return clean


def _project_fields(values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if values.get("name") is not None:
        clean["name"] = _name(values["name"])
    if "hourly_rate" in values:
        rate = values["hourly_rate"]
        clean["hourly_rate"] = None if rate is None else check_rate("hourly_rate", rate)
    if "description" in values:
        clean["description"] = _text(values["description"], "description", DESCRIPTION_MAX_LENGTH)
    if "client_id" in values:
        clean["client_id"] = values["client_id"]
    if "estimated_hours" in values:
        hours = values["estimated_hours"]
        clean["estimated_hours"] = None if hours is None else _estimated_hours(hours)
    if values.get("status") is not None:
        clean["status"] = ProjectStatus(values["status"])
    return clean


def _estimated_hours(hours: Decimal) -> Decimal:
    if not hours.is_finite() or hours < 0:
        raise ValidationFailed("estimated_hours", "must be a non-negative number")
    if hours >= MAX_ESTIMATED_HOURS:
        raise ValidationFailed("estimated_hours", f"must be less than {MAX_ESTIMATED_HOURS}")
    return round(hours, 2)


def _task_fields(values: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if values.get("title") is not None:
        clean["title"] = _name(values["title"], "title")
    if values.get("status") is not None:
        clean["status"] = TaskStatus(values["status"])
    if "description" in values:
        clean["description"] = _text(values["description"], "description", DESCRIPTION_MAX_LENGTH)
    if "priority" in values:
        clean["priority"] = None if values["priority"] is None else _priority(values["priority"])
    if "due_date" in values:
        due = values["due_date"]
        if due is not None and not isinstance(due, dt.date):
            raise ValidationFailed("due_date", "must be a date")
        clean["due_date"] = due
    if "assignee" in values:
        clean["assignee"] = values["assignee"]
    return clean


def _priority(value: int | str) -> TaskPriority:
    try:
        return TaskPriority.parse(value)
    except ValueError:
        raise ValidationFailed("priority", "must be 1-4 or low, medium, high, urgent") from None
