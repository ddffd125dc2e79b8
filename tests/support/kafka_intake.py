"""The Content Service's Kafka intake as its tests drive it: the Procfile's ``kafka`` process against the test
database and Redis, waiting for the jobs it creates, the status events it publishes, and its metrics."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings
from django.test import Client

from content.kafka.messages import record_headers
from content.models import ImageJob
from merchants.models import Merchant
from tests.support.kafka import Topics, read_topic
from tests.support.merchants import jwt_client_for, owner_of
from tests.support.processes import RunningProcess, procfile_process, test_database_url, wait_until


def process_env(topics: Topics, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "SECRET_KEY": django_settings.SECRET_KEY,
        "PYTHONUNBUFFERED": "1",
        # The Procfile says `python`: this virtualenv's.
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        **topics.env(),
        **extra,
    }


@contextlib.contextmanager
def kafka_process(
    topics: Topics, log: Path, *, env: dict[str, str] | None = None, wait_for_partitions: bool = True
) -> Iterator[RunningProcess]:
    """The Procfile's ``kafka`` process (``env`` added to the test's); yields once it holds partitions."""
    with procfile_process("kafka", process_env(topics, **(env or {})), log) as process:
        running = RunningProcess(process, log)
        if wait_for_partitions:
            wait_until(lambda: process.poll() is not None or "kafka partitions assigned" in log.read_text(), 60)
            assert process.poll() is None, log.read_text()[-3000:]
        yield running


def job_status(merchant: Merchant, job_id: str) -> dict[str, Any]:
    response = jwt_client_for(merchant).get(f"/api/content/images/jobs/{job_id}")
    assert response.status_code == 200, (job_id, response.content)
    return response.json()


def wait_for_jobs(job_ids: list[str], *, timeout: float = 60.0) -> None:
    wait_until(lambda: ImageJob.objects.filter(id__in=job_ids).count() == len(set(job_ids)), timeout)


def wait_until_finished(merchant: Merchant, job_ids: list[str], *, timeout: float = 90.0) -> dict[str, dict]:
    def finished() -> dict[str, dict] | None:
        bodies = {job_id: job_status(merchant, job_id) for job_id in job_ids}
        return bodies if all(b["status"] in ("COMPLETED", "FAILED") for b in bodies.values()) else None

    return wait_until(finished, timeout)


def status_events(topics: Topics, *, expect: int) -> dict[str, list[dict[str, Any]]]:
    """The status topic's events per job, in the order each job's partition holds them."""
    events: dict[str, list[dict[str, Any]]] = {}
    for record in sorted(read_topic(topics.bootstrap, topics.status, expect=expect), key=lambda r: r.offset() or 0):
        body = json.loads(record.value() or b"")
        assert record.key() == body["jobId"].encode()
        events.setdefault(body["jobId"], []).append({**body, "_headers": dict(record_headers(record))})
    return events


def dashboard_client(merchant: Merchant) -> Client:
    client = Client()
    client.force_login(owner_of(merchant))
    return client


def metric_value(body: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus text body (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    for line in body.splitlines():
        if line.startswith(f"{name}{{{wanted}}} ") or (not labels and line.startswith(f"{name} ")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def scrape() -> str:
    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer test-metrics-token")
    assert response.status_code == 200
    return response.content.decode()
