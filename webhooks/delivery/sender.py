"""Sends one signed webhook request over the SSRF-guarded client and reports what the receiver did.

Never raises for receiver-side problems: refusals, timeouts, connection errors and non-2xx answers all come
back as a :class:`SendResult` so the caller can record them and schedule a retry.

Connections are kept alive and reused: one process-wide pool (common/keepalive.py) keeps connections per
receiver origin. Every *new* connection has its peer address checked against the SSRF rules after DNS
resolution, as common.http's sessions do (rebinding cannot slip past); a reused connection is one that passed
that check. Each request runs under a :class:`common.deadline.Deadline` that bounds the whole exchange.
"""

from __future__ import annotations

import email.utils
import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext_noop

from common.addresses import validate_public_url
from common.deadline import Deadline
from common.errors import UnsafeURL
from common.keepalive import InvalidAnswer, KeepAlivePool
from common.stored_text import StoredText
from webhooks.delivery.signing import sign

USER_AGENT = "Toile-Webhooks/1.0"
MAX_EXCERPT_BYTES = 2048
# A longer answer is read (and dropped) up to this size so its connection can be reused; beyond, closed.
MAX_DRAIN_BYTES = 64 * 1024
# Receivers kept in the keep-alive pool of one process (least recently used origins are closed first).
POOLED_ORIGINS = 512
# Statuses whose Retry-After we honour (RFC 9110 §10.2.3), and the longest wait we accept from it.
RETRY_AFTER_STATUSES = (429, 503)
MAX_RETRY_AFTER_SECONDS = 3600.0

# What a failed attempt records (the delivery's and the attempt's error, shown by the API and the dashboard).
TIMED_OUT = StoredText(gettext_noop("응답 시간 초과 (%(seconds)s초)"))
BLOCKED = StoredText(gettext_noop("차단된 주소입니다: %(reason)s"))
CONNECTION_FAILED = StoredText(gettext_noop("연결 실패: %(reason)s"))
REQUEST_FAILED = StoredText(gettext_noop("요청 오류: %(error)s"))
REDIRECT_REFUSED = StoredText(gettext_noop("리디렉션은 따르지 않습니다 (HTTP %(status)s, Location: %(location)s)"))
HTTP_STATUS = StoredText(gettext_noop("HTTP %(status)s 응답"))
# Reasons of a connection failure.
REASON_TIMED_OUT = StoredText(gettext_noop("응답 시간 초과"))
REASON_REFUSED = StoredText(gettext_noop("연결이 거부되었습니다"))
REASON_UNKNOWN_HOST = StoredText(gettext_noop("호스트를 찾을 수 없습니다"))
# Our own failure while sending (e.g. an undecryptable secret), recorded as a failed attempt.
SEND_CRASHED = StoredText(gettext_noop("내부 오류로 발송하지 못했습니다: %(error)s"))


@dataclass(frozen=True)
class SendResult:
    succeeded: bool
    response_status: int | None
    error: str | None
    response_excerpt: str
    duration_ms: int
    # Seconds the receiver asked us to wait (Retry-After on a 429 or 503), capped; None when not asked.
    retry_after: float | None = None


def encode_body(payload: dict[str, Any]) -> bytes:
    """A delivery's payload as the bytes sent (and signed): compact UTF-8 JSON."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder).encode("utf-8")


def crashed(exc: Exception) -> SendResult:
    """Our own failure while sending (e.g. an undecryptable secret), as a failed attempt: the delivery is then
    retried on schedule and the merchant sees the reason, instead of it being claimed again every lease."""
    return SendResult(False, None, SEND_CRASHED(error=type(exc).__name__), "", 0)


def signed_headers(*, secret: str, message_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret=secret, message_id=message_id, timestamp=timestamp, body=body),
    }


def post_signed(
    *,
    url: str,
    secret: str,
    message_id: str,
    body: bytes,
    timeout_seconds: float | None = None,
    check_url: bool = True,
) -> SendResult:
    """POSTs ``body`` to ``url`` with Standard Webhooks headers; redirects are not followed.

    ``timeout_seconds`` bounds the whole exchange, connect to last byte read. ``check_url=False`` skips the
    resolve-and-check of the URL when the caller has just done it for this endpoint; the connect-time peer
    check of every new connection applies regardless.
    """
    timeout_seconds = timeout_seconds or settings.WEBHOOKS_TIMEOUT_SECONDS
    started = time.monotonic()

    def failure(
        error: str, status: int | None = None, excerpt: str = "", retry_after: float | None = None
    ) -> SendResult:
        return SendResult(False, status, error, excerpt, int((time.monotonic() - started) * 1000), retry_after)

    def timed_out() -> str:
        return TIMED_OUT(seconds=f"{timeout_seconds:g}")

    with Deadline(timeout_seconds) as limit:
        try:
            if check_url:
                validate_public_url(url)
            answer = _pool().post(
                url,
                headers=signed_headers(secret=secret, message_id=message_id, body=body),
                body=body,
                connect_timeout=min(settings.HTTP_CONNECT_TIMEOUT, timeout_seconds),
                read_timeout=timeout_seconds,
                excerpt_bytes=MAX_EXCERPT_BYTES,
                drain_bytes=MAX_DRAIN_BYTES,
            )
        except UnsafeURL as exc:
            return failure(BLOCKED(reason=exc.message))
        except TimeoutError:
            return failure(timed_out())
        except InvalidAnswer as exc:
            return failure(timed_out() if limit.expired else REQUEST_FAILED(error=type(exc).__name__))
        except OSError as exc:  # refused, unknown host, TLS, the connection broke or the answer was not HTTP
            return failure(timed_out() if limit.expired else CONNECTION_FAILED(reason=_reason(exc)))

    status = answer.status
    excerpt = answer.excerpt.decode("utf-8", errors="replace")
    if 200 <= status < 300:
        return SendResult(True, status, None, excerpt, int((time.monotonic() - started) * 1000))
    if 300 <= status < 400:
        location = answer.headers.get("location", "")
        return failure(REDIRECT_REFUSED(status=status, location=location[:200]), status, excerpt)
    retry_after = parse_retry_after(answer.headers.get("retry-after")) if status in RETRY_AFTER_STATUSES else None
    return failure(HTTP_STATUS(status=status), status, excerpt, retry_after)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delay-seconds or an HTTP-date), capped; None if absent or invalid."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


def _reason(exc: Exception) -> str:
    text = str(exc)
    if "timed out" in text:
        return REASON_TIMED_OUT()
    if "Connection refused" in text or "ECONNREFUSED" in text:
        return REASON_REFUSED()
    if "Name or service not known" in text or "getaddrinfo" in text:
        return REASON_UNKNOWN_HOST()
    return type(exc).__name__


_pool_lock = threading.Lock()
_pool_instance: KeepAlivePool | None = None


def _pool() -> KeepAlivePool:
    """The process's keep-alive connections (common/keepalive.py: common.http's guards, without requests'
    per-request CPU), made anew in a forked child."""
    global _pool_instance
    with _pool_lock:
        if _pool_instance is None or _pool_instance.pid != os.getpid():
            _pool_instance = KeepAlivePool(
                # Several endpoints may share an origin: keep as many connections as a run has threads.
                per_origin=2 * settings.WEBHOOKS_CONCURRENCY,
                origins=POOLED_ORIGINS,
            )
        return _pool_instance


def close_connections() -> None:
    """Closes this process's pooled connections (tests; a worker never needs to)."""
    global _pool_instance
    with _pool_lock:
        if _pool_instance is not None:
            _pool_instance.close()
            _pool_instance = None
