"""Celery tasks of the webhooks queue: the beat-driven poller and the per-delivery sender (both thin)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from webhooks import services


@shared_task(name="webhooks.deliver_pending", acks_late=True, ignore_result=True)
def deliver_pending() -> int:
    """Poller tick (CELERY_BEAT_SCHEDULE): claims due deliveries and queues their sends."""
    return services.dispatch_due_deliveries()


@shared_task(name="webhooks.send_delivery", acks_late=True, ignore_result=True)
def send_delivery(delivery_id: str, claim_token: str) -> None:
    """Sends one claimed delivery; idempotent — a stale or repeated task finds its claim gone and stops."""
    services.send_claimed_delivery(delivery_id=delivery_id, claim_token=claim_token)


@shared_task(name="webhooks.purge_old_deliveries", acks_late=True, ignore_result=True)
def purge_old_deliveries() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): keeps the delivery log to WEBHOOKS_RETENTION_DAYS; 0 keeps everything."""
    if settings.WEBHOOKS_RETENTION_DAYS <= 0:
        return 0
    return services.purge_old_deliveries(older_than=timedelta(days=settings.WEBHOOKS_RETENTION_DAYS))
