"""Domain exceptions and the two products' error formats.

Services raise :class:`ServiceError` subclasses; one DRF exception handler and the URLconf's error handlers
render every error in the format of the product that owns the path:

- Content Service (``/api/content/``, ``/api/auth/``): ``{code, message, timestamp[, retryAfter]}``
- Toile (every other ``/api/`` path): ``{error, message, statusCode}``
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.timestamps import now_iso_z
from common.validation_messages import first_validation_message

logger = logging.getLogger(__name__)

CONTENT = "content"
TOILE = "toile"

# Toile's error names, as in the spec's components/responses.
TOILE_ERROR_NAMES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    408: "RequestTimeout",
    409: "Conflict",
    410: "Gone",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
    500: "InternalServerError",
    503: "ServiceUnavailable",
}
# Content Service's error codes.
CONTENT_ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
    503: "SERVICE_UNAVAILABLE",
}
DEFAULT_MESSAGES = {
    400: "요청 형식이 올바르지 않습니다.",
    401: "인증이 필요합니다.",
    403: "접근 권한이 없습니다.",
    404: "요청한 리소스를 찾을 수 없습니다.",
    405: "허용되지 않는 메서드입니다.",
    408: "요청을 제시간에 다 받지 못했습니다. 다시 시도해 주세요.",
    409: "이미 처리된 요청입니다.",
    410: "만료된 리소스입니다.",
    413: "요청 크기가 너무 큽니다.",
    415: "지원하지 않는 콘텐츠 형식입니다.",
    429: "요청 한도를 초과했습니다.",
    500: "서버 내부 오류가 발생했습니다.",
    503: "일시적으로 서비스를 사용할 수 없습니다.",
}


class ServiceError(Exception):
    """A failure a client can act on. ``code`` overrides the product's default code/name for the status."""

    status_code = 400

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status_code: int | None = None,
        retry_after: int | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        if status_code is not None:
            self.status_code = status_code
        self.message = message or DEFAULT_MESSAGES.get(self.status_code, "오류가 발생했습니다.")
        self.code = code
        self.retry_after = retry_after
        self.extra = extra or {}
        super().__init__(self.message)


class InvalidInput(ServiceError):
    status_code = 400


class UnsafeURL(InvalidInput):
    """A user-supplied URL that must not be fetched (scheme, private address, size, not an image...)."""


class Unauthorized(ServiceError):
    status_code = 401


class Forbidden(ServiceError):
    status_code = 403


class NotFound(ServiceError):
    status_code = 404


class Conflict(ServiceError):
    status_code = 409


class Gone(ServiceError):
    status_code = 410


class PayloadTooLarge(ServiceError):
    status_code = 413


class TooManyRequests(ServiceError):
    status_code = 429


class ServiceUnavailable(ServiceError):
    status_code = 503


# While Redis (cache, throttles, broker) is unreachable, clients are told to come back after this long.
STORE_OUTAGE_RETRY_AFTER = 10
STORE_OUTAGE_MESSAGE = "일시적으로 서비스를 사용할 수 없습니다. 잠시 후 다시 시도해 주세요."


def is_store_outage(exc: BaseException | None) -> bool:
    """Redis (cache, throttles, leases) or the broker cannot be reached: the client may retry, nothing broke."""
    from kombu.exceptions import OperationalError as BrokerUnreachable
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return isinstance(exc, (RedisConnectionError, RedisTimeoutError, BrokerUnreachable))


def store_outage_response(request_path: str, exc: BaseException) -> JsonResponse:
    logger.warning("store unreachable on %s: %s", request_path, type(exc).__name__)
    return error_json_response(request_path, 503, STORE_OUTAGE_MESSAGE, retry_after=STORE_OUTAGE_RETRY_AFTER)


def product_for_path(path: str) -> str | None:
    if path.startswith(("/api/content/", "/api/auth/")) or path in ("/api/content", "/api/auth"):
        return CONTENT
    if path.startswith("/api/"):
        return TOILE
    return None


def error_body(
    product: str,
    status_code: int,
    message: str | None = None,
    *,
    code: str | None = None,
    retry_after: int | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    message = message or DEFAULT_MESSAGES.get(status_code, "오류가 발생했습니다.")
    if product == CONTENT:
        body: dict[str, Any] = {
            "code": code or CONTENT_ERROR_CODES.get(status_code, f"HTTP_{status_code}"),
            "message": message,
            "timestamp": now_iso_z(),
        }
        if retry_after is not None:
            body["retryAfter"] = retry_after
    else:
        body = {
            "error": code or TOILE_ERROR_NAMES.get(status_code, "Error"),
            "message": message,
            "statusCode": status_code,
        }
    body.update(extra or {})
    return body


def error_json_response(request_path: str, status_code: int, message: str | None = None, **kwargs: Any) -> JsonResponse:
    product = product_for_path(request_path) or TOILE
    response = JsonResponse(error_body(product, status_code, message, **kwargs), status=status_code)
    retry_after = kwargs.get("retry_after")
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    request = context.get("request")
    path = request.path if request is not None else ""
    product = product_for_path(path) or TOILE

    if isinstance(exc, ServiceError):
        response = Response(
            error_body(
                product, exc.status_code, exc.message, code=exc.code, retry_after=exc.retry_after, extra=exc.extra
            ),
            status=exc.status_code,
        )
        if exc.retry_after is not None:
            response["Retry-After"] = str(exc.retry_after)
        return response

    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        return Response(error_body(product, 413, DEFAULT_MESSAGES[413]), status=413)
    elif isinstance(exc, SuspiciousOperation):
        return Response(error_body(product, 400), status=400)
    if is_store_outage(exc):
        logger.warning("store unreachable on %s: %s", path, type(exc).__name__)
        response = Response(
            error_body(product, 503, STORE_OUTAGE_MESSAGE, retry_after=STORE_OUTAGE_RETRY_AFTER), status=503
        )
        response["Retry-After"] = str(STORE_OUTAGE_RETRY_AFTER)
        return response
    handled = drf_exception_handler(exc, context)
    if handled is None:
        logger.exception("Unhandled API error on %s", path, exc_info=exc)
        return Response(error_body(product, 500), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    response = handled

    status_code = response.status_code
    retry_after = None
    if isinstance(exc, drf_exceptions.ValidationError):
        message = first_validation_message(exc.detail)
    elif isinstance(exc, drf_exceptions.Throttled):
        retry_after = int(exc.wait or 1)  # type: ignore[attr-defined]  # DRF sets it in __init__; the stubs omit it
        message = DEFAULT_MESSAGES[429]
    elif isinstance(exc, drf_exceptions.ParseError):
        message = f"요청 본문을 해석할 수 없습니다: {exc.detail}"
    elif isinstance(exc, (drf_exceptions.NotAuthenticated, drf_exceptions.AuthenticationFailed)):
        message = DEFAULT_MESSAGES[401] if isinstance(exc, drf_exceptions.NotAuthenticated) else str(exc.detail)
        if hasattr(exc, "detail") and isinstance(exc.detail, dict):
            message = str(exc.detail.get("detail", DEFAULT_MESSAGES[401]))
    else:
        message = str(getattr(exc, "detail", "")) or DEFAULT_MESSAGES.get(status_code, "")
    response.data = error_body(product, status_code, message, retry_after=retry_after)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
