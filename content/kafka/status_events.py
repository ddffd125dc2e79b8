"""Status events of every content job, Kafka- or API-born: PROCESSING, COMPLETED and FAILED.

Each is recorded as an outbox row (:class:`~content.kafka.models.JobStatusEvent`) by :func:`record_status_event`,
called inside the transaction that changes the job's status, so an event exists exactly when the change was
committed; content/kafka/relay.py sends the rows to ``KAFKA_STATUS_TOPIC``. The event's value is the body
``GET /api/content/images/jobs/{jobId}`` answered at that moment (a COMPLETED event lists the images exactly
as the endpoint shows them) plus the event's own fields.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings

from common.status_cache import render_json
from common.timestamps import now_iso_z
from content.kafka.models import JobStatusEvent
from content.models import ImageJob
from content.responses import ImageGenerationStatusResponseSerializer

EVENT_TYPE = "IMAGE_JOB_STATUS"


def status_events_enabled() -> bool:
    return bool(settings.KAFKA_BOOTSTRAP_SERVERS and settings.KAFKA_STATUS_TOPIC)


def event_body(job: ImageJob) -> dict[str, Any]:
    return {
        "eventId": str(uuid.uuid4()),
        "eventType": EVENT_TYPE,
        "occurredAt": now_iso_z(),
        "eventDraftId": job.event_draft_id,
        **ImageGenerationStatusResponseSerializer(job).data,
    }


def event_value(job: ImageJob) -> str:
    return render_json(event_body(job)).decode()


def record_status_event(*, job_id: str) -> None:
    """Records the job's current status as an event, once per status; call it inside the transaction that
    changed the status. Does nothing while status events are off (no Kafka configured)."""
    if not status_events_enabled():
        return
    job = ImageJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in JobStatusEvent.Status.values:
        return
    if JobStatusEvent.objects.filter(job_id=job_id, status=job.status).exists():
        return  # a resumed run reaching PROCESSING again: announced already
    event = JobStatusEvent(job=job, merchant_id=job.merchant_id, status=job.status, value=event_value(job))
    # A concurrent run recording the same status wins the unique constraint; this one is then no news.
    JobStatusEvent.objects.bulk_create([event], ignore_conflicts=True)
