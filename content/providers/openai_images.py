"""OpenAI Images client: ``POST /v1/images/generations`` (JSON, Bearer key).

``model`` is always sent (the API's default is dall-e-2). GPT-image models always answer ``b64_json``;
DALL-E models need ``response_format: b64_json`` (their URLs expire). Errors are
``{"error": {message, type, param, code}}``; moderation blocks are 400s with code ``moderation_blocked``
(GPT-image) or ``content_policy_violation`` (DALL-E).
"""

from __future__ import annotations

from content.providers.base import (
    ContentRefused,
    HttpImageProvider,
    ProviderRejected,
    decoded_artwork,
    failure_of,
    post_to_provider,
)

MODERATION_CODES = {"moderation_blocked", "content_policy_violation"}


class OpenAIImagesProvider(HttpImageProvider):
    name = "openai"

    def generate(self, prompt: str) -> bytes:
        payload: dict[str, object] = {"model": self.model, "prompt": prompt, "n": 1, "size": "1024x1024"}
        if self.model.startswith("dall-e"):
            payload["response_format"] = "b64_json"
        response, body = post_to_provider(
            self.name,
            f"{self.base_url}/v1/images/generations",
            headers={"Authorization": f"Bearer {self.api_key}"},
            json=payload,
            timeout=self.timeout,
        )
        if response.status_code == 200:
            try:
                encoded = body["data"][0]["b64_json"]
            except (KeyError, IndexError, TypeError) as exc:
                raise ProviderRejected("openai: response carries no b64_json image") from exc
            return decoded_artwork(self.name, encoded)
        error = body["error"] if isinstance(body.get("error"), dict) else {}
        code = str(error.get("code") or "")
        if code in MODERATION_CODES:
            raise ContentRefused(f"openai: {code}")
        raise failure_of(self.name, response, code if response.status_code < 500 else "")
