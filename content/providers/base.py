"""The contract every AI artwork provider fulfils, and the failures it may report."""

from __future__ import annotations

from typing import Protocol

from common.errors import InvalidInput
from common.images import open_untrusted_image

# Generated artwork larger than this is refused (an honest 1–2 MP PNG is a few MB).
MAX_ARTWORK_BYTES = 20 * 1024 * 1024


class ProviderError(Exception):
    """The provider produced no usable artwork; the chain moves on to the next provider."""

    code = "PROVIDER_ERROR"


class ProviderUnavailable(ProviderError):
    """5xx, timeout or connection failure: the provider is unhealthy (counts against its circuit breaker)."""

    code = "PROVIDER_UNAVAILABLE"


class ProviderRateLimited(ProviderError):
    """HTTP 429 (rate limit or exhausted quota): counts against the breaker so we stop hammering it."""

    code = "PROVIDER_RATE_LIMITED"


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


def checked_artwork(data: bytes, provider: str) -> bytes:
    """Provider output is decoded like any untrusted upload before we composite on it."""
    if len(data) > MAX_ARTWORK_BYTES:
        raise ProviderRejected(f"{provider}: artwork of {len(data)} bytes is too large")
    try:
        open_untrusted_image(data, allowed_formats=("PNG", "JPEG", "WEBP"))
    except InvalidInput as exc:
        raise ProviderRejected(f"{provider}: response is not a usable image") from exc
    return data
