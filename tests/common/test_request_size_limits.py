"""Bodies larger than their path accepts, against the Procfile's web process over real sockets.

Each path's limit (common.request_limits: the try-on photo's 10 MB and room for the form, 1 MB for other JSON
API bodies) is applied by the web front from the headers, before it reads the body: a declared length above
it is answered 413 in the product's format without waiting for the body, and a chunked body is cut there.
The body deadline stays at its default (20 s), so an answer that waited for the body would be a 408.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.support.merchants import make_merchant
from tests.support.shop import person_jpeg, product_image_server
from tests.support.web import WebProcess, parse_answer, procfile_web, read_until_closed
from tests.support.widget import SHOP, publishable_key_for
from tryon.models import TryOnJob

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

MB = 1024 * 1024
PARTIAL_BODY = 64 * 1024
TRY_ON_REFUSED = {"error": "PayloadTooLarge", "message": "파일 크기는 10MB를 초과할 수 없습니다.", "statusCode": 413}


@pytest.fixture(scope="module")
def web(tmp_path_factory, django_db_setup, django_db_blocker) -> Iterator[WebProcess]:
    with django_db_blocker.unblock(), procfile_web(tmp_path_factory.mktemp("web"), {}) as web:
        yield web


@pytest.fixture
def widget_key() -> str:
    return publishable_key_for(make_merchant()).raw_key


def head(path: str, headers: dict[str, str]) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{name}: {value}" for name, value in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def widget_upload_head(api_key: str, **headers: str) -> bytes:
    """A try-on upload as the storefront widget sends it from the shop's page (CORS applies)."""
    return head(
        "/api/tryon",
        {"Origin": SHOP, "X-Api-Key": api_key, "Content-Type": "multipart/form-data; boundary=b", **headers},
    )


def send_and_wait_for_answer(port: int, request_head: bytes, body_sent: bytes) -> tuple[int, bytes, dict]:
    """Sends the head and part of the body, then sends nothing more and reads what the server answers."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(request_head + body_sent)
        return parse_answer(read_until_closed(sock))


def chunked(body: bytes, size: int = PARTIAL_BODY) -> bytes:
    """``body`` in chunked transfer coding, without the final empty chunk (the body is not over yet)."""
    return b"".join(
        b"%x\r\n%s\r\n" % (len(body[at : at + size]), body[at : at + size]) for at in range(0, len(body), size)
    )


def test_a_try_on_upload_declared_too_large_is_refused_at_once_without_its_body(web, widget_key):
    request_head = widget_upload_head(widget_key, **{"Content-Length": str(11 * MB)})

    status, answer_head, body = send_and_wait_for_answer(web.port, request_head, b"--b\r\n" + b"x" * PARTIAL_BODY)

    # 413, not the 408 that waiting for the other 10.9 MB would have ended in; the widget on the shop's page
    # may read it (CORS), and the connection ends with it.
    assert status == 413
    assert body == TRY_ON_REFUSED
    assert f"access-control-allow-origin: {SHOP}".encode() in answer_head
    assert b"connection: close" in answer_head
    assert TryOnJob.objects.count() == 0


def test_a_content_json_body_declared_too_large_is_refused_at_once_in_contents_format(web):
    request_head = head(
        "/api/content/images/generate", {"Content-Type": "application/json", "Content-Length": str(2 * MB)}
    )

    status, answer_head, body = send_and_wait_for_answer(web.port, request_head, b'{"x": "' + b"x" * PARTIAL_BODY)

    assert status == 413
    assert body["code"] == "PAYLOAD_TOO_LARGE" and body["timestamp"], body
    assert body["message"] == "요청 본문이 너무 큽니다 (최대 1MB).", body
    assert b"connection: close" in answer_head


def test_a_chunked_try_on_upload_is_cut_at_its_limit(web, widget_key):
    request_head = widget_upload_head(widget_key, **{"Transfer-Encoding": "chunked"})
    # Past the limit by two chunks, and never finished: only a server that stops at the limit answers.
    sent = chunked(b"x" * (10 * MB + 64 * 1024 + 2 * PARTIAL_BODY))

    status, answer_head, body = send_and_wait_for_answer(web.port, request_head, sent)

    assert status == 413
    assert body == TRY_ON_REFUSED
    assert f"access-control-allow-origin: {SHOP}".encode() in answer_head
    assert TryOnJob.objects.count() == 0


def test_a_chunked_content_body_is_cut_at_its_limit(web):
    request_head = head(
        "/api/content/images/generate", {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    )

    status, _, body = send_and_wait_for_answer(web.port, request_head, chunked(b"x" * (MB + 2 * PARTIAL_BODY)))

    assert status == 413
    assert body["code"] == "PAYLOAD_TOO_LARGE", body


def test_a_client_that_sends_its_whole_body_before_reading_gets_the_413(web, widget_key):
    # Python's http.client writes the whole body before it reads the answer, as many simple clients do.
    # The server drains what it will not read (lingering close) instead of resetting the connection under
    # the client's write, which would end in ConnectionResetError here and never show the 413.
    connection = http.client.HTTPConnection("127.0.0.1", web.port, timeout=60)
    try:
        connection.request(
            "POST",
            "/api/tryon",
            body=b"x" * (11 * MB),
            headers={"X-Api-Key": widget_key, "Origin": SHOP, "Content-Type": "multipart/form-data; boundary=b"},
        )
        response = connection.getresponse()
        assert response.status == 413
        assert json.loads(response.read()) == TRY_ON_REFUSED
        assert response.getheader("Access-Control-Allow-Origin") == SHOP
    finally:
        connection.close()


def padded_jpeg(size: int) -> bytes:
    """The person photo grown to ``size`` bytes with JPEG comment segments (still a valid JPEG)."""
    photo = person_jpeg()
    segments = b""
    while len(photo) + len(segments) < size:
        segments += b"\xff\xfe" + struct.pack(">H", 65535) + b"c" * 65533
    return photo[:2] + segments + photo[2:]


def test_bodies_under_their_paths_limit_are_served(web, widget_key):
    photo = padded_jpeg(2 * MB)  # twice the JSON limit, a fifth of the photo's
    with product_image_server() as product_url:
        response = requests.post(
            f"{web.url}/api/tryon",
            headers={"X-Api-Key": widget_key, "Origin": SHOP},
            files={"userImage": ("me.jpg", photo, "image/jpeg")},
            data={"productImageUrl": product_url, "visitorId": str(uuid.uuid4())},
            timeout=60,
        )
        assert response.status_code == 202, response.text
        assert "Content-Length" in response.request.headers

    # JSON just under 1 MB reaches the view, which answers for itself (no credentials here).
    content = requests.post(
        f"{web.url}/api/content/images/generate",
        data=b'{"padding": "' + b"x" * (MB - 100) + b'"}',
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert content.status_code == 401, content.text
    assert content.json()["code"] != "PAYLOAD_TOO_LARGE"
