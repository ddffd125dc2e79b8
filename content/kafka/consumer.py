"""The intake consumer: a member of ``KAFKA_GROUP_ID`` on ``KAFKA_JOB_TOPIC``, at least once.

- An offset is stored (``enable.auto.offset.store=false``) only once every record of its batch is settled: its
  job row committed, or its dead letter acknowledged. librdkafka commits stored offsets every second, when
  partitions are revoked (the rebalance callback commits too) and on close.
- A fault of our own (database, Redis, broker, the dead-letter topic) pauses the assigned partitions and
  retries the same records after 0.5 s, doubling up to ``KAFKA_RETRY_MAX_SECONDS``: nothing is skipped and
  nothing dead-lettered for it. Pausing keeps the consumer in its group (``poll`` goes on serving rebalances).
- SIGTERM (``stop``) lets the batch in hand finish, stores its offsets, then ``close()`` commits them and
  leaves the group, so the partitions move to another member at once.
- Every ``KAFKA_REPORT_SECONDS`` the consumer reports its partitions, their lag and whether it is retrying
  (content/kafka/health.py) for ``/readyz`` and ``/metrics``.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition
from django.conf import settings
from django.db import connections

from content.kafka import metrics
from content.kafka.config import consumer_config, producer_config
from content.kafka.dead_letter import DeadLetters
from content.kafka.health import forget_consumer, report_consumer
from content.kafka.intake import OWN_FAULTS, Intake, record_key

logger = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 0.5
# How long a consume() or poll() blocks: SIGTERM and reports are looked at between calls.
POLL_SECONDS = 0.5


class IntakeConsumer:
    def __init__(self, *, stop: threading.Event) -> None:
        self.stop = stop
        config = consumer_config()
        self.member: str = config["client.id"]
        self.consumer = Consumer(config, logger=logger)
        self.dead_letter_producer = Producer(producer_config("dead-letter"), logger=logger)
        self.intake = Intake(
            DeadLetters(
                self.dead_letter_producer, topic=settings.KAFKA_DEAD_LETTER_TOPIC, group=settings.KAFKA_GROUP_ID
            )
        )
        # Records taken but not settled because a store of ours failed: retried at ``retry_at``.
        self.held: list[Message] = []
        self.failures = 0
        self.retry_at = 0.0
        self.paused = False
        self.assignment_changed = False
        self.last_error = ""
        self.next_report = 0.0

    def run(self) -> None:
        self.consumer.subscribe(
            [settings.KAFKA_JOB_TOPIC], on_assign=self._assigned, on_revoke=self._revoked, on_lost=self._lost
        )
        logger.info("kafka intake consuming %s as %s", settings.KAFKA_JOB_TOPIC, self.member)
        try:
            while not self.stop.is_set():
                self._step()
                self._report_if_due()
        finally:
            self._close()

    def _step(self) -> None:
        self._sync_pause()
        if self.held:
            wait = self.retry_at - time.monotonic()
            if wait > 0:
                late = self.consumer.poll(min(wait, POLL_SECONDS))  # serves rebalances; our partitions are paused
                self.held += self._usable([late] if late is not None else [])
                return
            records = self.held
        else:
            records = self._usable(self._next_batch())
            if not records:
                return
        # One database connection for the process's life (no health-check query per batch): a connection the
        # server dropped fails the batch like any outage, and the retry opens a new one.
        started = time.monotonic()
        try:
            result = self.intake.process(records)
        except OWN_FAULTS as exc:
            self._retry_later(records, exc)
            return
        self._store_offsets(records)
        self.intake.forget()
        logger.debug(
            "kafka batch of %d settled in %.3f s: %s", len(records), time.monotonic() - started, dict(result.outcomes)
        )
        if self.held:
            logger.info("kafka intake recovered after %d attempts", self.failures + 1)
            self.held = []
        self.failures = 0
        self.last_error = ""

    def _next_batch(self) -> list[Message]:
        """Waits for a first record, then takes whatever else has arrived, up to a batch: a backlog is read a
        batch at a time, a trickle one record at a time without waiting for company."""
        first = self.consumer.consume(num_messages=1, timeout=POLL_SECONDS)
        if not first or settings.KAFKA_BATCH_SIZE <= 1:
            return first
        return first + self.consumer.consume(num_messages=settings.KAFKA_BATCH_SIZE - 1, timeout=0)

    def _usable(self, records: list[Message]) -> list[Message]:
        usable = []
        for record in records:
            error = record.error()
            if error is None:
                usable.append(record)
            elif error.fatal():  # e.g. refused credentials: nothing to retry here, let the supervisor restart us
                raise KafkaException(error)
            elif error.code() != KafkaError._PARTITION_EOF:
                logger.warning("kafka consumer error: %s", error.str())
        return usable

    def _retry_later(self, records: list[Message], exc: BaseException) -> None:
        self.failures += 1
        delay = min(settings.KAFKA_RETRY_MAX_SECONDS, FIRST_RETRY_SECONDS * 2 ** min(self.failures - 1, 16))
        self.retry_at = time.monotonic() + delay
        self.held = records
        self.last_error = type(exc).__name__
        unsettled = [record for record in records if record_key(record) not in self.intake.done]
        metrics.INTAKE.labels(metrics.RETRIED).inc(len(unsettled))
        logger.warning(
            "kafka intake paused: %s; %d records retried in %.1f s (attempt %d)",
            type(exc).__name__,
            len(unsettled),
            delay,
            self.failures,
        )
        # A dropped database connection must be opened afresh; a merchant may have been deleted meanwhile.
        connections.close_all()
        self.intake.merchants.forget()
        self._sync_pause()

    def _sync_pause(self) -> None:
        """Paused while records are held, running otherwise; a new assignment is brought in line (librdkafka
        keeps a partition's pause across a rebalance that hands it back to us)."""
        if self.held and (not self.paused or self.assignment_changed):
            self.consumer.pause(self.consumer.assignment())
            self.paused = True
        elif not self.held and (self.paused or self.assignment_changed):
            self.consumer.resume(self.consumer.assignment())
            self.paused = False
        self.assignment_changed = False

    def _store_offsets(self, records: list[Message]) -> None:
        next_offsets: dict[tuple[str, int], int] = {}
        for record in records:
            topic, partition, offset = record_key(record)
            next_offsets[(topic, partition)] = max(next_offsets.get((topic, partition), 0), offset + 1)
        for (topic, partition), offset in next_offsets.items():
            try:
                self.consumer.store_offsets(offsets=[TopicPartition(topic, partition, offset)])
            except KafkaException as exc:  # revoked meanwhile: its new owner starts from the last commit
                logger.info("offset of %s[%d] not stored: %s", topic, partition, exc)

    # --- rebalance callbacks (run inside consume()/poll() on this thread) ---------------------------------
    def _assigned(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        logger.info("kafka partitions assigned: %s", _names(partitions))
        self.assignment_changed = True

    def _revoked(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        logger.info("kafka partitions revoked: %s", _names(partitions))
        try:
            consumer.commit(asynchronous=False)
        except KafkaException as exc:  # nothing stored since the last commit, or the group is gone
            logger.debug("commit on revoke: %s", exc)
        self._drop(partitions)

    def _lost(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        logger.warning("kafka partitions lost (session timed out): %s", _names(partitions))
        self._drop(partitions)

    def _drop(self, partitions: list[TopicPartition]) -> None:
        gone = {(tp.topic, tp.partition) for tp in partitions}
        self.held = [record for record in self.held if (record.topic(), record.partition()) not in gone]
        self.intake.forget({key for key in self.intake.done if key[:2] in gone})
        if not self.held:
            self.failures = 0  # the next step resumes what is still assigned

    # --- reports ----------------------------------------------------------------------------------------
    def _report_if_due(self) -> None:
        now = time.monotonic()
        if now < self.next_report:
            return
        self.next_report = now + settings.KAFKA_REPORT_SECONDS
        try:
            report_consumer(self.report())
        except Exception as exc:  # the cache may be the store that is down: reporting must not stop the intake
            logger.warning("kafka consumer report not stored: %s", type(exc).__name__)

    def report(self) -> dict[str, Any]:
        assignment = self.consumer.assignment()
        positions = {(tp.topic, tp.partition): tp.offset for tp in self.consumer.position(assignment)}
        for record in self.held:
            topic, partition, offset = record_key(record)
            positions[(topic, partition)] = min(positions.get((topic, partition), offset), offset)
        unknown = [tp for tp in assignment if positions.get((tp.topic, tp.partition), -1) < 0]
        if unknown:
            for tp in self.consumer.committed(unknown, timeout=2):
                positions[(tp.topic, tp.partition)] = tp.offset
        partitions = []
        for tp in assignment:
            lag = None
            try:
                # From the last fetch while consuming (free); asked of the broker while paused (nothing fetched).
                watermarks = self.consumer.get_watermark_offsets(tp, timeout=2, cached=not self.paused)
            except KafkaException:
                watermarks = None
            if watermarks is not None:
                low, high = watermarks
                position = positions.get((tp.topic, tp.partition), -1)
                lag = max(0, high - (position if position >= 0 else low))
            partitions.append({"topic": tp.topic, "partition": tp.partition, "lag": lag})
        return {
            "member": self.member,
            "group": settings.KAFKA_GROUP_ID,
            "partitions": partitions,
            "retrying": bool(self.held),
            "lastError": self.last_error,
        }

    def _close(self) -> None:
        logger.info("kafka intake stopping: committing and leaving the group")
        self.dead_letter_producer.flush(5)
        try:
            self.consumer.close()  # commits the stored offsets, leaves the group
        except KafkaException as exc:
            logger.warning("kafka consumer close: %s", exc)
        try:
            forget_consumer(self.member)
        except Exception as exc:  # a report that is not removed goes stale by itself
            logger.warning("kafka consumer report not removed: %s", type(exc).__name__)


def _names(partitions: list[TopicPartition]) -> str:
    return ", ".join(f"{tp.topic}[{tp.partition}]" for tp in partitions) or "none"
