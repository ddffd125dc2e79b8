"""Celery tasks of the try-on app (queue ``tryon``): thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from tryon import services


@shared_task(name="tryon.run_job", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_tryon_job_task(job_id: str) -> None:
    services.run_tryon_job(job_id=job_id)


@shared_task(name="tryon.purge_expired", acks_late=True, ignore_result=True)
def purge_expired_task() -> dict[str, int]:
    return services.purge_expired()
