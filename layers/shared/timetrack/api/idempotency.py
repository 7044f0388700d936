"""Idempotency-Key over HTTP, for every authenticated POST of every API.

:func:`begin` runs in the authentication dependency (the key is per user):
it claims the key, or raises a domain error (400 malformed key, 422 key used
for another request, 409 first request in flight) that the API's own error
mapper renders, or raises :class:`IdempotentReplay` with the kept answer.
:class:`IdempotencyMiddleware` sends that answer with ``Idempotent-Replayed:
true``, and keeps a claimed request's answer before it leaves (so a client
retrying the instant it has the answer finds it kept).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..dal.idempotency import KeptResponse
from ..observability import logger
from ..principal import Principal
from ..runtime import services
from ..services.idempotency import HEADER, KEY_PATTERN, Claim, request_hash
from .schemas import error_content

STATE_KEY = "idempotency_claim"  # on request.state: the request's Claim
REPLAYED = "Idempotent-Replayed"


class IdempotentReplay(Exception):
    """A repeat of a request already answered: :class:`IdempotencyMiddleware`
    answers ``response``; the route does not run."""

    def __init__(self, response: KeptResponse) -> None:
        super().__init__("idempotent replay")
        self.response = response


async def begin(request: Request, principal: Principal) -> None:
    """For a POST carrying the header: claim its key, or replay its kept answer."""
    if request.method != "POST" or (key := request.headers.get(HEADER)) is None:
        return
    fingerprint = request_hash(request.method, request.url.path, request.url.query, await request.body())
    outcome = services().idempotency.begin(principal.user_id, key, fingerprint, workspace_id=principal.workspace_id)
    if isinstance(outcome, KeptResponse):
        raise IdempotentReplay(outcome)
    setattr(request.state, STATE_KEY, outcome)


class IdempotencyMiddleware:
    """Answers replays; keeps (or frees) the key of a claimed request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        held: list[Message] = []
        answered = False

        async def hold_if_claimed(message: Message) -> None:
            nonlocal answered
            claim = state.get(STATE_KEY)
            if claim is None:
                await send(message)
                return
            held.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered = True
                _keep(claim, held)
                for each in held:
                    await send(each)

        try:
            await self.app(scope, receive, hold_if_claimed)
        except IdempotentReplay as replay:
            await _replay(send, replay.response)
        except BaseException:
            if (claim := state.get(STATE_KEY)) is not None and not answered:
                _free(claim)  # no answer (the API's 500 follows): a retry runs anew
            raise


def _keep(claim: Claim, messages: list[Message]) -> None:
    start = messages[0]
    headers = dict(start.get("headers", []))
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    response = KeptResponse(start["status"], body, headers.get(b"content-type", b"application/json").decode())
    try:
        services().idempotency.finish(claim, response)
    except Exception:  # the request is done: its answer goes out even if it could not be kept
        logger.exception("Could not keep the answer of an idempotent request")


def _free(claim: Claim) -> None:
    try:
        services().idempotency.abandon(claim)
    except Exception:  # the claim lapses by itself; the request's own error matters more
        logger.exception("Could not free an Idempotency-Key")


async def _replay(send: Send, response: KeptResponse) -> None:
    headers = [
        (b"content-type", response.content_type.encode()),
        (b"content-length", str(len(response.body)).encode()),
        (REPLAYED.lower().encode(), b"true"),
    ]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


def document(schema: dict[str, Any]) -> None:
    """In the OpenAPI document: the header on every POST of an authenticated
    operation, its 409 and 422 (in the error format of the operation's 401),
    and ``Idempotent-Replayed`` on its answers."""
    parameter = {
        "name": HEADER,
        "in": "header",
        "required": False,
        "description": (
            "Makes a retry safe: the first request with a key runs and its answer is kept for 24 hours; "
            "a repeat with the same body gets that answer again (with `Idempotent-Replayed: true`) and changes "
            "nothing. The same key with another body is 422; a repeat while the first runs is 409."
        ),
        "schema": {"type": "string", "minLength": 1, "maxLength": 128, "pattern": KEY_PATTERN},
    }
    replayed = {
        "description": "`true` when this is the kept answer of an earlier request with the same Idempotency-Key",
        "schema": {"type": "string", "enum": ["true"]},
    }
    for path in schema.get("paths", {}).values():
        operation = path.get("post")
        if not isinstance(operation, dict) or not operation.get("security"):
            continue
        operation.setdefault("parameters", []).append(parameter)
        responses = operation["responses"]
        for status, response in responses.items():
            if status not in ("401", "429"):
                response.setdefault("headers", {})[REPLAYED] = replayed
        error = error_content(responses)
        in_flight = "A request with the same Idempotency-Key is still in progress"
        if "409" in responses:  # the route's own conflict, or the in-flight one in the 401's format
            conflict = responses["409"]
            conflict["description"] += f"; or: {in_flight}"
            for media, content in conflict.get("content", {}).items():
                other = error.get("content", {}).get(media)
                if other and other["schema"] != content["schema"]:
                    content["schema"] = {"anyOf": [content["schema"], other["schema"]]}
        else:
            responses["409"] = {"description": in_flight, **error}
        reused = "The Idempotency-Key was used for a different request"
        if "422" in responses:  # the route's own 422 (seed 003's validation) answers this too
            responses["422"]["description"] += f"; or: {reused}"
        else:
            responses["422"] = {"description": reused, **error}
