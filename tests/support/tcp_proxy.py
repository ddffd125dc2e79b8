"""A TCP proxy a test can cut: in front of PostgreSQL it makes the database unreachable for the processes
that connect through it (their connections reset, new ones refused) while the test itself keeps its own."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


class TcpProxy:
    """Listens on a localhost port and forwards to ``target``: (host, port), or a unix socket's path (an
    embedded PostgreSQL listens on one)."""

    def __init__(self, target: tuple[str, int] | str) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut_off = threading.Event()
        self.closed = threading.Event()
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.cut_off.is_set():
                _close(client)  # as a server that is down: the connection ends at once
                continue
            try:
                upstream = self._connect_upstream()
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self.lock:
                self.sockets |= {client, upstream}
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()

    def _connect_upstream(self) -> socket.socket:
        if isinstance(self.target, str):
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(self.target)
            return upstream
        return socket.create_connection(self.target, timeout=5)

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                target.sendall(data)
        _close(source)
        _close(target)

    def cut(self) -> None:
        """Resets every open connection and refuses new ones until :meth:`restore`."""
        self.cut_off.set()
        with self.lock:
            sockets, self.sockets = self.sockets, set()
        for sock in sockets:
            _close(sock)

    def restore(self) -> None:
        self.cut_off.clear()

    def close(self) -> None:
        self.closed.set()
        self.cut()
        _close(self.listener)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()


@contextlib.contextmanager
def tcp_proxy(target: tuple[str, int] | str) -> Iterator[TcpProxy]:
    proxy = TcpProxy(target)
    try:
        yield proxy
    finally:
        proxy.close()
