"""The lean keep-alive client webhooks are sent with (common/keepalive.py), at the wire: a scripted raw TCP
peer answers each request with the bytes a test gives, so framing, reuse and the guards are seen as sent."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from common.deadline import Deadline
from common.errors import UnsafeURL
from common.keepalive import InvalidAnswer, KeepAlivePool, ProtocolError

Answer = bytes | Callable[[socket.socket], None]


class Peer:
    """Accepts connections; answers the n-th request (whichever connection it comes on) with ``answers[n]``
    (bytes, or a function given the connection), then keeps the connection open unless told otherwise."""

    def __init__(self, answers: list[Answer], *, close_after: set[int] | None = None) -> None:
        self.answers = answers
        self.close_after = close_after or set()
        self.requests: list[bytes] = []
        self.connections = 0
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def url(self, path: str = "/hook?x=1") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(connection,), daemon=True).start()

    def _serve(self, connection: socket.socket) -> None:
        with contextlib.suppress(OSError), connection:  # the client may close first (a long answer)
            self._answer(connection)

    def _answer(self, connection: socket.socket) -> None:
        buffer = b""
        while True:
            while b"\r\n\r\n" not in buffer:
                data = connection.recv(65536)
                if not data:
                    return
                buffer += data
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(buffer) < length:
                buffer += connection.recv(65536)
            with self.lock:
                number = len(self.requests)
                self.requests.append(head + b"\r\n\r\n" + buffer[:length])
            buffer = buffer[length:]
            answer = self.answers[number]
            if callable(answer):
                answer(connection)
            else:
                connection.sendall(answer)
            if number in self.close_after:
                return

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def peer_factory(settings) -> Iterator[Callable[..., Peer]]:
    settings.SSRF_ALLOW_LOOPBACK = True
    peers: list[Peer] = []

    def make(answers: list[Answer], **kwargs: object) -> Peer:
        peers.append(Peer(answers, **kwargs))  # type: ignore[arg-type]
        return peers[-1]

    yield make
    for peer in peers:
        peer.close()


def post(pool: KeepAlivePool, url: str, body: bytes = b'{"a":1}', **overrides: float):
    options = {"connect_timeout": 2.0, "read_timeout": 2.0, "excerpt_bytes": 8, "drain_bytes": 64, **overrides}
    return pool.post(url, headers={"webhook-id": "msg_1"}, body=body, **options)  # type: ignore[arg-type]


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def test_a_request_as_sent_and_its_connection_kept_for_the_next(peer_factory):
    peer = peer_factory([OK, b"HTTP/1.1 204 No Content\r\n\r\n"])
    pool = KeepAlivePool(per_origin=2, origins=4)

    first = post(pool, peer.url())
    second = post(pool, peer.url())

    assert (first.status, first.excerpt, second.status, second.excerpt) == (200, b"ok", 204, b"")
    assert (
        peer.requests[0]
        == (
            f"POST /hook?x=1 HTTP/1.1\r\nHost: 127.0.0.1:{peer.port}\r\nAccept-Encoding: identity\r\n"
            'webhook-id: msg_1\r\nContent-Length: 7\r\n\r\n{"a":1}'
        ).encode()
    )
    assert peer.connections == 1


def test_a_chunked_answer_after_an_informational_one(peer_factory):
    chunked = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 503 Busy\r\nRetry-After: 7\r\nX-A: 1\r\nX-A: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"
    )
    peer = peer_factory([chunked, OK])
    pool = KeepAlivePool(per_origin=2, origins=4)

    answer = post(pool, peer.url())

    assert (answer.status, answer.excerpt) == (503, b"hello, w")  # the first 8 bytes of the body
    assert answer.headers["retry-after"] == "7" and answer.headers["x-a"] == "1, 2"
    assert post(pool, peer.url()).status == 200 and peer.connections == 1


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", "the peer says it closes"),
        # More than one read's worth (64 KB): not all of it has arrived when the drain limit is reached.
        (b"HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n" + b"x" * 200_000, "longer than it drains"),
    ],
)
def test_a_connection_is_not_kept_when(peer_factory, answer, why):
    peer = peer_factory([answer, OK])
    pool = KeepAlivePool(per_origin=2, origins=4)

    assert post(pool, peer.url()).status == 200, why
    assert post(pool, peer.url()).status == 200
    assert peer.connections == 2


def test_an_answer_delimited_by_the_end_of_its_connection(peer_factory):
    peer = peer_factory([b"HTTP/1.1 200 OK\r\n\r\nall of it", OK], close_after={0})
    pool = KeepAlivePool(per_origin=2, origins=4)

    answer = post(pool, peer.url())

    assert (answer.status, answer.excerpt) == (200, b"all of i")
    assert post(pool, peer.url()).status == 200 and peer.connections == 2


def test_a_kept_connection_its_peer_closed_is_not_reused(peer_factory):
    peer = peer_factory([OK, OK], close_after={0})
    pool = KeepAlivePool(per_origin=2, origins=4)

    assert post(pool, peer.url()).status == 200
    time.sleep(0.2)  # the peer has closed it by now, after answering
    assert post(pool, peer.url()).status == 200
    assert peer.connections == 2


def test_broken_and_invalid_answers(peer_factory):
    peer = peer_factory(
        [b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", b"SMTP ready\r\n\r\n"], close_after={0, 1}
    )
    pool = KeepAlivePool(per_origin=2, origins=4)

    with pytest.raises(ProtocolError) as broken:
        post(pool, peer.url())
    assert not isinstance(broken.value, InvalidAnswer)
    with pytest.raises(InvalidAnswer):
        post(pool, peer.url())


def test_a_peer_the_ssrf_rules_refuse_is_refused_at_connect(peer_factory, settings):
    peer = peer_factory([OK])
    settings.SSRF_ALLOW_LOOPBACK = False
    pool = KeepAlivePool(per_origin=2, origins=4)

    with pytest.raises(UnsafeURL):
        post(pool, peer.url())
    assert peer.requests == []


def test_a_deadline_cuts_a_trickling_answer_on_a_reused_connection(peer_factory):
    def trickle(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            time.sleep(0.1)
            try:
                connection.sendall(b"x")
            except OSError:
                return

    peer = peer_factory([OK, trickle])
    pool = KeepAlivePool(per_origin=2, origins=4)
    assert post(pool, peer.url()).status == 200

    started = time.monotonic()
    with Deadline(0.5) as deadline, pytest.raises(OSError):
        post(pool, peer.url(), read_timeout=5.0, drain_bytes=1000)
    assert deadline.expired and time.monotonic() - started < 2
    assert peer.connections == 1
