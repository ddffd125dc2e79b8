"""Celery tasks of the try-on app (queue ``tryon``): thin wrappers around services."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from tryon import services


@shared_task(name="tryon.run_job", bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_tryon_job_task(self: Task, job_id: str) -> None:
    max_retries = settings.TRYON_PROVIDER_LIMIT_RETRIES
    try:
        services.run_tryon_job(job_id=job_id, may_retry=self.request.retries < max_retries)
    except services.RetryLater as exc:
        raise self.retry(countdown=exc.countdown, max_retries=max_retries) from exc


@shared_task(name="tryon.purge_expired", acks_late=True, ignore_result=True)
def purge_expired_task() -> dict[str, int]:
    return services.purge_expired()
