"""`make run`: the whole API on an in-memory AWS (moto), no account, no Docker.

moto's server listens on 127.0.0.1:$MOTO_PORT (8001), the API on
127.0.0.1:$PORT (8000); both ports are bound first, so a port in use fails at
once with one line. A background thread feeds the clock-in queue to the
worker's handler as SQS events (local.poller). The banner is printed once the
API answers, and `.run/stack.json` (local.runstate) tells `make user` and
`make demo` where the stack is, until it stops. Ctrl-C (or SIGTERM) stops it.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

HOST = "127.0.0.1"
READY_PATH = "/api/v1/time-tracking/settings"  # answers 200 once the API, its auth and the tables work


def _configure_logging() -> None:
    """One access line per request (local.observability) on stdout; moto's own access log off."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    access = logging.getLogger("timetrack.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False
    logging.getLogger("werkzeug").setLevel(logging.ERROR)


def _port_in_use(variable: str, port: int) -> str:
    from local import runstate

    try:
        running = runstate.running()
    except runstate.NoStack:
        running = None
    if running is not None and port in (running.port, running.moto_port):
        return (
            f"make run: timetrack is already running on {running.api_url} (pid {running.pid}): "
            f"stop it with Ctrl-C in its terminal, or start another with PORT=… MOTO_PORT=…"
        )
    return (
        f"make run: port {port} ({variable}) is in use by another program: stop it, or make run {variable}={port + 10}"
    )


def _wait_until_ready(base: str, token: str, stopping: threading.Event) -> bool:
    import httpx

    while not stopping.is_set():
        try:
            if httpx.get(base + READY_PATH, headers={"Authorization": f"Bearer {token}"}, timeout=2).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        stopping.wait(0.1)
    return False


def _banner(base: str, aws_url: str, token: str) -> str:
    return (
        f"\ntimetrack is ready at {base} (in memory: the data is gone when it stops; Ctrl-C stops it)\n"
        f"  base URL   {base}/api/v1/time-tracking\n"
        f"  workspaces {base}/api/v1/workspaces  ·  clock-in {base}/time-tracking/start\n"
        f"  docs       {base}/docs\n"
        f"  demo token {token}\n"
        f"  try        curl -s -H 'Authorization: Bearer {token}' {base}/api/v1/time-tracking/sessions/active\n"
        f"  new user   make user EMAIL=you@example.com  ·  walkthrough: make demo\n"
        f"  AWS        moto at {aws_url}; the worker takes clock-ins from the queue within about a second\n"
        f"  logs       below: one line per request (method, path, status, time, function, request id)\n"
        f"             and the functions' JSON logs\n"
    )


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    moto_port = int(os.environ.get("MOTO_PORT", "8001"))
    print(f"Starting timetrack: an in-memory AWS on {HOST}:{moto_port}, the API on {HOST}:{port} …", flush=True)
    from local.moto_server import MotoServer, PortInUse, atomic_dynamodb, bind

    try:
        api_socket = bind(HOST, port)
    except PortInUse:
        print(_port_in_use("PORT", port), file=sys.stderr)
        return 1
    with atomic_dynamodb():
        try:
            moto = MotoServer(HOST, moto_port)
        except PortInUse:
            api_socket.close()
            print(_port_in_use("MOTO_PORT", moto_port), file=sys.stderr)
            return 1
        moto.start()
        try:
            return _serve(api_socket, moto.url, port, moto_port)
        finally:
            moto.stop()


def _serve(api_socket, aws_url: str, port: int, moto_port: int) -> int:
    import uvicorn

    from local import runstate, stack
    from local.poller import QueuePoller

    _configure_logging()
    os.environ["AWS_ENDPOINT_URL"] = aws_url
    stack.configure_environment()

    import boto3

    from local.app import build_app
    from timetrack.runtime import services

    sqs = boto3.client("sqs", region_name=stack.REGION)
    queues = stack.create_resources(boto3.client("dynamodb", region_name=stack.REGION), sqs)
    stack.seed_demo_workspace(services(), stack.seed_demo_user(services()))
    app = build_app()

    # Imported now that the environment points at the local stack: the
    # handler module builds its clients and reads its settings at import.
    from functions.clock_in_worker.app import handler as worker

    poller = QueuePoller(sqs, queues["ClockInQueue"], worker, region=stack.REGION, function_name="clock_in_worker")
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    base = f"http://{HOST}:{port}"
    stopping = threading.Event()

    def announce() -> None:
        if _wait_until_ready(base, stack.DEMO_TOKEN, stopping):
            runstate.write(runstate.Stack(pid=os.getpid(), port=port, moto_port=moto_port))
            print(_banner(base, aws_url, stack.DEMO_TOKEN), flush=True)

    # uvicorn turns SIGINT and SIGTERM into a graceful stop, then raises the
    # signal again: this handler makes that SIGTERM unwind like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    poller.start()
    threading.Thread(target=announce, name="ready-check", daemon=True).start()
    try:
        server.run(sockets=[api_socket])
    finally:
        stopping.set()
        runstate.remove(os.getpid())
        poller.stop()
        print("timetrack stopped (its in-memory data is gone)", flush=True)
    return 1  # uvicorn returned without a signal: it could not serve


if __name__ == "__main__":
    try:
        code = main()
    except KeyboardInterrupt:
        code = 130
    except SystemExit as exit_:  # SIGTERM (see _serve)
        code = exit_.code if isinstance(exit_.code, int) else 1
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything is stopped by now; the interpreter's own teardown (moto's and
    # boto's many modules and objects) would take seconds more after Ctrl-C.
    os._exit(code)
