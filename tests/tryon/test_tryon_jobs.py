"""POST /api/tryon and GET /api/tryon/{jobId} through HTTP, with the offline engine run by the task."""

from __future__ import annotations

import contextlib
import io
import time
import uuid

import numpy as np
import pytest
from django.core.files.storage import storages
from PIL import Image

from tests.support.http import QuietHandler, http_server
from tests.support.merchants import api_key_client_for
from tests.support.shop import person_jpeg, plain_jpeg
from tests.support.tryon import decode, fetch_result, stored_files, upload
from tryon.models import DailyUsage, TryOnJob

pytestmark = pytest.mark.django_db


def test_offline_tryon_end_to_end(api_key_client, image_server, loopback_allowed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(
            api_key_client,
            image_server,
            productTitle="블루 린넨 셔츠",
            productPageUrl="https://shop.example.com/p/1",
        )
    assert response.status_code == 202, response.json()
    body = response.json()["data"]
    assert body["status"] == "PENDING"
    job_id = uuid.UUID(body["jobId"])

    polled = api_key_client.get(f"/api/tryon/{job_id}").json()["data"]
    assert polled["status"] == "COMPLETED"
    assert polled["jobId"] == str(job_id)
    assert polled["engine"] == "offline" and polled["preview"] is True
    assert polled["progress"] == 100
    assert "errorMessage" not in polled

    result = decode(fetch_result(api_key_client, polled["resultImageUrl"]))
    person = decode(person_jpeg())
    assert result.size == person.size
    job = TryOnJob.objects.get(pk=job_id)
    assert job.metadata["preview"] is True and job.metadata["placement"] == "pose"
    # The garment (red) lands on the torso, below the shoulders; the face above stays as it was.
    diff = np.abs(np.asarray(result.convert("RGB"), dtype=int) - np.asarray(person.convert("RGB"), dtype=int)).sum(-1)
    width, height = result.size
    torso = diff[int(height * 0.75) : int(height * 0.95), int(width * 0.3) : int(width * 0.7)]
    face = diff[int(height * 0.2) : int(height * 0.45), int(width * 0.35) : int(width * 0.65)]
    assert (torso > 60).mean() > 0.8
    assert (face > 60).mean() < 0.05
    # The shopper's photo is gone as soon as the job ended; only the result is kept.
    assert job.person_image == "" and job.garment_image == ""
    assert [name.split("/")[0] for name in stored_files()] == ["results"]
    assert DailyUsage.objects.get(merchant=job.merchant).requested == 1
    assert DailyUsage.objects.get(merchant=job.merchant).completed == 1


def test_offline_engine_without_a_body_places_the_garment_centred(
    api_key_client, image_server, loopback_allowed, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api_key_client, image_server, photo=plain_jpeg((600, 800)), category="lower_body")
    job_id = response.json()["data"]["jobId"]
    polled = api_key_client.get(f"/api/tryon/{job_id}").json()["data"]
    assert polled["status"] == "COMPLETED"
    job = TryOnJob.objects.get(pk=job_id)
    assert job.metadata["placement"] == "centered" and job.metadata["poseDetected"] is False
    assert "가운데" in job.metadata["note"]
    result = decode(fetch_result(api_key_client, polled["resultImageUrl"]))
    assert result.size == (600, 800)
    red = np.asarray(result.convert("RGB"), dtype=int)
    centre = red[600:700, 250:350]
    assert (centre[..., 0] > 150).mean() > 0.9 and (centre[..., 2] < 100).mean() > 0.9


def test_exif_orientation_applied_and_metadata_stripped(api_key_client, image_server, loopback_allowed):
    image = Image.new("RGB", (300, 200), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    exif[0x8825] = {1: "N", 2: (37.0, 33.0, 0.0)}  # GPS
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    response = upload(api_key_client, image_server, photo=buffer.getvalue())
    assert response.status_code == 202
    job = TryOnJob.objects.get(pk=response.json()["data"]["jobId"])
    stored = storages["tryon"].open(job.person_image).read()
    decoded = decode(stored)
    assert decoded.size == (200, 300)  # orientation applied
    assert not decoded.getexif()
    assert b"PhoneMaker" not in stored and b"Exif" not in stored


def test_get_another_merchants_job_is_403_and_unknown_is_404(
    api_key_client, other_merchant, image_server, loopback_allowed
):
    response = upload(api_key_client_for(other_merchant), image_server)
    assert response.status_code == 202
    other_job = response.json()["data"]["jobId"]
    denied = api_key_client.get(f"/api/tryon/{other_job}")
    assert denied.status_code == 403
    assert denied.json() == {"error": "Forbidden", "message": denied.json()["message"], "statusCode": 403}
    missing = api_key_client.get(f"/api/tryon/{uuid.uuid4()}")
    assert missing.status_code == 404 and missing.json()["error"] == "NotFound"
    assert api_key_client.get("/api/tryon/not-a-uuid").status_code == 404


def test_missing_api_key_is_401(client, image_server):
    response = client.post("/api/tryon", {"productImageUrl": image_server.url("/shirt.png")})
    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
    assert TryOnJob.objects.count() == 0


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"category": "hats"}, "category"),
        ({"productTitle": "가" * 201}, "productTitle"),
        ({"productPageUrl": "not a url"}, "productPageUrl"),
        ({"productImageUrl": "ftp://example.com/x.png"}, "productImageUrl"),
    ],
)
def test_invalid_fields_are_400_and_store_nothing(api_key_client, image_server, loopback_allowed, fields, fragment):
    response = upload(api_key_client, image_server, **fields)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "BadRequest" and body["statusCode"] == 400
    assert fragment in body["message"]
    assert TryOnJob.objects.count() == 0 and stored_files() == []


