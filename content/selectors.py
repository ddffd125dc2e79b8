"""Reads of the Content Service, always scoped to the calling merchant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Q, QuerySet

from common.errors import NotFound
from common.timeseries import per_day
from content import storage
from content.caching import CachedEvent, cached_event
from content.models import GeneratedImage, ImageJob
from merchants.models import Merchant


def job_for_merchant(*, merchant: Merchant, job_id: str) -> ImageJob:
    try:
        return ImageJob.objects.get(merchant=merchant, id=job_id)
    except ImageJob.DoesNotExist as exc:
        raise NotFound("Job ID를 찾을 수 없습니다.") from exc


def listed_image_for_merchant(*, merchant: Merchant, image_id: str) -> GeneratedImage:
    image = GeneratedImage.objects.listed().filter(merchant=merchant, id=image_id).select_related("job").first()
    if image is None:
        raise NotFound("이미지를 찾을 수 없습니다.")
    return image


def listed_event_images(
    *, merchant: Merchant, event_draft_id: str, style: str | None = None, platform: str | None = None
) -> QuerySet[GeneratedImage]:
    images = GeneratedImage.objects.listed().filter(merchant=merchant, event_draft_id=event_draft_id)
    if style:
        images = images.filter(style=style)
    if platform:
        images = images.filter(platform=platform)
    return images.order_by("created_at", "id")


def job_result_images(job: ImageJob) -> list[GeneratedImage]:
    return list(GeneratedImage.objects.listed().filter(result_of_jobs=job).order_by("created_at", "id"))


def image_url(file_name: str) -> str:
    """Absolute URL of a stored image (CDN/Blob URL, or this app's /media/content/ in embedded mode)."""
    return storage.public_url(file_name)


def event_content(*, merchant: Merchant, event_draft_id: str) -> CachedEvent:
    """The live (cached, unexpired) content entry of an event; 404 once it expired."""
    cached = cached_event(merchant=merchant, event_draft_id=event_draft_id)
    if cached is None:
        raise NotFound("해당 이벤트의 콘텐츠를 찾을 수 없습니다.", code="CONTENT_NOT_FOUND")
    return cached


# --- dashboard -------------------------------------------------------------------------------------------
def _scoped(queryset: QuerySet, merchant: Merchant | None) -> QuerySet:
    return queryset if merchant is None else queryset.filter(merchant=merchant)


@dataclass(frozen=True)
class ContentTotals:
    jobs: int
    failed_jobs: int
    images: int


def content_totals(*, merchant: Merchant | None, since: datetime) -> ContentTotals:
    """Jobs asked for (answers from the cache not counted) and images drawn since ``since``; all merchants if None."""
    jobs = _scoped(ImageJob.objects.filter(created_at__gte=since, from_cache=False), merchant).aggregate(
        total=Count("pk"), failed=Count("pk", filter=Q(status=ImageJob.Status.FAILED))
    )
    images = _scoped(GeneratedImage.objects.filter(created_at__gte=since), merchant).count()
    return ContentTotals(jobs=jobs["total"], failed_jobs=jobs["failed"], images=images)


def daily_images(*, merchant: Merchant | None, days: list[date]) -> list[dict]:
    return per_day(_scoped(GeneratedImage.objects.all(), merchant), "created_at", days)


def recently_finished_jobs(*, merchant: Merchant | None, limit: int) -> list[ImageJob]:
    return list(
        _scoped(ImageJob.objects.filter(completed_at__isnull=False, from_cache=False), merchant)
        .select_related("merchant")
        .order_by("-completed_at")[:limit]
    )
