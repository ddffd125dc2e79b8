"""Job-status polling against the bare /healthz view, under the Procfile's gunicorn, in one run.

Starts everything it measures: a PostgreSQL database of its own (created, migrated and dropped again), the
Redis cache and broker at 127.0.0.1:6379 db 13, and the Procfile's ``web`` command on a free port. Seeds a
merchant, a COMPLETED content job (9 images rendered by the real pipeline) and a COMPLETED try-on job, then
runs alternating rounds of ``wrk`` against

- ``GET /healthz`` (the floor: Django and gunicorn with no view work),
- ``GET /api/content/images/jobs/{jobId}`` with a Bearer JWT,
- ``GET /api/tryon/{jobId}`` with an ``x-api-key``,

and prints req/s of each round, the medians, and each status endpoint's ratio to /healthz (taken within each
round, then the median). Beside req/s it prints the server's CPU time per request (gunicorn's processes, from
/proc), which a busy machine disturbs far less than throughput.

Run: .venv/bin/python bench/status_polling.py [--rounds 5] [--seconds 5] [--connections 16]
Needs wrk (Debian: apt-get install -y wrk), PostgreSQL at 127.0.0.1:5432 (user postgres) and Redis.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "bench_polling"
REDIS_URL = "redis://127.0.0.1:6379/13"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def procfile_web_command(port: int) -> list[str]:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            command = shlex.split(line.removeprefix("web:").replace("$PORT", str(port)))
            # The virtualenv's gunicorn, as `honcho start` finds it on PATH.
            return [str(Path(sys.executable).with_name(command[0])), *command[1:]]
    raise SystemExit("Procfile has no web process")


def admin_sql(statement: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER.replace('postgres://', 'postgresql://')}/postgres", autocommit=True) as conn:
        conn.execute(statement)


@contextlib.contextmanager
def own_database() -> Iterator[None]:
    admin_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    admin_sql(f"CREATE DATABASE {DATABASE}")
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        admin_sql(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def configure_environment(var_dir: Path, port: int) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"{PG_SERVER}/{DATABASE}",
            "REDIS_URL": REDIS_URL,
            "VAR_DIR": str(var_dir),
            "MEDIA_ROOT": str(var_dir / "media"),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "CELERY_TASK_ALWAYS_EAGER": "true",  # the seed job renders here, before the server starts
            "LOG_LEVEL": "WARNING",
            # One key makes every request here: its per-key limit must not turn the load into 429s (the
            # counter is still counted, as in production; only its ceiling is out of the way).
            "THROTTLE_RATE_PER_API_KEY": "100000000/min",
        }
    )
    sys.path.insert(0, str(ROOT))


def seed() -> dict[str, str]:
    """A merchant with a COMPLETED content job (real render) and a COMPLETED try-on job; their credentials."""
    import io

    from django.core.management import call_command
    from PIL import Image
    from rest_framework_simplejwt.tokens import RefreshToken

    from content.generation import request_generation
    from merchants.services import create_merchant, issue_api_key
    from merchants.tokens import access_token_for
    from tryon.models import TryOnJob
    from tryon.pipeline import finish
    from tryon.providers.base import EngineResult

    call_command("migrate", verbosity=0)
    merchant = create_merchant(name="Bench Shop", username="bench", password="bench-password-1")
    user = merchant.memberships.get().user
    content_job = request_generation(
        merchant=merchant,
        data={
            "eventDraftId": "bench-event-1",
            "eventInfo": {"title": "봄맞이 커피 할인 이벤트", "giftName": "아메리카노 1+1", "brandColor": "#FF5733"},
            "styles": ["SIMPLE", "FANCY", "TRENDY"],
            "platforms": ["INSTAGRAM", "NAVER_BLOG", "KAKAO_CHANNEL"],
        },
    ).job
    tryon_job = TryOnJob.objects.create(
        merchant=merchant, product_image_url="https://shop.example.com/shirt.jpg", product_title="린넨 셔츠"
    )
    result = io.BytesIO()
    Image.new("RGB", (768, 1024), (200, 180, 160)).save(result, "PNG")
    finish(tryon_job, result=EngineResult(image=result.getvalue(), extension="png", metadata={"engine": "bench"}))
    return {
        "jwt": str(access_token_for(RefreshToken.for_user(user), user)),
        "api_key": issue_api_key(merchant=merchant, name="bench").raw_key,
        "content_job": content_job.id,
        "tryon_job": str(tryon_job.id),
    }


@contextlib.contextmanager
def web_server(port: int, log_path: Path) -> Iterator[int]:
    """Runs the Procfile's web command; yields its process group."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            procfile_web_command(port), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"gunicorn did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield process.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def check_answer(url: str, headers: dict[str, str], expect: str) -> None:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        body = json.loads(response.read())
    text = json.dumps(body, ensure_ascii=False)
    if expect not in text:
        raise SystemExit(f"{url} did not answer {expect}: {text[:500]}")


