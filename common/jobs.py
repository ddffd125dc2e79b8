"""Jobs that survive their worker: a lease renewed while a job runs, and recovery of the ones left behind.

The brokers cannot be relied on to hand a killed worker's job to another one: kombu's filesystem transport
(the embedded default) deletes a message when it is fetched, and Redis gives an unacknowledged message back
only after its visibility timeout (an hour). So recovery works from our own rows (``RecoverableJob``):

- a task runs a job only inside :func:`job_lease`; a thread renews the lease every third of
  ``JOB_LEASE_SECONDS`` and notices when another worker has taken the job over (``lease.lost``);
- :func:`recover_stalled_jobs` (beat, every ``JOB_RECOVERY_INTERVAL_SECONDS``) enqueues again the jobs whose
  lease ran out (their worker died) and the unleased ones whose message seems lost, and fails a job once it
  was recovered ``JOB_MAX_RECOVERIES`` times.

Two messages for one job are harmless: only one task can hold the lease, the other returns at once. The
pipelines resume from what the first run stored.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import F, Model, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from common.stored_text import StoredText

logger = logging.getLogger(__name__)

# A concrete job model with the RecoverableJob fields plus its own ``status`` and ``created_at`` (content's
# ImageJob, tryon's TryOnJob); typed as any model, since the abstract base cannot declare the last two.
JobModel = type[Model]

RECOVERY_BATCH = 200
# The failure a job gets after too many recoveries (stored with the job, shown by the API and the dashboard).
GAVE_UP = StoredText(gettext_noop("작업을 처리하던 워커가 반복해서 중단되어 작업을 취소했습니다."))
# A PENDING job's wait before it is enqueued again doubles with each recovery, up to this many doublings.
MAX_BACKOFF_DOUBLINGS = 5


class LeaseUnavailable(Exception):
    """The job is finished or gone: this message has nothing left to do."""


class LeaseHeld(LeaseUnavailable):
    """Another worker holds the job's lease: try again once it would have run out (``retry_in`` seconds).

    That worker may be alive (this message is a duplicate: the retry then finds the job finished) or dead
    (e.g. a pool process killed mid-job, whose message the broker handed back at once).
    """

    def __init__(self, job: str, retry_in: float) -> None:
        super().__init__(job)
        self.retry_in = retry_in


class LeaseLost(Exception):
    """Another worker took the job over (this one was presumed dead): stop without writing more results."""


def _lease_duration() -> timedelta:
    return timedelta(seconds=settings.JOB_LEASE_SECONDS)


def _new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


class JobLease:
    """The lease of one running job. ``check()`` raises :class:`LeaseLost` once another worker took it over."""

    def __init__(self, model: JobModel, job_id: Any, owner: str) -> None:
        self.model = model
        self.job_id = job_id
        self.owner = owner
        self.lost = False
        # A run that hangs (a read with no timeout, a deadlock) must not keep its job forever: past this the
        # heartbeat stops renewing, the lease runs out and the job is recovered like a dead worker's.
        self.renew_until = time.monotonic() + settings.JOB_MAX_RUNTIME_SECONDS
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> None:
        if self.lost:
            raise LeaseLost(f"{self.model.__name__} {self.job_id} was taken over by another worker")

    def renew(self) -> bool:
        renewed = self.model._default_manager.filter(pk=self.job_id, lease_owner=self.owner).update(
            lease_expires_at=timezone.now() + _lease_duration()
        )
        if not renewed:
            self.lost = True
        return bool(renewed)

    def _heartbeat(self) -> None:
        interval = max(0.2, settings.JOB_LEASE_SECONDS / 3)
        try:
            while not self._stop.wait(interval):
                if time.monotonic() > self.renew_until:
                    logger.error(
                        "job ran past JOB_MAX_RUNTIME_SECONDS; lease left to expire", extra={"job_id": str(self.job_id)}
                    )
                    return
                try:
                    if not self.renew():
                        logger.warning("job lease lost", extra={"job_id": str(self.job_id), "owner": self.owner})
                        return
                except Exception:  # a passing database error: the next beat tries again before the lease runs out
                    logger.warning("job lease renewal failed", exc_info=True, extra={"job_id": str(self.job_id)})
        finally:
            connections.close_all()  # this thread's own connections

    def start_heartbeat(self) -> None:
        self._thread = threading.Thread(target=self._heartbeat, name=f"lease-{self.job_id}", daemon=True)
        self._thread.start()

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.model._default_manager.filter(pk=self.job_id, lease_owner=self.owner).update(
            lease_owner="", lease_expires_at=None
        )


@contextlib.contextmanager
def job_lease(
    model: JobModel, job_id: Any, *, active_statuses: tuple[str, ...], heartbeat: bool = True
) -> Iterator[JobLease]:
    """Runs the block holding the job's lease; raises :class:`LeaseUnavailable` when it cannot be had.

    ``heartbeat`` is off for tasks run eagerly (tests, debugging): there is no other worker to hand over to,
    and a thread with its own database connection would not see the caller's uncommitted rows.
    """
    owner = _new_owner()
    now = timezone.now()
    taken = (
        model._default_manager.filter(pk=job_id, status__in=active_statuses)
        .filter(Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now))
        .update(lease_owner=owner, lease_expires_at=now + _lease_duration())
    )
    if not taken:
        held_until = (
            model._default_manager.filter(pk=job_id, status__in=active_statuses, lease_expires_at__isnull=False)
            .values_list("lease_expires_at", flat=True)
            .first()
        )
        if held_until is not None:
            raise LeaseHeld(f"{model.__name__} {job_id}", retry_in=max(1.0, (held_until - now).total_seconds() + 1))
        raise LeaseUnavailable(f"{model.__name__} {job_id}")
    lease = JobLease(model, job_id, owner)
    if heartbeat:
        lease.start_heartbeat()
    try:
        yield lease
    finally:
        lease.release()


# Waits for a lease held elsewhere (each about JOB_LEASE_SECONDS); past them the recovery task takes over.
LEASE_WAIT_RETRIES = 30


def run_leased(task: Any, model: Any, job_id: Any, run: Callable[[JobLease], object]) -> None:
    """What a job's Celery task does around its work: ``run(lease)`` under the job's lease (``model`` is a
    :class:`~common.models.RecoverableJob` model).

    A lease held elsewhere retries the task once it would have run out (that worker may be dead); a finished or
    deleted job drops the message; a run taken over by another worker stops. Eager tasks (tests) have no other
    worker to hand over to: no heartbeat thread, whose connection would not see the caller's rows.
    """
    name = model.__name__
    try:
        with job_lease(model, job_id, active_statuses=model.ACTIVE, heartbeat=not task.request.is_eager) as lease:
            run(lease)
    except LeaseHeld as held:
        note_enqueued(model, job_id, delay_seconds=held.retry_in)
        raise task.retry(countdown=held.retry_in, max_retries=LEASE_WAIT_RETRIES) from held
    except LeaseUnavailable:
        logger.info("%s finished or gone; message dropped", name, extra={"job_id": str(job_id)})
    except LeaseLost:
        logger.warning("%s taken over by another worker; this run stops", name, extra={"job_id": str(job_id)})


def note_enqueued(model: JobModel, job_id: Any, *, delay_seconds: float = 0) -> None:
    """Records that a message for the job was published (to run after ``delay_seconds``)."""
    model._default_manager.filter(pk=job_id).update(enqueued_at=timezone.now() + timedelta(seconds=delay_seconds))


@dataclass(frozen=True)
class RecoveryPolicy:
    """How one app's jobs are recovered: which statuses are unfinished, how to enqueue and how to fail one."""

    model: JobModel
    active_statuses: tuple[str, ...]
    enqueue: Callable[[Any], None]
    fail: Callable[[Any, str], None]


