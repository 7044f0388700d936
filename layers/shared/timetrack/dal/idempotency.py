"""Idempotency-Key records of the HTTP APIs, in the idempotency table.

``id = request#<sha256 of user and key>`` (the clock-in worker's Powertools
records share the table under their own prefix). A record is first a claim
(``state = in_flight``, a random ``claim`` token, ``expiration`` = when the
claim lapses), then the kept answer (``state = done``: ``status``, ``body``,
``content_type``, ``expiration`` = when it is forgotten). ``request_hash``
identifies the request the key was first used for. ``expiration`` is the
table's TTL attribute; the conditions compare it too, as TTL deletes late.
"""

from __future__ import annotations

from dataclasses import dataclass

from botocore.exceptions import ClientError

from .aws import error_code

RECORD_PREFIX = "request#"


@dataclass(frozen=True, slots=True)
class KeptResponse:
    status: int
    body: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    request_hash: str
    response: KeptResponse | None  # None while the first request is in flight


def _parse(item: dict) -> IdempotencyRecord:
    response = None
    if item.get("state", {}).get("S") == "done":
        response = KeptResponse(int(item["status"]["N"]), item["body"]["B"], item["content_type"]["S"])
    return IdempotencyRecord(item["request_hash"]["S"], response)


class IdempotencyRecords:
    def __init__(self, dynamodb, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def claim(self, key_hash: str, *, request_hash: str, token: str, now: int, until: int) -> IdempotencyRecord | None:
        """Claim the key (None), unless a live record holds it: that record
        (read by the same conditional PutItem)."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    "id": {"S": RECORD_PREFIX + key_hash},
                    "state": {"S": "in_flight"},
                    "request_hash": {"S": request_hash},
                    "claim": {"S": token},
                    "expiration": {"N": str(until)},
                },
                ConditionExpression="attribute_not_exists(#id) OR #expiration <= :now",
                ExpressionAttributeNames={"#id": "id", "#expiration": "expiration"},
                ExpressionAttributeValues={":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            return _parse(error.response["Item"])
        return None

    def complete(self, key_hash: str, *, token: str, request_hash: str, response: KeptResponse, until: int) -> bool:
        """Replace our claim by the kept answer; False if the claim lapsed and
        another request took the key meanwhile."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item={
                    "id": {"S": RECORD_PREFIX + key_hash},
                    "state": {"S": "done"},
                    "request_hash": {"S": request_hash},
                    "status": {"N": str(response.status)},
                    "body": {"B": response.body},
                    "content_type": {"S": response.content_type},
                    "expiration": {"N": str(until)},
                },
                ConditionExpression="#claim = :token",
                ExpressionAttributeNames={"#claim": "claim"},
                ExpressionAttributeValues={":token": {"S": token}},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def release(self, key_hash: str, *, token: str) -> None:
        """Drop our claim (the answer is not kept: a retry runs anew)."""
        try:
            self._db.delete_item(
                TableName=self._table,
                Key={"id": {"S": RECORD_PREFIX + key_hash}},
                ConditionExpression="#claim = :token",
                ExpressionAttributeNames={"#claim": "claim"},
                ExpressionAttributeValues={":token": {"S": token}},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
