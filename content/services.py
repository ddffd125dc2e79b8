"""What the Content API does: accept generation and regeneration jobs, delete images, limit request rates."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from common import metrics
from common.errors import InvalidInput, ServiceUnavailable, TooManyRequests, UnsafeURL
from common.http import fetch_public_url
from common.images import encode_png, open_untrusted_image
from common.provenance.marks import MarkPosition
from common.tasks import enqueue_on_commit
from common.throttling import hit
from common.timestamps import now_iso_z
from content import storage
from content.caching import forget_event
from content.constants import (
    ALL_PLATFORMS,
    CONTRACT_PLATFORMS,
    DEFAULT_PLATFORMS,
    DEFAULT_PRIORITY,
    FontFamily,
    celery_priority,
)
from content.estimates import estimate_seconds
from content.job_status import retire_jobs_listing
from content.models import (
    QUEUE_UNAVAILABLE_DETAIL,
    ContentSettings,
    GeneratedImage,
    ImageJob,
    new_regeneration_job_id,
)
from content.pipeline import fail_job
from content.providers.registry import configured_ai_providers
from content.resilience import breaker_status
from content.selectors import image_url, listed_event_images, listed_image_for_merchant
from content.serializers import HEX_COLOR
from merchants.models import Merchant

logger = logging.getLogger(__name__)


def check_rate_limit(*, merchant: Merchant) -> None:
    """``CONTENT_RATE_LIMIT`` requests that start work per merchant per minute (fixed window).

    Called by the services once a request has passed validation, lookup and the breaker check: a refused
    request (400, 404, 503) must not use up the merchant's budget.
    """
    retry_after = hit(f"content-rate:{merchant.pk}", f"{settings.CONTENT_RATE_LIMIT}/min")
    if retry_after is not None:
        raise TooManyRequests(
            f"요청 한도를 초과했습니다. {retry_after}초 후 다시 시도하세요.",
            code="RATE_LIMIT_EXCEEDED",
            retry_after=retry_after,
        )


def default_platforms(merchant: Merchant, preferences: ContentSettings | None = None) -> list[str]:
    return platform_defaults(preferences or ContentSettings.objects.filter(merchant=merchant).first())


def platform_defaults(preferences: ContentSettings | None) -> list[str]:
    if preferences is not None and preferences.render_all_platforms_by_default:
        return list(CONTRACT_PLATFORMS)
    if preferences is not None and preferences.default_platforms:
        return [platform for platform in ALL_PLATFORMS if platform in preferences.default_platforms]
    return list(DEFAULT_PLATFORMS)


def _store_normalised_logo(data: bytes) -> str:
    """Decodes the bytes as an untrusted image and keeps a normalised PNG copy (at most 1024 px); its name."""
    decoded = open_untrusted_image(data, max_pixels=4096 * 4096)
    logo = decoded.image.convert("RGBA")
    logo.thumbnail((1024, 1024))
    return storage.save_logo(secrets.token_hex(12), encode_png(logo))


def content_settings_for(*, merchant: Merchant) -> ContentSettings:
    return ContentSettings.objects.get_or_create(merchant=merchant)[0]


def update_content_settings(
    *,
    merchant: Merchant,
    render_all_platforms_by_default: bool,
    default_platforms: list[str],
    brand_color: str,
    logo: bytes | None = None,
    remove_logo: bool = False,
    secondary_color: str | None = None,
    font_family: str | None = None,
    ai_mark_visible: bool | None = None,
    ai_mark_position: str | None = None,
) -> ContentSettings:
    """The merchant's defaults (the brand kit) for requests that leave platforms, brandColor, secondaryColor,
    fontFamily or the logo out, and whether AI images show the visible AI mark; ``None`` keeps a setting as
    it is.

    An uploaded logo is decoded and stored once as our own PNG (as a logoUrl's is); bad input changes nothing.
    """
    unknown = [platform for platform in default_platforms if platform not in ALL_PLATFORMS]
    if unknown:
        raise InvalidInput(f"알 수 없는 플랫폼입니다: {', '.join(unknown)}")
    brand_color = brand_color.strip().upper()
    if brand_color and not HEX_COLOR.match(brand_color):
        raise InvalidInput("brandColor는 HEX 색상 코드 형식이어야 합니다. (예: #FF5733)")
    if secondary_color is not None:
        secondary_color = secondary_color.strip().upper()
        if secondary_color and not HEX_COLOR.match(secondary_color):
            raise InvalidInput("secondaryColor는 HEX 색상 코드 형식이어야 합니다. (예: #FF5733)")
    if font_family is not None and font_family not in FontFamily.values:
        raise InvalidInput(f"알 수 없는 글꼴입니다: {font_family}")
    if ai_mark_position is not None and ai_mark_position not in MarkPosition.values:
        raise InvalidInput(f"알 수 없는 표시 위치입니다: {ai_mark_position}")
    logo_name = _store_normalised_logo(logo) if logo else None
    preferences = content_settings_for(merchant=merchant)
    preferences.render_all_platforms_by_default = render_all_platforms_by_default
    preferences.default_platforms = [platform for platform in ALL_PLATFORMS if platform in default_platforms]
    preferences.brand_color = brand_color
    if secondary_color is not None:
        preferences.secondary_color = secondary_color
    if font_family is not None:
        preferences.font_family = font_family
    if ai_mark_visible is not None:
        preferences.ai_mark_visible = ai_mark_visible
    if ai_mark_position is not None:
        preferences.ai_mark_position = ai_mark_position
    if logo_name or remove_logo:
        preferences.logo_image = logo_name or ""
    preferences.save()
    return preferences


def store_logo(*, url: str) -> str:
    """Fetches the logo under the SSRF rules, checks it decodes, and keeps a normalised PNG copy."""
    try:
        fetched = fetch_public_url(
            url, max_bytes=settings.CONTENT_LOGO_MAX_BYTES, total_timeout=settings.CONTENT_LOGO_TIMEOUT
        )
    except UnsafeURL as exc:
        # The hardened client's refusals do not know which field they are about.
        raise UnsafeURL(f"logoUrl: {exc.message}") from exc
    try:
        return _store_normalised_logo(fetched.content)
    except InvalidInput as exc:
        raise UnsafeURL(f"logoUrl: {exc.message}") from exc


@dataclass(frozen=True)
class AcceptedJob:
    job: ImageJob
    estimated_seconds: int
    # The request's jobId named a job of this merchant that already existed: nothing new was made.
    duplicate: bool = False


def _save_and_enqueue(job: ImageJob, priority: int) -> None:
    """Saves the job and publishes it after commit; if the broker is down the job ends FAILED and the client
    gets 503 (the job never waits for a message that was not sent)."""
    job.enqueued_at = timezone.now()
    with transaction.atomic():
        job.save()
        enqueue_on_commit(
            ImageJob.TASK,
            job.pk,
            priority=celery_priority(priority),
            on_failure=lambda: fail_job(job_id=job.id, detail=QUEUE_UNAVAILABLE_DETAIL(), code="QUEUE_UNAVAILABLE"),
        )
    metrics.JOBS_ACCEPTED.labels("content").inc()


def request_regeneration(*, merchant: Merchant, image_id: str, data: dict) -> AcceptedJob:
    """A new job that redraws one image (same platform, optionally another style or a prompt change)."""
    source = listed_image_for_merchant(merchant=merchant, image_id=image_id)
    providers = configured_ai_providers()
    if providers:
        statuses = [breaker_status(provider.name) for provider in providers]
        if all(status.state == "OPEN" for status in statuses):
            retry_after = min(status.retry_after for status in statuses)
            raise ServiceUnavailable(
                "이미지 생성 서비스가 일시적으로 사용 불가능합니다",
                code="IMAGE_GENERATION_SERVICE_UNAVAILABLE",
                retry_after=retry_after,
                extra={
                    "circuitBreakerState": "OPEN",
                    "fallbackAvailable": True,
                    "fallbackImageUrl": image_url(source.file_name),
                },
            )
    check_rate_limit(merchant=merchant)
    original = source.job.payload
    style = data.get("style") or source.style
    priority = original.get("priority") or DEFAULT_PRIORITY
    job = ImageJob(
        id=new_regeneration_job_id(),
        merchant=merchant,
        kind=ImageJob.Kind.REGENERATE,
        event_draft_id=source.event_draft_id,
        source_image=source,
        images_total=1,
    )
    job.payload = {
        "jobId": job.id,
        "eventDraftId": source.event_draft_id,
        "eventInfo": original["eventInfo"],
        "styles": [style],
        "platforms": [source.platform],
        "priority": priority,
        "requestedAt": now_iso_z(),
        "regeneration": {"sourceImageId": source.id, "content": data.get("content", "")},
    }
    estimate = estimate_seconds(image_count=1)
    _save_and_enqueue(job, priority)
    return AcceptedJob(job, estimate)


def delete_image(*, merchant: Merchant, image_id: str) -> None:
    """Removes the image from the event's listings; the file stays on the CDN (the spec's cost decision)."""
    image = listed_image_for_merchant(merchant=merchant, image_id=image_id)
    with transaction.atomic():
        GeneratedImage.objects.filter(pk=image.pk).update(deleted_at=timezone.now())
        retire_jobs_listing([image.pk])
    if not listed_event_images(merchant=merchant, event_draft_id=image.event_draft_id).exists():
        forget_event(merchant_id=merchant.pk, event_draft_id=image.event_draft_id)
