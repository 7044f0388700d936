"""The reference point for cold start and warm latency: a lean Powertools handler.

What a minimal "no framework" Lambda of this project would load: Powertools'
``APIGatewayHttpResolver`` with the same Logger/Tracer/Metrics decorators, a
boto3 DynamoDB client created at import, one pydantic model and one route.
The functions' cold start is compared against importing this module.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="Timetrack")
app = APIGatewayHttpResolver()
dynamodb = boto3.client("dynamodb", region_name=os.environ.get("AWS_REGION", "us-east-1"))
TABLE = os.environ.get("ENTRIES_TABLE", "timetrack-entries")


class EntryOut(BaseModel):
    id: int
    date: dt.date
    start_time: dt.datetime
    end_time: dt.datetime | None = None
    hourly_rate: Decimal
    payment_status: str
    notes: str | None = None


def _plain(attr: dict[str, Any]) -> Any:
    ((kind, value),) = attr.items()
    return None if kind == "NULL" else value


@app.get("/api/v1/time-tracking/entries/<entry_id>")
def get_entry(entry_id: str) -> dict[str, Any]:
    key = {"pk": {"S": "USER#1"}, "sk": {"S": f"ENTRY#{entry_id}"}}
    item = dynamodb.get_item(TableName=TABLE, Key=key, ConsistentRead=True).get("Item")
    if item is None:
        raise NotFoundError(f"Time entry {entry_id} not found")
    return EntryOut.model_validate({k: _plain(v) for k, v in item.items()}).model_dump(mode="json")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
