"""Workspace clock-in API v2 (stub, being built)."""

from fastapi import APIRouter

from timetrack.api.app import create_app, lambda_handler

router = APIRouter(prefix="/time-tracking", tags=["clock-in"])

app = create_app(router)
handler = lambda_handler(app)
