"""Read deadlines in the manner of Apache's mod_reqtimeout, and the error answers the front writes itself."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class ReadDeadline:
    """``initial`` seconds, a second more per ``min_rate`` bytes received, never past ``maximum`` (if set)."""

    initial: float
    min_rate: int
    maximum: float | None = None

    def seconds_allowed(self, bytes_received: int) -> float:
        allowed = self.initial + bytes_received / self.min_rate
        return allowed if self.maximum is None else min(allowed, self.maximum)


def header_deadline() -> ReadDeadline:
    return ReadDeadline(
        settings.WEB_HEADER_TIMEOUT_SECONDS, settings.WEB_MIN_RATE_BYTES, settings.WEB_HEADER_TIMEOUT_MAX_SECONDS
    )


def body_deadline() -> ReadDeadline:
    return ReadDeadline(settings.WEB_BODY_TIMEOUT_SECONDS, settings.WEB_MIN_RATE_BYTES)


MESSAGES = {
    400: "HTTP 요청 형식이 올바르지 않습니다.",
    408: "요청을 제시간에 다 받지 못했습니다. 연결 상태를 확인하고 다시 시도해 주세요.",
    413: "요청 본문이 너무 큽니다.",
}


def error_json(path: str, status: int, message: str | None = None) -> bytes:
    """The body of an error the front answers before Django sees the request, in the product's format."""
    # Imported here: uvicorn imports the protocol before Django is set up.
    from common.errors import TOILE, error_body, product_for_path

    product = product_for_path(path) or TOILE
    body = error_body(product, status, message or MESSAGES.get(status))
    return json.dumps(body, ensure_ascii=False).encode()


def path_of_target(target: bytes) -> str:
    """The path of a request target as far as it arrived (``/api/tryon?x`` -> ``/api/tryon``)."""
    return target.split(b"?", 1)[0].decode("latin-1")
