"""Conditions on other items that a write's transaction must hold.

A ``Guard`` is one ``ConditionCheck`` of a TransactWriteItems and the domain
error raised when it fails: a rule checked before the write (is the user
still a member?) is checked again, atomically, by the write itself, so a
concurrent change between the two cannot slip through.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import DomainError


@dataclass(frozen=True, slots=True)
class Guard:
    check: dict[str, Any]  # {"ConditionCheck": {...}}, one item of TransactItems
    error: DomainError  # raised when the condition does not hold
