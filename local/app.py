"""One ASGI app serving every endpoint group, with docs: the same routers
the Lambdas serve, so local and AWS share one code path."""

from __future__ import annotations

import importlib

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from local.observability import RequestContext
from timetrack.api import envelope, errors
from timetrack.api.app import CLOCK_IN_PREFIX, create_app
from timetrack.api.taskodex import errors as taskodex_errors
from timetrack.runtime import services

GROUPS = ("entries", "sessions", "stats", "settings", "workspaces", "clock_in", "tokens", "org_time_entries")
# Browsers may read these answer headers (a client backs off on Retry-After and the rate limits).
EXPOSED_HEADERS = [
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Idempotent-Replayed",
    "X-Truncated",
]


def _install_errors(app: FastAPI) -> None:
    """The personal API's style, the envelope under the clock-in prefix and `{"message"}`
    under the organization time-entries prefix (as on AWS)."""
    errors.install(app)
    envelope.install_under(app, CLOCK_IN_PREFIX)
    taskodex_errors.install_under(app)


def build_app() -> FastAPI:
    # Each function's own routers: exactly what its Lambda serves.
    routers = {group: importlib.import_module(f"functions.{group}.app").app.state.routers for group in GROUPS}
    app = create_app(
        *(router for own in routers.values() for router in own),
        title="timetrack (local)",
        docs=True,
        install_errors=_install_errors,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=services().config.cors_origins,
        allow_methods=["*"],
        allow_headers=["Authorization", "Content-Type", "X-API-Key", "Idempotency-Key"],
        expose_headers=EXPOSED_HEADERS,
    )
    # Outermost, so its access log line times everything.
    app.add_middleware(
        RequestContext,
        routes=[(route, group) for group, own in routers.items() for router in own for route in router.routes],
    )
    return app
