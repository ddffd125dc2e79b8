"""The status relay: sends the outbox of job status events to ``KAFKA_STATUS_TOPIC``.

It runs beside the intake consumer in every ``kafka`` process, but only one relay sends at a time (a
PostgreSQL advisory lock held by its connection, or a file lock under ``VAR_DIR`` on SQLite): a relay that
dies frees the lock with its connection and another takes over. Rows go out oldest first, keyed by job id
(one partition per job), through an idempotent producer, and are marked sent once acknowledged. A job's next
event is sent only after its previous one was acknowledged, so each job's events arrive in order; a record
the broker stored but did not acknowledge in time is sent again (consumers deduplicate on ``eventId``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from confluent_kafka import KafkaError, Message, Producer
from django.conf import settings
from django.core.files import locks
from django.db import DatabaseError, connection, connections
from django.utils import timezone

from content.kafka import metrics
from content.kafka.config import producer_config
from content.kafka.models import JobStatusEvent
from content.kafka.status_events import EVENT_TYPE

logger = logging.getLogger(__name__)

BATCH = 500
PURGE_EVERY_SECONDS = 600
# Arbitrary, fixed: the advisory lock's key among this database's locks ("content-status" in ASCII, 64 bits).
ADVISORY_LOCK_KEY = 0x636F6E7473746174


class RelayLock:
    """One relay at a time, for as long as its process (and, on PostgreSQL, its connection) lives."""

    def __init__(self) -> None:
        self.locked_connection: Any = None
        self.file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        if connection.vendor == "postgresql":
            # A connection Django replaced (after an error) no longer holds the lock.
            return self.locked_connection is not None and self.locked_connection is connection.connection
        return self.file is not None

    def acquire(self) -> bool:
        if self.held:
            return True
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
                taken = bool(cursor.fetchone()[0])
            self.locked_connection = connection.connection if taken else None
            return taken
        handle = (Path(settings.VAR_DIR) / "kafka-status-relay.lock").open("a+b")
        if locks.lock(handle, locks.LOCK_EX | locks.LOCK_NB):
            self.file = handle
            return True
        handle.close()
        return False

    def release(self) -> None:
        if self.file is not None:
            locks.unlock(self.file)
            self.file.close()
            self.file = None
        self.locked_connection = None  # the advisory lock goes with the connection, closed after this


def headers_of(event: dict[str, Any]) -> list[tuple[str, str | bytes | None]]:
    return [
        (settings.KAFKA_MERCHANT_HEADER, str(event["merchant_id"])),
        ("content-type", "application/json"),
        ("event-type", EVENT_TYPE),
    ]


class StatusRelay:
    def __init__(self, *, stop: threading.Event, producer: Producer | None = None) -> None:
        self.stop = stop
        self.producer = producer or Producer(producer_config("status"), logger=logger)
        self.lock = RelayLock()
        self.next_purge = 0.0
        self.failures = 0

    def run(self) -> None:
        logger.info("status relay started for %s", settings.KAFKA_STATUS_TOPIC)
        try:
            while not self.stop.is_set():
                self.stop.wait(self.step())
        finally:
            self.producer.flush(5)
            self.lock.release()
            connections.close_all()

    def step(self) -> float:
        """One round; returns how long to wait before the next."""
        try:
            if not self.lock.acquire():
                return 1.0  # another relay sends; stand by
            sent = self.send_batch()
            self.purge_if_due()
        except Exception as exc:  # the database or Kafka away, or worse: the relay waits and tries again
            self.failures += 1
            delay = min(settings.KAFKA_RETRY_MAX_SECONDS, 0.5 * 2 ** min(self.failures - 1, 16))
            if isinstance(exc, DatabaseError | RelayFailed):
                logger.warning("status relay: %s; next attempt in %.1f s", type(exc).__name__, delay)
            else:
                logger.exception("status relay failed; next attempt in %.1f s", delay)
            self.lock.release()
            connections.close_all()
            return delay
        self.failures = 0
        return 0.0 if sent else settings.KAFKA_STATUS_POLL_SECONDS

    def send_batch(self) -> int:
        unsent = JobStatusEvent.objects.filter(sent_at__isnull=True).order_by("id")
        rows: list[dict[str, Any]] = [
            dict(row) for row in unsent.values("id", "job_id", "merchant_id", "value")[:BATCH]
        ]
        # One event per job per round: the next goes only after this one is acknowledged (order per job).
        first_of_job: dict[str, dict[str, Any]] = {}
        for row in rows:
            first_of_job.setdefault(row["job_id"], row)
        rows = list(first_of_job.values())
        if not rows:
            return 0
        acknowledged: list[int] = []
        failures: list[KafkaError] = []

        def delivered_for(row_id: int) -> Callable[[KafkaError | None, Message], None]:
            def delivered(error: KafkaError | None, _message: Message) -> None:
                if error is None:
                    acknowledged.append(row_id)
                else:
                    failures.append(error)

            return delivered

        for row in rows:
            self.producer.produce(
                settings.KAFKA_STATUS_TOPIC,
                key=row["job_id"].encode(),
                value=row["value"].encode(),
                headers=headers_of(row),
                on_delivery=delivered_for(row["id"]),
            )
        # Waits until every record is acknowledged or failed (message.timeout.ms), in steps so SIGTERM is heard.
        while len(self.producer) and not self.stop.is_set():
            self.producer.flush(1.0)
        if acknowledged:
            JobStatusEvent.objects.filter(id__in=acknowledged).update(sent_at=timezone.now())
            metrics.STATUS_EVENTS_SENT.inc(len(acknowledged))
        if failures:
            raise RelayFailed(f"{len(failures)} status events not acknowledged: {failures[0].str()}")
        return len(acknowledged)

    def purge_if_due(self) -> None:
        now = time.monotonic()
        if now < self.next_purge:
            return
        self.next_purge = now + PURGE_EVERY_SECONDS
        cutoff = timezone.now() - timedelta(hours=settings.KAFKA_STATUS_RETENTION_HOURS)
        old = JobStatusEvent.objects.filter(sent_at__lt=cutoff).values_list("id", flat=True)[:10000]
        deleted, _ = JobStatusEvent.objects.filter(id__in=list(old)).delete()
        if deleted:
            logger.info(
                "status relay: %d sent events older than %d h deleted", deleted, settings.KAFKA_STATUS_RETENTION_HOURS
            )


class RelayFailed(Exception):
    pass
