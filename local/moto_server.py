"""moto's server for `make run` and the tests, with DynamoDB's atomicity.

``atomic_dynamodb()`` makes each DynamoDB request atomic, as DynamoDB
guarantees (transactions are serializable, a conditional write checks and
writes at once): moto's server runs requests on concurrent threads and its
``transact_write_items`` is not isolated (moto 5.2.5 checks and applies item
by item without a lock, and on cancellation restores a copy of the table
taken when it began, erasing others' writes); without this, 30 concurrent
starts leave several running timers. Races between the separate requests a
client makes (read, then conditional write) stay, as on AWS.

``MotoServer`` is moto's ThreadedMotoServer, but binds its port in the
caller's thread: a port in use raises ``PortInUse`` at once (moto's own waits
forever for a server thread that died).
"""

from __future__ import annotations

import contextlib
import errno
import socket
import threading
from collections.abc import Iterator

from moto.dynamodb.responses import DynamoHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import BaseWSGIServer, make_server


class PortInUse(Exception):
    def __init__(self, port: int) -> None:
        super().__init__(f"port {port} is in use")
        self.port = port


@contextlib.contextmanager
def atomic_dynamodb() -> Iterator[None]:
    """Within the block, moto applies one DynamoDB request at a time (process-wide)."""
    lock = threading.Lock()
    call_action = DynamoHandler.call_action

    def atomic(self):
        with lock:
            return call_action(self)

    DynamoHandler.call_action = atomic
    try:
        yield
    finally:
        DynamoHandler.call_action = call_action


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to host:port (SO_REUSEADDR, as servers set it); PortInUse if taken."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(port) from None
        raise
    return sock


class MotoServer:
    """moto's in-memory AWS over HTTP on host:port (0: a free port), in a daemon thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        bind(host, port).close()  # fail fast with PortInUse; werkzeug binds it again below
        app = DomainDispatcherApplication(create_backend_app)
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="moto", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
