"""Retention of try-on data: results past their merchant's retention, and inputs a finished job left behind."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from common.retention import delete_orphaned_files
from tryon import storage
from tryon.job_status import finished_job_bodies
from tryon.models import EngineCall, GarmentImage, TryOnFeedback, TryOnJob
from tryon.pipeline import delete_inputs

logger = logging.getLogger(__name__)


def purge_expired(*, now: datetime | None = None) -> dict[str, int]:
    """Deletes results past their merchant's retention period (never while a share link lives) and leftover
    input photos of finished jobs. Unfinished jobs are the recovery task's (common/jobs.py), never failed here."""
    now = now or timezone.now()
    leftovers = 0
    for job in TryOnJob.objects.filter(status__in=TryOnJob.FINISHED).exclude(person_image="", garment_image=""):
        delete_inputs(job)
        leftovers += 1
    purged = 0
    expired = TryOnJob.objects.filter(result_expires_at__lte=now, result_deleted_at__isnull=True).exclude(
        result_image=""
    )
    for job in expired:
        live_until = (
            job.share_links.filter(expires_at__gt=now)
            .order_by("-expires_at")
            .values_list("expires_at", flat=True)
            .first()
        )
        if live_until is not None:
            TryOnJob.objects.filter(pk=job.pk).update(result_expires_at=live_until)
            finished_job_bodies.retire([job.pk])
            continue
        storage.delete_file(job.result_image)
        TryOnJob.objects.filter(pk=job.pk).update(result_image="", result_deleted_at=now)
        finished_job_bodies.retire([job.pk])
        purged += 1
    texts = TryOnFeedback.objects.filter(
        created_at__lt=now - timedelta(days=settings.FEEDBACK_TEXT_RETENTION_DAYS)
    ).exclude(reason="")
    reasons = texts.update(reason="")
    garments = purge_unused_garments(now=now)
    if leftovers or purged or reasons or garments:
        logger.info(
            "try-on retention",
            extra={
                "inputs_deleted": leftovers,
                "results_deleted": purged,
                "feedback_texts_cleared": reasons,
                "product_images_deleted": garments,
            },
        )
    return {
        "inputsDeleted": leftovers,
        "resultsDeleted": purged,
        "feedbackTextsCleared": reasons,
        "productImagesDeleted": garments,
    }


def purge_unused_garments(*, now: datetime) -> int:
    """Cached product images no try-on used for TRYON_GARMENT_KEEP_DAYS (none is being fetched)."""
    unused = GarmentImage.objects.filter(
        state=GarmentImage.State.DONE, last_used_at__lt=now - timedelta(days=settings.TRYON_GARMENT_KEEP_DAYS)
    )
    deleted = 0
    for entry in unused:
        if GarmentImage.objects.filter(pk=entry.pk, state=GarmentImage.State.DONE).delete()[0]:
            storage.delete_file(entry.fetched_file)
            storage.delete_file(entry.prepared_file)
            deleted += 1
    return deleted


def _referenced(names: list[str]) -> set[str]:
    jobs = TryOnJob.objects.filter(
        Q(person_image__in=names) | Q(garment_image__in=names) | Q(result_image__in=names)
    ).values_list("person_image", "garment_image", "result_image")
    outputs = EngineCall.objects.filter(output_file__in=names).values_list("output_file", flat=True)
    garments = GarmentImage.objects.filter(Q(fetched_file__in=names) | Q(prepared_file__in=names)).values_list(
        "fetched_file", "prepared_file"
    )
    return {name for row in [*jobs, *garments] for name in row if name} | set(outputs)


def purge_orphaned_files() -> dict[str, int]:
    """Photos, results, FASHN outputs and product images no row refers to (a crash between storing a file and
    committing its row)."""
    grace = timedelta(hours=settings.ORPHAN_FILE_GRACE_HOURS)
    backend = storage.tryon_storage()
    return {
        folder: delete_orphaned_files(backend, folder, referenced=_referenced, grace=grace)
        for folder in ("jobs", "results", "garments")
    }
