"""The shopper's vote on a completed try-on (one per visitor and job)."""

from __future__ import annotations

import uuid

from django.db import IntegrityError, transaction

from common.errors import Conflict
from merchants.models import Merchant
from tryon.models import TryOnFeedback, TryOnJob
from tryon.selectors import job_for_merchant, visitor_key_for


def submit_feedback(
    *,
    merchant: Merchant,
    job_id: uuid.UUID,
    vote: str,
    visitor_id: uuid.UUID,
    reason: str = "",
    own_jobs_only: bool = False,
) -> TryOnFeedback:
    """One vote per visitor and job: the database constraint decides between concurrent requests.

    ``own_jobs_only`` (the widget): the visitor may rate only a job they made."""
    job = job_for_merchant(
        merchant=merchant, job_id=job_id, visitor_key=visitor_key_for(visitor_id=visitor_id) if own_jobs_only else None
    )
    if job.status != TryOnJob.Status.COMPLETED:
        raise Conflict("완료된 피팅에만 피드백을 남길 수 있습니다.")
    try:
        with transaction.atomic():
            return TryOnFeedback.objects.create(job=job, visitor_id=visitor_id, vote=vote, reason=reason)
    except IntegrityError as exc:
        raise Conflict("이미 피드백을 제출했습니다.") from exc
