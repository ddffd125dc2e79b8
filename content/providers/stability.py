"""Stability AI REST v2beta client: ``POST /v2beta/stable-image/generate/{model}`` (multipart, Bearer key).

We ask for ``Accept: application/json`` so the answer carries ``finish_reason`` next to the base64 image:
``CONTENT_FILTERED`` with a 200 is a moderation block, as is a 403 whose error ``name`` is
``content_moderation``. Errors are ``{id, name, errors[]}``.
"""

from __future__ import annotations

import logging

from content.providers.base import ContentRefused, HttpImageProvider, decoded_artwork, failure_of, post_to_provider

logger = logging.getLogger(__name__)

NEGATIVE_PROMPT = "text, letters, words, watermark, logo, signature, typography, caption"


class StabilityProvider(HttpImageProvider):
    name = "stability"

    def generate(self, prompt: str) -> bytes:
        response, body = post_to_provider(
            self.name,
            f"{self.base_url}/v2beta/stable-image/generate/{self.model}",
            headers={"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"},
            # The endpoint only accepts multipart/form-data, even without a file.
            files={"none": ("", b"")},
            data={"prompt": prompt, "negative_prompt": NEGATIVE_PROMPT, "aspect_ratio": "1:1", "output_format": "png"},
            timeout=self.timeout,
        )
        if response.status_code == 200:
            if body.get("finish_reason") == "CONTENT_FILTERED":
                raise ContentRefused("stability: output filtered by content moderation")
            return decoded_artwork(self.name, body.get("image", ""))
        name = str(body.get("name", ""))
        errors = "; ".join(str(e) for e in body.get("errors", []) if e)[:300]
        if response.status_code == 403 and name == "content_moderation":
            raise ContentRefused(f"stability: content moderation ({errors})")
        raise failure_of(self.name, response, name if response.status_code >= 429 else f"{name} {errors}")