def test_product_image_url_follows_ssrf_rules(api_key_client, image_server):
    # Loopback is refused when not explicitly allowed (production default), as are private and metadata hosts.
    for url in (image_server.url("/shirt.png"), "http://169.254.169.254/latest/meta-data", "http://10.0.0.5/x.png"):
        response = upload(api_key_client, image_server, productImageUrl=url)
        assert response.status_code == 400, url
        assert response.json()["error"] == "BadRequest"
    assert TryOnJob.objects.count() == 0 and stored_files() == []


def test_product_image_redirect_to_a_private_address_fails_the_job(
    api_key_client, image_server, loopback_allowed, django_capture_on_commit_callbacks
):
    # The worker fetches the product image, each redirect hop under the SSRF rules: the job fails, in Korean.
    image_server.redirects["/moved.png"] = "http://169.254.169.254/latest/meta-data/"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api_key_client, image_server, productImageUrl=image_server.url("/moved.png"))
    assert response.status_code == 202
    polled = api_key_client.get(f"/api/tryon/{response.json()['data']['jobId']}").json()["data"]
    assert polled["status"] == "FAILED"
    assert "상품 이미지를 가져올 수 없습니다" in polled["errorMessage"] and "메타데이터" in polled["errorMessage"]
    assert stored_files() == []  # the shopper's photo is deleted with the failed job
    image_server.redirects["/ok.png"] = image_server.url("/shirt.png")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api_key_client, image_server, productImageUrl=image_server.url("/ok.png"))
    polled = api_key_client.get(f"/api/tryon/{response.json()['data']['jobId']}").json()["data"]
    assert polled["status"] == "COMPLETED"


def test_product_image_that_is_not_an_image_fails_the_job(
    api_key_client, image_server, loopback_allowed, django_capture_on_commit_callbacks
):
    image_server.files["/page.html"] = (b"<html>not an image</html>", "text/html")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api_key_client, image_server, productImageUrl=image_server.url("/page.html"))
    assert response.status_code == 202
    polled = api_key_client.get(f"/api/tryon/{response.json()['data']['jobId']}").json()["data"]
    assert polled["status"] == "FAILED"
    assert "상품 이미지를 읽을 수 없습니다" in polled["errorMessage"]
    assert "resultImageUrl" not in polled


def test_png_upload_is_accepted(api_key_client, image_server, loopback_allowed):
    buffer = io.BytesIO()
    Image.new("RGBA", (320, 480), (0, 0, 255, 128)).save(buffer, "PNG")
    response = upload(api_key_client, image_server, photo=buffer.getvalue(), name="me.png")
    assert response.status_code == 202
    job = TryOnJob.objects.get(pk=response.json()["data"]["jobId"])
    assert decode(storages["tryon"].open(job.person_image).read()).format == "JPEG"


@pytest.mark.django_db(transaction=True)
def test_unreachable_broker_fails_the_job_and_answers_503(image_server, loopback_allowed, unreachable_broker):
    from tests.support.merchants import api_key_client_for, make_merchant

    response = upload(api_key_client_for(make_merchant()), image_server)
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["statusCode"] == 503 and body["error"] == "QUEUE_UNAVAILABLE" and response["Retry-After"] == "30"
    job = TryOnJob.objects.get()
    assert job.status == TryOnJob.Status.FAILED and "작업 대기열" in job.error_message
    assert stored_files() == []  # the shopper's photo is not kept for a job that never ran


def test_a_trickling_product_host_never_holds_the_request(
    api_key_client, loopback_allowed, settings, django_capture_on_commit_callbacks
):
    settings.TRYON_PRODUCT_FETCH_SECONDS = 1.0
    seen: list[str] = []

    class Trickle(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            with contextlib.suppress(OSError):  # until the worker's deadline cuts it off
                for _ in range(25):  # one byte every 0.2 s
                    self.wfile.write(b"\x89")
                    self.wfile.flush()
                    time.sleep(0.2)

    with http_server(Trickle) as base:
        with django_capture_on_commit_callbacks() as callbacks:
            response = upload(api_key_client, None, productImageUrl=f"{base}/slow.png")
        # Accepted without contacting the product host: the worker fetches the image.
        assert response.status_code == 202 and seen == []
        for callback in callbacks:  # the worker's turn
            callback()
    polled = api_key_client.get(f"/api/tryon/{response.json()['data']['jobId']}").json()["data"]
    assert polled["status"] == "FAILED"
    assert "상품 이미지를 가져올 수 없습니다" in polled["errorMessage"] and "시간이 초과" in polled["errorMessage"]
    assert seen == ["/slow.png"] and stored_files() == []


def test_an_oversized_product_image_fails_the_job_in_korean(
    api_key_client, image_server, loopback_allowed, django_capture_on_commit_callbacks
):
    image_server.files["/huge.png"] = (b"\x89PNG" + b"\0" * (11 * 1024 * 1024), "image/png")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(api_key_client, image_server, productImageUrl=image_server.url("/huge.png"))
    assert response.status_code == 202
    polled = api_key_client.get(f"/api/tryon/{response.json()['data']['jobId']}").json()["data"]
    assert polled["status"] == "FAILED" and "파일이 너무 큽니다" in polled["errorMessage"]
