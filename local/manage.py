"""Management commands: create users and tokens, revoke tokens.

Against the running local stack (`--local`, which `make user EMAIL=…` passes:
its address comes from `.run/stack.json`, see local.runstate) or a real
account (table names from the stack outputs in the environment, e.g.
DIRECTORY_TABLE=$(aws cloudformation describe-stacks … DirectoryTableName)).
Prints one JSON object; an error is one JSON line on stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys

from local import runstate, stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="manage")
    parser.add_argument("--local", action="store_true", help="act on the running `make run` stack")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-user", help="create a user and a personal API token")
    create.add_argument("--email", required=True)
    create.add_argument("--expires-in-days", type=int, default=None)
    issue = commands.add_parser("create-token", help="a new token for an existing user")
    issue.add_argument("--email", required=True)
    issue.add_argument("--name", default="cli")
    issue.add_argument("--expires-in-days", type=int, default=None)
    revoke = commands.add_parser("revoke-token", help="revoke a token (read from stdin)")
    revoke.add_argument("--token-stdin", action="store_true", required=True)
    recount = commands.add_parser("rebuild-counts", help="backfill a workspace's per-day entry counts (list totals)")
    recount.add_argument("--workspace", type=int, required=True)
    rollup = commands.add_parser("rebuild-rollups", help="backfill a workspace's per-day rollups (aggregates)")
    rollup.add_argument("--workspace", type=int, required=True)
    args = parser.parse_args(argv)

    if args.local:
        try:
            os.environ["AWS_ENDPOINT_URL"] = runstate.running().aws_url
        except runstate.NoStack as error:
            return _fail(str(error))
    if os.environ.get("AWS_ENDPOINT_URL"):  # the local stack: its resource names
        stack.configure_environment()
    from botocore.exceptions import EndpointConnectionError

    from timetrack.errors import DomainError, NotFound
    from timetrack.runtime import services

    accounts = services().accounts
    expires = dt.timedelta(days=args.expires_in_days) if getattr(args, "expires_in_days", None) else None
    issued = None
    try:
        if args.command == "create-user":
            user_id = accounts.create_user(args.email)
            issued = accounts.issue_token(user_id, name="cli", expires_in=expires)
            result = {"user_id": user_id, "email": args.email.strip().lower(), "token": issued.token}
        elif args.command == "create-token":
            user_id = accounts.user_id_for_email(args.email)
            if user_id is None:
                raise NotFound(f"No user with email {args.email}")
            issued = accounts.issue_token(user_id, name=args.name, expires_in=expires)
            result = {"user_id": user_id, "token": issued.token}
        elif args.command == "rebuild-counts":
            entries = services().entry_repo.workspace_entries(args.workspace, limit=sys.maxsize)
            result = {"workspace_id": args.workspace, "counters": services().entry_counts.rebuild(entries)}
        elif args.command == "rebuild-rollups":
            entries = services().entry_repo.workspace_entries(args.workspace, limit=sys.maxsize)
            result = {"workspace_id": args.workspace, "rollups": services().rollups.rebuild(args.workspace, entries)}
        else:
            accounts.revoke_token(sys.stdin.readline().strip())
            result = {"revoked": True}
    except DomainError as error:
        return _fail(error.message)
    except EndpointConnectionError as error:  # e.g. the local stack stopped meanwhile
        return _fail(f"cannot reach {error.kwargs.get('endpoint_url', 'AWS')}")
    if issued is not None and issued.expires_at is not None:
        result["expires_at"] = issued.expires_at.isoformat()
    print(json.dumps(result))
    return 0


def _fail(message: str) -> int:
    print(json.dumps({"error": message}), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
