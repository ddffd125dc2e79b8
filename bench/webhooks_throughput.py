"""Webhook delivery throughput and commit → first-attempt latency, on production services, in one run.

Run: .venv/bin/python bench/webhooks_throughput.py [--events 4000] [--endpoints 20] [--rounds 5]

Needs Redis on 127.0.0.1:6379 (uses database 12 and flushes it) and PostgreSQL on 127.0.0.1:5432 as user
postgres (creates the database bench_webhooks and drops it at the end). Starts everything else itself: a
receiver process (asyncio HTTP/1.1 with keep-alive; verifies every request with the reference
``standardwebhooks`` library and records its webhook-id), the Procfile's ``webhooks`` worker exactly as
written there, and beat. Events go through ``emit_event`` (the outbox, the on-commit kick) as the app emits
them, one endpoint per merchant.

Measurements, all against fresh endpoints of their own:
- steady load: one event per transaction from several threads at --steady-rate events/s; p50/p95 from
  commit to first attempt (target: p95 <= 1 s);
- a backlog: --events events committed in one transaction (a flash sale's worth landing at once) for
  --endpoints endpoints; deliveries/s from that commit to the last first attempt (target >= 500/s). This
  round is the baseline the others are compared with;
- the same backlog for one endpoint (one shop's flash sale, the common case; target >= 1 500/s);
- the backlog beside as many endpoints answering 503 (and as many events for them), and beside one endpoint
  answering every request after 2 s (with as many events as each healthy one): the healthy endpoints'
  deliveries/s as a ratio to the baseline's (target >= 80 %).
Backlog rounds alternate (--rounds) and the medians count: this machine is shared and noisy, so beside each
rate the worker's CPU time per delivery is printed (the steadier figure). Every run checks that each
webhook-id arrived (once), that signatures verify and that no delivery row was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "bench_webhooks"
POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS = "redis://127.0.0.1:6379/12"
TARGET_RATE = 500.0
TARGET_ONE_ENDPOINT_RATE = 1500.0
TARGET_P95 = 1.0
TARGET_HEALTHY_RATIO = 0.8
SLOW_ANSWER_SECONDS = 2.0


# --- The receiver (its own process) -------------------------------------------------------------------


def receiver_main(port: int, control) -> None:
    """Answers 200 (503 on paths marked dead, after 2 s on paths marked slow, after the given seconds on paths
    given a latency); verifies each request's signature; records what arrived."""
    from standardwebhooks import Webhook

    verifiers: dict[str, Webhook] = {}
    dead: set[str] = set()
    slow: set[str] = set()
    latency: dict[str, float] = {}
    records: list[tuple[float, str, str, int, bool]] = []  # (received, path, webhook-id, seq, verified)
    connections = itertools.count()

    class Protocol(asyncio.Protocol):
        def connection_made(self, transport) -> None:
            self.transport = transport
            self.buffer = bytearray()
            next(connections)

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
                lines = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                if len(self.buffer) < end + 4 + length:
                    return
                body = bytes(self.buffer[end + 4 : end + 4 + length])
                del self.buffer[: end + 4 + length]
                received = time.time()
                path = lines[0].split(" ")[1]
                seq, verified = -1, False
                try:
                    payload = verifiers[path].verify(body, headers)
                    seq, verified = int(payload["data"]["seq"]), True
                except Exception:  # noqa: S110 - recorded as unverified, which the report counts
                    pass
                records.append((received, path, headers.get("webhook-id", ""), seq, verified))
                answer = b"HTTP/1.1 503 Service Unavailable" if path in dead else b"HTTP/1.1 200 OK"
                answer += b"\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
                if path in slow:  # the sender sends one request at a time per connection: no reordering
                    loop.call_later(SLOW_ANSWER_SECONDS, self.answer, answer)
                elif path in latency:
                    loop.call_later(latency[path], self.answer, answer)
                else:
                    self.transport.write(answer)

        def answer(self, answer: bytes) -> None:
            if not self.transport.is_closing():
                self.transport.write(answer)

    def on_command() -> None:
        command, argument = control.recv()
        if command == "secrets":
            verifiers.update({path: Webhook(secret) for path, secret in argument.items()})
            control.send("ok")
        elif command == "dead":
            dead.clear()
            dead.update(argument)
            control.send("ok")
        elif command == "slow":
            slow.clear()
            slow.update(argument)
            control.send("ok")
        elif command == "latency":
            latency.update(argument)
            control.send("ok")
        elif command == "take":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            control.send((list(records), next(connections), usage.ru_utime + usage.ru_stime))
            records.clear()
        elif command == "stop":
            loop.stop()

    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(loop.create_server(Protocol, "127.0.0.1", port, backlog=1024))
    loop.add_reader(control.fileno(), on_command)
    control.send("ready")
    loop.run_forever()
    server.close()


