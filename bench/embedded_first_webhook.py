"""Commit → first webhook attempt on the embedded default (SQLite, filesystem broker, file cache), in one run.

Starts the Procfile's ``webhooks`` worker on a fresh SQLite database of its own, a local receiver, and emits
``tryon.completed`` events one at a time (each in its own committed transaction, a pause between them, as
try-ons finish in a quiet shop). For each it takes the time from the commit to the receiver's first request.
Two rounds, each with its own worker: kombu's default polling (``FILESYSTEM_BROKER_POLL_SECONDS=1``, the
baseline, what the embedded default had) and the setting's default (0.1 s); it prints p50 / p95 / max beside
each other, and the idle worker's CPU per second at each polling interval.

Run: .venv/bin/python bench/embedded_first_webhook.py [--events 20]
"""

from __future__ import annotations

import argparse
import operator
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the processes in ``pid``'s process group (Celery's main process and its pool)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pid:  # the process group (the worker is started in a session of its own)
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=20)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bench-first-webhook-"))
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL", "VAR_DIR")}
    env.update(
        {
            "VAR_DIR": str(root / "var"),
            "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
            "SSRF_ALLOW_LOOPBACK": "true",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "PYTHONUNBUFFERED": "1",
        }
    )
    os.environ.update(env)
    for key in ("REDIS_URL",):
        os.environ.pop(key, None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)

    arrivals: dict[str, float] = {}
    arrived = threading.Condition()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with arrived:
                arrivals.setdefault(self.headers["webhook-id"], time.monotonic())
                arrived.notify_all()
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    import django

    django.setup()
    from django.db import transaction

    from merchants.services import create_merchant
    from webhooks.models import WebhookDelivery
    from webhooks.services import create_endpoint, emit_event

    merchant = create_merchant(name="Bench Shop", username="bench", password="bench-pass-1")
    create_endpoint(
        merchant=merchant, url=f"http://127.0.0.1:{server.server_address[1]}/hook", events=["tryon.completed"]
    )

    command = next(
        line.split(":", 1)[1].split()
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.startswith("webhooks:")
    )
    results = {}
    for label, interval in (("kombu default (baseline)", "1.0"), ("FILESYSTEM_BROKER_POLL_SECONDS default", "0.1")):
        log = (root / f"worker-{interval}.log").open("wb")
        worker = subprocess.Popen(
            [str(Path(sys.executable).with_name(command[0])), *command[1:]],
            cwd=ROOT,
            env={**env, "FILESYSTEM_BROKER_POLL_SECONDS": interval},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        while "ready." not in (root / f"worker-{interval}.log").read_text(errors="replace"):
            time.sleep(0.2)
        time.sleep(2)
        idle_started, idle_cpu = time.monotonic(), cpu_seconds(worker.pid)
        time.sleep(5)
        idle = (cpu_seconds(worker.pid) - idle_cpu) / (time.monotonic() - idle_started)
        waits = []
        for number in range(args.events):
            with transaction.atomic():
                emit_event(merchant=merchant, event_type="tryon.completed", data={"round": interval, "n": number})
            committed = time.monotonic()
            message_id = WebhookDelivery.objects.latest("created_at").message_id
            with arrived:
                arrived.wait_for(partial(operator.contains, arrivals, message_id), timeout=30)
            waits.append(arrivals[message_id] - committed)
            time.sleep(0.37)  # a quiet shop: the worker is idle again before the next event
        os.killpg(worker.pid, 15)
        worker.wait()
        waits.sort()
        results[label] = (waits, idle)
    print(f"commit -> first webhook attempt on the embedded default, {args.events} events one at a time")
    for label, (waits, idle) in results.items():
        p95 = waits[min(len(waits) - 1, int(round(0.95 * (len(waits) - 1))))]
        print(
            f"  {label:40s} p50 {statistics.median(waits) * 1000:5.0f} ms  p95 {p95 * 1000:5.0f} ms  "
            f"max {waits[-1] * 1000:5.0f} ms   idle worker CPU {idle * 1000:4.1f} ms/s"
        )
    base, new = (statistics.median(waits) for waits, _ in results.values())
    print(f"  median ratio {new / base:.2f}x of the baseline; target: first attempt within 300 ms")
    server.shutdown()


if __name__ == "__main__":
    main()
