"""The FASHN engine against a fake FASHN server on localhost that speaks its wire format."""

from __future__ import annotations

import logging

import pytest

from tests.support.tryon import data_url_bytes, decode, fetch_result, stored_files, upload
from tryon.models import TryOnJob

pytestmark = pytest.mark.django_db


def run_job(client, image_server, capture) -> dict:
    with capture(execute=True):
        response = upload(client, image_server, category="dresses")
    assert response.status_code == 202
    return client.get(f"/api/tryon/{response.json()['data']['jobId']}").json()["data"]


def test_fashn_success_stores_the_result(
    api_key_client, image_server, loopback_allowed, fashn_settings, fake_fashn, django_capture_on_commit_callbacks
):
    polled = run_job(api_key_client, image_server, django_capture_on_commit_callbacks)
    assert polled["status"] == "COMPLETED", polled
    assert polled["engine"] == "fashn" and polled["preview"] is False
    assert decode(fetch_result(api_key_client, polled["resultImageUrl"])).size == (864, 1296)

    (run,) = fake_fashn.runs
    assert run["model_name"] == "tryon-v1.6"
    inputs = run["inputs"]
    assert inputs["category"] == "one-pieces"
    assert inputs["mode"] == "balanced"
    assert inputs["model_image"].startswith("data:image/jpeg;base64,")
    assert decode(data_url_bytes(inputs["model_image"])).format == "JPEG"
    assert inputs["garment_image"].startswith("data:image/png;base64,")
    assert set(fake_fashn.auth_headers) == {"Bearer fa-test-key"}
    job = TryOnJob.objects.get(pk=polled["jobId"])
    assert job.metadata["predictionId"] == run["id"]
    # The result now lives in our storage (FASHN's CDN copy expires); the inputs are deleted.
    assert [name.split("/")[0] for name in stored_files()] == ["results"]


def test_fashn_runtime_failure_fails_the_job_with_its_message(
    api_key_client, image_server, loopback_allowed, fashn_settings, fake_fashn, django_capture_on_commit_callbacks
):
    fake_fashn.behaviour = "failure"
    polled = run_job(api_key_client, image_server, django_capture_on_commit_callbacks)
    assert polled["status"] == "FAILED"
    assert "PoseError" in polled["errorMessage"]
    assert "resultImageUrl" not in polled
    assert stored_files() == []  # the shopper's photo is deleted on failure too


def test_fashn_rate_limit_waits_for_retry_after_and_never_fails_the_job(
    api_key_client, image_server, loopback_allowed, fashn_settings, fake_fashn, django_capture_on_commit_callbacks
):
    fake_fashn.behaviour = "rate_limited"
    fake_fashn.rate_limited_runs = 3  # 429 RateLimitExceeded with Retry-After: 1, three times, then accepted
    polled = run_job(api_key_client, image_server, django_capture_on_commit_callbacks)
    assert polled["status"] == "COMPLETED", polled
    assert fake_fashn.run_attempts == 4 and len(fake_fashn.runs) == 1
    # Each submission after a 429 waited for its Retry-After: FASHN was paused, not hammered.
    gaps = [later - earlier for earlier, later in zip(fake_fashn.run_times, fake_fashn.run_times[1:], strict=False)]
    assert all(gap >= 0.9 for gap in gaps), gaps


def test_fashn_rate_limit_passes_on_retry(
    api_key_client,
    image_server,
    loopback_allowed,
    fashn_settings,
    fake_fashn,
    django_capture_on_commit_callbacks,
):
    fake_fashn.behaviour = "rate_limited_once"
    polled = run_job(api_key_client, image_server, django_capture_on_commit_callbacks)
    assert polled["status"] == "COMPLETED"
    assert fake_fashn.run_attempts == 2


def test_fashn_server_error_on_run_is_retried(
    api_key_client,
    image_server,
    loopback_allowed,
    fashn_settings,
    fake_fashn,
    django_capture_on_commit_callbacks,
):
    fake_fashn.behaviour = "server_error_once"
    polled = run_job(api_key_client, image_server, django_capture_on_commit_callbacks)
    assert polled["status"] == "COMPLETED", polled
    assert fake_fashn.run_attempts == 2 and len(fake_fashn.runs) == 1


def test_fashn_status_rate_limit_and_server_error_keep_polling_the_same_prediction(
    api_key_client,
    image_server,
    loopback_allowed,
    fashn_settings,
    fake_fashn,
    django_capture_on_commit_callbacks,
):
    # A status-call limit must not submit (and pay for) the prediction again, nor fail a prediction that runs.
    fake_fashn.status_errors = [429, 500]
    polled = run_job(api_key_client, image_server, django_capture_on_commit_callbacks)
    assert polled["status"] == "COMPLETED", polled
    assert fake_fashn.run_attempts == 1 and len(fake_fashn.runs) == 1
    assert fake_fashn.status_errors == []  # both error answers were seen


