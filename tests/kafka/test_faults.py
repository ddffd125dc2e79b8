"""At least once, never skipped: a consumer SIGKILLed mid-batch, a consumer of two dying, the database and
Redis going away while records keep coming. Every record's job exists exactly once afterwards."""

from __future__ import annotations

import base64
import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from django.db import connection
from django.test import Client

from content.kafka.health import live_consumers
from content.models import ImageJob, KafkaJobSource
from tests.support.kafka import committed_offsets, end_offsets, job_record, produce, read_topic
from tests.support.kafka_intake import job_status, kafka_process, metric_value, scrape, wait_for_jobs
from tests.support.merchants import make_merchant
from tests.support.processes import free_port, wait_for_port, wait_until
from tests.support.tcp_proxy import tcp_proxy

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _records(merchant_id: int, prefix: str, count: int, start: int = 0) -> tuple[list[str], list]:
    ids = [f"job-img-{prefix}-{number:05d}" for number in range(start, start + count)]
    return ids, [job_record(job_id, f"evt-{job_id}", merchant_id=merchant_id) for job_id in ids]


def _assert_each_job_once(ids: list[str], topics) -> None:
    jobs = ImageJob.objects.filter(id__startswith=ids[0].rsplit("-", 1)[0])
    assert sorted(jobs.values_list("id", flat=True)) == sorted(ids)
    sources = list(KafkaJobSource.objects.filter(job__in=jobs).values_list("partition", "offset"))
    assert len(sources) == len(ids) == len(set(sources))  # each job from its own record
    assert read_topic_count(topics) == 0  # nothing of ours was dead-lettered


def read_topic_count(topics) -> int:
    try:
        return len(read_topic(topics.bootstrap, topics.dead_letters, expect=1, timeout=2))
    except AssertionError:
        return 0


def test_a_consumer_killed_mid_batch_and_started_again_leaves_every_job_once(topics, tmp_path, settings):
    merchant = make_merchant()
    ids, records = _records(merchant.pk, "kill", 600)
    produce(topics.bootstrap, topics.jobs, records)
    # Small batches and a commit every 2 s: the kill lands between batches that were accepted but not committed.
    slow = {"KAFKA_BATCH_SIZE": "10", "KAFKA_CONSUMER_CONFIG_AUTO_COMMIT_INTERVAL_MS": "2000"}
    with kafka_process(topics, tmp_path / "first.log", env=slow) as first:
        wait_until(lambda: ImageJob.objects.filter(id__in=ids).count() >= 100, 60)
        # No worker runs: a job accepted from its record is polled PENDING, never 404, however busy workers are.
        accepted = ImageJob.objects.filter(id__in=ids).values_list("id", flat=True)
        assert {job_status(merchant, job_id)["status"] for job_id in accepted[:5]} == {"PENDING"}
        first.kill()
    accepted_before = ImageJob.objects.filter(id__in=ids).count()
    assert accepted_before < len(ids), "the first consumer finished before it was killed"
    before = metric_value(scrape(), "content_kafka_intake_total", outcome="duplicate")
    with kafka_process(topics, tmp_path / "second.log", env=slow):
        wait_for_jobs(ids, timeout=120)
    _assert_each_job_once(ids, topics)
    # What the first had accepted but not committed came again and was recognised, not made twice.
    assert metric_value(scrape(), "content_kafka_intake_total", outcome="duplicate") > before
    assert set(ids) <= set(_queued_job_ids(settings.CELERY_BROKER_URL))  # every job went to the workers' queue


QUEUE_LISTS = ["image-generation-job", *[f"image-generation-job:{step}" for step in range(1, 10)]]


def _queued_job_ids(broker_url: str) -> list[str]:
    """The jobIds of the messages waiting in the workers' queue (every priority step's list)."""
    client = redis.Redis.from_url(broker_url)
    found = []
    for name in QUEUE_LISTS:
        for raw in client.lrange(name, 0, -1):
            args, _kwargs, _embed = json.loads(base64.b64decode(json.loads(raw)["body"]))
            found.append(args[0])  # tasks receive the job's id
    return found


