"""The edge protects itself: request bodies over 1 MiB are refused before
parsing, in each API's own format, and no answer can pass Lambda's 6 MiB
response limit, gzipped or not."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import random
from decimal import Decimal

from tests.conftest import load_event
from tests.test_events import FakeContext
from timetrack.api import responses
from timetrack.api.edge import MAX_BODY_BYTES
from timetrack.dal.entries import _entry_item
from timetrack.models import Entry, PaymentStatus
from timetrack.rules import NOTES_MAX_LENGTH

ENTRIES = "/api/v1/time-tracking/entries"
LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024
LIST_MAX = 1000


# -- request bodies ---------------------------------------------------------


def entry_body(size: int) -> bytes:
    """A JSON entry of exactly ``size`` bytes (a very long note)."""
    prefix, suffix = b'{"start_time": "2024-01-22T09:00:00", "notes": "', b'"}'
    return prefix + b"x" * (size - len(prefix) - len(suffix)) + suffix


def oversized_body() -> bytes:
    return entry_body(MAX_BODY_BYTES + 1)


def test_oversized_body_is_413_in_the_personal_format(client, user):
    headers = user["headers"] | {"Content-Type": "application/json"}
    response = client.post(ENTRIES, content=oversized_body(), headers=headers)

    assert response.status_code == 413
    assert response.json() == {"detail": f"The request body is larger than {MAX_BODY_BYTES} bytes."}
    assert client.get(ENTRIES, headers=user["headers"]).json() == []  # nothing was created


def test_openapi_documents_the_413_of_every_operation_with_a_body_in_its_apis_format(client):
    document = client.get("/openapi.json").json()
    with_body = [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    ]
    assert len(with_body) >= 15
    for name, operation in with_body:
        too_large, unauthorized = operation["responses"].get("413"), operation["responses"]["401"]
        assert too_large is not None, name
        assert too_large["content"] == unauthorized["content"], name  # the envelope for the clock-in API


def test_body_at_the_limit_is_parsed(client, user):  # and its over-long note named
    headers = user["headers"] | {"Content-Type": "application/json"}
    response = client.post(ENTRIES, content=entry_body(MAX_BODY_BYTES), headers=headers)

    assert response.status_code == 400
    assert [issue["loc"] for issue in response.json()["detail"]] == [["body", "notes"]]


def test_oversized_body_without_content_length_is_counted(client, user):
    chunks = (oversized_body()[i : i + 65536] for i in range(0, MAX_BODY_BYTES + 1, 65536))
    headers = user["headers"] | {"Content-Type": "application/json"}
    response = client.post(ENTRIES, content=chunks, headers=headers)  # chunked: no Content-Length

    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]


def test_a_body_larger_than_its_declared_length_is_counted(services, demo_user):
    from functions.entries.app import handler

    event = load_event("entries_create.json")
    event["body"] = oversized_body().decode()
    event["headers"]["content-length"] = "100"

    response = handler(event, FakeContext())

    assert response["statusCode"] == 413
    assert json.loads(response["body"]) == {"detail": f"The request body is larger than {MAX_BODY_BYTES} bytes."}


def test_oversized_body_is_413_in_the_clock_in_envelope_through_the_lambda(services, demo_user):
    from functions.clock_in.app import handler

    event = load_event("clock_in_start.json")
    event["body"] = oversized_body().decode()
    event["headers"]["content-length"] = str(len(event["body"]))

    response = handler(event, FakeContext())

    assert response["statusCode"] == 413
    body = json.loads(response["body"])
    assert body["success"] is False
    assert body["message"] == "Request body too large"
    assert body["error"] == f"The request body is larger than {MAX_BODY_BYTES} bytes."
    assert body["meta"]["api_version"] == "2.0.0"


# -- response size ----------------------------------------------------------


def worst_case_note(rng: random.Random) -> str:
    """2000 characters that grow most in a Lambda response: astral characters
    (4 bytes of UTF-8, a 12-byte surrogate pair when JSON-escaped), random so
    gzip cannot shrink them much."""
    return "".join(chr(rng.randrange(0x1F300, 0x1FAFF)) for _ in range(NOTES_MAX_LENGTH))


def seed_history(services, user_id: int, count: int) -> list[int]:
    """``count`` finished entries with worst-case notes, one a day back from
    2024-01-21, written in batches (the items as the DAL writes them; one
    transaction each would take minutes in moto); their ids newest first."""
    rng = random.Random(6)
    first = dt.datetime(2024, 1, 21, 9, 0, tzinfo=dt.UTC)
    entries = []
    for days in range(count):
        start = first - dt.timedelta(days=days)
        entries.append(
            Entry(
                id=1000 + days,
                user_id=user_id,
                date=start.date(),
                start_time=start,
                end_time=start + dt.timedelta(hours=1),
                hourly_rate=Decimal("50"),
                payment_status=PaymentStatus.NOT_PAID,
                notes=worst_case_note(rng),
                created_at=start,
                updated_at=start,
            )
        )
    items = [{"PutRequest": {"Item": _entry_item(entry)}} for entry in entries]
    table = services.config.entries_table
    for chunk in range(0, len(items), 25):
        batch = {table: items[chunk : chunk + 25]}
        while batch:
            batch = services.dynamodb.batch_write_item(RequestItems=batch).get("UnprocessedItems") or {}
    return [entry.id for entry in entries]


def list_everything(accept_encoding: str | None) -> dict:
    from functions.entries.app import handler

    event = load_event("entries_list.json")
    event["queryStringParameters"] = {"skip": "0", "limit": str(LIST_MAX)}
    event["rawQueryString"] = f"skip=0&limit={LIST_MAX}"
    if accept_encoding:
        event["headers"]["accept-encoding"] = accept_encoding
    return handler(event, FakeContext())


def lambda_response_size(response: dict) -> int:
    """The response as the Lambda runtime sends it (ASCII-escaped JSON: the larger form)."""
    return len(json.dumps(response).encode())


def test_the_largest_list_fits_lambdas_response_limit(services, demo_user):
    """1000 entries with 2000-character worst-case notes, through the entries
    Lambda's handler: the answer stays under 6 MiB with and without gzip, and
    holds the newest entries, in order."""
    newest_first = seed_history(services, demo_user["user_id"], LIST_MAX)

    plain = list_everything(None)
    zipped = list_everything("gzip, deflate, br")

    assert plain["statusCode"] == zipped["statusCode"] == 200
    assert plain["isBase64Encoded"] is False
    assert zipped["headers"]["content-encoding"] == "gzip"
    assert zipped["isBase64Encoded"] is True  # Mangum: the compressed body is not text
    assert lambda_response_size(plain) < LAMBDA_RESPONSE_LIMIT
    assert lambda_response_size(zipped) < LAMBDA_RESPONSE_LIMIT
    returned = [entry["id"] for entry in json.loads(plain["body"])]
    assert 0 < len(returned) < LIST_MAX
    assert returned == newest_first[: len(returned)]
    assert plain["headers"]["x-truncated"] == zipped["headers"]["x-truncated"] == "true"
    unzipped = json.loads(gzip.decompress(base64.b64decode(zipped["body"])))
    assert [entry["id"] for entry in unzipped] == returned


def test_paging_on_by_what_was_received_reaches_every_entry(client, services, demo_user, monkeypatch):
    newest_first = seed_history(services, demo_user["user_id"], 30)
    monkeypatch.setattr(responses, "LIST_BODY_BUDGET", 200_000)  # about 8 worst-case entries a page
    seen: list[int] = []
    pages = 0
    while True:
        response = client.get(ENTRIES, params={"skip": len(seen), "limit": LIST_MAX}, headers=demo_user["headers"])
        assert response.status_code == 200
        seen += [entry["id"] for entry in response.json()]
        pages += 1
        if response.headers.get("x-truncated") != "true":
            break
    assert seen == newest_first
    assert pages > 2


def test_an_ordinary_list_is_whole_and_gzipped_on_request(client, user):
    for day in range(1, 21):
        body = {"start_time": f"2024-01-{day:02d}T09:00:00", "end_time": f"2024-01-{day:02d}T10:00:00"}
        assert client.post(ENTRIES, json=body, headers=user["headers"]).status_code == 201

    response = client.get(ENTRIES, headers=user["headers"] | {"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "x-truncated" not in response.headers
    assert len(response.json()) == 20
