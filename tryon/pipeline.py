"""Running one try-on job: start it, run the configured engine, finish it (result, usage, webhook) once.

Tasks call :func:`run_tryon_job` under the job's lease (common/jobs.py). A run may be a resumption after its
worker died: an engine that already submitted a paid prediction (FASHN) polls that prediction again instead
of submitting a second one.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from common import metrics
from common.jobs import JobLease
from common.stored_text import StoredText
from tryon import storage
from tryon.labels import label_tryon_result
from tryon.models import TryOnJob
from tryon.providers.base import EngineError, EngineResult
from tryon.providers.registry import configured_engine
from tryon.selectors import settings_for
from tryon.usage import record_usage
from webhooks.events import TRYON_COMPLETED, TRYON_FAILED, TryOnCompletedDataSerializer, TryOnFailedDataSerializer
from webhooks.services import emit_event
from widget.analytics import record_widget_event, tryon_job_from_widget

logger = logging.getLogger(__name__)

# A failed job's error_message when the engine gave none, and when the shopper's photo was gone.
GENERATION_FAILED = StoredText(gettext_noop("피팅 생성에 실패했습니다."))
INPUTS_GONE = StoredText(gettext_noop("입력 이미지가 더 이상 존재하지 않습니다."))


class RetryLater(Exception):
    """The engine hit a provider limit that passes: the task should run again after ``countdown`` seconds."""

    def __init__(self, countdown: float) -> None:
        super().__init__(countdown)
        self.countdown = countdown


def start(job_id: str, engine_name: str) -> TryOnJob | None:
    with transaction.atomic():
        job = TryOnJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.is_finished:
            return None  # deleted, or already done by an earlier delivery of this task
        job.status = TryOnJob.Status.PROCESSING
        job.engine = engine_name
        job.started_at = job.started_at or timezone.now()
        job.progress = max(job.progress, 5)
        job.save(update_fields=["status", "engine", "started_at", "progress"])
        return job


def finish(job: TryOnJob, *, result: EngineResult | None, error: str = "", metadata: dict | None = None) -> None:
    """Marks the job finished, counts it and emits its event in one transaction; then drops the inputs.

    Exactly once: of two runs finishing the same job, the second finds it finished and discards its result.
    """
    result_name = ""
    if result is not None:
        result = label_tryon_result(job=job, result=result)
        result_name = storage.save_file(
            f"results/{job.merchant_id}/{job.id}-{secrets.token_hex(8)}.{result.extension}", result.image
        )
    try:
        with transaction.atomic():
            locked = TryOnJob.objects.select_for_update().get(pk=job.pk)
            if locked.is_finished:
                storage.delete_file(result_name)
                return
            now = timezone.now()
            locked.finished_at = now
            locked.progress = 100
            locked.metadata = {**locked.metadata, **(metadata or {})}
            if result is not None:
                retention = settings_for(merchant=locked.merchant).result_retention_days
                locked.status = TryOnJob.Status.COMPLETED
                locked.result_image = result_name
                locked.result_expires_at = now + timedelta(days=retention)
            else:
                locked.status = TryOnJob.Status.FAILED
                locked.error_message = (error or GENERATION_FAILED())[:500]
            locked.save()
            record_usage(merchant=locked.merchant, field="completed" if result is not None else "failed")
            if result is not None and tryon_job_from_widget(locked):
                record_widget_event(merchant_id=locked.merchant_id, event="completed")
            if result is not None:
                emit_event(
                    merchant=locked.merchant,
                    event_type=TRYON_COMPLETED,
                    data=TryOnCompletedDataSerializer.of(
                        locked, result_image_url=storage.signed_file_url(locked.result_image)
                    ),
                )
            else:
                emit_event(merchant=locked.merchant, event_type=TRYON_FAILED, data=TryOnFailedDataSerializer.of(locked))
    except BaseException:
        storage.delete_file(result_name)
        raise
    metrics.job_finished("tryon", locked.status, locked.created_at, locked.finished_at)
    delete_inputs(locked)
    logger.info("try-on job finished", extra={"job_id": str(job.pk), "status": locked.status, "engine": job.engine})


def fail(job_id: Any, message: str) -> None:
    job = TryOnJob.objects.filter(pk=job_id).first()
    if job is not None:
        finish(job, result=None, error=message)


def delete_inputs(job: TryOnJob) -> None:
    """Deletes the shopper's photo (and the garment copy) of a finished job: privacy first."""
    if not (job.person_image or job.garment_image):
        return
    storage.delete_file(job.person_image)
    storage.delete_file(job.garment_image)
    TryOnJob.objects.filter(pk=job.pk).update(person_image="", garment_image="")


def run_tryon_job(*, job_id: str, may_retry: bool = False, lease: JobLease | None = None) -> None:
    """Runs the configured engine on a job. Idempotent: a finished job is left as it is.

    With ``may_retry``, a passing provider limit (rate or concurrency) raises :class:`RetryLater` and leaves
    the job PROCESSING; otherwise it fails the job. Under a ``lease``, a run taken over by another worker
    stops at its next progress report (:class:`~common.jobs.LeaseLost`).
    """
    try:
        engine = configured_engine()
    except EngineError as exc:
        job = TryOnJob.objects.filter(pk=job_id).first()
        if job is not None and not job.is_finished:
            finish(job, result=None, error=exc.message)
        return
    job = start(job_id, engine.name)
    if job is None:
        return
    last_reported = [job.progress]

    def report_progress(percent: int) -> None:
        if lease is not None:
            lease.check()
        percent = max(0, min(99, int(percent)))
        if percent > last_reported[0]:
            last_reported[0] = percent
            TryOnJob.objects.filter(pk=job.pk, status=TryOnJob.Status.PROCESSING).update(progress=percent)

    def remember_submission(provider_job_id: str) -> None:
        TryOnJob.objects.filter(pk=job.pk).update(provider_job_id=provider_job_id)

    try:
        person = storage.read_file(job.person_image)
        garment = storage.read_file(job.garment_image)
    except (OSError, ValueError):
        finish(job, result=None, error=INPUTS_GONE())
        return
    try:
        result = engine.run(
            person=person,
            garment=garment,
            category=job.category,
            report_progress=report_progress,
            resume_id=job.provider_job_id or None,
            on_submitted=remember_submission,
        )
    except EngineError as exc:
        if exc.retry_after is not None and may_retry:
            logger.info("try-on engine limited, retrying", extra={"job_id": str(job.pk), "code": exc.code})
            retries = int(job.metadata.get("providerRetries", 0)) + 1
            TryOnJob.objects.filter(pk=job.pk).update(metadata={**job.metadata, "providerRetries": retries})
            raise RetryLater(exc.retry_after) from exc
        logger.warning("try-on engine failed", extra={"job_id": str(job.pk), "code": exc.code})
        finish(job, result=None, error=exc.message, metadata={"engine": engine.name, "errorCode": exc.code})
        return
    finish(job, result=result, metadata=result.metadata)
