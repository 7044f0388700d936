"""`make docs-check`: the /docs page renders offline in headless Chromium.

Starts `make run`'s server on free ports, loads /docs in Chromium with every
host but 127.0.0.1 unresolvable (so a CDN asset could not load), and checks
that Swagger UI rendered one row per operation of /openapi.json. Exits 1 with
one line saying what went wrong. Needs `chromium` on PATH (`.ci/run`
installs Debian's package when it is missing).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
METHODS = {"get", "post", "put", "patch", "delete"}
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # offline but for the app
    "--virtual-time-budget=10000",  # let Swagger UI fetch the document and render
    "--dump-dom",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(url: str, seconds: float) -> bytes:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (a local URL)
                return answer.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def check(chromium: str) -> str | None:
    """None when the page rendered every operation, else what went wrong."""
    port, moto_port = _free_port(), _free_port()
    with tempfile.TemporaryDirectory() as scratch:
        environment = os.environ | {
            "PORT": str(port),
            "MOTO_PORT": str(moto_port),
            "TIMETRACK_STACK_FILE": str(Path(scratch) / "stack.json"),
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "local.server"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            document = json.loads(_wait_for(f"{base}/openapi.json", 60))
            operations = sum(1 for path in document["paths"].values() for method in path if method in METHODS)
            page = subprocess.run(  # noqa: S603
                [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={scratch}/chromium", f"{base}/docs"],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            ).stdout
            rendered = page.count('opblock-summary-path"')  # one per operation row
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    if rendered != operations:
        return f"/docs rendered {rendered} operations offline; /openapi.json has {operations}"
    print(f"docs-check: /docs rendered all {operations} operations with no network but 127.0.0.1")
    return None


def main() -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("docs-check: chromium is not installed (apt-get install -y chromium)", file=sys.stderr)
        return 1
    problem = check(chromium)
    if problem:
        print(f"docs-check: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
