"""The OpenAPI document of the combined app, as committed in docs/openapi.json.

``make openapi`` writes it; tests/test_openapi_drift.py fails when the committed
file differs from what the code renders."""

from __future__ import annotations

import json
import sys
from pathlib import Path

COMMITTED = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"


def render() -> str:
    """The document as committed: sorted keys (stable whatever the router order), two
    spaces, UTF-8 text, one trailing newline."""
    from local.app import build_app  # after the environment is set
    from timetrack import runtime

    document = build_app().openapi()
    runtime.reset()  # building the app built a service container; leave none behind
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    from local import stack

    stack.configure_environment()
    sys.stdout.buffer.write(render().encode("utf-8"))  # UTF-8 whatever the locale


if __name__ == "__main__":
    main()
