"""`make run` (python -m local.server) as a developer meets it, in a subprocess:
a taken port fails at once; the banner comes when the API answers and starts
nothing; each request has its access line with the function and request id;
30 concurrent starts on its in-memory AWS leave one timer; `make user` finds the stack; Ctrl-C
stops it all. Waits are bounded so a hang fails instead of blocking the run."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from local.moto_server import PortInUse, bind
from local.stack import DEMO_TOKEN
from tests.racing import race
from timetrack import runtime
from timetrack.config import Settings
from timetrack.errors import TimerRunning

ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 120  # seconds; a loaded CI machine imports slowly
DEMO = {"Authorization": f"Bearer {DEMO_TOKEN}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(stack_file: Path, port: int, moto_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'layers' / 'shared'}{os.pathsep}{ROOT}",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "TIMETRACK_STACK_FILE": str(stack_file),
        "PORT": str(port),
        "MOTO_PORT": str(moto_port),
        "PYTHONUNBUFFERED": "1",
    }


@pytest.mark.parametrize("taken", ["PORT", "MOTO_PORT"])
def test_a_taken_port_fails_at_once_with_one_line(tmp_path, taken):
    with socket.socket() as occupant:
        occupant.bind(("127.0.0.1", 0))
        occupant.listen()
        ports = {"PORT": free_port(), "MOTO_PORT": free_port(), taken: occupant.getsockname()[1]}
        result = subprocess.run(
            [sys.executable, "-m", "local.server"],
            env=server_env(tmp_path / "stack.json", ports["PORT"], ports["MOTO_PORT"]),
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            cwd=ROOT,
        )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert f"port {ports[taken]} ({taken}) is in use" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "stack.json").exists()


class Stack:
    """A running `python -m local.server`; its stdout lines are collected as they come."""

    def __init__(self, stack_file: Path) -> None:
        self.stack_file = stack_file
        self.port, self.moto_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = server_env(stack_file, self.port, self.moto_port)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.server"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=ROOT,
        )
        self.lines: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._new.put(line.rstrip("\n"))

    def wait_for(self, found: Callable[[str], bool], timeout: float = 30) -> str:
        """The first line (already printed or coming) for which ``found`` is true."""
        for line in self.lines:
            if found(line):
                return line
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._new.get(timeout=left)
            except queue.Empty:
                break
            self.lines.append(line)
            if found(line):
                return line
        raise AssertionError("not printed; output so far:\n" + "\n".join(self.lines))


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[Stack]:
    running = Stack(tmp_path_factory.mktemp("run") / "stack.json")
    try:
        running.wait_for(lambda line: "timetrack is ready" in line, timeout=START_TIMEOUT)
        running.wait_for(lambda line: line.strip().startswith("logs"))  # the banner's last line
        yield running
    finally:
        if running.process.poll() is None:
            running.process.kill()
            running.process.wait()


def manage(stack: Stack, *argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (the tests' own arguments)
        [sys.executable, "-m", "local.manage", "--local", *argv],
        env={**stack.env, "PORT": "", "MOTO_PORT": ""},  # found through the state file only
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_ready_banner_names_the_stack_and_its_try_line_starts_nothing(stack):
    state = json.loads(stack.stack_file.read_text())
    assert state == {"pid": stack.process.pid, "port": stack.port, "moto_port": stack.moto_port}
    banner = "\n".join(stack.lines)
    assert f"timetrack is ready at {stack.url}" in banner
    try_line = stack.wait_for(lambda line: line.strip().startswith("try"))
    assert " -X " not in try_line  # a GET
    assert try_line.split()[-1] == f"{stack.url}/api/v1/time-tracking/sessions/active"
    assert httpx.get(f"{stack.url}/api/v1/time-tracking/sessions/active", headers=DEMO).json() is None


def test_each_request_has_an_access_line_and_logs_carry_function_and_request_id(stack):
    response = httpx.get(f"{stack.url}/api/v1/time-tracking/settings", headers=DEMO)
    request_id = response.headers["x-request-id"]
    access = stack.wait_for(lambda line: request_id in line and "GET " in line)
    assert " GET /api/v1/time-tracking/settings 200 " in access
    assert " ms " in access
    assert access.split()[-2:] == ["settings", request_id]

    rejected = httpx.post(
        f"{stack.url}/time-tracking/start", headers=DEMO, json={"workspace_id": 99, "user_id": 1, "contract_id": 1}
    )
    assert rejected.status_code == 404
    request_id = rejected.headers["x-request-id"]
    logged = json.loads(stack.wait_for(lambda line: line.startswith("{") and request_id in line))
    assert logged["function_name"] == "clock_in"
    assert logged["function_request_id"] == request_id
    assert logged["message"] == "Clock-in request rejected"
    assert httpx.get(f"{stack.url}/api/v1/time-tracking/settings", headers=DEMO).headers["x-request-id"] != request_id


def test_make_user_finds_the_stack(stack):
    created = manage(stack, "create-user", "--email", "newcomer@example.com")
    assert created.returncode == 0, created.stderr
    headers = {"Authorization": f"Bearer {json.loads(created.stdout)['token']}"}
    response = httpx.get(f"{stack.url}/api/v1/time-tracking/settings", headers=headers)
    assert response.status_code == 200


def test_its_in_memory_aws_applies_concurrent_writes_atomically(stack, monkeypatch):
    """Writers racing on `make run`'s moto, as Lambdas race on DynamoDB: one timer."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{stack.moto_port}")
    runtime.reset()  # boto3 clients for this endpoint
    try:
        services = runtime.build(Settings(token_cache_seconds=0))
        user_id = services.accounts.create_user("racer@example.com")
        entries = services.entries
        outcomes = race(30, lambda i: entries.start(entries.caller(user_id), notes=f"start {i}"))
        started = [value for kind, value in outcomes if kind == "ok"]
        assert len(started) == 1, f"{len(started)} timers started"
        assert all(isinstance(value, TimerRunning) for kind, value in outcomes if kind == "error")
        assert [entry.id for entry in entries.page(entries.caller(user_id)) if entry.running] == [started[0].id]
    finally:
        runtime.reset()


def test_ctrl_c_stops_the_stack_and_frees_its_ports(stack):
    stack.process.send_signal(signal.SIGINT)
    assert stack.process.wait(timeout=30) == 130
    stack.wait_for(lambda line: "timetrack stopped" in line)
    assert not stack.stack_file.exists()
    for port in (stack.port, stack.moto_port):
        try:
            bind("127.0.0.1", port).close()
        except PortInUse:
            pytest.fail(f"port {port} is still taken")
    stopped = manage(stack, "create-user", "--email", "late@example.com")
    assert stopped.returncode == 1
    assert stopped.stdout == ""
    assert "no local stack is running" in json.loads(stopped.stderr)["error"]
