"""Swagger UI served by the app itself: its page and assets work offline.

FastAPI's default docs page loads Swagger UI from a CDN, so without internet
it is blank. The assets ship in the pinned ``fastapi-offline`` package (only
its static files are used) and are served from ``<docs path>/assets/``, so
the same call can mount the docs at ``/docs`` locally or ``/api/docs``
behind API Gateway.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

# File of the package's static folder -> its media type.
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}


def _static_folder() -> Path:
    spec = importlib.util.find_spec("fastapi_offline")  # located, not imported
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("fastapi-offline is not installed: it ships the Swagger UI assets")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def install(
    app: FastAPI | APIRouter, *, path: str = "/docs", openapi_url: str = "/openapi.json", title: str | None = None
) -> None:
    """GET ``path``: Swagger UI over ``openapi_url``; GET ``path``/assets/<name>: its files.
    On a router, ``title`` names the page (an app's own title does by default)."""
    folder = _static_folder()
    assets = f"{path}/assets"
    page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{title or getattr(app, 'title', 'API')} - Swagger UI",
        swagger_js_url=f"{assets}/swagger-ui-bundle.js",
        swagger_css_url=f"{assets}/swagger-ui.css",
        swagger_favicon_url=f"{assets}/favicon.png",
        # No validator badge: it would send the document's URL to validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    ).body

    @app.get(path, include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page)

    def serve(name: str, media_type: str):
        async def asset() -> FileResponse:
            return FileResponse(folder / name, media_type=media_type)

        return asset

    for name, media_type in ASSETS.items():
        app.add_api_route(f"{assets}/{name}", serve(name, media_type), include_in_schema=False)
