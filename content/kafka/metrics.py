"""The intake's metrics: outcomes counted by the consumer processes, and gauges read when ``/metrics`` is
scraped (consumers' lag per partition from their reports, the status outbox's backlog), registered with
common.metrics from content's AppConfig.ready()."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

import common.metrics  # noqa: F401  (points prometheus_client at PROMETHEUS_MULTIPROC_DIR first)
from content.kafka.config import kafka_configured
from content.kafka.health import live_consumers
from content.kafka.models import JobStatusEvent

ACCEPTED = "accepted"
DUPLICATE = "duplicate"
DEAD_LETTERED = "dead_lettered"
RETRIED = "retried"

INTAKE = Counter(
    "content_kafka_intake_total",
    "Records of the job topic by outcome (retried: taken again after a store of ours failed)",
    ["outcome"],
)
STATUS_EVENTS_SENT = Counter("content_kafka_status_events_sent_total", "Job status events acknowledged by Kafka")


def kafka_state() -> Iterator[GaugeMetricFamily]:
    if not kafka_configured():
        return
    consumers = live_consumers()
    yield GaugeMetricFamily("content_kafka_consumers", "Intake consumers that reported lately", value=len(consumers))
    lag = GaugeMetricFamily(
        "content_kafka_consumer_lag",
        "Records of a partition not yet accepted (high watermark minus the next offset to accept)",
        labels=["topic", "partition"],
    )
    retrying = GaugeMetricFamily(
        "content_kafka_partition_retrying",
        "1 while a partition is paused because a store of ours (database, Redis, broker) is down",
        labels=["topic", "partition"],
    )
    for report in consumers:
        for partition in report["partitions"]:
            labels = [partition["topic"], str(partition["partition"])]
            if partition.get("lag") is not None:
                lag.add_metric(labels, partition["lag"])
            retrying.add_metric(labels, 1 if report.get("retrying") else 0)
    yield lag
    yield retrying
    yield GaugeMetricFamily(
        "content_kafka_status_events_unsent",
        "Job status events recorded but not yet acknowledged by Kafka",
        value=JobStatusEvent.objects.filter(sent_at__isnull=True).count(),
    )
