"""Beat wiring of the poller (the safety net behind the on-commit kick) and the retention of the delivery log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from config.celery import app as celery_app
from tests.support.webhooks import make_endpoint
from webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from webhooks.services import emit_event
from webhooks.tasks import purge_old_deliveries


def test_beat_runs_the_poller_and_the_purge_on_the_webhooks_queue():
    celery_app.loader.import_default_modules()
    schedule = {entry["task"]: entry for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    poller = schedule["webhooks.deliver_pending"]
    assert poller["schedule"] == settings.WEBHOOKS_POLL_INTERVAL_SECONDS == 5.0
    for name in ("webhooks.deliver_pending", "webhooks.purge_old_deliveries"):
        assert name in celery_app.tasks
        assert celery_app.amqp.router.route({}, name)["queue"].name == "webhooks"
    assert "webhooks.purge_old_deliveries" in schedule


def test_webhook_tasks_are_acknowledged_only_after_they_ran():
    """A worker killed mid-task gets its message redelivered (acks_late + reject_on_worker_lost)."""
    celery_app.loader.import_default_modules()
    for name in ("webhooks.deliver_pending", "webhooks.purge_old_deliveries"):
        task = celery_app.tasks[name]
        assert task.acks_late is True, name
        assert task.reject_on_worker_lost is True, name


@pytest.mark.django_db
def test_purge_keeps_recent_and_pending_deliveries(merchant, allow_loopback):
    allow_loopback.WEBHOOKS_RETENTION_DAYS = 30
    make_endpoint(merchant, "http://127.0.0.1:9/hook", ["tryon.completed"])
    for _ in range(4):
        emit_event(merchant=merchant, event_type="tryon.completed", data={})
    old_delivered, old_failed, old_pending, recent = WebhookDelivery.objects.order_by("created_at")
    long_ago = timezone.now() - timedelta(days=31)
    WebhookDelivery.objects.filter(pk=old_delivered.pk).update(created_at=long_ago, status=DeliveryStatus.DELIVERED)
    WebhookDelivery.objects.filter(pk=old_failed.pk).update(created_at=long_ago, status=DeliveryStatus.FAILED)
    WebhookDelivery.objects.filter(pk=old_pending.pk).update(created_at=long_ago)
    WebhookDelivery.objects.filter(pk=recent.pk).update(status=DeliveryStatus.DELIVERED)
    WebhookAttempt.objects.create(delivery=old_failed, merchant=merchant, succeeded=False)

    purge_old_deliveries()

    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {old_pending.pk, recent.pk}
    assert WebhookAttempt.objects.count() == 0

    allow_loopback.WEBHOOKS_RETENTION_DAYS = 0
    WebhookDelivery.objects.update(created_at=long_ago, status=DeliveryStatus.FAILED)
    assert purge_old_deliveries() == 0
    assert WebhookDelivery.objects.count() == 2
