"""The Procfile's content and try-on workers share no slot: a try-on burst waiting on FASHN does not delay a
content job, and content jobs waiting on their AI artwork do not delay try-ons."""

from __future__ import annotations

import os
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

import pytest

from config.celery import app as celery_app
from content.models import ArtworkRequest, ImageJob
from tests.support import processes
from tests.support.content import EVENT_INFO, generate
from tests.support.fashn import fake_fashn_server
from tests.support.merchants import api_key_client_for, jwt_client_for
from tests.support.processes import procfile_process, wait_until
from tests.support.shop import person_jpeg, product_image_server
from tests.support.stability import FakeStability
from tryon.models import EngineCall, TryOnJob

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_try_on_burst_and_content_jobs_never_wait_for_each_other(merchant, tmp_path, settings):
    celery_app.conf.task_always_eager = False
    settings.SSRF_ALLOW_LOOPBACK = True  # the product images are served by this test
    stability = FakeStability()
    with ExitStack() as stack:
        stack.callback(stability.stop)
        fashn = stack.enter_context(fake_fashn_server())
        fashn.hold = threading.Event()
        product_url = stack.enter_context(product_image_server())
        env = {
            **os.environ,
            **fashn.worker_env(),
            "DATABASE_URL": processes.test_database_url(),
            "SECRET_KEY": settings.SECRET_KEY,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "SSRF_ALLOW_LOOPBACK": "true",
            "STABILITY_API_KEY": "sk-test",
            "STABILITY_API_BASE": stability.url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
            "PYTHONUNBUFFERED": "1",
        }
        logs = {name: tmp_path / f"{name}.log" for name in ("content-worker", "tryon-worker")}
        for name, log in logs.items():
            stack.enter_context(procfile_process(name, env, log))
        for log in logs.values():
            wait_until(lambda log=log: "ready." in log.read_text(errors="replace"), timeout=120)
        shop, content = api_key_client_for(merchant), jwt_client_for(merchant)

        # 1. Eight try-ons wait on FASHN (it holds every prediction): a content job completes meanwhile.
        photo = person_jpeg()
        try_ons = []
        for _ in range(8):
            response = shop.post(
                "/api/tryon",
                {"userImage": _upload(photo), "productImageUrl": product_url},
                format="multipart",
            )
            assert response.status_code == 202, response.content
            try_ons.append(response.json()["data"]["jobId"])
        wait_until(lambda: EngineCall.objects.filter(job_id__in=try_ons).count() == 8, timeout=60)
        first = generate(content, {"eventDraftId": "evt-beside-burst", "eventInfo": EVENT_INFO}).json()["jobId"]
        wait_until(lambda: ImageJob.objects.get(pk=first).status == "COMPLETED", timeout=90)
        assert set(TryOnJob.objects.filter(pk__in=try_ons).values_list("status", flat=True)) == {"PROCESSING"}

        # 2. A content job waits on Stability (it holds every request): the try-ons complete meanwhile.
        stability.hold = threading.Event()
        second = generate(content, {"eventDraftId": "evt-slow-art", "eventInfo": EVENT_INFO}).json()["jobId"]
        wait_until(lambda: ArtworkRequest.objects.filter(job_id=second, state="ACTIVE").count() == 3, timeout=60)
        fashn.hold.set()
        wait_until(
            lambda: set(TryOnJob.objects.filter(pk__in=try_ons).values_list("status", flat=True)) == {"COMPLETED"},
            timeout=120,
        )
        assert ImageJob.objects.get(pk=second).status == "PROCESSING"
        stability.hold.set()
        wait_until(lambda: ImageJob.objects.get(pk=second).status == "COMPLETED", timeout=90)
    assert ImageJob.objects.get(pk=second).produced_images.filter(provider="stability").count() == 3


def _upload(photo: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("me.jpg", photo, "image/jpeg")
