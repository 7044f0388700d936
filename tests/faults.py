"""Failure injection for the services' DynamoDB client.

``DynamoFaults(client).throttle(...)`` makes the client answer DynamoDB's
throttling error, as botocore's Stubber does: the answer replaces the call's
(botocore's ``before-call`` event), so it stands for the last answer after
the SDK's retries, and everything after it (``after-call`` handlers, the
ClientError) runs as for a real one. A predicate picks the calls that fail.
``unreachable(error)`` fails every request on its way out (``before-send``),
as a refused connection or a timeout does.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.awsrequest import AWSResponse

Call = dict[str, Any]  # {"operation": "GetItem", "params": the request's JSON body}
Predicate = Callable[[Call], bool]


def every_call(call: Call) -> bool:
    return True


def is_token_lookup(call: Call) -> bool:
    """The personal-token lookup (GetItem of ``TOKEN#<hash>`` in the directory)."""
    return call["operation"] == "GetItem" and call["params"]["Key"]["pk"]["S"].startswith("TOKEN#")


def but_token_lookup(call: Call) -> bool:
    """Every call after authentication: the caller is known, the route's own calls fail."""
    return not is_token_lookup(call)


def operation(*names: str) -> Predicate:
    return lambda call: call["operation"] in names


def keyed(prefix: str) -> Predicate:
    """Calls naming a key whose ``pk`` starts with ``prefix`` (e.g. ``COUNTER#``: id leases)."""
    return lambda call: prefix in json.dumps(call["params"].get("Key", {}))


class DynamoFaults:
    def __init__(self, client) -> None:
        self._client = client
        self.failed: list[str] = []  # the operations answered with a fault, in order
        self._when: Predicate | None = None
        self._answer: dict[str, Any] = {}
        client.meta.events.register("before-call.dynamodb", self._before_call, unique_id="test-faults")

    def throttle(self, when: Predicate = every_call, code: str = "ThrottlingException") -> None:
        """From now on, the calls ``when`` selects answer ``code`` (HTTP 400)."""
        self._fail(when, {"Error": {"Code": code, "Message": "Rate of requests exceeds the allowed throughput."}})

    def cancel_transactions(self, *reasons: str) -> None:
        """From now on, TransactWriteItems is cancelled with these per-item reason codes."""
        self._fail(
            operation("TransactWriteItems"),
            {
                "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
                "CancellationReasons": [{"Code": reason} for reason in reasons],
            },
        )

    def unreachable(self, error: Exception) -> None:
        """From now on, every request fails as if sent nowhere (``error``: a
        botocore connection or timeout error). The SDK's retries are switched
        off for it, as if they were already spent: they would only wait."""
        self._client.meta.events.unregister("needs-retry.dynamodb", unique_id="retry-config-dynamodb")

        def send(**_: Any):
            raise error

        self._client.meta.events.register("before-send.dynamodb", send, unique_id="test-faults-send")

    def heal(self) -> None:
        self._when = None

    def remove(self) -> None:
        self._client.meta.events.unregister("before-call.dynamodb", unique_id="test-faults")
        self._client.meta.events.unregister("before-send.dynamodb", unique_id="test-faults-send")

    def _fail(self, when: Predicate, answer: dict[str, Any]) -> None:
        self._when = when
        self._answer = answer | {"ResponseMetadata": {"HTTPStatusCode": 400}}

    def _before_call(self, model, params, **_: Any):
        if self._when is None:
            return None
        call = {"operation": model.name, "params": json.loads(params["body"] or b"{}")}
        if not self._when(call):
            return None
        self.failed.append(model.name)
        return AWSResponse(None, 400, {}, None), json.loads(json.dumps(self._answer))
