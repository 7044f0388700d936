"""Workspaces: the directory of members, projects, contracts and tasks (stub, being built)."""

from fastapi import APIRouter

from timetrack.api.app import create_app, lambda_handler

router = APIRouter(prefix="/api/v1/workspaces", tags=["workspaces"])

app = create_app(router)
handler = lambda_handler(app)
