"""boto3 clients, created once per process (at cold start, before SnapStart's snapshot)."""

from __future__ import annotations

from functools import cache

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

# Short timeouts and the SDK's standard retries: a Lambda has ~10 s in all.
_CONFIG = Config(
    connect_timeout=2,
    read_timeout=5,
    retries={"max_attempts": 4, "mode": "standard"},
    tcp_keepalive=True,
)

THROTTLING_CODES = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"})


@cache
def client(service: str, region: str):
    return boto3.session.Session().client(service, region_name=region, config=_CONFIG)


def error_code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def cancellation_reasons(error: ClientError) -> list[dict]:
    """Per-item reasons of a TransactionCanceledException, in request order."""
    return error.response.get("CancellationReasons") or []
