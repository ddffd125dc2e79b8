"""Back-pressure: Retry-After on 429/503, the pause after repeated failures, probes, and healthy endpoints
kept at full speed meanwhile."""

from __future__ import annotations

import email.utils
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.support.webhooks import Reply, make_endpoint, time_passes_until_due
from webhooks.delivery.health import BREAKER_THRESHOLD, FIRST_PAUSE
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from webhooks.services import emit_event
from webhooks.tasks import deliver_pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_at_a_time(allow_loopback):
    """One request at a time per endpoint, so which delivery gets which answer is deterministic."""
    allow_loopback.WEBHOOKS_ENDPOINT_MAX_CONCURRENCY = 1
    return allow_loopback


def assert_waits_for_the_pause(delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> None:
    """Due when the endpoint's pause ends (the dispatcher that paused it and the recorded pause agree to
    within the moments between deciding and recording)."""
    assert endpoint.paused_until is not None
    assert endpoint.paused_until - timedelta(seconds=1) <= delivery.next_attempt_at <= endpoint.paused_until
    assert delivery.next_attempt_at > timezone.now()


def emit(merchant, count: int) -> None:
    for number in range(count):
        emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})


@pytest.mark.parametrize(
    "status, retry_after",
    [
        (429, "120"),
        (503, "120"),
        (429, lambda: email.utils.formatdate(time.time() + 120, usegmt=True)),
    ],
    ids=["429-seconds", "503-seconds", "429-http-date"],
)
def test_retry_after_holds_the_endpoint_and_its_queue(
    merchant, other_merchant, receiver, other_receiver, one_at_a_time, status, retry_after
):
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    value = retry_after() if callable(retry_after) else retry_after
    receiver.replies.append(Reply(status=status, headers={"Retry-After": value}))
    emit(merchant, 3)
    make_endpoint(other_merchant, other_receiver.url(), ["tryon.completed"])
    emit(other_merchant, 3)

    before = timezone.now()
    deliver_pending()
    print("REQS", [(r.path, r.headers["webhook-id"]) for r in receiver.requests])
    print(
        "ROWS",
        list(
            WebhookDelivery.objects.filter(endpoint=endpoint).values_list(
                "message_id", "attempt_count", "next_attempt_at", "claim_token", "claimed_until"
            )
        ),
    )
    print(
        "EP",
        WebhookEndpoint.objects.filter(pk=endpoint.pk)
        .values_list("claim_token", "claimed_until", "paused_until", "consecutive_failures")
        .get(),
    )

    assert receiver.count() == 1  # the two queued behind it were not sent into the throttle
    assert other_receiver.count() == 3
    endpoint.refresh_from_db()
    assert endpoint.paused_until is not None
    assert before + timedelta(seconds=115) <= endpoint.paused_until <= timezone.now() + timedelta(seconds=121)
    throttled, *held = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("-attempt_count", "created_at")
    assert (throttled.status, throttled.attempt_count, throttled.last_response_status) == ("PENDING", 1, status)
    assert throttled.next_attempt_at >= endpoint.paused_until - timedelta(seconds=1)
    for delivery in held:
        assert (delivery.status, delivery.attempt_count) == ("PENDING", 0)
        assert_waits_for_the_pause(delivery, endpoint)
    # Nothing is due before the pause ends.
    assert deliver_pending() == 0
    assert receiver.count() == 1


def test_retry_after_is_capped_at_an_hour(merchant, receiver, one_at_a_time):
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.replies.append(Reply(status=429, headers={"Retry-After": "86400"}))
    emit(merchant, 1)

    deliver_pending()

    endpoint.refresh_from_db()
    assert endpoint.paused_until is not None
    assert endpoint.paused_until <= timezone.now() + timedelta(hours=1)
    assert WebhookDelivery.objects.get().next_attempt_at <= timezone.now() + timedelta(hours=1)


def test_retry_after_on_other_statuses_is_ignored(merchant, receiver, one_at_a_time):
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.replies.append(Reply(status=500, headers={"Retry-After": "600"}))
    emit(merchant, 2)

    deliver_pending()

    endpoint.refresh_from_db()
    assert endpoint.paused_until is None
    assert receiver.count() == 2


