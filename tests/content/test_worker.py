"""End to end through a real ``celery worker`` process: local files, fake AI providers, Azurite."""

from __future__ import annotations

import pytest

from config.celery import app as celery_app
from content.models import ContentSettings
from tests.support.azurite import AZURITE_CONTAINER
from tests.support.content import EVENT_INFO, decode, generate
from tests.support.merchants import jwt_client_for
from tests.support.processes import celery_worker, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SIZES = {"INSTAGRAM": (1080, 1080), "NAVER_BLOG": (800, 600), "KAKAO_CHANNEL": (800, 800)}


def finished(client, job_id: str):
    def check():
        body = client.get(f"/api/content/images/jobs/{job_id}").json()
        return body if body["status"] in ("COMPLETED", "FAILED") else None

    return check


def submit(client, body: dict) -> str:
    response = generate(client, body)
    assert response.status_code == 202, response.json()
    return response.json()["jobId"]


def test_three_and_nine_images_through_a_worker(merchant, other_merchant):
    celery_app.conf.task_always_eager = False
    ContentSettings.objects.create(merchant=other_merchant, render_all_platforms_by_default=True)
    three_client, nine_client = jwt_client_for(merchant), jwt_client_for(other_merchant)
    with celery_worker(queues="image-generation-job"):
        three_id = submit(three_client, {"eventDraftId": "evt-w3", "eventInfo": EVENT_INFO})
        nine_id = submit(nine_client, {"eventDraftId": "evt-w9", "eventInfo": EVENT_INFO, "priority": 10})
        three = wait_until(finished(three_client, three_id), timeout=60)
        nine = wait_until(finished(nine_client, nine_id), timeout=60)
    assert three["status"] == nine["status"] == "COMPLETED"
    assert [i["style"] for i in three["images"]] == ["SIMPLE", "FANCY", "TRENDY"]
    for image in three["images"]:
        assert decode(image["url"]).size == (1080, 1080)
    assert len(nine["images"]) == 9
    for image in nine["images"]:
        assert decode(image["url"]).size == SIZES[image["platform"]]


def test_fallback_chain_and_breaker_shared_with_the_web_process(merchant, fake_stability, fake_openai):
    celery_app.conf.task_always_eager = False
    client = jwt_client_for(merchant)
    env = {
        "STABILITY_API_KEY": "sk-test-stability",
        "STABILITY_API_BASE": fake_stability.url,
        "OPENAI_API_KEY": "sk-test-openai",
        "OPENAI_API_BASE": fake_openai.url,
        "CONTENT_BREAKER_MIN_CALLS": "3",
        "CONTENT_PROVIDER_TIMEOUT": "0.5",
        "OPENAI_IMAGES_PER_MINUTE": "100",  # tier 1's 5 a minute would hold the second job's third style
    }
    with celery_worker(queues="image-generation-job", extra_env=env):
        fake_stability.mode = "error500"
        first = wait_until(finished(client, submit(client, {"eventDraftId": "evt-b1", "eventInfo": EVENT_INFO})))
        assert {i["provider"] for i in first["images"]} == {"openai"}
        assert {i["fallbackUsed"] for i in first["images"]} == {False}

        fake_openai.mode = "timeout"
        fake_openai.delay = 1.5
        second_id = submit(client, {"eventDraftId": "evt-b2", "eventInfo": EVENT_INFO})
        # Slow providers make the job visibly PROCESSING, with its progress, for a while.
        running = wait_until(
            lambda: (
                (body := client.get(f"/api/content/images/jobs/{second_id}").json())["status"] == "PROCESSING" and body
            )
        )
        assert running["progress"]["total"] == 3 and 0 <= running["progress"]["completed"] < 3
        assert running["estimatedCompletionTime"] >= 1
        second = wait_until(finished(client, second_id))
        assert second["status"] == "COMPLETED"
        assert {i["provider"] for i in second["images"]} == {"template"}
        assert {i["fallbackUsed"] for i in second["images"]} == {True}
    # Stability failed 3 of 3 calls in the window before the second job; OpenAI 3 of 6 (50 %).
    assert fake_stability.calls == 3
    assert fake_openai.calls == 6

    # The web process sees the breakers the worker opened.
    response = client.post(f"/api/content/images/{second['images'][0]['imageId']}/regenerate", {}, format="json")
    assert response.status_code == 503
    assert response.json()["circuitBreakerState"] == "OPEN"


