"""Accepting image generation requests, from whichever channel they come: a POST to
``/api/content/images/generate`` or a message on the Kafka topic ``image-generation-job`` (content/kafka/).
Both go through :func:`accept_generation_requests`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from common import metrics
from common.errors import Conflict, InvalidInput, ServiceError
from common.tasks import QueueUnavailable, publish_many
from common.timestamps import iso_z, now_iso_z
from content.caching import CachedEvent, cached_events, facts_digest
from content.constants import ALL_STYLES, DEFAULT_FONT, DEFAULT_PRIORITY
from content.estimates import estimate_seconds
from content.kafka.status_events import record_status_event
from content.models import (
    QUEUE_UNAVAILABLE_DETAIL,
    ContentSettings,
    GeneratedImage,
    ImageJob,
    KafkaJobSource,
    new_job_id,
)
from content.pipeline import fail_job
from content.selectors import listed_event_images
from content.services import AcceptedJob, celery_priority, check_rate_limit, platform_defaults, store_logo
from merchants.models import Merchant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class KafkaOrigin:
    """Where a Kafka-born request was read (shown in the dashboard with its job)."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class GenerationRequest:
    """A validated ``ImageGenerationRequest`` to accept: from a POST, or from a Kafka message, which also carries
    its own ``jobId`` and ``requestedAt`` (``ImageGenerationJob``) and where it was read (``origin``)."""

    merchant: Merchant
    data: dict
    origin: KafkaOrigin | None = None


class JobsNotPublished(QueueUnavailable):
    """The jobs were saved but the broker did not take their messages (``job_ids``); they stay PENDING."""

    def __init__(self, job_ids: list[str]) -> None:
        super().__init__()
        self.job_ids = job_ids


def request_generation(*, merchant: Merchant, data: dict) -> AcceptedJob:
    """Accepts a POSTed ``ImageGenerationRequest``: from the cache, or as a job for the worker.

    A broker that is down fails the job and answers 503: a client's retry is a new request.
    """
    check_rate_limit(merchant=merchant)
    try:
        [result] = accept_generation_requests([GenerationRequest(merchant=merchant, data=data)])
    except JobsNotPublished as exc:
        for job_id in exc.job_ids:
            fail_job(job_id=job_id, detail=QUEUE_UNAVAILABLE_DETAIL(), code="QUEUE_UNAVAILABLE")
        raise
    if isinstance(result, ServiceError):
        raise result
    if result.job.from_cache:
        return result
    return AcceptedJob(result.job, estimate_seconds(image_count=result.job.images_total))


def accept_generation_requests(requests: Sequence[GenerationRequest]) -> list[AcceptedJob | ServiceError]:
    """Accepts requests (one from a POST, a batch from the Kafka intake) in one transaction; an answer for each.

    What both paths share: the merchant's defaults for styles, platforms, colours and logo, the 7-day cache by
    ``eventDraftId`` (a cached event's job is COMPLETED at once), ``priority`` mapped onto the queue's priority
    and ``requestedAt`` kept. Idempotent on ``jobId``: a request naming a job of its merchant that exists answers
    with that job (``duplicate``) and makes nothing new; that job is published again only if it never was. A
    request refused on its own (a ``jobId`` of another merchant, a logo that cannot be fetched) gets its
    ServiceError. Failures of our stores (database, Redis, broker) raise; a retry of the same requests then
    finds what was committed as duplicates. Jobs are published after the commit; those the broker refused
    stay PENDING with no ``enqueued_at``, named by :class:`JobsNotPublished`.
    """
    results: list[AcceptedJob | ServiceError] = []
    existing = ImageJob.objects.in_bulk([r.data["jobId"] for r in requests if r.data.get("jobId")])
    preferences = {
        row.merchant_id: row
        for row in ContentSettings.objects.filter(merchant_id__in={r.merchant.pk for r in requests})
    }
    cached = cached_events(events=[(r.merchant.pk, r.data["eventDraftId"]) for r in requests])
    new_jobs: list[ImageJob] = []
    cached_jobs: list[tuple[ImageJob, list[GeneratedImage]]] = []
    sources: list[KafkaJobSource] = []
    unpublished: list[ImageJob] = []
    for request in requests:
        known = existing.get(request.data.get("jobId") or "")
        if known is not None:
            if known.merchant_id != request.merchant.pk:
                results.append(Conflict("다른 가맹점의 작업과 같은 jobId입니다.", code="JOB_ID_CONFLICT"))
                continue
            results.append(AcceptedJob(known, 0, duplicate=True))
            # Saved by an earlier attempt whose publishing failed (a job of this batch is published anyway).
            never_published = known.status == ImageJob.Status.PENDING and known.enqueued_at is None
            if never_published and known not in new_jobs and known not in unpublished:
                unpublished.append(known)
            continue
        try:
            event = cached.get((request.merchant.pk, request.data["eventDraftId"]))
            job, cached_images = _new_job(request, preferences.get(request.merchant.pk), event)
        except InvalidInput as exc:  # the request's own logo: refused like a bad field
            results.append(exc)
            continue
        existing[job.id] = job  # a second request with the same jobId in this batch is its duplicate
        results.append(AcceptedJob(job, 0))
        if cached_images:
            cached_jobs.append((job, cached_images))
        else:
            new_jobs.append(job)
        if request.origin is not None:
            origin = request.origin
            sources.append(
                KafkaJobSource(job_id=job.id, topic=origin.topic, partition=origin.partition, offset=origin.offset)
            )

    to_publish = [*unpublished, *new_jobs]
    with transaction.atomic():
        ImageJob.objects.bulk_create(new_jobs)
        for job, images in cached_jobs:
            job.save()
            job.result_images.set(images)
            record_status_event(job_id=job.id)
        KafkaJobSource.objects.bulk_create(sources)
        if to_publish:
            transaction.on_commit(lambda: _publish(to_publish))
    for job, _images in cached_jobs:
        metrics.job_finished("content", job.status, job.created_at, job.completed_at)
        logger.info("content job %s answered from cache for event %s", job.id, job.event_draft_id)
    if new_jobs or cached_jobs:
        metrics.JOBS_ACCEPTED.labels("content").inc(len(new_jobs) + len(cached_jobs))
    return results


