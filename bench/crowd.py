"""A shop's crowd (issue 25): try-on bursts against a FASHN that takes 8 s a prediction and allows 6 at once,
content jobs beside them, and product hosts that trickle — on Redis + PostgreSQL with the Procfile's processes.

Run: .venv/bin/python bench/crowd.py

Every figure is printed beside its baseline from the same run:
1. 12 try-ons posted together → all COMPLETED, beside FASHN's own floor (two rounds of 8 s at 6 in flight);
   the most predictions FASHN had in flight (it answers 429 beyond 6) and its refusals.
2. 60 try-ons from three shops (40 / 10 / 10) → each shop's first result, beside one prediction's 8 s.
3. A content job (AI artwork, 3 s a style) posted during the 12-try-on burst, beside the same job on the idle
   stack; the idle job itself beside one provider answer (3 s) and the 9 s of asking the styles in turn.
4. The workers' processes and memory (PSS and RSS, the most seen during the burst) in the Procfile's layout
   (a content and a try-on worker) beside the single `worker` line the Procfile had before, same burst.
5. Ten product hosts trickling a byte every 2 s: each POST's answer time and /healthz meanwhile, beside
   /healthz on the idle stack.

Uses Redis at 127.0.0.1:6379 db 9 (flushed) and PostgreSQL at 127.0.0.1:5432 with a database of its own,
``bench_crowd``, created here and dropped at the end; media in a temporary folder.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATABASE = "bench_crowd"
REDIS_URL = "redis://127.0.0.1:6379/9"
RUN_DIR = Path(tempfile.mkdtemp(prefix="bench-crowd-"))
# The web and worker processes inherit this environment; this process reads their database with the ORM.
os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DATABASE}",
        "REDIS_URL": REDIS_URL,
        "VAR_DIR": str(RUN_DIR / "var"),
        "MEDIA_ROOT": str(RUN_DIR / "media"),
        "SSRF_ALLOW_LOOPBACK": "true",
        "CONTENT_RATE_LIMIT": "100000",
        "THROTTLE_RATE_PER_API_KEY": "100000/min",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PYTHONUNBUFFERED": "1",
    }
)

import django  # noqa: E402

django.setup()

import requests  # noqa: E402

from bench import stack  # noqa: E402
from tests.support.fashn import FakeFashn, fake_fashn_server  # noqa: E402
from tests.support.http import QuietHandler, http_server  # noqa: E402
from tests.support.processes import free_port, procfile_command, stop_process_group, wait_for_port  # noqa: E402
from tests.support.shop import person_jpeg, product_image_server  # noqa: E402
from tests.support.stability import FakeStability  # noqa: E402

PREDICTION_SECONDS = 8.0
FASHN_CONCURRENCY = 6
ARTWORK_SECONDS = 3.0
EVENT_INFO = {"title": "봄맞이 커피 할인 이벤트", "giftName": "아메리카노 1+1", "brandColor": "#FF5733"}
TODAY_WORKER = "celery -A config worker --loglevel INFO --queues default,image-generation-job,tryon --concurrency 2"


class Stack:
    """The Procfile's web and workers on the bench's database, with the shops' keys."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: dict[str, subprocess.Popen] = {}
        self.keys: dict[str, str] = {}
        self.session = requests.Session()
        # Twelve threads post at once: a connection each, kept alive.
        self.session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=32))

    def start(self, name: str, command: list[str]) -> subprocess.Popen:
        log = RUN_DIR / f"{name}.log"
        process = stack.start(command, log)
        self.processes[name] = process
        if "worker" in name:
            stack.wait_for_line(process, log, "ready.")
        return process

    def stop(self, name: str) -> None:
        stop_process_group(self.processes.pop(name))

    def stop_all(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def try_on(self, shop: str, product_url: str, photo: bytes) -> tuple[float, str]:
        """(when it was posted, job id)."""
        posted = time.time()
        response = self.session.post(
            f"{self.url}/api/tryon",
            headers={"x-api-key": self.keys[shop]},
            files={"userImage": ("me.jpg", photo, "image/jpeg")},
            data={"productImageUrl": product_url},
            timeout=60,
        )
        assert response.status_code == 202, response.text
        return posted, response.json()["data"]["jobId"]

    def content_job(self, token: str) -> tuple[float, str]:
        posted = time.time()
        response = self.session.post(
            f"{self.url}/api/content/images/generate",
            headers={"Authorization": f"Bearer {token}"},
            json={"eventDraftId": f"bench-{uuid.uuid4().hex[:10]}", "eventInfo": EVENT_INFO},
            timeout=30,
        )
        assert response.status_code == 202, response.text
        return posted, response.json()["jobId"]


def finished_at(model: Any, job_id: str, timeout: float = 600.0) -> float:
    """When the job was finished (its row's own timestamp: the machine's clock, as ``time.time()``)."""
    field = "finished_at" if model.__name__ == "TryOnJob" else "completed_at"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = model.objects.filter(pk=job_id).values("status", field).first()
        if job and job["status"] in ("COMPLETED", "FAILED"):
            assert job["status"] == "COMPLETED", (model.__name__, job_id, job)
            return float(job[field].timestamp())
        time.sleep(0.1)
    raise TimeoutError(f"{model.__name__} {job_id} not finished in {timeout} s")


class MemoryPeak:
    """The most processes, PSS and RSS seen in the given process groups while the block runs."""

    def __init__(self, groups: list[int]) -> None:
        self.groups = groups
        self.peak = (0, 0, 0)
        self._stop = threading.Event()

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            totals = [stack.group_memory(group) for group in self.groups]
            current = tuple(sum(values) for values in zip(*totals, strict=True))
            if current[2] > self.peak[2]:
                self.peak = (current[0], current[1], current[2])

    @contextlib.contextmanager
    def watching(self) -> Iterator[MemoryPeak]:
        thread = threading.Thread(target=self._sample, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join()

    def describe(self) -> str:
        processes, rss, pss = self.peak
        return f"{processes} processes, PSS {pss / 2**20:.0f} MiB, RSS {rss / 2**20:.0f} MiB"


def burst(site: Stack, fashn: FakeFashn, product_url: str, photo: bytes, token: str, groups: list[int]) -> dict:
    """12 try-ons at once and a content job right after them; the workers' memory meanwhile."""
    from content.models import ImageJob
    from tryon.models import TryOnJob

    fashn.peak_in_flight = fashn.concurrency_refusals = 0
    with MemoryPeak(groups).watching() as memory, ThreadPoolExecutor(12) as pool:
        started = time.time()
        posted = list(pool.map(lambda _: site.try_on("a", product_url, photo), range(12)))
        content_posted, content_id = site.content_job(token)
        content_seconds = finished_at(ImageJob, content_id) - content_posted
        done = max(finished_at(TryOnJob, job_id) for _, job_id in posted)
    return {
        "all_done": done - started,
        "content": content_seconds,
        "peak": fashn.peak_in_flight,
        "refusals": fashn.concurrency_refusals,
        "memory": memory,
    }


def main() -> None:
    stack.create_database(DATABASE)
    stack.flush_redis(REDIS_URL)
    site = Stack()
    stability = FakeStability()
    stability.mode, stability.delay = "timeout", ARTWORK_SECONDS  # answers after 3 s
    try:
        with fake_fashn_server(
            FakeFashn(seconds_to_complete=PREDICTION_SECONDS, max_in_flight=FASHN_CONCURRENCY)
        ) as fashn:
            os.environ.update(fashn.worker_env())
            os.environ.update({"STABILITY_API_KEY": "sk-bench", "STABILITY_API_BASE": stability.url})
            run(site, fashn)
    finally:
        site.stop_all()
        stability.stop()
        stack.drop_database(DATABASE)
        stack.flush_redis(REDIS_URL)


def run(site: Stack, fashn: FakeFashn) -> None:
    stack.manage("migrate", "--noinput", "-v", "0")
    for shop in ("a", "b", "c"):
        stack.manage("create_merchant", f"Shop {shop}", "--username", f"shop-{shop}", "--password", "bench-pass-123")
        site.keys[shop] = stack.manage("issue_api_key", f"Shop {shop}").strip().splitlines()[-1]
    from content.models import ImageJob
    from tryon.models import TryOnJob

    site.start("web", procfile_command("web", site.port))
    wait_for_port(site.port, timeout=60)
    token = site.session.post(
        f"{site.url}/api/auth/token", json={"username": "shop-a", "password": "bench-pass-123"}, timeout=10
    ).json()["access"]
    photo = person_jpeg()
    with product_image_server() as product_url:
        for name in ("content-worker", "tryon-worker"):
            site.start(name, procfile_command(name))
        groups = [site.processes["content-worker"].pid, site.processes["tryon-worker"].pid]
        site.try_on("a", product_url, photo)  # the product image cached, the workers warm
        idle = []
        for _ in range(3):
            posted, job_id = site.content_job(token)
            idle.append(finished_at(ImageJob, job_id) - posted)
        idle_content = statistics.median(idle)
        split = burst(site, fashn, product_url, photo, token, groups)
        time.sleep(PREDICTION_SECONDS)  # nothing left in flight at FASHN

        # Three shops at once: 40, 10 and 10 try-ons, the big shop's first.
        with ThreadPoolExecutor(12) as pool:
            started = time.time()
            crowd = list(
                pool.map(
                    lambda shop: (shop, site.try_on(shop, product_url, photo)[1]), ["a"] * 40 + ["b"] * 10 + ["c"] * 10
                )
            )
            firsts = {
                shop: min(finished_at(TryOnJob, job_id) for s, job_id in crowd if s == shop) - started for shop in "abc"
            }
            all_sixty = max(finished_at(TryOnJob, job_id) for _, job_id in crowd) - started

        # The same 12-try-on burst with the one `worker` line of the Procfile before this change.
        site.stop("content-worker")
        site.stop("tryon-worker")
        site.start("worker", TODAY_WORKER.split())
        time.sleep(PREDICTION_SECONDS)
        today = burst(site, fashn, product_url, photo, token, [site.processes["worker"].pid])
        site.stop("worker")
        for name in ("content-worker", "tryon-worker"):
            site.start(name, procfile_command(name))

    healthz_idle, trickle = trickling_hosts(site, photo)

    floor = 2 * PREDICTION_SECONDS
    print(f"FASHN stand-in: {PREDICTION_SECONDS:g} s a prediction, {FASHN_CONCURRENCY} in flight (429 beyond)")
    print(
        f"1. 12 try-ons at once: all COMPLETED in {split['all_done']:.1f} s, beside FASHN's floor {floor:.0f} s "
        f"({split['all_done'] / floor:.2f}x); most in flight {split['peak']} (limit {FASHN_CONCURRENCY}), "
        f"429 refusals {split['refusals']}"
    )
    print(
        "2. 60 try-ons from three shops (40/10/10): first results "
        + ", ".join(
            f"shop {shop} {seconds:.1f} s ({seconds / PREDICTION_SECONDS:.2f}x one prediction)"
            for shop, seconds in firsts.items()
        )
        + f"; all 60 in {all_sixty:.1f} s (floor {60 / FASHN_CONCURRENCY * PREDICTION_SECONDS:.0f} s)"
    )
    print(
        f"3. content job (AI {ARTWORK_SECONDS:g} s a style): during the burst {split['content']:.1f} s, "
        f"idle {idle_content:.1f} s ({split['content'] / idle_content:.2f}x); idle beside one provider answer "
        f"{ARTWORK_SECONDS:g} s: {idle_content / ARTWORK_SECONDS:.2f}x (the styles in turn: {3 * ARTWORK_SECONDS:g} s + compositing)"
    )
    print(
        f"4. workers during the burst: content + try-on workers {split['memory'].describe()}; "
        f"the single worker before {today['memory'].describe()} "
        f"(PSS {split['memory'].peak[2] / max(today['memory'].peak[2], 1):.2f}x); "
        f"that layout's burst {today['all_done']:.1f} s, its content job {today['content']:.1f} s"
    )
    worst_post, healthz = trickle
    print(
        f"5. ten trickling product hosts: slowest POST answered in {worst_post * 1000:.0f} ms; /healthz meanwhile "
        f"p50 {statistics.median(healthz) * 1000:.1f} ms, max {max(healthz) * 1000:.1f} ms, beside idle "
        f"p50 {statistics.median(healthz_idle) * 1000:.1f} ms ({statistics.median(healthz) / statistics.median(healthz_idle):.2f}x)"
    )


def timed(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def trickling_hosts(site: Stack, photo: bytes) -> tuple[list[float], tuple[float, list[float]]]:
    def healthz() -> float:
        return timed(lambda: site.session.get(f"{site.url}/healthz", timeout=10).raise_for_status())

    idle = [healthz() for _ in range(50)]

    class Trickle(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            with contextlib.suppress(OSError):
                for _ in range(10):
                    self.wfile.write(b"\x89")
                    self.wfile.flush()
                    time.sleep(2)

    with contextlib.ExitStack() as hosts:
        urls = [f"{hosts.enter_context(http_server(Trickle))}/product.png" for _ in range(10)]
        during: list[float] = []
        stop = threading.Event()

        def probe() -> None:
            while not stop.is_set():
                during.append(healthz())
                time.sleep(0.05)

        prober = threading.Thread(target=probe, daemon=True)
        prober.start()
        with ThreadPoolExecutor(10) as pool:
            posts = list(pool.map(lambda url: timed(lambda: site.try_on("b", url, photo)), urls))
        time.sleep(5)  # the workers are fetching from the trickling hosts meanwhile
        stop.set()
        prober.join()
    return idle, (max(posts), during)


if __name__ == "__main__":
    import argparse

    # No options: the figures are the issue's own scenario. --help tells so instead of starting the stacks.
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    main()