def test_azurite_blob_storage_happy_path(merchant, azure_content_storage):
    celery_app.conf.task_always_eager = False
    client = jwt_client_for(merchant)
    env = {"AZURE_STORAGE_CONNECTION_STRING": azure_content_storage, "AZURE_CONTAINER": AZURITE_CONTAINER}
    with celery_worker(queues="image-generation-job", extra_env=env):
        job_id = submit(
            client, {"eventDraftId": "evt-az", "eventInfo": EVENT_INFO, "platforms": ["INSTAGRAM", "NAVER_BLOG"]}
        )
        job = wait_until(finished(client, job_id), timeout=60)
    assert job["status"] == "COMPLETED" and len(job["images"]) == 6
    for image in job["images"]:
        assert (
            image["url"].startswith("http://127.0.0.1:") and f"/devstoreaccount1/{AZURITE_CONTAINER}/" in image["url"]
        )
        assert decode(image["url"]).size == SIZES[image["platform"]]  # fetched over HTTP from Azurite


def _pool_children_of_test_worker() -> list[int]:
    """PIDs of the prefork pool processes of the worker this test process started."""
    import os
    from pathlib import Path

    marker = f"test-{os.getpid()}-"
    parents = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "celery" in cmdline and marker in cmdline:
                parents.append(int(proc.name))
    children = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                status = (proc / "status").read_text()
            except OSError:
                continue
            ppid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
            if ppid in parents:
                children.append(int(proc.name))
    return children


def test_job_of_a_killed_worker_process_runs_again_and_resumes(merchant, fake_stability):
    import os
    import signal

    from content.models import GeneratedImage

    celery_app.conf.task_always_eager = False
    client = jwt_client_for(merchant)
    fake_stability.mode = "timeout"  # answers successfully, but only after `delay` seconds
    fake_stability.delay = 2.0
    env = {"STABILITY_API_KEY": "sk-test", "STABILITY_API_BASE": fake_stability.url, "CONTENT_PROVIDER_TIMEOUT": "10"}
    with celery_worker(queues="image-generation-job", extra_env=env):
        job_id = submit(client, {"eventDraftId": "evt-kill", "eventInfo": EVENT_INFO})
        wait_until(
            lambda: client.get(f"/api/content/images/jobs/{job_id}").json().get("progress", {}).get("completed", 0) >= 1
        )
        pool = _pool_children_of_test_worker()
        assert pool, "the worker's pool processes were not found"
        for pid in pool:
            os.kill(pid, signal.SIGKILL)  # the pool process dies mid-job; acks_late + reject_on_worker_lost requeue it
        job = wait_until(finished(client, job_id), timeout=60)
    assert job["status"] == "COMPLETED"
    assert sorted(i["style"] for i in job["images"]) == ["FANCY", "SIMPLE", "TRENDY"]
    assert {i["provider"] for i in job["images"]} == {"stability"}
    assert GeneratedImage.objects.filter(job_id=job_id).count() == 3  # resumed: nothing drawn twice
    assert fake_stability.calls == 3  # the artwork already delivered was kept, not asked (and paid for) again


def test_the_styles_artwork_is_asked_for_at_once(merchant, fake_stability):
    import threading

    celery_app.conf.task_always_eager = False
    client = jwt_client_for(merchant)
    fake_stability.hold = threading.Event()  # Stability answers nothing until the test lets it
    env = {"STABILITY_API_KEY": "sk-test", "STABILITY_API_BASE": fake_stability.url}
    with celery_worker(queues="image-generation-job", extra_env=env):
        waiting = submit(client, {"eventDraftId": "evt-parallel", "eventInfo": EVENT_INFO})
        # All three styles are with Stability at once, none of them in a worker slot (the pool has two).
        wait_until(lambda: fake_stability.in_flight == 3)
        fake_stability.hold.set()
        job = wait_until(finished(client, waiting))
    assert job["status"] == "COMPLETED" and {i["provider"] for i in job["images"]} == {"stability"}
    assert fake_stability.peak_in_flight == 3 and fake_stability.calls == 3


def test_artwork_that_waits_too_long_for_a_slot_is_drawn_by_the_template(merchant, fake_stability):
    import threading

    celery_app.conf.task_always_eager = False
    client = jwt_client_for(merchant)
    fake_stability.hold = threading.Event()  # one style holds Stability's only slot
    env = {
        "STABILITY_API_KEY": "sk-test",
        "STABILITY_API_BASE": fake_stability.url,
        "STABILITY_MAX_IN_FLIGHT": "1",
        "CONTENT_ARTWORK_MAX_WAIT_SECONDS": "2",
    }
    with celery_worker(queues="image-generation-job", extra_env=env):
        job_id = submit(client, {"eventDraftId": "evt-backed-up", "eventInfo": EVENT_INFO})
        wait_until(lambda: fake_stability.in_flight == 1)
        from content.models import ArtworkRequest

        wait_until(lambda: ArtworkRequest.objects.filter(job_id=job_id, state="DONE").count() == 2, timeout=30)
        fake_stability.hold.set()
        job = wait_until(finished(client, job_id))
    assert job["status"] == "COMPLETED"
    assert sorted(i["provider"] for i in job["images"]) == ["stability", "template", "template"]
    assert sorted(i["fallbackUsed"] for i in job["images"]) == [False, True, True]
    assert fake_stability.calls == 1
