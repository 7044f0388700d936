"""`make run`: the whole API on an in-memory AWS (moto), no account, no Docker.

moto's server listens on 127.0.0.1:$MOTO_PORT (8001) so `make user` can reach
the same stack; the API listens on 127.0.0.1:$PORT (8000). A background thread
feeds the clock-in queue to the worker's handler as SQS events (local.poller).
"""

from __future__ import annotations

import logging
import os

import uvicorn
from moto.server import ThreadedMotoServer

from local import stack
from local.poller import QueuePoller


def main() -> None:
    port = int(os.environ.get("PORT", "8000"))
    moto_port = int(os.environ.get("MOTO_PORT", "8001"))
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-call access log
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    os.environ["AWS_ENDPOINT_URL"] = f"http://127.0.0.1:{moto_port}"
    stack.configure_environment()

    import boto3

    from local.app import build_app
    from timetrack.runtime import services

    sqs = boto3.client("sqs", region_name=stack.REGION)
    queues = stack.create_resources(boto3.client("dynamodb", region_name=stack.REGION), sqs)
    stack.seed_demo_user(services())
    app = build_app()

    # Imported now that the environment points at the local stack: the
    # handler module builds its clients and reads its settings at import.
    from functions.clock_in_worker.app import handler as worker

    poller = QueuePoller(sqs, queues["ClockInQueue"], worker, region=stack.REGION)
    poller.start()
    base = f"http://127.0.0.1:{port}"
    print(
        f"\ntimetrack is running on an in-memory AWS (moto at {os.environ['AWS_ENDPOINT_URL']})\n"
        f"  base URL   {base}/api/v1/time-tracking\n"
        f"  workspaces {base}/api/v1/workspaces  ·  clock-in {base}/time-tracking/start\n"
        f"  docs       {base}/docs\n"
        f"  demo token {stack.DEMO_TOKEN}\n"
        f"  try        curl -s -X POST -H 'Authorization: Bearer {stack.DEMO_TOKEN}' "
        f"{base}/api/v1/time-tracking/sessions/start\n"
        f"  new user   make user EMAIL=you@example.com\n"
        f"  worker     clock-in queue -> clock_in_worker handler (polling {queues['ClockInQueue']})\n",
        flush=True,
    )
    try:
        uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
    finally:
        poller.stop()
        moto.stop()


if __name__ == "__main__":
    main()
