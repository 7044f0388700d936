"""Domain errors. Each API style maps them to HTTP in exactly one place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .services.limits import RateLimit


class DomainError(Exception):
    """Base class: ``message`` is safe to show to the client."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    """Input is well-formed but breaks a rule; ``field`` names the culprit."""

    def __init__(self, field: str, message: str, *, location: str = "body") -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.problem = message
        self.location = location  # "body" or "query", as in FastAPI's errors


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    """A state conflict (a timer already running, a stale write)."""

    def __init__(self, message: str, **context: Any) -> None:
        super().__init__(message)
        self.context = context


class Unauthorized(DomainError):
    pass


class Forbidden(DomainError):
    pass


class MissingScope(Forbidden):
    """The credential lacks the scope the route requires (seed 002's 403)."""

    def __init__(self, required: str, available: list[str]) -> None:
        held = ", ".join(available) or "none"
        super().__init__(f"This endpoint requires the {required!r} scope; the credential has: {held}")
        self.required = required
        self.available = available


class TimerRunning(Conflict):
    """The one-running-timer rule: ``entry`` is the timer already running."""

    def __init__(self, entry: Any) -> None:
        super().__init__("A timer is already running; stop it first.")
        self.entry = entry


class NotRunning(Conflict):
    """Stopping an entry (or a user) whose timer is not running."""

    def __init__(self, entry: Any = None, message: str | None = None) -> None:
        default = "No timer is running." if entry is None else f"Time entry {entry.id} is not running."
        super().__init__(message or default)
        self.entry = entry


class UnfinishedSubtasks(Conflict):
    """A task cannot move to ``status`` (review or done) while some of its
    subtasks are not done: ``unfinished_subtasks`` are those (Subtask models,
    in position order), ``total_subtasks`` how many the task has."""

    def __init__(self, status: Any, unfinished_subtasks: list[Any], total_subtasks: int) -> None:
        super().__init__(f"The task cannot move to {status} while {len(unfinished_subtasks)} subtask(s) are not done")
        self.status = status
        self.unfinished_subtasks = unfinished_subtasks
        self.unfinished_subtasks_count = len(unfinished_subtasks)
        self.total_subtasks = total_subtasks


class NoActiveTimer(NotFound):
    """There is no running timer to stop (where the caller said which: not that one)."""


class StaleWrite(Conflict):
    """Someone else changed the item between our read and our write."""

    def __init__(self) -> None:
        super().__init__("The entry was changed concurrently; retry.")


class PayloadTooLarge(DomainError):
    """A request body over ``limit`` bytes, refused before it is parsed."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"The request body is larger than {limit} bytes.")
        self.limit = limit


class Unavailable(DomainError):
    """A dependency is throttling or down; the client may retry after ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ForwardingFailed(Unavailable):
    """A clock-in start or stop could not be handed to the queue."""

    def __init__(self, undone: bool = True) -> None:
        super().__init__(
            "The clock-in could not be forwarded; nothing was recorded. Retry."
            if undone
            else "The clock-in could not be forwarded, and undoing it failed; check the timer."
        )
        self.undone = undone


class RateLimited(DomainError):
    """Past a rate limit: ``limit`` is the exhausted window (what X-RateLimit-*
    report), ``retry_after`` the seconds until it resets. The request did not run."""

    def __init__(self, limit: RateLimit, retry_after: int) -> None:
        super().__init__(f"Rate limit exceeded: {limit.limit} requests per {limit.window}; retry in {retry_after} s.")
        self.limit = limit
        self.retry_after = retry_after


class IdempotencyKeyReused(DomainError):
    """An Idempotency-Key already used for a different request (method, path or body)."""

    def __init__(self) -> None:
        super().__init__("This Idempotency-Key was used for a different request; use a new key.")


class IdempotencyInFlight(Conflict):
    """The first request with this Idempotency-Key is still being processed."""

    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is still in progress; retry shortly.")
