"""Records of the Event Service become the same jobs as POSTs: polled COMPLETED over HTTP, announced on the
status topic (PROCESSING, then COMPLETED with the images the status endpoint shows), each job once."""

from __future__ import annotations

import pytest
from django.test import Client

from config.celery import app as celery_app
from content.kafka.health import live_consumers
from content.models import GeneratedImage, ImageJob
from content.services import update_content_settings
from tests.support.content import EVENT_INFO, generate
from tests.support.kafka import job_record, produce
from tests.support.kafka_intake import (
    dashboard_client,
    job_status,
    kafka_process,
    metric_value,
    scrape,
    status_events,
    wait_for_jobs,
    wait_until_finished,
)
from tests.support.merchants import jwt_client_for, make_merchant
from tests.support.processes import wait_until, worker_process

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_event_service_jobs_complete_and_announce_each_status_in_order(topics, tmp_path):
    merchant = make_merchant()
    # A merchant whose defaults render Kakao: a record that leaves platforms out gets them, as a POST would.
    update_content_settings(
        merchant=merchant, render_all_platforms_by_default=False, default_platforms=["KAKAO_CHANNEL"], brand_color=""
    )
    seed = {
        "eventInfo": {"title": "봄맞이 커피 할인 이벤트", "giftName": "아메리카노 1+1", "brandColor": "#FF5733"},
        "styles": ["SIMPLE", "FANCY", "TRENDY"],
        "platforms": ["INSTAGRAM"],
        "priority": 5,
        "requestedAt": "2025-10-22T14:00:00Z",
    }
    records = [
        job_record("job-img-abc123", "evt-draft-12345", merchant_id=merchant.pk, **seed),
        # Only what the contract requires: every style, the merchant's platforms, the default priority.
        job_record("job-img-minimal", "evt-draft-minimal", merchant_id=merchant.pk),
        job_record(
            "job-img-urgent",
            "evt-draft-urgent",
            merchant_id=merchant.pk,
            styles=["FANCY"],
            platforms=["NAVER_BLOG", "KAKAO_CHANNEL"],
            priority=10,
        ),
    ]
    minimal = (records[1][1] or b"").decode().replace(', "styles": ["SIMPLE"], "platforms": ["INSTAGRAM"]', "")
    minimal = minimal.replace(', "priority": 5, "requestedAt": "2025-10-22T14:00:00Z"', "")
    records[1] = (records[1][0], minimal.encode(), records[1][2])
    job_ids = ["job-img-abc123", "job-img-minimal", "job-img-urgent"]
    produce(topics.bootstrap, topics.jobs, records)

    # A librdkafka property from the environment reaches the client: the consumer reports under this client.id.
    named = {"KAFKA_CONSUMER_CONFIG_CLIENT_ID": "content-intake-under-test"}
    with (
        kafka_process(topics, tmp_path / "kafka.log", env=named),
        worker_process(queues="image-generation-job", extra_env=topics.env()),
    ):
        bodies = wait_until_finished(merchant, job_ids)
        events = status_events(topics, expect=6)
        assert [report["member"] for report in live_consumers()] == ["content-intake-under-test"]
        readiness = Client().get("/readyz").json()
        metrics = scrape()

    assert {job_id: body["status"] for job_id, body in bodies.items()} == dict.fromkeys(job_ids, "COMPLETED")
    drawn = {job_id: sorted((i["style"], i["platform"]) for i in body["images"]) for job_id, body in bodies.items()}
    assert drawn["job-img-abc123"] == [("FANCY", "INSTAGRAM"), ("SIMPLE", "INSTAGRAM"), ("TRENDY", "INSTAGRAM")]
    assert drawn["job-img-minimal"] == [
        ("FANCY", "KAKAO_CHANNEL"),
        ("SIMPLE", "KAKAO_CHANNEL"),
        ("TRENDY", "KAKAO_CHANNEL"),
    ]
    assert drawn["job-img-urgent"] == [("FANCY", "KAKAO_CHANNEL"), ("FANCY", "NAVER_BLOG")]
    jobs = {job.id: job for job in ImageJob.objects.filter(id__in=job_ids)}
    assert jobs["job-img-abc123"].payload["requestedAt"] == "2025-10-22T14:00:00.000Z"
    assert jobs["job-img-urgent"].payload["priority"] == 10 and jobs["job-img-minimal"].payload["priority"] == 5
    assert {job.merchant_id for job in jobs.values()} == {merchant.pk}

    # Each job's events, in order, on its own key; COMPLETED lists the images exactly as the endpoint does.
    assert set(events) == set(job_ids)
    for job_id in job_ids:
        assert [event["status"] for event in events[job_id]] == ["PROCESSING", "COMPLETED"], events[job_id]
        completed = events[job_id][-1]
        assert completed["images"] == bodies[job_id]["images"]
        assert completed["completedAt"] == bodies[job_id]["completedAt"] and completed["fromCache"] is False
        assert completed["eventDraftId"] == jobs[job_id].event_draft_id
        assert completed["_headers"]["merchant-id"] == str(merchant.pk).encode()
        assert len({event["eventId"] for event in events[job_id]}) == 2

    # The dashboard names each job's record; operators see the consumer in /readyz and its numbers in /metrics.
    page = dashboard_client(merchant).get("/admin/content/imagejob/").content.decode()
    for job_id, job in jobs.items():
        source = job.kafka_source
        assert f"{topics.jobs} · 파티션 {source.partition} · 오프셋 {source.offset}" in page, job_id
    assert readiness["checks"]["kafkaConsumer"] == "ok" and readiness["degraded"] == []
    assert metric_value(metrics, "content_kafka_consumers") == 1
    for partition in range(3):
        assert f'content_kafka_consumer_lag{{partition="{partition}",topic="{topics.jobs}"}} 0.0' in metrics
    assert metric_value(metrics, "content_kafka_intake_total", outcome="accepted") >= 3


