"""The body of ``GET /api/content/images/jobs/{jobId}``; a finished job's is served from the cache.

A COMPLETED or FAILED job's body never changes by itself: only a delete or a replacement (regeneration,
a fresh generation superseding the event's images) of one of the images it lists does, and the services
that do those retire the cached bodies of every job listing the image (:func:`retire_jobs_listing`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from common.status_cache import FinishedJobCache, render_json
from common.timestamps import iso_z
from content import selectors
from content.models import ImageJob
from content.providers.registry import configured_ai_providers
from content.serializers import image_body
from merchants.models import Merchant

STATUS_MESSAGES = {
    ImageJob.Status.PENDING: "이미지 생성 대기 중입니다.",
    ImageJob.Status.PROCESSING: "AI가 이벤트에 어울리는 이미지를 생성하고 있어요...",
    ImageJob.Status.COMPLETED: "이미지 생성이 완료되었습니다.",
    ImageJob.Status.FAILED: "이미지 생성에 실패했습니다.",
}

finished_job_bodies = FinishedJobCache("content")


def job_status_json(*, merchant: Merchant, job_id: str) -> bytes:
    """The job's status body, rendered; 404 (:class:`~common.errors.NotFound`) when the merchant has no such job."""
    cached = finished_job_bodies.lookup(merchant_id=merchant.pk, job_id=job_id)
    if cached.entry is not None:
        return cached.entry
    job = selectors.job_for_merchant(merchant=merchant, job_id=job_id)
    body = render_json(_build_body(job))
    if job.is_finished:
        finished_job_bodies.store(merchant_id=merchant.pk, job_id=job_id, version=cached.version, entry=body)
    return body


def _build_body(job: ImageJob) -> dict[str, Any]:
    from content.services import remaining_seconds  # services import this module: imported here (cycle)

    body: dict[str, Any] = {"jobId": job.id, "status": job.status, "message": STATUS_MESSAGES[job.status]}
    if job.status == ImageJob.Status.PROCESSING and not configured_ai_providers():
        body["message"] = "이벤트 이미지를 만들고 있어요..."
    if not job.is_finished:
        body["estimatedCompletionTime"] = remaining_seconds(job)
        body["progress"] = {"completed": job.images_done, "total": job.images_total}
    if job.status == ImageJob.Status.COMPLETED:
        if job.from_cache:
            body["message"] = "이미지 생성이 완료되었습니다. (캐시)"
        body["images"] = [
            image_body(image, selectors.image_url(image.file_name)) for image in selectors.job_result_images(job)
        ]
        body["fromCache"] = job.from_cache
    if job.is_finished:
        body["completedAt"] = iso_z(job.completed_at)
    if job.status == ImageJob.Status.FAILED:
        body["error"] = {"code": job.error_code or "IMAGE_GENERATION_FAILED", "detail": job.error_detail}
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
