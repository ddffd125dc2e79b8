"""Running one image job: artwork from the provider chain, our compositor on top, files to storage.

For each style the chain (Stability → OpenAI, each behind its breaker) is asked once for square artwork;
every platform's image is then composited from it at the platform's exact size. When no AI provider
delivers, the template renderer draws the image alone and the image is marked ``fallback_used``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pybreaker
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image

from common import metrics
from common.images import encode_png, open_untrusted_image
from common.jobs import JobLease, LeaseLost
from content import storage
from content.caching import facts_digest, remember_event
from content.constants import ALL_STYLES, DEFAULT_BRAND_COLOR, DEFAULT_FONT, DEFAULT_PLATFORMS
from content.job_status import retire_event_jobs, retire_jobs_listing
from content.kafka.status_events import record_status_event
from content.models import INVALID_PAYLOAD_DETAIL, GeneratedImage, ImageJob
from content.providers.base import ImageProvider, ProviderError
from content.providers.registry import configured_ai_providers
from content.providers.template import EventArt, render_event_image
from content.resilience import breaker_for
from content.serializers import ImageGenerationJobSerializer

logger = logging.getLogger(__name__)

STYLE_MOODS = {
    "SIMPLE": "minimal, calm, soft natural light, lots of clean empty space, muted pastel tones",
    "FANCY": "luxurious, festive, rich saturated colours, bokeh lights, gold accents, celebratory",
    "TRENDY": "bold, playful, pop-art, vivid colour blocking, Gen-Z social media aesthetic",
}


class JobPayloadInvalid(Exception):
    pass


@dataclass(frozen=True)
class Artwork:
    image: Image.Image | None
    provider: str
    attempts: list[str]


def artwork_prompt(event_info: dict, style: str, extra: str = "") -> str:
    prompt = (
        f"Background artwork for a Korean small business SNS promotion. Event: {event_info['title']}. "
        f"Prize: {event_info['giftName']}. Mood: {STYLE_MOODS[style]}. "
        f"Dominant colour {event_info.get('brandColor') or DEFAULT_BRAND_COLOR}. "
        "No text, no letters, no logos."
    )
    if extra:
        prompt += f" Change: {extra}"
    return prompt


def draw_artwork(providers: list[ImageProvider], prompt: str, *, job_id: str) -> Artwork:
    """Asks each provider in turn, through its circuit breaker; None when every one failed or was skipped."""
    attempts: list[str] = []
    for provider in providers:
        breaker = breaker_for(provider.name)
        try:
            data = breaker.call(provider.generate, prompt)
        except pybreaker.CircuitBreakerError:
            attempts.append(f"{provider.name}: circuit open")
            logger.info("content job %s: %s skipped, circuit open", job_id, provider.name)
            continue
        except ProviderError as exc:
            attempts.append(f"{provider.name}: {exc.code}")
            logger.warning("content job %s: %s failed: %s", job_id, provider.name, exc)
            continue
        return Artwork(open_untrusted_image(data).image.convert("RGB"), provider.name, attempts)
    return Artwork(None, GeneratedImage.Provider.TEMPLATE, attempts)


def _load_logo(name: str | None) -> Image.Image | None:
    if not name:
        return None
    try:
        return open_untrusted_image(storage.read_file(name)).image
    except Exception:  # a lost logo must not cost the merchant their images
        logger.exception("content: stored logo %s could not be read", name)
        return None


def validated_payload(payload: dict) -> dict:
    serializer = ImageGenerationJobSerializer(data=payload)
    if not serializer.is_valid():
        raise JobPayloadInvalid(str(serializer.errors))
    data = dict(serializer.validated_data)
    data.setdefault("styles", list(ALL_STYLES))
    data.setdefault("platforms", list(DEFAULT_PLATFORMS))
    data["eventInfo"] = dict(data["eventInfo"])
    # logoImage is ours (read-only for clients), so it is taken from the raw payload.
    data["eventInfo"]["logoImage"] = (payload.get("eventInfo") or {}).get("logoImage")
    return data


def run_generation_job(*, payload: dict, lease: JobLease | None = None) -> ImageJob | None:
    """Idempotent: a finished job is left alone; a job interrupted mid-way resumes with what is missing.

    Under a ``lease`` (the task's), each image is stored only while the lease is still this run's: a run that
    was presumed dead and taken over stops with :class:`~common.jobs.LeaseLost` instead of drawing twice.
    """
    job_id = payload.get("jobId") if isinstance(payload, dict) else None
    try:
        data = validated_payload(payload)
    except JobPayloadInvalid as exc:
        logger.error("content job %s: invalid payload: %s", job_id, exc)
        if job_id:
            with transaction.atomic():
                ImageJob.objects.filter(
                    id=job_id, status__in=[ImageJob.Status.PENDING, ImageJob.Status.PROCESSING]
                ).update(
                    status=ImageJob.Status.FAILED,
                    error_code="INVALID_JOB_PAYLOAD",
                    error_detail=INVALID_PAYLOAD_DETAIL(),
                    completed_at=timezone.now(),
                )
                record_status_event(job_id=job_id)
        return None

    job = ImageJob.objects.filter(id=data["jobId"]).first()
    if job is None:
        logger.error("content job %s does not exist", data["jobId"])
        return None
    if job.is_finished:
        return job

    styles, platforms = data["styles"], data["platforms"]
    now = timezone.now()
    with transaction.atomic():
        ImageJob.objects.filter(id=job.id).update(
            status=ImageJob.Status.PROCESSING,
            started_at=job.started_at or now,
            images_total=len(styles) * len(platforms),
        )
        record_status_event(job_id=job.id)
    info = data["eventInfo"]
    event = EventArt(
        title=info["title"],
        gift_name=info["giftName"],
        brand_color=info.get("brandColor") or DEFAULT_BRAND_COLOR,
        logo=_load_logo(info.get("logoImage")),
        period=info.get("period", ""),
        call_to_action=info.get("callToAction", ""),
        event_url=info.get("eventUrl", ""),
        store_name=info.get("storeName", ""),
        secondary_color=info.get("secondaryColor", ""),
        font=info.get("fontFamily") or DEFAULT_FONT,
    )
    regeneration = data.get("regeneration") or {}
    providers = configured_ai_providers()
    done = {(image.style, image.platform) for image in job.produced_images.all()}
    produced: list[GeneratedImage] = list(job.produced_images.all())

    for style in styles:
        missing = [platform for platform in platforms if (style, platform) not in done]
        if not missing:
            continue
        artwork = draw_artwork(providers, artwork_prompt(info, style, regeneration.get("content", "")), job_id=job.id)
        if artwork.attempts:
            attempts = [f"{style}: {attempt}" for attempt in artwork.attempts]
            job.provider_attempts = [*job.provider_attempts, *attempts]
            ImageJob.objects.filter(id=job.id).update(provider_attempts=job.provider_attempts)
        for platform in missing:
            rendered = render_event_image(event, style=style, platform=platform, artwork=artwork.image)
            image = GeneratedImage(
                merchant_id=job.merchant_id,
                job=job,
                event_draft_id=job.event_draft_id,
                style=style,
                platform=platform,
                width=rendered.width,
                height=rendered.height,
                provider=artwork.provider,
                fallback_used=bool(providers) and artwork.image is None,
            )
            if lease is not None:
                lease.check()
            image.file_name = storage.save_image(image.id, encode_png(rendered))
            try:
                image.save()
            except IntegrityError as exc:
                # Another run of this job stored the same style × platform first: it owns the job now.
                storage.delete_file(image.file_name)
                raise LeaseLost(f"content job {job.id}: {style}/{platform} already stored") from exc
            produced.append(image)
            ImageJob.objects.filter(id=job.id).update(images_done=F("images_done") + 1)

    if lease is not None:
        lease.check()
    job = complete_job(job_id=job.id, produced=produced)
    logger.info("content job %s completed: %d images", job.id, len(produced))
    return job


def complete_job(*, job_id: str, produced: list[GeneratedImage]) -> ImageJob:
    """Marks the job COMPLETED, updates the event's listing and refreshes the event's cache entry."""
    with transaction.atomic():
        job = ImageJob.objects.select_for_update().get(id=job_id)
        job.result_images.set(produced)
        listed = (
            GeneratedImage.objects.listed()
            .filter(merchant_id=job.merchant_id, event_draft_id=job.event_draft_id)
            .exclude(job=job)
        )
        if job.kind == ImageJob.Kind.REGENERATE and job.source_image_id and produced:
            GeneratedImage.objects.filter(id=job.source_image_id, replaced_by__isnull=True).update(
                replaced_by=produced[0]
            )
            retire_jobs_listing([job.source_image_id])
        elif job.kind == ImageJob.Kind.GENERATE:
            # A fresh generation supersedes what an expired or earlier generation listed for this event.
            superseded = listed.update(deleted_at=timezone.now())
            if superseded:
                retire_event_jobs(merchant_id=job.merchant_id, event_draft_id=job.event_draft_id)
        job.status = ImageJob.Status.COMPLETED
        job.completed_at = timezone.now()
        job.images_done = job.images_total = len(produced)
        job.save(update_fields=["status", "completed_at", "images_done", "images_total"])
        record_status_event(job_id=job.id)
    metrics.job_finished("content", job.status, job.created_at, job.completed_at)
    remember_event(
        merchant_id=job.merchant_id,
        event_draft_id=job.event_draft_id,
        job_id=job.id,
        facts=facts_digest(job.payload.get("eventInfo") or {}),
    )
    return job


def fail_job(*, job_id: str, detail: str, code: str = "IMAGE_GENERATION_FAILED") -> None:
    with transaction.atomic():
        failed = (
            ImageJob.objects.filter(id=job_id)
            .exclude(status=ImageJob.Status.COMPLETED)
            .update(
                status=ImageJob.Status.FAILED,
                error_code=code,
                error_detail=detail,
                completed_at=timezone.now(),
            )
        )
        if failed:
            record_status_event(job_id=job_id)
    if failed:
        metrics.job_finished("content", ImageJob.Status.FAILED, None, None)
