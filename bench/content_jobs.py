"""End-to-end Content jobs: the Procfile's web command and a real ``celery worker`` (the
Procfile's, concurrency 2) on Redis and PostgreSQL, jobs submitted and polled through the HTTP API.

Run: .venv/bin/python bench/content_jobs.py [sequential_jobs] [burst_jobs]

1. Latency: ``sequential_jobs`` (default 30) 3-image jobs (the default request: 3 styles × Instagram), one
   at a time; each from the POST to the first poll (every 20 ms) that shows COMPLETED. Prints p50/p95/max.
2. Burst: ``burst_jobs`` (default 25) jobs POSTed at once by 5 client threads; drained when the last one
   is COMPLETED. Prints images/s beside the single-process render rate (render + encode of the same 3
   images in this process, measured just before and just after the burst with the worker idle), their
   ratio, the CPU the worker and web processes used while draining and how busy the machine's cores were
   (other work on the machine shows there too: compare runs, don't trust one).

Uses Redis at 127.0.0.1:6379 db 11 (flushed before and after) and PostgreSQL at 127.0.0.1:5432 (user
postgres) with a database of its own, ``bench_content``, created here and dropped at the end; media in a
temporary folder. No AI keys: the built-in templates draw every image.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench import stack  # noqa: E402
from tests.support.processes import free_port, procfile_command, stop_process_group, wait_for_port  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/11"
DATABASE_NAME = "bench_content"
RUN_DIR = Path(tempfile.mkdtemp(prefix="bench-content-"))
ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DATABASE_URL": stack.database_url(DATABASE_NAME),
    "REDIS_URL": REDIS_URL,
    "VAR_DIR": str(RUN_DIR / "var"),
    "MEDIA_ROOT": str(RUN_DIR / "media"),
    "STABILITY_API_KEY": "",
    "OPENAI_API_KEY": "",
    "CELERY_TASK_ALWAYS_EAGER": "false",
    # The bench measures rendering, not the per-merchant request budget (30 a minute by default).
    "CONTENT_RATE_LIMIT": "100000",
    "PYTHONUNBUFFERED": "1",
}
os.environ.update(ENVIRONMENT)

POLL_SECONDS = 0.02
JOB_TIMEOUT = 60.0
EVENT_INFO = {"title": "봄맞이 커피 할인 이벤트", "giftName": "아메리카노 1+1", "brandColor": "#FF5733"}


def start(command: list[str], log_name: str) -> subprocess.Popen:
    return stack.start(command, RUN_DIR / log_name)


def wait_for_worker(process: subprocess.Popen, timeout: float = 60.0) -> None:
    log = RUN_DIR / "worker.log"
    deadline = time.monotonic() + timeout
    while "ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"celery worker did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def machine_busy_and_total_seconds() -> tuple[float, float]:
    """CPU seconds all cores spent busy, and in total, since boot (Linux /proc/stat)."""
    values = [int(value) for value in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    ticks = os.sysconf("SC_CLK_TCK")
    return (sum(values) - idle) / ticks, sum(values) / ticks


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Client:
    def __init__(self, base_url: str, username: str, password: str) -> None:
        import requests

        self.base_url = base_url
        self.session = requests.Session()
        response = self.session.post(
            f"{base_url}/api/auth/token", json={"username": username, "password": password}, timeout=10
        )
        response.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {response.json()['access']}"

    def submit(self) -> str:
        body: dict[str, Any] = {"eventDraftId": f"bench-{uuid.uuid4().hex[:12]}", "eventInfo": EVENT_INFO}
        response = self.session.post(f"{self.base_url}/api/content/images/generate", json=body, timeout=10)
        assert response.status_code == 202, (response.status_code, response.text)
        return response.json()["jobId"]

    def wait(self, job_id: str) -> dict:
        deadline = time.monotonic() + JOB_TIMEOUT
        while time.monotonic() < deadline:
            body = self.session.get(f"{self.base_url}/api/content/images/jobs/{job_id}", timeout=10).json()
            if body["status"] in ("COMPLETED", "FAILED"):
                assert body["status"] == "COMPLETED" and len(body["images"]) == 3, body
                return body
            time.sleep(POLL_SECONDS)
        raise TimeoutError(f"job {job_id} not finished within {JOB_TIMEOUT}s")

    def job_seconds(self) -> float:
        started = time.perf_counter()
        self.wait(self.submit())
        return time.perf_counter() - started


def single_process_rate(rounds: int = 8) -> tuple[float, float]:
    """Render + encode the job's 3 images in this process, one after the other: images/s (wall time) and
    CPU ms per image."""
    from common.images import encode_png
    from content.constants import ALL_STYLES, Platform
    from content.providers.template import EventArt, render_event_image

    event = EventArt(EVENT_INFO["title"], EVENT_INFO["giftName"], EVENT_INFO["brandColor"])
    for style in ALL_STYLES:  # fonts loaded, masks computed, as in a warm worker
        encode_png(render_event_image(event, style=style, platform=Platform.INSTAGRAM))
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(rounds):
        for style in ALL_STYLES:
            encode_png(render_event_image(event, style=style, platform=Platform.INSTAGRAM))
    images = rounds * len(ALL_STYLES)
    return images / (time.perf_counter() - started), (time.process_time() - cpu_started) * 1000 / images


def main(sequential: int, burst: int) -> None:
    stack.create_database(DATABASE_NAME)
    stack.flush_redis(REDIS_URL)
    processes: dict[str, subprocess.Popen] = {}
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=dict(os.environ), check=True
        )
        import django

        django.setup()
        from content.models import ImageJob
        from merchants.services import create_merchant

        create_merchant(name="Bench Cafe", username="bench", password="bench-pass-123")
        port = free_port()
        web = procfile_command("web", port)
        web[0] = str(Path(sys.executable).with_name(web[0]))  # the virtualenv's server, as honcho finds it
        worker = [sys.executable, "-m", "celery", "-A", "config", "worker", "--loglevel", "INFO"]
        worker += ["--queues", "default,image-generation-job,tryon,webhooks", "--concurrency", "2"]
        worker += ["--without-gossip", "--without-mingle", "--hostname", f"bench-{os.getpid()}@%h"]
        processes["web"] = start(web, "web.log")
        processes["worker"] = start(worker, "worker.log")
        wait_for_port(port)
        wait_for_worker(processes["worker"])
        client = Client(f"http://127.0.0.1:{port}", "bench", "bench-pass-123")

        cold = [client.job_seconds() for _ in range(4)]  # both pool processes load fonts and masks
        latencies = [client.job_seconds() for _ in range(sequential)]
        print("3-image jobs (3 styles x Instagram), one at a time,")
        print(f"POST -> COMPLETED seen by polling every {POLL_SECONDS * 1000:.0f} ms")
        print(f"  first jobs (cold worker processes): {', '.join(f'{s * 1000:.0f}' for s in cold)} ms")
        print(
            f"  {sequential} jobs: p50 {statistics.median(latencies) * 1000:.0f} ms   "
            f"p95 {percentile(latencies, 0.95) * 1000:.0f} ms   max {max(latencies) * 1000:.0f} ms"
            f"   (target p95 <= 1000 ms: {'met' if percentile(latencies, 0.95) <= 1.0 else 'MISSED'})"
        )

        single_before, cpu_ms_before = single_process_rate()
        cpu_before = {name: stack.group_cpu_seconds(process.pid) for name, process in processes.items()}
        machine_before = machine_busy_and_total_seconds()
        started = time.time()
        with ThreadPoolExecutor(max_workers=5) as pool:
            job_ids = list(pool.map(lambda _: client.submit(), range(burst)))
        submitted = time.time() - started
        deadline = time.monotonic() + JOB_TIMEOUT * 3
        # Checked only every 0.2 s (the check costs CPU the worker needs); the drain time comes from the
        # jobs' own completion timestamps, written by the worker on this machine's clock.
        while ImageJob.objects.filter(id__in=job_ids, status=ImageJob.Status.COMPLETED).count() < burst:
            if time.monotonic() > deadline:
                raise TimeoutError("the burst was not drained in time")
            time.sleep(0.2)
        cpu = {name: stack.group_cpu_seconds(process.pid) - cpu_before[name] for name, process in processes.items()}
        machine_after = machine_busy_and_total_seconds()
        busy = (machine_after[0] - machine_before[0]) / (machine_after[1] - machine_before[1])
        single_after, cpu_ms_after = single_process_rate()
        single_rate = (single_before + single_after) / 2
        jobs = list(ImageJob.objects.filter(id__in=job_ids))
        finished = [(job.created_at, job.completed_at) for job in jobs if job.completed_at is not None]
        assert len(finished) == len(jobs), "every job was waited for until it completed"
        drained = max(completed for _, completed in finished).timestamp() - started
        waits = [(completed - created).total_seconds() for created, completed in finished]
        images = sum(job.images_total for job in jobs)
        rate = images / drained
        print(f"\nburst: {burst} jobs POSTed by 5 threads in {submitted * 1000:.0f} ms, drained in {drained:.2f} s")
        print(f"  job latency in the burst: p50 {statistics.median(waits):.2f} s   max {max(waits):.2f} s")
        print(f"  drained at:                  {rate:5.1f} images/s (worker: 2 processes)")
        print(
            f"  single-process render rate:  {single_rate:5.1f} images/s "
            f"(render + encode in this process, {single_before:.1f} before / {single_after:.1f} after the burst)"
        )
        print(f"  ratio: {rate / single_rate:.2f} x  (cores: {os.cpu_count()}, shared with web, PostgreSQL, Redis)")
        print(
            f"  CPU while draining: worker {cpu['worker'] * 1000 / images:.0f} ms per image "
            f"(render + encode alone {(cpu_ms_before + cpu_ms_after) / 2:.0f} ms), web {cpu['web']:.2f} s, "
            f"all processes {busy * 100:.0f} % of the machine's cores"
        )
    finally:
        for process in processes.values():
            stop_process_group(process)
        from django.db import connections

        connections.close_all()
        stack.drop_database(DATABASE_NAME)
        stack.flush_redis(REDIS_URL)
        shutil.rmtree(RUN_DIR, ignore_errors=True)


if __name__ == "__main__":
    arguments = [int(argument) for argument in sys.argv[1:]]
    main(*(arguments + [30, 25][len(arguments) :]))
