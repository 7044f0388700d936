"""Fast JSON responses for the hot routes.

A route that returns a ``Response`` skips FastAPI's second validation and
serialisation of its return value against ``response_model`` (which still
documents the route). pydantic-core writes the models' JSON in one call; the
schemathesis test checks the answers against the documented schema.
"""

from __future__ import annotations

from typing import Any

import pydantic_core
from fastapi import Response


def respond(content: Any, status_code: int = 200) -> Response:
    """``content``: a model, a list of models, or None (JSON null)."""
    return Response(pydantic_core.to_json(content), status_code=status_code, media_type="application/json")
