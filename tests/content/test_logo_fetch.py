"""logoUrl is fetched safely at request time: SSRF refusals and non-images are 400s that change nothing."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from content.models import ImageJob
from tests.support.content import EVENT_INFO, decode, generate, run_job
from tests.support.http import QuietHandler, http_server

pytestmark = pytest.mark.django_db


def _png(color: tuple[int, int, int, int], size: tuple[int, int] = (300, 120)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, color).save(buffer, format="PNG")
    return buffer.getvalue()


def _bomb() -> bytes:
    """A few kilobytes of PNG that decode to 8000 × 8000 pixels."""
    buffer = io.BytesIO()
    Image.new("1", (8000, 8000), 0).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@pytest.fixture
def logo_server():
    files = {
        "/logo.png": (_png((255, 0, 255, 255)), "image/png"),
        "/slow.png": (_png((255, 0, 255, 255)), "image/png"),
        "/not-image.png": (b"<html>hi</html>", "image/png"),
        "/bomb.png": (_bomb(), "image/png"),
    }

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            if self.path == "/slow.png":
                time.sleep(3)
            if self.path == "/redirect-to-metadata":
                self.send_response(302)
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                self.end_headers()
                return
            body, content_type = files.get(self.path, (b"missing", "text/plain"))
            self.send_response(200 if self.path in files else 404)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    with http_server(Handler) as base_url:
        yield base_url


def _with_logo(url: str) -> dict:
    return {"eventDraftId": "evt-logo", "eventInfo": {**EVENT_INFO, "logoUrl": url}, "styles": ["SIMPLE"]}


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("http://127.0.0.1/logo.png", "루프백"),
        ("http://localhost/logo.png", "루프백"),
        ("http://10.0.0.5/logo.png", "사설망"),
        ("http://192.168.1.1/logo.png", "사설망"),
        ("http://169.254.169.254/latest/meta-data/", "메타데이터"),
        ("http://[::1]/logo.png", "루프백"),
        ("http://user:pw@example.com/logo.png", "사용자 정보"),
    ],
)
def test_ssrf_targets_are_refused_with_400(jwt_client, url, fragment):
    response = generate(jwt_client, _with_logo(url))
    assert response.status_code == 400, response.json()
    assert fragment in response.json()["message"]
    assert response.json()["message"].startswith("logoUrl: ")  # the refusal names the field it is about
    assert response.json()["code"] == "BAD_REQUEST"
    assert ImageJob.objects.count() == 0


def test_redirect_to_metadata_is_refused(settings, jwt_client, logo_server):
    settings.SSRF_ALLOW_LOOPBACK = True  # the first hop is our local server; the redirect target is not allowed
    response = generate(jwt_client, _with_logo(f"{logo_server}/redirect-to-metadata"))
    assert response.status_code == 400 and response.json()["message"].startswith("logoUrl: ")
    assert "메타데이터" in response.json()["message"]
    assert ImageJob.objects.count() == 0


def test_non_image_logo_is_refused(settings, jwt_client, logo_server):
    settings.SSRF_ALLOW_LOOPBACK = True
    response = generate(jwt_client, _with_logo(f"{logo_server}/not-image.png"))
    assert response.status_code == 400 and "logoUrl" in response.json()["message"]
    missing = generate(jwt_client, _with_logo(f"{logo_server}/missing.png"))
    assert missing.status_code == 400 and "404" in missing.json()["message"]
    assert ImageJob.objects.count() == 0


def test_oversize_logo_is_refused(settings, jwt_client, logo_server):
    settings.SSRF_ALLOW_LOOPBACK = True
    settings.CONTENT_LOGO_MAX_BYTES = 100
    response = generate(jwt_client, _with_logo(f"{logo_server}/logo.png"))
    assert response.status_code == 400 and "너무 큽니다" in response.json()["message"]


def test_logo_is_drawn_on_the_image(settings, jwt_client, logo_server, django_capture_on_commit_callbacks):
    settings.SSRF_ALLOW_LOOPBACK = True
    job = run_job(jwt_client, _with_logo(f"{logo_server}/logo.png"), django_capture_on_commit_callbacks)
    assert job["status"] == "COMPLETED"
    image = decode(job["images"][0]["url"]).convert("RGB")
    magenta = sum(1 for pixel in list(image.getdata()) if pixel == (255, 0, 255))
    assert magenta > 5000  # the logo (pure magenta) is on the picture


def test_slow_logo_server_is_cut_off(settings, jwt_client, logo_server):
    settings.SSRF_ALLOW_LOOPBACK = True
    settings.CONTENT_LOGO_TIMEOUT = 1.0
    started = time.monotonic()
    response = generate(jwt_client, _with_logo(f"{logo_server}/slow.png"))
    assert response.status_code == 400 and "시간이 초과" in response.json()["message"]
    assert time.monotonic() - started < 2.5
    assert ImageJob.objects.count() == 0


def test_decompression_bomb_logo_is_refused(settings, jwt_client, logo_server):
    settings.SSRF_ALLOW_LOOPBACK = True
    response = generate(jwt_client, _with_logo(f"{logo_server}/bomb.png"))
    assert response.status_code == 400 and "압축 폭탄" in response.json()["message"]
    assert ImageJob.objects.count() == 0
