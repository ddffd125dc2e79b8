"""Celery tasks of the Content Service (queue ``image-generation-job``). Thin: lease the job, run the pipeline."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from celery.exceptions import Retry

from common.jobs import (
    RecoveryPolicy,
    note_enqueued,
    recover_stalled_jobs,
    run_leased,
)
from common.tasks import RETRY_ON_TRANSIENT_DATABASE_ERRORS, TRANSIENT_DATABASE_ERRORS, publish
from content import retention
from content.constants import DEFAULT_PRIORITY, celery_priority
from content.models import GENERATION_CRASHED_DETAIL, ImageJob
from content.pipeline import adopt_payload, fail_job, run_generation_job

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


@shared_task(name=ImageJob.TASK, bind=True, **RETRY_ON_TRANSIENT_DATABASE_ERRORS)
def generate_images(self: Task, job: str | dict) -> None:
    """Runs one image job (generation or regeneration), named by its id; a message carrying a whole
    ``ImageGenerationJob`` payload (an external producer's) names it by its ``jobId``."""
    job_id = job.get("jobId") if isinstance(job, dict) else job
    if not isinstance(job_id, str):
        logger.error("content job message without a jobId dropped")
        return
    if isinstance(job, dict):
        adopt_payload(job_id, job)
    eager = bool(self.request.is_eager)
    try:
        run_leased(self, ImageJob, job_id, lambda lease: run_generation_job(job_id=job_id, lease=lease, inline=eager))
    except (Retry, *TRANSIENT_DATABASE_ERRORS):
        raise  # a lease held elsewhere, or a transient database error: retried by Celery
    except Exception as exc:
        # Provider failures never get here (the template takes over): this is storage or database trouble.
        if self.request.retries < MAX_RETRIES and not self.app.conf.task_always_eager:
            countdown = 2 ** (self.request.retries + 1)
            logger.warning("content job %s failed (%s); retrying", job_id, type(exc).__name__)
            note_enqueued(ImageJob, job_id, delay_seconds=countdown)
            raise self.retry(exc=exc, countdown=countdown) from exc
        logger.exception("content job %s failed for good", job_id)
        fail_job(job_id=job_id, detail=GENERATION_CRASHED_DETAIL(error=type(exc).__name__))


def enqueue_job(job_id: str) -> None:
    """Publishes the job (at its priority); raises QueueUnavailable when the broker is down."""
    job = ImageJob.objects.get(pk=job_id)
    publish(generate_images, job.pk, priority=celery_priority(job.payload.get("priority") or DEFAULT_PRIORITY))


RECOVERY = RecoveryPolicy(
    model=ImageJob,
    active_statuses=ImageJob.ACTIVE,
    enqueue=enqueue_job,
    fail=lambda job_id, message: fail_job(job_id=job_id, detail=message),
)


@shared_task(name="content.recover_stalled_jobs", ignore_result=True)
def recover_stalled_jobs_task() -> dict[str, int]:
    """Beat: content jobs whose worker died or whose message was lost are enqueued again (common/jobs.py)."""
    return recover_stalled_jobs(RECOVERY)


@shared_task(name="content.purge_orphaned_files", ignore_result=True)
def purge_orphaned_files_task() -> dict[str, int]:
    """Daily (beat): image and logo files no row refers to, once older than ORPHAN_FILE_GRACE_HOURS."""
    return retention.purge_orphaned_files()
