"""Fast JSON responses for the hot routes.

A route that returns a ``Response`` skips FastAPI's second validation and
serialisation of its return value against ``response_model`` (which still
documents the route). pydantic-core writes the models' JSON in one call; the
schemathesis test checks the answers against the documented schema.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pydantic_core
from fastapi import Response


def respond(content: Any, status_code: int = 200) -> Response:
    """``content``: a model, a list of models, or None (JSON null)."""
    return Response(pydantic_core.to_json(content), status_code=status_code, media_type="application/json")


# Lambda answers at most 6 MiB, counted on the JSON document the runtime
# sends: the body is a string in it, so each byte of the body may grow when
# escaped (at most 3x: "é" is 2 bytes and becomes \u00e9, an emoji 4 and
# becomes a 12-byte surrogate pair). A gzipped body is base64 in it (4/3 of
# the compressed size, which is at most the plain size plus a few hundred
# bytes). A body whose escaped size stays within 4.5 MB therefore fits either
# way, with room for the status and headers.
LIST_BODY_BUDGET = 4_500_000
_MAX_ESCAPE_GROWTH = 3
TRUNCATED_HEADER = "X-Truncated"


def _escaped_size(part: bytes) -> int:
    """Bytes ``part`` takes inside a JSON string (ASCII-escaped, the worst case)."""
    return len(json.dumps(part.decode())) - 2


def respond_list(items: Sequence[Any]) -> Response:
    """A JSON array of ``items`` in order, stopping before the one that would
    take the body past ``LIST_BODY_BUDGET`` (see above). A cut-short answer carries
    ``X-Truncated: true``: the client asks again with ``skip`` advanced by the
    number of items it received."""
    budget = LIST_BODY_BUDGET
    body = pydantic_core.to_json(items)
    if len(body) * _MAX_ESCAPE_GROWTH <= budget:  # the usual case: no item needs measuring
        return Response(body, media_type="application/json")
    parts: list[bytes] = []
    size = 2  # the brackets
    for item in items:
        part = pydantic_core.to_json(item)
        size += _escaped_size(part) + (1 if parts else 0)
        if size > budget:
            break
        parts.append(part)
    headers = {TRUNCATED_HEADER: "true"} if len(parts) < len(items) else None
    return Response(b"[" + b",".join(parts) + b"]", media_type="application/json", headers=headers)
