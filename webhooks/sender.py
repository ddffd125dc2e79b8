"""Sends one signed webhook request over the SSRF-guarded client and reports what the receiver did.

Never raises for receiver-side problems: refusals, timeouts, connection errors and non-2xx answers all come
back as a :class:`SendResult` so the caller can record them and schedule a retry.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import requests
from django.conf import settings

from common.errors import UnsafeURL
from common.http import public_session, validate_public_url
from webhooks.crypto import sign

USER_AGENT = "Toile-Webhooks/1.0"
MAX_EXCERPT_BYTES = 2048
# Time granted past the timeout for a response that has arrived to be read and classified.
DEADLINE_GRACE_SECONDS = 0.5


@dataclass(frozen=True)
class SendResult:
    succeeded: bool
    response_status: int | None
    error: str | None
    response_excerpt: str
    duration_ms: int


def signed_headers(*, secret: str, message_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret=secret, message_id=message_id, timestamp=timestamp, body=body),
    }


def _read_excerpt(response: requests.Response, deadline: float) -> str:
    received = b""
    for chunk in response.iter_content(1024):
        received += chunk
        if len(received) >= MAX_EXCERPT_BYTES or time.monotonic() > deadline:
            break
    return received[:MAX_EXCERPT_BYTES].decode("utf-8", errors="replace")


def post_signed(
    *, url: str, secret: str, message_id: str, body: bytes, timeout_seconds: float | None = None
) -> SendResult:
    """POSTs ``body`` to ``url`` with Standard Webhooks headers; redirects are not followed.

    ``timeout_seconds`` bounds the whole exchange. The socket timeouts alone bound each read, so a receiver
    trickling its answer a byte at a time could hold the sender (and its claim) indefinitely; the request
    therefore runs in a helper thread that is abandoned at the deadline (it ends when the receiver stops or a
    read times out; a deadline inside `common.http` could close the socket at once).
    """
    timeout_seconds = timeout_seconds or settings.WEBHOOKS_TIMEOUT_SECONDS
    started = time.monotonic()
    outcome: list[SendResult | BaseException] = []

    def run() -> None:
        try:
            outcome.append(
                _post_signed(url=url, secret=secret, message_id=message_id, body=body, timeout=timeout_seconds)
            )
        except BaseException as exc:  # re-raised in the caller's thread
            outcome.append(exc)

    worker = threading.Thread(target=run, name=f"webhook-send-{message_id}", daemon=True)
    worker.start()
    worker.join(timeout_seconds + DEADLINE_GRACE_SECONDS)
    if not outcome:
        elapsed_ms = int((time.monotonic() - started) * 1000)
        return SendResult(False, None, f"응답 시간 초과 ({timeout_seconds:g}초)", "", elapsed_ms)
    if isinstance(outcome[0], BaseException):
        raise outcome[0]
    return outcome[0]


def _post_signed(*, url: str, secret: str, message_id: str, body: bytes, timeout: float) -> SendResult:
    timeout_seconds = timeout
    started = time.monotonic()
    deadline = started + timeout_seconds

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    def failure(error: str, status: int | None = None, excerpt: str = "") -> SendResult:
        return SendResult(False, status, error, excerpt, elapsed_ms())

    try:
        validate_public_url(url)
        headers = signed_headers(secret=secret, message_id=message_id, body=body)
        with public_session() as session:
            response = session.post(
                url,
                data=body,
                headers=headers,
                timeout=(min(settings.HTTP_CONNECT_TIMEOUT, timeout_seconds), timeout_seconds),
                allow_redirects=False,
                stream=True,
            )
            with response:
                excerpt = _read_excerpt(response, deadline)
    except UnsafeURL as exc:
        return failure(f"차단된 주소입니다: {exc.message}")
    except requests.Timeout:
        return failure(f"응답 시간 초과 ({timeout_seconds:g}초)")
    except requests.ConnectionError as exc:
        return failure(f"연결 실패: {_reason(exc)}")
    except requests.RequestException as exc:
        return failure(f"요청 오류: {type(exc).__name__}")

    status = response.status_code
    if 200 <= status < 300:
        return SendResult(True, status, None, excerpt, elapsed_ms())
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        return failure(f"리디렉션은 따르지 않습니다 (HTTP {status}, Location: {location[:200]})", status, excerpt)
    return failure(f"HTTP {status} 응답", status, excerpt)


def _reason(exc: requests.ConnectionError) -> str:
    text = str(exc)
    if "timed out" in text:
        return "응답 시간 초과"
    if "Connection refused" in text or "ECONNREFUSED" in text:
        return "연결이 거부되었습니다"
    if "Name or service not known" in text or "getaddrinfo" in text:
        return "호스트를 찾을 수 없습니다"
    return type(exc).__name__
