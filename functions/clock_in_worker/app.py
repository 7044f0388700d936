"""Clock-in worker: applies the events on the clock-in FIFO queue to tasks and contracts.

SQS invokes it with up to 10 messages; it answers which ones failed
(ReportBatchItemFailures) so only those are received again, and after 3
receives SQS moves a message to the dead-letter queue.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor, process_partial_response
from aws_lambda_powertools.utilities.batch.exceptions import SQSFifoMessageGroupCircuitBreakerError
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.parser.models import SqsRecordModel
from pydantic import Json

from timetrack.dal import aws
from timetrack.messages import ClockInEvent
from timetrack.observability import logger, metrics, tracer
from timetrack.runtime import services


class ClockInRecord(SqsRecordModel):
    """An SQS record whose body is a clock-in event (a body that is not one fails this record only)."""

    body: Json[ClockInEvent]


class ClockInProcessor(SqsFifoPartialProcessor):
    """FIFO batch processing, per message group (= per user).

    ``skip_group_on_error``: when a message fails, the later messages of the
    same user in this batch are reported failed without being tried, so they
    are received again after it, in order (a stop never overtakes its start);
    other users' messages are processed as usual and not held back.
    """

    def __init__(self) -> None:
        super().__init__(model=ClockInRecord, skip_group_on_error=True, logger=logger)
        # Report failures as failures even when every record of the batch
        # failed, rather than raising: a one-message batch then behaves like
        # any other, and a Lambda error means the worker itself broke.
        self.raise_on_entire_batch_failure = False

    def failure_handler(self, record, exception):
        # Counts messages that failed (an effect raised or the body is not a
        # valid event), not the ones only deferred behind a failed one.
        if exception[0] is not SQSFifoMessageGroupCircuitBreakerError:
            metrics.add_metric(name="WorkerFailures", unit=MetricUnit.Count, value=1)
        return super().failure_handler(record, exception)


_config = services().config  # clients and settings built at cold start (inside SnapStart's snapshot)
processor = ClockInProcessor()
idempotency = IdempotencyConfig(
    # The effects are safe to repeat (minutes are recounted from the entry, not
    # added from the event); this layer saves the repeated reads and writes.
    # Our own event id (entry id, started/stopped/deleted, entry version), not
    # the SQS messageId: the same event sent again as a new message acts once.
    event_key_jmespath="event_id",
    raise_on_no_idempotency_key=True,
    # Reusing an event id for a different timer transition is a bug: fail
    # loudly (to the DLQ and its alarm) rather than skip it silently.
    payload_validation_jmespath="[type, entry_id, start_time, end_time]",
    expires_after_seconds=24 * 60 * 60,
)
persistence = DynamoDBPersistenceLayer(
    table_name=_config.idempotency_table,
    expiry_attr="expiration",
    boto3_client=aws.client("dynamodb", _config.aws_region),
)


@idempotent_function(
    data_keyword_argument="event", persistence_store=persistence, config=idempotency, key_prefix="clock_in_worker"
)
def apply_once(event: ClockInEvent) -> None:
    services().clock_in_effects.apply(event)


@tracer.capture_method
def record_handler(record: ClockInRecord) -> None:
    event = record.body
    keys = {"event_id": event.event_id, "entry_id": event.entry_id, "request_id": event.request_id}
    logger.append_keys(**keys)
    try:
        apply_once(event=event)
    finally:
        logger.remove_keys(list(keys))  # the next record (or another handler in this process) is not this one


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    idempotency.register_lambda_context(context)  # in-progress records expire with this invocation
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
