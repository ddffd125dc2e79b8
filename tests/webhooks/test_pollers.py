"""Concurrent pollers never send an attempt twice; delivery through a real Celery worker."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from config.celery import app as celery_app
from tests.support.processes import celery_worker, wait_until
from tests.webhooks.conftest import Reply, make_endpoint
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.services import dispatch_due_deliveries, emit_event
from webhooks.tasks import deliver_pending

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
