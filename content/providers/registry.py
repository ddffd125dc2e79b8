"""Which AI providers are configured, in chain order (configuration, not ``if`` chains in services)."""

from __future__ import annotations

from django.conf import settings

from content.providers.base import ImageProvider
from content.providers.openai_images import OpenAIImagesProvider
from content.providers.stability import StabilityProvider


def configured_ai_providers() -> list[ImageProvider]:
    timeout = (settings.HTTP_CONNECT_TIMEOUT, settings.CONTENT_PROVIDER_TIMEOUT)
    providers: list[ImageProvider] = []
    if settings.STABILITY_API_KEY:
        providers.append(
            StabilityProvider(
                api_key=settings.STABILITY_API_KEY,
                base_url=settings.STABILITY_API_BASE,
                model=settings.STABILITY_MODEL,
                timeout=timeout,
            )
        )
    if settings.OPENAI_API_KEY:
        providers.append(
            OpenAIImagesProvider(
                api_key=settings.OPENAI_API_KEY,
                base_url=settings.OPENAI_API_BASE,
                model=settings.OPENAI_IMAGE_MODEL,
                timeout=timeout,
            )
        )
    return providers
