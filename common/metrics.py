"""Prometheus metrics: what every process counts, and what ``GET /metrics`` reads live at scrape time.

Web and Celery processes count into ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode), so
one scrape of any web process on a machine sees every process of that machine; a worker on a machine without
a web process serves the same view on ``METRICS_PORT``. Only counters and histograms are kept per process;
the gauges (queue depth, breakers, quota use, webhook backlog) are read from Redis and the database when
scraped, so every instance reports the same values.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from celery import current_app
from django.conf import settings

# settings put PROMETHEUS_MULTIPROC_DIR into the environment; prometheus_client reads it when first imported.
assert settings.PROMETHEUS_MULTIPROC_DIR
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess  # noqa: E402
from prometheus_client.core import GaugeMetricFamily  # noqa: E402
from prometheus_client.registry import Collector  # noqa: E402

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
JOB_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600)

HTTP_REQUESTS = Counter("http_requests_total", "HTTP requests answered", ["route", "method", "status"])
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds", "Time to answer, in Django", ["route", "method"], buckets=LATENCY_BUCKETS
)
JOBS_ACCEPTED = Counter("jobs_accepted_total", "Jobs accepted by the API", ["kind"])
JOBS_FINISHED = Counter("jobs_finished_total", "Jobs finished", ["kind", "status"])
JOB_LATENCY = Histogram(
    "job_completion_seconds", "From the POST that accepted a job to its COMPLETED status", ["kind"], buckets=JOB_BUCKETS
)
WEBHOOK_ATTEMPTS = Counter("webhook_attempts_total", "Webhook delivery attempts by outcome", ["outcome"])
WEBHOOK_LAG = Histogram(
    "webhook_delivery_lag_seconds",
    "From an event's commit to its successful delivery",
    buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
)


def job_finished(kind: str, status: str, accepted_at: datetime | None, finished_at: datetime | None) -> None:
    JOBS_FINISHED.labels(kind, status).inc()
    if status == "COMPLETED" and accepted_at is not None and finished_at is not None:
        JOB_LATENCY.labels(kind).observe(max(0.0, (finished_at - accepted_at).total_seconds()))


def scrape() -> bytes:
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(LiveStateCollector())
    return generate_latest(registry)


def start_metrics_server(port: int) -> None:
    """Serves this machine's multiprocess metrics on ``port`` (a worker host with no web process)."""
    from prometheus_client import start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(port, registry=registry)


# Scrape-time readers an app adds from its AppConfig.ready() (common imports no app for them).
LiveRead = Callable[[], Iterator[GaugeMetricFamily]]
_registered_reads: list[LiveRead] = []


def register_live_read(read: LiveRead) -> None:
    """Adds ``read`` to what every scrape reports (once, however often an app registers it)."""
    if read not in _registered_reads:
        _registered_reads.append(read)


class LiveStateCollector(Collector):
    def collect(self) -> Iterator[GaugeMetricFamily]:
        builtin = (queue_depths, remote_calls)
        for read in (*builtin, *_registered_reads):
            started = time.monotonic()
            try:
                yield from read()
            except Exception:  # a store that is down must not cost the scrape the other families
                logger.warning("metrics: %s unavailable", read.__name__, exc_info=True)
            finally:
                logger.debug("metrics: %s took %.3f s", read.__name__, time.monotonic() - started)


def celery_queues() -> list[str]:
    return [name for name in settings.CELERY_WORKER_QUEUES.split(",") if name]


def queue_depths() -> Iterator[GaugeMetricFamily]:
    app = current_app
    family = GaugeMetricFamily("celery_queue_length", "Messages waiting in each Celery queue", labels=["queue"])
    broker_url, options = app.conf.broker_url, app.conf.broker_transport_options
    if broker_url.startswith("redis"):
        import redis

        client = redis.Redis.from_url(broker_url, socket_timeout=2, socket_connect_timeout=2)
        separator = options.get("sep", "\x06\x16")
        with client.pipeline(transaction=False) as pipe:
            queues = celery_queues()
            for queue in queues:
                # kombu keeps one list per priority step: the queue's own name for 0, then name<sep><step>.
                for step in options.get("priority_steps", [0]):
                    pipe.llen(f"{queue}{separator}{step}" if step else queue)
            lengths = pipe.execute()
        steps = len(options.get("priority_steps", [0]))
        for index, queue in enumerate(queues):
            family.add_metric([queue], sum(lengths[index * steps : (index + 1) * steps]))
    else:  # kombu's filesystem transport: one file per message, named <time>_<uuid>.<queue>.msg
        names = [path.name for path in Path(options["data_folder_in"]).iterdir()]
        for queue in celery_queues():
            family.add_metric([queue], sum(name.endswith(f".{queue}.msg") for name in names))
    yield family


def remote_calls() -> Iterator[GaugeMetricFamily]:
    """Each provider's queue and calls in flight (common/remote/), all workers and hosts together."""
    from common.remote.status import provider_statuses

    calls = GaugeMetricFamily(
        "remote_calls", "Remote calls waiting for or holding a provider slot", labels=["provider", "state"]
    )
    limit = GaugeMetricFamily("remote_calls_in_flight_limit", "Calls a provider may hold at once", labels=["provider"])
    paused = GaugeMetricFamily(
        "remote_provider_paused_seconds", "Seconds left of a provider's 429 pause", labels=["provider"]
    )
    oldest = GaugeMetricFamily(
        "remote_calls_oldest_wait_seconds", "How long the oldest waiting call has waited", labels=["provider"]
    )
    for status in provider_statuses():
        calls.add_metric([status.provider, "waiting"], status.waiting)
        calls.add_metric([status.provider, "in_flight"], status.in_flight)
        limit.add_metric([status.provider], status.limit)
        paused.add_metric([status.provider], status.paused_seconds)
        oldest.add_metric([status.provider], status.oldest_wait_seconds)
    yield from (calls, limit, paused, oldest)
