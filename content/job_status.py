"""The body of ``GET /api/content/images/jobs/{jobId}``; a finished job's is served from the cache.

A COMPLETED or FAILED job's body never changes by itself: only a delete or a replacement (regeneration,
a fresh generation superseding the event's images) of one of the images it lists does, and the services
that do those retire the cached bodies of every job listing the image (:func:`retire_jobs_listing`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from common.status_cache import FinishedJobCache, render_json
from content import selectors
from content.models import ImageJob
from content.responses import ImageGenerationStatusResponseSerializer
from merchants.models import Merchant

finished_job_bodies = FinishedJobCache("content")


def job_status_json(*, merchant: Merchant, job_id: str) -> bytes:
    """The job's status body, rendered; 404 (:class:`~common.errors.NotFound`) when the merchant has no such job."""
    cached = finished_job_bodies.lookup(merchant_id=merchant.pk, job_id=job_id)
    if cached.entry is not None:
        return cached.entry
    job = selectors.job_for_merchant(merchant=merchant, job_id=job_id)
    # Rendered here, on a miss only: a hit answers with the bytes stored below.
    body = render_json(ImageGenerationStatusResponseSerializer(job).data)
    if job.is_finished:
        finished_job_bodies.store(merchant_id=merchant.pk, job_id=job_id, version=cached.version, entry=body)
    return body


def retire_jobs_listing(image_ids: Iterable[str]) -> None:
    """Call where images stop being listed (deleted, replaced): the bodies of the jobs showing them go stale."""
    image_ids = list(image_ids)
    if not image_ids:
        return
    job_ids = ImageJob.result_images.through.objects.filter(generatedimage_id__in=image_ids).values_list(
        "imagejob_id", flat=True
    )
    finished_job_bodies.retire(job_ids)


def retire_event_jobs(*, merchant_id: int, event_draft_id: str) -> None:
    """Call where many of an event's images stop being listed at once (a fresh generation superseding them)."""
    finished_job_bodies.retire(
        ImageJob.objects.filter(merchant_id=merchant_id, event_draft_id=event_draft_id).values_list("id", flat=True)
    )


def retire_deleted_job(sender: type, instance: ImageJob, **kwargs: Any) -> None:
    """post_delete of a job (a superuser's delete, a merchant's cascade): its poll must answer 404 again."""
    finished_job_bodies.retire([instance.pk])


def retire_jobs_listing_deleted_image(sender: type, instance: Any, **kwargs: Any) -> None:
    """pre_delete of an image (while the jobs listing it can still be found): those jobs' bodies go stale."""
    retire_jobs_listing([instance.pk])
