"""boto3 clients, created once per process (at cold start, before SnapStart's snapshot).

DynamoDB that throttles or cannot be reached, after the SDK's own retries, is
one domain error for every call: the DynamoDB client raises ``Unavailable``
(each API answers 503 with ``Retry-After``). Two botocore event handlers do
it, so no call site maps throttling by itself:

- ``after-call`` sees the parsed answer of the last attempt (a Stubber's
  answer too) before botocore raises its ``ClientError``;
- ``after-call-error`` sees the exception of a request that got no answer
  (connection refused, timeouts) once the retries are spent.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from ..errors import Unavailable

# Short timeouts and the SDK's standard retries: a Lambda has ~10 s in all.
_CONFIG = Config(
    connect_timeout=2,
    read_timeout=5,
    retries={"max_attempts": 4, "mode": "standard"},
    tcp_keepalive=True,
)

THROTTLING_CODES = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"})
# The same, as DynamoDB spells them in a TransactionCanceledException's CancellationReasons.
THROTTLED_REASONS = THROTTLING_CODES | {"ThrottlingError", "ProvisionedThroughputExceeded"}
# Endpoint unreachable, connect/read timeouts, connection closed mid-answer.
UNREACHABLE = (BotocoreConnectionError, HTTPClientError)

BUSY = "The database is busy; retry shortly."
UNREACHABLE_MESSAGE = "The database cannot be reached; retry shortly."


@cache
def client(service: str, region: str):
    made = boto3.session.Session().client(service, region_name=region, config=_CONFIG)
    if service == "dynamodb":
        made.meta.events.register("after-call.dynamodb", _raise_when_throttled)
        made.meta.events.register("after-call-error.dynamodb", _raise_when_unreachable)
    return made


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def cancellation_reasons(error: ClientError) -> list[dict]:
    """Per-item reasons of a TransactionCanceledException, in request order."""
    return error.response.get("CancellationReasons") or []


def is_throttled(parsed: dict[str, Any]) -> bool:
    """Whether a parsed DynamoDB error answer is throttling: the error itself,
    or a transaction cancelled for throttling (and for no failed condition,
    which is a definite answer a retry would not change)."""
    code = parsed.get("Error", {}).get("Code", "")
    if code in THROTTLING_CODES:
        return True
    if code != "TransactionCanceledException":
        return False
    codes = {reason.get("Code") for reason in parsed.get("CancellationReasons") or []}
    return bool(codes & THROTTLED_REASONS) and "ConditionalCheckFailed" not in codes


def _raise_when_throttled(http_response, parsed: dict[str, Any], model, **_: Any) -> None:
    if http_response.status_code >= 300 and is_throttled(parsed):
        raise Unavailable(BUSY) from ClientError(parsed, model.name)


def _raise_when_unreachable(exception: Exception, **_: Any) -> None:
    if isinstance(exception, UNREACHABLE):
        raise Unavailable(UNREACHABLE_MESSAGE) from exception
