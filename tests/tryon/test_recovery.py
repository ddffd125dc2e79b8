"""No try-on is lost or paid for twice: a worker SIGKILLed while FASHN works on the prediction."""

from __future__ import annotations

import threading

import pytest

from config.celery import app as celery_app
from tests.support.processes import celery_beat, wait_until, worker_process
from tests.support.recovery import FAST_RECOVERY_ENV
from tests.support.tryon import upload
from tryon.models import TryOnJob

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_killed_worker_s_try_on_resumes_its_fashn_prediction_on_the_next_worker(
    api_key_client, image_server, loopback_allowed, fake_fashn
):
    celery_app.conf.task_always_eager = False
    fake_fashn.hold = threading.Event()  # the prediction stays "processing" until the test lets it finish
    env = {
        **FAST_RECOVERY_ENV,
        **fake_fashn.worker_env(),
    }

    def status() -> dict:
        return api_key_client.get(f"/api/tryon/{job_id}").json()["data"]

    with celery_beat(extra_env=env):
        with worker_process(queues="default,tryon", extra_env=env) as first:
            response = upload(api_key_client, image_server)
            assert response.status_code == 202
            job_id = response.json()["data"]["jobId"]
            wait_until(lambda: status()["progress"] == 60, timeout=60)
            first.kill()  # its remote loop was following the prediction
        assert status()["status"] == "PROCESSING" and len(fake_fashn.runs) == 1
        (prediction_id,) = fake_fashn.status_calls
        polls_before = fake_fashn.status_calls[prediction_id]
        with worker_process(queues="default,tryon", extra_env=env):
            # The next worker's loop takes the call over once the dead one's claim ran out, by its prediction id.
            wait_until(lambda: fake_fashn.status_calls[prediction_id] > polls_before, timeout=60)
            fake_fashn.hold.set()
            data = wait_until(lambda: (data := status())["status"] in ("COMPLETED", "FAILED") and data, timeout=90)
            wait_until(lambda: not TryOnJob.objects.get(pk=job_id).person_image, timeout=10)
    assert data["status"] == "COMPLETED", data
    assert len(fake_fashn.runs) == 1  # the second worker polled the same prediction instead of paying again
    assert TryOnJob.objects.get(pk=job_id).provider_job_id == fake_fashn.runs[0]["id"]
