"""Throttles: per API key, per visitor, logins per address and per username; counters hold under concurrency."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.test import Client
from rest_framework.test import APIClient

from common.cache import AtomicFileBasedCache, RedisCache, counting_cache
from sizing.models import BodyMeasurement

pytestmark = pytest.mark.django_db

MEASUREMENT = {"height": 172, "weight": 65, "gender": "M"}


def assert_toile_429(response) -> None:
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["statusCode"] == 429 and body["error"] == "TooManyRequests" and body["message"]
    assert int(response["Retry-After"]) >= 1


def test_requests_of_one_api_key_are_limited(api_key_client, settings):
    settings.THROTTLE_RATE_PER_API_KEY = "3/min"
    for _ in range(3):
        response = api_key_client.post(
            "/api/size/recommend", {"productId": "NOPE", "measurement": MEASUREMENT}, format="json"
        )
        assert response.status_code == 404
    assert_toile_429(
        api_key_client.post("/api/size/recommend", {"productId": "NOPE", "measurement": MEASUREMENT}, format="json")
    )


def test_requests_for_one_visitor_are_limited_and_change_nothing_past_the_limit(api_key_client, settings):
    settings.THROTTLE_RATE_PER_VISITOR = "2/min"
    visitor, other = str(uuid.uuid4()), str(uuid.uuid4())
    body = {"visitorId": visitor, "measurement": MEASUREMENT}
    assert [api_key_client.post("/api/size/measurements", body, format="json").status_code for _ in range(2)] == [
        201,
        201,
    ]
    assert_toile_429(api_key_client.post("/api/size/measurements", body, format="json"))
    assert BodyMeasurement.objects.count() == 2
    response = api_key_client.post("/api/size/measurements", {**body, "visitorId": other}, format="json")
    assert response.status_code == 201


def _token(client: APIClient, username: str, password: str, ip: str = "203.0.113.7"):
    return client.post("/api/auth/token", {"username": username, "password": password}, format="json", REMOTE_ADDR=ip)


def test_failed_logins_lock_the_username_with_a_clear_429(merchant_user, settings):
    settings.THROTTLE_RATE_LOGIN_FAILURES_PER_USERNAME = "3/15min"
    client = APIClient()
    for ip in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):  # spread over addresses: still one account
        assert _token(client, merchant_user.username, "wrong-password", ip).status_code == 401
    locked = _token(client, merchant_user.username, "pass-word-123", "198.51.100.4")
    assert locked.status_code == 429
    body = locked.json()
    assert set(body) >= {"code", "message", "timestamp", "retryAfter"} and body["code"] == "TOO_MANY_LOGIN_ATTEMPTS"
    assert int(locked["Retry-After"]) == body["retryAfter"] >= 1


def test_a_successful_login_clears_earlier_failures(merchant_user, settings):
    settings.THROTTLE_RATE_LOGIN_FAILURES_PER_USERNAME = "3/15min"
    client = APIClient()
    for _ in range(2):
        assert _token(client, merchant_user.username, "wrong-password").status_code == 401
    assert _token(client, merchant_user.username, "pass-word-123").status_code == 200
    for _ in range(2):
        assert _token(client, merchant_user.username, "wrong-password").status_code == 401
    assert _token(client, merchant_user.username, "pass-word-123").status_code == 200


def test_login_attempts_from_one_address_are_limited(merchant_user, settings):
    settings.THROTTLE_RATE_LOGIN_PER_IP = "4/min"
    client = APIClient()
    statuses = [_token(client, f"someone-{n}", "guess", "192.0.2.9").status_code for n in range(4)]
    assert statuses == [401] * 4
    assert _token(client, merchant_user.username, "pass-word-123", "192.0.2.9").status_code == 429
    assert _token(client, merchant_user.username, "pass-word-123", "192.0.2.10").status_code == 200


def test_the_dashboard_login_form_has_the_same_limits(merchant_user, settings):
    settings.THROTTLE_RATE_LOGIN_FAILURES_PER_USERNAME = "2/15min"
    client = Client()
    for _ in range(2):
        response = client.post("/admin/login/", {"username": merchant_user.username, "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    locked = client.post("/admin/login/", {"username": merchant_user.username, "password": "pass-word-123"})
    assert locked.status_code == 429 and int(locked["Retry-After"]) >= 1
    assert "로그인 시도가 너무 많습니다" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_proxy_addresses_are_trusted_only_as_configured(merchant_user, settings):
    settings.THROTTLE_RATE_LOGIN_PER_IP = "1/min"
    client = APIClient()
    # Without trusted proxies a forged X-Forwarded-For changes nothing: REMOTE_ADDR is counted.
    assert _token(client, "a", "b", "192.0.2.50").status_code == 401
    forged = client.post(
        "/api/auth/token", {"username": "a", "password": "b"}, format="json",
        REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="10.9.9.9",
    )  # fmt: skip
    assert forged.status_code == 429
    settings.TRUSTED_PROXY_COUNT = 1
    behind_proxy = client.post(
        "/api/auth/token", {"username": "a", "password": "b"}, format="json",
        REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="spoofed, 198.51.100.77",
    )  # fmt: skip
    assert behind_proxy.status_code == 401  # counted for 198.51.100.77, the address the proxy saw


def test_embedded_cache_counters_hold_under_concurrency(tmp_path):
    """36 concurrent increments of one counter: each one counts (Django's FileBasedCache loses some)."""
    cache = AtomicFileBasedCache(str(tmp_path / "cache"), {})
    cache.add("counter", 0, timeout=60)
    results: list[int] = []
    barrier = threading.Barrier(36)

    def bump() -> None:
        barrier.wait()
        results.append(cache.incr("counter"))

    threads = [threading.Thread(target=bump) for _ in range(36)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == list(range(1, 37)) and cache.get("counter") == 36


def test_counters_count_atomically_and_expire_on_both_cache_backends(tmp_path, settings):
    """The throttles' one primitive: a first count starts the window's lifetime, later ones keep it."""
    import time as clock

    redis_cache = counting_cache()
    file_cache = AtomicFileBasedCache(str(tmp_path / "cache"), {})
    for backend in (redis_cache, file_cache):
        assert [backend.count("window", timeout=1) for _ in range(3)] == [1, 2, 3]
        clock.sleep(1.2)
        assert backend.count("window", timeout=1) == 1, backend


def test_counting_survives_redis_forgetting_its_scripts():
    redis_cache = counting_cache()
    assert isinstance(redis_cache, RedisCache)

    assert redis_cache.count("after-flush", timeout=60) == 1
    redis_cache._cache.get_client(write=True).script_flush()  # as after a Redis restart
    assert redis_cache.count("after-flush", timeout=60) == 2
    values, count = redis_cache.read_and_count(["missing"], "after-flush", 60)
    assert values == {} and count == 3
