"""Housekeeping: the retention of the delivery log."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from webhooks.models import DeliveryStatus, WebhookDelivery

logger = logging.getLogger(__name__)


def purge_old_deliveries(*, older_than: timedelta) -> int:
    """Deletes finished (DELIVERED/FAILED) deliveries and their attempts created before ``older_than`` ago."""
    cutoff = timezone.now() - older_than
    deleted, _ = WebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(status=DeliveryStatus.PENDING).delete()
    if deleted:
        logger.info("old webhook deliveries purged", extra={"rows": deleted, "cutoff": cutoff.isoformat()})
    return deleted
