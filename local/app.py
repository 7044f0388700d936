"""One ASGI app serving every endpoint group, with docs: the same routers
the Lambdas serve, so local and AWS share one code path."""

from __future__ import annotations

import importlib

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from timetrack.api import idempotency, limits
from timetrack.api.app import create_app
from timetrack.runtime import services

GROUPS = ("entries", "sessions", "stats", "settings", "workspaces", "clock_in")


def build_app() -> FastAPI:
    routers = [importlib.import_module(f"functions.{group}.app").router for group in GROUPS]
    app = create_app(*routers, title="timetrack (local)", docs=True)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=services().config.cors_origins,
        allow_methods=["*"],
        allow_headers=["Authorization", "Content-Type", "X-API-Key", "Idempotency-Key"],
        expose_headers=["Retry-After", *limits.HEADERS, idempotency.REPLAYED],
    )
    return app