def group_cpu_seconds(process_group: int) -> float:
    """CPU time (user + system) used so far by the processes of a group: gunicorn's master and workers."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == process_group:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Round:
    rate: float  # req/s
    cpu_per_request_ms: float  # gunicorn CPU per request: steadier than req/s on a busy machine


def wrk(url: str, headers: dict[str, str], *, seconds: int, connections: int, server_group: int) -> Round:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    cpu_before = group_cpu_seconds(server_group)
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    cpu = group_cpu_seconds(server_group) - cpu_before
    if "Non-2xx or 3xx responses" in output:
        raise SystemExit(f"errors under load at {url}:\n{output}")
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    if rate is None or total is None:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    return Round(float(rate.group(1)), 1000 * cpu / max(1, int(total.group(1))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=16)
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: install it with `apt-get install -y wrk` (Debian/Ubuntu)")

    port = free_port()
    var_dir = Path(tempfile.mkdtemp(prefix="bench-polling-"))
    configure_environment(var_dir, port)
    import django

    django.setup()
    from django.db import connections

    with own_database():
        seeded = seed()
        connections.close_all()
        base = f"http://127.0.0.1:{port}"
        targets = {
            "/healthz": (f"{base}/healthz", {}, '"ok"'),
            "content job status": (
                f"{base}/api/content/images/jobs/{seeded['content_job']}",
                {"Authorization": f"Bearer {seeded['jwt']}"},
                '"status": "COMPLETED"',
            ),
            "try-on job status": (
                f"{base}/api/tryon/{seeded['tryon_job']}",
                {"x-api-key": seeded["api_key"]},
                '"resultImageUrl"',
            ),
        }
        with web_server(port, var_dir / "gunicorn.log") as server_group:
            for url, headers, expect in targets.values():
                check_answer(url, headers, expect)
                wrk(url, headers, seconds=2, connections=options.connections, server_group=server_group)  # warm-up
            results: dict[str, list[Round]] = {name: [] for name in targets}
            print(
                f"wrk -t2 -c{options.connections} -d{options.seconds}s, {options.rounds} alternating rounds; "
                f"server: {' '.join(procfile_web_command(port)[1:])}"
            )
            for round_number in range(1, options.rounds + 1):
                line = []
                for name, (url, headers, _) in targets.items():
                    measured = wrk(
                        url,
                        headers,
                        seconds=options.seconds,
                        connections=options.connections,
                        server_group=server_group,
                    )
                    results[name].append(measured)
                    line.append(f"{name} {measured.rate:6.0f}")
                print(f"round {round_number}: " + "   ".join(line) + "  req/s")
    # Ratios are taken within each round (the machine's load drifts between rounds), then their median.
    floors = results["/healthz"]
    print(
        f"\n{'endpoint':20s} {'median req/s':>12s} {'vs /healthz':>11s} {'server CPU/request':>19s} {'vs /healthz':>11s}"
    )
    for name, rounds in results.items():
        rate = statistics.median(r.rate for r in rounds)
        cpu = statistics.median(r.cpu_per_request_ms for r in rounds)
        rate_ratio = statistics.median(r.rate / floor.rate for r, floor in zip(rounds, floors, strict=True))
        cpu_ratio = statistics.median(
            r.cpu_per_request_ms / floor.cpu_per_request_ms for r, floor in zip(rounds, floors, strict=True)
        )
        print(f"{name:20s} {rate:12.0f} {rate_ratio:11.0%} {cpu:16.3f} ms {cpu_ratio:10.2f}x")


if __name__ == "__main__":
    main()
