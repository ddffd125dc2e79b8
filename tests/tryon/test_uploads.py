"""Upload edge cases of POST /api/tryon: size limits, content sniffing, bombs, truncated files."""

from __future__ import annotations

import io
import socket

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.support.shop import person_jpeg
from tests.support.tryon import stored_files, upload
from tryon.models import DailyUsage, TryOnJob

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def assert_refused(response, status: int) -> None:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert body["statusCode"] == status
    assert set(body) >= {"error", "message", "statusCode"}
    assert TryOnJob.objects.count() == 0
    assert DailyUsage.objects.count() == 0
    assert stored_files() == []


def test_11_mb_upload_is_413(api_key_client, image_server, loopback_allowed):
    response = upload(api_key_client, image_server, photo=person_jpeg() + b"\0" * (11 * MB))
    assert_refused(response, 413)
    assert response.json() == {
        "error": "PayloadTooLarge",
        "message": "파일 크기는 10MB를 초과할 수 없습니다.",
        "statusCode": 413,
    }


def test_file_just_over_10_mb_is_stopped_by_the_upload_handler(api_key_client, image_server, loopback_allowed):
    # The whole body stays under the Content-Length check (which leaves 64 KB for the form), so it is the upload
    # handler that stops the file once its 10 MB + 1st byte arrives.
    from tryon.api import MULTIPART_OVERHEAD

    photo = b"\0" * (10 * MB + 1)
    request = api_key_client.post(
        "/api/tryon",
        {
            "userImage": SimpleUploadedFile("me.jpg", photo, "image/jpeg"),
            "productImageUrl": image_server.url("/shirt.png"),
        },
        format="multipart",
    )
    assert int(request.wsgi_request.META["CONTENT_LENGTH"]) < 10 * MB + MULTIPART_OVERHEAD
    assert_refused(request, 413)
    assert request.json()["message"] == "파일 크기는 10MB를 초과할 수 없습니다."


def test_declared_oversize_body_is_refused_before_it_is_read(live_server, api_key_client, merchant):
    from merchants.services import issue_api_key

    key = issue_api_key(merchant=merchant, name="raw").raw_key
    host, port = live_server.thread.host, live_server.thread.port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(
            (
                "POST /api/tryon HTTP/1.1\r\n"
                f"Host: {host}\r\n"
                f"x-api-key: {key}\r\n"
                "Content-Type: multipart/form-data; boundary=xyz\r\n"
                f"Content-Length: {11 * MB}\r\n"
                "Connection: close\r\n\r\n"
            ).encode()
            + b"--xyz\r\n"  # only the first bytes of the promised 11 MB are ever sent
        )
        # The development server would wait for the unsent body after answering; read what came until then.
        sock.settimeout(2)
        received = b""
        try:
            while chunk := sock.recv(4096):
                received += chunk
        except TimeoutError:
            pass
        answer = received.decode(errors="replace")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert "PayloadTooLarge" in answer


def test_png_renamed_to_jpg_is_accepted_by_content(api_key_client, image_server, loopback_allowed):
    buffer = io.BytesIO()
    Image.new("RGB", (300, 400), (200, 10, 10)).save(buffer, "PNG")
    response = upload(api_key_client, image_server, photo=buffer.getvalue(), name="photo.jpg")
    assert response.status_code == 202


def test_text_file_named_png_is_400(api_key_client, image_server, loopback_allowed):
    response = upload(api_key_client, image_server, photo=b"hello, I am not a picture\n" * 50, name="photo.png")
    assert_refused(response, 400)
    assert response.json()["error"] == "BadRequest"


def test_gif_and_webp_are_refused(api_key_client, image_server, loopback_allowed):
    for fmt in ("GIF", "WEBP"):
        buffer = io.BytesIO()
        Image.new("RGB", (300, 400), (1, 2, 3)).save(buffer, fmt)
        response = upload(api_key_client, image_server, photo=buffer.getvalue(), name="photo.jpg")
        assert_refused(response, 400)
        assert fmt in response.json()["message"]


def test_decompression_bomb_is_400(api_key_client, image_server, loopback_allowed):
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000), 0).save(buffer, "PNG")  # 400 MP of nothing: a few dozen KB compressed
    assert len(buffer.getvalue()) < 1 * MB
    response = upload(api_key_client, image_server, photo=buffer.getvalue(), name="bomb.png")
    assert_refused(response, 400)
    assert "압축 폭탄" in response.json()["message"]


def test_truncated_jpeg_is_400(api_key_client, image_server, loopback_allowed):
    data = person_jpeg()
    response = upload(api_key_client, image_server, photo=data[: len(data) // 2])
    assert_refused(response, 400)


def test_empty_and_missing_file_are_400(api_key_client, image_server, loopback_allowed):
    response = api_key_client.post(
        "/api/tryon",
        {
            "userImage": SimpleUploadedFile("a.jpg", b"", "image/jpeg"),
            "productImageUrl": image_server.url("/shirt.png"),
        },
        format="multipart",
    )
    assert_refused(response, 400)
    response = api_key_client.post(
        "/api/tryon", {"productImageUrl": image_server.url("/shirt.png")}, format="multipart"
    )
    assert_refused(response, 400)
    assert "userImage" in response.json()["message"]