# --- Services -----------------------------------------------------------------------------------------


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def recreate_database(drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        if not drop_only:
            admin.execute(f"CREATE DATABASE {DATABASE}")


def flush_redis() -> None:
    import redis

    redis.Redis.from_url(REDIS).flushdb()


def procfile_command(name: str) -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        process, _, command = line.partition(":")
        if process.strip() == name:
            return shlex.split(command.strip())
    raise SystemExit(f"Procfile has no {name!r} process")


def start(command: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen:
    if command[0] == "celery":
        command = [sys.executable, "-m", "celery", *command[1:]]
    with log.open("wb") as out:
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_for(text: str, log: Path, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"{log.name} did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def cpu_seconds(processes: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by the named processes (with their threads, and the whole process group of a
    group leader such as the worker), and by the whole machine (``all``, from /proc/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    totals: dict[str, float] = defaultdict(float)
    names = {pid: name for name, pid in processes.items()}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        name = names.get(int(entry.name)) or names.get(int(fields[2]))
        if name:
            totals[name] += (int(fields[11]) + int(fields[12])) / ticks
    busy = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    # user nice system idle iowait irq softirq steal: everything but idle and iowait is busy.
    totals["all"] = sum(int(value) for index, value in enumerate(busy[:8]) if index not in (3, 4)) / ticks
    return totals


# --- Emitting and measuring ---------------------------------------------------------------------------


@dataclass
class Endpoints:
    merchants: list
    paths: list[str]


def make_endpoints(label: str, count: int, port: int, control) -> Endpoints:
    from merchants.models import Merchant
    from webhooks.services import create_endpoint

    merchants, paths, secrets = [], [], {}
    for number in range(count):
        merchant = Merchant.objects.create(name=f"bench {label} {number}")
        path = f"/{label}/{number}"
        _, secret = create_endpoint(merchant=merchant, url=f"http://127.0.0.1:{port}{path}", events=["tryon.completed"])
        merchants.append(merchant)
        paths.append(path)
        secrets[path] = secret
    control.send(("secrets", secrets))
    assert control.recv() == "ok"
    return Endpoints(merchants, paths)


def emit(
    endpoints: Endpoints, seqs: range, *, threads: int, rate: float | None = None, at_once: bool = False
) -> tuple[dict[int, float], float]:
    """Emits one event per seq (round robin over the merchants) and returns each one's commit time.

    Each event in its own transaction from ``threads`` threads, paced to ``rate`` events/s if given; or, with
    ``at_once``, all of them in one transaction (a backlog that lands in one go, to measure the drain rate).
    """
    from django.db import connection, transaction

    from webhooks.services import emit_event

    committed: dict[int, float] = {}
    started = time.monotonic()

    def one(seq: int) -> None:
        # Registered before emit_event's kick, so it runs first once the commit is done.
        transaction.on_commit(lambda: committed.__setitem__(seq, time.time()))
        merchant = endpoints.merchants[seq % len(endpoints.merchants)]
        emit_event(merchant=merchant, event_type="tryon.completed", data={"seq": seq, "jobId": f"job-{seq}"})

    if at_once:
        with transaction.atomic():
            transaction.on_commit(lambda: committed.update(dict.fromkeys(seqs, time.time())))
            for seq in seqs:
                emit_event(
                    merchant=endpoints.merchants[seq % len(endpoints.merchants)],
                    event_type="tryon.completed",
                    data={"seq": seq, "jobId": f"job-{seq}"},
                )
        return committed, time.monotonic() - started

    def work(mine: list[int]) -> None:
        try:
            for seq in mine:
                if rate:
                    delay = started + (seq - seqs[0]) / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                with transaction.atomic():
                    one(seq)
        finally:
            connection.close()

    workers = [threading.Thread(target=work, args=(list(seqs[offset::threads]),)) for offset in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return committed, time.monotonic() - started


def collect(control, expected: set[int], paths: set[str], timeout: float = 120) -> tuple[list, int, float]:
    """Receiver records until every expected seq arrived on one of ``paths`` (or the timeout)."""
    records: list = []
    connections_total, cpu = 0, 0.0
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    while True:
        control.send(("take", None))
        batch, connections_total, cpu = control.recv()
        records += batch
        seen.update(seq for _, path, _, seq, _ in batch if path in paths)
        if expected <= seen or time.monotonic() > deadline:
            return records, connections_total, cpu
        time.sleep(0.05)


def first_attempts(records: list) -> dict[int, float]:
    first: dict[int, float] = {}
    for received, _, _, seq, _ in records:
        if seq not in first or received < first[seq]:
            first[seq] = received
    return first


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class ProcessIds(TypedDict):
    worker_pid: int
    beat_pid: int
    receiver_pid: int


@dataclass
class Run:
    label: str
    events: int
    rate: float
    p50: float
    p95: float
    emit_seconds: float
    requests: int
    duplicates: int
    unverified: int
    missing: int
    dead_requests: int
    slow_requests: int
    rows: dict[str, int]
    # Deliveries of healthy endpoints not DELIVERED, and of any endpoint FAILED or without a row: lost.
    lost: int
    cpu: dict[str, float]

    @property
    def worker_cpu_per_delivery(self) -> float:
        return self.cpu.get("worker", 0.0) / self.events


def measure(
    label: str,
    endpoints: Endpoints,
    seqs: range,
    control,
    *,
    worker_pid: int,
    beat_pid: int,
    receiver_pid: int,
    threads: int = 1,
    rate: float | None = None,
    at_once: bool = False,
    dead: int = 0,
    slow: int = 0,
) -> Run:
    """Emits ``seqs``; every other endpoint answers 503 until ``dead`` do, the last ``slow`` ones answer after
    2 s. Rates and latencies are of the healthy ones."""
    dead_paths = set(endpoints.paths[1 : 2 * dead : 2])
    slow_paths = set(endpoints.paths[len(endpoints.paths) - slow :]) if slow else set()
    for command, paths in (("dead", dead_paths), ("slow", slow_paths)):
        control.send((command, paths))
        assert control.recv() == "ok"
    unhealthy = dead_paths | slow_paths
    healthy = {seq for seq in seqs if endpoints.paths[seq % len(endpoints.paths)] not in unhealthy}
    healthy_paths = set(endpoints.paths) - unhealthy
    healthy_merchants = [
        m for m, path in zip(endpoints.merchants, endpoints.paths, strict=True) if path not in unhealthy
    ]
    groups = {"worker": worker_pid, "beat": beat_pid, "receiver": receiver_pid, "emitter": os.getpid()}
    cpu_before, started_at = cpu_seconds(groups), timezone_now()
    committed, emit_seconds = emit(endpoints, seqs, threads=threads, rate=rate, at_once=at_once)
    records, _, _ = collect(control, healthy, healthy_paths)
    cpu_after = cpu_seconds(groups)
    rows, healthy_delivered = settled_rows(
        endpoints.merchants, healthy_merchants, since=started_at, expected=len(healthy)
    )
    first = first_attempts([r for r in records if r[1] in healthy_paths])
    latencies = [first[seq] - committed[seq] for seq in healthy if seq in first]
    start = min(committed[seq] for seq in seqs)
    end = max(first[seq] for seq in healthy if seq in first)
    ids = Counter(r[2] for r in records if r[1] in healthy_paths)
    return Run(
        label=label,
        events=len(healthy),
        rate=len(latencies) / (end - start),
        p50=statistics.median(latencies),
        p95=percentile(latencies, 0.95),
        emit_seconds=emit_seconds,
        requests=len(records),
        duplicates=sum(count - 1 for count in ids.values()),
        unverified=sum(1 for r in records if not r[4]),
        missing=len(healthy - set(first)),
        dead_requests=sum(1 for r in records if r[1] in dead_paths),
        slow_requests=sum(1 for r in records if r[1] in slow_paths),
        rows=rows,
        lost=(len(healthy) - healthy_delivered) + (len(seqs) - rows.get("DELIVERED", 0) - rows.get("PENDING", 0)),
        cpu={name: cpu_after[name] - cpu_before.get(name, 0.0) for name in cpu_after},
    )


def show(run: Run) -> None:
    named = sum(seconds for name, seconds in run.cpu.items() if name != "all")
    cpu = ", ".join(f"{name} {run.cpu.get(name, 0.0):.1f}" for name in ("worker", "emitter", "receiver", "beat"))
    cpu += f", database, Redis and the rest of the machine {run.cpu['all'] - named:.1f}"
    print(
        f"  {run.label:34s} {run.events:5d} events  {run.rate:6.0f} deliveries/s   "
        f"commit -> first attempt p50 {run.p50 * 1000:5.0f} ms  p95 {run.p95 * 1000:5.0f} ms   "
        f"(emitted in {run.emit_seconds:.1f} s; missing {run.missing}, duplicates {run.duplicates}, "
        f"unverified {run.unverified})\n"
        f"  {'':34s} rows {run.rows}; CPU s: {cpu}"
    )


def delete_endpoints(merchants: list) -> None:
    from webhooks.models import WebhookEndpoint
    from webhooks.services import delete_endpoint

    for endpoint in WebhookEndpoint.objects.filter(merchant__in=merchants):
        delete_endpoint(endpoint=endpoint)


def timezone_now():
    from django.utils import timezone

    return timezone.now()


def settled_rows(merchants: list, healthy_merchants: list, *, since, expected: int) -> tuple[dict[str, int], int]:
    """The run's delivery rows by status, and the healthy endpoints' delivered ones, once those are all
    recorded (results are written a few milliseconds after the receiver answered)."""
    from webhooks.models import WebhookDelivery

    rows = WebhookDelivery.objects.filter(merchant__in=merchants, created_at__gte=since)
    deadline = time.monotonic() + 30
    while (
        rows.filter(merchant__in=healthy_merchants, status="DELIVERED").count() < expected
        and time.monotonic() < deadline
    ):
        time.sleep(0.1)
    errors = Counter(
        rows.filter(merchant__in=healthy_merchants).exclude(status="DELIVERED").values_list("last_error", flat=True)
    )
    for error, count in errors.most_common(5):
        print(f"    healthy endpoint, not delivered: {count} x {error}")
    healthy_delivered = rows.filter(merchant__in=healthy_merchants, status="DELIVERED").count()
    return dict(Counter(rows.values_list("status", flat=True))), healthy_delivered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=4000, help="events per backlog")
    parser.add_argument("--endpoints", type=int, default=20)
    parser.add_argument("--threads", type=int, default=4, help="emitting threads")
    parser.add_argument("--steady-rate", type=float, default=200.0, help="events/s of the steady-load run")
    parser.add_argument("--steady-seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of each backlog")
    args = parser.parse_args()

    recreate_database()
    flush_redis()
    workdir = Path(tempfile.mkdtemp(prefix="bench-webhooks-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
        "REDIS_URL": REDIS,
        "SSRF_ALLOW_LOOPBACK": "true",
        "VAR_DIR": str(workdir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
    }
    os.environ.update({**env, "LOG_LEVEL": "WARNING"})  # this process only: the emitter's own logging is not measured
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from webhooks.delivery.health import BREAKER_THRESHOLD

    call_command("migrate", verbosity=0)

    port = free_port()
    control, child_end = multiprocessing.get_context("spawn").Pipe()
    receiver = multiprocessing.get_context("spawn").Process(target=receiver_main, args=(port, child_end), daemon=True)
    receiver.start()
    assert control.recv() == "ready"
    processes: list[subprocess.Popen] = []
    try:
        worker_command = procfile_command("webhooks")
        worker_log = workdir / "webhooks-worker.log"
        processes.append(start(worker_command, worker_log, env))
        beat_command = procfile_command("beat")
        if "--schedule" in beat_command:  # its own schedule file, not the one of `make run`
            del beat_command[beat_command.index("--schedule") : beat_command.index("--schedule") + 2]
        beat_command += ["--schedule", str(workdir / "beat-schedule")]
        processes.append(start(beat_command, workdir / "beat.log", env))
        wait_for("ready.", worker_log, processes[0])
        print(f"worker (Procfile 'webhooks'): {' '.join(worker_command)}")
        print(
            f"receiver 127.0.0.1:{port}, {args.endpoints} endpoints (one per merchant), {args.threads} emitting threads"
        )

        assert receiver.pid is not None
        pids: ProcessIds = {"worker_pid": processes[0].pid, "beat_pid": processes[1].pid, "receiver_pid": receiver.pid}
        healthy = make_endpoints("ok", args.endpoints, port, control)
        cursor = itertools.count()

        def take(count: int) -> range:
            first = next(cursor)
            for _ in range(count - 1):
                next(cursor)
            return range(first, first + count)

        measure("warm-up", healthy, take(200), control, **pids)
        steady = measure(
            f"steady {args.steady_rate:.0f} events/s, all healthy",
            healthy,
            take(int(args.steady_rate * args.steady_seconds)),
            control,
            threads=args.threads,
            rate=args.steady_rate,
            **pids,
        )
        show(steady)
        # Backlogs, alternating: all healthy (the baseline), one endpoint, the same healthy workload with as
        # many endpoints answering 503 beside them (and as many events for those), and beside one endpoint
        # answering after 2 s. Fresh endpoints every time, and alternating rounds on this shared machine, so
        # that the ratios compare like with like.
        backlogs: list[Run] = []
        single: list[Run] = []
        mixed_runs: list[Run] = []
        slow_runs: list[Run] = []
        for round_number in range(1, args.rounds + 1):
            backlogs.append(
                measure(
                    f"round {round_number}: backlog, all healthy",
                    make_endpoints(f"ok{round_number}", args.endpoints, port, control),
                    take(args.events),
                    control,
                    at_once=True,
                    **pids,
                )
            )
            show(backlogs[-1])
            single.append(
                measure(
                    f"round {round_number}: backlog, one endpoint",
                    make_endpoints(f"one{round_number}", 1, port, control),
                    take(args.events),
                    control,
                    at_once=True,
                    **pids,
                )
            )
            show(single[-1])
            beside_dead = make_endpoints(f"half{round_number}", 2 * args.endpoints, port, control)
            mixed_runs.append(
                measure(
                    f"round {round_number}: backlog, half 503",
                    beside_dead,
                    take(2 * args.events),
                    control,
                    at_once=True,
                    dead=args.endpoints,
                    **pids,
                )
            )
            show(mixed_runs[-1])
            beside_slow = make_endpoints(f"slow{round_number}", args.endpoints + 1, port, control)
            slow_runs.append(
                measure(
                    f"round {round_number}: backlog, one 2 s",
                    beside_slow,
                    take(args.events + args.events // args.endpoints),
                    control,
                    at_once=True,
                    slow=1,
                    **pids,
                )
            )
            show(slow_runs[-1])
            # The slow endpoint's backlog would take its turns in every later round: removed with it.
            delete_endpoints(beside_slow.merchants[-1:])
        control.send(("take", None))
        _, connections, receiver_cpu = control.recv()

        def verdict(ok: bool) -> str:
            return "OK" if ok else "MISSED"

        def per_round(values: list[float], style: str) -> str:
            return ", ".join(format(value, style) for value in values)

        rate = statistics.median(run.rate for run in backlogs)
        single_rate = statistics.median(run.rate for run in single)
        single_ratios = [one.rate / backlog.rate for backlog, one in zip(backlogs, single, strict=True)]
        ratios = [mixed.rate / backlog.rate for backlog, mixed in zip(backlogs, mixed_runs, strict=True)]
        ratio = statistics.median(ratios)
        slow_ratios = [slow.rate / backlog.rate for backlog, slow in zip(backlogs, slow_runs, strict=True)]
        slow_ratio = statistics.median(slow_ratios)
        backlog_p95 = statistics.median(run.p95 for run in backlogs)
        runs = [steady, *backlogs, *single, *mixed_runs, *slow_runs]
        print()
        print(f"{args.events} events committed at once, median of {args.rounds} alternating rounds:")
        print(
            f"  deliveries/s, {args.endpoints} endpoints (baseline):     {rate:6.0f}"
            f"      target >= {TARGET_RATE:.0f}      {verdict(rate >= TARGET_RATE)}"
            f"   (rounds: {per_round([run.rate for run in backlogs], '.0f')})"
        )
        print(
            f"  deliveries/s, one endpoint:                 {single_rate:6.0f}"
            f"      target >= {TARGET_ONE_ENDPOINT_RATE:.0f}     {verdict(single_rate >= TARGET_ONE_ENDPOINT_RATE)}"
            f"   (rounds: {per_round([run.rate for run in single], '.0f')});"
            f" {statistics.median(single_ratios):.2f}x the baseline (median of {per_round(single_ratios, '.2f')})"
        )
        print(
            f"commit -> first attempt p95, steady {args.steady_rate:.0f} events/s:       {steady.p95 * 1000:6.0f} ms"
            f"   target <= {TARGET_P95 * 1000:.0f} ms  {verdict(steady.p95 <= TARGET_P95)}"
            f"   (p50 {steady.p50 * 1000:.0f} ms; behind a {args.events}-event backlog the wait is queueing:"
            f" p95 {backlog_p95 * 1000:.0f} ms)"
        )
        print(
            f"healthy endpoints beside {args.endpoints} answering 503 / baseline (median of "
            f"{', '.join(f'{r:.0%}' for r in ratios)}): {ratio:.0%}   target >= {TARGET_HEALTHY_RATIO:.0%}      "
            f"{verdict(ratio >= TARGET_HEALTHY_RATIO)}"
        )
        print(
            f"  requests to the endpoints answering 503 meanwhile: "
            f"{', '.join(str(run.dead_requests) for run in mixed_runs)} per round for their {args.events} deliveries "
            f"(paused after {BREAKER_THRESHOLD} failures in a row; the rest held, PENDING)"
        )
        print(
            f"healthy endpoints beside one answering in {SLOW_ANSWER_SECONDS:.0f} s / baseline (median of "
            f"{', '.join(f'{r:.0%}' for r in slow_ratios)}): {slow_ratio:.0%}   target >= {TARGET_HEALTHY_RATIO:.0%}"
            f"      {verdict(slow_ratio >= TARGET_HEALTHY_RATIO)}"
        )
        print(
            f"  requests to the slow endpoint meanwhile: {', '.join(str(run.slow_requests) for run in slow_runs)}"
            f" per round"
        )
        baseline_cpu = statistics.median(run.worker_cpu_per_delivery for run in backlogs)
        print("worker CPU per healthy delivery, median (less noisy than rates here):")
        for label, group in (
            (f"{args.endpoints} endpoints (baseline)", backlogs),
            ("one endpoint", single),
            (f"beside {args.endpoints} answering 503", mixed_runs),
            ("beside one answering in 2 s", slow_runs),
        ):
            cpu = statistics.median(run.worker_cpu_per_delivery for run in group)
            print(
                f"  {label:34s} {cpu * 1000:5.2f} ms   {cpu / baseline_cpu:4.2f}x the baseline"
                f"   (rounds: {per_round([run.worker_cpu_per_delivery * 1000 for run in group], '.2f')} ms)"
            )
        lost = sum(run.missing for run in runs)
        print(
            f"every webhook-id received: {'yes' if lost == 0 else f'NO, {lost} missing'}; "
            f"duplicates {sum(run.duplicates for run in runs)}; "
            f"signatures failing verification {sum(run.unverified for run in runs)}"
        )
        print(
            f"delivery rows: {sum(run.lost for run in runs)} lost (healthy endpoints' all DELIVERED, the 503 "
            f"endpoints' {sum(run.rows.get('PENDING', 0) for run in mixed_runs)} PENDING a retry, none FAILED)"
        )
        print(f"receiver: {connections} TCP connections in all, {receiver_cpu:.1f} s CPU")
        return 0
    finally:
        for process in processes:
            from tests.support.processes import stop_process_group

            stop_process_group(process)
        control.send(("stop", None))
        receiver.join(timeout=10)
        from django.db import connections as django_connections

        django_connections.close_all()
        recreate_database(drop_only=True)
        flush_redis()


if __name__ == "__main__":
    sys.exit(main())
