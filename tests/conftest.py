"""Shared fixtures: merchants, authenticated API clients, network guard, eager Celery by default."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from rest_framework.test import APIClient

from config.celery import app as celery_app
from merchants.models import Merchant
from tests.support.merchants import api_key_client_for, jwt_client_for, make_merchant, owner_of
from tests.support.network import local_only_connect, real_connect


@pytest.fixture(autouse=True, scope="session")
def _no_external_network() -> Iterator[None]:
    socket.socket.connect = local_only_connect  # type: ignore[method-assign,assignment]
    yield
    socket.socket.connect = real_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _celery_eager() -> Iterator[None]:
    """Tasks run in-process unless a test starts a real worker (see tests/support/processes.py)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def not_eager() -> Iterator[None]:
    """Tasks go to the broker, for a real worker the test starts (tests/support/processes.py)."""
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings) -> None:
    """Every test creates merchant users; PBKDF2's deliberate slowness would dominate the suite."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def merchant(db) -> Merchant:
    return make_merchant("Merchant A")


@pytest.fixture
def other_merchant(db) -> Merchant:
    return make_merchant("Merchant B")


@pytest.fixture
def jwt_client(merchant: Merchant) -> APIClient:
    """APIClient with a Bearer JWT of ``merchant``'s user (Content API, webhook management API)."""
    return jwt_client_for(merchant)


@pytest.fixture
def api_key_client(merchant: Merchant) -> APIClient:
    """APIClient with an ``x-api-key`` of ``merchant`` (Toile public API)."""
    return api_key_client_for(merchant)


@pytest.fixture
def merchant_user(merchant: Merchant):
    return owner_of(merchant)


@pytest.fixture
def unreachable_broker():
    """Points the Celery app at a port where nothing listens, without retries; restores it afterwards."""
    from config.celery import app as celery_app

    def reset_pools() -> None:
        celery_app._pool = None  # the connection and producer pools are built from broker_url and cached
        celery_app.amqp._producer_pool = None

    saved = {
        key: celery_app.conf[key]
        for key in ("task_always_eager", "broker_url", "broker_connection_retry", "broker_transport_options")
    }
    celery_app.conf.update(
        task_always_eager=False,
        broker_url="redis://127.0.0.1:1/0",
        broker_connection_retry=False,
        broker_transport_options={"max_retries": 0},
    )
    reset_pools()
    yield
    celery_app.conf.update(saved)
    reset_pools()


@pytest.fixture
def filesystem_broker(tmp_path, settings):
    """The embedded default's broker (kombu's filesystem transport) and file cache, for this process and its
    workers. Returns the environment that points a worker or beat at the same folders (no REDIS_URL)."""
    from config.celery import app as celery_app

    var_dir = tmp_path / "var"
    queue, control = var_dir / "broker" / "queue", var_dir / "broker" / "control"
    for folder in (queue, control):
        folder.mkdir(parents=True)
    settings.CACHES = {"default": {"BACKEND": "common.cache.AtomicFileBasedCache", "LOCATION": str(var_dir / "cache")}}
    saved = {key: celery_app.conf[key] for key in ("broker_url", "broker_transport_options")}
    celery_app.conf.update(
        broker_url="filesystem://localhost//",
        broker_transport_options={
            "data_folder_in": str(queue),
            "data_folder_out": str(queue),
            "control_folder": str(control),
        },
    )
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield {"REDIS_URL": "", "VAR_DIR": str(var_dir)}
    celery_app.conf.update(saved)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
