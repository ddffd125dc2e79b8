import subprocess
import uuid

import pytest
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from rest_framework.test import APIClient

from common.tasks import enqueue_on_commit
from config.celery import app as celery_app
from merchants.tasks import ping
from tests.support.processes import celery_worker, free_port, wait_for_port, wait_until


def test_healthz_answers_while_process_is_up(db):
    assert APIClient().get("/healthz").json() == {"status": "ok"}


def test_readyz_ok_when_everything_answers(db):
    response = APIClient().get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


@pytest.fixture
def disposable_redis():
    """A real redis-server of our own, so the test can stop it."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(port)
    yield process, f"redis://127.0.0.1:{port}/0"
    process.kill()
    process.wait()


def test_readyz_reports_a_stopped_redis(db, settings, disposable_redis):
    process, url = disposable_redis
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}
    previous_broker = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    try:
        assert APIClient().get("/readyz").status_code == 200
        process.terminate()
        process.wait()
        response = APIClient().get("/readyz")
    finally:
        celery_app.conf.broker_url = previous_broker
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cache"] == "unavailable"
    assert body["checks"]["broker"] == "unavailable"
    assert set(body["failed"]) == {"cache", "broker"}


def _default_queue_length() -> int:
    return redis.Redis.from_url(settings.CELERY_BROKER_URL).llen("default")


@pytest.mark.django_db(transaction=True)
def test_task_enqueued_in_rolled_back_transaction_is_never_sent():
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "the suite runs against a real Redis broker"
    celery_app.conf.task_always_eager = False
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete("default")

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        enqueue_on_commit(ping, "rolled-back")
        raise Rollback
    assert _default_queue_length() == 0

    with transaction.atomic():
        enqueue_on_commit(ping, "committed")
        assert _default_queue_length() == 0  # not before the commit
    assert _default_queue_length() == 1
    client.delete("default")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_task_round_trips_through_a_real_worker():
    celery_app.conf.task_always_eager = False
    token = uuid.uuid4().hex
    with celery_worker(queues="default"):
        ping.delay(token)
        assert wait_until(lambda: cache.get(f"merchants.ping:{token}"), timeout=30) == "pong"
