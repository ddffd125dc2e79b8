"""How long a job will take, from the durations of recent finished jobs (the API's estimatedCompletionTime)."""

from __future__ import annotations

import math

from content.models import ImageJob

# Until enough jobs have been measured.
DEFAULT_SECONDS_PER_IMAGE = 2.0
ESTIMATE_SAMPLE = 20


def estimate_seconds(*, image_count: int) -> int:
    """From the durations of recent finished jobs: queue wait plus seconds per image, times this job's size."""
    recent = list(
        ImageJob.objects.filter(
            status=ImageJob.Status.COMPLETED, from_cache=False, started_at__isnull=False, images_total__gt=0
        )
        .order_by("-completed_at")
        .values_list("created_at", "started_at", "completed_at", "images_total")[:ESTIMATE_SAMPLE]
    )
    if not recent:
        return max(1, math.ceil(DEFAULT_SECONDS_PER_IMAGE * image_count))
    waiting = working = 0.0
    for created, started, completed, _ in recent:
        assert started is not None and completed is not None  # the query reads started, finished jobs only
        waiting += (started - created).total_seconds()
        working += (completed - started).total_seconds()
    per_image = working / sum(total for *_, total in recent)
    return max(1, math.ceil(max(0.0, waiting / len(recent)) + per_image * image_count))


def remaining_seconds(job: ImageJob) -> int:
    total = job.images_total or len(job.payload.get("styles", [])) * len(job.payload.get("platforms", []))
    return estimate_seconds(image_count=max(1, total - job.images_done))
