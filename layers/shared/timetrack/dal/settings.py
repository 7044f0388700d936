"""The settings table: one item per user (``pk = USER#<id>``)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from ..models import UserSettings, WeekStart
from .aws import error_code
from .batch import KeyRead
from .codec import from_item, to_item
from .entries import user_key


def _parse(item: dict) -> UserSettings:
    values = from_item(item)
    return UserSettings(
        default_hourly_rate=values["default_hourly_rate"],
        currency=values["currency"],
        timezone=values.get("timezone", "UTC"),
        week_start=WeekStart(values.get("week_start", WeekStart.MONDAY)),
    )


def _item(user_id: int, settings: UserSettings) -> dict:
    return {"pk": {"S": user_key(user_id)}} | to_item(
        {
            "default_hourly_rate": settings.default_hourly_rate,
            "currency": settings.currency,
            "timezone": settings.timezone,
            "week_start": settings.week_start.value,
        }
    )


class SettingsRepository:
    def __init__(self, dynamodb, table: str) -> None:
        self._db = dynamodb
        self._table = table

    def read(self, user_id: int) -> KeyRead:
        """``get`` as one read of a batch."""
        return KeyRead(self._table, {"pk": {"S": user_key(user_id)}}, _parse)

    def get(self, user_id: int) -> UserSettings | None:
        response = self._db.get_item(TableName=self._table, Key={"pk": {"S": user_key(user_id)}}, ConsistentRead=True)
        item = response.get("Item")
        return _parse(item) if item else None

    def create_if_absent(self, user_id: int, settings: UserSettings) -> UserSettings:
        """Store ``settings`` unless the user has some; return what is stored."""
        try:
            self._db.put_item(
                TableName=self._table,
                Item=_item(user_id, settings),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            return self.get(user_id) or settings
        return settings

    def update(self, user_id: int, changes: dict, defaults: UserSettings) -> UserSettings:
        """Set the changed fields in one atomic UpdateItem; the others keep their
        stored values (or get ``defaults`` if the user had no settings yet)."""
        default_attrs = _item(user_id, defaults)
        names, values, assignments = {}, {}, []
        for i, name in enumerate(("default_hourly_rate", "currency", "timezone", "week_start")):
            names[f"#f{i}"] = name
            if name in changes:
                values[f":v{i}"] = to_item({name: changes[name]})[name]
                assignments.append(f"#f{i} = :v{i}")
            else:
                values[f":v{i}"] = default_attrs[name]
                assignments.append(f"#f{i} = if_not_exists(#f{i}, :v{i})")
        response = self._db.update_item(
            TableName=self._table,
            Key={"pk": {"S": user_key(user_id)}},
            UpdateExpression="SET " + ", ".join(assignments),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            ReturnValues="ALL_NEW",
        )
        return _parse(response["Attributes"])
