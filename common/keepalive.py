"""A lean keep-alive HTTP/1.1 client for one kind of request sent at a high rate: webhook POSTs.

A webhook worker sends a thousand small POSTs a second; through requests and urllib3 each cost more CPU than
the rest of its delivery (request and response objects, http.client's header parsing with the email package).
Here a request is one ``sendall`` and the answer is parsed by httptools (llhttp, the parser uvicorn serves
with). The guards are common/http.py's: every new connection's peer address is checked against the SSRF rules
after DNS resolution (:func:`common.http.check_peer`), TLS is verified against requests' CA bundle, and every
socket is registered with the active :class:`common.deadline.Deadline`. Redirects are never followed.

Connections are kept per origin (scheme, host, port) and reused, most recently used first; one that its peer
closed (or that has unread bytes) is dropped before use, as urllib3 does.
"""

from __future__ import annotations

import collections
import contextlib
import os
import select
import socket
import ssl
import threading
from dataclasses import dataclass
from functools import lru_cache

import httptools
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from urllib3.util import parse_url

from common.deadline import active_deadline
from common.http import check_peer

RECEIVE_BYTES = 65536


class ResponseTimeout(TimeoutError):
    """The peer did not answer within the read timeout (or the deadline passed before sending)."""


class ProtocolError(ConnectionError):
    """The connection broke before a complete answer was read."""


class InvalidAnswer(ProtocolError):
    """The peer's answer was not HTTP/1.1."""


@dataclass
class Answer:
    status: int
    # Lower-cased names; repeated headers joined with ", ".
    headers: dict[str, str]
    # The first ``excerpt_bytes`` of the body (decoded as sent: no content coding was asked for).
    excerpt: bytes


