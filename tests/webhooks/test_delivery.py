"""Sending through the poller to a real HTTP receiver on localhost: signing, retries, failures, disabling."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from tests.support.processes import free_port
from tests.support.webhooks import Reply, make_endpoint, time_passes_until_due
from webhooks.delivery.attempts import MAX_ATTEMPTS
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import emit_event
from webhooks.tasks import deliver_pending

pytestmark = pytest.mark.django_db


def due_now(delivery: WebhookDelivery) -> None:
    """Lets time pass for one delivery: its scheduled retry becomes due. Any pause of its endpoint has ended
    by then too: a pause (5 min at most) follows five failures in a row, and retry delays from then on are hours."""
    time_passes_until_due(delivery)


def test_delivered_with_a_standard_webhooks_signature(jwt_client, merchant, receiver, allow_loopback):
    endpoint, secret = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={"jobId": "job-1", "resultUrl": "https://x/y"})

    assert deliver_pending() == 1

    assert receiver.count() == 1
    request = receiver.requests[0]
    assert request.headers["content-type"] == "application/json"
    # The reference implementation accepts our request (raises otherwise) and returns the body.
    verified = Webhook(secret).verify(request.body, request.headers)
    assert verified["type"] == "tryon.completed"
    assert verified["data"] == {"jobId": "job-1", "resultUrl": "https://x/y"}
    assert set(json.loads(request.body)) == {"type", "timestamp", "data"}
    assert request.headers["webhook-id"].startswith("msg_")
    assert request.headers["webhook-signature"].startswith("v1,")

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.message_id == request.headers["webhook-id"]

    log = jwt_client.get(f"/api/webhooks/{endpoint.pk}/deliveries").json()["data"]
    assert log["nextCursor"] is None
    [item] = log["items"]
    assert item["event"] == "tryon.completed"
    assert item["status"] == "DELIVERED"
    assert item["attemptCount"] == 1
    assert item["lastResponseStatus"] == 200
    assert item["lastError"] is None
    assert item["lastAttemptAt"] and item["createdAt"] and item["nextAttemptAt"]

    # A second tick finds nothing left to send.
    assert deliver_pending() == 0
    assert receiver.count() == 1


def test_a_wrong_secret_fails_verification(merchant, receiver, allow_loopback):
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    _, other_secret = make_endpoint(merchant, "http://127.0.0.1:9/unused", ["usage.quota_exceeded"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    deliver_pending()

    request = receiver.requests[0]
    with pytest.raises(Exception, match="[Ss]ignature"):
        Webhook(other_secret).verify(request.body, request.headers)


def test_500_then_success_on_retry_reuses_the_webhook_id(jwt_client, merchant, receiver, allow_loopback):
    endpoint, secret = make_endpoint(merchant, receiver.url(), ["tryon.failed"])
    receiver.replies.append(Reply(status=500, body=b"boom"))
    emit_event(merchant=merchant, event_type="tryon.failed", data={"jobId": "job-2"})

    before = timezone.now()
    deliver_pending()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempt_count == 1
    assert delivery.last_response_status == 500
    assert "500" in (delivery.last_error or "")
    # First retry after 5 s, with jitter.
    assert before + timedelta(seconds=3.5) <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=6.5)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None
    # Not due yet: the next tick leaves it alone.
    assert deliver_pending() == 0

    due_now(delivery)
    assert deliver_pending() == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempt_count == 2
    assert delivery.last_response_status == 200
    assert delivery.last_error is None
    assert receiver.count() == 2
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.message_id
    for request in receiver.requests:
        Webhook(secret).verify(request.body, request.headers)
    assert list(WebhookAttempt.objects.order_by("attempted_at").values_list("succeeded", "response_status")) == [
        (False, 500),
        (True, 200),
    ]
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None

    item = jwt_client.get(f"/api/webhooks/{endpoint.pk}/deliveries").json()["data"]["items"][0]
    assert (item["status"], item["attemptCount"], item["lastResponseStatus"]) == ("DELIVERED", 2, 200)


def test_timeout_is_recorded_and_retried(merchant, receiver, allow_loopback):
    allow_loopback.WEBHOOKS_TIMEOUT_SECONDS = 1
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.replies.append(Reply(status=200, delay=3))
    emit_event(merchant=merchant, event_type="tryon.completed", data={})

    deliver_pending()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempt_count == 1
    assert delivery.last_response_status is None
    assert "시간 초과" in (delivery.last_error or "")
    attempt = WebhookAttempt.objects.get()
    assert attempt.duration_ms < 2500


def test_connection_refused_is_recorded_and_retried(merchant, allow_loopback):
    make_endpoint(merchant, f"http://127.0.0.1:{free_port()}/hook", ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={})

    deliver_pending()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempt_count == 1
    assert delivery.last_response_status is None
    assert "연결" in (delivery.last_error or "")


def test_redirects_are_not_followed(merchant, receiver, allow_loopback):
    make_endpoint(merchant, receiver.url("/hook"), ["tryon.completed"])
    receiver.replies.append(Reply(status=302, headers={"Location": receiver.url("/elsewhere")}))
    emit_event(merchant=merchant, event_type="tryon.completed", data={})

    deliver_pending()

    assert receiver.count("/hook") == 1
    assert receiver.count("/elsewhere") == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_response_status == 302
    assert "리디렉션" in (delivery.last_error or "")


def test_failed_after_the_last_attempt(merchant, receiver, allow_loopback):
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.default = Reply(status=503)
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    delivery = WebhookDelivery.objects.get()

    for attempt in range(1, MAX_ATTEMPTS + 1):
        due_now(delivery)
        assert deliver_pending() == 1
        delivery.refresh_from_db()
        assert delivery.attempt_count == attempt
        expected = DeliveryStatus.FAILED if attempt == MAX_ATTEMPTS else DeliveryStatus.PENDING
        assert delivery.status == expected

    assert MAX_ATTEMPTS == 8  # at once, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h
    due_now(delivery)
    assert deliver_pending() == 0
    assert receiver.count() == MAX_ATTEMPTS


def test_retry_schedule_grows_like_svix(merchant, receiver, allow_loopback):
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.default = Reply(status=500)
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    delivery = WebhookDelivery.objects.get()
    expected = [5, 300, 1800, 7200, 18000, 36000, 36000]

    for seconds in expected:
        due_now(delivery)
        deliver_pending()
        delivery.refresh_from_db()
        assert delivery.last_attempt_at is not None
        waited = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
        assert seconds * 0.79 <= waited <= seconds * 1.21


def test_410_gone_disables_the_endpoint(jwt_client, merchant, receiver, allow_loopback):
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.replies.append(Reply(status=410))
    emit_event(merchant=merchant, event_type="tryon.completed", data={"n": 1})
    deliver_pending()

    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_response_status == 410
    [shown] = jwt_client.get("/api/webhooks").json()["data"]["items"]
    assert shown["isActive"] is False
    assert "410" in shown["disabledReason"]
    # A disabled endpoint receives nothing new.
    assert emit_event(merchant=merchant, event_type="tryon.completed", data={"n": 2}) == 0
    assert receiver.count() == 1


def test_five_days_of_failures_disable_the_endpoint_with_a_visible_reason(
    jwt_client, merchant, receiver, allow_loopback
):
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.default = Reply(status=500)
    emit_event(merchant=merchant, event_type="tryon.completed", data={"n": 1})
    emit_event(merchant=merchant, event_type="tryon.completed", data={"n": 2})
    deliver_pending()
    endpoint.refresh_from_db()
    assert endpoint.is_active is True

    # The failures started five days ago (what a week of retries would have recorded).
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=5, minutes=1))
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    deliver_pending()

    [shown] = jwt_client.get("/api/webhooks").json()["data"]["items"]
    assert shown["isActive"] is False
    assert "5일" in shown["disabledReason"]
    assert "HTTP 500" in shown["disabledReason"]
    assert shown["disabledAt"]
    # Re-enabling clears the reason and the failure streak.
    reenabled = jwt_client.patch(f"/api/webhooks/{endpoint.pk}", {"isActive": True}, format="json").json()["data"]
    assert reenabled["isActive"] is True and reenabled["disabledReason"] is None
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_pending_deliveries_of_a_disabled_endpoint_are_not_sent(merchant, receiver, allow_loopback):
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)

    deliver_pending()

    assert receiver.count() == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "비활성화" in (delivery.last_error or "")


def test_ssrf_is_checked_again_at_send_time(merchant, receiver, settings):
    settings.SSRF_ALLOW_LOOPBACK = True
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    settings.SSRF_ALLOW_LOOPBACK = False

    deliver_pending()

    assert receiver.count() == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert "차단" in (delivery.last_error or "")
    assert "루프백" in (delivery.last_error or "")


def test_an_undecryptable_secret_is_a_recorded_failure_not_a_stuck_row(merchant, receiver, allow_loopback):
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    # As if FIELD_ENCRYPTION_KEY had been changed without keeping the old key.
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(encrypted_secret="gAAAAA-not-a-valid-token")
    emit_event(merchant=merchant, event_type="tryon.completed", data={})

    deliver_pending()

    assert receiver.count() == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempt_count == 1
    assert delivery.claimed_until is None
    assert "내부 오류" in (delivery.last_error or "")


def test_encryption_key_rotation_keeps_old_secrets_readable(merchant, receiver, allow_loopback):
    from cryptography.fernet import Fernet

    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    allow_loopback.FIELD_ENCRYPTION_KEY = old_key
    endpoint, secret = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    allow_loopback.FIELD_ENCRYPTION_KEY = f"{new_key},{old_key}"
    emit_event(merchant=merchant, event_type="tryon.completed", data={})

    deliver_pending()

    Webhook(secret).verify(receiver.requests[0].body, receiver.requests[0].headers)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_dns_rebinding_to_loopback_is_refused_at_connect_time(merchant, receiver, monkeypatch):
    """The host resolved to a public address when checked, then to 127.0.0.1 when connecting: not sent."""
    real_getaddrinfo = socket.getaddrinfo
    answers = {"count": 0}

    def rebinding_dns(host, port, *args, **kwargs):
        if host != "hooks.rebind.test":
            return real_getaddrinfo(host, port, *args, **kwargs)
        answers["count"] += 1
        # Public for the save-time and the send-time checks, loopback (our receiver) for the connection.
        address = "93.184.216.34" if answers["count"] <= 2 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_dns)
    endpoint, _ = make_endpoint(merchant, f"http://hooks.rebind.test:{receiver.port}/hook", ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={})

    deliver_pending()

    assert answers["count"] >= 3  # the connection really resolved the name again
    assert receiver.count() == 0
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempt_count == 1
    assert "차단" in (delivery.last_error or "") and "루프백" in (delivery.last_error or "")


def test_a_receiver_trickling_its_answer_is_cut_off_at_the_timeout(merchant, allow_loopback):
    """The timeout bounds the whole exchange, not each read: a byte every 0.2 s must not hold a worker."""
    allow_loopback.WEBHOOKS_TIMEOUT_SECONDS = 1
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        connection, _ = server.accept()
        with connection:
            connection.recv(65536)
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 40:
                if stop.is_set():
                    return
                with contextlib.suppress(OSError):
                    connection.sendall(bytes([byte]))
                time.sleep(0.2)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    make_endpoint(merchant, f"http://127.0.0.1:{server.getsockname()[1]}/hook", ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={})

    started = time.monotonic()
    try:
        deliver_pending()
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()

    assert time.monotonic() - started < 3
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempt_count == 1
    assert "시간 초과" in (delivery.last_error or "")


def test_an_answers_excerpt_is_kept_and_a_long_answers_connection_is_not_reused(merchant, receiver, allow_loopback):
    """The first 2 KB of an answer are recorded; an answer longer than the sender drains (64 KB) closes its
    connection, so the next request goes out on a new one instead of reading the rest of the last answer."""
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    body = "응답".encode() * 40_000  # 240 KB
    receiver.replies.append(Reply(status=200, body=body))
    receiver.replies.append(Reply(status=200, body=b"short and sweet"))
    emit_event(merchant=merchant, event_type="tryon.completed", data={"n": 1})
    deliver_pending()
    emit_event(merchant=merchant, event_type="tryon.completed", data={"n": 2})
    deliver_pending()

    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 2
    long, short = WebhookAttempt.objects.order_by("attempted_at", "id")
    assert long.response_excerpt == body[:2048].decode("utf-8", errors="replace")
    assert short.response_excerpt == "short and sweet"
    assert receiver.connections() == 2
