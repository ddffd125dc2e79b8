"""The dead-letter topic: a record that can never become a job is copied there, key, value and headers as they
were, with headers saying where it came from and why it failed. Its offset moves on only once every dead
letter of the batch was acknowledged; until then the intake retries, as for any fault of our own.
"""

from __future__ import annotations

import logging

from confluent_kafka import KafkaError, Message, Producer

from common.timestamps import now_iso_z
from content.kafka.messages import BadRecord, Header, record_headers

logger = logging.getLogger(__name__)

# Kafka Connect's error headers (__connect.errors.*) say the same in its own names; these are ours.
HEADER_PREFIX = "dlt."
MAX_MESSAGE_BYTES = 1000


class DeadLetterUnavailable(Exception):
    """The dead-letter topic did not acknowledge every record in time: the batch is retried."""


def dead_letter_headers(record: Message, bad: BadRecord, *, group: str) -> list[Header]:
    """The record's own headers first, then ours."""
    timestamp_type, timestamp = record.timestamp()
    message = bad.message.encode()[:MAX_MESSAGE_BYTES].decode(errors="ignore")
    return [
        *record_headers(record),
        ("dlt.original.topic", record.topic() or ""),
        ("dlt.original.partition", str(record.partition())),
        ("dlt.original.offset", str(record.offset())),
        ("dlt.original.timestamp", str(timestamp) if timestamp_type else ""),
        ("dlt.consumer.group", group),
        ("dlt.error.stage", bad.stage),
        ("dlt.error.class", bad.error),
        ("dlt.error.message", message),
        ("dlt.failed.at", now_iso_z()),
    ]


class DeadLetters:
    def __init__(self, producer: Producer, *, topic: str, group: str, timeout: float = 30.0) -> None:
        self.producer = producer
        self.topic = topic
        self.group = group
        self.timeout = timeout

    def send(self, letters: list[tuple[Message, BadRecord]]) -> None:
        """Writes every letter and waits for all acknowledgements; raises :class:`DeadLetterUnavailable` if any
        failed (those acknowledged are then written again with the retry: a reader may see one twice)."""
        if not letters:
            return
        failures: list[KafkaError] = []

        def delivered(error: KafkaError | None, _message: Message) -> None:
            if error is not None:
                failures.append(error)

        for record, bad in letters:
            self.producer.produce(
                self.topic,
                key=record.key(),
                value=record.value(),
                headers=dead_letter_headers(record, bad, group=self.group),
                on_delivery=delivered,
            )
            logger.warning(
                "kafka record dead-lettered: %s %s",
                bad.stage,
                bad.error,
                extra={"topic": record.topic(), "partition": record.partition(), "offset": record.offset()},
            )
        left = self.producer.flush(self.timeout)
        if left or failures:
            reason = failures[0].str() if failures else f"{left} not acknowledged in {self.timeout:.0f} s"
            raise DeadLetterUnavailable(f"dead-letter topic {self.topic}: {reason}")