def test_fashn_error_quoting_the_photo_is_neither_logged_nor_shown(
    api_key_client,
    image_server,
    loopback_allowed,
    fashn_settings,
    fake_fashn,
    django_capture_on_commit_callbacks,
    caplog,
):
    fake_fashn.behaviour = "bad_request"
    with caplog.at_level(logging.DEBUG):
        polled = run_job(api_key_client, image_server, django_capture_on_commit_callbacks)
    assert polled["status"] == "FAILED"
    assert "BadRequest" in polled["errorMessage"] and "Invalid model_image" in polled["errorMessage"]
    photo_start = "/9j/"  # how the base64 of every JPEG begins
    assert "base64," not in polled["errorMessage"] and photo_start not in polled["errorMessage"]
    assert "Invalid model_image" in caplog.text
    assert "base64," not in caplog.text and photo_start not in caplog.text


def test_fashn_out_of_credits_fails_at_once(
    api_key_client, image_server, loopback_allowed, fashn_settings, fake_fashn, django_capture_on_commit_callbacks
):
    fake_fashn.behaviour = "out_of_credits"
    polled = run_job(api_key_client, image_server, django_capture_on_commit_callbacks)
    assert polled["status"] == "FAILED"
    assert "크레딧" in polled["errorMessage"]
    assert fake_fashn.run_attempts == 1


def test_fashn_slow_prediction_times_out(
    api_key_client, image_server, loopback_allowed, fashn_settings, fake_fashn, django_capture_on_commit_callbacks
):
    fake_fashn.behaviour = "slow"
    fashn_settings.FASHN_TIMEOUT = 1.0
    polled = run_job(api_key_client, image_server, django_capture_on_commit_callbacks)
    assert polled["status"] == "FAILED"
    assert "초과" in polled["errorMessage"]
    assert sum(fake_fashn.status_calls.values()) >= 2


def test_fashn_wrong_key_fails_with_auth_message(
    api_key_client, image_server, loopback_allowed, fashn_settings, fake_fashn, django_capture_on_commit_callbacks
):
    fashn_settings.FASHN_API_KEY = "wrong"
    polled = run_job(api_key_client, image_server, django_capture_on_commit_callbacks)
    assert polled["status"] == "FAILED"
    assert "인증" in polled["errorMessage"]
    assert "wrong" not in polled["errorMessage"]


def test_fashn_unreachable_fails_cleanly(
    api_key_client, image_server, loopback_allowed, fashn_settings, django_capture_on_commit_callbacks
):
    from tests.support.processes import free_port

    fashn_settings.FASHN_API_BASE = f"http://127.0.0.1:{free_port()}"
    polled = run_job(api_key_client, image_server, django_capture_on_commit_callbacks)
    assert polled["status"] == "FAILED"
    assert "연결" in polled["errorMessage"]


def test_running_a_finished_job_again_is_a_no_op(
    api_key_client, image_server, loopback_allowed, fashn_settings, fake_fashn, django_capture_on_commit_callbacks
):
    from tryon.tasks import run_tryon_job_task

    polled = run_job(api_key_client, image_server, django_capture_on_commit_callbacks)
    job = TryOnJob.objects.get(pk=polled["jobId"])
    run_tryon_job_task.delay(str(job.pk))  # e.g. a redelivered message
    again = TryOnJob.objects.get(pk=job.pk)
    assert len(fake_fashn.runs) == 1
    assert (again.status, again.result_image, again.finished_at) == (job.status, job.result_image, job.finished_at)
    assert len(stored_files()) == 1


def test_a_forged_engine_callback_is_404_and_a_real_one_only_asks_for_a_status_read(client, merchant):
    from django.core import signing

    from tryon.models import EngineCall
    from tryon.remote import CALLBACK_SALT

    job = TryOnJob.objects.create(merchant=merchant, product_image_url="https://shop.example/a.png")
    call = EngineCall.objects.create(job=job, merchant=merchant, provider="fashn", state="ACTIVE", remote_id="p-1")
    assert client.post("/hooks/tryon-engine/forged-token").status_code == 404
    assert client.get(f"/hooks/tryon-engine/{signing.dumps(call.pk, salt=CALLBACK_SALT)}").status_code == 405
    answer = client.post(f"/hooks/tryon-engine/{signing.dumps(call.pk, salt=CALLBACK_SALT)}", {"status": "completed"})
    assert answer.status_code == 204
    call.refresh_from_db()
    assert call.state == "ACTIVE" and call.next_check_at is not None  # due now; nothing taken from the body
