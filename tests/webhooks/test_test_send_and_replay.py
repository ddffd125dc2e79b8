"""POST /api/webhooks/{id}/test, the delivery log's cursor pagination, and replay."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from tests.support.processes import free_port
from tests.support.webhooks import Reply, make_endpoint
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.services import emit_event
from webhooks.tasks import deliver_pending

pytestmark = pytest.mark.django_db


def test_test_send_delivers_a_signed_webhook_test_event(jwt_client, merchant, receiver, allow_loopback):
    endpoint, secret = make_endpoint(merchant, receiver.url(), ["tryon.completed"])

    response = jwt_client.post(f"/api/webhooks/{endpoint.pk}/test")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "DELIVERED"
    assert data["attemptCount"] == 1
    assert data["lastResponseStatus"] == 200
    assert data["lastError"] is None
    assert data["event"] == "webhook.test"
    assert receiver.count() == 1
    body = Webhook(secret).verify(receiver.requests[0].body, receiver.requests[0].headers)
    assert body["type"] == "webhook.test"
    assert body["data"]["endpointId"] == str(endpoint.pk)
    assert WebhookDelivery.objects.get(pk=data["id"]).endpoint == endpoint


@pytest.mark.parametrize(
    ("reply", "status", "error_fragment"),
    [(Reply(status=500), 500, "HTTP 500"), (Reply(status=301, headers={"Location": "/x"}), 301, "리디렉션")],
)
def test_test_send_reports_the_receivers_failure_without_retrying(
    jwt_client, merchant, receiver, allow_loopback, reply, status, error_fragment
):
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.replies.append(reply)

    data = jwt_client.post(f"/api/webhooks/{endpoint.pk}/test").json()["data"]

    assert data["status"] == "FAILED"
    assert data["attemptCount"] == 1
    assert data["lastResponseStatus"] == status
    assert error_fragment in data["lastError"]
    # A test send is final: the poller never sends it again.
    WebhookDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=1))
    assert deliver_pending() == 0
    assert receiver.count() == 1


def test_test_send_reports_timeout_and_refused_connection(jwt_client, merchant, receiver, allow_loopback):
    allow_loopback.WEBHOOKS_TIMEOUT_SECONDS = 1
    slow, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.replies.append(Reply(delay=3))
    refused, _ = make_endpoint(merchant, f"http://127.0.0.1:{free_port()}/hook", ["tryon.completed"])

    timed_out = jwt_client.post(f"/api/webhooks/{slow.pk}/test").json()["data"]
    not_connected = jwt_client.post(f"/api/webhooks/{refused.pk}/test").json()["data"]

    assert (timed_out["status"], timed_out["lastResponseStatus"]) == ("FAILED", None)
    assert "시간 초과" in timed_out["lastError"]
    assert (not_connected["status"], not_connected["lastResponseStatus"]) == ("FAILED", None)
    assert "연결" in not_connected["lastError"]


def test_test_send_to_a_loopback_url_is_refused_without_the_setting(jwt_client, merchant, receiver, settings):
    settings.SSRF_ALLOW_LOOPBACK = True
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    settings.SSRF_ALLOW_LOOPBACK = False

    data = jwt_client.post(f"/api/webhooks/{endpoint.pk}/test").json()["data"]

    assert data["status"] == "FAILED"
    assert "차단" in data["lastError"]
    assert receiver.count() == 0


def test_delivery_log_pages_newest_first_with_an_opaque_cursor(jwt_client, merchant, allow_loopback):
    endpoint, _ = make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    for number in range(7):
        emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})
    expected = [str(pk) for pk in WebhookDelivery.objects.order_by("-created_at", "-id").values_list("id", flat=True)]

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        query = {"take": 3, **({"cursor": cursor} if cursor else {})}
        response = jwt_client.get(f"/api/webhooks/{endpoint.pk}/deliveries", query)
        assert response.status_code == 200
        page = response.json()["data"]
        pages += 1
        seen += [item["id"] for item in page["items"]]
        cursor = page["nextCursor"]
        if cursor is None:
            break
        assert "created" not in cursor and str(endpoint.pk) not in cursor

    assert pages == 3
    assert seen == expected
    payload_numbers = [WebhookDelivery.objects.get(pk=pk).payload["data"]["n"] for pk in seen]
    assert payload_numbers == [6, 5, 4, 3, 2, 1, 0]

    default_page = jwt_client.get(f"/api/webhooks/{endpoint.pk}/deliveries").json()["data"]
    assert len(default_page["items"]) == 7 and default_page["nextCursor"] is None


def test_cursor_is_stable_when_new_deliveries_arrive(jwt_client, merchant, allow_loopback):
    endpoint, _ = make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    for number in range(4):
        emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})
    first = jwt_client.get(f"/api/webhooks/{endpoint.pk}/deliveries", {"take": 2}).json()["data"]
    emit_event(merchant=merchant, event_type="tryon.completed", data={"n": 99})

    second = jwt_client.get(f"/api/webhooks/{endpoint.pk}/deliveries", {"take": 2, "cursor": first["nextCursor"]})

    numbers = [
        WebhookDelivery.objects.get(pk=item["id"]).payload["data"]["n"] for item in second.json()["data"]["items"]
    ]
    assert numbers == [1, 0]


@pytest.mark.parametrize(
    "query", [{"take": 0}, {"take": 101}, {"take": "ten"}, {"cursor": "garbage!!"}, {"cursor": "e30"}]
)
def test_bad_paging_parameters_are_400(jwt_client, merchant, allow_loopback, query):
    endpoint, _ = make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    response = jwt_client.get(f"/api/webhooks/{endpoint.pk}/deliveries", query)
    assert response.status_code == 400
    assert response.json()["statusCode"] == 400


def test_replay_resets_a_failed_delivery_and_the_next_tick_sends_it(jwt_client, merchant, receiver, allow_loopback):
    endpoint, secret = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.default = Reply(status=500)
    emit_event(merchant=merchant, event_type="tryon.completed", data={"jobId": "job-9"})
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempt_count=7)
    deliver_pending()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED

    before = timezone.now()
    response = jwt_client.post(f"/api/webhooks/deliveries/{delivery.pk}/replay")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["id"] == str(delivery.pk)
    assert data["status"] == "PENDING"
    assert data["attemptCount"] == 0
    delivery.refresh_from_db()
    assert before - timedelta(seconds=1) <= delivery.next_attempt_at <= timezone.now()

    receiver.default = Reply(status=204, body=b"")
    assert deliver_pending() == 1

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.last_response_status) == ("DELIVERED", 1, 204)
    first, replayed = receiver.requests
    assert replayed.headers["webhook-id"] == first.headers["webhook-id"]
    assert Webhook(secret).verify(replayed.body, replayed.headers)["data"] == {"jobId": "job-9"}


def test_replay_of_a_disabled_endpoints_delivery_is_a_conflict(jwt_client, merchant, allow_loopback):
    endpoint, _ = make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    delivery = WebhookDelivery.objects.get()
    jwt_client.patch(f"/api/webhooks/{endpoint.pk}", {"isActive": False}, format="json")

    response = jwt_client.post(f"/api/webhooks/deliveries/{delivery.pk}/replay")

    assert response.status_code == 409
    assert response.json()["statusCode"] == 409


def test_the_secret_never_appears_in_later_responses_or_logs(jwt_client, merchant, receiver, allow_loopback, caplog):
    caplog.set_level("DEBUG")
    created = jwt_client.post("/api/webhooks", {"url": receiver.url(), "events": ["tryon.completed"]}, format="json")
    secret = created.json()["data"]["secret"]
    endpoint_id = created.json()["data"]["id"]
    receiver.replies.append(Reply(status=500))
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    deliver_pending()

    later = [
        jwt_client.get("/api/webhooks"),
        jwt_client.patch(
            f"/api/webhooks/{endpoint_id}", {"events": ["tryon.completed", "tryon.failed"]}, format="json"
        ),
        jwt_client.post(f"/api/webhooks/{endpoint_id}/test"),
        jwt_client.get(f"/api/webhooks/{endpoint_id}/deliveries"),
    ]
    delivery_id = later[-1].json()["data"]["items"][-1]["id"]
    later.append(jwt_client.post(f"/api/webhooks/deliveries/{delivery_id}/replay"))

    raw_key = secret.removeprefix("whsec_")
    for response in later:
        assert response.status_code == 200, response.content
        assert raw_key not in response.content.decode()
        assert "secret" not in json.dumps(response.json()).lower()
    assert receiver.count() == 2  # the failed delivery and the test send were both really sent
    assert caplog.records
    assert raw_key not in caplog.text
    assert all(raw_key not in json.dumps(record.__dict__, default=str) for record in caplog.records)


def test_test_send_with_an_undecryptable_secret_reports_failure(jwt_client, merchant, receiver, allow_loopback):
    from webhooks.models import WebhookEndpoint

    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(encrypted_secret="garbage")

    response = jwt_client.post(f"/api/webhooks/{endpoint.pk}/test")

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "FAILED"
    assert "내부 오류" in data["lastError"]
    assert receiver.count() == 0
