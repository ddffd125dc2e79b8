"""Request limits counted in the cache (Redis in production, the atomic embedded cache otherwise).

One primitive, :func:`hit`, counts requests in fixed windows with an atomic ``incr``; the Content rate limit,
the DRF throttles of the Toile API and the login limits are all built on it, so every one of them holds
under concurrency. Rates are written ``"N/period"``: ``"60/min"``, ``"10/15min"``, ``"1000/day"``.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from common.cache import counting_cache
from common.errors import TooManyRequests
from common.read_ahead import take_count

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|sec|second|m|min|minute|h|hour|d|day)s?\s*$")
_UNIT_SECONDS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}
_UNIT_SECONDS |= {"d": 86400, "day": 86400}


@functools.cache
def parse_rate(rate: str) -> tuple[int, int]:
    """``"10/15min"`` → (10, 900): requests allowed per window, window length in seconds."""
    match = _RATE.match(rate)
    if not match:
        raise ValueError(f"rate {rate!r} is not of the form N/period (e.g. 60/min, 10/15min)")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNIT_SECONDS[unit]


def _window_key(key: str, period: int, now: float) -> tuple[str, int]:
    window = int(now // period)
    return f"throttle:{key}:{period}:{window}", window


def counter_key(key: str, rate: str) -> tuple[str, int]:
    """The cache key counting ``key``'s current window of ``rate``, and how long it lives."""
    _, period = parse_rate(rate)
    return _window_key(key, period, time.time())[0], period + 1


def hit(key: str, rate: str, *, request: Any | None = None) -> int | None:
    """Counts one request against ``key``; the seconds to wait when that exceeds ``rate``, else None.

    A polled view may have counted it already, in the round trip that read its cache keys
    (``common.read_ahead``): then that count is used.
    """
    limit, period = parse_rate(rate)
    now = time.time()
    cache_key, window = _window_key(key, period, now)
    count = take_count(request, cache_key)
    if count is None:
        count = counting_cache().count(cache_key, timeout=period + 1)  # common.cache: atomic, one command on Redis
    if count > limit:
        return max(1, math.ceil((window + 1) * period - now))
    return None


def exhausted(key: str, rate: str) -> int | None:
    """Like :func:`hit` without counting: the seconds to wait when ``key`` already used up ``rate``."""
    limit, period = parse_rate(rate)
    now = time.time()
    cache_key, window = _window_key(key, period, now)
    if int(cache.get(cache_key) or 0) >= limit:
        return max(1, math.ceil((window + 1) * period - now))
    return None


def reset(key: str, rate: str) -> None:
    _, period = parse_rate(rate)
    cache.delete(_window_key(key, period, time.time())[0])


def client_ip(request: HttpRequest | Request) -> str:
    """The client's address: ``REMOTE_ADDR``, or behind ``TRUSTED_PROXY_COUNT`` proxies the address the
    outermost trusted proxy saw (X-Forwarded-For is appended to by each proxy; earlier entries are the
    client's to forge)."""
    meta = request.META
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return str(meta.get("REMOTE_ADDR") or "unknown")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:32]


class WindowThrottle(BaseThrottle):
    """A DRF throttle on :func:`hit`. Subclasses name a ``rate_setting`` and say whom a request counts for
    (``ident``, or None when the throttle does not apply to it)."""

    rate_setting = ""
    _wait: int | None = None

    def ident(self, request: Request, view: Any) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Request, view: Any) -> bool:
        ident = self.ident(request, view)
        if ident is None:
            return True
        self._wait = hit(f"{type(self).__name__}:{ident}", getattr(settings, self.rate_setting), request=request)
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait


def _api_key(request: Request) -> Any:
    return getattr(request.user, "api_key", None)


class ApiKeyRateThrottle(WindowThrottle):
    """Every request of one API key (secret or publishable)."""

    rate_setting = "THROTTLE_RATE_PER_API_KEY"

    def ident(self, request: Request, view: Any) -> str | None:
        api_key = _api_key(request)
        return api_key.prefix if api_key is not None else None

    @classmethod
    def counter_for(cls, key_prefix: str) -> tuple[str, int]:
        """The counter this throttle counts for the key with ``key_prefix``: known before authentication, so
        that a polled view can count it in its read-ahead."""
        return counter_key(f"{cls.__name__}:{key_prefix}", settings.THROTTLE_RATE_PER_API_KEY)


class VisitorRateThrottle(WindowThrottle):
    """Requests on behalf of one shopper (``visitorId`` in the body or the query string)."""

    rate_setting = "THROTTLE_RATE_PER_VISITOR"

    def ident(self, request: Request, view: Any) -> str | None:
        api_key = _api_key(request)
        if api_key is None:
            return None
        # A status poll (the hot path) has neither a query string nor a body to parse.
        visitor = request.query_params.get("visitorId") if request.META.get("QUERY_STRING") else None
        if not visitor and request.method not in ("GET", "HEAD") and hasattr(request.data, "get"):
            visitor = request.data.get("visitorId")
        if not isinstance(visitor, str) or not visitor:
            return None
        return f"{api_key.merchant_id}:{_digest(visitor)}"


class PublishableKeyIpThrottle(WindowThrottle):
    """Publishable keys sit in shop pages: anyone can lift one and call from a script with made-up
    visitorIds, so their requests are also counted per client address (meaningful for browser traffic,
    unlike server-to-server calls with a secret key, which all come from the shop's server)."""

    rate_setting = "THROTTLE_RATE_PER_WIDGET_IP"

    def ident(self, request: Request, view: Any) -> str | None:
        api_key = _api_key(request)
        if api_key is None or not getattr(api_key, "is_publishable", False):
            return None
        return f"{api_key.prefix}:{_digest(client_ip(request))}"


TOILE_API_THROTTLES = [ApiKeyRateThrottle, VisitorRateThrottle, PublishableKeyIpThrottle]


# --- Logins (the JWT token endpoint and the dashboard's login form) ---------------------------------------


def _login_keys(username: str, ip: str) -> tuple[str, str]:
    return f"login-ip:{_digest(ip)}", f"login-user:{_digest(username.strip().lower())}"


def check_login_allowed(*, username: str, ip: str) -> None:
    """Counts a login attempt from ``ip``; 429 when that address tried too often or when ``username`` had
    too many failed attempts lately (a guessing attack on one account from many addresses)."""
    ip_key, user_key = _login_keys(username, ip)
    wait = hit(ip_key, settings.THROTTLE_RATE_LOGIN_PER_IP) or exhausted(
        user_key, settings.THROTTLE_RATE_LOGIN_FAILURES_PER_USERNAME
    )
    if wait:
        raise TooManyRequests(
            f"로그인 시도가 너무 많습니다. {wait}초 후 다시 시도해 주세요.",
            code="TOO_MANY_LOGIN_ATTEMPTS",
            retry_after=wait,
        )


def record_login_failure(*, username: str, ip: str) -> None:
    hit(_login_keys(username, ip)[1], settings.THROTTLE_RATE_LOGIN_FAILURES_PER_USERNAME)


def record_login_success(*, username: str, ip: str) -> None:
    """A successful login forgives the account's earlier mistakes (the address count stays)."""
    reset(_login_keys(username, ip)[1], settings.THROTTLE_RATE_LOGIN_FAILURES_PER_USERNAME)
