"""Accepting a try-on: input checks, quota and limits, storing the photos, enqueueing the job."""

from __future__ import annotations

import logging
import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from common import metrics
from common.addresses import validate_public_url
from common.errors import UnsafeURL
from common.stored_text import StoredText
from common.tasks import enqueue_on_commit, publish
from merchants.models import Merchant
from tryon import pipeline, storage
from tryon.ai_notice import NoticeRecord
from tryon.images import prepare_person_photo
from tryon.models import TryOnJob, TryOnSettings
from tryon.selectors import monthly_requests, settings_for
from tryon.services.quota import check_visitor_daily_limit, refuse_over_quota
from tryon.usage import record_usage
from widget.analytics import WIDGET_CHANNEL, record_widget_event

logger = logging.getLogger(__name__)

QUEUE_FAILURE_MESSAGE = StoredText(
    gettext_noop("작업 대기열에 연결할 수 없어 시작하지 못했습니다. 잠시 후 다시 시도해 주세요.")
)


def enqueue_job(job_id: uuid.UUID | str) -> None:
    """Publishes the job for a worker; raises QueueUnavailable when the broker is down."""
    publish(TryOnJob.TASK, str(job_id))


def _fail_unqueued(job_id: uuid.UUID) -> None:
    job = TryOnJob.objects.filter(pk=job_id).first()
    if job is not None:
        pipeline.finish(job, result=None, error=QUEUE_FAILURE_MESSAGE(), metadata={"errorCode": "QUEUE_UNAVAILABLE"})


def create_tryon_job(
    *,
    merchant: Merchant,
    user_image: bytes,
    product_image_url: str,
    category: str = TryOnJob.Category.UPPER_BODY,
    product_title: str = "",
    product_page_url: str = "",
    visitor_key: str = "",
    channel: str = "",
    language: str = "ko",
    notice: NoticeRecord | None = None,
) -> TryOnJob:
    """Checks the inputs, the merchant's quota and the visitor's daily limit, stores the photo and enqueues
    the job. Nothing is stored and nothing counted when any check fails. A broker outage fails the job and
    answers 503 (QueueUnavailable). The product image is fetched by the worker (tryon/garments.py): a host that
    is slow, down or serves no image fails the job, never the request.

    ``channel="widget"`` marks a job of the storefront widget (publishable key) for the widget funnel.
    ``language`` is the shopper's (the result's AI mark); ``notice`` the AI notice the shopper accepted."""

    person = prepare_person_photo(user_image)
    limits = settings_for(merchant=merchant)  # creates the merchant's settings row, locked below
    if monthly_requests(merchant=merchant) >= limits.monthly_quota:
        refuse_over_quota(merchant=merchant)  # checked again under the lock below
    try:
        # The URL's form and where it points (SSRF rules); the worker fetches it, checked again on connecting.
        validate_public_url(product_image_url)
    except UnsafeURL as exc:
        raise UnsafeURL(f"productImageUrl: {exc.message}") from exc

    job_id = uuid.uuid4()
    saved: list[str] = []
    over_quota = False
    try:
        with transaction.atomic():
            # The settings row is the merchant's lock: concurrent requests cannot both take the last slot.
            limits = TryOnSettings.objects.select_for_update().get(merchant=merchant)
            if monthly_requests(merchant=merchant) >= limits.monthly_quota:
                over_quota = True
            else:
                check_visitor_daily_limit(limits=limits, merchant=merchant, visitor_key=visitor_key)
                saved.append(storage.save_file(f"jobs/{merchant.pk}/{job_id}/person.jpg", person))
                job = TryOnJob.objects.create(
                    id=job_id,
                    merchant=merchant,
                    category=category,
                    product_image_url=product_image_url,
                    product_title=product_title,
                    product_page_url=product_page_url,
                    visitor_key=visitor_key,
                    person_image=saved[0],
                    enqueued_at=timezone.now(),
                    metadata={"channel": channel} if channel else {},
                    language=language,
                    ai_notice_version=notice.version if notice else "",
                    consent_version=notice.consent_version if notice else "",
                    notice_accepted_at=notice.accepted_at if notice else None,
                )
                record_usage(merchant=merchant, field="requested")
                metrics.JOBS_ACCEPTED.labels("tryon").inc()
                if channel == WIDGET_CHANNEL:
                    record_widget_event(merchant_id=merchant.pk, event="uploads")
                enqueue_on_commit(TryOnJob.TASK, str(job_id), on_failure=lambda: _fail_unqueued(job_id))
    except BaseException:
        for name in saved:
            storage.delete_file(name)
        raise
    if over_quota:
        refuse_over_quota(merchant=merchant)
    logger.info("try-on job accepted", extra={"job_id": str(job_id), "merchant_id": merchant.pk})
    return job


def delete_tryon_job(*, job: TryOnJob) -> None:
    """Deletes a job with its feedback and share links, and every file it still has (photo, garment, result)."""
    names = (job.person_image, job.garment_image, job.result_image)
    job.delete()
    for name in names:
        storage.delete_file(name)
