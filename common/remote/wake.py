"""Parking a job on remote work, and waking it when that work is done."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from common.jobs import JobModel
from common.remote.handlers import following_inline
from common.tasks import QueueUnavailable, publish

logger = logging.getLogger(__name__)


def park(model: JobModel, job_id: Any, *, on: str, **fields: Any) -> None:
    """Marks the job as waiting on remote work (recovery leaves it alone until it is woken)."""
    model._default_manager.filter(pk=job_id).update(parked_on=on, **fields)


def wake(model: JobModel, job_ids: list[Any], *, task_name: str, options: dict[str, Any] | None = None) -> None:
    """In the caller's transaction: unparks the jobs and, after commit, publishes ``task_name`` for each.

    By name (common/tasks.py), so that the remote steps need not import the product's tasks; ``options`` are
    publishing options (e.g. a priority). A publish that fails leaves the job
    unparked with its ``enqueued_at``: the recovery task enqueues it again. Following inline (eager Celery),
    the task that waits carries on by itself and nothing is published.
    """
    if not job_ids:
        return
    model._default_manager.filter(pk__in=job_ids).update(parked_on="", enqueued_at=timezone.now())
    if following_inline():
        return

    def publish_all() -> None:
        for job_id in job_ids:
            try:
                publish(task_name, str(job_id), **(options or {}))
            except QueueUnavailable:  # broker down: recovery enqueues the job again
                logger.warning("could not wake a job", extra={"job_id": str(job_id)})

    transaction.on_commit(publish_all)
