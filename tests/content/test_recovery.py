"""No content job is lost: a worker SIGKILLed mid-burst, on Redis and on the embedded filesystem broker; a
broker that is down when a job is accepted."""

from __future__ import annotations

import pytest

from config.celery import app as celery_app
from content.models import GeneratedImage, ImageJob
from tests.support.content import EVENT_INFO, generate
from tests.support.merchants import jwt_client_for, make_merchant
from tests.support.processes import celery_beat, worker_process
from tests.support.recovery import FAST_RECOVERY_ENV

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

JOBS = 6
QUEUES = "default,image-generation-job"


def _finished(client, job_ids: list[str]):
    def check():
        bodies = [client.get(f"/api/content/images/jobs/{job_id}").json() for job_id in job_ids]
        return bodies if all(body["status"] in ("COMPLETED", "FAILED") for body in bodies) else None

    return check


@pytest.mark.parametrize("broker", ["redis", "filesystem"])
def test_jobs_in_flight_when_the_worker_is_killed_complete_on_the_next_worker(
    broker, merchant, fake_stability, request
):
    from tests.support.processes import wait_until

    celery_app.conf.task_always_eager = False
    client = jwt_client_for(merchant)
    fake_stability.mode = "timeout"  # answers, but only after `delay`: every style keeps a job in flight a while
    fake_stability.delay = 0.8
    env = {
        **FAST_RECOVERY_ENV,
        "STABILITY_API_KEY": "sk-test",
        "STABILITY_API_BASE": fake_stability.url,
        "CONTENT_PROVIDER_TIMEOUT": "10",
    }
    if broker == "filesystem":
        env.update(request.getfixturevalue("filesystem_broker"))
    with celery_beat(extra_env=env):
        with worker_process(queues=QUEUES, extra_env=env) as first:
            job_ids = []
            for number in range(JOBS):
                response = generate(client, {"eventDraftId": f"evt-kill-{number}", "eventInfo": EVENT_INFO})
                assert response.status_code == 202, response.json()
                job_ids.append(response.json()["jobId"])
            wait_until(
                lambda: ImageJob.objects.filter(id__in=job_ids, status="PROCESSING", images_done__gte=1).exists(),
                timeout=60,
            )
            first.kill()  # main process and pool at once: nothing is acknowledged, requeued or cleaned up
        in_flight = set(ImageJob.objects.filter(id__in=job_ids, status="PROCESSING").values_list("id", flat=True))
        assert in_flight, "no job was running when the worker died"
        # Jobs being composited held a lease (recovered by the beat's recovery task); jobs waiting for their
        # artwork were parked on requests the dead worker's remote loop had claimed (taken over by the next one).
        # Jobs woken with their artwork and still queued need neither.
        leased = set(
            ImageJob.objects.filter(id__in=in_flight, parked_on="").exclude(lease_owner="").values_list("id", flat=True)
        )
        assert leased, "no job was being composited when the worker died"
        with worker_process(queues=QUEUES, extra_env=env) as second:
            bodies = wait_until(_finished(client, job_ids), timeout=90)
    assert [body["status"] for body in bodies] == ["COMPLETED"] * JOBS, second.log.read_text()[-3000:]
    for number, body in enumerate(bodies):
        assert sorted(image["style"] for image in body["images"]) == ["FANCY", "SIMPLE", "TRENDY"]
        listing = client.get(f"/api/content/events/evt-kill-{number}/images").json()
        assert listing["totalCount"] == 3  # nothing drawn twice, nothing missing
        assert {image["provider"] for image in body["images"]} == {"stability"}  # no style lost its artwork
    assert GeneratedImage.objects.filter(job_id__in=job_ids).count() == 3 * JOBS
    recovered = set(ImageJob.objects.filter(id__in=in_flight, recovery_count__gte=1).values_list("id", flat=True))
    assert leased <= recovered


def test_a_job_accepted_while_the_broker_is_down_fails_and_the_client_gets_503(unreachable_broker):
    client = jwt_client_for(make_merchant())
    response = generate(client, {"eventDraftId": "evt-no-broker", "eventInfo": EVENT_INFO})
    assert response.status_code == 503, response.content
    body = response.json()
    assert body["code"] == "QUEUE_UNAVAILABLE" and body["retryAfter"] == 30 and response["Retry-After"] == "30"
    job = ImageJob.objects.get()
    assert job.status == ImageJob.Status.FAILED and job.error_code == "QUEUE_UNAVAILABLE"
