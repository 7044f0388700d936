"""What Lambda's SQS event source mapping does, for `make run` and tests.

A daemon thread receives batches from the local (moto) queue, hands each to
the worker's handler as the SQS event Lambda would send, deletes the
messages the handler did not report in ``batchItemFailures`` and leaves the
failed ones to become visible again; the queue's RedrivePolicy moves a
message to its dead-letter queue after maxReceiveCount receives.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

log = logging.getLogger("timetrack.poller")

# The system attributes Lambda puts in each record's "attributes".
RECORD_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "AWSTraceHeader",
    "DeadLetterQueueSourceArn",
)


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


def _message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    """ReceiveMessage's {"StringValue", "DataType", ...} -> the event's {"stringValue", "dataType", ...}."""
    out: dict[str, Any] = {
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [_b64(v) for v in value.get("BinaryListValues", [])],
        "dataType": value["DataType"],
    }
    if "StringValue" in value:
        out["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        out["binaryValue"] = _b64(value["BinaryValue"])
    return out


def to_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One received message as a record of Lambda's SQS event."""
    attributes = message.get("Attributes", {})
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {name: attributes[name] for name in RECORD_ATTRIBUTES if name in attributes},
        "messageAttributes": {
            name: _message_attribute(value) for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if "MD5OfMessageAttributes" in message:
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def to_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """Received messages (ReceiveMessage with all attributes) as Lambda's SQS event."""
    return {"Records": [to_record(message, queue_arn, region) for message in messages]}


class LambdaContext:
    """The parts of Lambda's context object that Powertools reads."""

    def __init__(self, function_name: str, timeout_seconds: float, region: str) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{region}:123456789012:function:{function_name}"
        self.memory_limit_in_mb = 1024
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


Handler = Callable[[dict[str, Any], Any], dict[str, Any] | None]


class QueuePoller:
    """Feeds one queue to one handler, like an event source mapping with
    ReportBatchItemFailures (BatchSize 10)."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        handler: Handler,
        *,
        region: str,
        function_name: str = "clock-in-worker",
        timeout_seconds: float = 30,
        batch_size: int = 10,
        wait_seconds: int = 1,
    ) -> None:
        self._sqs = sqs
        self._url = queue_url
        self._handler = handler
        self._region = region
        self._function_name = function_name
        self._timeout = timeout_seconds
        self._batch_size = batch_size
        self._wait = wait_seconds
        self._arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def receive(self) -> list[dict[str, Any]]:
        return self._sqs.receive_message(
            QueueUrl=self._url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=self._wait,
            AttributeNames=["All"],
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])

    def deliver(self, messages: list[dict[str, Any]]) -> list[str]:
        """One batch through the handler; deletes what succeeded, returns the failed message ids.

        As with Lambda: a handler error, or a response naming a message that is
        not in the batch, fails the whole batch.
        """
        event = to_event(messages, self._arn, self._region)
        ids = [message["MessageId"] for message in messages]
        try:
            response = self._handler(event, LambdaContext(self._function_name, self._timeout, self._region)) or {}
            failed = [item["itemIdentifier"] for item in response.get("batchItemFailures", [])]
        except Exception:
            log.exception("The worker failed on a batch of %d; it will be received again", len(messages))
            return ids
        if not set(failed) <= set(ids):
            log.error("batchItemFailures names messages not in the batch: %s", failed)
            return ids
        done = [message for message in messages if message["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            chunk = done[start : start + 10]
            self._sqs.delete_message_batch(
                QueueUrl=self._url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(chunk)],
            )
        if failed:
            log.warning("%d of %d messages failed; they will be received again", len(failed), len(messages))
        return failed

    def poll_once(self) -> int:
        """Receive one batch (waiting up to wait_seconds) and deliver it; the number of messages."""
        messages = self.receive()
        if messages:
            self.deliver(messages)
        return len(messages)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:  # e.g. the queue went away at shutdown: log, back off, go on
                log.exception("Polling %s failed", self._url)
                self._stop.wait(1)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="clock-in-poller", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5) -> None:
        """Finish the batch in hand (receives wait at most wait_seconds) and stop."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
