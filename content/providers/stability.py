"""Stability AI REST v2beta client: ``POST /v2beta/stable-image/generate/{model}`` (multipart, Bearer key).

We ask for ``Accept: application/json`` so the answer carries ``finish_reason`` next to the base64 image:
``CONTENT_FILTERED`` with a 200 is a moderation block, as is a 403 whose error ``name`` is
``content_moderation``. Errors are ``{id, name, errors[]}``.
"""

from __future__ import annotations

import base64
import binascii
import logging

import requests

from common.http import provider_session
from content.providers.base import (
    ContentRefused,
    ProviderRateLimited,
    ProviderRejected,
    ProviderUnavailable,
    checked_artwork,
)

logger = logging.getLogger(__name__)

NEGATIVE_PROMPT = "text, letters, words, watermark, logo, signature, typography, caption"


class StabilityProvider:
    name = "stability"

    def __init__(self, *, api_key: str, base_url: str, model: str, timeout: tuple[float, float]) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout

    def generate(self, prompt: str) -> bytes:
        url = f"{self.base_url}/v2beta/stable-image/generate/{self.model}"
        try:
            response = provider_session().post(
                url,
                headers={"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"},
                # The endpoint only accepts multipart/form-data, even without a file.
                files={"none": ("", b"")},
                data={
                    "prompt": prompt,
                    "negative_prompt": NEGATIVE_PROMPT,
                    "aspect_ratio": "1:1",
                    "output_format": "png",
                },
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise ProviderUnavailable("stability: request timed out") from exc
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"stability: {type(exc).__name__}") from exc

        body = _json_or_empty(response)
        if response.status_code == 200:
            if body.get("finish_reason") == "CONTENT_FILTERED":
                raise ContentRefused("stability: output filtered by content moderation")
            try:
                data = base64.b64decode(str(body.get("image", "")), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise ProviderRejected("stability: image is not valid base64") from exc
            return checked_artwork(data, self.name)
        name = str(body.get("name", ""))
        errors = "; ".join(str(e) for e in body.get("errors", []) if e)[:300]
        if response.status_code == 403 and name == "content_moderation":
            raise ContentRefused(f"stability: content moderation ({errors})")
        if response.status_code == 429:
            raise ProviderRateLimited("stability: rate limited (HTTP 429)")
        if response.status_code >= 500:
            raise ProviderUnavailable(f"stability: HTTP {response.status_code} {name}".strip())
        raise ProviderRejected(f"stability: HTTP {response.status_code} {name} {errors}".strip())


def _json_or_empty(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
