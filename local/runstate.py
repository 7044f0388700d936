"""Where the running `make run` stack is: `.run/stack.json`, for `make user` and `make demo`.

The server writes it once the API answers and removes it when it stops;
a file left by a killed server names a dead pid and counts as no stack.
``TIMETRACK_STACK_FILE`` moves it (the tests use their own).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

DEFAULT_PATH = Path(__file__).resolve().parent.parent / ".run" / "stack.json"
NOT_RUNNING = "no local stack is running: start one with `make run` (in another terminal)"


class NoStack(Exception):
    def __init__(self) -> None:
        super().__init__(NOT_RUNNING)


@dataclass(frozen=True)
class Stack:
    pid: int
    port: int
    moto_port: int

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def aws_url(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"


def path() -> Path:
    return Path(os.environ.get("TIMETRACK_STACK_FILE") or DEFAULT_PATH)


def write(stack: Stack) -> None:
    target = path()
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(asdict(stack)) + "\n")
    temporary.replace(target)  # readers never see half a file


def remove(pid: int) -> None:
    """Remove the file if it is this process's (a newer stack may have replaced it)."""
    try:
        if json.loads(path().read_text()).get("pid") == pid:
            path().unlink()
    except (OSError, ValueError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


def running() -> Stack:
    """The running stack, or NoStack."""
    try:
        data = json.loads(path().read_text())
        stack = Stack(pid=int(data["pid"]), port=int(data["port"]), moto_port=int(data["moto_port"]))
    except (OSError, ValueError, KeyError, TypeError):
        raise NoStack() from None
    if not _alive(stack.pid):
        raise NoStack()
    return stack
