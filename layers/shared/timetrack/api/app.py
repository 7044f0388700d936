"""Building a function's FastAPI app and its Lambda handler, the same way for all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.utils import get_openapi
from mangum import Mangum
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import BaseRoute, Match

from ..errors import DomainError, PayloadTooLarge
from ..observability import logger, metrics, tracer
from ..runtime import services
from . import docs as swagger_ui
from . import edge, errors, idempotency, limits
from .edge import GZIP_LEVEL, GZIP_MINIMUM_BYTES, BodySizeLimit
from .links import add_links

API_PREFIX = "/api/v1/time-tracking"
CLOCK_IN_PREFIX = "/time-tracking"  # API Gateway routes every path under it to the clock-in function


def create_app(
    *routers: APIRouter,
    title: str = "timetrack",
    docs: bool = False,
    install_errors: Callable[[FastAPI], None] = errors.install,
) -> FastAPI:
    """One FastAPI app over ``routers``. Lambda apps skip the docs routes;
    the local server mounts every router in one app with docs.
    ``install_errors`` registers the app-wide error mapping: the personal
    API's bare JSON by default, ``envelope.install`` for the clock-in API."""
    app = FastAPI(
        title=title,
        version="1.0.0",
        docs_url=None,  # docs.install: Swagger UI without a CDN
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    for router in routers:
        app.include_router(router)
    app.state.routers = routers  # what this app serves; the local server mounts them all
    if docs:
        swagger_ui.install(app)
    install_errors(app)
    app.add_middleware(idempotency.IdempotencyMiddleware)
    app.add_middleware(limits.RateLimitHeaders)  # outermost: replays carry the headers too
    _allow_every_method(app, [route for router in routers for route in router.routes])
    _guard_the_edge(app)
    _document_400_not_422(app)
    return app


def _guard_the_edge(app: FastAPI) -> None:
    """Oversized bodies answer 413 through the app's own DomainError handler
    (looked up per request, so each API keeps its format); answers are gzipped
    for clients that accept it (see ``edge``)."""

    async def too_large(request: Request, error: PayloadTooLarge) -> Response:
        return await app.exception_handlers[DomainError](request, error)

    app.add_middleware(BodySizeLimit, reject=too_large)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)


def _allow_every_method(app: FastAPI, routes: list[BaseRoute]) -> None:
    """A 405 lists in ``Allow`` every method of the path, whatever style answers it
    (Starlette names only the first route whose path matches: a 405 on POST /entries/1
    would miss PUT and DELETE)."""
    answer = app.exception_handlers[HTTPException]

    async def method_not_allowed(request: Request, error: HTTPException) -> Any:
        if error.status_code == 405:
            allowed = {
                method
                for route in routes
                if route.matches(request.scope)[0] is not Match.NONE
                for method in getattr(route, "methods", None) or ()
            }
            error.headers = {**(error.headers or {}), "Allow": ", ".join(sorted(allowed))}
        return await answer(request, error)

    app.add_exception_handler(HTTPException, method_not_allowed)


def _document_400_not_422(app: FastAPI) -> None:
    """FastAPI documents 422 for every route with parameters; we answer 400
    (declared by each router), so drop FastAPI's 422 from the generated document
    (a 422 a router declares itself, seed 003's, stays). The
    document also gets its OpenAPI links (``links.LINKS``)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    responses = operation.get("responses", {})
                    if "HTTPValidationError" in str(responses.get("422")):  # FastAPI's own, never sent
                        responses.pop("422")
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
            edge.document(schema)  # before limits, which lists its headers on every answer but the 401
            idempotency.document(schema)  # first: its 409/422 carry the rate-limit headers too
            limits.document(schema)
            add_links(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi


def lambda_handler(app: FastAPI) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """Mangum, once, under Powertools' logger/tracer/metrics decorators."""
    asgi = Mangum(app, lifespan="off")
    services()  # clients built at cold start (inside SnapStart's snapshot)
    _register_snapshot_hooks(asgi)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @tracer.capture_lambda_handler(capture_response=False)  # responses hold user data: keep them out of X-Ray
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return asgi(event, context)

    return handler


def _register_snapshot_hooks(asgi: Mangum) -> None:
    try:  # only inside the Lambda Python runtime with SnapStart
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return

    @register_before_snapshot
    def prime() -> None:
        import jwt  # noqa: F401  (JWT verification is imported lazily otherwise)

        # Run one request through Mangum/FastAPI so their first-call work is in the snapshot.
        asgi(_PRIME_EVENT, _PrimeContext())

    @register_after_restore
    def restored() -> None:
        services().after_restore()


class _PrimeContext:
    function_name = "prime"
    aws_request_id = "prime"


_PRIME_EVENT = {
    "version": "2.0",
    "routeKey": "$default",
    "rawPath": "/__prime",
    "rawQueryString": "",
    "headers": {"host": "localhost"},
    "requestContext": {
        "http": {
            "method": "GET",
            "path": "/__prime",
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": "prime",
        },
        "requestId": "prime",
        "stage": "$default",
    },
    "isBase64Encoded": False,
}
