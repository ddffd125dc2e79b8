"""Concurrent pollers never send an attempt twice; delivery through a real Celery worker."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, transaction
from standardwebhooks import Webhook

from config.celery import app as celery_app
from tests.support.processes import celery_beat, celery_worker, wait_until
from tests.webhooks.conftest import Reply, make_endpoint
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.services import claim_due_deliveries, dispatch_due_deliveries, emit_event
from webhooks.tasks import deliver_pending, send_delivery

DELIVERIES = 40


@pytest.mark.django_db(transaction=True)
def test_two_pollers_racing_never_double_send(merchant, receiver, allow_loopback):
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.default = Reply(status=200, delay=0.01)
    for number in range(DELIVERIES):
        emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})

    start = threading.Barrier(2)
    sent_by: dict[str, int] = {}
    errors: list[BaseException] = []

    def poller(name: str) -> None:
        try:
            start.wait()
            sent = 0
            while True:
                # Small batches so the two pollers claim over and over, side by side.
                claimed = dispatch_due_deliveries(limit=3)
                if not claimed:
                    break
                sent += claimed
            sent_by[name] = sent
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=poller, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not errors
    assert sum(sent_by.values()) == DELIVERIES
    ids = Counter(request.headers["webhook-id"] for request in receiver.requests)
    assert len(ids) == DELIVERIES
    assert set(ids.values()) == {1}
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED, attempt_count=1).count() == DELIVERIES


@pytest.mark.django_db(transaction=True)
def test_a_row_locked_by_another_poller_is_skipped_not_waited_for(merchant, allow_loopback):
    """``FOR UPDATE SKIP LOCKED``: a poller never blocks on, nor takes, a row another poller is claiming."""
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("row locks need PostgreSQL")
    make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    emit_event(merchant=merchant, event_type="tryon.completed", data={"n": 1})
    emit_event(merchant=merchant, event_type="tryon.completed", data={"n": 2})
    locked_id = WebhookDelivery.objects.order_by("next_attempt_at").values_list("id", flat=True).first()

    locked, release = threading.Event(), threading.Event()

    def other_poller_holding_a_row_lock() -> None:
        try:
            with transaction.atomic():
                list(WebhookDelivery.objects.select_for_update().filter(id=locked_id))
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    claimed: list = []

    def claim() -> None:
        try:
            claimed.extend(claim_due_deliveries()[1])
        finally:
            connection.close()

    holder = threading.Thread(target=other_poller_holding_a_row_lock)
    holder.start()
    assert locked.wait(timeout=10)
    claimer = threading.Thread(target=claim)
    claimer.start()
    claimer.join(timeout=5)
    finished_while_locked = not claimer.is_alive()
    release.set()
    claimer.join(timeout=30)
    holder.join(timeout=30)

    assert finished_while_locked, "the claim waited for another transaction's row lock"
    [only] = claimed
    assert only != locked_id
    assert WebhookDelivery.objects.get(id=locked_id).claim_token is None


@pytest.mark.django_db(transaction=True)
def test_a_send_task_delivered_twice_at_once_sends_once(merchant, receiver, allow_loopback):
    """The broker may hand one send task to two workers (acks_late redelivery): only one may send."""
    make_endpoint(merchant, receiver.url(), ["tryon.completed"])
    receiver.default = Reply(status=200, delay=0.5)
    emit_event(merchant=merchant, event_type="tryon.completed", data={})
    token, [delivery_id] = claim_due_deliveries()

    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def run_task() -> None:
        try:
            start.wait()
            send_delivery(str(delivery_id), str(token))
        except BaseException as exc:  # surfaced in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run_task) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert receiver.count() == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.DELIVERED, 1)
    # A late third copy finds nothing to do either.
    send_delivery(str(delivery_id), str(token))
    assert receiver.count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_delivery_through_a_real_celery_worker(merchant, receiver, allow_loopback):
    celery_app.conf.task_always_eager = False
    make_endpoint(merchant, receiver.url(), ["tryon.completed", "usage.quota_exceeded"])
    receiver.default = Reply(status=200, delay=0.02)
    for number in range(10):
        emit_event(merchant=merchant, event_type="tryon.completed", data={"n": number})

    with celery_worker(queues="webhooks", extra_env={"SSRF_ALLOW_LOOPBACK": "true"}):
        # Several poller ticks queued at once: the worker's two processes run them side by side.
        for _ in range(4):
            deliver_pending.apply_async()
        wait_until(lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 10, timeout=60)

    ids = Counter(request.headers["webhook-id"] for request in receiver.requests)
    assert len(ids) == 10 and set(ids.values()) == {1}
    assert set(WebhookDelivery.objects.values_list("attempt_count", flat=True)) == {1}


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_beat_driven_poller_delivers_without_any_manual_tick(merchant, receiver, allow_loopback):
    celery_app.conf.task_always_eager = False
    _, secret = make_endpoint(merchant, receiver.url(), ["usage.quota_exceeded"])
    env = {"SSRF_ALLOW_LOOPBACK": "true", "WEBHOOKS_POLL_INTERVAL_SECONDS": "1"}

    with celery_worker(queues="webhooks", extra_env=env), celery_beat(extra_env=env) as beat_log:
        emit_event(merchant=merchant, event_type="usage.quota_exceeded", data={"limit": 100})
        try:
            wait_until(lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).exists(), timeout=45)
        except AssertionError:
            raise AssertionError(f"not delivered; beat log:\n{beat_log.read_text(errors='replace')[-3000:]}") from None

    [request] = receiver.requests
    assert Webhook(secret).verify(request.body, request.headers)["data"] == {"limit": 100}
