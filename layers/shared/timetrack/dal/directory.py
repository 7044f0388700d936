"""The directory table: users, personal API tokens, OIDC subjects, id counters.

====================================  =======================================
pk / sk                               holds
====================================  =======================================
``USER#<id>`` / ``PROFILE``           the user (email, created_at)
``EMAIL#<email>`` / ``EMAIL``         unique email -> user_id
``SUBJECT#<issuer>#<sub>`` / ``SUB``  an OIDC identity -> user_id
``TOKEN#<sha256 hex>`` / ``TOKEN``    a personal token, stored only as hash
``COUNTER#<kind>`` / ``SHARD#<nn>``   id allocation (see ``ids``)
====================================  =======================================
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from botocore.exceptions import ClientError

from .aws import error_code
from .codec import from_item, key, parse_utc, to_item, utc_text


@dataclass(frozen=True, slots=True)
class TokenRecord:
    user_id: int
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None

    def usable_at(self, now: dt.datetime) -> bool:
        if self.revoked_at is not None and self.revoked_at <= now:
            return False
        return self.expires_at is None or now < self.expires_at


class AlreadyExists(Exception):
    """A uniqueness guard (email, subject) is already taken."""


def _subject_key(issuer: str, subject: str) -> dict:
    return key(f"SUBJECT#{issuer}#{subject}", "SUB")


class DirectoryRepository:
    def __init__(self, dynamodb, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def _get(self, key: dict) -> dict | None:
        item = self._db.get_item(TableName=self._table, Key=key).get("Item")
        return from_item(item) if item else None

    # -- tokens --------------------------------------------------------------

    def get_token(self, token_hash: str) -> TokenRecord | None:
        values = self._get(key(f"TOKEN#{token_hash}", "TOKEN"))
        if values is None:
            return None
        optional = {k: parse_utc(values[k]) for k in ("expires_at", "revoked_at") if values.get(k)}
        return TokenRecord(
            user_id=int(values["user_id"]),
            name=values.get("name", ""),
            created_at=parse_utc(values["created_at"]),
            **optional,
        )

    def put_token(self, token_hash: str, record: TokenRecord) -> None:
        item = key(f"TOKEN#{token_hash}", "TOKEN") | to_item(
            {
                "user_id": record.user_id,
                "name": record.name,
                "created_at": utc_text(record.created_at),
                "expires_at": utc_text(record.expires_at) if record.expires_at else None,
            }
        )
        self._db.put_item(TableName=self._table, Item=item, ConditionExpression="attribute_not_exists(pk)")

    def revoke_token(self, token_hash: str, when: dt.datetime) -> bool:
        try:
            self._db.update_item(
                TableName=self._table,
                Key=key(f"TOKEN#{token_hash}", "TOKEN"),
                UpdateExpression="SET revoked_at = :when",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":when": {"S": utc_text(when)}},
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    # -- users ---------------------------------------------------------------

    def user_exists(self, user_id: int) -> bool:
        return self._get(key(f"USER#{user_id}", "PROFILE")) is not None

    def email_of(self, user_id: int) -> str | None:
        """The user's email (users first seen through OIDC have none)."""
        values = self._get(key(f"USER#{user_id}", "PROFILE"))
        return values.get("email") if values else None

    def user_id_for_email(self, email: str) -> int | None:
        values = self._get(key(f"EMAIL#{email}", "EMAIL"))
        return int(values["user_id"]) if values else None

    def user_id_for_subject(self, issuer: str, subject: str) -> int | None:
        values = self._get(_subject_key(issuer, subject))
        return int(values["user_id"]) if values else None

    def create_user(
        self,
        user_id: int,
        now: dt.datetime,
        *,
        email: str | None = None,
        subject: tuple[str, str] | None = None,
    ) -> None:
        """Profile plus its uniqueness guards in one transaction.

        Raises AlreadyExists if the email or subject is taken (a concurrent
        first sight of the same identity: the caller reads the winner).
        """
        user_id_attr = {"user_id": {"N": str(user_id)}}
        profile = to_item({"email": email, "created_at": utc_text(now)})
        guards = []
        if email is not None:
            guards.append(key(f"EMAIL#{email}", "EMAIL"))
        if subject is not None:
            guards.append(_subject_key(*subject))
        writes = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": key | user_id_attr,
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
            for key in [key(f"USER#{user_id}", "PROFILE"), *guards]
        ]
        writes[0]["Put"]["Item"] |= profile
        try:
            self._db.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                raise AlreadyExists() from error
            raise
