"""CPU per webhook delivery of one dispatcher run, ours and PostgreSQL's, against a baseline in the same run.

Run: .venv/bin/python bench/webhooks_dispatch_cpu.py [--events 3000] [--rounds 3] [--against HEAD~3]

The cold-start bench (bench/webhooks_cold_start.py) starts the whole stack; this one isolates the dispatcher:
one process, one fast local receiver (bench/webhooks_throughput.py's, which verifies every signature), one
endpoint, --events events committed at once without a kick, then one ``dispatch_due_deliveries()`` run in
this process at the worker's log level (INFO, plain format, written to /dev/null). Printed per round: the
process's CPU per delivery (every thread: the run's and the sending ones) and the PostgreSQL backend's that
served it (read from /proc: PostgreSQL must run on this machine), and deliveries/s.

``--against REF`` measures the engine of that git revision too (its tree exported to a temporary directory,
run by this same script), alternating rounds, and prints the medians' ratios: a before/after on one machine
in one run, which its noise affects alike. ``--profile FILE`` writes a cProfile of every thread of one run.

Needs Redis (--redis-url, its database is flushed) and PostgreSQL on 127.0.0.1:5432 as user postgres
(creates the database bench_webhooks_cpu and drops it at the end).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = "postgres://postgres@127.0.0.1:5432"
DATABASE = "bench_webhooks_cpu"


def _backend_cpu(pid: int) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / ticks


def child(args: argparse.Namespace) -> int:
    """One measurement in this process (run with cwd and sys.path at the engine's tree): prints one JSON line."""
    import logging

    os.environ.update(
        {
            "DATABASE_URL": f"{POSTGRES}/{DATABASE}",
            "REDIS_URL": args.redis_url,
            "SSRF_ALLOW_LOOPBACK": "true",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "WEBHOOKS_DISPATCH_ON_COMMIT": "false",
            "LOG_LEVEL": "INFO",
            "LOG_FORMAT": "plain",
            "VAR_DIR": tempfile.mkdtemp(prefix="bench-dispatch-cpu-"),
        }
    )
    sys.path.insert(0, str(Path.cwd()))
    import django

    django.setup()
    # The worker's handler, writing where nobody reads: formatting costs what it costs in the worker.
    devnull = Path(os.devnull).open("w")  # noqa: SIM115 - for the life of this process
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(devnull)
    from django.db import connection

    from merchants.models import Merchant
    from webhooks.delivery.dispatcher import dispatch_due_deliveries
    from webhooks.models import WebhookDelivery
    from webhooks.services import create_endpoint, emit_event

    merchant = Merchant.objects.create(name=f"bench cpu {args.label}")
    path = f"/cpu/{args.label}"
    _, secret = create_endpoint(
        merchant=merchant, url=f"http://127.0.0.1:{args.port}{path}", events=["tryon.completed"]
    )
    print(json.dumps({"secret": [path, secret]}), flush=True)
    assert sys.stdin.readline().strip() == "go"
    from django.db import transaction

    with transaction.atomic():
        for seq in range(args.seq, args.seq + args.events):
            emit_event(merchant=merchant, event_type="tryon.completed", data={"seq": seq, "jobId": f"job-{seq}"})
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    profiles: list = []
    if args.profile:
        import cProfile

        from webhooks.delivery.lanes import Lane

        original = Lane.send_rows

        def profiled(self, events):
            profile = cProfile.Profile(time.thread_time)
            profiles.append(profile)
            profile.enable()
            try:
                original(self, events)
            finally:
                profile.disable()

        Lane.send_rows = profiled  # type: ignore[method-assign]
        main_profile = cProfile.Profile(time.thread_time)
        profiles.append(main_profile)
    backend_before, cpu_before, wall_before = _backend_cpu(backend), time.process_time(), time.monotonic()
    main_before = time.thread_time()
    if args.profile:
        main_profile.enable()
    processed = dispatch_due_deliveries()
    if args.profile:
        main_profile.disable()
    main_cpu = time.thread_time() - main_before
    wall, cpu, backend_cpu = (
        time.monotonic() - wall_before,
        time.process_time() - cpu_before,
        _backend_cpu(backend) - backend_before,
    )
    delivered = WebhookDelivery.objects.filter(endpoint__merchant=merchant, status="DELIVERED").count()
    if args.profile:
        import pstats

        stats = pstats.Stats(profiles[0])
        for profile in profiles[1:]:
            stats.add(profile)
        stats.dump_stats(args.profile)
    print(
        json.dumps(
            {
                "processed": processed,
                "delivered": delivered,
                "wall": wall,
                "cpu": cpu,
                "backend_cpu": backend_cpu,
                "main_cpu": main_cpu,
            }
        ),
        flush=True,
    )
    return 0


def run_child(tree: Path, args: argparse.Namespace, control, label: str, seq: int, profile: str = "") -> dict:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        "--events",
        str(args.events),
        "--redis-url",
        args.redis_url,
        "--port",
        str(args.port),
        "--label",
        label,
        "--seq",
        str(seq),
    ]
    if profile:
        command += ["--profile", profile]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    process = subprocess.Popen(command, cwd=tree, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdin is not None and process.stdout is not None
    path, secret = json.loads(process.stdout.readline())["secret"]
    control.send(("secrets", {path: secret}))
    assert control.recv() == "ok"
    process.stdin.write("go\n")
    process.stdin.flush()
    result = json.loads(process.stdout.readline())
    process.wait(timeout=60)
    control.send(("take", None))
    records, _, _ = control.recv()
    mine = [record for record in records if record[1] == path]
    result["received"] = len({record[3] for record in mine})
    result["unverified"] = sum(1 for record in mine if not record[4])
    return result


def export_tree(ref: str) -> Path:
    tree = Path(tempfile.mkdtemp(prefix="bench-dispatch-cpu-tree-"))
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--against", default="", help="a git revision whose engine is measured alongside")
    parser.add_argument("--profile", default="", help="write a cProfile of the first run (every thread) here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--label", default="", help=argparse.SUPPRESS)
    parser.add_argument("--seq", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    import psycopg
    import redis

    sys.path.insert(0, str(ROOT / "bench"))
    from webhooks_throughput import free_port, receiver_main

    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DATABASE}")
    redis.Redis.from_url(args.redis_url).flushdb()
    migrate_env = {**os.environ, "DATABASE_URL": f"{POSTGRES}/{DATABASE}", "REDIS_URL": args.redis_url}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=migrate_env, check=True)
    trees = {"this tree": ROOT}
    if args.against:
        trees[args.against] = export_tree(args.against)
    args.port = free_port()
    control, child_end = multiprocessing.get_context("spawn").Pipe()
    receiver = multiprocessing.get_context("spawn").Process(
        target=receiver_main, args=(args.port, child_end), daemon=True
    )
    receiver.start()
    assert control.recv() == "ready"
    results: dict[str, list[dict]] = {name: [] for name in trees}
    print(
        f"{args.events} deliveries to one local endpoint, one dispatcher run per round; load {os.getloadavg()[0]:.2f}"
    )
    try:
        seq = 0
        for number in range(1, args.rounds + 1):
            order = list(trees) if number % 2 else list(reversed(trees))
            for name in order:
                profile = args.profile if (number == 1 and name == "this tree") else ""
                result = run_child(trees[name], args, control, f"r{number}-{len(results[name])}-{seq}", seq, profile)
                seq += args.events
                results[name].append(result)
                print(
                    f"  round {number} {name:12s}: {args.events / result['wall']:6.0f}/s"
                    f"  ours {result['cpu'] / args.events * 1000:.3f} ms/delivery"
                    f" (the run's thread {result['main_cpu'] / args.events * 1000:.3f})"
                    f"  PostgreSQL {result['backend_cpu'] / args.events * 1000:.3f} ms/delivery"
                    f"  delivered {result['delivered']}, received {result['received']},"
                    f" unverified {result['unverified']}",
                    flush=True,
                )
    finally:
        control.send(("stop", None))
        receiver.join(timeout=10)
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        redis.Redis.from_url(args.redis_url).flushdb()

    def median(name: str, key: str) -> float:
        return statistics.median(result[key] for result in results[name]) / args.events

    print()
    for name in trees:
        print(
            f"  {name:12s} median: ours {median(name, 'cpu') * 1000:.3f} ms/delivery,"
            f" PostgreSQL {median(name, 'backend_cpu') * 1000:.3f} ms/delivery,"
            f" {1 / median(name, 'wall'):.0f} deliveries/s"
        )
    if args.against:
        for key, label in (("cpu", "our CPU"), ("backend_cpu", "PostgreSQL CPU"), ("wall", "wall time")):
            print(
                f"  {label} per delivery, this tree / {args.against}: {median('this tree', key) / median(args.against, key):.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