def test_a_dead_endpoint_is_paused_probed_and_resumed_while_others_run_at_full_speed(
    merchant, other_merchant, receiver, other_receiver, one_at_a_time
):
    dead, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.default = Reply(status=503)  # no Retry-After
    emit(merchant, 12)
    make_endpoint(other_merchant, other_receiver.url(), ["tryon.completed"])
    emit(other_merchant, 12)

    deliver_pending()

    # The healthy merchant got everything; the dead endpoint got BREAKER_THRESHOLD attempts, then a pause.
    assert other_receiver.count() == 12
    assert receiver.count() == BREAKER_THRESHOLD
    dead.refresh_from_db()
    assert dead.consecutive_failures == BREAKER_THRESHOLD
    assert dead.paused_until is not None
    pending = WebhookDelivery.objects.filter(endpoint=dead)
    assert pending.filter(attempt_count=1).count() == BREAKER_THRESHOLD
    held = pending.filter(attempt_count=0)
    assert held.count() == 12 - BREAKER_THRESHOLD
    for delivery in held:
        assert_waits_for_the_pause(delivery, dead)
    assert deliver_pending() == 0

    # The pause ends: one delivery probes the endpoint, which is still down; the next pause is longer.
    time_passes_until_due(*held)
    assert dead.paused_until is not None and dead.failing_since is not None
    first_pause = dead.paused_until - dead.failing_since
    assert deliver_pending() == 1
    assert receiver.count() == BREAKER_THRESHOLD + 1
    dead.refresh_from_db()
    assert dead.consecutive_failures == BREAKER_THRESHOLD + 1
    assert dead.paused_until - timezone.now() > FIRST_PAUSE * 1.5 > first_pause - timedelta(seconds=1)

    # It recovers: the next probe succeeds and the rest goes out in the same run.
    receiver.default = Reply(status=200)
    time_passes_until_due(*WebhookDelivery.objects.filter(endpoint=dead, attempt_count=0))
    deliver_pending()
    dead.refresh_from_db()
    assert (dead.consecutive_failures, dead.paused_until, dead.failing_since) == (0, None, None)
    assert pending.filter(status=DeliveryStatus.DELIVERED, attempt_count=1).count() == 12 - BREAKER_THRESHOLD - 1
    # The ones that failed (the first five and the failed probe) keep their own Svix schedule.
    retrying = pending.filter(status=DeliveryStatus.PENDING, attempt_count=1)
    assert retrying.count() == BREAKER_THRESHOLD + 1
    assert all(delivery.next_attempt_at > timezone.now() for delivery in retrying)


def test_a_success_in_between_keeps_a_flaky_endpoint_unpaused(merchant, receiver, one_at_a_time):
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    for _ in range(4):
        receiver.replies += [Reply(status=500), Reply(status=200)]
    emit(merchant, 8)

    deliver_pending()

    assert receiver.count() == 8
    endpoint.refresh_from_db()
    assert endpoint.paused_until is None and endpoint.consecutive_failures == 0


def test_an_event_for_a_paused_endpoint_waits_for_the_pause(merchant, receiver, one_at_a_time):
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    until = timezone.now() + timedelta(minutes=2)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(paused_until=until)

    emit(merchant, 1)

    assert WebhookDelivery.objects.get().next_attempt_at == until
    assert deliver_pending() == 0
    assert receiver.count() == 0


def test_a_successful_test_send_ends_a_pause(
    jwt_client, merchant, receiver, one_at_a_time, django_capture_on_commit_callbacks
):
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.replies.append(Reply(status=503, headers={"Retry-After": "3600"}))
    emit(merchant, 2)
    deliver_pending()
    endpoint.refresh_from_db()
    assert endpoint.paused_until is not None

    assert jwt_client.post(f"/api/webhooks/{endpoint.pk}/test").json()["data"]["status"] == "DELIVERED"

    endpoint.refresh_from_db()
    assert (endpoint.paused_until, endpoint.consecutive_failures, endpoint.failing_since) == (None, 0, None)


def test_a_failed_test_send_does_not_pause_the_endpoint(jwt_client, merchant, receiver, one_at_a_time):
    endpoint, _ = make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.default = Reply(status=503, headers={"Retry-After": "3600"})

    for _ in range(BREAKER_THRESHOLD + 1):
        assert jwt_client.post(f"/api/webhooks/{endpoint.pk}/test").json()["data"]["status"] == "FAILED"

    endpoint.refresh_from_db()
    assert endpoint.paused_until is None and endpoint.consecutive_failures == 0
    assert endpoint.failing_since is not None  # it does count towards the 5-day auto-disable, as before


@pytest.mark.django_db(transaction=True)
def test_replay_is_sent_when_the_replay_commits(jwt_client, merchant, receiver, one_at_a_time):
    """Committed for real here (tasks run eagerly): the emit's kick sends at once, so does the replay's."""
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.replies.append(Reply(status=410))
    emit(merchant, 1)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, receiver.count()) == (DeliveryStatus.FAILED, 1)
    WebhookEndpoint.objects.update(is_active=True)

    assert jwt_client.post(f"/api/webhooks/deliveries/{delivery.pk}/replay").status_code == 200

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.DELIVERED, 1)
    assert receiver.count() == 2
