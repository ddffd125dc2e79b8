"""A local server speaking Stability AI's image-generation wire format (tests/support/ai_images.py)."""

from __future__ import annotations

import base64
import time

from tests.support.ai_images import FakeImageApi, artwork_png


class FakeStability(FakeImageApi):
    """``POST /v2beta/stable-image/generate/{model}``: multipart in, JSON out (we send Accept: application/json)."""

    def answer(self, path: str, headers: dict, body: bytes) -> tuple[int | None, dict]:
        if not path.startswith("/v2beta/stable-image/generate/"):
            return 404, {"id": "x", "name": "not_found", "errors": ["Not Found"]}
        if not headers.get("Authorization", "").startswith("Bearer "):
            return 401, {"id": "x", "name": "unauthorized", "errors": ["Missing API key"]}
        if not headers.get("Content-Type", "").startswith("multipart/form-data") or b'name="prompt"' not in body:
            return 400, {"id": "x", "name": "bad_request", "errors": ["prompt: required"]}
        if self.mode == "timeout":
            time.sleep(self.delay)
        if self.mode in ("success", "timeout"):
            image = base64.b64encode(artwork_png()).decode()
            return 200, {"image": image, "finish_reason": "SUCCESS", "seed": 343940597}
        if self.mode == "filtered":
            return 200, {
                "image": base64.b64encode(artwork_png((0, 0, 0))).decode(),
                "finish_reason": "CONTENT_FILTERED",
                "seed": 1,
            }
        if self.mode == "moderation":
            return 403, {
                "id": "ed14db44947a4c5b9a4e4f1c5f2f8e1a",
                "name": "content_moderation",
                "errors": ["Your request was flagged by our content moderation system."],
            }
        if self.mode == "rate_limit":
            return 429, {"id": "x", "name": "rate_limit_exceeded", "errors": ["You have exceeded the rate limit."]}
        return 500, {"id": "x", "name": "internal_error", "errors": ["An unexpected server error occurred."]}
