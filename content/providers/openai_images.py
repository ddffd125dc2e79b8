"""OpenAI Images client: ``POST /v1/images/generations`` (JSON, Bearer key).

``model`` is always sent (the API's default is dall-e-2). GPT-image models always answer ``b64_json``;
DALL-E models need ``response_format: b64_json`` (their URLs expire). Errors are
``{"error": {message, type, param, code}}``; moderation blocks are 400s with code ``moderation_blocked``
(GPT-image) or ``content_policy_violation`` (DALL-E).
"""

from __future__ import annotations

from content.providers.base import (
    ContentRefused,
    ProviderRejected,
    decoded_artwork,
    post_to_provider,
    raise_for_failure,
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
        raise_for_failure(self.name, response, code if response.status_code < 500 else "")
