"""What an operator sees: /metrics (token, per-route requests, queues, jobs from real workers) and JSON logs
whose request id follows a request into the Celery task it enqueued."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from content.models import ImageJob
from tests.support.content import EVENT_INFO
from tests.support.merchants import jwt_client_for, make_merchant
from tests.support.metrics import METRICS_TOKEN, sample, scrape
from tests.support.processes import celery_worker, wait_until


@pytest.fixture
def metrics_on(settings):
    settings.METRICS_TOKEN = METRICS_TOKEN
    return settings


@pytest.mark.django_db
def test_metrics_need_the_token_and_are_off_without_one(settings, client):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = METRICS_TOKEN
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer not-the-token")
    assert wrong.status_code == 401 and wrong["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert METRICS_TOKEN.encode() not in wrong.content
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {METRICS_TOKEN}").status_code == 405


@pytest.mark.django_db
def test_requests_are_counted_and_timed_per_route_not_per_path(metrics_on, client, merchant):
    before = scrape(client)
    api = jwt_client_for(merchant)
    for _ in range(3):
        client.get("/healthz")
    job_ids = [str(uuid.uuid4()) for _ in range(2)]
    for job_id in job_ids:  # two job ids, one route
        assert api.get(f"/api/content/images/jobs/{job_id}").status_code == 404
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("http_requests_total", route="/healthz", method="GET", status="200") == 3
    job_route = "/api/content/images/jobs/<str:jobId>"
    assert delta("http_requests_total", route=job_route, method="GET", status="404") == 2, sorted(
        labels for name, labels in after if name == "http_requests_total"
    )
    assert delta("http_request_duration_seconds_count", route="/healthz", method="GET") == 3
    assert delta("http_request_duration_seconds_bucket", route="/healthz", method="GET", le="+Inf") == 3
    routes = {dict(labels).get("route", "") for _, labels in after}
    assert not any(job_id in route for route in routes for job_id in job_ids)


@pytest.mark.django_db
def test_every_answer_carries_a_request_id_and_a_callers_id_is_kept(client):
    mine = client.get("/healthz", HTTP_X_REQUEST_ID="storefront-1234abcd")
    assert mine["X-Request-ID"] == "storefront-1234abcd"
    fresh = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")  # not an id: replaced
    assert len(fresh["X-Request-ID"]) == 32 and fresh["X-Request-ID"] != "<script>"
    assert client.get("/api/tryon/nothing")["X-Request-ID"]  # errors in the product's format too


@pytest.mark.django_db
def test_queue_depth_is_read_from_the_broker(metrics_on, client, filesystem_broker):
    from config.celery import app as celery_app

    celery_app.conf.task_always_eager = False
    for _number in range(3):
        celery_app.send_task("content.recover_stalled_jobs", queue="tryon")
    samples = scrape(client)
    assert sample(samples, "celery_queue_length", queue="tryon") == 3
    assert sample(samples, "celery_queue_length", queue="webhooks") == 0
    assert ("celery_queue_length", frozenset({"queue": "image-generation-job"}.items())) in samples


@pytest.mark.django_db
def test_the_live_gauges_are_there_with_nothing_running(metrics_on, client, merchant):
    samples = scrape(client)
    assert sample(samples, "content_provider_breaker_state", provider="stability", state="CLOSED") == 1
    assert sample(samples, "content_provider_breaker_state", provider="openai", state="OPEN") == 0
    assert sample(samples, "webhook_pending_deliveries") == 0
    assert sample(samples, "jobs_in_flight", kind="tryon", status="PENDING") == 0
    assert sample(samples, "tryon_quota_limit", merchant_id=str(merchant.pk), merchant=merchant.name) == 1000


def test_each_providers_queue_and_calls_in_flight_are_gauges(metrics_on, client, merchant):
    from common.remote.limits import pause
    from tryon.models import EngineCall, TryOnJob

    for state in ("ACTIVE", "WAITING", "WAITING"):
        job = TryOnJob.objects.create(merchant=merchant, product_image_url="https://shop.example/a.png")
        EngineCall.objects.create(job=job, merchant=merchant, provider="fashn", state=state)
    pause("fashn", 30)
    samples = scrape(client)
    assert sample(samples, "remote_calls", provider="fashn", state="in_flight") == 1
    assert sample(samples, "remote_calls", provider="fashn", state="waiting") == 2
    assert sample(samples, "remote_calls_in_flight_limit", provider="fashn") == 6
    assert sample(samples, "remote_calls_in_flight_limit", provider="stability") == 10
    assert 25 < sample(samples, "remote_provider_paused_seconds", provider="fashn") <= 30
    assert sample(samples, "remote_calls_oldest_wait_seconds", provider="fashn") >= 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_request_id_follows_the_job_into_the_worker_and_the_workers_metrics_are_scraped(settings):
    from config.celery import app as celery_app

    celery_app.conf.task_always_eager = False
    settings.METRICS_TOKEN = METRICS_TOKEN
    operator = Client()
    before = scrape(operator)
    merchant = make_merchant()
    request_id = f"req-{uuid.uuid4().hex}"
    with celery_worker(extra_env={"LOG_FORMAT": "json"}) as log:
        response = jwt_client_for(merchant).post(
            "/api/content/images/generate",
            {"eventDraftId": "evt-observed", "eventInfo": EVENT_INFO, "styles": ["SIMPLE"]},
            format="json",
            HTTP_X_REQUEST_ID=request_id,
        )
        assert response.status_code == 202, response.content
        job_id = response.json()["jobId"]
        wait_until(lambda: ImageJob.objects.get(id=job_id).status == ImageJob.Status.COMPLETED, timeout=120)
        wait_until(lambda: "succeeded" in log.read_text(), timeout=10)
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    assert lines and all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    traced = [line for line in lines if line.get("request_id") == request_id]
    assert traced, [line for line in lines if job_id in json.dumps(line)]
    assert any(job_id in line["message"] and line.get("task") == "content.generate_images" for line in traced)
    assert all(line["task_id"] for line in traced)
    after = scrape(operator)
    finished = ("jobs_finished_total", {"kind": "content", "status": "COMPLETED"})
    assert sample(after, finished[0], **finished[1]) - sample(before, finished[0], **finished[1]) == 1
    assert (
        sample(after, "job_completion_seconds_count", kind="content")
        - sample(before, "job_completion_seconds_count", kind="content")
        == 1
    )
    assert (
        sample(after, "jobs_accepted_total", kind="content") - sample(before, "jobs_accepted_total", kind="content")
        == 1
    )
