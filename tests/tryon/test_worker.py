"""Try-on jobs through a real Celery worker process (queue ``tryon``)."""

from __future__ import annotations

import threading

import pytest
import requests

from tests.support.processes import celery_worker, wait_until
from tests.support.shop import person_jpeg
from tests.support.tryon import decode, fetch_result, stored_files, upload

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_offline_engine_in_a_worker(api_key_client, image_server, loopback_allowed, not_eager):
    with celery_worker(queues="tryon", extra_env={"TRYON_ENGINE": "offline", "FASHN_API_KEY": ""}) as log:
        response = upload(api_key_client, image_server)
        assert response.status_code == 202
        job_id = response.json()["data"]["jobId"]

        def finished() -> dict | None:
            response = api_key_client.get(f"/api/tryon/{job_id}")
            assert response.status_code == 200, (response.status_code, response.content[:500])
            data = response.json()["data"]
            return data if data["status"] in ("COMPLETED", "FAILED") else None

        data = wait_until(finished, timeout=90)
        # The photo is deleted right after the job's status commits: give the worker that moment while it still
        # runs (stopping it sends SIGTERM to its pool processes, which would cut the task short).
        wait_until(lambda: [name.split("/")[0] for name in stored_files()] == ["results"], timeout=10)
    assert data["status"] == "COMPLETED", (data, log.read_text()[-3000:])
    assert data["engine"] == "offline" and data["preview"] is True
    assert decode(fetch_result(api_key_client, data["resultImageUrl"])).size == decode(person_jpeg()).size


def test_fashn_engine_in_a_worker_with_s3_and_progress(
    api_key_client, image_server, loopback_allowed, fake_fashn, s3_emulator, not_eager
):
    fake_fashn.hold = threading.Event()  # FASHN keeps "processing" until the test has seen the progress
    env = {
        **fake_fashn.worker_env(),
        **s3_emulator.env(),
    }
    with celery_worker(queues="tryon", extra_env=env) as log:
        response = upload(api_key_client, image_server)
        assert response.status_code == 202
        job_id = response.json()["data"]["jobId"]

        def poll() -> dict:
            answer = api_key_client.get(f"/api/tryon/{job_id}")
            assert answer.status_code == 200, (answer.status_code, answer.content[:500])
            return answer.json()["data"]

        # FASHN's "processing" shows as 60 %; the job stays there while FASHN holds it.
        running = wait_until(
            lambda: (data := poll())["status"] == "PROCESSING" and data["progress"] == 60 and data, timeout=90
        )
        assert "resultImageUrl" not in running and "errorMessage" not in running
        fake_fashn.hold.set()
        data = wait_until(lambda: (data := poll())["status"] in ("COMPLETED", "FAILED") and data, timeout=60)
        assert data["status"] == "COMPLETED", (data, log.read_text()[-3000:])
        # Inputs are deleted just after the status commits; wait while the worker is alive (see above).
        wait_until(
            lambda: (
                [key.split("/")[0] for key in s3_emulator.stored_keys() if not key.startswith("garments/")]
                == ["results"]
            ),
            timeout=10,
        )
    assert data["progress"] == 100
    result = requests.get(data["resultImageUrl"], timeout=10)
    assert result.status_code == 200 and decode(result.content).size == (864, 1296)
    assert len(fake_fashn.runs) == 1
