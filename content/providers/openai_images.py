"""OpenAI Images client: ``POST /v1/images/generations`` (JSON, Bearer key).

``model`` is always sent (the API's default is dall-e-2). GPT-image models always answer ``b64_json``;
DALL-E models need ``response_format: b64_json`` (their URLs expire). Errors are
``{"error": {message, type, param, code}}``; moderation blocks are 400s with code ``moderation_blocked``
(GPT-image) or ``content_policy_violation`` (DALL-E).
"""

from __future__ import annotations

import base64
import binascii

import requests

from common.http import provider_session
from content.providers.base import (
    ContentRefused,
    ProviderRateLimited,
    ProviderRejected,
    ProviderUnavailable,
    checked_artwork,
)

MODERATION_CODES = {"moderation_blocked", "content_policy_violation"}


class OpenAIImagesProvider:
    name = "openai"

    def __init__(self, *, api_key: str, base_url: str, model: str, timeout: tuple[float, float]) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout = timeout

    def generate(self, prompt: str) -> bytes:
        payload: dict[str, object] = {"model": self.model, "prompt": prompt, "n": 1, "size": "1024x1024"}
        if self.model.startswith("dall-e"):
            payload["response_format"] = "b64_json"
        try:
            response = provider_session().post(
                f"{self.base_url}/v1/images/generations",
                headers={"Authorization": f"Bearer {self.api_key}"},
                json=payload,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise ProviderUnavailable("openai: request timed out") from exc
        except requests.RequestException as exc:
            raise ProviderUnavailable(f"openai: {type(exc).__name__}") from exc

        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if response.status_code == 200:
            try:
                encoded = body["data"][0]["b64_json"]
                data = base64.b64decode(str(encoded), validate=True)
            except (KeyError, IndexError, TypeError, binascii.Error, ValueError) as exc:
                raise ProviderRejected("openai: response carries no b64_json image") from exc
            return checked_artwork(data, self.name)
        error = body.get("error") if isinstance(body.get("error"), dict) else {}
        code = str(error.get("code") or "")
        if code in MODERATION_CODES:
            raise ContentRefused(f"openai: {code}")
        if response.status_code == 429:
            raise ProviderRateLimited(f"openai: HTTP 429 {code}".strip())
        if response.status_code >= 500:
            raise ProviderUnavailable(f"openai: HTTP {response.status_code}")
        raise ProviderRejected(f"openai: HTTP {response.status_code} {code}".strip())
