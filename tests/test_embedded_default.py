"""The embedded default as `make run` starts it: every Procfile process on SQLite, the filesystem broker and
the file cache, with a handful of concurrent users. No 500, no stuck job, limits that hold."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.content import EVENT_INFO
from tests.support.processes import ROOT, free_port, procfile_process, wait_for_port, wait_until
from tests.support.shop import person_jpeg, product_image_server

pytestmark = [pytest.mark.worker, pytest.mark.long]

# Variables of the test run that would take the stack off its embedded defaults.
# What `make run` does not set either (the Procfile's processes find config.settings themselves).
NOT_EMBEDDED = (
    "DATABASE_URL",
    "REDIS_URL",
    "VAR_DIR",
    "MEDIA_ROOT",
    "SECRET_KEY",
    "TEST_DATABASE_NAME",
    "DJANGO_SETTINGS_MODULE",
)


@dataclass
class EmbeddedStack:
    url: str
    api_key: str
    username: str
    password: str
    logs: list[Path]

    def log_text(self) -> str:
        return "\n".join(log.read_text(errors="replace") for log in self.logs)


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def embedded_stack(tmp_path_factory) -> Iterator[EmbeddedStack]:
    root = tmp_path_factory.mktemp("embedded")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in NOT_EMBEDDED}
    env.update(
        {
            "VAR_DIR": str(root / "var"),
            # The default is db.sqlite3 in the checkout; the same engine, in this test's own folder.
            "DATABASE_URL": f"sqlite:///{root / 'db.sqlite3'}",
            "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "SSRF_ALLOW_LOOPBACK": "true",  # the product image is served by this test
            "TRYON_ENGINE": "offline",
            "CONTENT_RATE_LIMIT": "30",
            "PORT": str(port),
            "PYTHONUNBUFFERED": "1",
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        }
    )
    _manage(env, "migrate", "--noinput")
    _manage(env, "create_merchant", "Embedded Shop", "--username", "embedded", "--password", "embedded-pass-1")
    api_key = _manage(env, "issue_api_key", "Embedded Shop").strip().splitlines()[-1]
    procfile = (ROOT / "Procfile").read_text().splitlines()
    names = [line.split(":", 1)[0] for line in procfile if ":" in line and not line.startswith("#")]
    logs = [root / f"{name}.log" for name in names]
    with contextlib.ExitStack() as stack:
        for name, log in zip(names, logs, strict=True):
            stack.enter_context(procfile_process(name, env, log, port=port))
        wait_for_port(port, timeout=60)
        wait_until(lambda: all("ready." in log.read_text() for log in logs if "worker" in log.name), timeout=90)
        yield EmbeddedStack(f"http://127.0.0.1:{port}", api_key, "embedded", "embedded-pass-1", logs)


def test_concurrent_try_ons_and_size_feedback_on_sqlite_give_no_500_and_no_stuck_job(embedded_stack):
    headers = {"x-api-key": embedded_stack.api_key}
    photo = person_jpeg()

    def try_on(product_url: str) -> requests.Response:
        return requests.post(
            f"{embedded_stack.url}/api/tryon",
            headers=headers,
            files={"userImage": ("me.jpg", photo, "image/jpeg")},
            data={"productImageUrl": product_url, "visitorId": str(uuid.uuid4())},
            timeout=60,
        )

    def statuses() -> list[dict]:
        return [
            requests.get(f"{embedded_stack.url}/api/tryon/{job_id}", headers=headers, timeout=30).json()["data"]
            for job_id in job_ids
        ]

    # The product image is fetched by the try-on worker: the shop's server stays up until the jobs end.
    with product_image_server() as product_url:
        with ThreadPoolExecutor(3) as pool:
            accepted = list(pool.map(try_on, [product_url] * 3))
        assert [response.status_code for response in accepted] == [202] * 3, [r.text for r in accepted]
        job_ids = [response.json()["data"]["jobId"] for response in accepted]
        finished = wait_until(
            lambda: (jobs := statuses()) and all(j["status"] in ("COMPLETED", "FAILED") for j in jobs) and jobs,
            timeout=240,
        )
    assert [job["status"] for job in finished] == ["COMPLETED"] * 3, (finished, embedded_stack.log_text()[-4000:])

    def feedback(number: int) -> requests.Response:
        return requests.post(
            f"{embedded_stack.url}/api/size/feedback",
            headers=headers,
            json={
                "tryOnRequestId": job_ids[number % 3],
                "recommendedSize": "M",
                "confidence": 70,
                "helpful": number % 2 == 0,
                "comment": "조금 작아요" if number % 3 == 0 else "",
            },
            timeout=60,
        )

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(feedback, range(12)))
    assert [response.status_code for response in answers] == [201] * 12, [r.text for r in answers]
    assert "database is locked" not in embedded_stack.log_text()


def test_the_content_rate_limit_holds_under_concurrency_on_the_embedded_cache(embedded_stack):
    token = requests.post(
        f"{embedded_stack.url}/api/auth/token",
        json={"username": embedded_stack.username, "password": embedded_stack.password},
        timeout=30,
    ).json()["access"]

    def generate(number: int) -> int:
        body: dict[str, Any] = {"eventDraftId": f"evt-burst-{number}", "eventInfo": EVENT_INFO, "styles": ["SIMPLE"]}
        response = requests.post(
            f"{embedded_stack.url}/api/content/images/generate",
            json=body,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        return response.status_code

    # A fresh minute, so that the whole burst falls into one window of the fixed-window limit.
    time.sleep(max(0.0, 60 - time.time() % 60 + 0.2) if time.time() % 60 > 50 else 0)
    with ThreadPoolExecutor(36) as pool:
        codes = list(pool.map(generate, range(36)))
    assert sorted(codes) == [202] * 30 + [429] * 6, codes
