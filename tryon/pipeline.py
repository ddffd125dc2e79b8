"""Running one try-on job: start it, run the configured engine, finish it (result, usage, webhook) once.

Tasks call :func:`run_tryon_job` under the job's lease (common/jobs.py); it takes the job as far as a worker
slot can and parks it on remote work (the product image's fetch, a FASHN prediction) that the worker's remote
loop follows (tryon/garments.py, tryon/remote.py). A run may be a resumption after its worker died: what was
stored (the fetched image, the prediction's id, its output) is used, never fetched or paid for twice.
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
from common.remote.follower import follow_inline
from common.remote.wake import park
from common.stored_text import StoredText
from tryon import storage
from tryon.events import TRYON_COMPLETED, TRYON_FAILED, TryOnCompletedDataSerializer, TryOnFailedDataSerializer
from tryon.garments import GarmentFetchHandler, GarmentUnavailable, prepared_garment
from tryon.labels import label_tryon_result
from tryon.models import EngineCall, TryOnJob
from tryon.providers import messages
from tryon.providers.base import EngineError, EngineResult, RemoteEngine, TryOnEngine
from tryon.providers.registry import configured_engine, is_remote
from tryon.remote import EngineCallHandler
from tryon.selectors import settings_for
from tryon.usage import record_usage
from webhooks.services import emit_event
from widget.analytics import record_widget_event, tryon_job_from_widget

logger = logging.getLogger(__name__)

# A failed job's error_message when the engine gave none.
GENERATION_FAILED = StoredText(gettext_noop("피팅 생성에 실패했습니다."))

# The remote calls a try-on waits on (registered with the worker's remote loop by tryon/apps.py).
GARMENT_FETCHES = GarmentFetchHandler()
ENGINE_CALLS = EngineCallHandler()


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


def run_tryon_job(*, job_id: str, lease: JobLease | None = None, inline: bool = False) -> None:
    """Takes the job as far as this worker slot can. Idempotent and resumable: a finished job is left as it is.

    Network waits never happen here: without a fresh product image, or with a remote engine (FASHN), the job is
    parked on a remote call that the worker's remote loop follows and that wakes the job (this task again) when
    done. ``inline`` (eager Celery: no worker loop runs) follows those calls here instead. Under a ``lease``,
    a run taken over by another worker stops at its next check (:class:`~common.jobs.LeaseLost`).
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
    if is_remote(engine) and EngineCall.objects.filter(job=job).exists():
        _follow_remote(job, engine, inline=inline)  # submitted: the product image is no longer needed
        return
    try:
        garment = prepared_garment(job)
        if garment is None and inline:
            follow_inline(GARMENT_FETCHES, [job.garment_id])
            garment = prepared_garment(job)
    except GarmentUnavailable as exc:
        finish(job, result=None, error=exc.message, metadata={"errorCode": exc.code})
        return
    if garment is None:
        return  # parked: the fetch wakes the job
    if lease is not None:
        lease.check()
    if is_remote(engine):
        with transaction.atomic():
            EngineCall.objects.create(job=job, merchant_id=job.merchant_id, provider=engine.provider)
            park(TryOnJob, job.pk, on="engine")
            TryOnJob.objects.filter(pk=job.pk, progress__lt=10).update(progress=10)
        _follow_remote(job, engine, inline=inline)
    else:
        _run_here(job, engine, garment, lease)


def _run_here(job: TryOnJob, engine: TryOnEngine, garment: bytes, lease: JobLease | None) -> None:
    """An engine that works in this slot (the offline preview: CPU only)."""
    last_reported = [job.progress]

    def report_progress(percent: int) -> None:
        if lease is not None:
            lease.check()
        percent = max(0, min(99, int(percent)))
        if percent > last_reported[0]:
            last_reported[0] = percent
            TryOnJob.objects.filter(pk=job.pk, status=TryOnJob.Status.PROCESSING).update(progress=percent)

    try:
        person = storage.read_file(job.person_image)
    except (OSError, ValueError):
        finish(job, result=None, error=messages.INPUTS_GONE())
        return
    try:
        result = engine.run(person=person, garment=garment, category=job.category, report_progress=report_progress)
    except EngineError as exc:
        logger.warning("try-on engine failed", extra={"job_id": str(job.pk), "code": exc.code})
        finish(job, result=None, error=exc.message, metadata={"engine": engine.name, "errorCode": exc.code})
        return
    finish(job, result=result, metadata=result.metadata)


def _follow_remote(job: TryOnJob, engine: RemoteEngine, *, inline: bool) -> None:
    """A job submitted to a remote engine: finished once its call is done, else left to the remote loop."""
    call = EngineCall.objects.get(job=job)
    if call.state != EngineCall.State.DONE:
        if not inline:
            return  # parked; a duplicate message finds the call under way and leaves it
        follow_inline(ENGINE_CALLS, [call.pk])
        call.refresh_from_db()
    if call.error_message:
        metadata = {"engine": engine.name, "errorCode": call.error_code}
        finish(job, result=None, error=call.error_message, metadata=metadata)
        return
    try:
        output = storage.read_file(call.output_file)
        result = engine.result_from_output(output, prediction_id=call.remote_id)
    except (OSError, ValueError):
        finish(job, result=None, error=messages.INPUTS_GONE())
        return
    except EngineError as exc:
        finish(job, result=None, error=exc.message, metadata={"engine": engine.name, "errorCode": exc.code})
        return
    finally:
        storage.delete_file(call.output_file)
    finish(job, result=result, metadata=result.metadata)
