"""Celery tasks of the Content Service (queue ``image-generation-job``). Thin: validate, call the pipeline."""

from __future__ import annotations

import logging

from celery import shared_task

from content.pipeline import fail_job, run_generation_job

logger = logging.getLogger(__name__)

MAX_RETRIES = 3


@shared_task(name="content.generate_images", bind=True, acks_late=True, reject_on_worker_lost=True)
def generate_images(self, payload: dict) -> None:  # type: ignore[no-untyped-def]
    """Consumes one ``ImageGenerationJob`` payload (generation or regeneration)."""
    try:
        run_generation_job(payload=payload)
    except Exception as exc:
        # Provider failures never get here (the template takes over): this is storage or database trouble.
        job_id = payload.get("jobId") if isinstance(payload, dict) else None
        if self.request.retries < MAX_RETRIES and not self.app.conf.task_always_eager:
            logger.warning("content job %s failed (%s); retrying", job_id, type(exc).__name__)
            raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
        logger.exception("content job %s failed for good", job_id)
        if job_id:
            fail_job(job_id=job_id, detail=f"이미지를 생성하거나 저장하지 못했습니다 ({type(exc).__name__}).")
