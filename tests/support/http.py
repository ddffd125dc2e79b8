"""Local HTTP servers for tests that fake the outside world at the wire (Stability, OpenAI, FASHN, shops,
webhook receivers, image hosts): one way to start, address and stop them."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    """A request handler that keeps the test output clean."""

    def log_message(self, *args: object) -> None:
        pass


class LocalServer:
    """Serves ``handler`` on a free localhost port from a background thread until :meth:`close`."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> None:
        self.httpd = ThreadingHTTPServer((host, 0), handler)
        self.httpd.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval, in every test's teardown.
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.base_url = f"http://{host}:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@contextlib.contextmanager
def http_server(handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> Iterator[str]:
    """A :class:`LocalServer` for the block; yields the base URL (no trailing slash)."""
    server = LocalServer(handler, host)
    try:
        yield server.base_url
    finally:
        server.close()
