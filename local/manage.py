"""Management commands: create users and tokens, revoke tokens.

Against the local stack (`make user EMAIL=…` sets AWS_ENDPOINT_URL to it) or a
real account (table names from the stack outputs in the environment, e.g.
DIRECTORY_TABLE=$(aws cloudformation describe-stacks … DirectoryTableName)).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys

from local import stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="manage")
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
    args = parser.parse_args(argv)

    if os.environ.get("AWS_ENDPOINT_URL"):  # the local stack: its resource names
        stack.configure_environment()
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
        else:
            accounts.revoke_token(sys.stdin.readline().strip())
            result = {"revoked": True}
    except DomainError as error:
        print(json.dumps({"error": error.message}), file=sys.stderr)
        return 1
    if issued is not None and issued.expires_at is not None:
        result["expires_at"] = issued.expires_at.isoformat()
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
