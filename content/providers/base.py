"""The contract every AI artwork provider fulfils, and the failures it may report."""

from __future__ import annotations

import base64
import binascii
from typing import Any, Protocol

import requests

from common.errors import InvalidInput
from common.http import provider_session
from common.images import open_untrusted_image

# Generated artwork larger than this is refused (an honest 1–2 MP PNG is a few MB).
MAX_ARTWORK_BYTES = 20 * 1024 * 1024
# A 429 without Retry-After pauses the provider this long; a Retry-After is honoured up to the maximum.
DEFAULT_RETRY_AFTER_SECONDS = 10.0
MAX_RETRY_AFTER_SECONDS = 300.0


class ProviderError(Exception):
    """The provider produced no usable artwork; the chain moves on to the next provider."""

    code = "PROVIDER_ERROR"


class ProviderUnavailable(ProviderError):
    """5xx, timeout or connection failure: the provider is unhealthy (counts against its circuit breaker)."""

    code = "PROVIDER_UNAVAILABLE"


class ProviderRateLimited(ProviderError):
    """HTTP 429 (rate limit or exhausted quota): counts against the breaker so we stop hammering it; the
    provider is paused for ``retry_after`` seconds (its Retry-After) for every worker."""

    code = "PROVIDER_RATE_LIMITED"

    def __init__(self, message: str, retry_after: float = DEFAULT_RETRY_AFTER_SECONDS) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderRejected(ProviderError):
    """A 4xx other than moderation and 429: misconfiguration (bad key, bad model) — counts as a failure."""

    code = "PROVIDER_REJECTED"


class ContentRefused(ProviderError):
    """The provider's moderation refused this prompt or its output. Not a sign of an unhealthy provider, so it
    does not count against the breaker; the chain still falls back."""

    code = "CONTENT_MODERATED"


class ImageProvider(Protocol):
    """Draws artwork (no text) for a prompt; returns encoded image bytes (PNG/JPEG/WEBP)."""

    name: str

    def generate(self, prompt: str) -> bytes: ...


class HttpImageProvider:
    """An AI provider reached over HTTPS with a Bearer key: what every such client is configured with."""

    name: str

    def __init__(self, *, api_key: str, base_url: str, model: str, timeout: tuple[float, float]) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout


def checked_artwork(data: bytes, provider: str) -> bytes:
    """Provider output is decoded like any untrusted upload before we composite on it."""
    if len(data) > MAX_ARTWORK_BYTES:
        raise ProviderRejected(f"{provider}: artwork of {len(data)} bytes is too large")
    try:
        open_untrusted_image(data, allowed_formats=("PNG", "JPEG", "WEBP"))
    except InvalidInput as exc:
        raise ProviderRejected(f"{provider}: response is not a usable image") from exc
    return data


def post_to_provider(provider: str, url: str, **request: Any) -> tuple[requests.Response, dict[str, Any]]:
    """POSTs to a provider (no redirects) and returns the response with its JSON object body (``{}`` when the
    body is not one). A timeout or a connection failure is :class:`ProviderUnavailable`."""
    try:
        response = provider_session().post(url, allow_redirects=False, **request)
    except requests.Timeout as exc:
        raise ProviderUnavailable(f"{provider}: request timed out") from exc
    except requests.RequestException as exc:
        raise ProviderUnavailable(f"{provider}: {type(exc).__name__}") from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    return response, body if isinstance(body, dict) else {}


def failure_of(provider: str, response: requests.Response, detail: str = "") -> ProviderError:
    """The failure a non-200 answer means for the chain and the breaker (moderation is the caller's to spot
    first: each provider words it differently)."""
    message = f"{provider}: HTTP {response.status_code} {detail}".strip()
    if response.status_code == 429:
        value = response.headers.get("Retry-After", "")
        retry_after = min(float(value), MAX_RETRY_AFTER_SECONDS) if value.isdigit() else DEFAULT_RETRY_AFTER_SECONDS
        return ProviderRateLimited(message, retry_after)
    if response.status_code >= 500:
        return ProviderUnavailable(message)
    return ProviderRejected(message)


def decoded_artwork(provider: str, encoded: object) -> bytes:
    """Base64 artwork from a JSON answer, checked as an untrusted image."""
    try:
        data = base64.b64decode(str(encoded), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ProviderRejected(f"{provider}: image is not valid base64") from exc
    return checked_artwork(data, provider)
