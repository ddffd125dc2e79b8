"""A local server speaking OpenAI's image-generation wire format (tests/support/ai_images.py)."""

from __future__ import annotations

import base64
import json
import time

from tests.support.ai_images import FakeImageApi, artwork_png


class FakeOpenAI(FakeImageApi):
    """``POST /v1/images/generations``: JSON in, ``{created, data: [{b64_json}]}`` out."""

    def answer(self, path: str, headers: dict, body: bytes) -> tuple[int | None, dict]:
        if path != "/v1/images/generations":
            return 404, {
                "error": {"message": "Unknown path", "type": "invalid_request_error", "param": None, "code": None}
            }
        request = json.loads(body or b"{}")
        if "model" not in request or "prompt" not in request:
            return 400, {
                "error": {
                    "message": "model and prompt required",
                    "type": "invalid_request_error",
                    "param": "model",
                    "code": None,
                }
            }
        if self.mode == "timeout":
            time.sleep(self.delay)
        if self.mode in ("success", "timeout"):
            return 200, {"created": int(time.time()), "data": [{"b64_json": base64.b64encode(artwork_png()).decode()}]}
        if self.mode == "moderation":
            return 400, {
                "error": {
                    "message": "Your request was rejected as a result of our safety system.",
                    "type": "image_generation_user_error",
                    "param": None,
                    "code": "moderation_blocked",
                }
            }
        if self.mode == "rate_limit":
            return 429, {
                "error": {
                    "message": "Rate limit reached for images",
                    "type": "requests",
                    "param": None,
                    "code": "rate_limit_exceeded",
                }
            }
        return 500, {
            "error": {
                "message": "The server had an error while processing your request.",
                "type": "server_error",
                "param": None,
                "code": None,
            }
        }
