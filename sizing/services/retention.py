"""Retention of what shoppers told the sizing app: body measurements and feedback comments."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from sizing.models import BodyMeasurement, SizeFeedback

logger = logging.getLogger(__name__)


def purge_personal_data(*, now: datetime | None = None) -> dict[str, int]:
    """Retention: body measurements older than ``SIZING_MEASUREMENT_RETENTION_DAYS`` are deleted; feedback
    comments older than ``FEEDBACK_TEXT_RETENTION_DAYS`` are cleared (the vote and fit stay for the rates)."""
    now = now or timezone.now()
    measurements, _ = BodyMeasurement.objects.filter(
        created_at__lt=now - timedelta(days=settings.SIZING_MEASUREMENT_RETENTION_DAYS)
    ).delete()
    comments = (
        SizeFeedback.objects.filter(created_at__lt=now - timedelta(days=settings.FEEDBACK_TEXT_RETENTION_DAYS))
        .exclude(comment="")
        .update(comment="")
    )
    if measurements or comments:
        logger.info("sizing retention", extra={"measurements_deleted": measurements, "comments_cleared": comments})
    return {"measurementsDeleted": measurements, "commentsCleared": comments}
