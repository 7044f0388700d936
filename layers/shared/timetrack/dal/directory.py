"""The directory table: users, personal API tokens, OIDC subjects, id counters.

=====================================  =======================================
pk / sk                                holds
=====================================  =======================================
``USER#<id>`` / ``PROFILE``            the user (email, created_at)
``EMAIL#<email>`` / ``EMAIL``          unique email -> user_id
``SUBJECT#<issuer>#<sub>`` / ``SUB``   an OIDC identity -> user_id
``TOKEN#<sha256 hex>`` / ``TOKEN``     a personal token, stored only as hash:
                                       what authentication reads (one GetItem)
``TOKENS#<user>`` / ``TOKEN#<id>``     the token in its owner's list, and in
                                       its creator's when that is another
                                       user; holds the hash, so DELETE by id
                                       finds the token (and a missing item is
                                       the 404 for someone else's id)
``USAGE#<token id>`` / ``USAGE``       usage_count, last_used_at (flushed at
                                       most once a minute per token and
                                       process; its own key so that writing
                                       usage never needs write access to tokens)
``COUNTER#<kind>`` / ``SHARD#<nn>``    id allocation (see ``ids``)
=====================================  =======================================

A token is written whole (record and list items in one transaction) and never
changes afterwards, except for its revocation, which stamps the record and
removes the list items in one transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from .. import scopes as scope_names
from ..errors import Unavailable
from ..observability import logger
from .aws import error_code
from .batch import BatchReader, KeyRead
from .codec import from_item, key, parse_utc, to_item, utc_text


@dataclass(frozen=True, slots=True)
class TokenRecord:
    user_id: int  # whom the token acts as
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None
    id: int | None = None  # None: a token issued before tokens had ids
    scopes: tuple[str, ...] = (scope_names.EVERYTHING,)
    workspace_id: int | None = None
    description: str | None = None
    created_by: int | None = None  # None: the owner (or a management command)
    prefix: str = ""  # the token's first 8 characters, for people to recognise it
    token_hash: str = ""

    def usable_at(self, now: dt.datetime) -> bool:
        if self.revoked_at is not None and self.revoked_at <= now:
            return False
        return self.expires_at is None or now < self.expires_at

    @property
    def listed_for(self) -> set[int]:
        """The users whose token list shows it: the owner, and the creator."""
        return {self.user_id} | ({self.created_by} if self.created_by is not None else set())


@dataclass(frozen=True, slots=True)
class TokenUsage:
    usage_count: int = 0
    last_used_at: dt.datetime | None = None


_OPTIONAL_TIMES = ("expires_at", "revoked_at")


def _token_values(record: TokenRecord) -> dict[str, Any]:
    return {
        "user_id": record.user_id,
        "token_id": record.id,
        "name": record.name,
        "description": record.description,
        "scopes": " ".join(record.scopes),
        "workspace_id": record.workspace_id,
        "created_by": record.created_by,
        "prefix": record.prefix,
        "token_hash": record.token_hash,
        "created_at": utc_text(record.created_at),
        "expires_at": utc_text(record.expires_at) if record.expires_at else None,
    }


def _token_record(values: dict[str, Any]) -> TokenRecord:
    def number(name: str) -> int | None:
        return int(values[name]) if values.get(name) is not None else None

    return TokenRecord(
        user_id=int(values["user_id"]),
        name=values.get("name", ""),
        created_at=parse_utc(values["created_at"]),
        **{name: parse_utc(values[name]) for name in _OPTIONAL_TIMES if values.get(name)},
        id=number("token_id"),
        scopes=tuple(values["scopes"].split()) if values.get("scopes") else (scope_names.EVERYTHING,),
        workspace_id=number("workspace_id"),
        description=values.get("description"),
        created_by=number("created_by"),
        prefix=values.get("prefix", ""),
        token_hash=values.get("token_hash", ""),
    )


def _record_key(token_hash: str) -> dict:
    return key(f"TOKEN#{token_hash}", "TOKEN")


def _listing_key(user_id: int, token_id: int) -> dict:
    return key(f"TOKENS#{user_id}", f"TOKEN#{token_id:016d}")


def _usage_key(token_id: int) -> dict:
    return key(f"USAGE#{token_id}", "USAGE")


def _usage(item: dict[str, Any]) -> TokenUsage:
    values = from_item(item)
    last = values.get("last_used_at")
    return TokenUsage(int(values.get("usage_count", 0)), parse_utc(last) if last else None)


@dataclass(frozen=True, slots=True)
class Profile:
    """A user: the id, the email if they have one, and when they first appeared
    (None where only what others see is read)."""

    user_id: int
    email: str | None = None
    created_at: dt.datetime | None = None


class AlreadyExists(Exception):
    """A uniqueness guard (email, subject, token hash) is already taken."""


def _subject_key(issuer: str, subject: str) -> dict:
    return key(f"SUBJECT#{issuer}#{subject}", "SUB")


class DirectoryRepository:
    def __init__(self, dynamodb, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def _get(self, key: dict, consistent: bool = False) -> dict | None:
        item = self._db.get_item(TableName=self._table, Key=key, ConsistentRead=consistent).get("Item")
        return from_item(item) if item else None

    # -- tokens --------------------------------------------------------------

    def get_token(self, token_hash: str) -> TokenRecord | None:
        values = self._get(_record_key(token_hash))
        return _token_record(values | {"token_hash": token_hash}) if values else None

    def put_token(self, token_hash: str, record: TokenRecord) -> None:
        """The record and its list items, whole or not at all."""
        values = to_item(_token_values(record) | {"token_hash": None})
        writes = [{"Put": {"TableName": self._table, "Item": _record_key(token_hash) | values}}]
        if record.id is not None:
            listed = to_item(_token_values(record) | {"token_hash": token_hash})
            writes += [
                {"Put": {"TableName": self._table, "Item": _listing_key(user_id, record.id) | listed}}
                for user_id in sorted(record.listed_for)
            ]
        for write in writes:
            write["Put"]["ConditionExpression"] = "attribute_not_exists(pk)"
        try:
            self._db.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                raise AlreadyExists() from error
            raise

    def listed_token(self, user_id: int, token_id: int) -> TokenRecord | None:
        """Token ``token_id`` if ``user_id``'s list shows it (owner or creator)."""
        values = self._get(_listing_key(user_id, token_id), consistent=True)
        return _token_record(values) if values else None

    def tokens_listed_for(self, user_id: int) -> list[tuple[TokenRecord, TokenUsage]]:
        """The tokens in ``user_id``'s list, oldest first, each with its usage."""
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :token)",
            "ExpressionAttributeValues": {":pk": {"S": f"TOKENS#{user_id}"}, ":token": {"S": "TOKEN#"}},
            "ConsistentRead": True,
        }
        records: list[TokenRecord] = []
        while True:
            page = self._db.query(**request)
            records += [_token_record(from_item(item)) for item in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                break
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return list(zip(records, self._usage_of([r.id for r in records if r.id is not None]), strict=True))

    def _usage_of(self, token_ids: list[int]) -> list[TokenUsage]:
        usage: list[TokenUsage] = []
        reader = BatchReader(self._db)
        for start in range(0, len(token_ids), 100):  # BatchGetItem's limit
            reads = [KeyRead(self._table, _usage_key(i), _usage) for i in token_ids[start : start + 100]]
            usage += [found or TokenUsage() for found in reader.read(*reads)]
        return usage

    def revoke_token(self, record: TokenRecord, when: dt.datetime) -> bool:
        """Stamp the record revoked and drop it from every list; False if it
        was already revoked (or never existed)."""
        writes: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": _record_key(record.token_hash),
                    "UpdateExpression": "SET revoked_at = :when",
                    "ConditionExpression": "attribute_exists(pk) AND attribute_not_exists(revoked_at)",
                    "ExpressionAttributeValues": {":when": {"S": utc_text(when)}},
                }
            }
        ]
        if record.id is not None:
            writes += [
                {"Delete": {"TableName": self._table, "Key": _listing_key(user_id, record.id)}}
                for user_id in sorted(record.listed_for)
            ]
        try:
            self._db.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                return False
            raise
        return True

    def record_usage(self, token_id: int, uses: int, when: dt.datetime) -> bool:
        """Add ``uses`` to the token's count and stamp ``when``. Best effort:
        a failure is logged and reported (False), never raised, so counting
        cannot fail the request it rides on."""
        try:
            self._db.update_item(
                TableName=self._table,
                Key=_usage_key(token_id),
                UpdateExpression="ADD usage_count :uses SET last_used_at = :when",
                ExpressionAttributeValues={":uses": {"N": str(uses)}, ":when": {"S": utc_text(when)}},
            )
        except (ClientError, BotoCoreError, Unavailable) as error:  # Unavailable: throttled (see aws)
            logger.warning("Token usage not recorded", extra={"token_id": token_id, "error": type(error).__name__})
            return False
        return True

    # -- users ---------------------------------------------------------------

    def user_exists(self, user_id: int) -> bool:
        return self._get(key(f"USER#{user_id}", "PROFILE")) is not None

    def profile(self, user_id: int) -> Profile | None:
        values = self._get(key(f"USER#{user_id}", "PROFILE"))
        if values is None:
            return None
        return Profile(user_id, values.get("email"), parse_utc(values["created_at"]))

    def reachable(self) -> bool:
        """Whether the table answers a GetItem (of a key nobody writes): the health check."""
        try:
            self._db.get_item(TableName=self._table, Key=key("HEALTH", "HEALTH"))
        except (ClientError, BotoCoreError, Unavailable) as error:  # Unavailable: throttled or unreachable (see aws)
            logger.warning("Directory table unreachable", extra={"error": type(error).__name__})
            return False
        return True

    def read_profile(self, user_id: int) -> KeyRead:
        """The user's Profile, as one read of a batch."""
        return KeyRead(
            self._table, key(f"USER#{user_id}", "PROFILE"), lambda item: Profile(user_id, from_item(item).get("email"))
        )

    def email_of(self, user_id: int) -> str | None:
        """The user's email (a user first seen through OIDC has the verified one its token carried, if any)."""
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
        reserve_email: bool = True,
    ) -> None:
        """Profile plus its uniqueness guards in one transaction.

        ``reserve_email=False`` keeps the email on the profile only (an OIDC
        user's verified address, for invitations by email) without claiming
        ``EMAIL#`` (the address of a sign-up by email).
        Raises AlreadyExists if the email or subject is taken (a concurrent
        first sight of the same identity: the caller reads the winner).
        """
        user_id_attr = {"user_id": {"N": str(user_id)}}
        profile = to_item({"email": email, "created_at": utc_text(now)})
        guards = []
        if email is not None and reserve_email:
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
