"""The clock-in queue (SQS FIFO)."""

from __future__ import annotations

from collections.abc import Callable

from botocore.exceptions import BotoCoreError, ClientError

from ..errors import ForwardingFailed
from ..messages import ClockInEvent


class ClockInQueue:
    def __init__(self, sqs_factory: Callable[[], object], url: str) -> None:
        self._factory = sqs_factory  # the client is built on first use: only clock_in needs it
        self._url = url

    def prime(self) -> None:
        self._factory()

    def send(self, event: ClockInEvent) -> None:
        try:
            self._factory().send_message(
                QueueUrl=self._url,
                MessageBody=event.model_dump_json(),
                MessageGroupId=event.group,
                MessageDeduplicationId=event.event_id,
            )
        except (BotoCoreError, ClientError) as error:
            raise ForwardingFailed() from error
