"""`make invoke FUNCTION=entries EVENT=events/entries_list.json`: one event
through a function's real Lambda handler, in-process, on an in-memory AWS
with every table and queue of the template and the demo user (what
`sam local invoke` does, without Docker). Ids in the events are examples: on
the fresh stack most `{id}` routes answer 404, and the worker skips events
whose entries do not exist."""

from __future__ import annotations

import importlib
import json
import sys

from moto import mock_aws

from local import stack
from local.poller import LambdaContext


def main(function: str, event_path: str) -> int:
    with open(event_path) as f:
        event = json.load(f)
    stack.configure_environment()
    with mock_aws():
        import boto3

        from timetrack import runtime

        runtime.reset()
        stack.create_resources(
            boto3.client("dynamodb", region_name=stack.REGION), boto3.client("sqs", region_name=stack.REGION)
        )
        stack.seed_demo_user(runtime.services())
        handler = importlib.import_module(f"functions.{function}.app").handler
        response = handler(event, LambdaContext(function, timeout_seconds=30, region=stack.REGION))
    print(json.dumps(response, indent=2))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m local.invoke FUNCTION EVENT_FILE")
    sys.exit(main(sys.argv[1], sys.argv[2]))
