"""Monthly quota (429 + one usage.quota_exceeded a month), per-visitor daily limit, usage per day, and the
tryon.completed / tryon.failed events written to the webhooks outbox in the job's transaction; what every
emitter sends, as a receiver gets it, is the payload the served OpenAPI document declares."""

from __future__ import annotations

import uuid

import jsonschema
import pytest
from rest_framework.test import APIClient
from standardwebhooks import Webhook

from tests.support.contract import as_json_schema, resolve_schema, webhook_payload_schema
from tests.support.tryon import stored_files, upload
from tests.support.webhooks import make_endpoint, started_receiver, stop_receiver
from tryon.models import DailyUsage, TryOnJob, TryOnSettings
from webhooks.events import all_events, subscribable_events
from webhooks.models import WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(merchant) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        merchant=merchant,
        url="https://hooks.example.com/toile",
        events=["tryon.completed", "tryon.failed", "usage.quota_exceeded"],
        encrypted_secret="not-used-here",
    )


def test_completed_job_emits_tryon_completed(
    api_key_client, image_server, loopback_allowed, endpoint, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(api_key_client, image_server, productTitle="셔츠").json()["data"]["jobId"]
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.event_type == "tryon.completed"
    data = delivery.payload["data"]
    assert data["jobId"] == job_id and data["status"] == "COMPLETED" and data["productTitle"] == "셔츠"
    assert data["preview"] is True and data["resultImageUrl"].startswith("http")


def test_failed_job_emits_tryon_failed(
    api_key_client,
    image_server,
    loopback_allowed,
    endpoint,
    fashn_settings,
    fake_fashn,
    django_capture_on_commit_callbacks,
):
    fake_fashn.behaviour = "failure"
    with django_capture_on_commit_callbacks(execute=True):
        job_id = upload(api_key_client, image_server).json()["data"]["jobId"]
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.event_type == "tryon.failed"
    assert delivery.payload["data"]["jobId"] == job_id
    assert "PoseError" in delivery.payload["data"]["errorMessage"]
    assert DailyUsage.objects.get().failed == 1


def test_monthly_quota_is_429_and_notifies_once(api_key_client, merchant, image_server, loopback_allowed, endpoint):
    TryOnSettings.objects.create(merchant=merchant, monthly_quota=2)
    assert upload(api_key_client, image_server).status_code == 202
    assert upload(api_key_client, image_server).status_code == 202
    files_before = stored_files()
    for _ in range(3):
        refused = upload(api_key_client, image_server)
        assert refused.status_code == 429
        body = refused.json()
        assert body["error"] == "TooManyRequests" and body["statusCode"] == 429
        assert "월별 사용량 한도를 초과했습니다" in body["message"]
        assert int(refused["Retry-After"]) > 0
    assert TryOnJob.objects.count() == 2
    assert DailyUsage.objects.get().requested == 2
    assert stored_files() == files_before  # a refused request stores nothing
    notices = WebhookDelivery.objects.filter(event_type="usage.quota_exceeded")
    assert notices.count() == 1
    data = notices.get().payload["data"]
    assert (data["resource"], data["quota"], data["used"]) == ("tryon", 2, 2)


def test_quota_is_per_merchant(api_key_client, merchant, other_merchant, image_server, loopback_allowed):
    from tests.support.merchants import api_key_client_for

    TryOnSettings.objects.create(merchant=merchant, monthly_quota=0)
    assert upload(api_key_client, image_server).status_code == 429
    assert upload(api_key_client_for(other_merchant), image_server).status_code == 202


def test_per_visitor_daily_limit(api_key_client, merchant, image_server, loopback_allowed):
    TryOnSettings.objects.create(merchant=merchant, visitor_daily_limit=1)
    visitor = str(uuid.uuid4())
    assert upload(api_key_client, image_server, visitorId=visitor).status_code == 202
    refused = upload(api_key_client, image_server, visitorId=visitor)
    assert refused.status_code == 429
    assert "오늘 피팅 요청 한도(1회)" in refused.json()["message"]
    assert upload(api_key_client, image_server, visitorId=str(uuid.uuid4())).status_code == 202
    # Without a visitorId only the monthly quota applies (a storefront server calls for many shoppers).
    assert upload(api_key_client, image_server).status_code == 202
    assert upload(api_key_client, image_server).status_code == 202
    assert TryOnJob.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_cannot_overrun_the_quota(merchant, image_server, loopback_allowed, concurrent_database):
    import threading

    from django.db import connection

    from tests.support.merchants import api_key_client_for

    TryOnSettings.objects.create(merchant=merchant, monthly_quota=2)
    clients = [api_key_client_for(merchant) for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def request(client) -> None:
        try:
            barrier.wait()
            statuses.append(upload(client, image_server).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=request, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [202, 202, 429, 429, 429, 429]
    assert TryOnJob.objects.count() == 2
    assert DailyUsage.objects.get().requested == 2


def test_every_event_a_receiver_gets_is_the_payload_the_served_schema_declares(
    api_key_client,
    jwt_client,
    merchant,
    image_server,
    loopback_allowed,
    fashn_settings,
    fake_fashn,
    django_capture_on_commit_callbacks,
):
    """Each emitter (a try-on completing, one failing, the monthly quota, a test send), through the outbox and a
    real delivery to a local receiver: the signed body validates against its webhook's payload in the served
    document and carries exactly the fields declared for its type."""
    served = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    receiver = started_receiver()
    try:
        endpoint, secret = make_endpoint(merchant, receiver.url(), list(subscribable_events()))
        TryOnSettings.objects.create(merchant=merchant, monthly_quota=2)
        with django_capture_on_commit_callbacks(execute=True):
            assert upload(api_key_client, image_server, productTitle="셔츠").status_code == 202
        fake_fashn.behaviour = "failure"
        with django_capture_on_commit_callbacks(execute=True):
            assert upload(api_key_client, image_server).status_code == 202
        with django_capture_on_commit_callbacks(execute=True):
            assert upload(api_key_client, image_server).status_code == 429
        assert jwt_client.post(f"/api/webhooks/{endpoint.pk}/test").json()["data"]["status"] == "DELIVERED"
        bodies = [Webhook(secret).verify(request.body, request.headers) for request in receiver.requests]
    finally:
        stop_receiver(receiver)

    assert sorted(body["type"] for body in bodies) == sorted(all_events())
    for body in bodies:
        payload = webhook_payload_schema(served, body["type"])
        jsonschema.validate(body, as_json_schema(served, payload), format_checker=jsonschema.FormatChecker())
        declared = resolve_schema(served, payload["properties"]["data"])["properties"]
        assert set(body["data"]) == set(declared), body["type"]
    by_type = {body["type"]: body["data"] for body in bodies}
    assert by_type["tryon.completed"]["productTitle"] == "셔츠" and by_type["tryon.completed"]["engine"] == "fashn"
    assert "PoseError" in by_type["tryon.failed"]["errorMessage"]
    assert (by_type["usage.quota_exceeded"]["quota"], by_type["usage.quota_exceeded"]["used"]) == (2, 2)
    assert by_type["webhook.test"]["endpointId"] == str(endpoint.pk)
