"""Results in S3 (moto's server): presigned for one hour, refused when tampered with or expired."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.utils import timezone

from tests.support.s3 import presigned_url_problem
from tests.support.shop import person_jpeg
from tests.support.tryon import decode, make_completed_job, upload
from tryon.models import ShareLink, TryOnJob
from tryon.tasks import purge_expired_task

pytestmark = pytest.mark.django_db


def test_result_url_is_presigned_for_one_hour(
    api_key_client, image_server, loopback_allowed, s3_emulator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(api_key_client, image_server).json()["data"]["jobId"]
    data = api_key_client.get(f"/api/tryon/{job_id}").json()["data"]
    assert data["status"] == "COMPLETED"
    url = data["resultImageUrl"]
    assert url.startswith(s3_emulator.gateway_url + "/toile-tryon-test/results/")
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["3600"] and query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]

    response = requests.get(url, timeout=10)
    assert response.status_code == 200
    assert decode(response.content).size == decode(person_jpeg()).size

    signature = query["X-Amz-Signature"][0]
    tampered = url.replace(signature, signature[:-1] + ("0" if signature[-1] != "0" else "1"))
    assert requests.get(tampered, timeout=10).status_code == 403
    other_key = url.replace("/results/", "/jobs/")
    assert requests.get(other_key, timeout=10).status_code == 403

    s3_emulator.clock_offset = 3601
    expired = requests.get(url, timeout=10)
    assert expired.status_code == 403 and b"expired" in expired.content
    assert presigned_url_problem(url, now=timezone.now().timestamp() + 3500) is None

    # The shopper's photo never stays in the bucket; only the result does (and the shop's cached product image).
    kept = [key for key in s3_emulator.stored_keys() if not key.startswith("garments/")]
    assert len(kept) == 1 and kept[0].startswith("results/")


def test_og_image_redirects_to_a_fresh_presigned_url(api_key_client, merchant, client, s3_emulator):
    job = make_completed_job(merchant)
    link = ShareLink.objects.create(job=job, token="s3" * 16, expires_at=timezone.now() + timedelta(days=7))
    response = client.get(f"/api/share/{link.token}/og-image")
    assert response.status_code == 302
    assert response["Cache-Control"] == "public, max-age=3600"
    location = response["Location"]
    assert parse_qs(urlsplit(location).query)["X-Amz-Expires"] == ["3600"]
    assert requests.get(location, timeout=10).status_code == 200


def test_retention_deletes_the_object_from_the_bucket(merchant, s3_emulator):
    job = make_completed_job(merchant)
    assert s3_emulator.stored_keys() == [job.result_image]
    TryOnJob.objects.filter(pk=job.pk).update(result_expires_at=timezone.now() - timedelta(seconds=1))
    assert purge_expired_task.delay().get()["resultsDeleted"] == 1
    assert s3_emulator.stored_keys() == []
