"""Celery tasks of the webhooks queue (thin): the dispatcher run and the retention of the delivery log."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from webhooks import services
from webhooks.delivery.dispatcher import dispatch_due_deliveries
from webhooks.delivery.kick import DISPATCH_TASK


@shared_task(name=DISPATCH_TASK, ignore_result=True)
def deliver_pending() -> int:
    """A dispatcher run: kicked after each commit that emits events, and by beat (CELERY_BEAT_SCHEDULE) as
    the safety net. Idempotent: a repeated or concurrent run claims only rows nobody holds."""
    return dispatch_due_deliveries()


@shared_task(name="webhooks.purge_old_deliveries", ignore_result=True)
def purge_old_deliveries() -> int:
    """Daily (CELERY_BEAT_SCHEDULE): keeps the delivery log to WEBHOOKS_RETENTION_DAYS; 0 keeps everything."""
    if settings.WEBHOOKS_RETENTION_DAYS <= 0:
        return 0
    return services.purge_old_deliveries(older_than=timedelta(days=settings.WEBHOOKS_RETENTION_DAYS))
