"""Rate-limit counters: one item per (subject, hour) in the rate-limits table.

``id = <subject>#<hour start, epoch seconds>``; ``h`` counts the hour's
requests and ``m<minute of the hour>`` each minute's, so one conditional
UpdateItem counts a request in both windows, or refuses it without counting
(and then returns the counts that refused it). ``expiration`` (TTL) removes
the item after its hour.
"""

from __future__ import annotations

from typing import NamedTuple

from botocore.exceptions import ClientError

from .aws import error_code


class Counted(NamedTuple):
    """``accepted``: the request was counted; the counts include it. Otherwise
    they are the counts that refused it."""

    accepted: bool
    hour: int
    minute: int


class RateLimitCounters:
    def __init__(self, dynamodb, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def add(self, subject: str, *, hour: int, minute: int, hour_limit: int, minute_limit: int, expires: int) -> Counted:
        """Count one request of ``subject`` in hour ``hour`` (its start, epoch
        seconds) and minute ``minute`` of it, unless a count already reached its
        limit (a limit of 0: that window is not limited). One UpdateItem."""
        names = {"#h": "h", "#m": f"m{minute}", "#e": "expiration"}
        values = {":one": {"N": "1"}, ":e": {"N": str(expires)}}
        conditions = []
        for placeholder, limit in (("#h", hour_limit), ("#m", minute_limit)):
            if limit:
                values[f":{placeholder[1]}"] = {"N": str(limit)}
                conditions.append(f"(attribute_not_exists({placeholder}) OR {placeholder} < :{placeholder[1]})")
        request = {
            "TableName": self._table,
            "Key": {"id": {"S": f"{subject}#{hour}"}},
            "UpdateExpression": "SET #e = if_not_exists(#e, :e) ADD #h :one, #m :one",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ReturnValues": "UPDATED_NEW",
        }
        if conditions:
            request["ConditionExpression"] = " AND ".join(conditions)
            request["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        try:
            counts = self._db.update_item(**request)["Attributes"]
            accepted = True
        except ClientError as error:  # throttling is Unavailable already (dal.aws)
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            counts = error.response.get("Item") or {}
            accepted = False
        return Counted(accepted, _number(counts, "h"), _number(counts, f"m{minute}"))


def _number(item: dict, name: str) -> int:
    return int(item[name]["N"]) if name in item else 0
