"""Celery tasks of the try-on app (queue ``tryon``): lease the job, call the pipeline; retention; recovery."""

from __future__ import annotations

import logging

from celery import Task, shared_task

from common.jobs import RecoveryPolicy, recover_stalled_jobs, run_leased
from common.tasks import RETRY_ON_TRANSIENT_DATABASE_ERRORS
from tryon import pipeline, services
from tryon.models import TryOnJob

logger = logging.getLogger(__name__)


@shared_task(name=TryOnJob.TASK, bind=True, ignore_result=True, **RETRY_ON_TRANSIENT_DATABASE_ERRORS)
def run_tryon_job_task(self: Task, job_id: str) -> None:
    eager = bool(self.request.is_eager)
    run_leased(self, TryOnJob, job_id, lambda lease: pipeline.run_tryon_job(job_id=job_id, lease=lease, inline=eager))


@shared_task(name="tryon.purge_expired", ignore_result=True)
def purge_expired_task() -> dict[str, int]:
    return services.purge_expired()


@shared_task(name="tryon.purge_orphaned_files", ignore_result=True)
def purge_orphaned_files_task() -> dict[str, int]:
    """Daily (beat): photos and results no job refers to, once older than ORPHAN_FILE_GRACE_HOURS."""
    return services.purge_orphaned_files()


RECOVERY = RecoveryPolicy(
    model=TryOnJob, active_statuses=TryOnJob.ACTIVE, enqueue=services.enqueue_job, fail=pipeline.fail
)


@shared_task(name="tryon.recover_stalled_jobs", ignore_result=True)
def recover_stalled_jobs_task() -> dict[str, int]:
    """Beat: try-on jobs whose worker died or whose message was lost are enqueued again (common/jobs.py)."""
    return recover_stalled_jobs(RECOVERY)
