"""What a credential may do: the scope vocabulary of seed 002 and its one rule.

A scope names an action on a kind of resource (``read:projects``,
``write:time_entries``). Wildcards grant a whole action (``read:*``,
``write:*``) or everything (``*``, and seed 002's ``admin:all``). ``write:x``
does not imply ``read:x``. Seed 004 spells the time-entry scopes its own way
(``time_entry:read`` / ``time_entry:write`` / ``time_entry:delete``); they are
aliases, stored and shown in the canonical spelling.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import ValidationFailed

RESOURCES = ("projects", "time_entries", "tasks", "clients")
ADMIN = "admin:all"
EVERYTHING = "*"

CONCRETE: tuple[str, ...] = (
    *(f"{action}:{resource}" for resource in RESOURCES for action in ("read", "write")),
    "read:reports",
    "read:users",
    "write:users",
    ADMIN,
)
"""The scopes a route can require."""

_WILDCARDS: dict[str, frozenset[str]] = {
    "read:*": frozenset(s for s in CONCRETE if s.startswith("read:")),
    "write:*": frozenset(s for s in CONCRETE if s.startswith("write:")),
    ADMIN: frozenset(CONCRETE),
    EVERYTHING: frozenset(CONCRETE),
}
ALIASES = {
    "time_entry:read": "read:time_entries",
    "time_entry:write": "write:time_entries",
    "time_entry:delete": "write:time_entries",
}
KNOWN: tuple[str, ...] = (*CONCRETE, "read:*", "write:*", EVERYTHING)
"""Every canonical name a token may hold."""

ALL = frozenset({EVERYTHING})
"""What sign-ins, `make user` tokens and the demo token hold."""


def canonical(name: str) -> str | None:
    """The canonical spelling of a scope name, or None if it is not one."""
    name = ALIASES.get(name, name)
    return name if name in KNOWN else None


def parse(names: Iterable[str], field: str = "scopes") -> tuple[str, ...]:
    """Canonical names, first spelling first, duplicates dropped; an unknown
    name (or none at all) is ValidationFailed naming ``field``."""
    parsed: list[str] = []
    for name in names:
        scope = canonical(name)
        if scope is None:
            raise ValidationFailed(field, f"unknown scope {name!r}; known: {', '.join(KNOWN)}")
        if scope not in parsed:
            parsed.append(scope)
    if not parsed:
        raise ValidationFailed(field, "at least one scope is required")
    return tuple(parsed)


def expand(held: Iterable[str]) -> frozenset[str]:
    """The concrete scopes that ``held`` grants."""
    granted: set[str] = set()
    for scope in held:
        granted |= _WILDCARDS.get(scope, {scope})
    return frozenset(granted)


def grants(held: Iterable[str], required: str) -> bool:
    """Whether scopes ``held`` allow a route that requires ``required``."""
    return required in expand(held)