def _new_job(
    request: GenerationRequest, preferences: ContentSettings | None, cached: CachedEvent | None
) -> tuple[ImageJob, list[GeneratedImage]]:
    """The unsaved job of a request, and the event's images when the cache answers it (the job is then done)."""
    merchant, data = request.merchant, request.data
    event_draft_id = data["eventDraftId"]
    info = dict(data["eventInfo"])
    styles = data.get("styles") or list(ALL_STYLES)
    platforms = data.get("platforms") or platform_defaults(preferences)
    priority = data.get("priority") or DEFAULT_PRIORITY
    requested_at = iso_z(data["requestedAt"]) if data.get("requestedAt") else now_iso_z()
    job = ImageJob(id=data.get("jobId") or new_job_id(), merchant=merchant, event_draft_id=event_draft_id)

    def payload_for(event_info: dict[str, Any]) -> dict[str, Any]:
        return {
            "jobId": job.id,
            "eventDraftId": event_draft_id,
            "eventInfo": event_info,
            "styles": styles,
            "platforms": platforms,
            "priority": priority,
            "requestedAt": requested_at,
        }

    if cached is not None and cached.facts == facts_digest(info):
        images = list(listed_event_images(merchant=merchant, event_draft_id=event_draft_id))
        if images:
            now = timezone.now()
            job.payload = payload_for(info)
            job.status = ImageJob.Status.COMPLETED
            job.from_cache = True
            job.images_total = job.images_done = len(images)
            job.started_at = job.completed_at = now
            return job, images

    if preferences is not None:
        # The brand kit fills in what the request leaves out.
        if preferences.brand_color and not info.get("brandColor"):
            info["brandColor"] = preferences.brand_color
        if preferences.secondary_color and not info.get("secondaryColor"):
            info["secondaryColor"] = preferences.secondary_color
        if preferences.font_family and preferences.font_family != DEFAULT_FONT and not info.get("fontFamily"):
            info["fontFamily"] = preferences.font_family
    if info.get("logoUrl"):
        info["logoImage"] = store_logo(url=info["logoUrl"])
    elif preferences is not None and preferences.logo_image:
        info["logoImage"] = preferences.logo_image
    job.payload = payload_for(info)
    job.images_total = len(styles) * len(platforms)
    return job, []


def _publish(jobs: list[ImageJob]) -> None:
    """Publishes every job's message at its priority, then records their ``enqueued_at``."""
    messages = [
        (
            (job.pk,),
            {
                "priority": celery_priority(job.payload.get("priority") or DEFAULT_PRIORITY),
                # The queue is a direct one (Celery's anonymous exchange: the message goes onto its list);
                # declaring it again for every message cost a fifth of publishing a batch.
                "declare": [],
            },
        )
        for job in jobs
    ]
    try:
        publish_many(ImageJob.TASK, messages)
    except QueueUnavailable as exc:
        raise JobsNotPublished([job.id for job in jobs]) from exc
    ImageJob.objects.filter(pk__in=[job.id for job in jobs]).update(enqueued_at=timezone.now())
