"""Webhooks to one endpoint from a cold start: a fresh stack, 4 000 events committed at once.

Run: .venv/bin/python bench/webhooks_cold_start.py [--events 4000] [--rounds 5]

Needs Redis on 127.0.0.1:6379 (--redis-url, default database 13, flushed before every stack) and PostgreSQL on
127.0.0.1:5432 as user postgres (creates the database bench_webhooks_cold and drops it at the end). Every
measurement starts the whole Procfile with honcho as `make run` does (web, the workers, webhooks, beat) on a
fresh VAR_DIR and an empty Redis database, waits until every process is up, makes a new merchant with one
endpoint (the receiver process of bench/webhooks_throughput.py: asyncio HTTP/1.1 keep-alive, every
signature verified with ``standardwebhooks``), commits --events events for it in one transaction through
``emit_event`` and counts deliveries/s from that commit to the last delivery's arrival (target >= 1 500/s).
Then, on the same warm stack and endpoint, as many again: the warm window's rate.

Then a second new endpoint on that stack whose receiver answers each request after --latency-ms (20 ms), as
an endpoint across a network does: the local receiver answers so fast that even 4 requests in flight keep a
worker process busy, so the window's growth shows here.

Each round measures the stack twice, alternating which goes first: with slow start (the default) and with
``WEBHOOKS_ENDPOINT_SLOW_START=false`` (the window's previous additive growth from 4, the baseline). The
figures are medians of the rounds, with the medians of the per-round ratios; this machine is shared, so the
load average before each stack and the webhooks worker's CPU per delivery (steadier than rates) are printed.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webhooks_throughput import (  # noqa: E402  # beside this script: the throughput bench's receiver and emitter
    collect,
    emit,
    first_attempts,
    free_port,
    make_endpoints,
    receiver_main,
)

POSTGRES = "postgres://postgres@127.0.0.1:5432"
DATABASE = "bench_webhooks_cold"
TARGET_RATE = 1500.0
STACK_START_SECONDS = 120.0
WEBHOOKS_WORKER = "webhooks worker"


@dataclass
class Drain:
    rate: float
    seconds: float
    missing: int
    duplicates: int
    unverified: int
    # CPU seconds of the webhooks worker (all its processes) per delivery: steadier than rates when busy.
    worker_cpu_per_delivery: float


@dataclass
class Round:
    variant: str
    load: float
    cold: Drain
    warm: Drain
    # A second, new endpoint on the same (now warm) stack whose answers take --latency-ms, as a receiver
    # across a network does: there the window, not the CPU, sets the rate.
    new_distant: Drain


def recreate_database(*, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        if not drop_only:
            admin.execute(f"CREATE DATABASE {DATABASE}")


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


class Stack:
    """The Procfile under honcho, as `make run` starts it (after its migrate, collectstatic and demo seed)."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env, self.workdir = env, workdir
        self.port = free_port()
        self.log = workdir / "honcho.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Stack:
        names = [line.split(":", 1)[0] for line in (ROOT / "Procfile").read_text().splitlines() if ":" in line]
        env = {**self.env, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"}
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "honcho", "start", "-f", "Procfile", "-p", str(self.port)],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + STACK_START_SECONDS
        while not self._up(names):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise SystemExit(f"the stack did not start:\n{self.log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        time.sleep(1.0)  # every process past its start-up work
        return self

    def _up(self, names: list[str]) -> bool:
        """Every Celery worker says ready, beat started, the web process listens."""
        lines = self.log.read_text(errors="replace").splitlines()
        for name in names:
            mine = [line for line in lines if f" {name}.1 " in line]  # honcho's prefix: "12:00:00 web.1  | "
            command = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith(name))
            if " worker " in command and not any("ready." in line for line in mine):
                return False
            if " beat " in command and not any("beat: Starting" in line for line in mine):
                return False
            if "uvicorn" in command and not any("Application startup complete" in line for line in mine):
                return False
        return True

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds used so far by the stack's processes: the webhooks worker's, and all of them."""
        ticks = os.sysconf("SC_CLK_TCK")
        processes: dict[int, tuple[int, str, float]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            processes[int(entry.name)] = (int(fields[1]), command, (int(fields[11]) + int(fields[12])) / ticks)
        assert self.process is not None
        totals = {WEBHOOKS_WORKER: 0.0, "stack": 0.0}
        for pid, (_, command, cpu) in processes.items():
            ancestor = pid
            while ancestor in processes and ancestor != self.process.pid:
                ancestor = processes[ancestor][0]
            if ancestor == self.process.pid:
                totals["stack"] += cpu
                if "--queues webhooks" in command:
                    totals[WEBHOOKS_WORKER] += cpu
        return totals

    def __exit__(self, *exc: object) -> None:
        from tests.support.processes import stop_process_group

        if self.process is not None:
            stop_process_group(self.process, grace=30)


def drain(control, endpoint, seqs: range, stack: Stack) -> Drain:
    """Commits ``seqs`` at once for the endpoint; deliveries/s from the commit to the last arrival."""
    cpu_before = stack.cpu_seconds()
    committed, _ = emit(endpoint, seqs, threads=1, at_once=True)
    expected = set(seqs)
    records, _, _ = collect(control, expected, set(endpoint.paths))
    first = first_attempts(records)
    start = min(committed.values())
    end = max(first[seq] for seq in expected if seq in first)
    ids = Counter(record[2] for record in records)
    cpu_after = stack.cpu_seconds()
    return Drain(
        rate=len(expected & set(first)) / (end - start),
        seconds=end - start,
        missing=len(expected - set(first)),
        duplicates=sum(count - 1 for count in ids.values()),
        unverified=sum(1 for record in records if not record[4]),
        worker_cpu_per_delivery=(cpu_after[WEBHOOKS_WORKER] - cpu_before[WEBHOOKS_WORKER]) / len(seqs),
    )


def measure(variant: str, env: dict[str, str], control, port: int, events: int, seq: int, latency: float) -> Round:
    flush_redis(env["REDIS_URL"])
    workdir = Path(tempfile.mkdtemp(prefix="bench-cold-"))
    load = os.getloadavg()[0]
    label = variant.replace(" ", "-")
    with Stack({**env, "VAR_DIR": str(workdir)}, workdir) as stack:
        endpoint = make_endpoints(f"{label}{seq}", 1, port, control)
        cold = drain(control, endpoint, range(seq, seq + events), stack)
        warm = drain(control, endpoint, range(seq + events, seq + 2 * events), stack)
        distant = make_endpoints(f"{label}{seq}-distant", 1, port, control)
        control.send(("latency", dict.fromkeys(distant.paths, latency)))
        assert control.recv() == "ok"
        new_distant = drain(control, distant, range(seq + 2 * events, seq + 3 * events), stack)
    shutil.rmtree(workdir, ignore_errors=True)  # kept only when the stack failed (its log says why)
    return Round(variant, load, cold, warm, new_distant)


def show(number: int, run: Round) -> None:
    drains = (run.cold, run.warm, run.new_distant)
    print(
        f"  round {number}: {run.variant:10s}  cold {run.cold.rate:5.0f}/s ({run.cold.seconds:4.1f} s,"
        f" worker CPU {run.cold.worker_cpu_per_delivery * 1000:.2f} ms/delivery)"
        f"  warm {run.warm.rate:5.0f}/s ({run.warm.worker_cpu_per_delivery * 1000:.2f} ms)"
        f"  new endpoint answering late {run.new_distant.rate:5.0f}/s"
        f"  load before {run.load:4.2f}  missing {sum(d.missing for d in drains)},"
        f" duplicates {sum(d.duplicates for d in drains)}, unverified {sum(d.unverified for d in drains)}",
        flush=True,
    )


def median_line(label: str, rates: list[float], note: str = "") -> str:
    return (
        f"  {label:52s} {statistics.median(rates):6.0f} deliveries/s{note}"
        f"   (rounds: {', '.join(f'{rate:.0f}' for rate in rates)})"
    )


def ratio_line(label: str, new: list[float], old: list[float]) -> str:
    ratios = [a / b for a, b in zip(new, old, strict=True)]
    return f"  {label:52s} {statistics.median(ratios):6.2f}x   (per round: {', '.join(f'{r:.2f}' for r in ratios)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=4000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--latency-ms", type=float, default=20.0, help="answer time of the late-answering endpoint")
    args = parser.parse_args()

    recreate_database()
    env = {
        **os.environ,
        "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": secrets.token_urlsafe(50),  # the emitter encrypts endpoint secrets the worker decrypts
        "SSRF_ALLOW_LOOPBACK": "true",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONUNBUFFERED": "1",
    }
    bench_var = Path(tempfile.mkdtemp(prefix="bench-cold-emitter-"))
    os.environ.update({**env, "VAR_DIR": str(bench_var), "LOG_LEVEL": "WARNING"})
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    port = free_port()
    control, child_end = multiprocessing.get_context("spawn").Pipe()
    receiver = multiprocessing.get_context("spawn").Process(target=receiver_main, args=(port, child_end), daemon=True)
    receiver.start()
    assert control.recv() == "ready"
    variants = {"slow start": {}, "additive": {"WEBHOOKS_ENDPOINT_SLOW_START": "false"}}
    runs: dict[str, list[Round]] = {name: [] for name in variants}
    print(f"{args.events} events for one endpoint committed at once on a freshly started Procfile stack (honcho)")
    try:
        seq = 0
        for number in range(1, args.rounds + 1):
            order = list(variants) if number % 2 else list(reversed(variants))
            for name in order:
                runs[name].append(
                    measure(name, {**env, **variants[name]}, control, port, args.events, seq, args.latency_ms / 1000)
                )
                seq += 3 * args.events
                show(number, runs[name][-1])
    finally:
        control.send(("stop", None))
        receiver.join(timeout=10)
        from django.db import connections

        connections.close_all()
        recreate_database(drop_only=True)
        flush_redis(args.redis_url)
        shutil.rmtree(bench_var, ignore_errors=True)

    def rates(name: str, kind: str) -> list[float]:
        return [getattr(run, kind).rate for run in runs[name]]

    lost = sum(d.missing for group in runs.values() for run in group for d in (run.cold, run.warm, run.new_distant))
    cold = statistics.median(rates("slow start", "cold"))
    print()
    print(f"median of {args.rounds} rounds; cold start = from the commit on a stack just started:")
    print(
        median_line(
            "cold start, slow start (default):",
            rates("slow start", "cold"),
            f"   target >= {TARGET_RATE:.0f}   {'OK' if cold >= TARGET_RATE else 'MISSED'}",
        )
    )
    print(median_line("cold start, additive growth (baseline):", rates("additive", "cold")))
    print(ratio_line("slow start / additive, cold start:", rates("slow start", "cold"), rates("additive", "cold")))
    print(median_line("warm window, same stack and endpoint, slow start:", rates("slow start", "warm")))
    print(ratio_line("cold / warm, slow start:", rates("slow start", "cold"), rates("slow start", "warm")))
    late = f"new endpoint answering in {args.latency_ms:.0f} ms"
    print(median_line(f"{late}, slow start:", rates("slow start", "new_distant")))
    print(median_line(f"{late}, additive (baseline):", rates("additive", "new_distant")))
    print(
        ratio_line(
            f"slow start / additive, {late}:", rates("slow start", "new_distant"), rates("additive", "new_distant")
        )
    )
    for name, group in runs.items():
        cpu = statistics.median(run.cold.worker_cpu_per_delivery for run in group)
        print(f"  webhooks worker CPU per delivery, cold start, {name}: {cpu * 1000:.2f} ms (median)")
    print(f"every webhook-id received: {'yes' if lost == 0 else f'NO, {lost} missing'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
