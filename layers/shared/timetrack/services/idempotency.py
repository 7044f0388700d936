"""Idempotency-Key: a POST repeated with the same key acts once.

The first request with a key claims it (per user: the record's id is the
SHA-256 of user and key, never the key itself) and, once answered, its
status and body are kept; a repeat of the same request gets that answer
again without running. The same key with another request (method, path or
body) is refused, and so is a repeat while the first is still in flight.

Kept: every answer below 500 (a 4xx is the request's own answer and would
be the same again). Not kept, so a retry runs anew: 5xx answers, and bodies
over ``MAX_KEPT_BODY`` (DynamoDB's item limit is 400 KB). A claim lapses
after ``in_flight_seconds``, so a request that crashed does not hold its
key for ever.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass

from ..dal.idempotency import IdempotencyRecords, KeptResponse
from ..errors import IdempotencyInFlight, IdempotencyKeyReused, ValidationFailed
from ..observability import logger
from .clock import Clock

HEADER = "Idempotency-Key"
# 1-128 printable ASCII characters, no space at either end (HTTP strips those).
KEY_PATTERN = r"^[!-~](?:[ -~]{0,126}[!-~])?$"
_KEY = re.compile(KEY_PATTERN)
MAX_KEPT_BODY = 350_000


def request_hash(method: str, path: str, query: str, body: bytes) -> str:
    """What identifies a request for its key: method, path, query and body
    (a JSON body in canonical form: key order and spacing do not matter)."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):  # not JSON (or empty): the bytes as sent
        canonical = body
    digest = hashlib.sha256(f"{method} {path}?{query}\n".encode())
    digest.update(canonical)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to run a request and keep its answer under the key."""

    key_hash: str
    request_hash: str
    token: str


class IdempotentRequests:
    def __init__(self, records: IdempotencyRecords, clock: Clock, *, in_flight_seconds: int, keep_seconds: int) -> None:
        self._records = records
        self._clock = clock
        self._in_flight = in_flight_seconds
        self._keep = keep_seconds

    def begin(self, user_id: int, key: str, request: str, *, workspace_id: int | None = None) -> Claim | KeptResponse:
        """A claim to run the request (``request``: its :func:`request_hash`),
        or the kept answer to repeat. ValidationFailed for a malformed key,
        IdempotencyKeyReused for another request, IdempotencyInFlight.
        ``workspace_id``: the credential's binding. A token bound to a workspace
        has keys of its own: it never replays what the user's other credentials
        were answered (the replay comes before any workspace check)."""
        if not _KEY.fullmatch(key):
            raise ValidationFailed(
                HEADER, "must be 1-128 printable ASCII characters without surrounding spaces", location="header"
            )
        owner = str(user_id) if workspace_id is None else f"{user_id}@{workspace_id}"
        key_hash = hashlib.sha256(f"{owner}\n{key}".encode()).hexdigest()
        token = secrets.token_hex(16)
        now = self._now()
        held = self._records.claim(key_hash, request_hash=request, token=token, now=now, until=now + self._in_flight)
        if held is None:
            return Claim(key_hash, request, token)
        if held.request_hash != request:
            raise IdempotencyKeyReused()
        if held.response is None:
            raise IdempotencyInFlight()
        return held.response

    def finish(self, claim: Claim, response: KeptResponse) -> None:
        """Keep the answer under the key, or free the key if it is not kept."""
        if response.status >= 500 or len(response.body) > MAX_KEPT_BODY:
            self.abandon(claim)
            return
        kept = self._records.complete(
            claim.key_hash,
            token=claim.token,
            request_hash=claim.request_hash,
            response=response,
            until=self._now() + self._keep,
        )
        if not kept:
            logger.warning("Idempotency claim lapsed before the answer was kept", extra={"status": response.status})

    def abandon(self, claim: Claim) -> None:
        """Free the key: the request failed and a retry should run."""
        self._records.release(claim.key_hash, token=claim.token)

    def _now(self) -> int:
        return int(self._clock().timestamp())
