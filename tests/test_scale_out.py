"""Many instances at once, as deploy/compose.yaml runs them: two web processes, two content workers, two try-on
workers, two webhook workers and two beats on one PostgreSQL and one Redis.

200 content jobs and 100 try-ons go in through both web processes; the try-ons' completions are delivered
to five endpoints (500 webhook events). Beat recovery runs every second (leases of 3 s), so the recovery
tasks of both beats see jobs waiting in the queue and re-enqueue some of them: still every job completes
once, every try-on pays FASHN once, every webhook-id reaches its receiver once.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

import pytest
import requests
from rest_framework_simplejwt.tokens import RefreshToken

from content.models import ImageJob
from merchants.services import issue_api_key
from tests.support import processes
from tests.support.content import EVENT_INFO
from tests.support.http import LocalServer, QuietHandler
from tests.support.merchants import make_merchant, owner_of
from tests.support.processes import ROOT, free_port, procfile_command, procfile_process, wait_for_port, wait_until
from tests.support.recovery import FAST_RECOVERY_ENV
from tests.support.shop import person_jpeg, product_image_server
from tests.support.tryon import fake_fashn  # noqa: F401  (fixture)
from tryon.models import TryOnJob
from webhooks.models import DeliveryStatus, WebhookDelivery
from webhooks.services import create_endpoint

pytestmark = pytest.mark.worker

CONTENT_JOBS, TRY_ONS, ENDPOINTS = 200, 100, 5
FINISHED = ("COMPLETED", "FAILED")


class Receiver:
    """Webhook endpoints on one local server: counts each (endpoint, webhook-id) it is sent, answers 200.

    An event's webhook-id is the same at every endpoint subscribed to it (Standard Webhooks' message id)."""

    def __init__(self) -> None:
        self.seen: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()
        state = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with state.lock:
                    state.seen[self.path, self.headers["webhook-id"]] += 1
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = LocalServer(Handler)


def json_lines(*logs: Path) -> list[dict]:
    lines = []
    for log in logs:
        for line in log.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                lines.append(json.loads(line))
    return lines


@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(900)
@pytest.mark.long
def test_two_of_everything_on_one_database_and_redis_run_every_job_once(tmp_path, settings, fake_fashn):  # noqa: F811
    from config.celery import app as celery_app

    celery_app.conf.task_always_eager = False
    settings.SSRF_ALLOW_LOOPBACK = True  # the endpoints below are on this machine
    shop = make_merchant()
    api_key = issue_api_key(merchant=shop, name="storefront").raw_key
    access = str(RefreshToken.for_user(owner_of(shop)).access_token)
    receiver = Receiver()
    for number in range(ENDPOINTS):
        create_endpoint(merchant=shop, url=f"{receiver.server.base_url}/hook/{number}", events=["tryon.completed"])

    env = {
        **os.environ,
        **FAST_RECOVERY_ENV,
        **fake_fashn.worker_env(),
        "JOB_PENDING_RECOVERY_SECONDS": "10",
        "DATABASE_URL": processes.test_database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "MEDIA_ROOT": str(tmp_path / "media"),
        "SSRF_ALLOW_LOOPBACK": "true",
        "CONTENT_RATE_LIMIT": "100000",
        "LOG_FORMAT": "json",
        "LOG_PERIODIC_TASKS": "true",  # the beats' ticks are counted below
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PYTHONUNBUFFERED": "1",
    }
    ports = [free_port(), free_port()]
    workers = ("content1", "content2", "tryon1", "tryon2", "hooks1", "hooks2")
    logs = {name: tmp_path / f"{name}.log" for name in ("web1", "web2", *workers)}
    logs |= {"beat1": tmp_path / "beat1.log", "beat2": tmp_path / "beat2.log"}
    with ExitStack() as stack, product_image_server() as product_url:
        for number, port in enumerate(ports, 1):
            stack.enter_context(procfile_process("web", env, logs[f"web{number}"], port=port))
        for number in (1, 2):
            for product in ("content", "tryon"):
                stack.enter_context(
                    procfile_process(
                        f"{product}-worker", env, logs[f"{product}{number}"], "--hostname", f"{product}{number}@%h"
                    )
                )
            stack.enter_context(
                procfile_process("webhooks", env, logs[f"hooks{number}"], "--hostname", f"h{number}@%h")
            )
            schedule = tmp_path / f"beat{number}-schedule"
            stack.enter_context(procfile_process("beat", env, logs[f"beat{number}"], "--schedule", str(schedule)))
        for port in ports:
            wait_for_port(port, timeout=90)
        for name in workers:
            wait_until(lambda name=name: "ready." in logs[name].read_text(errors="replace"), timeout=120)

        def generate(number: int) -> str:
            response = requests.post(
                f"http://127.0.0.1:{ports[number % 2]}/api/content/images/generate",
                headers={"Authorization": f"Bearer {access}"},
                json={"eventDraftId": f"evt-scale-{number}", "eventInfo": EVENT_INFO, "styles": ["SIMPLE"]},
                timeout=60,
            )
            assert response.status_code == 202, response.text
            return response.json()["jobId"]

        photo = person_jpeg()

        def try_on(number: int) -> str:
            response = requests.post(
                f"http://127.0.0.1:{ports[number % 2]}/api/tryon",
                headers={"x-api-key": api_key},
                files={"userImage": ("me.jpg", photo, "image/jpeg")},
                data={"productImageUrl": product_url, "visitorId": str(uuid.uuid4())},
                timeout=60,
            )
            assert response.status_code == 202, response.text
            return response.json()["data"]["jobId"]

        with ThreadPoolExecutor(8) as pool:
            content_ids = list(pool.map(generate, range(CONTENT_JOBS)))
            tryon_ids = list(pool.map(try_on, range(TRY_ONS)))

        def finished() -> bool:
            return (
                ImageJob.objects.filter(status__in=FINISHED).count() == CONTENT_JOBS
                and TryOnJob.objects.filter(status__in=FINISHED).count() == TRY_ONS
                and not WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).exists()
                and WebhookDelivery.objects.count() == TRY_ONS * ENDPOINTS
            )

        wait_until(finished, timeout=600, interval=1)
    receiver.server.close()

    assert set(ImageJob.objects.values_list("status", flat=True)) == {"COMPLETED"}
    assert set(TryOnJob.objects.values_list("status", flat=True)) == {"COMPLETED"}
    assert len(fake_fashn.runs) == TRY_ONS  # no try-on was submitted (paid for) twice

    worker_lines = json_lines(*(logs[name] for name in ("content1", "content2", "tryon1", "tryon2")))
    completed = Counter(
        line["message"].split()[2] for line in worker_lines if line["message"].startswith("content job ")
        and line["message"].endswith(" images") and " completed: " in line["message"]
    )  # fmt: skip
    assert completed == Counter({job_id: 1 for job_id in content_ids})
    tryon_finished = Counter(line["job_id"] for line in worker_lines if line["message"] == "try-on job finished")
    assert tryon_finished == Counter({job_id: 1 for job_id in tryon_ids})
    both_workers_ran = [
        sum(1 for line in json_lines(logs[name]) if line["message"] == "try-on job finished")
        for name in ("tryon1", "tryon2")
    ]
    assert all(both_workers_ran), both_workers_ran
    recovered = sum(1 for line in worker_lines if line["message"] == "stalled job enqueued again")

    deliveries = list(WebhookDelivery.objects.values_list("id", "status"))
    assert len(deliveries) == TRY_ONS * ENDPOINTS
    assert {status for _, status in deliveries} == {DeliveryStatus.DELIVERED}
    assert len(receiver.seen) == TRY_ONS * ENDPOINTS
    assert len({message_id for _, message_id in receiver.seen}) == TRY_ONS
    assert set(receiver.seen.values()) == {1}, [key for key, count in receiver.seen.items() if count > 1][:5]

    for name in ("web1", "web2"):
        served = [line for line in json_lines(logs[name]) if line.get("logger") == "common.access"]
        assert len(served) >= (CONTENT_JOBS + TRY_ONS) // 2, name

    # Both beats ran all along, yet the 1-second recovery tick went out about once a second, not twice.
    sends: dict[str, list[datetime]] = {}
    for name in ("beat1", "beat2"):
        sends[name] = [
            datetime.fromisoformat(line["time"])
            for line in json_lines(logs[name])
            if line["message"].startswith("Scheduler: Sending due task content-recover-stalled-jobs")
        ]
    every_send = sorted(sends["beat1"] + sends["beat2"])
    seconds = (every_send[-1] - every_send[0]).total_seconds()
    print(
        f"recovery re-enqueued {recovered} jobs; ticks per beat { {k: len(v) for k, v in sends.items()} } in {seconds:.0f} s"
    )
    assert seconds > 20 and len(every_send) <= seconds + 2, (len(every_send), seconds)
    assert "beat: Starting" in logs["beat1"].read_text() and "beat: Starting" in logs["beat2"].read_text()


def test_the_compose_file_runs_the_procfiles_commands_on_one_postgres_and_redis():
    import shlex

    import yaml

    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
    services = compose["services"]
    for name in ("content-worker", "tryon-worker", "webhooks", "beat"):
        assert services[name]["command"] == procfile_command(name), name
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    image_command = json.loads(dockerfile.split("\nCMD ", 1)[1].splitlines()[0])[-1].removeprefix("exec ")
    web = " ".join(procfile_command("web")).replace("--workers 2", "--workers ${WEB_CONCURRENCY:-2}")
    assert shlex.split(image_command) == shlex.split(web)
    for name in ("web", "content-worker", "tryon-worker", "webhooks", "beat", "migrate"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://") and environment["REDIS_URL"].startswith("redis://")
        assert environment["PROMETHEUS_MULTIPROC_DIR"] == "/metrics"
        assert "metrics:/metrics" in services[name]["volumes"]
