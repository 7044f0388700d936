"""Shared fixtures: an in-memory AWS built from template.yaml, a controllable
clock, the combined app, and users with tokens."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
import requests
from fastapi.testclient import TestClient
from moto import mock_aws

from local import stack
from local.app import build_app
from local.moto_server import MotoServer, atomic_dynamodb
from timetrack import runtime
from timetrack.config import Settings
from timetrack.workspaces import Member, Role

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"

stack.configure_environment()
# Never a real account: dummy credentials for moto (mock_aws and the moto server).
for _name, _value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
    os.environ.setdefault(_name, _value)


class FrozenClock:
    """The services' clock; tests move it explicitly."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, when: str | dt.datetime) -> None:
        self.now = dt.datetime.fromisoformat(when) if isinstance(when, str) else when

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(dt.datetime(2024, 1, 22, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def aws() -> Iterator[None]:
    """A fresh in-memory AWS with every table (and queue) of the template."""
    with mock_aws():
        stack.create_resources(
            boto3.client("dynamodb", region_name=stack.REGION), boto3.client("sqs", region_name=stack.REGION)
        )
        yield
    runtime.reset()


@pytest.fixture
def services(aws, clock) -> runtime.Services:
    """The process's service container, on the mock and the frozen clock."""
    runtime.reset()
    built = runtime.build(Settings(token_cache_seconds=0), clock=clock)
    runtime.reset(built)
    return built


@pytest.fixture
def client(services) -> TestClient:
    return TestClient(build_app(), raise_server_exceptions=False)


@pytest.fixture
def make_user(services):
    """make_user("a@example.com") -> {"user_id", "token", "headers"}."""

    def create(email: str) -> dict:
        user_id = services.accounts.create_user(email)
        token = services.accounts.issue_token(user_id).token
        return {"user_id": user_id, "token": token, "headers": {"Authorization": f"Bearer {token}"}}

    return create


@pytest.fixture
def user(make_user) -> dict:
    return make_user("alice@example.com")


@pytest.fixture
def demo_user(services) -> dict:
    """The demo user whose token the events in events/ carry."""
    user_id = stack.seed_demo_user(services)
    return {"user_id": user_id, "token": stack.DEMO_TOKEN, "headers": {"Authorization": f"Bearer {stack.DEMO_TOKEN}"}}


def join(services: runtime.Services, workspace_id: int, user_id: int, role: Role = Role.MEMBER, *, by: int) -> Member:
    """``by`` invites the user and the user accepts: the only way into a workspace."""
    services.workspaces.invite(by, workspace_id, role, user_id=user_id)
    return services.workspaces.accept(user_id, workspace_id)


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def _reset_moto(url: str) -> None:
    """moto's state is process-wide: start and end each use with none."""
    response = requests.post(f"{url}/moto-api/reset", timeout=10)
    assert response.status_code == 200


@pytest.fixture
def moto_server(monkeypatch) -> Iterator[str]:
    """A moto server on a free port, for races over real HTTP; yields its URL.

    DynamoDB requests are atomic in it, as on AWS and in `make run`
    (``local.moto_server.atomic_dynamodb``); the races the tests are about
    stay: between the separate requests each thread makes.
    """
    with atomic_dynamodb():
        server = MotoServer()
        server.start()
        url = server.url
        try:
            _reset_moto(url)
            monkeypatch.setenv("AWS_ENDPOINT_URL", url)
            yield url
        finally:
            try:
                _reset_moto(url)
            finally:
                server.stop()
                runtime.reset()


@pytest.fixture
def served(moto_server, clock) -> Iterator[runtime.Services]:
    """The service container talking HTTP to the moto server (real concurrency)."""
    stack.create_resources(boto3.client("dynamodb", endpoint_url=moto_server, region_name=stack.REGION))
    runtime.reset()  # the boto3 clients are cached per process: rebuild them for this endpoint
    built = runtime.build(Settings(token_cache_seconds=0), clock=clock)
    runtime.reset(built)
    try:
        yield built
    finally:
        runtime.reset()


@pytest.fixture
def api_url(served, monkeypatch) -> Iterator[str]:
    """What `make run` serves, over real HTTP: the combined app under uvicorn on a
    free port (in a thread), on the services of ``served``, with the demo user
    and the demo workspace the seed documents' examples name. Yields the base URL."""
    import threading

    import uvicorn

    from local.moto_server import bind

    stack.seed_demo_workspace(served, stack.seed_demo_user(served))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")  # clients (requests, curl) reach it directly
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(build_app(), log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(1000):  # at most ~10 s; it takes a few milliseconds
        if server.started or not thread.is_alive():
            break
        threading.Event().wait(0.01)
    assert server.started, "the API server did not start"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