def _pending_wait(recovery_count: int) -> timedelta:
    return timedelta(seconds=settings.JOB_PENDING_RECOVERY_SECONDS * 2 ** min(recovery_count, MAX_BACKOFF_DOUBLINGS))


def _looks_lost(job: Any, now: datetime) -> bool:
    if job.lease_expires_at is not None:
        return job.lease_expires_at < now  # its worker stopped renewing: dead
    queued_at = job.enqueued_at or job.created_at
    return queued_at < now - _pending_wait(job.recovery_count)


def recover_stalled_jobs(policy: RecoveryPolicy) -> dict[str, int]:
    """Enqueues again the unfinished jobs whose worker died or whose message was lost; fails hopeless ones."""
    now = timezone.now()
    model = policy.model
    earliest_wait = now - _pending_wait(0)
    candidates: Any = (
        # A parked job waits on remote work that wakes it (common/remote/), however long its queue is.
        model._default_manager.filter(status__in=policy.active_statuses, parked_on="")
        .filter(
            Q(lease_expires_at__lt=now)
            | Q(lease_expires_at__isnull=True, enqueued_at__lt=earliest_wait)
            | Q(lease_expires_at__isnull=True, enqueued_at__isnull=True, created_at__lt=earliest_wait)
        )
        .order_by("created_at")[:RECOVERY_BATCH]
    )
    requeued = failed = 0
    for job in candidates:
        if not _looks_lost(job, now):
            continue
        # Conditional on what was read: of two concurrent recoveries (or a worker starting it now) one wins.
        claimed = model._default_manager.filter(
            pk=job.pk,
            status=job.status,
            lease_expires_at=job.lease_expires_at,
            enqueued_at=job.enqueued_at,
            recovery_count=job.recovery_count,
        ).update(recovery_count=F("recovery_count") + 1, enqueued_at=now, lease_owner="", lease_expires_at=None)
        if not claimed:
            continue
        context = {"job_id": str(job.pk), "recoveries": job.recovery_count + 1, "status": job.status}
        if job.recovery_count + 1 > settings.JOB_MAX_RECOVERIES:
            logger.error("job failed after repeated recoveries", extra=context)
            policy.fail(job.pk, GAVE_UP())
            failed += 1
            continue
        try:
            policy.enqueue(job.pk)
        except Exception:  # broker down: the row keeps its new enqueued_at and is tried again next round
            logger.warning("could not enqueue a recovered job", exc_info=True, extra=context)
            continue
        logger.warning("stalled job enqueued again", extra=context)
        requeued += 1
    return {"requeued": requeued, "failed": failed}