def test_a_record_delivered_twice_or_republished_makes_one_job_and_one_render(topics, tmp_path):
    merchant = make_merchant()
    first = job_record("job-img-twice", "evt-twice", merchant_id=merchant.pk)
    republished = job_record(
        "job-img-twice", "evt-twice", merchant_id=merchant.pk, eventInfo={"title": "다른 제목", "giftName": "다른 경품"}
    )
    produce(topics.bootstrap, topics.jobs, [first, first, republished])
    with (
        kafka_process(topics, tmp_path / "kafka.log"),
        worker_process(queues="image-generation-job", extra_env=topics.env()),
    ):
        body = wait_until_finished(merchant, ["job-img-twice"])["job-img-twice"]
        # The event is cached now: a new job for it is COMPLETED from the cache at once, with the same images.
        produce(topics.bootstrap, topics.jobs, [job_record("job-img-again", "evt-twice", merchant_id=merchant.pk)])
        wait_for_jobs(["job-img-again"])
        again = job_status(merchant, "job-img-again")
        events = status_events(topics, expect=3)
        metrics = scrape()

    assert body["status"] == "COMPLETED"
    assert ImageJob.objects.filter(event_draft_id="evt-twice").count() == 2
    assert ImageJob.objects.get(id="job-img-twice").payload["eventInfo"]["title"] == "봄맞이 커피 할인 이벤트"
    assert GeneratedImage.objects.filter(job_id="job-img-twice").count() == 1  # drawn once
    assert [event["status"] for event in events["job-img-twice"]] == ["PROCESSING", "COMPLETED"]
    assert again["status"] == "COMPLETED" and again["fromCache"] is True and again["images"] == body["images"]
    assert [event["status"] for event in events["job-img-again"]] == ["COMPLETED"]
    assert events["job-img-again"][0]["images"] == body["images"] and events["job-img-again"][0]["fromCache"] is True
    assert metric_value(metrics, "content_kafka_intake_total", outcome="duplicate") >= 2


def test_jobs_posted_to_the_api_announce_their_status_too(topics, tmp_path, request):
    merchant = make_merchant()
    client = jwt_client_for(merchant)
    celery_app.conf.task_always_eager = False
    with (
        kafka_process(topics, tmp_path / "kafka.log"),
        worker_process(queues="image-generation-job", extra_env=topics.env()),
    ):
        accepted = generate(client, {"eventDraftId": "evt-api", "eventInfo": EVENT_INFO, "styles": ["TRENDY"]})
        assert accepted.status_code == 202, accepted.content
        completed_id = accepted.json()["jobId"]
        body = wait_until_finished(merchant, [completed_id])[completed_id]
        # The broker down while a POST is accepted: the job fails (503 to the client), and says so.
        request.getfixturevalue("unreachable_broker")
        refused = generate(client, {"eventDraftId": "evt-no-broker", "eventInfo": EVENT_INFO})
        assert refused.status_code == 503
        failed_id = ImageJob.objects.get(event_draft_id="evt-no-broker").id
        events = status_events(topics, expect=3)

    assert [event["status"] for event in events[completed_id]] == ["PROCESSING", "COMPLETED"]
    assert events[completed_id][-1]["images"] == body["images"]
    assert [event["status"] for event in events[failed_id]] == ["FAILED"]
    assert events[failed_id][0]["error"]["code"] == "QUEUE_UNAVAILABLE"
    assert events[failed_id][0]["error"] == job_status(merchant, failed_id)["error"]
    wait_until(lambda: not ImageJob.objects.filter(status_events__sent_at__isnull=True).exists(), 10)
