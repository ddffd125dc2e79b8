"""The Procfile's web process against clients that send one byte at a time, over real sockets.

The web tier must keep answering everyone else while tricklers hold their sockets, and each trickler must end
with 408 in the product's error format. Deadlines are shortened here (the defaults are 10-20 s for a head,
20 s for a body) so the suite stays short; the figures under default deadlines are in bench/slow_clients.py.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import requests

from merchants.services import issue_api_key
from tests.support.merchants import make_merchant
from tests.support.shop import person_jpeg, product_image_server
from tests.support.web import WebProcess, procfile_web, raw_exchange

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Long enough for a try-on POST to be served on a busy 2-core machine before the first trickler is answered.
HEAD_TIMEOUT, HEAD_TIMEOUT_MAX, BODY_TIMEOUT = 8, 10, 8
BYTE_INTERVAL = 0.2  # a byte every 0.2 s: 5 B/s, far below the 500 B/s that extends a deadline


@pytest.fixture(scope="module")
def web(tmp_path_factory, django_db_setup, django_db_blocker) -> Iterator[WebProcess]:
    deadlines = {
        "WEB_HEADER_TIMEOUT_SECONDS": str(HEAD_TIMEOUT),
        "WEB_HEADER_TIMEOUT_MAX_SECONDS": str(HEAD_TIMEOUT_MAX),
        "WEB_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
    }
    with django_db_blocker.unblock(), procfile_web(tmp_path_factory.mktemp("web"), deadlines) as web:
        yield web


class Trickler(threading.Thread):
    """Opens a connection and sends ``head`` then ``body`` a byte at a time until the server answers."""

    def __init__(self, port: int, head: bytes, body: bytes = b"", *, trickle_head: bool) -> None:
        super().__init__(daemon=True)
        self.port, self.head, self.body, self.trickle_head = port, head, body, trickle_head
        self.sent = threading.Event()  # the first trickled byte is out
        self.answer = b""
        self.answered = threading.Event()

    def run(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port)) as sock:
            sock.settimeout(BYTE_INTERVAL)
            trickled = self.head + self.body if self.trickle_head else self.body
            if not self.trickle_head:
                sock.sendall(self.head)
            try:
                for byte in trickled:
                    sock.sendall(bytes([byte]))
                    self.sent.set()
                    with contextlib.suppress(TimeoutError):
                        if self._read_answer(sock):
                            return
                sock.settimeout(30)
                self._read_answer(sock)
            except OSError:  # the server closed after answering; what it answered is read already
                pass
            finally:
                self.sent.set()
                self.answered.set()

    def _read_answer(self, sock: socket.socket) -> bool:
        while chunk := sock.recv(65536):
            self.answer += chunk
            if b"\r\n\r\n" in self.answer and self.answer.endswith(b"}"):
                break
        self.answered.set()
        return True

    def status_and_body(self) -> tuple[int, dict]:
        head, _, body = self.answer.partition(b"\r\n\r\n")
        return int(head.split(b" ", 2)[1]), json.loads(body)


def try_on_head(path: str, api_key: str, content_length: int | None = None) -> bytes:
    # A valid key: Django would read the body (a server that lets it read would give the trickler a thread).
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"X-Api-Key: {api_key}"]
    if content_length is not None:
        lines += ["Content-Type: multipart/form-data; boundary=x", f"Content-Length: {content_length}"]
    else:
        lines.append("X-Padding: " + "p" * 4000)  # a head long enough to still be trickling at its deadline
    return ("\r\n".join(lines) + "\r\n\r\n").encode() if content_length is not None else "\r\n".join(lines).encode()


def start_tricklers(port: int, api_key: str, count: int, *, trickle_head: bool) -> list[Trickler]:
    tricklers = []
    for number in range(count):
        # Half the tricklers aim at Content Service paths: their 408 must be in that product's format.
        path = "/api/content/generate" if number % 2 else "/api/tryon"
        if trickle_head:
            trickler = Trickler(port, try_on_head(path, api_key), trickle_head=True)
        else:
            trickler = Trickler(port, try_on_head(path, api_key, 10_000), b"x" * 10_000, trickle_head=False)
        trickler.start()
        tricklers.append(trickler)
    for trickler in tricklers:
        assert trickler.sent.wait(30)
    time.sleep(1)  # every socket is well into its trickle
    return tricklers


def normal_try_on(web: WebProcess, api_key: str, product_url: str) -> requests.Response:
    return requests.post(
        f"{web.url}/api/tryon",
        headers={"x-api-key": api_key},
        files={"userImage": ("me.jpg", person_jpeg(), "image/jpeg")},
        data={"productImageUrl": product_url, "visitorId": str(uuid.uuid4())},
        timeout=30,
    )


@pytest.mark.parametrize("count", [10, 100])
@pytest.mark.parametrize("part", ["head", "body"])
def test_tricklers_hold_no_thread_and_end_with_408_in_the_products_format(web, part, count):
    api_key = issue_api_key(merchant=make_merchant(), name="storefront").raw_key
    with product_image_server() as product_url:
        tricklers = start_tricklers(web.port, api_key, count, trickle_head=part == "head")

        # Everyone else is served while every trickler still holds its socket, unanswered.
        health = requests.get(f"{web.url}/healthz", timeout=30)
        try_on = normal_try_on(web, api_key, product_url)
        unanswered = sum(not trickler.answered.is_set() for trickler in tricklers)

        for trickler in tricklers:
            trickler.join(timeout=60)

    assert health.status_code == 200, health.text
    assert try_on.status_code == 202, try_on.text
    assert try_on.json()["data"]["status"] == "PENDING"
    assert unanswered == count, "a trickler was answered before the others were served"
    for number, trickler in enumerate(tricklers):
        status, body = trickler.status_and_body()
        assert status == 408, trickler.answer
        if number % 2:
            assert body["code"] == "REQUEST_TIMEOUT" and body["message"] and body["timestamp"], body
        else:
            assert body == {"error": "RequestTimeout", "message": body["message"], "statusCode": 408}, body
        assert b"connection: close" in trickler.answer.lower()


def test_malformed_http_gets_400_in_the_products_format(web):
    status, _, body = raw_exchange(web.port, b"POST /api/content/generate HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
    assert status == 400
    assert body["code"] == "BAD_REQUEST" and body["message"], body

    status, _, body = raw_exchange(web.port, b"\x16\x03\x01 not http at all\r\n\r\n")
    assert status == 400
    assert body["error"] == "BadRequest" and body["statusCode"] == 400, body


def test_an_idle_connection_is_closed_without_an_answer(web):
    with socket.create_connection(("127.0.0.1", web.port), timeout=HEAD_TIMEOUT_MAX + 10) as sock:
        assert sock.recv(1024) == b""  # closed at the head deadline, nothing written: a pre-connect is no error


def test_a_chunked_upload_without_content_length_reaches_django_whole(web):
    api_key = issue_api_key(merchant=make_merchant(), name="storefront").raw_key
    boundary = "chunked-upload"
    photo = person_jpeg()
    with product_image_server() as product_url:
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="productImageUrl"\r\n\r\n{product_url}\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="visitorId"\r\n\r\n{uuid.uuid4()}\r\n'.encode(),
            f'--{boundary}\r\nContent-Disposition: form-data; name="userImage"; filename="me.jpg"\r\n'.encode()
            + b"Content-Type: image/jpeg\r\n\r\n"
            + photo
            + f"\r\n--{boundary}--\r\n".encode(),
        ]
        response = requests.post(
            f"{web.url}/api/tryon",
            headers={"x-api-key": api_key, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            data=iter(parts),  # a generator body: requests sends it chunked, with no Content-Length
            timeout=30,
        )
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 202, response.text