class _Reading:
    """The answer being read, as the parser reports it (an informational 1xx answer is skipped)."""

    def __init__(self, excerpt_bytes: int) -> None:
        self.excerpt_bytes = excerpt_bytes
        self.parser = httptools.HttpResponseParser(self)
        self._start()

    def _start(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.excerpt = bytearray()
        self.received = 0
        self.headers_done = False
        self.complete = False
        self.keep_alive = False

    def answer(self) -> Answer:
        return Answer(self.status, self.headers, bytes(self.excerpt))

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        self.headers[key] = f"{self.headers[key]}, {text}" if key in self.headers else text

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        self.headers_done = True

    def on_body(self, body: bytes) -> None:
        self.received += len(body)
        if len(self.excerpt) < self.excerpt_bytes:
            self.excerpt += body[: self.excerpt_bytes - len(self.excerpt)]

    def on_message_complete(self) -> None:
        if self.status < 200:  # 100 Continue, 103 Early Hints: the real answer follows
            self._start()
        else:
            self.complete = True
            # Asked here: once the callback returns, the parser is ready for the next message and forgets.
            self.keep_alive = self.parser.should_keep_alive()


class _Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def dropped(self) -> bool:
        """Closed by its peer, or holding bytes nobody asked for: not to be reused."""
        poll = select.poll()
        poll.register(self.sock, select.POLLIN)
        try:
            return bool(poll.poll(0))
        except OSError:
            return True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context(cafile=DEFAULT_CA_BUNDLE_PATH)


class KeepAlivePool:
    """Connections kept alive per origin, ``per_origin`` at most, for ``origins`` origins (least recently
    used closed first). Thread-safe: a connection is used by one request at a time."""

    def __init__(self, *, per_origin: int, origins: int) -> None:
        self.per_origin = max(1, per_origin)
        self.origins = max(1, origins)
        self._idle: collections.OrderedDict[tuple[str, str, int], list[_Connection]] = collections.OrderedDict()
        self._lock = threading.Lock()
        self.pid = os.getpid()

    def post(
        self,
        url: str,
        *,
        headers: dict[str, str],
        body: bytes,
        connect_timeout: float,
        read_timeout: float,
        excerpt_bytes: int,
        drain_bytes: int,
    ) -> Answer:
        """POSTs ``body`` and reads the answer: its status, headers and first ``excerpt_bytes``. An answer up
        to ``drain_bytes`` is read whole and its connection kept; a longer one's connection is closed.

        Raises :class:`common.errors.UnsafeURL` for a refused peer, :class:`ResponseTimeout` (a
        ``TimeoutError``, as a connect timeout is), ``OSError`` when connecting fails and
        :class:`ProtocolError` when the exchange breaks (:class:`InvalidAnswer`: the answer was not HTTP).
        """
        key, request_head = _post_target(url)
        scheme, host, port = key
        head = [request_head, *(f"{name}: {value}" for name, value in headers.items())]
        head.append(f"Content-Length: {len(body)}")
        request = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body

        connection = self._take(key) or self._connect(scheme, host, port, connect_timeout)
        keep = False
        try:
            deadline = active_deadline.get()
            if deadline is not None:
                if deadline.expired or deadline.remaining() <= 0:
                    raise ResponseTimeout("deadline passed before the request was sent")
                deadline.attach(connection.sock)
            answer, keep = self._exchange(connection, request, read_timeout, excerpt_bytes, drain_bytes)
            if deadline is not None:
                # Before the connection goes back to the pool, so the watchdog never cuts a pooled one.
                deadline.disarm()
                keep = keep and not deadline.expired
            return answer
        finally:
            if keep:
                self._give_back(key, connection)
            else:
                connection.close()

    def _exchange(
        self, connection: _Connection, request: bytes, read_timeout: float, excerpt_bytes: int, drain_bytes: int
    ) -> tuple[Answer, bool]:
        sock = connection.sock
        reading = _Reading(excerpt_bytes)
        try:
            sock.settimeout(read_timeout)
            sock.sendall(request)
            while True:
                _acknowledge_at_once(sock)
                data = sock.recv(RECEIVE_BYTES)
                if not data:
                    if reading.headers_done and "content-length" not in reading.headers and not _chunked(reading):
                        return reading.answer(), False  # an answer delimited by the end of its connection
                    raise ProtocolError("the connection closed before the answer was complete")
                reading.parser.feed_data(data)
                if reading.complete:
                    return reading.answer(), reading.keep_alive
                if reading.received >= drain_bytes:
                    return reading.answer(), False
        except TimeoutError as exc:
            raise ResponseTimeout(str(exc) or "timed out") from exc
        except httptools.HttpParserUpgrade as exc:
            raise InvalidAnswer("the peer switched protocols") from exc
        except httptools.HttpParserError as exc:
            raise InvalidAnswer(f"invalid answer: {exc}") from exc

    def _connect(self, scheme: str, host: str, port: int, timeout: float) -> _Connection:
        # An IPv6 literal comes bracketed, as in the URL and the Host header.
        sock = socket.create_connection((host.strip("[]"), port), timeout=timeout)
        try:
            check_peer(sock)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            deadline = active_deadline.get()
            if deadline is not None:
                deadline.attach(sock)
            if scheme == "https":
                sock = _tls_context().wrap_socket(sock, server_hostname=host.strip("[]"))
        except BaseException:
            sock.close()
            raise
        return _Connection(sock)

    def _take(self, key: tuple[str, str, int]) -> _Connection | None:
        while True:
            with self._lock:
                idle = self._idle.get(key)
                if not idle:
                    return None
                connection = idle.pop()
            if not connection.dropped():
                return connection
            connection.close()

    def _give_back(self, key: tuple[str, str, int], connection: _Connection) -> None:
        closed: list[_Connection] = []
        with self._lock:
            idle = self._idle.setdefault(key, [])
            self._idle.move_to_end(key)
            if len(idle) < self.per_origin:
                idle.append(connection)
            else:
                closed.append(connection)
            while len(self._idle) > self.origins:
                _, evicted = self._idle.popitem(last=False)
                closed += evicted
        for extra in closed:
            extra.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, collections.OrderedDict()
        for connections in idle.values():
            for connection in connections:
                connection.close()


# Linux: acknowledge what the peer sends at once instead of up to 40 ms later. A server that writes its
# answer's headers and body separately without TCP_NODELAY (Python's http.server, many development servers)
# holds the body until the headers are acknowledged (Nagle's algorithm): with delayed acknowledgements every
# answer would take 40 ms more. Not permanent in the kernel, so set before each read.
_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


def _acknowledge_at_once(sock: socket.socket) -> None:
    if _QUICKACK is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)


@lru_cache(maxsize=1024)
def _post_target(url: str) -> tuple[tuple[str, str, int], str]:
    """The origin (scheme, host, port) of ``url`` and the request's first lines up to its own headers: parsed
    once per URL, not per request (a worker posts to the same few URLs thousands of times a second)."""
    parsed = parse_url(url)
    scheme = (parsed.scheme or "http").lower()
    host = parsed.host or ""
    port = parsed.port or (443 if scheme == "https" else 80)
    target = parsed.request_uri
    if any(character in target for character in " \r\n"):
        raise ValueError(f"invalid request target: {target!r}")
    default_port = parsed.port is None or parsed.port == (443 if scheme == "https" else 80)
    host_header = host if default_port else f"{host}:{port}"
    return (scheme, host, port), f"POST {target} HTTP/1.1\r\nHost: {host_header}\r\nAccept-Encoding: identity"


def _chunked(reading: _Reading) -> bool:
    return "chunked" in reading.headers.get("transfer-encoding", "").lower()
