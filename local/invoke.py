"""`make invoke FUNCTION=entries EVENT=events/entries_list.json`: one event
through a function's real Lambda handler, in-process, on an in-memory AWS
seeded with the demo user (what `sam local invoke` does, without Docker)."""

from __future__ import annotations

import importlib
import json
import sys

from moto import mock_aws

from local import stack


class _Context:
    function_name = "local-invoke"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:local-invoke"
    aws_request_id = "local-invoke"


def main(function: str, event_path: str) -> int:
    with open(event_path) as f:
        event = json.load(f)
    stack.configure_environment()
    with mock_aws():
        import boto3

        from timetrack import runtime

        runtime.reset()
        stack.create_resources(boto3.client("dynamodb", region_name=stack.REGION))
        stack.seed_demo_user(runtime.services())
        handler = importlib.import_module(f"functions.{function}.app").handler
        response = handler(event, _Context())
    print(json.dumps(response, indent=2))
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m local.invoke FUNCTION EVENT_FILE")
    sys.exit(main(sys.argv[1], sys.argv[2]))