@pytest.mark.long
def test_two_consumers_share_the_partitions_and_the_survivor_takes_over(topics, tmp_path, settings):
    settings.KAFKA_CONSUMER_STALE_SECONDS = 4
    merchant = make_merchant()
    ids, records = _records(merchant.pk, "pair", 900)
    stop = threading.Event()

    def publish_steadily() -> None:
        for start in range(0, len(records), 30):
            produce(topics.bootstrap, topics.jobs, records[start : start + 30])
            if stop.wait(0.3):
                return

    env = {"KAFKA_CONSUMER_STALE_SECONDS": "4"}
    with (
        kafka_process(topics, tmp_path / "a.log", env=env) as first,
        kafka_process(topics, tmp_path / "b.log", wait_for_partitions=False, env=env) as second,
    ):
        both = wait_until(lambda: _holders() if len(_holders()) == 2 else None, 60)
        assert sorted(len(partitions) for partitions in both.values()) == [1, 2]
        publisher = threading.Thread(target=publish_steadily)
        publisher.start()
        wait_until(lambda: ImageJob.objects.filter(id__in=ids).count() >= 150, 60)
        first.kill()
        # The survivor gets every partition once the broker gives up on the dead member's session.
        wait_until(lambda: list(_holders().values()) == [[0, 1, 2]], 60)
        publisher.join(timeout=120)
        wait_for_jobs(ids, timeout=120)
        assert second.process.poll() is None
    stop.set()
    _assert_each_job_once(ids, topics)
    assert "kafka partitions assigned" in (tmp_path / "b.log").read_text()


def _holders() -> dict[str, list[int]]:
    return {
        report["member"]: sorted(partition["partition"] for partition in report["partitions"])
        for report in live_consumers()
        if report["partitions"]
    }


def _postgres_address() -> tuple[str, int] | str:
    db = connection.settings_dict
    host, port = db.get("HOST") or "", int(db.get("PORT") or 5432)
    return f"{host}/.s.PGSQL.{port}" if host.startswith("/") else (host or "127.0.0.1", port)


def _proxied_database_url(port: int) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@127.0.0.1:{port}/{db['NAME']}"


def test_the_database_going_away_pauses_the_intake_and_no_record_is_skipped(topics, tmp_path):
    assert connection.vendor == "postgresql", "the suite runs on PostgreSQL (scripts/test_services.py)"
    merchant = make_merchant()
    ids, records = _records(merchant.pk, "db", 300)
    produce(topics.bootstrap, topics.jobs, records[:100])
    with tcp_proxy(_postgres_address()) as proxy:
        env = {"DATABASE_URL": _proxied_database_url(proxy.port), "CONN_MAX_AGE": "0"}
        with kafka_process(topics, tmp_path / "kafka.log", env=env) as running:
            wait_for_jobs(ids[:100])
            proxy.cut()
            produce(topics.bootstrap, topics.jobs, records[100:])
            wait_until(lambda: "kafka intake paused" in running.log.read_text(), 30)
            retrying = wait_until(lambda: [r for r in live_consumers() if r["retrying"]], 15)
            assert retrying[0]["lastError"] in ("OperationalError", "InterfaceError")
            readiness = Client().get("/readyz").json()
            assert readiness["checks"]["kafkaConsumer"] == "unavailable" and readiness["degraded"] == ["kafkaConsumer"]
            time.sleep(2)  # a few retries while the database stays away
            assert ImageJob.objects.filter(id__in=ids).count() == 100
            proxy.restore()
            wait_for_jobs(ids, timeout=90)
            wait_until(lambda: not [r for r in live_consumers() if r["retrying"]], 15)
            assert Client().get("/readyz").json()["checks"]["kafkaConsumer"] == "ok"
    _assert_each_job_once(ids, topics)
    assert metric_value(scrape(), "content_kafka_intake_total", outcome="retried") > 0
    assert committed_offsets(topics.bootstrap, topics.group, topics.jobs) == end_offsets(topics.bootstrap, topics.jobs)


@pytest.fixture
def own_redis() -> Iterator[tuple[int, Callable[[], subprocess.Popen]]]:
    """A redis-server of the test's own, on a port that stays the same when it is started again."""
    port = free_port()
    processes: list[subprocess.Popen] = []

    def start() -> subprocess.Popen:
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(port)
        processes.append(process)
        return process

    start()
    yield port, start
    for process in processes:
        process.kill()
        process.wait()


def test_redis_going_away_pauses_the_intake_and_no_record_is_skipped(topics, tmp_path, own_redis):
    port, start_redis = own_redis
    merchant = make_merchant()
    ids, records = _records(merchant.pk, "redis", 200)
    produce(topics.bootstrap, topics.jobs, records[:100])
    env = {"REDIS_URL": f"redis://127.0.0.1:{port}/0"}
    with kafka_process(topics, tmp_path / "kafka.log", env=env) as running:
        wait_for_jobs(ids[:100])
        redis.Redis(port=port).shutdown(nosave=True)
        produce(topics.bootstrap, topics.jobs, records[100:])
        wait_until(lambda: "kafka intake paused" in running.log.read_text(), 30)
        time.sleep(2)
        assert ImageJob.objects.filter(id__in=ids).count() == 100
        start_redis()
        wait_for_jobs(ids, timeout=90)
    _assert_each_job_once(ids, topics)
    # The jobs accepted once Redis was back reached the workers' queue on it.
    assert set(ids[100:]) <= set(_queued_job_ids(f"redis://127.0.0.1:{port}/0"))
