"""The environment a function sees on Lambda, as far as it matters locally.

Both sides of every comparison (function and baseline, cold and warm) get the
same variables: the table names of ``local.stack.configure_environment()``,
region, dummy credentials (so boto3 never probes the instance metadata
service), and the POWERTOOLS_* settings of template.yaml. Tracing is disabled
(``POWERTOOLS_TRACE_DISABLED``): outside Lambda the Tracer would be anyway.
"""

from __future__ import annotations

import os
from pathlib import Path

from local import stack

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
GROUPS = ("entries", "sessions", "stats", "settings")


def lambda_environment(service: str, log_level: str = "INFO") -> dict[str, str]:
    """``os.environ`` plus what template.yaml gives every function."""
    stack.configure_environment()  # idempotent: sets the table names in os.environ
    env = dict(os.environ)
    env |= {
        "PYTHONPATH": f"{ROOT / 'layers' / 'shared'}{os.pathsep}{ROOT}",
        "AWS_DEFAULT_REGION": stack.REGION,
        "AWS_REGION": stack.REGION,
        "AWS_ACCESS_KEY_ID": env.get("AWS_ACCESS_KEY_ID", "local"),
        "AWS_SECRET_ACCESS_KEY": env.get("AWS_SECRET_ACCESS_KEY", "local"),
        "POWERTOOLS_SERVICE_NAME": service,
        "POWERTOOLS_METRICS_NAMESPACE": "Timetrack",
        "POWERTOOLS_LOG_LEVEL": log_level,
        "LOG_LEVEL": log_level,
        "POWERTOOLS_TRACE_DISABLED": "true",
        "TOKEN_CACHE_SECONDS": "30",
    }
    return env


def apply_lambda_environment(service: str, log_level: str = "WARNING") -> None:
    """The same, in this process (before the handler modules are imported).

    The token cache lasts an hour here: a stubbed route must not see a second
    token lookup when its run (under cProfile, on a busy machine) outlasts
    30 s. On Lambda that lookup costs one GetItem per 30 s, nothing per request.
    """
    os.environ.update(lambda_environment(service, log_level) | {"TOKEN_CACHE_SECONDS": "3600"})
