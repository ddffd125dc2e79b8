"""Circuit breakers around the AI providers, with resilience4j's failure-RATE semantics on top of pybreaker.

pybreaker only counts consecutive failures, so each breaker gets an unreachable ``fail_max`` and a listener
that records every call's outcome in a time-based sliding window (counters in the Django cache — Redis in
production — so all worker processes share it) and opens the breaker once at least
``CONTENT_BREAKER_MIN_CALLS`` calls were seen and the failure rate reaches ``CONTENT_BREAKER_FAILURE_RATE``.
The breaker's own state lives in Redis (``CircuitRedisStorage``) when ``REDIS_URL`` is set, else in the Django
cache, so the web process sees what the workers decided (regenerate answers 503 while it is open).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import pybreaker
import redis
from django.conf import settings
from django.core.cache import cache

from content.providers.base import ContentRefused

logger = logging.getLogger(__name__)

WINDOW_BUCKETS = 10
# Never reached: opening is decided by the failure-rate listener, not by consecutive failures.
UNREACHABLE_FAIL_MAX = 10**9


class FailureRateWindow:
    """Call and failure counts of the last ``window_seconds``, in ``WINDOW_BUCKETS`` cache counters."""

    def __init__(self, name: str, window_seconds: int) -> None:
        self.name = name
        self.bucket_seconds = max(1, math.ceil(window_seconds / WINDOW_BUCKETS))

    def _bucket(self, now: float | None = None) -> int:
        return int((now if now is not None else time.time()) // self.bucket_seconds)

    def _keys(self, bucket: int) -> tuple[str, str]:
        prefix = f"content:breaker:{self.name}:{bucket}"
        return f"{prefix}:calls", f"{prefix}:failures"

    def record(self, *, failed: bool) -> None:
        calls_key, failures_key = self._keys(self._bucket())
        ttl = self.bucket_seconds * (WINDOW_BUCKETS + 1)
        for key in (calls_key, failures_key) if failed else (calls_key,):
            cache.add(key, 0, timeout=ttl)
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=ttl)

    def counts(self) -> tuple[int, int]:
        current = self._bucket()
        keys = [key for bucket in range(current - WINDOW_BUCKETS + 1, current + 1) for key in self._keys(bucket)]
        values = cache.get_many(keys)
        calls = sum(int(values.get(k, 0)) for k in keys[0::2])
        failures = sum(int(values.get(k, 0)) for k in keys[1::2])
        return calls, failures

    def reset(self) -> None:
        current = self._bucket()
        cache.delete_many(
            [key for bucket in range(current - WINDOW_BUCKETS + 1, current + 1) for key in self._keys(bucket)]
        )


class FailureRateListener(pybreaker.CircuitBreakerListener):
    def __init__(self, window: FailureRateWindow, *, minimum_calls: int, failure_rate: float) -> None:
        self.window = window
        self.minimum_calls = minimum_calls
        self.failure_rate = failure_rate

    def success(self, cb: pybreaker.CircuitBreaker) -> None:
        if cb.current_state == pybreaker.STATE_CLOSED:
            self.window.record(failed=False)

    def failure(self, cb: pybreaker.CircuitBreaker, exc: BaseException) -> None:
        if cb.current_state != pybreaker.STATE_CLOSED:
            return
        self.window.record(failed=True)
        calls, failures = self.window.counts()
        if calls >= self.minimum_calls and failures * 100 >= self.failure_rate * calls:
            logger.warning("circuit breaker %s opens: %d of %d calls failed in the window", cb.name, failures, calls)
            cb.open()

    def state_change(self, cb: pybreaker.CircuitBreaker, old_state, new_state) -> None:
        if new_state is not None and new_state.name == pybreaker.STATE_CLOSED:
            self.window.reset()


class CircuitCacheStorage(pybreaker.CircuitBreakerStorage):
    """pybreaker state in the Django cache, for the embedded mode without Redis."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self._prefix = f"content:breaker-state:{name}"

    def _get(self, key: str, default):
        return cache.get(f"{self._prefix}:{key}", default)

    def _set(self, key: str, value) -> None:
        cache.set(f"{self._prefix}:{key}", value, timeout=None)

    @property
    def state(self) -> str:
        return str(self._get("state", pybreaker.STATE_CLOSED))

    @state.setter
    def state(self, state: str) -> None:
        self._set("state", state)

    def increment_counter(self) -> None:
        self._set("fail_counter", self.counter + 1)

    def reset_counter(self) -> None:
        self._set("fail_counter", 0)

    def increment_success_counter(self) -> None:
        self._set("success_counter", self.success_counter + 1)

    def reset_success_counter(self) -> None:
        self._set("success_counter", 0)

    @property
    def counter(self) -> int:
        return int(self._get("fail_counter", 0))

    @property
    def success_counter(self) -> int:
        return int(self._get("success_counter", 0))

    @property
    def opened_at(self) -> datetime | None:
        value = self._get("opened_at", None)
        return datetime.fromtimestamp(value, tz=UTC) if value else None

    @opened_at.setter
    def opened_at(self, now: datetime) -> None:
        self._set("opened_at", int(now.timestamp()))


@lru_cache(maxsize=4)
def _redis_client(url: str) -> redis.Redis:
    # CircuitRedisStorage needs bytes back (no decode_responses).
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def breaker_storage(name: str) -> pybreaker.CircuitBreakerStorage:
    if settings.REDIS_URL:
        return pybreaker.CircuitRedisStorage(
            pybreaker.STATE_CLOSED, _redis_client(settings.REDIS_URL), namespace=f"content:{name}"
        )
    return CircuitCacheStorage(name)


def breaker_for(name: str) -> pybreaker.CircuitBreaker:
    """A breaker bound to the shared state of provider ``name`` (cheap: state lives in Redis or the cache)."""
    window = FailureRateWindow(name, settings.CONTENT_BREAKER_WINDOW_SECONDS)
    return pybreaker.CircuitBreaker(
        fail_max=UNREACHABLE_FAIL_MAX,
        reset_timeout=settings.CONTENT_BREAKER_OPEN_SECONDS,
        exclude=[ContentRefused],
        listeners=[
            FailureRateListener(
                window,
                minimum_calls=settings.CONTENT_BREAKER_MIN_CALLS,
                failure_rate=settings.CONTENT_BREAKER_FAILURE_RATE,
            )
        ],
        state_storage=breaker_storage(name),
        name=name,
    )


@dataclass(frozen=True)
class BreakerStatus:
    name: str
    state: str  # OPEN | HALF_OPEN | CLOSED, as in the spec's CircuitBreakerErrorResponse
    retry_after: int


def breaker_status(name: str) -> BreakerStatus:
    storage = breaker_storage(name)
    state = storage.state
    if state == pybreaker.STATE_OPEN:
        opened_at = storage.opened_at
        if opened_at is None:
            return BreakerStatus(name, "OPEN", settings.CONTENT_BREAKER_OPEN_SECONDS)
        remaining = (opened_at + timedelta(seconds=settings.CONTENT_BREAKER_OPEN_SECONDS)) - datetime.now(UTC)
        if remaining.total_seconds() > 0:
            return BreakerStatus(name, "OPEN", max(1, math.ceil(remaining.total_seconds())))
        return BreakerStatus(name, "HALF_OPEN", 0)
    if state == pybreaker.STATE_HALF_OPEN:
        return BreakerStatus(name, "HALF_OPEN", 0)
    return BreakerStatus(name, "CLOSED", 0)
