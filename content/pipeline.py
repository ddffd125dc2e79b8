"""Running one image job: artwork from the provider chain, our compositor on top, files to storage.

For each style the chain (Stability → OpenAI, each behind its breaker) is asked once for square artwork, all
styles at once, by the content workers' remote loop (content/artwork.py); every platform's image is then
composited from it at the platform's exact size, in a worker slot. When no AI provider delivers, the template
renderer draws the image alone and the image is marked ``fallback_used``.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image

from common import metrics
from common.images import open_untrusted_image
from common.jobs import JobLease, LeaseLost
from common.remote.follower import follow_inline
from content import storage
from content.artwork import Artwork, ArtworkHandler, delivered, discard_artwork, request_artwork
from content.caching import facts_digest, remember_event
from content.constants import ALL_STYLES, DEFAULT_BRAND_COLOR, DEFAULT_FONT, DEFAULT_PLATFORMS, DEFAULT_PRIORITY
from content.job_status import retire_event_jobs, retire_jobs_listing
from content.kafka.status_events import record_status_event
from content.labels import labelled_event_image
from content.models import INVALID_PAYLOAD_DETAIL, ArtworkRequest, GeneratedImage, ImageJob
from content.providers.registry import configured_ai_providers
from content.providers.template import EventArt, render_event_image
from content.serializers import ImageGenerationJobSerializer

logger = logging.getLogger(__name__)

# The remote calls a content job waits on (registered with the worker's remote loop by content/apps.py).
ARTWORK_REQUESTS = ArtworkHandler()
NO_ARTWORK = Artwork(None, GeneratedImage.Provider.TEMPLATE, [])

STYLE_MOODS = {
    "SIMPLE": "minimal, calm, soft natural light, lots of clean empty space, muted pastel tones",
    "FANCY": "luxurious, festive, rich saturated colours, bokeh lights, gold accents, celebratory",
    "TRENDY": "bold, playful, pop-art, vivid colour blocking, Gen-Z social media aesthetic",
}


class JobPayloadInvalid(Exception):
    pass


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


def adopt_payload(job_id: str, payload: dict) -> None:
    """A message that carries a whole ImageGenerationJob (an external producer's) gives a row without one its
    payload; the row's own payload is what runs otherwise."""
    ImageJob.objects.filter(id=job_id, payload={}).update(payload=payload)


def run_generation_job(*, job_id: str, lease: JobLease | None = None, inline: bool = False) -> ImageJob | None:
    """Takes the job as far as this worker slot can. Idempotent: a finished job is left alone; a job interrupted
    mid-way resumes with what is missing.

    With AI providers configured, the styles' artwork is asked of them concurrently by the remote loop
    (content/artwork.py): the job is parked until every style has an answer, then composited here. ``inline``
    (eager Celery: no worker loop runs) follows those requests in this thread instead. Under a ``lease`` (the
    task's), each image is stored only while the lease is still this run's: a run that was presumed dead and
    taken over stops with :class:`~common.jobs.LeaseLost` instead of drawing twice.
    """
    job = ImageJob.objects.filter(id=job_id).first()
    if job is None:
        logger.error("content job %s does not exist", job_id)
        return None
    if job.is_finished:
        return job
    try:
        data = validated_payload(job.payload)
    except JobPayloadInvalid as exc:
        logger.error("content job %s: invalid payload: %s", job_id, exc)
        with transaction.atomic():
            failed = ImageJob.objects.filter(id=job_id, status__in=ImageJob.ACTIVE).update(
                status=ImageJob.Status.FAILED,
                error_code="INVALID_JOB_PAYLOAD",
                error_detail=INVALID_PAYLOAD_DETAIL(),
                completed_at=timezone.now(),
            )
            if failed:
                record_status_event(job_id=job_id)
        return None

    styles, platforms = data["styles"], data["platforms"]
    if job.status == ImageJob.Status.PENDING:
        with transaction.atomic():
            # Once per job: a run woken after its artwork (or resumed) finds it PROCESSING already.
            started = ImageJob.objects.filter(id=job.id, status=ImageJob.Status.PENDING).update(
                status=ImageJob.Status.PROCESSING,
                started_at=job.started_at or timezone.now(),
                images_total=len(styles) * len(platforms),
            )
            if started:
                record_status_event(job_id=job.id)
    info = data["eventInfo"]
    done = {(image.style, image.platform) for image in job.produced_images.all()}
    produced: list[GeneratedImage] = list(job.produced_images.all())
    missing_styles = [style for style in styles if any((style, platform) not in done for platform in platforms)]
    ai_configured = bool(configured_ai_providers())
    requests: list[ArtworkRequest] = []
    if ai_configured and missing_styles:
        extra = (data.get("regeneration") or {}).get("content", "")
        prompts = {style: artwork_prompt(info, style, extra) for style in missing_styles}
        requests = request_artwork(job=job, prompts=prompts, priority=int(data.get("priority") or DEFAULT_PRIORITY))
        if any(request.state != ArtworkRequest.State.DONE for request in requests):
            if not inline:
                return job  # parked: the last artwork's answer wakes the job
            follow_inline(ARTWORK_REQUESTS, [request.pk for request in requests])
            requests = list(ArtworkRequest.objects.filter(pk__in=[request.pk for request in requests]))
    artwork = {request.style: delivered(request) for request in requests}
    if lease is not None:
        lease.check()

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
    attempts = [
        f"{style}: {failure}" for style in missing_styles for failure in artwork.get(style, NO_ARTWORK).attempts
    ]
    if attempts:
        ImageJob.objects.filter(id=job.id).update(provider_attempts=[*job.provider_attempts, *attempts])

    for style in missing_styles:
        style_artwork = artwork.get(style, NO_ARTWORK)
        for platform in (platform for platform in platforms if (style, platform) not in done):
            rendered = render_event_image(event, style=style, platform=platform, artwork=style_artwork.image)
            image = GeneratedImage(
                merchant_id=job.merchant_id,
                job=job,
                event_draft_id=job.event_draft_id,
                style=style,
                platform=platform,
                width=rendered.width,
                height=rendered.height,
                provider=style_artwork.provider,
                fallback_used=ai_configured and style_artwork.image is None,
            )
            if lease is not None:
                lease.check()
            image.file_name = storage.save_image(image.id, labelled_event_image(rendered, image=image))
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
    discard_artwork(requests)
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
